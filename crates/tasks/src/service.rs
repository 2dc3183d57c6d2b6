//! Each action on a task in one transaction with its audit row and its event, nothing
//! half-applied: create (typed, or from an incoming document), a unit's progress or completion
//! report, the office's acceptance or return, a unit's request for more time and the office's
//! grant or refusal, and a leader's written reminder (đôn đốc). The rules are `tinhso_domain::task` and
//! [`crate::model`]; who may act is [`crate::policy`], decided again on the locked row.

use crate::events;
use crate::model::{self, Position, ReportKind, SourceKind, TextError};
use crate::policy::{self, TaskAction};
use crate::store::{self, NewReport, NewTask, NewUnit, UnitChange};
use crate::{Task, TaskUnit};
use chrono::{Datelike, NaiveDate};
use serde_json::{Value, json};
use tinhso_domain::calendar::Calendar;
use tinhso_domain::task::TaskRuleError;
use tinhso_domain::task::deadline::{self, DeadlineSpec};
use tinhso_domain::task::ranking::Priority;
use tinhso_domain::task::state::{self, UnitAction, UnitRole, UnitState};
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::auth::User;
use tinhso_kernel::change;
pub(crate) use tinhso_kernel::change::Step;
use tinhso_kernel::db::Conn;
use tinhso_kernel::error::{AppError, FieldError};
use tinhso_kernel::module::{Resolved, reference};

/// Who acts, and how the audit trail names them.
pub struct Who<'a> {
    pub user: &'a User,
    pub actor: Actor,
}

/// A unit as the assigner names it: its agency code, `lead` or `supporting`, and its deadline
/// as working days or a date (`YYYY-MM-DD`), exactly one of them.
#[derive(Debug, Clone, Default)]
pub struct UnitInput {
    pub agency: String,
    pub role: String,
    pub working_days: Option<i64>,
    pub due_date: Option<String>,
}

/// A new task as given. `source_document`: the id of an incoming document it comes from
/// (its subject is the title when none is given).
#[derive(Debug, Clone, Default)]
pub struct TaskInput {
    pub title: String,
    pub content: String,
    pub authority: String,
    pub position: String,
    pub priority: String,
    pub field: String,
    pub source_document: Option<String>,
    pub units: Vec<UnitInput>,
    /// A monthly or quarterly rule: the task becomes a series of occurrences
    /// ([`crate::recurrence`]).
    pub recurrence: Option<crate::recurrence::RecurrenceInput>,
}

/// The field a unit's error is shown on: `unit_<agency code>`.
pub fn unit_field(code: &str) -> String {
    format!("unit_{}", code.trim())
}

/// Today in Vietnam.
pub(crate) fn today() -> NaiveDate {
    tinhso_kernel::time::local_now().date()
}

fn text_field(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: &str,
    max: usize,
    required: bool,
) -> String {
    model::text(value, max, required).unwrap_or_else(|e: TextError| {
        errors.push(FieldError::new(field, e.to_string()));
        String::new()
    })
}

/// A unit checked: its agency, role, deadline spec and due day.
pub(crate) struct UnitPlan {
    pub(crate) agency: tinhso_directory::Agency,
    pub(crate) role: UnitRole,
    pub(crate) days: Option<i64>,
    pub(crate) due_on: NaiveDate,
}

fn deadline_spec(u: &UnitInput) -> Result<DeadlineSpec, TaskRuleError> {
    let date = u
        .due_date
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    match (u.working_days, date) {
        (Some(n), None) => u32::try_from(n)
            .map(DeadlineSpec::WorkingDays)
            .map_err(|_| TaskRuleError::WorkingDaysOutOfRange {
                max: deadline::MAX_WORKING_DAYS,
            }),
        (None, Some(text)) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(DeadlineSpec::OnDate)
            .map_err(|_| TaskRuleError::Calendar),
        _ => Err(TaskRuleError::WrongState),
    }
}

const ONE_DEADLINE: &str =
    "Cho mỗi đơn vị một thời hạn: số ngày làm việc hoặc một ngày (YYYY-MM-DD), không cả hai.";
const BAD_DATE: &str = "Ngày có dạng YYYY-MM-DD.";
const NOT_UNDER: &str = "Đơn vị này không thuộc quyền chỉ đạo của cơ quan giao nhiệm vụ.";

