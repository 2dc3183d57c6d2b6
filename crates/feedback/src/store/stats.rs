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
         WHERE r.hidden_reason IS NULL AND r.status <> 'duplicate'
         GROUP BY SUBSTR(r.received_local, 1, 7), a.code, a.name, r.category_code, c.name, r.status
         ORDER BY month, agency_code, r.category_code, r.status",
    )
    .fetch_all(&db.pool)
    .await?)
}

/// Reports received in one month, per agency, category and status (the monthly dataset's
/// rows before their names).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MonthCount {
    pub agency_id: Option<String>,
    pub category_code: String,
    pub status: String,
    pub reports: i64,
}

/// What [`monthly_counts`] counts of the reports received (Vietnam time) from `first` to
/// before `next` (`YYYY-MM` texts), read by `feedback_reports_received`.
pub async fn month_counts(db: &Db, first: &str, next: &str) -> Result<Vec<MonthCount>, AppError> {
    Ok(sqlx::query_as(
        "SELECT r.agency_id, r.category_code, r.status, CAST(COUNT(*) AS BIGINT) AS reports
         FROM feedback_reports r
         JOIN feedback_categories c ON c.code = r.category_code
         WHERE r.received_local >= $1 AND r.received_local < $2
           AND r.hidden_reason IS NULL AND r.status <> 'duplicate'
         GROUP BY r.agency_id, r.category_code, r.status",
    )
    .bind(first)
    .bind(next)
    .fetch_all(&db.pool)
    .await?)
}

/// The first and the last receipt time (Vietnam time text) of any report: two probes of
/// `feedback_reports_received`.
pub async fn received_between(db: &Db) -> Result<Option<(String, String)>, AppError> {
    let first: Option<String> =
        sqlx::query_scalar("SELECT MIN(received_local) FROM feedback_reports")
            .fetch_one(&db.pool)
            .await?;
    let last: Option<String> =
        sqlx::query_scalar("SELECT MAX(received_local) FROM feedback_reports")
            .fetch_one(&db.pool)
            .await?;
    Ok(first.zip(last))
}

/// Every agency (id, code, name) in the database's order of their codes.
pub async fn agencies_by_code(db: &Db) -> Result<Vec<(String, String, String)>, AppError> {
    Ok(
        sqlx::query_as("SELECT id, code, name FROM agencies ORDER BY code")
            .fetch_all(&db.pool)
            .await?,
    )
}

/// Every category (code, name) in the database's order of their codes.
pub async fn categories_by_code(db: &Db) -> Result<Vec<(String, String)>, AppError> {
    Ok(
        sqlx::query_as("SELECT code, name FROM feedback_categories ORDER BY code")
            .fetch_all(&db.pool)
            .await?,
    )
}

/// What one span counts of one (agency, category) pair (`None` sums count nothing).
#[derive(Debug, sqlx::FromRow)]
pub struct SpanCount {
    pub agency_id: Option<String>,
    pub category_code: String,
    pub received: Option<i64>,
    pub answered: Option<i64>,
    pub on_time: Option<i64>,
    pub rated: Option<i64>,
    pub satisfied: Option<i64>,
}

/// The figures of [`group_counts`] for reports created or answered in [`start`, `end`) (UTC),
/// not those of now (open, overdue), per agency and category: read by index ranges of that
/// span only (`feedback_reports_created`, `feedback_reports_answered_at`).
pub async fn span_counts(db: &Db, (start, end): (&str, &str)) -> Result<Vec<SpanCount>, AppError> {
    Ok(sqlx::query_as(
        "SELECT agency_id, category_code, SUM(received) AS received, SUM(answered) AS answered,
            SUM(on_time) AS on_time, SUM(rated) AS rated, SUM(satisfied) AS satisfied
         FROM (
            SELECT r.agency_id, r.category_code, 1 AS received, 0 AS answered, 0 AS on_time,
                0 AS rated, 0 AS satisfied
            FROM feedback_reports r
            WHERE r.created_at >= $1 AND r.created_at < $2 AND r.status <> 'duplicate'
            UNION ALL
            SELECT r.agency_id, r.category_code, 0, 1,
                CASE WHEN r.answered_local <= r.due_local THEN 1 ELSE 0 END,
                CASE WHEN r.rating IS NOT NULL THEN 1 ELSE 0 END,
                CASE WHEN r.rating >= 3 THEN 1 ELSE 0 END
            FROM feedback_reports r
            WHERE r.answered_at >= $1 AND r.answered_at < $2 AND r.status <> 'duplicate'
         ) happened
         GROUP BY agency_id, category_code",
    )
    .bind(start)
    .bind(end)
    .fetch_all(&db.pool)
    .await?)
}

