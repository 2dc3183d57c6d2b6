//! Citizens' pages: apply for a procedure (drafts, papers, submission), follow one's dossiers,
//! supplement, withdraw, download results and forms, rate; and the public tracking page.
//! Who may read or act on a dossier is `policy::DossierPolicy`'s to say.

pub use super::policy::visible;
use super::policy::{DossierAction, DossierPolicy};
use super::service::{self, ActionInput, Application, Saved, Who};
use super::store::{self, StoredFile};
use super::{Dossier, forms, local_now, papers};
use crate::catalog::Procedure;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::BTreeMap;
use tinhso_domain::attachment::FilePurpose;
use tinhso_domain::dossier::{Action, DossierState};
use tinhso_domain::procedure::FieldKind;
use tinhso_kernel::Ctx;
use tinhso_kernel::auth::User;
use tinhso_kernel::auth::policy::{Cx, Subject, allowed, check};
use tinhso_kernel::error::{AppError, FieldError, PageResult};
use tinhso_kernel::extract::{Form, Path, Query};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::confirm::{self, Confirmation};
use tinhso_kernel::web::{Page, form_errors, sv};
use tinhso_kernel::{calendar, files};

pub fn routes() -> Routes {
    Routes::new("onestop")
        .get("/procedures/{code}/apply", Access::SignedIn, apply_form)
        .post("/procedures/{code}/apply", Access::SignedIn, apply_submit)
        .get("/dossiers", Access::SignedIn, my_dossiers)
        .get("/dossiers/{id}", Access::Entity("dossier"), dossier_page)
        .post(
            "/dossiers/{id}/supplement",
            Access::Entity("dossier"),
            supplement,
        )
        .post(
            "/dossiers/{id}/withdraw",
            Access::Entity("dossier"),
            withdraw,
        )
        .post("/dossiers/{id}/rating", Access::Entity("dossier"), rate)
        .get(
            "/dossiers/{id}/files/{file_id}",
            Access::Entity("dossier"),
            download,
        )
        .get(
            "/dossiers/{id}/forms/{number}",
            Access::Entity("dossier"),
            form_pdf,
        )
        .get("/track", Access::Public, track_page)
}

#[derive(Deserialize, Default)]
struct ApplyQuery {
    agency: Option<String>,
    draft: Option<String>,
    saved: Option<String>,
}

async fn load_procedure(state: &Ctx, code: &str) -> Result<Procedure, AppError> {
    crate::catalog::store::by_code(&state.db, code)
        .await?
        .ok_or(AppError::NotFound)
}

/// The agencies that receive the procedure, the one of the citizen's own commune first (when
/// the account knows where they live), then by name as people read it.
pub(super) async fn agencies_of(
    db: &tinhso_kernel::db::Db,
    p: &Procedure,
    home_unit: Option<&str>,
) -> Result<Vec<Value>, AppError> {
    let mut found = Vec::new();
    for code in &p.agencies {
        if let Some(a) = tinhso_directory::find(db, code).await? {
            let home = home_unit.is_some() && a.admin_unit_code.as_deref() == home_unit;
            found.push((
                !home,
                tinhso_domain::text::fold(&a.name),
                a.name,
                a.code.to_string(),
            ));
        }
    }
    found.sort();
    Ok(found
        .into_iter()
        .map(|(not_home, _, name, code)| context! { code => code, name => name, home => !not_home })
        .collect())
}

/// The paper fields' choices from the citizen's store, by form order (see `papers`).
fn store_choices(form: &BTreeMap<String, String>, p: &Procedure) -> BTreeMap<String, String> {
    p.form
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::File))
        .filter_map(|f| {
            let id = form.get(&format!("store_{}", f.key))?.trim();
            (!id.is_empty()).then(|| (f.key.clone(), id.to_owned()))
        })
        .collect()
}

/// Looks up every paper chosen from the store among the citizen's own; an id that is not
/// theirs (guessed, or copied from someone else's page) is an error on its field.
async fn resolve_store_choices(
    state: &Ctx,
    user: &User,
    chosen: &BTreeMap<String, String>,
    uploaded: &[files::IncomingFile],
) -> Result<(Vec<(String, papers::StorePaper)>, Vec<FieldError>), AppError> {
    let mut reused = Vec::new();
    let mut errors = Vec::new();
    for (field, id) in chosen {
        if uploaded.iter().any(|f| &f.field_key == field) {
            continue; // a new upload for the same paper wins
        }
        match papers::owned(&state.db, &user.id, id).await? {
            Some(paper) => reused.push((field.clone(), paper)),
            None => errors.push(FieldError::new(
                field,
                "Giấy tờ đã chọn không có trong kho giấy tờ của bạn. Vui lòng chọn lại hoặc tải tệp lên.",
            )),
        }
    }
    Ok((reused, errors))
}

