//! Background jobs kept in the database. Any node may run jobs: a job is claimed by an atomic
//! update that sets a lease (`locked_until`), so exactly one node runs it; a node that dies
//! mid-job loses the lease and another node retries. Failures back off exponentially.
//!
//! Each node works several jobs at once (`jobs.concurrency`): its runner keeps a set of running
//! tasks and, every turn, claims up to the free slots from each source of work and spawns them.

use crate::Ctx;
use crate::db::{Backend, Conn, Db};
use crate::error::AppError;
use chrono::Duration;
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::sync::Arc;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

const LEASE_SECONDS: i64 = 120;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    /// Send one email.
    SendEmail(crate::mail::Email),
    /// Delete expired sessions and throttling rows.
    PurgeExpired,
    /// A module's own work (`Module::jobs`), found by its kind's name.
    Module {
        name: String,
        payload: serde_json::Value,
    },
}

impl Job {
    /// A job of a module's kind, with what its work needs.
    pub fn of(kind: &crate::module::JobKind, payload: serde_json::Value) -> Job {
        Job::Module {
            name: kind.name.to_owned(),
            payload,
        }
    }

    fn kind(&self) -> &str {
        match self {
            Job::SendEmail(_) => "send_email",
            Job::PurgeExpired => "purge_expired",
            Job::Module { name, .. } => name,
        }
    }
}

/// Queues a job inside the caller's transaction: it runs only if the transaction commits.
pub async fn enqueue(tx: &mut Conn, job: &Job) -> Result<String, AppError> {
    let id = uuid::Uuid::now_v7().to_string();
    let now = crate::time::now_text();
    sqlx::query(
        "INSERT INTO jobs (id, kind, payload, status, run_at, created_at) VALUES ($1, $2, $3, 'queued', $4, $4)",
    )
    .bind(&id)
    .bind(job.kind())
    .bind(serde_json::to_string(job).map_err(anyhow::Error::from)?)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    Ok(id)
}

struct Claimed {
    id: String,
    payload: String,
    attempts: i64,
    max_attempts: i64,
}

/// Claims up to `limit` of the oldest due jobs.
async fn claim(db: &Db, node: &str, limit: usize) -> Result<Vec<Claimed>, AppError> {
    let now = crate::time::now();
    let skip_locked = match db.backend {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE jobs SET status = 'running', locked_by = $1, locked_until = $2, attempts = attempts + 1
         WHERE id IN (
            SELECT id FROM jobs
            WHERE (status = 'queued' AND run_at <= $3) OR (status = 'running' AND locked_until < $3)
            ORDER BY run_at LIMIT $4 {skip_locked}
         )
         RETURNING id, payload, attempts, max_attempts"
    );
    let mut tx = db.begin().await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(node)
        .bind(crate::time::to_text(now + Duration::seconds(LEASE_SECONDS)))
        .bind(crate::time::to_text(now))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    rows.iter()
        .map(|r| {
            Ok(Claimed {
                id: r.try_get("id")?,
                payload: r.try_get("payload")?,
                attempts: r.try_get("attempts")?,
                max_attempts: r.try_get("max_attempts")?,
            })
        })
        .collect()
}

/// One claimed piece of work, ready to run; it records its own outcome.
type Task = BoxFuture<'static, ()>;

/// A source of work: claims up to the given number of due items for this node and returns one
/// task per item claimed.
type Source = for<'a> fn(&'a Ctx, usize) -> BoxFuture<'a, Result<Vec<Task>, AppError>>;

/// Every source the runner claims from, in this order each turn, each getting the slots the ones
/// before it left free. A new kind of work (the events outbox's deliveries) is one more entry: a
/// claim with a limit that returns tasks.
const SOURCES: &[Source] = &[claim_deliveries, claim_jobs];

/// Event deliveries first: a handler may queue a job (an email), which the same turn's job
/// claim then finds. A failing outbox is logged and does not stop the jobs.
fn claim_deliveries(state: &Ctx, limit: usize) -> BoxFuture<'_, Result<Vec<Task>, AppError>> {
    Box::pin(async move {
        let claimed = match crate::events::claim(state, limit, crate::time::now()).await {
            Ok(claimed) => claimed,
            Err(e) => {
                tracing::error!(error = %e, "claiming event deliveries failed");
                return Ok(Vec::new());
            }
        };
        Ok(claimed
            .into_iter()
            .map(|c| {
                let state = state.clone();
                Box::pin(async move {
                    let now = crate::time::now();
                    if let Err(e) = crate::events::deliver_claimed(&state, &c, now).await {
                        tracing::error!(delivery = %c.id, error = %e, "event delivery could not be recorded");
                    }
                }) as Task
            })
            .collect())
    })
}

