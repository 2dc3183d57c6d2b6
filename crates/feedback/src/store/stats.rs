//! The counts behind the feedback statistics: per group (agency, category or area) and per
//! month of a period.

use crate::stats::By;
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

/// Counts of one group over a period (`None` sums count nothing).
#[derive(Debug, sqlx::FromRow)]
pub struct GroupCounts {
    pub key: String,
    pub name: Option<String>,
    pub received: Option<i64>,
    pub answered: Option<i64>,
    pub on_time: Option<i64>,
    pub open: Option<i64>,
    pub overdue: Option<i64>,
    pub rated: Option<i64>,
    pub satisfied: Option<i64>,
}

/// Counts per group of reports created or answered in [`start`, `end`) (UTC), overdue at
/// `now` (Vietnam local time); duplicates are not counted.
pub async fn group_counts(
    db: &Db,
    by: By,
    (start, end): (&str, &str),
    now: &str,
) -> Result<Vec<GroupCounts>, AppError> {
    let (key, name, join) = match by {
        By::Agency => (
            "COALESCE(a.code, '')",
            "MIN(a.name)",
            "LEFT JOIN agencies a ON a.id = r.agency_id",
        ),
        By::Category => (
            "r.category_code",
            "MIN(c.name)",
            "JOIN feedback_categories c ON c.code = r.category_code",
        ),
        By::Area => (
            "COALESCE(r.admin_unit_code, '')",
            "MIN(u.name)",
            "LEFT JOIN admin_units u ON u.code = r.admin_unit_code",
        ),
    };
    let sql = format!(
        "SELECT {key} AS key, {name} AS name,
            SUM(CASE WHEN r.created_at >= $1 AND r.created_at < $2 THEN 1 ELSE 0 END) AS received,
            SUM(CASE WHEN r.answered_at >= $1 AND r.answered_at < $2 THEN 1 ELSE 0 END) AS answered,
            SUM(CASE WHEN r.answered_at >= $1 AND r.answered_at < $2 AND r.answered_local <= r.due_local THEN 1 ELSE 0 END) AS on_time,
            SUM(CASE WHEN r.status IN ('received', 'assigned', 'in_progress') THEN 1 ELSE 0 END) AS open,
            SUM(CASE WHEN r.status IN ('assigned', 'in_progress') AND r.due_local < $3 THEN 1 ELSE 0 END) AS overdue,
            SUM(CASE WHEN r.rating IS NOT NULL AND r.answered_at >= $1 AND r.answered_at < $2 THEN 1 ELSE 0 END) AS rated,
            SUM(CASE WHEN r.rating >= 3 AND r.answered_at >= $1 AND r.answered_at < $2 THEN 1 ELSE 0 END) AS satisfied
         FROM feedback_reports r {join}
         WHERE r.status <> 'duplicate'
         GROUP BY {key} ORDER BY {key}"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(start)
        .bind(end)
        .bind(now)
        .fetch_all(&db.pool)
        .await?)
}

/// Reports received per month (`YYYY-MM` of the local receipt time), created in
/// [`start`, `end`).
pub async fn received_per_month(
    db: &Db,
    (start, end): (&str, &str),
) -> Result<Vec<(String, i64)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT SUBSTR(received_local, 1, 7) AS month, COUNT(*) AS n FROM feedback_reports
         WHERE created_at >= $1 AND created_at < $2 AND status <> 'duplicate' GROUP BY SUBSTR(received_local, 1, 7)",
    )
    .bind(start)
    .bind(end)
    .fetch_all(&db.pool)
    .await?)
}

/// Reports answered per month, and how many of them on time.
#[derive(Debug, sqlx::FromRow)]
pub struct AnsweredMonth {
    pub month: String,
    pub n: i64,
    pub on_time: Option<i64>,
}

pub async fn answered_per_month(
    db: &Db,
    (start, end): (&str, &str),
) -> Result<Vec<AnsweredMonth>, AppError> {
    Ok(sqlx::query_as(
        "SELECT SUBSTR(answered_local, 1, 7) AS month, COUNT(*) AS n,
            SUM(CASE WHEN answered_local <= due_local THEN 1 ELSE 0 END) AS on_time
         FROM feedback_reports
         WHERE answered_at >= $1 AND answered_at < $2 AND status <> 'duplicate' GROUP BY SUBSTR(answered_local, 1, 7)",
    )
    .bind(start)
    .bind(end)
    .fetch_all(&db.pool)
    .await?)
}

/// What the operations centre reads of one report (`kpi::COUNTING`).
#[derive(Debug, sqlx::FromRow)]
pub struct CountingRow {
    pub agency_id: Option<String>,
    pub admin_unit_code: Option<String>,
    pub category_code: String,
    pub status: String,
    pub received_local: String,
    pub due_local: Option<String>,
    pub answered_local: Option<String>,
    pub rating: Option<i64>,
}

/// One report as the operations centre counts it, read in the caller's transaction.
pub async fn counting_row(tx: &mut Conn, id: &str) -> Result<Option<CountingRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT agency_id, admin_unit_code, category_code, status, received_local, due_local,
                answered_local, rating
           FROM feedback_reports WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?)
}

/// The ids of reports that are not duplicates after `after`, in id order, at most `limit`.
pub async fn counting_ids(tx: &mut Conn, after: &str, limit: i64) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM feedback_reports WHERE id > $1 AND status <> 'duplicate' ORDER BY id LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?)
}
