//! Appendices in separate files (phụ lục; Decree 30/2020 Appendix I, docs/signatures-design.md
//! §3 "Appendices"), on both databases: the drafter adds, lists and removes them while the
//! document is a draft, through the API and the page; wrong files are refused in Vietnamese
//! (not a PDF, too large, a PDF the agency could not sign, a title too long), as are other
//! people and a document past its draft. At an issue with the seal each appendix is signed by
//! the agency — our verifier and pyHanko both say valid, and `pdftotext` finds the number and
//! notation and the ISO 8601 signing time in the first page's top right corner — and the
//! recipient's copy carries the signed files; one appendix that cannot be signed refuses the
//! issue as a whole, leaving nothing behind.

use crate::common::{self, Kind, TestApp, multipart};
use crate::document_signing::{
    CLERK, DRAFTER, LEADER, OTHER_LEADER, PASSWORD, act, approve, audit_count, decision_pdf,
    pdf_text, pyhanko_accepts, sign, table_serial, token, verified,
};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

on_both_kinds!(via app:
    the_drafter_adds_lists_and_removes_appendices_of_a_draft,
    the_seal_signs_each_appendix_top_right_with_the_number_and_time,
    an_appendix_that_cannot_be_signed_refuses_the_whole_issue,
);

/// The demo province, its revocation checks not fetched online (nothing serves its URLs here).
async fn app(kind: Kind) -> TestApp {
    TestApp::new_with(kind, |c| c.signatures.online_revocation = false).await
}

/// An appendix rendered by the platform: a title and a table-like paragraph.
fn appendix_pdf(title: &str) -> Vec<u8> {
    tinhso_documents::form_pdf(&tinhso_documents::FormDocument {
        issuer_parent: "UBND TỈNH THANH HÓA".into(),
        issuer: "UBND PHƯỜNG HẠC THÀNH".into(),
        title: title.into(),
        blocks: vec![tinhso_documents::Block::Paragraph(
            "Danh mục thủ tục hành chính thử nghiệm ký số phụ lục.".into(),
        )],
        ..Default::default()
    })
    .unwrap()
}

