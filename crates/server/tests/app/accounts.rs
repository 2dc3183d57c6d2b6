//! Registration, sign-in, sessions, CSRF, throttling, second factor and officials, through the
//! real pages on both databases.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::TestApp;
use sqlx::Row;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const PASSWORD: &str = "TinhSo@2026";

on_both_databases!(
    citizen_registers_verifies_and_signs_in,
    bad_registrations_keep_the_input,
    forms_refuse_missing_or_replayed_csrf,
    repeated_wrong_passwords_lock_the_account,
    official_signs_in_with_a_second_factor,
    admin_creates_an_official_in_own_agency_only,
    password_reset_by_email,
    admin_disables_an_official,
    english_pages_explain_mistakes_in_english,
    jobs_run_exactly_once_across_nodes,
    emails_go_out_several_at_once_over_kept_connections,
    a_stopping_runner_finishes_the_jobs_it_runs,
    oversized_bodies_are_refused,
    pages_are_compressed_and_confined,
    sign_in_says_why_and_returns_to_the_wanted_page,
    tokens_offer_only_the_scopes_a_person_can_use,
    a_system_administrator_picks_from_every_policys_scope,
    english_pages_carry_no_vietnamese_interface_text,
    the_platform_account_is_locked_again_at_every_start,
);

/// The link in the newest queued email to `to`.
async fn emailed_link(app: &TestApp, to: &str) -> String {
    let rows =
        sqlx::query("SELECT payload FROM jobs WHERE kind = 'send_email' ORDER BY created_at DESC")
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    for row in rows {
        let payload: serde_json::Value =
            serde_json::from_str(&row.get::<String, _>("payload")).unwrap();
        if payload["to"] == to {
            let body = payload["body"].as_str().unwrap();
            let start = body.find("http").unwrap();
            let end = body[start..].find('\n').unwrap() + start;
            return body[start..end].replace("http://127.0.0.1:8080", "");
        }
    }
    panic!("no email to {to}");
}

async fn citizen_registers_verifies_and_signs_in(app: TestApp) {
    let fields = [
        ("kind", "citizen"),
        ("full_name", "Phạm Thị Hạnh"),
        ("email", "hanh@example.vn"),
        ("citizen_id", "038195001234"),
        ("password", "một mật khẩu dài"),
        ("password_confirm", "một mật khẩu dài"),
    ];
    let (status, _, location) = app.post_form("/register", "/register", &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/register/done"));
    // Not verified yet: sign-in explains why.
    let (status, html, _) = app.login("hanh@example.vn", "một mật khẩu dài").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("chưa được xác nhận"));
    let link = emailed_link(&app, "hanh@example.vn").await;
    let (status, html) = app.get(&link).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let (status, _) = app.get(&link).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a verification link works once"
    );
    let (status, _, location) = app.login("hanh@example.vn", "một mật khẩu dài").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location.as_deref(),
        Some("/dossiers"),
        "citizens land on their applications"
    );
    let (_, account) = app.get("/account").await;
    assert!(account.contains("Phạm Thị Hạnh"));
    let (status, me) = app.api("GET", "/api/v1/me", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["kind"], "citizen");
    // The back office is not for citizens.
    let (status, _) = app.get("/office").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn bad_registrations_keep_the_input(app: TestApp) {
    let fields = [
        ("kind", "citizen"),
        ("full_name", "Trần Văn Tú"),
        ("email", "congdan@tinhso.local"),
        ("citizen_id", "12345"),
        ("password", "ngắn"),
        ("password_confirm", "ngắn"),
    ];
    let users_before = app.count("SELECT COUNT(*) FROM users").await;
    let (status, html, _) = app.post_form("/register", "/register", &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Email này đã được đăng ký"));
    assert!(html.contains("12 chữ số"));
    assert!(html.contains("ít nhất 10 ký tự"));
    assert!(
        html.contains("value=\"Trần Văn Tú\""),
        "what the citizen typed is kept"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, users_before);
}

async fn forms_refuse_missing_or_replayed_csrf(app: TestApp) {
    let body = "identifier=congdan%40tinhso.local&password=TinhSo%402026";
    let post = |body: &'static str| {
        Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };
    app.get("/login").await;
    let (status, html) = common::text(app.send(post(body)).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("Biểu mẫu đã hết hạn"));
    // A token from before signing in is useless afterwards (the session changed).
    let old_token = app.csrf("/login").await;
    let (status, _, _) = app.login("congdan@tinhso.local", PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let replay = format!(
        "_csrf={old_token}&current_password=x&password=yyyyyyyyyyyy&password_confirm=yyyyyyyyyyyy"
    );
    let req = Request::post("/account/password")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(replay))
        .unwrap();
    assert_eq!(app.send(req).await.status(), StatusCode::FORBIDDEN);
}

