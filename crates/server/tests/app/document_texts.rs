//! The text of official documents (issue 14 item 5), on both databases: a DOCX or PDF version
//! has its text as soon as it is uploaded, and the recipient's delivered copy shares it; a scan
//! (an image, or a scanner's image-only PDF) registered as an incoming document is read by
//! OCR (the real Tesseract with its Vietnamese data) in the job queue, and a missing Tesseract
//! leaves a reason and a retry, not a crash. The text is for those who may read the document.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{TestApp, multipart, text};
use serde_json::{Value, json};
use std::io::Write;

const DRAFTER: &str = "chuyenvien.tuphap@tinhso.local";
const CLERK: &str = "vanthu.tuphap@tinhso.local";
const LEADER: &str = "lanhdao.tuphap@tinhso.local";
const OTHER_SPECIALIST: &str = "chuyenvien.hacthanh@tinhso.local";
const RECIPIENT_LEADER: &str = "lanhdao.hacthanh@tinhso.local";
const RECIPIENT: &str = "000.00.60.H56";
const SUBJECT: &str = "Quyết định phê duyệt danh mục thủ tục hành chính được chuẩn hóa";

on_both_databases!(
    a_docx_or_pdf_version_has_its_text_at_once,
    a_scan_is_read_by_ocr_in_the_job_queue
);

/// A DOCX whose body is the given paragraphs, each run split in two as Word does after edits.
fn docx(paragraphs: &[&str]) -> Vec<u8> {
    let body: String = paragraphs
        .iter()
        .map(|p| {
            let (a, b) = p.split_at(p.char_indices().nth(p.chars().count() / 2).unwrap().0);
            format!(
                r#"<w:p><w:r><w:t xml:space="preserve">{a}</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{b}</w:t></w:r></w:p>"#
            )
        })
        .collect();
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    );
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (name, content) in [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#,
        ),
        ("word/document.xml", document.as_str()),
        // As Word writes it: the upload check (`infer`) reads a DOCX by its third and fourth
        // parts being under word/.
        (
            "word/styles.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>"#,
        ),
    ] {
        zip.start_file(name, options).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A decision rendered by the platform: a large bold title, the subject, a few articles.
fn decision_pdf() -> Vec<u8> {
    tinhso_documents::form_pdf(&tinhso_documents::FormDocument {
        issuer_parent: "UBND TỈNH THANH HÓA".into(),
        issuer: "SỞ TƯ PHÁP".into(),
        place_date: "Thanh Hóa, ngày 24 tháng 11 năm 2026".into(),
        title: "QUYẾT ĐỊNH".into(),
        blocks: vec![
            tinhso_documents::Block::Heading(SUBJECT.into()),
            tinhso_documents::Block::Paragraph(
                "Điều 1. Giao Sở Tư pháp chủ trì triển khai thực hiện quyết định này.".into(),
            ),
        ],
        ..Default::default()
    })
    .unwrap()
}

/// The decision printed and scanned: its first page as an image (`png` or `jpeg`) of an A4
/// page at 150 dpi, rasterised by poppler.
fn scanned(format: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("in.pdf");
    std::fs::write(&pdf, decision_pdf()).unwrap();
    let out = dir.path().join("scan");
    let status = std::process::Command::new("pdftoppm")
        .arg(format!("-{format}"))
        .args(["-gray", "-r", "150", "-singlefile", "-f", "1", "-l", "1"])
        .arg(&pdf)
        .arg(&out)
        .status()
        .expect("pdftoppm (poppler-utils) is installed by scripts/test-all");
    assert!(status.success());
    let extension = if format == "jpeg" { "jpg" } else { "png" };
    std::fs::read(dir.path().join(format!("scan.{extension}"))).unwrap()
}

/// A JPEG's width, height and number of colour components, from its frame header.
fn jpeg_frame(jpeg: &[u8]) -> (i64, i64, u8) {
    let mut at = 2;
    while at + 9 < jpeg.len() {
        let marker = jpeg[at + 1];
        let length = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        if (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker) {
            let height = u16::from_be_bytes([jpeg[at + 5], jpeg[at + 6]]);
            let width = u16::from_be_bytes([jpeg[at + 7], jpeg[at + 8]]);
            return (width.into(), height.into(), jpeg[at + 9]);
        }
        at += 2 + length;
    }
    panic!("no frame header in the JPEG");
}

/// A scanner's PDF: one page holding the scanned JPEG and no text at all.
fn image_only_pdf() -> Vec<u8> {
    use lopdf::{Document, Object, Stream, dictionary};
    let jpeg = scanned("jpeg");
    let (width, height, components) = jpeg_frame(&jpeg);
    let colour_space = if components == 1 {
        "DeviceGray"
    } else {
        "DeviceRGB"
    };
    let mut doc = Document::with_version("1.4");
    let pages_id = doc.new_object_id();
    let image_id = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject",
            "Subtype" => "Image",
            "Width" => width,
            "Height" => height,
            "ColorSpace" => colour_space,
            "BitsPerComponent" => 8,
            "Filter" => "DCTDecode",
        },
        jpeg,
    ));
    let content_id = doc.add_object(Stream::new(
        dictionary! {},
        b"q 595 0 0 842 0 0 cm /Scan Do Q".to_vec(),
    ));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Contents" => content_id,
        "Resources" => dictionary! { "XObject" => dictionary! { "Scan" => image_id } },
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => vec![page_id.into()],
            "Count" => 1,
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    bytes
}

fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn send_file(
    app: &TestApp,
    token: &str,
    uri: &str,
    fields: &[(&str, &str)],
    name: &str,
    bytes: &[u8],
) -> (StatusCode, Value) {
    let (content_type, body) = multipart(fields, &[("file", name, bytes)]);
    let req = Request::post(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    let (status, body) = text(app.send(req).await).await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

async fn document_text(app: &TestApp, token: &str, id: &str) -> (StatusCode, Value) {
    app.api(
        "GET",
        &format!("/api/v1/documents/{id}/text"),
        Some(token),
        None,
    )
    .await
}

async fn ocr_jobs(app: &TestApp, id: &str) -> usize {
    let payloads: Vec<String> =
        sqlx::query_scalar("SELECT payload FROM jobs WHERE kind = 'documents.ocr'")
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    payloads.iter().filter(|p| p.contains(id)).count()
}

async fn a_docx_or_pdf_version_has_its_text_at_once(app: TestApp) {
    let drafter = app.token(DRAFTER, &["documents"]).await;
    let (status, created) = app
        .api(
            "POST",
            "/api/v1/documents",
            Some(&drafter),
            Some(json!({
                "TypeName": "decision",
                "Subject": SUBJECT,
                "SignerInfo": {"Position": "Giám đốc", "FullName": "Hoàng Văn Bình"},
                "To": [{"OrganId": RECIPIENT}, {"OrganName": "Lưu: VT"}],
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["Id"].as_str().unwrap().to_owned();
    let versions = format!("/api/v1/documents/{id}/versions");

    // No file yet: no text.
    let (status, _) = document_text(&app, &drafter, &id).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let body = docx(&[
        "QUYẾT ĐỊNH",
        SUBJECT,
        "Điều 1. Quyết định này có hiệu lực từ ngày ký.",
    ]);
    let (status, version) = send_file(&app, &drafter, &versions, &[], "du-thao.docx", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    let (status, t) = document_text(&app, &drafter, &id).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(t["Version"], 1);
    assert_eq!(t["Method"], "docx");
    assert_eq!(t["Status"], "done");
    assert_eq!(t["Truncated"], false);
    let lines: Vec<&str> = t["Text"].as_str().unwrap().lines().collect();
    assert_eq!(lines[..2], ["QUYẾT ĐỊNH", SUBJECT], "{t}");
    assert!(t["ExtractedAt"].is_string());
    // The file's words are searchable at once, without diacritics.
    let (status, found) = app
        .api(
            "GET",
            "/api/v1/documents/search?q=hieu%20luc%20tu%20ngay%20ky",
            Some(&drafter),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert!(
        found["Items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["Id"] == id.as_str()),
        "a word of the file finds the document: {found}"
    );

    let (status, version) = send_file(
        &app,
        &drafter,
        &versions,
        &[],
        "du-thao.pdf",
        &decision_pdf(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    let (_, t) = document_text(&app, &drafter, &id).await;
    assert_eq!(t["Version"], 2);
    assert_eq!(t["Method"], "pdf");
    assert_eq!(t["Status"], "done");
    let pdf_text = squeeze(t["Text"].as_str().unwrap());
    for expected in ["QUYẾT ĐỊNH", SUBJECT, "Giao Sở Tư pháp chủ trì"] {
        assert!(
            pdf_text.contains(expected),
            "{expected:?} not in {pdf_text}"
        );
    }
    // Born-digital files need no OCR.
    assert_eq!(ocr_jobs(&app, &id).await, 0);

    // Someone of another agency does not learn that it exists; each read is logged.
    let other = app.token(OTHER_SPECIALIST, &["documents"]).await;
    let (status, _) = document_text(&app, &other, &id).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.count_where("document_reads", "document_id", &id).await,
        2
    );

    // Issued, the recipient agency's copy points to the same file and has the same text.
    let leader = app.token(LEADER, &["documents"]).await;
    let clerk = app.token(CLERK, &["documents"]).await;
    let mut delivered = Value::Null;
    for (token, action) in [
        (&drafter, json!({"Action": "submit"})),
        (&leader, json!({"Action": "approve_content"})),
        (&clerk, json!({"Action": "approve_form"})),
        (&leader, json!({"Action": "sign"})),
        (&clerk, json!({"Action": "issue"})),
    ] {
        let (status, doc) = app
            .api(
                "POST",
                &format!("/api/v1/documents/{id}/actions"),
                Some(token),
                Some(action.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{action}: {doc}");
        delivered = doc["To"][0]["DeliveredAs"].clone();
    }
    let copy = delivered.as_str().unwrap();
    let recipient = app.token(RECIPIENT_LEADER, &["documents"]).await;
    let (status, t) = document_text(&app, &recipient, copy).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!((&t["Version"], &t["Method"]), (&json!(1), &json!("pdf")));
    assert!(
        squeeze(t["Text"].as_str().unwrap()).contains(SUBJECT),
        "{t}"
    );
}

async fn a_scan_is_read_by_ocr_in_the_job_queue(app: TestApp) {
    let clerk = app.token(CLERK, &["documents"]).await;
    let png = scanned("png");
    let fields = [
        ("CodeNumber", "27/QĐ-UBND"),
        ("OrganName", "Ủy ban nhân dân tỉnh Thanh Hóa"),
        ("Subject", SUBJECT),
        ("IssuedDate", "2026-11-24"),
        ("Source", "scan"),
    ];
    // An image is a scan's file, not a paper registration's.
    let paper: Vec<(&str, &str)> = fields[..4]
        .iter()
        .copied()
        .chain([("Source", "paper")])
        .collect();
    let (status, problem) = send_file(
        &app,
        &clerk,
        "/api/v1/documents/incoming",
        &paper,
        "scan.png",
        &png,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "file");
    // A PNG named as a PDF is refused by its content.
    let (status, _) = send_file(
        &app,
        &clerk,
        "/api/v1/documents/incoming",
        &fields,
        "scan.pdf",
        &png,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, doc) = send_file(
        &app,
        &clerk,
        "/api/v1/documents/incoming",
        &fields,
        "scan.png",
        &png,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{doc}");
    assert_eq!(doc["Versions"][0]["MediaType"], "image/png");
    let id = doc["Id"].as_str().unwrap().to_owned();
    // Not read in the request: queued.
    let (status, t) = document_text(&app, &clerk, &id).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(t["Method"], "ocr");
    assert_eq!(t["Status"], "pending");
    assert_eq!(ocr_jobs(&app, &id).await, 1);

    // On a machine without Tesseract the job records why and fails, to be tried again.
    let missing = tinhso_extract::ocr::OcrConfig {
        tesseract: "/nonexistent/tesseract".into(),
        ..Default::default()
    };
    let err = tinhso_officialdocs::texts::ocr_version(&app.state, &id, 1, &missing)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("tesseract-ocr"), "{err}");
    let (_, t) = document_text(&app, &clerk, &id).await;
    assert_eq!(t["Status"], "retrying", "{t}");
    assert!(
        t["FailureReason"].as_str().unwrap().contains("tesseract"),
        "{t}"
    );

    // The queue runs it with the real Tesseract and its Vietnamese data.
    tinhso::jobs::run_due(&app.state).await.unwrap();
    let (_, t) = document_text(&app, &clerk, &id).await;
    assert_eq!(t["Status"], "done", "{t}");
    assert_eq!(t["Method"], "ocr");
    assert!(t["FailureReason"].is_null());
    let read = squeeze(t["Text"].as_str().unwrap());
    // OCR is fuzzy: the large bold title and the year are what it reliably gets right.
    assert!(read.contains("QUYẾT ĐỊNH"), "{read}");
    assert!(read.contains("2026"), "{read}");
    let status: String = sqlx::query_scalar(
        "SELECT status FROM jobs WHERE kind = 'documents.ocr' AND payload LIKE $1",
    )
    .bind(format!("%{id}%"))
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(status, "done");

    // A scanner's PDF (an image on each page, no text layer) goes the same way.
    let fields = [
        ("CodeNumber", "28/QĐ-UBND"),
        ("OrganName", "Ủy ban nhân dân tỉnh Thanh Hóa"),
        ("Subject", SUBJECT),
        ("IssuedDate", "2026-11-24"),
        ("Source", "scan"),
    ];
    let (status, doc) = send_file(
        &app,
        &clerk,
        "/api/v1/documents/incoming",
        &fields,
        "ban-quet.pdf",
        &image_only_pdf(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{doc}");
    let id = doc["Id"].as_str().unwrap().to_owned();
    let (_, t) = document_text(&app, &clerk, &id).await;
    assert_eq!(
        (&t["Method"], &t["Status"]),
        (&json!("ocr"), &json!("pending")),
        "{t}"
    );
    tinhso::jobs::run_due(&app.state).await.unwrap();
    let (_, t) = document_text(&app, &clerk, &id).await;
    assert_eq!(t["Status"], "done", "{t}");
    let read = squeeze(t["Text"].as_str().unwrap());
    assert!(read.contains("QUYẾT ĐỊNH"), "{read}");
}
