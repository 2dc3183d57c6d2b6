//! The tasks API under `/api/v1/tasks` (token scope `tasks`): the tasks the caller may see,
//! create (typed or from an incoming document), one task with its units and timeline, a
//! unit's report, the office's acceptance or return, a unit's request for more time and the
//! office's grant or refusal, and a leader's written reminder (đôn đốc). Errors are problem+json; a task the
//! caller may not see is a 404.

use crate::policy::{self, SCOPE, TaskAction};
use crate::service::{
    self, Decision, ExtensionAnswer, ExtensionInput, ReportInput, TaskInput, UnitInput, Who,
};
use crate::store::{self, Line, Viewer};
use crate::{Extension, Report, Task, TaskUnit};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tinhso_domain::task::state::UnitState;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::auth::policy::prelude;
use tinhso_kernel::auth::session::Auth;
use tinhso_kernel::auth::{Role, User};
use tinhso_kernel::error::{ApiResult, AppError};
use tinhso_kernel::extract::{Caller, Json, Path, Query};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use utoipa_axum::routes;

pub fn routes() -> Routes {
    let entity = Access::Entity("task");
    Routes::new("tasks")
        .api(entity, routes!(list, create))
        .api(entity, routes!(read))
        .api(entity, routes!(report))
        .api(entity, routes!(accept))
        .api(entity, routes!(return_task))
        .api(entity, routes!(ask_extension))
        .api(entity, routes!(grant_extension))
        .api(entity, routes!(refuse_extension))
        .api(entity, routes!(urge))
}

/// A unit named in a new task: its agency code, its role, and its deadline as working days
/// after today or a date — exactly one of the two.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TaskUnitInput {
    /// The unit's agency code, e.g. `000.00.14.H56`: under the assigning authority.
    pub agency: String,
    /// `lead` (chủ trì, exactly one) or `supporting` (phối hợp).
    #[schema(example = "lead")]
    pub role: String,
    /// N working days after today (1–750), by the platform's calendar.
    #[serde(default)]
    pub working_days: Option<i64>,
    /// `YYYY-MM-DD`, not before today and at most five years ahead.
    #[serde(default)]
    pub due_date: Option<String>,
}

/// A new task.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TaskNew {
    /// Up to 500 characters; may be empty when `source_document` is given (its subject is used).
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub content: String,
    /// The assigning authority's agency code: one whose tasks the caller's office follows.
    pub authority: String,
    /// `committee`, `chair` or `vice_chair` for a People's Committee; `head` for another agency.
    #[schema(example = "chair")]
    pub position: String,
    /// `normal`, `high` or `urgent`.
    #[serde(default = "normal")]
    #[schema(example = "normal")]
    pub priority: String,
    /// The field (lĩnh vực), free text.
    #[serde(default)]
    pub field: String,
    /// The id of an incoming document the caller may read, the task's source.
    #[serde(default)]
    pub source_document: Option<String>,
    pub units: Vec<TaskUnitInput>,
    /// A monthly or quarterly report: every occurrence is created at once as a task of its
    /// own, each unit's deadline the occurrence's due day (the units' own deadlines are then
    /// not used). The response is the first occurrence, with the series.
    #[serde(default)]
    pub recurrence: Option<TaskRecurrenceNew>,
}

/// How a task recurs: it must end, on a day or after a number of times (at most 120).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TaskRecurrenceNew {
    /// `monthly`, or `quarterly` (the day in each quarter's last month).
    #[schema(example = "monthly", pattern = "^(monthly|quarterly)$")]
    pub every: String,
    /// The due day in the month (past the month's end, its last day; on a rest day, the
    /// working day before).
    #[schema(minimum = 1, maximum = 31)]
    pub day: i64,
    /// `YYYY-MM-DD`: no occurrence after this day. Exactly one of `until` and `count`.
    #[serde(default)]
    #[schema(pattern = r"^\d{4}-\d{2}-\d{2}$")]
    pub until: Option<String>,
    /// The number of occurrences.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 120)]
    pub count: Option<i64>,
}

fn normal() -> String {
    "normal".into()
}

