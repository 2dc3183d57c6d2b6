//! The index's reads: counters summed over a window's buckets, and whether a scope exists.

use std::collections::BTreeMap;
use tinhso_domain::ops::period::{Bucket, Window, decompose};
use tinhso_domain::ops::scope::Scope;
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

/// The (grain, period) a bucket's counters are kept under.
fn bucket_key(b: Bucket) -> (&'static str, String) {
    match b {
        Bucket::Day(d) => ("d", d.format("%Y-%m-%d").to_string()),
        Bucket::Month(y, m) => ("m", format!("{y:04}-{m:02}")),
        Bucket::Decree09Month(y, m) => ("r", format!("{y:04}-{m:02}")),
    }
}

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
    let buckets: Vec<(&str, String)> = decompose(window).into_iter().map(bucket_key).collect();
    let mut n = 1;
    let mut mark = || {
        n += 1;
        format!("${n}")
    };
    let pairs: Vec<String> = buckets
        .iter()
        .map(|_| format!("(grain = {} AND period = {})", mark(), mark()))
        .collect();
    let names: Vec<String> = sources.iter().map(|_| mark()).collect();
    let sql = format!(
        "SELECT source, CAST(SUM(n) AS BIGINT) FROM ops_counters
          WHERE scope = $1 AND breakdown = '*' AND ({}) AND source IN ({})
          GROUP BY source",
        pairs.join(" OR "),
        names.join(", ")
    );
    let mut q = sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(sql)).bind(scope);
    for (grain, period) in &buckets {
        q = q.bind(*grain).bind(period.clone());
    }
    for s in sources {
        q = q.bind(*s);
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
