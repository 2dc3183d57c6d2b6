//! The statements on `document_texts`: the text of each version of a document, or why it is
//! not there yet.

use serde::Serialize;
use sqlx::Row;
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

/// A version's text as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TextRow {
    pub document_id: String,
    pub version_no: i64,
    /// `pdf`, `docx` or `ocr`.
    pub method: String,
    /// `pending`, `retrying`, `done` or `failed`.
    pub status: String,
    pub text: String,
    pub truncated: bool,
    pub failure_reason: Option<String>,
    pub attempts: i64,
    pub extracted_at: Option<String>,
    pub updated_at: String,
}

/// What to write for a version.
pub struct Write<'a> {
    pub document_id: &'a str,
    pub version_no: i64,
    pub method: &'a str,
    pub status: &'a str,
    pub text: &'a str,
    pub truncated: bool,
    pub failure_reason: Option<&'a str>,
    /// Attempts to add (an OCR run that failed or succeeded counts one).
    pub attempted: i64,
    pub now: &'a str,
}

/// Writes the row of a version, replacing what was there (a job may run twice).
pub async fn upsert(tx: &mut Conn, w: &Write<'_>) -> Result<(), AppError> {
    let extracted_at = (w.status == "done").then_some(w.now);
    sqlx::query(
        "INSERT INTO document_texts (document_id, version_no, method, status, text, truncated,
            failure_reason, attempts, extracted_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (document_id, version_no) DO UPDATE SET
            method = excluded.method, status = excluded.status, text = excluded.text,
            truncated = excluded.truncated, failure_reason = excluded.failure_reason,
            attempts = document_texts.attempts + excluded.attempts,
            extracted_at = excluded.extracted_at, updated_at = excluded.updated_at",
    )
    .bind(w.document_id)
    .bind(w.version_no)
    .bind(w.method)
    .bind(w.status)
    .bind(w.text)
    .bind(i64::from(w.truncated))
    .bind(w.failure_reason)
    .bind(w.attempted)
    .bind(extracted_at)
    .bind(w.now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Gives the text of one version, when it is read (or known unreadable), to a copy of it (a
/// platform delivery points to the same stored file, so its text is the same). Returns the
/// status of the original's row, if it has one.
pub async fn copy(
    tx: &mut Conn,
    from: (&str, i64),
    to: (&str, i64),
    now: &str,
) -> Result<Option<String>, AppError> {
    let status: Option<String> = sqlx::query_scalar(
        "SELECT status FROM document_texts WHERE document_id = $1 AND version_no = $2",
    )
    .bind(from.0)
    .bind(from.1)
    .fetch_optional(&mut *tx)
    .await?;
    if matches!(status.as_deref(), Some("done" | "failed")) {
        sqlx::query(
            "INSERT INTO document_texts (document_id, version_no, method, status, text, truncated,
                failure_reason, attempts, extracted_at, updated_at)
             SELECT $1, $2, method, status, text, truncated, failure_reason, 0, extracted_at, $3
             FROM document_texts WHERE document_id = $4 AND version_no = $5",
        )
        .bind(to.0)
        .bind(to.1)
        .bind(now)
        .bind(from.0)
        .bind(from.1)
        .execute(&mut *tx)
        .await?;
    }
    Ok(status)
}

const SELECT: &str = "SELECT document_id, version_no, method, status, text, truncated,
    failure_reason, attempts, extracted_at, updated_at FROM document_texts";

fn row(r: &sqlx::any::AnyRow) -> Result<TextRow, AppError> {
    Ok(TextRow {
        document_id: r.try_get("document_id")?,
        version_no: r.try_get("version_no")?,
        method: r.try_get("method")?,
        status: r.try_get("status")?,
        text: r.try_get("text")?,
        truncated: r.try_get::<i64, _>("truncated")? != 0,
        failure_reason: r.try_get("failure_reason")?,
        attempts: r.try_get("attempts")?,
        extracted_at: r.try_get("extracted_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// The text of the document's latest version that has a row.
pub async fn latest(db: &Db, document_id: &str) -> Result<Option<TextRow>, AppError> {
    let found = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE document_id = $1 ORDER BY version_no DESC LIMIT 1"
    )))
    .bind(document_id)
    .fetch_optional(&db.pool)
    .await?;
    found.as_ref().map(row).transpose()
}

/// The text of the document's latest version whose extraction is done, in the transaction (what
/// the search index holds of it).
pub async fn latest_done_in(tx: &mut Conn, document_id: &str) -> Result<Option<String>, AppError> {
    let found = sqlx::query(
        "SELECT text FROM document_texts WHERE document_id = $1 AND status = 'done'
         ORDER BY version_no DESC LIMIT 1",
    )
    .bind(document_id)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(found.map(|r| r.try_get("text")).transpose()?)
}

/// The text of one version.
pub async fn of_version(
    db: &Db,
    document_id: &str,
    version_no: i64,
) -> Result<Option<TextRow>, AppError> {
    let found = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE document_id = $1 AND version_no = $2"
    )))
    .bind(document_id)
    .bind(version_no)
    .fetch_optional(&db.pool)
    .await?;
    found.as_ref().map(row).transpose()
}

/// The stored file of a version: its storage key and media type.
pub async fn version_file(
    db: &Db,
    document_id: &str,
    version_no: i64,
) -> Result<Option<(String, String)>, AppError> {
    let found = sqlx::query(
        "SELECT storage_key, media_type FROM document_versions
         WHERE document_id = $1 AND version = $2",
    )
    .bind(document_id)
    .bind(version_no)
    .fetch_optional(&db.pool)
    .await?;
    found
        .map(|r| Ok((r.try_get("storage_key")?, r.try_get("media_type")?)))
        .transpose()
}
