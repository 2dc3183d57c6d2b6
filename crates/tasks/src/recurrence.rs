//! Recurring tasks (docs/tasks-design.md slice 5): a monthly or quarterly report is one task per
//! period. The office gives the rule when it creates the task; the platform creates every
//! occurrence at once (at most `recurrence::MAX_OCCURRENCES`, 120), in one transaction, each a
//! task of its own with its own code, its units as given and each unit's deadline the
//! occurrence's due day (`recurrence::due_days`, the day of the month clamped to the month,
//! then moved to the working day before it by the calendar: `recurrence::on_working_days`).
//! The first occurrence holds the rule (`tasks.recurrence`, JSON); the others point at it
//! (`tasks.parent_id`). Creating them all at once, rather than one per period by the sweep,
//! lets the overview count them and lets the units see what comes; a rule that never ends,
//! makes more than 120, or ends before it starts is refused and nothing is created.

use crate::events;
use crate::model::{self, SourceKind};
use crate::service::{self, Step, TaskInput, Who};
use crate::store::{self, NewTask};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use serde_json::{Value, json};
use tinhso_domain::task::deadline::{self, DeadlineSpec};
use tinhso_domain::task::recurrence::{self, Ends, Every, Recurrence};
use tinhso_kernel::Ctx;
use tinhso_kernel::db::Db;
use tinhso_kernel::error::{AppError, FieldError};

/// A rule as given: `every` (`monthly` or `quarterly`), the day of the month, and its end —
/// the last day (`until`, `YYYY-MM-DD`) or the number of occurrences (`count`), one of them.
#[derive(Debug, Clone, Default)]
pub struct RecurrenceInput {
    pub every: String,
    pub day: Option<i64>,
    pub until: Option<String>,
    pub count: Option<i64>,
}

impl RecurrenceInput {
    /// Nothing given: the task does not recur.
    pub fn is_empty(&self) -> bool {
        self.every.trim().is_empty()
            && self.day.is_none()
            && self.until.as_deref().is_none_or(|u| u.trim().is_empty())
            && self.count.is_none()
    }
}

/// The field a rule's mistakes are shown on.
pub const FIELD: &str = "recurrence";

const EVERY: &str = "Chu kỳ lặp lại là hằng tháng (monthly) hoặc hằng quý (quarterly).";
const ONE_END: &str =
    "Chọn một cách kết thúc: ngày kết thúc hoặc số lần lặp lại, không chọn cả hai.";
const ENDS_BEFORE: &str = "Quy tắc lặp lại kết thúc trước khi bắt đầu: không có lần nào để giao.";
const UNTIL_DATE: &str = "Ngày kết thúc có dạng YYYY-MM-DD.";

fn refuse(message: impl Into<String>) -> AppError {
    AppError::Validation(vec![FieldError::new(FIELD, message)])
}

/// The rule of `input`, or why not.
pub fn rule_of(input: &RecurrenceInput) -> Result<Recurrence, AppError> {
    let every: Every = input.every.trim().parse().map_err(|_| refuse(EVERY))?;
    let day = input
        .day
        .and_then(|d| u32::try_from(d).ok())
        .filter(|d| (1..=31).contains(d))
        .ok_or_else(|| refuse(tinhso_domain::task::TaskRuleError::RecurrenceDay.to_string()))?;
    let until = input
        .until
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty());
    let ends = match (until, input.count) {
        (Some(_), Some(_)) => return Err(refuse(ONE_END)),
        (Some(text), None) => Some(Ends::On(
            NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| refuse(UNTIL_DATE))?,
        )),
        // Zero, negative or past the limit: the domain's "at most 120" says why.
        (None, Some(n)) => Some(Ends::After(u32::try_from(n).unwrap_or(0))),
        (None, None) => None,
    };
    Ok(Recurrence { every, day, ends })
}