/// A group some report (not a duplicate) ever counted in: its key and name as
/// [`group_counts`] gives them, and what the span counts are keyed by (the agency's id,
/// `None` for reports no agency handles; the category's code).
#[derive(Debug, sqlx::FromRow)]
pub struct Group {
    pub key: String,
    pub name: Option<String>,
    pub id: Option<String>,
}

/// Every group by agency or category that [`group_counts`] lists, in its order: a probe per
/// agency or category (`feedback_reports_agency`, `feedback_reports_category`), not a scan.
pub async fn groups(db: &Db, by: By) -> Result<Vec<Group>, AppError> {
    let sql = match by {
        By::Agency => {
            "SELECT key, name, id FROM (
                SELECT a.code AS key, a.name AS name, a.id AS id FROM agencies a
                WHERE EXISTS (SELECT 1 FROM feedback_reports r
                              WHERE r.agency_id = a.id AND r.status <> 'duplicate')
                UNION ALL
                SELECT '' AS key, NULL AS name, NULL AS id
                WHERE EXISTS (SELECT 1 FROM feedback_reports r
                              WHERE r.agency_id IS NULL AND r.status <> 'duplicate')
             ) g ORDER BY key"
        }
        By::Category | By::Area => {
            "SELECT c.code AS key, c.name AS name, c.code AS id FROM feedback_categories c
             WHERE EXISTS (SELECT 1 FROM feedback_reports r
                           WHERE r.category_code = c.code AND r.status <> 'duplicate')
             ORDER BY key"
        }
    };
    Ok(sqlx::query_as(sql).fetch_all(&db.pool).await?)
}

/// What a changed report may have moved in the published statistics.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Touched {
    pub created_at: String,
    pub received_local: String,
    pub answered_at: Option<String>,
    pub reopened: i64,
}

