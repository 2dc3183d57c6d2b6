//! The events outbox (docs/kernel-design.md §6). A module states what happened to one of its
//! aggregates (`dossier.accepted`, `feedback.answered`) by calling [`emit`] inside the
//! transaction that makes it true: the event and one delivery per subscriber commit with the
//! business change or not at all. The job runner then delivers each (event, subscriber) at
//! least once, in order per aggregate stream (`deliver`), retrying a failing handler with
//! back-off without holding back other subscribers; what cannot be delivered waits in the
//! dead-letter list of `/admin/events` (`admin`).
//!
//! This file knows no module: kinds are declared next to the code that emits them, and
//! subscriptions are handed to `Ctx` (today by `app::subscriptions`, later by the module
//! manifests).

pub mod admin;
mod deliver;

pub use deliver::{
    Claim, LEASE_SECONDS, claim, counts, deliver_claimed, deliver_due, deliver_due_at, purge,
};

use crate::Ctx;
use crate::audit::Actor;
use crate::db::{Backend, Conn};
use crate::error::AppError;
use std::future::Future;
use std::pin::Pin;

/// One kind of event a module emits. `name` is stable (subscribers and stored rows use it);
/// `aggregate` names the stream the event belongs to (`dossier` → `dossier:<id>`); `version`
/// is that of the payload's shape, raised when a field changes meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventKind {
    pub name: &'static str,
    pub aggregate: &'static str,
    pub version: u32,
}

impl EventKind {
    /// A kind at payload version 1.
    pub const fn new(name: &'static str, aggregate: &'static str) -> EventKind {
        EventKind {
            name,
            aggregate,
            version: 1,
        }
    }
}

pub type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A subscriber's code: runs in a transaction that also marks the delivery done, so its
/// database writes happen exactly once. Network work (mail, webhooks) belongs in a job it
/// queues on `tx`.
pub type Handler =
    for<'a> fn(&'a Ctx, &'a mut Conn, &'a Event) -> BoxFut<'a, Result<(), HandlerError>>;

/// Someone who reacts to events: its name is the delivery key (never renamed once deployed).
pub struct Subscription {
    /// `module.what`, e.g. `feedback.notify_followers`.
    pub name: &'static str,
    /// The event kinds it wants, by name (no wildcard).
    pub kinds: &'static [&'static str],
    pub handle: Handler,
    /// Failed attempts after which a delivery goes to the dead-letter list.
    pub max_attempts: u32,
    /// Whether it wants every kind some module's dataset refreshes on (`Dataset::refresh_on`)
    /// rather than `kinds`: the binary gives it their union at start ([`Subscription::with_kinds`]).
    pub on_dataset_events: bool,
}

impl Subscription {
    pub const DEFAULT_MAX_ATTEMPTS: u32 = 10;

    pub const fn new(
        name: &'static str,
        kinds: &'static [&'static str],
        handle: Handler,
    ) -> Subscription {
        Subscription {
            name,
            kinds,
            handle,
            max_attempts: Self::DEFAULT_MAX_ATTEMPTS,
            on_dataset_events: false,
        }
    }

    /// A subscription to the events after which declared datasets may have changed (the open
    /// data portal's, which marks its copies stale): no module lists another's event kinds.
    pub const fn on_dataset_events(name: &'static str, handle: Handler) -> Subscription {
        Subscription {
            on_dataset_events: true,
            ..Subscription::new(name, &[], handle)
        }
    }

    /// The same subscription wanting `kinds` (given once at start, so leaked once).
    pub fn with_kinds(&self, kinds: &'static [&'static str]) -> Subscription {
        Subscription {
            name: self.name,
            kinds,
            handle: self.handle,
            max_attempts: self.max_attempts,
            on_dataset_events: self.on_dataset_events,
        }
    }

    pub fn wants(&self, kind: &str) -> bool {
        self.kinds.contains(&kind)
    }
}

/// Why a handler did not finish.
#[derive(Debug)]
pub enum HandlerError {
    /// Worth trying again later (a lock, a full disk, a bug fixed by the next release).
    Retry(anyhow::Error),
    /// Can never succeed (a payload version it does not know, a row that cannot exist): dead at
    /// once, with this error for the administrator.
    Poison(anyhow::Error),
}

impl std::fmt::Display for HandlerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HandlerError::Retry(e) => write!(f, "{e:#}"),
            HandlerError::Poison(e) => write!(f, "poison: {e:#}"),
        }
    }
}

impl From<AppError> for HandlerError {
    fn from(e: AppError) -> Self {
        HandlerError::Retry(anyhow::anyhow!("{e}: {e:?}"))
    }
}

