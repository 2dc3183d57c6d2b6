//! Background jobs kept in the database. Any node may run jobs: a job is claimed by an atomic
//! update that sets a lease (`locked_until`), so exactly one node runs it; a node that dies
//! mid-job loses the lease and another node retries. Failures back off exponentially.

use crate::app::AppState;
use crate::db::{Backend, Conn, Db};
use crate::error::AppError;
use chrono::Duration;
use serde::{Deserialize, Serialize};
use sqlx::Row;

const LEASE_SECONDS: i64 = 120;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    /// Send one email.
    SendEmail(crate::mail::Email),
    /// Delete expired sessions and throttling rows.
    PurgeExpired,
}

impl Job {
    fn kind(&self) -> &'static str {
        match self {
            Job::SendEmail(_) => "send_email",
            Job::PurgeExpired => "purge_expired",
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

/// Claims the oldest due job, if any.
async fn claim(db: &Db, node: &str) -> Result<Option<Claimed>, AppError> {
    let now = crate::time::now();
    let skip_locked = match db.backend {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE jobs SET status = 'running', locked_by = $1, locked_until = $2, attempts = attempts + 1
         WHERE id = (
            SELECT id FROM jobs
            WHERE (status = 'queued' AND run_at <= $3) OR (status = 'running' AND locked_until < $3)
            ORDER BY run_at LIMIT 1 {skip_locked}
         )
         RETURNING id, payload, attempts, max_attempts"
    );
    let mut tx = db.begin().await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(node)
        .bind(crate::time::to_text(now + Duration::seconds(LEASE_SECONDS)))
        .bind(crate::time::to_text(now))
        .fetch_optional(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(match row {
        Some(r) => Some(Claimed {
            id: r.try_get("id")?,
            payload: r.try_get("payload")?,
            attempts: r.try_get("attempts")?,
            max_attempts: r.try_get("max_attempts")?,
        }),
        None => None,
    })
}

/// Event deliveries claimed per runner turn.
const EVENTS_PER_TURN: usize = 16;

/// Runs due jobs and delivers due events until none is left. Returns how many jobs ran
/// (successfully or not); event deliveries are not counted.
pub async fn run_due(state: &AppState) -> Result<usize, AppError> {
    run_due_until(state, &tokio::sync::watch::channel(false).1).await
}

/// Runs due jobs and delivers due events until none is left or the node is asked to stop: a
/// backlog (thousands of emails after a busy hour) must not hold a shutdown; unclaimed jobs and
/// deliveries wait for the next run.
pub async fn run_due_until(
    state: &AppState,
    shutdown: &tokio::sync::watch::Receiver<bool>,
) -> Result<usize, AppError> {
    let mut ran = 0;
    while !*shutdown.borrow() {
        // A handler may queue jobs (an email): deliver first, then run what is due.
        // A failing outbox must not stop the emails: log it and run the jobs.
        let delivered = match crate::events::deliver_due(state, EVENTS_PER_TURN).await {
            Ok(n) => n,
            Err(e) => {
                tracing::error!(error = %e, "event delivery failed");
                0
            }
        };
        let Some(job) = claim(&state.db, &state.config.node_name).await? else {
            if delivered > 0 {
                continue;
            }
            break;
        };
        ran += 1;
        let outcome = match serde_json::from_str::<Job>(&job.payload) {
            Ok(parsed) => execute(state, parsed).await,
            Err(e) => Err(anyhow::anyhow!("unreadable job payload: {e}")),
        };
        finish(&state.db, &job, outcome).await?;
    }
    Ok(ran)
}

async fn execute(state: &AppState, job: Job) -> anyhow::Result<()> {
    metrics::counter!("tinhso_jobs_started_total", "kind" => job.kind()).increment(1);
    match job {
        Job::SendEmail(email) => crate::mail::send(&state.config.smtp, &email).await,
        Job::PurgeExpired => {
            crate::auth::session::purge_expired(&state.db)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(())
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

/// The loop each node runs when `run_jobs` is on.
pub async fn run_forever(state: AppState, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let mut last_purge = std::time::Instant::now();
    let mut last_sweep: Option<std::time::Instant> = None;
    let mut last_checkpoint: Option<std::time::Instant> = None;
    let checkpoint_every =
        std::time::Duration::from_secs(state.config.audit.checkpoint_minutes.saturating_mul(60));
    loop {
        if let Err(e) = run_due_until(&state, &shutdown).await {
            tracing::error!(error = %e, "job runner error");
        }
        if last_sweep.is_none_or(|t| t.elapsed() > std::time::Duration::from_secs(60)) {
            last_sweep = Some(std::time::Instant::now());
            let now = crate::time::local_now();
            if let Err(e) = crate::feedback::deadlines::sweep(&state, now).await {
                tracing::error!(error = %e, "feedback deadline sweep failed");
            }
        }
        // Anchor the audit chain outside the database (0 minutes turns this off).
        if !checkpoint_every.is_zero()
            && last_checkpoint.is_none_or(|t| t.elapsed() > checkpoint_every)
        {
            last_checkpoint = Some(std::time::Instant::now());
            crate::audit_anchor::periodic(&state).await;
        }
        if last_purge.elapsed() > std::time::Duration::from_secs(3600) {
            last_purge = std::time::Instant::now();
            let _ = crate::auth::session::purge_expired(&state.db).await;
            // `outbox.purge`: delivered events past `events.keep_days`.
            if let Err(e) = crate::events::purge(&state, crate::time::now()).await {
                tracing::error!(error = %e, "outbox purge failed");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_millis(500)) => {}
            // A transaction with events committed on this node (`events::committed`).
            _ = state.wake.notified() => {}
            _ = shutdown.changed() => return,
        }
    }
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
