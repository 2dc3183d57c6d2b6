//! The SQL of split parts (`task_parts`): a task's parts, the officials a part may go to, and
//! the writes of splitting and reporting on a part, the holders' boards, and what the deadline
//! sweep reads and claims for parts.

use crate::parts::Part;
use crate::store::Person;
use serde::Serialize;
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

const PARTS: &str = "SELECT p.id, p.unit_id, p.holder_agency_id, p.holder_user_id,
    a.code AS holder_code, COALESCE(a.name, u.full_name) AS holder_name, p.note, p.due_on,
    p.progress, p.last_report, p.updated_at
    FROM task_parts p LEFT JOIN agencies a ON a.id = p.holder_agency_id
    LEFT JOIN users u ON u.id = p.holder_user_id
    WHERE p.task_id = $1 ORDER BY p.created_at, p.id";

/// The parts of task `task_id`'s units, in the order they were split.
pub async fn of_task(conn: &mut Conn, task_id: &str) -> Result<Vec<Part>, AppError> {
    Ok(sqlx::query_as(PARTS)
        .bind(task_id)
        .fetch_all(&mut *conn)
        .await?)
}

/// An official of the platform, by id or email: (id, agency id, name).
pub async fn official_by(
    db: &Db,
    key: &str,
) -> Result<Option<(String, Option<String>, String)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, agency_id, full_name FROM users
         WHERE (id = $1 OR email = $1) AND kind = 'official' AND disabled = 0",
    )
    .bind(key)
    .fetch_optional(&db.pool)
    .await?)
}

/// The active officials of `agency_id`: (id, name), by name.
pub async fn officials_of(db: &Db, agency_id: &str) -> Result<Vec<(String, String)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, full_name FROM users
         WHERE agency_id = $1 AND kind = 'official' AND disabled = 0 ORDER BY full_name, id",
    )
    .bind(agency_id)
    .fetch_all(&db.pool)
    .await?)
}

/// A part as inserted.
pub struct NewPart<'a> {
    pub id: &'a str,
    pub task_id: &'a str,
    pub unit_id: &'a str,
    pub holder_agency_id: Option<&'a str>,
    pub holder_user_id: Option<&'a str>,
    pub note: &'a str,
    pub due_on: &'a str,
    pub created_by: &'a str,
    pub now: &'a str,
}

pub async fn insert(tx: &mut Conn, p: &NewPart<'_>) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO task_parts (id, task_id, unit_id, holder_agency_id, holder_user_id, note,
            due_on, progress, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $9)",
    )
    .bind(p.id)
    .bind(p.task_id)
    .bind(p.unit_id)
    .bind(p.holder_agency_id)
    .bind(p.holder_user_id)
    .bind(p.note)
    .bind(p.due_on)
    .bind(p.created_by)
    .bind(p.now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A part's reported progress and text.
pub async fn set_progress(
    tx: &mut Conn,
    id: &str,
    percent: i64,
    text: &str,
    now: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE task_parts SET progress = $2, last_report = $3, updated_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(percent)
    .bind(text)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A unit's state and its parts' rolled-up progress.
pub async fn set_unit_progress(
    tx: &mut Conn,
    unit_id: &str,
    state: &str,
    progress: i64,
    now: &str,
) -> Result<(), AppError> {
    sqlx::query("UPDATE task_units SET state = $2, progress = $3, updated_at = $4 WHERE id = $1")
        .bind(unit_id)
        .bind(state)
        .bind(progress)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// A part on a board: the part, its task and the unit that split it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PartLine {
    pub id: String,
    pub task_id: String,
    pub code: String,
    pub title: String,
    pub content: String,
    /// The unit that split it, its state and its deadline in force.
    pub unit_name: String,
    pub unit_state: String,
    pub unit_due_on: String,
    pub holder_name: String,
    pub note: String,
    pub due_on: String,
    pub progress: i64,
    pub last_report: Option<String>,
}

const LINES: &str = "SELECT p.id, t.id AS task_id, t.code, t.title, t.content,
    ua.name AS unit_name, u.state AS unit_state, u.current_due_on AS unit_due_on,
    COALESCE(ha.name, hu.full_name) AS holder_name, p.note, p.due_on, p.progress, p.last_report
    FROM task_parts p JOIN tasks t ON t.id = p.task_id JOIN task_units u ON u.id = p.unit_id
    JOIN agencies ua ON ua.id = u.agency_id
    LEFT JOIN agencies ha ON ha.id = p.holder_agency_id
    LEFT JOIN users hu ON hu.id = p.holder_user_id";

/// The parts official `user_id` of agency `agency_id` holds (named, or through their
/// agency: `parts::holds`), nearest deadline first.
pub async fn held_by(
    db: &Db,
    user_id: &str,
    agency_id: &str,
    limit: i64,
) -> Result<Vec<PartLine>, AppError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{LINES} WHERE p.holder_user_id = $1 OR p.holder_agency_id = $2
         ORDER BY p.due_on, t.code, p.id LIMIT $3"
    )))
    .bind(user_id)
    .bind(agency_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?)
}

