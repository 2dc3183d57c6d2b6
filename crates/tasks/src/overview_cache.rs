//! Each node's cache of the overview's and the ranking's counts (docs/benchmarks.md, "Tasks
//! (issue 16)"): `buckets`, `tallies` and `lines` count a year's assignments of an office on
//! every request, so their results are kept per (database, scope, filter with its day judged)
//! and served again while the tasks' generation (`task_generation`, one indexed row read per
//! call) has not moved. Every change to tasks, their units or the ranking's rules raises it
//! in its own transaction (`service::record`, `overview::set_rules`, the sample loader), so a
//! request sees every change committed before it, on any node. The day judged is part of the
//! key: the buckets move at midnight without any change.
//!
//! The cache is bounded in entries and in rows: stale generations are dropped when a newer
//! one is stored, then the least recently used entries until both bounds hold.
//!
//! One count at a time per key (single flight): when a hundred requests miss the same key at
//! once (the generation moved, or the node just started), the first counts and the others wait
//! for it and take its rows, instead of a hundred identical counts queueing for the pool's
//! connections. A waiter whose generation is newer than the count it waited for counts again.

use crate::store::overview::{self as db, Filter, JudgedLine, Scope, UnitBucket, UnitTally};
use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use tinhso_kernel::Ctx;
use tinhso_kernel::error::AppError;

/// At most this many results are kept.
const MAX_ENTRIES: usize = 512;
/// At most this many rows in all (a row is a few hundred bytes: tens of megabytes at most).
const MAX_ROWS: usize = 100_000;

/// What a result is of: the statement, its database, its scope, its filter and its limit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    statement: &'static str,
    database: String,
    agency_id: String,
    office: bool,
    leader: bool,
    authority_id: String,
    unit_id: String,
    field: String,
    from: String,
    to: String,
    as_of: String,
    bucket: String,
    limit: i64,
}

impl Key {
    fn new(ctx: &Ctx, statement: &'static str, scope: &Scope<'_>, f: &Filter, limit: i64) -> Key {
        Key {
            statement,
            database: ctx.config.database_url.clone(),
            agency_id: scope.agency_id.to_owned(),
            office: scope.office,
            leader: scope.leader,
            authority_id: f.authority_id.clone(),
            unit_id: f.unit_id.clone(),
            field: f.field.clone(),
            from: f.from.clone(),
            to: f.to.clone(),
            as_of: f.as_of.clone(),
            bucket: f.bucket.clone(),
            limit,
        }
    }
}

struct Entry {
    generation: i64,
    /// When last served, on the cache's clock.
    used: u64,
    size: usize,
    rows: Arc<dyn Any + Send + Sync>,
}

#[derive(Default)]
struct Cache {
    entries: HashMap<Key, Entry>,
    rows: usize,
    clock: u64,
}

impl Cache {
    fn get<T: Clone + Send + Sync + 'static>(
        &mut self,
        key: &Key,
        generation: i64,
    ) -> Option<Vec<T>> {
        self.clock += 1;
        let clock = self.clock;
        let entry = self.entries.get_mut(key)?;
        if entry.generation < generation {
            return None;
        }
        entry.used = clock;
        entry.rows.downcast_ref::<Vec<T>>().cloned()
    }

    fn put(&mut self, key: Key, generation: i64, rows: Arc<dyn Any + Send + Sync>, size: usize) {
        if size > MAX_ROWS / 4 {
            return;
        }
        self.clock += 1;
        let database = key.database.clone();
        let before = self.entries.len();
        self.entries
            .retain(|k, e| k.database != database || e.generation >= generation);
        if self.entries.len() != before {
            self.rows = self.entries.values().map(|e| e.size).sum();
        }
        if let Some(old) = self.entries.insert(
            key,
            Entry {
                generation,
                used: self.clock,
                size,
                rows,
            },
        ) {
            self.rows -= old.size;
        }
        self.rows += size;
        while self.entries.len() > MAX_ENTRIES || self.rows > MAX_ROWS {
            let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(e) = self.entries.remove(&oldest) {
                self.rows -= e.size;
            }
        }
    }
}

static CACHE: LazyLock<Mutex<Cache>> = LazyLock::new(Default::default);

/// The last rows a flight counted, with the generation read before counting them.
type Counted = Option<(i64, Arc<dyn Any + Send + Sync>)>;

/// The count under way per key: its lock is held while counting, and keeps what was counted
/// for those who waited (even rows too many to keep in the cache).
static FLIGHTS: LazyLock<Mutex<HashMap<Key, Arc<tokio::sync::Mutex<Counted>>>>> =
    LazyLock::new(Default::default);

/// `key`'s rows: this node's copy if no task changed since it was counted, else `count`'s.
async fn cached<T, F>(ctx: &Ctx, key: Key, count: F) -> Result<Vec<T>, AppError>
where
    T: Clone + Send + Sync + 'static,
    F: Future<Output = Result<Vec<T>, AppError>>,
{
    // Read the generation before counting: a change committed in between is then counted
    // again on the next request rather than missed.
    let generation = db::generation(&ctx.db).await?;
    single_flight(key, generation, count).await
}

