//! The statements of the sample load (`crate::sample`, `tinhso load-sample-opendata`): many
//! datasets and resources in one statement each, the publishers to spread them over, and the
//! catalogue's generation raised once at the end.

pub use tinhso_kernel::db::Value;
use tinhso_kernel::db::{Backend, Conn, Db, insert_rows};
use tinhso_kernel::error::AppError;

/// The tables the sample load writes in bulk, with their columns in the order of its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Datasets,
    Resources,
}

impl Table {
    fn statement(self) -> (&'static str, &'static [&'static str]) {
        match self {
            Table::Datasets => (
                "opendata_datasets",
                &[
                    "id",
                    "name",
                    "agency_id",
                    "state",
                    "revision_state",
                    "metadata",
                    "published_metadata",
                    "issued_at",
                    "modified_at",
                    "review_due_on",
                    "created_by",
                    "created_at",
                    "updated_at",
                ],
            ),
            Table::Resources => (
                "opendata_resources",
                &[
                    "id",
                    "dataset_id",
                    "position",
                    "name",
                    "format",
                    "kind",
                    "url",
                    "current_version",
                    "published_version",
                    "published",
                    "created_at",
                ],
            ),
        }
    }
}

/// Inserts `rows` (each with the table's columns, in order) into `table`, many rows a
/// statement.
pub async fn insert(
    tx: &mut Conn,
    backend: Backend,
    table: Table,
    rows: &[Vec<Value>],
) -> Result<(), AppError> {
    let (name, columns) = table.statement();
    insert_rows(tx, backend, name, columns, rows).await
}

/// Every agency of the directory (id, code, name), by code: the publishers.
pub async fn agencies(db: &Db) -> Result<Vec<(String, String, String)>, AppError> {
    Ok(
        sqlx::query_as("SELECT id, code, name FROM agencies ORDER BY code")
            .fetch_all(&db.pool)
            .await?,
    )
}

/// How many datasets are named with `prefix` (an earlier sample load).
pub async fn named_like(db: &Db, prefix: &str) -> Result<i64, AppError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM opendata_datasets WHERE name LIKE $1")
            .bind(format!("{prefix}%"))
            .fetch_one(&db.pool)
            .await?,
    )
}
