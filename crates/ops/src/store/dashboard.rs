//! The dashboard's reads (docs/operations-design.md §5): counters of many scopes at once (the
//! ranking), by breakdown key (dossiers by field), "overdue now" (open items by due day before
//! today), and the agencies a scope ranks and lists. Every read is a range of the counters'
//! primary key (scope, grain, breakdown, period, source) or of the agencies: nothing grows with
//! the number of dossiers.

use std::collections::BTreeMap;
use tinhso_domain::ops::period::{Bucket, Window, decompose};
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

/// The (grain, period) a bucket's counters are kept under.
pub fn bucket_key(b: Bucket) -> (&'static str, String) {
    match b {
        Bucket::Day(d) => ("d", d.format("%Y-%m-%d").to_string()),
        Bucket::Month(y, m) => ("m", format!("{y:04}-{m:02}")),
        Bucket::Decree09Month(y, m) => ("r", format!("{y:04}-{m:02}")),
    }
}

/// `$n` placeholders numbered from `start + 1` on.
pub(crate) fn marks_from(start: usize) -> impl FnMut() -> String {
    let mut n = start;
    move || {
        n += 1;
        format!("${n}")
    }
}

/// A window's buckets as ranges of the counters' primary key (scope, grain, breakdown, period,
/// source): the periods of each grain. One grain's periods are one `period IN (…)` after the
/// equalities on scope, grain and breakdown, and grains are joined by `UNION ALL`: one index
/// scan a grain whatever the plan. (The earlier `OR` of `(grain, period)` pairs was a
/// `BitmapOr` of one index probe per bucket in PostgreSQL's generic plan: 0.6 ms against
/// 0.27 ms for a province-year at 10⁶ dossiers, docs/benchmarks.md.)
#[derive(Debug, Default)]
pub struct Ranges {
    by_grain: BTreeMap<&'static str, Vec<String>>,
}

