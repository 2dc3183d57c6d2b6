//! Splitting a unit's part (giao tiếp, docs/tasks-design.md slice 5): a unit's leader splits
//! the unit's part of a task among the agencies under the unit in the directory and the
//! unit's own officials, each part with a note, its own deadline (not after the unit's) and
//! progress. A part's holder (one of the sub-unit's officials, its leader to report; or the
//! official named) reads the task and reports on its part only; the unit's progress is the
//! parts' average (`state::rolled_up`), set by each part's report in the same transaction
//! (splitting alone leaves it as the unit last reported it).
//! `task.split` and `task.part_progress` are audited and emitted with the change.

use crate::Task;
use crate::model;
use crate::policy::{self, TaskAction};
use crate::service::{self, Who};
use crate::store::parts as store;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use tinhso_domain::task::state::{self, UnitAction, UnitRole, UnitState};
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::auth::session::Auth;
use tinhso_kernel::auth::{Role, User};
use tinhso_kernel::error::{ApiResult, AppError, PageResult};
use tinhso_kernel::extract::{Caller, Form, Json, Path};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::Page;
use utoipa_axum::routes;

/// The most parts one unit's part is split into. Ours.
pub const MAX_PARTS: usize = 50;

/// One part of a unit's part, as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Part {
    pub id: String,
    /// The unit row (`task_units`) the part belongs to.
    pub unit_id: String,
    /// The agency under the unit that holds it, or the official who holds it: one of the two.
    pub holder_agency_id: Option<String>,
    pub holder_user_id: Option<String>,
    /// The holder agency's code, if an agency holds it.
    pub holder_code: Option<String>,
    pub holder_name: String,
    pub note: String,
    /// `YYYY-MM-DD`.
    pub due_on: String,
    pub progress: i64,
    pub last_report: Option<String>,
    pub updated_at: String,
}

impl Part {
    /// `agency` or `official`.
    pub fn holder_kind(&self) -> &'static str {
        if self.holder_agency_id.is_some() {
            "agency"
        } else {
            "official"
        }
    }
}

/// Whether `user` holds `part`: the official named, or an official of the agency named.
pub fn holds(user: &User, part: &Part) -> bool {
    user.is_official()
        && (part.holder_user_id.as_deref() == Some(user.id.as_str())
            || (part.holder_agency_id.is_some()
                && part.holder_agency_id.as_deref() == user.agency_id.as_deref()))
}

/// Whether `user` reports on `part`: the official named, or a leader of the agency named.
pub fn may_report(user: &User, part: &Part) -> bool {
    holds(user, part)
        && (part.holder_user_id.as_deref() == Some(user.id.as_str()) || user.has_role(Role::Leader))
}

// ---- Service ----

/// A part as the unit's leader gives it: exactly one of `agency` (the code of an agency under
/// the unit) and `official` (the id or email of one of the unit's officials).
#[derive(Debug, Clone, Default)]
pub struct PartInput {
    pub agency: Option<String>,
    pub official: Option<String>,
    pub note: String,
    pub due_date: String,
}

const ONE_HOLDER: &str =
    "Giao phần việc cho đúng một nơi: một đơn vị trực thuộc hoặc một cán bộ của đơn vị.";
const NOT_UNDER_UNIT: &str = "Đơn vị này không trực thuộc đơn vị được giao nhiệm vụ.";
const NOT_OF_UNIT: &str = "Cán bộ này không thuộc đơn vị được giao nhiệm vụ.";
const UNIT_CLOSED: &str = "Phần việc của đơn vị đã báo cáo hoàn thành hoặc đã kết thúc, không giao tiếp hay báo cáo được nữa.";

/// Why a part may not be due on `due`, split on `today` from a unit whose deadline in force
/// is `unit_due` (`YYYY-MM-DD`): before today, or after the unit's deadline. Pure.
pub fn due_refusal(due: NaiveDate, today: NaiveDate, unit_due: &str) -> Option<String> {
    if due < today {
        return Some("Hạn của phần việc không được trước hôm nay.".to_owned());
    }
    match NaiveDate::parse_from_str(unit_due, "%Y-%m-%d") {
        Ok(unit) if due <= unit => None,
        _ => Some(format!(
            "Hạn của phần việc không được sau hạn của đơn vị ({unit_due})."
        )),
    }
}