/// One unit of the input checked against the authority and the calendar.
async fn plan_unit(
    ctx: &Ctx,
    calendar: &Calendar,
    authority: &tinhso_directory::Agency,
    u: &UnitInput,
) -> Result<UnitPlan, FieldError> {
    let field = unit_field(&u.agency);
    let refuse = |m: &str| FieldError::new(&field, m);
    let role: UnitRole =
        u.role.trim().parse().map_err(|_| {
            refuse("Vai trò của đơn vị là chủ trì (lead) hoặc phối hợp (supporting).")
        })?;
    let agency = tinhso_directory::find(&ctx.db, &u.agency)
        .await
        .map_err(|_| refuse(NOT_UNDER))?
        .ok_or_else(|| refuse("Không có đơn vị với mã định danh này."))?;
    let under = agency.id != authority.id
        && tinhso_kernel::auth::authz::is_within(&ctx.db, &agency.id, &authority.id)
            .await
            .map_err(|_| refuse(NOT_UNDER))?;
    if !under {
        return Err(refuse(NOT_UNDER));
    }
    let spec = deadline_spec(u).map_err(|e| match e {
        TaskRuleError::WrongState => refuse(ONE_DEADLINE),
        TaskRuleError::Calendar => refuse(BAD_DATE),
        other => refuse(&other.to_string()),
    })?;
    let due_on = deadline::resolve(calendar, today(), spec).map_err(|e| refuse(&e.to_string()))?;
    Ok(UnitPlan {
        agency,
        role,
        days: u.working_days,
        due_on,
    })
}

/// The authority `code` if `user`'s office follows its tasks, with the position checked.
async fn authority(
    ctx: &Ctx,
    user: &User,
    code: &str,
    position: &str,
    errors: &mut Vec<FieldError>,
) -> Result<Option<(tinhso_directory::Agency, Position)>, AppError> {
    let office = user.agency_id.as_deref().unwrap_or_default();
    let mine = store::authorities_of(&ctx.db, office).await?;
    let found = tinhso_directory::find(&ctx.db, code).await?;
    let Some(agency) = found.filter(|a| mine.contains(&a.id)) else {
        errors.push(FieldError::new(
            "authority",
            "Chọn cơ quan giao nhiệm vụ mà văn phòng của bạn theo dõi.",
        ));
        return Ok(None);
    };
    let committee = agency.kind == tinhso_directory::AgencyKind::PeoplesCommittee;
    match position.trim().parse::<Position>() {
        Ok(p) if p.fits(committee) => Ok(Some((agency, p))),
        _ => {
            errors.push(FieldError::new(
                "position",
                "Chọn người giao phù hợp với cơ quan giao: Ủy ban nhân dân, Chủ tịch hoặc Phó Chủ tịch của một Ủy ban; Thủ trưởng của cơ quan khác.",
            ));
            Ok(None)
        }
    }
}

/// The document a task comes from: (id, label, title), or why not on `document`.
async fn source_document(
    ctx: &Ctx,
    user: &User,
    id: &str,
) -> Result<Result<(String, String, String), FieldError>, AppError> {
    let missing = "Văn bản nguồn không có trên nền tảng này.";
    Ok(
        match reference::resolve(ctx, "document", id, user, missing).await? {
            Resolved::Found(r) => Ok((r.id, r.label, r.title)),
            Resolved::Refused(why) => Err(FieldError::new("document", why)),
        },
    )
}

/// A task checked, ready to store.
pub(crate) struct Plan {
    pub(crate) title: String,
    pub(crate) content: String,
    pub(crate) authority: tinhso_directory::Agency,
    pub(crate) position: Position,
    pub(crate) priority: Priority,
    pub(crate) field: String,
    pub(crate) source: Option<(String, String, String)>,
    pub(crate) units: Vec<UnitPlan>,
}

/// Everything of `input` checked, every mistake named on its field.
pub(crate) async fn plan(ctx: &Ctx, user: &User, input: &TaskInput) -> Result<Plan, AppError> {
    let mut errors = Vec::new();
    let source = match input.source_document.as_deref().map(str::trim) {
        Some(id) if !id.is_empty() => source_document(ctx, user, id)
            .await?
            .map_err(|e| errors.push(e))
            .ok(),
        _ => None,
    };
    let from_document = source.as_ref().map(|(_, _, title)| title.as_str());
    let typed_title = input.title.trim();
    let title_text = if typed_title.is_empty() {
        from_document.unwrap_or_default()
    } else {
        typed_title
    };
    let title = text_field(
        &mut errors,
        "title",
        title_text,
        model::MAX_TITLE_CHARS,
        true,
    );
    let content = text_field(
        &mut errors,
        "content",
        &input.content,
        model::MAX_CONTENT_CHARS,
        false,
    );
    let field = text_field(
        &mut errors,
        "field",
        &input.field,
        model::MAX_FIELD_CHARS,
        false,
    );
    let priority = input.priority.trim().parse::<Priority>().map_err(|_| {
        errors.push(FieldError::new(
            "priority",
            "Mức độ ưu tiên là thường (normal), quan trọng (high) hoặc khẩn (urgent).",
        ))
    });
    let authority = authority(ctx, user, &input.authority, &input.position, &mut errors).await?;
    let units = match &authority {
        Some((a, _)) => plan_units(ctx, a, &input.units, &mut errors).await?,
        None => Vec::new(),
    };
    match (authority, priority) {
        (Some((authority, position)), Ok(priority)) if errors.is_empty() => Ok(Plan {
            title,
            content,
            authority,
            position,
            priority,
            field,
            source,
            units,
        }),
        _ => Err(AppError::Validation(errors)),
    }
}

