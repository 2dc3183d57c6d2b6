//! The officials' "Văn bản" pages, on both databases: a draft made from the form, kept from
//! another agency's officials (404 on its page, its actions and its files), no step without the
//! form's CSRF token, a wrong role or a secrecy mark explained in Vietnamese with nothing
//! changed, and a paper arrival registered twice through the duplicate warning.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{TestApp, text};

const PASSWORD: &str = "TinhSo@2026";
const DRAFTER: &str = "chuyenvien.tuphap@tinhso.local";
const LEADER: &str = "lanhdao.tuphap@tinhso.local";
const CLERK: &str = "vanthu.tuphap@tinhso.local";
const OTHER_SPECIALIST: &str = "chuyenvien.hacthanh@tinhso.local";
const OTHER_CLERK: &str = "vanthu.hacthanh@tinhso.local";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
const SUBJECT: &str = "Quyết định phê duyệt kế hoạch kiểm tra công tác hộ tịch (thử)";

on_both_databases!(
    a_draft_page_is_kept_from_other_agencies_and_from_forged_posts,
    a_paper_arrival_registered_twice_asks_first
);

async fn sign_in(app: &TestApp, email: &str) {
    app.clear_cookies();
    let (status, body, _) = app.login(email, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{email} signs in: {body}");
}

async fn state_of(app: &TestApp, id: &str) -> String {
    sqlx::Row::get(
        &sqlx::query("SELECT state FROM documents WHERE id = $1")
            .bind(id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap(),
        "state",
    )
}

/// Creates a draft from the new draft form as the demo specialist; returns its id.
async fn drafted(app: &TestApp, secrecy: &str) -> (StatusCode, String, Option<String>) {
    sign_in(app, DRAFTER).await;
    app.post_multipart(
        "/office/documents/new",
        "/office/documents/new",
        &[
            ("TypeName", "decision"),
            ("Subject", SUBJECT),
            ("Priority", "1"),
            ("Secrecy", secrecy),
            ("to_000.00.60.H56", "on"),
            ("ToOutside", "Lưu: VT, HCTP"),
            ("SignerInfo.Position", "Giám đốc"),
            ("SignerInfo.FullName", "Hoàng Văn Bình"),
            ("PageAmount", "2"),
            ("IssuedAmount", "3"),
        ],
        &[("file", "du-thao.pdf", PDF)],
    )
    .await
}

async fn a_draft_page_is_kept_from_other_agencies_and_from_forged_posts(app: TestApp) {
    // A secrecy mark is refused on the form, in Vietnamese, with what was typed kept.
    let before = app.count("SELECT COUNT(*) FROM documents").await;
    let (status, html, _) = drafted(&app, "MẬT").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("là văn bản mật"), "{html}");
    assert!(html.contains(SUBJECT), "the subject typed is kept");
    assert_eq!(app.count("SELECT COUNT(*) FROM documents").await, before);
    assert_eq!(app.count("SELECT COUNT(*) FROM document_versions").await, 0);

    let (status, _, location) = drafted(&app, "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = location.unwrap();
    let id = location
        .strip_prefix("/office/documents/")
        .and_then(|rest| rest.split('?').next())
        .unwrap()
        .to_owned();
    let page = format!("/office/documents/{id}");
    let (status, html) = app.get(&location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(SUBJECT) && html.contains("Dự thảo") && html.contains("du-thao.pdf"));
    assert!(html.contains("Lưu: VT, HCTP"));
    let (status, _) = app.get(&format!("{page}/versions/1")).await;
    assert_eq!(status, StatusCode::OK, "the drafter downloads the draft");

    // A step posted without the page's CSRF token is refused and changes nothing.
    let forged = Request::post(format!("{page}/actions"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, app.cookie_header())
        .body(Body::from("action=submit"))
        .unwrap();
    let (status, _) = text(app.send(forged).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(state_of(&app, &id).await, "draft");

    let (status, _, _) = app
        .post_form(&page, &format!("{page}/actions"), &[("action", "submit")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(state_of(&app, &id).await, "in_review");

    // Another agency's officials: the document does not exist for them.
    for email in [OTHER_SPECIALIST, OTHER_CLERK] {
        sign_in(&app, email).await;
        for path in [
            page.clone(),
            format!("{page}/versions/1"),
            format!("{page}/reads"),
        ] {
            let (status, html) = app.get(&path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{email} {path}");
            assert!(!html.contains(SUBJECT));
        }
        let (status, _, _) = app
            .post_form(
                "/office/documents",
                &format!("{page}/actions"),
                &[("action", "approve_content")],
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{email} acts");
        let (status, _, _) = app
            .post_multipart(
                "/office/documents",
                &format!("{page}/versions"),
                &[],
                &[("file", "khac.pdf", PDF)],
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{email} uploads");
        let (_, html) = app.get("/office/documents").await;
        assert!(!html.contains(SUBJECT), "not in {email}'s list");
    }
    assert_eq!(state_of(&app, &id).await, "in_review");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM document_versions").await,
        1,
        "no version from outside"
    );

    // The issuing agency's clerk reads it but is not the unit head: told so, nothing changes,
    // and the comment typed is kept.
    sign_in(&app, CLERK).await;
    let (_, html) = app.get(&page).await;
    assert!(
        !html.contains("value=\"approve_content\""),
        "only the steps the clerk may take are offered"
    );
    let (status, html, _) = app
        .post_form(
            &page,
            &format!("{page}/actions"),
            &[("action", "approve_content"), ("note", "Nội dung đạt")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Bạn không có quyền thực hiện thao tác này"));
    assert_eq!(state_of(&app, &id).await, "in_review");
    // …nor a step the state does not allow yet.
    let (status, html, _) = app
        .post_form(
            &page,
            &format!("{page}/actions"),
            &[("action", "approve_form"), ("note", "Thể thức đạt")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("trạng thái hiện tại"), "{html}");

    // Returning needs a comment; with one, the drafter's page shows it.
    sign_in(&app, LEADER).await;
    let (status, html, _) = app
        .post_form(
            &page,
            &format!("{page}/actions"),
            &[("action", "return_for_revision"), ("note", " ")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Ghi rõ cần sửa gì"));
    let (status, _, _) = app
        .post_form(
            &page,
            &format!("{page}/actions"),
            &[
                ("action", "return_for_revision"),
                ("note", "Bổ sung căn cứ pháp lý"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(state_of(&app, &id).await, "draft");
    sign_in(&app, DRAFTER).await;
    let (_, html) = app.get(&page).await;
    assert!(html.contains("Bổ sung căn cứ pháp lý"));

    // Nobody but a clerk registers arrivals, and the incoming register is the clerk's and
    // the leaders'.
    assert_eq!(
        app.get("/office/documents/register").await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/office/documents/incoming").await.0,
        StatusCode::FORBIDDEN
    );
    // Every page view was logged, and the clerks and leaders see the log.
    sign_in(&app, LEADER).await;
    let (status, html) = app.get(&format!("{page}/reads")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Vũ Đức Long") && html.contains("Ngô Thị Lan"));
}

async fn register(app: &TestApp, confirm: bool) -> (StatusCode, String, Option<String>) {
    let mut fields = vec![
        ("CodeNumber", "27/UBND-VX"),
        ("OrganName", "Ủy ban nhân dân huyện Minh Họa"),
        ("IssuedDate", "2026-11-02"),
        ("ArrivalDate", "2026-11-05"),
        ("Subject", "Về việc phối hợp tuyên truyền pháp luật (thử)"),
        ("Source", "scan"),
        ("Priority", "0"),
    ];
    if confirm {
        fields.push(("ConfirmDuplicate", "yes"));
    }
    app.post_multipart(
        "/office/documents/register",
        "/office/documents/register",
        &fields,
        &[("file", "ban-quet.pdf", PDF)],
    )
    .await
}

async fn a_paper_arrival_registered_twice_asks_first(app: TestApp) {
    sign_in(&app, CLERK).await;
    let count = || app.count("SELECT COUNT(*) FROM documents WHERE code_notation = 'UBND-VX'");
    let (status, _, location) = register(&app, false).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = app.get(&location.unwrap()).await;
    assert!(html.contains("Đã vào sổ văn bản đến.") && html.contains("ban-quet.pdf"));
    assert_eq!(count().await, 1);

    let (status, html, _) = register(&app, false).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("Văn bản này đã được đăng ký. Vẫn đăng ký?"));
    assert!(html.contains("name=\"ConfirmDuplicate\" value=\"yes\""));
    assert!(
        !html.contains("ConfirmDuplicate)"),
        "no API words on the page"
    );
    assert!(
        html.contains("Ủy ban nhân dân huyện Minh Họa"),
        "the form keeps what was typed"
    );
    assert_eq!(count().await, 1, "the warning stored nothing");

    let (status, _, _) = register(&app, true).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(count().await, 2);
    let (status, html) = app.get("/office/documents/incoming").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(html.matches("UBND-VX").count(), 2, "two rows");

    // No file: said next to the field, nothing registered.
    let (status, html, _) = app
        .post_multipart(
            "/office/documents/register",
            "/office/documents/register",
            &[
                ("CodeNumber", "28/UBND-VX"),
                ("OrganName", "Ủy ban nhân dân huyện Minh Họa"),
                ("IssuedDate", "2026-11-02"),
                ("Subject", "Văn bản thiếu tệp (thử)"),
            ],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Chọn tệp văn bản (PDF hoặc DOCX)."));
    assert_eq!(count().await, 2);
}