/// The due days of `rule` from `start`, on working days, or why not.
pub fn due_days(
    calendar: &tinhso_domain::calendar::Calendar,
    rule: &Recurrence,
    start: NaiveDate,
) -> Result<Vec<NaiveDate>, AppError> {
    let days = recurrence::due_days(rule, start).map_err(|e| refuse(e.to_string()))?;
    if days.is_empty() {
        return Err(refuse(ENDS_BEFORE));
    }
    let days = recurrence::on_working_days(calendar, &days, start);
    // Each day within the deadline's limits (not past five years ahead).
    for day in &days {
        deadline::resolve(calendar, start, DeadlineSpec::OnDate(*day))
            .map_err(|e| refuse(e.to_string()))?;
    }
    Ok(days)
}

/// The rule as stored in `tasks.recurrence`, as it was given: `every` (`monthly` or
/// `quarterly`), `day`, and `until` (`YYYY-MM-DD`) or `count`.
pub fn stored(rule: &Recurrence) -> Value {
    match rule.ends {
        Some(Ends::On(day)) => {
            json!({ "every": rule.every.as_str(), "day": rule.day, "until": day.to_string() })
        }
        Some(Ends::After(n)) => {
            json!({ "every": rule.every.as_str(), "day": rule.day, "count": n })
        }
        None => json!({ "every": rule.every.as_str(), "day": rule.day }),
    }
}

/// Creates the series `input` with `rule` describes: every occurrence a task, in one
/// transaction, each with its audit row and `task.assigned`. Returns the first's id.
pub(crate) async fn create_series(
    ctx: &Ctx,
    who: &Who<'_>,
    input: &TaskInput,
    given: &RecurrenceInput,
) -> Result<String, AppError> {
    let rule = rule_of(given)?;
    let start = service::today();
    let calendar = tinhso_kernel::calendar::load(&ctx.db).await?;
    let days = due_days(&calendar, &rule, start)?;
    // The units are checked as for one task, each deadline the first occurrence's due day.
    let mut typed = input.clone();
    typed.recurrence = None;
    for u in &mut typed.units {
        u.working_days = None;
        u.due_date = Some(days[0].to_string());
    }
    let mut p = service::plan(ctx, who.user, &typed).await?;
    let rule_json = stored(&rule);
    let stored_rule = rule_json.to_string();
    let now = tinhso_kernel::time::now_text();
    let mut tx = ctx.db.begin().await?;
    let office = store::office_of(&mut tx, &p.authority.id).await?;
    if who.user.agency_id.as_deref() != Some(office.as_str()) {
        return Err(AppError::Forbidden);
    }
    let assigned_on = start.to_string();
    let name = format!("task:{}:{}", p.authority.id, start.year());
    let source_kind = if p.source.is_some() {
        SourceKind::Document
    } else {
        SourceKind::Typed
    };
    let mut head: Option<String> = None;
    for (n, day) in days.iter().enumerate() {
        for u in &mut p.units {
            u.due_on = *day;
            u.days = None;
        }
        let id = uuid::Uuid::now_v7().to_string();
        let seq = tinhso_kernel::db::next_sequence(&ctx.db, &mut tx, &name).await?;
        let code = model::code(start.year(), seq);
        store::insert_task(
            &mut tx,
            &NewTask {
                id: &id,
                code: &code,
                title: &p.title,
                content: &p.content,
                source_kind,
                source_id: p.source.as_ref().map(|s| s.0.as_str()),
                source_label: p.source.as_ref().map(|s| s.1.as_str()),
                authority_agency_id: &p.authority.id,
                authority_position: p.position,
                office_agency_id: &office,
                priority: p.priority.as_str(),
                field: &p.field,
                assigned_on: &assigned_on,
                created_by: &who.user.id,
                now: &now,
            },
        )
        .await?;
        let rule = head.is_none().then_some(stored_rule.as_str());
        store::series::link(&mut tx, &id, head.as_deref(), rule).await?;
        let units = service::insert_units(&mut tx, &id, &p.units, &now).await?;
        let series = json!({
            "first": head.clone().unwrap_or_else(|| id.clone()), "occurrence": n + 1,
            "of": days.len(), "due_on": day.to_string(),
        });
        let after = json!({
            "code": code, "title": p.title, "authority": p.authority.code.to_string(),
            "position": p.position.as_str(), "priority": p.priority.as_str(),
            "source": p.source.as_ref().map(|s| s.0.clone()), "units": units,
            "recurrence": head.is_none().then(|| rule_json.clone()),
            "series": series,
        });
        let payload = json!({
            "task_id": id, "code": code, "authority_agency_id": p.authority.id,
            "office_agency_id": office, "units": units,
            "source_kind": source_kind.as_str(),
            "source_id": p.source.as_ref().map(|s| s.0.clone()),
            "parent_id": head,
        });
        let step = Step {
            action: "task.create",
            before: Value::Null,
            after,
            event: &events::ASSIGNED,
            payload,
        };
        service::record(ctx, &mut tx, who, &id, step).await?;
        head.get_or_insert(id);
    }
    tx.commit().await?;
    tinhso_kernel::events::committed(ctx);
    head.ok_or_else(|| refuse(ENDS_BEFORE))
}

