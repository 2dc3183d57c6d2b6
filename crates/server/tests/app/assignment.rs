//! Assignment of dossiers to named specialists and each official's "my work", on both
//! databases: who may assign to whom, the loads shown, the audit and email, who may then act,
//! and the order of "my work" (overdue on top, marked).

use crate::common;

use axum::http::StatusCode;
use common::TestApp;
use serde_json::json;

const PASSWORD: &str = "TinhSo@2026";
const CITIZEN: &str = "congdan@tinhso.local";
const CLERK: &str = "motcua.hacthanh@tinhso.local";
const SPECIALIST: &str = "chuyenvien.hacthanh@tinhso.local";
const SECOND: &str = "chuyenvien2.hacthanh@tinhso.local";
const LEADER: &str = "lanhdao.hacthanh@tinhso.local";
const OTHER_SPECIALIST: &str = "chuyenvien.tuphap@tinhso.local";
const OTHER_CLERK: &str = "motcua.tuphap@tinhso.local";

on_both_databases!(
    a_leader_or_the_desk_assigns_a_named_specialist_who_sees_it_first,
    assignment_is_refused_to_the_wrong_people_and_for_the_wrong_people
);

/// A second specialist at the ward, so that there is a choice.
async fn second_specialist(app: &TestApp) -> String {
    let input = tinhso::accounts::OfficialInput {
        agency_code: "000.00.60.H56".into(),
        full_name: "Đặng Thị Mai".into(),
        email: SECOND.into(),
        phone: String::new(),
        roles: vec!["specialist".into()],
        password: Some(PASSWORD.into()),
    };
    let actor = tinhso::audit::Actor {
        label: "test".into(),
        ip: String::new(),
    };
    tinhso::accounts::create_official(&app.state, &actor, None, &input)
        .await
        .unwrap()
}

