//! The back office: work queues per agency, the dossier page with the actions the official's
//! roles allow at the dossier's step, counter registration of walk-in and postal dossiers,
//! and the administrators' yearly holiday notices.

use super::citizen::{render_form, summary, visible};
use super::service::{self, ActionInput, CounterApplication, Who};
use super::store::{self, Queue};
use super::{Dossier, calendar, forms, local_now, local_text, upload};
use crate::app::AppState;
use crate::auth::User;
use crate::auth::authz::{Action as Authz, authorize};
use crate::error::{AppError, FieldError, PageResult};
use crate::extract::{Path, Query};
use crate::net::ClientIp;
use crate::web::{Page, form_errors, sv};
use axum::Router;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::BTreeMap;
use tinhso_domain::calendar::WorkDuration;
use tinhso_domain::dossier::{Action, transition};
use tinhso_domain::procedure::FieldKind;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/office/dossiers", get(queue_page))
        .route(
            "/office/dossiers/new",
            get(counter_form).post(counter_submit),
        )
        .route("/office/dossiers/{id}", get(dossier_page))
        .route("/office/dossiers/{id}/actions", post(take_action))
        .route("/admin/calendar", get(calendar_page).post(calendar_save))
}

/// The signed-in official and their agency id, or why not.
async fn official(state: &AppState, page: &Page) -> Result<(User, String), AppError> {
    authorize(&state.db, &page.principal(), Authz::BackOffice).await?;
    let user = page.require_user()?.clone();
    let agency = user.agency_id.clone().ok_or(AppError::Forbidden)?;
    Ok((user, agency))
}

#[derive(Deserialize, Default)]
struct QueueQuery {
    #[serde(default)]
    queue: Queue,
}

async fn queue_page(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<QueueQuery>,
) -> PageResult<Response> {
    let (_, agency_id) = official(&state, &page).await?;
    let calendar = calendar::load(&state.db).await?;
    let now = local_now();
    let soon = calendar
        .add_working_time(now, WorkDuration::days(1))
        .unwrap_or(now);
    let (now_text, soon_text) = (local_text(now), local_text(soon));
    let counts = store::queue_counts(&state.db, &agency_id, &now_text, &soon_text).await?;
    let rows: Vec<Value> = store::queue(&state.db, &agency_id, q.queue, &now_text, &soon_text, 200)
        .await?
        .iter()
        .map(|d| summary(d, &calendar, now))
        .collect();
    let tabs: Vec<Value> = counts
        .iter()
        .map(|(queue, n)| context! { name => queue.as_str(), count => n })
        .collect();
    Ok(page
        .render(
            "office_queue.html",
            context! { tabs => tabs, queue => q.queue.as_str(), dossiers => rows },
        )?
        .into_response())
}

/// The actions `user` can take on `d` now, in the order the page offers them.
fn possible_actions(user: &User, d: &Dossier) -> Vec<String> {
    const OFFICE: [Action; 9] = [
        Action::Accept,
        Action::Refuse,
        Action::Forward,
        Action::RequestSupplement,
        Action::CompleteStep,
        Action::Approve,
        Action::ReturnResult,
        Action::Apologize,
        Action::Stop,
    ];
    OFFICE
        .into_iter()
        .filter(|a| {
            service::actor_for(user, d, *a)
                .ok()
                .is_some_and(|actor| transition(d.position(), *a, actor).is_ok())
        })
        .filter_map(|a| serde_json::to_value(a).ok()?.as_str().map(str::to_owned))
        .collect()
}

async fn dossier_page(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let (user, _) = official(&state, &page).await?;
    let d = visible(&state, &user, &id).await?;
    render(&state, &page, &user, &d, &[]).await
}

