//! Remote signing (docs/signatures-design.md §4), on both databases: the approving leader
//! chooses "Ký số từ xa" with the test provider, which the platform calls over HTTP at its
//! `public_url` (a real port here); the request appears on the provider's "phone" page; once
//! confirmed, the poll (`signatures.poll_remote`) completes a PAdES signature (B-T, then B-LT)
//! that our verifier and pyHanko accept, stored as a new version. A refusal and an expiry end
//! the session with their message and store nothing; a provider that is down or answers
//! garbage is refused in Vietnamese with nothing kept; a signature that does not match the
//! certificate fails the session and stores nothing.

use crate::common;
use crate::document_signing::{
    LEADER, PASSWORD, act, assert_signed_b_lt, audit_count, awaiting_approval, pyhanko_accepts,
    sign, verified, version_bytes,
};

use axum::http::StatusCode;
use common::{Kind, TestApp};
use serde_json::{Value, json};

const CLERK: &str = crate::document_signing::CLERK;

on_both_kinds!(
    the_leader_signs_remotely_after_confirming_on_the_phone,
    sessions_waiting_on_a_document_that_moves_on_are_cancelled,
    a_refused_or_expired_request_stores_nothing,
    a_provider_down_or_answering_garbage_is_refused_clearly,
);

/// The demo province served on a real port that is its `public_url`, with the test provider
/// on (the platform reaches it over HTTP there) and online revocation off.
async fn served(kind: Kind) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let app = TestApp::new_with(kind, |c| {
        c.public_url = url;
        c.signatures.online_revocation = false;
        c.signatures.test_remote_provider = true;
    })
    .await;
    let router = app.router.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });
    app
}

async fn start_remote(app: &TestApp, email: &str, id: &str, provider: &str) -> (StatusCode, Value) {
    app.api(
        "POST",
        &format!("/api/v1/documents/{id}/signatures"),
        Some(&app.token(email, &["documents"]).await),
        Some(json!({ "Location": "Thanh Hóa", "Remote": provider })),
    )
    .await
}