struct ApplyView<'a> {
    procedure: &'a Procedure,
    agency: String,
    key: String,
    values: BTreeMap<String, String>,
    files: Vec<StoredFile>,
    /// Papers chosen from the citizen's store, by field (kept when the form comes back).
    chosen: BTreeMap<String, String>,
    errors: Vec<FieldError>,
    saved: bool,
    /// A new form that starts with what the account knows (the page says so).
    prefilled: bool,
}

async fn render_apply(state: &Ctx, page: &Page, view: ApplyView<'_>) -> PageResult<Response> {
    let user = page.require_user()?;
    let profile = tinhso_kernel::auth::profile::load(&state.db, &user.id).await?;
    let agencies = agencies_of(
        &state.db,
        view.procedure,
        profile.admin_unit_code.as_deref(),
    )
    .await?;
    let store = papers::list(&state.db, &user.id).await?;
    let mut errors = view.errors;
    tinhso_kernel::web::order_errors(&mut errors, &apply_field_order(view.procedure));
    let attached: BTreeMap<String, String> = view
        .files
        .iter()
        .map(|f| (f.field_key.clone(), f.file_name.clone()))
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let calendar = calendar::load(&state.db).await?;
    let expected_due = service::appointment_if_accepted(
        &calendar,
        local_now().into(),
        view.procedure.processing,
        view.procedure.cutoff.as_deref(),
    )
    .ok()
    .map(|(_, due)| due.to_string());
    let html = page.render(
        "apply.html",
        context! {
            p => sv(view.procedure), agencies => agencies, agency => view.agency, key => view.key,
            values => sv(&view.values), attached => sv(&attached), errors => form_errors(&errors),
            saved => view.saved, half_days => view.procedure.processing.as_half_days(),
            expected_due => expected_due,
            store => sv(&store), chosen => sv(&view.chosen), prefilled => view.prefilled,
        },
    )?;
    Ok((status, html).into_response())
}

/// The apply form's fields from top to bottom, which its error summary follows.
fn apply_field_order(p: &Procedure) -> Vec<String> {
    std::iter::once("agency".to_owned())
        .chain(p.form.iter().map(|f| f.key.clone()))
        .collect()
}

async fn apply_form(
    State(state): State<Ctx>,
    page: Page,
    Path(code): Path<String>,
    Query(q): Query<ApplyQuery>,
) -> PageResult<Response> {
    let user = page.require_user()?.clone();
    if user.is_official() {
        return Ok(Redirect::to(&format!("/office/dossiers/new?procedure={code}")).into_response());
    }
    let procedure = load_procedure(&state, &code).await?;
    service::check_online(
        &procedure,
        procedure.agencies.first().map(String::as_str).unwrap_or(""),
    )?;
    let profile = tinhso_kernel::auth::profile::load(&state.db, &user.id).await?;
    let mut view = ApplyView {
        // The citizen chooses the receiving agency; a link may suggest one it carries out.
        agency: q
            .agency
            .clone()
            .filter(|a| procedure.agencies.contains(a))
            .unwrap_or_default(),
        procedure: &procedure,
        key: uuid::Uuid::now_v7().to_string(),
        values: tinhso_domain::procedure::prefill(&procedure.form, &profile.facts()),
        files: Vec::new(),
        chosen: BTreeMap::new(),
        errors: Vec::new(),
        saved: q.saved.is_some(),
        prefilled: false,
    };
    view.prefilled = !view.values.is_empty();
    if let Some(draft_id) = q.draft.as_deref() {
        let d = visible(&state, &page.principal(), draft_id).await?;
        if d.state != DossierState::Draft || d.applicant_id.as_deref() != Some(user.id.as_str()) {
            return Ok(Redirect::to(&format!("/dossiers/{}", d.id)).into_response());
        }
        view.key = d.idempotency_key.clone().unwrap_or_default();
        view.agency = d.agency_code.clone();
        view.values = d.answers.clone();
        view.prefilled = false;
        view.files = store::files(&state.db, &d.id).await?;
    }
    render_apply(&state, &page, view).await
}

