//! The index's reads: counters summed over a window's buckets, and whether a scope exists.

use super::dashboard::{Ranges, marks_from};
use std::collections::BTreeMap;
use tinhso_domain::ops::period::Window;
use tinhso_domain::ops::scope::Scope;
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

/// Sums `sources` over the window's buckets for `scope` (all breakdown keys): one query
/// reading at most buckets × sources rows.
pub async fn sum_sources(
    tx: &mut Conn,
    scope: &str,
    window: Window,
    sources: &[&str],
) -> Result<BTreeMap<String, i64>, AppError> {
    let mut out: BTreeMap<String, i64> = sources.iter().map(|s| ((*s).to_owned(), 0)).collect();
    if sources.is_empty() {
        return Ok(out);
    }
    let ranges = Ranges::of_window(window);
    if ranges.is_empty() {
        return Ok(out);
    }
    let mut mark = marks_from(1);
    let names: Vec<String> = sources.iter().map(|_| mark()).collect();
    let filter = format!(
        "scope = $1 AND breakdown = '*' AND source IN ({})",
        names.join(", ")
    );
    let sql = format!(
        "SELECT source, CAST(SUM(n) AS BIGINT) FROM ({}) c GROUP BY source",
        ranges.select("source, n", &filter, &mut mark)
    );
    let mut q = sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(sql)).bind(scope);
    for s in sources {
        q = q.bind(*s);
    }
    for period in ranges.periods() {
        q = q.bind(period.clone());
    }
    for (source, n) in q.fetch_all(&mut *tx).await? {
        out.insert(source, n);
    }
    Ok(out)
}

/// Whether the scope names something that exists (an agency id, a unit code).
pub async fn exists(db: &Db, scope: &Scope) -> Result<bool, AppError> {
    let n: i64 = match scope {
        Scope::Province => return Ok(true),
        Scope::Agency(id) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM agencies WHERE id = $1")
                .bind(id)
                .fetch_one(&db.pool)
                .await?
        }
        Scope::Unit(code) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM admin_units WHERE code = $1")
                .bind(code)
                .fetch_one(&db.pool)
                .await?
        }
    };
    Ok(n > 0)
}
