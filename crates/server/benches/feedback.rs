//! Feedback benchmark with 200,000 reports on SQLite and PostgreSQL: the public list, a
//! report's public page and Open311's GET requests at 100 concurrent clients, next to
//! `/healthz` measured in the same run.
//!
//! Run: `cargo bench -p tinhso --bench feedback` (`BENCH_REPORTS=20000` for a quick run).

// A benchmark reports its figures on standard output.
#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::time::Instant;
use tinhso::app::{AppState, router};
use tinhso::config::Config;

mod support;

use support::{CLIENTS, get, load};

/// Inserts `total` reports over the last 300 days, across categories and the demo areas.
async fn load_reports(state: &AppState, total: usize) -> Vec<String> {
    let db = &state.db;
    let agencies: Vec<String> = sqlx::query("SELECT id FROM agencies ORDER BY code")
        .fetch_all(&db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| sqlx::Row::get(r, "id"))
        .collect();
    let categories = [
        "moi-truong",
        "giao-thong",
        "trat-tu-do-thi",
        "dich-vu-cong",
        "can-bo",
        "khac",
    ];
    let units = ["14932", "14935", "15001", "15010", "15100"];
    let statuses = [
        "answered",
        "closed",
        "closed",
        "closed",
        "in_progress",
        "assigned",
        "rejected",
    ];
    let now = chrono::Utc::now();
    let mut codes = Vec::new();
    let mut done = 0;
    while done < total {
        let n = 500.min(total - done);
        let mut rows = Vec::new();
        for k in 0..n {
            let i = done + k;
            let at = now - chrono::Duration::minutes((i * 1297 % (300 * 24 * 60)) as i64);
            let code = format!("PB-{i:07}");
            if i % (total / 1000).max(1) == 0 {
                codes.push(code.clone());
            }
            let text = tinhso::time::to_text(at);
            let local = (at + chrono::Duration::hours(7)).naive_utc();
            let due = (local + chrono::Duration::days(14))
                .format("%Y-%m-%dT%H:%M:%S")
                .to_string();
            let status = statuses[i % statuses.len()];
            let answered = matches!(status, "answered" | "closed");
            let answer = if answered {
                format!("'Đơn vị đã xử lý xong nội dung phản ánh số {i}.'")
            } else {
                "NULL".into()
            };
            let answered_at = if answered {
                format!("'{text}'")
            } else {
                "NULL".into()
            };
            let answered_local = if answered {
                format!(
                    "'{}'",
                    (local + chrono::Duration::days(3)).format("%Y-%m-%dT%H:%M:%S")
                )
            } else {
                "NULL".into()
            };
            rows.push(format!(
                "('{}', '{code}', '{}', 'Phản ánh thử nghiệm số {i} về {}', 'Nội dung phản ánh thử nghiệm số {i}: cần xử lý sớm để bảo đảm an toàn.', 'Địa chỉ số {i}', '{}', {}, {}, 'Người dân {i}', 'nguoi{i}@example.com', 'web', '{}', '{status}', '{}', '{due}', {answer}, {answered_at}, {answered_local}, {}, '{text}', '{text}')",
                uuid::Uuid::now_v7(),
                categories[i % categories.len()],
                categories[i % categories.len()],
                units[i % units.len()],
                19.80 + (i % 100) as f64 * 0.001,
                105.78 + (i % 97) as f64 * 0.001,
                agencies[i % agencies.len()],
                local.format("%Y-%m-%dT%H:%M:%S"),
                if status == "closed" { ((i % 4) + 1).to_string() } else { "NULL".into() },
            ));
        }
        let sql = format!(
            "INSERT INTO feedback_reports (id, code, category_code, title, description, address, admin_unit_code, lat, lon,
                reporter_name, reporter_email, source, agency_id, status, received_local, due_local, answer, answered_at,
                answered_local, rating, created_at, updated_at) VALUES {}",
            rows.join(", ")
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&db.pool)
            .await
            .unwrap();
        done += n;
    }
    codes
}

fn main() {
    let total: usize = std::env::var("BENCH_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let pg_url = support::fresh_postgres("tinhso_bench_feedback").await;
        for (label, url) in [("SQLite", None), ("PostgreSQL", Some(pg_url))] {
            let dir = tempfile::tempdir().unwrap();
            let url = url
                .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("bench.db").display()));
            let config = Config {
                database_url: url,
                data_dir: dir.path().into(),
                run_jobs: false,
                ..Config::default()
            };
            let state = tinhso::app::start(config, None).await.unwrap();
            tinhso::demo::seed(&state).await.unwrap();
            let t = Instant::now();
            let codes = Arc::new(load_reports(&state, total).await);
            if state.db.backend == tinhso::db::Backend::Postgres {
                sqlx::raw_sql("ANALYZE")
                    .execute(&state.db.pool)
                    .await
                    .unwrap();
            }
            println!(
                "\n## {label}: {total} reports loaded in {:.0} s",
                t.elapsed().as_secs_f64()
            );
            let app = router(state);
            let categories = [
                "moi-truong",
                "giao-thong",
                "trat-tu-do-thi",
                "dich-vu-cong",
                "can-bo",
                "khac",
            ];
            let page_codes = codes.clone();
            let api_codes = codes.clone();
            let figures = vec![
                load(
                    &app,
                    "GET /healthz (baseline)",
                    CLIENTS,
                    Arc::new(|_| get("/healthz".into())),
                )
                .await,
                load(
                    &app,
                    "GET /feedback (public list, newest 30)",
                    CLIENTS,
                    Arc::new(|_| get("/feedback".into())),
                )
                .await,
                load(
                    &app,
                    "GET /feedback?category=&status=answered",
                    CLIENTS,
                    Arc::new(move |i| {
                        get(format!(
                            "/feedback?category={}&status=answered",
                            categories[i % 6]
                        ))
                    }),
                )
                .await,
                load(
                    &app,
                    "GET /feedback/{code} (report page)",
                    CLIENTS,
                    Arc::new(move |i| {
                        get(format!("/feedback/{}", page_codes[i % page_codes.len()]))
                    }),
                )
                .await,
                load(
                    &app,
                    "GET /open311/v2/requests/{id}.json",
                    CLIENTS,
                    Arc::new(move |i| {
                        get(format!(
                            "/open311/v2/requests/{}.json",
                            api_codes[i % api_codes.len()]
                        ))
                    }),
                )
                .await,
            ];
            support::print_table(&figures);
        }
    });
}
