//! The index versions' rows.

use tinhso_domain::ops::index::Definition;
use tinhso_kernel::db::Conn;
use tinhso_kernel::error::AppError;

/// (code, status, valid_from, valid_to, definition JSON, activated_by, activated_at)
pub type Row = (
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
);

/// Every version, oldest validity first.
pub async fn rows(tx: &mut Conn) -> Result<Vec<Row>, AppError> {
    Ok(sqlx::query_as(
        "SELECT code, status, valid_from, valid_to, definition, activated_by, activated_at
           FROM ops_index_versions ORDER BY valid_from, code",
    )
    .fetch_all(&mut *tx)
    .await?)
}

/// Stores a checked version as a draft.
pub async fn insert(
    tx: &mut Conn,
    def: &Definition,
    definition_json: &str,
    source_toml: &str,
    by: &str,
    now: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO ops_index_versions (code, title, legal_basis, valid_from, valid_to,
             provisional, definition, source_toml, status, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', $9, $10)",
    )
    .bind(&def.code)
    .bind(&def.title)
    .bind(&def.legal_basis)
    .bind(def.valid_from.to_string())
    .bind(def.valid_to.map(|d| d.to_string()))
    .bind(i64::from(def.provisional))
    .bind(definition_json)
    .bind(source_toml)
    .bind(by)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A draft becomes active.
pub async fn set_active(tx: &mut Conn, code: &str, by: &str, now: &str) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE ops_index_versions SET status = 'active', activated_by = $1, activated_at = $2
          WHERE code = $3 AND status = 'draft'",
    )
    .bind(by)
    .bind(now)
    .bind(code)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// An active version is retired; the number of rows changed (0 or 1).
pub async fn set_retired(tx: &mut Conn, code: &str) -> Result<u64, AppError> {
    Ok(sqlx::query(
        "UPDATE ops_index_versions SET status = 'retired' WHERE code = $1 AND status = 'active'",
    )
    .bind(code)
    .execute(&mut *tx)
    .await?
    .rows_affected())
}

pub async fn count(tx: &mut Conn) -> Result<i64, AppError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM ops_index_versions")
            .fetch_one(&mut *tx)
            .await?,
    )
}
