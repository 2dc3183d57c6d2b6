//! The events outbox on both databases (issue 13, "Bad input and failure"), with subscribers
//! built here: one that records what it receives, one that fails a given number of times, one
//! that poisons on a switch, one that always fails. Each records into a table of its own test
//! database, inside the delivery's transaction, so "delivered once" is counted, not assumed.
//! Plus the real emit points: a dossier submitted and accepted through HTTP, a report acted on.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{Duration, Utc};
use common::TestApp;
use serde_json::{Value, json};
use sqlx::Row;
use tinhso::app::AppState;
use tinhso::audit::Actor;
use tinhso::db::Conn;
use tinhso::events::{self, BoxFut, Event, EventKind, HandlerError, NewEvent, Subscription};

const PASSWORD: &str = "TinhSo@2026";

on_both_databases!(
    events_reach_each_subscriber_in_order_per_aggregate,
    a_failing_handler_backs_off_while_others_are_delivered,
    a_poisoned_event_holds_its_stream_for_its_subscriber_only,
    a_killed_node_s_delivery_is_delivered_once_by_another_node,
    two_nodes_delivering_at_once_deliver_each_event_once,
    sequence_numbers_follow_commits_without_gaps,
    a_rolled_back_transaction_emits_nothing,
    the_dead_letter_page_retries_and_skips,
    submitting_and_acting_emit_the_expected_events,
    a_dossier_notice_is_sent_once_however_often_its_event_is_delivered,
    a_counter_application_is_told_its_acceptance_not_a_receipt
);

const HAPPENED: EventKind = EventKind::new("test.happened", "thing");
const KINDS: &[&str] = &["test.happened"];

static RECORDER: Subscription = Subscription::new("test.recorder", KINDS, recorder);
static FLAKY: Subscription = Subscription::new("test.flaky", KINDS, flaky);
static POISONER: Subscription = Subscription::new("test.poisoner", KINDS, poisoner);
static HOPELESS: Subscription = Subscription {
    max_attempts: 2,
    ..Subscription::new("test.hopeless", KINDS, hopeless)
};

/// Writes what `who` received, numbered per stream in the order it was handled.
async fn seen(tx: &mut Conn, who: &str, e: &Event) -> Result<(), HandlerError> {
    let n: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM test_seen WHERE subscriber = $1 AND stream = $2")
            .bind(who)
            .bind(&e.stream)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
    sqlx::query(
        "INSERT INTO test_seen (subscriber, event_id, stream, seq, n, attempt) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(who)
    .bind(&e.id)
    .bind(&e.stream)
    .bind(e.seq)
    .bind(n + 1)
    .bind(e.attempt)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

fn recorder<'a>(
    _: &'a AppState,
    tx: &'a mut Conn,
    e: &'a Event,
) -> BoxFut<'a, Result<(), HandlerError>> {
    Box::pin(seen(tx, "test.recorder", e))
}

/// Fails the first `fail_times` attempts (from the payload), after writing: the write must
/// not survive a failed attempt.
fn flaky<'a>(
    _: &'a AppState,
    tx: &'a mut Conn,
    e: &'a Event,
) -> BoxFut<'a, Result<(), HandlerError>> {
    Box::pin(async move {
        seen(tx, "test.flaky", e).await?;
        if e.attempt <= e.payload["fail_times"].as_i64().unwrap_or(0) {
            return Err(HandlerError::Retry(anyhow::anyhow!(
                "flaky on attempt {}",
                e.attempt
            )));
        }
        Ok(())
    })
}

/// Poisons events whose payload says so while the switch `poison` is on.
fn poisoner<'a>(
    _: &'a AppState,
    tx: &'a mut Conn,
    e: &'a Event,
) -> BoxFut<'a, Result<(), HandlerError>> {
    Box::pin(async move {
        let on: i64 = sqlx::query("SELECT COUNT(*) AS n FROM test_flags WHERE name = 'poison'")
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
        if on > 0 && e.payload["poison"] == json!(true) {
            return Err(HandlerError::Poison(anyhow::anyhow!(
                "payload {} cannot be handled",
                e.seq
            )));
        }
        seen(tx, "test.poisoner", e).await
    })
}

fn hopeless<'a>(
    _: &'a AppState,
    _: &'a mut Conn,
    _: &'a Event,
) -> BoxFut<'a, Result<(), HandlerError>> {
    Box::pin(async { Err(HandlerError::Retry(anyhow::anyhow!("the far side is down"))) })
}

/// The tables the test subscribers write, and the poison switch on.
async fn prepare(app: &TestApp) {
    // The demo's own events (its tasks, which the operations centre counts) are not these
    // tests': set aside, so that what is delivered is the tests' alone.
    for sql in ["DELETE FROM outbox_deliveries", "DELETE FROM outbox_events"] {
        sqlx::query(sql).execute(&app.state.db.pool).await.unwrap();
    }
    for sql in [
        "CREATE TABLE test_seen (subscriber TEXT NOT NULL, event_id TEXT NOT NULL, stream TEXT NOT NULL,
            seq BIGINT NOT NULL, n BIGINT NOT NULL, attempt BIGINT NOT NULL)",
        "CREATE TABLE test_flags (name TEXT PRIMARY KEY)",
        "INSERT INTO test_flags (name) VALUES ('poison')",
    ] {
        sqlx::query(sql).execute(&app.state.db.pool).await.unwrap();
    }
}