async fn plan_units(
    ctx: &Ctx,
    authority: &tinhso_directory::Agency,
    units: &[UnitInput],
    errors: &mut Vec<FieldError>,
) -> Result<Vec<UnitPlan>, AppError> {
    if units.len() > model::MAX_UNITS {
        errors.push(FieldError::new(
            "units",
            model::UnitsError::TooMany.to_string(),
        ));
        return Ok(Vec::new());
    }
    let calendar = tinhso_kernel::calendar::load(&ctx.db).await?;
    let mut planned = Vec::new();
    for u in units {
        match plan_unit(ctx, &calendar, authority, u).await {
            Ok(p) => planned.push(p),
            Err(e) => errors.push(e),
        }
    }
    let roles: Vec<(&str, UnitRole)> = planned
        .iter()
        .map(|p| (p.agency.id.as_str(), p.role))
        .collect();
    if planned.len() == units.len()
        && let Err(e) = model::check_units(&roles, &authority.id)
    {
        errors.push(FieldError::new("units", e.to_string()));
    }
    Ok(planned)
}

/// Creates a task: numbered `NV-<year>-<seq>` per authority agency, its units assigned, in
/// one transaction with its audit row and `task.assigned`. Returns its id.
pub async fn create(ctx: &Ctx, who: &Who<'_>, input: &TaskInput) -> Result<String, AppError> {
    if !policy::may_create(who.user) {
        return Err(AppError::Forbidden);
    }
    if let Some(rule) = input.recurrence.as_ref().filter(|r| !r.is_empty()) {
        return crate::recurrence::create_series(ctx, who, input, rule).await;
    }
    let p = plan(ctx, who.user, input).await?;
    let mut tx = ctx.db.begin().await?;
    let (id, _) = create_planned(ctx, &mut tx, who, &p).await?;
    tx.commit().await?;
    tinhso_kernel::events::committed(ctx);
    Ok(id)
}

/// A new task checked as [`create`] checks it, nothing stored: ready for [`create_planned`]
/// (an import checks every row before it creates any).
pub(crate) async fn check_new(ctx: &Ctx, user: &User, input: &TaskInput) -> Result<Plan, AppError> {
    if !policy::may_create(user) {
        return Err(AppError::Forbidden);
    }
    plan(ctx, user, input).await
}

/// Stores checked task `p` in `tx` with its audit row and `task.assigned`, without
/// committing. Returns its id and code.
pub(crate) async fn create_planned(
    ctx: &Ctx,
    tx: &mut tinhso_kernel::db::Tx,
    who: &Who<'_>,
    p: &Plan,
) -> Result<(String, String), AppError> {
    let assigned_on = today();
    let id = uuid::Uuid::now_v7().to_string();
    let now = tinhso_kernel::time::now_text();
    let office = store::office_of(tx, &p.authority.id).await?;
    if who.user.agency_id.as_deref() != Some(office.as_str()) {
        return Err(AppError::Forbidden);
    }
    let name = format!("task:{}:{}", p.authority.id, assigned_on.year());
    let seq = tinhso_kernel::db::next_sequence(&ctx.db, tx, &name).await?;
    let code = model::code(assigned_on.year(), seq);
    let day = assigned_on.to_string();
    store::insert_task(
        tx,
        &NewTask {
            id: &id,
            code: &code,
            title: &p.title,
            content: &p.content,
            source_kind: if p.source.is_some() {
                SourceKind::Document
            } else {
                SourceKind::Typed
            },
            source_id: p.source.as_ref().map(|s| s.0.as_str()),
            source_label: p.source.as_ref().map(|s| s.1.as_str()),
            authority_agency_id: &p.authority.id,
            authority_position: p.position,
            office_agency_id: &office,
            priority: p.priority.as_str(),
            field: &p.field,
            assigned_on: &day,
            created_by: &who.user.id,
            now: &now,
        },
    )
    .await?;
    let units = insert_units(tx, &id, &p.units, &now).await?;
    let after = json!({
        "code": code, "title": p.title, "authority": p.authority.code.to_string(),
        "position": p.position.as_str(), "priority": p.priority.as_str(),
        "source": p.source.as_ref().map(|s| s.0.clone()), "units": units,
    });
    let payload = json!({
        "task_id": id, "code": code, "authority_agency_id": p.authority.id,
        "office_agency_id": office, "units": units,
        "source_kind": if p.source.is_some() { "document" } else { "typed" },
        "source_id": p.source.as_ref().map(|s| s.0.clone()),
    });
    let change = Step {
        action: "task.create",
        before: Value::Null,
        after,
        event: &events::ASSIGNED,
        payload,
    };
    record(ctx, tx, who, &id, change).await?;
    Ok((id, code))
}

