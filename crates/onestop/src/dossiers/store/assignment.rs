//! Who works on which dossier (`dossiers::assignment`): specialists' loads, assigning, and
//! each official's open dossiers.

use super::{DossierRow, SELECT};
use crate::dossiers::Dossier;
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

/// States in which a dossier is someone's work (not a draft, not finished).
const OPEN_STATES: &str = "('submitted', 'in_progress', 'supplement_requested', 'approved')";

/// An active specialist of an agency with the open dossiers assigned to them.
#[derive(Debug, sqlx::FromRow)]
pub struct LoadRow {
    pub id: String,
    pub full_name: String,
    pub open: i64,
    /// Of those, being processed past `now`.
    pub overdue: i64,
}

/// The active specialists of `agency_id`, by name, with their open and overdue counts at the
/// local time `now` (`YYYY-MM-DD HH:MM` text).
pub async fn loads(db: &Db, agency_id: &str, now: &str) -> Result<Vec<LoadRow>, AppError> {
    let sql = format!(
        "SELECT u.id, u.full_name,
            COALESCE(SUM(CASE WHEN d.id IS NOT NULL THEN 1 ELSE 0 END), 0) AS open,
            COALESCE(SUM(CASE WHEN d.state = 'in_progress' AND d.due_local < $2 THEN 1 ELSE 0 END), 0) AS overdue
         FROM users u JOIN user_roles r ON r.user_id = u.id AND r.role = 'specialist'
         LEFT JOIN dossiers d ON d.assignee_id = u.id AND d.state IN {OPEN_STATES}
         WHERE u.agency_id = $1 AND u.disabled = 0 AND u.kind = 'official'
         GROUP BY u.id, u.full_name ORDER BY u.full_name, u.id"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(agency_id)
        .bind(now)
        .fetch_all(&db.pool)
        .await?)
}

/// Gives dossier `id` to `assignee` from `at`.
pub async fn set_assignee(
    tx: &mut Conn,
    id: &str,
    assignee: &str,
    at: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE dossiers SET assignee_id = $2, assigned_at = $3, updated_at = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(assignee)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The name of `user_id` if they are an active specialist of `agency_id`.
pub async fn specialist_name(
    tx: &mut Conn,
    agency_id: &str,
    user_id: &str,
) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT u.full_name FROM users u
         JOIN user_roles r ON r.user_id = u.id AND r.role = 'specialist'
         WHERE u.id = $1 AND u.agency_id = $2 AND u.disabled = 0 AND u.kind = 'official'",
    )
    .bind(user_id)
    .bind(agency_id)
    .fetch_optional(&mut *tx)
    .await?)
}

/// Leaves dossier `id` without a specialist.
pub async fn clear_assignee(tx: &mut Conn, id: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE dossiers SET assignee_id = NULL, assigned_at = NULL WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// The open dossiers assigned to `user_id` (at most 200), by due moment.
pub async fn open_of(db: &Db, user_id: &str) -> Result<Vec<Dossier>, AppError> {
    let sql = format!(
        "{SELECT} WHERE d.assignee_id = $1 AND d.state IN {OPEN_STATES} ORDER BY d.due_local, d.id LIMIT 200"
    );
    let rows: Vec<DossierRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(user_id)
        .fetch_all(&db.pool)
        .await?;
    rows.into_iter().map(Dossier::try_from).collect()
}
