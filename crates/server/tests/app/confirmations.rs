//! Irreversible actions ask first, on both databases: a POST without the explicit
//! confirmation changes nothing and answers with the confirmation step (saying what will
//! happen, fees already paid included); only the confirmed POST acts.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{TestApp, text};
use serde_json::json;

const PASSWORD: &str = "TinhSo@2026";
const CITIZEN: &str = "congdan@tinhso.local";
const CLERK: &str = "motcua.hacthanh@tinhso.local";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

on_both_databases!(
    withdrawing_a_paid_dossier_asks_first_and_names_the_fee,
    officials_confirm_refusal_forwarding_and_return,
    revoking_a_token_and_deleting_a_route_ask_first,
    rejecting_a_report_asks_first_and_a_short_reason_is_refused_outright
);

/// A citizen's copy-of-extract dossier (8,000 đ), filed through the API and paid at the test
/// gateway like a browser would; its id.
async fn paid_dossier(app: &TestApp, key: &str) -> String {
    let id = common::file_copy_of_extract(app, CITIZEN, key).await;
    app.clear_cookies();
    app.login(CITIZEN, PASSWORD).await;
    let page = format!("/dossiers/{id}");
    let (_, _, checkout) = app
        .post_form(&page, &format!("/dossiers/{id}/pay"), &[])
        .await;
    let checkout = checkout.unwrap();
    let (status, _, back) = app
        .post_form(
            &checkout,
            "/payments/test-gateway",
            &[
                ("request", checkout.split_once('?').unwrap().1),
                ("outcome", "pay"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    app.get(&back.unwrap()).await;
    assert_eq!(fee_paid(app, &id).await, 8000);
    id
}

async fn fee_paid(app: &TestApp, id: &str) -> i64 {
    let row = sqlx::query("SELECT fee_paid FROM dossiers WHERE id = $1")
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    sqlx::Row::get(&row, 0)
}

async fn state_of(app: &TestApp, id: &str) -> String {
    let row = sqlx::query("SELECT state FROM dossiers WHERE id = $1")
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    sqlx::Row::get(&row, 0)
}

async fn audited(app: &TestApp, action: &'static str) -> i64 {
    app.count_where("audit_log", "action", action).await
}

async fn withdrawing_a_paid_dossier_asks_first_and_names_the_fee(app: TestApp) {
    let id = paid_dossier(&app, "w-1").await;
    let page = format!("/dossiers/{id}");
    let withdraw = format!("{page}/withdraw");
    let (_, html) = app.get(&page).await;
    assert!(html.contains("Bạn có thể rút hồ sơ; bạn sẽ được hỏi xác nhận trước"));

    // The dossier page's button (no confirmation field): the step, and nothing changes.
    let (status, html, _) = app.post_form(&page, &withdraw, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Rút hồ sơ?"), "{html}");
    assert!(html.contains("8.000 đ"), "the fee already paid is named");
    assert!(
        html.contains("không tự động hoàn lại"),
        "and whether it is refunded"
    );
    assert!(html.contains("Có, rút hồ sơ") && html.contains("Không, quay lại"));
    assert!(html.contains("name=\"confirm\" value=\"yes\""));
    assert_eq!(state_of(&app, &id).await, "submitted");
    assert_eq!(audited(&app, "dossier.withdraw").await, 0);

    // In English, the step speaks English and writes the amount the English way.
    let token = app.csrf(&page).await;
    let req = Request::post(&withdraw)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("{}; lang=en", app.cookie_header()))
        .body(Body::from(
            serde_urlencoded::to_string([("_csrf", token.as_str())]).unwrap(),
        ))
        .unwrap();
    let (status, html) = text(app.send(req).await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Withdraw the dossier?") && html.contains("8,000 VND"),
        "{html}"
    );
    assert!(html.contains("does not refund this amount automatically"));
    assert_eq!(state_of(&app, &id).await, "submitted");

    // Any other value is no confirmation either (an old form, a forged one).
    let (status, _, _) = app.post_form(&page, &withdraw, &[("confirm", "1")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(state_of(&app, &id).await, "submitted");

    let (status, _, location) = app.post_form(&page, &withdraw, &[("confirm", "yes")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some(page.as_str()));
    assert_eq!(state_of(&app, &id).await, "withdrawn");
    assert_eq!(fee_paid(&app, &id).await, 8000, "nothing refunded silently");

    // Once withdrawn, the step is not offered again: the action is refused outright.
    let (status, _, _) = app.post_form(&page, &withdraw, &[]).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

async fn officials_confirm_refusal_forwarding_and_return(app: TestApp) {
    let id = paid_dossier(&app, "o-1").await;
    app.clear_cookies();
    app.login(CLERK, PASSWORD).await;
    let page = format!("/office/dossiers/{id}");
    let actions = format!("{page}/actions");
    let (_, html) = app.get(&page).await;
    // Each action its own titled block; the forward list shows names, grouped, not codes.
    assert!(html.contains("<h3 id=\"act-refuse\">Từ chối tiếp nhận</h3>"));
    assert!(html.contains("<h3 id=\"act-forward\">Chuyển cơ quan có thẩm quyền</h3>"));
    assert!(html.contains("<optgroup label=\"Ủy ban nhân dân\">"));
    assert!(html.contains(">Ủy ban nhân dân phường Quảng Phú</option>"));
    assert!(!html.contains(">000.00.61.H56</option>"), "no bare codes");

    // A refusal without its reason: the message, no confirmation.
    let (status, html, _) = app
        .post_multipart(
            &page,
            &actions,
            &[("action", "refuse"), ("note", "ab")],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Vui lòng ghi rõ lý do"));
    // What was typed stays, in the refusal's own field, which the error summary links to.
    assert!(html.contains("href=\"#f-note\""));
    assert!(html.contains("<textarea id=\"f-note\" name=\"note\" rows=\"2\" aria-invalid=\"true\" aria-describedby=\"e-note\">ab</textarea>"), "{html}");
    assert_eq!(
        html.matches("id=\"f-note\"").count(),
        1,
        "only the refusal's field"
    );
    // With it: the step names the reason and the fee the applicant paid; nothing changes.
    let (status, html, _) = app
        .post_multipart(
            &page,
            &actions,
            &[("action", "refuse"), ("note", "Không thuộc thẩm quyền")],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Từ chối tiếp nhận hồ sơ?"));
    assert!(html.contains("Không thuộc thẩm quyền") && html.contains("8.000 đ"));
    assert!(html.contains("không tự động hoàn"));
    assert!(html.contains("name=\"note\" value=\"Không thuộc thẩm quyền\""));
    assert_eq!(state_of(&app, &id).await, "submitted");

    // Forwarding names the target agency before it goes.
    let (status, html, _) = app
        .post_multipart(
            &page,
            &actions,
            &[("action", "forward"), ("target_agency", "000.00.61.H56")],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Chuyển hồ sơ sang cơ quan khác?"));
    let target: String = sqlx::Row::get(
        &sqlx::query("SELECT name FROM agencies WHERE code = '000.00.61.H56'")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap(),
        0,
    );
    assert!(html.contains(&target));
    assert_eq!(state_of(&app, &id).await, "submitted");

    // Confirmed: refused, audited once.
    let (status, _, _) = app
        .post_multipart(
            &page,
            &actions,
            &[
                ("action", "refuse"),
                ("note", "Không thuộc thẩm quyền"),
                ("confirm", "yes"),
            ],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(state_of(&app, &id).await, "refused");
    assert_eq!(audited(&app, "dossier.refuse").await, 1);

    // Returning a result: the file is asked on the confirmation step itself.
    let other = paid_dossier(&app, "o-2").await;
    let token = app.token(CLERK, &["dossiers"]).await;
    let leader = app
        .token("lanhdao.hacthanh@tinhso.local", &["dossiers"])
        .await;
    let specialist = app
        .token("chuyenvien.hacthanh@tinhso.local", &["dossiers"])
        .await;
    for (who, action) in [
        (&token, "accept"),
        (&specialist, "complete_step"),
        (&leader, "approve"),
    ] {
        let (status, body) = app
            .api(
                "POST",
                &format!("/api/v1/dossiers/{other}/actions"),
                Some(who),
                Some(json!({ "action": action })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{action}: {body}");
    }
    app.clear_cookies();
    app.login(CLERK, PASSWORD).await;
    let page = format!("/office/dossiers/{other}");
    let actions = format!("{page}/actions");
    let (status, html, _) = app
        .post_multipart(&page, &actions, &[("action", "return_result")], &[])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Trả kết quả và kết thúc hồ sơ?"));
    assert!(html.contains("name=\"file_result\" type=\"file\" required"));
    assert!(
        !html.contains("8.000 đ"),
        "no refund talk when the service is delivered"
    );
    assert_eq!(state_of(&app, &other).await, "approved");
    let (status, _, _) = app
        .post_multipart(
            &page,
            &actions,
            &[("action", "return_result"), ("confirm", "yes")],
            &[("file_result", "ket-qua.pdf", PDF)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(state_of(&app, &other).await, "returned");
}

async fn revoking_a_token_and_deleting_a_route_ask_first(app: TestApp) {
    app.token(CITIZEN, &["dossiers"]).await;
    let token_id: String = sqlx::Row::get(
        &sqlx::query(
            "SELECT t.id FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE u.email = $1",
        )
        .bind(CITIZEN)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap(),
        0,
    );
    app.login(CITIZEN, PASSWORD).await;
    let revoke = format!("/account/tokens/{token_id}/revoke");
    let (status, html, _) = app.post_form("/account", &revoke, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Thu hồi mã truy cập?") && html.contains("dossiers"));
    let live = "SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL";
    assert_eq!(app.count(live).await, 1);
    let (status, _, _) = app
        .post_form("/account", &revoke, &[("confirm", "yes")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(app.count(live).await, 0);
    assert_eq!(audited(&app, "api_token.revoke").await, 1);
    // A revoked token is not offered for revocation again.
    let (status, _, _) = app.post_form("/account", &revoke, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A system administrator deletes a feedback routing rule: named first, then gone.
    app.clear_cookies();
    let admin = "admin@tinhso.local";
    let secret = app.enable_totp(admin).await;
    app.login(admin, PASSWORD).await;
    let code = tinhso::auth::totp::code_at(&secret, chrono::Utc::now().timestamp() as u64).unwrap();
    app.post_form("/login/totp", "/login/totp", &[("code", &code)])
        .await;
    // Routing rules pick their agency by name from a list grouped by kind, not by typing a code.
    let (_, html) = app.get("/admin/feedback").await;
    assert!(html.contains("<select id=\"f-agency\" name=\"agency\""));
    assert!(
        html.contains("<option value=\"000.00.60.H56\">Ủy ban nhân dân phường Hạc Thành</option>")
    );
    assert!(html.contains("<optgroup label=\"Sở, ban, ngành\">"));
    let routes = "SELECT COUNT(*) FROM feedback_routes";
    let before = app.count(routes).await;
    let row = sqlx::query(
        "SELECT r.id, a.name FROM feedback_routes r JOIN agencies a ON a.id = r.agency_id ORDER BY r.id",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let (route, agency): (String, String) = (sqlx::Row::get(&row, 0), sqlx::Row::get(&row, 1));
    let delete = format!("/admin/feedback/routes/{route}/delete");
    let (status, html, _) = app.post_form("/admin/feedback", &delete, &[]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Xóa quy tắc chuyển phản ánh?") && html.contains(&agency));
    assert_eq!(app.count(routes).await, before);
    let (status, _, _) = app
        .post_form("/admin/feedback", &delete, &[("confirm", "yes")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(app.count(routes).await, before - 1);
}

async fn rejecting_a_report_asks_first_and_a_short_reason_is_refused_outright(app: TestApp) {
    app.login(CITIZEN, PASSWORD).await;
    let fields = [
        ("category", "giao-thong"),
        ("title", "Đèn tín hiệu hỏng ở ngã tư"),
        (
            "description",
            "Đèn tín hiệu giao thông ở ngã tư Lê Lai tắt từ sáng nay.",
        ),
        ("address", "Ngã tư Lê Lai"),
        ("admin_unit", "14932"),
        ("_confirmed", "1"),
        ("_key", "reject-1"),
    ];
    let (status, _, location) = app
        .post_multipart("/login", "/feedback/new", &fields, &[])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let page = location.unwrap().split('?').next().unwrap().to_owned();
    let actions = format!("{page}/actions");
    app.clear_cookies();
    app.login(CLERK, PASSWORD).await;
    let status_now = "SELECT COUNT(*) FROM feedback_reports WHERE status = 'rejected'";

    // Too short a reason: the message straight away, no confirmation of a doomed rejection.
    let (status, html, _) = app
        .post_form(&page, &actions, &[("action", "reject"), ("note", "sai")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Vui lòng ghi rõ lý do"));
    // The reason typed stays in the rejection's field, which the error summary links to.
    assert!(html.contains("href=\"#f-note\""));
    assert!(html.contains("<textarea id=\"f-note\" name=\"note\" rows=\"2\" required aria-invalid=\"true\" aria-describedby=\"e-note\">sai</textarea>"), "{html}");
    let reason = "Đèn tín hiệu do Sở Giao thông quản lý";
    let (status, html, _) = app
        .post_form(&page, &actions, &[("action", "reject"), ("note", reason)])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Từ chối phản ánh?") && html.contains(reason));
    assert_eq!(app.count(status_now).await, 0, "asked, not done");
    let (status, _, _) = app
        .post_form(
            &page,
            &actions,
            &[("action", "reject"), ("note", reason), ("confirm", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(app.count(status_now).await, 1);
    // Someone who may not reject is refused before any confirmation is shown.
    app.clear_cookies();
    app.login("motcua.tuphap@tinhso.local", PASSWORD).await;
    let (status, _, _) = app
        .post_form(&page, &actions, &[("action", "reject"), ("note", reason)])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
