//! The public catalog pages, the catalog API and the administrators' import page.

use super::Procedure;
use super::store::{self, Filter, ImportReport, Summary};
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use tinhso_directory::store::Page as ListPage;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::error::{ApiResult, AppError, PageResult};
use tinhso_kernel::extract::{Caller, Json, Path, Query};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::{Page, import_page, read_upload, sv};
use utoipa_axum::routes;

pub fn routes() -> Routes {
    Routes::new("onestop")
        .get("/procedures", Access::Public, catalog_page)
        .get("/procedures/{code}", Access::Public, procedure_page)
        .get(
            "/procedures/{code}/templates/{file}",
            Access::Public,
            template_file,
        )
        .get(
            "/admin/procedures/import",
            Access::Entity("procedure"),
            import_form,
        )
        .post(
            "/admin/procedures/import",
            Access::Entity("procedure"),
            import_upload,
        )
        .api(Access::Public, routes!(api_list))
        .api(Access::Entity("procedure"), routes!(api_import))
        .api(Access::Public, routes!(api_export_json))
        .api(Access::Public, routes!(api_export_csv))
        .api(Access::Public, routes!(api_fields))
        .api(Access::Public, routes!(api_get))
        .api(Access::Entity("procedure"), routes!(api_put))
}

async fn catalog_page(
    State(state): State<Ctx>,
    page: Page,
    Query(filter): Query<Filter>,
) -> PageResult<impl IntoResponse> {
    let results = store::search(&state.db, &filter).await?;
    let fields = store::fields(&state.db).await?;
    let agencies = store::agencies_with_procedures(&state.db).await?;
    let linked = crate::dossiers::linked::all(&state.db).await?;
    page.render(
        "procedures.html",
        context! { results => sv(&results), fields => sv(&fields), agencies => sv(&agencies), linked => sv(&linked), filter => context! {
            q => filter.q, field => filter.field, agency => filter.agency, level => filter.level
        } },
    )
}

async fn procedure_page(
    State(state): State<Ctx>,
    page: Page,
    Path(code): Path<String>,
) -> PageResult<impl IntoResponse> {
    let procedure = store::by_code(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut agencies = Vec::new();
    for code in &procedure.agencies {
        if let Some(a) = tinhso_directory::find(&state.db, code).await? {
            let code = a.code.to_string();
            let local_code = procedure.local_code(&code);
            agencies.push(context! { code => code, name => a.name, local_code => local_code });
        }
    }
    let calendar = tinhso_kernel::calendar::load(&state.db).await?;
    let expected_due = crate::dossiers::service::appointment_if_accepted(
        &calendar,
        tinhso_kernel::time::local_now_typed(),
        procedure.processing,
        procedure.cutoff.as_deref(),
    )
    .ok()
    .map(|(_, due)| due.to_string());
    page.render(
        "procedure.html",
        context! {
            p => sv(&procedure), agencies => agencies,
            half_days => procedure.processing.as_half_days(), expected_due => expected_due,
        },
    )
}

/// A form template of the procedure: the installation's own copy in the file store
/// (`procedure-templates/<file>`) if there is one, else the copy shipped with the demo catalog.
/// Only files the procedure lists are served.
async fn template_file(
    State(state): State<Ctx>,
    Path((code, file)): Path<(String, String)>,
) -> PageResult<Response> {
    let procedure = store::by_code(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    let template = procedure
        .templates
        .iter()
        .find(|t| t.file == file && super::Template::file_is_valid(&t.file))
        .ok_or(AppError::NotFound)?;
    let stored = tinhso_kernel::storage::get(
        state.storage.as_ref(),
        &format!("procedure-templates/{file}"),
    )
    .await?;
    let bytes = match stored {
        Some(bytes) => bytes.to_vec(),
        None => super::demo_template(&file).ok_or(AppError::NotFound)?,
    };
    Ok(tinhso_kernel::web::download(
        template.media_type(),
        &file,
        bytes,
    ))
}

/// Search the catalog (diacritics optional) with filters.
#[utoipa::path(get, path = "/api/v1/procedures", tag = "catalog", params(Filter),
    responses((status = 200, description = "One page of procedures", body = ListPage<Summary>)))]
pub async fn api_list(
    State(state): State<Ctx>,
    Query(filter): Query<Filter>,
) -> ApiResult<Json<ListPage<Summary>>> {
    Ok(Json(store::search(&state.db, &filter).await?))
}

/// One procedure with its form, steps, fees and papers.
#[utoipa::path(get, path = "/api/v1/procedures/{code}", tag = "catalog",
    params(("code" = String, Path, description = "National procedure code, e.g. 1.001193")),
    responses((status = 200, body = Procedure), (status = 404, description = "No such procedure", content_type = "application/problem+json")))]