/// A unit's part in a task.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaskUnitView {
    pub id: String,
    pub agency: String,
    pub agency_name: String,
    /// `lead` or `supporting`.
    pub role: String,
    /// `assigned`, `in_progress`, `completion_reported`, `completed` or `cancelled`.
    pub state: String,
    /// 0–100.
    pub progress: i64,
    /// The working days the deadline was given in, if it was.
    pub working_days: Option<i64>,
    /// `YYYY-MM-DD`: the deadline as assigned, as worked to now (moved by every extension
    /// granted), and as lateness is judged (moved only by extensions granted on or before the
    /// deadline they moved).
    pub due_on: String,
    pub current_due_on: String,
    pub judged_due_on: String,
    pub finished_on: Option<String>,
}

/// A unit's request for more time and its answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaskExtensionView {
    pub id: String,
    pub unit_id: String,
    pub unit_name: String,
    /// `YYYY-MM-DD`: the day asked, the deadline then, the deadline asked for.
    pub asked_on: String,
    pub old_due: String,
    pub new_due: String,
    pub reason: String,
    /// `granted` or `refused`; absent while waiting.
    pub decision: Option<String>,
    pub granted_due: Option<String>,
    pub decision_note: Option<String>,
    pub decided_on: Option<String>,
}

/// One entry of the timeline.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaskReportView {
    /// `progress`, `completion`, `accept`, `return`, `extension_request`, `extension_grant`,
    /// `extension_refuse` or `urge`.
    pub kind: String,
    pub unit_name: String,
    pub percent: Option<i64>,
    /// The deadline an extension's request or grant names.
    pub due_on: Option<String>,
    pub text: String,
    pub by: String,
    pub at: String,
}

/// A task with its units and timeline.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaskView {
    pub id: String,
    /// `NV-<year>-<seq>`, per authority.
    pub code: String,
    pub title: String,
    pub content: String,
    pub authority: String,
    pub authority_name: String,
    pub position: String,
    pub priority: String,
    pub field: String,
    /// `typed` or `document`, and the source's id and label.
    pub source_kind: String,
    pub source_id: Option<String>,
    pub source_label: Option<String>,
    pub assigned_on: String,
    /// The lead unit's state.
    pub state: String,
    pub units: Vec<TaskUnitView>,
    pub timeline: Vec<TaskReportView>,
    pub extensions: Vec<TaskExtensionView>,
    /// The parts the units split theirs into (giao tiếp).
    pub parts: Vec<crate::parts::TaskPartView>,
    /// The occurrences of the series the task belongs to, by deadline; empty unless it recurs.
    pub series: Vec<crate::recurrence::Occurrence>,
}

fn unit_view(u: TaskUnit) -> TaskUnitView {
    TaskUnitView {
        id: u.id,
        agency: u.agency_code,
        agency_name: u.agency_name,
        role: u.role.as_str().to_owned(),
        state: u.state.as_str().to_owned(),
        progress: u.progress,
        working_days: u.due_spec_days,
        due_on: u.due_on,
        current_due_on: u.current_due_on,
        judged_due_on: u.judged_due_on,
        finished_on: u.finished_on,
    }
}

fn extension_view(e: Extension) -> TaskExtensionView {
    TaskExtensionView {
        id: e.id,
        unit_id: e.unit_id,
        unit_name: e.unit_name,
        asked_on: e.asked_on,
        old_due: e.old_due,
        new_due: e.new_due,
        reason: e.reason,
        decision: e.decision,
        granted_due: e.granted_due,
        decision_note: e.decision_note,
        decided_on: e.decided_on,
    }
}

fn report_view(r: Report) -> TaskReportView {
    TaskReportView {
        kind: r.kind.as_str().to_owned(),
        unit_name: r.unit_name,
        percent: r.percent,
        due_on: r.due_on,
        text: r.body,
        by: r.by_name,
        at: r.created_at,
    }
}

