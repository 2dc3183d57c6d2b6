//! The incoming processing flow on the officials' pages, on both databases: Sở Tư pháp's
//! decision reaches UBND phường Hạc Thành, whose clerk presents it, whose leader directs it to
//! Phòng Văn hóa - Xã hội, whose people pass it down and complete it, and the clerk closes it.
//! Each form refuses a wrong role in Vietnamese with nothing changed, another agency's officials
//! get 404, a POST without the page's CSRF token is refused, and the unit's people open the
//! document page.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{TestApp, multipart, text};
use serde_json::{Value, json};

const PASSWORD: &str = "TinhSo@2026";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
const WARD: &str = "000.00.60.H56";
const WARD_UNIT: &str = "000.01.60.H56";
/// The form's fields of a supporting unit: its tick and its working days.
const SUPPORT: &str = "support_000.01.60.H56";
const SUPPORT_DAYS: &str = "days_000.01.60.H56";
const OTHER_AGENCYS_UNIT: &str = "000.01.14.H56";
const WARD_CLERK: &str = "vanthu.hacthanh@tinhso.local";
const WARD_LEADER: &str = "lanhdao.hacthanh@tinhso.local";
const WARD_SPECIALIST: &str = "chuyenvien.hacthanh@tinhso.local";
const UNIT_LEADER: &str = "lanhdao.vhxh.hacthanh@tinhso.local";
const UNIT_SPECIALIST: &str = "chuyenvien.vhxh.hacthanh@tinhso.local";
const SENDER_CLERK: &str = "vanthu.tuphap@tinhso.local";
const SUBJECT: &str = "Quyết định về việc kiểm tra công tác hòa giải ở cơ sở (thử)";
const REFUSED: &str = "Bạn không có quyền thực hiện thao tác này";

on_both_databases!(the_incoming_flow_forms_check_who_takes_each_step);

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

