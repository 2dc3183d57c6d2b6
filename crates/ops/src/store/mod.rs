//! The operations centre's SQL: counted items, counters and the counting's state; the index's
//! reads ([`index`]) and versions ([`versions`]).

pub mod dashboard;
pub mod declarations;
pub mod index;
pub mod report_schedules;
pub mod reports;
pub mod versions;

use std::collections::BTreeMap;
use tinhso_domain::ops::counters::{CounterKey, Grain, Mark};
use tinhso_kernel::db::{Backend, Conn, Db};
use tinhso_kernel::error::AppError;

/// Rows per multi-row statement (6 parameters each, far below SQLite's limit).
const CHUNK: usize = 200;

/// Locks the item's row, inserting it empty if it was never counted, and returns the marks it
/// was counted with. On PostgreSQL the row lock serialises two deliveries about one item (the
/// insert of a new item waits on its unique key); on SQLite the write lock already does.
pub async fn lock_item(
    db: &Db,
    tx: &mut Conn,
    kind: &str,
    item: &str,
    now: &str,
) -> Result<Vec<Mark>, AppError> {
    sqlx::query(
        "INSERT INTO ops_items (kind, item, marks, counted_at) VALUES ($1, $2, '[]', $3)
         ON CONFLICT (kind, item) DO NOTHING",
    )
    .bind(kind)
    .bind(item)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let sql = format!(
        "SELECT marks FROM ops_items WHERE kind = $1 AND item = $2{}",
        db.lock_rows("ops_items")
    );
    let marks: String = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(kind)
        .bind(item)
        .fetch_one(&mut *tx)
        .await?;
    parse_marks(&marks)
}

fn parse_marks(text: &str) -> Result<Vec<Mark>, AppError> {
    serde_json::from_str(text)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("ops_items.marks unreadable: {e}")))
}

fn marks_text(marks: &[Mark]) -> String {
    serde_json::to_string(marks).unwrap_or_else(|_| "[]".to_owned())
}

/// The items of `kind` counted so far.
pub async fn counted_items(tx: &mut Conn, kind: &str) -> Result<Vec<String>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT item FROM ops_items WHERE kind = $1")
            .bind(kind)
            .fetch_all(&mut *tx)
            .await?,
    )
}

/// Stores the marks an item is now counted with.
pub async fn put_item(
    tx: &mut Conn,
    kind: &str,
    item: &str,
    marks: &[Mark],
    event_id: Option<&str>,
    now: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE ops_items SET marks = $3, event_id = $4, counted_at = $5 WHERE kind = $1 AND item = $2",
    )
    .bind(kind)
    .bind(item)
    .bind(marks_text(marks))
    .bind(event_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Inserts counted items (a rebuild, after emptying the table).
pub async fn insert_items(
    tx: &mut Conn,
    kind: &str,
    items: &[(String, Vec<Mark>)],
    now: &str,
) -> Result<(), AppError> {
    for chunk in items.chunks(CHUNK) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("($1, ${}, ${}, $2)", 3 + 2 * i, 4 + 2 * i))
            .collect();
        let sql = format!(
            "INSERT INTO ops_items (kind, item, marks, counted_at) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(kind).bind(now);
        for (item, marks) in chunk {
            q = q.bind(item).bind(marks_text(marks));
        }
        q.execute(&mut *tx).await?;
    }
    Ok(())
}

/// Adds `deltas` to the counters, as multi-row upserts in key order: every writer takes the
/// rows' locks in the same order, so two deliveries cannot deadlock.
pub async fn add(tx: &mut Conn, deltas: &BTreeMap<CounterKey, i64>) -> Result<(), AppError> {
    let rows: Vec<_> = deltas.iter().collect();
    for chunk in rows.chunks(CHUNK) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = 6 * i;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO ops_counters (scope, grain, breakdown, period, source, n) VALUES {}
             ON CONFLICT (scope, grain, breakdown, period, source)
             DO UPDATE SET n = ops_counters.n + excluded.n",
            values.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (k, n) in chunk {
            q = q
                .bind(k.scope.as_str())
                .bind(k.grain.code())
                .bind(k.key.as_str())
                .bind(k.period.as_str())
                .bind(k.source.as_str())
                .bind(**n);
        }
        q.execute(&mut *tx).await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct CounterRow {
    scope: String,
    grain: String,
    breakdown: String,
    period: String,
    source: String,
    n: i64,
}

/// Every counter that is not zero.
pub async fn counters(tx: &mut Conn) -> Result<BTreeMap<CounterKey, i64>, AppError> {
    let rows: Vec<CounterRow> = sqlx::query_as(
        "SELECT scope, grain, breakdown, period, source, n FROM ops_counters WHERE n <> 0",
    )
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some((
                CounterKey {
                    scope: r.scope,
                    grain: Grain::of_code(&r.grain)?,
                    key: r.breakdown,
                    period: r.period,
                    source: r.source,
                },
                r.n,
            ))
        })
        .collect())
}