pub(crate) async fn insert_units(
    tx: &mut Conn,
    task_id: &str,
    units: &[UnitPlan],
    now: &str,
) -> Result<Vec<Value>, AppError> {
    let mut out = Vec::new();
    for u in units {
        let unit_id = uuid::Uuid::now_v7().to_string();
        let due_on = u.due_on.to_string();
        store::insert_unit(
            tx,
            &NewUnit {
                id: &unit_id,
                task_id,
                agency_id: &u.agency.id,
                role: u.role.as_str(),
                due_spec_days: u.days,
                due_on: &due_on,
                now,
            },
        )
        .await?;
        out.push(json!({
            "unit_id": unit_id, "agency_id": u.agency.id, "role": u.role.as_str(), "due_on": due_on,
        }));
    }
    Ok(out)
}

/// Records `step` on task `id` in `tx` (see [`record`]) and commits.
pub(crate) async fn finish(
    ctx: &Ctx,
    mut tx: tinhso_kernel::db::Tx,
    who: &Who<'_>,
    id: &str,
    step: Step,
) -> Result<(), AppError> {
    record(ctx, &mut tx, who, id, step).await?;
    tx.commit().await?;
    tinhso_kernel::events::committed(ctx);
    Ok(())
}

/// Records `step` on task `id` in `tx`, without committing (a series records one per task):
/// its audit row and event, and the tasks' generation raised, so that every node counts the
/// overview and the ranking again (`overview_cache`). Every change to a task or its units
/// passes here.
pub(crate) async fn record(
    ctx: &Ctx,
    tx: &mut Conn,
    who: &Who<'_>,
    id: &str,
    step: Step,
) -> Result<(), AppError> {
    store::overview::bump_generation(tx).await?;
    let entity = change::Entity { kind: "task", id };
    change::record(ctx, tx, &who.actor, entity, step).await
}

/// What a unit reports: progress with a percentage, or completion (the lead unit only).
#[derive(Debug, Clone)]
pub struct ReportInput {
    pub kind: String,
    pub percent: Option<i64>,
    pub text: String,
}

/// A rule's refusal as the person is told it: on the field it concerns, or a conflict with
/// the task's state.
fn refusal(e: TaskRuleError) -> AppError {
    match e {
        TaskRuleError::ProgressOutOfRange => AppError::validation("percent", e.to_string()),
        TaskRuleError::ReturnWithoutReason => AppError::validation("reason", e.to_string()),
        TaskRuleError::CompletionBySupportingUnit => AppError::validation("kind", e.to_string()),
        other => AppError::Conflict(other.to_string()),
    }
}

/// The action a report asks for, its percentage checked.
fn report_action(input: &ReportInput) -> Result<(ReportKind, UnitAction<'static>), AppError> {
    match input.kind.trim() {
        "progress" => {
            let percent = input.percent.ok_or_else(|| {
                AppError::validation("percent", "Nhập tiến độ thực hiện (0–100%).")
            })?;
            let percent = u8::try_from(percent)
                .ok()
                .filter(|p| *p <= 100)
                .ok_or_else(|| refusal(TaskRuleError::ProgressOutOfRange))?;
            Ok((ReportKind::Progress, UnitAction::Progress { percent }))
        }
        "completion" => Ok((ReportKind::Completion, UnitAction::Completion)),
        _ => Err(AppError::validation(
            "kind",
            "Loại báo cáo là tiến độ (progress) hoặc hoàn thành (completion).",
        )),
    }
}

/// Locks task `id` and decides `action` by `who` on the locked row.
pub(crate) async fn locked(
    ctx: &Ctx,
    tx: &mut Conn,
    who: &Who<'_>,
    id: &str,
    action: TaskAction,
) -> Result<(Task, Option<String>), AppError> {
    let task = store::for_update(&ctx.db, tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let grant = policy::decision(who.user, &task, action).map_err(AppError::from)?;
    Ok((task, grant))
}

pub(crate) fn unit_of<'t>(task: &'t Task, unit_id: Option<&str>) -> Result<&'t TaskUnit, AppError> {
    task.units
        .iter()
        .find(|u| Some(u.id.as_str()) == unit_id)
        .ok_or(AppError::Forbidden)
}