async fn assignment_state(app: &TestApp, id: &str) -> (String, Option<String>) {
    let row =
        sqlx::query("SELECT state, handler_id FROM document_assignments WHERE document_id = $1")
            .bind(id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    (
        sqlx::Row::get(&row, "state"),
        sqlx::Row::get(&row, "handler_id"),
    )
}

async fn api_post(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let (status, doc) = app.api("POST", path, Some(token), Some(body)).await;
    assert!(status.is_success(), "{path}: {status} {doc}");
    doc
}

/// Sở Tư pháp's decision to the ward, issued through the API: the ward's incoming copy's id.
async fn delivered_to_the_ward(app: &TestApp) -> String {
    let drafter = app
        .token("chuyenvien.tuphap@tinhso.local", &["documents"])
        .await;
    let leader = app
        .token("lanhdao.tuphap@tinhso.local", &["documents"])
        .await;
    let clerk = app.token(SENDER_CLERK, &["documents"]).await;
    let created = api_post(
        app,
        &drafter,
        "/api/v1/documents",
        json!({
            "TypeName": "decision",
            "Subject": SUBJECT,
            "SignerInfo": {"Position": "Giám đốc", "FullName": "Hoàng Văn Bình"},
            "To": [{"OrganId": WARD}]
        }),
    )
    .await;
    let id = created["Id"].as_str().unwrap().to_owned();
    let (content_type, body) = multipart(&[], &[("file", "du-thao.pdf", PDF)]);
    let req = Request::post(format!("/api/v1/documents/{id}/versions"))
        .header(header::AUTHORIZATION, format!("Bearer {drafter}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    let (status, body) = text(app.send(req).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    for (token, action) in [
        (&drafter, "submit"),
        (&leader, "approve_content"),
        (&clerk, "approve_form"),
        (&leader, "sign"),
        (&clerk, "issue"),
    ] {
        api_post(
            app,
            token,
            &format!("/api/v1/documents/{id}/actions"),
            json!({ "Action": action }),
        )
        .await;
    }
    let (_, doc) = app
        .api(
            "GET",
            &format!("/api/v1/documents/{id}"),
            Some(&clerk),
            None,
        )
        .await;
    doc["To"][0]["DeliveredAs"].as_str().unwrap().to_owned()
}

async fn the_incoming_flow_forms_check_who_takes_each_step(app: TestApp) {
    let id = delivered_to_the_ward(&app).await;
    let page = format!("/office/documents/{id}");
    let processing = format!("{page}/processing");
    assert_eq!(state_of(&app, &id).await, "registered");

    // The leader is offered no presenting, and is told so when posting it anyway.
    sign_in(&app, WARD_LEADER).await;
    let (status, html) = app.get(&page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !html.contains("value=\"present\""),
        "only the clerk presents"
    );
    let (status, html, _) = app
        .post_form(
            &page,
            &processing,
            &[("step", "present"), ("Note", "Kính trình")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(REFUSED), "{html}");
    assert_eq!(state_of(&app, &id).await, "registered");

    // A step without the page's CSRF token is refused and changes nothing.
    sign_in(&app, WARD_CLERK).await;
    let forged = Request::post(&processing)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, app.cookie_header())
        .body(Body::from("step=present"))
        .unwrap();
    let (status, _) = text(app.send(forged).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(state_of(&app, &id).await, "registered");

    // The sender's clerk reads its own outgoing document, not the ward's copy: 404.
    sign_in(&app, SENDER_CLERK).await;
    assert_eq!(app.get(&page).await.0, StatusCode::NOT_FOUND);
    let (status, html, _) = app
        .post_form("/office/documents", &processing, &[("step", "present")])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!html.contains(SUBJECT));
    assert_eq!(state_of(&app, &id).await, "registered");

    sign_in(&app, WARD_CLERK).await;
    let (_, html) = app.get(&page).await;
    assert!(html.contains("Trình lãnh đạo"));
    let (status, _, location) = app
        .post_form(&page, &processing, &[("step", "present")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location.as_deref(),
        Some(format!("{page}?done=present").as_str())
    );
    assert_eq!(state_of(&app, &id).await, "presented");
    // The clerk does not direct.
    let (status, html, _) = app
        .post_form(
            &page,
            &processing,
            &[
                ("step", "direct"),
                ("LeadUnit", WARD_UNIT),
                ("LeadDays", "3"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(REFUSED));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM document_assignments").await,
        0
    );

    // The leader directs: mistakes are explained in Vietnamese with the direction kept, and
    // nothing is assigned until the form is right.
    sign_in(&app, WARD_LEADER).await;
    let (_, html) = app.get(&page).await;
    assert!(html.contains("Phòng Văn hóa - Xã hội"), "the ward's units");
    let directions = "Giao Phòng Văn hóa - Xã hội chủ trì thực hiện.";
    for (fields, message) in [
        (vec![("LeadDays", "3")], "Chọn đơn vị chủ trì."),
        (
            vec![("LeadUnit", WARD_UNIT), ("LeadDays", "ba")],
            "Số ngày làm việc là một số nguyên dương.",
        ),
        (
            vec![("LeadUnit", OTHER_AGENCYS_UNIT), ("LeadDays", "3")],
            "Đơn vị được giao phải là đơn vị trực thuộc cơ quan nhận văn bản.",
        ),
        (
            vec![
                ("LeadUnit", WARD_UNIT),
                ("LeadDays", "3"),
                ("LeadDate", "2099-12-31"),
            ],
            "Cho mỗi đơn vị một thời hạn",
        ),
        (
            vec![
                ("LeadUnit", WARD_UNIT),
                ("LeadDays", "3"),
                (SUPPORT, "on"),
                (SUPPORT_DAYS, "2"),
            ],
            "Đơn vị chủ trì không thể đồng thời là đơn vị phối hợp.",
        ),
        (
            vec![("LeadUnit", WARD_UNIT), ("LeadDays", "3"), (SUPPORT, "on")],
            "Cho mỗi đơn vị một thời hạn",
        ),
    ] {
        let mut all = vec![("step", "direct"), ("Directions", directions)];
        all.extend(fields);
        let (status, html, _) = app.post_form(&page, &processing, &all).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        assert!(html.contains(message), "{message}: {html}");
        assert!(html.contains(directions), "the direction typed is kept");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM document_assignments").await,
        0
    );
    assert_eq!(state_of(&app, &id).await, "presented");
    let (status, _, _) = app
        .post_form(
            &page,
            &processing,
            &[
                ("step", "direct"),
                ("Directions", directions),
                ("LeadUnit", WARD_UNIT),
                ("LeadDays", "3"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(state_of(&app, &id).await, "directed");
    let assignment: String = sqlx::Row::get(
        &sqlx::query("SELECT id FROM document_assignments WHERE document_id = $1")
            .bind(&id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap(),
        "id",
    );
    let unit_step = format!("{page}/assignments/{assignment}");

    // The unit's specialist opens the page (a unit's people read what their unit was given)
    // but may not pass it down: told so, nothing changed.
    sign_in(&app, UNIT_SPECIALIST).await;
    let (status, html) = app.get(&page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(SUBJECT) && html.contains(directions));
    let specialist_id: String = sqlx::Row::get(
        &sqlx::query("SELECT id FROM users WHERE email = $1")
            .bind(UNIT_SPECIALIST)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap(),
        "id",
    );
    let (status, html, _) = app
        .post_form(
            &page,
            &unit_step,
            &[("step", "pass_down"), ("Handler", &specialist_id)],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(REFUSED));
    assert_eq!(assignment_state(&app, &id).await, ("assigned".into(), None));
    // Nor is the overdue list theirs.
    assert_eq!(
        app.get("/office/documents/overdue").await.0,
        StatusCode::FORBIDDEN
    );

    // A ward specialist outside the unit reads the document but has no part in it.
    sign_in(&app, WARD_SPECIALIST).await;
    let (status, html) = app.get(&page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains(&unit_step));
    let (status, _, _) = app
        .post_form(
            &page,
            &unit_step,
            &[("step", "report"), ("Note", "Đang làm")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, html) = app.get("/office/documents/assigned").await;
    assert!(!html.contains(SUBJECT));

    // The unit's leader has it among the unit's work and passes it to the specialist; a
    // handler must be chosen.
    sign_in(&app, UNIT_LEADER).await;
    let (status, html) = app.get("/office/documents/assigned").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(SUBJECT));
    let (status, html, _) = app
        .post_form(
            &page,
            &unit_step,
            &[("step", "pass_down"), ("Note", "Làm gấp")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Chọn chuyên viên của đơn vị để giao.") && html.contains("Làm gấp"));
    let (status, _, _) = app
        .post_form(
            &page,
            &unit_step,
            &[("step", "pass_down"), ("Handler", &specialist_id)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        assignment_state(&app, &id).await,
        ("in_progress".into(), Some(specialist_id.clone()))
    );
    assert_eq!(state_of(&app, &id).await, "in_progress");
    let (status, html) = app.get("/office/documents/overdue").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the unit's leader sees the unit's overdue work"
    );
    assert!(!html.contains(SUBJECT), "not overdue");

    // The specialist completes the part; a result is required.
    sign_in(&app, UNIT_SPECIALIST).await;
    let (_, html) = app.get("/office/documents/assigned").await;
    assert!(html.contains(SUBJECT));
    let (status, html, _) = app
        .post_form(&page, &unit_step, &[("step", "close"), ("Result", " ")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Thông tin này là bắt buộc."));
    let (status, _, _) = app
        .post_form(
            &page,
            &unit_step,
            &[("step", "close"), ("Result", "Đã kiểm tra xong.")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(state_of(&app, &id).await, "done");
    // Closing the document is the clerk's, a leader's or the lead unit's, not another
    // specialist's of the ward.
    sign_in(&app, WARD_SPECIALIST).await;
    let (status, html, _) = app
        .post_form(&page, &processing, &[("step", "close"), ("confirm", "yes")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(REFUSED));
    assert_eq!(state_of(&app, &id).await, "done");

    // The clerk closes it through the confirmation step.
    sign_in(&app, WARD_CLERK).await;
    let (status, html, _) = app
        .post_form(
            &page,
            &processing,
            &[("step", "close"), ("Note", "Lưu hồ sơ")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Kết thúc xử lý văn bản?"));
    assert_eq!(
        state_of(&app, &id).await,
        "done",
        "nothing before confirming"
    );
    let (status, _, location) = app
        .post_form(
            &page,
            &processing,
            &[("step", "close"), ("Note", "Lưu hồ sơ"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location.as_deref(),
        Some(format!("{page}?done=close_document").as_str())
    );
    assert_eq!(state_of(&app, &id).await, "closed");
    let (_, html) = app.get(&format!("{page}?done=close_document")).await;
    assert!(html.contains("Đã kết thúc xử lý văn bản.") && html.contains("Đúng hạn"));
    assert!(!html.contains("data-testid=\"doc-processing\""));
}