/// `key`'s rows as of `generation`: from the cache, else from the count under way for the
/// key when it is as recent, else counted here (`count`) while the others for the key wait.
async fn single_flight<T, F>(key: Key, generation: i64, count: F) -> Result<Vec<T>, AppError>
where
    T: Clone + Send + Sync + 'static,
    F: Future<Output = Result<Vec<T>, AppError>>,
{
    if let Some(rows) = lock().get::<T>(&key, generation) {
        return Ok(rows);
    }
    let hold = FlightHold::join(key.clone());
    let mut counted = hold.flight.lock().await;
    if let Some((g, rows)) = counted.as_ref()
        && *g >= generation
        && let Some(rows) = rows.downcast_ref::<Vec<T>>()
    {
        return Ok(rows.clone());
    }
    // On an error nothing is kept: the next in line counts again.
    let rows = count.await?;
    let shared: Arc<dyn Any + Send + Sync> = Arc::new(rows.clone());
    *counted = Some((generation, Arc::clone(&shared)));
    lock().put(key, generation, shared, rows.len());
    Ok(rows)
}

/// A request's place in the flight of its key. Letting go of it closes the flight when it was
/// the last one there, whether the request finished or was dropped while waiting (a client
/// that went away), so no entry outlives its requests.
struct FlightHold {
    key: Key,
    flight: Arc<tokio::sync::Mutex<Counted>>,
}

impl FlightHold {
    fn join(key: Key) -> FlightHold {
        let flight = Arc::clone(
            flights()
                .entry(key.clone())
                .or_insert_with(|| Arc::new(tokio::sync::Mutex::new(None))),
        );
        FlightHold { key, flight }
    }
}

impl Drop for FlightHold {
    fn drop(&mut self) {
        // The references are checked under the map's lock, where a newcomer takes its own,
        // so the last one out sees only the map's and its own.
        let mut flights = flights();
        if Arc::strong_count(&self.flight) == 2 {
            flights.remove(&self.key);
        }
    }
}

fn lock() -> std::sync::MutexGuard<'static, Cache> {
    CACHE.lock().unwrap_or_else(|e| e.into_inner())
}

fn flights() -> std::sync::MutexGuard<'static, HashMap<Key, Arc<tokio::sync::Mutex<Counted>>>> {
    FLIGHTS.lock().unwrap_or_else(|e| e.into_inner())
}

/// [`db::buckets`], cached.
pub async fn buckets(
    ctx: &Ctx,
    scope: &Scope<'_>,
    f: &Filter,
) -> Result<Vec<UnitBucket>, AppError> {
    let key = Key::new(ctx, "buckets", scope, f, 0);
    cached(ctx, key, db::buckets(&ctx.db, scope, f)).await
}

/// [`db::tallies`], cached.
pub async fn tallies(ctx: &Ctx, scope: &Scope<'_>, f: &Filter) -> Result<Vec<UnitTally>, AppError> {
    let key = Key::new(ctx, "tallies", scope, f, 0);
    cached(ctx, key, db::tallies(&ctx.db, scope, f)).await
}