/// A unit's report on task `id`: its state moves as `state::act` says, the report joins the
/// timeline, in one transaction.
pub async fn report(
    ctx: &Ctx,
    who: &Who<'_>,
    id: &str,
    input: &ReportInput,
) -> Result<(), AppError> {
    let (kind, action) = report_action(input)?;
    let text = model::text(&input.text, model::MAX_REPORT_CHARS, true)
        .map_err(|e| AppError::validation("text", e.to_string()))?;
    let mut tx = ctx.db.begin().await?;
    let (task, grant) = locked(ctx, &mut tx, who, id, TaskAction::Report).await?;
    let unit = unit_of(&task, grant.as_deref())?;
    let to = state::act(unit.state, unit.role, &action).map_err(refusal)?;
    let progress = match action {
        UnitAction::Progress { percent } => i64::from(percent),
        _ => 100,
    };
    let now = tinhso_kernel::time::now_text();
    set_unit(&mut tx, unit, to, progress, None, None, &now).await?;
    if unit.role == UnitRole::Lead {
        store::set_task_state(&mut tx, id, to.as_str(), &now).await?;
    }
    let percent = (kind == ReportKind::Progress).then_some(progress);
    add_report(&mut tx, id, &unit.id, kind, percent, &text, who, &now).await?;
    let (action, event) = match kind {
        ReportKind::Progress => ("task.progress", &events::PROGRESS),
        _ => ("task.completion", &events::COMPLETION_REPORTED),
    };
    let step = Step {
        action,
        before: json!({ "unit": unit.id, "state": unit.state.as_str(), "progress": unit.progress }),
        after: json!({ "unit": unit.id, "state": to.as_str(), "progress": progress, "text": text }),
        event,
        payload: json!({ "task_id": id, "unit_id": unit.id, "agency_id": unit.agency_id, "percent": progress }),
    };
    finish(ctx, tx, who, id, step).await
}

async fn set_unit(
    tx: &mut Conn,
    unit: &TaskUnit,
    to: UnitState,
    progress: i64,
    finished_on: Option<&str>,
    accepted_by: Option<&str>,
    now: &str,
) -> Result<(), AppError> {
    store::set_unit(
        tx,
        &UnitChange {
            id: &unit.id,
            state: to.as_str(),
            progress,
            finished_on,
            accepted_by,
            now,
        },
    )
    .await
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn add_report(
    tx: &mut Conn,
    task_id: &str,
    unit_id: &str,
    kind: ReportKind,
    percent: Option<i64>,
    body: &str,
    who: &Who<'_>,
    now: &str,
) -> Result<(), AppError> {
    add_entry(tx, task_id, unit_id, kind, percent, None, body, who, now)
        .await
        .map(|_| ())
}

/// A part holder's progress entry on the timeline of `unit_id`, naming part `part_id`.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn add_part_report(
    tx: &mut Conn,
    task_id: &str,
    unit_id: &str,
    part_id: &str,
    percent: i64,
    body: &str,
    who: &Who<'_>,
    now: &str,
) -> Result<(), AppError> {
    let id = uuid::Uuid::now_v7().to_string();
    store::insert_report(
        tx,
        &NewReport {
            id: &id,
            task_id,
            unit_id,
            kind: ReportKind::Progress,
            percent: Some(percent),
            due_on: None,
            body,
            by_user: &who.user.id,
            now,
            part_id: Some(part_id),
        },
    )
    .await
}

/// A timeline entry, with the deadline it names; returns its id.
#[allow(clippy::too_many_arguments)]
async fn add_entry(
    tx: &mut Conn,
    task_id: &str,
    unit_id: &str,
    kind: ReportKind,
    percent: Option<i64>,
    due_on: Option<&str>,
    body: &str,
    who: &Who<'_>,
    now: &str,
) -> Result<String, AppError> {
    let id = uuid::Uuid::now_v7().to_string();
    store::insert_report(
        tx,
        &NewReport {
            id: &id,
            task_id,
            unit_id,
            kind,
            percent,
            due_on,
            body,
            by_user: &who.user.id,
            now,
            part_id: None,
        },
    )
    .await?;
    Ok(id)
}

/// The office's decision on the lead unit's completion report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Accept,
    Return,
}

