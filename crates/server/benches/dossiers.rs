//! One-stop benchmark with a province-year of dossiers (1,000,000 by default) on SQLite and
//! PostgreSQL: public tracking by code at 100 concurrent clients, online submissions per second
//! (national code included) and the province-year statistics page. Every figure sits next to
//! `/healthz` measured in the same run.
//!
//! Run: `cargo bench -p tinhso --bench dossiers` (`BENCH_DOSSIERS=100000` for a quicker run;
//! PostgreSQL from TEST_POSTGRES_URL).

// A benchmark reports its figures on standard output.
#![allow(clippy::print_stdout)]

use axum::body::Body;
use axum::http::{Request, header};
use std::sync::Arc;
use std::time::Instant;
use tinhso::app::{AppState, router};
use tinhso::config::Config;

mod support;

use support::{CLIENTS, MakeRequest, get, load};
const BATCH: usize = 200;

/// Loads `total` dossiers spread over 2025 across the agencies of the demo catalog: most
/// returned (early / on time / late), some still pending. Returns a sample of their codes.
async fn load_dossiers(state: &AppState, total: usize) -> Vec<String> {
    let db = &state.db;
    let procedures = tinhso::catalog::store::export_all(db).await.unwrap();
    let mut targets = Vec::new();
    for p in procedures
        .iter()
        .filter(|p| p.online_level != tinhso_domain::procedure::OnlineLevel::Information)
    {
        for code in &p.agencies {
            let agency = tinhso::agencies::find(db, code).await.unwrap().unwrap();
            targets.push((p.clone(), agency.id, agency.code));
        }
    }
    let citizen: String = sqlx::Row::get(
        &sqlx::query("SELECT id FROM users WHERE email = 'congdan@tinhso.local'")
            .fetch_one(&db.pool)
            .await
            .unwrap(),
        "id",
    );
    let mut counters = std::collections::HashMap::new();
    let mut sample = Vec::new();
    let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let mut done = 0;
    while done < total {
        let n = BATCH.min(total - done);
        let mut sql = String::from(
            "INSERT INTO dossiers (id, code, procedure_code, procedure_name, agency_id, applicant_id, applicant_name,
             applicant_email, channel, state, step, steps, processing_half_days, answers, clock_start, due_local,
             submitted_at, accepted_at, finished_at, finished_local, outcome, rating, rated_at, created_at, updated_at) VALUES ",
        );
        let mut rows = Vec::new();
        for k in 0..n {
            let i = done + k;
            let (p, agency_id, agency_code) = &targets[i % targets.len()];
            let day = start + chrono::Duration::days((i * 7919 % 330) as i64);
            let seq = counters
                .entry((*agency_code, day))
                .and_modify(|s| *s += 1)
                .or_insert(1);
            let code = format!("{agency_code}-{}-{seq:04}", day.format("%y%m%d"));
            if i % (total / 1000).max(1) == 0 {
                sample.push(code.clone());
            }
            let at = day.and_hms_opt(2, 0, 0).unwrap().and_utc();
            let text = |t: chrono::DateTime<chrono::Utc>| tinhso::time::to_text(t);
            let local = |t: chrono::DateTime<chrono::Utc>| {
                (t + chrono::Duration::hours(7))
                    .naive_utc()
                    .format("%Y-%m-%dT%H:%M:%S")
                    .to_string()
            };
            let due = at + chrono::Duration::days(p.processing.as_half_days() as i64);
            let (state, outcome, finished) = match i % 20 {
                0 => ("in_progress", None, None),
                1 => ("submitted", None, None),
                2 => (
                    "returned",
                    Some("late"),
                    Some(due + chrono::Duration::days(2)),
                ),
                3..=8 => ("returned", Some("on_time"), Some(due)),
                _ => (
                    "returned",
                    Some("early"),
                    Some(at + chrono::Duration::days(1)),
                ),
            };
            let channel = ["online", "online", "online", "counter", "post"][i % 5];
            let rating = (state == "returned" && i % 3 == 0)
                .then(|| (4 - (i % 7 == 0) as i64 * 2).to_string());
            let q = |s: &str| format!("'{}'", s.replace('\'', "''"));
            let opt = |s: Option<String>| s.map(|s| q(&s)).unwrap_or_else(|| "NULL".into());
            rows.push(format!(
                "({}, {}, {}, {}, {}, {}, 'Nguyễn Văn An', 'congdan@tinhso.local', '{channel}', '{state}', 1, {}, {}, '{{}}', {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
                q(&uuid::Uuid::now_v7().to_string()), q(&code), q(&p.code), q(&p.name), q(agency_id), q(&citizen),
                q(&serde_json::to_string(&p.steps).unwrap()), p.processing.as_half_days(),
                q(&local(at)), q(&local(due)), q(&text(at)), q(&text(at)),
                opt(finished.map(text)), opt(finished.map(local)), opt(outcome.map(str::to_owned)),
                rating.clone().unwrap_or_else(|| "NULL".into()), opt(rating.map(|_| text(finished.unwrap_or(at)))),
                q(&text(at)), q(&text(at)),
            ));
        }
        sql.push_str(&rows.join(", "));
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&db.pool)
            .await
            .unwrap();
        done += n;
        if done % 100_000 == 0 {
            eprintln!("  {done} dossiers loaded");
        }
    }
    sample
}

