//! Back-office pages: each role's home, and administration of agencies, officials and the
//! audit trail. Every handler asks `authorize` before reading or writing.

use crate::accounts::{self, OfficialInput};
use crate::agencies::model::{AgencyInput, AgencyKind};
use crate::agencies::{csv_io, store};
use crate::app::AppState;
use crate::audit::{self, Actor, AuditFilter};
use crate::auth::Role;
use crate::auth::authz::{Action, authorize};
use crate::auth::session::Auth;
use crate::error::{AppError, PageResult};
use crate::extract::{Path, Query};
use crate::net::ClientIp;
use crate::web::sv;
use crate::web::{Page, form_errors, import_page, read_upload};
use axum::Router;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/office", get(office))
        .route("/admin/agencies/new", get(agency_new))
        .route("/admin/agencies", post(agency_create))
        .route(
            "/admin/agencies/{code}/edit",
            get(agency_edit).post(agency_update),
        )
        .route("/admin/agencies/import", get(import_form).post(import))
        .route("/admin/agencies/export.csv", get(export))
        .route("/admin/officials", get(officials).post(official_create))
        .route("/admin/officials/new", get(official_new))
        .route(
            "/admin/officials/{id}",
            get(official_edit).post(official_update),
        )
        .route("/admin/audit", get(audit_log))
}

/// The agency form's fields from top to bottom, which its error summary follows.
const AGENCY_ORDER: [&str; 9] = [
    "code",
    "name",
    "kind",
    "parent_code",
    "admin_unit_code",
    "address",
    "phone",
    "email",
    "website",
];

async fn home(page: Page) -> PageResult<impl IntoResponse> {
    page.render("home.html", context! {})
}

async fn office(State(state): State<AppState>, page: Page) -> PageResult<impl IntoResponse> {
    let p = page.principal();
    authorize(&state.db, &p, Action::BackOffice).await?;
    let user = page.require_user()?;
    let agency = match &user.agency_id {
        Some(id) => store::by_id(&state.db, id).await?,
        None => None,
    };
    let is_admin = user.has_role(Role::SystemAdmin) || user.has_role(Role::AgencyAdmin);
    let roles: Vec<&str> = user.roles.iter().map(|r| r.as_str()).collect();
    page.render("office.html", context! { agency => sv(&agency), is_admin => is_admin, is_system_admin => user.has_role(Role::SystemAdmin), roles => roles })
}

fn kinds() -> Vec<&'static str> {
    AgencyKind::ALL.iter().map(|k| k.as_str()).collect()
}

async fn agency_new(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<ParentQuery>,
) -> PageResult<impl IntoResponse> {
    let parent = match &q.parent {
        Some(code) => store::by_code(&state.db.pool, code).await?,
        None => None,
    };
    authorize(
        &state.db,
        &page.principal(),
        Action::ManageAgency {
            parent: parent.as_ref().map(|p| p.id.as_str()),
        },
    )
    .await?;
    let form = context! { parent_code => q.parent, kind => "unit" };
    page.render("admin/agency_form.html", context! { form => sv(&form), kinds => kinds(), units => sv(store::admin_units(&state.db).await?), editing => false })
}

#[derive(serde::Deserialize)]
struct ParentQuery {
    parent: Option<String>,
}

