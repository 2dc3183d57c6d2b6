//! The statements of the sample load (`crate::sample`, `tinhso load-sample-tasks`): many rows
//! of one table in one statement, and the officials who report for each unit.

use std::fmt::Write as _;
use tinhso_kernel::db::{Backend, Conn, Db};
use tinhso_kernel::error::AppError;

/// A value of a row to insert.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    MaybeText(Option<String>),
    Int(i64),
    MaybeInt(Option<i64>),
}

impl From<&str> for Cell {
    fn from(v: &str) -> Self {
        Cell::Text(v.to_owned())
    }
}

impl From<String> for Cell {
    fn from(v: String) -> Self {
        Cell::Text(v)
    }
}

impl From<Option<String>> for Cell {
    fn from(v: Option<String>) -> Self {
        Cell::MaybeText(v)
    }
}

impl From<i64> for Cell {
    fn from(v: i64) -> Self {
        Cell::Int(v)
    }
}

impl From<Option<i64>> for Cell {
    fn from(v: Option<i64>) -> Self {
        Cell::MaybeInt(v)
    }
}

/// The tables the sample load writes, with their columns in the order of its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Tasks,
    Units,
    Reports,
    Extensions,
    Reminders,
}

impl Table {
    fn statement(self) -> (&'static str, &'static [&'static str]) {
        match self {
            Table::Tasks => (
                "tasks",
                &[
                    "id",
                    "code",
                    "title",
                    "content",
                    "source_kind",
                    "authority_agency_id",
                    "authority_position",
                    "office_agency_id",
                    "priority",
                    "field",
                    "assigned_on",
                    "state",
                    "created_by",
                    "created_at",
                    "updated_at",
                ],
            ),
            Table::Units => (
                "task_units",
                &[
                    "id",
                    "task_id",
                    "agency_id",
                    "role",
                    "due_on",
                    "current_due_on",
                    "judged_due_on",
                    "state",
                    "progress",
                    "finished_on",
                    "accepted_by",
                    "updated_at",
                ],
            ),
            Table::Reports => (
                "task_reports",
                &[
                    "id",
                    "task_id",
                    "unit_id",
                    "kind",
                    "percent",
                    "due_on",
                    "body",
                    "by_user",
                    "created_at",
                ],
            ),
            Table::Extensions => (
                "task_extensions",
                &[
                    "id",
                    "task_id",
                    "unit_id",
                    "asked_on",
                    "old_due",
                    "new_due",
                    "reason",
                    "asked_by",
                    "asked_at",
                    "decision",
                    "granted_due",
                    "decision_note",
                    "decided_by",
                    "decided_on",
                    "decided_at",
                ],
            ),
            Table::Reminders => ("task_reminders", &["unit_id", "kind", "day", "sent_at"]),
        }
    }
}

/// The most values one statement binds (SQLite allows 32,766; PostgreSQL 65,535).
const MAX_VALUES: usize = 30_000;

/// Inserts `rows` (each with the table's columns, in order) into `table`, many rows a
/// statement.
///
/// On SQLite the values are anonymous `?`, not `$n`: SQLite takes `$n` for a name, and both
/// its parser (finding whether a name was seen) and sqlx (reading each parameter's name to
/// find its number) search the statement's names one by one, so a statement of 30,000 `$n`
/// costs 30,000²/2 comparisons twice — seconds a statement, which made the SQLite load a
/// hundred times slower than PostgreSQL's (docs/benchmarks.md, "Tasks (issue 16)").
pub async fn insert(
    tx: &mut Conn,
    backend: Backend,
    table: Table,
    rows: &[Vec<Cell>],
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
        for cell in chunk.iter().flatten() {
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

/// One active official of each agency that has one, its leaders first: (agency id, user id).
pub async fn reporters(db: &Db) -> Result<Vec<(String, String)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT u.agency_id, u.id FROM users u
         WHERE u.agency_id IS NOT NULL AND u.disabled = 0
         ORDER BY u.agency_id, CASE WHEN EXISTS (SELECT 1 FROM user_roles r
             WHERE r.user_id = u.id AND r.role = 'leader') THEN 0 ELSE 1 END, u.id",
    )
    .fetch_all(&db.pool)
    .await?)
}