fn claim_jobs(state: &Ctx, limit: usize) -> BoxFuture<'_, Result<Vec<Task>, AppError>> {
    Box::pin(async move {
        let claimed = claim(&state.db, &state.config.node_name, limit).await?;
        Ok(claimed
            .into_iter()
            .map(|job| {
                let state = state.clone();
                Box::pin(async move { run_job(&state, job).await }) as Task
            })
            .collect())
    })
}

async fn run_job(state: &Ctx, job: Claimed) {
    let outcome = match serde_json::from_str::<Job>(&job.payload) {
        Ok(parsed) => execute(state, parsed).await,
        Err(e) => Err(anyhow::anyhow!("unreadable job payload: {e}")),
    };
    // A job whose outcome cannot be written keeps its lease and runs again once it expires.
    if let Err(e) = finish(&state.db, &job, outcome).await {
        tracing::error!(job = %job.id, error = %e, "cannot record a job's outcome");
    }
}

/// The work one node has in flight: at most `jobs.concurrency` tasks at once.
struct Runner {
    state: Ctx,
    slots: Arc<Semaphore>,
    tasks: JoinSet<()>,
}

impl Runner {
    fn new(state: &Ctx) -> Runner {
        let slots = state.config.jobs.concurrency(state.db.backend);
        Runner {
            state: state.clone(),
            slots: Arc::new(Semaphore::new(slots)),
            tasks: JoinSet::new(),
        }
    }

    /// Claims up to the free slots from every source and starts what was claimed. Returns how
    /// many tasks it started.
    async fn fill(&mut self) -> Result<usize, AppError> {
        let mut started = 0;
        for source in SOURCES {
            let free = self.slots.available_permits();
            if free == 0 {
                break;
            }
            for task in source(&self.state, free).await? {
                // The runner alone takes slots, so one is free for each task claimed.
                let slot = (self.slots.clone().acquire_owned().await)
                    .expect("the runner's semaphore is never closed");
                self.tasks.spawn(async move {
                    task.await;
                    drop(slot);
                });
                started += 1;
            }
        }
        Ok(started)
    }

