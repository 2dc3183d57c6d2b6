//! Two `tinhso serve` processes on one PostgreSQL database: a session created on one node is
//! valid on the other, and every background job runs exactly once.

#[path = "app/common/mod.rs"]
mod common;

use sqlx::Row;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Node(Child);

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(url: &str, dir: &std::path::Path, name: &str, port: u16) -> Node {
    start_with(url, dir, name, port, &[])
}

/// The shared keys of the installation `dir` belongs to (a node with another key refuses to
/// start): the environment that names them.
fn shared_keys(dir: &std::path::Path) -> Vec<(&'static str, std::path::PathBuf)> {
    let keys = dir.parent().unwrap();
    for (file, byte) in [("audit.key", "a1"), ("totp.key", "b2"), ("pki.key", "c3")] {
        if !keys.join(file).exists() {
            std::fs::write(keys.join(file), byte.repeat(32)).unwrap();
        }
    }
    vec![
        ("TINHSO_AUDIT__KEY_FILE", keys.join("audit.key")),
        ("TINHSO_TOTP_KEY_FILE", keys.join("totp.key")),
        ("TINHSO_PKI_KEY_FILE", keys.join("pki.key")),
    ]
}

/// A node started with extra arguments before `serve` (e.g. `--config FILE`).
fn start_with(url: &str, dir: &std::path::Path, name: &str, port: u16, before: &[&str]) -> Node {
    let keys = shared_keys(dir);
    let child = Command::new(env!("CARGO_BIN_EXE_tinhso"))
        .args(before)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .envs(keys)
        .env("DATABASE_URL", url)
        .env("TINHSO_DATA_DIR", dir)
        .env("TINHSO_NODE_NAME", name)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the tinhso binary starts");
    Node(child)
}

/// A minimal HTTP/1.1 exchange: status, Set-Cookie values and body.
async fn http(
    port: u16,
    method: &str,
    path: &str,
    cookie: &str,
    body: &str,
) -> (u16, Vec<String>, String) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split(' ').nth(1).unwrap_or("0").parse().unwrap_or(0);
    let cookies = head
        .lines()
        .filter_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .map(|c| c.split(';').next().unwrap().to_owned())
        .collect();
    (status, cookies, body.to_owned())
}

