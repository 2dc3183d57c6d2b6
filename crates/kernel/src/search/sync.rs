//! The embedded index of each node (`tinhso-searchindex`), kept from the database (docs/search.md).
//!
//! Every write to the search entries appends to `search_changes` in the writer's transaction.
//! Each node follows that log into its own index: in the background, and before each search,
//! so a search sees every change committed before it began, whichever node wrote it. The
//! index records with each commit how far it came ([`idx::Mark`]); a node whose index is new,
//! half-built or from another database builds it afresh from the entries. Until it has caught
//! up — and whenever it is far behind — searches are answered by the database's own full-text
//! index, which holds the same words.
//!
//! Where to resume: on SQLite, whose writers take turns, the log's sequence grows in commit
//! order. On PostgreSQL it does not (a transaction may commit after a later one), so the
//! position is a transaction id: a round reads the rows of every transaction from the oldest
//! one still running when the round began, and skips rows it has applied already.

use crate::db::{Backend, Db};
use crate::error::AppError;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tinhso_searchindex as idx;

/// Where a node's embedded index is attached (shared by every clone of the [`Db`]).
pub type Slot = Arc<OnceLock<Arc<Embedded>>>;

/// Rows of the change log read per round before a search answers from the database instead,
/// leaving the rest to the background follower.
const SEARCH_ROUND_ROWS: i64 = 2_000;
/// Rows of the change log, or entries when building, applied per commit in the background.
const BACKGROUND_ROWS: i64 = 2_000;
/// How often the background follower looks at the log.
const FOLLOW_EVERY: Duration = Duration::from_millis(500);
/// Below this many entries, attaching builds the index before the node serves.
const BUILD_AT_ONCE_BELOW: i64 = 20_000;
/// Ids per `IN (…)` list.
const IDS_PER_QUERY: usize = 400;

/// A node's embedded index and how far it has followed the log.
pub struct Embedded {
    index: idx::Index,
    epoch: String,
    /// Built (searches may use it): read without waiting for the follower.
    built: AtomicBool,
    state: tokio::sync::Mutex<Follow>,
}

#[derive(Default)]
struct Follow {
    /// Whether the index holds every entry (built, from this database).
    built: bool,
    /// The building's next key after which entries are read.
    building_after: Option<(String, String)>,
    /// Rows of transactions from this id (PostgreSQL) or after this sequence (SQLite) are
    /// still to be read.
    position: i64,
    /// PostgreSQL: rows applied whose transaction is at or past `position` (seq → xid).
    applied: BTreeMap<i64, i64>,
    /// When the last complete round began.
    current_since: Option<Instant>,
    /// The round under way.
    round: Option<Round>,
}

impl Embedded {
    pub fn len(&self) -> u64 {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }
}

