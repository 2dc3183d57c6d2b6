//! Work files (hồ sơ công việc) and the registers of Decree 30/2020 through the API, on both
//! databases: a yearly file list drafted, approved and amended; files opened, filled by
//! reference (one document in two files, nothing copied), closed and exported as one PDF plus
//! XML in chronological order; the deposit notice, once, 30 days before; the outgoing and
//! incoming registers as PDF and XLSX; and the refusals.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::NaiveDate;
use common::{TestApp, multipart, text};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::io::Read;

const DRAFTER: &str = "chuyenvien.tuphap@tinhso.local";
const LEADER: &str = "lanhdao.tuphap@tinhso.local";
const CLERK: &str = "vanthu.tuphap@tinhso.local";
const OTHER_LEADER: &str = "lanhdao.hacthanh@tinhso.local";
const OTHER_AGENCY: &str = "000.00.60.H56";
const BIRTH_FORM: &str = "/procedures/1.001193/templates/to-khai-dang-ky-khai-sinh.docx";

on_both_databases!(
    a_list_is_approved_and_a_file_filled_closed_and_exported,
    the_deposit_notice_goes_once_thirty_days_before,
    registers_hold_the_periods_documents_in_number_order,
    bad_input_is_refused_and_nothing_is_half_applied
);

struct People {
    drafter: String,
    leader: String,
    clerk: String,
    other: String,
}

async fn people(app: &TestApp) -> People {
    People {
        drafter: app.token(DRAFTER, &["documents"]).await,
        leader: app.token(LEADER, &["documents"]).await,
        clerk: app.token(CLERK, &["documents"]).await,
        other: app.token(OTHER_LEADER, &["documents"]).await,
    }
}

fn today() -> NaiveDate {
    tinhso::time::local_now().date()
}

/// A PDF of `pages` pages whose first page shows `marker`.
fn pdf_with(marker: &str, pages: usize) -> Vec<u8> {
    let mut blocks = vec![tinhso_documents::Block::Heading(marker.into())];
    let mut bytes = tinhso_documents::form_pdf(&tinhso_documents::FormDocument {
        title: marker.into(),
        blocks: blocks.clone(),
        ..Default::default()
    })
    .unwrap();
    while lopdf::Document::load_mem(&bytes).unwrap().get_pages().len() < pages {
        blocks.push(tinhso_documents::Block::Paragraph(
            "Nội dung văn bản thử nghiệm, dòng dài để sang trang.".into(),
        ));
        bytes = tinhso_documents::form_pdf(&tinhso_documents::FormDocument {
            title: marker.into(),
            blocks: blocks.clone(),
            ..Default::default()
        })
        .unwrap();
    }
    bytes
}

async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    app.api(method, path, Some(token), body).await
}

async fn bytes(app: &TestApp, path: &str, token: &str) -> (StatusCode, String, Vec<u8>) {
    let mut req = Request::get(path);
    if !token.is_empty() {
        req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let req = req.body(Body::empty()).unwrap();
    let resp = app.send(req).await;
    let status = resp.status();
    let media = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = resp
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, media, body)
}