async fn apply_submit(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    multipart: Multipart,
) -> PageResult<Response> {
    let user = page.require_user()?.clone();
    let procedure = load_procedure(&state, &code).await?;
    let form = files::read(multipart).await?;
    let agency_code = form.text("_agency").to_owned();
    let answers: BTreeMap<String, String> = procedure
        .form
        .iter()
        .filter(|f| !matches!(f.kind, FieldKind::File))
        .filter_map(|f| form.fields.get(&f.key).map(|v| (f.key.clone(), v.clone())))
        .collect();
    let key = form.text("_key").to_owned();
    let chosen = store_choices(&form.fields, &procedure);
    let agency = if procedure.agencies.contains(&agency_code) {
        tinhso_directory::find(&state.db, &agency_code).await?
    } else {
        None
    };
    let Some(agency) = agency else {
        // Nothing is saved without a receiving agency; the form comes back as it was typed.
        let message = if agency_code.is_empty() {
            "Vui lòng chọn cơ quan tiếp nhận hồ sơ."
        } else {
            "Cơ quan đã chọn không giải quyết thủ tục này."
        };
        let view = ApplyView {
            procedure: &procedure,
            agency: String::new(),
            key,
            values: answers,
            files: Vec::new(),
            chosen,
            errors: vec![FieldError::new("agency", message)],
            saved: false,
            prefilled: false,
        };
        return render_apply(&state, &page, view).await;
    };
    let (reused, store_errors) = resolve_store_choices(&state, &user, &chosen, &form.files).await?;
    let submit = form.text("_intent") != "draft";
    let mut file_errors = form.file_errors;
    file_errors.extend(store_errors);
    let who = Who {
        user: &user,
        ip: &ip,
    };
    let saved = service::save_application(
        &state,
        &who,
        Application {
            procedure: &procedure,
            agency_id: &agency.id,
            agency_code: &agency.code.to_string(),
            idempotency_key: &key,
            answers: answers.clone(),
            files: form.files,
            file_errors,
            reused,
            submit,
        },
    )
    .await?;
    match saved {
        Saved::Submitted(id) | Saved::AlreadySubmitted(id) => {
            Ok(Redirect::to(&format!("/dossiers/{id}?submitted=1")).into_response())
        }
        Saved::Draft(id) => Ok(Redirect::to(&format!(
            "/procedures/{code}/apply?draft={id}&saved=1"
        ))
        .into_response()),
        Saved::Invalid(id, errors) => {
            let files = store::files(&state.db, &id).await?;
            let view = ApplyView {
                procedure: &procedure,
                agency: agency.code.to_string(),
                key,
                values: answers,
                files,
                chosen,
                errors,
                saved: false,
                prefilled: false,
            };
            render_apply(&state, &page, view).await
        }
    }
}

async fn my_dossiers(State(state): State<Ctx>, page: Page) -> PageResult<Response> {
    let user = page.require_user()?.clone();
    let calendar = calendar::load(&state.db).await?;
    let now = local_now();
    let rows: Vec<Value> = store::of_applicant(&state.db, &user.id, 200)
        .await?
        .iter()
        .map(|d| summary(d, &calendar, now))
        .collect();
    Ok(page
        .render("dossiers.html", context! { dossiers => rows })?
        .into_response())
}

/// What lists and the tracking page show of a dossier.
pub fn summary(
    d: &Dossier,
    calendar: &tinhso_domain::calendar::Calendar,
    now: chrono::NaiveDateTime,
) -> Value {
    context! {
        id => d.id.clone(), code => d.code.map(|c| c.to_string()), procedure_code => d.procedure_code.clone(),
        procedure_name => d.procedure_name.clone(), agency_name => d.agency_name.clone(),
        agency_code => d.agency_code.clone(),
        applicant_name => d.applicant_name.clone(), channel => d.channel.as_str(),
        state => d.state.as_str(), national_state => d.national_state(),
        due => d.due.map(|t| t.to_string()), submitted_at => d.submitted_at.clone(),
        deadline => d.deadline_status(calendar, now).map(sv),
        remaining => d.remaining(calendar, now).map(sv), step_name => d.current_step().map(|s| s.name.clone()),
        updated_at => d.updated_at.clone(), group_id => d.group_id.clone(),
        assignee_name => d.assignee_name.clone(),
    }
}