/// Opens the node's index in `folder` and attaches it to `db`: built at once when the
/// database is small, else in the background (searches use the database meanwhile), then
/// followed every half second. Another process holding the folder leaves the node on the
/// database's index, with a warning.
pub async fn attach(db: &Db, folder: std::path::PathBuf) -> anyhow::Result<()> {
    let opened = tokio::task::spawn_blocking(move || idx::Index::open(&folder)).await?;
    let index = match opened {
        Ok(index) => index,
        Err(e) => {
            tracing::warn!(error = %e, "search: the embedded index cannot be opened; searching the database's index");
            return Ok(());
        }
    };
    let row = sqlx::query("SELECT epoch, pruned_through FROM search_epoch WHERE id = 1")
        .fetch_one(&db.pool)
        .await?;
    let epoch: String = row.try_get("epoch")?;
    let pruned_through: i64 = row.try_get("pruned_through")?;
    let mut follow = Follow::default();
    if let Some(mark) = index.mark()?
        && mark.epoch == epoch
        && mark.position > pruned_through
    {
        follow.built = true;
        follow.position = mark.position;
    }
    let embedded = Arc::new(Embedded {
        index,
        epoch,
        built: AtomicBool::new(follow.built),
        state: tokio::sync::Mutex::new(follow),
    });
    if db.search.set(embedded.clone()).is_err() {
        anyhow::bail!("a search index is attached already");
    }
    let entries: i64 = sqlx::query("SELECT COUNT(*) AS n FROM search_entries")
        .fetch_one(&db.pool)
        .await?
        .try_get("n")?;
    if entries < BUILD_AT_ONCE_BELOW {
        while !step(db, &embedded, BACKGROUND_ROWS).await? {}
    }
    let db = db.clone();
    tokio::spawn(async move {
        loop {
            let stepped = step(&db, &embedded, BACKGROUND_ROWS).await;
            // For operators (and the benchmark, which waits for a built index).
            metrics::gauge!("search_index_entries").set(embedded.len() as f64);
            metrics::gauge!("search_index_current")
                .set(f64::from(u8::from(matches!(stepped, Ok(true)))));
            match stepped {
                Ok(true) => tokio::time::sleep(FOLLOW_EVERY).await,
                Ok(false) => tokio::task::yield_now().await,
                Err(e) => {
                    tracing::warn!(error = %e, "search: following the change log failed");
                    tokio::time::sleep(FOLLOW_EVERY * 4).await;
                }
            }
        }
    });
    Ok(())
}

/// The attached index when it holds every change committed before this call (it reads the
/// log first, a little); `None` when there is none, or it is building or far behind.
pub async fn current(db: &Db) -> Option<&Arc<Embedded>> {
    let embedded = db.search.get()?;
    if !embedded.built.load(Ordering::Acquire) {
        return None;
    }
    let asked = Instant::now();
    let mut follow = embedded.state.lock().await;
    if !follow.built || follow.building_after.is_some() || follow.round.is_some() {
        return None;
    }
    if follow.current_since.is_some_and(|since| since > asked) {
        // A round that began after this search was asked has completed.
        return Some(embedded);
    }
    match round_page(db, embedded, &mut follow, SEARCH_ROUND_ROWS, true).await {
        Ok(true) => Some(embedded),
        Ok(false) => None,
        Err(e) => {
            tracing::warn!(error = %e, "search: reading the change log failed");
            None
        }
    }
}

/// Runs a search on the index (off the async threads).
pub async fn search(embedded: &Arc<Embedded>, q: &idx::Query<'_>) -> Result<idx::Found, AppError> {
    let owned = OwnedQuery::from(q);
    let embedded = embedded.clone();
    tokio::task::spawn_blocking(move || {
        let kinds: Vec<&str> = owned.kinds.iter().map(String::as_str).collect();
        let count: Vec<&str> = owned.count.iter().map(String::as_str).collect();
        embedded.index.search(&idx::Query {
            kinds: &kinds,
            groups: &owned.groups,
            grants: &owned.grants,
            filters: &owned.filters,
            count: &count,
            offset: owned.offset,
            limit: owned.limit,
        })
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("search: {e}")))?
    .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))
}

/// A query that can cross to a blocking thread.
struct OwnedQuery {
    kinds: Vec<String>,
    groups: Vec<Vec<(String, bool)>>,
    grants: Vec<String>,
    filters: Vec<(String, String)>,
    count: Vec<String>,
    offset: usize,
    limit: usize,
}

impl OwnedQuery {
    fn from(q: &idx::Query<'_>) -> OwnedQuery {
        OwnedQuery {
            kinds: q.kinds.iter().map(|k| (*k).to_owned()).collect(),
            groups: q.groups.to_vec(),
            grants: q.grants.to_vec(),
            filters: q.filters.to_vec(),
            count: q.count.iter().map(|c| (*c).to_owned()).collect(),
            offset: q.offset,
            limit: q.limit,
        }
    }
}