/// Another node on the app's database, running `subs`.
async fn node_named(app: &TestApp, name: &str, subs: Vec<&'static Subscription>) -> AppState {
    let mut config = common::test_config(&app.database_url, app.dir.path());
    config.node_name = name.into();
    tinhso::app::start_with(config, None, subs)
        .await
        .expect("node starts")
}

/// Emits one event about `thing` in a transaction of its own; its id.
async fn emit(state: &AppState, thing: &str, payload: Value) -> String {
    let mut tx = state.db.begin().await.unwrap();
    let id = events::emit(
        state,
        &mut tx,
        NewEvent {
            kind: &HAPPENED,
            aggregate_id: thing,
            payload,
            actor: &Actor::system(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    events::committed(state);
    id
}

/// Delivers in small batches until nothing is due at `now`; how many were attempted.
async fn drain(state: &AppState, now: chrono::DateTime<Utc>) -> usize {
    let mut total = 0;
    loop {
        let n = events::deliver_due_at(state, 3, now).await.unwrap();
        if n == 0 {
            return total;
        }
        total += n;
    }
}

/// (stream, seq) in the order `who` handled them, stream by stream.
async fn seen_by(app: &TestApp, who: &str) -> Vec<(String, i64)> {
    sqlx::query("SELECT stream, seq FROM test_seen WHERE subscriber = $1 ORDER BY stream, n")
        .bind(who)
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("stream"), r.get("seq")))
        .collect()
}

struct Delivery {
    status: String,
    attempts: i64,
    last_error: Option<String>,
    next_attempt_at: String,
    locked_by: Option<String>,
}

async fn delivery(app: &TestApp, event_id: &str, subscriber: &str) -> Delivery {
    let r = sqlx::query(
        "SELECT status, attempts, last_error, next_attempt_at, locked_by FROM outbox_deliveries
          WHERE event_id = $1 AND subscriber = $2",
    )
    .bind(event_id)
    .bind(subscriber)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    Delivery {
        status: r.get("status"),
        attempts: r.get("attempts"),
        last_error: r.get("last_error"),
        next_attempt_at: r.get("next_attempt_at"),
        locked_by: r.get("locked_by"),
    }
}

async fn events_reach_each_subscriber_in_order_per_aggregate(app: TestApp) {
    prepare(&app).await;
    let node = node_named(&app, "node-a", vec![&RECORDER]).await;
    // Two things, their events interleaved; two events of one thing in one transaction.
    for i in 0..4 {
        emit(&node, "a", json!({ "i": i })).await;
        emit(&node, "b", json!({ "i": i })).await;
    }
    let mut tx = node.db.begin().await.unwrap();
    for i in 4..6 {
        events::emit(
            &node,
            &mut tx,
            NewEvent {
                kind: &HAPPENED,
                aggregate_id: "a",
                payload: json!({ "i": i }),
                actor: &Actor::system(),
            },
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    // Batches of three: a stream's next event is never claimed with the one before it.
    assert_eq!(drain(&node, Utc::now()).await, 10);
    let expect =
        |stream: &'static str, n: i64| (1..=n).map(move |s| (format!("thing:{stream}"), s));
    let want: Vec<(String, i64)> = expect("a", 6).chain(expect("b", 4)).collect();
    assert_eq!(seen_by(&app, "test.recorder").await, want);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox_deliveries WHERE status = 'done' AND attempts = 1")
            .await,
        10
    );
    // The same order through the job runner's entry point.
    emit(&node, "b", json!({ "i": 4 })).await;
    tinhso::jobs::run_due(&node).await.unwrap();
    assert_eq!(
        seen_by(&app, "test.recorder").await.last(),
        Some(&("thing:b".to_owned(), 5))
    );
    // While one node holds a thing's event, another node takes other things, not the next one.
    let other = node_named(&app, "node-b", vec![&RECORDER]).await;
    emit(&node, "c", json!({})).await;
    emit(&node, "c", json!({})).await;
    emit(&node, "d", json!({})).await;
    let now = Utc::now();
    let held = events::claim(&node, 1, now).await.unwrap();
    assert_eq!(held.len(), 1);
    let taken = events::claim(&other, 10, now).await.unwrap();
    assert_eq!(taken.len(), 1, "thing:c's second event waits for its first");
    for c in &taken {
        events::deliver_claimed(&other, c, now).await.unwrap();
    }
    events::deliver_claimed(&node, &held[0], now).await.unwrap();
    assert_eq!(drain(&other, now).await, 1);
    let seen = seen_by(&app, "test.recorder").await;
    assert_eq!(
        seen[seen.len() - 3..],
        [
            ("thing:c".to_owned(), 1),
            ("thing:c".to_owned(), 2),
            ("thing:d".to_owned(), 1)
        ]
    );
}

async fn a_failing_handler_backs_off_while_others_are_delivered(app: TestApp) {
    prepare(&app).await;
    let node = node_named(&app, "node-a", vec![&RECORDER, &FLAKY, &HOPELESS]).await;
    let first = emit(&node, "a", json!({ "fail_times": 2 })).await;
    let t0 = Utc::now();
    assert_eq!(drain(&node, t0).await, 3);
    assert_eq!(delivery(&app, &first, "test.recorder").await.status, "done");
    let f = delivery(&app, &first, "test.flaky").await;
    assert_eq!((f.status.as_str(), f.attempts), ("pending", 1));
    assert_eq!(f.last_error.as_deref(), Some("flaky on attempt 1"));
    // 2 s back-off ± 10 %; the stored time keeps milliseconds, so a back-off at the low end
    // reads up to 1 ms short (seen: 1,799 ms).
    let next = tinhso::time::parse(&f.next_attempt_at).unwrap();
    let wait = (next - t0).num_milliseconds();
    assert!((1799..=2200).contains(&wait), "first back-off {wait} ms");
    // A later event of the same thing: the recorder gets it, the flaky one keeps the order.
    let second = emit(&node, "a", json!({})).await;
    assert_eq!(
        drain(&node, Utc::now()).await,
        1,
        "only the recorder's delivery is due"
    );
    assert_eq!(
        delivery(&app, &second, "test.recorder").await.status,
        "done"
    );
    assert_eq!(
        delivery(&app, &second, "test.flaky").await.status,
        "pending"
    );
    // Second attempt after the first back-off; 4 s more before the third.
    let t1 = t0 + Duration::milliseconds(2300);
    drain(&node, t1).await;
    let f = delivery(&app, &first, "test.flaky").await;
    assert_eq!((f.status.as_str(), f.attempts), ("pending", 2));
    let wait = (tinhso::time::parse(&f.next_attempt_at).unwrap() - t1).num_milliseconds();
    assert!((3599..=4400).contains(&wait), "second back-off {wait} ms");
    assert_eq!(drain(&node, t1 + Duration::seconds(3)).await, 0);
    drain(&node, t1 + Duration::seconds(5)).await;
    let f = delivery(&app, &first, "test.flaky").await;
    assert_eq!((f.status.as_str(), f.attempts), ("done", 3));
    assert_eq!(
        delivery(&app, &second, "test.flaky").await.status,
        "done",
        "the held event follows"
    );
    // Failed attempts left nothing behind: one row per event, written by the third attempt.
    assert_eq!(
        sqlx::query(
            "SELECT seq, attempt FROM test_seen WHERE subscriber = 'test.flaky' ORDER BY n"
        )
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get::<i64, _>("seq"), r.get::<i64, _>("attempt")))
        .collect::<Vec<_>>(),
        vec![(1, 3), (2, 1)]
    );
    // A handler that never succeeds is dead after its attempts (two), with its error.
    drain(&node, t1 + Duration::hours(2)).await;
    let h = delivery(&app, &first, "test.hopeless").await;
    assert_eq!((h.status.as_str(), h.attempts), ("dead", 2));
    assert_eq!(h.last_error.as_deref(), Some("the far side is down"));
    assert_eq!(
        seen_by(&app, "test.recorder").await.len(),
        2,
        "nobody else waited for it"
    );
}