#[derive(Deserialize, Default)]
struct DossierQuery {
    submitted: Option<String>,
    paid: Option<String>,
    payment: Option<String>,
}

async fn dossier_page(
    State(state): State<Ctx>,
    page: Page,
    Path(id): Path<String>,
    Query(q): Query<DossierQuery>,
) -> PageResult<Response> {
    let user = page.require_user()?.clone();
    let d = visible(&state, &page.principal(), &id).await?;
    if user.is_official() && d.applicant_id.as_deref() != Some(user.id.as_str()) {
        return Ok(Redirect::to(&format!("/office/dossiers/{id}")).into_response());
    }
    let notice = if q.submitted.is_some() {
        Some("submitted")
    } else if q.paid.is_some() {
        Some("paid")
    } else if q.payment.is_some() {
        Some("payment_failed")
    } else {
        None
    };
    render_dossier(&state, &page, &d, notice, &[]).await
}

pub async fn render_dossier(
    state: &Ctx,
    page: &Page,
    d: &Dossier,
    notice: Option<&str>,
    errors: &[FieldError],
) -> PageResult<Response> {
    let payments = crate::payments::of_dossier(state, &d.id).await?;
    let calendar = calendar::load(&state.db).await?;
    let events = store::events(&state.db, &d.id).await?;
    let files = store::files(&state.db, &d.id).await?;
    let forms = forms::available(d, &events);
    let procedure = crate::catalog::store::by_code(&state.db, &d.procedure_code).await?;
    let store = match (d.state, page.user.as_ref()) {
        (DossierState::SupplementRequested, Some(user)) => {
            papers::list(&state.db, &user.id).await?
        }
        _ => Vec::new(),
    };
    let answers = tinhso_domain::procedure::shown_answers(
        procedure
            .as_ref()
            .map(|p| p.form.as_slice())
            .unwrap_or_default(),
        &d.answers,
    );
    // What the page offers is what the policy would let through.
    let principal = page.principal();
    let offered = allowed::<DossierPolicy>(
        &Cx::from(state),
        &Subject::of(&principal),
        d,
        &[
            DossierAction::Act(Action::Withdraw),
            DossierAction::Rate,
            DossierAction::Pay,
        ],
    )
    .await?;
    let can = |a: DossierAction| offered.contains(&a);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = page.render(
        "dossier.html",
        context! {
            d => summary(d, &calendar, local_now()), answers => sv(&answers), events => sv(&events),
            files => sv(&files), results => sv(results(&files)), store => sv(&store), forms => forms, just_submitted => notice == Some("submitted"), notice => notice,
            payments => sv(&payments), can_pay => can(DossierAction::Pay),
            errors => form_errors(errors), rating => d.rating, rating_comment => d.rating_comment.clone(),
            can_withdraw => can(DossierAction::Act(Action::Withdraw)), can_rate => can(DossierAction::Rate),
            supplement_note => events.iter().rev().find(|e| e.action == "request_supplement").map(|e| e.note.clone()),
            fee_due => d.fee_due, fee_paid => d.fee_paid,
        },
    )?;
    Ok((status, html).into_response())
}

/// The result files of a dossier, the first thing its applicant looks for once it is returned.
pub fn results(files: &[StoredFile]) -> Vec<&StoredFile> {
    files
        .iter()
        .filter(|f| f.purpose == FilePurpose::Result)
        .collect()
}

async fn supplement(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    multipart: Multipart,
) -> PageResult<Response> {
    let user = page.require_user()?.clone();
    let d = visible(&state, &page.principal(), &id).await?;
    let form = files::read(multipart).await?;
    if !form.file_errors.is_empty() {
        return render_dossier(&state, &page, &d, None, &form.file_errors).await;
    }
    let mut input = ActionInput::new(Action::Supplement);
    input.note = form.text("note").to_owned();
    input.files = form.files;
    // A paper from the citizen's store instead of an upload, checked to be theirs.
    if let Some(id) = form
        .fields
        .get("store_supplement")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        match papers::owned(&state.db, &user.id, id).await? {
            Some(paper) => input.reused.push(paper),
            None => {
                let error = FieldError::new(
                    "supplement",
                    "Giấy tờ đã chọn không có trong kho giấy tờ của bạn. Vui lòng chọn lại hoặc tải tệp lên.",
                );
                return render_dossier(&state, &page, &d, None, &[error]).await;
            }
        }
    }
    finish_action(&state, &page, &user, &ip, &d, input).await
}

