//! The back office: work queues per agency, the dossier page with the actions the official's
//! roles allow at the dossier's step, and counter registration of walk-in and postal dossiers
//! (the administrators' calendar page is in `tinhso_kernel::calendar::http`).

use super::citizen::{render_form, summary, visible};
use super::policy::{DossierAction, DossierPolicy};
use super::service::{self, ActionInput, CounterApplication, Who};
use super::store::{self, Queue};
use super::{Dossier, forms, local_now, local_text};
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::BTreeMap;
use tinhso_domain::calendar::DeadlineStatus;
use tinhso_domain::dossier::Action;
use tinhso_domain::procedure::FieldKind;
use tinhso_kernel::Ctx;
use tinhso_kernel::auth::platform::PlatformAction;
use tinhso_kernel::auth::policy::{Cx, Subject, allowed, check, may};
use tinhso_kernel::auth::{Principal, User};
use tinhso_kernel::error::{AppError, FieldError, PageResult};
use tinhso_kernel::extract::{Path, Query};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::confirm::{self, Confirmation};
use tinhso_kernel::web::{Page, form_errors, sv};
use tinhso_kernel::{calendar, files};

pub fn routes() -> Routes {
    Routes::new("onestop")
        .get("/office/dossiers", Access::Entity("platform"), queue_page)
        .get(
            "/office/dossiers/new",
            Access::Entity("platform"),
            counter_form,
        )
        .post(
            "/office/dossiers/new",
            Access::Entity("platform"),
            counter_submit,
        )
        .get(
            "/office/dossiers/{id}",
            Access::Entity("dossier"),
            dossier_page,
        )
        .post(
            "/office/dossiers/{id}/actions",
            Access::Entity("dossier"),
            take_action,
        )
}

