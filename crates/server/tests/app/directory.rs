//! The agency directory through the HTTP API and pages, on both databases.

use crate::common;

use axum::http::StatusCode;
use common::TestApp;
use serde_json::json;

const ADMIN: &str = "admin@tinhso.local";
const JUSTICE_ADMIN: &str = "quantri.tuphap@tinhso.local";
const CITIZEN: &str = "congdan@tinhso.local";

on_both_databases!(
    search_ignores_diacritics,
    public_api_reads_and_problem_json,
    creating_agencies_validates_codes,
    agency_admin_stays_in_own_branch,
    csv_import_is_all_or_nothing,
    audit_chain_detects_tampering,
    bad_uploads_are_explained,
);

async fn search_ignores_diacritics(app: TestApp) {
    let (status, body) = app
        .api("GET", "/api/v1/agencies?q=so%20tu%20phap", None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["total"], 1);
    assert_eq!(body["items"][0]["name"], "Sở Tư pháp");
    let (_, body) = app
        .api(
            "GET",
            "/api/v1/agencies?q=UY%20BAN%20hac%20thanh",
            None,
            None,
        )
        .await;
    assert_eq!(body["items"][0]["code"], "000.00.60.H56");
    let (status, html) = app.get("/agencies?q=so+tu+phap").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Sở Tư pháp"));
    assert!(!html.contains("Sở Y tế"));
    let (_, tree) = app.get("/agencies").await;
    assert!(
        tree.contains("Ủy ban nhân dân tỉnh Thanh Hóa")
            && tree.contains("Ủy ban nhân dân xã Mường Lát")
    );
    assert!(
        !tree.contains("Trung tâm Trợ giúp pháp lý nhà nước"),
        "the directory page shows two levels"
    );
    let (_, department) = app.get("/agencies/000.00.14.H56").await;
    assert!(
        department.contains("Trung tâm Trợ giúp pháp lý nhà nước"),
        "sub-agencies are listed on their parent's page"
    );
    // What a citizen needs to go there: the parent's name (not its code), how to reach it, and
    // the province's office hours.
    assert!(
        department.contains(">Ủy ban nhân dân tỉnh Thanh Hóa</a>"),
        "{department}"
    );
    assert!(department.contains("Thứ Hai đến Thứ Sáu: 07:30–11:30, 13:00–17:00"));
    assert!(department.contains("href=\"tel:") || department.contains("href=\"mailto:"));
}