async fn session_state(app: &TestApp, session: &str) -> Value {
    let (status, s) = app
        .api(
            "GET",
            &format!("/api/v1/signing-sessions/{session}"),
            Some(&app.token(LEADER, &["documents"]).await),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    s
}

async fn versions(app: &TestApp, id: &str) -> i64 {
    app.count_where("document_versions", "document_id", id)
        .await
}

/// The request ids the signed-in user's "phone" lists.
async fn on_the_phone(app: &TestApp) -> (String, Vec<String>) {
    let (status, html) = app.get("/test-remote-signing/phone").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let ids = html
        .match_indices("data-request=\"")
        .map(|(at, m)| {
            let rest = &html[at + m.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect();
    (html, ids)
}

async fn poll(app: &TestApp) -> usize {
    tinhso_signatures::remote::poll_due(&app.state)
        .await
        .unwrap()
}

async fn objects_under_sessions(app: &TestApp) -> usize {
    let dir = app
        .state
        .config
        .data_dir
        .join("files")
        .join("signing-sessions");
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

async fn the_leader_signs_remotely_after_confirming_on_the_phone(kind: Kind) {
    let app = served(kind).await;
    let id = awaiting_approval(&app).await;
    assert_eq!(versions(&app, &id).await, 1);

    // The document page offers the test provider, clearly named.
    let (status, _, _) = app.login(LEADER, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = app.get(&format!("/office/documents/{id}")).await;
    assert!(page.contains("doc-sign-remote"), "{page}");
    assert!(
        page.contains("Ký số từ xa — nhà cung cấp THỬ NGHIỆM (không có giá trị pháp lý)"),
        "{page}"
    );

    // Chosen on the page: the confirmation step, then the session's waiting page.
    let (status, confirm_page, _) = app
        .post_form(
            &format!("/office/documents/{id}"),
            &format!("/office/documents/{id}/digital-signature"),
            &[("location", "Thanh Hóa"), ("provider", "test")],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the confirmation step: {confirm_page}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM signing_sessions").await, 0);
    let (status, _, location) = app
        .post_form(
            &format!("/office/documents/{id}"),
            &format!("/office/documents/{id}/digital-signature"),
            &[
                ("location", "Thanh Hóa"),
                ("provider", "test"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let waiting = location.unwrap();
    assert!(
        waiting.starts_with("/office/signing-sessions/"),
        "{waiting}"
    );
    let session = waiting.rsplit('/').next().unwrap().to_owned();
    let (status, html) = app.get(&waiting).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Đang chờ xác nhận trên điện thoại…"),
        "{html}"
    );
    assert!(html.contains("http-equiv=\"refresh\""), "{html}");
    assert_eq!(session_state(&app, &session).await["State"], "pending");
    assert_eq!(audit_count(&app, "signature.remote_request").await, 1);

    // Only the hash and the title reached the provider.
    let row = sqlx::query("SELECT digest, title FROM test_remote_requests")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let digest: String = sqlx::Row::get(&row, "digest");
    let title: String = sqlx::Row::get(&row, "title");
    assert_eq!(digest.len(), 64);
    assert!(
        title.contains("Ban hành quy chế thử nghiệm ký số"),
        "{title}"
    );
    assert_eq!(session_state(&app, &session).await["Digest"], digest);

    // Not yet confirmed: the poll waits, nothing stored.
    assert_eq!(poll(&app).await, 0);
    assert_eq!(versions(&app, &id).await, 1);

    // The phone lists it; another official's phone does not.
    let (phone, requests) = on_the_phone(&app).await;
    assert_eq!(requests.len(), 1, "{phone}");
    assert!(
        phone.contains("Xác nhận ký") && phone.contains("Từ chối"),
        "{phone}"
    );
    app.clear_cookies();
    app.login(CLERK, PASSWORD).await;
    let (_, others) = on_the_phone(&app).await;
    assert!(others.is_empty());
    let (status, _, _) = app
        .post_form(
            "/test-remote-signing/phone",
            &format!(
                "/office/test-remote-signing/requests/{}/confirm",
                requests[0]
            ),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not the clerk's request");
    app.clear_cookies();
    app.login(LEADER, PASSWORD).await;

    let (status, _, _) = app
        .post_form(
            "/test-remote-signing/phone",
            &format!(
                "/office/test-remote-signing/requests/{}/confirm",
                requests[0]
            ),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(audit_count(&app, "signature.remote_confirm").await, 1);

    // The poll completes it: a new version, valid, B-LT with its timestamp.
    assert_eq!(poll(&app).await, 1);
    let s = session_state(&app, &session).await;
    assert_eq!(s["State"], "signed", "{s}");
    let (_, html) = app.get(&waiting).await;
    assert!(html.contains("Đã ký số thành công"), "{html}");
    assert!(!html.contains("http-equiv=\"refresh\""));
    assert_eq!(versions(&app, &id).await, 2);
    let unsigned = version_bytes(&app, &id, 1).await;
    let signed = version_bytes(&app, &id, 2).await;
    assert!(signed.starts_with(&unsigned), "an incremental update");
    assert_signed_b_lt(&verified(&app, &signed).await);
    pyhanko_accepts(&app, &signed, 1).await;
    assert_eq!(audit_count(&app, "signature.sign").await, 1);
    assert_eq!(audit_count(&app, "document.sign_digitally").await, 1);
    let row = sqlx::query("SELECT after_json FROM audit_log WHERE action = 'signature.sign'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let after: Value =
        serde_json::from_str(&sqlx::Row::get::<String, _>(&row, "after_json")).unwrap();
    assert_eq!(after["remote"]["provider"], "test", "{after}");
    assert_eq!(after["level"], "B-LT", "{after}");
    // The session's files are gone; polling again changes nothing.
    assert_eq!(objects_under_sessions(&app).await, 0);
    assert_eq!(poll(&app).await, 0);
    assert_eq!(versions(&app, &id).await, 2);
    // The phone's request is answered: it is listed no more, and cannot be answered again.
    let (_, left) = on_the_phone(&app).await;
    assert!(left.is_empty());
    // Someone else's session is not found.
    let (status, _) = app
        .api(
            "GET",
            &format!("/api/v1/signing-sessions/{session}"),
            Some(&app.token(CLERK, &["documents"]).await),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn a_refused_or_expired_request_stores_nothing(kind: Kind) {
    let app = served(kind).await;
    let id = awaiting_approval(&app).await;
    app.login(LEADER, PASSWORD).await;

    // Refused on the phone.
    let (status, started) = start_remote(&app, LEADER, &id, "test").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let session = started["SessionId"].as_str().unwrap().to_owned();
    let (_, requests) = on_the_phone(&app).await;
    let (status, _, _) = app
        .post_form(
            "/test-remote-signing/phone",
            &format!(
                "/office/test-remote-signing/requests/{}/refuse",
                requests[0]
            ),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(poll(&app).await, 1);
    let s = session_state(&app, &session).await;
    assert_eq!(s["State"], "refused", "{s}");
    let (_, html) = app
        .get(&format!("/office/signing-sessions/{session}"))
        .await;
    assert!(
        html.contains("Người ký đã từ chối ký trên điện thoại"),
        "{html}"
    );
    assert_eq!(versions(&app, &id).await, 1);
    assert_eq!(audit_count(&app, "signature.remote_refuse").await, 1);
    // Answered once only.
    let (status, _, _) = app
        .post_form(
            "/test-remote-signing/phone",
            &format!(
                "/office/test-remote-signing/requests/{}/confirm",
                requests[0]
            ),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Not confirmed within five minutes: expired (the clocks moved back in the tables).
    let (status, started) = start_remote(&app, LEADER, &id, "test").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let session = started["SessionId"].as_str().unwrap().to_owned();
    let past = "2026-01-01T00:00:00Z";
    for table in ["signing_sessions", "test_remote_requests"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {table} SET expires_at = $1 WHERE state = 'pending'"
        )))
        .bind(past)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    }
    let (_, requests) = on_the_phone(&app).await;
    assert!(requests.is_empty(), "an expired request is not shown");
    assert_eq!(poll(&app).await, 1);
    let s = session_state(&app, &session).await;
    assert_eq!(s["State"], "expired", "{s}");
    let (_, html) = app
        .get(&format!("/office/signing-sessions/{session}"))
        .await;
    assert!(html.contains("Yêu cầu ký đã hết hạn"), "{html}");
    assert_eq!(versions(&app, &id).await, 1);
    assert_eq!(objects_under_sessions(&app).await, 0);
    assert_eq!(audit_count(&app, "signature.sign").await, 0);
}

/// A one-route server answering every provider call with `body` and `status`.
async fn fake_provider(status: u16, body: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let router = axum::Router::new().fallback(move || async move {
        (
            StatusCode::from_u16(status).unwrap(),
            [("content-type", "application/json")],
            body,
        )
    });
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

async fn a_provider_down_or_answering_garbage_is_refused_clearly(kind: Kind) {
    // Down: nothing listens where the provider should be.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let cases: Vec<(String, &str)> = vec![
        (
            format!("http://127.0.0.1:{closed}"),
            "Không kết nối được nhà cung cấp ký số từ xa",
        ),
        (
            fake_provider(200, "{\"credentials\": \"không phải danh sách\"").await,
            "Nhà cung cấp ký số từ xa trả lời không đúng định dạng",
        ),
        (
            fake_provider(502, "<html>Bad gateway</html>").await,
            "Không kết nối được nhà cung cấp ký số từ xa",
        ),
        (
            fake_provider(200, "{\"credentials\": [{\"id\": \"1\", \"certificate\": \"@@@\", \"chain\": [], \"algorithm\": \"rsa-pss-sha256\"}]}").await,
            "Nhà cung cấp ký số từ xa trả lời không đúng định dạng",
        ),
    ];
    for (public_url, message) in cases {
        let app = TestApp::new_with(kind, |c| {
            c.public_url = public_url.clone();
            c.signatures.online_revocation = false;
            c.signatures.test_remote_provider = true;
        })
        .await;
        let id = awaiting_approval(&app).await;
        let (status, problem) = start_remote(&app, LEADER, &id, "test").await;
        assert_eq!(status, StatusCode::CONFLICT, "{public_url}: {problem}");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains(message),
            "{public_url}: {problem}"
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM signing_sessions").await, 0);
        assert_eq!(
            objects_under_sessions(&app).await,
            0,
            "the prepared file removed"
        );
        assert_eq!(versions(&app, &id).await, 1);
        assert_eq!(audit_count(&app, "signature.remote_request").await, 0);
    }

    let app = served(kind).await;
    let id = awaiting_approval(&app).await;
    // An unknown provider; the clerk, who may not sign.
    let (status, problem) = start_remote(&app, LEADER, &id, "vnpt-smartca").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (status, _) = start_remote(&app, CLERK, &id, "test").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A signature that does not match the certificate: the session fails, nothing stored.
    let (status, started) = start_remote(&app, LEADER, &id, "test").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let session = started["SessionId"].as_str().unwrap().to_owned();
    app.login(LEADER, PASSWORD).await;
    let (_, requests) = on_the_phone(&app).await;
    let (status, _, _) = app
        .post_form(
            "/test-remote-signing/phone",
            &format!(
                "/office/test-remote-signing/requests/{}/confirm",
                requests[0]
            ),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // 255 bytes of 0x07, base64.
    let garbage = "BwcH".repeat(85);
    sqlx::query("UPDATE test_remote_requests SET signature = $1")
        .bind(garbage)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(poll(&app).await, 1);
    let s = session_state(&app, &session).await;
    assert_eq!(s["State"], "failed", "{s}");
    assert!(
        s["Detail"]
            .as_str()
            .unwrap()
            .contains("không khớp với chứng thư số của người ký"),
        "{s}"
    );
    assert_eq!(versions(&app, &id).await, 1);
    assert_eq!(audit_count(&app, "signature.sign").await, 0);
    assert_eq!(objects_under_sessions(&app).await, 0);

    // The provider's API refuses a caller without the platform's key.
    let (status, _) = app
        .api(
            "POST",
            "/test-remote-signing/v1/credentials",
            None,
            Some(json!({ "user_id": app.user_id(LEADER).await })),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// Confirms the signed-in leader's first request on the test phone.
async fn confirm_on_the_phone(app: &TestApp) {
    let (phone, requests) = on_the_phone(app).await;
    assert!(!requests.is_empty(), "{phone}");
    let (status, _, _) = app
        .post_form(
            "/test-remote-signing/phone",
            &format!(
                "/office/test-remote-signing/requests/{}/confirm",
                requests[0]
            ),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

async fn step(app: &TestApp, email: &str, id: &str, action: &str) {
    let (status, doc) = act(
        app,
        email,
        id,
        json!({ "Action": action, "Note": "Sửa căn cứ" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{action}: {doc}");
}

/// A phone request left waiting while the document moves on: returned for revision, signed
/// another way, issued. Each ends the session with its reason (page, API, audit), its file
/// removed; confirming on the phone afterwards signs nothing; approving ("Ký duyệt") keeps it.
async fn sessions_waiting_on_a_document_that_moves_on_are_cancelled(kind: Kind) {
    let app = served(kind).await;
    let id = awaiting_approval(&app).await;
    app.login(LEADER, PASSWORD).await;

    // Returned for revision while the phone waits.
    let (status, started) = start_remote(&app, LEADER, &id, "test").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let first = started["SessionId"].as_str().unwrap().to_owned();
    assert_eq!(objects_under_sessions(&app).await, 1);
    step(&app, LEADER, &id, "return_for_revision").await;
    let s = session_state(&app, &first).await;
    assert_eq!(s["State"], "cancelled", "{s}");
    assert!(
        s["Detail"]
            .as_str()
            .unwrap()
            .contains("trả lại để chỉnh sửa"),
        "{s}"
    );
    assert_eq!(audit_count(&app, "signature.session_cancel").await, 1);
    assert_eq!(objects_under_sessions(&app).await, 0);
    let (_, html) = app.get(&format!("/office/signing-sessions/{first}")).await;
    assert!(html.contains("data-state=\"cancelled\""), "{html}");
    assert!(html.contains("trả lại để chỉnh sửa"), "{html}");
    assert!(!html.contains("http-equiv=\"refresh\""), "{html}");
    // The provider's request is its own: confirming it now signs nothing here.
    confirm_on_the_phone(&app).await;
    assert_eq!(poll(&app).await, 0);
    assert_eq!(session_state(&app, &first).await["State"], "cancelled");
    assert_eq!(versions(&app, &id).await, 1);

    // Back for approval; signed on the platform while a phone request waits: the request's
    // session ends (it would sign a version that is no longer the latest).
    step(&app, LEADER, &id, "approve_content").await;
    step(&app, crate::document_signing::CLERK, &id, "approve_form").await;
    let (status, started) = start_remote(&app, LEADER, &id, "test").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let second = started["SessionId"].as_str().unwrap().to_owned();
    let (status, version) = sign(&app, LEADER, &id).await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    let s = session_state(&app, &second).await;
    assert_eq!(s["State"], "cancelled", "{s}");
    assert!(
        s["Detail"]
            .as_str()
            .unwrap()
            .contains("thành phiên bản mới"),
        "{s}"
    );
    confirm_on_the_phone(&app).await;
    assert_eq!(poll(&app).await, 0);
    assert_eq!(versions(&app, &id).await, 2);

    // Approved ("Ký duyệt"): still signable, the new request waits; issued: it ends.
    let (status, started) = start_remote(&app, LEADER, &id, "test").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let third = started["SessionId"].as_str().unwrap().to_owned();
    step(&app, LEADER, &id, "sign").await;
    assert_eq!(session_state(&app, &third).await["State"], "pending");
    step(&app, crate::document_signing::CLERK, &id, "issue").await;
    let s = session_state(&app, &third).await;
    assert_eq!(s["State"], "cancelled", "{s}");
    assert!(
        s["Detail"].as_str().unwrap().contains("đã được ban hành"),
        "{s}"
    );
    assert_eq!(audit_count(&app, "signature.session_cancel").await, 3);
    assert_eq!(objects_under_sessions(&app).await, 0);
    // The document page lists none of them as waiting.
    let (_, page) = app.get(&format!("/office/documents/{id}")).await;
    for session in [&first, &second, &third] {
        assert!(
            !page.contains(&format!("data-session=\"{session}\"")),
            "{page}"
        );
    }
}
