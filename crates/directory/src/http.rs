//! Directory pages (public tree, search, one agency) and the directory API.

use super::model::AgencyInput;
use super::store::{self, Page as ListPage};
use super::{Agency, csv_io};
use super::{model, service};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use minijinja::context;
use serde::Deserialize;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::auth::session::Auth;
use tinhso_kernel::error::{ApiResult, AppError, PageResult};
use tinhso_kernel::extract::{Caller, Json, Path, Query};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::Page;
use tinhso_kernel::web::sv;
use utoipa_axum::routes;

pub fn routes() -> Routes {
    Routes::new("directory")
        .get("/agencies", Access::Public, directory_page)
        .get("/agencies/{code}", Access::Public, agency_page)
        .api(Access::Public, routes!(api_list))
        .api(Access::Entity("agency"), routes!(api_create))
        .api(Access::Public, routes!(api_tree))
        .api(Access::Public, routes!(api_export))
        .api(Access::Public, routes!(api_get))
        .api(Access::Entity("agency"), routes!(api_update))
        .api(Access::Public, routes!(api_admin_units))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Words of the name (diacritics optional) or part of the code.
    pub q: Option<String>,
    /// Only direct children of this agency code.
    pub parent: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

async fn directory_page(
    State(state): State<Ctx>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> PageResult<impl IntoResponse> {
    let query = q.q.clone().unwrap_or_default();
    if query.trim().is_empty() {
        let tree = model::build_tree(&store::top_two_levels(&state.db).await?, 2);
        return page.render("agencies.html", context! { tree => sv(&tree), q => "" });
    }
    let results = store::search(&state.db, &query, None, q.page.unwrap_or(1), 50).await?;
    page.render(
        "agencies.html",
        context! { results => sv(&results), q => query },
    )
}

async fn agency_page(
    State(state): State<Ctx>,
    page: Page,
    Path(code): Path<String>,
) -> PageResult<impl IntoResponse> {
    let agency = crate::find(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    let code = agency.code.to_string();
    let children = store::search(&state.db, "", Some(&code), 1, 200).await?;
    // Names, not codes: a citizen knows "UBND tỉnh" and "phường Hạc Thành", not 000.00.00.H56.
    let parent_name = match &agency.parent_code {
        Some(code) => store::by_code(&state.db, code).await?.map(|p| p.name),
        None => None,
    };
    let admin_unit = match &agency.admin_unit_code {
        Some(code) => store::admin_unit_name(&state.db, code).await?,
        None => None,
    };
    let hours = opening_hours(&state).await?;
    let can_edit = match &page.user {
        Some(user) => {
            let principal = tinhso_kernel::auth::Principal::User(user.clone());
            crate::policy::may_manage(&state, &principal, agency.parent_id.as_deref())
                .await
                .is_ok()
        }
        None => false,
    };
    page.render(
        "agency.html",
        context! { agency => sv(&agency), children => sv(&children.items), can_edit => can_edit, parent_name, admin_unit, hours },
    )
}

/// List or search agencies.
#[utoipa::path(get, path = "/api/v1/agencies", tag = "directory", params(ListQuery),
    responses((status = 200, description = "One page of agencies", body = ListPage<Agency>)))]
pub async fn api_list(
    State(state): State<Ctx>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<ListPage<Agency>>> {
    let page = store::search(
        &state.db,
        q.q.as_deref().unwrap_or(""),
        q.parent.as_deref(),
        q.page.unwrap_or(1),
        q.per_page.unwrap_or(50),
    )
    .await?;
    Ok(Json(page))
}

/// The whole agency tree.
#[utoipa::path(get, path = "/api/v1/agencies/tree", tag = "directory",
    responses((status = 200, description = "Agencies nested under their parents", body = Vec<model::TreeNode>)))]
pub async fn api_tree(State(state): State<Ctx>) -> ApiResult<Json<Vec<model::TreeNode>>> {
    Ok(Json(model::build_tree(
        &store::all(&state.db).await?,
        usize::MAX,
    )))
}

