//! The SQL of recurring series: linking an occurrence to the first of its series, reading a
//! series, and cancelling an occurrence's units.

use crate::recurrence::Occurrence;
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

/// Links task `id` to the first task of its series (`head`), or stores the rule on the first.
pub async fn link(
    tx: &mut Conn,
    id: &str,
    head: Option<&str>,
    rule: Option<&str>,
) -> Result<(), AppError> {
    sqlx::query("UPDATE tasks SET parent_id = $2, recurrence = $3 WHERE id = $1")
        .bind(id)
        .bind(head)
        .bind(rule)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Every task of the series task `id` belongs to (itself alone when it does not recur), by
/// deadline.
pub async fn of_task(db: &Db, id: &str) -> Result<Vec<Occurrence>, AppError> {
    Ok(sqlx::query_as(
        "SELECT t.id, t.code, t.state, u.current_due_on AS due_on
         FROM tasks t JOIN task_units u ON u.task_id = t.id AND u.role = 'lead'
         WHERE t.id = (SELECT COALESCE(s.parent_id, s.id) FROM tasks s WHERE s.id = $1)
            OR t.parent_id = (SELECT COALESCE(s.parent_id, s.id) FROM tasks s WHERE s.id = $1)
         ORDER BY u.due_on, t.code",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?)
}

/// A unit's state (cancelling the rest of a series).
pub async fn set_unit_state(
    tx: &mut Conn,
    unit_id: &str,
    state: &str,
    now: &str,
) -> Result<(), AppError> {
    sqlx::query("UPDATE task_units SET state = $2, updated_at = $3 WHERE id = $1")
        .bind(unit_id)
        .bind(state)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    Ok(())
}
