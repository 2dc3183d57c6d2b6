//! The statements of the registers: the documents an agency numbered or received in a period.

use crate::Document;
use crate::store::{SELECT, document};
use tinhso_kernel::db::Db;
use tinhso_kernel::error::AppError;

/// The outgoing documents `agency_id` issued from `from` to `to` (YYYY-MM-DD), in the order
/// of their register numbers; at most `limit`.
pub async fn issued(
    db: &Db,
    agency_id: &str,
    from: &str,
    to: &str,
    limit: i64,
) -> Result<Vec<Document>, AppError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE d.agency_id = $1 AND d.direction = 'out' AND d.reg_number IS NOT NULL
         AND d.issued_date >= $2 AND d.issued_date <= $3
         ORDER BY d.reg_year, d.reg_sequence, d.reg_number LIMIT $4"
    )))
    .bind(agency_id)
    .bind(from)
    .bind(to)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(document).collect()
}

/// The incoming documents `agency_id` registered from `from` to `to`, by arrival number.
pub async fn received(
    db: &Db,
    agency_id: &str,
    from: &str,
    to: &str,
    limit: i64,
) -> Result<Vec<Document>, AppError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE d.agency_id = $1 AND d.direction = 'in'
         AND d.arrival_date >= $2 AND d.arrival_date <= $3
         ORDER BY d.reg_year, d.reg_number LIMIT $4"
    )))
    .bind(agency_id)
    .bind(from)
    .bind(to)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(document).collect()
}