/// One agency by its electronic identifier code.
#[utoipa::path(get, path = "/api/v1/agencies/{code}", tag = "directory",
    params(("code" = String, Path, description = "Agency code, e.g. 000.00.00.H56")),
    responses((status = 200, body = Agency), (status = 404, description = "No such agency", content_type = "application/problem+json")))]
pub async fn api_get(
    State(state): State<Ctx>,
    Path(code): Path<String>,
) -> ApiResult<Json<Agency>> {
    Ok(Json(
        crate::find(&state.db, &code)
            .await?
            .ok_or(AppError::NotFound)?,
    ))
}

async fn write_agency(
    state: &Ctx,
    auth: &Auth,
    ip: String,
    input: &AgencyInput,
    update: bool,
) -> Result<Agency, AppError> {
    let parent = match input
        .parent_code
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(code) => Some(crate::find(&state.db, code).await?.ok_or_else(|| {
            AppError::validation(
                "parent_code",
                format!("Không có cơ quan cha mang mã {code}."),
            )
        })?),
        None => None,
    };
    crate::policy::may_manage(
        state,
        &auth.principal,
        parent.as_ref().map(|p| p.id.as_str()),
    )
    .await?;
    let actor = Actor {
        label: auth.principal.actor_label(),
        ip,
    };
    let mut tx = state.db.begin().await?;
    let agency = service::upsert(state, &mut tx, &actor, input, update).await?;
    tx.commit().await?;
    tinhso_kernel::events::committed(state);
    Ok(agency)
}

/// Create an agency.
#[utoipa::path(post, path = "/api/v1/agencies", tag = "directory", request_body = AgencyInput,
    responses((status = 201, body = Agency), (status = 422, description = "Invalid or duplicate code", content_type = "application/problem+json")),
    security(("bearer" = ["directory:write"])))]
pub async fn api_create(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Json(input): Json<AgencyInput>,
) -> ApiResult<(StatusCode, Json<Agency>)> {
    let agency = write_agency(&state, &auth, ip, &input, false).await?;
    Ok((StatusCode::CREATED, Json(agency)))
}

/// Update an agency (the code in the path must match the body's).
#[utoipa::path(put, path = "/api/v1/agencies/{code}", tag = "directory", request_body = AgencyInput,
    params(("code" = String, Path, description = "Agency code")),
    responses((status = 200, body = Agency), (status = 404, description = "No such agency", content_type = "application/problem+json")),
    security(("bearer" = ["directory:write"])))]
pub async fn api_update(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    Json(mut input): Json<AgencyInput>,
) -> ApiResult<Json<Agency>> {
    crate::find(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    input.code = code;
    Ok(Json(write_agency(&state, &auth, ip, &input, true).await?))
}

/// The directory as CSV (UTF-8).
#[utoipa::path(get, path = "/api/v1/agencies/export.csv", tag = "directory",
    responses((status = 200, description = "CSV file", content_type = "text/csv")))]
pub async fn api_export(State(state): State<Ctx>) -> ApiResult<impl IntoResponse> {
    let bytes = csv_io::export(&state.db).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"agencies.csv\"",
            ),
        ],
        bytes,
    ))
}

/// The administrative units (province, communes, …) as a flat list with parent codes.
#[utoipa::path(get, path = "/api/v1/admin-units", tag = "directory",
    responses((status = 200, body = Vec<store::AdminUnit>)))]
pub async fn api_admin_units(State(state): State<Ctx>) -> ApiResult<Json<Vec<store::AdminUnit>>> {
    Ok(Json(store::admin_units(&state.db).await?))
}

/// Today's office hours from the province's calendar ("07:30–11:30, 13:00–17:00"): the same
/// hours that count deadlines, so what a citizen reads is what the desk keeps.
async fn opening_hours(state: &Ctx) -> Result<String, AppError> {
    let calendar = tinhso_kernel::calendar::load(&state.db).await?;
    let today = tinhso_kernel::time::local_now().date();
    let h = calendar.office_hours_on(today);
    let t = |time: chrono::NaiveTime| time.format("%H:%M").to_string();
    Ok(format!(
        "{}–{}, {}–{}",
        t(h.morning_start),
        t(h.morning_end),
        t(h.afternoon_start),
        t(h.afternoon_end)
    ))
}