async fn finish_action(
    state: &Ctx,
    page: &Page,
    user: &User,
    ip: &str,
    d: &Dossier,
    input: ActionInput,
) -> PageResult<Response> {
    let who = Who { user, ip };
    match service::act(state, &who, &d.id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/dossiers/{}", d.id)).into_response()),
        Err(AppError::Validation(errors)) => render_dossier(state, page, d, None, &errors).await,
        Err(e) => Err(e.into()),
    }
}

/// What the withdrawal form posts: only the confirmation matters.
#[derive(Deserialize, Default)]
struct ConfirmForm {
    confirm: Option<String>,
}

/// Withdrawal ends the dossier for good: the first POST only shows what will happen (the fee
/// already paid, which is not refunded by withdrawing); the confirmed one withdraws.
async fn withdraw(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> PageResult<Response> {
    let user = page.require_user()?.clone();
    let d = visible(&state, &page.principal(), &id).await?;
    if !confirm::given(form.confirm.as_deref()) {
        let principal = page.principal();
        check::<DossierPolicy>(
            &Cx::from(&state),
            &Subject::of(&principal),
            &d,
            DossierAction::Act(Action::Withdraw),
        )
        .await?;
        let back = format!("/dossiers/{}", d.id);
        return Confirmation::new("withdraw", format!("{back}/withdraw"), back)
            .fact(
                "dossier_code",
                d.code.map(|c| c.to_string()).unwrap_or_default(),
            )
            .fact("procedure", d.procedure_name.clone())
            .fact("agency", d.agency_name.clone())
            .fee(d.fee_paid, page.lang, false)
            .render(&page);
    }
    finish_action(
        &state,
        &page,
        &user,
        &ip,
        &d,
        ActionInput::new(Action::Withdraw),
    )
    .await
}

#[derive(Deserialize)]
struct RatingForm {
    rating: Option<String>,
    #[serde(default)]
    comment: String,
}

async fn rate(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<RatingForm>,
) -> PageResult<Response> {
    let user = page.require_user()?.clone();
    let d = visible(&state, &page.principal(), &id).await?;
    let rating = form
        .rating
        .as_deref()
        .and_then(|r| r.parse().ok())
        .unwrap_or(0);
    match service::rate(
        &state,
        &Who {
            user: &user,
            ip: &ip,
        },
        &d.id,
        rating,
        &form.comment,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/dossiers/{id}")).into_response()),
        Err(AppError::Validation(errors)) => render_dossier(&state, &page, &d, None, &errors).await,
        Err(e) => Err(e.into()),
    }
}

async fn download(
    State(state): State<Ctx>,
    page: Page,
    Path((id, file_id)): Path<(String, String)>,
) -> PageResult<Response> {
    page.require_user()?;
    let d = visible(&state, &page.principal(), &id).await?;
    let file = store::files(&state.db, &d.id)
        .await?
        .into_iter()
        .find(|f| f.id == file_id)
        .ok_or(AppError::NotFound)?;
    let bytes = tinhso_kernel::storage::get(state.storage.as_ref(), &file.storage_key)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(tinhso_kernel::web::download(
        &file.media_type,
        &file.file_name,
        bytes.to_vec(),
    ))
}

async fn form_pdf(
    State(state): State<Ctx>,
    page: Page,
    Path((id, number)): Path<(String, String)>,
) -> PageResult<Response> {
    page.require_user()?;
    let d = visible(&state, &page.principal(), &id).await?;
    let pdf = render_form(&state, &d, number.trim_end_matches(".pdf")).await?;
    let name = format!(
        "mau-{}-{}.pdf",
        number.trim_end_matches(".pdf"),
        d.code.map(|c| c.to_string()).unwrap_or_default()
    );
    let mut response = tinhso_kernel::web::download("application/pdf", &name, pdf);
    // PDFs open in the browser's viewer; they are generated by us, not uploaded.
    response.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        format!("inline; filename=\"{name}\"")
            .parse()
            .map_err(anyhow::Error::from)?,
    );
    Ok(response)
}

