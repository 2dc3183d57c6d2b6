//! Regression tests for the defects found by probing the platform as an attacker would
//! (issue 11), each on both databases: what a credential may reach, redirects, spreadsheet
//! cells, upload limits, NUL characters, lockout, caching and the operators' metrics.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{TestApp, text};
use serde_json::{Value, json};
use tower::ServiceExt;

const PASSWORD: &str = "TinhSo@2026";
const CITIZEN: &str = "congdan@tinhso.local";
const SPECIALIST: &str = "chuyenvien.tuphap@tinhso.local";
const JUSTICE_ADMIN: &str = "quantri.tuphap@tinhso.local";
const SYSTEM_ADMIN: &str = "admin@tinhso.local";
const COMMUNE: &str = "000.00.60.H56";
const BIRTH: &str = "1.001193";
const ALL_SCOPES: &[&str] = &tinhso::auth::authz::SCOPES;

on_both_databases!(
    pages_refuse_bearer_tokens_on_every_route,
    a_narrow_token_reaches_nothing_through_pages,
    disabling_an_account_ends_its_sessions_and_tokens,
    changing_a_password_ends_every_token,
    return_addresses_stay_on_the_site,
    csv_exports_neutralise_formulas,
    uploads_are_accepted_up_to_the_configured_limits,
    nul_characters_are_refused_at_the_edge,
    lockout_does_not_tell_which_accounts_exist,
    personal_pages_are_not_cached,
    metrics_are_for_operators_only,
    every_field_is_bounded,
    the_public_photo_carries_no_location_in_any_metadata,
    unreadable_requests_get_a_page_not_plain_text,
    a_backlog_of_jobs_does_not_hold_a_shutdown,
    a_method_no_route_takes_is_not_allowed_rather_than_forbidden,
);

/// A request with a bearer token and no cookie.
fn with_token(method: &str, path: &str, token: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::COOKIE, "none=1")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("scope=users:write&name=x"))
        .unwrap()
}

