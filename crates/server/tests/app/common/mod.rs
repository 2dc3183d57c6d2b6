//! Test harness: a real app on a real, isolated database (a temporary SQLite file, or a fresh
//! PostgreSQL database per test), driven in-process through its router.

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use tinhso::app::{AppState, router};
use tinhso::config::Config;
use tower::ServiceExt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    pub kind: Kind,
    pub dir: tempfile::TempDir,
    pub database_url: String,
    pg_name: Option<String>,
    cookies: std::sync::Mutex<std::collections::BTreeMap<String, String>>,
    /// Set: requests leave their events undelivered (a test then delivers them itself).
    pub hold_events: AtomicBool,
}

/// A fresh, empty database of the given kind; its URL.
pub async fn fresh_database(kind: Kind, dir: &std::path::Path) -> (String, Option<String>) {
    match kind {
        Kind::Sqlite => (format!("sqlite://{}", dir.join("test.db").display()), None),
        Kind::Postgres => {
            let name = format!(
                "tinhso_t_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::SeqCst)
            );
            let admin = tinhso::db::Db::connect(&postgres_admin_url())
                .await
                .expect("PostgreSQL must be reachable for the PostgreSQL half of the suite (TEST_POSTGRES_URL)");
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
            admin.pool.close().await;
            let base = postgres_admin_url();
            let url = match base.rfind('/') {
                Some(i) => format!("{}/{name}", &base[..i]),
                None => unreachable!(),
            };
            (url, Some(name))
        }
    }
}

pub fn test_config(database_url: &str, dir: &std::path::Path) -> Config {
    Config {
        database_url: database_url.to_owned(),
        data_dir: dir.to_path_buf(),
        run_jobs: false,
        ..Config::default()
    }
}

impl TestApp {
    /// An app with the demo province loaded.
    pub async fn new(kind: Kind) -> TestApp {
        let app = Self::empty(kind).await;
        tinhso::demo::seed(&app.state)
            .await
            .expect("demo data loads");
        // The seed's events (agencies and procedures created…), as a running node's job
        // runner delivers them.
        app.deliver_events().await;
        app
    }

    pub async fn empty(kind: Kind) -> TestApp {
        Self::empty_with(kind, |_| {}).await
    }

    /// An app with the demo province loaded and its configuration changed by `tweak`.
    pub async fn new_with(kind: Kind, tweak: impl FnOnce(&mut Config)) -> TestApp {
        let app = Self::empty_with(kind, tweak).await;
        tinhso::demo::seed(&app.state)
            .await
            .expect("demo data loads");
        // The seed's events (agencies and procedures created…), as a running node's job
        // runner delivers them.
        app.deliver_events().await;
        app
    }

    pub async fn empty_with(kind: Kind, tweak: impl FnOnce(&mut Config)) -> TestApp {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
        let dir = tempfile::tempdir().unwrap();
        let (database_url, pg_name) = fresh_database(kind, dir.path()).await;
        let mut config = test_config(&database_url, dir.path());
        tweak(&mut config);
        let state = tinhso::app::start(config, None).await.expect("app starts");
        let router = router(state.clone());
        TestApp {
            state,
            router,
            kind,
            dir,
            database_url,
            pg_name,
            cookies: Default::default(),
            hold_events: AtomicBool::new(false),
        }
    }

    /// The same database and data folder served by a new app, its configuration changed by
    /// `tweak` (a node restarted with new settings); signed out.
    pub async fn restart_with(&mut self, tweak: impl FnOnce(&mut Config)) {
        let mut config = (*self.state.config).clone();
        tweak(&mut config);
        let state = tinhso::app::start(config, None)
            .await
            .expect("app restarts");
        self.router = router(state.clone());
        self.state = state;
        self.clear_cookies();
    }