impl From<sqlx::Error> for HandlerError {
    fn from(e: sqlx::Error) -> Self {
        HandlerError::Retry(e.into())
    }
}

/// An event as a handler receives it.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: String,
    pub kind: String,
    pub version: i64,
    /// `aggregate:id`, e.g. `dossier:0193…`.
    pub stream: String,
    /// The part of the stream after the aggregate's name.
    pub aggregate_id: String,
    /// 1, 2, 3 … within the stream, in commit order.
    pub seq: i64,
    pub payload: serde_json::Value,
    /// Audit-style label of who caused it: `user:…`, `payment:test`, `system`.
    pub actor: String,
    pub occurred_at: String,
    /// Which attempt of this subscriber's delivery this is: 1 the first time.
    pub attempt: i64,
}

/// What [`emit`] writes.
pub struct NewEvent<'a> {
    /// A module's declared kind, e.g. `&dossiers::events::ACCEPTED`.
    pub kind: &'static EventKind,
    pub aggregate_id: &'a str,
    /// Facts at the time: ids and codes, never personal data (names, emails, phones).
    pub payload: serde_json::Value,
    pub actor: &'a Actor,
}

/// The stream an event of `kind` about `aggregate_id` belongs to.
pub fn stream_of(kind: &EventKind, aggregate_id: &str) -> String {
    format!("{}:{aggregate_id}", kind.aggregate)
}

/// Records an event inside the caller's transaction, with one pending delivery per
/// subscription that wants its kind: nothing is emitted unless the transaction commits.
/// The stream's next number comes from an upsert whose row lock holds other emitters of the
/// same stream until this transaction ends, so numbers follow commit order, without gaps.
/// After committing, the caller calls [`committed`]. Returns the event's id.
pub async fn emit(state: &Ctx, tx: &mut Conn, e: NewEvent<'_>) -> Result<String, AppError> {
    use sqlx::Row;
    let stream = stream_of(e.kind, e.aggregate_id);
    let id = uuid::Uuid::now_v7().to_string();
    let now = crate::time::now_text();
    let version = i64::from(e.kind.version);
    let payload = e.payload.to_string();
    let seq: i64 = match state.db.backend {
        // One round trip: it runs while the business transaction may hold the audit chain's
        // lock, so every statement saved there is throughput.
        Backend::Postgres => sqlx::query(
            "WITH s AS (
                INSERT INTO outbox_streams (stream, last_seq) VALUES ($4, 1)
                ON CONFLICT (stream) DO UPDATE SET last_seq = outbox_streams.last_seq + 1
                RETURNING last_seq)
             INSERT INTO outbox_events (id, kind, version, stream, seq, payload, actor, occurred_at)
             SELECT $1, $2, $3, $4, s.last_seq, $5, $6, $7 FROM s
             RETURNING seq",
        )
        .bind(&id)
        .bind(e.kind.name)
        .bind(version)
        .bind(&stream)
        .bind(&payload)
        .bind(&e.actor.label)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?
        .try_get("seq")?,
        // SQLite has no writing CTE; its statements cost no network round trip.
        Backend::Sqlite => {
            let seq: i64 = sqlx::query(
                "INSERT INTO outbox_streams (stream, last_seq) VALUES ($1, 1)
                 ON CONFLICT (stream) DO UPDATE SET last_seq = outbox_streams.last_seq + 1
                 RETURNING last_seq",
            )
            .bind(&stream)
            .fetch_one(&mut *tx)
            .await?
            .try_get("last_seq")?;
            sqlx::query(
                "INSERT INTO outbox_events (id, kind, version, stream, seq, payload, actor, occurred_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&id)
            .bind(e.kind.name)
            .bind(version)
            .bind(&stream)
            .bind(seq)
            .bind(&payload)
            .bind(&e.actor.label)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            seq
        }
    };
    for sub in state.subscriptions.iter().filter(|s| s.wants(e.kind.name)) {
        sqlx::query(
            "INSERT INTO outbox_deliveries (id, event_id, subscriber, stream, seq, status, attempts,
                max_attempts, next_attempt_at, created_at)
             VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $7, $7)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(&id)
        .bind(sub.name)
        .bind(&stream)
        .bind(seq)
        .bind(i64::from(sub.max_attempts))
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    }
    metrics::counter!("tinhso_outbox_emitted_total", "kind" => e.kind.name).increment(1);
    Ok(id)
}

/// Tells this node's runner that a transaction with events committed, so it delivers them now
/// rather than at its next tick.
pub fn committed(state: &Ctx) {
    if !state.subscriptions.is_empty() {
        state.wake.notify_one();
    }
}
