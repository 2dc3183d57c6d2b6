//! Administration of the directory: agencies created, edited, imported and exported as CSV.
//! Every handler asks the directory's policy (`crate::policy`) before reading or writing.

use crate::model::{AgencyInput, AgencyKind};
use crate::{csv_io, service, store};
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::auth::session::Auth;
use tinhso_kernel::error::{AppError, PageResult};
use tinhso_kernel::extract::{Path, Query};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::sv;
use tinhso_kernel::web::{Page, import_page, read_upload};

pub fn routes() -> Routes {
    Routes::new("directory")
        .get("/admin/agencies/new", Access::Entity("agency"), agency_new)
        .post("/admin/agencies", Access::Entity("agency"), agency_create)
        .get(
            "/admin/agencies/{code}/edit",
            Access::Entity("agency"),
            agency_edit,
        )
        .post(
            "/admin/agencies/{code}/edit",
            Access::Entity("agency"),
            agency_update,
        )
        .get(
            "/admin/agencies/import",
            Access::Entity("agency"),
            import_form,
        )
        .post("/admin/agencies/import", Access::Entity("agency"), import)
        .get(
            "/admin/agencies/export.csv",
            Access::Entity("agency"),
            export,
        )
}

fn kinds() -> Vec<&'static str> {
    AgencyKind::ALL.iter().map(|k| k.as_str()).collect()
}

async fn agency_new(
    State(state): State<Ctx>,
    page: Page,
    Query(q): Query<ParentQuery>,
) -> PageResult<impl IntoResponse> {
    let parent = match &q.parent {
        Some(code) => crate::find(&state.db, code).await?,
        None => None,
    };
    crate::policy::may_manage(
        &state,
        &page.principal(),
        parent.as_ref().map(|p| p.id.as_str()),
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
    state: &Ctx,
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
        Some(code) => crate::find(&state.db, code).await?,
        None => None,
    };
    crate::policy::may_manage(
        state,
        &page.principal(),
        parent.as_ref().map(|p| p.id.as_str()),
    )
    .await?;
    let actor = Actor {
        label: page.principal().actor_label(),
        ip,
    };
    let mut tx = state.db.begin().await?;
    match service::upsert(state, &mut tx, &actor, &form, editing).await {
        Ok(agency) => {
            tx.commit().await?;
            tinhso_kernel::events::committed(state);
            Ok(Redirect::to(&format!("/agencies/{}", agency.code)).into_response())
        }
        Err(AppError::Validation(errors)) => {
            tx.rollback().await?;
            let html = page.render(
                "admin/agency_form.html",
                context! { form => sv(&form), errors => tinhso_kernel::web::form_errors_in(&errors, &csv_io::HEADER), kinds => kinds(), units => sv(store::admin_units(&state.db).await?), editing => editing },
            )?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn agency_create(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    axum::Form(form): axum::Form<AgencyInput>,
) -> PageResult<Response> {
    save_agency(&state, &page, ip, form, false).await
}

async fn agency_edit(
    State(state): State<Ctx>,
    page: Page,
    Path(code): Path<String>,
) -> PageResult<impl IntoResponse> {
    let agency = crate::find(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::policy::may_manage(&state, &page.principal(), agency.parent_id.as_deref()).await?;
    let form = AgencyInput {
        code: agency.code.to_string(),
        name: agency.name.clone(),
        kind: agency.kind.as_str().into(),
        parent_code: agency.parent_code.map(|c| c.to_string()),
        admin_unit_code: agency.admin_unit_code.clone(),
        address: agency.address.clone(),
        phone: agency.phone.clone(),
        email: agency.email.clone(),
        website: agency.website.clone(),
    };
    page.render("admin/agency_form.html", context! { form => sv(&form), kinds => kinds(), units => sv(store::admin_units(&state.db).await?), editing => true })
}

async fn agency_update(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    axum::Form(mut form): axum::Form<AgencyInput>,
) -> PageResult<Response> {
    let existing = crate::find(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    // The agency must also be editable where it stands now, not only where it moves to.
    crate::policy::may_manage(&state, &page.principal(), existing.parent_id.as_deref()).await?;
    form.code = code;
    save_agency(&state, &page, ip, form, true).await
}

async fn import_form(State(state): State<Ctx>, page: Page) -> PageResult<impl IntoResponse> {
    crate::policy::may_import_export(&state, &page.principal()).await?;
    page.render("admin/import.html", context! {})
}

const MAX_CSV_BYTES: usize = 10 * 1024 * 1024;

async fn import(
    State(state): State<Ctx>,
    page: Page,
    auth: Auth,
    ClientIp(ip): ClientIp,
    multipart: Multipart,
) -> PageResult<Response> {
    crate::policy::may_import_export(&state, &auth.principal).await?;
    let upload = match read_upload(multipart, MAX_CSV_BYTES, &[".csv", ".txt"], "CSV").await {
        Ok(upload) => upload,
        Err(e) => return import_page(&page, "admin/import.html", Err(e), false),
    };
    let actor = Actor {
        label: auth.principal.actor_label(),
        ip,
    };
    let partial = upload.fields.contains("partial");
    let report = csv_io::import(&state, &actor, &upload.bytes, partial, &|_| {}).await?;
    import_page(
        &page,
        "admin/import.html",
        Ok(sv(&report)),
        report.errors.is_empty(),
    )
}

async fn export(State(state): State<Ctx>, page: Page) -> PageResult<impl IntoResponse> {
    crate::policy::may_import_export(&state, &page.principal()).await?;
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