/// Task `t` as `user` reads it: one who only holds a part reads the task, its units and their
/// own parts with their entries (`pages::readable`, `policy::reads_part`).
async fn view(ctx: &Ctx, user: &User, t: Task) -> Result<TaskView, AppError> {
    let (timeline, _, extensions) = crate::pages::readable(ctx, user, &t).await?;
    let series = if policy::reads_whole(user, &t) {
        crate::recurrence::series(&ctx.db, &t.id).await?
    } else {
        Vec::new()
    };
    let parts: Vec<crate::parts::TaskPartView> = t
        .parts
        .iter()
        .filter(|p| policy::reads_part(user, &t, p))
        .cloned()
        .map(crate::parts::view)
        .collect();
    Ok(TaskView {
        code: t.code,
        title: t.title,
        content: t.content,
        authority: t.authority_code,
        authority_name: t.authority_name,
        position: t.authority_position.as_str().to_owned(),
        priority: t.priority.as_str().to_owned(),
        field: t.field,
        source_kind: t.source_kind.as_str().to_owned(),
        source_id: t.source_id,
        source_label: t.source_label,
        assigned_on: t.assigned_on,
        state: t.state.as_str().to_owned(),
        units: t.units.into_iter().map(unit_view).collect(),
        timeline: timeline.into_iter().map(report_view).collect(),
        extensions: extensions.into_iter().map(extension_view).collect(),
        parts,
        series,
        id: t.id,
    })
}

/// Who calls: the signed-in user and their audit label.
fn who<'a>(auth: &'a Auth, ip: &str) -> Result<Who<'a>, AppError> {
    Ok(Who {
        user: auth.require_user()?,
        actor: Actor {
            label: auth.principal.actor_label(),
            ip: ip.to_owned(),
        },
    })
}

/// The common prelude (sign-in, token scope, second factor) for operations not about one task.
fn signed_in(auth: &Auth) -> Result<&User, AppError> {
    prelude(&auth.principal, SCOPE, false, false)?;
    auth.require_user()
}

/// The list's filter and page.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskListQuery {
    /// The lead unit's state: `assigned`, `in_progress`, `completion_reported`, `completed`
    /// or `cancelled`; empty for all.
    #[param(pattern = "^(assigned|in_progress|completion_reported|completed|cancelled)?$")]
    pub state: Option<String>,
    /// From 1 to 10,000; 50 tasks a page.
    #[param(minimum = 1, maximum = 10000)]
    pub page: Option<i64>,
}

/// A line of the list: a task and its lead unit's part.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaskLine {
    pub id: String,
    pub code: String,
    pub title: String,
    pub authority_name: String,
    pub priority: String,
    pub assigned_on: String,
    pub state: String,
    pub lead_unit: String,
    pub current_due_on: String,
    pub progress: i64,
}

fn line(l: Line) -> TaskLine {
    TaskLine {
        id: l.id,
        code: l.code,
        title: l.title,
        authority_name: l.authority_name,
        priority: l.priority,
        assigned_on: l.assigned_on,
        state: l.task_state,
        lead_unit: l.unit_name,
        current_due_on: l.current_due_on,
        progress: l.progress,
    }
}

const PER_PAGE: i64 = 50;

/// The tasks the caller may see, newest first: those of their unit, those their office
/// follows, and, for a leader, those their agency assigned.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "tasks", params(TaskListQuery),
    responses((status = 200, body = [TaskLine])),
    security(("bearer" = ["tasks"])))]
pub async fn list(
    State(ctx): State<Ctx>,
    Caller(auth): Caller,
    Query(q): Query<TaskListQuery>,
) -> ApiResult<Json<Vec<TaskLine>>> {
    let user = signed_in(&auth)?;
    let state = match q.state.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(s.parse::<UnitState>().map_err(|_| {
            AppError::BadRequest("Trạng thái không hợp lệ: assigned, in_progress, completion_reported, completed hoặc cancelled.".into())
        })?),
        None => None,
    };
    let page = q.page.unwrap_or(1);
    if !(1..=10_000).contains(&page) {
        return Err(AppError::BadRequest("Số trang từ 1 đến 10000.".into()).into());
    }
    let Some(agency) = user.agency_id.as_deref().filter(|_| user.is_official()) else {
        return Ok(Json(Vec::new()));
    };
    let viewer = Viewer {
        agency_id: agency,
        office: policy::may_create(user),
        leader: user.has_role(Role::Leader),
    };
    let lines = store::visible(
        &ctx.db,
        &viewer,
        state.map(|s| s.as_str()),
        PER_PAGE,
        (page - 1) * PER_PAGE,
    )
    .await?;
    Ok(Json(lines.into_iter().map(line).collect()))
}