pub async fn render_form(state: &Ctx, d: &Dossier, number: &str) -> Result<Vec<u8>, AppError> {
    let events = store::events(&state.db, &d.id).await?;
    let files = store::files(&state.db, &d.id).await?;
    let code = d.code.map(|c| c.to_string()).ok_or(AppError::NotFound)?;
    let url = tracking_url(state, &code);
    let parent = parent_name(state, &d.agency_code).await?;
    let place = place_of(state, &d.agency_code).await?;
    forms::render(number, d, &events, &files, &url, &parent, &place)
}

/// The place name of an agency's documents: its province (the parent of its administrative
/// unit, or the unit itself; local government has two tiers), so that forms issued in the
/// province are dated "Thanh Hóa, ngày …".
async fn place_of(state: &Ctx, agency_code: &str) -> Result<String, AppError> {
    let Some(place) = store::people::place_of(&state.db, agency_code).await? else {
        return Ok(String::new());
    };
    let name = place.parent_name.unwrap_or(place.name);
    Ok(forms::place_name(&name))
}

pub fn tracking_url(state: &Ctx, code: &str) -> String {
    format!(
        "{}/track?code={code}",
        state.config.public_url.trim_end_matches('/')
    )
}

async fn parent_name(state: &Ctx, agency_code: &str) -> Result<String, AppError> {
    let agency = tinhso_directory::find(&state.db, agency_code).await?;
    let parent = match agency.and_then(|a| a.parent_code) {
        Some(code) => tinhso_directory::store::by_code(&state.db, &code).await?,
        None => None,
    };
    Ok(parent.map(|p| p.name).unwrap_or_default())
}

#[derive(Deserialize, Default)]
struct TrackQuery {
    code: Option<String>,
}

/// Public tracking: status, due date and timeline by dossier code, with no personal data.
async fn track_page(
    State(state): State<Ctx>,
    page: Page,
    Query(q): Query<TrackQuery>,
) -> PageResult<Response> {
    let code = q.code.unwrap_or_default().trim().to_owned();
    if code.is_empty() {
        return Ok(page.render("track.html", context! {})?.into_response());
    }
    match public_view(&state, &code).await? {
        Some(view) => Ok(page
            .render("track.html", context! { code => code, found => sv(&view) })?
            .into_response()),
        None => Ok((
            StatusCode::NOT_FOUND,
            page.render("track.html", context! { code => code, not_found => true })?,
        )
            .into_response()),
    }
}

/// What anyone may know of a dossier from its code.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct PublicDossier {
    pub code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub agency_name: String,
    pub state: String,
    /// The national portal's state, 1 to 10.
    pub national_state: u8,
    pub submitted_at: Option<String>,
    /// Appointment for the result, Vietnam local time `YYYY-MM-DDTHH:MM:SS`.
    pub due: Option<String>,
    /// early, on_time, late, on_track, due_soon, overdue.
    pub deadline: Option<String>,
    pub timeline: Vec<PublicEvent>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct PublicEvent {
    pub at: String,
    pub action: String,
    pub state: String,
}

pub async fn public_view(state: &Ctx, code: &str) -> Result<Option<PublicDossier>, AppError> {
    let Ok(code) = code.parse::<tinhso_domain::dossier::DossierCode>() else {
        return Ok(None);
    };
    let Some(d) = store::by_code(&state.db, &code).await? else {
        return Ok(None);
    };
    let calendar = calendar::load(&state.db).await?;
    let events = store::events(&state.db, &d.id).await?;
    Ok(Some(PublicDossier {
        code: code.to_string(),
        procedure_code: d.procedure_code.clone(),
        procedure_name: d.procedure_name.clone(),
        agency_name: d.agency_name.clone(),
        state: d.state.as_str().to_owned(),
        national_state: d.national_state(),
        submitted_at: d.submitted_at.clone(),
        due: d.due.map(super::LocalDateTime::to_text),
        deadline: d
            .deadline_status(&calendar, local_now())
            .map(|s| s.as_str().to_owned()),
        timeline: events
            .into_iter()
            .map(|e| PublicEvent {
                at: e.at,
                action: e.action,
                state: e.to_state,
            })
            .collect(),
    }))
}