/// One step of the background follower: a page of the building, or a page of a round of the
/// log. `true` when the index is current.
async fn step(db: &Db, embedded: &Arc<Embedded>, rows: i64) -> anyhow::Result<bool> {
    let mut follow = embedded.state.lock().await;
    if !follow.built || follow.building_after.is_some() {
        build_page(db, embedded, &mut follow, rows).await?;
        return Ok(false);
    }
    Ok(round_page(db, embedded, &mut follow, rows, false).await?)
}

/// A round reads the log from the position, a page at a time, in sequence order.
#[derive(Clone)]
struct Round {
    began: Instant,
    /// PostgreSQL: the oldest transaction running when the round began (the next position).
    target: Option<i64>,
    /// Where the next page starts: after this (transaction, sequence) on PostgreSQL, whose log
    /// is read in transaction order through its `(xid, seq)` index; after this sequence on
    /// SQLite (the transaction is 0 there).
    after: (i64, i64),
}

/// Reads and applies the next page of the round (beginning one if none is under way); `true`
/// when the round is complete, so the index holds every change committed before it began.
/// With `whole_only`, a round longer than one page is left to the background follower and
/// nothing is applied.
async fn round_page(
    db: &Db,
    embedded: &Arc<Embedded>,
    follow: &mut Follow,
    rows: i64,
    whole_only: bool,
) -> Result<bool, AppError> {
    let fresh_round = follow.round.is_none();
    let mut round = follow.round.clone().unwrap_or_else(|| Round {
        began: Instant::now(),
        target: None,
        after: match db.backend {
            // From the position's transaction on.
            Backend::Postgres => (follow.position, -1),
            Backend::Sqlite => (0, follow.position),
        },
    });
    let found = match db.backend {
        Backend::Postgres => {
            let page = read_log_postgres(db, round.after, rows + 1, fresh_round).await?;
            if let Some(target) = page.target {
                round.target = Some(target);
            }
            page.changes
        }
        Backend::Sqlite => read_log_sqlite(db, round.after.1, rows + 1).await?,
    };
    let full = found.len() as i64 > rows;
    if full && whole_only {
        return Ok(false);
    }
    let mut fresh: Vec<Change> = Vec::new();
    for change in found.into_iter().take(rows as usize) {
        round.after = (change.0, change.1);
        if !follow.applied.contains_key(&change.1) {
            fresh.push(change);
        }
    }
    let position = match round.target {
        Some(target) if !full => target.max(follow.position),
        Some(_) => follow.position,
        None => round.after.1,
    };
    if !fresh.is_empty() {
        let keys: BTreeSet<(String, String)> =
            fresh.iter().map(|c| (c.2.clone(), c.3.clone())).collect();
        let (upserts, removals) = read_entries(db, keys).await?;
        apply(embedded, false, upserts, removals, position, true).await?;
    }
    if let Some(target) = round.target {
        for (xid, seq, _, _) in &fresh {
            if *xid >= target {
                follow.applied.insert(*seq, *xid);
            }
        }
    }
    follow.position = position;
    if full {
        follow.round = Some(round);
        return Ok(false);
    }
    follow.applied.retain(|_, xid| *xid >= position);
    follow.current_since = Some(round.began);
    follow.round = None;
    Ok(true)
}

/// One row of the change log: (transaction, sequence, kind, entry id).
type Change = (i64, i64, String, String);

/// A page of the PostgreSQL log, and with a new round its target.
struct LogPage {
    target: Option<i64>,
    changes: Vec<Change>,
}