fn input(body: TaskNew) -> TaskInput {
    TaskInput {
        title: body.title,
        content: body.content,
        authority: body.authority,
        position: body.position,
        priority: body.priority,
        field: body.field,
        source_document: body.source_document,
        units: body
            .units
            .into_iter()
            .map(|u| UnitInput {
                agency: u.agency,
                role: u.role,
                working_days: u.working_days,
                due_date: u.due_date,
            })
            .collect(),
        recurrence: body.recurrence.map(|r| crate::recurrence::RecurrenceInput {
            every: r.every,
            day: Some(r.day),
            until: r.until,
            count: r.count,
        }),
    }
}

/// Create a task: for the leaders, specialists and document clerks of the office following
/// the authority's tasks. Each mistake is a 422 naming its field (`title`, `authority`,
/// `position`, `priority`, `document`, `units`, `unit_<agency code>`, `recurrence`: a rule
/// that never ends, makes more than 120 occurrences or ends before it starts, and nothing is
/// created).
#[utoipa::path(post, path = "/api/v1/tasks", tag = "tasks", request_body = TaskNew,
    responses((status = 201, body = TaskView),
        (status = 403, description = "Not in an assigning office", content_type = "application/problem+json"),
        (status = 422, description = "A field breaks a rule", content_type = "application/problem+json")),
    security(("bearer" = ["tasks"])))]
pub async fn create(
    State(ctx): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Json(body): Json<TaskNew>,
) -> ApiResult<(StatusCode, Json<TaskView>)> {
    signed_in(&auth)?;
    let who = who(&auth, &ip)?;
    let id = service::create(&ctx, &who, &input(body)).await?;
    let (task, _) = policy::checked(&ctx, &auth.principal, &id, TaskAction::View).await?;
    Ok((StatusCode::CREATED, Json(view(&ctx, who.user, task).await?)))
}

/// One task with its units and timeline.
#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "tasks",
    params(("id" = String, Path, description = "Task id")),
    responses((status = 200, body = TaskView),
        (status = 404, description = "No such task, or not one the caller may see", content_type = "application/problem+json")),
    security(("bearer" = ["tasks"])))]
pub async fn read(
    State(ctx): State<Ctx>,
    Caller(auth): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<TaskView>> {
    let (task, _) = policy::checked(&ctx, &auth.principal, &id, TaskAction::View).await?;
    Ok(Json(view(&ctx, auth.require_user()?, task).await?))
}

/// A unit's report.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TaskReportNew {
    /// `progress` (any unit) or `completion` (the lead unit only).
    #[schema(example = "progress")]
    pub kind: String,
    /// 0–100, for `progress`.
    #[serde(default)]
    pub percent: Option<i64>,
    /// What was done, up to 4000 characters.
    pub text: String,
}

/// Report progress or completion for the caller's unit: its leader. Completion by a
/// supporting unit, or a percentage outside 0–100, is a 422; a report the task's state does
/// not take (already reported complete, finished) a 409.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/reports", tag = "tasks",
    params(("id" = String, Path, description = "Task id")), request_body = TaskReportNew,
    responses((status = 200, body = TaskView),
        (status = 403, description = "Not a leader of a unit of the task", content_type = "application/problem+json"),
        (status = 409, description = "The task's state takes no such report", content_type = "application/problem+json")),
    security(("bearer" = ["tasks"])))]
pub async fn report(
    State(ctx): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Json(body): Json<TaskReportNew>,
) -> ApiResult<Json<TaskView>> {
    policy::checked(&ctx, &auth.principal, &id, TaskAction::Report).await?;
    let input = ReportInput {
        kind: body.kind,
        percent: body.percent,
        text: body.text,
    };
    service::report(&ctx, &who(&auth, &ip)?, &id, &input).await?;
    read_after(&ctx, &auth, &id).await
}

pub(crate) async fn read_after(ctx: &Ctx, auth: &Auth, id: &str) -> ApiResult<Json<TaskView>> {
    let (task, _) = policy::checked(ctx, &auth.principal, id, TaskAction::View).await?;
    Ok(Json(view(ctx, auth.require_user()?, task).await?))
}

