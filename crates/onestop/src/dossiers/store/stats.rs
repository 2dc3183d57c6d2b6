//! The figures of `dossiers::stats`: counts over dossiers, and the names rows are grouped by.

use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

/// The agency `agency_id` and those below it (at most 16 levels down).
pub async fn agency_and_below(db: &Db, agency_id: &str) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar(
        "WITH RECURSIVE down(id, depth) AS (
            SELECT id, 0 FROM agencies WHERE id = $1
            UNION ALL
            SELECT a.id, down.depth + 1 FROM agencies a JOIN down ON a.parent_id = down.id WHERE down.depth < 16
         ) SELECT id FROM down",
    )
    .bind(agency_id)
    .fetch_all(&db.pool)
    .await?)
}

/// The counts of one (agency, procedure) pair; a sum over no rows is `None`.
#[derive(Debug, sqlx::FromRow)]
pub struct CountRow {
    pub agency_id: String,
    pub procedure_code: String,
    pub received: Option<i64>,
    pub online: Option<i64>,
    pub counter: Option<i64>,
    pub post: Option<i64>,
    pub early: Option<i64>,
    pub on_time: Option<i64>,
    pub late: Option<i64>,
    pub pending: Option<i64>,
    pub overdue: Option<i64>,
    pub rated: Option<i64>,
    pub satisfied: Option<i64>,
}

