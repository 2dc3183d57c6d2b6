//! The approving leader signs an outgoing document's PDF digitally (docs/signatures-design.md
//! §3, slice 5, the platform part), on both databases: through the API and the page (with its
//! confirmation step), the signed file a new version beside the unsigned one, checked
//! TOTAL-PASSED at B-LT (slice 6: the validation data in a DSS revision after the signature, so
//! the check needs no network: online revocation is off here) with a valid timestamp and the
//! demo anchor, and pyHanko's offline long-term check (`validate.py --lt`) agrees; a clerk, another agency's
//! leader and a leader whose certificate is revoked are refused. The clerk then issues it with
//! the agency's digital seal: a second signature by the agency's certificate, the first one
//! still valid; refused on an unsigned PDF or one whose leader signature was broken.

use crate::common;

use axum::http::StatusCode;
use common::{Kind, TestApp, multipart};
use serde_json::{Value, json};

pub(crate) const PASSWORD: &str = "TinhSo@2026";
pub(crate) const DRAFTER: &str = "chuyenvien.hacthanh@tinhso.local";
pub(crate) const LEADER: &str = "lanhdao.hacthanh@tinhso.local";
pub(crate) const CLERK: &str = "vanthu.hacthanh@tinhso.local";
pub(crate) const OTHER_LEADER: &str = "lanhdao.tuphap@tinhso.local";

on_both_kinds!(via app:
    the_leader_signs_the_approved_pdf_as_a_new_version,
    only_the_issuing_agencys_leader_with_a_good_certificate_signs,
    the_clerk_seals_the_leader_signed_pdf_at_issue,
    the_seal_needs_a_valid_signature_of_the_leader,
    a_seal_whose_issue_fails_leaves_no_file_and_no_audit_row,
    without_status_answers_the_signature_stays_b_t_with_a_warning,
);

/// The demo province, its revocation checks not fetched online (nothing serves its URLs here).
async fn app(kind: Kind) -> TestApp {
    TestApp::new_with(kind, |c| c.signatures.online_revocation = false).await
}

/// A one-page decision rendered by the platform.
pub(crate) fn decision_pdf() -> Vec<u8> {
    tinhso_documents::form_pdf(&tinhso_documents::FormDocument {
        issuer_parent: "UBND TỈNH THANH HÓA".into(),
        issuer: "UBND PHƯỜNG HẠC THÀNH".into(),
        place_date: "Thanh Hóa, ngày 29 tháng 11 năm 2026".into(),
        title: "QUYẾT ĐỊNH".into(),
        blocks: vec![tinhso_documents::Block::Paragraph(
            "Điều 1. Ban hành quy chế thử nghiệm ký số.".into(),
        )],
        ..Default::default()
    })
    .unwrap()
}

pub(crate) async fn token(app: &TestApp, email: &str) -> String {
    app.token(email, &["documents"]).await
}

/// Hạc Thành's decision with its PDF, taken to the leader's approval step: its id.
pub(crate) async fn awaiting_approval(app: &TestApp) -> String {
    awaiting_approval_replacing(app, None).await
}