async fn render(
    state: &AppState,
    page: &Page,
    user: &User,
    d: &Dossier,
    errors: &[FieldError],
) -> PageResult<Response> {
    let calendar = calendar::load(&state.db).await?;
    let events = store::events(&state.db, &d.id).await?;
    let files = store::files(&state.db, &d.id).await?;
    let procedure = crate::catalog::store::by_code(&state.db, &d.procedure_code).await?;
    let answers = tinhso_domain::procedure::shown_answers(
        procedure
            .as_ref()
            .map(|p| p.form.as_slice())
            .unwrap_or_default(),
        &d.answers,
    );
    let other_agencies: Vec<String> = procedure
        .map(|p| {
            p.agencies
                .into_iter()
                .filter(|a| *a != d.agency_code)
                .collect()
        })
        .unwrap_or_default();
    let now = local_now();
    let due_soon = matches!(
        d.deadline_status(&calendar, now),
        Some(
            tinhso_domain::calendar::DeadlineStatus::DueSoon
                | tinhso_domain::calendar::DeadlineStatus::Overdue
        )
    );
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = page.render(
        "office_dossier.html",
        context! {
            d => summary(d, &calendar, now), answers => sv(&answers),
            events => sv(&events), files => sv(&files), results => sv(super::citizen::results(&files)), forms => forms::available(d, &events),
            actions => possible_actions(user, d), steps => sv(&d.steps), step => d.step,
            other_agencies => other_agencies, errors => form_errors(errors),
            prompt_apology => due_soon && !d.apologised && possible_actions(user, d).iter().any(|a| a == "apologize"),
            applicant_email => d.applicant_email.clone(), applicant_phone => d.applicant_phone.clone(),
            rating => d.rating, rating_comment => d.rating_comment.clone(), outcome => d.outcome.map(sv),
        },
    )?;
    Ok((status, html).into_response())
}

/// The counter form's fields from top to bottom, which its error summary follows.
fn counter_order(p: &crate::catalog::Procedure) -> Vec<String> {
    [
        "procedure",
        "applicant_name",
        "applicant_email",
        "applicant_phone",
        "channel",
    ]
    .into_iter()
    .map(str::to_owned)
    .chain(p.form.iter().map(|f| f.key.clone()))
    .collect()
}