/// The office's decision: a comment when accepting, the reason when returning.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TaskDecisionNew {
    #[serde(default)]
    pub text: String,
}

/// Accept the lead unit's completion: the task and its open units are completed today. For
/// the office following the task; 409 unless completion was reported.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/accept", tag = "tasks",
    params(("id" = String, Path, description = "Task id")), request_body = TaskDecisionNew,
    responses((status = 200, body = TaskView),
        (status = 403, description = "Not of the office following the task", content_type = "application/problem+json"),
        (status = 409, description = "No completion reported", content_type = "application/problem+json")),
    security(("bearer" = ["tasks"])))]
pub async fn accept(
    State(ctx): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Json(body): Json<TaskDecisionNew>,
) -> ApiResult<Json<TaskView>> {
    decide(&ctx, &auth, &ip, &id, Decision::Accept, &body.text).await
}

/// Return the lead unit's completion with a reason (required): the unit works on. For the
/// office following the task; 409 unless completion was reported.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/return", tag = "tasks",
    params(("id" = String, Path, description = "Task id")), request_body = TaskDecisionNew,
    responses((status = 200, body = TaskView),
        (status = 403, description = "Not of the office following the task", content_type = "application/problem+json"),
        (status = 409, description = "No completion reported", content_type = "application/problem+json")),
    security(("bearer" = ["tasks"])))]
pub async fn return_task(
    State(ctx): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Json(body): Json<TaskDecisionNew>,
) -> ApiResult<Json<TaskView>> {
    decide(&ctx, &auth, &ip, &id, Decision::Return, &body.text).await
}

async fn decide(
    ctx: &Ctx,
    auth: &Auth,
    ip: &str,
    id: &str,
    decision: Decision,
    text: &str,
) -> ApiResult<Json<TaskView>> {
    policy::checked(ctx, &auth.principal, id, TaskAction::Decide).await?;
    service::decide(ctx, &who(auth, ip)?, id, decision, text).await?;
    read_after(ctx, auth, id).await
}

/// A unit's request for more time.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TaskExtensionNew {
    /// The deadline asked for, `YYYY-MM-DD`: later than the unit's deadline now.
    #[schema(example = "2026-12-31")]
    pub new_due: String,
    /// Why, up to 4000 characters.
    pub reason: String,
}

/// Ask for more time for the caller's unit: its leader, before the unit's deadline passes
/// (the due day counts), one request at a time. A new deadline not later than the current
/// one, before the assignment or more than five years after it, or a missing reason is a 422
/// (`new_due`, `reason`); a request after the deadline, while another waits or on a finished
/// task a 409.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/extensions", tag = "tasks",
    params(("id" = String, Path, description = "Task id")), request_body = TaskExtensionNew,
    responses((status = 201, body = TaskView),
        (status = 403, description = "Not a leader of a unit of the task", content_type = "application/problem+json"),
        (status = 409, description = "After the deadline, another request waiting, or the task finished", content_type = "application/problem+json"),
        (status = 422, description = "A field breaks a rule", content_type = "application/problem+json")),
    security(("bearer" = ["tasks"])))]
pub async fn ask_extension(
    State(ctx): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Json(body): Json<TaskExtensionNew>,
) -> ApiResult<(StatusCode, Json<TaskView>)> {
    policy::checked(&ctx, &auth.principal, &id, TaskAction::AskExtension).await?;
    let input = ExtensionInput {
        new_due: body.new_due,
        reason: body.reason,
    };
    service::ask_extension(&ctx, &who(&auth, &ip)?, &id, &input).await?;
    let Json(view) = read_after(&ctx, &auth, &id).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The office's grant: the deadline asked for unless another is given, and a comment.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TaskExtensionGrant {
    /// `YYYY-MM-DD`; the deadline asked for when absent.
    #[serde(default)]
    pub new_due: Option<String>,
    #[serde(default)]
    pub text: String,
}

