//! Types, units and registers as data (issue 14 §1), on both databases: the 29 types with
//! their abbreviations for anyone, the issuer's units for its officials, abbreviations set by
//! the issuer's agency administrator only (a sibling's refused), and the year's registers for
//! its clerks and leaders, moving as documents are issued.

use crate::common;
use crate::documents::{act, approved_draft, draft, people};

use axum::http::StatusCode;
use common::TestApp;
use serde_json::{Value, json};

const ADMIN: &str = "quantri.tuphap@tinhso.local";
const OTHER_ADMIN: &str = "quantri.hacthanh@tinhso.local";
const SPECIALIST: &str = "chuyenvien.tuphap@tinhso.local";
const CLERK: &str = "vanthu.tuphap@tinhso.local";
/// Trung tâm Trợ giúp pháp lý, a unit of Sở Tư pháp.
const LEGAL_AID: &str = "000.01.14.H56";

on_both_databases!(
    types_units_and_registers_are_data_each_for_whom_it_concerns,
    abbreviations_are_set_by_the_issuers_administrator_only
);

async fn get(app: &TestApp, path: &str, email: &str) -> (StatusCode, Value) {
    let token = app.token(email, &["documents"]).await;
    app.api("GET", path, Some(&token), None).await
}

async fn types_units_and_registers_are_data_each_for_whom_it_concerns(app: TestApp) {
    let (status, types) = app.api("GET", "/api/v1/documents/types", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let types = types.as_array().unwrap();
    assert_eq!(types.len(), 29);
    assert_eq!(
        (types[0]["Name"].as_str(), types[0]["Ordinal"].as_u64()),
        (Some("Nghị quyết"), Some(1))
    );
    let decision = types.iter().find(|t| t["Code"] == "decision").unwrap();
    assert_eq!(decision["Abbreviation"], "QĐ");
    let letter = types.iter().find(|t| t["Name"] == "Công văn").unwrap();
    assert!(
        letter["Abbreviation"].is_null(),
        "a công văn's notation names its unit instead"
    );

    let (status, units) = get(&app, "/api/v1/documents/units", SPECIALIST).await;
    assert_eq!(status, StatusCode::OK, "{units}");
    assert_eq!(units[0]["OrganId"], "000.00.14.H56");
    assert_eq!(units[0]["Issuer"], true);
    assert_eq!(units[0]["Abbreviation"], "STP");
    assert!(
        units.as_array().unwrap()[1..]
            .iter()
            .any(|u| u["OrganId"] == "000.02.14.H56" && u["Abbreviation"] == "HCTP")
    );

    // The registers: nothing numbered yet, then the decision's number taken.
    let (status, registers) = get(&app, "/api/v1/documents/registers", CLERK).await;
    assert_eq!(status, StatusCode::OK);
    assert!(registers.as_array().unwrap().is_empty(), "{registers}");
    let p = people(&app).await;
    let doc = approved_draft(
        &app,
        &p,
        draft("Quyết định ban hành quy chế làm việc"),
        "qd.pdf",
    )
    .await;
    let (status, issued) = act(&app, &p.clerk, &doc, json!({"Action": "issue"})).await;
    assert_eq!(status, StatusCode::OK, "{issued}");
    let (_, registers) = get(&app, "/api/v1/documents/registers", CLERK).await;
    assert_eq!(
        registers,
        json!([{"Direction": "out", "Sequence": "general", "Year": issued["IssuedDate"].as_str().unwrap()[..4].parse::<i64>().unwrap(), "NextNumber": 2}])
    );
    let (status, _) = get(&app, "/api/v1/documents/registers", SPECIALIST).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a specialist keeps no register"
    );
    let (status, problem) = get(&app, "/api/v1/documents/registers?Year=1999", CLERK).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
}

async fn abbreviations_are_set_by_the_issuers_administrator_only(app: TestApp) {
    app.enable_totp(ADMIN).await;
    app.enable_totp(OTHER_ADMIN).await;
    let admin = app.token(ADMIN, &["documents"]).await;
    let path = format!("/api/v1/documents/units/{LEGAL_AID}");
    let audits_before = app
        .count("SELECT COUNT(*) FROM audit_log WHERE action = 'document.unit_abbreviation'")
        .await;

    for (abbreviation, words) in [
        ("HCTP", "Phòng Hành chính tư pháp"),
        ("tgpl", "chữ"),
        ("", ""),
    ] {
        let (status, problem) = app
            .api(
                "PUT",
                &path,
                Some(&admin),
                Some(json!({"Abbreviation": abbreviation})),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{abbreviation}: {problem}"
        );
        assert!(
            problem.to_string().contains(words),
            "{abbreviation}: {problem}"
        );
    }
    let other = app.token(OTHER_ADMIN, &["documents"]).await;
    let (status, _) = app
        .api(
            "PUT",
            &path,
            Some(&other),
            Some(json!({"Abbreviation": "TTTGPL"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another agency's administrator"
    );
    let specialist = app.token(SPECIALIST, &["documents"]).await;
    let (status, _) = app
        .api(
            "PUT",
            &path,
            Some(&specialist),
            Some(json!({"Abbreviation": "TTTGPL"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a specialist of the issuer");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'document.unit_abbreviation'")
            .await,
        audits_before,
        "nothing refused was stored"
    );

    let (status, unit) = app
        .api(
            "PUT",
            &path,
            Some(&admin),
            Some(json!({"Abbreviation": "TTTGPL"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{unit}");
    let (_, units) = get(&app, "/api/v1/documents/units", SPECIALIST).await;
    assert!(
        units
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["OrganId"] == LEGAL_AID && u["Abbreviation"] == "TTTGPL"),
        "{units}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'document.unit_abbreviation'")
            .await,
        audits_before + 1
    );
}
