//! Feedback pages: the public list and report pages, the reporting form with duplicate
//! suggestions, the reporter's rating and reopening, and the agencies' work on reports.

use super::Report;
use super::policy::{FeedbackReportPolicy, ReportAction};
use super::service::{self, ActionInput, NewReport, Reporter};
use super::store::{self, Filter};
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::BTreeMap;
use tinhso_domain::attachment::FilePurpose;
use tinhso_domain::feedback::Action;
use tinhso_domain::time::LocalDateTime;
use tinhso_kernel::Ctx;
use tinhso_kernel::auth::Principal;
use tinhso_kernel::auth::policy::{Capability, Cx, Subject, allowed, check, may};
use tinhso_kernel::error::{AppError, FieldError, PageResult};
use tinhso_kernel::extract::{Path, Query};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::confirm::{self, Confirmation};
use tinhso_kernel::web::{Page, form_errors, sv};

pub fn routes() -> Routes {
    Routes::new("feedback")
        .get("/feedback", Access::Public, list_page)
        .get("/feedback/new", Access::Public, new_form)
        .post("/feedback/new", Access::Public, new_submit)
        .get("/feedback/{code}", Access::Public, report_page)
        .post(
            "/feedback/{code}/actions",
            Access::Capability("feedback_report"),
            take_action,
        )
        .post(
            "/feedback/{code}/answer",
            Access::Entity("feedback_report"),
            answer_with_files,
        )
        .post("/feedback/{code}/follow", Access::SignedIn, follow)
        .post(
            "/feedback/{code}/hide",
            Access::Entity("feedback_report"),
            hide,
        )
        .get("/feedback/{code}/photos/{id}", Access::Public, file)
        .get("/feedback/{code}/files/{id}", Access::Public, file)
        .get("/office/feedback", Access::Entity("platform"), queue_page)
}

/// What the public sees of a report: no contact details, the name only if not hidden, the
/// content replaced when moderated.
pub fn public_view(r: &Report, now_local: LocalDateTime) -> Value {
    let hidden = r.hidden_reason.is_some();
    context! {
        code => r.code.clone(), category => r.category_name.clone(), category_code => r.category_code.clone(),
        title => if hidden { "(Nội dung đã được ẩn)".to_owned() } else { r.title.clone() },
        description => if hidden { String::new() } else { r.description.clone() },
        address => if hidden { String::new() } else { r.address.clone() },
        lat => if hidden { None } else { r.lat }, lon => if hidden { None } else { r.lon },
        reporter => r.public_name(), agency => r.agency_name.clone(), status => r.status.as_str(),
        overdue => r.overdue(now_local), due => r.due_local.map(LocalDateTime::to_text), answer => r.answer.clone(),
        answered_at => r.answered_at.clone(), reject_reason => r.reject_reason.clone(), rating => r.rating,
        duplicate_of => r.duplicate_of.clone(), hidden => hidden, created_at => r.created_at.clone(),
    }
}

fn now_local() -> LocalDateTime {
    tinhso_kernel::time::local_now_typed()
}

#[derive(Deserialize, Default)]
struct ListQuery {
    category: Option<String>,
    status: Option<String>,
    agency: Option<String>,
    unit: Option<String>,
    page: Option<i64>,
}

/// Reports per page of the public list: small pages for phones on weak connections.
const PER_PAGE: i64 = 30;