async fn a_poisoned_event_holds_its_stream_for_its_subscriber_only(app: TestApp) {
    prepare(&app).await;
    // The demo's own events (its tasks, its datasets, the counting of its dossiers) are not this
    // test's: set aside, so that what is purged and what stays below are the test's alone.
    for sql in ["DELETE FROM outbox_deliveries", "DELETE FROM outbox_events"] {
        sqlx::query(sql).execute(&app.state.db.pool).await.unwrap();
    }
    let node = node_named(&app, "node-a", vec![&RECORDER, &POISONER]).await;
    let bad = emit(&node, "a", json!({ "poison": true })).await;
    emit(&node, "a", json!({})).await;
    emit(&node, "a", json!({})).await;
    emit(&node, "b", json!({})).await;
    drain(&node, Utc::now()).await;
    let d = delivery(&app, &bad, "test.poisoner").await;
    assert_eq!((d.status.as_str(), d.attempts), ("dead", 1), "dead at once");
    assert_eq!(
        d.last_error.as_deref(),
        Some("poison: payload 1 cannot be handled")
    );
    assert_eq!(
        seen_by(&app, "test.poisoner").await,
        vec![("thing:b".to_owned(), 1)],
        "the later events of its stream wait; another stream goes on"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox_deliveries WHERE subscriber = 'test.poisoner' AND status = 'pending'")
            .await,
        2
    );
    assert_eq!(
        seen_by(&app, "test.recorder").await.len(),
        4,
        "another subscriber of the same events is not held"
    );
    // However late, nothing passes the dead letter.
    assert_eq!(drain(&node, Utc::now() + Duration::days(2)).await, 0);

    // Retention (`events.keep_days`, 30 by default): what was delivered goes after a month;
    // what died or waits stays, with its events.
    assert_eq!(
        events::purge(&node, Utc::now() + Duration::days(29))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        events::purge(&node, Utc::now() + Duration::days(31))
            .await
            .unwrap(),
        6,
        "five done deliveries and thing:b's event"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox_deliveries WHERE status IN ('dead', 'pending')")
            .await,
        3
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox_deliveries").await, 3);
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox_events").await, 3);
    // A purged stream keeps counting.
    let next = emit(&node, "b", json!({})).await;
    let seq: i64 = sqlx::query("SELECT seq FROM outbox_events WHERE id = $1")
        .bind(&next)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
        .get("seq");
    assert_eq!(seq, 2);
}

async fn a_killed_node_s_delivery_is_delivered_once_by_another_node(app: TestApp) {
    prepare(&app).await;
    let a = node_named(&app, "node-a", vec![&RECORDER]).await;
    let b = node_named(&app, "node-b", vec![&RECORDER]).await;
    let id = emit(&a, "a", json!({})).await;
    let now = Utc::now();
    let claims = events::claim(&a, 10, now).await.unwrap();
    assert_eq!(claims.len(), 1);
    // Node a dies here: its claim is never finished.
    assert_eq!(
        events::deliver_due_at(&b, 10, now).await.unwrap(),
        0,
        "the lease holds"
    );
    let later = now + Duration::seconds(events::LEASE_SECONDS + 1);
    assert_eq!(events::deliver_due_at(&b, 10, later).await.unwrap(), 1);
    let d = delivery(&app, &id, "test.recorder").await;
    assert_eq!(d.status, "done");
    assert_eq!(d.attempts, 2);
    assert_eq!(d.locked_by.as_deref(), Some("node-b"));
    // Node a comes back and finishes its stale claim: refused, nothing handled twice.
    events::deliver_claimed(&a, &claims[0], later)
        .await
        .unwrap();
    assert_eq!(
        app.count("SELECT COUNT(*) FROM test_seen").await,
        1,
        "handled exactly once"
    );
    assert_eq!(
        sqlx::query("SELECT attempt FROM test_seen")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap()
            .get::<i64, _>("attempt"),
        2
    );
    assert_eq!(
        events::deliver_due_at(&b, 10, later + Duration::hours(1))
            .await
            .unwrap(),
        0
    );
    // A delivery whose attempts all die with their node (a handler that stops it) is given up
    // after its attempts, not claimed for ever.
    let c = node_named(&app, "node-c", vec![&HOPELESS]).await;
    let id = emit(&c, "z", json!({})).await;
    let mut at = Utc::now();
    for _ in 0..2 {
        assert_eq!(events::claim(&c, 10, at).await.unwrap().len(), 1);
        at += Duration::seconds(events::LEASE_SECONDS + 1);
    }
    assert_eq!(events::deliver_due_at(&c, 10, at).await.unwrap(), 1);
    let d = delivery(&app, &id, "test.hopeless").await;
    assert_eq!((d.status.as_str(), d.attempts), ("dead", 3));
    assert!(
        d.last_error
            .unwrap()
            .contains("the earlier attempts never finished")
    );
}

async fn two_nodes_delivering_at_once_deliver_each_event_once(app: TestApp) {
    prepare(&app).await;
    let a = node_named(&app, "node-a", vec![&RECORDER, &POISONER]).await;
    let b = node_named(&app, "node-b", vec![&RECORDER, &POISONER]).await;
    for i in 0..40 {
        emit(&a, &format!("t{}", i % 8), json!({ "i": i })).await;
    }
    let run = |state: AppState| async move {
        let mut idle = 0;
        let mut mine = 0;
        while idle < 5 {
            let n = events::deliver_due(&state, 4).await.unwrap();
            mine += n;
            if n == 0 {
                idle += 1;
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            } else {
                idle = 0;
            }
        }
        mine
    };
    let (by_a, by_b) = tokio::join!(tokio::spawn(run(a)), tokio::spawn(run(b)));
    let (by_a, by_b) = (by_a.unwrap(), by_b.unwrap());
    assert_eq!(by_a + by_b, 80, "node a {by_a}, node b {by_b}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox_deliveries WHERE status = 'done' AND attempts = 1")
            .await,
        80
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM (SELECT subscriber, event_id FROM test_seen GROUP BY subscriber, event_id HAVING COUNT(*) = 1) x")
            .await,
        80,
        "each (event, subscriber) handled exactly once"
    );
    for who in ["test.recorder", "test.poisoner"] {
        let seen = seen_by(&app, who).await;
        assert_eq!(seen.len(), 40);
        for t in 0..8 {
            let seqs: Vec<i64> = seen
                .iter()
                .filter(|(s, _)| *s == format!("thing:t{t}"))
                .map(|(_, q)| *q)
                .collect();
            assert_eq!(seqs, vec![1, 2, 3, 4, 5], "{who} on thing:t{t}");
        }
    }
}