/// The reports changed (`updated_at`: every action and moderation sets it) at or after `since`
/// (UTC text): a range of `feedback_reports_updated`.
pub async fn touched_since(db: &Db, since: &str) -> Result<Vec<Touched>, AppError> {
    Ok(sqlx::query_as(
        "SELECT created_at, received_local, answered_at, reopened FROM feedback_reports
         WHERE updated_at >= $1",
    )
    .bind(since)
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

/// The place clause of a scope (as [`drill_open`] reads it) and its parameters, numbered from
/// `$first`: `TRUE` for anywhere, `None` when the scope has no agency and no unit.
fn place_clause(
    agencies: &[String],
    all: bool,
    unit: Option<&str>,
    first: usize,
) -> Option<(String, Vec<String>)> {
    if all {
        return Some(("TRUE".to_owned(), Vec::new()));
    }
    let mut n = first - 1;
    let mut mark = || {
        n += 1;
        format!("${n}")
    };
    let ids: Vec<String> = agencies.iter().map(|_| mark()).collect();
    let unit_m = unit.map(|_| mark());
    if ids.is_empty() && unit_m.is_none() {
        return None;
    }
    let by_agency = if ids.is_empty() {
        "FALSE".to_owned()
    } else {
        format!("r.agency_id IN ({})", ids.join(", "))
    };
    let clause = match &unit_m {
        Some(u) => {
            format!("(r.admin_unit_code = {u} OR (r.admin_unit_code IS NULL AND {by_agency}))")
        }
        None => by_agency,
    };
    let mut binds = agencies.to_vec();
    binds.extend(unit.map(str::to_owned));
    Some((clause, binds))
}

/// A place on the map's grid: the zoom's cell size and the row and column ranges.
#[derive(Debug, Clone, Copy)]
pub struct Grid {
    pub size: f64,
    pub rows: (i64, i64),
    pub cols: (i64, i64),
}

/// The row and column of a report's cell, as `tinhso_domain::ops::map::Cell::of` computes
/// them (a size parameter `$k`): `FLOOR` on PostgreSQL (a cast rounds there), a cast on SQLite
/// (it truncates, and the values are never negative).
fn cell_exprs(db: &Db, k: &str) -> (String, String) {
    match db.backend {
        tinhso_kernel::db::Backend::Postgres => (
            format!("CAST(FLOOR((r.lat + 90.0) / {k}) AS BIGINT)"),
            format!("CAST(FLOOR((r.lon + 180.0) / {k}) AS BIGINT)"),
        ),
        tinhso_kernel::db::Backend::Sqlite => (
            format!("CAST((r.lat + 90.0) / {k} AS INTEGER)"),
            format!("CAST((r.lon + 180.0) / {k} AS INTEGER)"),
        ),
    }
}

/// What the map shows of the reports `feedback.received` counts: not duplicates, received on
/// local days `lo ≤ received_local < hi`, in the scope (as [`drill_open`]); and, like the
/// public pages, not hidden and with a position.
const MAPPED: &str = "r.status <> 'duplicate' AND r.hidden_reason IS NULL
    AND r.lat IS NOT NULL AND r.lon IS NOT NULL
    AND r.received_local >= $1 AND r.received_local < $2";

/// One cell's sums: row, column, reports, open, overdue, Σlat, Σlon, south, west, north, east.
pub type CellRow = (i64, i64, i64, i64, i64, f64, f64, f64, f64, f64, f64);

/// The mapped reports per cell of `grid` (one `GROUP BY`; the answer has at most the grid's
/// cells, whatever the number of reports): open is received, assigned or in progress;
/// overdue is open and due before `today` (`YYYY-MM-DD`).
#[allow(clippy::too_many_arguments)]
pub async fn geo_cells(
    db: &Db,
    agencies: &[String],
    all: bool,
    unit: Option<&str>,
    lo: &str,
    hi: &str,
    today: &str,
    grid: Grid,
) -> Result<Vec<CellRow>, AppError> {
    let Some((place, binds)) = place_clause(agencies, all, unit, 9) else {
        return Ok(Vec::new());
    };
    let (row, col) = cell_exprs(db, "$3");
    let sql = format!(
        "SELECT row_, col_, COUNT(*), CAST(SUM(open_) AS BIGINT), CAST(SUM(overdue_) AS BIGINT),
                SUM(lat), SUM(lon), MIN(lat), MIN(lon), MAX(lat), MAX(lon)
           FROM (SELECT {row} AS row_, {col} AS col_, r.lat AS lat, r.lon AS lon,
                        CASE WHEN r.status IN ('received', 'assigned', 'in_progress')
                             THEN 1 ELSE 0 END AS open_,
                        CASE WHEN r.status IN ('received', 'assigned', 'in_progress')
                              AND r.due_local < $4 THEN 1 ELSE 0 END AS overdue_
                   FROM feedback_reports r
                  WHERE {MAPPED} AND {place}) cells
          WHERE row_ >= $5 AND row_ <= $6 AND col_ >= $7 AND col_ <= $8
          GROUP BY row_, col_ ORDER BY row_, col_"
    );
    let mut q = sqlx::query_as::<_, CellRow>(sqlx::AssertSqlSafe(sql))
        .bind(lo)
        .bind(hi)
        .bind(grid.size)
        .bind(today)
        .bind(grid.rows.0)
        .bind(grid.rows.1)
        .bind(grid.cols.0)
        .bind(grid.cols.1);
    for b in binds {
        q = q.bind(b);
    }
    Ok(q.fetch_all(&db.pool).await?)
}

/// One group of a span's mapped reports (as [`geo_cells`] selects them): agency, unit, row and
/// column at the cell size bound, reports, open ones, Σlat, Σlon, south, west, north, east.
pub type PlacedCellRow = (
    Option<String>,
    Option<String>,
    i64,
    i64,
    i64,
    i64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
);

/// The mapped reports received on local days `lo ≤ received_local < hi`, per agency, unit and
/// cell of `size`: what the kept map of a closed span holds (`crate::map`), one `GROUP BY`
/// over a range of `feedback_reports_mapped`.
pub async fn placed_cells(
    db: &Db,
    lo: &str,
    hi: &str,
    size: f64,
) -> Result<Vec<PlacedCellRow>, AppError> {
    let (row, col) = cell_exprs(db, "$3");
    let sql = format!(
        "SELECT agency_id, unit_, row_, col_, COUNT(*), CAST(SUM(open_) AS BIGINT),
                SUM(lat), SUM(lon), MIN(lat), MIN(lon), MAX(lat), MAX(lon)
           FROM (SELECT r.agency_id AS agency_id, r.admin_unit_code AS unit_,
                        {row} AS row_, {col} AS col_, r.lat AS lat, r.lon AS lon,
                        CASE WHEN r.status IN ('received', 'assigned', 'in_progress')
                             THEN 1 ELSE 0 END AS open_
                   FROM feedback_reports r
                  WHERE {MAPPED}) cells
          GROUP BY agency_id, unit_, row_, col_"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(lo)
        .bind(hi)
        .bind(size)
        .fetch_all(&db.pool)
        .await?)
}

/// The due times (local) of the open mapped reports received on local days
/// `lo ≤ received_local < hi`, with their agency, unit and cell of `size`: what makes a kept
/// cell's overdue count, which moves with the clock.
pub async fn placed_open_dues(
    db: &Db,
    lo: &str,
    hi: &str,
    size: f64,
) -> Result<Vec<(Option<String>, Option<String>, i64, i64, Option<String>)>, AppError> {
    let (row, col) = cell_exprs(db, "$3");
    let sql = format!(
        "SELECT r.agency_id, r.admin_unit_code, {row}, {col}, r.due_local
           FROM feedback_reports r
          WHERE {MAPPED} AND r.status IN ('received', 'assigned', 'in_progress')"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(lo)
        .bind(hi)
        .bind(size)
        .fetch_all(&db.pool)
        .await?)
}

/// The mapped reports of `grid` (as [`geo_cells`] counts them), keyset pages in id order: id,
/// code, title, agency, received time, status.
#[allow(clippy::too_many_arguments)]
pub async fn drill_mapped(
    db: &Db,
    agencies: &[String],
    all: bool,
    unit: Option<&str>,
    lo: &str,
    hi: &str,
    grid: Grid,
    after: &str,
    limit: i64,
) -> Result<Vec<DrillReport>, AppError> {
    let Some((place, binds)) = place_clause(agencies, all, unit, 10) else {
        return Ok(Vec::new());
    };
    let (row, col) = cell_exprs(db, "$3");
    let sql = format!(
        "SELECT r.id, r.code, r.title, COALESCE(a.name, ''), r.received_local, r.status
           FROM feedback_reports r
           LEFT JOIN agencies a ON a.id = r.agency_id
          WHERE {MAPPED} AND {place}
            AND {row} >= $4 AND {row} <= $5 AND {col} >= $6 AND {col} <= $7
            AND r.id > $8
          ORDER BY r.id LIMIT $9"
    );
    let mut q = sqlx::query_as::<_, DrillReport>(sqlx::AssertSqlSafe(sql))
        .bind(lo)
        .bind(hi)
        .bind(grid.size)
        .bind(grid.rows.0)
        .bind(grid.rows.1)
        .bind(grid.cols.0)
        .bind(grid.cols.1)
        .bind(after)
        .bind(limit);
    for b in binds {
        q = q.bind(b);
    }
    Ok(q.fetch_all(&db.pool).await?)
}