/// One source's counters of a scope in a grain, by period and key, between two periods
/// (inclusive, as stored: `YYYY-MM-DD` or `YYYY-MM`).
pub async fn series(
    db: &Db,
    scope: &str,
    grain: Grain,
    from: &str,
    to: &str,
) -> Result<Vec<(String, String, String, i64)>, AppError> {
    let rows: Vec<CounterRow> = sqlx::query_as(
        "SELECT scope, grain, breakdown, period, source, n FROM ops_counters
          WHERE scope = $1 AND grain = $2 AND period >= $3 AND period <= $4 AND n <> 0
          ORDER BY breakdown, period, source",
    )
    .bind(scope)
    .bind(grain.code())
    .bind(from)
    .bind(to)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.source, r.breakdown, r.period, r.n))
        .collect())
}

/// Keeps deliveries out while a rebuild replaces the tables: on PostgreSQL a lock that waits for
/// the deliveries in flight and holds new ones until the rebuild commits; on SQLite the write
/// transaction (`BEGIN IMMEDIATE`) already excludes every other writer.
pub async fn lock_for_rebuild(db: &Db, tx: &mut Conn) -> Result<(), AppError> {
    if db.backend == Backend::Postgres {
        sqlx::query("LOCK TABLE ops_items, ops_counters IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Empties the items and counters (a rebuild's first step, in its transaction).
pub async fn clear(tx: &mut Conn) -> Result<(), AppError> {
    sqlx::query("DELETE FROM ops_items")
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM ops_counters")
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// An agency and its ancestors (at most 16 levels up), the agency first.
pub async fn agency_and_above(tx: &mut Conn, agency_id: &str) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar(
        "WITH RECURSIVE up(id, parent_id, depth) AS (
            SELECT id, parent_id, 0 FROM agencies WHERE id = $1
            UNION ALL
            SELECT a.id, a.parent_id, up.depth + 1 FROM agencies a JOIN up ON a.id = up.parent_id
             WHERE up.depth < 16
         ) SELECT id FROM up ORDER BY depth",
    )
    .bind(agency_id)
    .fetch_all(&mut *tx)
    .await?)
}

/// The code of the administrative unit governed by the nearest People's Committee at or above
/// `agency_id`, unless that is the top one (the province).
pub async fn governing_unit(tx: &mut Conn, agency_id: &str) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar(
        "WITH RECURSIVE up(id, parent_id, depth) AS (
            SELECT id, parent_id, 0 FROM agencies WHERE id = $1
            UNION ALL
            SELECT a.id, a.parent_id, up.depth + 1 FROM agencies a JOIN up ON a.id = up.parent_id
             WHERE up.depth < 16
         )
         SELECT u.code FROM up
           JOIN agencies a ON a.id = up.id
           JOIN admin_units u ON u.id = a.admin_unit_id
          WHERE a.kind = 'peoples_committee' AND u.parent_id IS NOT NULL
          ORDER BY up.depth LIMIT 1",
    )
    .bind(agency_id)
    .fetch_optional(&mut *tx)
    .await?)
}

/// Sets a state value.
pub async fn set_state(tx: &mut Conn, name: &str, value: &str, now: &str) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO ops_state (name, value, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(name)
    .bind(value)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A state value, read in the caller's transaction.
pub async fn state_in(tx: &mut Conn, name: &str) -> Result<Option<String>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT value FROM ops_state WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?,
    )
}

/// A state value.
pub async fn state(db: &Db, name: &str) -> Result<Option<String>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT value FROM ops_state WHERE name = $1")
            .bind(name)
            .fetch_optional(&db.pool)
            .await?,
    )
}

/// An agency and those below it (at most 16 levels down), the agency first.
pub async fn agency_and_below(db: &Db, agency_id: &str) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar(
        "WITH RECURSIVE down(id, depth) AS (
            SELECT id, 0 FROM agencies WHERE id = $1
            UNION ALL
            SELECT a.id, down.depth + 1 FROM agencies a JOIN down ON a.parent_id = down.id
             WHERE down.depth < 16
         ) SELECT id FROM down ORDER BY depth, id",
    )
    .bind(agency_id)
    .fetch_all(&db.pool)
    .await?)
}

/// When the agency is a People's Committee: the code of the unit it governs, and whether that
/// unit is the province (a unit without a parent).
pub async fn committee_unit(db: &Db, agency_id: &str) -> Result<Option<(String, bool)>, AppError> {
    let row: Option<(String, Option<String>)> = sqlx::query_as(
        "SELECT u.code, u.parent_id FROM agencies a JOIN admin_units u ON u.id = a.admin_unit_id
          WHERE a.id = $1 AND a.kind = 'peoples_committee'",
    )
    .bind(agency_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|(code, parent)| (code, parent.is_none())))
}
