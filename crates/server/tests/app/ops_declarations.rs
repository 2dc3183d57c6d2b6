//! Declared values of the operations centre (tự khai, issue 18, docs/operations-design.md §2)
//! on both databases: a ward's leader declares what the platform cannot measure, with the
//! ward's issued decision as evidence; the index reads the narrowest declared window that
//! contains the one it computes; a newer value replaces the live one and a withdrawal ends it,
//! each audited. Every bad input is refused with its field, and nothing is stored.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{TestApp, multipart, text};
use serde_json::{Value, json};

on_both_databases!(
    a_leader_declares_with_evidence_and_the_index_reads_it,
    bad_declarations_are_refused_and_nothing_is_stored,
);

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
const WARD: &str = "000.00.60.H56";
const STP: &str = "000.00.14.H56";
const WARD_LEADER: &str = "lanhdao.hacthanh@tinhso.local";
const WARD_SPECIALIST: &str = "chuyenvien.hacthanh@tinhso.local";
const WARD_CLERK: &str = "vanthu.hacthanh@tinhso.local";
const JUSTICE_LEADER: &str = "lanhdao.tuphap@tinhso.local";

async fn agency_scope(app: &TestApp, code: &str) -> String {
    let id: String = sqlx::query_scalar("SELECT id FROM agencies WHERE code = $1")
        .bind(code)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    format!("a:{id}")
}

