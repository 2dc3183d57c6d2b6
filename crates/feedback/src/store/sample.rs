//! The statements of the sample load (`crate::sample`, `tinhso load-sample-ops`): the routing
//! rules and communes reports are drawn from, and many reports in one statement.

use std::fmt::Write as _;
use tinhso_kernel::db::{Backend, Conn, Db};
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

/// A value of a row to insert.
#[derive(Debug, Clone)]
pub enum SampleCell {
    Text(String),
    MaybeText(Option<String>),
    Int(i64),
    MaybeInt(Option<i64>),
    MaybeReal(Option<f64>),
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
];

/// The most values one statement binds (SQLite allows 32,766; PostgreSQL 65,535).
const MAX_VALUES: usize = 30_000;

/// Inserts report rows (each with [`SAMPLE_COLUMNS`], in order), many a statement; anonymous
/// `?` on SQLite (a statement of thousands of `$n` costs seconds there).
pub async fn insert_sample(
    tx: &mut Conn,
    backend: Backend,
    rows: &[&Vec<SampleCell>],
) -> Result<(), AppError> {
    let per_statement = MAX_VALUES / SAMPLE_COLUMNS.len();
    for chunk in rows.chunks(per_statement) {
        let mut sql = format!(
            "INSERT INTO feedback_reports ({}) VALUES ",
            SAMPLE_COLUMNS.join(", ")
        );
        let mut n = 0;
        for (i, row) in chunk.iter().enumerate() {
            if row.len() != SAMPLE_COLUMNS.len() {
                return Err(AppError::Internal(anyhow::anyhow!(
                    "a report row has {} values for {} columns",
                    row.len(),
                    SAMPLE_COLUMNS.len()
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
                SampleCell::Text(v) => q.bind(v.clone()),
                SampleCell::MaybeText(v) => q.bind(v.clone()),
                SampleCell::Int(v) => q.bind(*v),
                SampleCell::MaybeInt(v) => q.bind(*v),
                SampleCell::MaybeReal(v) => q.bind(tinhso_kernel::db::Double(*v)),
            };
        }
        q.execute(&mut *tx).await?;
    }
    Ok(())
}