    pub async fn send(&self, mut req: Request<Body>) -> axum::response::Response {
        let cookie_header = self.cookie_header();
        if !cookie_header.is_empty() && !req.headers().contains_key(header::COOKIE) {
            req.headers_mut()
                .insert(header::COOKIE, cookie_header.parse().unwrap());
        }
        let resp = self.router.clone().oneshot(req).await.unwrap();
        for value in resp.headers().get_all(header::SET_COOKIE) {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            if let Some((k, v)) = pair.split_once('=') {
                let mut jar = self.cookies.lock().unwrap();
                if v.is_empty() || text.contains("Max-Age=0") {
                    jar.remove(k);
                } else {
                    jar.insert(k.to_owned(), v.to_owned());
                }
            }
        }
        // What a running node does within milliseconds of the commit (tests run no job runner):
        // notices hang on events, so a request's emails are queued when it returns, as before
        // (docs/kernel-design.md §8.4).
        if !self.hold_events.load(Ordering::SeqCst) {
            self.deliver_events().await;
        }
        resp
    }

    /// Delivers every due event delivery of the modules' subscribers, until none is left.
    pub async fn deliver_events(&self) {
        while tinhso::events::deliver_due(&self.state, 64)
            .await
            .expect("events are delivered")
            > 0
        {}
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn clear_cookies(&self) {
        self.cookies.lock().unwrap().clear();
    }

    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let resp = self
            .send(Request::get(path).body(Body::empty()).unwrap())
            .await;
        text(resp).await
    }

    pub async fn api(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string()))
                .unwrap(),
            None => req.body(Body::empty()).unwrap(),
        };
        let resp = self.send(req).await;
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// The CSRF token the last rendered form of `path` carries.
    pub async fn csrf(&self, path: &str) -> String {
        let (_, html) = self.get(path).await;
        csrf_in(&html).unwrap_or_default()
    }

    /// Posts a URL-encoded form with the page's CSRF token.
    pub async fn post_form(
        &self,
        form_page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String, Option<String>) {
        let token = self.csrf(form_page).await;
        let mut all: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
        all.extend_from_slice(fields);
        let body = serde_urlencoded::to_string(&all).unwrap();
        let req = Request::post(action)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        let resp = self.send(req).await;
        let location = resp
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        let (status, body) = text(resp).await;
        (status, body, location)
    }

    /// Posts a multipart form (text fields, then files as field, file name, bytes) with the
    /// CSRF token of `form_page` as the first field, as the pages' file forms do; returns
    /// status, body and redirect target.
    pub async fn post_multipart(
        &self,
        form_page: &str,
        action: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> (StatusCode, String, Option<String>) {
        let token = self.csrf(form_page).await;
        let fields: Vec<(&str, &str)> = std::iter::once(("_csrf", token.as_str()))
            .chain(fields.iter().copied())
            .collect();
        let (content_type, body) = multipart(&fields, files);
        let req = Request::post(action)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap();
        let resp = self.send(req).await;
        let location = resp
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        let (status, body) = text(resp).await;
        (status, body, location)
    }

    pub async fn login(&self, email: &str, password: &str) -> (StatusCode, String, Option<String>) {
        self.post_form(
            "/login",
            "/login",
            &[("identifier", email), ("password", password)],
        )
        .await
    }

    pub async fn user_id(&self, email: &str) -> String {
        let row = sqlx::query("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(&self.state.db.pool)
            .await
            .unwrap();
        sqlx::Row::get(&row, "id")
    }

    /// An API token for a demo account, with the given scopes.
    pub async fn token(&self, email: &str, scopes: &[&str]) -> String {
        let user_id = self.user_id(email).await;
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        let mut tx = self.state.db.begin().await.unwrap();
        let (secret, _) =
            tinhso::tokens::create(&self.state.db, &mut tx, &user_id, "test", &scopes)
                .await
                .unwrap();
        tx.commit().await.unwrap();
        secret
    }

    /// Marks an account's second factor as set up (admins need one to act).
    pub async fn enable_totp(&self, email: &str) -> String {
        let secret = tinhso::auth::totp::new_secret();
        sqlx::query("UPDATE users SET totp_secret = $1, totp_enabled = 1 WHERE email = $2")
            .bind(&secret)
            .bind(email)
            .execute(&self.state.db.pool)
            .await
            .unwrap();
        secret
    }

    pub async fn count(&self, sql: &'static str) -> i64 {
        let row = sqlx::query(sql)
            .fetch_one(&self.state.db.pool)
            .await
            .unwrap();
        sqlx::Row::get(&row, 0)
    }

    /// Runs every module's backfill to its end, `batch` rows a batch, as a serving node does
    /// in the background after it starts; answers the batches that did some work.
    pub async fn run_backfills(&self, batch: usize) -> u64 {
        let mut batches = 0;
        for backfill in tinhso::app::backfills() {
            batches += tinhso::backfill::run_to_end(
                &self.state,
                backfill,
                batch,
                std::time::Duration::ZERO,
            )
            .await
            .unwrap();
        }
        batches
    }

    /// Counts rows where `column` equals `value` (a bound parameter, so any text is safe).
    pub async fn count_where(&self, table: &'static str, column: &'static str, value: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE {column} = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(value)
            .fetch_one(&self.state.db.pool)
            .await
            .unwrap();
        sqlx::Row::get(&row, 0)
    }

    /// Whether a queued email to `to` contains `text`.
    pub async fn emailed(&self, to: &str, text: &str) -> bool {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM jobs WHERE kind = 'send_email' AND payload LIKE $1 AND payload LIKE $2",
        )
        .bind(format!("%{to}%"))
        .bind(format!("%{text}%"))
        .fetch_one(&self.state.db.pool)
        .await
        .unwrap();
        sqlx::Row::get::<i64, _>(&row, 0) > 0
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            // Drop the per-test database from a separate thread with its own runtime.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(admin) = tinhso::db::Db::connect(&postgres_admin_url()).await {
                        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
                        .execute(&admin.pool)
                        .await;
                    }
                });
            })
            .join();
        }
    }
}