/// Where a part stands, from its progress and its unit's state: on the holder's board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartState {
    /// Nothing reported yet.
    Assigned,
    InProgress,
    /// Reported at 100%, or its unit has reported or finished the task.
    Done,
    /// Its unit's part was cancelled.
    Cancelled,
}

impl PartState {
    pub fn as_str(self) -> &'static str {
        match self {
            PartState::Assigned => "assigned",
            PartState::InProgress => "in_progress",
            PartState::Done => "done",
            PartState::Cancelled => "cancelled",
        }
    }

    /// The order of the board's groups.
    pub const ALL: [PartState; 4] = [
        PartState::Assigned,
        PartState::InProgress,
        PartState::Done,
        PartState::Cancelled,
    ];
}

/// A part's state: pure.
pub fn part_state(progress: i64, unit: UnitState) -> PartState {
    match unit {
        UnitState::Cancelled => PartState::Cancelled,
        UnitState::CompletionReported | UnitState::Completed => PartState::Done,
        _ if progress >= 100 => PartState::Done,
        _ if progress > 0 => PartState::InProgress,
        _ => PartState::Assigned,
    }
}

fn trimmed(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// The holder checked against the unit's agency: (agency id, user id), one of them set.
async fn holder(
    ctx: &Ctx,
    unit_agency: &str,
    input: &PartInput,
) -> Result<(Option<String>, Option<String>), AppError> {
    match (
        trimmed(input.agency.as_deref()),
        trimmed(input.official.as_deref()),
    ) {
        (Some(code), None) => {
            let agency = tinhso_directory::find(&ctx.db, code)
                .await?
                .ok_or_else(|| AppError::validation("agency", NOT_UNDER_UNIT))?;
            let under = agency.id != unit_agency
                && tinhso_kernel::auth::authz::is_within(&ctx.db, &agency.id, unit_agency).await?;
            if !under {
                return Err(AppError::validation("agency", NOT_UNDER_UNIT));
            }
            Ok((Some(agency.id), None))
        }
        (None, Some(key)) => match store::official_by(&ctx.db, key).await? {
            Some((id, Some(agency), _)) if agency == unit_agency => Ok((None, Some(id))),
            _ => Err(AppError::validation("official", NOT_OF_UNIT)),
        },
        _ => Err(AppError::validation("holder", ONE_HOLDER)),
    }
}

fn open(unit: &crate::TaskUnit) -> Result<(), AppError> {
    if matches!(unit.state, UnitState::Assigned | UnitState::InProgress) {
        Ok(())
    } else {
        Err(AppError::Conflict(UNIT_CLOSED.into()))
    }
}

/// Splits the caller's unit's part of task `id`: one part to `input`'s holder, in one
/// transaction with its audit row and `task.split`. Returns the part's id.
pub async fn split(
    ctx: &Ctx,
    who: &Who<'_>,
    id: &str,
    input: &PartInput,
) -> Result<String, AppError> {
    let note = model::text(&input.note, model::MAX_REPORT_CHARS, true)
        .map_err(|e| AppError::validation("note", e.to_string()))?;
    let due = NaiveDate::parse_from_str(input.due_date.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::validation("due_date", "Hạn của phần việc có dạng YYYY-MM-DD."))?;
    // The holder is checked against the directory before the task's row is locked; the
    // unit is decided again on the locked row.
    let seen = crate::store::by_id(&ctx.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let unit_id = policy::decision(who.user, &seen, TaskAction::Split).map_err(AppError::from)?;
    let unit = service::unit_of(&seen, unit_id.as_deref())?;
    let (holder_agency, holder_user) = holder(ctx, &unit.agency_id, input).await?;

    let mut tx = ctx.db.begin().await?;
    let (task, grant) = service::locked(ctx, &mut tx, who, id, TaskAction::Split).await?;
    let unit = service::unit_of(&task, grant.as_deref())?;
    open(unit)?;
    let today = tinhso_kernel::time::local_now().date();
    if let Some(why) = due_refusal(due, today, &unit.current_due_on) {
        return Err(AppError::validation("due_date", why));
    }
    let mine: Vec<&Part> = task.parts.iter().filter(|p| p.unit_id == unit.id).collect();
    if mine.len() >= MAX_PARTS {
        return Err(AppError::validation(
            "holder",
            "Một đơn vị giao tiếp tối đa 50 phần việc.",
        ));
    }
    let twice = mine.iter().any(|p| {
        (holder_agency.is_some() && p.holder_agency_id == holder_agency)
            || (holder_user.is_some() && p.holder_user_id == holder_user)
    });
    if twice {
        return Err(AppError::validation(
            "holder",
            "Phần việc đã được giao cho nơi này; mỗi nơi nhận một phần việc của đơn vị.",
        ));
    }
    let part_id = uuid::Uuid::now_v7().to_string();
    let now = tinhso_kernel::time::now_text();
    let due_on = due.to_string();
    store::insert(
        &mut tx,
        &store::NewPart {
            id: &part_id,
            task_id: id,
            unit_id: &unit.id,
            holder_agency_id: holder_agency.as_deref(),
            holder_user_id: holder_user.as_deref(),
            note: &note,
            due_on: &due_on,
            created_by: &who.user.id,
            now: &now,
        },
    )
    .await?;
    let step = service::Step {
        action: "task.split",
        before: Value::Null,
        after: json!({
            "unit": unit.id, "part": part_id, "holder_agency_id": holder_agency,
            "holder_user_id": holder_user, "note": note, "due_on": due_on,
        }),
        event: &crate::events::SPLIT,
        payload: json!({
            "task_id": id, "unit_id": unit.id, "agency_id": unit.agency_id, "part_id": part_id,
            "holder_agency_id": holder_agency, "holder_user_id": holder_user, "due_on": due_on,
        }),
    };
    service::finish(ctx, tx, who, id, step).await?;
    Ok(part_id)
}

fn percent_of(progress: i64) -> u8 {
    u8::try_from(progress.clamp(0, 100)).unwrap_or(0)
}

/// What a part's holder reports: a percentage and what was done.
#[derive(Debug, Clone)]
pub struct PartReportInput {
    pub percent: Option<i64>,
    pub text: String,
}

/// The holder of part `part_id` of task `id` reports its progress: the part moves, the unit's
/// progress becomes the parts' average (and its state moves as a progress report moves it),
/// an entry joins the timeline, all in one transaction with `task.part_progress`.
pub async fn report(
    ctx: &Ctx,
    who: &Who<'_>,
    id: &str,
    part_id: &str,
    input: &PartReportInput,
) -> Result<(), AppError> {
    let percent = input
        .percent
        .ok_or_else(|| AppError::validation("percent", "Nhập tiến độ thực hiện (0–100%)."))?;
    let percent = u8::try_from(percent)
        .ok()
        .filter(|p| *p <= 100)
        .ok_or_else(|| {
            AppError::validation(
                "percent",
                tinhso_domain::task::TaskRuleError::ProgressOutOfRange.to_string(),
            )
        })?;
    let text = model::text(&input.text, model::MAX_REPORT_CHARS, true)
        .map_err(|e| AppError::validation("text", e.to_string()))?;
    let mut tx = ctx.db.begin().await?;
    let (task, _) = service::locked(ctx, &mut tx, who, id, TaskAction::ReportPart).await?;
    let part = task
        .parts
        .iter()
        .find(|p| p.id == part_id)
        .ok_or(AppError::NotFound)?;
    if !may_report(who.user, part) {
        return Err(AppError::Forbidden);
    }
    let unit = service::unit_of(&task, Some(part.unit_id.as_str()))?;
    open(unit)?;
    let progress: Vec<u8> = task
        .parts
        .iter()
        .filter(|p| p.unit_id == unit.id)
        .map(|p| {
            if p.id == part.id {
                percent
            } else {
                percent_of(p.progress)
            }
        })
        .collect();
    let rolled = state::rolled_up(&progress);
    let to = state::act(
        unit.state,
        unit.role,
        &UnitAction::Progress { percent: rolled },
    )
    .map_err(|e| AppError::Conflict(e.to_string()))?;
    let now = tinhso_kernel::time::now_text();
    store::set_progress(&mut tx, &part.id, i64::from(percent), &text, &now).await?;
    store::set_unit_progress(&mut tx, &unit.id, to.as_str(), i64::from(rolled), &now).await?;
    if unit.role == UnitRole::Lead {
        crate::store::set_task_state(&mut tx, id, to.as_str(), &now).await?;
    }
    let body = format!("{} ({}%): {}", part.holder_name, percent, text);
    service::add_part_report(
        &mut tx,
        id,
        &unit.id,
        &part.id,
        i64::from(rolled),
        &body,
        who,
        &now,
    )
    .await?;
    let step = service::Step {
        action: "task.part_progress",
        before: json!({ "unit": unit.id, "part": part.id, "part_progress": part.progress,
            "state": unit.state.as_str(), "progress": unit.progress }),
        after: json!({ "unit": unit.id, "part": part.id, "part_progress": percent,
            "state": to.as_str(), "progress": rolled, "text": text }),
        event: &crate::events::PART_PROGRESS,
        payload: json!({
            "task_id": id, "unit_id": unit.id, "agency_id": unit.agency_id, "part_id": part.id,
            "percent": percent, "unit_percent": rolled,
        }),
    };
    service::finish(ctx, tx, who, id, step).await
}

// ---- API ----

pub fn routes() -> Routes {
    let entity = Access::Entity("task");
    Routes::new("tasks")
        .api(entity, routes!(create_part))
        .api(entity, routes!(report_part))
        .post("/office/tasks/{id}/parts", entity, split_submit)
        .post(
            "/office/tasks/{id}/parts/{part}/reports",
            entity,
            part_report_submit,
        )
}

/// A part of a unit's part, in a task's view.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaskPartView {
    pub id: String,
    /// The unit row the part belongs to (`units[].id`).
    pub unit_id: String,
    /// `agency` (a sub-unit) or `official`.
    pub holder_kind: String,
    /// The sub-unit's agency code, for an agency.
    pub holder_agency: Option<String>,
    /// The official's account id, for an official.
    pub holder_official: Option<String>,
    pub holder_name: String,
    pub note: String,
    /// `YYYY-MM-DD`: not after the unit's deadline when split.
    pub due_on: String,
    /// 0–100.
    pub progress: i64,
    pub last_report: Option<String>,
}

pub fn view(p: Part) -> TaskPartView {
    TaskPartView {
        holder_kind: p.holder_kind().to_owned(),
        id: p.id,
        unit_id: p.unit_id,
        holder_agency: p.holder_code,
        holder_official: p.holder_user_id,
        holder_name: p.holder_name,
        note: p.note,
        due_on: p.due_on,
        progress: p.progress,
        last_report: p.last_report,
    }
}

/// A new part.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TaskPartNew {
    /// The code of an agency under the caller's unit in the directory…
    #[serde(default)]
    #[schema(example = "000.02.14.H56")]
    pub agency: Option<String>,
    /// …or the account id or email of an official of the caller's unit: exactly one of the two.
    #[serde(default)]
    pub official: Option<String>,
    /// What the part is, 1–4000 characters.
    #[schema(min_length = 1, max_length = 4000)]
    pub note: String,
    /// `YYYY-MM-DD`: from today to the unit's current deadline.
    #[schema(pattern = r"^\d{4}-\d{2}-\d{2}$", example = "2026-12-20")]
    pub due_date: String,
}