/// One occurrence of a series, as the task page and the API list it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Occurrence {
    pub id: String,
    pub code: String,
    /// The lead unit's state.
    pub state: String,
    /// `YYYY-MM-DD`: the lead unit's deadline as worked to.
    pub due_on: String,
}

/// The series task `id` belongs to, in order of deadline; empty when it does not recur.
pub async fn series(db: &Db, id: &str) -> Result<Vec<Occurrence>, AppError> {
    let rows = store::series::of_task(db, id).await?;
    Ok(if rows.len() > 1 { rows } else { Vec::new() })
}

const NO_REASON: &str = "Cần nêu lý do hủy các kỳ còn lại.";
const NOTHING_LEFT: &str = "Không còn kỳ nào sau kỳ này để hủy.";

/// The office cancels the occurrences of task `id`'s series due after it (those not yet
/// finished): every open unit of each is cancelled, each with its audit row and
/// `task.cancelled`, in one transaction. Returns how many were cancelled.
pub async fn cancel_rest(
    ctx: &Ctx,
    who: &Who<'_>,
    id: &str,
    reason: &str,
) -> Result<usize, AppError> {
    // Who may is decided first (and again on the locked row).
    let seen = store::by_id(&ctx.db, id).await?.ok_or(AppError::NotFound)?;
    crate::policy::decision(who.user, &seen, crate::policy::TaskAction::Decide)
        .map_err(AppError::from)?;
    let reason = model::text(reason, model::MAX_REPORT_CHARS, true)
        .map_err(|_| AppError::validation("reason", NO_REASON))?;
    let occurrences = series(&ctx.db, id).await?;
    let Some(this) = occurrences.iter().find(|o| o.id == id) else {
        return Err(AppError::Conflict(NOTHING_LEFT.into()));
    };
    let later: Vec<&Occurrence> = occurrences
        .iter()
        .filter(|o| o.due_on > this.due_on || (o.due_on == this.due_on && o.code > this.code))
        .collect();
    let mut tx = ctx.db.begin().await?;
    service::locked(ctx, &mut tx, who, id, crate::policy::TaskAction::Decide).await?;
    let now = tinhso_kernel::time::now_text();
    let mut cancelled = 0;
    for o in later {
        let task = store::for_update(&ctx.db, &mut tx, &o.id)
            .await?
            .ok_or(AppError::NotFound)?;
        if task.state.is_finished() {
            continue;
        }
        let mut units = Vec::new();
        for u in task.units.iter().filter(|u| !u.state.is_finished()) {
            let to = tinhso_domain::task::state::act(
                u.state,
                u.role,
                &tinhso_domain::task::state::UnitAction::Cancel,
            )
            .map_err(|e| AppError::Conflict(e.to_string()))?;
            store::series::set_unit_state(&mut tx, &u.id, to.as_str(), &now).await?;
            units.push(json!({ "unit_id": u.id, "agency_id": u.agency_id }));
        }
        store::set_task_state(&mut tx, &task.id, "cancelled", &now).await?;
        let step = Step {
            action: "task.cancel",
            before: json!({ "state": task.state.as_str() }),
            after: json!({ "state": "cancelled", "reason": reason, "from": id }),
            event: &events::CANCELLED,
            payload: json!({ "task_id": task.id, "units": units, "series_from": id }),
        };
        service::record(ctx, &mut tx, who, &task.id, step).await?;
        cancelled += 1;
    }
    if cancelled == 0 {
        return Err(AppError::Conflict(NOTHING_LEFT.into()));
    }
    tx.commit().await?;
    tinhso_kernel::events::committed(ctx);
    Ok(cancelled)
}

