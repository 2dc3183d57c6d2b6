//! The OpenAPI document is generated from the handlers and describes what the API serves; every
//! refusal of the API, including requests axum cannot read, is RFC 9457 problem+json.

use crate::common;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use common::{Kind, TestApp};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tinhso::error::Problem;

const ADMIN: &str = "admin@tinhso.local";
const CLERK: &str = "motcua.tuphap@tinhso.local";

on_both_databases!(
    unreadable_requests_get_problems,
    credentials_are_asked_for_before_the_body_is_read,
    statistics_are_documented_with_their_own_schemas,
    a_procedure_as_served_is_accepted_back
);

/// Sends a request with an exact body and content type; the status, headers and JSON body.
async fn raw(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: &str,
) -> (StatusCode, HeaderMap, Value) {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if let Some(ct) = content_type {
        req = req.header(header::CONTENT_TYPE, ct);
    }
    let resp = app
        .send(req.body(Body::from(body.to_owned())).unwrap())
        .await;
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        headers,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Asserts an RFC 9457 problem with this status, and returns its detail.
fn problem(status: StatusCode, headers: &HeaderMap, body: &Value, expected: StatusCode) -> String {
    assert_eq!(status, expected, "{body}");
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "application/problem+json",
        "{body}"
    );
    let p: Problem = serde_json::from_value(body.clone()).expect("a problem document");
    assert_eq!(p.status, expected.as_u16());
    assert!(p.kind.starts_with("https://tinhso.dev/problems/"));
    assert!(!p.detail.is_empty());
    p.detail
}

