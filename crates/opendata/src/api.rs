//! The open data API under `/api/v1/opendata`, for anyone and without sign-in: the published
//! datasets and one published dataset with its resources (their download addresses, sizes,
//! SHA-256 and the check's figures). A dataset that is not public is a 404 (problem+json) for
//! everyone, its agency included: drafts are the pages' business. The CKAN Action API and
//! DCAT come in later slices (docs/opendata-design.md §14).

use crate::{OpenDataset, service, store};
use axum::extract::State;
use serde::{Deserialize, Serialize};
use tinhso_kernel::Ctx;
use tinhso_kernel::error::{ApiResult, AppError};
use tinhso_kernel::extract::{Json, Path, Query};
use tinhso_kernel::module::{Access, Routes};
use utoipa_axum::routes;

pub fn routes() -> Routes {
    Routes::new("opendata")
        .api(Access::Public, routes!(list))
        .api(Access::Public, routes!(show))
}

/// A published dataset's description.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DatasetView {
    pub id: String,
    /// The slug of its address, `/opendata/datasets/<name>`.
    pub name: String,
    pub title: String,
    pub notes: String,
    /// The publisher's agency code and name.
    pub publisher: String,
    pub publisher_name: String,
    /// One of the province's 15 fields, e.g. `giao-duc`.
    pub field: String,
    pub tags: Vec<String>,
    /// CKAN's licence id, e.g. `cc-by` (CC BY 4.0).
    pub licence: String,
    /// EU frequency code, e.g. `MONTHLY`.
    pub frequency: String,
    pub temporal_start: Option<String>,
    pub temporal_end: Option<String>,
    pub spatial: String,
    pub contact_name: String,
    pub contact_email: String,
    /// First published, last changed (UTC), next review due (`YYYY-MM-DD`).
    pub issued_at: Option<String>,
    pub modified_at: Option<String>,
    pub review_due_on: Option<String>,
    pub resources: Vec<ResourceView>,
}

/// A published resource.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResourceView {
    pub id: String,
    pub name: String,
    /// `CSV`, `XLSX`, `JSON`, `GEOJSON` or `PDF`.
    pub format: String,
    /// `upload` or `link`.
    pub kind: String,
    /// Where to get it: the counted download, or the link as given.
    pub url: String,
    pub version: Option<i64>,
    pub size_bytes: Option<i64>,
    pub sha256: Option<String>,
    pub media_type: Option<String>,
    /// Data rows (tables) or features (GeoJSON).
    pub rows: Option<i64>,
    pub downloads: i64,
}

async fn view(ctx: &Ctx, d: OpenDataset) -> Result<DatasetView, AppError> {
    let mut conn = ctx.db.pool.acquire().await?;
    let all = store::resources(&mut conn, &d.id).await?;
    drop(conn);
    let mut resources = Vec::new();
    for r in all.into_iter().filter(|r| r.published) {
        let version = match r.published_version {
            Some(n) if r.kind == "upload" => store::version_of(&ctx.db, &r.id, n).await?,
            _ => None,
        };
        let url = match &r.url {
            Some(u) if r.kind == "link" => u.clone(),
            _ => format!("/opendata/datasets/{}/resources/{}/download", d.name, r.id),
        };
        resources.push(ResourceView {
            url,
            format: r.format.as_str().to_owned(),
            version: version.as_ref().map(|v| v.n),
            size_bytes: version.as_ref().map(|v| v.size_bytes),
            sha256: version.as_ref().map(|v| v.sha256.clone()),
            media_type: version.as_ref().map(|v| v.media_type.clone()),
            rows: version.as_ref().and_then(|v| v.row_count),
            downloads: r.downloads,
            id: r.id,
            name: r.name,
            kind: r.kind,
        });
    }
    let m = d.published_metadata.unwrap_or(d.metadata);
    Ok(DatasetView {
        id: d.id,
        name: d.name,
        title: m.title,
        notes: m.notes,
        publisher: d.agency_code,
        publisher_name: d.agency_name,
        field: m.field,
        tags: m.tags,
        licence: m.licence.as_str().to_owned(),
        frequency: m.frequency.as_str().to_owned(),
        temporal_start: m.temporal_start,
        temporal_end: m.temporal_end,
        spatial: m.spatial,
        contact_name: m.contact_name,
        contact_email: m.contact_email,
        issued_at: d.issued_at,
        modified_at: d.modified_at,
        review_due_on: d.review_due_on,
        resources,
    })
}

/// The list's page.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DatasetListQuery {
    /// From 1 to 10,000; 50 datasets a page.
    #[param(minimum = 1, maximum = 10000)]
    pub page: Option<i64>,
}

const PER_PAGE: i64 = 50;

/// The published datasets, most recently changed first.
#[utoipa::path(get, path = "/api/v1/opendata/datasets", tag = "opendata",
    params(DatasetListQuery),
    responses((status = 200, body = [DatasetView]),
              (status = 400, description = "A page outside 1–10,000", content_type = "application/problem+json")))]
pub async fn list(
    State(ctx): State<Ctx>,
    Query(q): Query<DatasetListQuery>,
) -> ApiResult<Json<Vec<DatasetView>>> {
    let page = q.page.unwrap_or(1);
    if !(1..=10_000).contains(&page) {
        return Err(AppError::BadRequest("Số trang từ 1 đến 10000.".into()).into());
    }
    let mut out = Vec::new();
    for d in store::published(&ctx.db, PER_PAGE, (page - 1) * PER_PAGE).await? {
        out.push(view(&ctx, d).await?);
    }
    Ok(Json(out))
}

/// One published dataset with its resources; any other is a 404.
#[utoipa::path(get, path = "/api/v1/opendata/datasets/{name}", tag = "opendata",
    params(("name" = String, Path, description = "The dataset's slug, e.g. truong-hoc-2026")),
    responses((status = 200, body = DatasetView),
              (status = 404, description = "No published dataset by this name", content_type = "application/problem+json")))]
pub async fn show(
    State(ctx): State<Ctx>,
    Path(name): Path<String>,
) -> ApiResult<Json<DatasetView>> {
    let d = store::by_name(&ctx.db, &name)
        .await?
        .filter(service::is_public)
        .ok_or(AppError::NotFound)?;
    Ok(Json(view(&ctx, d).await?))
}