async fn upload(app: &TestApp, token: &str, id: &str, name: &str, file: &[u8]) {
    let (content_type, body) = multipart(&[], &[("file", name, file)]);
    let req = Request::post(format!("/api/v1/documents/{id}/versions"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    let (status, body) = text(app.send(req).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// An outgoing decision of Sở Tư pháp issued with `file`: its id, its number as printed and
/// the copy delivered to the other agency.
async fn issued(app: &TestApp, p: &People, subject: &str, file: &[u8]) -> (String, String, String) {
    let (status, created) = call(
        app,
        "POST",
        "/api/v1/documents",
        &p.drafter,
        Some(json!({
            "TypeName": "decision",
            "Subject": subject,
            "SignerInfo": {"Position": "Giám đốc", "FullName": "Hoàng Văn Bình"},
            "To": [{"OrganId": OTHER_AGENCY}, {"OrganName": "Lưu: VT"}]
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["Id"].as_str().unwrap().to_owned();
    upload(app, &p.drafter, &id, "van-ban.pdf", file).await;
    for (token, action) in [
        (&p.drafter, "submit"),
        (&p.leader, "approve_content"),
        (&p.clerk, "approve_form"),
        (&p.leader, "sign"),
        (&p.clerk, "issue"),
    ] {
        let (status, doc) = call(
            app,
            "POST",
            &format!("/api/v1/documents/{id}/actions"),
            token,
            Some(json!({"Action": action})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{action}: {doc}");
    }
    let (_, doc) = call(
        app,
        "GET",
        &format!("/api/v1/documents/{id}"),
        &p.clerk,
        None,
    )
    .await;
    let number = format!(
        "{}/{}",
        doc["CodeNumber"].as_str().unwrap(),
        doc["CodeNotation"].as_str().unwrap()
    );
    let copy = doc["To"][0]["DeliveredAs"].as_str().unwrap().to_owned();
    (id, number, copy)
}

/// A paper document of the provincial people's committee registered by Sở Tư pháp's clerk;
/// its id.
async fn received(
    app: &TestApp,
    p: &People,
    number: &str,
    subject: &str,
    dates: (&str, &str),
    file: (&str, &[u8]),
) -> String {
    received_from(app, p, "Ủy ban nhân dân tỉnh", number, subject, dates, file).await
}

async fn received_from(
    app: &TestApp,
    p: &People,
    organ: &str,
    number: &str,
    subject: &str,
    dates: (&str, &str),
    file: (&str, &[u8]),
) -> String {
    let fields = [
        ("CodeNumber", number),
        ("OrganName", organ),
        ("Subject", subject),
        ("IssuedDate", dates.0),
        ("ArrivalDate", dates.1),
    ];
    let (content_type, body) = multipart(&fields, &[("file", file.0, file.1)]);
    let req = Request::post("/api/v1/documents/incoming")
        .header(header::AUTHORIZATION, format!("Bearer {}", p.clerk))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    let (status, body) = text(app.send(req).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    serde_json::from_str::<Value>(&body).unwrap()["Id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn new_list(app: &TestApp, p: &People, year: i32) -> Value {
    let (status, list) = call(
        app,
        "POST",
        "/api/v1/work-files/lists",
        &p.clerk,
        Some(json!({
            "Year": year,
            "Headings": [
                {"Abbreviation": "TCCB", "Title": "Tổ chức cán bộ"},
                {"Abbreviation": "VP", "Title": "Văn phòng"}
            ]
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{list}");
    list
}

async fn add_file(app: &TestApp, token: &str, list: &str, body: Value) -> (StatusCode, Value) {
    call(
        app,
        "POST",
        &format!("/api/v1/work-files/lists/{list}/files"),
        token,
        Some(body),
    )
    .await
}

async fn list_act(app: &TestApp, token: &str, list: &str, body: Value) -> (StatusCode, Value) {
    call(
        app,
        "POST",
        &format!("/api/v1/work-files/lists/{list}/actions"),
        token,
        Some(body),
    )
    .await
}

async fn file_act(app: &TestApp, token: &str, file: &str, body: Value) -> (StatusCode, Value) {
    call(
        app,
        "POST",
        &format!("/api/v1/work-files/{file}/actions"),
        token,
        Some(body),
    )
    .await
}

async fn place(app: &TestApp, token: &str, file: &str, doc: &str) -> (StatusCode, Value) {
    call(
        app,
        "POST",
        &format!("/api/v1/work-files/{file}/documents"),
        token,
        Some(json!({"DocumentId": doc})),
    )
    .await
}

/// The text of each page of a PDF.
fn page_texts(pdf: &[u8]) -> Vec<String> {
    let doc = lopdf::Document::load_mem(pdf).expect("the export parses");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    pages
        .iter()
        .map(|n| doc.extract_text(&[*n]).unwrap_or_default())
        .collect()
}

/// The first page whose text contains `marker`.
fn page_of(pages: &[String], marker: &str) -> usize {
    pages
        .iter()
        .position(|t| t.contains(marker))
        .unwrap_or_else(|| panic!("{marker} is on no page"))
}

/// The texts of every element named `name`, in document order.
fn xml_texts(xml: &str, name: &str) -> Vec<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    let mut inside = false;
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) if e.name().as_ref() == name => {
                inside = true;
                out.push(String::new());
            }
            Event::Text(t) if inside => {
                out.last_mut().unwrap().push_str(&t.into_inner());
            }
            Event::GeneralRef(r) if inside => {
                let name = r.into_inner();
                let c = match name.as_ref() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("unexpected entity {other}"),
                };
                out.last_mut().unwrap().push_str(c);
            }
            Event::End(e) if e.name().as_ref() == name => inside = false,
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

async fn a_list_is_approved_and_a_file_filled_closed_and_exported(app: TestApp) {
    let p = people(&app).await;
    let drafter_id = app.user_id(DRAFTER).await;
    let list = new_list(&app, &p, 2027).await;
    let list_id = list["Id"].as_str().unwrap().to_owned();
    assert_eq!(list["State"], "draft");
    assert_eq!(list["Headings"][1]["Number"], "II");

    // Files planned: a notation given, then the next numbers under each heading.
    let (status, a) = add_file(
        &app,
        &p.clerk,
        &list_id,
        json!({"FileNotation": "01.TCCB", "Title": "Hồ sơ tuyển dụng công chức năm 2027",
            "Maintenance": "20 năm", "CreatorId": drafter_id}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    assert_eq!(a["Code"], "000.00.14.H56.2027.01.TCCB");
    assert_eq!(a["FileCode"]["FileCatalog"], 2027);
    assert_eq!(a["State"], "planned");
    let (_, b) = add_file(
        &app,
        &p.clerk,
        &list_id,
        json!({"Heading": "TCCB", "Title": "Hồ sơ nâng lương", "Maintenance": "Vĩnh viễn"}),
    )
    .await;
    assert_eq!(b["FileCode"]["FileNotation"], "02.TCCB");
    let (_, c) = add_file(
        &app,
        &p.clerk,
        &list_id,
        json!({"Heading": "VP", "Title": "Sổ theo dõi công văn", "Maintenance": "5 năm"}),
    )
    .await;
    assert_eq!(c["FileCode"]["FileNotation"], "01.VP");

    // Approved by a leader, then frozen until an amendment.
    let (status, approved) =
        list_act(&app, &p.leader, &list_id, json!({"Action": "approve"})).await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!(approved["State"], "approved");
    assert_eq!(approved["Files"].as_array().unwrap().len(), 3);
    let late = json!({"Heading": "VP", "Title": "Hồ sơ hội nghị", "Maintenance": "10 năm"});
    let (status, refused) = add_file(&app, &p.clerk, &list_id, late.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    let (status, _) = list_act(&app, &p.clerk, &list_id, json!({"Action": "amend"})).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an amendment gives its reason"
    );
    let (status, amending) = list_act(
        &app,
        &p.clerk,
        &list_id,
        json!({"Action": "amend", "Note": "Bổ sung hồ sơ hội nghị"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{amending}");
    assert_eq!(amending["State"], "amending");
    let (status, _) = add_file(&app, &p.clerk, &list_id, late).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, again) = list_act(&app, &p.leader, &list_id, json!({"Action": "approve"})).await;
    assert_eq!(again["State"], "approved");
    assert_eq!(again["Amendments"], 1);

    // Opened by the person responsible and by the clerk.
    let file_a = a["Id"].as_str().unwrap().to_owned();
    let file_b = b["Id"].as_str().unwrap().to_owned();
    let (status, opened) = file_act(
        &app,
        &p.drafter,
        &file_a,
        json!({"Action": "open", "StartDate": "2026-11-01"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{opened}");
    assert_eq!(opened["State"], "open");
    let (status, _) = file_act(&app, &p.clerk, &file_b, json!({"Action": "open"})).await;
    assert_eq!(status, StatusCode::OK);

    // Documents: two issued today, one received on paper earlier (PDF), one as DOCX.
    let (out1, _, _) = issued(
        &app,
        &p,
        "Quyết định MARKER-OUT-ONE",
        &pdf_with("MARKER-OUT-ONE", 1),
    )
    .await;
    let (out2, _, _) = issued(
        &app,
        &p,
        "Quyết định R&D <thử> MARKER-OUT-TWO",
        &pdf_with("MARKER-OUT-TWO", 2),
    )
    .await;
    let in_pdf = received(
        &app,
        &p,
        "15/QĐ-UBND",
        "Quyết định MARKER-IN-PDF",
        ("2026-11-10", "2026-11-12"),
        ("den.pdf", &pdf_with("MARKER-IN-PDF", 1)),
    )
    .await;
    let (status, _, docx) = bytes(&app, BIRTH_FORM, "").await;
    assert_eq!(status, StatusCode::OK);
    let in_docx = received(
        &app,
        &p,
        "16/QĐ-UBND",
        "Quyết định MARKER-IN-DOCX",
        ("2026-11-11", "2026-11-12"),
        ("den.docx", &docx),
    )
    .await;
    let documents_before = app.count("SELECT COUNT(*) FROM documents").await;
    let versions_before = app.count("SELECT COUNT(*) FROM document_versions").await;
    for doc in [&out2, &out1, &in_docx, &in_pdf] {
        let (status, placed) = place(&app, &p.drafter, &file_a, doc).await;
        assert_eq!(status, StatusCode::CREATED, "{placed}");
    }
    // The same document in a second file, by reference: nothing is copied.
    let (status, in_b) = place(&app, &p.clerk, &file_b, &out1).await;
    assert_eq!(status, StatusCode::CREATED, "{in_b}");
    assert_eq!(in_b["Documents"][0]["DocumentId"], out1.as_str());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM documents").await,
        documents_before
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM document_versions").await,
        versions_before
    );
    assert_eq!(
        app.count_where("work_file_documents", "document_id", &out1)
            .await,
        2
    );
    let (status, _) = place(&app, &p.clerk, &file_b, &out1).await;
    assert_eq!(status, StatusCode::CONFLICT, "placed once per file");

    // An open file is not exported; closing fixes the end date, retention and deadline.
    let (status, _, _) = bytes(
        &app,
        &format!("/api/v1/work-files/{file_a}/export.pdf"),
        &p.clerk,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let end = today();
    let (status, closed) = file_act(
        &app,
        &p.drafter,
        &file_a,
        json!({"Action": "close", "EndDate": end.to_string(), "Maintenance": "Vĩnh viễn"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["State"], "closed");
    assert_eq!(closed["Maintenance"], "Vĩnh viễn");
    let due = end.checked_add_months(chrono::Months::new(12)).unwrap();
    assert_eq!(closed["DepositDue"], due.to_string());
    assert_eq!(closed["Documents"].as_array().unwrap().len(), 4);
    let (status, twice) = file_act(&app, &p.clerk, &file_a, json!({"Action": "close"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{twice}");
    let (status, _) = place(&app, &p.clerk, &file_a, &in_pdf).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a closed file takes no document"
    );
    let (status, _) = call(
        &app,
        "DELETE",
        &format!("/api/v1/work-files/{file_a}/documents/{out1}"),
        &p.clerk,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "nor gives one back");

    // The PDF: cover and contents, then the documents by date (the DOCX only listed).
    let reads_before = app
        .count_where("document_reads", "document_id", &out1)
        .await;
    let (status, media, pdf) = bytes(
        &app,
        &format!("/api/v1/work-files/{file_a}/export.pdf"),
        &p.leader,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(media, "application/pdf");
    assert_eq!(
        app.count_where("document_reads", "document_id", &out1)
            .await,
        reads_before + 1,
        "the leader read it through the export"
    );
    let pages = page_texts(&pdf);
    let cover = page_of(&pages, "HỒ SƠ");
    assert_eq!(cover, 0);
    assert!(
        pages[0].contains("000.00.14.H56.2027.01.TCCB"),
        "{}",
        pages[0]
    );
    // The documents' pages follow the cover: 1 (received), 1 (issued first), 2 (issued next).
    let cover_pages = pages.len() - 4;
    assert!(cover_pages >= 1);
    let contents = pages[..cover_pages].join("\n");
    assert!(contents.contains("MỤC LỤC VĂN BẢN"), "{contents}");
    assert!(contents.contains("DOCX"), "{contents}");
    assert!(
        pages[cover_pages].contains("MARKER-IN-PDF"),
        "{}",
        pages[cover_pages]
    );
    assert!(pages[cover_pages + 1].contains("MARKER-OUT-ONE"));
    assert!(pages[cover_pages + 2].contains("MARKER-OUT-TWO"));
    assert!(!pages[cover_pages + 3].contains("MARKER-OUT-ONE"));
    // The contents name the page each document starts on.
    assert!(
        contents.contains(&format!("trang {}", cover_pages + 1)),
        "{contents}"
    );

    // The XML: the file's metadata and the documents in the same order, escaped.
    let (status, media, xml) = bytes(
        &app,
        &format!("/api/v1/work-files/{file_a}/export.xml"),
        &p.drafter,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(media, "application/xml");
    let xml = String::from_utf8(xml).unwrap();
    assert_eq!(xml_texts(&xml, "FileNotation"), vec!["01.TCCB"]);
    assert_eq!(xml_texts(&xml, "Maintenance"), vec!["Vĩnh viễn"]);
    assert_eq!(xml_texts(&xml, "DocTotal"), vec!["4"]);
    assert_eq!(
        xml_texts(&xml, "Id"),
        vec![in_pdf.clone(), in_docx, out1.clone(), out2]
    );
    assert_eq!(xml_texts(&xml, "DocOrdinal"), vec!["1", "2", "3", "4"]);
    assert_eq!(
        xml_texts(&xml, "Embedded"),
        vec!["true", "false", "true", "true"]
    );
    assert!(xml_texts(&xml, "Subject").contains(&"Quyết định R&D <thử> MARKER-OUT-TWO".to_owned()));
    assert!(xml.contains("R&amp;D &lt;thử&gt;"));

    // Another agency sees none of it.
    for path in [
        format!("/api/v1/work-files/{file_a}"),
        format!("/api/v1/work-files/{file_a}/export.pdf"),
        format!("/api/v1/work-files/lists/{list_id}"),
    ] {
        let (status, _, _) = bytes(&app, &path, &p.other).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    // Every change is audited; the closing is an event.
    for (action, n) in [
        ("work_file_list.create", 1),
        ("work_file_list.add_file", 4),
        ("work_file_list.approve", 2),
        ("work_file_list.amend", 1),
        ("work_file.open", 2),
        ("work_file.add_document", 5),
        ("work_file.close", 1),
    ] {
        let demo = match action {
            "work_file_list.create" | "work_file_list.approve" | "work_file.open" => 1,
            "work_file_list.add_file" => 4,
            _ => 0,
        };
        assert_eq!(
            app.count_where("audit_log", "action", action).await,
            n + demo,
            "{action}"
        );
    }
    assert_eq!(
        app.count_where("outbox_events", "kind", "work_file.closed")
            .await,
        1
    );
}

/// The demo's open 2026 file of Sở Tư pháp.
async fn demo_open_file(app: &TestApp, p: &People) -> Value {
    let (status, lists) = call(app, "GET", "/api/v1/work-files/lists", &p.clerk, None).await;
    assert_eq!(status, StatusCode::OK, "{lists}");
    let id = lists[0]["Id"].as_str().unwrap().to_owned();
    assert_eq!(lists[0]["Year"], 2026);
    assert_eq!(lists[0]["State"], "approved");
    let (_, list) = call(
        app,
        "GET",
        &format!("/api/v1/work-files/lists/{id}"),
        &p.drafter,
        None,
    )
    .await;
    let files = list["Files"].as_array().unwrap();
    assert!(files.len() >= 3);
    files.iter().find(|f| f["State"] == "open").unwrap().clone()
}

async fn the_deposit_notice_goes_once_thirty_days_before(app: TestApp) {
    let p = people(&app).await;
    let file = demo_open_file(&app, &p).await;
    let id = file["Id"].as_str().unwrap();
    let (status, closed) = file_act(
        &app,
        &p.clerk,
        id,
        json!({"Action": "close", "EndDate": "2026-12-15"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["DepositDue"], "2027-12-15");
    let day = |m, d| NaiveDate::from_ymd_opt(2027, m, d).unwrap();
    let sweep = |at| tinhso_officialdocs::work_files::deposits::sweep(&app.state, at);
    assert_eq!(
        sweep(day(11, 14)).await.unwrap(),
        0,
        "31 days before: not yet"
    );
    assert_eq!(sweep(day(11, 15)).await.unwrap(), 1, "30 days before");
    assert_eq!(sweep(day(11, 15)).await.unwrap(), 0, "once");
    assert_eq!(
        sweep(day(12, 20)).await.unwrap(),
        0,
        "not again when overdue"
    );
    let clerk = app.user_id(CLERK).await;
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM inbox_items WHERE user_id = $1 AND topic = 'documents.work_file_deposits'",
    )
    .bind(&clerk)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(sqlx::Row::get::<i64, _>(&row, "n"), 1, "the clerk's inbox");
    let leader = app.user_id(LEADER).await;
    assert_eq!(
        app.count_where("inbox_items", "user_id", &leader).await,
        0,
        "clerks only"
    );
    assert_eq!(
        app.count_where("audit_log", "action", "work_file.deposit_notice")
            .await,
        1
    );
}

fn xlsx_sheet(bytes: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = Vec::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// The rows of the first sheet of an XLSX workbook, each cell as text.
fn xlsx_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    use quick_xml::events::Event;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut read = |name: &str| {
        let mut s = String::new();
        if let Ok(mut f) = zip.by_name(name) {
            f.read_to_string(&mut s).unwrap();
        }
        s
    };
    let shared_xml = read("xl/sharedStrings.xml");
    let sheet_xml = read("xl/worksheets/sheet1.xml");
    let shared = xml_texts(&shared_xml, "si");
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut reader = quick_xml::Reader::from_str(&sheet_xml);
    let mut kind = String::new();
    let mut in_value = false;
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) if e.name().as_ref() == "row" => rows.push(Vec::new()),
            Event::Start(e) if e.name().as_ref() == "c" => {
                kind = e
                    .try_get_attribute("t")
                    .unwrap()
                    .map(|a| a.value.to_string())
                    .unwrap_or_default();
            }
            Event::Start(e) if e.name().as_ref() == "v" || e.name().as_ref() == "t" => {
                in_value = true
            }
            Event::Text(t) if in_value => {
                let v = t.into_inner().into_owned();
                let cell = if kind == "s" {
                    shared[v.parse::<usize>().unwrap()].clone()
                } else {
                    v
                };
                rows.last_mut().unwrap().push(cell);
            }
            Event::End(e) if e.name().as_ref() == "v" || e.name().as_ref() == "t" => {
                in_value = false
            }
            Event::Eof => break,
            _ => {}
        }
    }
    rows
}

async fn registers_hold_the_periods_documents_in_number_order(app: TestApp) {
    let p = people(&app).await;
    let pdf = pdf_with("REGISTER", 1);
    let mut numbers = Vec::new();
    for subject in [
        "Quyết định thứ nhất",
        "=HYPERLINK(\"http://x\") quyết định thứ hai",
        "Quyết định thứ ba",
    ] {
        numbers.push(issued(&app, &p, subject, &pdf).await.1);
    }
    assert_eq!(numbers, vec!["01/QĐ-STP", "02/QĐ-STP", "03/QĐ-STP"]);
    received(
        &app,
        &p,
        "20/QĐ-UBND",
        "Quyết định về kế hoạch",
        ("2026-11-02", "2026-11-03"),
        ("a.pdf", &pdf),
    )
    .await;
    received_from(
        &app,
        &p,
        "=HYPERLINK(\"http://x\")",
        "21/QĐ-UBND",
        "Quyết định về tổ chức",
        ("2026-11-04", "2026-11-05"),
        ("b.pdf", &pdf),
    )
    .await;
    let t = today();
    let period = format!("from={}&to={}", t - chrono::Duration::days(1), t);

    let (status, media, xlsx) = bytes(
        &app,
        &format!("/api/v1/documents/registers/out.xlsx?{period}"),
        &p.clerk,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(media.contains("spreadsheetml"), "{media}");
    let rows = xlsx_rows(&xlsx);
    assert_eq!(rows[0][0], "Số, ký hiệu văn bản");
    assert_eq!(rows[0][2], "Tên loại và trích yếu nội dung văn bản");
    let firsts: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        firsts,
        numbers.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert!(
        rows[2][2].starts_with("Quyết định: =HYPERLINK"),
        "{:?}",
        rows[2]
    );
    assert!(rows[1][4].contains("Lưu: VT"), "{:?}", rows[1]);

    let (status, media, pdf_bytes) = bytes(
        &app,
        &format!("/api/v1/documents/registers/out.pdf?{period}"),
        &p.leader,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(media, "application/pdf");
    let text = page_texts(&pdf_bytes).join("\n");
    assert!(text.contains("SỔ ĐĂNG KÝ VĂN BẢN ĐI"), "{text}");
    let at = |n: &str| text.find(n).unwrap_or_else(|| panic!("{n} in {text}"));
    assert!(at("01/QĐ-STP") < at("02/QĐ-STP") && at("02/QĐ-STP") < at("03/QĐ-STP"));

    let (status, _, xlsx) = bytes(
        &app,
        "/api/v1/documents/registers/in.xlsx?from=2026-11-01&to=2026-11-30",
        &p.clerk,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let rows = xlsx_rows(&xlsx);
    assert_eq!(rows[0][1], "Số đến");
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!((rows[1][1].as_str(), rows[2][1].as_str()), ("1", "2"));
    assert_eq!(rows[1][3], "20/QĐ-UBND");
    // A cell that would start with a formula is written as text behind an apostrophe.
    assert_eq!(rows[2][2], "'=HYPERLINK(\"http://x\")");
    assert!(
        !String::from_utf8_lossy(&xlsx_sheet(&xlsx)).contains("<f>"),
        "no formula"
    );
    let (status, _, in_pdf) = bytes(
        &app,
        "/api/v1/documents/registers/in.pdf?from=2026-11-01&to=2026-11-30",
        &p.clerk,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page_texts(&in_pdf)
            .join("\n")
            .contains("SỔ ĐĂNG KÝ VĂN BẢN ĐẾN")
    );

    // Another agency's leader gets their own register, without these.
    let (status, _, theirs) = bytes(
        &app,
        &format!("/api/v1/documents/registers/out.xlsx?{period}"),
        &p.other,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(xlsx_rows(&theirs).len(), 1, "only the header");
    // Refusals: a specialist, a backwards or too long period, an unknown file.
    for (path, token, expect) in [
        (
            "/api/v1/documents/registers/out.pdf",
            &p.drafter,
            StatusCode::FORBIDDEN,
        ),
        (
            "/api/v1/documents/registers/out.pdf?from=2026-11-02&to=2026-11-01",
            &p.clerk,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/documents/registers/in.xlsx?from=2020-01-01&to=2026-01-01",
            &p.clerk,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/documents/registers/out.xlsx?from=2026-02-30",
            &p.clerk,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/documents/registers/out.csv",
            &p.clerk,
            StatusCode::NOT_FOUND,
        ),
    ] {
        let (status, media, body) = bytes(&app, path, token).await;
        assert_eq!(status, expect, "{path}: {}", String::from_utf8_lossy(&body));
        assert!(
            media.starts_with("application/problem+json"),
            "{path}: {media}"
        );
    }
}

async fn bad_input_is_refused_and_nothing_is_half_applied(app: TestApp) {
    let p = people(&app).await;
    let (status, dup) = call(
        &app,
        "POST",
        "/api/v1/work-files/lists",
        &p.clerk,
        Some(json!({"Year": 2026})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "the demo has 2026: {dup}");
    let (status, _) = call(
        &app,
        "POST",
        "/api/v1/work-files/lists",
        &p.leader,
        Some(json!({"Year": 2028})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the clerk drafts the list");
    let (status, bad) = call(
        &app,
        "POST",
        "/api/v1/work-files/lists",
        &p.clerk,
        Some(json!({"Year": 2028, "Headings": [{"Abbreviation": "tc cb", "Title": "X"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert_eq!(app.count("SELECT COUNT(*) FROM work_file_lists").await, 1);

    let list = new_list(&app, &p, 2028).await;
    let list_id = list["Id"].as_str().unwrap().to_owned();
    let files_before = app.count("SELECT COUNT(*) FROM work_files").await;
    let other_official = app.user_id(OTHER_LEADER).await;
    for (body, expect, field) in [
        (
            json!({"FileNotation": "1-TCCB", "Title": "T", "Maintenance": "5 năm"}),
            422,
            "FileNotation",
        ),
        (
            json!({"FileNotation": "00.TCCB", "Title": "T", "Maintenance": "5 năm"}),
            422,
            "FileNotation",
        ),
        (
            json!({"FileNotation": "01.XYZ", "Title": "T", "Maintenance": "5 năm"}),
            422,
            "Heading",
        ),
        (
            json!({"FileNotation": "01.TCCB", "Heading": "VP", "Title": "T", "Maintenance": "5 năm"}),
            422,
            "FileNotation",
        ),
        (
            json!({"FileNotation": "01.TCCB", "Title": "T", "Maintenance": "hai năm"}),
            422,
            "Maintenance",
        ),
        (
            json!({"FileNotation": "01.TCCB", "Title": "  ", "Maintenance": "5 năm"}),
            422,
            "Title",
        ),
        (
            json!({"FileNotation": "01.TCCB", "Title": "T", "Maintenance": "5 năm", "CreatorId": other_official}),
            422,
            "CreatorId",
        ),
    ] {
        let (status, problem) = add_file(&app, &p.clerk, &list_id, body.clone()).await;
        assert_eq!(status.as_u16(), expect, "{body}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{body}: {problem}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM work_files").await,
        files_before
    );
    let good = json!({"FileNotation": "01.TCCB", "Title": "Hồ sơ A", "Maintenance": "10 năm"});
    let (status, file) = add_file(&app, &p.clerk, &list_id, good.clone()).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, dup) = add_file(&app, &p.clerk, &list_id, good).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a duplicate code in the year: {dup}"
    );
    let file_id = file["Id"].as_str().unwrap().to_owned();

    // Roles and agencies.
    let (status, _) = add_file(
        &app,
        &p.other,
        &list_id,
        json!({"Heading": "VP", "Title": "T", "Maintenance": "5 năm"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another agency");
    let (status, _) = add_file(
        &app,
        &p.drafter,
        &list_id,
        json!({"Heading": "VP", "Title": "T", "Maintenance": "5 năm"}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "an official who is not the clerk"
    );
    let (status, _) = list_act(&app, &p.clerk, &list_id, json!({"Action": "approve"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the clerk does not approve");
    let (status, _) = list_act(&app, &p.other, &list_id, json!({"Action": "approve"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = list_act(
        &app,
        &p.clerk,
        &list_id,
        json!({"Action": "amend", "Note": "x"}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "only an approved list is amended"
    );
    let (status, _) = file_act(&app, &p.clerk, &file_id, json!({"Action": "open"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "not from an unapproved list");
    let (status, _) = list_act(&app, &p.leader, &list_id, json!({"Action": "approve"})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = list_act(&app, &p.leader, &list_id, json!({"Action": "approve"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "approved once");
    let (status, _) = call(
        &app,
        "POST",
        &format!("/api/v1/work-files/lists/{list_id}/headings"),
        &p.clerk,
        Some(json!({"Abbreviation": "KT", "Title": "Kế toán"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "frozen without an amendment");

    // Placing: a planned file, another agency's document, a draft.
    let pdf = pdf_with("X", 1);
    let (_, _, theirs) = issued(&app, &p, "Quyết định gửi phường", &pdf).await;
    let (status, _) = place(&app, &p.clerk, &file_id, &theirs).await;
    assert_eq!(status, StatusCode::CONFLICT, "not open yet");
    let (status, opened) = file_act(
        &app,
        &p.clerk,
        &file_id,
        json!({"Action": "open", "StartDate": "2028-01-02"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{opened}");
    let (status, problem) = place(&app, &p.clerk, &file_id, &theirs).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "another agency's copy: {problem}"
    );
    let (_, draft) = call(
        &app,
        "POST",
        "/api/v1/documents",
        &p.drafter,
        Some(json!({"TypeName": "decision", "Subject": "Dự thảo",
            "SignerInfo": {"Position": "Giám đốc", "FullName": "Hoàng Văn Bình"},
            "To": [{"OrganName": "Lưu: VT"}]})),
    )
    .await;
    let (status, _) = place(&app, &p.clerk, &file_id, draft["Id"].as_str().unwrap()).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a draft is not filed"
    );
    assert_eq!(
        app.count_where("work_file_documents", "file_id", &file_id)
            .await,
        0
    );
    let (status, problem) = file_act(
        &app,
        &p.clerk,
        &file_id,
        json!({"Action": "close", "EndDate": "2028-01-01"}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "ends before it began: {problem}"
    );
    let (status, _) = file_act(&app, &p.clerk, &file_id, json!({"Action": "shred"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, still) = call(
        &app,
        "GET",
        &format!("/api/v1/work-files/{file_id}"),
        &p.drafter,
        None,
    )
    .await;
    assert_eq!(still["State"], "open", "nothing half applied");
    assert!(still["EndDate"].is_null());
}
