//! The procedure catalog through its pages and API, on both databases.

use crate::common;

use axum::http::StatusCode;
use common::TestApp;

const ADMIN: &str = "admin@tinhso.local";

on_both_databases!(
    catalog_search_and_pages,
    catalog_is_edited_live_and_round_trips,
    one_search_box_finds_procedures_agencies_feedback_and_codes
);

async fn catalog_search_and_pages(app: TestApp) {
    let (status, body) = app
        .api(
            "GET",
            "/api/v1/procedures?q=dang%20ky%20khai%20sinh",
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["items"][0]["code"], "1.001193");
    assert_eq!(body["items"][0]["name"], "Đăng ký khai sinh");
    let (_, body) = app
        .api("GET", "/api/v1/procedures?per_page=100", None, None)
        .await;
    assert!(body["total"].as_i64().unwrap() >= 20);
    let (_, land) = app
        .api("GET", "/api/v1/procedures?field=DD", None, None)
        .await;
    assert!(
        land["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["field_name"] == "Đất đai")
    );
    assert_eq!(land["total"], 2);
    let (_, commune) = app
        .api(
            "GET",
            "/api/v1/procedures?agency=000.00.63.H56&level=commune",
            None,
            None,
        )
        .await;
    assert!(commune["total"].as_i64().unwrap() >= 10);
    let (_, justice) = app
        .api("GET", "/api/v1/procedures?agency=000.00.14.H56", None, None)
        .await;
    assert_eq!(justice["items"][0]["code"], "1.001648");

    let (status, html) = app.get("/procedures?q=ly+lich+tu+phap").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam"));
    let (status, html) = app.get("/procedures/1.001193").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("1.001193.000.00.60.H56"),
        "localised code per agency"
    );
    assert!(html.contains("Giấy chứng sinh") && html.contains("15:00"));
    let (status, _) = app.get("/procedures/9.999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, fields) = app.api("GET", "/api/v1/procedure-fields", None, None).await;
    assert!(fields.as_array().unwrap().len() >= 9);
}

async fn catalog_is_edited_live_and_round_trips(app: TestApp) {
    app.enable_totp(ADMIN).await;
    let token = app.token(ADMIN, &["catalog:write"]).await;
    let (_, mut birth) = app
        .api("GET", "/api/v1/procedures/1.001193", None, None)
        .await;
    birth["name"] = "Đăng ký khai sinh (liên thông)".into();
    birth["fees"] = serde_json::json!([{"name": "Lệ phí", "amount_vnd": 5000}]);
    let (status, body) = app
        .api(
            "PUT",
            "/api/v1/procedures/1.001193",
            Some(&token),
            Some(birth.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, html) = app.get("/procedures/1.001193").await;
    assert!(
        html.contains("Đăng ký khai sinh (liên thông)"),
        "the change shows at once"
    );

    // A definition whose steps do not add up to the statutory time is refused, nothing changes.
    let mut bad = birth.clone();
    bad["processing"] = serde_json::json!({"half_days": 10});
    let (status, body) = app
        .api(
            "PUT",
            "/api/v1/procedures/1.001193",
            Some(&token),
            Some(bad),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["field"], "steps");
    // Only catalog administrators may edit.
    let clerk = app
        .token("motcua.hacthanh@tinhso.local", &["catalog:write"])
        .await;
    let (status, _) = app
        .api(
            "PUT",
            "/api/v1/procedures/1.001193",
            Some(&clerk),
            Some(birth.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Export, then import the same document with one bad entry: nothing is imported.
    let (_, exported) = app
        .api("GET", "/api/v1/procedures/export.json", None, None)
        .await;
    let mut all = exported.as_array().unwrap().clone();
    assert!(all.len() >= 20);
    let mut copy = all[0].clone();
    copy["code"] = "1.999001".into();
    copy["name"] = "Thủ tục thử nghiệm".into();
    let mut broken = copy.clone();
    broken["code"] = "x".into();
    broken["agencies"] = serde_json::json!(["000.00.99.H56"]);
    all.push(copy.clone());
    all.push(broken);
    let (status, report) = app
        .api(
            "POST",
            "/api/v1/procedures/import",
            Some(&token),
            Some(serde_json::Value::Array(all.clone())),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(report["imported"], 0);
    assert_eq!(report["errors"][0]["field"], "code");
    let (status, _) = app
        .api("GET", "/api/v1/procedures/1.999001", None, None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "all or nothing");
    all.pop();
    let (status, report) = app
        .api(
            "POST",
            "/api/v1/procedures/import",
            Some(&token),
            Some(serde_json::Value::Array(all)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let (_, imported) = app
        .api("GET", "/api/v1/procedures/1.999001", None, None)
        .await;
    assert_eq!(imported["name"], "Thủ tục thử nghiệm");

    let (status, csv) = app.get("/api/v1/procedures/export.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.contains("1.001193,1.001193.000.00.60.H56,Đăng ký khai sinh (liên thông)"));
    let audited = app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'procedure.update' AND entity_id = '1.001193'").await;
    assert!(audited >= 2);
}

/// The home page's search: procedures first (as people type them), then agencies and public
/// feedback; a dossier or feedback code opens its page; a hidden report is never found.
async fn one_search_box_finds_procedures_agencies_feedback_and_codes(app: TestApp) {
    for typed in [
        "khai sinh",
        "Giấy khai sinh",
        "khaisinh",
        "thủ tục đăng ký khai sinh",
    ] {
        let (status, page) = app.get(&format!("/search?q={}", urlencode(typed))).await;
        assert_eq!(status, StatusCode::OK);
        let first = page
            .split("aria-labelledby=\"found-procedures\"")
            .nth(1)
            .and_then(|s| s.split("<li><a href=\"/procedures/").nth(1))
            .unwrap_or_default();
        assert!(
            first.starts_with("1.001193\">Đăng ký khai sinh</a>"),
            "{typed}: {first}"
        );
    }
    let (_, page) = app.get("/search?q=so%20tu%20phap").await;
    assert!(page.contains("href=\"/agencies/000.00.14.H56\">Sở Tư pháp</a>"));

    // A public report is found by its words; its code opens it.
    let (content_type, body) = common::multipart(
        &[
            ("_csrf", &app.csrf("/login").await),
            ("category", "giao-thong"),
            ("title", "Đèn tín hiệu hỏng ở ngã tư Bà Triệu"),
            (
                "description",
                "Đèn đỏ không sáng từ sáng nay, xe cộ đi lại rất nguy hiểm.",
            ),
            ("address", "Ngã tư Bà Triệu"),
            ("email", "nguoi.bao@example.vn"),
        ],
        &[],
    );
    let resp = app
        .send(
            axum::http::Request::post("/feedback/new")
                .header(axum::http::header::CONTENT_TYPE, content_type)
                .body(axum::body::Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let code = location
        .trim_start_matches("/feedback/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let (_, page) = app.get("/search?q=den%20tin%20hieu%20ba%20trieu").await;
    assert!(
        page.contains(&format!("href=\"/feedback/{code}\"")),
        "{page}"
    );
    // A report filed before the search index held it is indexed by the backfill, then found.
    sqlx::query("UPDATE feedback_reports SET search_folded = NULL WHERE code = $1")
        .bind(&code)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    // Its entry goes as a removal goes, with a row in the change log, so that the node's
    // embedded index (docs/search.md) lets it go too.
    let id: String = sqlx::query_scalar("SELECT id FROM feedback_reports WHERE code = $1")
        .bind(&code)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let mut tx = app.state.db.begin().await.unwrap();
    tinhso::search::remove(&mut tx, "feedback", &id)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (_, page) = app.get("/search?q=den%20tin%20hieu%20ba%20trieu").await;
    assert!(!page.contains(&format!("href=\"/feedback/{code}\"")));
    assert!(app.run_backfills(500).await > 0, "the backfill found it");
    let (_, page) = app
        .get("/search?q=%C4%90%C3%A8n%20T%C3%8DN%20hi%E1%BB%87u")
        .await;
    assert!(
        page.contains(&format!("href=\"/feedback/{code}\"")),
        "{page}"
    );
    let resp = app
        .send(
            axum::http::Request::get(format!("/search?q={}", code.to_lowercase()))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(
        resp.headers()["location"],
        format!("/feedback/{code}").as_str()
    );
    sqlx::query("UPDATE feedback_reports SET hidden_reason = 'thông tin cá nhân' WHERE code = $1")
        .bind(&code)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let (_, page) = app.get("/search?q=den%20tin%20hieu%20ba%20trieu").await;
    assert!(!page.contains(&code), "a hidden report is not searchable");
    let (_, page) = app.get(&format!("/search?q={code}")).await;
    assert!(page.contains("Không có phản ánh công khai nào mang mã này."));

    // A dossier code goes to the tracking page, which answers for it.
    let resp = app
        .send(
            axum::http::Request::get("/search?q=%20000.00.14.H56-261128-0999%20")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(
        resp.headers()["location"],
        "/track?code=000.00.14.H56-261128-0999"
    );
    // Nothing typed: back to the home page.
    let resp = app
        .send(
            axum::http::Request::get("/search?q=")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(resp.headers()["location"], "/");
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