/// Reads up to `limit` rows of the log after `after` in the order of the `(xid, seq)` index,
/// so a page reads only recent rows whatever the log's length (in sequence order PostgreSQL
/// walked the whole log: 0.7 s a search at 2,000,000 rows). A transaction that commits behind
/// the cursor began after the round did, so it is at or past the next position and read by
/// the next round. A new round takes its target in the same statement: the oldest
/// transaction running in the statement's snapshot, whose rows the page reads (one round trip
/// where two were, on the path of every search).
async fn read_log_postgres(
    db: &Db,
    after: (i64, i64),
    limit: i64,
    with_target: bool,
) -> Result<LogPage, AppError> {
    const PAGE: &str =
        "SELECT seq, xid, kind, entry_id FROM search_changes WHERE (xid, seq) > ($1, $2)
         ORDER BY xid, seq LIMIT $3";
    let sql = if with_target {
        format!(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS target, c.seq, c.xid, c.kind, c.entry_id
             FROM (SELECT 1 AS one) AS here LEFT JOIN LATERAL ({PAGE}) AS c ON TRUE"
        )
    } else {
        PAGE.to_owned()
    };
    let found = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after.0)
        .bind(after.1)
        .bind(limit)
        .fetch_all(&db.pool)
        .await?;
    let mut page = LogPage {
        target: None,
        changes: Vec::with_capacity(found.len()),
    };
    for row in &found {
        if with_target && page.target.is_none() {
            let target: String = row.try_get("target")?;
            page.target = Some(
                target
                    .parse()
                    .map_err(|e| AppError::Internal(anyhow::anyhow!("search position: {e}")))?,
            );
        }
        if let Some(seq) = row.try_get::<Option<i64>, _>("seq")? {
            page.changes.push((
                row.try_get("xid")?,
                seq,
                row.try_get("kind")?,
                row.try_get("entry_id")?,
            ));
        }
    }
    Ok(page)
}

