//! The operations centre's sample loader (`tinhso load-sample-ops`, scripts/bench-ops) on both
//! databases: after a load of dossiers, feedback and tasks counted in bulk, the index API's
//! source values for the province equal counts computed here from the rows in the tables, the
//! leader's index page answers, and a full recount (`ops rebuild --check`) finds no counter
//! different from what the loader wrote.

use crate::common;

use axum::http::StatusCode;
use common::TestApp;
use serde_json::Value;
use std::collections::BTreeMap;
use tinhso::audit::Actor;

on_both_databases!(the_loaders_counters_equal_counts_of_the_loaded_rows);

const LEADER: &str = "lanhdao.ubnd@tinhso.local";
const PASSWORD: &str = "TinhSo@2026";

async fn count(app: &TestApp, sql: &str, lo: &str, hi: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(lo)
        .bind(hi)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

/// Each source the index's formulas read, counted from the rows for the local year `year`.
async fn expected(app: &TestApp, year: i32) -> BTreeMap<&'static str, i64> {
    // A local (UTC+7) year in stored UTC text, and in local text.
    let (lo, hi) = (
        format!("{}-12-31T17:00:00.000Z", year - 1),
        format!("{year}-12-31T17:00:00.000Z"),
    );
    let (llo, lhi) = (format!("{year}-01-01"), format!("{}-01-01", year + 1));
    let d = "SELECT COUNT(*) FROM dossiers WHERE state <> 'draft' AND ";
    let f = "SELECT COUNT(*) FROM feedback_reports WHERE status <> 'duplicate' AND ";
    let rows: [(&'static str, String, bool); 9] = [
        (
            "dossier.finished",
            format!(
                "{d} outcome IN ('early', 'on_time', 'late') AND finished_at >= $1 AND finished_at < $2"
            ),
            true,
        ),
        (
            "dossier.finished_on_time",
            format!(
                "{d} outcome IN ('early', 'on_time') AND finished_at >= $1 AND finished_at < $2"
            ),
            true,
        ),
        (
            "dossier.rated",
            format!("{d} rating IS NOT NULL AND rated_at >= $1 AND rated_at < $2"),
            true,
        ),
        (
            "dossier.rated_satisfied",
            format!("{d} rating >= 3 AND rated_at >= $1 AND rated_at < $2"),
            true,
        ),
        (
            "feedback.received",
            format!("{f} received_local >= $1 AND received_local < $2"),
            false,
        ),
        (
            "feedback.on_time",
            format!(
                "{f} answered_local IS NOT NULL AND answered_local <= due_local
                 AND due_local >= $1 AND due_local < $2"
            ),
            false,
        ),
        (
            "feedback.answered_late",
            format!(
                "{f} answered_local IS NOT NULL AND answered_local > due_local
                 AND due_local >= $1 AND due_local < $2"
            ),
            false,
        ),
        (
            "feedback.open",
            format!(
                "{f} status IN ('received', 'assigned', 'in_progress')
                 AND due_local >= $1 AND due_local < $2"
            ),
            false,
        ),
        (
            "feedback.dissatisfied",
            format!(
                "{f} answered_local IS NOT NULL AND rating < 3
                 AND answered_local >= $1 AND answered_local < $2"
            ),
            false,
        ),
    ];
    let mut out = BTreeMap::new();
    for (name, sql, utc) in rows {
        let n = if utc {
            count(app, &sql, &lo, &hi).await
        } else {
            count(app, &sql, &llo, &lhi).await
        };
        out.insert(name, n);
    }
    out
}

/// The source values the index API shows for the province over `year`.
fn shown(index: &Value) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for g in index["groups"].as_array().unwrap() {
        for i in g["indicators"].as_array().unwrap() {
            for s in i["sources"].as_array().unwrap() {
                out.insert(
                    s["name"].as_str().unwrap().to_owned(),
                    s["value"].as_i64().unwrap(),
                );
            }
        }
    }
    out
}

async fn the_loaders_counters_equal_counts_of_the_loaded_rows(app: TestApp) {
    // What the demo province holds is counted first (its events delivered, then a recount).
    app.deliver_events().await;
    tinhso_ops::rebuild::rebuild(&app.state, &Actor::system(), false)
        .await
        .unwrap();
    let before: i64 = app.count("SELECT COUNT(*) FROM dossiers").await;
    // Small batches, so several transactions (and, on PostgreSQL, both writers) are used.
    let loaded = tinhso::sample_ops::load(&app.state, 4000, 700, false)
        .await
        .unwrap();
    assert_eq!(loaded.dossiers, 4000);
    assert_eq!(loaded.feedback, 200);
    assert_eq!(loaded.tasks, 40);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM dossiers").await,
        before + 4000
    );
    // Every outcome is represented.
    for outcome in ["early", "on_time", "late"] {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM dossiers WHERE outcome = $1")
            .bind(outcome)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
        assert!(n > 100, "{outcome}: {n}");
    }
    let today = tinhso::time::local_now().date();
    let overdue: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM dossiers WHERE state = 'in_progress' AND due_local < $1",
    )
    .bind(today.to_string())
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert!(overdue > 20, "open and overdue: {overdue}");

    let token = app.token(LEADER, &["ops:read"]).await;
    let year = chrono::Datelike::year(&today) - 1;
    for y in [2023, year] {
        let (status, index) = app
            .api(
                "GET",
                &format!("/api/v1/ops/index?scope=p&period={y}-Y"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{index}");
        let shown = shown(&index);
        let expected = expected(&app, y).await;
        for (name, n) in &expected {
            // A few dozen reports a year: rarer outcomes (open, late) may have none.
            if name.starts_with("dossier.") || *name == "feedback.received" {
                assert!(*n > 0, "{y} {name}: the fixture has some");
            }
            assert_eq!(shown.get(*name), Some(n), "{y} {name}");
        }
    }

    // The leader's index page for the province-year answers.
    app.login(LEADER, PASSWORD).await;
    let (status, _) = app
        .get(&format!("/ops/dashboard?scope=p&period={year}-Y"))
        .await;
    assert_eq!(status, StatusCode::OK);

    // A full recount from the rows agrees with every counter the loader wrote.
    let outcome = tinhso_ops::rebuild::rebuild(&app.state, &Actor::system(), true)
        .await
        .unwrap();
    assert!(
        outcome.differences.is_empty(),
        "{} counters differ: {:?}",
        outcome.differences.len(),
        &outcome.differences[..outcome.differences.len().min(5)]
    );
    let items: i64 = app.count("SELECT COUNT(*) FROM ops_items").await;
    assert_eq!(items as usize, outcome.items);
}