/// The same, the decision replacing issued document `replaces` when given.
async fn awaiting_approval_replacing(app: &TestApp, replaces: Option<&str>) -> String {
    let drafter = token(app, DRAFTER).await;
    let mut draft = json!({
        "TypeName": "decision",
        "Subject": "Ban hành quy chế thử nghiệm ký số",
        "SignerInfo": {"Position": "Chủ tịch", "FullName": "Mai Thị Thu"},
        "To": [{"OrganId": "000.00.14.H56"}]
    });
    if let Some(old) = replaces {
        draft["Replaces"] = json!(old);
    }
    let (status, created) = app
        .api("POST", "/api/v1/documents", Some(&drafter), Some(draft))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["Id"].as_str().unwrap().to_owned();
    let (content_type, body) = multipart(&[], &[("file", "quyet-dinh.pdf", &decision_pdf())]);
    let req = axum::http::Request::post(format!("/api/v1/documents/{id}/versions"))
        .header("authorization", format!("Bearer {drafter}"))
        .header("content-type", content_type)
        .body(axum::body::Body::from(body))
        .unwrap();
    let (status, body) = common::text(app.send(req).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    for (email, action) in [
        (DRAFTER, "submit"),
        (LEADER, "approve_content"),
        (CLERK, "approve_form"),
    ] {
        let (status, doc) = app
            .api(
                "POST",
                &format!("/api/v1/documents/{id}/actions"),
                Some(&token(app, email).await),
                Some(json!({ "Action": action })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{action}: {doc}");
    }
    id
}

pub(crate) async fn sign(app: &TestApp, email: &str, id: &str) -> (StatusCode, Value) {
    app.api(
        "POST",
        &format!("/api/v1/documents/{id}/signatures"),
        Some(&token(app, email).await),
        Some(json!({ "Location": "Thanh Hóa" })),
    )
    .await
}

/// The stored bytes of version `version` of document `id`.
pub(crate) async fn version_bytes(app: &TestApp, id: &str, version: i64) -> Vec<u8> {
    let row = sqlx::query(
        "SELECT storage_key FROM document_versions WHERE document_id = $1 AND version = $2",
    )
    .bind(id)
    .bind(version)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let key: String = sqlx::Row::get(&row, "storage_key");
    tinhso::storage::get(app.state.storage.as_ref(), &key)
        .await
        .unwrap()
        .unwrap()
        .to_vec()
}

/// The API's check of `pdf`.
pub(crate) async fn verified(app: &TestApp, pdf: &[u8]) -> Value {
    let (content_type, body) = multipart(&[], &[("file", "signed.pdf", pdf)]);
    let req = axum::http::Request::post("/api/v1/signatures/verify")
        .header(
            "authorization",
            format!("Bearer {}", token(app, LEADER).await),
        )
        .header("content-type", content_type)
        .body(axum::body::Body::from(body))
        .unwrap();
    let (status, body) = common::text(app.send(req).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap()
}

pub(crate) fn assert_signed_b_lt(report: &Value) {
    assert_eq!(report["Indication"], "TOTAL-PASSED", "{report:#}");
    let signatures = report["Signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 1, "{report:#}");
    let s = &signatures[0];
    assert_eq!(s["Indication"], "TOTAL-PASSED", "{s:#}");
    assert_eq!(s["Level"], "B-LT", "{s:#}");
    assert_eq!(s["TimeProven"], true, "a valid timestamp: {s:#}");
    assert!(s["TimestampTime"].is_string(), "{s:#}");
    assert_eq!(s["DemoAnchor"], true, "{s:#}");
    // The DSS is a revision after the signature, an allowed change.
    assert_eq!(s["CoversWholeFile"], false, "{s:#}");
    assert_eq!(s["LaterRevisions"], 1, "{s:#}");
    assert_eq!(s["ModifiedAfterSigning"], false, "{s:#}");
    let algorithm = s["SignatureAlgorithm"].as_str().unwrap_or_default();
    assert!(algorithm.starts_with("RSASSA-PSS"), "{s:#}");
}

/// pyHanko's validator (`crates/pades/tests/pyhanko/validate.py`, the demo root trusted, no
/// fetching) says each of the `signatures` is valid with a valid timestamp, each covering its
/// revision (a DSS revision follows the last one), also in its long-term mode (`--lt`: the
/// DSS alone, revocation hard-fail: the signatures are LTV-enabled); skipped without pyHanko
/// outside CI (`CI_REQUIRE_PYHANKO=1` makes it required).
pub(crate) async fn pyhanko_accepts(app: &TestApp, pdf: &[u8], signatures: usize) {
    for long_term in [false, true] {
        pyhanko_run(app, pdf, signatures, long_term).await;
    }
}

async fn pyhanko_run(app: &TestApp, pdf: &[u8], signatures: usize, long_term: bool) {
    let row = sqlx::query("SELECT certificate FROM pki_authorities WHERE role = 'root'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let root =
        tinhso_signatures::pki::decode_b64(&sqlx::Row::get::<String, _>(&row, "certificate"))
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("signed.pdf"), pdf).unwrap();
    std::fs::write(dir.path().join("root.der"), root).unwrap();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../pades/tests/pyhanko/validate.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .args(["signed.pdf", "root.der"])
        .args(long_term.then_some("--lt"))
        .current_dir(dir.path())
        .output();
    let required = std::env::var("CI_REQUIRE_PYHANKO").as_deref() == Ok("1");
    let out = match out {
        Ok(out) if out.status.success() => out,
        Ok(out) if required => panic!("pyHanko is required (CI_REQUIRE_PYHANKO=1): {out:?}"),
        Err(e) if required => panic!("python3 is required (CI_REQUIRE_PYHANKO=1): {e}"),
        _ => return,
    };
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), signatures, "{lines:?}");
    for line in &lines {
        assert_eq!(line["bottom_line"], true, "{long_term}: {lines:?}");
        assert_eq!(line["timestamp_valid"], true, "{long_term}: {lines:?}");
        assert_eq!(line["coverage"], "ENTIRE_REVISION", "{lines:?}");
    }
    if long_term {
        assert_eq!(lines[0]["dss"]["vri"], signatures, "{lines:?}");
    }
}

/// What poppler's `pdftotext` reads in `pdf`, the stamps' appearances included (required).
pub(crate) fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("signed.pdf");
    std::fs::write(&path, pdf).unwrap();
    let output = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext is required for these tests (apt-get install poppler-utils)");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

async fn full_name(app: &TestApp, email: &str) -> String {
    let row = sqlx::query("SELECT full_name FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    sqlx::Row::get(&row, "full_name")
}

pub(crate) async fn audit_count(app: &TestApp, action: &str) -> i64 {
    app.count_where("audit_log", "action", action).await
}

async fn the_leader_signs_the_approved_pdf_as_a_new_version(app: TestApp) {
    let id = awaiting_approval(&app).await;

    // Through the API: a new version, the unsigned one kept.
    let (status, version) = sign(&app, LEADER, &id).await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    assert_eq!(version["Version"], 2, "{version}");
    assert_eq!(version["FileName"], "quyet-dinh.signed.pdf");
    assert_eq!(version["MediaType"], "application/pdf");
    let unsigned = version_bytes(&app, &id, 1).await;
    let signed = version_bytes(&app, &id, 2).await;
    assert!(unsigned.starts_with(b"%PDF-") && signed.len() > unsigned.len());
    assert!(
        signed.starts_with(&unsigned),
        "an incremental update keeps every byte"
    );
    assert_signed_b_lt(&verified(&app, &signed).await);
    pyhanko_accepts(&app, &signed, 1).await;
    // The visible signature (Decree 30 Appendix I), with its diacritics.
    let text = pdf_text(&signed);
    let name = full_name(&app, LEADER).await;
    assert!(text.contains(&format!("Ký bởi: {name}")), "{name}: {text}");
    assert!(text.contains("Thời gian ký: 20"), "{text}");
    assert_eq!(audit_count(&app, "signature.sign").await, 1);
    let row = sqlx::query("SELECT after_json FROM audit_log WHERE action = 'signature.sign'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let after: Value =
        serde_json::from_str(&sqlx::Row::get::<String, _>(&row, "after_json")).unwrap();
    assert_eq!(after["level"], "B-LT", "{after}");
    assert!(after["lt_warning"].is_null(), "{after}");
    assert_eq!(audit_count(&app, "document.sign_digitally").await, 1);

    // The document page offers "Ký số" to the leader; a confirmation step first, then a
    // second signature as version 3; the signatures panel shows it valid, DEMO.
    let (status, _, _) = app.login(LEADER, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let page = format!("/office/documents/{id}");
    let (status, html) = app.get(&page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("data-testid=\"doc-sign-digitally\""),
        "{html}"
    );
    let action = format!("{page}/digital-signature");
    let (status, html, _) = app
        .post_form(&page, &action, &[("location", "Thanh Hóa")])
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("data-testid=\"confirm-step\""), "{html}");
    assert_eq!(
        app.count_where("document_versions", "document_id", &id)
            .await,
        2,
        "nothing signed before the confirmation"
    );
    let (status, _, location) = app
        .post_form(
            &page,
            &action,
            &[("location", "Thanh Hóa"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location.as_deref(),
        Some(format!("{page}?done=sign_digitally").as_str())
    );
    let (status, html) = app.get(&format!("{page}/versions/3/signatures")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Hợp lệ"), "{html}");
    assert!(html.contains("DEMO"), "{html}");
    assert!(html.contains("PAdES B-LT"), "{html}");

    // After approval ("Ký duyệt") the leader may still sign the approved version.
    let (status, doc) = app
        .api(
            "POST",
            &format!("/api/v1/documents/{id}/actions"),
            Some(&token(&app, LEADER).await),
            Some(json!({ "Action": "sign" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    let (status, version) = sign(&app, LEADER, &id).await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    assert_eq!(version["Version"], 4);
}

async fn only_the_issuing_agencys_leader_with_a_good_certificate_signs(app: TestApp) {
    let id = awaiting_approval(&app).await;

    // The clerk reads it but is not the competent person: 403.
    let (status, problem) = sign(&app, CLERK, &id).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    // Another agency's leader does not see it: 404.
    let (status, problem) = sign(&app, OTHER_LEADER, &id).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    // The page offers no button to the clerk, and refuses the post.
    let (status, _, _) = app.login(CLERK, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let page = format!("/office/documents/{id}");
    let (_, html) = app.get(&page).await;
    assert!(
        !html.contains("data-testid=\"doc-sign-digitally\""),
        "{html}"
    );
    let (status, html, _) = app
        .post_form(
            &page,
            &format!("{page}/digital-signature"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    app.clear_cookies();

    // A revoked certificate is refused, with the reason.
    let row = sqlx::query(
        "SELECT c.id FROM pki_certificates c JOIN users u ON u.id = c.user_id
          WHERE u.email = $1 AND c.kind = 'person'",
    )
    .bind(LEADER)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let certificate: String = sqlx::Row::get(&row, "id");
    tinhso_signatures::pki::revoke(
        &app.state,
        &tinhso::audit::Actor::system(),
        &certificate,
        tinhso_signatures::pki::Reason::KeyCompromise,
    )
    .await
    .unwrap();
    let (status, problem) = sign(&app, LEADER, &id).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(
        problem
            .to_string()
            .contains("Chứng thư số của bạn đã bị thu hồi"),
        "{problem}"
    );
    assert_eq!(
        app.count_where("document_versions", "document_id", &id)
            .await,
        1,
        "nothing stored"
    );
    assert_eq!(audit_count(&app, "signature.sign").await, 0);
}

pub(crate) async fn act(app: &TestApp, email: &str, id: &str, body: Value) -> (StatusCode, Value) {
    app.api(
        "POST",
        &format!("/api/v1/documents/{id}/actions"),
        Some(&token(app, email).await),
        Some(body),
    )
    .await
}

/// The leader approves ("Ký duyệt") document `id`.
pub(crate) async fn approve(app: &TestApp, id: &str) {
    let (status, doc) = act(app, LEADER, id, json!({ "Action": "sign" })).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
}

/// A serial as the tables keep it: lower-case, no leading zero octets.
pub(crate) fn table_serial(serial: &str) -> String {
    let lower = serial.to_ascii_lowercase();
    let mut rest = lower.as_str();
    while rest.len() > 2 && rest.starts_with("00") {
        rest = &rest[2..];
    }
    rest.to_owned()
}

async fn the_clerk_seals_the_leader_signed_pdf_at_issue(app: TestApp) {
    let id = awaiting_approval(&app).await;
    let (status, version) = sign(&app, LEADER, &id).await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    approve(&app, &id).await;
    let leader_signed = version_bytes(&app, &id, 2).await;
    let before = verified(&app, &leader_signed).await;

    // The clerk issues with the seal: numbered, the sealed file is version 3.
    let (status, doc) = act(&app, CLERK, &id, json!({ "Action": "issue", "Seal": true })).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(doc["State"], "issued", "{doc}");
    let number = format!(
        "{}/{}",
        doc["CodeNumber"].as_str().unwrap(),
        doc["CodeNotation"].as_str().unwrap()
    );
    let row = sqlx::query(
        "SELECT file_name, sha256 FROM document_versions WHERE document_id = $1 AND version = 3",
    )
    .bind(&id)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let file_name: String = sqlx::Row::get(&row, "file_name");
    let sha256: String = sqlx::Row::get(&row, "sha256");
    assert_eq!(file_name, "quyet-dinh.issued.pdf");
    let sealed = version_bytes(&app, &id, 3).await;
    assert!(
        sealed.starts_with(&leader_signed),
        "an incremental update after the leader's"
    );

    // Our check: both valid, the leader's first and unchanged, the agency's second.
    let report = verified(&app, &sealed).await;
    assert_eq!(report["Indication"], "TOTAL-PASSED", "{report:#}");
    let signatures = report["Signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 2, "{report:#}");
    let (first, second) = (&signatures[0], &signatures[1]);
    let was = &before["Signatures"][0];
    for key in [
        "Indication",
        "Level",
        "SignerName",
        "CertificateSerial",
        "ClaimedSigningTime",
        "TimestampTime",
        "SignatureAlgorithm",
    ] {
        assert_eq!(first[key], was[key], "{key}: {first:#} / {was:#}");
    }
    assert_eq!(first["CoversWholeFile"], false, "{first:#}");
    // After the leader's: its DSS, the seal, the seal's DSS.
    assert_eq!(first["LaterRevisions"], 3, "{first:#}");
    assert_eq!(first["ModifiedAfterSigning"], false, "{first:#}");
    assert_eq!(second["Indication"], "TOTAL-PASSED", "{second:#}");
    assert_eq!(second["Level"], "B-LT", "{second:#}");
    assert_eq!(second["TimeProven"], true, "{second:#}");
    assert_eq!(second["CoversWholeFile"], false, "{second:#}");
    assert_eq!(second["LaterRevisions"], 1, "{second:#}");
    assert_eq!(second["DemoAnchor"], true, "{second:#}");
    assert!(
        second["SignatureAlgorithm"]
            .as_str()
            .unwrap_or_default()
            .contains("ECDSA"),
        "{second:#}"
    );
    // The second signer is the agency's own certificate.
    let row = sqlx::query(
        "SELECT c.serial FROM pki_certificates c JOIN users u ON u.agency_id = c.agency_id
          WHERE u.email = $1 AND c.kind = 'agency'",
    )
    .bind(CLERK)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let agency_serial: String = sqlx::Row::get(&row, "serial");
    assert_eq!(
        table_serial(second["CertificateSerial"].as_str().unwrap()),
        agency_serial,
        "{second:#}"
    );
    // Both stamps, with their diacritics: the leader's and the agency's (number, notation).
    let text = pdf_text(&sealed);
    let name = full_name(&app, LEADER).await;
    for line in [
        format!("Ký bởi: {name}"),
        format!("Số, ký hiệu: {number}"),
        "Ngày ban hành: ".to_owned(),
        "Thời gian ký: ".to_owned(),
    ] {
        assert!(text.contains(&line), "{line}: {text}");
    }
    pyhanko_accepts(&app, &sealed, 2).await;

    // Audited, once each; the recipient got the sealed file.
    assert_eq!(audit_count(&app, "signature.sign").await, 1);
    assert_eq!(audit_count(&app, "signature.seal").await, 1);
    assert_eq!(audit_count(&app, "document.issue").await, 1);
    let row = sqlx::query(
        "SELECT v.sha256 FROM document_versions v JOIN documents d ON d.id = v.document_id
          WHERE d.origin_id = $1",
    )
    .bind(&id)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let delivered: String = sqlx::Row::get(&row, "sha256");
    assert_eq!(delivered, sha256, "the recipient's copy is the sealed file");
}

/// Stores `pdf` as the next version of document `id`, as if uploaded (the test's own tamper).
async fn store_raw_version(app: &TestApp, id: &str, version: i64, pdf: Vec<u8>) {
    let key = format!("documents/{id}/tampered-{version}");
    tinhso::storage::put(
        app.state.storage.as_ref(),
        &key,
        bytes::Bytes::from(pdf.clone()),
    )
    .await
    .unwrap();
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&pdf))
    };
    sqlx::query(
        "INSERT INTO document_versions (id, document_id, version, file_name, media_type,
            size_bytes, sha256, storage_key, created_at)
         VALUES ($1, $2, $3, 'quyet-dinh.signed.pdf', 'application/pdf', $4, $5, $6, $7)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(id)
    .bind(version)
    .bind(pdf.len() as i64)
    .bind(sha)
    .bind(key)
    .bind(tinhso::time::now_text())
    .execute(&app.state.db.pool)
    .await
    .unwrap();
}

async fn the_seal_needs_a_valid_signature_of_the_leader(app: TestApp) {
    const REFUSAL: &str = "chưa có chữ ký số hợp lệ của lãnh đạo cơ quan ban hành";
    // An unsigned PDF: the seal is refused, nothing numbered or stored.
    let id = awaiting_approval(&app).await;
    approve(&app, &id).await;
    let seal = json!({ "Action": "issue", "Seal": true });
    let (status, problem) = act(&app, CLERK, &id, seal.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(problem.to_string().contains(REFUSAL), "{problem}");
    // Another agency's official does not see it at all.
    let (status, problem) = act(&app, OTHER_LEADER, &id, seal.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    // The page says why, and keeps the document as it was.
    let (status, _, _) = app.login(CLERK, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let page = format!("/office/documents/{id}");
    let (_, html) = app.get(&page).await;
    assert!(html.contains("data-testid=\"doc-issue-seal\""), "{html}");
    // The confirmation step carries the choice on.
    let (status, html, _) = app
        .post_form(
            &page,
            &format!("{page}/actions"),
            &[("action", "issue"), ("seal", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("data-testid=\"confirm-step\""), "{html}");
    assert!(
        html.contains("<input type=\"hidden\" name=\"seal\" value=\"yes\">"),
        "{html}"
    );
    let (status, html, _) = app
        .post_form(
            &page,
            &format!("{page}/actions"),
            &[("action", "issue"), ("seal", "yes"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains(REFUSAL), "{html}");
    app.clear_cookies();
    let (_, doc) = app
        .api(
            "GET",
            &format!("/api/v1/documents/{id}"),
            Some(&token(&app, CLERK).await),
            None,
        )
        .await;
    assert_eq!(doc["State"], "approved", "{doc}");
    assert!(doc["CodeNumber"].is_null(), "{doc}");
    assert_eq!(
        app.count_where("document_versions", "document_id", &id)
            .await,
        1
    );

    // The leader signs; the signed file is then broken (a byte of the signed part changed) and
    // stored as the latest version: refused again.
    let (status, version) = sign(&app, LEADER, &id).await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    let mut broken = version_bytes(&app, &id, 2).await;
    let start = broken.windows(7).position(|w| w == b"stream\n").unwrap() + 20;
    broken[start] ^= 0x01;
    store_raw_version(&app, &id, 3, broken.clone()).await;
    let report = verified(&app, &broken).await;
    assert_ne!(
        report["Signatures"][0]["Indication"], "TOTAL-PASSED",
        "{report:#}"
    );
    let (status, problem) = act(&app, CLERK, &id, seal).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(problem.to_string().contains(REFUSAL), "{problem}");
    assert_eq!(
        app.count_where("document_versions", "document_id", &id)
            .await,
        3,
        "nothing stored"
    );
    assert_eq!(audit_count(&app, "signature.seal").await, 0);
    assert_eq!(audit_count(&app, "document.issue").await, 0);

    // Issuing without the seal (the paper flow) stays possible.
    let (status, doc) = act(&app, CLERK, &id, json!({ "Action": "issue" })).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(doc["State"], "issued", "{doc}");
    assert_eq!(audit_count(&app, "signature.seal").await, 0);
}

/// The objects stored under document `id`.
fn stored_objects(app: &TestApp, id: &str) -> usize {
    let dir = app.state.config.data_dir.join("files/documents").join(id);
    std::fs::read_dir(dir).map_or(0, |entries| entries.count())
}

async fn a_seal_whose_issue_fails_leaves_no_file_and_no_audit_row(app: TestApp) {
    // An issued decision, and two replacements of it; the first issued marks it replaced.
    let old = awaiting_approval(&app).await;
    approve(&app, &old).await;
    let (status, doc) = act(&app, CLERK, &old, json!({ "Action": "issue" })).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    let first = awaiting_approval_replacing(&app, Some(&old)).await;
    let second = awaiting_approval_replacing(&app, Some(&old)).await;
    for id in [&first, &second] {
        approve(&app, id).await;
    }
    let (status, doc) = act(&app, CLERK, &first, json!({ "Action": "issue" })).await;
    assert_eq!(status, StatusCode::OK, "{doc}");

    // The second is signed by the leader; issuing it with the seal signs it, then fails when
    // the original is found replaced: the issue is refused whole.
    let (status, version) = sign(&app, LEADER, &second).await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    assert_eq!(stored_objects(&app, &second), 2);
    let (status, problem) = act(
        &app,
        CLERK,
        &second,
        json!({ "Action": "issue", "Seal": true }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(
        problem
            .to_string()
            .contains("đã bị thu hồi hoặc thay thế trước đó"),
        "refused after the seal was signed (the replacement is checked last): {problem}"
    );
    assert_eq!(
        app.count_where("document_versions", "document_id", &second)
            .await,
        2
    );
    assert_eq!(
        stored_objects(&app, &second),
        2,
        "the sealed file is removed again"
    );
    assert_eq!(audit_count(&app, "signature.seal").await, 0);
    assert_eq!(audit_count(&app, "signature.sign").await, 1);
}

/// The OCSP responder cannot answer (its key no longer opens): the leader's signature is made
/// all the same, B-T without a DSS, and the audit row says why it is not B-LT.
async fn without_status_answers_the_signature_stays_b_t_with_a_warning(app: TestApp) {
    sqlx::query("UPDATE pki_authorities SET sealed_key = 'broken' WHERE role = 'ocsp'")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let id = awaiting_approval(&app).await;
    let (status, version) = sign(&app, LEADER, &id).await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    let signed = version_bytes(&app, &id, 2).await;
    assert!(
        !signed.windows(9).any(|w| w == b"/Type /DSS"),
        "no DSS was added"
    );
    let report = verified(&app, &signed).await;
    let s = &report["Signatures"][0];
    assert_eq!(s["Indication"], "TOTAL-PASSED", "{s:#}");
    assert_eq!(s["Level"], "B-T", "{s:#}");
    assert_eq!(s["CoversWholeFile"], true, "{s:#}");
    let row = sqlx::query("SELECT after_json FROM audit_log WHERE action = 'signature.sign'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let after: Value =
        serde_json::from_str(&sqlx::Row::get::<String, _>(&row, "after_json")).unwrap();
    assert_eq!(after["level"], "B-T", "{after}");
    assert!(
        after["lt_warning"]
            .as_str()
            .unwrap_or_default()
            .contains("OCSP"),
        "{after}"
    );
}