/// Hạc Thành's draft decision with its PDF (version 1), not yet submitted: its id.
async fn draft(app: &TestApp) -> String {
    let drafter = token(app, DRAFTER).await;
    let (status, created) = app
        .api(
            "POST",
            "/api/v1/documents",
            Some(&drafter),
            Some(json!({
                "TypeName": "decision",
                "Subject": "Ban hành danh mục thủ tục kèm phụ lục",
                "SignerInfo": {"Position": "Chủ tịch", "FullName": "Mai Thị Thu"},
                "To": [{"OrganId": "000.00.14.H56"}]
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["Id"].as_str().unwrap().to_owned();
    let (content_type, body) = multipart(&[], &[("file", "quyet-dinh.pdf", &decision_pdf())]);
    let req = Request::post(format!("/api/v1/documents/{id}/versions"))
        .header(header::AUTHORIZATION, format!("Bearer {drafter}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    let (status, body) = common::text(app.send(req).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    id
}

/// Posts an appendix as `email` through the API.
async fn upload(
    app: &TestApp,
    email: &str,
    id: &str,
    name: &str,
    bytes: &[u8],
    title: Option<&str>,
) -> (StatusCode, Value) {
    let fields: Vec<(&str, &str)> = title.map(|t| vec![("Title", t)]).unwrap_or_default();
    let (content_type, body) = multipart(&fields, &[("file", name, bytes)]);
    let req = Request::post(format!("/api/v1/documents/{id}/appendices"))
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", token(app, email).await),
        )
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    let (status, body) = common::text(app.send(req).await).await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

async fn listed(app: &TestApp, email: &str, id: &str) -> Value {
    let (status, list) = app
        .api(
            "GET",
            &format!("/api/v1/documents/{id}/appendices"),
            Some(&token(app, email).await),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list
}

/// An appendix's file through the API, as `email`.
async fn appendix_bytes(app: &TestApp, email: &str, id: &str, appendix: &str) -> Vec<u8> {
    let req = Request::get(format!("/api/v1/documents/{id}/appendices/{appendix}/file"))
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", token(app, email).await),
        )
        .body(Body::empty())
        .unwrap();
    let resp = app.send(req).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()[header::CONTENT_TYPE].to_str().unwrap(),
        "application/pdf"
    );
    http_body_util::BodyExt::collect(resp.into_body())
        .await
        .unwrap()
        .to_bytes()
        .to_vec()
}

async fn remove(app: &TestApp, email: &str, id: &str, appendix: &str) -> (StatusCode, Value) {
    app.api(
        "DELETE",
        &format!("/api/v1/documents/{id}/appendices/{appendix}"),
        Some(&token(app, email).await),
        None,
    )
    .await
}

fn detail(problem: &Value) -> String {
    problem.to_string()
}

async fn the_drafter_adds_lists_and_removes_appendices_of_a_draft(app: TestApp) {
    let id = draft(&app).await;
    let first = appendix_pdf("PHỤ LỤC I");
    let second = appendix_pdf("PHỤ LỤC II");

    // Two appendices through the API, in order, with their titles.
    let (status, a1) = upload(
        &app,
        DRAFTER,
        &id,
        "phu-luc-1.pdf",
        &first,
        Some("Phụ lục I. Danh mục thủ tục"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{a1}");
    assert_eq!(a1["Position"], 1, "{a1}");
    assert_eq!(a1["Title"], "Phụ lục I. Danh mục thủ tục");
    assert_eq!(a1["FileName"], "phu-luc-1.pdf");
    assert_eq!(a1["MediaType"], "application/pdf");
    assert_eq!(a1["SizeBytes"], first.len());
    assert!(a1["SignedAt"].is_null(), "{a1}");
    let (status, a2) = upload(&app, DRAFTER, &id, "phu-luc-2.pdf", &second, None).await;
    assert_eq!(status, StatusCode::CREATED, "{a2}");
    assert_eq!(a2["Position"], 2, "{a2}");
    assert!(a2["Title"].is_null());
    let list = listed(&app, DRAFTER, &id).await;
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    assert_eq!(list[0]["Id"], a1["Id"]);
    assert_eq!(list[1]["Id"], a2["Id"]);
    let (_, doc) = app
        .api(
            "GET",
            &format!("/api/v1/documents/{id}"),
            Some(&token(&app, DRAFTER).await),
            None,
        )
        .await;
    assert_eq!(doc["Appendices"].as_array().unwrap().len(), 2, "{doc}");
    assert_eq!(doc["Versions"].as_array().unwrap().len(), 1, "{doc}");
    let a1_id = a1["Id"].as_str().unwrap();
    assert_eq!(appendix_bytes(&app, DRAFTER, &id, a1_id).await, first);
    // The leader of the issuing agency reads them too.
    assert_eq!(listed(&app, LEADER, &id).await.as_array().unwrap().len(), 2);
    assert_eq!(audit_count(&app, "document.appendix_add").await, 2);

    // Wrong files, in Vietnamese, and nothing recorded.
    let png: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
    let (status, problem) = upload(&app, DRAFTER, &id, "anh.png", png, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        detail(&problem).contains("Tệp “anh.png” không phải PDF."),
        "{problem}"
    );
    let (status, problem) =
        upload(&app, DRAFTER, &id, "ghi-chu.pdf", b"chi la van ban", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(detail(&problem).contains("không phải PDF"), "{problem}");
    // A file that says it is a PDF but that no signer can read: refused now, not at issue.
    let broken = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    let (status, problem) = upload(&app, DRAFTER, &id, "hong.pdf", broken, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        detail(&problem).contains("không dùng được làm phụ lục"),
        "{problem}"
    );
    assert!(
        detail(&problem).contains("Không đọc được tệp PDF"),
        "{problem}"
    );
    // An encrypted PDF (qpdf, required by the signing tests): the agency could not sign it.
    let encrypted = encrypt(&first);
    let (status, problem) = upload(&app, DRAFTER, &id, "mat-khau.pdf", &encrypted, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(detail(&problem).contains("mã hóa"), "{problem}");
    // Over the platform's 10 MB.
    let mut large = first.clone();
    large.resize(10 * 1024 * 1024 + 1, b' ');
    let (status, problem) = upload(&app, DRAFTER, &id, "lon.pdf", &large, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(detail(&problem).contains("lớn hơn 10 MB"), "{problem}");
    let long = "P".repeat(251);
    let (status, problem) = upload(&app, DRAFTER, &id, "dai.pdf", &first, Some(&long)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "Title", "{problem}");
    assert_eq!(
        app.count_where("document_appendices", "document_id", &id)
            .await,
        2,
        "nothing recorded for a refused file"
    );

    // Only the drafter: the leader reads but may not add (403), another agency does not see it.
    let (status, problem) = upload(&app, LEADER, &id, "x.pdf", &first, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    let (status, problem) = upload(&app, OTHER_LEADER, &id, "x.pdf", &first, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    let (status, problem) = remove(&app, OTHER_LEADER, &id, a1_id).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    let (status, _) = app
        .api(
            "GET",
            &format!("/api/v1/documents/{id}/appendices"),
            Some(&token(&app, OTHER_LEADER).await),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Removed: gone from the list and from the object store, audited; an unknown one is 404.
    let key: String =
        sqlx::query_scalar("SELECT storage_key FROM document_appendices WHERE id = $1")
            .bind(a1_id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    let (status, _) = remove(&app, DRAFTER, &id, a1_id).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let list = listed(&app, DRAFTER, &id).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["Position"], 2);
    assert!(
        tinhso::storage::get(app.state.storage.as_ref(), &key)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(audit_count(&app, "document.appendix_remove").await, 1);
    let (status, _) = remove(&app, DRAFTER, &id, a1_id).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The page: the list, the form, an upload, a refusal next to the form, a removal.
    let (status, _, _) = app.login(DRAFTER, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let page = format!("/office/documents/{id}");
    let (status, html) = app.get(&page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-testid=\"doc-appendices\""), "{html}");
    assert!(html.contains("data-testid=\"doc-appendix-form\""), "{html}");
    assert!(html.contains("phu-luc-2.pdf"), "{html}");
    let (status, _, location) = app
        .post_multipart(
            &page,
            &format!("{page}/appendices"),
            &[("Title", "Phụ lục III")],
            &[("file_appendix", "phu-luc-3.pdf", &first)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location.as_deref(),
        Some(format!("{page}?done=appendix_add").as_str())
    );
    let (_, html) = app.get(&format!("{page}?done=appendix_add")).await;
    assert!(html.contains("Phụ lục III"), "{html}");
    assert!(html.contains("Đã thêm phụ lục."), "{html}");
    let (status, html, _) = app
        .post_multipart(
            &page,
            &format!("{page}/appendices"),
            &[],
            &[("file_appendix", "anh.png", png)],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains("data-testid=\"doc-appendix-error\""),
        "{html}"
    );
    assert!(html.contains("không phải PDF"), "{html}");
    let third: String = sqlx::query_scalar(
        "SELECT id FROM document_appendices WHERE document_id = $1 AND title = 'Phụ lục III'",
    )
    .bind(&id)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let (status, html) = app.get(&format!("{page}/appendices/{third}")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let (status, _, location) = app
        .post_form(&page, &format!("{page}/appendices/{third}/remove"), &[])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location.as_deref(),
        Some(format!("{page}?done=appendix_remove").as_str())
    );
    assert_eq!(
        listed(&app, DRAFTER, &id).await.as_array().unwrap().len(),
        1
    );
    app.clear_cookies();

    // Once submitted, the appendices are what is reviewed: neither added nor removed (409).
    let (status, doc) = act(&app, DRAFTER, &id, json!({ "Action": "submit" })).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    let (status, problem) = upload(&app, DRAFTER, &id, "muon.pdf", &first, None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(
        detail(&problem).contains("Chỉ thêm hoặc gỡ phụ lục khi văn bản còn là dự thảo"),
        "{problem}"
    );
    let a2_id = a2["Id"].as_str().unwrap();
    let (status, problem) = remove(&app, DRAFTER, &id, a2_id).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(
        listed(&app, DRAFTER, &id).await.as_array().unwrap().len(),
        1
    );
}

/// `pdf` encrypted with an owner password by qpdf (required).
fn encrypt(pdf: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in.pdf"), dir.path().join("out.pdf"));
    std::fs::write(&input, pdf).unwrap();
    let status = std::process::Command::new("qpdf")
        .args(["--encrypt", "", "chu-so-huu", "256", "--"])
        .arg(&input)
        .arg(&output)
        .status()
        .expect("qpdf is required for these tests (apt-get install qpdf)");
    assert!(status.success());
    std::fs::read(output).unwrap()
}

/// The words of `pdf`'s first page with their boxes (`pdftotext -bbox`, origin top left) and
/// the page's width.
fn first_page_words(pdf: &[u8]) -> (f64, Vec<(String, [f64; 4])>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("appendix.pdf");
    std::fs::write(&path, pdf).unwrap();
    let output = std::process::Command::new("pdftotext")
        .args(["-bbox", "-enc", "UTF-8", "-f", "1", "-l", "1"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext is required for these tests (apt-get install poppler-utils)");
    assert!(output.status.success(), "{output:?}");
    let html = String::from_utf8(output.stdout).unwrap();
    let attribute = |tag: &str, name: &str| -> f64 {
        let at = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        tag[at..].split('"').next().unwrap().parse().unwrap()
    };
    let page = html.split("<page ").nth(1).expect("a page");
    let width = attribute(page, "width");
    let words = html
        .split("<word ")
        .skip(1)
        .map(|w| {
            let (tag, rest) = w.split_once('>').unwrap();
            let text = rest.split("</word>").next().unwrap().to_owned();
            (
                text,
                [
                    attribute(tag, "xMin"),
                    attribute(tag, "yMin"),
                    attribute(tag, "xMax"),
                    attribute(tag, "yMax"),
                ],
            )
        })
        .collect();
    (width, words)
}

/// Whether `word` is an ISO 8601 time in Vietnam's zone: `2026-12-07T10:15:30+07:00`.
fn vietnam_iso_time(word: &str) -> bool {
    let b = word.as_bytes();
    b.len() == 25
        && word.ends_with("+07:00")
        && b.iter().enumerate().take(19).all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        })
}

/// A draft with two appendices taken to approval by the leader's digital signature: its id and
/// the two appendices' uploaded files.
async fn signed_with_appendices(app: &TestApp) -> (String, Vec<Vec<u8>>) {
    let id = draft(app).await;
    let files = vec![appendix_pdf("PHỤ LỤC I"), appendix_pdf("PHỤ LỤC II")];
    for (n, pdf) in files.iter().enumerate() {
        let name = format!("phu-luc-{}.pdf", n + 1);
        let (status, a) = upload(app, DRAFTER, &id, &name, pdf, Some("Danh mục")).await;
        assert_eq!(status, StatusCode::CREATED, "{a}");
    }
    for (email, action) in [
        (DRAFTER, "submit"),
        (LEADER, "approve_content"),
        (CLERK, "approve_form"),
    ] {
        let (status, doc) = act(app, email, &id, json!({ "Action": action })).await;
        assert_eq!(status, StatusCode::OK, "{action}: {doc}");
    }
    let (status, version) = sign(app, LEADER, &id).await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    approve(app, &id).await;
    (id, files)
}

async fn the_seal_signs_each_appendix_top_right_with_the_number_and_time(app: TestApp) {
    let (id, uploaded) = signed_with_appendices(&app).await;
    let (status, doc) = act(&app, CLERK, &id, json!({ "Action": "issue", "Seal": true })).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(doc["State"], "issued", "{doc}");
    let number = format!(
        "{}/{}",
        doc["CodeNumber"].as_str().unwrap(),
        doc["CodeNotation"].as_str().unwrap()
    );
    let agency_serial: String = sqlx::query_scalar(
        "SELECT c.serial FROM pki_certificates c JOIN users u ON u.agency_id = c.agency_id
          WHERE u.email = $1 AND c.kind = 'agency'",
    )
    .bind(CLERK)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let appendices = doc["Appendices"].as_array().unwrap();
    assert_eq!(appendices.len(), 2, "{doc}");
    for (n, a) in appendices.iter().enumerate() {
        let name = format!("phu-luc-{}.issued.pdf", n + 1);
        assert_eq!(a["FileName"], name.as_str(), "{a}");
        assert!(a["SignedAt"].is_string(), "{a}");
        assert_eq!(
            table_serial(a["CertificateSerial"].as_str().unwrap()),
            agency_serial
        );
        let signed = appendix_bytes(&app, CLERK, &id, a["Id"].as_str().unwrap()).await;
        assert!(
            signed.starts_with(&uploaded[n]),
            "an incremental update of the upload"
        );
        assert_ne!(a["UploadedSha256"], a["Sha256"]);

        // Our verifier: one valid signature, the agency's, B-LT (its DSS follows).
        let report = verified(&app, &signed).await;
        assert_eq!(report["Indication"], "TOTAL-PASSED", "{report:#}");
        let signatures = report["Signatures"].as_array().unwrap();
        assert_eq!(signatures.len(), 1, "{report:#}");
        let s = &signatures[0];
        assert_eq!(s["Indication"], "TOTAL-PASSED", "{s:#}");
        assert_eq!(s["Level"], "B-LT", "{s:#}");
        assert_eq!(s["TimeProven"], true, "{s:#}");
        assert_eq!(s["ModifiedAfterSigning"], false, "{s:#}");
        assert_eq!(
            table_serial(s["CertificateSerial"].as_str().unwrap()),
            agency_serial
        );
        assert!(
            s["SignatureAlgorithm"]
                .as_str()
                .unwrap_or_default()
                .contains("ECDSA"),
            "{s:#}"
        );
        // pyHanko agrees, in both modes.
        pyhanko_accepts(&app, &signed, 1).await;

        // The stamp: the number and notation and the ISO 8601 Vietnam time, top right of page
        // 1, text only in a serif face, no signer's name, no frame's labels.
        let (width, words) = first_page_words(&signed);
        let at = |pred: &dyn Fn(&str) -> bool| {
            words
                .iter()
                .find(|(w, _)| pred(w))
                .map(|(_, b)| *b)
                .unwrap_or_else(|| panic!("not on page 1: {words:?}"))
        };
        for bbox in [at(&|w| w == number), at(&|w| vietnam_iso_time(w))] {
            let [x_min, y_min, x_max, y_max] = bbox;
            assert!(x_min > width / 2.0, "right half: {bbox:?}");
            assert!(x_max > width - 60.0, "near the right edge: {bbox:?}");
            assert!(y_max < 60.0, "in the top margin: {bbox:?}");
            let height = y_max - y_min;
            assert!((7.0..15.0).contains(&height), "about 10 pt: {bbox:?}");
        }
        let text = pdf_text(&signed);
        assert!(!text.contains("Ký bởi"), "{text}");
        assert!(!text.contains("Số, ký hiệu"), "{text}");
        assert!(
            signed.windows(12).any(|w| w == b"+DejaVuSerif"),
            "a serif face"
        );
    }

    // Audited: the leader's signature, the main seal and one per appendix; the issue lists them.
    assert_eq!(audit_count(&app, "signature.seal").await, 3);
    let after: String =
        sqlx::query_scalar("SELECT after_json FROM audit_log WHERE action = 'document.issue'")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    let after: Value = serde_json::from_str(&after).unwrap();
    assert_eq!(after["appendices"].as_array().unwrap().len(), 2, "{after}");

    // The recipient on the platform (Sở Tư pháp) gets the signed appendices with its copy.
    let incoming: String = sqlx::query_scalar("SELECT id FROM documents WHERE origin_id = $1")
        .bind(&id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let recipient = "vanthu.tuphap@tinhso.local";
    let list = listed(&app, recipient, &incoming).await;
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    for (copy, sent) in list.as_array().unwrap().iter().zip(appendices) {
        assert_eq!(copy["Sha256"], sent["Sha256"], "{copy}");
        assert_eq!(copy["FileName"], sent["FileName"]);
        assert!(copy["SignedAt"].is_string(), "{copy}");
        let bytes = appendix_bytes(&app, recipient, &incoming, copy["Id"].as_str().unwrap()).await;
        let report = verified(&app, &bytes).await;
        assert_eq!(report["Indication"], "TOTAL-PASSED", "{report:#}");
    }

    // The page: signed appendices, their check page valid; no removal any more (409).
    let (status, _, _) = app.login(recipient, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let page = format!("/office/documents/{incoming}");
    let (status, html) = app.get(&page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("data-testid=\"doc-appendix-signed\""),
        "{html}"
    );
    assert!(
        !html.contains("data-testid=\"doc-appendix-form\""),
        "{html}"
    );
    let first = list[0]["Id"].as_str().unwrap();
    let (status, html) = app
        .get(&format!("{page}/appendices/{first}/signatures"))
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Hợp lệ"), "{html}");
    assert!(html.contains("PAdES B-LT"), "{html}");
    app.clear_cookies();
    let sent_first = appendices[0]["Id"].as_str().unwrap();
    let (status, problem) = remove(&app, DRAFTER, &id, sent_first).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    let (status, problem) = upload(&app, DRAFTER, &id, "sau.pdf", &uploaded[0], None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
}

async fn an_appendix_that_cannot_be_signed_refuses_the_whole_issue(app: TestApp) {
    let (id, uploaded) = signed_with_appendices(&app).await;
    // The second appendix's stored file goes bad after its upload check.
    let (key, name): (String, String) = sqlx::query_as(
        "SELECT storage_key, file_name FROM document_appendices
          WHERE document_id = $1 AND position = 2",
    )
    .bind(&id)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    tinhso::storage::put(
        app.state.storage.as_ref(),
        &key,
        bytes::Bytes::from_static(b"%PDF-1.7\nnot a readable file\n%%EOF\n"),
    )
    .await
    .unwrap();
    let versions_before = app
        .count_where("document_versions", "document_id", &id)
        .await;
    let stored_before = stored_under(&app, &id);

    let (status, problem) = act(&app, CLERK, &id, json!({ "Action": "issue", "Seal": true })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    let text = detail(&problem);
    assert!(text.contains("Không ký số được phụ lục 2"), "{problem}");
    assert!(text.contains(&name), "{problem}");
    assert!(text.contains("Văn bản chưa được ban hành"), "{problem}");
    // Nothing applied: not numbered, no sealed version, no signed appendix, no audit row, no
    // file left in the store, no copy delivered.
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
    assert!(
        doc["Appendices"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["SignedAt"].is_null()),
        "{doc}"
    );
    assert_eq!(
        app.count_where("document_versions", "document_id", &id)
            .await,
        versions_before
    );
    assert_eq!(stored_under(&app, &id), stored_before);
    assert_eq!(audit_count(&app, "signature.seal").await, 0);
    assert_eq!(audit_count(&app, "document.issue").await, 0);
    assert_eq!(app.count_where("documents", "origin_id", &id).await, 0);

    // The file restored, the same issue goes through, both appendices signed.
    tinhso::storage::put(
        app.state.storage.as_ref(),
        &key,
        bytes::Bytes::from(uploaded[1].clone()),
    )
    .await
    .unwrap();
    let (status, doc) = act(&app, CLERK, &id, json!({ "Action": "issue", "Seal": true })).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert!(
        doc["Appendices"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["SignedAt"].is_string()),
        "{doc}"
    );
    assert_eq!(audit_count(&app, "signature.seal").await, 3);
}

/// How many files the store (the local folder the tests use) holds under document `id`.
fn stored_under(app: &TestApp, id: &str) -> usize {
    fn count(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir).map_or(0, |entries| {
            entries
                .flatten()
                .map(|e| {
                    let path = e.path();
                    if path.is_dir() { count(&path) } else { 1 }
                })
                .sum()
        })
    }
    let dir = app.state.config.data_dir.join("files/documents").join(id);
    assert!(
        dir.is_dir(),
        "the store is the local folder: {}",
        dir.display()
    );
    count(&dir)
}