async fn document_action(app: &TestApp, token: &str, id: &str, action: &str) {
    let (status, doc) = app
        .api(
            "POST",
            &format!("/api/v1/documents/{id}/actions"),
            Some(token),
            Some(json!({ "Action": action })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{action}: {doc}");
}

/// The ward's decision, drafted and left a draft (`issue` false) or issued: its id.
async fn ward_decision(app: &TestApp, subject: &str, issue: bool) -> String {
    let drafter = app.token(WARD_SPECIALIST, &["documents"]).await;
    let leader = app.token(WARD_LEADER, &["documents"]).await;
    let clerk = app.token(WARD_CLERK, &["documents"]).await;
    let (status, created) = app
        .api(
            "POST",
            "/api/v1/documents",
            Some(&drafter),
            Some(json!({
                "TypeName": "decision",
                "Subject": subject,
                "SignerInfo": {"Position": "Chủ tịch", "FullName": "Mai Thị Thu"},
                "To": [{"OrganId": STP}]
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["Id"].as_str().unwrap().to_owned();
    let (content_type, body) = multipart(&[], &[("file", "bao-cao.pdf", PDF)]);
    let req = Request::post(format!("/api/v1/documents/{id}/versions"))
        .header(header::AUTHORIZATION, format!("Bearer {drafter}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    let (status, body) = text(app.send(req).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    if issue {
        for (token, action) in [
            (&drafter, "submit"),
            (&leader, "approve_content"),
            (&clerk, "approve_form"),
            (&leader, "sign"),
            (&clerk, "issue"),
        ] {
            document_action(app, token, &id, action).await;
        }
    }
    id
}

async fn declare(app: &TestApp, token: &str, body: Value) -> (StatusCode, Value) {
    app.api("POST", "/api/v1/ops/declarations", Some(token), Some(body))
        .await
}

/// Indicator 1.1's points and the declared value it read, over `period` of `scope`.
async fn indicator_1_1(app: &TestApp, token: &str, scope: &str, period: &str) -> (Value, Value) {
    let (status, index) = app
        .api(
            "GET",
            &format!("/api/v1/ops/index?scope={scope}&period={period}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{index}");
    let ind = index["groups"][0]["indicators"][0].clone();
    assert_eq!(ind["key"], "1.1");
    (ind["points"].clone(), ind["declaration"]["value"].clone())
}

async fn audited(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE entity_type = 'ops_declaration' ORDER BY seq",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap()
}

async fn a_leader_declares_with_evidence_and_the_index_reads_it(app: TestApp) {
    let evidence = ward_decision(&app, "Báo cáo công bố thủ tục hành chính năm 2026", true).await;
    let scope = agency_scope(&app, WARD).await;
    let year = chrono::Datelike::year(&tinhso::time::local_now().date());
    let leader = app.token(WARD_LEADER, &["ops:read", "ops:write"]).await;
    let (status, d) = declare(
        &app,
        &leader,
        json!({
            "indicator": "1.1", "scope": scope, "period": format!("{year}-Y"), "value": 0.9,
            "note": "Theo báo cáo của phường", "evidence_document": evidence,
        }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{d}");
    assert_eq!(d["state"], "declared");
    assert_eq!(d["version"], "766-2022-tam");
    assert!(
        d["evidence_label"]
            .as_str()
            .unwrap()
            .contains("Báo cáo công bố")
    );
    // 4 × 0.9 over the year, and over its first quarter (the year's value covers it).
    for period in [format!("{year}-Y"), format!("{year}-Q1")] {
        let (points, value) = indicator_1_1(&app, &leader, &scope, &period).await;
        assert_eq!((points, value), (json!(3.6), json!(0.9)), "{period}");
    }
    // A value for the quarter itself is narrower: the quarter reads it, the year does not.
    let (status, q1) = declare(
        &app,
        &leader,
        json!({
            "indicator": "1.1", "scope": scope, "period": format!("{year}-Q1"), "value": 0.5,
            "evidence_document": evidence,
        }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{q1}");
    let q1_id = q1["id"].as_str().unwrap().to_owned();
    assert_eq!(
        indicator_1_1(&app, &leader, &scope, &format!("{year}-Q1")).await,
        (json!(2.0), json!(0.5))
    );
    assert_eq!(
        indicator_1_1(&app, &leader, &scope, &format!("{year}-Y")).await,
        (json!(3.6), json!(0.9))
    );
    // A second value for the same year replaces the first, which is kept as replaced.
    let (status, _) = declare(
        &app,
        &leader,
        json!({
            "indicator": "1.1", "scope": scope, "period": format!("{year}-Y"), "value": 1.0,
            "evidence_document": evidence,
        }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        indicator_1_1(&app, &leader, &scope, &format!("{year}-Y")).await,
        (json!(4.0), json!(1.0))
    );
    // Withdrawing the quarter's value: the quarter reads the year's again; twice is a 409.
    let withdraw = format!("/api/v1/ops/declarations/{q1_id}/withdraw");
    let (status, problem) = app
        .api(
            "POST",
            &withdraw,
            Some(&leader),
            Some(json!({"reason": " "})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let reason = json!({"reason": "Nhầm kỳ báo cáo"});
    let (status, w) = app
        .api("POST", &withdraw, Some(&leader), Some(reason.clone()))
        .await;
    assert_eq!(status, StatusCode::OK, "{w}");
    assert_eq!(w["state"], "withdrawn");
    assert_eq!(
        indicator_1_1(&app, &leader, &scope, &format!("{year}-Q1")).await,
        (json!(4.0), json!(1.0))
    );
    let (status, _) = app
        .api("POST", &withdraw, Some(&leader), Some(reason))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // The record keeps all three, newest first; each change is audited.
    let (status, list) = app
        .api(
            "GET",
            &format!("/api/v1/ops/declarations?scope={scope}"),
            Some(&leader),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let states: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["declared", "withdrawn", "replaced"]);
    assert_eq!(
        audited(&app).await,
        ["ops.declare", "ops.declare", "ops.declare", "ops.withdraw"]
    );
    // Another agency's leader does not see the scope's record.
    let other = app.token(JUSTICE_LEADER, &["ops:read"]).await;
    let (status, _) = app
        .api(
            "GET",
            &format!("/api/v1/ops/declarations?scope={scope}"),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn bad_declarations_are_refused_and_nothing_is_stored(app: TestApp) {
    let issued = ward_decision(&app, "Báo cáo đồng bộ hồ sơ năm 2026", true).await;
    let draft = ward_decision(&app, "Dự thảo báo cáo", false).await;
    let scope = agency_scope(&app, WARD).await;
    let justice = agency_scope(&app, STP).await;
    let year = chrono::Datelike::year(&tinhso::time::local_now().date());
    let leader = app.token(WARD_LEADER, &["ops:read", "ops:write"]).await;
    let reader = app.token(WARD_LEADER, &["ops:read"]).await;
    let specialist = app.token(WARD_SPECIALIST, &["ops:read", "ops:write"]).await;
    let good = json!({
        "indicator": "1.2", "scope": scope, "period": format!("{year}-Y"), "value": 0.8,
        "evidence_document": issued,
    });
    let with = |key: &str, value: Value| {
        let mut body = good.clone();
        body[key] = value;
        body
    };
    // (what, token, body, status, the field named)
    let cases: Vec<(&str, &str, Value, StatusCode, Option<&str>)> = vec![
        (
            "a share above 1",
            &leader,
            with("value", json!(1.5)),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("value"),
        ),
        (
            "a negative share",
            &leader,
            with("value", json!(-0.1)),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("value"),
        ),
        (
            "a measured indicator",
            &leader,
            with("indicator", json!("2.1")),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("indicator"),
        ),
        (
            "an unknown indicator",
            &leader,
            with("indicator", json!("9.9")),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("indicator"),
        ),
        (
            "no evidence",
            &leader,
            with("evidence_document", json!("")),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("evidence_document"),
        ),
        (
            "a draft as evidence",
            &leader,
            with("evidence_document", json!(draft)),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("evidence_document"),
        ),
        (
            "a period that does not exist",
            &leader,
            with("period", json!(format!("{year}-M13"))),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("period"),
        ),
        (
            "a note too long",
            &leader,
            with("note", json!("x".repeat(2001))),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("note"),
        ),
        (
            "a scope not held",
            &leader,
            with("scope", json!(justice)),
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            "the province",
            &leader,
            with("scope", json!("p")),
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            "a token without ops:write",
            &reader,
            good.clone(),
            StatusCode::FORBIDDEN,
            None,
        ),
        (
            "not a leader",
            &specialist,
            good.clone(),
            StatusCode::NOT_FOUND,
            None,
        ),
    ];
    for (what, token, body, status, field) in cases {
        let (got, problem) = declare(&app, token, body).await;
        assert_eq!(got, status, "{what}: {problem}");
        if let Some(field) = field {
            assert_eq!(problem["errors"][0]["field"], field, "{what}: {problem}");
            assert!(
                !problem["errors"][0]["message"].as_str().unwrap().is_empty(),
                "{what}: a message"
            );
        }
    }
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ops_declarations")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(stored, 0, "nothing stored");
    assert!(audited(&app).await.is_empty());
    let (status, _) = declare(&app, &leader, good).await;
    assert_eq!(status, StatusCode::CREATED, "the same, right, is taken");
}