fn api_who<'a>(auth: &'a Auth, ip: &str) -> Result<Who<'a>, AppError> {
    Ok(Who {
        user: auth.require_user()?,
        actor: Actor {
            label: auth.principal.actor_label(),
            ip: ip.to_owned(),
        },
    })
}

/// Split the caller's unit's part (giao tiếp): for a leader of a unit of the task. A sub-unit
/// not under the unit, an official of another agency, a deadline after the unit's is a 422
/// naming its field (`agency`, `official`, `holder`, `note`, `due_date`); a unit that has
/// finished its part a 409.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/parts", tag = "tasks",
    params(("id" = String, Path, description = "Task id")), request_body = TaskPartNew,
    responses((status = 201, body = crate::api::TaskView),
        (status = 403, description = "Not a leader of a unit of the task", content_type = "application/problem+json"),
        (status = 404, description = "No such task, or not one the caller may see", content_type = "application/problem+json"),
        (status = 409, description = "The unit's part is finished", content_type = "application/problem+json"),
        (status = 422, description = "A field breaks a rule", content_type = "application/problem+json")),
    security(("bearer" = ["tasks"])))]
pub async fn create_part(
    State(ctx): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Json(body): Json<TaskPartNew>,
) -> ApiResult<(axum::http::StatusCode, Json<crate::api::TaskView>)> {
    policy::checked(&ctx, &auth.principal, &id, TaskAction::Split).await?;
    let input = PartInput {
        agency: body.agency,
        official: body.official,
        note: body.note,
        due_date: body.due_date,
    };
    split(&ctx, &api_who(&auth, &ip)?, &id, &input).await?;
    let Json(view) = crate::api::read_after(&ctx, &auth, &id).await?;
    Ok((axum::http::StatusCode::CREATED, Json(view)))
}

