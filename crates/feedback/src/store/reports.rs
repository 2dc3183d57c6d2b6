//! Writes to reports: filing, their files and timeline, each change of an officer's or the
//! reporter's action, and the deadline watch's claims.

use tinhso_kernel::db::{Conn, Db, Double};
use tinhso_kernel::error::AppError;

/// The code of the report this reporter already filed with this idempotency key.
pub async fn code_by_key(db: &Db, email: &str, key: &str) -> Result<Option<String>, AppError> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT code FROM feedback_reports WHERE reporter_email = $1 AND idempotency_key = $2",
    )
    .bind(email)
    .bind(key)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|(code,)| code))
}

/// A new row of `feedback_reports`, as the caller checked and routed it.
#[derive(Debug)]
pub struct NewReportRow<'a> {
    pub id: &'a str,
    pub code: &'a str,
    pub category_code: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub address: &'a str,
    pub admin_unit_code: Option<&'a str>,
    pub point: Option<(f64, f64)>,
    pub reporter_id: Option<&'a str>,
    pub reporter_name: &'a str,
    pub reporter_email: &'a str,
    pub reporter_phone: &'a str,
    pub show_name: bool,
    pub source: &'a str,
    pub agency_id: Option<&'a str>,
    pub status: &'a str,
    pub received_local: &'a str,
    pub due_local: &'a str,
    pub idempotency_key: Option<&'a str>,
    /// Written as both `created_at` and `updated_at`.
    pub now: &'a str,
    pub search_folded: &'a str,
}

pub async fn insert_report(tx: &mut Conn, r: &NewReportRow<'_>) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO feedback_reports (id, code, category_code, title, description, address, admin_unit_code, lat, lon,
            reporter_id, reporter_name, reporter_email, reporter_phone, show_name, source, agency_id, status,
            received_local, due_local, idempotency_key, created_at, updated_at, search_folded)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $21, $22)",
    )
    .bind(r.id)
    .bind(r.code)
    .bind(r.category_code)
    .bind(r.title)
    .bind(r.description)
    .bind(r.address)
    .bind(r.admin_unit_code)
    .bind(Double(r.point.map(|p| p.0)))
    .bind(Double(r.point.map(|p| p.1)))
    .bind(r.reporter_id)
    .bind(r.reporter_name)
    .bind(r.reporter_email)
    .bind(r.reporter_phone)
    .bind(i64::from(r.show_name))
    .bind(r.source)
    .bind(r.agency_id)
    .bind(r.status)
    .bind(r.received_local)
    .bind(r.due_local)
    .bind(r.idempotency_key)
    .bind(r.now)
    .bind(r.search_folded)
    .execute(&mut *tx)
    .await?;
    crate::index::report(tx, r.id, r.title, r.description, r.address, r.category_code).await?;
    Ok(())
}

/// A new row of `feedback_files`: a photo of the report or a file of the answer.
#[derive(Debug)]
pub struct NewFile<'a> {
    pub id: &'a str,
    pub report_id: &'a str,
    /// `report` or `answer`.
    pub purpose: &'a str,
    pub file_name: &'a str,
    pub media_type: &'a str,
    pub size_bytes: i64,
    pub storage_key: &'a str,
    pub created_at: &'a str,
}

