//! The work files, registers and handling report on the officials' pages, on both databases:
//! the document clerk drafts a year's file list with a heading and a file, a specialist may not
//! approve it (said in Vietnamese), the leader approves it and the person responsible opens the
//! file; an issued decision is placed in an open file from its page, the file closed through
//! the confirmation step and exported through its links; the registers page downloads the
//! register and refuses a backward period; the leader's report shows the API's rows. Mistakes
//! come back with what was typed; another agency's people get 404.

use crate::common;
use crate::documents::{act, approved_draft, draft, people};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::TestApp;
use http_body_util::BodyExt;
use serde_json::json;

const PASSWORD: &str = "TinhSo@2026";
const CLERK: &str = "vanthu.tuphap@tinhso.local";
const LEADER: &str = "lanhdao.tuphap@tinhso.local";
const SPECIALIST: &str = "chuyenvien.tuphap@tinhso.local";
const OTHER_CLERK: &str = "vanthu.hacthanh@tinhso.local";
const WARD_CLERK: &str = OTHER_CLERK;
const WARD_LEADER: &str = "lanhdao.hacthanh@tinhso.local";
const WARD_UNIT: &str = "000.01.60.H56";

on_both_databases!(
    the_yearly_list_is_drafted_approved_and_its_file_opened_on_the_pages,
    a_document_is_placed_in_a_file_that_is_closed_and_exported_and_the_registers_are_read
);

async fn sign_in(app: &TestApp, email: &str) {
    app.clear_cookies();
    let (status, body, _) = app.login(email, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{email} signs in: {body}");
}

async fn one(app: &TestApp, sql: &'static str, bind: &str) -> String {
    sqlx::Row::get(
        &sqlx::query(sql)
            .bind(bind)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap(),
        0,
    )
}

/// A GET with the session's cookie: status, content type and body.
async fn download(app: &TestApp, path: &str) -> (StatusCode, String, Vec<u8>) {
    let resp = app
        .send(Request::get(path).body(Body::empty()).unwrap())
        .await;
    let status = resp.status();
    let media = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, media, bytes)
}