/// A part holder's progress report.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TaskPartReportNew {
    #[schema(minimum = 0, maximum = 100)]
    pub percent: Option<i64>,
    /// What was done, 1–4000 characters.
    #[schema(min_length = 1, max_length = 4000)]
    pub text: String,
}

/// Report progress on a part: its holder (the official named, or a leader of the sub-unit
/// named). The unit's progress becomes the average of its parts. A percentage outside 0–100
/// is a 422; a unit that has finished its part a 409.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/parts/{part}/reports", tag = "tasks",
    params(("id" = String, Path, description = "Task id"), ("part" = String, Path, description = "Part id")),
    request_body = TaskPartReportNew,
    responses((status = 200, body = crate::api::TaskView),
        (status = 403, description = "Not the holder of the part", content_type = "application/problem+json"),
        (status = 404, description = "No such task or part, or not one the caller may see", content_type = "application/problem+json"),
        (status = 409, description = "The unit's part is finished", content_type = "application/problem+json"),
        (status = 422, description = "A field breaks a rule", content_type = "application/problem+json")),
    security(("bearer" = ["tasks"])))]
pub async fn report_part(
    State(ctx): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path((id, part)): Path<(String, String)>,
    Json(body): Json<TaskPartReportNew>,
) -> ApiResult<Json<crate::api::TaskView>> {
    policy::checked(&ctx, &auth.principal, &id, TaskAction::ReportPart).await?;
    let input = PartReportInput {
        percent: body.percent,
        text: body.text,
    };
    report(&ctx, &api_who(&auth, &ip)?, &id, &part, &input).await?;
    crate::api::read_after(&ctx, &auth, &id).await
}

