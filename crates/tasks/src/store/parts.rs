//! The SQL of split parts (`task_parts`): a task's parts, the officials a part may go to, and
//! the writes of splitting and reporting on a part.

use crate::parts::Part;
use tinhso_kernel::db::Conn;
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
    db: &tinhso_kernel::db::Db,
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
pub async fn officials_of(
    db: &tinhso_kernel::db::Db,
    agency_id: &str,
) -> Result<Vec<(String, String)>, AppError> {
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