// ---- API and page ----

pub fn routes() -> tinhso_kernel::module::Routes {
    let entity = tinhso_kernel::module::Access::Entity("task");
    tinhso_kernel::module::Routes::new("tasks")
        .api(entity, utoipa_axum::routes!(cancel_series))
        .post("/office/tasks/{id}/series/cancel", entity, cancel_submit)
}

/// Why the rest of a series is cancelled.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct TaskSeriesCancel {
    /// 1–4000 characters.
    #[schema(min_length = 1, max_length = 4000)]
    pub reason: String,
}

/// Cancel the occurrences of the task's series due after it: for the office following the
/// task. Without a reason a 422; nothing left to cancel a 409.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/series/cancel", tag = "tasks",
    params(("id" = String, Path, description = "Task id: the occurrence after which to cancel")),
    request_body = TaskSeriesCancel,
    responses((status = 200, body = crate::api::TaskView),
        (status = 403, description = "Not the office following the task", content_type = "application/problem+json"),
        (status = 404, description = "No such task, or not one the caller may see", content_type = "application/problem+json"),
        (status = 409, description = "No later occurrence left to cancel", content_type = "application/problem+json"),
        (status = 422, description = "No reason given", content_type = "application/problem+json")),
    security(("bearer" = ["tasks"])))]
pub async fn cancel_series(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    tinhso_kernel::extract::Caller(auth): tinhso_kernel::extract::Caller,
    tinhso_kernel::net::ClientIp(ip): tinhso_kernel::net::ClientIp,
    tinhso_kernel::extract::Path(id): tinhso_kernel::extract::Path<String>,
    tinhso_kernel::extract::Json(body): tinhso_kernel::extract::Json<TaskSeriesCancel>,
) -> tinhso_kernel::error::ApiResult<tinhso_kernel::extract::Json<crate::api::TaskView>> {
    crate::policy::checked(
        &ctx,
        &auth.principal,
        &id,
        crate::policy::TaskAction::Decide,
    )
    .await?;
    let who = Who {
        user: auth.require_user()?,
        actor: tinhso_kernel::audit::Actor {
            label: auth.principal.actor_label(),
            ip: ip.to_owned(),
        },
    };
    cancel_rest(&ctx, &who, &id, &body.reason).await?;
    crate::api::read_after(&ctx, &auth, &id).await
}

async fn cancel_submit(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    page: tinhso_kernel::web::Page,
    tinhso_kernel::net::ClientIp(ip): tinhso_kernel::net::ClientIp,
    tinhso_kernel::extract::Path(id): tinhso_kernel::extract::Path<String>,
    tinhso_kernel::extract::Form(form): tinhso_kernel::extract::Form<
        std::collections::BTreeMap<String, String>,
    >,
) -> tinhso_kernel::error::PageResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let user = crate::pages::signed_official(&ctx, &page).await?;
    crate::pages::visible_task(&ctx, &page, &id).await?;
    let who = Who {
        user: &user,
        actor: tinhso_kernel::audit::Actor {
            label: format!("user:{}", user.id),
            ip: ip.to_owned(),
        },
    };
    let reason = form.get("reason").cloned().unwrap_or_default();
    match cancel_rest(&ctx, &who, &id, &reason).await {
        Ok(_) => Ok(axum::response::Redirect::to(&format!(
            "/office/tasks/{id}?done=series_cancel"
        ))
        .into_response()),
        Err(e) => {
            crate::pages::refused_form(&ctx, &page, &user, &id, "series_cancel", form, e).await
        }
    }
}