async fn repeated_wrong_passwords_lock_the_account(app: TestApp) {
    for _ in 0..5 {
        let (status, html, _) = app.login("congdan@tinhso.local", "sai mật khẩu rồi").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("không đúng"));
    }
    let (status, html, _) = app.login("congdan@tinhso.local", PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "locked even with the right password"
    );
    assert!(html.contains("thử lại sau"));
    // Another account is not affected.
    let (status, _, _) = app.login("congdan2@tinhso.local", PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

fn code_now(secret: &str) -> String {
    let now = chrono::Utc::now().timestamp() as u64;
    tinhso::auth::totp::code_at(secret, now).unwrap()
}

async fn official_signs_in_with_a_second_factor(app: TestApp) {
    let email = "chuyenvien.tuphap@tinhso.local";
    let (status, _, location) = app.login(email, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/office"));
    // Enrol: start, read the secret from the page, confirm with a code.
    app.post_form("/account", "/account/totp/start", &[]).await;
    let (_, page) = app.get("/account").await;
    let start =
        page.find("data-testid=\"totp-secret\">").unwrap() + "data-testid=\"totp-secret\">".len();
    let secret = page[start..start + 32].to_owned();
    let (status, html, _) = app
        .post_form("/account", "/account/totp/confirm", &[("code", "000000")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    let (status, _, _) = app
        .post_form(
            "/account",
            "/account/totp/confirm",
            &[("code", &code_now(&secret))],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // Sign out; signing in now needs the password and then a code.
    app.post_form("/account", "/logout", &[]).await;
    let (_, _, location) = app.login(email, PASSWORD).await;
    assert_eq!(location.as_deref(), Some("/login/totp"));
    let (status, _) = app.get("/office").await;
    assert_ne!(
        status,
        StatusCode::OK,
        "half-signed-in sessions cannot enter the back office"
    );
    // The code just used for enrolment cannot be replayed.
    sqlx::query("UPDATE users SET totp_last_step = totp_last_step - 1 WHERE email = $1")
        .bind(email)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let step_code = code_now(&secret);
    let (status, _, location) = app
        .post_form("/login/totp", "/login/totp", &[("code", &step_code)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/office"));
    let (status, html) = app.get("/office").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Vũ Đức Long"));
}

async fn admin_creates_an_official_in_own_agency_only(app: TestApp) {
    let admin = "quantri.tuphap@tinhso.local";
    let (_, _, location) = app.login(admin, PASSWORD).await;
    assert_eq!(location.as_deref(), Some("/office"));
    // An admin without a second factor is sent to set one up first.
    let resp = app
        .send(
            Request::get("/admin/officials/new")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let (status, _) = app.get("/admin/officials").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    drop(resp);
    app.enable_totp(admin).await;
    let create = |agency: &'static str, email: &'static str| {
        [
            ("agency_code", agency),
            ("full_name", "Đinh Thị Mới"),
            ("email", email),
            ("role", "specialist"),
            ("role", "one_stop_clerk"),
        ]
    };
    let (status, html) = app.get("/admin/officials/new").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let (status, html, location) = app
        .post_form(
            "/admin/officials/new",
            "/admin/officials",
            &create("000.02.14.H56", "moi@tinhso.local"),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "sub-agency of the admin's own agency: {html}"
    );
    assert_eq!(location.as_deref(), Some("/admin/officials?created=1"));
    let (status, _, _) = app
        .post_form(
            "/admin/officials/new",
            "/admin/officials",
            &create("000.00.16.H56", "khac@tinhso.local"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "another department");
    let (status, html, _) = app
        .post_form(
            "/admin/officials/new",
            "/admin/officials",
            &create("000.02.14.H56", "moi@tinhso.local"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("đã được dùng"));
    let (_, list) = app.get("/admin/officials").await;
    assert!(
        list.contains("Đinh Thị Mới") && !list.contains("Lương Thị Hoa"),
        "only own branch listed"
    );
    // The new official sets a password from the welcome email, then signs in.
    app.post_form("/account", "/logout", &[]).await;
    let link = emailed_link(&app, "moi@tinhso.local").await;
    let token = link.split("token=").nth(1).unwrap().to_owned();
    let (status, _, _) = app
        .post_form(
            &link,
            "/reset-password",
            &[
                ("token", &token),
                ("password", "mật khẩu cán bộ mới"),
                ("password_confirm", "mật khẩu cán bộ mới"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, location) = app.login("moi@tinhso.local", "mật khẩu cán bộ mới").await;
    assert_eq!(location.as_deref(), Some("/office"));
    let row =
        sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'user.create_official'")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert!(row.get::<i64, _>("n") >= 1);
}

async fn password_reset_by_email(app: TestApp) {
    let (status, html, _) = app
        .post_form(
            "/forgot-password",
            "/forgot-password",
            &[("email", "khongco@example.vn")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, html2, _) = app
        .post_form(
            "/forgot-password",
            "/forgot-password",
            &[("email", "congdan@tinhso.local")],
        )
        .await;
    assert_eq!(html, html2, "the answer does not reveal which emails exist");
    let link = emailed_link(&app, "congdan@tinhso.local").await;
    let token = link.split("token=").nth(1).unwrap().to_owned();
    let (status, html, _) = app
        .post_form(
            &link,
            "/reset-password",
            &[
                ("token", &token),
                ("password", "abc"),
                ("password_confirm", "abc"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    let (status, _, _) = app
        .post_form(
            &link,
            "/reset-password",
            &[
                ("token", &token),
                ("password", "mật khẩu mới tinh"),
                ("password_confirm", "mật khẩu mới tinh"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = app.login("congdan@tinhso.local", PASSWORD).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _, _) = app.login("congdan@tinhso.local", "mật khẩu mới tinh").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

async fn jobs_run_exactly_once_across_nodes(app: TestApp) {
    // Two nodes on one database purge sessions concurrently: every job is claimed once.
    let other = tinhso::app::start(common::test_config(&app.database_url, app.dir.path()), None)
        .await
        .unwrap();
    // The demo's events are delivered first: `run_due` counts deliveries beside jobs.
    app.deliver_events().await;
    let mut tx = app.state.db.begin().await.unwrap();
    for _ in 0..20 {
        tinhso::jobs::enqueue(&mut tx, &tinhso::jobs::Job::PurgeExpired)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let mut first_cfg = (*app.state.config).clone();
    first_cfg.node_name = "node-a".into();
    let mut a = app.state.clone();
    a.config = Arc::new(first_cfg);
    let mut second_cfg = (*other.config).clone();
    second_cfg.node_name = "node-b".into();
    let mut b = other.clone();
    b.config = Arc::new(second_cfg);
    let (ran_a, ran_b) = tokio::join!(tinhso::jobs::run_due(&a), tinhso::jobs::run_due(&b));
    let (ran_a, ran_b) = (ran_a.unwrap(), ran_b.unwrap());
    assert_eq!(ran_a + ran_b, 20, "node a ran {ran_a}, node b ran {ran_b}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM jobs WHERE status = 'done' AND attempts = 1")
            .await,
        20
    );
    // A session made through one node is valid on the other.
    let (_, _, _) = app.login("congdan@tinhso.local", PASSWORD).await;
    let other_router = tinhso::app::router(other);
    let cookie = sqlx::query("SELECT COUNT(*) AS n FROM sessions WHERE user_id IS NOT NULL")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(cookie.get::<i64, _>("n"), 1);
    drop(other_router);
}

/// A mail server that takes `delay` over each message, and counts the connections opened to it
/// and the messages it held at once.
#[derive(Default)]
struct SlowSink {
    connections: AtomicUsize,
    holding: AtomicUsize,
    most_at_once: AtomicUsize,
    received: std::sync::Mutex<Vec<String>>,
}

async fn slow_sink(delay: Duration) -> (u16, Arc<SlowSink>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let sink = Arc::new(SlowSink::default());
    let shared = sink.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            shared.connections.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(smtp_session(stream, shared.clone(), delay));
        }
    });
    (port, sink)
}

async fn smtp_session(stream: tokio::net::TcpStream, sink: Arc<SlowSink>, delay: Duration) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let (read, mut write) = stream.into_split();
    let mut lines = tokio::io::BufReader::new(read).lines();
    let _ = write.write_all(b"220 sink ESMTP\r\n").await;
    let mut recipients = Vec::new();
    while let Ok(Some(line)) = lines.next_line().await {
        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-sink\r\n250 8BITMIME\r\n",
            "RCPT" => {
                recipients.push(line[8..].trim_matches(['<', '>', ' ']).to_owned());
                b"250 OK\r\n"
            }
            "DATA" => {
                let _ = write.write_all(b"354 Go ahead\r\n").await;
                while let Ok(Some(line)) = lines.next_line().await {
                    if line == "." {
                        break;
                    }
                }
                let now = sink.holding.fetch_add(1, Ordering::SeqCst) + 1;
                sink.most_at_once.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(delay).await;
                sink.holding.fetch_sub(1, Ordering::SeqCst);
                sink.received.lock().unwrap().append(&mut recipients);
                b"250 Accepted\r\n"
            }
            "RSET" => {
                recipients.clear();
                b"250 OK\r\n"
            }
            "QUIT" => {
                let _ = write.write_all(b"221 Bye\r\n").await;
                return;
            }
            _ => b"250 OK\r\n",
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}

/// The app's state with its mail going to `port`, through a mailer as the node builds it.
fn mailing_to(app: &TestApp, port: u16) -> (tinhso::app::AppState, usize) {
    let mut config = (*app.state.config).clone();
    config.smtp.port = port;
    let slots = config.jobs.concurrency(app.state.db.backend);
    let mut state = app.state.clone();
    state.mailer = Arc::new(tinhso::mail::Mailer::new(&config.smtp, slots));
    state.config = Arc::new(config);
    (state, slots)
}

/// Queues `count` emails as the only jobs due; their recipients.
async fn queue_emails(app: &TestApp, count: usize) -> Vec<String> {
    sqlx::query("DELETE FROM jobs")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let mut tx = app.state.db.begin().await.unwrap();
    let mut to = Vec::new();
    for i in 0..count {
        let email = tinhso::mail::Email {
            to: format!("nguoi{i}@example.com"),
            subject: "Biên nhận hồ sơ".into(),
            body: "Hồ sơ của ông/bà đã được tiếp nhận.".into(),
        };
        tinhso::jobs::enqueue(&mut tx, &tinhso::jobs::Job::SendEmail(email.clone()))
            .await
            .unwrap();
        to.push(email.to);
    }
    tx.commit().await.unwrap();
    to
}

/// A burst of emails (receipts after a busy hour) goes out several at a time over connections
/// the node keeps, not one after another with a new connection each.
async fn emails_go_out_several_at_once_over_kept_connections(app: TestApp) {
    let (port, sink) = slow_sink(Duration::from_millis(200)).await;
    let (state, slots) = mailing_to(&app, port);
    let mut sent_to = queue_emails(&app, 20).await;
    let started = std::time::Instant::now();
    tinhso::jobs::run_due(&state).await.unwrap();
    let took = started.elapsed();
    let mut received = sink.received.lock().unwrap().clone();
    received.sort();
    sent_to.sort();
    assert_eq!(received, sent_to, "every email arrives once");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM jobs WHERE kind = 'send_email' AND status = 'done' AND attempts = 1")
            .await,
        20
    );
    let most = sink.most_at_once.load(Ordering::SeqCst);
    assert!(
        most > 1 && most <= slots,
        "the server held {most} messages at once (the node works {slots} jobs at once)"
    );
    let connections = sink.connections.load(Ordering::SeqCst);
    assert!(
        connections <= slots,
        "{connections} connections for 20 emails: connections are kept and reused"
    );
    assert!(
        took < Duration::from_millis(20 * 200),
        "20 emails of 200 ms each took {took:?}"
    );
}

/// A node asked to stop finishes the emails it is sending (none is left half-sent, to be sent
/// twice) and leaves the rest of the backlog queued.
async fn a_stopping_runner_finishes_the_jobs_it_runs(app: TestApp) {
    let (port, sink) = slow_sink(Duration::from_millis(300)).await;
    let (state, _) = mailing_to(&app, port);
    queue_emails(&app, 40).await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let runner = tokio::spawn(tinhso::jobs::run_forever(state, stopped));
    for _ in 0..200 {
        if sink.holding.load(Ordering::SeqCst) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(sink.holding.load(Ordering::SeqCst) > 0, "sending started");
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(30), runner)
        .await
        .expect("the runner stops")
        .unwrap();
    let received = sink.received.lock().unwrap().len();
    assert_eq!(
        app.count("SELECT COUNT(*) FROM jobs WHERE kind = 'send_email' AND status = 'running'")
            .await,
        0,
        "no email is left half-sent"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM jobs WHERE kind = 'send_email' AND status = 'done'")
            .await,
        received as i64,
        "every email the server took is recorded as sent"
    );
    assert!(received > 0);
    assert!(
        app.count("SELECT COUNT(*) FROM jobs WHERE kind = 'send_email' AND status = 'queued'")
            .await
            > 0,
        "the backlog waits for the next run"
    );
}

async fn oversized_bodies_are_refused(app: TestApp) {
    let big = "x".repeat(app.state.config.max_body_bytes + 1);
    let token = app.csrf("/register").await;
    let req = Request::post("/register")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("_csrf={token}&full_name={big}")))
        .unwrap();
    let status = app.send(req).await.status();
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, _) = app.get("/khong-co-trang-nay").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Pages travel compressed to browsers that accept it, and tell the browser to run only the
/// platform's own scripts, load images only from itself and the map tiles, and never be framed.
async fn pages_are_compressed_and_confined(app: TestApp) {
    let req = Request::get("/procedures")
        .header(header::ACCEPT_ENCODING, "gzip")
        .body(Body::empty())
        .unwrap();
    let resp = app.send(req).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let headers = resp.headers().clone();
    assert_eq!(headers[header::CONTENT_ENCODING], "gzip");
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert!(csp.contains("img-src 'self' data: https://tile.openstreetmap.org"));
    assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(
        headers[header::REFERRER_POLICY],
        "strict-origin-when-cross-origin"
    );
    let compressed = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let (_, plain) = app.get("/procedures").await;
    assert!(
        compressed.len() * 3 < plain.len(),
        "{} bytes compressed from {}",
        compressed.len(),
        plain.len()
    );
    // API answers carry the same protections.
    let resp = app
        .send(
            Request::get("/api/v1/track/KHONG-CO")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(resp.headers().contains_key(header::CONTENT_SECURITY_POLICY));
}

async fn admin_disables_an_official(app: TestApp) {
    let admin = "quantri.tuphap@tinhso.local";
    let secret = app.enable_totp(admin).await;
    app.login(admin, PASSWORD).await;
    let code = tinhso::auth::totp::code_at(&secret, chrono::Utc::now().timestamp() as u64).unwrap();
    app.post_form("/login/totp", "/login/totp", &[("code", &code)])
        .await;
    // A new official's agency is chosen by name among those this admin manages.
    let (_, form) = app.get("/admin/officials/new").await;
    assert!(form.contains("<option value=\"000.00.14.H56\" selected>Sở Tư pháp</option>"));
    assert!(form.contains(">Phòng Hành chính tư pháp</option>"));
    assert!(
        !form.contains("Hạc Thành"),
        "not an agency this admin manages"
    );
    let clerk = app.user_id("motcua.tuphap@tinhso.local").await;
    let page = format!("/admin/officials/{clerk}");
    let (status, html) = app.get(&page).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Đỗ Thu Hà"));
    let (status, html, _) = app.post_form(&page, &page, &[]).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no role at all is refused"
    );
    assert!(html.contains("ít nhất một vai trò"));
    let change = [
        ("role", "one_stop_clerk"),
        ("role", "specialist"),
        ("disabled", "1"),
    ];
    // Disabling takes access away: asked first, nothing changed until confirmed.
    let (status, step, _) = app.post_form(&page, &page, &change).await;
    assert_eq!(status, StatusCode::OK);
    assert!(step.contains("Thu hồi quyền của cán bộ?") && step.contains("Đỗ Thu Hà"));
    // The step posts the same change again, with the confirmation.
    for kept in [
        "name=\"role\" value=\"one_stop_clerk\"",
        "name=\"role\" value=\"specialist\"",
        "name=\"disabled\" value=\"1\"",
        "name=\"confirm\" value=\"yes\"",
    ] {
        assert!(step.contains(kept), "{kept}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE disabled = 1 AND id <> '00000000-0000-7000-8000-000000000001'")
            .await,
        0
    );
    let (status, _, _) = app
        .post_form(
            &page,
            &page,
            &[change.as_slice(), &[("confirm", "yes")]].concat(),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    app.clear_cookies();
    let (status, _, _) = app.login("motcua.tuphap@tinhso.local", PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a disabled official cannot sign in"
    );
    let row = sqlx::query(
        "SELECT before_json, after_json FROM audit_log WHERE action = 'user.update_access'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert!(
        row.get::<String, _>("before_json")
            .contains("\"disabled\":false")
    );
    assert!(
        row.get::<String, _>("after_json")
            .contains("\"disabled\":true")
    );
}

async fn english_pages_explain_mistakes_in_english(app: TestApp) {
    // The switch returns only to local pages: `/\\host` is another site to a browser.
    for (next, back) in [
        ("/procedures?q=khai", "/procedures?q=khai"),
        ("//evil.example", "/"),
        ("/%5Cevil.example", "/"),
    ] {
        let req = Request::get(format!(
            "/lang/vi?next={}",
            next.replace('?', "%3F").replace('=', "%3D")
        ))
        .body(Body::empty())
        .unwrap();
        let resp = app.send(req).await;
        assert_eq!(resp.headers()[header::LOCATION], back, "{next}");
    }
    // Pages offer the switch back to where they are, query included, CSRF token excluded.
    let (_, html) = app.get("/procedures?q=khai&_csrf=secret").await;
    assert!(
        html.contains("/lang/en?next=&#x2f;procedures%3Fq%3Dkhai\""),
        "{html}"
    );
    app.get("/lang/en?next=/register").await;
    let fields = [
        ("kind", "citizen"),
        ("full_name", "Tran Van Tu"),
        ("email", "congdan@tinhso.local"),
        ("citizen_id", "12345"),
        ("password", "short"),
        ("password_confirm", "short"),
    ];
    let (status, html, _) = app.post_form("/register", "/register", &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("A citizen ID number has exactly 12 digits."),
        "{html}"
    );
    assert!(html.contains("This email is already registered."));
    assert!(html.contains("Please correct the following:"));
    assert!(
        !html.contains("Số căn cước"),
        "no Vietnamese left on the English page"
    );
    let (status, html) = app.get("/verify-email?token=bogus").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("The link is not valid or has expired."));
}

/// An anonymous "Nộp hồ sơ trực tuyến" leads to a sign-in that says why, and back to the form
/// afterwards; a foreign return address is ignored.
async fn sign_in_says_why_and_returns_to_the_wanted_page(app: TestApp) {
    let resp = app
        .send(
            Request::get("/procedures/1.001193/apply?from=home")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let login = resp.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        login,
        "/login?next=%2Fprocedures%2F1.001193%2Fapply%3Ffrom%3Dhome"
    );
    let (status, page) = app.get(&login).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Nộp hồ sơ trực tuyến cần tài khoản"),
        "{page}"
    );
    assert!(page.contains("trở lại đúng trang đó"));
    let (status, _, location) = app.login("congdan@tinhso.local", PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location.as_deref(),
        Some("/procedures/1.001193/apply?from=home")
    );
    let (status, form) = app.get("/procedures/1.001193/apply?from=home").await;
    assert_eq!(status, StatusCode::OK, "{form}");
    // Required fields are announced to screen readers, not only marked with a star.
    assert!(
        form.matches(r#"aria-required="true""#).count() >= 3,
        "{form}"
    );

    // The return address is used once; a later sign-in goes home.
    app.post_form("/account", "/logout", &[]).await;
    let (_, _, location) = app.login("congdan@tinhso.local", PASSWORD).await;
    assert_eq!(location.as_deref(), Some("/dossiers"));

    // Another site, or a path that is not one, is never a destination.
    for hostile in [
        "//evil.example/",
        "/%5Cevil.example",
        "https://evil.example/",
    ] {
        app.post_form("/account", "/logout", &[]).await;
        let (_, page) = app.get(&format!("/login?next={hostile}")).await;
        assert!(!page.contains("sign-in-reason"), "{hostile}");
        let (_, _, location) = app.login("congdan@tinhso.local", PASSWORD).await;
        assert_eq!(location.as_deref(), Some("/dossiers"), "{hostile}");
    }

    // Officials still open on their workspace.
    app.post_form("/account", "/logout", &[]).await;
    let (_, _, location) = app.login("motcua.tuphap@tinhso.local", PASSWORD).await;
    assert_eq!(location.as_deref(), Some("/office"));
}

/// A citizen is offered the scopes a citizen can use, each explained; a scope they could never
/// use is refused on the page and through the API, and no token is made.
async fn tokens_offer_only_the_scopes_a_person_can_use(app: TestApp) {
    app.login("congdan@tinhso.local", PASSWORD).await;
    let (_, page) = app.get("/account").await;
    for offered in ["Hồ sơ một cửa", "Phản ánh (Open311)", "value=\"account\""] {
        assert!(page.contains(offered), "{offered} offered");
    }
    for withheld in [
        "audit:read",
        "users:write",
        "directory:write",
        "catalog:write",
    ] {
        assert!(!page.contains(withheld), "{withheld} offered to a citizen");
    }
    let before = app.count("SELECT COUNT(*) AS n FROM api_tokens").await;
    let (status, page, _) = app
        .post_form(
            "/account",
            "/account/tokens",
            &[("name", "kiểm toán"), ("scope", "audit:read")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Bạn chỉ có thể cấp những phạm vi có trong danh sách."));
    let csrf = app.csrf("/account").await;
    let resp = app
        .send(
            Request::post("/api/v1/tokens")
                .header(header::CONTENT_TYPE, "application/json")
                .header("x-csrf-token", csrf)
                .body(Body::from(r#"{"name": "x", "scopes": ["users:write"]}"#))
                .unwrap(),
        )
        .await;
    let (status, problem) = common::text(resp).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(problem.contains("Phạm vi bạn có thể cấp: dossiers, open311, account."));
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM api_tokens").await,
        before
    );
    let (status, _, _) = app
        .post_form(
            "/account",
            "/account/tokens",
            &[("name", "ứng dụng của tôi"), ("scope", "dossiers")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM api_tokens").await,
        before + 1
    );

    // An agency administrator may grant the directory and officials' scopes, not the audit.
    app.post_form("/account", "/logout", &[]).await;
    app.login("quantri.tuphap@tinhso.local", PASSWORD).await;
    let (_, page) = app.get("/account").await;
    assert!(page.contains("value=\"users:write\""));
    assert!(!page.contains("value=\"audit:read\""));
}

/// In English mode no interface sentence stays Vietnamese: every page each kind of user opens
/// is read in English and searched for the Vietnamese text of every translated key (data such
/// as agency and procedure names is the province's own and stays as written).
async fn english_pages_carry_no_vietnamese_interface_text(app: TestApp) {
    use tinhso::web::i18n::{Lang, table};
    let english = table(Lang::En);
    // The demo province's own data (procedure steps, form fields, agency names) may use the same
    // words as the interface; it is data, shown as written.
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut data = String::new();
    for module in std::fs::read_dir(&crates).unwrap().flatten() {
        let module = module.path();
        data.push_str(&std::fs::read_to_string(module.join("src/demo.rs")).unwrap_or_default());
        for file in std::fs::read_dir(module.join("demo"))
            .into_iter()
            .flatten()
            .flatten()
        {
            data.push_str(&std::fs::read_to_string(file.path()).unwrap_or_default());
        }
    }
    assert!(data.contains("Ủy ban nhân dân"), "the demo data was read");
    let mut vietnamese: Vec<&String> = table(Lang::Vi)
        .iter()
        .filter(|(key, vi)| {
            english.get(*key) != Some(vi)
                && !data.contains(vi.as_str())
                && vi.chars().count() >= 12
                && !vi.contains(['&', '<', '>', '"', '\'', '{'])
        })
        .map(|(_, vi)| vi)
        .collect();
    vietnamese.sort();
    let journeys: [(Option<&str>, &[&str]); 4] = [
        (
            None,
            &[
                "/",
                "/procedures",
                "/procedures/1.001193",
                "/agencies",
                "/agencies/000.00.14.H56",
                "/feedback",
                "/feedback/new",
                "/track",
                "/statistics",
                "/login",
                "/register",
                "/search?q=khai+sinh",
                "/login?next=%2Fdossiers",
            ],
        ),
        (
            Some("congdan@tinhso.local"),
            &[
                "/dossiers",
                "/account",
                "/account/papers",
                "/procedures/1.001193/apply",
            ],
        ),
        (
            Some("motcua.tuphap@tinhso.local"),
            &["/office", "/office/dossiers", "/account"],
        ),
        (
            Some("admin@tinhso.local"),
            &[
                "/admin/officials",
                "/admin/audit",
                "/admin/feedback",
                "/admin/calendar",
                "/office",
            ],
        ),
    ];
    for (who, pages) in journeys {
        app.clear_cookies();
        app.get("/lang/en?next=/").await;
        if let Some(email) = who {
            if email.starts_with("admin") {
                let secret = app.enable_totp(email).await;
                app.login(email, PASSWORD).await;
                let code =
                    tinhso::auth::totp::code_at(&secret, chrono::Utc::now().timestamp() as u64)
                        .unwrap();
                app.post_form("/login/totp", "/login/totp", &[("code", &code)])
                    .await;
            } else {
                app.login(email, PASSWORD).await;
            }
        }
        for path in pages {
            let (status, html) = app.get(path).await;
            assert_eq!(status, StatusCode::OK, "{path} as {who:?}");
            let left: Vec<&&String> = vietnamese
                .iter()
                .filter(|vi| html.contains(vi.as_str()))
                .collect();
            assert!(left.is_empty(), "{path} as {who:?} still says {left:?}");
        }
    }
}

/// The token form offers a system administrator exactly the scopes the modules' policies
/// check (`tests/app/architecture.rs` holds the union): a new policy's scope cannot be
/// forgotten, nor can a scope outlive the last policy checking it.
async fn a_system_administrator_picks_from_every_policys_scope(app: TestApp) {
    app.login("admin@tinhso.local", PASSWORD).await;
    let (status, page) = app.get("/account").await;
    assert_eq!(status, StatusCode::OK);
    let offered: std::collections::BTreeSet<&str> = page
        .split("name=\"scope\" value=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert_eq!(offered, crate::architecture::policy_scopes());
}

/// The platform's own account (the author of live datasets) can never be signed in to: if an
/// administrator enabled it and gave it an address and a password, the next start locks it.
async fn the_platform_account_is_locked_again_at_every_start(mut app: TestApp) {
    let platform = tinhso_kernel::auth::PLATFORM_ACCOUNT;
    sqlx::query(
        "UPDATE users SET disabled = 0, email = 'nentang@tinhso.local', email_verified_at = created_at,
             password_hash = (SELECT password_hash FROM users WHERE email = 'congdan@tinhso.local')
         WHERE id = $1",
    )
    .bind(platform)
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    let (status, html, _) = app.login("nentang@tinhso.local", PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "the tampered account signs in: {html}"
    );
    app.restart_with(|_| {}).await;
    let (status, _, _) = app.login("nentang@tinhso.local", PASSWORD).await;
    assert_ne!(status, StatusCode::SEE_OTHER, "locked again after a start");
    let row = sqlx::query("SELECT disabled, password_hash, email FROM users WHERE id = $1")
        .bind(platform)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(row.get::<i64, _>("disabled"), 1);
    assert!(row.get::<Option<String>, _>("password_hash").is_none());
    assert!(row.get::<Option<String>, _>("email").is_none());
}