/// Counts per (agency, procedure) pair of what happened in `[start, end)` (UTC text), and of
/// what is pending or overdue at the local time `now`, in `agencies` (all when `None`): the
/// one scan over dossiers, read from the covering index `dossiers_stats`, so a province-year
/// never touches the wide table rows.
pub async fn counts(
    db: &Db,
    start: &str,
    end: &str,
    now: &str,
    agencies: Option<&[String]>,
) -> Result<Vec<CountRow>, AppError> {
    let scope = match agencies {
        None => String::new(),
        Some([]) => " AND 1 = 0".into(),
        Some(ids) => format!(
            " AND agency_id IN ({})",
            (0..ids.len())
                .map(|i| format!("${}", i + 4))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let in_period = |column: &str| format!("{column} >= $1 AND {column} < $2");
    let sql = format!(
        "SELECT agency_id, procedure_code,
            SUM(CASE WHEN {sub} THEN 1 ELSE 0 END) AS received,
            SUM(CASE WHEN {sub} AND channel = 'online' THEN 1 ELSE 0 END) AS online,
            SUM(CASE WHEN {sub} AND channel = 'counter' THEN 1 ELSE 0 END) AS counter,
            SUM(CASE WHEN {sub} AND channel = 'post' THEN 1 ELSE 0 END) AS post,
            SUM(CASE WHEN {fin} AND outcome = 'early' THEN 1 ELSE 0 END) AS early,
            SUM(CASE WHEN {fin} AND outcome = 'on_time' THEN 1 ELSE 0 END) AS on_time,
            SUM(CASE WHEN {fin} AND outcome = 'late' THEN 1 ELSE 0 END) AS late,
            SUM(CASE WHEN state IN ('submitted', 'in_progress', 'supplement_requested') THEN 1 ELSE 0 END) AS pending,
            SUM(CASE WHEN state = 'in_progress' AND due_local < $3 THEN 1 ELSE 0 END) AS overdue,
            SUM(CASE WHEN {rated} AND rating IS NOT NULL THEN 1 ELSE 0 END) AS rated,
            SUM(CASE WHEN {rated} AND rating >= 3 THEN 1 ELSE 0 END) AS satisfied
         FROM dossiers WHERE state <> 'draft'{scope}
         GROUP BY agency_id, procedure_code",
        sub = in_period("submitted_at"),
        fin = in_period("finished_at"),
        rated = in_period("rated_at"),
    );
    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(start)
        .bind(end)
        .bind(now);
    for id in agencies.unwrap_or_default() {
        query = query.bind(id);
    }
    Ok(query.fetch_all(&db.pool).await?)
}

/// What one span counts of one (agency, procedure) pair; a sum over no rows is `None`.
#[derive(Debug, sqlx::FromRow)]
pub struct SpanRow {
    pub agency_id: String,
    pub procedure_code: String,
    pub received: Option<i64>,
    pub online: Option<i64>,
    pub counter: Option<i64>,
    pub post: Option<i64>,
    pub early: Option<i64>,
    pub on_time: Option<i64>,
    pub late: Option<i64>,
    pub rated: Option<i64>,
    pub satisfied: Option<i64>,
    /// Of the received, those that may still be forwarded to another agency
    /// (`tinhso_domain::dossier::may_be_forwarded`).
    pub movable: Option<i64>,
}

/// The figures of `counts` for what happened in `[start, end)` (UTC text) — received by
/// channel, processed by outcome, rated and satisfied, not the figures of now — read by index
/// ranges of that span only: `dossiers_submitted`, `dossiers_finished_at`, `dossiers_rated_at`.
/// So a month costs its own dossiers, whatever the history.
pub async fn span_counts(db: &Db, start: &str, end: &str) -> Result<Vec<SpanRow>, AppError> {
    // `tinhso_domain::dossier::may_be_forwarded`, in SQL.
    let back_to_intake: Vec<String> = tinhso_domain::dossier::BACK_TO_INTAKE_AT_STEP_ZERO
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    let sql = format!(
        "SELECT agency_id, procedure_code, SUM(received) AS received, SUM(online) AS online,
            SUM(counter) AS counter, SUM(post) AS post, SUM(early) AS early,
            SUM(on_time) AS on_time, SUM(late) AS late, SUM(rated) AS rated,
            SUM(satisfied) AS satisfied, SUM(movable) AS movable
         FROM (
            SELECT agency_id, procedure_code, 1 AS received,
                CASE WHEN channel = 'online' THEN 1 ELSE 0 END AS online,
                CASE WHEN channel = 'counter' THEN 1 ELSE 0 END AS counter,
                CASE WHEN channel = 'post' THEN 1 ELSE 0 END AS post,
                0 AS early, 0 AS on_time, 0 AS late, 0 AS rated, 0 AS satisfied,
                CASE WHEN state = 'submitted' OR (step = 0 AND state IN ({back_to_intake}))
                    THEN 1 ELSE 0 END AS movable
            FROM dossiers WHERE submitted_at >= $1 AND submitted_at < $2 AND state <> 'draft'
            UNION ALL
            SELECT agency_id, procedure_code, 0, 0, 0, 0,
                CASE WHEN outcome = 'early' THEN 1 ELSE 0 END,
                CASE WHEN outcome = 'on_time' THEN 1 ELSE 0 END,
                CASE WHEN outcome = 'late' THEN 1 ELSE 0 END,
                0, 0, 0
            FROM dossiers WHERE finished_at >= $1 AND finished_at < $2 AND state <> 'draft'
            UNION ALL
            SELECT agency_id, procedure_code, 0, 0, 0, 0, 0, 0, 0,
                CASE WHEN rating IS NOT NULL THEN 1 ELSE 0 END,
                CASE WHEN rating >= 3 THEN 1 ELSE 0 END,
                0
            FROM dossiers WHERE rated_at >= $1 AND rated_at < $2 AND state <> 'draft'
         ) happened
         GROUP BY agency_id, procedure_code",
        back_to_intake = back_to_intake.join(", ")
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(start)
        .bind(end)
        .fetch_all(&db.pool)
        .await?)
}

/// The first and the last submission time (UTC text) of any dossier, `None` when none was
/// submitted: two probes of `dossiers_submitted`.
pub async fn submitted_between(db: &Db) -> Result<Option<(String, String)>, AppError> {
    let first: Option<String> = sqlx::query_scalar("SELECT MIN(submitted_at) FROM dossiers")
        .fetch_one(&db.pool)
        .await?;
    let last: Option<String> = sqlx::query_scalar("SELECT MAX(submitted_at) FROM dossiers")
        .fetch_one(&db.pool)
        .await?;
    Ok(first.zip(last))
}

#[derive(Debug, sqlx::FromRow)]
pub struct AgencyName {
    pub id: String,
    pub code: String,
    pub name: String,
}

/// Every agency's code and name.
pub async fn agency_names(db: &Db) -> Result<Vec<AgencyName>, AppError> {
    Ok(sqlx::query_as("SELECT id, code, name FROM agencies")
        .fetch_all(&db.pool)
        .await?)
}

#[derive(Debug, sqlx::FromRow)]
pub struct ProcedureName {
    pub code: String,
    pub name: String,
    pub field_code: String,
    pub field_name: String,
}

/// Every procedure's name, with the field it belongs to.
pub async fn procedure_names(db: &Db) -> Result<Vec<ProcedureName>, AppError> {
    Ok(sqlx::query_as(
        "SELECT p.code, p.name, p.field_code, f.name AS field_name FROM procedures p JOIN procedure_fields f ON f.code = p.field_code",
    )
    .fetch_all(&db.pool)
    .await?)
}

/// What the operations centre reads of one dossier (`kpi::COUNTING`).
#[derive(Debug, sqlx::FromRow)]
pub struct CountingRow {
    pub agency_id: String,
    pub channel: String,
    pub state: String,
    pub submitted_at: Option<String>,
    pub accepted_at: Option<String>,
    pub finished_at: Option<String>,
    pub outcome: Option<String>,
    pub due_local: Option<String>,
    pub rating: Option<i64>,
    pub rated_at: Option<String>,
    /// The procedure's field (`None` if the procedure left the catalog).
    pub field_code: Option<String>,
}

/// One dossier as the operations centre counts it, read in the caller's transaction.
pub async fn counting_row(tx: &mut Conn, id: &str) -> Result<Option<CountingRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT d.agency_id, d.channel, d.state, d.submitted_at, d.accepted_at, d.finished_at,
                d.outcome, d.due_local, d.rating, d.rated_at, p.field_code
           FROM dossiers d LEFT JOIN procedures p ON p.code = d.procedure_code
          WHERE d.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?)
}

