//! The platform's own open datasets, read live: each module declares what it publishes about
//! itself (`Module::datasets`: the agency directory, the procedure catalog…), and the portal adds
//! the service statistics every module's KPIs give, with the public statistics page's disclosure
//! rule. Served here as JSON and CSV, for anyone and without sign-in (Decree 47/2020); the
//! open-data portal lists the same datasets in its catalogue.

use crate::app::AppState;
use crate::error::{ApiResult, AppError};
use crate::module::{Access, Column, ColumnKind, Dataset, Routes, Value};
use crate::statistics::{By, years};
use crate::web::i18n::{Lang, text};
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::Datelike;
use serde::Serialize;
use tinhso_kernel::extract::Json;
use utoipa::ToSchema;
use utoipa_axum::routes;

pub fn routes() -> Routes {
    Routes::new("portal")
        .api(Access::Public, routes!(api_list))
        .api(Access::Public, routes!(api_show))
        .api(Access::Public, routes!(api_csv))
}

/// Every module's published figures by agency and year, as on the public statistics page:
/// counts always, a rate only where enough cases stand behind it (`null` when withheld).
pub const SERVICE_STATISTICS: Dataset = Dataset {
    name: "service-statistics",
    title: "dataset_service_statistics",
    description: "dataset_service_statistics_text",
    columns: &[
        Column::integer("year"),
        Column::text("kind"),
        Column::text("agency_code"),
        Column::text("agency_name"),
        Column::integer("received"),
        Column::integer("processed"),
        Column::integer("on_time"),
        Column::number("on_time_rate"),
        Column::integer("rated"),
        Column::number("satisfaction_rate"),
    ],
    rows: statistics_rows,
    refresh_on: &[
        // Its rows carry the agencies' names.
        "agency.updated",
        "dossier.submitted",
        "dossier.approved",
        "dossier.refused",
        "dossier.returned",
        "dossier.withdrawn",
        "dossier.rated",
        "feedback.submitted",
        "feedback.answered",
        "feedback.rejected",
        "feedback.rated",
    ],
};

fn statistics_rows(ctx: &AppState) -> crate::module::BoxFut<'_, Result<Vec<Vec<Value>>, AppError>> {
    // One read: this month's figures, which every year's groups need, counted once
    // (docs/opendata-design.md §10).
    Box::pin(tinhso_kernel::periods::one_read(async move {
        let this_year = crate::time::local_now().date().year();
        let mut rows = Vec::new();
        for year in years(this_year).into_iter().rev() {
            for published in crate::statistics::tables(ctx, By::Agency, year).await? {
                for r in published.table.rows {
                    rows.push(vec![
                        i64::from(year).into(),
                        published.kind.into(),
                        r.key.into(),
                        r.name.into(),
                        r.received.into(),
                        r.processed.into(),
                        r.on_time.into(),
                        r.on_time_rate.into(),
                        r.rated.into(),
                        r.satisfaction_rate.into(),
                    ]);
                }
            }
        }
        Ok(rows)
    }))
}

/// A text in Vietnamese and in English.
#[derive(Debug, Serialize, ToSchema)]
pub struct Texts {
    pub vi: String,
    pub en: String,
}

impl Texts {
    fn of(key: &str) -> Texts {
        Texts {
            vi: text(Lang::Vi, key),
            en: text(Lang::En, key),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ColumnInfo {
    pub name: &'static str,
    /// `text`, `int` or `numeric`, as CKAN's datastore names them.
    #[schema(value_type = String)]
    pub r#type: ColumnKind,
}

/// What a dataset is, without its rows.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetInfo {
    pub name: &'static str,
    /// The module that publishes it.
    pub module: &'static str,
    pub title: Texts,
    pub description: Texts,
    pub columns: Vec<ColumnInfo>,
    /// Where its rows are, as JSON and as CSV.
    pub json_url: String,
    pub csv_url: String,
}

/// A dataset with its rows, each an object keyed by column name.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetRows {
    #[serde(flatten)]
    pub info: DatasetInfo,
    pub total: usize,
    #[schema(value_type = Vec<Object>)]
    pub records: Vec<serde_json::Map<String, serde_json::Value>>,
}

fn info(module: &'static str, d: &Dataset) -> DatasetInfo {
    DatasetInfo {
        name: d.name,
        module,
        title: Texts::of(d.title),
        description: Texts::of(d.description),
        columns: d
            .columns
            .iter()
            .map(|c| ColumnInfo {
                name: c.name,
                r#type: c.kind,
            })
            .collect(),
        json_url: format!("/api/v1/datasets/{}", d.name),
        csv_url: format!("/api/v1/datasets/{}/csv", d.name),
    }
}

fn find(name: &str) -> Result<(&'static str, &'static Dataset), AppError> {
    crate::app::datasets()
        .into_iter()
        .find(|(_, d)| d.name == name)
        .ok_or(AppError::NotFound)
}

/// The platform's own open datasets.
#[utoipa::path(get, path = "/api/v1/datasets", tag = "open-data",
    responses((status = 200, description = "Every dataset the modules publish about themselves", body = Vec<DatasetInfo>)))]
pub async fn api_list() -> ApiResult<Json<Vec<DatasetInfo>>> {
    Ok(Json(
        crate::app::datasets()
            .into_iter()
            .map(|(module, d)| info(module, d))
            .collect(),
    ))
}

/// One dataset with its rows, read now.
#[utoipa::path(get, path = "/api/v1/datasets/{name}", tag = "open-data",
    params(("name" = String, Path, description = "The dataset's name, e.g. procedures")),
    responses((status = 200, body = DatasetRows), (status = 404, description = "No such dataset", content_type = "application/problem+json")))]
pub async fn api_show(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<Json<DatasetRows>> {
    let (module, dataset) = find(&name)?;
    let rows = (dataset.rows)(&state).await?;
    let records: Vec<_> = rows
        .into_iter()
        .map(|row| {
            dataset
                .columns
                .iter()
                .zip(row)
                .map(|(c, v)| (c.name.to_owned(), json(v)))
                .collect()
        })
        .collect();
    Ok(Json(DatasetRows {
        info: info(module, dataset),
        total: records.len(),
        records,
    }))
}

fn json(v: Value) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// One dataset as a CSV file (UTF-8 with a byte-order mark; no cell can start a formula).
#[utoipa::path(get, path = "/api/v1/datasets/{name}/csv", tag = "open-data",
    params(("name" = String, Path, description = "The dataset's name, e.g. procedures")),
    responses((status = 200, description = "The rows as CSV, a header line first", content_type = "text/csv"),
              (status = 404, description = "No such dataset", content_type = "application/problem+json")))]
pub async fn api_csv(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<Response> {
    let (_, dataset) = find(&name)?;
    let rows: Vec<Vec<_>> = (dataset.rows)(&state)
        .await?
        .iter()
        .map(|row| row.iter().map(Value::cell).collect())
        .collect();
    let headers: Vec<&str> = dataset.columns.iter().map(|c| c.name).collect();
    Ok(crate::tables::csv(dataset.name, &headers, &rows)?)
}
