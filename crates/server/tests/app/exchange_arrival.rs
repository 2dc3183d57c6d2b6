//! The signatures of a received package's PDF files, checked on arrival
//! (docs/signatures-design.md §7, "Signatures on arrival"), on both databases: a package whose
//! PDF was changed after signing is refused (422 in Vietnamese) with nothing registered, stored
//! or queued; a good one is registered and its receiving clerk sees the verified signature on
//! the document's page and through the API; one whose signer's root is not trusted is
//! registered with the warning; an unsigned PDF is registered and said to be unsigned. An
//! appendix in a separate file (named in `OtherInfo/Appendixes`) is checked the same way: a
//! tampered one refuses the package, a good one is registered as the document's appendix with
//! its check.

use crate::common::{Kind, TestApp};
use crate::document_signing::{LEADER, PASSWORD, awaiting_approval, sign, version_bytes};
use crate::exchange::{Signed, VPCP, exchanged, package, peer, peer_key, pem_file, post};
use axum::http::StatusCode;
use serde_json::Value;

on_both_kinds!(
    a_tampered_signed_pdf_is_refused_and_a_good_one_registered_with_its_signatures,
    an_untrusted_root_or_an_unsigned_pdf_is_registered_with_a_warning,
    an_appendix_is_checked_on_arrival_and_registered_as_one,
);

const CLERK: &str = "vanthu.tuphap@tinhso.local";

/// The demo province receiving from peer `vpcp`, its revocation answers not fetched online
/// (the signed files carry them: B-LT).
async fn receiver(kind: Kind) -> (TestApp, tempfile::TempDir) {
    let keys = tempfile::tempdir().unwrap();
    let cert = pem_file(keys.path(), "vpcp.pem", &peer_key());
    let app = TestApp::new_with(kind, |c| {
        c.signatures.online_revocation = false;
        c.exchange.peers = vec![peer("vpcp", "http://127.0.0.1:9", &[VPCP], cert)];
    })
    .await;
    (app, keys)
}

/// A decision signed by Hạc Thành's leader with the platform's (demo, trusted) CA.
async fn signed_pdf(app: &TestApp) -> Vec<u8> {
    let id = awaiting_approval(app).await;
    let (status, version) = sign(app, LEADER, &id).await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    version_bytes(app, &id, 2).await
}

/// `pdf` with one byte inside its first content stream changed: the structure intact, the
/// signed bytes not.
fn tampered(pdf: &[u8]) -> Vec<u8> {
    let at = pdf
        .windows(7)
        .position(|w| w == b"stream\n" || w == b"stream\r")
        .expect("a stream")
        + 20;
    let mut out = pdf.to_vec();
    out[at] ^= 0x01;
    out
}

async fn send_pdf(app: &TestApp, subject: &str, pdf: &[u8]) -> (StatusCode, Value) {
    let mut p = package(VPCP, subject);
    p.attachments[0].content = pdf.to_vec();
    let key = peer_key();
    let body = p.to_signed_xml(&key).unwrap();
    post(app, &Signed::now("vpcp", &key), &body).await
}