async fn take_action(
    State(state): State<AppState>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    multipart: Multipart,
) -> PageResult<Response> {
    let (user, _) = official(&state, &page).await?;
    let d = visible(&state, &user, &id).await?;
    let form = upload::read(multipart).await?;
    if !form.file_errors.is_empty() {
        return render(&state, &page, &user, &d, &form.file_errors).await;
    }
    let action: Action =
        serde_json::from_value(serde_json::Value::String(form.text("action").to_owned()))
            .map_err(|_| AppError::BadRequest("Thao tác không hợp lệ.".into()))?;
    let new_due = match form.text("new_due") {
        "" => None,
        text => Some(
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| AppError::validation("new_due", "Ngày hẹn mới không hợp lệ."))?,
        ),
    };
    let input = ActionInput {
        action,
        note: form.text("note").to_owned(),
        new_due,
        target_agency: Some(form.text("target_agency").to_owned()).filter(|s| !s.is_empty()),
        files: form.files,
        reused: Vec::new(),
    };
    match service::act(
        &state,
        &Who {
            user: &user,
            ip: &ip,
        },
        &d.id,
        input,
    )
    .await
    {
        // A forwarded dossier leaves this agency's reach.
        Ok(after) if after.agency_id != d.agency_id => {
            Ok(Redirect::to("/office/dossiers").into_response())
        }
        Ok(_) => Ok(Redirect::to(&format!("/office/dossiers/{id}")).into_response()),
        Err(AppError::Validation(errors)) => render(&state, &page, &user, &d, &errors).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
struct CounterQuery {
    procedure: Option<String>,
}

async fn agency_procedures(state: &AppState, agency_id: &str) -> Result<Vec<Value>, AppError> {
    let agency = crate::agencies::store::by_id(&state.db, agency_id)
        .await?
        .ok_or(AppError::Forbidden)?;
    let all = crate::catalog::store::export_all(&state.db).await?;
    Ok(all
        .into_iter()
        .filter(|p| p.agencies.contains(&agency.code))
        .map(|p| context! { code => p.code, name => p.name })
        .collect())
}

async fn counter_form(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<CounterQuery>,
) -> PageResult<Response> {
    let (_, agency_id) = official(&state, &page).await?;
    let procedures = agency_procedures(&state, &agency_id).await?;
    let procedure = match q.procedure.as_deref() {
        Some(code) => crate::catalog::store::by_code(&state.db, code).await?,
        None => None,
    };
    Ok(page
        .render("counter.html", context! { procedures => procedures, p => sv(&procedure), values => context! { channel => "counter" } })?
        .into_response())
}

async fn counter_submit(
    State(state): State<AppState>,
    page: Page,
    ClientIp(ip): ClientIp,
    multipart: Multipart,
) -> PageResult<Response> {
    let (user, agency_id) = official(&state, &page).await?;
    let form = upload::read(multipart).await?;
    let procedure = crate::catalog::store::by_code(&state.db, form.text("procedure"))
        .await?
        .ok_or_else(|| AppError::validation("procedure", "Chọn thủ tục."))?;
    let answers: BTreeMap<String, String> = procedure
        .form
        .iter()
        .filter(|f| !matches!(f.kind, FieldKind::File))
        .filter_map(|f| form.fields.get(&f.key).map(|v| (f.key.clone(), v.clone())))
        .collect();
    let app = CounterApplication {
        procedure: &procedure,
        applicant_name: form.text("applicant_name").to_owned(),
        applicant_email: form.text("applicant_email").to_owned(),
        applicant_phone: form.text("applicant_phone").to_owned(),
        channel: form.text("channel").to_owned(),
        answers,
        files: form.files,
        file_errors: form.file_errors,
    };
    match service::register_at_counter(
        &state,
        &Who {
            user: &user,
            ip: &ip,
        },
        app,
    )
    .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/office/dossiers/{id}")).into_response()),
        Err(AppError::Validation(errors)) => {
            let procedures = agency_procedures(&state, &agency_id).await?;
            let html = page.render(
                "counter.html",
                context! { procedures => procedures, p => sv(&procedure), values => sv(&form.fields), errors => crate::web::form_errors_in(&errors, &counter_order(&procedure)) },
            )?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The receipt and other forms, for officials (same generator as the citizen's copy).
pub async fn office_form(
    state: &AppState,
    user: &User,
    id: &str,
    number: &str,
) -> Result<Vec<u8>, AppError> {
    let d = visible(state, user, id).await?;
    render_form(state, &d, number).await
}

#[derive(Deserialize, Default)]
struct CalendarQuery {
    year: Option<i32>,
}

async fn calendar_page(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<CalendarQuery>,
) -> PageResult<Response> {
    authorize(&state.db, &page.principal(), Authz::ManageCatalog).await?;
    let year = q.year.unwrap_or_else(|| {
        use chrono::Datelike;
        local_now().date().year()
    });
    render_calendar(&state, &page, year, None, &[]).await
}

async fn render_calendar(
    state: &AppState,
    page: &Page,
    year: i32,
    text: Option<String>,
    errors: &[FieldError],
) -> PageResult<Response> {
    use chrono::Datelike;
    let calendar = calendar::load(&state.db).await?;
    let notice = calendar::notices(&state.db)
        .await?
        .into_iter()
        .find(|n| n.year == year);
    let text = text.unwrap_or_else(|| {
        serde_json::to_string_pretty(
            &notice.unwrap_or_else(|| tinhso_domain::calendar::YearNotice::new(year)),
        )
        .unwrap_or_default()
    });
    let holidays: Vec<Value> = calendar
        .holidays(year)
        .unwrap_or_default()
        .into_iter()
        .map(|h| context! { date => h.date.format("%d/%m/%Y").to_string(), weekday => h.date.weekday().number_from_monday(), name => h.kind.name_vi() })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = page.render(
        "admin/calendar.html",
        context! { year => year, text => text, holidays => holidays, errors => crate::web::form_errors_in(errors, &["year", "notice"]) },
    )?;
    Ok((status, html).into_response())
}

#[derive(Deserialize)]
struct CalendarForm {
    year: i32,
    notice: String,
}

async fn calendar_save(
    State(state): State<AppState>,
    page: Page,
    ClientIp(ip): ClientIp,
    axum::Form(form): axum::Form<CalendarForm>,
) -> PageResult<Response> {
    authorize(&state.db, &page.principal(), Authz::ManageCatalog).await?;
    let parsed: Result<tinhso_domain::calendar::YearNotice, _> = serde_json::from_str(&form.notice);
    let result = match parsed {
        Ok(notice) if notice.year == form.year => {
            let actor = crate::audit::Actor {
                label: page.principal().actor_label(),
                ip,
            };
            calendar::save_notice(&state.db, &actor, notice).await
        }
        Ok(_) => Err(AppError::validation(
            "notice",
            "Năm trong thông báo phải trùng với năm đang sửa.",
        )),
        Err(e) => Err(AppError::validation(
            "notice",
            format!("Không đọc được thông báo (JSON): {e}"),
        )),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/admin/calendar?year={}", form.year)).into_response()),
        Err(AppError::Validation(errors)) => {
            render_calendar(&state, &page, form.year, Some(form.notice), &errors).await
        }
        Err(e) => Err(e.into()),
    }
}
