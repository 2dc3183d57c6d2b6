//! The officials' pages ("Nhiệm vụ"): the board of one's unit by state (and, for an assigning
//! office, the tasks it follows), the new-task form (typed, or from an incoming document with
//! `?document=<id>`), and the task page with its units, its timeline and the forms the person
//! may use now: a unit's progress or completion report, the office's acceptance or return, a
//! unit's request for more time and the office's grant or refusal, a leader's written
//! reminder (đôn đốc).
//! Every page calls [`crate::service`] and decides with [`crate::policy`], as the API does;
//! a refused form comes back with its message and what was typed.

use crate::model::ReportKind;
use crate::policy::{self, TaskAction};
use crate::service::{
    self, Decision, ExtensionAnswer, ExtensionInput, ReportInput, TaskInput, UnitInput, Who,
};
use crate::store::{self, Line};
use crate::{Report, Task};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::BTreeMap;
use tinhso_domain::task::state::{UnitRole, UnitState};
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::auth::User;
use tinhso_kernel::auth::platform::PlatformAction;
use tinhso_kernel::error::{AppError, FieldError, PageResult};
use tinhso_kernel::extract::{Form, Path, Query};
use tinhso_kernel::module::{Access, Resolved, Routes, reference};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::{Page, form_errors_in, sv};

/// The unit board: the navigation's link.
pub const BOARD: &str = "/office/tasks";

pub fn routes() -> Routes {
    let entity = Access::Entity("task");
    Routes::new("tasks")
        .get(BOARD, entity, board)
        .get("/office/tasks/new", entity, new_form)
        .post("/office/tasks/new", entity, new_submit)
        .get("/office/tasks/{id}", entity, task_page)
        .post("/office/tasks/{id}/reports", entity, report_submit)
        .post("/office/tasks/{id}/decision", entity, decision_submit)
        .post("/office/tasks/{id}/extensions", entity, extension_submit)
        .post(
            "/office/tasks/{id}/extensions/{extension}/decision",
            entity,
            extension_decision_submit,
        )
        .post("/office/tasks/{id}/urge", entity, urge_submit)
}

/// The most lines a board list shows.
const BOARD_LIMIT: i64 = 200;
/// The lines of each state on the unit's board; the rest are a click away, a page at a time.
const BOARD_GROUP: i64 = 20;
/// The lines of a page of one state's list.
const STATE_PAGE: i64 = 50;
/// The board shows the finished tasks of the last this many days (by deadline, or by day
/// assigned in the office's list); older ones are in the overview and each task's page.
const FINISHED_DAYS: u64 = 90;

/// The order of states on the board.
const STATES: [UnitState; 5] = [
    UnitState::Assigned,
    UnitState::InProgress,
    UnitState::CompletionReported,
    UnitState::Completed,
    UnitState::Cancelled,
];

/// The signed-in official, or why not (the back office is for officials).
async fn official(ctx: &Ctx, page: &Page) -> Result<User, AppError> {
    tinhso_kernel::auth::platform::may(ctx, &page.principal(), PlatformAction::BackOffice).await?;
    Ok(page.require_user()?.clone())
}

fn who<'a>(user: &'a User, ip: &str) -> Who<'a> {
    Who {
        user,
        actor: Actor {
            label: format!("user:{}", user.id),
            ip: ip.to_owned(),
        },
    }
}

/// Lines grouped by their state, in the board's order, empty groups left out.
fn grouped(lines: Vec<Line>, state_of: fn(&Line) -> &str) -> Vec<Value> {
    STATES
        .iter()
        .filter_map(|s| {
            let of: Vec<&Line> = lines.iter().filter(|l| state_of(l) == s.as_str()).collect();
            (!of.is_empty()).then(|| context! { state => s.as_str(), lines => sv(of) })
        })
        .collect()
}

#[derive(Deserialize, Default)]
pub(crate) struct DoneQuery {
    done: Option<String>,
    document: Option<String>,
}

/// What the board is asked for: one state's whole list, a page at a time (`?state=…&page=…`),
/// or, without a state, the first lines of each.
#[derive(Deserialize, Default)]
pub(crate) struct BoardQuery {
    state: Option<String>,
    page: Option<String>,
}

