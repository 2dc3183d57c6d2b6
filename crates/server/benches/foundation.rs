//! Foundation benchmark: a province-sized directory (2,600 agencies) on SQLite and PostgreSQL,
//! driven through the real router by concurrent in-process clients. Each figure is reported
//! next to `/healthz` measured in the same run, so runs on different machines compare.
//!
//! Run: `cargo bench -p tinhso --bench foundation` (PostgreSQL from TEST_POSTGRES_URL).

// A benchmark reports its figures on standard output.
#![allow(clippy::print_stdout)]

use std::time::Instant;
use tinhso::app::{AppState, router};
use tinhso::config::Config;

mod support;

use support::{CLIENTS, load, paths};

async fn province(url: &str, dir: &std::path::Path) -> AppState {
    let config = Config {
        database_url: url.into(),
        data_dir: dir.into(),
        run_jobs: false,
        ..Config::default()
    };
    let state = tinhso::app::start(config, None).await.unwrap();
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
        &state,
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
        let pg_url = support::fresh_postgres("tinhso_bench").await;
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
                load(
                    &app,
                    "GET /healthz (baseline)",
                    CLIENTS,
                    paths(vec!["/healthz".into()]),
                )
                .await,
                load(&app, "GET /api/v1/agencies/{code}", CLIENTS, paths(codes)).await,
                load(
                    &app,
                    "GET /api/v1/agencies?q= (search, folded)",
                    CLIENTS,
                    paths(searches),
                )
                .await,
                load(
                    &app,
                    "GET /agencies/{code} (page with children)",
                    CLIENTS,
                    paths(pages),
                )
                .await,
                load(
                    &app,
                    "GET /agencies (whole tree page)",
                    CLIENTS,
                    paths(vec!["/agencies".into()]),
                )
                .await,
            ];
            support::print_table(&figures);
        }
    });
}