async fn save_agency(
    state: &AppState,
    page: &Page,
    ip: String,
    form: AgencyInput,
    editing: bool,
) -> PageResult<Response> {
    let parent = match form
        .parent_code
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(code) => store::by_code(&state.db.pool, code).await?,
        None => None,
    };
    authorize(
        &state.db,
        &page.principal(),
        Action::ManageAgency {
            parent: parent.as_ref().map(|p| p.id.as_str()),
        },
    )
    .await?;
    let actor = Actor {
        label: page.principal().actor_label(),
        ip,
    };
    let mut tx = state.db.begin().await?;
    match store::upsert(&state.db, &mut tx, &actor, &form, editing).await {
        Ok(agency) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/agencies/{}", agency.code)).into_response())
        }
        Err(AppError::Validation(errors)) => {
            tx.rollback().await?;
            let html = page.render(
                "admin/agency_form.html",
                context! { form => sv(&form), errors => crate::web::form_errors_in(&errors, &AGENCY_ORDER), kinds => kinds(), units => sv(store::admin_units(&state.db).await?), editing => editing },
            )?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn agency_create(
    State(state): State<AppState>,
    page: Page,
    ClientIp(ip): ClientIp,
    axum::Form(form): axum::Form<AgencyInput>,
) -> PageResult<Response> {
    save_agency(&state, &page, ip, form, false).await
}

async fn agency_edit(
    State(state): State<AppState>,
    page: Page,
    Path(code): Path<String>,
) -> PageResult<impl IntoResponse> {
    let agency = store::by_code(&state.db.pool, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    authorize(
        &state.db,
        &page.principal(),
        Action::ManageAgency {
            parent: agency.parent_id.as_deref(),
        },
    )
    .await?;
    let form = AgencyInput {
        code: agency.code.clone(),
        name: agency.name.clone(),
        kind: agency.kind.as_str().into(),
        parent_code: agency.parent_code.clone(),
        admin_unit_code: agency.admin_unit_code.clone(),
        address: agency.address.clone(),
        phone: agency.phone.clone(),
        email: agency.email.clone(),
        website: agency.website.clone(),
    };
    page.render("admin/agency_form.html", context! { form => sv(&form), kinds => kinds(), units => sv(store::admin_units(&state.db).await?), editing => true })
}

async fn agency_update(
    State(state): State<AppState>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    axum::Form(mut form): axum::Form<AgencyInput>,
) -> PageResult<Response> {
    let existing = store::by_code(&state.db.pool, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    // The agency must also be editable where it stands now, not only where it moves to.
    authorize(
        &state.db,
        &page.principal(),
        Action::ManageAgency {
            parent: existing.parent_id.as_deref(),
        },
    )
    .await?;
    form.code = code;
    save_agency(&state, &page, ip, form, true).await
}

async fn import_form(State(state): State<AppState>, page: Page) -> PageResult<impl IntoResponse> {
    authorize(&state.db, &page.principal(), Action::ManageDirectory).await?;
    page.render("admin/import.html", context! {})
}

const MAX_CSV_BYTES: usize = 10 * 1024 * 1024;

async fn import(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    ClientIp(ip): ClientIp,
    multipart: Multipart,
) -> PageResult<Response> {
    authorize(&state.db, &auth.principal, Action::ManageDirectory).await?;
    let upload = match read_upload(multipart, MAX_CSV_BYTES, &[".csv", ".txt"], "CSV").await {
        Ok(upload) => upload,
        Err(e) => return import_page(&page, "admin/import.html", Err(e), false),
    };
    let actor = Actor {
        label: auth.principal.actor_label(),
        ip,
    };
    let partial = upload.fields.contains("partial");
    let report = csv_io::import(&state.db, &actor, &upload.bytes, partial, &|_| {}).await?;
    import_page(
        &page,
        "admin/import.html",
        Ok(sv(&report)),
        report.errors.is_empty(),
    )
}

async fn export(State(state): State<AppState>, page: Page) -> PageResult<impl IntoResponse> {
    authorize(&state.db, &page.principal(), Action::ManageDirectory).await?;
    let bytes = csv_io::export(&state.db).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"agencies.csv\"",
            ),
        ],
        bytes,
    ))
}

/// The agency whose officials an admin manages: everything for a system admin.
fn managed_root(page: &Page) -> Result<Option<String>, AppError> {
    let user = page.require_user()?;
    if user.has_role(Role::SystemAdmin) {
        Ok(None)
    } else if user.has_role(Role::AgencyAdmin) {
        Ok(user.agency_id.clone())
    } else {
        Err(AppError::Forbidden)
    }
}

async fn officials(State(state): State<AppState>, page: Page) -> PageResult<impl IntoResponse> {
    let user = page.require_user()?;
    let root = managed_root(&page)?;
    if let Some(agency) = &root {
        authorize(
            &state.db,
            &page.principal(),
            Action::ManageOfficials { agency },
        )
        .await?;
    } else if user.needs_totp_enrolment() {
        return Err(AppError::SecondFactorRequired.into());
    }
    let list = accounts::list_officials(&state.db, root.as_deref()).await?;
    page.render("admin/officials.html", context! { officials => sv(&list) })
}

fn role_names() -> Vec<&'static str> {
    Role::ALL.iter().map(|r| r.as_str()).collect()
}

