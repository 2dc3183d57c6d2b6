//! The statements of the sample load (`crate::sample`, `tinhso load-sample-ops`): what the
//! demo catalog offers where, and many dossiers in one statement.

use std::fmt::Write as _;
use tinhso_kernel::db::{Backend, Conn, Db};
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

/// A value of a row to insert.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    MaybeText(Option<String>),
    Int(i64),
    MaybeInt(Option<i64>),
}

/// The columns of a sample dossier's row, in the order of [`Cell`]s a row holds.
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

/// The most values one statement binds (SQLite allows 32,766; PostgreSQL 65,535).
const MAX_VALUES: usize = 30_000;

/// Inserts dossier rows (each with [`COLUMNS`], in order), many a statement. On SQLite the
/// values are anonymous `?`: a statement of thousands of `$n` costs seconds there
/// (`tinhso_tasks::store::sample::insert`).
pub async fn insert(tx: &mut Conn, backend: Backend, rows: &[&Vec<Cell>]) -> Result<(), AppError> {
    let per_statement = MAX_VALUES / COLUMNS.len();
    for chunk in rows.chunks(per_statement) {
        let mut sql = format!("INSERT INTO dossiers ({}) VALUES ", COLUMNS.join(", "));
        let mut n = 0;
        for (i, row) in chunk.iter().enumerate() {
            if row.len() != COLUMNS.len() {
                return Err(AppError::Internal(anyhow::anyhow!(
                    "a dossier row has {} values for {} columns",
                    row.len(),
                    COLUMNS.len()
                )));
            }
            sql.push_str(if i == 0 { "(" } else { ", (" });
            for j in 0..row.len() {
                n += 1;
                let separator = if j == 0 { "" } else { ", " };
                let _ = match backend {
                    Backend::Sqlite => write!(sql, "{separator}?"),
                    Backend::Postgres => write!(sql, "{separator}${n}"),
                };
            }
            sql.push(')');
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for cell in chunk.iter().copied().flatten() {
            q = match cell {
                Cell::Text(v) => q.bind(v.clone()),
                Cell::MaybeText(v) => q.bind(v.clone()),
                Cell::Int(v) => q.bind(*v),
                Cell::MaybeInt(v) => q.bind(*v),
            };
        }
        q.execute(&mut *tx).await?;
    }
    Ok(())
}