async fn wait_ready(port: u16) {
    for _ in 0..300 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
            && http(port, "GET", "/readyz", "", "").await.0 == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("node on port {port} did not become ready");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_share_sessions_and_run_each_job_once() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _name) = common::fresh_database(common::Kind::Postgres, dir.path()).await;
    let (port_a, port_b) = (free_port(), free_port());
    let _a = start(&url, &dir.path().join("a"), "node-a", port_a);
    wait_ready(port_a).await;
    let _b = start(&url, &dir.path().join("b"), "node-b", port_b);
    wait_ready(port_b).await;

    // Sign in on node A…
    let (_, cookies, page) = http(port_a, "GET", "/login", "", "").await;
    let anon = cookies.join("; ");
    let csrf = common::csrf_in(&page).unwrap();
    let form = format!("_csrf={csrf}&identifier=congdan%40tinhso.local&password=TinhSo%402026");
    let (status, cookies, _) = http(port_a, "POST", "/login", &anon, &form).await;
    assert_eq!(status, 303);
    let session = cookies
        .iter()
        .find(|c| c.starts_with("ts_session="))
        .expect("session cookie")
        .clone();
    // …and be signed in on node B.
    let (status, _, account) = http(port_b, "GET", "/account", &session, "").await;
    assert_eq!(status, 200);
    assert!(account.contains("Nguyễn Văn An"));

    // Queue jobs; both nodes' runners race for them.
    let db = tinhso::db::Db::connect(&url).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    for _ in 0..60 {
        tinhso::jobs::enqueue(&mut tx, &tinhso::jobs::Job::PurgeExpired)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    for _ in 0..200 {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM jobs WHERE status <> 'done'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        if row.get::<i64, _>("n") == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rows = sqlx::query("SELECT locked_by, COUNT(*) AS n, MAX(attempts) AS most FROM jobs WHERE status = 'done' GROUP BY locked_by")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    let done: i64 = rows.iter().map(|r| r.get::<i64, _>("n")).sum();
    assert_eq!(done, 60, "every job ran");
    assert!(
        rows.iter().all(|r| r.get::<i64, _>("most") == 1),
        "no job ran twice"
    );
}

async fn post_json(port: u16, path: &str, token: &str, key: &str, body: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer {token}\r\nIdempotency-Key: {key}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split(' ').nth(1).unwrap_or("0").parse().unwrap_or(0);
    (status, body.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_number_dossiers_without_gap_or_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _name) = common::fresh_database(common::Kind::Postgres, dir.path()).await;
    let (port_a, port_b) = (free_port(), free_port());
    let _a = start(&url, &dir.path().join("a"), "node-a", port_a);
    wait_ready(port_a).await;
    let _b = start(&url, &dir.path().join("b"), "node-b", port_b);
    wait_ready(port_b).await;

    let db = tinhso::db::Db::connect(&url).await.unwrap();
    let user: String = sqlx::query("SELECT id FROM users WHERE email = 'congdan2@tinhso.local'")
        .fetch_one(&db.pool)
        .await
        .unwrap()
        .get("id");
    let mut tx = db.begin().await.unwrap();
    let (token, _) = tinhso::tokens::create(&db, &mut tx, &user, "test", &["dossiers".into()])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let body = serde_json::json!({"procedure": "1.000775", "agency": "000.00.60.H56", "answers": {
        "ho_ten": "Lê Thị Bích", "cccd": "038190000222", "dia_chi": "Xã Đông Sơn", "muc_dich": "Kết hôn"
    }})
    .to_string();
    let requests = (0..40).map(|i| {
        let port = if i % 2 == 0 { port_a } else { port_b };
        let (token, body) = (token.clone(), body.clone());
        async move { post_json(port, "/api/v1/dossiers", &token, &format!("n-{i}"), &body).await }
    });
    let answers = futures::future::join_all(requests).await;
    let mut codes: Vec<String> = answers
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, 201, "{body}");
            let v: serde_json::Value = serde_json::from_str(body).unwrap();
            v["code"].as_str().unwrap().to_owned()
        })
        .collect();
    codes.sort();
    let today = (chrono::Utc::now() + chrono::Duration::hours(7)).format("%y%m%d");
    let expected: Vec<String> = (1..=40)
        .map(|n| format!("000.00.60.H56-{today}-{n:04}"))
        .collect();
    assert_eq!(
        codes, expected,
        "two nodes share one gap-free daily sequence"
    );
}

/// Reports brought in without search entries (the sample loader writes rows only, as from an
/// earlier system) are indexed by the nodes' background backfill after they serve: every public
/// report once, though two nodes started together both walk them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_backfill_the_search_index_once_while_serving() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _name) = common::fresh_database(common::Kind::Postgres, dir.path()).await;
    for args in [&["seed-demo"][..], &["load-sample-ops", "24000"]] {
        let done = Command::new(env!("CARGO_BIN_EXE_tinhso"))
            .args(args)
            .envs(shared_keys(&dir.path().join("a")))
            .env("DATABASE_URL", &url)
            .env("TINHSO_DATA_DIR", dir.path().join("a"))
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("the command runs");
        assert!(done.success(), "tinhso {args:?}");
    }
    let db = tinhso::db::Db::connect(&url).await.unwrap();
    let count = |sql: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&db.pool)
                .await
                .unwrap()
        }
    };
    let public = count("SELECT COUNT(*) FROM feedback_reports WHERE hidden_reason IS NULL").await;
    let indexed = "SELECT COUNT(*) FROM search_entries WHERE kind = 'feedback'";
    assert!(
        public - count(indexed).await >= 1_000,
        "the loaded reports are not indexed yet"
    );
    let (port_a, port_b) = (free_port(), free_port());
    let _a = start(&url, &dir.path().join("a"), "node-a", port_a);
    let _b = start(&url, &dir.path().join("b"), "node-b", port_b);
    wait_ready(port_a).await;
    wait_ready(port_b).await;
    for _ in 0..600 {
        if count(indexed).await == public {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(count(indexed).await, public, "every public report indexed");
    let twice = count(
        "SELECT COUNT(*) FROM (SELECT entry_id FROM search_changes WHERE kind = 'feedback'
          GROUP BY entry_id HAVING COUNT(*) > 1) t",
    )
    .await;
    assert_eq!(twice, 0, "no report indexed by both nodes");
    let unfolded = count("SELECT COUNT(*) FROM feedback_reports WHERE search_folded IS NULL").await;
    assert_eq!(unfolded, 0);
    let (status, _, page) = http(port_b, "GET", "/search?q=phan%20anh%20mau", "", "").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("href=\"/feedback/PA-"),
        "a loaded report is found: {page}"
    );
}

