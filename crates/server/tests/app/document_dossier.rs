//! The one-stop link of issue 14 §8, on both databases: a specialist drafts the decision of a
//! dossier their agency is handling, naming the dossier; once the clerk issues it, the numbered
//! file is the dossier's result and the one-stop clerk can hand it over. A dossier that is not
//! the drafter's agency's, or not a dossier code at all, is refused when the draft is made.

use crate::common;
use crate::documents::{act, approved_draft, draft, people};

use axum::http::StatusCode;
use common::TestApp;
use serde_json::{Value, json};

const PASSWORD: &str = "TinhSo@2026";
const ONE_STOP: &str = "motcua.tuphap@tinhso.local";
const DRAFTER: &str = "chuyenvien.tuphap@tinhso.local";
const LEADER: &str = "lanhdao.tuphap@tinhso.local";
const OTHER_SPECIALIST: &str = "chuyenvien.hacthanh@tinhso.local";
/// Cấp Phiếu lý lịch tư pháp, carried out by Sở Tư pháp.
const CRIMINAL_RECORD: &str = "1.001648";

on_both_databases!(a_decision_issued_for_a_dossier_becomes_its_result);

/// A dossier registered at Sở Tư pháp's counter (accepted at once): its id and code.
async fn dossier_at_the_counter(app: &TestApp) -> (String, String) {
    app.login(ONE_STOP, PASSWORD).await;
    let page = format!("/office/dossiers/new?procedure={CRIMINAL_RECORD}");
    let (status, _) = app.get(&page).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, location) = app
        .post_multipart(
            &page,
            "/office/dossiers/new",
            &[
                ("procedure", CRIMINAL_RECORD),
                ("applicant_name", "Phan Thị Hạnh"),
                ("applicant_phone", "0912345678"),
                ("channel", "counter"),
                ("ho_ten", "Phan Thị Hạnh"),
                ("cccd", "038190000333"),
                ("dia_chi", "Số 12, phố Trần Phú, phường Hạc Thành"),
                ("loai_phieu", "Phiếu số 1"),
                ("muc_dich", "Bổ sung hồ sơ xin việc"),
            ],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let id = location
        .unwrap()
        .trim_start_matches("/office/dossiers/")
        .to_owned();
    let token = app.token(ONE_STOP, &["dossiers"]).await;
    let (_, d) = app
        .api("GET", &format!("/api/v1/dossiers/{id}"), Some(&token), None)
        .await;
    assert_eq!(d["state"], "in_progress", "{d}");
    (id, d["code"].as_str().unwrap().to_owned())
}

fn decision_for(code: &str) -> Value {
    let mut body = draft("Quyết định cấp Phiếu lý lịch tư pháp cho bà Phan Thị Hạnh");
    body["DossierCode"] = json!(code);
    body
}

async fn dossier_action(app: &TestApp, email: &str, id: &str, action: &str) -> StatusCode {
    let token = app.token(email, &["dossiers"]).await;
    app.api(
        "POST",
        &format!("/api/v1/dossiers/{id}/actions"),
        Some(&token),
        Some(json!({"action": action})),
    )
    .await
    .0
}

async fn a_decision_issued_for_a_dossier_becomes_its_result(app: TestApp) {
    let (id, code) = dossier_at_the_counter(&app).await;
    let p = people(&app).await;

    // The dossier's office page leads the specialist to a draft with the code filled in.
    app.clear_cookies();
    app.login(DRAFTER, PASSWORD).await;
    let (_, page) = app.get(&format!("/office/dossiers/{id}")).await;
    let link = format!("/office/documents/new?dossier={code}");
    assert!(page.contains(&link), "the office page offers the draft");
    let (status, form) = app.get(&link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        form.contains(&format!("value=\"{code}\"")),
        "the code is filled in"
    );

    // Not a dossier code, a code no dossier has, and another agency's specialist: refused,
    // and nothing is drafted.
    let drafts_before = app.count("SELECT COUNT(*) FROM documents").await;
    let other = app.token(OTHER_SPECIALIST, &["documents"]).await;
    for (token, code, words) in [
        (&p.drafter, "12/QĐ-UBND", "không đúng dạng"),
        (&p.drafter, "000.00.14.H56-261128-9999", "Không có hồ sơ"),
        (&other, code.as_str(), "Không có hồ sơ"),
    ] {
        let (status, problem) = app
            .api(
                "POST",
                "/api/v1/documents",
                Some(token),
                Some(decision_for(code)),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{code}: {problem}"
        );
        assert!(problem.to_string().contains(words), "{code}: {problem}");
        assert!(problem.to_string().contains("DossierCode"), "{problem}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM documents").await,
        drafts_before
    );

    // Drafted for the dossier, approved and issued: the numbered file becomes its result.
    let doc = approved_draft(&app, &p, decision_for(&code), "quyet-dinh-cap-phieu.pdf").await;
    let (status, issued) = act(&app, &p.clerk, &doc, json!({"Action": "issue"})).await;
    assert_eq!(status, StatusCode::OK, "{issued}");
    app.deliver_events().await;
    app.deliver_events().await; // delivered twice: still one result file
    let (_, page) = app.get(&format!("/office/dossiers/{id}")).await;
    assert!(
        page.contains("quyet-dinh-cap-phieu.pdf"),
        "the office page shows the decision"
    );
    assert_eq!(
        app.count_where("dossier_files", "dossier_id", &id).await,
        1,
        "one result file, however often the event is delivered"
    );

    // The dossier finishes its steps and the one-stop clerk hands the decision over.
    assert_eq!(
        dossier_action(&app, DRAFTER, &id, "complete_step").await,
        StatusCode::OK
    );
    assert_eq!(
        dossier_action(&app, LEADER, &id, "approve").await,
        StatusCode::OK
    );
    assert_eq!(
        dossier_action(&app, ONE_STOP, &id, "return_result").await,
        StatusCode::OK,
        "the issued decision is the result the hand-over needs"
    );

    // A finished dossier takes no more decisions.
    let (status, problem) = app
        .api(
            "POST",
            "/api/v1/documents",
            Some(&p.drafter),
            Some(decision_for(&code)),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        problem.to_string().contains("không còn chờ kết quả"),
        "{problem}"
    );
}