// ---- Pages ----

/// What the task page shows of the parts and offers `user`: the parts by unit, the split form
/// (the sub-units and officials a leader may give a part to), and the parts they report on.
pub async fn page_context(
    ctx: &Ctx,
    user: &User,
    task: &Task,
) -> Result<minijinja::Value, AppError> {
    use minijinja::context;
    let parts: Vec<minijinja::Value> = task
        .parts
        .iter()
        .filter(|p| policy::reads_part(user, task, p))
        .map(|p| {
            let unit = task
                .units
                .iter()
                .find(|u| u.id == p.unit_id)
                .map(|u| u.agency_name.clone());
            context! {
                id => p.id.clone(), unit => unit, kind => p.holder_kind(),
                holder => p.holder_name.clone(), note => p.note.clone(), due_on => p.due_on.clone(),
                progress => p.progress, last_report => p.last_report.clone(),
                reports => may_report(user, p),
            }
        })
        .collect();
    let split = match policy::decision(user, task, TaskAction::Split) {
        Ok(Some(unit_id)) => match task.units.iter().find(|u| u.id == unit_id) {
            Some(unit) if open(unit).is_ok() => {
                let all = tinhso_directory::store::all(&ctx.db).await?;
                let subs: Vec<minijinja::Value> =
                    tinhso_directory::subtree(all, Some(unit.agency_id.as_str()))
                        .into_iter()
                        .filter(|a| a.id != unit.agency_id)
                        .map(|a| context! { code => a.code.to_string(), name => a.name })
                        .collect();
                let officials: Vec<minijinja::Value> =
                    store::officials_of(&ctx.db, &unit.agency_id)
                        .await?
                        .into_iter()
                        .map(|(id, name)| context! { id => id, name => name })
                        .collect();
                Some(context! {
                    unit => unit.agency_name.clone(), due_on => unit.current_due_on.clone(),
                    subs => subs, officials => officials,
                })
            }
            _ => None,
        },
        _ => None,
    };
    // One who only holds a part reads this task, not the others of its series.
    let series = if policy::reads_whole(user, task) {
        crate::recurrence::series(&ctx.db, &task.id).await?
    } else {
        Vec::new()
    };
    let cancels = !series.is_empty()
        && series.last().is_some_and(|o| o.id != task.id)
        && policy::decision(user, task, TaskAction::Decide).is_ok();
    Ok(context! {
        parts => parts, split => split, series => tinhso_kernel::web::sv(&series),
        cancels_series => cancels,
    })
}