async fn the_yearly_list_is_drafted_approved_and_its_file_opened_on_the_pages(app: TestApp) {
    let specialist_id = app.user_id(SPECIALIST).await;
    sign_in(&app, CLERK).await;
    let (status, html) = app.get("/office/work-files").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Danh mục hồ sơ năm 2026"), "the demo's list");
    assert!(html.contains("Kế hoạch công tác tư pháp năm 2026"));
    assert!(
        html.contains("action=\"/office/work-files\""),
        "the clerk drafts"
    );
    // The office home links the page for the clerk.
    let (_, home) = app.get("/office").await;
    assert!(home.contains("href=\"/office/work-files\""));
    assert!(home.contains("href=\"/office/documents/registers\""));

    // A year that is not a number: said in Vietnamese, the headings typed come back.
    let (status, html, _) = app
        .post_form(
            "/office/work-files",
            "/office/work-files",
            &[
                ("Year", "năm sau"),
                ("Abbreviation1", "TCCB"),
                ("Title1", "Tổ chức cán bộ"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Năm của danh mục có 4 chữ số."), "{html}");
    assert!(
        html.contains("value=\"Tổ chức cán bộ\""),
        "nothing typed is lost"
    );
    let (status, _, to) = app
        .post_form(
            "/office/work-files",
            "/office/work-files",
            &[
                ("Year", "2031"),
                ("Numbering", "per_heading"),
                ("Abbreviation1", "TCCB"),
                ("Title1", "Tổ chức cán bộ"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let to = to.unwrap();
    let list = to
        .strip_prefix("/office/work-files?list=")
        .and_then(|r| r.strip_suffix("&done=create"))
        .unwrap()
        .to_owned();
    let page = format!("/office/work-files?list={list}");
    let (status, html, _) = app
        .post_form(
            "/office/work-files",
            "/office/work-files",
            &[("Year", "2031")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Cơ quan đã có danh mục hồ sơ năm 2031."));

    // A file with a retention that is not one: refused next to its field, the title kept.
    let files = format!("/office/work-files/lists/{list}/files");
    let title = "Hồ sơ tuyển dụng công chức năm 2031";
    let (status, html, _) = app
        .post_form(
            &page,
            &files,
            &[
                ("Heading", "TCCB"),
                ("Title", title),
                ("Maintenance", "mãi mãi"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"e-file-Maintenance\""), "{html}");
    assert!(html.contains("Thời hạn bảo quản là “Vĩnh viễn” hoặc một số năm"));
    assert!(html.contains(&format!("value=\"{title}\"")));
    let (status, _, to) = app
        .post_form(
            &page,
            &files,
            &[
                ("Heading", "TCCB"),
                ("Title", title),
                ("Maintenance", "20 năm"),
                ("CreatorId", &specialist_id),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(to.unwrap().ends_with("done=file"));
    let (_, html) = app.get(&page).await;
    assert!(html.contains("01.TCCB") && html.contains("000.00.14.H56.2031.01.TCCB"));
    assert!(html.contains(title));
    let file = one(&app, "SELECT id FROM work_files WHERE list_id = $1", &list).await;

    // The specialist reads the list but may not approve it: told so, the list unchanged.
    sign_in(&app, SPECIALIST).await;
    let (status, html) = app.get(&page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("value=\"approve\"") && !html.contains("action=\"/office/work-files\""));
    let actions = format!("/office/work-files/lists/{list}/actions");
    let (status, html, _) = app
        .post_form(&page, &actions, &[("action", "approve")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Bạn không có quyền thực hiện thao tác này với danh mục, hồ sơ này."));
    let state = "SELECT state FROM work_file_lists WHERE id = $1";
    assert_eq!(one(&app, state, &list).await, "draft");
    // The file cannot be opened from a draft list.
    let file_page = format!("/office/work-files/{file}");
    let (status, html, _) = app
        .post_form(
            &file_page,
            &format!("{file_page}/actions"),
            &[("action", "open")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Chỉ mở hồ sơ từ danh mục hồ sơ đã được phê duyệt."));

    // The leader approves.
    sign_in(&app, LEADER).await;
    let (_, html) = app.get(&page).await;
    assert!(html.contains("value=\"approve\""));
    let (status, _, to) = app
        .post_form(&page, &actions, &[("action", "approve")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(to.unwrap().ends_with("done=approve"));
    assert_eq!(one(&app, state, &list).await, "approved");

    // The approved list is frozen for the clerk until an amendment, which needs its reason.
    sign_in(&app, CLERK).await;
    let (status, html, _) = app
        .post_form(
            &page,
            &format!("/office/work-files/lists/{list}/headings"),
            &[("Abbreviation", "TH"), ("Title", "Tổng hợp")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Danh mục hồ sơ đã được phê duyệt: muốn sửa"));
    let (status, html, _) = app
        .post_form(&page, &actions, &[("action", "amend"), ("Note", " ")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Ghi rõ lý do sửa đổi, bổ sung danh mục hồ sơ."));

    // Another agency's clerk learns nothing of the list or the file.
    sign_in(&app, OTHER_CLERK).await;
    let (status, _) = app.get(&page).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get(&file_page).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = app
        .post_form("/office/work-files", &actions, &[("action", "approve")])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The person responsible opens the file.
    sign_in(&app, SPECIALIST).await;
    let (_, html) = app.get(&file_page).await;
    assert!(
        html.contains("value=\"open\""),
        "the person responsible opens it"
    );
    let (status, _, to) = app
        .post_form(
            &file_page,
            &format!("{file_page}/actions"),
            &[("action", "open"), ("StartDate", "2031-01-05")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(to.unwrap().ends_with("done=open"));
    let (_, html) = app.get(&file_page).await;
    assert!(html.contains("Đang mở") && html.contains("2031-01-05"));
}

async fn a_document_is_placed_in_a_file_that_is_closed_and_exported_and_the_registers_are_read(
    app: TestApp,
) {
    let p = people(&app).await;
    let subject = "Quyết định phê duyệt kế hoạch kiểm tra công tác hộ tịch";
    let id = approved_draft(&app, &p, draft(subject), "qd.pdf").await;
    let (status, doc) = act(&app, &p.clerk, &id, json!({"Action": "issue"})).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    let number = format!(
        "{}/{}",
        doc["CodeNumber"].as_str().unwrap(),
        doc["CodeNotation"].as_str().unwrap()
    );
    let file = one(
        &app,
        "SELECT id FROM work_files WHERE state = 'open' AND title = $1",
        "Kế hoạch công tác tư pháp năm 2026",
    )
    .await;
    let doc_page = format!("/office/documents/{id}");
    let place = format!("{doc_page}/work-files");

    // The drafter is offered "Thay thế", not the placement (the demo's files are the clerk's).
    sign_in(&app, SPECIALIST).await;
    let (_, html) = app.get(&doc_page).await;
    assert!(html.contains(&format!("href=\"/office/documents/new?replaces={id}\"")));
    assert!(!html.contains(&format!("action=\"{place}\"")));

    sign_in(&app, CLERK).await;
    let (_, html) = app.get(&doc_page).await;
    assert!(
        html.contains(&format!("action=\"{place}\"")),
        "the clerk places"
    );
    assert!(
        html.contains(&format!("value=\"{file}\"")),
        "the open file offered"
    );
    assert!(!html.contains("?replaces="), "the clerk drafts nothing");
    let (status, html, _) = app.post_form(&doc_page, &place, &[("file", "")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Chọn hồ sơ để đưa văn bản vào."));
    let (status, _, to) = app.post_form(&doc_page, &place, &[("file", &file)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let to = to.unwrap();
    assert!(to.ends_with("done=place"));
    let (_, html) = app.get(&to).await;
    assert!(html.contains("Đã đưa văn bản vào hồ sơ."));
    assert!(html.contains(&format!("href=\"/office/work-files/{file}\"")));
    let (status, html, _) = app.post_form(&doc_page, &place, &[("file", &file)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Văn bản đã có trong hồ sơ này."));

    // The file lists it; closing asks first, a backward end date is refused, then it closes
    // and offers its exports, which the session downloads.
    let file_page = format!("/office/work-files/{file}");
    let (_, html) = app.get(&file_page).await;
    assert!(html.contains(&format!("href=\"/office/documents/{id}\"")));
    let close = format!("{file_page}/actions");
    let (status, html, _) = app
        .post_form(&file_page, &close, &[("action", "close")])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-testid=\"confirm-step\"") && html.contains("Đóng hồ sơ?"));
    let (status, html, _) = app
        .post_form(
            &file_page,
            &close,
            &[
                ("action", "close"),
                ("EndDate", "2025-12-31"),
                ("Maintenance", "20 năm"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Ngày kết thúc hồ sơ không được trước ngày bắt đầu."));
    assert!(html.contains("value=\"2025-12-31\""));
    let (status, _, to) = app
        .post_form(
            &file_page,
            &close,
            &[("action", "close"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(to.unwrap().ends_with("done=close"));
    let (_, html) = app.get(&file_page).await;
    let pdf = format!("/api/v1/work-files/{file}/export.pdf");
    assert!(html.contains(&format!("href=\"{pdf}\"")) && html.contains("export.xml"));
    let (status, media, bytes) = download(&app, &pdf).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(media, "application/pdf");
    assert!(bytes.starts_with(b"%PDF"));
    let (status, media, _) = download(&app, &format!("/api/v1/work-files/{file}/export.xml")).await;
    assert_eq!(
        (status, media.as_str()),
        (StatusCode::OK, "application/xml")
    );

    // The registers: the outgoing one holds the decision; a backward period is said on the form.
    let (status, html) = app.get("/office/documents/registers").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("name=\"format\" value=\"pdf\""));
    let (status, media, bytes) = download(
        &app,
        "/office/documents/registers?register=out&format=pdf&from=2026-01-01&to=2030-12-31",
    )
    .await;
    assert_eq!(
        (status, media.as_str()),
        (StatusCode::OK, "application/pdf")
    );
    let pdf = lopdf::Document::load_mem(&bytes).unwrap();
    let pages: Vec<u32> = pdf.get_pages().keys().copied().collect();
    assert!(pdf.extract_text(&pages).unwrap().contains(&number));
    let (status, media, _) =
        download(&app, "/office/documents/registers?register=in&format=xlsx").await;
    assert_eq!(status, StatusCode::OK);
    assert!(media.contains("spreadsheetml"));
    let (status, html) = app
        .get("/office/documents/registers?register=in&format=pdf&from=2026-12-01&to=2026-01-01")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Ngày cuối của kỳ không được trước ngày đầu."));
    assert!(
        html.contains("value=\"2026-12-01\""),
        "the period typed comes back"
    );

    // The specialist reads neither the registers nor the report; another agency gets 404 on
    // the document's placement.
    sign_in(&app, SPECIALIST).await;
    for page in [
        "/office/documents/registers",
        "/office/documents/timeliness",
    ] {
        let (status, _) = app.get(page).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    }
    sign_in(&app, OTHER_CLERK).await;
    let (status, _, _) = app
        .post_form("/office/documents", &place, &[("file", &file)])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The ward directs its copy to its unit: the leader's report shows the API's row.
    let copy = doc["To"][0]["DeliveredAs"].as_str().unwrap().to_owned();
    let ward_clerk = app.token(WARD_CLERK, &["documents"]).await;
    let ward_leader = app.token(WARD_LEADER, &["documents"]).await;
    let path = format!("/api/v1/documents/{copy}");
    let (status, body) = app
        .api(
            "POST",
            &format!("{path}/present"),
            Some(&ward_clerk),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let direction = json!({"Directions": "Phòng Văn hóa - Xã hội tham mưu.",
        "LeadUnit": {"OrganId": WARD_UNIT, "WorkingDays": 5}, "SupportingUnits": []});
    let (status, body) = app
        .api(
            "POST",
            &format!("{path}/direction"),
            Some(&ward_leader),
            Some(direction),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, rows) = app
        .api(
            "GET",
            "/api/v1/documents/timeliness",
            Some(&ward_leader),
            None,
        )
        .await;
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    sign_in(&app, WARD_LEADER).await;
    let (status, html) = app.get("/office/documents/timeliness").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-testid=\"timeliness\""));
    assert!(html.contains(rows[0]["UnitName"].as_str().unwrap()) && html.contains(WARD_UNIT));
    let (status, html) = app
        .get("/office/documents/timeliness?From=01/01/2026&To=2026-12-31")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Ngày có dạng YYYY-MM-DD."));
    assert!(
        html.contains("value=\"01/01/2026\"") || html.contains("value=\"01&#x2f;01&#x2f;2026\"")
    );
}
