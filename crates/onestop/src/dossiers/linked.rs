//! Linked procedures (thủ tục liên thông): one form, one submission, a dossier at each agency
//! with its own code and deadline, shown to the citizen as one request with a combined status.

use super::citizen::{summary, visible};
use super::service::{self, Who};
use super::store::{self, NewDossier};
use super::upload;
use super::{Dossier, local_now};
use crate::catalog::Procedure;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tinhso_domain::attachment::FilePurpose;
use tinhso_domain::dossier::DossierState;
use tinhso_domain::procedure::{FieldKind, FormField};
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::db::Db;
use tinhso_kernel::error::{AppError, FieldError, PageResult};
use tinhso_kernel::extract::Path;
use tinhso_kernel::files::IncomingFile;
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::{Page, sv};
use tinhso_kernel::{calendar, files};

pub fn routes() -> Routes {
    Routes::new("onestop")
        .get("/linked/{code}", Access::SignedIn, apply_form)
        .post("/linked/{code}", Access::SignedIn, apply_submit)
        .get("/requests/{group}", Access::SignedIn, request_page)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkedService {
    pub code: String,
    pub name: String,
    pub description: String,
    pub procedures: Vec<String>,
}

pub fn demo() -> Vec<LinkedService> {
    serde_json::from_str(include_str!("../../demo/linked_services.json"))
        .expect("the demo linked services are valid JSON")
}

pub async fn upsert(db: &Db, actor: &Actor, s: &LinkedService) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let row = store::linked::LinkedRow {
        code: s.code.clone(),
        name: s.name.clone(),
        description: s.description.clone(),
        procedures: serde_json::to_string(&s.procedures).map_err(anyhow::Error::from)?,
    };
    store::linked::upsert(&mut tx, &row, &tinhso_kernel::time::now_text()).await?;
    tinhso_kernel::audit::record(
        db,
        &mut tx,
        actor,
        tinhso_kernel::audit::Change {
            action: "linked_service.saved",
            entity_type: "linked_service",
            entity_id: &s.code,
            before: serde_json::Value::Null,
            after: serde_json::to_value(s).unwrap_or_default(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn all(db: &Db) -> Result<Vec<LinkedService>, AppError> {
    store::linked::all(db)
        .await?
        .into_iter()
        .map(from_row)
        .collect()
}

fn from_row(r: store::linked::LinkedRow) -> Result<LinkedService, AppError> {
    Ok(LinkedService {
        code: r.code,
        name: r.name,
        description: r.description,
        procedures: serde_json::from_str(&r.procedures).map_err(anyhow::Error::from)?,
    })
}

pub async fn by_code(db: &Db, code: &str) -> Result<Option<LinkedService>, AppError> {
    store::linked::by_code(db, code)
        .await?
        .map(from_row)
        .transpose()
}

/// The service's procedures, in order.
async fn procedures(db: &Db, s: &LinkedService) -> Result<Vec<Procedure>, AppError> {
    let mut out = Vec::new();
    for code in &s.procedures {
        out.push(
            crate::catalog::store::by_code(db, code)
                .await?
                .ok_or(AppError::NotFound)?,
        );
    }
    Ok(out)
}

/// One form for all: each field once, the first procedure's definition winning (shared keys
/// such as the applicant's name mean the same thing in every procedure).
fn merged_form(procedures: &[Procedure]) -> Vec<FormField> {
    let mut seen = std::collections::HashSet::new();
    procedures
        .iter()
        .flat_map(|p| p.form.iter())
        .filter(|f| seen.insert(f.key.clone()))
        .cloned()
        .collect()
}

/// The agencies offered: those (communes) carrying out the first procedure.
async fn render_form(
    state: &Ctx,
    page: &Page,
    s: &LinkedService,
    values: &BTreeMap<String, String>,
    errors: &[FieldError],
    key: &str,
) -> PageResult<Response> {
    let procedures = procedures(&state.db, s).await?;
    let first = procedures.first().ok_or(AppError::NotFound)?;
    let user = page.require_user()?;
    let profile = tinhso_kernel::auth::profile::load(&state.db, &user.id).await?;
    let home = profile.admin_unit_code.as_deref();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let names: Vec<_> = procedures.iter().map(|p| context! { code => p.code.clone(), name => p.name.clone(), half_days => p.processing.as_half_days() }).collect();
    let html = page.render(
        "linked_apply.html",
        context! {
            s => sv(s), procedures => names, form => sv(merged_form(&procedures)), agencies => super::citizen::agencies_of(&state.db, first, home).await?,
            values => sv(values), key => key,
            errors => tinhso_kernel::web::form_errors_in(errors, &std::iter::once("agency".to_owned()).chain(merged_form(&procedures).iter().map(|f| f.key.clone())).collect::<Vec<_>>()),
        },
    )?;
    Ok((status, html).into_response())
}

async fn apply_form(
    State(state): State<Ctx>,
    page: Page,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let user = page.require_user()?;
    let s = by_code(&state.db, &code).await?.ok_or(AppError::NotFound)?;
    // What the account knows starts the form, as on a single application.
    let profile = tinhso_kernel::auth::profile::load(&state.db, &user.id).await?;
    let known = merged_form(&procedures(&state.db, &s).await?);
    let values = tinhso_domain::procedure::prefill(&known, &profile.facts());
    render_form(
        &state,
        &page,
        &s,
        &values,
        &[],
        &uuid::Uuid::now_v7().to_string(),
    )
    .await
}

async fn apply_submit(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    multipart: Multipart,
) -> PageResult<Response> {
    let user = page.require_user()?.clone();
    let s = by_code(&state.db, &code).await?.ok_or(AppError::NotFound)?;
    let form = files::read(multipart).await?;
    let key = form.text("_key").to_owned();
    let who = Who {
        user: &user,
        ip: &ip,
    };
    let agency = form.text("_agency").to_owned();
    let (files, file_errors) = (form.files.clone(), form.file_errors.clone());
    match submit(
        &state,
        &who,
        &s,
        &agency,
        &form.fields,
        files,
        file_errors,
        &key,
    )
    .await
    {
        Ok(group) => Ok(Redirect::to(&format!("/requests/{group}")).into_response()),
        Err(AppError::Validation(errors)) => {
            render_form(&state, &page, &s, &form.fields, &errors, &key).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Checks everything, then creates one submitted dossier per procedure in one transaction.
/// Returns the group id; a retry with the same key returns the existing group.
#[allow(clippy::too_many_arguments)]
pub async fn submit(
    state: &Ctx,
    who: &Who<'_>,
    s: &LinkedService,
    agency_code: &str,
    raw: &BTreeMap<String, String>,
    files: Vec<IncomingFile>,
    file_errors: Vec<FieldError>,
    key: &str,
) -> Result<String, AppError> {
    if who.user.is_official() {
        return Err(AppError::Forbidden);
    }
    if key.is_empty() || key.len() > 100 {
        return Err(AppError::BadRequest(
            "Thiếu hoặc sai khóa gửi hồ sơ.".into(),
        ));
    }
    if let Some(group) = existing_group(&state.db, &who.user.id, key).await? {
        return Ok(group);
    }
    let procedures = procedures(&state.db, s).await?;
    let mut errors = file_errors;
    // The citizen chooses where the request is received; nothing is picked for them.
    if !procedures
        .first()
        .is_some_and(|p| p.agencies.iter().any(|a| a == agency_code))
    {
        errors.push(FieldError::new(
            "agency",
            "Vui lòng chọn cơ quan tiếp nhận hồ sơ.",
        ));
    }
    let mut plan = Vec::new();
    for p in &procedures {
        let agency = receiving_agency(state, p, agency_code).await?;
        let answers: BTreeMap<String, String> = p
            .form
            .iter()
            .filter(|f| !matches!(f.kind, FieldKind::File))
            .filter_map(|f| raw.get(&f.key).map(|v| (f.key.clone(), v.clone())))
            .collect();
        let papers: Vec<IncomingFile> = files
            .iter()
            .filter(|f| p.form.iter().any(|ff| ff.key == f.field_key))
            .cloned()
            .collect();
        match service::check_answers_and_papers(p, &answers, &papers) {
            Ok(clean) => plan.push((p, agency, clean, papers)),
            Err(problems) => errors.extend(problems),
        }
    }
    if !errors.is_empty() {
        errors.dedup_by(|a, b| a.field == b.field && a.message == b.message);
        return Err(AppError::Validation(errors));
    }
    let group = uuid::Uuid::now_v7().to_string();
    let mut stored_all = Vec::new();
    let mut ids = Vec::new();
    for (_, _, _, papers) in &plan {
        let id = uuid::Uuid::now_v7().to_string();
        let stored =
            upload::put_all(state.storage.as_ref(), &id, FilePurpose::Paper, papers).await?;
        stored_all.extend(stored.iter().cloned());
        ids.push((id, stored));
    }
    let result = create_all(state, who, &group, key, &plan, &ids).await;
    if result.is_err() {
        upload::discard(state.storage.as_ref(), &stored_all).await;
        if let Some(group) = existing_group(&state.db, &who.user.id, key).await? {
            return Ok(group);
        }
    }
    result.map(|_| group)
}

type Planned<'a> = (
    &'a Procedure,
    tinhso_directory::model::Agency,
    BTreeMap<String, String>,
    Vec<IncomingFile>,
);

async fn create_all(
    state: &Ctx,
    who: &Who<'_>,
    group: &str,
    key: &str,
    plan: &[Planned<'_>],
    ids: &[(String, Vec<store::StoredFile>)],
) -> Result<(), AppError> {
    let db = &state.db;
    let mut tx = db.begin().await?;
    for (i, ((procedure, agency, answers, _), (id, stored))) in plan.iter().zip(ids).enumerate() {
        let item_key = format!("{key}#{i}");
        store::insert_draft(
            &mut tx,
            &NewDossier {
                id,
                procedure,
                agency_id: &agency.id,
                applicant_id: Some(&who.user.id),
                applicant_name: &who.user.full_name,
                applicant_email: who.user.email.as_deref().unwrap_or(""),
                applicant_phone: "",
                channel: tinhso_domain::dossier::Channel::Online,
                idempotency_key: Some(&item_key),
                group_id: Some(group),
            },
        )
        .await?;
        for f in stored {
            store::insert_file(&mut tx, f, &who.user.id).await?;
        }
        let mut d = store::for_update(db, &mut tx, id)
            .await?
            .ok_or(AppError::NotFound)?;
        d.answers = answers.clone();
        service::submit_in_tx(state, &mut tx, who, &mut d).await?;
        store::update(&mut tx, &d).await?;
    }
    tx.commit().await?;
    tinhso_kernel::events::committed(state);
    Ok(())
}

async fn existing_group(db: &Db, user_id: &str, key: &str) -> Result<Option<String>, AppError> {
    store::linked::group_of_key(db, user_id, key).await
}

/// The chosen agency when it carries out the procedure, else (for a later procedure of the
/// chain that the chosen agency does not handle) the procedure's first agency.
async fn receiving_agency(
    state: &Ctx,
    p: &Procedure,
    chosen: &str,
) -> Result<tinhso_directory::model::Agency, AppError> {
    let code = if p.agencies.iter().any(|a| a == chosen) {
        chosen
    } else {
        p.agencies
            .first()
            .map(String::as_str)
            .ok_or(AppError::NotFound)?
    };
    tinhso_directory::find(&state.db, code)
        .await?
        .ok_or(AppError::NotFound)
}

/// Combined status of a group: finished when every dossier is, and how many are done.
pub fn combined_state(dossiers: &[Dossier]) -> (&'static str, usize) {
    let done = dossiers
        .iter()
        .filter(|d| tinhso_domain::dossier::is_final(d.state) || d.state == DossierState::Approved)
        .count();
    let state = if dossiers
        .iter()
        .any(|d| d.state == DossierState::SupplementRequested)
    {
        "supplement_requested"
    } else if dossiers.iter().all(|d| d.state == DossierState::Returned) {
        "returned"
    } else if dossiers
        .iter()
        .any(|d| matches!(d.state, DossierState::Refused | DossierState::Stopped))
    {
        "stopped"
    } else {
        "in_progress"
    };
    (state, done)
}

async fn request_page(
    State(state): State<Ctx>,
    page: Page,
    Path(group): Path<String>,
) -> PageResult<Response> {
    page.require_user()?;
    let dossiers = store::in_group(&state.db, &group).await?;
    let first = dossiers.first().ok_or(AppError::NotFound)?;
    visible(&state, &page.principal(), &first.id).await?;
    if dossiers
        .iter()
        .any(|d| d.applicant_id != first.applicant_id)
    {
        return Err(AppError::NotFound.into());
    }
    let calendar = calendar::load(&state.db).await?;
    let now = local_now();
    let (combined, done) = combined_state(&dossiers);
    let mut rows = Vec::new();
    for d in &dossiers {
        // Each agency's result, downloadable from the request as soon as it is returned.
        let files = store::files(&state.db, &d.id).await?;
        let results = super::citizen::results(&files);
        rows.push(
            context! { ..summary(d, &calendar, now), ..context! { results => sv(&results) } },
        );
    }
    Ok(page
        .render("linked_request.html", context! { dossiers => rows, combined => combined, done => done, total => dossiers.len() })?
        .into_response())
}