/// Accepts the lead unit's completion (the task and every open unit are completed today) or
/// returns it with `reason` (the lead unit works on), in one transaction.
pub async fn decide(
    ctx: &Ctx,
    who: &Who<'_>,
    id: &str,
    decision: Decision,
    reason: &str,
) -> Result<(), AppError> {
    let reason = model::text(reason, model::MAX_REPORT_CHARS, false)
        .map_err(|e| AppError::validation("reason", e.to_string()))?;
    let action = match decision {
        Decision::Accept => UnitAction::Accept,
        Decision::Return => UnitAction::Return { reason: &reason },
    };
    let mut tx = ctx.db.begin().await?;
    let (task, _) = locked(ctx, &mut tx, who, id, TaskAction::Decide).await?;
    let lead = task
        .lead()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("task {id} has no lead unit")))?;
    let to = state::act(lead.state, lead.role, &action).map_err(refusal)?;
    let now = tinhso_kernel::time::now_text();
    let step = match decision {
        Decision::Accept => accept(&mut tx, &task, who, &reason, &now).await?,
        Decision::Return => {
            set_unit(&mut tx, lead, to, lead.progress, None, None, &now).await?;
            store::set_task_state(&mut tx, id, to.as_str(), &now).await?;
            add_report(
                &mut tx,
                id,
                &lead.id,
                ReportKind::Return,
                None,
                &reason,
                who,
                &now,
            )
            .await?;
            Step {
                action: "task.return",
                before: json!({ "state": lead.state.as_str() }),
                after: json!({ "state": to.as_str(), "reason": reason }),
                event: &events::RETURNED,
                payload: json!({ "task_id": id, "unit_id": lead.id, "agency_id": lead.agency_id }),
            }
        }
    };
    finish(ctx, tx, who, id, step).await
}

/// The acceptance: every open unit completed today, the lead unit's report on the timeline.
async fn accept(
    tx: &mut Conn,
    task: &Task,
    who: &Who<'_>,
    comment: &str,
    now: &str,
) -> Result<Step, AppError> {
    let finished_on = today().to_string();
    let states: Vec<(UnitRole, UnitState)> = task.units.iter().map(|u| (u.role, u.state)).collect();
    let mut closed = Vec::new();
    for (unit, to) in task.units.iter().zip(model::after_accept(&states)) {
        if to == unit.state {
            continue;
        }
        let progress = if unit.role == UnitRole::Lead {
            100
        } else {
            unit.progress
        };
        set_unit(
            tx,
            unit,
            to,
            progress,
            Some(&finished_on),
            Some(&who.user.id),
            now,
        )
        .await?;
        closed.push(json!({ "unit_id": unit.id, "agency_id": unit.agency_id, "judged_due_on": unit.judged_due_on }));
    }
    store::set_task_state(tx, &task.id, UnitState::Completed.as_str(), now).await?;
    let lead = task.lead().map(|u| u.id.clone()).unwrap_or_default();
    add_report(
        tx,
        &task.id,
        &lead,
        ReportKind::Accept,
        None,
        comment,
        who,
        now,
    )
    .await?;
    Ok(Step {
        action: "task.accept",
        before: json!({ "state": task.state.as_str() }),
        after: json!({ "state": "completed", "finished_on": finished_on, "comment": comment }),
        event: &events::ACCEPTED,
        payload: json!({ "task_id": task.id, "finished_on": finished_on, "units": closed }),
    })
}

/// A unit's request for more time: the deadline asked for (`YYYY-MM-DD`) and why.
#[derive(Debug, Clone, Default)]
pub struct ExtensionInput {
    pub new_due: String,
    pub reason: String,
}

const BAD_NEW_DUE: &str = "Nhập hạn mới dạng YYYY-MM-DD.";

/// A rule's refusal of an extension, on the field it concerns or as a conflict with the
/// task's state.
fn extension_refusal(e: TaskRuleError) -> AppError {
    match e {
        TaskRuleError::ExtensionNotLater
        | TaskRuleError::ExtensionBeforeAssignment
        | TaskRuleError::DeadlineTooFar { .. } => AppError::validation("new_due", e.to_string()),
        TaskRuleError::ExtensionWithoutReason | TaskRuleError::RefusalWithoutReason => {
            AppError::validation("reason", e.to_string())
        }
        other => AppError::Conflict(other.to_string()),
    }
}

fn day(text: &str, what: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| AppError::Internal(anyhow::anyhow!("stored {what} `{text}` is not a day")))
}

/// Whether a unit is still being worked on (its deadline can move, it can be urged).
fn open_for_work(unit: &TaskUnit) -> Result<(), AppError> {
    match unit.state {
        UnitState::Assigned | UnitState::InProgress => Ok(()),
        s if s.is_finished() => Err(AppError::Conflict(TaskRuleError::Finished.to_string())),
        _ => Err(AppError::Conflict(TaskRuleError::WrongState.to_string())),
    }
}

/// The rules' view of a unit's requests.
fn rule_extensions(
    of: &[crate::Extension],
    unit_id: &str,
) -> Result<Vec<deadline::Extension>, AppError> {
    of.iter()
        .filter(|e| e.unit_id == unit_id)
        .map(|e| {
            let decision = match (e.decision.as_deref(), e.decided_on.as_deref()) {
                (Some(d), Some(on)) => Some(deadline::ExtensionDecision {
                    on: day(on, "decision day")?,
                    granted: d == "granted",
                }),
                _ => None,
            };
            let new_due = match (e.decision.as_deref(), e.granted_due.as_deref()) {
                (Some("granted"), Some(g)) => g,
                _ => e.new_due.as_str(),
            };
            Ok(deadline::Extension {
                asked_on: day(&e.asked_on, "request day")?,
                new_due: day(new_due, "deadline")?,
                decision,
            })
        })
        .collect()
}

