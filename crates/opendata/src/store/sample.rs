//! The statements of the sample load (`crate::sample`, `tinhso load-sample-opendata`): many
//! datasets and resources in one statement each, the publishers to spread them over, and the
//! catalogue's generation raised once at the end.

use std::fmt::Write as _;
use tinhso_kernel::db::{Backend, Conn, Db};
use tinhso_kernel::error::AppError;

/// A value of a row to insert.
#[derive(Debug, Clone)]
pub enum Value {
    Text(String),
    MaybeText(Option<String>),
    Int(i64),
    MaybeInt(Option<i64>),
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}

impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        Value::MaybeText(v)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        Value::MaybeInt(v)
    }
}

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

/// The most values one statement binds (SQLite allows 32,766; PostgreSQL 65,535).
const MAX_VALUES: usize = 30_000;

/// Inserts `rows` (each with the table's columns, in order) into `table`, many rows a
/// statement; anonymous `?` on SQLite, which takes `$n` for a name and looks each up one by
/// one (crates/tasks/src/store/sample.rs).
pub async fn insert(
    tx: &mut Conn,
    backend: Backend,
    table: Table,
    rows: &[Vec<Value>],
) -> Result<(), AppError> {
    let (name, columns) = table.statement();
    let per_statement = (MAX_VALUES / columns.len()).max(1);
    for chunk in rows.chunks(per_statement) {
        let mut sql = format!("INSERT INTO {name} ({}) VALUES ", columns.join(", "));
        let mut n = 0;
        for (i, row) in chunk.iter().enumerate() {
            if row.len() != columns.len() {
                return Err(AppError::Internal(anyhow::anyhow!(
                    "a row of {name} has {} values for {} columns",
                    row.len(),
                    columns.len()
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
        for value in chunk.iter().flatten() {
            q = match value {
                Value::Text(v) => q.bind(v.clone()),
                Value::MaybeText(v) => q.bind(v.clone()),
                Value::Int(v) => q.bind(*v),
                Value::MaybeInt(v) => q.bind(*v),
            };
        }
        q.execute(&mut *tx).await?;
    }
    Ok(())
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