/// The most parts a board list shows.
const BOARD_LIMIT: i64 = 200;

/// The parts on `user`'s board ("Nhiệm vụ"): those they hold (named, or through their
/// sub-unit) and, for a unit's leader, those their unit split off, each grouped by state with
/// the task, the unit that split it, the deadline and the progress. Each list is read for
/// `user` alone (`store::held_by`, `store::split_by`), as [`policy::reads_part`] allows.
pub async fn board_context(ctx: &Ctx, user: &User) -> Result<minijinja::Value, AppError> {
    let agency = user.agency_id.as_deref().unwrap_or_default();
    let held = store::held_by(&ctx.db, &user.id, agency, BOARD_LIMIT).await?;
    let split = if user.has_role(Role::Leader) && !agency.is_empty() {
        store::split_by(&ctx.db, agency, BOARD_LIMIT).await?
    } else {
        Vec::new()
    };
    let today = tinhso_kernel::time::local_now().date().to_string();
    Ok(minijinja::context! {
        held => by_state(&held, &today), split => by_state(&split, &today),
        leads => user.has_role(Role::Leader),
    })
}

/// Board lines grouped by the parts' states, in the board's order, empty groups left out; a
/// part still open after its deadline is marked overdue.
fn by_state(lines: &[store::PartLine], today: &str) -> Vec<minijinja::Value> {
    let state_of = |l: &store::PartLine| {
        let unit = l.unit_state.parse().unwrap_or(UnitState::Assigned);
        part_state(l.progress, unit)
    };
    PartState::ALL
        .iter()
        .filter_map(|s| {
            let of: Vec<minijinja::Value> = lines
                .iter()
                .filter(|l| state_of(l) == *s)
                .map(|l| {
                    let open = matches!(s, PartState::Assigned | PartState::InProgress);
                    minijinja::context! {
                        line => tinhso_kernel::web::sv(l),
                        overdue => open && l.due_on.as_str() < today,
                    }
                })
                .collect();
            (!of.is_empty()).then(|| minijinja::context! { state => s.as_str(), lines => of })
        })
        .collect()
}

fn page_who<'a>(user: &'a User, ip: &str) -> Who<'a> {
    Who {
        user,
        actor: Actor {
            label: format!("user:{}", user.id),
            ip: ip.to_owned(),
        },
    }
}

fn form_value(form: &BTreeMap<String, String>, key: &str) -> String {
    form.get(key)
        .map(|v| v.trim().to_owned())
        .unwrap_or_default()
}