async fn official_new(State(state): State<AppState>, page: Page) -> PageResult<impl IntoResponse> {
    let root = managed_root(&page)?;
    authorize(&state.db, &page.principal(), Action::BackOffice).await?;
    let default_agency = match &root {
        Some(id) => store::by_id(&state.db, id).await?.map(|a| a.code),
        None => None,
    };
    page.render("admin/official_form.html", context! { form => context! { agency_code => default_agency, roles => Vec::<String>::new() }, all_roles => role_names() })
}

#[derive(serde::Deserialize)]
struct OfficialForm {
    agency_code: String,
    full_name: String,
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    role: Vec<String>,
}

async fn official_create(
    State(state): State<AppState>,
    page: Page,
    ClientIp(ip): ClientIp,
    axum_extra::extract::Form(form): axum_extra::extract::Form<OfficialForm>,
) -> PageResult<Response> {
    managed_root(&page)?;
    let p = page.principal();
    let input = OfficialInput {
        agency_code: form.agency_code,
        full_name: form.full_name,
        email: form.email,
        phone: form.phone,
        roles: form.role,
        password: None,
    };
    let actor = Actor {
        label: p.actor_label(),
        ip,
    };
    match accounts::create_official(&state, &actor, Some(&p), &input).await {
        Ok(_) => Ok(Redirect::to("/admin/officials?created=1").into_response()),
        Err(AppError::Validation(errors)) => {
            let html = page.render("admin/official_form.html", context! { form => sv(&input), errors => crate::web::form_errors_in(&errors, &["agency_code", "full_name", "email", "phone", "roles"]), all_roles => role_names() })?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn official_edit(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> PageResult<impl IntoResponse> {
    let official = accounts::official_access(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    authorize(
        &state.db,
        &page.principal(),
        Action::ManageOfficials {
            agency: &official.agency_id,
        },
    )
    .await?;
    let agency = store::by_id(&state.db, &official.agency_id).await?;
    page.render(
        "admin/official_edit.html",
        context! { official => sv(&official), agency => sv(&agency), all_roles => role_names() },
    )
}

#[derive(serde::Deserialize)]
struct AccessForm {
    #[serde(default)]
    role: Vec<String>,
    #[serde(default)]
    disabled: Option<String>,
}

async fn official_update(
    State(state): State<AppState>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    axum_extra::extract::Form(form): axum_extra::extract::Form<AccessForm>,
) -> PageResult<Response> {
    let p = page.principal();
    let actor = Actor {
        label: p.actor_label(),
        ip,
    };
    let disabled = form.disabled.is_some();
    match accounts::update_official(&state, &actor, &p, &id, &form.role, disabled).await {
        Ok(()) => Ok(Redirect::to("/admin/officials?updated=1").into_response()),
        Err(AppError::Validation(errors)) => {
            let official = accounts::official_access(&state.db, &id)
                .await?
                .ok_or(AppError::NotFound)?;
            let agency = store::by_id(&state.db, &official.agency_id).await?;
            let html = page.render(
                "admin/official_edit.html",
                context! { official => sv(&official), agency => sv(&agency), all_roles => role_names(), errors => form_errors(&errors) },
            )?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn audit_log(
    State(state): State<AppState>,
    page: Page,
    Query(filter): Query<AuditFilter>,
) -> PageResult<impl IntoResponse> {
    authorize(&state.db, &page.principal(), Action::ReadAudit).await?;
    let entries = audit::search(&state.db, &filter).await?;
    let next = entries
        .last()
        .map(|e| e.seq)
        .filter(|_| entries.len() as i64 == filter.limit.unwrap_or(50));
    page.render("admin/audit.html", context! { entries => sv(&entries), filter => context! {
        actor => filter.actor, action => filter.action, entity_type => filter.entity_type, entity_id => filter.entity_id
    }, next => next })
}

/// Used by the API and the CLI: officials may be created without a session.
pub async fn create_admin(
    state: &AppState,
    agency_code: &str,
    email: &str,
    full_name: &str,
    password: &str,
) -> Result<String, AppError> {
    let input = OfficialInput {
        agency_code: agency_code.into(),
        full_name: full_name.into(),
        email: email.into(),
        phone: String::new(),
        roles: vec![Role::SystemAdmin.as_str().into()],
        password: Some(password.into()),
    };
    accounts::create_official(state, &Actor::system(), None, &input).await
}