/// An HTTP/1.1 request with a bearer token and a body of `content_type`: status and body.
async fn send(
    port: u16,
    method: &str,
    path: &str,
    token: &str,
    content_type: &str,
    body: &[u8],
) -> (u16, serde_json::Value) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer {token}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split(' ').nth(1).unwrap_or("0").parse().unwrap_or(0);
    (status, serde_json::from_str(body).unwrap_or_default())
}

async fn token_of(db: &tinhso::db::Db, email: &str, scope: &str) -> String {
    let user: String = sqlx::query("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&db.pool)
        .await
        .unwrap()
        .get("id");
    let mut tx = db.begin().await.unwrap();
    let (token, _) = tinhso::tokens::create(db, &mut tx, &user, "test", &[scope.into()])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    token
}

/// A decision of Sở Tư pháp taken through drafting and approval on `port`, its id.
async fn approved_decision(
    port: u16,
    drafter: &str,
    leader: &str,
    clerk: &str,
    n: usize,
) -> String {
    let to = serde_json::json!([{"OrganId": "000.00.60.H56"}]);
    approved_decision_to(port, [drafter, leader, clerk], n, to).await
}

/// The same, to recipients `to`.
async fn approved_decision_to(
    port: u16,
    [drafter, leader, clerk]: [&str; 3],
    n: usize,
    to: serde_json::Value,
) -> String {
    let draft = serde_json::json!({
        "TypeName": "decision",
        "Subject": format!("Quyết định phê duyệt kế hoạch số {n} (thử hai máy chủ)"),
        "SignerInfo": {"Position": "Giám đốc", "FullName": "Hoàng Văn Bình"},
        "To": to
    });
    let json = "application/json";
    let (status, doc) = send(
        port,
        "POST",
        "/api/v1/documents",
        drafter,
        json,
        draft.to_string().as_bytes(),
    )
    .await;
    assert_eq!(status, 201, "{doc}");
    let id = doc["Id"].as_str().unwrap().to_owned();
    let boundary = "tinhso-boundary";
    let file = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"du-thao.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let multipart = format!("multipart/form-data; boundary={boundary}");
    let (status, v) = send(
        port,
        "POST",
        &format!("/api/v1/documents/{id}/versions"),
        drafter,
        &multipart,
        &body,
    )
    .await;
    assert_eq!(status, 201, "{v}");
    for (token, action) in [
        (drafter, r#"{"Action":"submit"}"#),
        (leader, r#"{"Action":"approve_content"}"#),
        (clerk, r#"{"Action":"approve_form"}"#),
        (leader, r#"{"Action":"sign"}"#),
    ] {
        let (status, v) = send(
            port,
            "POST",
            &format!("/api/v1/documents/{id}/actions"),
            token,
            json,
            action.as_bytes(),
        )
        .await;
        assert_eq!(status, 200, "{action}: {v}");
    }
    id
}

/// Decree 30's numbering holds across nodes: the clerk issues twenty approved decisions
/// through two nodes at once, and they get numbers 01 to 20 of the year's sequence, each
/// once, and the recipient's arrival numbers 1 to 20.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_number_documents_without_gap_or_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _name) = common::fresh_database(common::Kind::Postgres, dir.path()).await;
    let (port_a, port_b) = (free_port(), free_port());
    let _a = start(&url, &dir.path().join("a"), "node-a", port_a);
    wait_ready(port_a).await;
    let _b = start(&url, &dir.path().join("b"), "node-b", port_b);
    wait_ready(port_b).await;

    let db = tinhso::db::Db::connect(&url).await.unwrap();
    let drafter = token_of(&db, "chuyenvien.tuphap@tinhso.local", "documents").await;
    let leader = token_of(&db, "lanhdao.tuphap@tinhso.local", "documents").await;
    let clerk = token_of(&db, "vanthu.tuphap@tinhso.local", "documents").await;
    let mut ids = Vec::new();
    for n in 0..20 {
        ids.push(approved_decision(port_a, &drafter, &leader, &clerk, n).await);
    }
    let issues = ids.iter().enumerate().map(|(i, id)| {
        let port = if i % 2 == 0 { port_a } else { port_b };
        let clerk = clerk.clone();
        async move {
            send(
                port,
                "POST",
                &format!("/api/v1/documents/{id}/actions"),
                &clerk,
                "application/json",
                br#"{"Action":"issue"}"#,
            )
            .await
        }
    });
    let mut numbers: Vec<String> = futures::future::join_all(issues)
        .await
        .into_iter()
        .map(|(status, doc)| {
            assert_eq!(status, 200, "{doc}");
            assert_eq!(doc["CodeNotation"], "QĐ-STP");
            doc["CodeNumber"].as_str().unwrap().to_owned()
        })
        .collect();
    numbers.sort();
    let expected: Vec<String> = (1..=20).map(|n| format!("{n:02}")).collect();
    assert_eq!(numbers, expected, "one gap-free sequence across two nodes");
    let arrivals: Vec<i64> = sqlx::query(
        "SELECT reg_number FROM documents WHERE direction = 'in' AND source = 'platform' ORDER BY reg_number",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get("reg_number"))
    .collect();
    assert_eq!(
        arrivals,
        (1..=20).collect::<Vec<i64>>(),
        "the recipient's arrival numbers"
    );
}

/// Task tracking's deadline sweep on two nodes of one PostgreSQL database, both sweeping at
/// once with the clock moved to the task's reminder day and past its deadline: each reminder,
/// escalation and daily digest goes out once (`task_reminders`, `task_digests`).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_send_each_task_reminder_once_with_a_moved_clock() {
    // Node A: the test app with the demo province; node B: a second context on its database
    // with the same keys (the same data folder's), its own connection pool.
    let a = common::TestApp::new(common::Kind::Postgres).await;
    let mut config = common::test_config(&a.database_url, a.dir.path());
    config.node_name = "node-b".into();
    config.search_index = false;
    let b = tinhso::app::start(config, None)
        .await
        .expect("node B starts");

    let token = a.token("chuyenvien.vpubnd@tinhso.local", &["tasks"]).await;
    let body = serde_json::json!({
        "title": "Báo cáo tiến độ chuyển đổi số", "authority": "000.00.00.H56",
        "position": "chair", "priority": "high",
        "units": [{"agency": "000.00.14.H56", "role": "lead", "working_days": 10}],
    });
    let (status, task) = a
        .api("POST", "/api/v1/tasks", Some(&token), Some(body))
        .await;
    assert_eq!(status, axum::http::StatusCode::CREATED, "{task}");
    let id = task["id"].as_str().unwrap().to_owned();
    let code = task["code"].as_str().unwrap().to_owned();
    let due = chrono::NaiveDate::parse_from_str(
        task["units"][0]["current_due_on"].as_str().unwrap(),
        "%Y-%m-%d",
    )
    .unwrap();

    let moments = [
        due.and_hms_opt(8, 0, 0).unwrap(),
        due.and_hms_opt(8, 0, 0).unwrap(),
        due.and_hms_opt(10, 0, 0).unwrap(),
        (due + chrono::Days::new(15)).and_hms_opt(6, 0, 0).unwrap(),
        (due + chrono::Days::new(15)).and_hms_opt(6, 30, 0).unwrap(),
    ];
    let mut digests = 0;
    for now in moments {
        let (x, y) = tokio::join!(
            tinhso::tasks::deadlines::sweep(&a.state, now),
            tinhso::tasks::deadlines::sweep(&b, now)
        );
        let (x, y) = (x.unwrap(), y.unwrap());
        digests += x.digests + y.digests;
    }
    let count = |sql: &'static str, bind: String| {
        let pool = a.state.db.pool.clone();
        async move {
            let row = sqlx::query(sql).bind(bind).fetch_one(&pool).await.unwrap();
            row.get::<i64, _>(0)
        }
    };
    let rows = count(
        "SELECT COUNT(*) FROM task_reminders r JOIN task_units u ON u.id = r.unit_id
         WHERE u.task_id = $1",
        id.clone(),
    )
    .await;
    assert_eq!(rows, 2, "one reminder and one escalation");
    let mails = |who: &'static str, what: &'static str| {
        count(
            "SELECT COUNT(*) FROM jobs WHERE kind = 'send_email' AND payload LIKE $1",
            format!("%{who}%{code} {what}%"),
        )
    };
    assert_eq!(
        mails("lanhdao.tuphap@", "sắp đến hạn").await,
        1,
        "reminded once"
    );
    assert_eq!(
        mails("lanhdao.tuphap@", "đã quá hạn").await,
        1,
        "escalated once"
    );
    assert_eq!(
        mails("chuyenvien.vpubnd@", "đã quá hạn").await,
        1,
        "the office once"
    );
    let digest_rows = count(
        "SELECT COUNT(*) FROM task_digests WHERE day = $1",
        due.to_string(),
    )
    .await;
    assert!(digest_rows >= 1);
    assert_eq!(
        i64::try_from(digests).unwrap(),
        digest_rows,
        "each digest sent by one node only"
    );
    let digest_mails = count(
        "SELECT COUNT(*) FROM jobs WHERE kind = 'send_email' AND payload LIKE $1",
        format!("%chuyenvien.vpubnd@%Nhiệm vụ cần theo dõi ngày {due}%"),
    )
    .await;
    assert_eq!(digest_mails, 1, "one digest a day");
}

/// The edXML exchange between two platforms, each its own `tinhso serve` process with its own
/// database (A on SQLite, B on PostgreSQL) and its own exchange key, generated at first start
/// and printed by `tinhso exchange key` for the other to configure: Sở Tư pháp on A issues a
/// decision to Văn phòng Chính phủ on B; A's job queue sends the signed package, B registers it
/// in VPCP's arrival register, and B's statuses (01, 03) come back to A's recipient.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_platforms_exchange_an_issued_document_over_edxml() {
    const VPCP: &str = "000.00.00.G22";
    let root = tempfile::tempdir().unwrap();
    let (dir_a, dir_b) = (root.path().join("a/node"), root.path().join("b/node"));
    std::fs::create_dir_all(&dir_a).unwrap();
    std::fs::create_dir_all(&dir_b).unwrap();
    let url_a = format!("sqlite://{}", dir_a.join("tinhso.db").display());
    let (url_b, _name) = common::fresh_database(common::Kind::Postgres, &dir_b).await;
    // Each platform's exchange key, generated into its data folder and printed as PEM.
    let key_of = |dir: &std::path::Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_tinhso"))
            .args(["exchange", "key"])
            .envs(shared_keys(dir))
            .env("TINHSO_DATA_DIR", dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let pem = String::from_utf8(out.stdout).unwrap();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"), "{pem}");
        let path = dir.join("exchange-public.pem");
        std::fs::write(&path, &pem).unwrap();
        (path, pem)
    };
    let (pem_a, text_a) = key_of(&dir_a);
    let (pem_b, _) = key_of(&dir_b);
    assert_eq!(key_of(&dir_a).1, text_a, "the key is kept, not made anew");
    let (port_a, port_b) = (free_port(), free_port());
    let config = |dir: &std::path::Path,
                  id: &str,
                  peer: &str,
                  port: u16,
                  organs: &str,
                  pem: &std::path::Path| {
        let path = dir.join("tinhso.toml");
        std::fs::write(
            &path,
            format!(
                "[exchange]\nid = \"{id}\"\n\n[[exchange.peers]]\nid = \"{peer}\"\nbase_url = \"http://127.0.0.1:{port}\"\norgan_ids = [\"{organs}\"]\ncert_file = \"{}\"\n",
                pem.display()
            ),
        )
        .unwrap();
        path
    };
    let config_a = config(&dir_a, "thanhhoa", "trunguong", port_b, VPCP, &pem_b);
    let config_b = config(&dir_b, "trunguong", "thanhhoa", port_a, "*.H56", &pem_a);
    let _a = start_with(
        &url_a,
        &dir_a,
        "node-a",
        port_a,
        &["--config", config_a.to_str().unwrap()],
    );
    let _b = start_with(
        &url_b,
        &dir_b,
        "node-b",
        port_b,
        &["--config", config_b.to_str().unwrap()],
    );
    wait_ready(port_a).await;
    wait_ready(port_b).await;

    // Platform B holds Văn phòng Chính phủ.
    let db_b = tinhso::db::Db::connect(&url_b).await.unwrap();
    sqlx::query(
        "INSERT INTO agencies (id, code, name, name_folded, kind, created_at, updated_at)
         VALUES ('vpcp', $1, 'Văn phòng Chính phủ', 'van phong chinh phu', 'ministry', $2, $2)",
    )
    .bind(VPCP)
    .bind(tinhso::time::now_text())
    .execute(&db_b.pool)
    .await
    .unwrap();

    let db_a = tinhso::db::Db::connect(&url_a).await.unwrap();
    let drafter = token_of(&db_a, "chuyenvien.tuphap@tinhso.local", "documents").await;
    let leader = token_of(&db_a, "lanhdao.tuphap@tinhso.local", "documents").await;
    let clerk = token_of(&db_a, "vanthu.tuphap@tinhso.local", "documents").await;
    let to = serde_json::json!([{"OrganId": VPCP, "OrganName": "Văn phòng Chính phủ"}]);
    let id = approved_decision_to(port_a, [&drafter, &leader, &clerk], 1, to).await;
    let (status, doc) = send(
        port_a,
        "POST",
        &format!("/api/v1/documents/{id}/actions"),
        &clerk,
        "application/json",
        br#"{"Action":"issue"}"#,
    )
    .await;
    assert_eq!(status, 200, "{doc}");

    // Registered on B…
    let mut registered = None;
    for _ in 0..600 {
        registered = sqlx::query(
            "SELECT subject, organ_id, code_notation FROM documents
             WHERE agency_id = 'vpcp' AND direction = 'in' AND source = 'exchange'",
        )
        .fetch_optional(&db_b.pool)
        .await
        .unwrap();
        if registered.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let row = registered.expect("B registers the package");
    assert_eq!(row.get::<String, _>("organ_id"), "000.00.14.H56");
    assert_eq!(row.get::<String, _>("code_notation"), "QĐ-STP");
    // …and A's recipient shows it sent and registered.
    let mut last = serde_json::Value::Null;
    for _ in 0..600 {
        let (status, doc) = send(
            port_a,
            "GET",
            &format!("/api/v1/documents/{id}"),
            &clerk,
            "application/json",
            b"",
        )
        .await;
        assert_eq!(status, 200, "{doc}");
        last = doc["To"][0]["Exchange"].clone();
        if last["StatusCode"] == "03" && last["State"] == "sent" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(last["State"], "sent", "{last}");
    assert_eq!(last["StatusCode"], "03", "{last}");
}