/// "Nhiệm vụ": the tasks of the official's unit by state and, in an assigning office, those it
/// follows by the lead unit's state.
async fn board(
    State(ctx): State<Ctx>,
    page: Page,
    Query(q): Query<BoardQuery>,
) -> PageResult<Response> {
    let user = official(&ctx, &page).await?;
    let agency = user.agency_id.clone().unwrap_or_default();
    let since =
        (tinhso_kernel::time::local_now().date() - chrono::Days::new(FINISHED_DAYS)).to_string();
    let Some(asked) = read_board_query(&q) else {
        let html = page.render("tasks_board_bad.html", context! {})?;
        return Ok((StatusCode::BAD_REQUEST, html).into_response());
    };
    let mine = mine_by_state(&ctx, &agency, &since, asked).await?;
    if asked.is_some() {
        return Ok(page
            .render(
                "tasks_board_state.html",
                context! { group => mine.into_iter().next() },
            )?
            .into_response());
    }
    let follows = policy::may_create(&user);
    let followed = if follows {
        store::followed_by(&ctx.db, &agency, &since, BOARD_LIMIT).await?
    } else {
        Vec::new()
    };
    let creates = follows && !store::authorities_of(&ctx.db, &agency).await?.is_empty();
    let overview = crate::overview::viewer(&ctx, &user).await?.is_some();
    let parts = crate::parts::board_context(&ctx, &user).await?;
    Ok(page
        .render(
            "tasks_board.html",
            context! {
                mine => mine,
                followed => grouped(followed, |l| l.task_state.as_str()),
                follows => follows, creates => creates, overview => overview,
                parts => parts,
            },
        )?
        .into_response())
}

/// The state and page asked for (none: the whole board), or `None` for a state the board does
/// not have or a page that is not a number from 1 to 10,000.
fn read_board_query(q: &BoardQuery) -> Option<Option<(UnitState, i64)>> {
    let Some(state) = q.state.as_deref() else {
        return Some(None);
    };
    let state: UnitState = state.parse().ok()?;
    let page = match q.page.as_deref() {
        None | Some("") => 1,
        Some(p) => p.parse::<i64>().ok().filter(|p| (1..=10_000).contains(p))?,
    };
    Some(Some((state, page)))
}

/// The unit's tasks grouped by state with each state's count: the first [`BOARD_GROUP`] lines
/// of every state, or, when `asked`, one page of [`STATE_PAGE`] lines of that state alone.
async fn mine_by_state(
    ctx: &Ctx,
    agency: &str,
    since: &str,
    asked: Option<(UnitState, i64)>,
) -> Result<Vec<Value>, AppError> {
    let counts = store::unit_state_counts(&ctx.db, agency, since).await?;
    let count_of = |s: UnitState| {
        counts
            .iter()
            .find(|(state, _)| state == s.as_str())
            .map_or(0, |(_, n)| *n)
    };
    let mut groups = Vec::new();
    for s in STATES {
        let (limit, page) = match asked {
            Some((wanted, page)) if wanted == s => (STATE_PAGE, page),
            Some(_) => continue,
            None => (BOARD_GROUP, 1),
        };
        let count = count_of(s);
        if count == 0 && asked.is_none() {
            continue;
        }
        let lines = store::of_unit_in(&ctx.db, agency, s, since, limit, (page - 1) * limit).await?;
        let pages = (count + limit - 1) / limit;
        groups.push(context! {
            state => s.as_str(), count => count, lines => sv(lines),
            more => asked.is_none() && count > limit,
            page => page, pages => pages,
        });
    }
    Ok(groups)
}

/// The units the new-task form offers: those under each authority the office follows.
async fn unit_choices(ctx: &Ctx, user: &User) -> Result<(Vec<Value>, Vec<Value>), AppError> {
    let office = user.agency_id.as_deref().unwrap_or_default();
    let ids = store::authorities_of(&ctx.db, office).await?;
    let all = tinhso_directory::store::all(&ctx.db).await?;
    let mut authorities = Vec::new();
    let mut units: Vec<tinhso_directory::Agency> = Vec::new();
    for id in &ids {
        let Some(a) = all.iter().find(|a| &a.id == id) else {
            continue;
        };
        let committee = a.kind == tinhso_directory::AgencyKind::PeoplesCommittee;
        authorities.push(
            context! { code => a.code.to_string(), name => a.name.clone(), committee => committee },
        );
        for u in tinhso_directory::subtree(all.clone(), Some(id.as_str())) {
            if &u.id != id && !units.iter().any(|x| x.id == u.id) {
                units.push(u);
            }
        }
    }
    units.sort_by_key(|a| a.code.to_string());
    let units = units
        .into_iter()
        .map(|u| context! { code => u.code.to_string(), name => u.name })
        .collect();
    Ok((authorities, units))
}

