//! The statements of the sample load (`crate::sample`, `tinhso load-sample-ops`): what the
//! demo catalog offers where, and many dossiers in one statement.

pub use tinhso_kernel::db::Value;
use tinhso_kernel::db::{Backend, Conn, Db, insert_rows};
use tinhso_kernel::error::AppError;

/// A procedure an agency receives, with its field and processing time.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Offer {
    pub procedure_code: String,
    pub procedure_name: String,
    pub field_code: String,
    pub processing_half_days: i64,
    pub agency_id: String,
    pub agency_code: String,
}

/// Every active procedure at every agency that receives it, in a stable order.
pub async fn offers(db: &Db) -> Result<Vec<Offer>, AppError> {
    Ok(sqlx::query_as(
        "SELECT p.code AS procedure_code, p.name AS procedure_name, p.field_code,
                p.processing_half_days, a.id AS agency_id, a.code AS agency_code
           FROM procedures p
           JOIN procedure_agencies pa ON pa.procedure_id = p.id
           JOIN agencies a ON a.id = pa.agency_id
          WHERE p.active = 1
          ORDER BY a.code, p.code",
    )
    .fetch_all(&db.pool)
    .await?)
}

/// The columns of a sample dossier's row, in the order of the values a row holds.
pub const COLUMNS: &[&str] = &[
    "id",
    "code",
    "procedure_code",
    "procedure_name",
    "agency_id",
    "applicant_name",
    "channel",
    "state",
    "step",
    "steps",
    "processing_half_days",
    "answers",
    "clock_start",
    "due_local",
    "submitted_at",
    "accepted_at",
    "finished_at",
    "finished_local",
    "outcome",
    "rating",
    "rated_at",
    "created_at",
    "updated_at",
];

/// Inserts dossier rows (each with [`COLUMNS`], in order), many a statement.
pub async fn insert(tx: &mut Conn, backend: Backend, rows: &[&Vec<Value>]) -> Result<(), AppError> {
    insert_rows(tx, backend, "dossiers", COLUMNS, rows).await
}