async fn setup(url: &str, dir: &std::path::Path) -> AppState {
    let config = Config {
        database_url: url.into(),
        data_dir: dir.into(),
        run_jobs: false,
        ..Config::default()
    };
    let state = tinhso::app::start(config, None).await.unwrap();
    tinhso::demo::seed(&state).await.unwrap();
    // The statistics reader is a system administrator with a second factor.
    sqlx::query("UPDATE users SET totp_enabled = 1 WHERE email = 'admin@tinhso.local'")
        .execute(&state.db.pool)
        .await
        .unwrap();
    state
}

async fn token(state: &AppState, email: &str) -> String {
    let user: String = sqlx::Row::get(
        &sqlx::query("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(&state.db.pool)
            .await
            .unwrap(),
        "id",
    );
    let mut tx = state.db.begin().await.unwrap();
    let (secret, _) =
        tinhso::tokens::create(&state.db, &mut tx, &user, "bench", &["dossiers".into()])
            .await
            .unwrap();
    tx.commit().await.unwrap();
    secret
}

fn main() {
    let total: usize = std::env::var("BENCH_DOSSIERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let pg_url = support::fresh_postgres("tinhso_bench_dossiers").await;
        for (label, url) in [("SQLite", None), ("PostgreSQL", Some(pg_url))] {
            let dir = tempfile::tempdir().unwrap();
            let url = url.unwrap_or_else(|| format!("sqlite://{}", dir.path().join("bench.db").display()));
            let state = setup(&url, dir.path()).await;
            let t = Instant::now();
            let sample = load_dossiers(&state, total).await;
            if state.db.backend == tinhso::db::Backend::Postgres {
                sqlx::raw_sql("ANALYZE").execute(&state.db.pool).await.unwrap();
            }
            println!("\n## {label}: {total} dossiers loaded in {:.0} s", t.elapsed().as_secs_f64());
            let citizen = token(&state, "congdan2@tinhso.local").await;
            let admin_token = token(&state, "admin@tinhso.local").await;
            let app = router(state);
            let sample = Arc::new(sample);
            let track_api: MakeRequest = {
                let s = sample.clone();
                Arc::new(move |i| get(format!("/api/v1/track/{}", s[i % s.len()])))
            };
            let track_page: MakeRequest = {
                let s = sample.clone();
                Arc::new(move |i| get(format!("/track?code={}", s[i % s.len()])))
            };
            let body = serde_json::json!({"procedure": "1.000775", "agency": "000.00.60.H56", "answers": {
                "ho_ten": "Lê Thị Bích", "cccd": "038190000222", "dia_chi": "Xã Đông Sơn", "muc_dich": "Kết hôn"}})
            .to_string();
            let run = uuid::Uuid::now_v7();
            let submit: MakeRequest = Arc::new(move |i| {
                Request::post("/api/v1/dossiers")
                    .header(header::AUTHORIZATION, format!("Bearer {citizen}"))
                    .header(header::CONTENT_TYPE, "application/json")
                    .header("idempotency-key", format!("{run}-{i}"))
                    .body(Body::from(body.clone()))
                    .unwrap()
            });
            let stats = |by: &'static str| -> MakeRequest {
                let token = admin_token.clone();
                Arc::new(move |_| {
                    Request::get(format!("/api/v1/statistics/dossiers?by={by}&from=2025-01-01&to=2025-12-31"))
                        .header(header::AUTHORIZATION, format!("Bearer {token}"))
                        .body(Body::empty())
                        .unwrap()
                })
            };
            let figures = vec![
                load(&app, "GET /healthz (baseline)", CLIENTS, Arc::new(|_| get("/healthz".into()))).await,
                load(&app, "GET /api/v1/track/{code}", CLIENTS, track_api).await,
                load(&app, "GET /track?code= (public page)", CLIENTS, track_page).await,
                load(&app, "POST /api/v1/dossiers (submit, code generated)", CLIENTS, submit).await,
                load(&app, "GET statistics, province-year by agency (1 client)", 1, stats("agency")).await,
                load(&app, "GET statistics, province-year by field (1 client)", 1, stats("field")).await,
            ];
            support::print_table(&figures);
        }
    });
}
