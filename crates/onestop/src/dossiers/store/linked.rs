//! Linked services (`dossiers::linked`): several procedures applied for with one form.

use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

/// A linked service as stored; `procedures` is a JSON array of procedure codes.
#[derive(Debug, sqlx::FromRow)]
pub struct LinkedRow {
    pub code: String,
    pub name: String,
    pub description: String,
    pub procedures: String,
}

/// Writes the linked service `code`, new or over the stored one.
pub async fn upsert(tx: &mut Conn, row: &LinkedRow, updated_at: &str) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO linked_services (code, name, description, procedures, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, description = excluded.description,
            procedures = excluded.procedures, updated_at = excluded.updated_at",
    )
    .bind(&row.code)
    .bind(&row.name)
    .bind(&row.description)
    .bind(&row.procedures)
    .bind(updated_at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Every linked service, by code.
pub async fn all(db: &Db) -> Result<Vec<LinkedRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT code, name, description, procedures FROM linked_services ORDER BY code",
    )
    .fetch_all(&db.pool)
    .await?)
}

pub async fn by_code(db: &Db, code: &str) -> Result<Option<LinkedRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT code, name, description, procedures FROM linked_services WHERE code = $1",
    )
    .bind(code)
    .fetch_optional(&db.pool)
    .await?)
}

/// The group of the linked application a citizen sent with this idempotency key (its first
/// dossier carries the key `<key>#0`).
pub async fn group_of_key(db: &Db, user_id: &str, key: &str) -> Result<Option<String>, AppError> {
    let group: Option<Option<String>> = sqlx::query_scalar(
        "SELECT group_id FROM dossiers WHERE applicant_id = $1 AND idempotency_key = $2",
    )
    .bind(user_id)
    .bind(format!("{key}#0"))
    .fetch_optional(&db.pool)
    .await?;
    Ok(group.flatten())
}
