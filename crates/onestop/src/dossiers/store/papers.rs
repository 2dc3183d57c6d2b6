//! The citizen's paper store (`dossiers::papers`): their uploads and results, read, and the
//! papers they removed from it.

use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

/// A row of the store, as stored; `dossiers::papers` turns it into a `StorePaper`.
#[derive(Debug, sqlx::FromRow)]
pub struct PaperRow {
    pub id: String,
    pub purpose: String,
    pub field_key: String,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
    pub created_at: String,
    pub dossier_id: String,
    pub dossier_code: Option<String>,
    pub procedure_name: String,
}

/// Rows of the store: the citizen's own uploads and the results of their dossiers, minus what
/// they removed. `$1` is the citizen's id.
const STORE_SQL: &str = "SELECT f.id, f.purpose, f.field_key, f.file_name, f.media_type,
        f.size_bytes, f.sha256, f.storage_key, f.created_at, d.id AS dossier_id,
        d.code AS dossier_code, d.procedure_name
    FROM dossier_files f JOIN dossiers d ON d.id = f.dossier_id
    WHERE d.applicant_id = $1
      AND ((f.purpose IN ('paper', 'supplement') AND f.uploaded_by = $1) OR f.purpose = 'result')
      AND NOT EXISTS (SELECT 1 FROM paper_store_removed r
                      WHERE r.user_id = $1 AND r.storage_key = f.storage_key)";

/// Every row of the citizen's store, oldest first (a reused paper has several rows).
pub async fn rows(db: &Db, user_id: &str) -> Result<Vec<PaperRow>, AppError> {
    let sql = format!("{STORE_SQL} ORDER BY f.created_at, f.id");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(user_id)
        .fetch_all(&db.pool)
        .await?)
}

/// The row `id` if it is in this citizen's store.
pub async fn row(db: &Db, user_id: &str, id: &str) -> Result<Option<PaperRow>, AppError> {
    let sql = format!("{STORE_SQL} AND f.id = $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(user_id)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?)
}

/// Takes the object `storage_key` out of the citizen's store (once; again is a no-op).
pub async fn remove(
    tx: &mut Conn,
    user_id: &str,
    storage_key: &str,
    at: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO paper_store_removed (user_id, storage_key, removed_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, storage_key) DO NOTHING",
    )
    .bind(user_id)
    .bind(storage_key)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