/// Every route the platform serves, from the modules' route declarations, with sample values
/// in place of path parameters: a new page is covered the day it is added. The static files
/// are served by the platform itself, outside the modules' declarations.
fn every_route() -> Vec<String> {
    let mut routes: Vec<String> = tinhso::app::route_table()
        .into_iter()
        .map(|r| r.path)
        .collect();
    routes.push("/static/{*path}".to_owned());
    routes.sort();
    routes.dedup();
    assert!(
        routes.len() > 80,
        "the route list comes from the declarations"
    );
    routes
        .into_iter()
        .map(|r| {
            r.split('/')
                .map(|seg| match seg {
                    "{*path}" => "app.css",
                    s if s.starts_with('{') => "x",
                    s => s,
                })
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect()
}

fn takes_tokens(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/open311/") || path == "/metrics"
}

async fn pages_refuse_bearer_tokens_on_every_route(app: TestApp) {
    app.enable_totp(SYSTEM_ADMIN).await;
    let token = app.token(SYSTEM_ADMIN, ALL_SCOPES).await;
    let users_before = app.count("SELECT COUNT(*) FROM users").await;
    let tokens_before = app.count("SELECT COUNT(*) FROM api_tokens").await;
    let mut checked = 0;
    for path in every_route().iter().filter(|p| !takes_tokens(p)) {
        for method in ["GET", "POST"] {
            let resp = app.send(with_token(method, path, &token)).await;
            assert_eq!(
                resp.status(),
                StatusCode::UNAUTHORIZED,
                "{method} {path} refuses a bearer token"
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked} requests checked");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, users_before);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM api_tokens").await,
        tokens_before
    );
    // The API still takes the token.
    let (status, me) = app.api("GET", "/api/v1/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
}

async fn a_narrow_token_reaches_nothing_through_pages(app: TestApp) {
    let open311 = app.token(CITIZEN, &["open311"]).await;
    // The citizen's dossiers, a withdrawal, a new token with every scope: all refused.
    let resp = app.send(with_token("GET", "/dossiers", &open311)).await;
    let (status, body) = text(resp).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("Mã truy cập API chỉ dùng cho"), "{body}");
    let before = app.count("SELECT COUNT(*) FROM api_tokens").await;
    let resp = app
        .send(with_token("POST", "/account/tokens", &open311))
        .await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("SELECT COUNT(*) FROM api_tokens").await, before);
    // Tokens are minted from a session only, on the API too.
    let (status, _) = app
        .api(
            "POST",
            "/api/v1/tokens",
            Some(&app.token(CITIZEN, &["account"]).await),
            Some(json!({"name": "x", "scopes": ["dossiers"]})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // An administrator's dossiers-only token cannot create officials.
    app.enable_totp(JUSTICE_ADMIN).await;
    let dossiers_only = app.token(JUSTICE_ADMIN, &["dossiers"]).await;
    let users = app.count("SELECT COUNT(*) FROM users").await;
    let resp = app
        .send(with_token("POST", "/admin/officials", &dossiers_only))
        .await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, users);
    // The same request with the token as a JSON API call still needs the CSRF token when a
    // session cookie comes along: a page never skips the check.
    app.login(CITIZEN, PASSWORD).await;
    let req = Request::post("/account/tokens")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("name=x&scope=account"))
        .unwrap();
    assert_eq!(app.send(req).await.status(), StatusCode::FORBIDDEN);
}

/// Signs in an administrator through the second factor, as the pages do.
async fn sign_in_admin(app: &TestApp, email: &str) {
    let secret = app.enable_totp(email).await;
    let (status, body, _) = app.login(email, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let code = tinhso::auth::totp::code_at(&secret, chrono::Utc::now().timestamp() as u64).unwrap();
    let (status, _, _) = app
        .post_form("/login/totp", "/login/totp", &[("code", &code)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

async fn open311_post(app: &TestApp, api_key: &str) -> StatusCode {
    let body = serde_urlencoded::to_string([
        ("api_key", api_key),
        ("service_code", "giao-thong"),
        ("description", "Đèn đường hỏng trước số 3"),
        ("lat", "19.8067"),
        ("long", "105.7852"),
        ("email", "nguoidan@example.com"),
    ])
    .unwrap();
    let req = Request::post("/open311/v2/requests.json")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    app.send(req).await.status()
}

async fn disabling_an_account_ends_its_sessions_and_tokens(app: TestApp) {
    let token = app
        .token(SPECIALIST, &["account", "dossiers", "open311"])
        .await;
    let (status, _) = app.api("GET", "/api/v1/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(open311_post(&app, &token).await, StatusCode::CREATED);
    // The official also has a browser session open.
    app.login(SPECIALIST, PASSWORD).await;
    let specialist_cookies = app.cookie_header();
    app.clear_cookies();

    sign_in_admin(&app, JUSTICE_ADMIN).await;
    let id = app.user_id(SPECIALIST).await;
    let page = format!("/admin/officials/{id}");
    let (status, body, _) = app
        .post_form(
            &page,
            &page,
            &[
                ("role", "specialist"),
                ("disabled", "on"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");

    let (status, _) = app.api("GET", "/api/v1/me", Some(&token), None).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the API refuses the token"
    );
    assert_eq!(
        open311_post(&app, &token).await,
        StatusCode::FORBIDDEN,
        "Open311 refuses it"
    );
    let tokens = app.count_where("api_tokens", "user_id", &id).await;
    let still_live =
        sqlx::query("SELECT COUNT(*) FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL")
            .bind(&id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert!(tokens > 0);
    assert_eq!(
        sqlx::Row::get::<i64, _>(&still_live, 0),
        0,
        "every token revoked"
    );
    let req = Request::get("/account")
        .header(header::COOKIE, specialist_cookies)
        .body(Body::empty())
        .unwrap();
    let resp = app.send(req).await;
    assert!(
        resp.status() == StatusCode::UNAUTHORIZED || resp.status().is_redirection(),
        "the session is gone: {}",
        resp.status()
    );

    // Enabling the account again does not bring the old token back.
    app.post_form(&page, &page, &[("role", "specialist")]).await;
    let (status, _) = app.api("GET", "/api/v1/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn changing_a_password_ends_every_token(app: TestApp) {
    let token = app.token(CITIZEN, &["account"]).await;
    app.login(CITIZEN, PASSWORD).await;
    let (status, body, _) = app
        .post_form(
            "/account",
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("password", "Mat-khau-moi-2026"),
                ("password_confirm", "Mat-khau-moi-2026"),
            ],
        )
        .await;
    assert!(
        status.is_redirection() || status == StatusCode::OK,
        "{status} {body}"
    );
    let (status, _) = app.api("GET", "/api/v1/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn location_of(app: &TestApp, path: &str) -> (StatusCode, String) {
    let resp = app
        .send(Request::get(path).body(Body::empty()).unwrap())
        .await;
    let location = resp
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (resp.status(), location)
}

async fn return_addresses_stay_on_the_site(app: TestApp) {
    for (next, expected) in [
        ("/%09/evil.example", "/"),
        ("/%0d%0a", "/"),
        ("/%0d%0aSet-Cookie:x=1", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example", "/"),
        ("/dossiers", "/dossiers"),
    ] {
        let (status, location) = location_of(&app, &format!("/lang/en?next={next}")).await;
        assert_eq!(location, expected, "{next}");
        assert!(status.is_redirection(), "{next}: {status}");
    }
    let (_, location) = location_of(&app, "/lang/vi?next=/procedures%3Fq%3Dkhai").await;
    assert_eq!(location, "/procedures?q=khai");
}

async fn csv_exports_neutralise_formulas(app: TestApp) {
    app.enable_totp(SYSTEM_ADMIN).await;
    let token = app
        .token(SYSTEM_ADMIN, &["directory:write", "catalog:write"])
        .await;
    let (status, created) = app
        .api(
            "POST",
            "/api/v1/agencies",
            Some(&token),
            Some(json!({
                "code": "000.09.14.H56",
                "name": "=HYPERLINK(\"http://evil.example\",\"Bấm\")",
                "kind": "unit",
                "parent_code": "000.00.14.H56",
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (_, csv) = app.get("/api/v1/agencies/export.csv").await;
    assert!(
        csv.contains("'=HYPERLINK("),
        "the formula is written as text"
    );
    assert!(!csv.contains(",=HYPERLINK("));

    let (status, mut procedure) = app
        .api("GET", &format!("/api/v1/procedures/{BIRTH}"), None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    procedure["name"] = Value::from("@SUM(1+1)*cmd|' /C calc'!A0");
    let (status, body) = app
        .api(
            "PUT",
            &format!("/api/v1/procedures/{BIRTH}"),
            Some(&token),
            Some(procedure),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, csv) = app.get("/api/v1/procedures/export.csv").await;
    assert!(csv.contains("'@SUM(1+1)"), "procedure names too");
    assert!(!csv.contains(",@SUM("));
}

/// A PDF of exactly `len` bytes.
fn pdf_of(len: usize) -> Vec<u8> {
    let mut v = b"%PDF-1.4\n%".to_vec();
    let tail = b"\n%%EOF\n";
    v.resize(len - tail.len(), b'x');
    v.extend_from_slice(tail);
    v
}

/// A JPEG of exactly `len` bytes (the padding sits in the entropy-coded data).
fn jpeg_of(len: usize) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02];
    v.resize(len - 2, 0x00);
    v.extend([0xFF, 0xD9]);
    v
}

async fn uploads_are_accepted_up_to_the_configured_limits(app: TestApp) {
    let max_paper = tinhso_domain::attachment::MAX_FILE_BYTES;
    app.login(CITIZEN, PASSWORD).await;
    let page = format!("/procedures/{BIRTH}/apply");
    let answers = [
        ("_agency", COMMUNE),
        ("_intent", "draft"),
        ("ho_ten", "Nguyễn Văn An"),
        ("cccd", "038090000111"),
        ("dia_chi", "Số 5, phố Lê Lai"),
        ("ten_tre", "Nguyễn Minh Khôi"),
        ("ngay_sinh_tre", "2026-11-20"),
        ("gioi_tinh_tre", "Nam"),
        ("noi_sinh", "Bệnh viện Đa khoa tỉnh"),
    ];
    let at_limit = pdf_of(max_paper);
    let mut fields = answers.to_vec();
    fields.push(("_key", "big-paper-1"));
    let (status, body, _) = app
        .post_multipart(
            &page,
            &page,
            &fields,
            &[("file_giay_chung_sinh", "chung-sinh.pdf", &at_limit)],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "a 10 MB paper is taken: {body}"
    );
    let over = pdf_of(max_paper + 1);
    let mut fields = answers.to_vec();
    fields.push(("_key", "big-paper-2"));
    let (status, body, _) = app
        .post_multipart(
            &page,
            &page,
            &fields,
            &[("file_giay_chung_sinh", "chung-sinh.pdf", &over)],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("10 MB"), "the form says why");
    assert!(
        body.contains("Nguyễn Minh Khôi"),
        "and keeps what was typed"
    );

    let max_photo = 5 * 1024 * 1024;
    let report = |key: &'static str| {
        vec![
            ("category", "giao-thong"),
            ("title", "Ổ gà lớn trên đường Lê Lai"),
            ("description", "Đường Lê Lai trước số 12 có ổ gà sâu."),
            ("address", "Số 12 đường Lê Lai"),
            ("admin_unit", "14932"),
            ("lat", "19.8067"),
            ("lon", "105.7852"),
            ("_confirmed", "1"),
            ("_key", key),
        ]
    };
    let photo = jpeg_of(max_photo);
    let (status, body, _) = app
        .post_multipart(
            "/login",
            "/feedback/new",
            &report("big-photo-1"),
            &[("file_photos", "o-ga.jpg", &photo)],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "a 5 MB photo is taken: {body}"
    );
    let photo = jpeg_of(max_photo + 1);
    let (status, body, _) = app
        .post_multipart(
            "/login",
            "/feedback/new",
            &report("big-photo-2"),
            &[("file_photos", "o-ga.jpg", &photo)],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("5 MB"), "{body}");

    // Over the whole request's limit: a clear page, not a bare 413.
    let huge = vec![b'x'; app.state.config.max_body_bytes + 1];
    let (status, body, _) = app
        .post_multipart(&page, &page, &fields, &[("file_a", "a.pdf", &huge)])
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(body.contains("Dữ liệu gửi lên quá lớn"), "{body}");
}

async fn nul_characters_are_refused_at_the_edge(app: TestApp) {
    for path in [
        "/procedures?q=%00",
        "/feedback/%00",
        "/agencies?q=a%00b",
        "/open311/v2/requests.json?service_code=%00",
        "/api/v1/agencies?q=%00",
        "/track?code=%00",
    ] {
        let (status, _) = app.get(path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "GET {path}");
    }
    let (status, body, _) = app
        .post_form(
            "/login",
            "/login",
            &[("identifier", "a\0b@example.com"), ("password", "x")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("NUL"));
    let token = app.token(CITIZEN, &["dossiers"]).await;
    let (status, problem) = app
        .api(
            "POST",
            "/api/v1/dossiers",
            Some(&token),
            Some(json!({"procedure_code": BIRTH, "agency_code": COMMUNE, "answers": {"ho_ten": "A\u{0}B"}})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["status"], 400);
    let req = Request::post("/open311/v2/requests.json")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("api_key=x&description=a%00b"))
        .unwrap();
    assert_eq!(app.send(req).await.status(), StatusCode::BAD_REQUEST);
    // Multipart text fields too (files may hold any byte).
    app.login(CITIZEN, PASSWORD).await;
    let (status, _, _) = app
        .post_multipart(
            "/login",
            "/feedback/new",
            &[
                ("category", "giao-thong"),
                ("title", "Ổ gà\0"),
                ("description", "x"),
            ],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn lockout_does_not_tell_which_accounts_exist(app: TestApp) {
    let mut statuses = Vec::new();
    for who in [CITIZEN, "khong-co-ai@tinhso.local"] {
        let mut seen = Vec::new();
        for _ in 0..7 {
            app.clear_cookies();
            let (status, _, _) = app.login(who, "sai-mat-khau").await;
            seen.push(status);
        }
        statuses.push(seen);
    }
    assert_eq!(statuses[0], statuses[1], "the same answers for both");
    assert_eq!(statuses[0][6], StatusCode::TOO_MANY_REQUESTS);
}

async fn personal_pages_are_not_cached(app: TestApp) {
    app.login(CITIZEN, PASSWORD).await;
    for path in ["/account", "/dossiers", "/"] {
        let resp = app
            .send(Request::get(path).body(Body::empty()).unwrap())
            .await;
        assert_eq!(
            resp.headers().get(header::CACHE_CONTROL).unwrap(),
            "no-store",
            "{path}"
        );
    }
    let token = app.token(CITIZEN, &["account"]).await;
    let resp = app
        .send(
            Request::get("/api/v1/me")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(
        resp.headers().get(header::CACHE_CONTROL).unwrap(),
        "no-store"
    );
    // Static files keep their long caching.
    let resp = app
        .send(Request::get("/static/app.css").body(Body::empty()).unwrap())
        .await;
    assert!(
        resp.headers()
            .get(header::CACHE_CONTROL)
            .unwrap()
            .to_str()
            .unwrap()
            .contains("max-age")
    );
}

async fn metrics_are_for_operators_only(app: TestApp) {
    let (status, _) = app.get("/metrics").await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "no operator token configured"
    );
    let mut state = app.state.clone();
    let mut config = (*state.config).clone();
    config.metrics_token = Some(tinhso::config::Secret("operator-secret".into()));
    state.config = std::sync::Arc::new(config);
    let router = tinhso::app::router(state);
    let get = |auth: Option<&str>| {
        let mut req = Request::get("/metrics");
        if let Some(a) = auth {
            req = req.header(header::AUTHORIZATION, a);
        }
        router.clone().oneshot(req.body(Body::empty()).unwrap())
    };
    assert_eq!(get(None).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        get(Some("Bearer wrong")).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get(Some("Bearer operator-secret")).await.unwrap().status(),
        StatusCode::OK
    );
}

async fn every_field_is_bounded(app: TestApp) {
    // A reporter's name of 19,000 characters, and one just over the limit.
    for (name, message) in [
        ("Nguyễn ".repeat(2_700), "Nội dung quá dài."),
        ("Nguyễn Văn ".repeat(10), "Họ và tên tối đa 100 ký tự."),
    ] {
        let (status, body, _) = app
            .post_multipart(
                "/login",
                "/feedback/new",
                &[
                    ("category", "giao-thong"),
                    ("title", "Ổ gà lớn trên đường Lê Lai"),
                    ("description", "Đường Lê Lai trước số 12 có ổ gà sâu."),
                    ("name", &name),
                    ("email", "nguoidan@example.com"),
                    ("_confirmed", "1"),
                ],
                &[],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains(message), "{message}");
    }
    // A 1.5 MB Open311 first_name.
    let token = app.token(CITIZEN, &["open311"]).await;
    let first_name = "a".repeat(1_500_000);
    let body = serde_urlencoded::to_string([
        ("api_key", token.as_str()),
        ("service_code", "giao-thong"),
        ("description", "Đèn đường hỏng trước số 3"),
        ("lat", "19.8067"),
        ("long", "105.7852"),
        ("email", "nguoidan@example.com"),
        ("first_name", &first_name),
    ])
    .unwrap();
    let req = Request::post("/open311/v2/requests.json")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    let (status, body) = text(app.send(req).await).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "{}",
        &body[..body.len().min(300)]
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM feedback_reports").await, 0);

    // A draft carrying an undeclared answer of 1.5 MB and a birth date in year 1.
    app.login(CITIZEN, PASSWORD).await;
    let page = format!("/procedures/{BIRTH}/apply");
    let junk = "x".repeat(15_000);
    let mut fields = vec![
        ("_agency", COMMUNE),
        ("_intent", "draft"),
        ("_key", "bounded-1"),
        ("ho_ten", "Nguyễn Văn An"),
        ("ngay_sinh_tre", "0001-01-01"),
    ];
    let junk_keys: Vec<String> = (0..100).map(|i| format!("khong_khai_bao_{i}")).collect();
    for k in &junk_keys {
        fields.push((k.as_str(), junk.as_str()));
    }
    let (status, body, _) = app.post_multipart(&page, &page, &fields, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "the draft is saved: {body}");
    let stored = sqlx::query("SELECT answers FROM dossiers WHERE idempotency_key = $1")
        .bind("bounded-1")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let answers: String = sqlx::Row::get(&stored, "answers");
    assert!(
        !answers.contains("khong_khai_bao"),
        "undeclared keys are not kept"
    );
    assert!(answers.len() < 10_000);
    fields[1] = ("_intent", "submit");
    let (status, body, _) = app.post_multipart(&page, &page, &fields, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("năm phải từ 1900 đến 2100"),
        "the date is refused"
    );
}

/// A citizen holding a receipt must find the dossier even after a power failure: SQLite syncs
/// the write-ahead log at every commit (synchronous = FULL, 2) unless the operator opts out.
#[tokio::test]
async fn sqlite_commits_are_durable_by_default() {
    let app = TestApp::empty(common::Kind::Sqlite).await;
    for _ in 0..4 {
        let row = sqlx::query("PRAGMA synchronous")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
        assert_eq!(sqlx::Row::get::<i64, _>(&row, 0), 2);
    }
}

/// A JPEG whose location sits in XMP (APP1) and IPTC (APP13) rather than EXIF.
fn jpeg_with_xmp_location() -> Vec<u8> {
    let segment = |marker: u8, contents: &[u8]| {
        let mut v = vec![0xFF, marker];
        v.extend(((contents.len() + 2) as u16).to_be_bytes());
        v.extend_from_slice(contents);
        v
    };
    let mut xmp = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    xmp.extend_from_slice(
        b"<x:xmpmeta><rdf:Description exif:GPSLatitude=\"19,48.40N\"/></x:xmpmeta>",
    );
    let mut v = vec![0xFF, 0xD8];
    v.extend(segment(0xE1, &xmp));
    v.extend(segment(0xED, b"Photoshop 3.0\0exif:GPSLatitude in IPTC"));
    v.extend([0xFF, 0xDA, 0x00, 0x02, 0x00, 0xFF, 0xD9]);
    v
}

async fn the_public_photo_carries_no_location_in_any_metadata(app: TestApp) {
    app.login(CITIZEN, PASSWORD).await;
    let photo = jpeg_with_xmp_location();
    let (status, body, location) = app
        .post_multipart(
            "/login",
            "/feedback/new",
            &[
                ("category", "giao-thong"),
                ("title", "Ổ gà lớn trên đường Lê Lai"),
                ("description", "Đường Lê Lai trước số 12 có ổ gà sâu."),
                ("admin_unit", "14932"),
                ("_confirmed", "1"),
                ("_key", "xmp-1"),
            ],
            &[("file_photos", "o-ga.jpg", &photo)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let report = location.unwrap();
    let code = report
        .trim_start_matches("/feedback/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    app.clear_cookies();
    let (_, page) = app.get(&format!("/feedback/{code}")).await;
    let link = &page[page.find(&format!("/feedback/{code}/photos/")).unwrap()..];
    let link = &link[..link.find('"').unwrap()];
    let resp = app
        .send(Request::get(link).body(Body::empty()).unwrap())
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let (_, bytes) = text(resp).await;
    assert!(!bytes.contains("GPSLatitude"), "no location in XMP or IPTC");
}

/// A query or form a page cannot read gets the platform's error page, in Vietnamese, like any
/// other refusal (axum's own rejections are plain English text).
async fn unreadable_requests_get_a_page_not_plain_text(app: TestApp) {
    for path in ["/feedback?page=abc", "/procedures?page=x"] {
        let resp = app
            .send(Request::get(path).body(Body::empty()).unwrap())
            .await;
        let content_type = resp.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        let (status, body) = text(resp).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        assert!(
            content_type.starts_with("text/html"),
            "{path}: {content_type}"
        );
        assert!(body.contains("không hợp lệ"), "{path}");
    }
}

/// TRACE is safe (RFC 9110 §9.2.1) and no route takes it: the answer is 405, as for any method
/// a route does not take, not the CSRF check's 403 that would read as a missing token.
async fn a_method_no_route_takes_is_not_allowed_rather_than_forbidden(app: TestApp) {
    for path in ["/opendata/catalog", "/procedures", "/api/v1/procedures"] {
        let resp = app
            .send(
                Request::builder()
                    .method("TRACE")
                    .uri(path)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
    }
}

/// A node asked to stop leaves its backlog (emails queued by a busy hour) for the next run
/// instead of holding the shutdown until every email is sent.
async fn a_backlog_of_jobs_does_not_hold_a_shutdown(app: TestApp) {
    let mut tx = app.state.db.begin().await.unwrap();
    for i in 0..3 {
        let email = tinhso::mail::Email {
            to: format!("nguoi{i}@example.com"),
            subject: "Thử".into(),
            body: "Thử".into(),
        };
        tinhso::jobs::enqueue(&mut tx, &tinhso::jobs::Job::SendEmail(email))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    stop.send(true).unwrap();
    let ran = tinhso::jobs::run_due_until(&app.state, &stopped)
        .await
        .unwrap();
    assert_eq!(ran, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM jobs WHERE status = 'queued'")
            .await,
        3,
        "the backlog waits for the next run"
    );
}