    fn is_idle(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Waits until a task finishes and collects any other that finished meanwhile. Returns
    /// false at once when nothing runs.
    async fn reap(&mut self) -> bool {
        let Some(first) = self.tasks.join_next().await else {
            return false;
        };
        report(first);
        while let Some(done) = self.tasks.try_join_next() {
            report(done);
        }
        true
    }

    /// Waits for the tasks in flight, at most `limit`; any still running then is dropped and
    /// its lease lets another node (or the next start) run it again.
    async fn wait_all(&mut self, limit: std::time::Duration) {
        if self.is_idle() {
            return;
        }
        let waited = tokio::time::timeout(limit, async {
            while let Some(done) = self.tasks.join_next().await {
                report(done);
            }
        })
        .await;
        if waited.is_err() {
            tracing::warn!(
                running = self.tasks.len(),
                "jobs still running at shutdown are left to their leases"
            );
            self.tasks.abort_all();
        }
    }
}

fn report(done: Result<(), tokio::task::JoinError>) {
    if let Err(e) = done {
        tracing::error!(error = %e, "a job task panicked; its lease will let it run again");
    }
}

/// How long a stopping node waits for the jobs it is running.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(20);

/// Runs due jobs until none is left. Returns how many ran (successfully or not).
pub async fn run_due(state: &Ctx) -> Result<usize, AppError> {
    run_due_until(state, &watch::channel(false).1).await
}

/// Runs due jobs and delivers due events until none is left or the node is asked to stop: a
/// backlog (thousands of emails after a busy hour) must not hold a shutdown; unclaimed jobs and
/// deliveries wait for the next run.
pub async fn run_due_until(
    state: &Ctx,
    shutdown: &watch::Receiver<bool>,
) -> Result<usize, AppError> {
    let mut runner = Runner::new(state);
    let mut ran = 0;
    while !*shutdown.borrow() {
        match runner.fill().await {
            Ok(started) => ran += started,
            Err(e) => {
                runner.wait_all(SHUTDOWN_GRACE).await;
                return Err(e);
            }
        }
        // Nothing running after a claim means nothing was due.
        if !runner.reap().await {
            break;
        }
    }
    runner.wait_all(SHUTDOWN_GRACE).await;
    Ok(ran)
}

async fn execute(state: &Ctx, job: Job) -> anyhow::Result<()> {
    // Kinds are the platform's and the modules' declared names: a bounded set of labels.
    metrics::counter!("tinhso_jobs_started_total", "kind" => job.kind().to_owned()).increment(1);
    match job {
        Job::SendEmail(email) => state.mailer.send(&email).await,
        Job::PurgeExpired => {
            crate::auth::session::purge_expired(&state.db)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(())
        }
        Job::Module { name, payload } => {
            let kind = state
                .job_kinds
                .iter()
                .find(|k| k.name == name)
                .ok_or_else(|| anyhow::anyhow!("no module declares the job kind {name}"))?;
            (kind.run)(state, payload).await
        }
    }
}

async fn finish(db: &Db, job: &Claimed, outcome: anyhow::Result<()>) -> Result<(), AppError> {
    let now = crate::time::now();
    match outcome {
        Ok(()) => {
            sqlx::query("UPDATE jobs SET status = 'done', finished_at = $1, locked_until = NULL WHERE id = $2")
                .bind(crate::time::to_text(now))
                .bind(&job.id)
                .execute(&db.pool)
                .await?;
        }
        Err(e) => {
            let failed_for_good = job.attempts >= job.max_attempts;
            // The job row keeps the whole error for administrators; the log names no recipient.
            let error = tinhso_domain::text::mask_emails(&e.to_string());
            tracing::warn!(job = %job.id, attempts = job.attempts, error = %error, "job failed");
            metrics::counter!("tinhso_jobs_failed_total").increment(1);
            sqlx::query(
                "UPDATE jobs SET status = $1, run_at = $2, last_error = $3, locked_until = NULL WHERE id = $4",
            )
            .bind(if failed_for_good { "failed" } else { "queued" })
            .bind(crate::time::to_text(now + backoff(job.attempts)))
            .bind(e.to_string())
            .bind(&job.id)
            .execute(&db.pool)
            .await?;
        }
    }
    Ok(())
}

/// 2, 4, 8 … seconds, capped at one hour.
pub fn backoff(attempts: i64) -> Duration {
    Duration::seconds(2i64.saturating_pow(attempts.clamp(1, 12) as u32).min(3600))
}

/// The loop each node runs when `run_jobs` is on. Every turn it claims work for its free slots
/// and runs the periodic sweeps; it turns again when a task finishes, every 500 ms, or stops when
/// asked, after the tasks in flight finish (at most 20 s).
pub async fn run_forever(state: Ctx, mut shutdown: watch::Receiver<bool>) {
    let mut runner = Runner::new(&state);
    // When each module's sweep last ran; `None` runs it on the first turn.
    let mut last_run: Vec<Option<std::time::Instant>> = state
        .sweeps
        .iter()
        .map(|s| (!s.at_start).then(std::time::Instant::now))
        .collect();
    while !*shutdown.borrow() {
        if let Err(e) = runner.fill().await {
            tracing::error!(error = %e, "job runner error");
        }
        for (sweep, last) in state.sweeps.iter().zip(last_run.iter_mut()) {
            let Some(every) = (sweep.every)(&state) else {
                continue;
            };
            if last.is_none_or(|t| t.elapsed() > every) {
                *last = Some(std::time::Instant::now());
                if let Err(e) = (sweep.run)(&state).await {
                    tracing::error!(sweep = sweep.name, error = %e, "sweep failed");
                }
            }
        }
        let busy = !runner.is_idle();
        tokio::select! {
            _ = runner.reap(), if busy => {}
            _ = tokio::time::sleep(std::time::Duration::from_millis(500)) => {}
            // A transaction with events committed on this node (`events::committed`).
            _ = state.wake.notified() => {}
            _ = shutdown.changed() => break,
        }
    }
    runner.wait_all(SHUTDOWN_GRACE).await;
}

/// Counts of jobs by status, for `/metrics`.
pub async fn counts(db: &Db) -> Result<Vec<(String, i64)>, AppError> {
    let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM jobs GROUP BY status")
        .fetch_all(&db.pool)
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| Some((r.try_get("status").ok()?, r.try_get("n").ok()?)))
        .collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(super::backoff(1).num_seconds(), 2);
        assert_eq!(super::backoff(3).num_seconds(), 8);
        assert_eq!(super::backoff(40).num_seconds(), 3600);
    }
}