async fn public_api_reads_and_problem_json(app: TestApp) {
    let (status, body) = app
        .api("GET", "/api/v1/agencies/000.00.14.H56", None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["parent_code"], "000.00.00.H56");
    let (status, body) = app
        .api("GET", "/api/v1/agencies/000.00.99.H56", None, None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["status"], 404);
    assert!(body["type"].as_str().unwrap().ends_with("not-found"));
    let (_, tree) = app.api("GET", "/api/v1/agencies/tree", None, None).await;
    assert_eq!(tree[0]["code"], "000.00.00.H56");
    assert!(tree[0]["children"].as_array().unwrap().len() >= 10);
    let (status, units) = app.api("GET", "/api/v1/admin-units", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        units
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["name"] == "Xã Mường Lát")
    );
    let (status, _) = app.api("GET", "/api/v1/nothing-here", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn creating_agencies_validates_codes(app: TestApp) {
    app.enable_totp(ADMIN).await;
    let token = app.token(ADMIN, &["directory:write"]).await;
    let new = |code: &str, parent: &str| json!({"code": code, "name": "Phòng Công chứng số 9", "kind": "unit", "parent_code": parent});

    let (status, body) = app
        .api(
            "POST",
            "/api/v1/agencies",
            Some(&token),
            Some(new("000.0X.14.H56", "000.00.14.H56")),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["field"], "code");

    let (status, body) = app
        .api(
            "POST",
            "/api/v1/agencies",
            Some(&token),
            Some(new("000.09.14.H56", "000.00.16.H56")),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "parent_code");

    let (status, body) = app
        .api(
            "POST",
            "/api/v1/agencies",
            Some(&token),
            Some(new("000.09.14.H56", "000.00.14.H56")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["parent_code"], "000.00.14.H56");

    let (status, body) = app
        .api(
            "POST",
            "/api/v1/agencies",
            Some(&token),
            Some(new("000.09.14.H56", "000.00.14.H56")),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["detail"].as_str().unwrap().contains("đã được dùng"),
        "{body}"
    );

    // Every accepted change is audited; refused ones left nothing behind.
    let (_, entries) = app
        .api(
            "GET",
            "/api/v1/audit?entity_id=000.09.14.H56",
            Some(&app.token(ADMIN, &["audit:read"]).await),
            None,
        )
        .await;
    assert_eq!(entries.as_array().unwrap().len(), 1);
    assert_eq!(entries[0]["action"], "agency.create");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM agencies WHERE code LIKE '%.09.14.H56'")
            .await,
        1
    );
}

async fn agency_admin_stays_in_own_branch(app: TestApp) {
    app.enable_totp(JUSTICE_ADMIN).await;
    let token = app
        .token(JUSTICE_ADMIN, &["directory:write", "users:write"])
        .await;
    let unit = |code: &str, parent: &str| json!({"code": code, "name": "Đơn vị thử", "kind": "unit", "parent_code": parent});
    let (status, _) = app
        .api(
            "POST",
            "/api/v1/agencies",
            Some(&token),
            Some(unit("000.05.14.H56", "000.00.14.H56")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = app
        .api(
            "POST",
            "/api/v1/agencies",
            Some(&token),
            Some(unit("000.05.16.H56", "000.00.16.H56")),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    // A citizen's token, a token without the scope, and no token at all.
    let citizen = app.token(CITIZEN, &["directory:write"]).await;
    let (status, _) = app
        .api(
            "POST",
            "/api/v1/agencies",
            Some(&citizen),
            Some(unit("000.06.14.H56", "000.00.14.H56")),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let narrow = app.token(JUSTICE_ADMIN, &["account"]).await;
    let (status, _) = app
        .api(
            "POST",
            "/api/v1/agencies",
            Some(&narrow),
            Some(unit("000.06.14.H56", "000.00.14.H56")),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app
        .api(
            "POST",
            "/api/v1/agencies",
            None,
            Some(unit("000.06.14.H56", "000.00.14.H56")),
        )
        .await;
    // Without a token or a session it is simply not signed in (a CSRF token guards sessions).
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "cookie-less POST without credentials: {body}"
    );
    let (status, _) = app
        .api(
            "POST",
            "/api/v1/agencies",
            Some("tso_forged"),
            Some(unit("000.06.14.H56", "000.00.14.H56")),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM agencies WHERE code IN ('000.05.16.H56', '000.06.14.H56')")
            .await,
        0
    );
}

async fn csv_import_is_all_or_nothing(app: TestApp) {
    let actor = tinhso::audit::Actor::system();
    let good = "code,name,kind,parent_code\n000.07.14.H56,Phòng Thử nghiệm,unit,000.00.14.H56\n001.07.14.H56,Tổ Thử nghiệm,unit,000.07.14.H56\n";
    let bad = format!(
        "{good}000.00.14.H5,Mã sai,unit,000.00.00.H56\n000.08.14.H56,,nonsense,000.00.14.H56\n"
    );
    let report =
        tinhso::agencies::csv_io::import(&app.state, &actor, bad.as_bytes(), false, &|_| {})
            .await
            .unwrap();
    assert!(!report.committed);
    assert_eq!(
        report.errors.iter().map(|e| e.line).collect::<Vec<_>>(),
        [4, 5, 5]
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM agencies WHERE code LIKE '%.07.14.H56'")
            .await,
        0,
        "nothing written"
    );

    let report =
        tinhso::agencies::csv_io::import(&app.state, &actor, bad.as_bytes(), true, &|_| {})
            .await
            .unwrap();
    assert!(report.committed);
    assert_eq!(report.created_or_updated, 2);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM agencies WHERE code LIKE '%.07.14.H56'")
            .await,
        2
    );

    let broken = b"code,name,kind,parent_code\n000.09.14.H56,Ph\xf2ng,unit,000.00.14.H56\n";
    let report = tinhso::agencies::csv_io::import(&app.state, &actor, broken, false, &|_| {})
        .await
        .unwrap();
    assert!(report.errors[0].message.contains("UTF-8"));

    let exported = tinhso::agencies::csv_io::export(&app.state.db)
        .await
        .unwrap();
    let text = String::from_utf8(exported).unwrap();
    assert!(text.starts_with("code,name,kind,parent_code"));
    assert!(text.contains("001.07.14.H56,Tổ Thử nghiệm,unit,000.07.14.H56"));
}

async fn audit_chain_detects_tampering(app: TestApp) {
    let intact = tinhso::audit::verify(&app.state.db).await.unwrap();
    let rows = intact.expect("fresh chain is intact");
    assert!(rows > 20, "the demo load is audited ({rows} rows)");
    // The table refuses edits outright…
    let refused = sqlx::query("UPDATE audit_log SET actor = 'x' WHERE seq = 3")
        .execute(&app.state.db.pool)
        .await;
    assert!(refused.is_err());
    // …and a database owner who lifts that guard is still caught by the chain.
    let lift = match app.kind {
        common::Kind::Sqlite => "DROP TRIGGER audit_log_no_update",
        common::Kind::Postgres => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change",
    };
    sqlx::raw_sql(lift)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET after_json = '{}' WHERE seq = 3")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let broken = tinhso::audit::verify(&app.state.db).await.unwrap();
    assert_eq!(
        broken,
        Err(tinhso_domain::audit_chain::ChainBreak::Content { seq: 3 })
    );
}

fn multipart(csrf: &str, file_name: &str, content: &[u8]) -> (String, Vec<u8>) {
    let boundary = "tinhso-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn bad_uploads_are_explained(app: TestApp) {
    let secret = app.enable_totp(ADMIN).await;
    app.login(ADMIN, "TinhSo@2026").await;
    let code = tinhso::auth::totp::code_at(&secret, chrono::Utc::now().timestamp() as u64).unwrap();
    app.post_form("/login/totp", "/login/totp", &[("code", &code)])
        .await;
    let csrf = app.csrf("/admin/agencies/import").await;
    let before = app.count("SELECT COUNT(*) FROM agencies").await;
    for (path, name, content, expected) in [
        (
            "/admin/agencies/import",
            "agencies.pdf",
            &b"%PDF-1.4"[..],
            "Chỉ nhận tệp CSV",
        ),
        (
            "/admin/agencies/import",
            "agencies.csv",
            &b""[..],
            "Vui lòng chọn một tệp CSV.",
        ),
        (
            "/admin/procedures/import",
            "catalog.json",
            &b"{not json"[..],
            "không phải danh sách thủ tục JSON",
        ),
        (
            "/admin/procedures/import",
            "catalog.exe",
            &b"[]"[..],
            "Chỉ nhận tệp JSON",
        ),
    ] {
        let (content_type, body) = multipart(&csrf, name, content);
        let req = axum::http::Request::post(path)
            .header(axum::http::header::CONTENT_TYPE, content_type)
            .body(axum::body::Body::from(body))
            .unwrap();
        let (status, html) = common::text(app.send(req).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path} {name}");
        assert!(html.contains(expected), "{path} {name}: {html}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM agencies").await, before);
}