async fn incoming(app: &TestApp, answer: &Value) -> Value {
    let id = answer["Registered"][0]["DocumentId"].as_str().unwrap();
    let clerk = app.token(CLERK, &["documents"]).await;
    let (status, doc) = app
        .api(
            "GET",
            &format!("/api/v1/documents/{id}"),
            Some(&clerk),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    doc
}

async fn a_tampered_signed_pdf_is_refused_and_a_good_one_registered_with_its_signatures(
    kind: Kind,
) {
    let (app, _keys) = receiver(kind).await;
    let pdf = signed_pdf(&app).await;
    let leader_name: String = sqlx::query_scalar("SELECT full_name FROM users WHERE email = $1")
        .bind(LEADER)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let jobs = || app.count("SELECT COUNT(*) FROM jobs WHERE kind = 'exchange.deliver'");
    let (jobs_before, versions_before) = (
        jobs().await,
        app.count("SELECT COUNT(*) FROM document_versions").await,
    );

    // Changed after signing: refused, in Vietnamese, naming the file, the signature and why.
    let (status, problem) = send_pdf(&app, "V/v văn bản bị sửa sau khi ký", &tampered(&pdf)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("không hợp lệ"), "{detail}");
    assert!(detail.contains("1234-VPCP-KSTT.pdf"), "{detail}");
    assert!(detail.contains("chữ ký thứ 1"), "{detail}");
    assert!(detail.contains("giá trị băm không khớp"), "{detail}");
    assert!(detail.contains("không vào sổ"), "{detail}");
    assert_eq!(exchanged(&app).await, 0, "nothing registered");
    assert_eq!(jobs().await, jobs_before, "no status queued");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM document_versions").await,
        versions_before
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM document_arrival_checks")
            .await,
        0
    );
    assert_eq!(
        app.count_where("audit_log", "action", "document.exchange_receive")
            .await,
        0
    );

    // The file as signed: registered, its signature verified and kept.
    let (status, answer) = send_pdf(&app, "V/v văn bản ký số hợp lệ", &pdf).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    assert_eq!(exchanged(&app).await, 1);
    let doc = incoming(&app, &answer).await;
    let files = doc["ArrivalSignatures"]
        .as_array()
        .expect("checked on arrival");
    assert_eq!(files.len(), 1, "{doc}");
    assert_eq!(files[0]["FileName"], "1234-VPCP-KSTT.pdf");
    assert_eq!(files[0]["Indication"], "TOTAL-PASSED", "{doc}");
    assert_eq!(files[0]["IndicationLabel"], "Hợp lệ");
    let s = &files[0]["Signatures"][0];
    assert_eq!(s["Signer"], leader_name.as_str(), "{s}");
    assert_eq!(s["Agency"], false);
    assert_eq!(s["Integrity"], true);
    assert_eq!(s["Trusted"], true);
    assert_eq!(s["Demo"], true);
    assert_eq!(s["Level"], "B-LT");
    assert_eq!(s["TimeProven"], true);

    // The receiving clerk's page shows it.
    let (status, _, _) = app.login(CLERK, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, html) = app
        .get(&format!(
            "/office/documents/{}",
            doc["Id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    let panel = html
        .split("data-testid=\"doc-arrival-signatures\"")
        .nth(1)
        .expect("the arrival panel");
    assert!(panel.contains("Chữ ký số khi nhận liên thông"), "{panel}");
    assert!(panel.contains(&leader_name), "{panel}");
    assert!(panel.contains("Chữ ký số của người ký"), "{panel}");
    assert!(panel.contains("nguyên vẹn từ khi ký"), "{panel}");
    assert!(panel.contains("Hợp lệ"), "{panel}");
}

async fn an_untrusted_root_or_an_unsigned_pdf_is_registered_with_a_warning(kind: Kind) {
    let (app, _keys) = receiver(kind).await;
    let pdf = signed_pdf(&app).await;
    // The demo root no longer trusted: the signer's root is unknown here.
    sqlx::query("UPDATE settings SET value = 'off' WHERE key = 'signatures.trust_demo_ca'")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let (status, answer) = send_pdf(&app, "V/v chứng thư gốc chưa tin cậy", &pdf).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    let doc = incoming(&app, &answer).await;
    let file = &doc["ArrivalSignatures"][0];
    assert_eq!(file["Indication"], "INDETERMINATE", "{doc}");
    assert!(
        file["Note"]
            .as_str()
            .unwrap()
            .contains("văn thư cần kiểm tra lại")
    );
    let s = &file["Signatures"][0];
    assert_eq!(s["Integrity"], true);
    assert_eq!(s["Trusted"], false);
    let said: Vec<String> = s["Reasons"]
        .as_array()
        .unwrap()
        .iter()
        .chain(s["Warnings"].as_array().unwrap())
        .map(|r| r.as_str().unwrap().to_owned())
        .collect();
    assert!(
        !said.is_empty(),
        "why it is not trusted, in Vietnamese: {s}"
    );

    // A PDF without a signature: registered, said so.
    let (status, answer) = send_pdf(
        &app,
        "V/v văn bản không ký số",
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    let doc = incoming(&app, &answer).await;
    let file = &doc["ArrivalSignatures"][0];
    assert!(
        ["NO-SIGNATURE", "UNCHECKED"].contains(&file["Indication"].as_str().unwrap()),
        "{doc}"
    );
    assert!(
        file["Note"].as_str().is_some_and(|n| !n.is_empty()),
        "{doc}"
    );
    assert_eq!(exchanged(&app).await, 2);
}

/// The package of [`package`] with `appendix` as its appendix in a separate file, named in
/// `OtherInfo/Appendixes` as our packages name theirs.
fn with_appendix(subject: &str, appendix: &[u8]) -> tinhso_edxml::Package {
    let mut p = package(VPCP, subject);
    p.references.push(tinhso_edxml::ManifestReference {
        content_id: "cid:phu-luc-1".into(),
        content_type: "application/pdf".into(),
        description: Some("Phụ lục I. Danh sách".into()),
        attachment_name: "phu-luc-1.pdf".into(),
    });
    p.attachments.push(tinhso_edxml::Attachment {
        content_id: "cid:phu-luc-1".into(),
        attachment_name: "phu-luc-1.pdf".into(),
        description: Some("Phụ lục I. Danh sách".into()),
        content_type: "application/pdf".into(),
        content: appendix.to_vec(),
    });
    p.other_info.appendixes = vec!["phu-luc-1.pdf".into()];
    p
}

async fn an_appendix_is_checked_on_arrival_and_registered_as_one(kind: Kind) {
    let (app, _keys) = receiver(kind).await;
    let pdf = signed_pdf(&app).await;
    let key = peer_key();
    let appendices_before = app.count("SELECT COUNT(*) FROM document_appendices").await;

    // A tampered appendix refuses the package, naming it; nothing is registered.
    let body = with_appendix("V/v phụ lục bị sửa", &tampered(&pdf))
        .to_signed_xml(&key)
        .unwrap();
    let (status, problem) = post(&app, &Signed::now("vpcp", &key), &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("phu-luc-1.pdf"), "{detail}");
    assert!(detail.contains("không vào sổ"), "{detail}");
    assert_eq!(exchanged(&app).await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM document_appendices").await,
        appendices_before
    );

    // The good one: registered as the document's appendix, its signature checked and kept.
    let body = with_appendix("V/v văn bản kèm phụ lục", &pdf)
        .to_signed_xml(&key)
        .unwrap();
    let (status, answer) = post(&app, &Signed::now("vpcp", &key), &body).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    let doc = incoming(&app, &answer).await;
    assert_eq!(doc["Versions"].as_array().unwrap().len(), 1, "{doc}");
    assert_eq!(doc["Versions"][0]["FileName"], "1234-VPCP-KSTT.pdf");
    let appendices = doc["Appendices"].as_array().unwrap();
    assert_eq!(appendices.len(), 1, "{doc}");
    assert_eq!(appendices[0]["FileName"], "phu-luc-1.pdf");
    assert_eq!(appendices[0]["Title"], "Phụ lục I. Danh sách");
    let files = doc["ArrivalSignatures"].as_array().unwrap();
    assert_eq!(
        files.len(),
        2,
        "the document's file, then its appendix: {doc}"
    );
    assert_eq!(files[1]["FileName"], "phu-luc-1.pdf");
    assert_eq!(files[1]["Indication"], "TOTAL-PASSED", "{doc}");
    assert_eq!(files[1]["Signatures"][0]["Integrity"], true);

    // The receiving clerk sees the appendix and its check on the page.
    let (status, _, _) = app.login(CLERK, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, html) = app
        .get(&format!(
            "/office/documents/{}",
            doc["Id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    let section = html
        .split("data-testid=\"doc-appendices\"")
        .nth(1)
        .expect("the appendices");
    assert!(section.contains("phu-luc-1.pdf"), "{section}");
    let panel = html
        .split("data-testid=\"doc-arrival-signatures\"")
        .nth(1)
        .expect("the arrival panel");
    assert!(panel.contains("phu-luc-1.pdf"), "{panel}");
}