/// A filed and accepted copy-of-extract dossier at the ward; its id and code.
async fn accepted_dossier(app: &TestApp, key: &str) -> (String, String) {
    let id = common::file_copy_of_extract(app, CITIZEN, key).await;
    let clerk = app.token(CLERK, &["dossiers"]).await;
    assert_eq!(act(app, &clerk, &id, "accept").await, StatusCode::OK);
    let code = sqlx::Row::get(
        &sqlx::query("SELECT code FROM dossiers WHERE id = $1")
            .bind(&id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap(),
        0,
    );
    (id, code)
}

async fn act(app: &TestApp, token: &str, id: &str, action: &str) -> StatusCode {
    app.api(
        "POST",
        &format!("/api/v1/dossiers/{id}/actions"),
        Some(token),
        Some(json!({ "action": action })),
    )
    .await
    .0
}

async fn assign(app: &TestApp, id: &str, assignee: &str) -> (StatusCode, String) {
    // The session's CSRF token from a page anyone signed in can open, so that refusals come
    // from the assignment's own checks.
    let (status, html, _) = app
        .post_form(
            "/account",
            &format!("/office/dossiers/{id}/assign"),
            &[("assignee", assignee)],
        )
        .await;
    (status, html)
}

async fn assignee_of(app: &TestApp, id: &str) -> Option<String> {
    sqlx::Row::get(
        &sqlx::query("SELECT assignee_id FROM dossiers WHERE id = $1")
            .bind(id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap(),
        0,
    )
}

async fn set_due(app: &TestApp, id: &str, due: &str) {
    sqlx::query("UPDATE dossiers SET due_local = $2 WHERE id = $1")
        .bind(id)
        .bind(due)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
}

async fn a_leader_or_the_desk_assigns_a_named_specialist_who_sees_it_first(app: TestApp) {
    let mai = second_specialist(&app).await;
    let tuan = app.user_id(SPECIALIST).await;
    let (first, first_code) = accepted_dossier(&app, "a-1").await;
    let (second, second_code) = accepted_dossier(&app, "a-2").await;
    let (third, _) = accepted_dossier(&app, "a-3").await;
    let (unassigned, _) = accepted_dossier(&app, "a-4").await;

    // The desk sees the ward's specialists, each with their load, and no one else's.
    app.login(CLERK, PASSWORD).await;
    let (_, html) = app.get(&format!("/office/dossiers/{first}")).await;
    assert!(html.contains("Phân công chuyên viên"));
    assert!(html.contains("Trịnh Văn Tuấn") && html.contains("Đặng Thị Mai"));
    assert!(!html.contains("Vũ Đức Long"), "another agency's specialist");
    assert!(html.contains("Chưa phân công"));
    assert_eq!(html.matches("— 0 hồ sơ đang giao").count(), 2);

    for (id, who) in [(&first, &tuan), (&second, &tuan), (&third, &mai)] {
        let (status, _) = assign(&app, id, who).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
    }
    assert_eq!(
        assignee_of(&app, &first).await.as_deref(),
        Some(tuan.as_str())
    );
    assert_eq!(
        app.count_where("audit_log", "action", "dossier.assign")
            .await,
        3
    );
    assert!(
        app.emailed(SPECIALIST, &format!("Bạn được giao hồ sơ {first_code}"))
            .await
    );
    assert!(app.emailed(SECOND, "Bạn được giao hồ sơ").await);
    // Assigning again to the same person changes nothing (no second audit row or email).
    assign(&app, &first, &tuan).await;
    assert_eq!(
        app.count_where("audit_log", "action", "dossier.assign")
            .await,
        3
    );

    // Loads: two open for Tuấn (one of them overdue), one for Mai.
    set_due(&app, &first, "2026-01-05T09:00:00").await;
    set_due(&app, &second, "2099-12-31T16:30:00").await;
    set_due(&app, &third, "2099-12-31T16:30:00").await;
    let (_, html) = app.get(&format!("/office/dossiers/{unassigned}")).await;
    assert!(html.contains("— 2 hồ sơ đang giao · 0 sắp đến hạn · <strong class=\"tag deadline-overdue\">1 quá hạn</strong>"), "{html}");
    assert!(html.contains("— 1 hồ sơ đang giao · 0 sắp đến hạn · 0 quá hạn"));

    // The queue says who holds each dossier.
    let (_, html) = app.get("/office/dossiers?queue=in_progress").await;
    assert_eq!(
        html.matches("Chuyên viên được giao: Trịnh Văn Tuấn")
            .count(),
        2
    );

    // Tuấn opens on "my work": the overdue dossier on top, marked; then the role queues.
    app.clear_cookies();
    app.login(SPECIALIST, PASSWORD).await;
    let (_, html) = app.get("/office").await;
    let work = &html[html.find("Việc của tôi").unwrap()..];
    let (at_first, at_second) = (
        work.find(&first_code).unwrap(),
        work.find(&second_code).unwrap(),
    );
    assert!(at_first < at_second, "overdue first");
    assert!(work[at_first..at_second].contains("Quá hạn"));
    assert_eq!(work.matches("data-testid=\"my-work-row\"").count(), 2);
    assert!(work.contains("/office/dossiers?queue=in_progress"));
    assert!(
        !work.contains("/office/dossiers?queue=new"),
        "not a clerk's queue"
    );

    // The same list through the API, for the officials' own tools.
    let tuan_token = app.token(SPECIALIST, &["dossiers"]).await;
    let (status, work) = app
        .api("GET", "/api/v1/me/work", Some(&tuan_token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let work = work.as_array().unwrap();
    assert_eq!(work.len(), 2);
    assert_eq!(work[0]["code"], first_code.as_str());
    assert_eq!(work[0]["urgency"], "overdue");
    assert_eq!(work[0]["due_local"], "2026-01-05T09:00:00");
    assert_eq!(work[1]["urgency"], "later");

    // Only the named specialist acts on an assigned dossier; unassigned ones stay open to all.
    let mai_token = app.token(SECOND, &["dossiers"]).await;
    assert_eq!(
        act(&app, &mai_token, &first, "complete_step").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        act(&app, &tuan_token, &first, "complete_step").await,
        StatusCode::OK
    );
    assert_eq!(
        act(&app, &mai_token, &unassigned, "complete_step").await,
        StatusCode::OK
    );

    // A leader reassigns: audited with who it was before; Tuấn loses it.
    app.clear_cookies();
    app.login(LEADER, PASSWORD).await;
    let (status, _) = assign(&app, &second, &mai).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let row = sqlx::query(
        "SELECT before_json, after_json FROM audit_log WHERE action = 'dossier.assign' ORDER BY seq DESC",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let before: String = sqlx::Row::get(&row, 0);
    let after: String = sqlx::Row::get(&row, 1);
    assert!(before.contains(&tuan) && after.contains(&mai) && after.contains("Đặng Thị Mai"));
    assert_eq!(
        act(&app, &tuan_token, &second, "complete_step").await,
        StatusCode::FORBIDDEN
    );
    assert!(
        app.emailed(SPECIALIST, &format!("Hồ sơ {second_code} đã được giao lại"))
            .await
    );
    let (_, html) = app
        .get(&format!("/office/dossiers/{second}?assigned=1"))
        .await;
    assert!(html.contains("Đã giao hồ sơ cho <strong>Đặng Thị Mai</strong>"));
}

async fn assignment_is_refused_to_the_wrong_people_and_for_the_wrong_people(app: TestApp) {
    let (id, _) = accepted_dossier(&app, "r-1").await;
    let tuan = app.user_id(SPECIALIST).await;
    let elsewhere = app.user_id(OTHER_SPECIALIST).await;
    let leader = app.user_id(LEADER).await;

    // Only a leader or the desk of the holding agency may assign.
    app.login(SPECIALIST, PASSWORD).await;
    let (_, html) = app.get(&format!("/office/dossiers/{id}")).await;
    assert!(!html.contains("Phân công chuyên viên"), "not offered");
    assert_eq!(assign(&app, &id, &tuan).await.0, StatusCode::FORBIDDEN);
    app.clear_cookies();
    app.login(OTHER_CLERK, PASSWORD).await;
    assert_eq!(assign(&app, &id, &elsewhere).await.0, StatusCode::NOT_FOUND);
    app.clear_cookies();
    app.login(CITIZEN, PASSWORD).await;
    assert_eq!(assign(&app, &id, &tuan).await.0, StatusCode::NOT_FOUND);

    // Only an active specialist of the same agency may be chosen.
    app.clear_cookies();
    app.login(CLERK, PASSWORD).await;
    for who in [elsewhere.as_str(), leader.as_str(), "", "nobody"] {
        let (status, html) = assign(&app, &id, who).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{who}");
        assert!(html.contains("Chọn một chuyên viên của cơ quan đang giữ hồ sơ."));
        // The error summary leads to the choice it is about.
        assert!(html.contains("href=\"#f-assignee\"") && html.contains("id=\"f-assignee\""));
    }
    sqlx::query("UPDATE users SET disabled = 1 WHERE id = $1")
        .bind(&tuan)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(
        assign(&app, &id, &tuan).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(assignee_of(&app, &id).await, None);
    assert_eq!(
        app.count_where("audit_log", "action", "dossier.assign")
            .await,
        0
    );

    sqlx::query("UPDATE users SET disabled = 0 WHERE id = $1")
        .bind(&tuan)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    // The API applies the same rules, with problem+json answers.
    let put = |token: String, who: String| {
        let app = &app;
        let id = id.clone();
        async move {
            app.api(
                "PUT",
                &format!("/api/v1/dossiers/{id}/assignee"),
                Some(&token),
                Some(json!({ "assignee": who })),
            )
            .await
        }
    };
    let specialist_token = app.token(SPECIALIST, &["dossiers"]).await;
    let other_clerk_token = app.token(OTHER_CLERK, &["dossiers"]).await;
    let clerk_token = app.token(CLERK, &["dossiers"]).await;
    assert_eq!(
        put(specialist_token, tuan.clone()).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        put(other_clerk_token, tuan.clone()).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, problem) = put(clerk_token.clone(), elsewhere.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "assignee", "{problem}");
    assert_eq!(assignee_of(&app, &id).await, None);
    let (status, body) = put(clerk_token, tuan.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(assignee_of(&app, &id).await.as_deref(), Some(tuan.as_str()));

    // A finished dossier is no one's work any more.
    let leader_token = app.token(LEADER, &["dossiers"]).await;
    let (status, body) = app
        .api(
            "POST",
            &format!("/api/v1/dossiers/{id}/actions"),
            Some(&leader_token),
            Some(json!({"action": "stop", "note": "Hồ sơ giả mạo"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(assign(&app, &id, &tuan).await.0, StatusCode::CONFLICT);
}
