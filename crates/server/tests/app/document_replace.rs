//! Replacement (thay thế, Decree 30 Art. 18), on both databases: a draft names the issued
//! document it replaces; issuing it marks that one replaced in the same transaction, its number
//! and metadata unchanged; a bare "replace" is refused; what cannot be replaced is refused when
//! the draft is made; and a second replacement issued after the first is refused whole — no
//! number taken, nothing marked.

use crate::common;
use crate::documents::{act, approved_draft, draft, people};

use axum::http::StatusCode;
use common::TestApp;
use serde_json::{Value, json};

const OTHER_SPECIALIST: &str = "chuyenvien.hacthanh@tinhso.local";

on_both_databases!(an_issued_decision_is_replaced_when_its_replacement_is_issued);

fn replacing(subject: &str, old: &str) -> Value {
    let mut body = draft(subject);
    body["Replaces"] = json!(old);
    body
}

async fn get(app: &TestApp, token: &str, id: &str) -> Value {
    let (status, doc) = app
        .api("GET", &format!("/api/v1/documents/{id}"), Some(token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    doc
}

async fn an_issued_decision_is_replaced_when_its_replacement_is_issued(app: TestApp) {
    let p = people(&app).await;
    let old = approved_draft(
        &app,
        &p,
        draft("Quyết định ban hành quy chế tiếp công dân"),
        "qd.pdf",
    )
    .await;
    let (status, issued) = act(&app, &p.clerk, &old, json!({"Action": "issue"})).await;
    assert_eq!(status, StatusCode::OK, "{issued}");
    let number = issued["CodeNumber"].clone();

    // "Replace" alone is no way to replace: a replacement is issued.
    let (status, problem) = act(&app, &p.clerk, &old, json!({"Action": "replace"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(
        problem.to_string().contains("văn bản thay thế"),
        "{problem}"
    );

    // What cannot be replaced is refused when the draft is made.
    let draft_only = approved_draft(&app, &p, draft("Dự thảo chưa ban hành"), "a.pdf").await;
    let other = app.token(OTHER_SPECIALIST, &["documents"]).await;
    for (token, target, words) in [
        (&p.drafter, "no-such-document", "Không có văn bản"),
        (&p.drafter, draft_only.as_str(), "đã ban hành"),
        (&other, old.as_str(), "Không có văn bản"),
    ] {
        let (status, problem) = app
            .api(
                "POST",
                "/api/v1/documents",
                Some(token),
                Some(replacing("Thay thế", target)),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{target}: {problem}"
        );
        assert!(problem.to_string().contains(words), "{target}: {problem}");
    }

    // Two replacements drafted; the first issued marks the original replaced.
    let first = approved_draft(
        &app,
        &p,
        replacing("Quyết định ban hành quy chế tiếp công dân (thay thế)", &old),
        "qd-thay-the.pdf",
    )
    .await;
    let second = approved_draft(&app, &p, replacing("Thay thế lần hai", &old), "b.pdf").await;
    let (status, issued_first) = act(&app, &p.clerk, &first, json!({"Action": "issue"})).await;
    assert_eq!(status, StatusCode::OK, "{issued_first}");
    assert_eq!(issued_first["Replaces"], old.as_str());
    let original = get(&app, &p.clerk, &old).await;
    assert_eq!(original["State"], "replaced");
    assert_eq!(original["ReplacedBy"], first.as_str());
    assert_eq!(
        original["CodeNumber"], number,
        "the original keeps its number"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox_events WHERE kind = 'document.replaced'")
            .await,
        1
    );

    // The second can no longer be issued, and nothing of it is applied.
    let registers_before = app
        .count("SELECT CAST(SUM(next_number) AS BIGINT) FROM doc_registers")
        .await;
    let (status, problem) = act(&app, &p.clerk, &second, json!({"Action": "issue"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(get(&app, &p.clerk, &second).await["State"], "approved");
    assert_eq!(
        app.count("SELECT CAST(SUM(next_number) AS BIGINT) FROM doc_registers")
            .await,
        registers_before,
        "no number taken"
    );
    // And a replaced document cannot be replaced again.
    let (status, problem) = app
        .api(
            "POST",
            "/api/v1/documents",
            Some(&p.drafter),
            Some(replacing("Lần ba", &old)),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
}