impl Ranges {
    pub fn of(buckets: impl IntoIterator<Item = (&'static str, String)>) -> Ranges {
        let mut by_grain: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
        for (grain, period) in buckets {
            by_grain.entry(grain).or_default().push(period);
        }
        Ranges { by_grain }
    }

    pub fn of_window(window: Window) -> Ranges {
        Ranges::of(decompose(window).into_iter().map(bucket_key))
    }

    pub fn is_empty(&self) -> bool {
        self.by_grain.is_empty()
    }

    /// `SELECT columns FROM ops_counters WHERE filter AND grain = '…' AND period IN (…)` for each
    /// grain, joined by `UNION ALL`; the periods are `$n` from `mark` on, bound in the order of
    /// [`Ranges::periods`]. `filter` holds the conditions on scope, breakdown and source.
    pub fn select(&self, columns: &str, filter: &str, mark: &mut impl FnMut() -> String) -> String {
        self.by_grain
            .iter()
            .map(|(grain, periods)| {
                let marks: Vec<String> = periods.iter().map(|_| mark()).collect();
                // The grains are our own constants ("d", "m", "r"), never input.
                format!(
                    "SELECT {columns} FROM ops_counters WHERE {filter} AND grain = '{grain}' AND period IN ({})",
                    marks.join(", ")
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ")
    }

    /// The periods in the order [`Ranges::select`] numbers them.
    pub fn periods(&self) -> impl Iterator<Item = &String> {
        self.by_grain.values().flatten()
    }
}

/// `sources` summed over the window's buckets for each of `scopes` (key `*`): one query,
/// at most scopes × buckets × sources rows. Scopes and sources without counters are absent.
pub async fn sum_many(
    tx: &mut Conn,
    scopes: &[String],
    window: Window,
    sources: &[&str],
) -> Result<BTreeMap<(String, String), i64>, AppError> {
    let mut out = BTreeMap::new();
    let ranges = Ranges::of_window(window);
    if scopes.is_empty() || sources.is_empty() || ranges.is_empty() {
        return Ok(out);
    }
    let mut mark = marks_from(0);
    let scope_m: Vec<String> = scopes.iter().map(|_| mark()).collect();
    let names: Vec<String> = sources.iter().map(|_| mark()).collect();
    let filter = format!(
        "scope IN ({}) AND breakdown = '*' AND source IN ({})",
        scope_m.join(", "),
        names.join(", ")
    );
    let sql = format!(
        "SELECT scope, source, CAST(SUM(n) AS BIGINT) FROM ({}) c GROUP BY scope, source",
        ranges.select("scope, source, n", &filter, &mut mark)
    );
    let mut q = sqlx::query_as::<_, (String, String, i64)>(sqlx::AssertSqlSafe(sql));
    for s in scopes {
        q = q.bind(s);
    }
    for s in sources {
        q = q.bind(*s);
    }
    for period in ranges.periods() {
        q = q.bind(period.clone());
    }
    for (scope, source, n) in q.fetch_all(&mut *tx).await? {
        out.insert((scope, source), n);
    }
    Ok(out)
}

/// `sources` of `scope` by breakdown key over whole-month buckets (`m` or `r` grain, as
/// `(grain, period)` pairs): keys are kept only at month grains.
pub async fn by_key(
    db: &Db,
    scope: &str,
    months: &[(&'static str, String)],
    sources: &[&str],
) -> Result<Vec<(String, String, i64)>, AppError> {
    let ranges = Ranges::of(months.iter().cloned());
    if ranges.is_empty() || sources.is_empty() {
        return Ok(Vec::new());
    }
    let mut mark = marks_from(1);
    let names: Vec<String> = sources.iter().map(|_| mark()).collect();
    let filter = format!(
        "scope = $1 AND breakdown <> '*' AND source IN ({})",
        names.join(", ")
    );
    let sql = format!(
        "SELECT breakdown, source, CAST(SUM(n) AS BIGINT) FROM ({}) c
          GROUP BY breakdown, source ORDER BY breakdown, source",
        ranges.select("breakdown, source, n", &filter, &mut mark)
    );
    let mut q = sqlx::query_as::<_, (String, String, i64)>(sqlx::AssertSqlSafe(sql)).bind(scope);
    for s in sources {
        q = q.bind(*s);
    }
    for period in ranges.periods() {
        q = q.bind(period.clone());
    }
    Ok(q.fetch_all(&db.pool).await?)
}

/// Open items of `scope` due before `today` ("overdue now"), per source: the calendar-month
/// rows before `today`'s month and the day rows of its month before `today` (`YYYY-MM` and
/// `YYYY-MM-DD`). Two ranges of the primary key (scope, grain, breakdown, period), one per
/// grain: an `OR` across grains would read every counter of the scope.
pub async fn overdue_now(
    db: &Db,
    scope: &str,
    month: &str,
    month_start: &str,
    today: &str,
    sources: &[&str],
) -> Result<BTreeMap<String, i64>, AppError> {
    let mut out: BTreeMap<String, i64> = sources.iter().map(|s| ((*s).to_owned(), 0)).collect();
    if sources.is_empty() {
        return Ok(out);
    }
    let names: Vec<String> = {
        let mut mark = marks_from(4);
        sources.iter().map(|_| mark()).collect()
    };
    let sql = format!(
        "SELECT source, CAST(SUM(n) AS BIGINT) FROM (
            SELECT source, n FROM ops_counters
             WHERE scope = $1 AND grain = 'm' AND breakdown = '*' AND period < $2
               AND source IN ({names})
            UNION ALL
            SELECT source, n FROM ops_counters
             WHERE scope = $1 AND grain = 'd' AND breakdown = '*' AND period >= $3
               AND period < $4 AND source IN ({names})
          ) open_rows GROUP BY source",
        names = names.join(", ")
    );
    let mut q = sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(sql))
        .bind(scope)
        .bind(month)
        .bind(month_start)
        .bind(today);
    for s in sources {
        q = q.bind(*s);
    }
    for (source, n) in q.fetch_all(&db.pool).await? {
        out.insert(source, n);
    }
    Ok(out)
}

/// An agency as the dashboard names it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AgencyName {
    pub id: String,
    pub code: String,
    pub name: String,
}

/// The agencies directly below the province's top agencies (the departments and the
/// communes' People's Committees): what the province's dashboard ranks.
pub async fn province_children(db: &Db) -> Result<Vec<AgencyName>, AppError> {
    Ok(sqlx::query_as(
        "SELECT a.id, a.code, a.name FROM agencies a JOIN agencies top ON top.id = a.parent_id
          WHERE top.parent_id IS NULL ORDER BY a.code",
    )
    .fetch_all(&db.pool)
    .await?)
}

/// The agencies directly below `agency_id`.
pub async fn children(db: &Db, agency_id: &str) -> Result<Vec<AgencyName>, AppError> {
    Ok(
        sqlx::query_as("SELECT id, code, name FROM agencies WHERE parent_id = $1 ORDER BY code")
            .bind(agency_id)
            .fetch_all(&db.pool)
            .await?,
    )
}

/// An agency's name, if it exists.
pub async fn agency(db: &Db, agency_id: &str) -> Result<Option<AgencyName>, AppError> {
    Ok(
        sqlx::query_as("SELECT id, code, name FROM agencies WHERE id = $1")
            .bind(agency_id)
            .fetch_optional(&db.pool)
            .await?,
    )
}

/// The People's Committee governing the unit `code`, and the unit's name.
pub async fn unit_committee(
    db: &Db,
    code: &str,
) -> Result<(Option<String>, Option<String>), AppError> {
    let name: Option<String> = sqlx::query_scalar("SELECT name FROM admin_units WHERE code = $1")
        .bind(code)
        .fetch_optional(&db.pool)
        .await?;
    let committee: Option<String> = sqlx::query_scalar(
        "SELECT a.id FROM agencies a JOIN admin_units u ON u.id = a.admin_unit_id
          WHERE u.code = $1 AND a.kind = 'peoples_committee' ORDER BY a.code LIMIT 1",
    )
    .bind(code)
    .fetch_optional(&db.pool)
    .await?;
    Ok((committee, name))
}

/// Every agency's id (the province's drill-downs list by agency, the indexes' first column).
pub async fn all_agencies(db: &Db) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar("SELECT id FROM agencies ORDER BY id")
        .fetch_all(&db.pool)
        .await?)
}

/// The names of procedure fields (lĩnh vực, the one-stop catalog's `procedure_fields`) by
/// code: one query for a page's fields. Codes the catalog does not have are absent.
pub async fn field_names(db: &Db, codes: &[String]) -> Result<BTreeMap<String, String>, AppError> {
    if codes.is_empty() {
        return Ok(BTreeMap::new());
    }
    let mut mark = marks_from(0);
    let marks: Vec<String> = codes.iter().map(|_| mark()).collect();
    let sql = format!(
        "SELECT code, name FROM procedure_fields WHERE code IN ({})",
        marks.join(", ")
    );
    let mut q = sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(sql));
    for c in codes {
        q = q.bind(c);
    }
    Ok(q.fetch_all(&db.pool).await?.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_grain_is_one_range_of_the_primary_key() {
        let ranges = Ranges::of([
            ("d", "2025-01-30".to_owned()),
            ("m", "2025-02".to_owned()),
            ("d", "2025-01-31".to_owned()),
            ("m", "2025-03".to_owned()),
        ]);
        let mut mark = marks_from(1);
        let sql = ranges.select("source, n", "scope = $1", &mut mark);
        assert_eq!(
            sql,
            "SELECT source, n FROM ops_counters WHERE scope = $1 AND grain = 'd' AND period IN ($2, $3) \
             UNION ALL SELECT source, n FROM ops_counters WHERE scope = $1 AND grain = 'm' AND period IN ($4, $5)"
        );
        let periods: Vec<&String> = ranges.periods().collect();
        assert_eq!(periods, ["2025-01-30", "2025-01-31", "2025-02", "2025-03"]);
        assert_eq!(mark(), "$6", "the caller's next value follows the periods");
    }
}
