//! The statements of the sample load (`crate::sample`, `tinhso load-sample-tasks`): many rows
//! of one table in one statement, and the officials who report for each unit.

pub use tinhso_kernel::db::Value;
use tinhso_kernel::db::{Backend, Conn, Db, insert_rows};
use tinhso_kernel::error::AppError;

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