async fn sequence_numbers_follow_commits_without_gaps(app: TestApp) {
    let state = app.state.clone();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // A reader that must never see a later number before an earlier one is committed.
    let watcher = {
        let state = state.clone();
        let done = done.clone();
        tokio::spawn(async move {
            let mut looks = 0;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let seqs: Vec<i64> = sqlx::query(
                    "SELECT seq FROM outbox_events WHERE stream = 'thing:shared' ORDER BY seq",
                )
                .fetch_all(&state.db.pool)
                .await
                .unwrap()
                .iter()
                .map(|r| r.get("seq"))
                .collect();
                let prefix: Vec<i64> = (1..=seqs.len() as i64).collect();
                assert_eq!(seqs, prefix, "a hole was visible");
                looks += 1;
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            }
            looks
        })
    };
    let mut writers = Vec::new();
    for i in 0..16u64 {
        let state = state.clone();
        writers.push(tokio::spawn(async move {
            let mut tx = state.db.begin().await.unwrap();
            events::emit(
                &state,
                &mut tx,
                NewEvent {
                    kind: &HAPPENED,
                    aggregate_id: "shared",
                    payload: json!({ "i": i }),
                    actor: &Actor::system(),
                },
            )
            .await
            .unwrap();
            // Hold the stream a little, as a business transaction would.
            tokio::time::sleep(std::time::Duration::from_millis(3 + i % 4)).await;
            if i % 4 == 0 {
                tx.rollback().await.unwrap();
            } else {
                tx.commit().await.unwrap();
            }
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(watcher.await.unwrap() > 0);
    let seqs: Vec<i64> =
        sqlx::query("SELECT seq FROM outbox_events WHERE stream = 'thing:shared' ORDER BY seq")
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get("seq"))
            .collect();
    assert_eq!(
        seqs,
        (1..=12).collect::<Vec<i64>>(),
        "12 commits, 4 rollbacks, no gap"
    );
}

async fn a_rolled_back_transaction_emits_nothing(app: TestApp) {
    prepare(&app).await;
    let node = node_named(&app, "node-a", vec![&RECORDER]).await;
    let events_before = app.count("SELECT COUNT(*) FROM outbox_events").await;
    let mut tx = node.db.begin().await.unwrap();
    events::emit(
        &node,
        &mut tx,
        NewEvent {
            kind: &HAPPENED,
            aggregate_id: "a",
            payload: json!({}),
            actor: &Actor::system(),
        },
    )
    .await
    .unwrap();
    // The business change fails after the event was written: everything goes.
    let broken = sqlx::query("INSERT INTO test_flags (name) VALUES ('poison')")
        .execute(&mut *tx)
        .await;
    assert!(broken.is_err());
    tx.rollback().await.unwrap();
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox_events").await,
        events_before
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox_deliveries").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox_streams WHERE stream = 'thing:a'")
            .await,
        0
    );
    assert_eq!(drain(&node, Utc::now()).await, 0);
    // A business action refused half-way through (a dossier accepted twice) adds no event.
    let dossier_events = app
        .count("SELECT COUNT(*) FROM outbox_events WHERE kind LIKE 'dossier.%'")
        .await;
    let (id, clerk) = submitted_and_accepted(&app).await;
    let after = app
        .count("SELECT COUNT(*) FROM outbox_events WHERE kind LIKE 'dossier.%'")
        .await;
    assert_eq!(after, dossier_events + 2);
    let (status, _) = app
        .api(
            "POST",
            &format!("/api/v1/dossiers/{id}/actions"),
            Some(&clerk),
            Some(json!({"action": "accept"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox_events WHERE kind LIKE 'dossier.%'")
            .await,
        after
    );
}

async fn sign_in_admin(app: &TestApp) {
    let email = "admin@tinhso.local";
    let secret = app.enable_totp(email).await;
    let (status, body, _) = app.login(email, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let code = tinhso::auth::totp::code_at(&secret, Utc::now().timestamp() as u64).unwrap();
    let (status, _, _) = app
        .post_form("/login/totp", "/login/totp", &[("code", &code)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

async fn dead_id(app: &TestApp, event_id: &str) -> String {
    sqlx::query("SELECT id FROM outbox_deliveries WHERE event_id = $1 AND status = 'dead'")
        .bind(event_id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
        .get("id")
}

async fn the_dead_letter_page_retries_and_skips(app: TestApp) {
    prepare(&app).await;
    let node = node_named(&app, "node-a", vec![&POISONER]).await;
    let a1 = emit(&node, "a", json!({ "poison": true })).await;
    emit(&node, "a", json!({})).await;
    let b1 = emit(&node, "b", json!({ "poison": true })).await;
    emit(&node, "b", json!({})).await;
    emit(&node, "b", json!({})).await;
    drain(&node, Utc::now()).await;
    let (dead_a, dead_b) = (dead_id(&app, &a1).await, dead_id(&app, &b1).await);

    sign_in_admin(&app).await;
    let (status, html) = app.get("/admin/events").await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "thing:a",
        "thing:b",
        "test.happened",
        "test.poisoner",
        "poison: payload 1 cannot be handled",
        &format!("/admin/events/{dead_a}/retry"),
        &format!("/admin/events/{dead_b}/skip"),
    ] {
        assert!(html.contains(text), "the list shows {text}");
    }
    let row_b = &html[html.find(&format!("data-delivery=\"{dead_b}\"")).unwrap()..];
    let row_b = &row_b[..row_b.find("</tr>").unwrap()];
    assert!(
        row_b.contains("<td>2</td>"),
        "two events wait behind b's: {row_b}"
    );
    let (_, office) = app.get("/office").await;
    assert!(
        office.contains("href=\"/admin/events\""),
        "linked from the office home"
    );

    // Retry: first the confirmation step, which changes nothing.
    let retry = format!("/admin/events/{dead_a}/retry");
    let (status, step, _) = app.post_form("/admin/events", &retry, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(step.contains("data-testid=\"confirm-step\"") && step.contains("thing:a #1"));
    assert_eq!(delivery(&app, &a1, "test.poisoner").await.status, "dead");
    // The cause is fixed, then the retry is confirmed: a's events are delivered, in order.
    sqlx::query("DELETE FROM test_flags")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let (status, _, location) = app
        .post_form("/admin/events", &retry, &[("confirm", "yes")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/admin/events"));
    let d = delivery(&app, &a1, "test.poisoner").await;
    assert_eq!((d.status.as_str(), d.attempts), ("pending", 0));
    assert_eq!(
        app.count_where("audit_log", "action", "outbox.retry").await,
        1
    );
    drain(&node, Utc::now()).await;
    assert_eq!(
        seen_by(&app, "test.poisoner").await,
        vec![("thing:a".to_owned(), 1), ("thing:a".to_owned(), 2)]
    );

    // Skip: b's first event is given up, the two behind it are delivered.
    let skip = format!("/admin/events/{dead_b}/skip");
    let (status, step, _) = app.post_form("/admin/events", &skip, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(step.contains("data-testid=\"confirm-step\""));
    let (status, _, _) = app
        .post_form("/admin/events", &skip, &[("confirm", "yes")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(delivery(&app, &b1, "test.poisoner").await.status, "skipped");
    assert_eq!(
        app.count_where("audit_log", "action", "outbox.skip").await,
        1
    );
    drain(&node, Utc::now()).await;
    let seen = seen_by(&app, "test.poisoner").await;
    assert_eq!(
        &seen[2..],
        &[("thing:b".to_owned(), 2), ("thing:b".to_owned(), 3)]
    );
    // Skipping again finds nothing to skip.
    let (status, _, _) = app
        .post_form("/admin/events", &skip, &[("confirm", "yes")])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, html) = app.get("/admin/events").await;
    assert!(html.contains("data-testid=\"dead-none\""));
}

/// A dossier submitted by a citizen through the API and accepted by the clerk; its id and the
/// clerk's token.
async fn submitted_and_accepted(app: &TestApp) -> (String, String) {
    let citizen = app.token("congdan@tinhso.local", &["dossiers"]).await;
    let body = json!({"procedure": "1.000775", "agency": "000.00.60.H56", "answers": {
        "ho_ten": "Lê Thị Bích", "cccd": "038190000222", "dia_chi": "Xã Đông Sơn", "muc_dich": "Kết hôn"}});
    let req = Request::post("/api/v1/dossiers")
        .header(header::AUTHORIZATION, format!("Bearer {citizen}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header("idempotency-key", "events-1")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, body) = common::text(app.send(req).await).await;
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_str().unwrap().to_owned();
    let clerk = app
        .token("motcua.hacthanh@tinhso.local", &["dossiers"])
        .await;
    let (status, body) = app
        .api(
            "POST",
            &format!("/api/v1/dossiers/{id}/actions"),
            Some(&clerk),
            Some(json!({"action": "accept"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (id, clerk)
}

/// Kinds and payloads of a stream's events, in order.
async fn stream(app: &TestApp, stream: &str) -> Vec<(String, i64, Value)> {
    sqlx::query("SELECT kind, seq, payload FROM outbox_events WHERE stream = $1 ORDER BY seq")
        .bind(stream)
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.get("kind"),
                r.get("seq"),
                serde_json::from_str(&r.get::<String, _>("payload")).unwrap(),
            )
        })
        .collect()
}

async fn submitting_and_acting_emit_the_expected_events(app: TestApp) {
    let (id, _) = submitted_and_accepted(&app).await;
    let dossier = stream(&app, &format!("dossier:{id}")).await;
    let kinds: Vec<(&str, i64)> = dossier.iter().map(|(k, s, _)| (k.as_str(), *s)).collect();
    assert_eq!(
        kinds,
        vec![("dossier.submitted", 1), ("dossier.accepted", 2)]
    );
    let (_, _, submitted) = &dossier[0];
    assert_eq!(submitted["procedure_code"], "1.000775");
    assert_eq!(submitted["agency_code"], "000.00.60.H56");
    assert_eq!(submitted["channel"], "online");
    assert!(
        submitted["code"]
            .as_str()
            .unwrap()
            .starts_with("000.00.60.H56-")
    );
    assert!(dossier[1].2["due"].is_string(), "{}", dossier[1].2);

    // A report filed, taken up and answered through the pages.
    app.login("congdan@tinhso.local", PASSWORD).await;
    let fields = [
        ("category", "giao-thong"),
        ("title", "Ổ gà lớn trên đường Lê Lai"),
        (
            "description",
            "Đường Lê Lai trước số 12 có ổ gà sâu, xe máy đã ngã hai lần trong tuần.",
        ),
        ("address", "Số 12 đường Lê Lai"),
        ("admin_unit", "14932"),
        ("_confirmed", "1"),
        ("_key", "events-report"),
    ];
    let (status, _, location) = app
        .post_multipart("/login", "/feedback/new", &fields, &[])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let code = location
        .unwrap()
        .trim_start_matches("/feedback/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    app.clear_cookies();
    app.login("motcua.hacthanh@tinhso.local", PASSWORD).await;
    let page = format!("/feedback/{code}");
    for fields in [
        vec![("action", "accept")],
        vec![
            ("action", "answer"),
            ("note", "Phường đã vá ổ gà ngày 25/11, mời bà con kiểm tra."),
        ],
    ] {
        let (status, _, _) = app
            .post_form(&page, &format!("{page}/actions"), &fields)
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
    }
    let report_id: String = sqlx::query("SELECT id FROM feedback_reports WHERE code = $1")
        .bind(&code)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
        .get("id");
    let report = stream(&app, &format!("feedback:{report_id}")).await;
    let kinds: Vec<&str> = report.iter().map(|(k, _, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        vec![
            "feedback.submitted",
            "feedback.accepted",
            "feedback.answered"
        ]
    );
    assert_eq!(report[0].2["code"], code.as_str());
    assert_eq!(report[0].2["category"], "giao-thong");
    assert_eq!(report[2].2["to"], "answered");
    // Ids and codes only: nobody's name, email or phone travels in an event.
    let all: Vec<String> = sqlx::query("SELECT payload FROM outbox_events")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("payload"))
        .collect();
    let people: Vec<(String, String)> = sqlx::query(
        "SELECT full_name, email FROM users WHERE email IN ('congdan@tinhso.local', 'motcua.hacthanh@tinhso.local')",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get("full_name"), r.get("email")))
    .collect();
    assert_eq!(people.len(), 2);
    for payload in &all {
        for (name, email) in &people {
            assert!(
                !payload.contains(name.as_str()) && !payload.contains(email.as_str()),
                "{payload}"
            );
        }
        assert!(!payload.contains("Lê Thị Bích"), "{payload}");
    }
}

/// The applicant's inbox items and queued emails whose subject contains `subject`.
async fn notices(app: &TestApp, email: &str, subject: &str) -> (i64, i64) {
    let user_id = app.user_id(email).await;
    let inbox: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM inbox_items WHERE user_id = $1 AND subject LIKE $2")
            .bind(&user_id)
            .bind(format!("%{subject}%"))
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap()
            .get("n");
    let mails: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'send_email' AND payload LIKE $1 AND payload LIKE $2",
    )
    .bind(format!("%{email}%"))
    .bind(format!("%{subject}%"))
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap()
    .get("n");
    (inbox, mails)
}

/// Notices hang on events (docs/kernel-design.md §8.2): the applicant's notice of an
/// acceptance is written by the subscriber `onestop.notify_applicant` in the delivery's
/// transaction, so a node that dies mid-delivery, its stale claim finishing late, and a
/// delivery run again all leave exactly one inbox item and one email.
async fn a_dossier_notice_is_sent_once_however_often_its_event_is_delivered(app: TestApp) {
    const CITIZEN: &str = "congdan@tinhso.local";
    const ACCEPTED: &str = "đã được tiếp nhận";
    let citizen = app.token(CITIZEN, &["dossiers"]).await;
    let body = json!({"procedure": "1.000775", "agency": "000.00.60.H56", "answers": {
        "ho_ten": "Lê Thị Bích", "cccd": "038190000222", "dia_chi": "Xã Đông Sơn", "muc_dich": "Kết hôn"}});
    let req = Request::post("/api/v1/dossiers")
        .header(header::AUTHORIZATION, format!("Bearer {citizen}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header("idempotency-key", "events-notice")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, body) = common::text(app.send(req).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = serde_json::from_str::<Value>(&body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Delivered when the request returned, as a running node does at once.
    assert_eq!(notices(&app, CITIZEN, "Đã nhận hồ sơ").await, (1, 1));

    // The clerk accepts it; its event waits for delivery.
    app.hold_events
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let clerk = app
        .token("motcua.hacthanh@tinhso.local", &["dossiers"])
        .await;
    let (status, body) = app
        .api(
            "POST",
            &format!("/api/v1/dossiers/{id}/actions"),
            Some(&clerk),
            Some(json!({"action": "accept"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(notices(&app, CITIZEN, ACCEPTED).await, (0, 0));
    // The operations centre counts after this event too, and the open data portal marks its
    // statistics stale; those deliveries are not the one followed here (tests/app/ops.rs and
    // opendata_live.rs follow them).
    sqlx::query(
        "UPDATE outbox_deliveries SET status = 'done'
         WHERE subscriber IN ('ops.count', 'opendata.mark_stale') AND status = 'pending'",
    )
    .execute(&app.state.db.pool)
    .await
    .unwrap();

    // Node A claims the delivery and dies before finishing it: nothing is told, and nobody
    // else takes it while its lease runs.
    let now = Utc::now();
    let a = node_named(&app, "node-a", Vec::new()).await;
    let claims = events::claim(&a, 10, now).await.unwrap();
    assert_eq!(claims.len(), 1);
    assert_eq!(claims[0].subscriber, "onestop.notify_applicant");
    assert_eq!(
        events::deliver_due_at(&app.state, 10, now).await.unwrap(),
        0
    );
    assert_eq!(notices(&app, CITIZEN, ACCEPTED).await, (0, 0));

    // The lease is reset (as when it runs out): this node delivers it, once.
    sqlx::query("UPDATE outbox_deliveries SET next_attempt_at = $1 WHERE id = $2")
        .bind(tinhso::time::to_text(now - Duration::seconds(1)))
        .bind(&claims[0].id)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(
        events::deliver_due_at(&app.state, 10, now).await.unwrap(),
        1
    );
    let event_id = &claims[0].event_id;
    assert_eq!(
        delivery(&app, event_id, "onestop.notify_applicant")
            .await
            .status,
        "done"
    );
    assert_eq!(notices(&app, CITIZEN, ACCEPTED).await, (1, 1));
    assert_eq!(
        app.count_where("inbox_items", "dedupe_key", &format!("event:{event_id}"))
            .await,
        1
    );

    // Node A comes back and finishes its stale claim: dropped, nothing told twice.
    events::deliver_claimed(&a, &claims[0], now).await.unwrap();
    assert_eq!(notices(&app, CITIZEN, ACCEPTED).await, (1, 1));

    // The delivery runs once more (as after an administrator's retry): the event's dedupe
    // key gives neither a second inbox item nor a second email.
    sqlx::query(
        "UPDATE outbox_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $1
          WHERE id = $2",
    )
    .bind(tinhso::time::to_text(now - Duration::seconds(1)))
    .bind(&claims[0].id)
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(
        events::deliver_due_at(&app.state, 10, now).await.unwrap(),
        1
    );
    assert_eq!(
        delivery(&app, event_id, "onestop.notify_applicant")
            .await
            .status,
        "done"
    );
    assert_eq!(notices(&app, CITIZEN, ACCEPTED).await, (1, 1));
    app.hold_events
        .store(false, std::sync::atomic::Ordering::SeqCst);
}

/// A walk-in application is submitted and accepted in one transaction: its two events reach
/// `onestop.notify_applicant` in order, and the applicant is told the acceptance (with the
/// appointment) only, as before notices hung on events.
async fn a_counter_application_is_told_its_acceptance_not_a_receipt(app: TestApp) {
    const WALK_IN: &str = "phan.hanh@example.vn";
    let pdf: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    app.login("motcua.hacthanh@tinhso.local", PASSWORD).await;
    let page = "/office/dossiers/new?procedure=1.001193";
    let fields = [
        ("procedure", "1.001193"),
        ("applicant_name", "Phan Thị Hạnh"),
        ("applicant_email", WALK_IN),
        ("channel", "counter"),
        ("ho_ten", "Nguyễn Văn An"),
        ("cccd", "038090000111"),
        ("dia_chi", "Số 5, phố Lê Lai, phường Hạc Thành"),
        ("ten_tre", "Nguyễn Minh Khôi"),
        ("ngay_sinh_tre", "2026-11-20"),
        ("gioi_tinh_tre", "Nam"),
        ("noi_sinh", "Bệnh viện Đa khoa tỉnh"),
    ];
    let (status, body, location) = app
        .post_multipart(
            page,
            "/office/dossiers/new",
            &fields,
            &[("file_giay_chung_sinh", "chung-sinh.pdf", pdf)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let id = location
        .unwrap()
        .trim_start_matches("/office/dossiers/")
        .to_owned();
    let kinds: Vec<String> = stream(&app, &format!("dossier:{id}"))
        .await
        .into_iter()
        .map(|(k, _, _)| k)
        .collect();
    assert_eq!(kinds, vec!["dossier.submitted", "dossier.accepted"]);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM outbox_deliveries WHERE subscriber = 'onestop.notify_applicant'
                AND status <> 'done'"
        )
        .await,
        0
    );
    assert!(!app.emailed(WALK_IN, "Đã nhận hồ sơ").await);
    assert!(
        app.emailed(WALK_IN, "đã được tiếp nhận. Ngày hẹn trả kết quả: ")
            .await
    );
    assert!(app.emailed(WALK_IN, "Kính gửi Phan Thị Hạnh").await);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM jobs WHERE kind = 'send_email' AND payload LIKE '%phan.hanh@example.vn%'")
            .await,
        1
    );
}
