//! The counts behind the feedback statistics: per group (agency, category or area) and per
//! month of a period.

use crate::stats::By;
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

/// Reports per month received (Vietnam time), agency, category and status: the open
/// dataset's rows, counts only (no text of a report, nothing of its reporter).
#[derive(Debug, sqlx::FromRow)]
pub struct MonthlyCount {
    pub month: String,
    pub agency_code: Option<String>,
    pub agency_name: Option<String>,
    pub category_code: String,
    pub category_name: String,
    pub status: String,
    pub reports: i64,
}

pub async fn monthly_counts(db: &Db) -> Result<Vec<MonthlyCount>, AppError> {
    Ok(sqlx::query_as(
        "SELECT SUBSTR(r.received_local, 1, 7) AS month, a.code AS agency_code,
                a.name AS agency_name, r.category_code, c.name AS category_name, r.status,
                CAST(COUNT(*) AS BIGINT) AS reports
         FROM feedback_reports r
         JOIN feedback_categories c ON c.code = r.category_code
         LEFT JOIN agencies a ON a.id = r.agency_id
         GROUP BY SUBSTR(r.received_local, 1, 7), a.code, a.name, r.category_code, c.name, r.status
         ORDER BY month, agency_code, r.category_code, r.status",
    )
    .fetch_all(&db.pool)
    .await?)
}

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

/// A report of a drill-down: id, code, title, agency (empty when unassigned), due time, status.
pub type DrillReport = (String, String, String, String, String, String);

/// The open reports (received, assigned, in progress; not duplicates) due in `lo ≤ due_local <
/// hi` (local texts), as `feedback.open` counts them: of `agencies`, or, for a unit, placed in
/// `unit` (or in none and handled by one of `agencies`), or anywhere (`all`); keyset pages in
/// id order. Agency first or status first, the indexes `feedback_reports_agency` and
/// `feedback_reports_public` bound a page to the open reports.
#[allow(clippy::too_many_arguments)]
pub async fn drill_open(
    db: &Db,
    agencies: &[String],
    all: bool,
    unit: Option<&str>,
    lo: &str,
    hi: &str,
    after: &str,
    limit: i64,
) -> Result<Vec<DrillReport>, AppError> {
    // Anywhere: no place parameters (PostgreSQL refuses parameters a statement does not use).
    let (agencies, unit) = if all {
        (&[][..], None)
    } else {
        (agencies, unit)
    };
    let mut n = 4;
    let mut mark = || {
        n += 1;
        format!("${n}")
    };
    let ids: Vec<String> = agencies.iter().map(|_| mark()).collect();
    let unit_m = unit.map(|_| mark());
    let place = if all {
        "TRUE".to_owned()
    } else if ids.is_empty() && unit_m.is_none() {
        return Ok(Vec::new());
    } else {
        let by_agency = if ids.is_empty() {
            "FALSE".to_owned()
        } else {
            format!("r.agency_id IN ({})", ids.join(", "))
        };
        match &unit_m {
            Some(u) => {
                format!("(r.admin_unit_code = {u} OR (r.admin_unit_code IS NULL AND {by_agency}))")
            }
            None => by_agency,
        }
    };
    let sql = format!(
        "SELECT r.id, r.code, r.title, COALESCE(a.name, ''), r.due_local, r.status
           FROM feedback_reports r
           LEFT JOIN agencies a ON a.id = r.agency_id
          WHERE r.status IN ('received', 'assigned', 'in_progress') AND {place}
            AND r.due_local >= $1 AND r.due_local < $2 AND r.id > $3
          ORDER BY r.id LIMIT $4"
    );
    let mut q = sqlx::query_as::<_, DrillReport>(sqlx::AssertSqlSafe(sql))
        .bind(lo)
        .bind(hi)
        .bind(after)
        .bind(limit);
    for a in agencies {
        q = q.bind(a);
    }
    if let Some(u) = unit {
        q = q.bind(u);
    }
    Ok(q.fetch_all(&db.pool).await?)
}