pub async fn api_get(
    State(state): State<Ctx>,
    Path(code): Path<String>,
) -> ApiResult<Json<Procedure>> {
    Ok(Json(
        store::by_code(&state.db, &code)
            .await?
            .ok_or(AppError::NotFound)?,
    ))
}

/// Create or replace a procedure; it takes effect at once, without a restart.
#[utoipa::path(put, path = "/api/v1/procedures/{code}", tag = "catalog", request_body = Procedure,
    params(("code" = String, Path, description = "National procedure code")),
    responses((status = 200, body = Procedure), (status = 422, description = "Invalid definition", content_type = "application/problem+json")),
    security(("bearer" = ["catalog:write"])))]
pub async fn api_put(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    Json(mut p): Json<Procedure>,
) -> ApiResult<Json<Procedure>> {
    super::policy::may_manage(&state, &auth.principal).await?;
    p.code = code;
    let actor = Actor {
        label: auth.principal.actor_label(),
        ip,
    };
    let mut tx = state.db.begin().await?;
    store::upsert(&state, &mut tx, &actor, &p).await?;
    tx.commit().await?;
    tinhso_kernel::events::committed(&state);
    Ok(Json(
        store::by_code(&state.db, &p.code)
            .await?
            .ok_or(AppError::NotFound)?,
    ))
}

/// Import procedures from a JSON array (as exported): all or nothing.
#[utoipa::path(post, path = "/api/v1/procedures/import", tag = "catalog", request_body = Vec<Procedure>,
    responses((status = 200, body = ImportReport), (status = 422, description = "Some procedures are invalid; nothing imported", body = ImportReport)),
    security(("bearer" = ["catalog:write"])))]
pub async fn api_import(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Json(procedures): Json<Vec<Procedure>>,
) -> ApiResult<(StatusCode, Json<ImportReport>)> {
    super::policy::may_manage(&state, &auth.principal).await?;
    let actor = Actor {
        label: auth.principal.actor_label(),
        ip,
    };
    let report = store::import(&state, &actor, &procedures).await?;
    let status = if report.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(report)))
}

/// The whole catalog as JSON (the import format).
#[utoipa::path(get, path = "/api/v1/procedures/export.json", tag = "catalog",
    responses((status = 200, body = Vec<Procedure>)))]
pub async fn api_export_json(State(state): State<Ctx>) -> ApiResult<Json<Vec<Procedure>>> {
    Ok(Json(store::export_all(&state.db).await?))
}

/// The catalog as CSV, one line per procedure and agency with the localised code.
#[utoipa::path(get, path = "/api/v1/procedures/export.csv", tag = "catalog",
    responses((status = 200, description = "CSV file", content_type = "text/csv")))]
pub async fn api_export_csv(State(state): State<Ctx>) -> ApiResult<impl IntoResponse> {
    let bytes = store::export_csv(&state.db).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"procedures.csv\"",
            ),
        ],
        bytes,
    ))
}

/// The fields (lĩnh vực) with their number of procedures.
#[utoipa::path(get, path = "/api/v1/procedure-fields", tag = "catalog",
    responses((status = 200, body = Vec<store::FieldInfo>)))]
pub async fn api_fields(State(state): State<Ctx>) -> ApiResult<Json<Vec<store::FieldInfo>>> {
    Ok(Json(store::fields(&state.db).await?))
}

async fn import_form(State(state): State<Ctx>, page: Page) -> PageResult<impl IntoResponse> {
    super::policy::may_manage(&state, &page.principal()).await?;
    page.render("admin/procedures_import.html", context! {})
}

const MAX_JSON_BYTES: usize = 10 * 1024 * 1024;

async fn import_upload(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    multipart: Multipart,
) -> PageResult<Response> {
    let principal = page.principal();
    super::policy::may_manage(&state, &principal).await?;
    const TEMPLATE: &str = "admin/procedures_import.html";
    let upload = match read_upload(multipart, MAX_JSON_BYTES, &[".json"], "JSON").await {
        Ok(upload) => upload,
        Err(e) => return import_page(&page, TEMPLATE, Err(e), false),
    };
    let procedures: Vec<Procedure> = match serde_json::from_slice(&upload.bytes) {
        Ok(p) => p,
        Err(e) => {
            let message = format!(
                "Tệp không phải danh sách thủ tục JSON hợp lệ (dòng {}, cột {}).",
                e.line(),
                e.column()
            );
            return import_page(
                &page,
                TEMPLATE,
                Err(AppError::validation("file", message)),
                false,
            );
        }
    };
    let actor = Actor {
        label: principal.actor_label(),
        ip,
    };
    let report = store::import(&state, &actor, &procedures).await?;
    import_page(&page, TEMPLATE, Ok(sv(&report)), report.errors.is_empty())
}
