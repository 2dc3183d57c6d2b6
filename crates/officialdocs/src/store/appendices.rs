//! Appendices in separate files (`document_appendices`; the rules are `crate::appendices`').

use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

/// An appendix of a document: the file as uploaded and, once the agency signed it at issue,
/// the signed file (which is the one served and delivered).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Appendix {
    pub id: String,
    pub document_id: String,
    /// 1, 2, …: the order the drafter gave (gaps after a removal).
    pub position: i64,
    pub title: Option<String>,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
    pub created_at: String,
    pub signed_file_name: Option<String>,
    pub signed_size_bytes: Option<i64>,
    pub signed_sha256: Option<String>,
    pub signed_storage_key: Option<String>,
    pub signed_at: Option<String>,
    pub certificate_serial: Option<String>,
    /// The arrival signature check (JSON), for a copy received through the exchange.
    pub arrival_result: Option<String>,
}

/// The file people get: the agency-signed one once it exists, else the upload.
pub struct Served<'a> {
    pub file_name: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a str,
    pub storage_key: &'a str,
}

impl Appendix {
    pub fn served(&self) -> Served<'_> {
        match (
            &self.signed_file_name,
            self.signed_size_bytes,
            &self.signed_sha256,
            &self.signed_storage_key,
        ) {
            (Some(file_name), Some(size_bytes), Some(sha256), Some(storage_key)) => Served {
                file_name,
                size_bytes,
                sha256,
                storage_key,
            },
            _ => Served {
                file_name: &self.file_name,
                size_bytes: self.size_bytes,
                sha256: &self.sha256,
                storage_key: &self.storage_key,
            },
        }
    }
}

/// The `SELECT` of appendices matching `$filter`, in order.
macro_rules! select {
    ($filter:literal) => {
        concat!(
            "SELECT id, document_id, position, title, file_name, media_type, size_bytes, sha256,
                storage_key, created_at, signed_file_name, signed_size_bytes, signed_sha256,
                signed_storage_key, signed_at, certificate_serial, arrival_result
             FROM document_appendices WHERE ",
            $filter,
            " ORDER BY position"
        )
    };
}

/// Document `document_id`'s appendices, in order.
pub async fn list(db: &Db, document_id: &str) -> Result<Vec<Appendix>, AppError> {
    Ok(sqlx::query_as(select!("document_id = $1"))
        .bind(document_id)
        .fetch_all(&db.pool)
        .await?)
}

/// [`list`], inside a transaction.
pub async fn list_in(tx: &mut Conn, document_id: &str) -> Result<Vec<Appendix>, AppError> {
    Ok(sqlx::query_as(select!("document_id = $1"))
        .bind(document_id)
        .fetch_all(&mut *tx)
        .await?)
}

/// Appendix `id` of document `document_id`.
pub async fn by_id(db: &Db, document_id: &str, id: &str) -> Result<Option<Appendix>, AppError> {
    Ok(sqlx::query_as(select!("document_id = $1 AND id = $2"))
        .bind(document_id)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?)
}

/// The next position among document `document_id`'s appendices.
pub async fn next_position(tx: &mut Conn, document_id: &str) -> Result<i64, AppError> {
    let (last,): (i64,) = sqlx::query_as(
        "SELECT COALESCE(MAX(position), 0) FROM document_appendices WHERE document_id = $1",
    )
    .bind(document_id)
    .fetch_one(&mut *tx)
    .await?;
    Ok(last + 1)
}

/// Records `a` (its file already in the object store), uploaded by `uploaded_by`.
pub async fn insert(
    tx: &mut Conn,
    a: &Appendix,
    uploaded_by: Option<&str>,
    arrival_indication: Option<&str>,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO document_appendices (id, document_id, position, title, file_name, media_type,
            size_bytes, sha256, storage_key, uploaded_by, created_at, signed_file_name,
            signed_size_bytes, signed_sha256, signed_storage_key, signed_at, certificate_serial,
            arrival_indication, arrival_result)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
    )
    .bind(&a.id)
    .bind(&a.document_id)
    .bind(a.position)
    .bind(&a.title)
    .bind(&a.file_name)
    .bind(&a.media_type)
    .bind(a.size_bytes)
    .bind(&a.sha256)
    .bind(&a.storage_key)
    .bind(uploaded_by)
    .bind(&a.created_at)
    .bind(&a.signed_file_name)
    .bind(a.signed_size_bytes)
    .bind(&a.signed_sha256)
    .bind(&a.signed_storage_key)
    .bind(&a.signed_at)
    .bind(&a.certificate_serial)
    .bind(arrival_indication)
    .bind(&a.arrival_result)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Removes appendix `id` of document `document_id`; whether it was there.
pub async fn delete(tx: &mut Conn, document_id: &str, id: &str) -> Result<bool, AppError> {
    let done = sqlx::query("DELETE FROM document_appendices WHERE document_id = $1 AND id = $2")
        .bind(document_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The agency's signed file of appendix `id`, kept beside the upload.
pub struct SignedFile<'a> {
    pub file_name: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a str,
    pub storage_key: &'a str,
    pub signed_at: &'a str,
    pub certificate_serial: &'a str,
}

/// Records the signed file of appendix `id`.
pub async fn set_signed(tx: &mut Conn, id: &str, f: &SignedFile<'_>) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE document_appendices SET signed_file_name = $2, signed_size_bytes = $3,
            signed_sha256 = $4, signed_storage_key = $5, signed_at = $6, certificate_serial = $7
         WHERE id = $1",
    )
    .bind(id)
    .bind(f.file_name)
    .bind(f.size_bytes)
    .bind(f.sha256)
    .bind(f.storage_key)
    .bind(f.signed_at)
    .bind(f.certificate_serial)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
