//! The signatures of received files as checked on arrival (`document_arrival_checks`; the
//! rules and the JSON are `exchange::arrival`'s).

use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

/// Keeps one stored version's check: its indication and the JSON result.
pub async fn insert(
    tx: &mut Conn,
    document_id: &str,
    version_id: &str,
    indication: &str,
    result: &str,
    checked_at: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO document_arrival_checks (version_id, document_id, indication, result, checked_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(version_id)
    .bind(document_id)
    .bind(indication)
    .bind(result)
    .bind(checked_at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The JSON results of document `document_id`'s checks, in version order.
pub async fn results(db: &Db, document_id: &str) -> Result<Vec<String>, AppError> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT c.result FROM document_arrival_checks c
         JOIN document_versions v ON v.id = c.version_id
         WHERE c.document_id = $1 ORDER BY v.version",
    )
    .bind(document_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(|(r,)| r).collect())
}
