//! Delivering the outbox (docs/kernel-design.md §6.3–6.5, 6.7). A delivery is claimed by a
//! conditional update that makes it `running` until the end of a lease, so several nodes take
//! disjoint batches and a node killed mid-delivery leaves a row that is claimed again when its
//! lease ends. The handler and the `done` mark commit together, after a check that the claim
//! is still ours. Order per (subscriber, stream): a delivery is claimable only when every
//! earlier one of the same subscriber and stream is done or skipped, so a dead one holds back
//! the later events of its stream for its subscriber only.

use super::{Event, HandlerError, Subscription};
use crate::Ctx;
use crate::db::{Backend, Conn};
use crate::error::AppError;
use chrono::{DateTime, Duration, Utc};
use futures::FutureExt;
use sqlx::Row;

/// How long a claim holds a delivery before another node may take it over.
pub const LEASE_SECONDS: i64 = 120;

/// A handler slower than this is logged: on SQLite it holds the write lock all along.
const SLOW_HANDLER: std::time::Duration = std::time::Duration::from_secs(1);

/// A delivery this node has claimed and must finish (or let its lease run out).
#[derive(Debug, Clone)]
pub struct Claim {
    pub id: String,
    pub event_id: String,
    pub subscriber: String,
    /// The attempt this claim is (1 the first time).
    pub attempts: i64,
    pub max_attempts: i64,
    token: String,
}

/// Claims and delivers up to `limit` due deliveries; returns how many were attempted.
pub async fn deliver_due(state: &Ctx, limit: usize) -> Result<usize, AppError> {
    deliver_due_at(state, limit, crate::time::now()).await
}

/// [`deliver_due`] with the clock given: tests move it past a back-off or a lease.
pub async fn deliver_due_at(
    state: &Ctx,
    limit: usize,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let claimed = claim(state, limit, now).await?;
    for c in &claimed {
        // One delivery's trouble (a lost connection) leaves it to its lease, not the others.
        if let Err(e) = deliver_claimed(state, c, now).await {
            tracing::error!(delivery = %c.id, error = %e, "event delivery could not be recorded");
        }
    }
    Ok(claimed.len())
}