/// A multipart body: text fields, then files as (field, file name, bytes).
pub fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----tinhso-test-boundary";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (k, name, bytes) in files {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A copy-of-extract dossier (procedure 2.000635, 8,000 đ) at phường Hạc Thành, filed by
/// `citizen` through the API under the idempotency key `key`; its id.
pub async fn file_copy_of_extract(app: &TestApp, citizen: &str, key: &str) -> String {
    let token = app.token(citizen, &["dossiers"]).await;
    let body = serde_json::json!({"procedure": "2.000635", "agency": "000.00.60.H56", "answers": {
        "ho_ten": "Nguyễn Văn An", "cccd": "038090000111", "dia_chi": "Phường Hạc Thành",
        "loai_trich_luc": "Khai sinh", "so_ban": "1"}});
    let req = Request::post("/api/v1/dossiers")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header("idempotency-key", key)
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, created) = text(app.send(req).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    serde_json::from_str::<Value>(&created).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub async fn text(resp: axum::response::Response) -> (StatusCode, String) {
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

pub fn csrf_in(html: &str) -> Option<String> {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

/// Runs a test body that sets up its own platform once per database kind, as two named tests:
/// `on_both_kinds!(a, b)` calls `a(Kind)`; `on_both_kinds!(via app: a, b)` calls
/// `a(app(Kind).await)` with the test file's own `app` (a platform configured for that file).
#[macro_export]
#[allow(clippy::crate_in_macro_def)] // each test binary has its own `common` module
macro_rules! on_both_kinds {
    (via $make:ident: $($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name(super::$make(crate::common::Kind::Sqlite).await).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name(super::$make(crate::common::Kind::Postgres).await).await;
                }
            }
        )*
    };
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name(crate::common::Kind::Sqlite).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name(crate::common::Kind::Postgres).await;
                }
            }
        )*
    };
}

/// Runs a test body once on SQLite and once on PostgreSQL, as two named tests.
#[macro_export]
#[allow(clippy::crate_in_macro_def)] // each test binary has its own `common` module
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::common::TestApp::new($crate::common::Kind::Sqlite).await).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name(crate::common::TestApp::new(crate::common::Kind::Postgres).await).await;
                }
            }
        )*
    };
}
