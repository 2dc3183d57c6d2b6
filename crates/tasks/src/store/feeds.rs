//! The statements of the calendar feed ([`crate::feed`]): the secret URLs a person made (their
//! SHA-256 only), and the open unit deadlines a feed lists.

use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

/// A feed as its owner sees it on the page (never its secret).
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Feed {
    pub id: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// The feeds `user_id` made, newest first.
pub async fn of_user(db: &Db, user_id: &str) -> Result<Vec<Feed>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, created_at, revoked_at FROM task_feeds WHERE user_id = $1
         ORDER BY created_at DESC, id DESC LIMIT 20",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?)
}

/// The feeds of `user_id` still in use, in `tx`.
pub async fn active_in(tx: &mut Conn, user_id: &str) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM task_feeds WHERE user_id = $1 AND revoked_at IS NULL ORDER BY id",
    )
    .bind(user_id)
    .fetch_all(&mut *tx)
    .await?)
}

pub async fn insert(
    tx: &mut Conn,
    id: &str,
    user_id: &str,
    secret_hash: &str,
    now: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO task_feeds (id, user_id, secret_hash, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(user_id)
    .bind(secret_hash)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Revokes feed `id` of `user_id`; false when it is not theirs or already revoked.
pub async fn revoke(tx: &mut Conn, id: &str, user_id: &str, now: &str) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE task_feeds SET revoked_at = $1
         WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The feed with secret hash `hash` and its owner, while it is not revoked and the owner's
/// account is not disabled.
pub async fn owner(db: &Db, hash: &str) -> Result<Option<(String, String)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT f.id, f.user_id FROM task_feeds f JOIN users u ON u.id = f.user_id
         WHERE f.secret_hash = $1 AND f.revoked_at IS NULL AND u.disabled = 0",
    )
    .bind(hash)
    .fetch_optional(&db.pool)
    .await?)
}

/// One open unit deadline of a feed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Deadline {
    pub unit_id: String,
    pub task_id: String,
    pub code: String,
    pub title: String,
    pub authority_name: String,
    pub agency_id: String,
    pub unit_name: String,
    pub role: String,
    pub state: String,
    pub progress: i64,
    /// `YYYY-MM-DD`: the deadline worked to now.
    pub current_due_on: String,
    /// The extensions granted to the unit: each moved its deadline.
    pub moves: i64,
}

/// The open unit deadlines of the tasks someone of `agency_id` sees (the rule of
/// [`crate::policy::decision`], as `store::visible` narrows lists): their unit's own part, and
/// every unit of the tasks their office follows (`office`) or their agency assigned
/// (`leader`). Nearest deadline first, at most `limit`.
pub async fn open_deadlines(
    db: &Db,
    agency_id: &str,
    office: bool,
    leader: bool,
    limit: i64,
) -> Result<Vec<Deadline>, AppError> {
    Ok(sqlx::query_as(
        "SELECT u.id AS unit_id, t.id AS task_id, t.code, t.title, a.name AS authority_name,
            u.agency_id, ua.name AS unit_name, u.role, u.state, u.progress, u.current_due_on,
            (SELECT COUNT(*) FROM task_extensions e
              WHERE e.unit_id = u.id AND e.decision = 'granted') AS moves
         FROM task_units u JOIN tasks t ON t.id = u.task_id
         JOIN agencies a ON a.id = t.authority_agency_id JOIN agencies ua ON ua.id = u.agency_id
         WHERE u.state IN ('assigned', 'in_progress', 'completion_reported')
           AND (u.agency_id = $1 OR (t.office_agency_id = $1 AND $2 = 1)
                OR (t.authority_agency_id = $1 AND $3 = 1))
         ORDER BY u.current_due_on, t.code, u.id LIMIT $4",
    )
    .bind(agency_id)
    .bind(i64::from(office))
    .bind(i64::from(leader))
    .bind(limit)
    .fetch_all(&db.pool)
    .await?)
}
