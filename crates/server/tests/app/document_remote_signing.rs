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
    the_clerk_seals_on_the_phone_and_the_document_is_issued_on_the_reserved_number,
    a_seal_refused_expired_or_overtaken_leaves_its_number_unused,
    bad_seal_requests_are_refused_and_reserve_nothing,
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
async fn assert_phone_is_empty(app: &TestApp) {
    let (phone, requests) = on_the_phone(app).await;
    assert!(requests.is_empty(), "{phone}");
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
    let (_, asked) = on_the_phone(&app).await;
    assert_eq!(asked.len(), 1);
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
    // The provider's request is withdrawn: the phone asks no more, and confirming it is
    // refused with the reason.
    assert_phone_is_empty(&app).await;
    let (status, html, _) = app
        .post_form(
            "/test-remote-signing/phone",
            &format!("/office/test-remote-signing/requests/{}/confirm", asked[0]),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{html}");
    assert!(html.contains("rút lại"), "{html}");
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
    assert_phone_is_empty(&app).await;
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

// ---------------------------------------------------------------------------------------------
// The agency's seal from a remote provider (docs/signatures-design.md §4): "Ban hành" reserves
// the number, the document clerk confirms on the phone, and the document is issued.

/// A leader-signed, approved document waiting for its issue.
async fn ready_to_issue(app: &TestApp) -> String {
    let id = awaiting_approval(app).await;
    let (status, version) = sign(app, LEADER, &id).await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    let (status, doc) = act(app, LEADER, &id, json!({ "Action": "sign" })).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    id
}

async fn start_seal(app: &TestApp, email: &str, id: &str, body: Value) -> (StatusCode, Value) {
    app.api(
        "POST",
        &format!("/api/v1/documents/{id}/seal"),
        Some(&app.token(email, &["documents"]).await),
        Some(body),
    )
    .await
}

/// Document `id`'s reservations: (number, state, reason), oldest first.
async fn reservations(app: &TestApp, id: &str) -> Vec<(i64, String, Option<String>)> {
    sqlx::query_as(
        "SELECT number, state, reason FROM doc_number_reservations WHERE document_id = $1
          ORDER BY created_at, id",
    )
    .bind(id)
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap()
}

async fn document(app: &TestApp, id: &str) -> Value {
    let (status, doc) = app
        .api(
            "GET",
            &format!("/api/v1/documents/{id}"),
            Some(&app.token(CLERK, &["documents"]).await),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    doc
}

/// Answers the signed-in clerk's only request on the phone (`confirm` or `refuse`).
async fn answer_on_the_phone(app: &TestApp, answer: &str) {
    let (phone, requests) = on_the_phone(app).await;
    assert_eq!(requests.len(), 1, "{phone}");
    let (status, _, _) = app
        .post_form(
            "/test-remote-signing/phone",
            &format!(
                "/office/test-remote-signing/requests/{}/{answer}",
                requests[0]
            ),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

async fn the_clerk_seals_on_the_phone_and_the_document_is_issued_on_the_reserved_number(
    kind: Kind,
) {
    let app = served(kind).await;
    let id = ready_to_issue(&app).await;
    app.login(CLERK, PASSWORD).await;

    // The page offers the agency's key at the provider beside the server's.
    let (_, page) = app.get(&format!("/office/documents/{id}")).await;
    assert!(page.contains("doc-issue-seal-key"), "{page}");
    assert!(page.contains("value=\"remote:test\""), "{page}");
    assert!(page.contains("desk-sign --server"), "{page}");

    // "Ban hành" with the seal at the provider: confirmed, then the session's page.
    let (status, _, location) = app
        .post_form(
            &format!("/office/documents/{id}"),
            &format!("/office/documents/{id}/actions"),
            &[
                ("action", "issue"),
                ("seal", "yes"),
                ("seal_key", "remote:test"),
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

    // The number is reserved, not yet issued; the page says what it waits for.
    let reserved = reservations(&app, &id).await;
    assert_eq!(reserved.len(), 1);
    assert_eq!(reserved[0].1, "pending");
    let doc = document(&app, &id).await;
    assert_eq!(doc["State"], "approved", "{doc}");
    let (_, page) = app.get(&format!("/office/documents/{id}")).await;
    assert!(page.contains("doc-seal-waiting"), "{page}");
    assert_eq!(audit_count(&app, "document.number_reserve").await, 1);
    // Another issue meanwhile is refused: the seal is on its way.
    let (status, problem) = act(&app, CLERK, &id, json!({ "Action": "issue", "Seal": true })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("đang chờ đóng dấu số"),
        "{problem}"
    );

    // The phone shows the number; the agency's certificate signs once confirmed.
    let (phone, _) = on_the_phone(&app).await;
    assert!(phone.contains("Đóng dấu số: "), "{phone}");
    answer_on_the_phone(&app, "confirm").await;
    assert_eq!(poll(&app).await, 1);
    let s = session_state_of(&app, CLERK, &session).await;
    assert_eq!(s["State"], "signed", "{s}");

    // Issued on the reserved number, with the sealed file as version 3.
    let doc = document(&app, &id).await;
    assert_eq!(doc["State"], "issued", "{doc}");
    let number: i64 = doc["CodeNumber"].as_str().unwrap().parse().unwrap();
    assert_eq!(number, reserved[0].0);
    assert_eq!(reservations(&app, &id).await[0].1, "used");
    assert_eq!(versions(&app, &id).await, 3);
    let leader_signed = version_bytes(&app, &id, 2).await;
    let sealed = version_bytes(&app, &id, 3).await;
    assert!(sealed.starts_with(&leader_signed), "an incremental update");
    let report = verified(&app, &sealed).await;
    assert_eq!(report["Indication"], "TOTAL-PASSED", "{report:#}");
    let signatures = report["Signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 2, "{report:#}");
    assert_eq!(signatures[1]["Level"], "B-LT", "{report:#}");
    let agency_serial: String = sqlx::query_scalar(
        "SELECT c.serial FROM pki_certificates c JOIN users u ON u.agency_id = c.agency_id
          WHERE u.email = $1 AND c.kind = 'agency'",
    )
    .bind(CLERK)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(
        crate::document_signing::table_serial(signatures[1]["CertificateSerial"].as_str().unwrap()),
        agency_serial,
        "the agency's certificate sealed it: {report:#}"
    );
    pyhanko_accepts(&app, &sealed, 2).await;
    // Audited once each: the seal as the agency's, the issue.
    assert_eq!(audit_count(&app, "document.issue").await, 1);
    let row = sqlx::query(
        "SELECT after_json FROM audit_log WHERE action = 'signature.sign' ORDER BY seq DESC",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let after: Value =
        serde_json::from_str(&sqlx::Row::get::<String, _>(&row, "after_json")).unwrap();
    assert_eq!(after["kind"], "agency", "{after}");
    // The recipient on the platform got the sealed file.
    let delivered: String = sqlx::query_scalar(
        "SELECT v.sha256 FROM document_versions v JOIN documents d ON d.id = v.document_id
          WHERE d.origin_id = $1",
    )
    .bind(&id)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let sealed_sha: String = sqlx::query_scalar(
        "SELECT sha256 FROM document_versions WHERE document_id = $1 AND version = 3",
    )
    .bind(&id)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(delivered, sealed_sha);
    assert_eq!(objects_under_sessions(&app).await, 0);
}

async fn session_state_of(app: &TestApp, email: &str, session: &str) -> Value {
    let (status, s) = app
        .api(
            "GET",
            &format!("/api/v1/signing-sessions/{session}"),
            Some(&app.token(email, &["documents"]).await),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    s
}

async fn a_seal_refused_expired_or_overtaken_leaves_its_number_unused(kind: Kind) {
    let app = served(kind).await;
    let id = ready_to_issue(&app).await;
    app.login(CLERK, PASSWORD).await;

    // Refused on the phone: the number is recorded as not used, with the reason.
    let (status, started) = start_seal(&app, CLERK, &id, json!({ "Remote": "test" })).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    answer_on_the_phone(&app, "refuse").await;
    assert_eq!(poll(&app).await, 1);
    let r = reservations(&app, &id).await;
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].1, "unused", "{r:?}");
    assert!(
        r[0].2.as_deref().unwrap_or_default().contains("từ chối"),
        "{r:?}"
    );
    assert_eq!(document(&app, &id).await["State"], "approved");
    assert_eq!(audit_count(&app, "document.number_unused").await, 1);

    // Expired: the same.
    let (status, started) = start_seal(&app, CLERK, &id, json!({ "Remote": "test" })).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    for table in ["signing_sessions", "test_remote_requests"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {table} SET expires_at = '2026-01-01T00:00:00Z' WHERE state = 'pending'"
        )))
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    }
    assert_eq!(poll(&app).await, 1);
    let r = reservations(&app, &id).await;
    assert_eq!(r[1].1, "unused", "{r:?}");
    assert_eq!(r[1].0, r[0].0 + 1, "a number is never reused: {r:?}");

    // Overtaken: the clerk returns the document while its seal waits; the session is
    // cancelled and the number not used.
    let (status, started) = start_seal(&app, CLERK, &id, json!({ "Remote": "test" })).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let session = started["SessionId"].as_str().unwrap().to_owned();
    let (status, doc) = act(
        &app,
        CLERK,
        &id,
        json!({ "Action": "return_for_revision", "Note": "Sai thể thức" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(
        session_state_of(&app, CLERK, &session).await["State"],
        "cancelled"
    );
    let r = reservations(&app, &id).await;
    assert_eq!(r[2].1, "unused", "{r:?}");
    assert!(
        r[2].2.as_deref().unwrap_or_default().contains("trả lại"),
        "{r:?}"
    );
    assert_eq!(audit_count(&app, "document.number_unused").await, 3);
    // Its request is withdrawn from the phone; nothing is issued.
    assert_phone_is_empty(&app).await;
    assert_eq!(poll(&app).await, 0);
    assert_eq!(document(&app, &id).await["State"], "in_review");
    assert_eq!(audit_count(&app, "document.issue").await, 0);

    // Back through the flow and issued with the server's key: the next number, the three
    // unused ones left in the register's log.
    for (email, action) in [(LEADER, "approve_content"), (CLERK, "approve_form")] {
        let (status, doc) = act(&app, email, &id, json!({ "Action": action })).await;
        assert_eq!(status, StatusCode::OK, "{action}: {doc}");
    }
    let (status, doc) = act(&app, LEADER, &id, json!({ "Action": "sign" })).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    let (status, doc) = act(&app, CLERK, &id, json!({ "Action": "issue", "Seal": true })).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    let number: i64 = doc["CodeNumber"].as_str().unwrap().parse().unwrap();
    assert_eq!(number, r[2].0 + 1);
    let unused: i64 = app
        .count("SELECT COUNT(*) FROM doc_number_reservations WHERE state = 'unused'")
        .await;
    assert_eq!(unused, 3);
    assert_eq!(objects_under_sessions(&app).await, 0);
}

async fn bad_seal_requests_are_refused_and_reserve_nothing(kind: Kind) {
    let app = served(kind).await;
    let id = ready_to_issue(&app).await;

    // Neither key, both keys, an unknown provider: 422, in Vietnamese.
    for body in [
        json!({}),
        json!({ "Remote": "test", "DeskCertificate": "AAAA" }),
        json!({ "Remote": "vnpt-khong-co" }),
    ] {
        let (status, problem) = start_seal(&app, CLERK, &id, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {problem}"
        );
        assert!(
            problem["detail"].is_string() || problem["errors"].is_array(),
            "{problem}"
        );
    }
    // A token certificate that is not the agency's (the leader's own): refused before any
    // number is taken.
    let leader_certificate: String = sqlx::query_scalar(
        "SELECT c.certificate FROM pki_certificates c JOIN users u ON u.id = c.user_id
          WHERE u.email = $1 AND c.kind = 'person'",
    )
    .bind(LEADER)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let (status, problem) = start_seal(
        &app,
        CLERK,
        &id,
        json!({ "DeskCertificate": leader_certificate }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        problem
            .to_string()
            .contains("không phải chứng thư số của cơ quan ban hành"),
        "{problem}"
    );
    assert!(reservations(&app, &id).await.is_empty());
    // Not the clerk: the leader is refused (403), a stranger learns nothing (404).
    let (status, _) = start_seal(&app, LEADER, &id, json!({ "Remote": "test" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = start_seal(
        &app,
        "motcua.tuphap@tinhso.local",
        &id,
        json!({ "Remote": "test" }),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A document the leader has not signed digitally: 409, nothing reserved.
    let unsigned = awaiting_approval(&app).await;
    let (status, doc) = act(&app, LEADER, &unsigned, json!({ "Action": "sign" })).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    let reserved = "SELECT COUNT(*) FROM doc_number_reservations";
    let before = app.count(reserved).await;
    let (status, problem) = start_seal(&app, CLERK, &unsigned, json!({ "Remote": "test" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(app.count(reserved).await, before);
    assert_eq!(document(&app, &unsigned).await["State"], "approved");
}