async fn list_page(
    State(state): State<Ctx>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> PageResult<Response> {
    let filter = Filter {
        category: q.category.clone(),
        status: q.status.clone(),
        agency: q.agency.clone(),
        unit: q.unit.clone(),
        public: true,
        limit: PER_PAGE + 1,
        offset: (q.page.unwrap_or(1).max(1) - 1) * PER_PAGE,
        ..Default::default()
    };
    let page_number = q.page.unwrap_or(1).max(1);
    let now = now_local();
    let mut found = store::list(&state.db, &filter).await?;
    let has_next = found.len() as i64 > PER_PAGE;
    found.truncate(PER_PAGE as usize);
    let reports: Vec<Value> = found.iter().map(|r| public_view(r, now)).collect();
    let categories = store::categories(&state.db).await?;
    let query = |n: i64| {
        serde_urlencoded::to_string([
            ("category", q.category.clone().unwrap_or_default()),
            ("status", q.status.clone().unwrap_or_default()),
            ("unit", q.unit.clone().unwrap_or_default()),
            ("agency", q.agency.clone().unwrap_or_default()),
            ("page", n.to_string()),
        ])
        .unwrap_or_default()
    };
    let next = has_next.then(|| query(page_number + 1));
    let previous = (page_number > 1).then(|| query(page_number - 1));
    let units = tinhso_directory::store::admin_units(&state.db).await?;
    let agencies = store::routed_agencies(&state.db).await?;
    Ok(page
        .render(
            "feedback_list.html",
            context! { reports => reports, categories => sv(&categories), units => sv(&units), agencies => sv(&agencies), next => next, previous => previous,
                filter => context! { category => q.category, status => q.status, agency => q.agency, unit => q.unit } },
        )?
        .into_response())
}

/// The report form's fields from top to bottom, which its error summary follows.
const NEW_REPORT_ORDER: [&str; 12] = [
    "_key",
    "category",
    "title",
    "description",
    "address",
    "admin_unit",
    "lat",
    "lon",
    "photos",
    "name",
    "email",
    "phone",
];

async fn render_form(
    state: &Ctx,
    page: &Page,
    values: &BTreeMap<String, String>,
    errors: &[FieldError],
    similar: &[Report],
) -> PageResult<Response> {
    let categories = store::categories(&state.db).await?;
    let units = tinhso_directory::store::admin_units(&state.db).await?;
    let now = now_local();
    let similar: Vec<Value> = similar.iter().map(|r| public_view(r, now)).collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let key = values
        .get("_key")
        .cloned()
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let html = page.render(
        "feedback_new.html",
        context! { categories => sv(&categories), units => sv(&units), values => sv(values), errors => tinhso_kernel::web::form_errors_in(errors, &NEW_REPORT_ORDER), similar => similar, key => key,
            map => sv(&state.config.map) },
    )?;
    Ok((status, html).into_response())
}

async fn new_form(State(state): State<Ctx>, page: Page) -> PageResult<Response> {
    render_form(&state, &page, &BTreeMap::new(), &[], &[]).await
}

async fn new_submit(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    multipart: Multipart,
) -> PageResult<Response> {
    let form = tinhso_kernel::files::read(multipart).await?;
    let values = form.fields;
    if !form.file_errors.is_empty() {
        return render_form(&state, &page, &values, &form.file_errors, &[]).await;
    }
    let photos: Vec<_> = form
        .files
        .into_iter()
        .map(|f| (f.file_name, f.bytes))
        .collect();
    let text = |k: &str| {
        values
            .get(k)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let report = NewReport {
        category: text("category"),
        title: text("title"),
        description: text("description"),
        address: text("address"),
        admin_unit: Some(text("admin_unit")).filter(|u| !u.is_empty()),
        lat: Some(text("lat")),
        lon: Some(text("lon")),
        show_name: values.contains_key("show_name"),
        keep_location_in_photos: values.contains_key("keep_location"),
        photos,
        source: "web",
        idempotency_key: Some(text("_key")).filter(|k| !k.is_empty()),
    };
    // Before filing, show open reports that look the same, so the citizen can follow one.
    if !values.contains_key("_confirmed") {
        let point = text("lat").parse().ok().zip(text("lon").parse().ok());
        let similar = service::similar(
            &state,
            &report.category,
            &format!("{} {}", report.title, report.description),
            point,
        )
        .await?;
        if !similar.is_empty() {
            return render_form(&state, &page, &values, &[], &similar).await;
        }
    }
    let reporter = Reporter {
        user: page.user.clone(),
        name: text("name"),
        email: text("email"),
        phone: text("phone"),
        ip,
    };
    let anonymous = reporter.user.is_none();
    match service::submit(&state, &reporter, report).await {
        // Someone without an account keeps their key in the link (and in their email) to rate
        // or reopen the answer later.
        Ok(code) if anonymous => Ok(Redirect::to(&format!(
            "/feedback/{code}?sent=1&key={}",
            service::reporter_key(&state, &code)
        ))
        .into_response()),
        Ok(code) => Ok(Redirect::to(&format!("/feedback/{code}?sent=1")).into_response()),
        Err(AppError::Validation(errors)) => {
            render_form(&state, &page, &values, &errors, &[]).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
struct ReportQuery {
    sent: Option<String>,
    key: Option<String>,
}

async fn report_page(
    State(state): State<Ctx>,
    page: Page,
    Path(code): Path<String>,
    Query(q): Query<ReportQuery>,
) -> PageResult<Response> {
    let r = store::by_code(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    let key = valid_key(&state, &r, q.key);
    let shown = Shown {
        sent: q.sent.is_some(),
        key: key.as_deref(),
        ..Shown::default()
    };
    render_report(&state, &page, &r, shown).await
}

/// The reporter's key from a link, kept only if it is the right one for this report.
fn valid_key(state: &Ctx, r: &Report, key: Option<String>) -> Option<String> {
    key.filter(|k| service::is_reporter_key(state, &r.code, k))
}

/// How the report page is shown: just after filing, to the key holder, after a mistake (with
/// the answer as typed).
#[derive(Default)]
struct Shown<'a> {
    sent: bool,
    key: Option<&'a str>,
    errors: &'a [FieldError],
    draft_answer: &'a str,
    /// The action refused and the reason typed with it, shown again in its own field.
    kept: Option<(&'a str, &'a str)>,
}

async fn render_report(
    state: &Ctx,
    page: &Page,
    r: &Report,
    Shown {
        sent,
        key,
        errors,
        draft_answer,
        kept,
    }: Shown<'_>,
) -> PageResult<Response> {
    let user = page.user.as_ref();
    let is_reporter =
        key.is_some() || user.is_some_and(|u| r.reporter_id.as_deref() == Some(u.id.as_str()));
    // What the page shows and offers is what the policy would let through.
    let principal = page.principal();
    let (cx, viewer) = (Cx::from(state), Subject::of(&principal));
    let is_handler = may::<FeedbackReportPolicy>(&cx, &viewer, r, ReportAction::Handle).await?;
    let is_coordinator =
        may::<FeedbackReportPolicy>(&cx, &viewer, r, ReportAction::Coordinate).await?;
    let (photos, answer_files): (Vec<_>, Vec<_>) = if r.hidden_reason.is_some() && !is_handler {
        Default::default()
    } else {
        service::public_photos(store::photos(&state.db, &r.id).await?)
            .into_iter()
            .filter(|p| p.purpose != FilePurpose::SupersededAnswer)
            .partition(|p| p.purpose == FilePurpose::Photo)
    };
    let private_link = key.filter(|_| sent).map(|k| {
        format!(
            "{}/feedback/{}?key={k}",
            state.config.public_url.trim_end_matches('/'),
            r.code
        )
    });
    let events = store::events(&state.db, &r.id).await?;
    let actions = possible_actions(state, &principal, key, r).await?;
    let agencies = if actions.contains(&Action::Assign.as_str()) {
        tinhso_directory::store::all(&state.db).await?
    } else {
        Vec::new()
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = page.render(
        "feedback_report.html",
        context! {
            r => public_view(r, now_local()), photos => sv(&photos), answer_files => sv(&answer_files), events => sv(&events), sent => sent,
            key => key, private_link => private_link, draft_answer => draft_answer,
            kept_action => kept.map(|k| k.0), kept_note => kept.map(|k| k.1),
            is_reporter => is_reporter, is_handler => is_handler, is_coordinator => is_coordinator,
            actions => actions, agencies => sv(&agencies), errors => form_errors(errors),
            hidden_reason => if is_handler || is_coordinator { r.hidden_reason.clone() } else { None },
            contact => is_handler.then(|| contact_line(r)),
        },
    )?;
    Ok((status, html).into_response())
}

/// The actions the person viewing (or the holder of the reporter's key) may take on the report
/// as it stands, as the policy decides them: the page offers exactly these.
async fn possible_actions(
    state: &Ctx,
    principal: &Principal,
    key: Option<&str>,
    r: &Report,
) -> Result<Vec<&'static str>, AppError> {
    let who = Subject::with(principal, key.map(Capability::ReporterKey));
    let asked = Action::ALL.map(ReportAction::Act);
    let offered = allowed::<FeedbackReportPolicy>(&Cx::from(state), &who, r, &asked).await?;
    Ok(offered
        .into_iter()
        .filter_map(|a| match a {
            ReportAction::Act(a) => Some(a.as_str()),
            _ => None,
        })
        .collect())
}

/// Who wrote and how to reach them, for the handling agency only: the parts given.
fn contact_line(r: &Report) -> String {
    [&r.reporter_name, &r.reporter_email, &r.reporter_phone]
        .into_iter()
        .map(|part| part.trim())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

#[derive(Deserialize)]
struct ActionForm {
    action: String,
    #[serde(default)]
    note: String,
    target_agency: Option<String>,
    duplicate_of: Option<String>,
    rating: Option<String>,
    /// The reporter's key, for someone rating or reopening without an account.
    key: Option<String>,
    /// `yes` once the official saw the confirmation step of an irreversible action.
    confirm: Option<String>,
}

async fn take_action(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    axum::Form(form): axum::Form<ActionForm>,
) -> PageResult<Response> {
    let action: Action = form
        .action
        .parse()
        .map_err(|_| AppError::BadRequest("Thao tác không hợp lệ.".into()))?;
    let input = ActionInput {
        action,
        note: form.note,
        target_agency: form.target_agency,
        duplicate_of: form.duplicate_of,
        rating: form.rating.and_then(|r| r.parse().ok()),
        files: Vec::new(),
    };
    let key = form.key.filter(|k| !k.is_empty());
    // A reason too short is refused by the action itself, before it changes anything: no
    // confirmation is asked for a rejection that could not happen.
    let reason_missing = action == Action::Reject && input.note.trim().chars().count() < 5;
    if action.is_irreversible() && !reason_missing && !confirm::given(form.confirm.as_deref()) {
        return confirm_action(&state, &page, &code, &input).await;
    }
    run_action(&state, &page, &ip, &code, key, input).await
}

/// The confirmation step of a rejection or a merge, for an official who may do it.
async fn confirm_action(
    state: &Ctx,
    page: &Page,
    code: &str,
    input: &ActionInput,
) -> PageResult<Response> {
    page.require_user()?;
    let r = store::by_code(&state.db, code)
        .await?
        .ok_or(AppError::NotFound)?;
    let principal = page.principal();
    check::<FeedbackReportPolicy>(
        &Cx::from(state),
        &Subject::of(&principal),
        &r,
        ReportAction::Act(input.action),
    )
    .await?;
    let back = format!("/feedback/{code}");
    let (what, action) = match input.action {
        Action::Reject => ("feedback_reject", "reject"),
        _ => ("feedback_duplicate", "mark_duplicate"),
    };
    let duplicate_of = input.duplicate_of.clone().unwrap_or_default();
    Confirmation::new(what, format!("{back}/actions"), back)
        .keep("action", action)
        .fact("feedback_code", r.code.clone())
        .fact("feedback_subject", r.title.clone())
        .fact("confirm_reason", input.note.trim())
        .keep("note", input.note.trim())
        .fact("feedback_duplicate_of", duplicate_of.trim())
        .keep("duplicate_of", duplicate_of.trim())
        .render(page)
}

/// Runs an action as the signed-in user, or as the reporter holding their key; a mistake
/// re-renders the report page with the messages.
async fn run_action(
    state: &Ctx,
    page: &Page,
    ip: &str,
    code: &str,
    key: Option<String>,
    input: ActionInput,
) -> PageResult<Response> {
    let actor = match &key {
        Some(k) => service::Actor::ReporterKey(k),
        None => service::Actor::User(page.require_user()?),
    };
    let back = match &key {
        Some(k) => format!(
            "/feedback/{code}?key={}",
            form_urlencoded::byte_serialize(k.as_bytes()).collect::<String>()
        ),
        None => format!("/feedback/{code}"),
    };
    let r = store::by_code(&state.db, code)
        .await?
        .ok_or(AppError::NotFound)?;
    let principal = page.principal();
    let who = Subject::with(&principal, key.as_deref().map(Capability::ReporterKey));
    check::<FeedbackReportPolicy>(&Cx::from(state), &who, &r, ReportAction::Act(input.action))
        .await?;
    let draft = (input.action == Action::Answer).then(|| input.note.clone());
    let (kept_action, kept_note) = (input.action.as_str().to_owned(), input.note.clone());
    match service::act(state, actor, ip, code, input).await {
        Ok(_) => Ok(tinhso_kernel::web::redirect_local(&back).into_response()),
        Err(AppError::Validation(errors)) => {
            let r = store::by_code(&state.db, code)
                .await?
                .ok_or(AppError::NotFound)?;
            let key = valid_key(state, &r, key);
            let shown = Shown {
                key: key.as_deref(),
                errors: &errors,
                draft_answer: draft.as_deref().unwrap_or_default(),
                kept: Some((&kept_action, &kept_note)),
                ..Shown::default()
            };
            render_report(state, page, &r, shown).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The agency's public answer with its files (a multipart form: PDF, DOCX or photos).
async fn answer_with_files(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    multipart: Multipart,
) -> PageResult<Response> {
    page.require_user()?;
    let form = tinhso_kernel::files::read(multipart).await?;
    if !form.file_errors.is_empty() {
        let r = store::by_code(&state.db, &code)
            .await?
            .ok_or(AppError::NotFound)?;
        let errors: Vec<FieldError> = form
            .file_errors
            .into_iter()
            .map(|e| FieldError::new("answer", e.message))
            .collect();
        let shown = Shown {
            errors: &errors,
            draft_answer: form.fields.get("note").map_or("", String::as_str),
            ..Shown::default()
        };
        return render_report(&state, &page, &r, shown).await;
    }
    let input = ActionInput {
        action: Action::Answer,
        note: form.fields.get("note").cloned().unwrap_or_default(),
        target_agency: None,
        duplicate_of: None,
        rating: None,
        files: form.files,
    };
    run_action(&state, &page, &ip, &code, None, input).await
}

async fn follow(
    State(state): State<Ctx>,
    page: Page,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let user = page.require_user()?.clone();
    service::follow(&state, &user, &code).await?;
    Ok(Redirect::to(&format!("/feedback/{code}")).into_response())
}

#[derive(Deserialize)]
struct HideForm {
    #[serde(default)]
    reason: String,
    confirm: Option<String>,
}

async fn hide(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    axum::Form(form): axum::Form<HideForm>,
) -> PageResult<Response> {
    let user = page.require_user()?.clone();
    if !confirm::given(form.confirm.as_deref()) && form.reason.trim().chars().count() >= 5 {
        let r = store::by_code(&state.db, &code)
            .await?
            .ok_or(AppError::NotFound)?;
        let principal = page.principal();
        check::<FeedbackReportPolicy>(
            &Cx::from(&state),
            &Subject::of(&principal),
            &r,
            ReportAction::Hide,
        )
        .await?;
        let back = format!("/feedback/{code}");
        return Confirmation::new("feedback_hide", format!("{back}/hide"), back)
            .fact("feedback_code", r.code.clone())
            .fact("feedback_subject", r.title.clone())
            .fact("confirm_reason", form.reason.trim())
            .keep("reason", form.reason.trim())
            .render(&page);
    }
    service::hide(&state, &user, &ip, &code, &form.reason).await?;
    Ok(Redirect::to(&format!("/feedback/{code}")).into_response())
}

/// A report's photo or an answer's file: photos shown in the page, other files downloaded.
async fn file(
    State(state): State<Ctx>,
    page: Page,
    Path((code, id)): Path<(String, String)>,
) -> PageResult<Response> {
    let r = store::by_code(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    let principal = page.principal();
    let is_handler = may::<FeedbackReportPolicy>(
        &Cx::from(&state),
        &Subject::of(&principal),
        &r,
        ReportAction::Handle,
    )
    .await?;
    if r.hidden_reason.is_some() && !is_handler {
        return Err(AppError::NotFound.into());
    }
    let photo = store::photos(&state.db, &r.id)
        .await?
        .into_iter()
        .find(|p| p.id == id && (!p.hidden || is_handler))
        .ok_or(AppError::NotFound)?;
    let bytes = tinhso_kernel::storage::get(state.storage.as_ref(), &photo.storage_key)
        .await?
        .ok_or(AppError::NotFound)?;
    if !photo.media_type.starts_with("image/") {
        return Ok(tinhso_kernel::web::download(
            &photo.media_type,
            &photo.file_name,
            bytes.to_vec(),
        ));
    }
    Ok((
        [
            (header::CONTENT_TYPE, photo.media_type),
            // Public photos may be cached by proxies; hidden ones (seen by the agency only) never.
            (
                header::CACHE_CONTROL,
                if r.hidden_reason.is_some() || photo.hidden {
                    "private, no-store".to_owned()
                } else {
                    "public, max-age=3600".to_owned()
                },
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
        ],
        bytes.to_vec(),
    )
        .into_response())
}

#[derive(Deserialize, Default)]
struct QueueQuery {
    status: Option<String>,
}

async fn queue_page(
    State(state): State<Ctx>,
    page: Page,
    Query(q): Query<QueueQuery>,
) -> PageResult<Response> {
    tinhso_kernel::auth::platform::may(
        &state,
        &page.principal(),
        tinhso_kernel::auth::platform::PlatformAction::BackOffice,
    )
    .await?;
    let user = page.require_user()?;
    let agency_id = user.agency_id.clone().ok_or(AppError::Forbidden)?;
    let filter = Filter {
        agency_id: Some(agency_id),
        status: q.status.clone().or(Some("open".into())),
        limit: 200,
        ..Default::default()
    };
    let now = now_local();
    let reports: Vec<Value> = store::list(&state.db, &filter)
        .await?
        .iter()
        .map(|r| public_view(r, now))
        .collect();
    Ok(page
        .render(
            "feedback_queue.html",
            context! { reports => reports, status => filter.status },
        )?
        .into_response())
}
