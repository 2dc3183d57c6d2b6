//! Foundation benchmark: a province-sized directory (2,600 agencies) on SQLite and PostgreSQL,
//! driven through the real router by concurrent in-process clients. Each figure is reported
//! next to `/healthz` measured in the same run, so runs on different machines compare.
//!
//! Run: `cargo bench -p tinhso --bench foundation` (PostgreSQL from TEST_POSTGRES_URL).

use axum::body::Body;
use axum::http::Request;
use std::time::{Duration, Instant};
use tinhso::app::{AppState, router};
use tinhso::config::Config;
use tower::ServiceExt;

const CLIENTS: usize = 100;
const DURATION: Duration = Duration::from_secs(5);

struct Figure {
    name: String,
    requests: usize,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

async fn load(app: &axum::Router, name: &str, paths: Vec<String>) -> Figure {
    let start = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let app = app.clone();
        let paths = paths.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut i = client;
            while start.elapsed() < DURATION {
                let path = &paths[i % paths.len()];
                i += CLIENTS;
                let t = Instant::now();
                let resp = app
                    .clone()
                    .oneshot(Request::get(path).body(Body::empty()).unwrap())
                    .await
                    .unwrap();
                assert!(resp.status().is_success(), "{path}: {}", resp.status());
                let _ = axum::body::to_bytes(resp.into_body(), usize::MAX)
                    .await
                    .unwrap();
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort();
    let pct =
        |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)].as_secs_f64() * 1000.0;
    Figure {
        name: name.into(),
        requests: all.len(),
        per_second: all.len() as f64 / elapsed,
        p50_ms: pct(0.5),
        p99_ms: pct(0.99),
    }
}

async fn province(url: &str, dir: &std::path::Path) -> AppState {
    let config = Config {
        database_url: url.into(),
        data_dir: dir.into(),
        run_jobs: false,
        ..Config::default()
    };
    let state = AppState::new(config, None).await.unwrap();
    tinhso::demo::seed(&state).await.unwrap();
    // 2,600 agencies: 120 departments with 20 units each under the provincial committee.
    let mut csv = String::from("code,name,kind,parent_code\n");
    for y in 21..=99 {
        csv.push_str(&format!(
            "000.00.{y:02}.H56,Ủy ban nhân dân xã Thử Nghiệm {y},peoples_committee,000.00.00.H56\n"
        ));
        for z in 1..=32 {
            csv.push_str(&format!(
                "000.{z:02}.{y:02}.H56,Phòng Chuyên môn {z} xã {y},unit,000.00.{y:02}.H56\n"
            ));
        }
    }
    let report = tinhso::agencies::csv_io::import(
        &state.db,
        &tinhso::audit::Actor::system(),
        csv.as_bytes(),
        false,
        &|_| {},
    )
    .await
    .unwrap();
    assert!(report.committed, "{:?}", report.errors.first());
    state
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let pg = std::env::var("TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let admin = tinhso::db::Db::connect(&pg).await.unwrap();
        sqlx::raw_sql("DROP DATABASE IF EXISTS tinhso_bench WITH (FORCE)")
            .execute(&admin.pool)
            .await
            .unwrap();
        sqlx::raw_sql("CREATE DATABASE tinhso_bench")
            .execute(&admin.pool)
            .await
            .unwrap();
        let pg_url = format!("{}/tinhso_bench", &pg[..pg.rfind('/').unwrap()]);
        for (label, url) in [("SQLite", None), ("PostgreSQL", Some(pg_url))] {
            let dir = tempfile::tempdir().unwrap();
            let url = url
                .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("bench.db").display()));
            let t = Instant::now();
            let state = province(&url, dir.path()).await;
            let count = sqlx::query("SELECT COUNT(*) FROM agencies")
                .fetch_one(&state.db.pool)
                .await
                .unwrap();
            let n: i64 = sqlx::Row::get(&count, 0);
            println!(
                "\n## {label}: {n} agencies loaded through CSV import in {:.1} s",
                t.elapsed().as_secs_f64()
            );
            let app = router(state);
            let codes: Vec<String> = (21..=99)
                .flat_map(|y| {
                    (1..=32).map(move |z| format!("/api/v1/agencies/000.{z:02}.{y:02}.H56"))
                })
                .collect();
            let searches: Vec<String> = (1..=32)
                .map(|z| format!("/api/v1/agencies?q=phong%20chuyen%20mon%20{z}&per_page=20"))
                .collect();
            let pages: Vec<String> = (21..=99)
                .map(|y| format!("/agencies/000.00.{y:02}.H56"))
                .collect();
            let figures = vec![
                load(&app, "GET /healthz (baseline)", vec!["/healthz".into()]).await,
                load(&app, "GET /api/v1/agencies/{code}", codes).await,
                load(&app, "GET /api/v1/agencies?q= (search, folded)", searches).await,
                load(&app, "GET /agencies/{code} (page with children)", pages).await,
                load(
                    &app,
                    "GET /agencies (whole tree page)",
                    vec!["/agencies".into()],
                )
                .await,
            ];
            println!(
                "| request | requests | per second | p50 ms | p99 ms |\n|---|---|---|---|---|"
            );
            for f in figures {
                println!(
                    "| {} | {} | {:.0} | {:.2} | {:.2} |",
                    f.name, f.requests, f.per_second, f.p50_ms, f.p99_ms
                );
            }
        }
    });
}
