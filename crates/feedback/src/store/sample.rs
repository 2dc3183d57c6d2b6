//! The statements of the sample load (`crate::sample`, `tinhso load-sample-ops`): the routing
//! rules and communes reports are drawn from, and many reports in one statement.

use tinhso_kernel::db::{Backend, Conn, Db, Value, insert_rows};
use tinhso_kernel::error::AppError;

/// A category handled by an agency, in one administrative unit or (none) anywhere.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SampleRoute {
    pub category_code: String,
    pub category_name: String,
    pub admin_unit_code: Option<String>,
    pub agency_id: String,
    pub deadline_days: i64,
}

/// The routing rules of the active categories, in a stable order.
pub async fn sample_routes(db: &Db) -> Result<Vec<SampleRoute>, AppError> {
    Ok(sqlx::query_as(
        "SELECT r.category_code, c.name AS category_name, r.admin_unit_code, r.agency_id,
                c.deadline_days
           FROM feedback_routes r JOIN feedback_categories c ON c.code = r.category_code
          WHERE c.active = 1
          ORDER BY r.category_code, r.admin_unit_code, r.agency_id",
    )
    .fetch_all(&db.pool)
    .await?)
}

/// The codes of the administrative units below the province, in order.
pub async fn sample_units(db: &Db) -> Result<Vec<String>, AppError> {
    Ok(
        sqlx::query_scalar(
            "SELECT code FROM admin_units WHERE parent_id IS NOT NULL ORDER BY code",
        )
        .fetch_all(&db.pool)
        .await?,
    )
}

/// The columns of a sample report's row, in the order of the cells a row holds.
pub const SAMPLE_COLUMNS: &[&str] = &[
    "id",
    "code",
    "category_code",
    "title",
    "description",
    "admin_unit_code",
    "lat",
    "lon",
    "reporter_name",
    "source",
    "agency_id",
    "status",
    "received_local",
    "due_local",
    "answer",
    "answered_at",
    "answered_local",
    "rating",
    "created_at",
    "updated_at",
    "search_folded",
];

/// Inserts report rows (each with [`SAMPLE_COLUMNS`], in order), many a statement.
pub async fn insert_sample(
    tx: &mut Conn,
    backend: Backend,
    rows: &[&Vec<Value>],
) -> Result<(), AppError> {
    insert_rows(tx, backend, "feedback_reports", SAMPLE_COLUMNS, rows).await
}
