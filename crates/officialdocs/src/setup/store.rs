//! Storage of the module's reference data: the abbreviations of an issuer and its units, and
//! the registers' counters.

use serde::Serialize;
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

/// An agency (an issuer or one of its units) with the abbreviation it uses in notations.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnitRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub abbreviation: Option<String>,
}

/// The issuer `agency_id` and its direct units, the issuer first, then by code.
pub async fn issuer_and_units(db: &Db, agency_id: &str) -> Result<Vec<UnitRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT a.id, a.code, a.name, a.parent_id, u.abbreviation
           FROM agencies a LEFT JOIN doc_units u ON u.agency_id = a.id
          WHERE a.id = $1 OR a.parent_id = $1
          ORDER BY CASE WHEN a.id = $1 THEN 0 ELSE 1 END, a.code",
    )
    .bind(agency_id)
    .fetch_all(&db.pool)
    .await?)
}

/// Another unit of the same issuer already using `abbreviation` (the notation would not tell
/// them apart), if any.
pub async fn sibling_with(
    tx: &mut Conn,
    parent_id: &str,
    agency_id: &str,
    abbreviation: &str,
) -> Result<Option<String>, AppError> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT a.name FROM agencies a JOIN doc_units u ON u.agency_id = a.id
          WHERE a.parent_id = $1 AND a.id <> $2 AND u.abbreviation = $3",
    )
    .bind(parent_id)
    .bind(agency_id)
    .bind(abbreviation)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(row.map(|(name,)| name))
}

/// One register's counter for a year.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct RegisterRow {
    /// `out` (văn bản đi) or `in` (văn bản đến).
    pub direction: String,
    /// `general`, `legal:<type>` or `arrival`.
    pub sequence: String,
    pub year: i64,
    /// The number the next document gets.
    pub next_number: i64,
}

/// The registers of `agency_id` for `year`.
pub async fn registers(db: &Db, agency_id: &str, year: i64) -> Result<Vec<RegisterRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT direction, sequence, year, next_number FROM doc_registers
          WHERE agency_id = $1 AND year = $2 ORDER BY direction DESC, sequence",
    )
    .bind(agency_id)
    .bind(year)
    .fetch_all(&db.pool)
    .await?)
}