/// Reads up to `limit` rows of the SQLite log after sequence `after`: its writers take turns,
/// so the sequence grows in commit order.
async fn read_log_sqlite(db: &Db, after: i64, limit: i64) -> Result<Vec<Change>, AppError> {
    let found = sqlx::query(
        "SELECT seq, xid, kind, entry_id FROM search_changes WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    found
        .iter()
        .map(|row| {
            Ok((
                row.try_get("xid")?,
                row.try_get("seq")?,
                row.try_get("kind")?,
                row.try_get("entry_id")?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Builds the index a page of entries at a time: the position is taken before the first page,
/// so what changes meanwhile is read from the log afterwards.
async fn build_page(
    db: &Db,
    embedded: &Arc<Embedded>,
    follow: &mut Follow,
    rows: i64,
) -> anyhow::Result<()> {
    let first = follow.building_after.is_none();
    if first {
        embedded.built.store(false, Ordering::Release);
        follow.position = start_position(db).await?;
        follow.applied.clear();
        follow.round = None;
    }
    let (kind, id) = follow.building_after.clone().unwrap_or_default();
    let page = sqlx::query(
        "SELECT kind, entry_id FROM search_entries WHERE kind > $1 OR (kind = $1 AND entry_id > $2)
         ORDER BY kind, entry_id LIMIT $3",
    )
    .bind(&kind)
    .bind(&id)
    .bind(rows)
    .fetch_all(&db.pool)
    .await?;
    let keys: BTreeSet<(String, String)> = page
        .iter()
        .map(|r| Ok((r.try_get("kind")?, r.try_get("entry_id")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    let last = keys.iter().next_back().cloned();
    let (upserts, _) = read_entries(db, keys).await?;
    let done = (page.len() as i64) < rows;
    apply(embedded, first, upserts, Vec::new(), follow.position, done).await?;
    if done {
        follow.building_after = None;
        follow.built = true;
        embedded.built.store(true, Ordering::Release);
        tracing::info!(
            entries = embedded.len(),
            "search: the embedded index is built"
        );
    } else {
        follow.building_after = last;
        follow.built = false;
    }
    Ok(())
}

/// Where the log is read from once the entries as they are now have been read.
async fn start_position(db: &Db) -> Result<i64, AppError> {
    let sql = match db.backend {
        Backend::Postgres => "SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS p",
        Backend::Sqlite => "SELECT CAST(COALESCE(MAX(seq), 0) AS TEXT) AS p FROM search_changes",
    };
    let p: String = sqlx::query(sql).fetch_one(&db.pool).await?.try_get("p")?;
    p.parse()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("search position: {e}")))
}

/// Commits to the index, marking it complete (`done`) or still building.
async fn apply(
    embedded: &Arc<Embedded>,
    reset: bool,
    upserts: Vec<idx::Entry>,
    removals: Vec<(String, String)>,
    position: i64,
    done: bool,
) -> Result<(), AppError> {
    let mark = idx::Mark {
        epoch: if done {
            embedded.epoch.clone()
        } else {
            format!("{} (building)", embedded.epoch)
        },
        position,
    };
    let embedded = embedded.clone();
    tokio::task::spawn_blocking(move || embedded.index.apply(reset, &upserts, &removals, &mark))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("search: {e}")))?
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))
}

/// The entries of `keys` as they are now: those gone are removals.
async fn read_entries(
    db: &Db,
    keys: BTreeSet<(String, String)>,
) -> Result<(Vec<idx::Entry>, Vec<(String, String)>), AppError> {
    let mut by_kind: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (kind, id) in keys {
        by_kind.entry(kind).or_default().push(id);
    }
    let mut upserts = Vec::new();
    let mut removals = Vec::new();
    for (kind, ids) in by_kind {
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let list = placeholders(chunk.len());
            let mut facets: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
            let sql = format!(
                "SELECT entry_id, facet, value FROM search_facets WHERE kind = $1 AND entry_id IN ({list})"
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&kind);
            for id in chunk {
                q = q.bind(id);
            }
            for row in q.fetch_all(&db.pool).await? {
                facets
                    .entry(row.try_get("entry_id")?)
                    .or_default()
                    .push((row.try_get("facet")?, row.try_get("value")?));
            }
            let sql = format!(
                "SELECT entry_id, title_folded, body_folded, scope_tokens, updated_at
                 FROM search_entries WHERE kind = $1 AND entry_id IN ({list})"
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&kind);
            for id in chunk {
                q = q.bind(id);
            }
            let mut present = BTreeSet::new();
            for row in q.fetch_all(&db.pool).await? {
                let id: String = row.try_get("entry_id")?;
                let scope: String = row.try_get("scope_tokens")?;
                let updated: String = row.try_get("updated_at")?;
                present.insert(id.clone());
                upserts.push(idx::Entry {
                    kind: kind.clone(),
                    facets: facets.remove(&id).unwrap_or_default(),
                    id,
                    title: row.try_get("title_folded")?,
                    body: row.try_get("body_folded")?,
                    grants: scope.split_whitespace().map(str::to_owned).collect(),
                    updated: crate::time::parse(&updated).map_or(0, |t| t.timestamp_micros()),
                });
            }
            removals.extend(
                chunk
                    .iter()
                    .filter(|id| !present.contains(*id))
                    .map(|id| (kind.clone(), id.clone())),
            );
        }
    }
    Ok((upserts, removals))
}

/// How long the change log keeps a row: a node stopped longer than this builds its index
/// afresh when it starts.
const KEEP_CHANGES_DAYS: i64 = 7;

/// Removes the change log's rows older than a week, recording the last position removed.
pub async fn prune(db: &Db) -> Result<u64, AppError> {
    let cutoff =
        crate::time::to_text(chrono::Utc::now() - chrono::Duration::days(KEEP_CHANGES_DAYS));
    let mut tx = db.begin().await?;
    let column = match db.backend {
        Backend::Postgres => "xid",
        Backend::Sqlite => "seq",
    };
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE search_epoch SET pruned_through = COALESCE(
            (SELECT MAX({column}) FROM search_changes WHERE at < $1), pruned_through)
         WHERE id = 1"
    )))
    .bind(&cutoff)
    .execute(&mut *tx)
    .await?;
    let removed = sqlx::query("DELETE FROM search_changes WHERE at < $1")
        .bind(&cutoff)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(removed)
}

/// `$2, $3, …` for `n` values after the first parameter.
fn placeholders(n: usize) -> String {
    (0..n)
        .map(|i| format!("${}", i + 2))
        .collect::<Vec<_>>()
        .join(", ")
}