/// [`db::lines`], cached.
pub async fn lines(
    ctx: &Ctx,
    scope: &Scope<'_>,
    f: &Filter,
    limit: i64,
) -> Result<Vec<JudgedLine>, AppError> {
    let key = Key::new(ctx, "lines", scope, f, limit);
    cached(ctx, key, db::lines(&ctx.db, scope, f, limit)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: usize) -> Key {
        Key {
            statement: "buckets",
            database: "db".into(),
            agency_id: n.to_string(),
            office: true,
            leader: false,
            authority_id: String::new(),
            unit_id: String::new(),
            field: String::new(),
            from: String::new(),
            to: String::new(),
            as_of: "2026-11-29".into(),
            bucket: String::new(),
            limit: 0,
        }
    }

    #[test]
    fn a_result_is_served_until_the_generation_moves() {
        let mut c = Cache::default();
        c.put(key(1), 3, Arc::new(vec![1_i64, 2]), 2);
        assert_eq!(c.get::<i64>(&key(1), 3), Some(vec![1, 2]));
        assert_eq!(
            c.get::<i64>(&key(1), 4),
            None,
            "a change was committed since"
        );
        let mut other_day = key(1);
        other_day.as_of = "2026-11-30".into();
        assert_eq!(
            c.get::<i64>(&other_day, 3),
            None,
            "the next day is counted again"
        );
        c.put(key(2), 4, Arc::new(vec![5_i64]), 1);
        assert_eq!(c.entries.len(), 1, "the older generation is dropped");
        assert_eq!(c.rows, 1);
    }

    #[test]
    fn the_cache_keeps_its_bounds_dropping_the_least_recently_used() {
        let mut c = Cache::default();
        for n in 0..MAX_ENTRIES + 10 {
            c.put(key(n), 1, Arc::new(vec![n]), 1);
            assert!(c.get::<usize>(&key(0), 1).is_some(), "the one in use stays");
        }
        assert_eq!(c.entries.len(), MAX_ENTRIES);
        assert!(
            c.get::<usize>(&key(1), 1).is_none(),
            "the least recently used left"
        );
        let big: Vec<usize> = vec![0; MAX_ROWS / 4];
        for n in 0..8 {
            c.put(key(10_000 + n), 1, Arc::new(big.clone()), big.len());
        }
        assert!(c.rows <= MAX_ROWS);
        assert!(c.entries.len() < MAX_ENTRIES);
        c.put(key(20_000), 1, Arc::new(vec![0_usize; MAX_ROWS]), MAX_ROWS);
        assert!(c.get::<usize>(&key(20_000), 1).is_none(), "too big to keep");
    }

    /// A key of the single-flight tests' own database, so the other tests' entries of the
    /// shared cache are not touched.
    fn flight_key(n: usize, database: &str) -> Key {
        Key {
            database: database.into(),
            ..key(n)
        }
    }

    /// Runs `n` requests for `key` at once, each with a count that takes a while and counts
    /// how often it ran; returns their rows and that number.
    async fn at_once(
        key: &Key,
        generation: i64,
        n: usize,
        rows: usize,
    ) -> (Vec<Result<Vec<usize>, AppError>>, usize) {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let runs = Arc::new(AtomicUsize::new(0));
        let requests = (0..n).map(|_| {
            let runs = Arc::clone(&runs);
            let key = key.clone();
            tokio::spawn(async move {
                single_flight(key, generation, async move {
                    runs.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    Ok(vec![7; rows])
                })
                .await
            })
        });
        let results = futures::future::join_all(requests)
            .await
            .into_iter()
            .map(|r| r.expect("the request ran"))
            .collect();
        (results, runs.load(Ordering::SeqCst))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_misses_of_a_key_count_once() {
        let key = flight_key(1, "single-flight");
        let (results, runs) = at_once(&key, 1, 50, 3).await;
        assert_eq!(runs, 1, "fifty misses at once, one count");
        assert_eq!(results.len(), 50);
        for r in results {
            assert_eq!(r.expect("counted"), vec![7, 7, 7]);
        }
        assert!(flights().get(&key).is_none(), "the flight is closed");

        // Served from the cache while the generation stays; counted once again when it moves.
        let (_, runs) = at_once(&key, 1, 20, 3).await;
        assert_eq!(runs, 0, "the cache answers");
        let (_, runs) = at_once(&key, 2, 20, 3).await;
        assert_eq!(runs, 1, "a change: one new count for all");

        // Rows too many for the cache are still shared by those who waited for them.
        let big = flight_key(2, "single-flight-big");
        let (results, runs) = at_once(&big, 1, 20, MAX_ROWS).await;
        assert_eq!(runs, 1, "the waiters take the count's rows");
        assert!(
            results
                .iter()
                .all(|r| r.as_ref().is_ok_and(|v| v.len() == MAX_ROWS))
        );
    }

    #[tokio::test]
    async fn a_request_dropped_while_waiting_leaves_no_flight_behind() {
        let key = flight_key(4, "single-flight-dropped");
        let (release, wait) = tokio::sync::oneshot::channel::<()>();
        let counting = tokio::spawn(single_flight(key.clone(), 1, async move {
            let _ = wait.await;
            Ok(vec![1_usize])
        }));
        tokio::task::yield_now().await;
        let waiter = tokio::spawn(single_flight(key.clone(), 1, async { Ok(vec![2_usize]) }));
        tokio::task::yield_now().await;
        assert!(flights().contains_key(&key), "a count is under way");
        counting.abort();
        waiter.abort();
        let _ = (counting.await, waiter.await);
        drop(release);
        assert!(
            !flights().contains_key(&key),
            "both requests went away: the flight is closed"
        );
    }

    #[tokio::test]
    async fn a_failed_count_is_tried_again_by_the_next_in_line() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let key = flight_key(3, "single-flight-error");
        let runs = Arc::new(AtomicUsize::new(0));
        let request = |fail: bool| {
            let runs = Arc::clone(&runs);
            single_flight(key.clone(), 1, async move {
                runs.fetch_add(1, Ordering::SeqCst);
                tokio::task::yield_now().await;
                if fail {
                    Err(AppError::Internal(anyhow::anyhow!(
                        "the database went away"
                    )))
                } else {
                    Ok(vec![1_usize])
                }
            })
        };
        let (first, second) = tokio::join!(request(true), request(false));
        assert!(first.is_err());
        assert_eq!(second.expect("counted again"), vec![1]);
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }
}