/// The fields of the new-task form, top to bottom (for the error summary's order).
const NEW_ORDER: [&str; 10] = [
    "document",
    "title",
    "content",
    "authority",
    "position",
    "priority",
    "field",
    "units",
    "recurrence",
    "",
];

async fn render_new(
    ctx: &Ctx,
    page: &Page,
    user: &User,
    values: &BTreeMap<String, String>,
    errors: &[FieldError],
    source_label: Option<String>,
) -> PageResult<Response> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let (authorities, units) = unit_choices(ctx, user).await?;
    let html = page.render(
        "task_new.html",
        context! {
            authorities => authorities, units => units, values => sv(values),
            errors => form_errors_in(errors, &NEW_ORDER), source_label => source_label,
        },
    )?;
    Ok((status, html).into_response())
}

/// The signed-in official of an assigning office, or why not.
async fn creator(ctx: &Ctx, page: &Page) -> Result<User, AppError> {
    let user = official(ctx, page).await?;
    if policy::may_create(&user) {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

async fn new_form(
    State(ctx): State<Ctx>,
    page: Page,
    Query(q): Query<DoneQuery>,
) -> PageResult<Response> {
    let user = creator(&ctx, &page).await?;
    let mut values = BTreeMap::new();
    values.insert("priority".to_owned(), "normal".to_owned());
    let mut errors = Vec::new();
    let mut label = None;
    if let Some(id) = q.document.filter(|d| !d.trim().is_empty()) {
        let missing = "Văn bản nguồn không có trên nền tảng này.";
        match reference::resolve(&ctx, "document", &id, &user, missing).await? {
            Resolved::Found(r) => {
                values.insert("title".to_owned(), r.title);
                label = Some(r.label);
            }
            Resolved::Refused(why) => errors.push(FieldError::new("document", why)),
        }
        values.insert("document".to_owned(), id);
    }
    render_new(&ctx, &page, &user, &values, &errors, label).await
}

fn field<'a>(form: &'a BTreeMap<String, String>, key: &str) -> &'a str {
    form.get(key).map(|v| v.trim()).unwrap_or_default()
}

/// The units ticked on the form: `role_<code>` with `days_<code>` or `date_<code>`.
fn units_typed(form: &BTreeMap<String, String>, errors: &mut Vec<FieldError>) -> Vec<UnitInput> {
    let mut units = Vec::new();
    for (key, role) in form {
        let Some(code) = key.strip_prefix("role_") else {
            continue;
        };
        if role.trim().is_empty() {
            continue;
        }
        let days = field(form, &format!("days_{code}"));
        let working_days = if days.is_empty() {
            None
        } else if let Ok(n) = days.parse::<i64>() {
            Some(n)
        } else {
            errors.push(FieldError::new(
                &service::unit_field(code),
                "Số ngày làm việc là một số nguyên dương.",
            ));
            continue;
        };
        let date = field(form, &format!("date_{code}"));
        units.push(UnitInput {
            agency: code.to_owned(),
            role: role.trim().to_owned(),
            working_days,
            due_date: (!date.is_empty()).then(|| date.to_owned()),
        });
    }
    units
}

/// The recurrence typed on the form (`recur_every`, `recur_day`, `recur_until`,
/// `recur_count`), or none when no cycle is chosen.
fn recurrence_typed(
    form: &BTreeMap<String, String>,
    errors: &mut Vec<FieldError>,
) -> Option<crate::recurrence::RecurrenceInput> {
    let every = field(form, "recur_every");
    if every.is_empty() {
        return None;
    }
    let mut number = |key: &str| {
        let text = field(form, key);
        if text.is_empty() {
            return None;
        }
        text.parse::<i64>().ok().or_else(|| {
            errors.push(FieldError::new(
                crate::recurrence::FIELD,
                "Ngày trong tháng và số lần lặp lại là số nguyên dương.",
            ));
            None
        })
    };
    let day = number("recur_day");
    let count = number("recur_count");
    let until = field(form, "recur_until");
    Some(crate::recurrence::RecurrenceInput {
        every: every.to_owned(),
        day,
        until: (!until.is_empty()).then(|| until.to_owned()),
        count,
    })
}