/// A unit's leader asks for more time for their unit, before its deadline passes, with a
/// reason; one request at a time. Returns the request's id.
pub async fn ask_extension(
    ctx: &Ctx,
    who: &Who<'_>,
    id: &str,
    input: &ExtensionInput,
) -> Result<String, AppError> {
    let reason = model::text(&input.reason, model::MAX_REPORT_CHARS, false)
        .map_err(|e| AppError::validation("reason", e.to_string()))?;
    let new_due = NaiveDate::parse_from_str(input.new_due.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::validation("new_due", BAD_NEW_DUE))?;
    let mut tx = ctx.db.begin().await?;
    let (task, grant) = locked(ctx, &mut tx, who, id, TaskAction::AskExtension).await?;
    let unit = unit_of(&task, grant.as_deref())?;
    open_for_work(unit)?;
    let all = store::extensions_in(&mut tx, id).await?;
    let pending = all
        .iter()
        .any(|e| e.unit_id == unit.id && e.decision.is_none());
    let current = day(&unit.current_due_on, "deadline")?;
    let assigned_on = day(&task.assigned_on, "assignment day")?;
    let asked_on = today();
    deadline::check_request(current, asked_on, new_due, &reason, pending)
        .and_then(|()| {
            deadline::check_decision(current, assigned_on, false, Some(new_due), &reason)
        })
        .map_err(extension_refusal)?;
    let ext_id = uuid::Uuid::now_v7().to_string();
    let now = tinhso_kernel::time::now_text();
    let (asked, old, new) = (
        asked_on.to_string(),
        current.to_string(),
        new_due.to_string(),
    );
    store::insert_extension(
        &mut tx,
        &store::NewExtension {
            id: &ext_id,
            task_id: id,
            unit_id: &unit.id,
            asked_on: &asked,
            old_due: &old,
            new_due: &new,
            reason: &reason,
            asked_by: &who.user.id,
            now: &now,
        },
    )
    .await?;
    add_entry(
        &mut tx,
        id,
        &unit.id,
        ReportKind::ExtensionRequest,
        None,
        Some(&new),
        &reason,
        who,
        &now,
    )
    .await?;
    let step = Step {
        action: "task.extension_request",
        before: json!({ "unit": unit.id, "current_due_on": old }),
        after: json!({ "unit": unit.id, "extension": ext_id, "new_due": new, "reason": reason }),
        event: &events::EXTENSION_REQUESTED,
        payload: json!({
            "task_id": id, "unit_id": unit.id, "agency_id": unit.agency_id,
            "extension_id": ext_id, "old_due": old, "new_due": new,
        }),
    };
    finish(ctx, tx, who, id, step).await?;
    Ok(ext_id)
}

/// The office's answer to a request for more time.
#[derive(Debug, Clone)]
pub enum ExtensionAnswer {
    /// Grant: the deadline asked for, or the one typed here (`YYYY-MM-DD`).
    Grant { new_due: Option<String> },
    /// Refuse, saying why.
    Refuse,
}