/// Grant a unit's request: its deadline moves to the one granted. Lateness is judged by it
/// only when granted on or before the deadline it moves. For the office following the task;
/// a deadline not later than the current one or before the assignment is a 422 (`new_due`);
/// a request already answered or a finished task a 409.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/extensions/{extension}/grant", tag = "tasks",
    params(("id" = String, Path, description = "Task id"),
        ("extension" = String, Path, description = "The request's id")),
    request_body = TaskExtensionGrant,
    responses((status = 200, body = TaskView),
        (status = 403, description = "Not of the office following the task", content_type = "application/problem+json"),
        (status = 404, description = "No such task or request", content_type = "application/problem+json"),
        (status = 409, description = "Already answered, or the task finished", content_type = "application/problem+json"),
        (status = 422, description = "A field breaks a rule", content_type = "application/problem+json")),
    security(("bearer" = ["tasks"])))]
pub async fn grant_extension(
    State(ctx): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path((id, extension)): Path<(String, String)>,
    Json(body): Json<TaskExtensionGrant>,
) -> ApiResult<Json<TaskView>> {
    let answer = ExtensionAnswer::Grant {
        new_due: body.new_due,
    };
    answer_extension(&ctx, &auth, &ip, &id, &extension, &answer, &body.text).await
}

/// The office's refusal, with its reason (required).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TaskExtensionRefusal {
    pub text: String,
}

/// Refuse a unit's request, saying why (a 422 without a reason). For the office following the
/// task; a request already answered or a finished task is a 409.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/extensions/{extension}/refuse", tag = "tasks",
    params(("id" = String, Path, description = "Task id"),
        ("extension" = String, Path, description = "The request's id")),
    request_body = TaskExtensionRefusal,
    responses((status = 200, body = TaskView),
        (status = 403, description = "Not of the office following the task", content_type = "application/problem+json"),
        (status = 404, description = "No such task or request", content_type = "application/problem+json"),
        (status = 409, description = "Already answered, or the task finished", content_type = "application/problem+json"),
        (status = 422, description = "No reason given", content_type = "application/problem+json")),
    security(("bearer" = ["tasks"])))]
pub async fn refuse_extension(
    State(ctx): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path((id, extension)): Path<(String, String)>,
    Json(body): Json<TaskExtensionRefusal>,
) -> ApiResult<Json<TaskView>> {
    let answer = ExtensionAnswer::Refuse;
    answer_extension(&ctx, &auth, &ip, &id, &extension, &answer, &body.text).await
}

async fn answer_extension(
    ctx: &Ctx,
    auth: &Auth,
    ip: &str,
    id: &str,
    extension: &str,
    answer: &ExtensionAnswer,
    text: &str,
) -> ApiResult<Json<TaskView>> {
    policy::checked(ctx, &auth.principal, id, TaskAction::DecideExtension).await?;
    service::decide_extension(ctx, &who(auth, ip)?, id, extension, answer, text).await?;
    read_after(ctx, auth, id).await
}

/// A leader's written reminder to one unit.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TaskUrgeNew {
    /// The unit's agency code; the lead unit when absent.
    #[serde(default)]
    pub unit: Option<String>,
    /// The reminder, up to 4000 characters.
    pub text: String,
}

/// Urge a unit still working on the task (đôn đốc): kept on the timeline, its leaders told.
/// For the leaders of the office following the task and of the assigning authority; an empty
/// text or a unit not of the task is a 422, a finished unit a 409.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/urge", tag = "tasks",
    params(("id" = String, Path, description = "Task id")), request_body = TaskUrgeNew,
    responses((status = 200, body = TaskView),
        (status = 403, description = "Not a leader of the office or the authority", content_type = "application/problem+json"),
        (status = 409, description = "The unit finished its part", content_type = "application/problem+json"),
        (status = 422, description = "A field breaks a rule", content_type = "application/problem+json")),
    security(("bearer" = ["tasks"])))]
pub async fn urge(
    State(ctx): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Json(body): Json<TaskUrgeNew>,
) -> ApiResult<Json<TaskView>> {
    policy::checked(&ctx, &auth.principal, &id, TaskAction::Urge).await?;
    let unit = body.unit.unwrap_or_default();
    service::urge(&ctx, &who(&auth, &ip)?, &id, &unit, &body.text).await?;
    read_after(&ctx, &auth, &id).await
}
