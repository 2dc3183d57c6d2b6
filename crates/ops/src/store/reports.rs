//! The periodic reports' reads (docs/operations-design.md §6): who issues a scope's report
//! and where, and the names of procedure fields. The figures themselves are the dashboard's
//! and the index's reads.

use std::collections::BTreeMap;
use tinhso_kernel::db::Db;
use tinhso_kernel::error::AppError;

/// An agency's name and its parent's (empty at the top).
pub async fn agency_names(db: &Db, agency_id: &str) -> Result<(String, String), AppError> {
    let row: Option<(String, Option<String>)> = sqlx::query_as(
        "SELECT a.name, p.name FROM agencies a LEFT JOIN agencies p ON p.id = a.parent_id
          WHERE a.id = $1",
    )
    .bind(agency_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row
        .map(|(a, p)| (a, p.unwrap_or_default()))
        .unwrap_or_default())
}

/// The province's top agency (its People's Committee), if any.
pub async fn top_agency(db: &Db) -> Result<Option<String>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM agencies WHERE parent_id IS NULL ORDER BY code LIMIT 1")
            .fetch_optional(&db.pool)
            .await?,
    )
}

/// The name of the province (the top administrative unit).
pub async fn province_name(db: &Db) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT name FROM admin_units WHERE parent_id IS NULL ORDER BY code LIMIT 1",
    )
    .fetch_optional(&db.pool)
    .await?)
}

/// Procedure fields' names by code.
pub async fn field_names(db: &Db) -> Result<BTreeMap<String, String>, AppError> {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT code, name FROM procedure_fields")
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.into_iter().collect())
}
