//! The periodic reports' schedules and the reports they made (docs/operations-design.md §6).

use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Schedule {
    pub id: String,
    pub scope: String,
    pub kind: String,
    pub recipients: String,
    pub created_by: String,
    pub created_at: String,
    pub ended_at: Option<String>,
}

const SCHEDULE: &str = "SELECT id, scope, kind, recipients, created_by, created_at, ended_at
    FROM ops_report_schedules";

pub async fn insert(tx: &mut Conn, s: &Schedule) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO ops_report_schedules (id, scope, kind, recipients, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&s.id)
    .bind(&s.scope)
    .bind(&s.kind)
    .bind(&s.recipients)
    .bind(&s.created_by)
    .bind(&s.created_at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Whether `scope` already has a live schedule of `kind`.
pub async fn live_exists(tx: &mut Conn, scope: &str, kind: &str) -> Result<bool, AppError> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM ops_report_schedules WHERE scope = $1 AND kind = $2 AND ended_at IS NULL",
    )
    .bind(scope)
    .bind(kind)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(found.is_some())
}

pub async fn by_id(tx: &mut Conn, id: &str) -> Result<Option<Schedule>, AppError> {
    Ok(
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{SCHEDULE} WHERE id = $1")))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?,
    )
}

/// Ends a live schedule; false when it had ended already.
pub async fn end(tx: &mut Conn, id: &str, by: &str, now: &str) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE ops_report_schedules SET ended_by = $2, ended_at = $3
          WHERE id = $1 AND ended_at IS NULL",
    )
    .bind(id)
    .bind(by)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The live schedules of a scope.
pub async fn of_scope(db: &Db, scope: &str) -> Result<Vec<Schedule>, AppError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SCHEDULE} WHERE scope = $1 AND ended_at IS NULL ORDER BY created_at, id"
    )))
    .bind(scope)
    .fetch_all(&db.pool)
    .await?)
}

/// Every live schedule.
pub async fn live(db: &Db) -> Result<Vec<Schedule>, AppError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SCHEDULE} WHERE ended_at IS NULL ORDER BY id"
    )))
    .fetch_all(&db.pool)
    .await?)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Run {
    pub id: String,
    pub schedule_id: String,
    pub period: String,
    pub scope: String,
    pub title: String,
    pub made_at: String,
    pub docx_key: String,
    pub pdf_key: String,
    pub xlsx_key: String,
}

const RUN: &str = "SELECT id, schedule_id, period, scope, title, made_at, docx_key, pdf_key,
    xlsx_key FROM ops_report_runs";

/// Whether the schedule made its report of `period` already.
pub async fn made(db: &Db, schedule_id: &str, period: &str) -> Result<bool, AppError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM ops_report_runs WHERE schedule_id = $1 AND period = $2",
    )
    .bind(schedule_id)
    .bind(period)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// Records a made report, unless another node recorded the same (schedule, period) first:
/// then false, and nothing is written.
pub async fn claim(tx: &mut Conn, r: &Run) -> Result<bool, AppError> {
    let done = sqlx::query(
        "INSERT INTO ops_report_runs (id, schedule_id, period, scope, title, made_at, docx_key,
            pdf_key, xlsx_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (schedule_id, period) DO NOTHING",
    )
    .bind(&r.id)
    .bind(&r.schedule_id)
    .bind(&r.period)
    .bind(&r.scope)
    .bind(&r.title)
    .bind(&r.made_at)
    .bind(&r.docx_key)
    .bind(&r.pdf_key)
    .bind(&r.xlsx_key)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn run(db: &Db, id: &str) -> Result<Option<Run>, AppError> {
    Ok(
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{RUN} WHERE id = $1")))
            .bind(id)
            .fetch_optional(&db.pool)
            .await?,
    )
}

/// The latest reports made for a scope.
pub async fn runs_of_scope(db: &Db, scope: &str, limit: i64) -> Result<Vec<Run>, AppError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{RUN} WHERE scope = $1 ORDER BY made_at DESC, id LIMIT $2"
    )))
    .bind(scope)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?)
}