/// The ids of submitted dossiers after `after`, in id order, at most `limit`.
pub async fn counting_ids(tx: &mut Conn, after: &str, limit: i64) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM dossiers WHERE id > $1 AND state <> 'draft' ORDER BY id LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?)
}

/// How a drill-down source picks dossiers (docs/operations-design.md §5): the same predicate
/// as the source's marks (`crate::kpi`), and the column whose local day places them.
pub enum DrillPick {
    /// Finished with one of these outcomes, by the UTC moment `finished_at`.
    Finished(&'static [&'static str]),
    /// In progress, by the local due time `due_local`.
    Open,
}

/// A dossier of a drill-down: id, code, procedure, agency, the placing time, state.
pub type DrillDossier = (String, String, String, String, String, String);

/// The dossiers a drill-down lists: of `agencies`, picked by `pick` between two bounds of the
/// placing column (`lo` ≤ value < `hi`, as stored: UTC texts for moments, local texts for
/// due times), of one field when `field` is set; keyset pages in id order. The agency is the
/// leading column of the indexes used (`dossiers_queue`, `dossiers_finished`), so a page reads the matching dossiers, not the table.
#[allow(clippy::too_many_arguments)]
pub async fn drill(
    db: &Db,
    agencies: &[String],
    pick: &DrillPick,
    lo: &str,
    hi: &str,
    field: Option<&str>,
    after: &str,
    limit: i64,
) -> Result<Vec<DrillDossier>, AppError> {
    if agencies.is_empty() {
        return Ok(Vec::new());
    }
    let mut n = 0;
    let mut mark = || {
        n += 1;
        format!("${n}")
    };
    let ids: Vec<String> = agencies.iter().map(|_| mark()).collect();
    let (lo_m, hi_m, after_m, limit_m) = (mark(), mark(), mark(), mark());
    let (column, extra) = match pick {
        DrillPick::Finished(outcomes) => {
            let list: Vec<String> = outcomes.iter().map(|o| format!("'{o}'")).collect();
            (
                "d.finished_at",
                format!("AND d.outcome IN ({})", list.join(", ")),
            )
        }
        DrillPick::Open => ("d.due_local", "AND d.state = 'in_progress'".to_owned()),
    };
    let field_m = field.map(|_| mark());
    let field_sql = field_m
        .as_deref()
        .map(|m| format!("AND p.field_code = {m}"))
        .unwrap_or_default();
    let sql = format!(
        "SELECT d.id, d.code, d.procedure_name, a.name, {column}, d.state
           FROM dossiers d
           JOIN agencies a ON a.id = d.agency_id
           LEFT JOIN procedures p ON p.code = d.procedure_code
          WHERE d.agency_id IN ({ids}) {extra}
            AND {column} >= {lo_m} AND {column} < {hi_m} AND d.id > {after_m} {field_sql}
          ORDER BY d.id LIMIT {limit_m}",
        ids = ids.join(", ")
    );
    let mut q = sqlx::query_as::<_, (String, Option<String>, String, String, String, String)>(
        sqlx::AssertSqlSafe(sql),
    );
    for a in agencies {
        q = q.bind(a);
    }
    q = q.bind(lo).bind(hi).bind(after).bind(limit);
    if let Some(f) = field {
        q = q.bind(f);
    }
    Ok(q.fetch_all(&db.pool)
        .await?
        .into_iter()
        .map(|(id, code, name, agency, at, state)| {
            (id, code.unwrap_or_default(), name, agency, at, state)
        })
        .collect())
}
