//! The load driver every benchmark shares: concurrent in-process clients through the real
//! router for a fixed time, reporting throughput and latency percentiles as a Markdown row.

#![allow(dead_code)]

use axum::body::Body;
use axum::http::Request;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;

pub const CLIENTS: usize = 100;
pub const DURATION: Duration = Duration::from_secs(5);

/// Builds the i-th request a client sends.
pub type MakeRequest = Arc<dyn Fn(usize) -> Request<Body> + Send + Sync>;

pub fn get(path: String) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

/// GET requests over `paths`, round-robin.
pub fn paths(paths: Vec<String>) -> MakeRequest {
    Arc::new(move |i| get(paths[i % paths.len()].clone()))
}

pub struct Figure {
    pub name: String,
    pub requests: usize,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl Figure {
    pub fn row(&self) -> String {
        format!(
            "| {} | {} | {:.0} | {:.2} | {:.2} |",
            self.name, self.requests, self.per_second, self.p50_ms, self.p99_ms
        )
    }
}

/// Runs `clients` clients for `DURATION`; every answer must be a success.
pub async fn load(app: &axum::Router, name: &str, clients: usize, make: MakeRequest) -> Figure {
    let start = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..clients {
        let (app, make) = (app.clone(), make.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut i = client;
            while start.elapsed() < DURATION {
                let t = Instant::now();
                let resp = app.clone().oneshot(make(i)).await.unwrap();
                i += clients;
                let status = resp.status();
                let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
                    .await
                    .unwrap();
                assert!(
                    status.is_success(),
                    "{status}: {}",
                    String::from_utf8_lossy(&body)
                );
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

pub fn print_table(figures: &[Figure]) {
    println!("| request | requests | per second | p50 ms | p99 ms |\n|---|---|---|---|---|");
    for f in figures {
        println!("{}", f.row());
    }
}

/// A fresh PostgreSQL database named `name` next to TEST_POSTGRES_URL's; its URL.
pub async fn fresh_postgres(name: &str) -> String {
    let pg = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let admin = tinhso::db::Db::connect(&pg).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&admin.pool)
    .await
    .unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin.pool)
        .await
        .unwrap();
    format!("{}/{name}", &pg[..pg.rfind('/').unwrap()])
}