/// The signed-in official and their agency id, or why not.
async fn official(state: &Ctx, page: &Page) -> Result<(User, String), AppError> {
    tinhso_kernel::auth::platform::may(state, &page.principal(), PlatformAction::BackOffice)
        .await?;
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
    State(state): State<Ctx>,
    page: Page,
    Query(q): Query<QueueQuery>,
) -> PageResult<Response> {
    let (_, agency_id) = official(&state, &page).await?;
    let calendar = calendar::load(&state.db).await?;
    let now = local_now();
    let (counts, dossiers) = queue_of(&state, &calendar, &agency_id, q.queue, now).await?;
    let rows: Vec<Value> = dossiers
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

/// The counts of every queue of an agency and one page of `queue`. "Due soon" is decided per
/// dossier by the calendar's rule (relative to each dossier's processing time), so SQL only
/// narrows the candidates to those due within the rule's cap.
pub async fn queue_of(
    state: &Ctx,
    calendar: &tinhso_domain::calendar::Calendar,
    agency_id: &str,
    queue: Queue,
    now: chrono::NaiveDateTime,
) -> Result<(Vec<(Queue, i64)>, Vec<Dossier>), AppError> {
    let (now_text, horizon_text) = horizon(calendar, now);
    let due_soon = due_soon(&state.db, calendar, agency_id, now).await?;
    let counts = with_due_soon(
        store::queue_counts(&state.db, agency_id, &now_text).await?,
        due_soon.len(),
    );
    let rows = match queue {
        Queue::DueSoon => due_soon.into_iter().take(QUEUE_PAGE).collect(),
        other => {
            store::queue(
                &state.db,
                agency_id,
                other,
                &now_text,
                &horizon_text,
                QUEUE_PAGE as i64,
            )
            .await?
        }
    };
    Ok((counts, rows))
}

/// Dossiers listed per queue page.
const QUEUE_PAGE: usize = 200;

/// `now` and the furthest due moment a dossier can have and still be due soon (the rule's
/// cap ahead), as local texts for SQL.
fn horizon(
    calendar: &tinhso_domain::calendar::Calendar,
    now: chrono::NaiveDateTime,
) -> (String, String) {
    let cap = chrono::TimeDelta::minutes(i64::from(calendar.due_soon_rule().cap_minutes));
    let horizon = calendar.add_office_time(now, cap).unwrap_or(now);
    (local_text(now), local_text(horizon))
}

/// The agency's running dossiers that are due soon by the calendar's rule, soonest first.
pub async fn due_soon(
    db: &tinhso_kernel::db::Db,
    calendar: &tinhso_domain::calendar::Calendar,
    agency_id: &str,
    now: chrono::NaiveDateTime,
) -> Result<Vec<Dossier>, AppError> {
    let (now_text, horizon_text) = horizon(calendar, now);
    Ok(store::queue(
        db,
        agency_id,
        Queue::DueSoon,
        &now_text,
        &horizon_text,
        i64::MAX,
    )
    .await?
    .into_iter()
    .filter(|d| d.deadline_status(calendar, now) == Some(DeadlineStatus::DueSoon))
    .collect())
}

/// The count of every queue of an agency, the due-soon one by the calendar's rule.
pub async fn queue_counts(
    db: &tinhso_kernel::db::Db,
    calendar: &tinhso_domain::calendar::Calendar,
    agency_id: &str,
    now: chrono::NaiveDateTime,
) -> Result<Vec<(Queue, i64)>, AppError> {
    let soon = due_soon(db, calendar, agency_id, now).await?.len();
    Ok(with_due_soon(
        store::queue_counts(db, agency_id, &local_text(now)).await?,
        soon,
    ))
}

/// The store's counts with the due-soon one the rule decided.
fn with_due_soon(mut counts: Vec<(Queue, i64)>, due_soon: usize) -> Vec<(Queue, i64)> {
    for (q, n) in &mut counts {
        if *q == Queue::DueSoon {
            *n = i64::try_from(due_soon).unwrap_or(i64::MAX);
        }
    }
    counts
}

/// What officials do on the dossier page, in the order it offers them.
const OFFICE_ACTIONS: [Action; 9] = [
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

/// The actions `principal` can take on `d` now, in the order the page offers them: those the
/// policy would let through.
async fn possible_actions(
    state: &Ctx,
    principal: &Principal,
    d: &Dossier,
) -> Result<Vec<String>, AppError> {
    let asked = OFFICE_ACTIONS.map(DossierAction::Act);
    let offered =
        allowed::<DossierPolicy>(&Cx::from(state), &Subject::of(principal), d, &asked).await?;
    Ok(offered
        .into_iter()
        .filter_map(|a| match a {
            DossierAction::Act(a) => Some(a.as_str().to_owned()),
            _ => None,
        })
        .collect())
}

/// The names of the actions pages confirm first.
fn irreversible_names() -> Vec<String> {
    OFFICE_ACTIONS
        .into_iter()
        .filter(|a| a.is_irreversible())
        .map(|a| a.as_str().to_owned())
        .collect()
}

/// The agencies a dossier can be forwarded to, by name and grouped by kind.
async fn agencies_by_kind(state: &Ctx, codes: &[String]) -> Result<Vec<Value>, AppError> {
    let mut found = Vec::new();
    for code in codes {
        if let Some(a) = tinhso_directory::find(&state.db, code).await? {
            found.push(a);
        }
    }
    Ok(tinhso_directory::grouped_by_kind(found))
}

async fn dossier_page(
    State(state): State<Ctx>,
    page: Page,
    Path(id): Path<String>,
) -> PageResult<Response> {
    official(&state, &page).await?;
    let d = visible(&state, &page.principal(), &id).await?;
    render(&state, &page, &d, &[]).await
}

pub(crate) async fn render(
    state: &Ctx,
    page: &Page,
    d: &Dossier,
    errors: &[FieldError],
) -> PageResult<Response> {
    render_kept(state, page, d, errors, None).await
}

/// What an official typed into an action's form, shown again with the message when the
/// action is refused, so that nothing typed is lost.
#[derive(serde::Serialize)]
struct Kept {
    action: String,
    note: String,
    new_due: String,
}

impl Kept {
    fn of(form: &files::FormData) -> Kept {
        Kept {
            action: form.text("action").to_owned(),
            note: form.text("note").to_owned(),
            new_due: form.text("new_due").to_owned(),
        }
    }
}

async fn render_kept(
    state: &Ctx,
    page: &Page,
    d: &Dossier,
    errors: &[FieldError],
    kept: Option<&Kept>,
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
    let codes: Vec<String> = procedure
        .map(|p| {
            p.agencies
                .into_iter()
                .filter(|a| *a != d.agency_code)
                .collect()
        })
        .unwrap_or_default();
    let other_agencies = agencies_by_kind(state, &codes).await?;
    let now = local_now();
    let due_soon = matches!(
        d.deadline_status(&calendar, now),
        Some(DeadlineStatus::DueSoon | DeadlineStatus::Overdue)
    );
    let principal = page.principal();
    let can_assign = may::<DossierPolicy>(
        &Cx::from(state),
        &Subject::of(&principal),
        d,
        DossierAction::Assign,
    )
    .await?;
    let actions = possible_actions(state, &principal, d).await?;
    let specialists = if can_assign {
        super::assignment::specialists(&state.db, &calendar, &d.agency_id, now).await?
    } else {
        Vec::new()
    };
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
            actions => actions.clone(), irreversible => irreversible_names(), steps => sv(&d.steps), step => d.step,
            other_agencies => other_agencies, errors => form_errors(errors),
            prompt_apology => due_soon && !d.apologised && actions.iter().any(|a| a == "apologize"),
            applicant_email => d.applicant_email.clone(), applicant_phone => d.applicant_phone.clone(),
            rating => d.rating, rating_comment => d.rating_comment.clone(), outcome => d.outcome.map(sv),
            assignee_id => d.assignee_id.clone(), assignee_name => d.assignee_name.clone(),
            can_assign => can_assign, specialists => sv(&specialists), just_assigned => page.path.contains("assigned=1"),
            kept => sv(kept),
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
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    multipart: Multipart,
) -> PageResult<Response> {
    let (user, _) = official(&state, &page).await?;
    let d = visible(&state, &page.principal(), &id).await?;
    let form = files::read(multipart).await?;
    if !form.file_errors.is_empty() {
        return render(&state, &page, &d, &form.file_errors).await;
    }
    let action: Action = form
        .text("action")
        .parse()
        .map_err(|_| AppError::BadRequest("Thao tác không hợp lệ.".into()))?;
    if action.is_irreversible() && !confirm::given(Some(form.text(confirm::FIELD))) {
        return ask_confirmation(&state, &page, &d, action, &form).await;
    }
    let new_due = match form.text("new_due") {
        "" => None,
        text => Some(
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| AppError::validation("new_due", "Ngày hẹn mới không hợp lệ."))?,
        ),
    };
    let kept = Kept::of(&form);
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
        Err(AppError::Validation(errors)) => {
            render_kept(&state, &page, &d, &errors, Some(&kept)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The confirmation step of an irreversible action, once what can be checked without doing
/// it holds (the official may take it; a refusal or stop has its reason), so nobody confirms
/// something that would then be refused.
async fn ask_confirmation(
    state: &Ctx,
    page: &Page,
    d: &Dossier,
    action: Action,
    form: &files::FormData,
) -> PageResult<Response> {
    let principal = page.principal();
    check::<DossierPolicy>(
        &Cx::from(state),
        &Subject::of(&principal),
        d,
        DossierAction::Act(action),
    )
    .await?;
    let note = form.text("note").trim();
    if matches!(action, Action::Refuse | Action::Stop)
        && let Err(AppError::Validation(errors)) =
            service::require_note(note, service::REASON_NEEDED)
    {
        return render_kept(state, page, d, &errors, Some(&Kept::of(form))).await;
    }
    let what = match action {
        Action::Refuse => "refuse",
        Action::Stop => "stop",
        Action::Forward => "forward",
        _ => "return_result",
    };
    let back = format!("/office/dossiers/{}", d.id);
    let mut c = Confirmation::new(what, format!("{back}/actions"), back.clone())
        .multipart()
        .keep("action", form.text("action"))
        .fact(
            "dossier_code",
            d.code.map(|c| c.to_string()).unwrap_or_default(),
        )
        .fact("applicant", d.applicant_name.clone())
        .fact("confirm_reason", note)
        .keep("note", note);
    if action != Action::ReturnResult {
        // Ending or handing over a dossier the applicant paid for: say what becomes of it.
        c = c.fee(d.fee_paid, page.lang, true);
    }
    if action == Action::Forward {
        let target = match service::forward_target(state, d, Some(form.text("target_agency"))).await
        {
            Ok(target) => target,
            Err(AppError::Validation(errors)) => {
                return render(state, page, d, &errors).await;
            }
            Err(e) => return Err(e.into()),
        };
        c = c
            .fact("target_agency", target.name)
            .keep("target_agency", target.code);
    }
    if action == Action::ReturnResult {
        c = c.file("file_result", "result_file");
    }
    c.render(page)
}

#[derive(Deserialize, Default)]
struct CounterQuery {
    procedure: Option<String>,
}

async fn agency_procedures(state: &Ctx, agency_id: &str) -> Result<Vec<Value>, AppError> {
    let agency = tinhso_directory::store::by_id(&state.db, agency_id)
        .await?
        .ok_or(AppError::Forbidden)?;
    let all = crate::catalog::store::export_all(&state.db).await?;
    Ok(all
        .into_iter()
        .filter(|p| p.agencies.contains(&agency.code.to_string()))
        .map(|p| context! { code => p.code, name => p.name })
        .collect())
}

async fn counter_form(
    State(state): State<Ctx>,
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
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    multipart: Multipart,
) -> PageResult<Response> {
    let (user, agency_id) = official(&state, &page).await?;
    let form = files::read(multipart).await?;
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
        channel: form.text("channel").parse().ok(),
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
                context! { procedures => procedures, p => sv(&procedure), values => sv(&form.fields), errors => tinhso_kernel::web::form_errors_in(&errors, &counter_order(&procedure)) },
            )?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The receipt and other forms, for officials (same generator as the citizen's copy).
pub async fn office_form(
    state: &Ctx,
    user: &User,
    id: &str,
    number: &str,
) -> Result<Vec<u8>, AppError> {
    let d = visible(state, &Principal::User(user.clone()), id).await?;
    render_form(state, &d, number).await
}