pub async fn insert_file(tx: &mut Conn, f: &NewFile<'_>) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO feedback_files (id, report_id, purpose, file_name, media_type, size_bytes, storage_key, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(f.id)
    .bind(f.report_id)
    .bind(f.purpose)
    .bind(f.file_name)
    .bind(f.media_type)
    .bind(f.size_bytes)
    .bind(f.storage_key)
    .bind(f.created_at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A new row of the report's timeline.
#[derive(Debug)]
pub struct NewEvent<'a> {
    pub id: &'a str,
    pub report_id: &'a str,
    pub at: &'a str,
    pub actor_name: &'a str,
    pub action: &'a str,
    pub from_status: &'a str,
    pub to_status: &'a str,
    pub note: &'a str,
}

pub async fn insert_event(tx: &mut Conn, e: &NewEvent<'_>) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO feedback_events (id, report_id, at, actor_name, action, from_status, to_status, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(e.id)
    .bind(e.report_id)
    .bind(e.at)
    .bind(e.actor_name)
    .bind(e.action)
    .bind(e.from_status)
    .bind(e.to_status)
    .bind(e.note)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A timeline row written by the system, in the report's current status (no change of it).
pub async fn insert_system_event(
    tx: &mut Conn,
    id: &str,
    report_id: &str,
    at: &str,
    action: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO feedback_events (id, report_id, at, actor_name, action, from_status, to_status, note)
         SELECT $1, id, $2, 'Hệ thống', $3, status, status, '' FROM feedback_reports WHERE id = $4",
    )
    .bind(id)
    .bind(at)
    .bind(action)
    .bind(report_id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

pub async fn set_agency(tx: &mut Conn, id: &str, agency_id: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE feedback_reports SET agency_id = $2 WHERE id = $1")
        .bind(id)
        .bind(agency_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Writes the answer, who gave it and when (UTC and Vietnam local time).
pub async fn set_answer(
    tx: &mut Conn,
    id: &str,
    answer: &str,
    (at, at_local): (&str, &str),
    by: Option<&str>,
) -> Result<(), AppError> {
    sqlx::query("UPDATE feedback_reports SET answer = $2, answered_at = $3, answered_by = $4, answered_local = $5 WHERE id = $1")
        .bind(id)
        .bind(answer)
        .bind(at)
        .bind(by)
        .bind(at_local)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Takes the files of the current answer out of it (a new answer replaces them).
pub async fn supersede_answer_files(tx: &mut Conn, report_id: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE feedback_files SET purpose = 'superseded_answer' WHERE report_id = $1 AND purpose = 'answer'")
        .bind(report_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

pub async fn set_reject_reason(tx: &mut Conn, id: &str, reason: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE feedback_reports SET reject_reason = $2 WHERE id = $1")
        .bind(id)
        .bind(reason)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

pub async fn set_reopened(tx: &mut Conn, id: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE feedback_reports SET reopened = 1 WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

pub async fn set_rating(
    tx: &mut Conn,
    id: &str,
    rating: i64,
    comment: Option<&str>,
) -> Result<(), AppError> {
    sqlx::query("UPDATE feedback_reports SET rating = $2, rating_comment = $3 WHERE id = $1")
        .bind(id)
        .bind(rating)
        .bind(comment)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

pub async fn set_duplicate_of(tx: &mut Conn, id: &str, original: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE feedback_reports SET duplicate_of = $2 WHERE id = $1")
        .bind(id)
        .bind(original)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

pub async fn set_status(tx: &mut Conn, id: &str, status: &str, now: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE feedback_reports SET status = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(status)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

pub async fn set_hidden(tx: &mut Conn, id: &str, reason: &str, now: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE feedback_reports SET hidden_reason = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(reason)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    crate::index::hidden(tx, id).await?;
    Ok(())
}

// ---- Deadline watch ----

/// A message of the deadline watch, each claimed once per report in its own column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watch {
    Reminder,
    Escalation,
}

impl Watch {
    fn column(self) -> &'static str {
        match self {
            Watch::Reminder => "reminded_at",
            Watch::Escalation => "escalated_at",
        }
    }
}

/// An open, assigned report the watch may send `Watch` about.
#[derive(Debug, sqlx::FromRow)]
pub struct DueReport {
    pub id: String,
    pub code: String,
    pub title: String,
    pub agency_id: String,
    pub due_local: String,
    pub deadline_days: i64,
}

/// Assigned, open reports due before `horizon` (Vietnam local time) not yet sent `watch`,
/// soonest first.
pub async fn due_before(db: &Db, watch: Watch, horizon: &str) -> Result<Vec<DueReport>, AppError> {
    let column = watch.column();
    let sql = format!(
        "SELECT r.id, r.code, r.title, r.agency_id, r.due_local, c.deadline_days
         FROM feedback_reports r JOIN feedback_categories c ON c.code = r.category_code
         WHERE r.status IN ('assigned', 'in_progress') AND r.agency_id IS NOT NULL AND r.{column} IS NULL AND r.due_local < $1
         ORDER BY r.due_local LIMIT 500"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(horizon)
        .fetch_all(&db.pool)
        .await?)
}

/// Claims sending `watch` about report `id` at `now`; false when another node already did.
pub async fn claim(tx: &mut Conn, watch: Watch, id: &str, now: &str) -> Result<bool, AppError> {
    let column = watch.column();
    let claimed = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE feedback_reports SET {column} = $2 WHERE id = $1 AND {column} IS NULL"
    )))
    .bind(id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(claimed.rows_affected() > 0)
}

/// An official who handles an agency's reports: account and email.
#[derive(Debug, sqlx::FromRow)]
pub struct Official {
    pub id: String,
    pub email: Option<String>,
}

/// The agency's active officials handling reports (only its leaders when `leaders_only`).
pub async fn officials(
    tx: &mut Conn,
    agency_id: &str,
    leaders_only: bool,
) -> Result<Vec<Official>, AppError> {
    let sql = if leaders_only {
        "SELECT DISTINCT u.id, u.email FROM users u JOIN user_roles r ON r.user_id = u.id
         WHERE u.agency_id = $1 AND u.disabled = 0 AND r.role = 'leader'"
    } else {
        "SELECT DISTINCT u.id, u.email FROM users u JOIN user_roles r ON r.user_id = u.id
         WHERE u.agency_id = $1 AND u.disabled = 0 AND r.role IN ('one_stop_clerk', 'specialist', 'leader')"
    };
    Ok(sqlx::query_as(sql)
        .bind(agency_id)
        .fetch_all(&mut *tx)
        .await?)
}