/// The office grants a unit's request (the unit's deadline moves; lateness is judged by the
/// new one only if it was granted on or before the deadline it moved) or refuses it with a
/// reason, in one transaction.
pub async fn decide_extension(
    ctx: &Ctx,
    who: &Who<'_>,
    id: &str,
    extension_id: &str,
    answer: &ExtensionAnswer,
    note: &str,
) -> Result<(), AppError> {
    let note = model::text(note, model::MAX_REPORT_CHARS, false)
        .map_err(|e| AppError::validation("reason", e.to_string()))?;
    let typed = match answer {
        ExtensionAnswer::Grant { new_due } => new_due
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(|d| {
                NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map_err(|_| AppError::validation("new_due", BAD_NEW_DUE))
            })
            .transpose()?,
        ExtensionAnswer::Refuse => None,
    };
    let mut tx = ctx.db.begin().await?;
    let (task, _) = locked(ctx, &mut tx, who, id, TaskAction::DecideExtension).await?;
    let mut all = store::extensions_in(&mut tx, id).await?;
    let ext = all
        .iter()
        .find(|e| e.id == extension_id)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let unit = task
        .units
        .iter()
        .find(|u| u.id == ext.unit_id)
        .ok_or(AppError::NotFound)?;
    if ext.decision.is_some() {
        return Err(AppError::Conflict(
            TaskRuleError::ExtensionDecided.to_string(),
        ));
    }
    open_for_work(unit)?;
    let grant = match answer {
        ExtensionAnswer::Grant { .. } => Some(match typed {
            Some(d) => d,
            None => day(&ext.new_due, "deadline asked for")?,
        }),
        ExtensionAnswer::Refuse => None,
    };
    let current = day(&unit.current_due_on, "deadline")?;
    let assigned_on = day(&task.assigned_on, "assignment day")?;
    deadline::check_decision(current, assigned_on, false, grant, &note)
        .map_err(extension_refusal)?;
    let on = today().to_string();
    let now = tinhso_kernel::time::now_text();
    let granted = grant.map(|d| d.to_string());
    let answered = store::answer_extension(
        &mut tx,
        &store::ExtensionAnswer {
            id: extension_id,
            decision: if grant.is_some() {
                "granted"
            } else {
                "refused"
            },
            granted_due: granted.as_deref(),
            note: &note,
            by: &who.user.id,
            on: &on,
            now: &now,
        },
    )
    .await?;
    if !answered {
        return Err(AppError::Conflict(
            TaskRuleError::ExtensionDecided.to_string(),
        ));
    }
    let before = json!({
        "unit": unit.id, "extension": extension_id,
        "current_due_on": unit.current_due_on, "judged_due_on": unit.judged_due_on,
    });
    let step = match &granted {
        Some(g) => {
            for e in all.iter_mut().filter(|e| e.id == extension_id) {
                e.decision = Some("granted".into());
                e.granted_due = Some(g.clone());
                e.decided_on = Some(on.clone());
            }
            let original = day(&unit.due_on, "deadline")?;
            let rules = rule_extensions(&all, &unit.id)?;
            let current = deadline::current_due(original, &rules).to_string();
            let judged = deadline::judged_due(original, &rules).to_string();
            store::set_unit_due(&mut tx, &unit.id, &current, &judged, &now).await?;
            add_entry(
                &mut tx,
                id,
                &unit.id,
                ReportKind::ExtensionGrant,
                None,
                Some(g),
                &note,
                who,
                &now,
            )
            .await?;
            Step {
                action: "task.extension_grant",
                before,
                after: json!({
                    "unit": unit.id, "extension": extension_id, "granted_due": g,
                    "current_due_on": current, "judged_due_on": judged, "note": note,
                }),
                event: &events::EXTENSION_GRANTED,
                payload: json!({
                    "task_id": id, "unit_id": unit.id, "agency_id": unit.agency_id,
                    "extension_id": extension_id, "current_due_on": current,
                    "judged_due_on": judged,
                }),
            }
        }
        None => {
            add_entry(
                &mut tx,
                id,
                &unit.id,
                ReportKind::ExtensionRefuse,
                None,
                None,
                &note,
                who,
                &now,
            )
            .await?;
            Step {
                action: "task.extension_refuse",
                before,
                after: json!({ "unit": unit.id, "extension": extension_id, "reason": note }),
                event: &events::EXTENSION_REFUSED,
                payload: json!({
                    "task_id": id, "unit_id": unit.id, "agency_id": unit.agency_id,
                    "extension_id": extension_id,
                }),
            }
        }
    };
    finish(ctx, tx, who, id, step).await
}

/// A leader's written reminder (đôn đốc) to one unit still working on the task (`unit`: its
/// agency code; the lead unit when empty), kept on the timeline; its unit's leaders are told.
pub async fn urge(
    ctx: &Ctx,
    who: &Who<'_>,
    id: &str,
    unit: &str,
    text: &str,
) -> Result<(), AppError> {
    let text = model::text(text, model::MAX_REPORT_CHARS, false)
        .map_err(|e| AppError::validation("text", e.to_string()))?;
    if text.is_empty() {
        return Err(AppError::validation(
            "text",
            TaskRuleError::UrgeWithoutText.to_string(),
        ));
    }
    let mut tx = ctx.db.begin().await?;
    let (task, _) = locked(ctx, &mut tx, who, id, TaskAction::Urge).await?;
    let code = unit.trim();
    let target = if code.is_empty() {
        task.lead()
    } else {
        task.units.iter().find(|u| u.agency_code == code)
    }
    .ok_or_else(|| AppError::validation("unit", "Chọn một đơn vị thực hiện nhiệm vụ này."))?;
    open_for_work(target)?;
    let now = tinhso_kernel::time::now_text();
    let report_id = add_entry(
        &mut tx,
        id,
        &target.id,
        ReportKind::Urge,
        None,
        None,
        &text,
        who,
        &now,
    )
    .await?;
    let step = Step {
        action: "task.urge",
        before: Value::Null,
        after: json!({ "unit": target.id, "text": text }),
        event: &events::URGED,
        payload: json!({
            "task_id": id, "unit_id": target.id, "agency_id": target.agency_id,
            "report_id": report_id,
        }),
    };
    finish(ctx, tx, who, id, step).await
}