/// Claims up to `limit` due deliveries of the subscriptions this node runs (a node of an
/// older release leaves a newer subscriber's deliveries to the nodes that know it): pending
/// ones whose time has come, and running ones whose lease ran out.
pub async fn claim(state: &Ctx, limit: usize, now: DateTime<Utc>) -> Result<Vec<Claim>, AppError> {
    let names: Vec<&str> = state.subscriptions.iter().map(|s| s.name).collect();
    if names.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let db = &state.db;
    let lock = match db.backend {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let known = (0..names.len())
        .map(|i| format!("${}", i + 6))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "UPDATE outbox_deliveries
            SET status = 'running', attempts = attempts + 1, claim_token = $1, locked_by = $2,
                next_attempt_at = $3
          WHERE id IN (
              SELECT d.id FROM outbox_deliveries d
               WHERE d.status IN ('pending', 'running') AND d.next_attempt_at <= $4
                 AND d.subscriber IN ({known})
                 AND NOT EXISTS (
                     SELECT 1 FROM outbox_deliveries p
                      WHERE p.subscriber = d.subscriber AND p.stream = d.stream AND p.seq < d.seq
                        AND p.status NOT IN ('done', 'skipped'))
               ORDER BY d.next_attempt_at, d.seq
               LIMIT $5 {lock})
         RETURNING id, event_id, subscriber, attempts, max_attempts"
    );
    let token = uuid::Uuid::now_v7().to_string();
    // On SQLite `begin` takes the write lock: no other writer (node or process) interleaves.
    let mut tx = db.begin().await?;
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&token)
        .bind(&state.config.node_name)
        .bind(crate::time::to_text(now + Duration::seconds(LEASE_SECONDS)))
        .bind(crate::time::to_text(now))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX));
    for name in &names {
        query = query.bind(*name);
    }
    let rows = query.fetch_all(&mut *tx).await?;
    tx.commit().await?;
    let mut claimed = rows
        .iter()
        .map(|r| {
            Ok(Claim {
                id: r.try_get("id")?,
                event_id: r.try_get("event_id")?,
                subscriber: r.try_get("subscriber")?,
                attempts: r.try_get("attempts")?,
                max_attempts: r.try_get("max_attempts")?,
                token: token.clone(),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    // RETURNING gives no order; deliver the oldest first.
    claimed.sort_by(|a, b| a.event_id.cmp(&b.event_id));
    Ok(claimed)
}

/// Runs the subscriber of one claimed delivery: handler and `done` mark in one transaction,
/// after checking that the claim is still ours (a lease taken over by another node is
/// dropped). A failure is recorded for a later attempt, or as a dead letter.
pub async fn deliver_claimed(state: &Ctx, c: &Claim, now: DateTime<Utc>) -> Result<(), AppError> {
    let Some(sub) = state
        .subscriptions
        .iter()
        .copied()
        .find(|s| s.name == c.subscriber)
    else {
        let e = anyhow::anyhow!("no subscriber named {} on this node", c.subscriber);
        return failed(state, c, HandlerError::Retry(e), now).await;
    };
    if c.attempts > c.max_attempts {
        // Its earlier attempts never finished (a handler that stops the node, or a node killed
        // each time): it must not be retried for ever.
        let e = anyhow::anyhow!(
            "attempt {} of {}: the earlier attempts never finished (node stopped during delivery?)",
            c.attempts,
            c.max_attempts
        );
        return failed(state, c, HandlerError::Poison(e), now).await;
    }
    let mut tx = state.db.begin().await?;
    let ours = sqlx::query(
        "UPDATE outbox_deliveries SET next_attempt_at = $3
          WHERE id = $1 AND claim_token = $2 AND status = 'running'",
    )
    .bind(&c.id)
    .bind(&c.token)
    .bind(crate::time::to_text(now + Duration::seconds(LEASE_SECONDS)))
    .execute(&mut *tx)
    .await?;
    if ours.rows_affected() == 0 {
        tx.rollback().await?;
        tracing::info!(delivery = %c.id, "delivery taken over by another claim; dropped");
        return Ok(());
    }
    let Some(event) = load(&mut tx, &c.event_id, c.attempts).await? else {
        tx.rollback().await?;
        let e = anyhow::anyhow!("event {} no longer exists", c.event_id);
        return failed(state, c, HandlerError::Poison(e), now).await;
    };
    let outcome = run(state, sub, &mut tx, &event).await;
    match outcome {
        Ok(()) => {
            let done = sqlx::query(
                "UPDATE outbox_deliveries SET status = 'done', finished_at = $3, claim_token = NULL
                  WHERE id = $1 AND claim_token = $2",
            )
            .bind(&c.id)
            .bind(&c.token)
            .bind(crate::time::to_text(now))
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 1 {
                tx.commit().await?;
                metrics::counter!("tinhso_outbox_delivered_total", "subscriber" => sub.name)
                    .increment(1);
            } else {
                tx.rollback().await?;
            }
            Ok(())
        }
        Err(e) => {
            // Nothing the handler wrote stays; on SQLite this also frees the write lock.
            let _ = tx.rollback().await;
            failed(state, c, e, now).await
        }
    }
}

/// Calls the handler, turning a panic into a failure to retry.
async fn run(
    state: &Ctx,
    sub: &'static Subscription,
    tx: &mut Conn,
    event: &Event,
) -> Result<(), HandlerError> {
    let started = std::time::Instant::now();
    let outcome = std::panic::AssertUnwindSafe((sub.handle)(state, tx, event))
        .catch_unwind()
        .await
        .unwrap_or_else(|panic| {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(HandlerError::Retry(anyhow::anyhow!(
                "handler panicked: {what}"
            )))
        });
    if started.elapsed() > SLOW_HANDLER {
        tracing::warn!(subscriber = sub.name, event = %event.id, seconds = started.elapsed().as_secs_f64(),
            "slow event handler: handlers should do short, local database work");
    }
    outcome
}

async fn load(tx: &mut Conn, event_id: &str, attempt: i64) -> Result<Option<Event>, AppError> {
    let row = sqlx::query(
        "SELECT id, kind, version, stream, seq, payload, actor, occurred_at FROM outbox_events WHERE id = $1",
    )
    .bind(event_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    let stream: String = r.try_get("stream")?;
    let payload: String = r.try_get("payload")?;
    Ok(Some(Event {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        version: r.try_get("version")?,
        aggregate_id: stream
            .split_once(':')
            .map(|(_, id)| id.to_owned())
            .unwrap_or_default(),
        stream,
        seq: r.try_get("seq")?,
        payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
        actor: r.try_get("actor")?,
        occurred_at: r.try_get("occurred_at")?,
        attempt,
    }))
}

/// Records a failed attempt: back to `pending` after a back-off (2, 4, 8 … s, capped at an
/// hour, ± 10 %), or `dead` when poisoned or out of attempts.
async fn failed(
    state: &Ctx,
    c: &Claim,
    e: HandlerError,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let dead = matches!(e, HandlerError::Poison(_)) || c.attempts >= c.max_attempts;
    let error = e.to_string();
    tracing::warn!(delivery = %c.id, subscriber = %c.subscriber, attempts = c.attempts, dead,
        error = %tinhso_domain::text::mask_emails(&error), "event delivery failed");
    metrics::counter!("tinhso_outbox_failed_total").increment(1);
    let (status, next, finished) = if dead {
        ("dead", now, Some(crate::time::to_text(now)))
    } else {
        (
            "pending",
            now + jittered(crate::jobs::backoff(c.attempts)),
            None,
        )
    };
    sqlx::query(
        "UPDATE outbox_deliveries
            SET status = $3, next_attempt_at = $4, last_error = $5, finished_at = $6, claim_token = NULL
          WHERE id = $1 AND claim_token = $2",
    )
    .bind(&c.id)
    .bind(&c.token)
    .bind(status)
    .bind(crate::time::to_text(next))
    .bind(&error)
    .bind(finished)
    .execute(&state.db.pool)
    .await?;
    Ok(())
}

/// `base` ± 10 %, so deliveries that failed together do not all come back together.
fn jittered(base: Duration) -> Duration {
    let mut bytes = [0u8; 2];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    let r = f64::from(u16::from_le_bytes(bytes)) / f64::from(u16::MAX); // 0.0 ..= 1.0
    let ms = base.num_milliseconds() as f64 * (0.9 + 0.2 * r);
    Duration::milliseconds(ms as i64)
}

/// Counts of deliveries by status, for `/metrics`.
pub async fn counts(state: &Ctx) -> Result<Vec<(String, i64)>, AppError> {
    let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM outbox_deliveries GROUP BY status")
        .fetch_all(&state.db.pool)
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| Some((r.try_get("status").ok()?, r.try_get("n").ok()?)))
        .collect())
}

/// The retention sweep `outbox.purge`: deliveries done or skipped more than `events.keep_days`
/// before `now`, then the events of that age with no delivery left. Stream counters stay, so a
/// stream's numbers never restart. Safe on several nodes at once. Returns the rows deleted.
pub async fn purge(state: &Ctx, now: DateTime<Utc>) -> Result<u64, AppError> {
    let cutoff =
        crate::time::to_text(now - Duration::days(i64::from(state.config.events.keep_days)));
    let deliveries = sqlx::query(
        "DELETE FROM outbox_deliveries WHERE status IN ('done', 'skipped') AND finished_at < $1",
    )
    .bind(&cutoff)
    .execute(&state.db.pool)
    .await?
    .rows_affected();
    let events = sqlx::query(
        "DELETE FROM outbox_events WHERE occurred_at < $1
            AND NOT EXISTS (SELECT 1 FROM outbox_deliveries d WHERE d.event_id = outbox_events.id)",
    )
    .bind(&cutoff)
    .execute(&state.db.pool)
    .await?
    .rows_affected();
    Ok(deliveries + events)
}

#[cfg(test)]
mod tests {
    #[test]
    fn jitter_stays_within_ten_percent() {
        for _ in 0..200 {
            let d = super::jittered(chrono::Duration::seconds(10)).num_milliseconds();
            assert!((9000..=11000).contains(&d), "{d}");
        }
    }
}