async fn split_submit(
    State(ctx): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult<Response> {
    let user = crate::pages::signed_official(&ctx, &page).await?;
    crate::pages::visible_task(&ctx, &page, &id).await?;
    // One select names the holder: `agency:<code>` or `official:<id>`.
    let holder = form_value(&form, "holder");
    let (agency, official) = match holder.split_once(':') {
        Some(("agency", code)) => (Some(code.to_owned()), None),
        Some(("official", who)) => (None, Some(who.to_owned())),
        _ => (None, None),
    };
    let input = PartInput {
        agency,
        official,
        note: form_value(&form, "note"),
        due_date: form_value(&form, "due_date"),
    };
    match split(&ctx, &page_who(&user, &ip), &id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/office/tasks/{id}?done=split")).into_response()),
        Err(e) => crate::pages::refused_form(&ctx, &page, &user, &id, "split", form, e).await,
    }
}

async fn part_report_submit(
    State(ctx): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path((id, part)): Path<(String, String)>,
    Form(mut form): Form<BTreeMap<String, String>>,
) -> PageResult<Response> {
    let user = crate::pages::signed_official(&ctx, &page).await?;
    crate::pages::visible_task(&ctx, &page, &id).await?;
    let percent = form_value(&form, "percent");
    let input = PartReportInput {
        percent: match percent.parse::<i64>() {
            Ok(p) => Some(p),
            Err(_) if percent.is_empty() => None,
            Err(_) => Some(-1),
        },
        text: form_value(&form, "text"),
    };
    form.insert("part".to_owned(), part.clone());
    match report(&ctx, &page_who(&user, &ip), &id, &part, &input).await {
        Ok(()) => Ok(Redirect::to(&format!("/office/tasks/{id}?done=part_report")).into_response()),
        Err(e) => crate::pages::refused_form(&ctx, &page, &user, &id, "part_report", form, e).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_part_is_due_from_today_to_its_unit_s_deadline_in_force() {
        let today = "2026-12-10";
        let cases: [(&str, &str, Option<&str>); 8] = [
            ("2026-12-10", "2026-12-31", None),
            ("2026-12-31", "2026-12-31", None),
            ("2026-12-20", "2026-12-31", None),
            ("2026-12-10", "2026-12-10", None),
            ("2026-12-09", "2026-12-31", Some("không được trước hôm nay")),
            (
                "2027-01-01",
                "2026-12-31",
                Some("không được sau hạn của đơn vị (2026-12-31)"),
            ),
            // A unit already overdue: no day fits, and the earlier rule speaks first.
            ("2026-12-09", "2026-12-05", Some("không được trước hôm nay")),
            (
                "2026-12-11",
                "2026-12-05",
                Some("không được sau hạn của đơn vị"),
            ),
        ];
        for (due, unit_due, refused) in cases {
            let got = due_refusal(day(due), day(today), unit_due);
            match (refused, &got) {
                (None, None) => {}
                (Some(text), Some(why)) => {
                    assert!(why.contains(text), "{due} / {unit_due}: {why}");
                }
                _ => panic!("{due} / {unit_due}: expected {refused:?}, got {got:?}"),
            }
        }
        assert!(
            due_refusal(day(today), day(today), "không phải ngày").is_some(),
            "an unreadable unit deadline takes no part"
        );
    }

    #[test]
    fn a_part_s_state_follows_its_progress_and_its_unit() {
        use PartState::*;
        let cases = [
            (0, UnitState::Assigned, Assigned),
            (0, UnitState::InProgress, Assigned),
            (1, UnitState::InProgress, InProgress),
            (99, UnitState::InProgress, InProgress),
            (100, UnitState::InProgress, Done),
            (40, UnitState::CompletionReported, Done),
            (0, UnitState::Completed, Done),
            (100, UnitState::Cancelled, Cancelled),
            (10, UnitState::Cancelled, Cancelled),
        ];
        for (progress, unit, expected) in cases {
            assert_eq!(part_state(progress, unit), expected, "{progress} {unit:?}");
        }
    }
}