async fn unreadable_requests_get_problems(app: TestApp) {
    app.enable_totp(ADMIN).await;
    let token = app
        .token(ADMIN, &["directory:write", "catalog:write"])
        .await;
    let t = Some(token.as_str());
    let json = Some("application/json");

    // Broken JSON: 400, and nothing is created.
    let before = app.count("SELECT COUNT(*) FROM agencies").await;
    let (s, h, b) = raw(&app, "POST", "/api/v1/agencies", t, json, "{\"code\": ").await;
    let detail = problem(s, &h, &b, StatusCode::BAD_REQUEST);
    assert!(detail.contains("JSON"), "{detail}");
    assert_eq!(app.count("SELECT COUNT(*) FROM agencies").await, before);

    // Not JSON at all: 415.
    let (s, h, b) = raw(
        &app,
        "POST",
        "/api/v1/agencies",
        t,
        Some("text/plain"),
        "{}",
    )
    .await;
    problem(s, &h, &b, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (s, h, b) = raw(&app, "PUT", "/api/v1/procedures/1.001193", t, None, "{}").await;
    problem(s, &h, &b, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // JSON of another shape: 400, naming the field.
    let body = json!({"code": "000.00.99.H56", "name": 5}).to_string();
    let (s, h, b) = raw(&app, "POST", "/api/v1/agencies", t, json, &body).await;
    let detail = problem(s, &h, &b, StatusCode::BAD_REQUEST);
    assert!(detail.contains("name"), "{detail}");

    // A bad query parameter: 400, on a public operation too.
    let (s, h, b) = raw(&app, "GET", "/api/v1/agencies?page=abc", None, None, "").await;
    let detail = problem(s, &h, &b, StatusCode::BAD_REQUEST);
    assert!(detail.contains("page"), "{detail}");
    let (s, h, b) = raw(
        &app,
        "GET",
        "/api/v1/procedures?level=x&page=1.5",
        None,
        None,
        "",
    )
    .await;
    problem(s, &h, &b, StatusCode::BAD_REQUEST);

    // A page number past any page is an empty page, not an overflow.
    let (s, body) = app
        .api(
            "GET",
            "/api/v1/agencies?page=9223372036854775807",
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["items"], json!([]));

    // A method the path does not serve: 405 with Allow, as a problem.
    let (s, h, b) = raw(&app, "DELETE", "/api/v1/agencies", t, None, "").await;
    problem(s, &h, &b, StatusCode::METHOD_NOT_ALLOWED);
    assert!(h[header::ALLOW].to_str().unwrap().contains("POST"));

    // An unknown API path: 404 problem.
    let (s, h, b) = raw(&app, "GET", "/api/v1/nothing-here", None, None, "").await;
    problem(s, &h, &b, StatusCode::NOT_FOUND);

    // Pages keep their own (HTML) answer for an unreadable query.
    let (s, html) = app.get("/agencies?page=abc").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(html.contains("<html"), "{html}");
}

async fn credentials_are_asked_for_before_the_body_is_read(app: TestApp) {
    // No token and a broken body: 401 (not 400, and not the CSRF refusal meant for browsers).
    let json = Some("application/json");
    for (method, path) in [
        ("POST", "/api/v1/agencies"),
        ("PUT", "/api/v1/procedures/1.001193"),
        ("POST", "/api/v1/dossiers/x/actions"),
        ("PUT", "/api/v1/dossiers/x/assignee"),
        ("POST", "/api/v1/tokens"),
    ] {
        let (s, h, b) = raw(&app, method, path, None, json, "{").await;
        problem(s, &h, &b, StatusCode::UNAUTHORIZED);
    }
    let (s, h, b) = raw(
        &app,
        "GET",
        "/api/v1/statistics/dossiers?by=nonsense",
        None,
        None,
        "",
    )
    .await;
    problem(s, &h, &b, StatusCode::UNAUTHORIZED);
    // An invalid token is refused the same way.
    let (s, h, b) = raw(&app, "GET", "/api/v1/me", Some("tso_nope"), None, "").await;
    problem(s, &h, &b, StatusCode::UNAUTHORIZED);
    // A signed-in browser session must still present its CSRF token, on the API too.
    let (status, _, _) = app.login(CLERK, "TinhSo@2026").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let body = json!({"name": "x", "scopes": ["account"]}).to_string();
    let (s, h, b) = raw(&app, "POST", "/api/v1/tokens", None, json, &body).await;
    problem(s, &h, &b, StatusCode::FORBIDDEN);
    assert_eq!(b["type"], "https://tinhso.dev/problems/csrf");
    app.clear_cookies();
    // A token may not make tokens: 403.
    let token = app.token(CLERK, &["account"]).await;
    let (s, h, b) = raw(&app, "POST", "/api/v1/tokens", Some(&token), json, &body).await;
    problem(s, &h, &b, StatusCode::FORBIDDEN);
}

/// The component a response of an operation refers to, and the required properties it lists.
fn documented(doc: &Value, path: &str) -> (String, Vec<String>) {
    let reference = doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"]["$ref"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let required = doc["components"]["schemas"][&reference]["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    (reference, required)
}

async fn statistics_are_documented_with_their_own_schemas(app: TestApp) {
    let (_, doc) = app.api("GET", "/api/openapi.json", None, None).await;
    let token = app.token(CLERK, &["dossiers"]).await;
    for (path, component, own_field) in [
        (
            "/api/v1/statistics/dossiers",
            "DossierStatistics",
            "received",
        ),
        (
            "/api/v1/statistics/feedback",
            "FeedbackStatistics",
            "answered",
        ),
    ] {
        let (reference, required) = documented(&doc, path);
        assert_eq!(reference, component);
        let (status, served) = app.api("GET", path, Some(&token), None).await;
        assert_eq!(status, StatusCode::OK, "{served}");
        for field in &required {
            assert!(
                served.get(field).is_some(),
                "{path}: {field} documented, served {served}"
            );
        }
        // The rows are documented with the row of the same report, not the other one's.
        let row = doc["components"]["schemas"][component]["properties"]["total"]["$ref"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        let row_fields = doc["components"]["schemas"][&row]["required"]
            .as_array()
            .unwrap();
        for field in row_fields {
            let field = field.as_str().unwrap();
            assert!(
                served["total"].get(field).is_some(),
                "{path}: total.{field}"
            );
        }
        assert!(served["total"].get(own_field).is_some());
    }
    // Every error the document lists carries the problem schema, and it is a component.
    assert!(doc["components"]["schemas"]["Problem"]["properties"]["detail"].is_object());
}

async fn a_procedure_as_served_is_accepted_back(app: TestApp) {
    app.enable_totp(ADMIN).await;
    let token = app.token(ADMIN, &["catalog:write"]).await;
    let (status, mut p) = app
        .api("GET", "/api/v1/procedures/1.001193", None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    // Its form and steps are documented as what they are, not as free objects.
    let (_, doc) = app.api("GET", "/api/openapi.json", None, None).await;
    let schema = &doc["components"]["schemas"]["Procedure"]["properties"];
    assert_eq!(
        schema["steps"]["items"]["$ref"],
        "#/components/schemas/Step"
    );
    assert_eq!(
        schema["online_level"]["$ref"],
        "#/components/schemas/OnlineLevel"
    );
    // 12.0 is the integer 12 in JSON: taken like 12.
    let half_days = p["processing"]["half_days"].as_u64().unwrap();
    p["processing"]["half_days"] = json!(half_days as f64);
    p["name"] = json!("Đăng ký khai sinh (sửa qua API)");
    let (status, body) = app
        .api(
            "PUT",
            "/api/v1/procedures/1.001193",
            Some(&token),
            Some(p.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["name"], "Đăng ký khai sinh (sửa qua API)");
    assert_eq!(body["processing"]["half_days"], half_days);
    // A rule of the domain (step budgets adding up) is a 422 validation problem, not a 400.
    p["processing"]["half_days"] = json!(half_days + 2);
    let (status, body) = app
        .api("PUT", "/api/v1/procedures/1.001193", Some(&token), Some(p))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["type"], "https://tinhso.dev/problems/validation");
    assert!(body["errors"].as_array().is_some_and(|e| !e.is_empty()));
}

#[tokio::test]
async fn openapi_document_lists_the_api() {
    let app = TestApp::empty(Kind::Sqlite).await;
    let (status, doc) = app.api("GET", "/api/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/v1/agencies",
        "/api/v1/agencies/{code}",
        "/api/v1/me",
        "/api/v1/officials",
        "/api/v1/audit",
        "/api/v1/tokens/{id}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
    assert!(doc["components"]["schemas"]["Agency"].is_object());
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

#[test]
fn every_template_key_is_translated() {
    tinhso::app::install_assets();
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let templates: Vec<_> = [
        "kernel",
        "directory",
        "accounts",
        "onestop",
        "feedback",
        "server",
    ]
    .iter()
    .flat_map(|c| walk(&crates.join(c).join("templates")))
    .collect();
    assert!(templates.len() > 40, "every crate's templates were read");
    let mut missing = Vec::new();
    for entry in templates {
        let text = std::fs::read_to_string(&entry).unwrap();
        for (i, _) in text.match_indices("t.") {
            let before = text[..i].chars().last().unwrap_or(' ');
            if before.is_alphanumeric() || before == '_' || before == '.' {
                continue;
            }
            let key: String = text[i + 2..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if key.is_empty() {
                continue;
            }
            for lang in [tinhso::web::i18n::Lang::Vi, tinhso::web::i18n::Lang::En] {
                if !tinhso::web::i18n::table(lang).contains_key(&key) {
                    missing.push(format!("{}: {key} ({:?})", entry.display(), lang));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "untranslated keys:\n{}",
        missing.join("\n")
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p))
        } else {
            out.push(p)
        }
    }
    out
}