/// The parts unit `agency_id` split off its tasks, nearest deadline first.
pub async fn split_by(db: &Db, agency_id: &str, limit: i64) -> Result<Vec<PartLine>, AppError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{LINES} WHERE u.agency_id = $1 ORDER BY p.due_on, t.code, p.id LIMIT $2"
    )))
    .bind(agency_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?)
}

/// An open part whose deadline the sweep watches: its unit still works on the task and the
/// part is not done.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DuePart {
    pub part_id: String,
    pub task_id: String,
    pub code: String,
    pub title: String,
    pub unit_id: String,
    /// The agency of the unit that split it, and its name.
    pub agency_id: String,
    pub agency_name: String,
    pub holder_agency_id: Option<String>,
    pub holder_user_id: Option<String>,
    pub holder_name: String,
    pub due_on: String,
    /// When it was split (UTC text).
    pub created_at: String,
}

/// The open parts (unit assigned or in progress, part under 100%) due on or before
/// `horizon`, nearest first.
pub async fn open_due_by(db: &Db, horizon: &str) -> Result<Vec<DuePart>, AppError> {
    Ok(sqlx::query_as(
        "SELECT p.id AS part_id, t.id AS task_id, t.code, t.title, u.id AS unit_id,
            u.agency_id, ua.name AS agency_name, p.holder_agency_id, p.holder_user_id,
            COALESCE(ha.name, hu.full_name) AS holder_name, p.due_on, p.created_at
         FROM task_parts p JOIN tasks t ON t.id = p.task_id JOIN task_units u ON u.id = p.unit_id
         JOIN agencies ua ON ua.id = u.agency_id
         LEFT JOIN agencies ha ON ha.id = p.holder_agency_id
         LEFT JOIN users hu ON hu.id = p.holder_user_id
         WHERE u.state IN ('assigned', 'in_progress') AND p.progress < 100 AND p.due_on <= $1
         ORDER BY p.due_on, t.code, p.id",
    )
    .bind(horizon)
    .fetch_all(&db.pool)
    .await?)
}

/// Claims the reminder or escalation `kind` of part `part_id`'s deadline `day`: true for the
/// one caller that inserts it, false when it was sent already (on this node or another).
pub async fn claim_reminder(
    tx: &mut Conn,
    part_id: &str,
    kind: &str,
    day: &str,
    now: &str,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "INSERT INTO task_part_reminders (part_id, kind, day, sent_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
    )
    .bind(part_id)
    .bind(kind)
    .bind(day)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Who is told of a part: the official named, if still active; else the leaders of the
/// sub-unit named (those who report on it).
pub async fn holder_people(
    tx: &mut Conn,
    holder_agency_id: Option<&str>,
    holder_user_id: Option<&str>,
) -> Result<Vec<Person>, AppError> {
    match (holder_user_id, holder_agency_id) {
        (Some(user), _) => Ok(sqlx::query_as(
            "SELECT id, email FROM users WHERE id = $1 AND disabled = 0",
        )
        .bind(user)
        .fetch_all(&mut *tx)
        .await?),
        (None, Some(agency)) => crate::store::leaders(tx, agency).await,
        (None, None) => Ok(Vec::new()),
    }
}

/// A line of a holder's digest: an open part they hold.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DigestPart {
    pub user_id: String,
    pub email: Option<String>,
    pub task_id: String,
    pub code: String,
    pub title: String,
    /// The unit that split it.
    pub unit_name: String,
    pub due_on: String,
}

/// For every official named on an open part and every active leader of a sub-unit named on
/// one: those parts, nearest deadline first, grouped by person.
pub async fn digest_parts(db: &Db) -> Result<Vec<DigestPart>, AppError> {
    Ok(sqlx::query_as(
        "SELECT h.id AS user_id, h.email, t.id AS task_id, t.code, t.title,
            ua.name AS unit_name, p.due_on
         FROM task_parts p JOIN tasks t ON t.id = p.task_id JOIN task_units u ON u.id = p.unit_id
         JOIN agencies ua ON ua.id = u.agency_id
         JOIN users h ON h.disabled = 0 AND (h.id = p.holder_user_id
            OR (h.agency_id = p.holder_agency_id AND EXISTS (SELECT 1 FROM user_roles r
                WHERE r.user_id = h.id AND r.role = 'leader')))
         WHERE u.state IN ('assigned', 'in_progress') AND p.progress < 100
         ORDER BY h.id, p.due_on, t.code, p.id",
    )
    .fetch_all(&db.pool)
    .await?)
}