async fn new_submit(
    State(ctx): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult<Response> {
    let user = creator(&ctx, &page).await?;
    let mut errors = Vec::new();
    let input = TaskInput {
        title: field(&form, "title").to_owned(),
        content: field(&form, "content").to_owned(),
        authority: field(&form, "authority").to_owned(),
        position: field(&form, "position").to_owned(),
        priority: field(&form, "priority").to_owned(),
        field: field(&form, "field").to_owned(),
        source_document: Some(field(&form, "document").to_owned()).filter(|d| !d.is_empty()),
        units: units_typed(&form, &mut errors),
        recurrence: recurrence_typed(&form, &mut errors),
    };
    let result = if errors.is_empty() {
        service::create(&ctx, &who(&user, &ip), &input).await
    } else {
        Err(AppError::Validation(errors))
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/office/tasks/{id}?done=create")).into_response()),
        Err(AppError::Validation(errors)) => {
            render_new(&ctx, &page, &user, &form, &errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}

/// How the task page is shown after a refused form: the message, the errors and what was
/// typed, back in the form (`report` or `decision`) that was used.
#[derive(Default)]
struct Kept {
    form: &'static str,
    status: Option<StatusCode>,
    message: Option<String>,
    errors: Vec<FieldError>,
    values: BTreeMap<String, String>,
    /// The form that just succeeded (`?done=`), for its notice.
    done: Option<String>,
}

/// A timeline: the assignment, then every report, request, decision, written reminder and
/// the reminders and escalations the sweep sent, oldest first.
fn timeline(task: &Task, reports: &[Report], sent: &[store::Sent]) -> Vec<Value> {
    let mut out = vec![(
        task.created_at.clone(),
        context! {
            kind => "assigned", at => task.created_at.clone(), by => task.created_by_name.clone(),
            unit => task.lead().map(|u| u.agency_name.clone()), body => "", percent => (),
            due_on => (),
        },
    )];
    out.extend(reports.iter().map(|r| {
        (
            r.created_at.clone(),
            context! {
                kind => r.kind.as_str(), at => r.created_at.clone(), by => r.by_name.clone(),
                unit => r.unit_name.clone(), body => r.body.clone(), percent => r.percent,
                due_on => r.due_on.clone(),
            },
        )
    }));
    out.extend(sent.iter().map(|s| {
        (
            s.sent_at.clone(),
            context! {
                kind => format!("sweep_{}", s.kind), at => s.sent_at.clone(), by => (),
                unit => s.unit_name.clone(), body => "", percent => (), due_on => s.day.clone(),
            },
        )
    }));
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.into_iter().map(|(_, v)| v).collect()
}

/// The request form's offer to `user`: their unit, its deadline, and whether a request of
/// theirs already waits; `None` when they ask for nothing here.
fn extension_offer(user: &User, task: &Task, extensions: &[crate::Extension]) -> Option<Value> {
    let unit_id = policy::decision(user, task, TaskAction::AskExtension).ok()??;
    let unit = task.units.iter().find(|u| u.id == unit_id)?;
    let open = matches!(unit.state, UnitState::Assigned | UnitState::InProgress);
    let pending = extensions
        .iter()
        .any(|e| e.unit_id == unit.id && e.decision.is_none());
    // The earliest day a request may ask for: the day after the deadline in force (the
    // browser then offers no earlier day; the rule still checks on the server).
    let earliest = chrono::NaiveDate::parse_from_str(&unit.current_due_on, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.succ_opt())
        .map(|d| d.to_string());
    open.then(|| {
        context! {
            unit => unit.agency_name.clone(), current_due_on => unit.current_due_on.clone(),
            earliest => earliest, pending => pending,
        }
    })
}

/// The units a leader may urge now: those still working on the task.
fn urge_offer(user: &User, task: &Task) -> Vec<Value> {
    if policy::decision(user, task, TaskAction::Urge).is_err() {
        return Vec::new();
    }
    task.units
        .iter()
        .filter(|u| matches!(u.state, UnitState::Assigned | UnitState::InProgress))
        .map(|u| context! { code => u.agency_code.clone(), name => u.agency_name.clone() })
        .collect()
}

/// What the report form offers `user` on `task`: the unit, and whether completion may be
/// reported; `None` when they report nothing now.
fn report_offer(user: &User, task: &Task) -> Option<Value> {
    let unit_id = policy::decision(user, task, TaskAction::Report).ok()??;
    let unit = task.units.iter().find(|u| u.id == unit_id)?;
    let open = matches!(unit.state, UnitState::Assigned | UnitState::InProgress);
    open.then(|| {
        context! {
            unit => unit.agency_name.clone(), progress => unit.progress,
            completion => unit.role == UnitRole::Lead,
        }
    })
}

/// The forms whose success the task page announces (`?done=`).
const DONE: [&str; 11] = [
    "series_cancel",
    "split",
    "part_report",
    "create",
    "report",
    "accept",
    "return",
    "extension",
    "extension_grant",
    "extension_refuse",
    "urge",
];

async fn render_task(
    ctx: &Ctx,
    page: &Page,
    user: &User,
    task: Task,
    kept: Kept,
) -> PageResult<Response> {
    let (reports, sent, extensions) = readable(ctx, user, &task).await?;
    let decides_extensions = policy::decision(user, &task, TaskAction::DecideExtension).is_ok();
    let decides = policy::decision(user, &task, TaskAction::Decide).is_ok()
        && task
            .lead()
            .is_some_and(|l| l.state == UnitState::CompletionReported);
    let status = kept.status.unwrap_or(StatusCode::OK);
    let done = kept.done.filter(|d| DONE.contains(&d.as_str()));
    let html = page.render(
        "task.html",
        context! {
            task => sv(&task), timeline => timeline(&task, &reports, &sent),
            report => report_offer(user, &task), decides => decides,
            extensions => sv(&extensions), decides_extensions => decides_extensions,
            extension => extension_offer(user, &task, &extensions),
            urge_units => urge_offer(user, &task),
            parts => crate::parts::page_context(ctx, user, &task).await?,
            kept_form => kept.form, message => kept.message, values => sv(&kept.values),
            errors => form_errors_in(&kept.errors, &["holder", "agency", "official", "note", "due_date", "kind", "percent", "new_due", "unit", "text", "reason"]),
            done => done,
        },
    )?;
    Ok((status, html).into_response())
}

/// What `user` reads of `task`'s timeline, sent reminders and extension requests: all of it,
/// or, for one who only holds a part ([`policy::reads_whole`]), the entries of their parts.
pub(crate) async fn readable(
    ctx: &Ctx,
    user: &User,
    task: &Task,
) -> Result<(Vec<Report>, Vec<store::Sent>, Vec<crate::Extension>), AppError> {
    let reports = store::reports(&ctx.db, &task.id).await?;
    if policy::reads_whole(user, task) {
        let sent = store::reminders_of(&ctx.db, &task.id).await?;
        let extensions = store::extensions(&ctx.db, &task.id).await?;
        return Ok((reports, sent, extensions));
    }
    let held: Vec<&str> = task
        .parts
        .iter()
        .filter(|p| crate::parts::holds(user, p))
        .map(|p| p.id.as_str())
        .collect();
    let reports = reports
        .into_iter()
        .filter(|r| r.part_id.as_deref().is_some_and(|p| held.contains(&p)))
        .collect();
    Ok((reports, Vec::new(), Vec::new()))
}

/// The signed-in official (for the parts' forms, [`crate::parts`]).
pub(crate) async fn signed_official(ctx: &Ctx, page: &Page) -> Result<User, AppError> {
    official(ctx, page).await
}

/// Task `id` if the person asking may see it (for the parts' forms).
pub(crate) async fn visible_task(ctx: &Ctx, page: &Page, id: &str) -> Result<Task, AppError> {
    visible(ctx, page, id).await
}

/// A refused form of [`crate::parts`], back on the task page.
pub(crate) async fn refused_form(
    ctx: &Ctx,
    page: &Page,
    user: &User,
    id: &str,
    form: &'static str,
    values: BTreeMap<String, String>,
    error: AppError,
) -> PageResult<Response> {
    refused(ctx, page, user, id, form, values, error).await
}

/// Loads task `id` for the person asking, through the policy: one who may not see it is told
/// it does not exist.
async fn visible(ctx: &Ctx, page: &Page, id: &str) -> Result<Task, AppError> {
    let (task, _) = policy::checked(ctx, &page.principal(), id, TaskAction::View).await?;
    Ok(task)
}

async fn task_page(
    State(ctx): State<Ctx>,
    page: Page,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> PageResult<Response> {
    let user = official(&ctx, &page).await?;
    let task = visible(&ctx, &page, &id).await?;
    let kept = Kept {
        done: q.done,
        ..Kept::default()
    };
    render_task(&ctx, &page, &user, task, kept).await
}

/// A refused form: back on the task page with its message, or the error page for what the
/// page cannot show (not found, forbidden).
async fn refused(
    ctx: &Ctx,
    page: &Page,
    user: &User,
    id: &str,
    form: &'static str,
    values: BTreeMap<String, String>,
    error: AppError,
) -> PageResult<Response> {
    let (errors, message) = match error {
        AppError::Validation(errors) => (errors, None),
        AppError::Conflict(why) => (Vec::new(), Some(why)),
        other => return Err(other.into()),
    };
    let status = if message.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let task = visible(ctx, page, id).await?;
    let kept = Kept {
        form,
        status: Some(status),
        message,
        errors,
        values,
        done: None,
    };
    render_task(ctx, page, user, task, kept).await
}

async fn report_submit(
    State(ctx): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult<Response> {
    let user = official(&ctx, &page).await?;
    visible(&ctx, &page, &id).await?;
    let percent = field(&form, "percent");
    let kind = field(&form, "kind");
    let percent = match percent.parse::<i64>() {
        Ok(p) => Some(p),
        Err(_) if percent.is_empty() => None,
        Err(_) => Some(-1),
    };
    let input = ReportInput {
        kind: kind.to_owned(),
        percent: if kind == ReportKind::Completion.as_str() {
            None
        } else {
            percent
        },
        text: field(&form, "text").to_owned(),
    };
    match service::report(&ctx, &who(&user, &ip), &id, &input).await {
        Ok(()) => Ok(Redirect::to(&format!("/office/tasks/{id}?done=report")).into_response()),
        Err(e) => refused(&ctx, &page, &user, &id, "report", form, e).await,
    }
}

async fn decision_submit(
    State(ctx): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult<Response> {
    let user = official(&ctx, &page).await?;
    visible(&ctx, &page, &id).await?;
    let (decision, done) = match field(&form, "decision") {
        "accept" => (Decision::Accept, "accept"),
        "return" => (Decision::Return, "return"),
        _ => {
            let e = AppError::validation("decision", "Chọn chấp nhận hoặc trả lại.");
            return refused(&ctx, &page, &user, &id, "decision", form, e).await;
        }
    };
    let reason = field(&form, "reason").to_owned();
    match service::decide(&ctx, &who(&user, &ip), &id, decision, &reason).await {
        Ok(()) => Ok(Redirect::to(&format!("/office/tasks/{id}?done={done}")).into_response()),
        Err(e) => refused(&ctx, &page, &user, &id, "decision", form, e).await,
    }
}

async fn extension_submit(
    State(ctx): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult<Response> {
    let user = official(&ctx, &page).await?;
    visible(&ctx, &page, &id).await?;
    let input = ExtensionInput {
        new_due: field(&form, "new_due").to_owned(),
        reason: field(&form, "reason").to_owned(),
    };
    match service::ask_extension(&ctx, &who(&user, &ip), &id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/office/tasks/{id}?done=extension")).into_response()),
        Err(e) => refused(&ctx, &page, &user, &id, "extension", form, e).await,
    }
}

async fn extension_decision_submit(
    State(ctx): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path((id, extension)): Path<(String, String)>,
    Form(mut form): Form<BTreeMap<String, String>>,
) -> PageResult<Response> {
    let user = official(&ctx, &page).await?;
    visible(&ctx, &page, &id).await?;
    form.insert("extension".to_owned(), extension.clone());
    let (answer, done) = match field(&form, "decision") {
        "grant" => (
            ExtensionAnswer::Grant {
                new_due: Some(field(&form, "new_due").to_owned()),
            },
            "extension_grant",
        ),
        "refuse" => (ExtensionAnswer::Refuse, "extension_refuse"),
        _ => {
            let e = AppError::validation("decision", "Chọn đồng ý hoặc không đồng ý gia hạn.");
            return refused(&ctx, &page, &user, &id, "extension_decision", form, e).await;
        }
    };
    let note = field(&form, "reason").to_owned();
    match service::decide_extension(&ctx, &who(&user, &ip), &id, &extension, &answer, &note).await {
        Ok(()) => Ok(Redirect::to(&format!("/office/tasks/{id}?done={done}")).into_response()),
        Err(e) => refused(&ctx, &page, &user, &id, "extension_decision", form, e).await,
    }
}

async fn urge_submit(
    State(ctx): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult<Response> {
    let user = official(&ctx, &page).await?;
    visible(&ctx, &page, &id).await?;
    let unit = field(&form, "unit").to_owned();
    let text = field(&form, "text").to_owned();
    match service::urge(&ctx, &who(&user, &ip), &id, &unit, &text).await {
        Ok(()) => Ok(Redirect::to(&format!("/office/tasks/{id}?done=urge")).into_response()),
        Err(e) => refused(&ctx, &page, &user, &id, "urge", form, e).await,
    }
}
