//! The incoming processing flow through the API, on both databases: UBND phường Hạc Thành
//! issues a decision to Sở Tư pháp, whose clerk presents it, whose director directs it to
//! Phòng Hành chính tư pháp (lead) and Trung tâm Trợ giúp pháp lý (supporting) with deadlines
//! in working days, the units pass it down, report and close, the document is done and closed,
//! and the sender sees each status. Also: the refusals, a recall after handling started, the
//! overdue view and the on-time counts, comments on a draft's versions.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{NaiveDate, NaiveDateTime};
use common::{TestApp, multipart, text};
use serde_json::{Value, json};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
const STP: &str = "000.00.14.H56";
const HCTP: &str = "000.02.14.H56";
const TGPL: &str = "000.01.14.H56";
const OTHER_AGENCYS_UNIT: &str = "000.01.12.H56";

on_both_databases!(
    an_incoming_decision_is_presented_directed_handled_and_closed_and_the_sender_sees_each_step,
    a_recall_after_handling_started_closes_the_units_assignments,
    reviewers_comment_on_a_drafts_versions
);

/// Everyone of the flow, as API tokens (and ids where the API names people).
struct Cast {
    // Sender: UBND phường Hạc Thành.
    sender_drafter: String,
    sender_leader: String,
    sender_clerk: String,
    // Recipient: Sở Tư pháp and two of its units.
    clerk: String,
    director: String,
    hctp_head: String,
    hctp_specialist: String,
    hctp_specialist_id: String,
    tgpl_head: String,
    tgpl_specialist_id: String,
}

/// An official of agency `code` made here (the demo has nobody in the units). Returns an API
/// token.
async fn official(app: &TestApp, id: &str, email: &str, code: &str, role: &str) -> String {
    let now = tinhso::time::now_text();
    sqlx::query(
        "INSERT INTO users (id, kind, email, full_name, agency_id, created_at, updated_at)
         SELECT $1, 'official', $2, 'Người thử nghiệm', id, $3, $3 FROM agencies WHERE code = $4",
    )
    .bind(id)
    .bind(email)
    .bind(&now)
    .bind(code)
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
        .bind(id)
        .bind(role)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    app.token(email, &["documents"]).await
}

async fn cast(app: &TestApp) -> Cast {
    let token = |email: &'static str| app.token(email, &["documents"]);
    Cast {
        sender_drafter: token("chuyenvien.hacthanh@tinhso.local").await,
        sender_leader: token("lanhdao.hacthanh@tinhso.local").await,
        sender_clerk: token("vanthu.hacthanh@tinhso.local").await,
        clerk: token("vanthu.tuphap@tinhso.local").await,
        director: token("lanhdao.tuphap@tinhso.local").await,
        hctp_head: official(app, "hctp-head", "tp.hctp@tinhso.local", HCTP, "leader").await,
        hctp_specialist: official(app, "hctp-cv", "cv.hctp@tinhso.local", HCTP, "specialist").await,
        hctp_specialist_id: "hctp-cv".into(),
        tgpl_head: official(app, "tgpl-head", "gd.tgpl@tinhso.local", TGPL, "leader").await,
        tgpl_specialist_id: {
            official(app, "tgpl-cv", "cv.tgpl@tinhso.local", TGPL, "specialist").await;
            "tgpl-cv".into()
        },
    }
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    app.api("POST", path, Some(token), Some(body)).await
}

async fn get(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    app.api("GET", path, Some(token), None).await
}

async fn upload(app: &TestApp, token: &str, id: &str) {
    let (content_type, body) = multipart(&[], &[("file", "du-thao.pdf", PDF)]);
    let req = Request::post(format!("/api/v1/documents/{id}/versions"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    let (status, body) = text(app.send(req).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// Hạc Thành's decision to Sở Tư pháp, issued: (the outgoing id, the incoming copy's id).
async fn issued_to_the_department(app: &TestApp, c: &Cast, subject: &str) -> (String, String) {
    let (status, created) = post(
        app,
        &c.sender_drafter,
        "/api/v1/documents",
        json!({
            "TypeName": "decision",
            "Subject": subject,
            "SignerInfo": {"Position": "Chủ tịch", "FullName": "Mai Thị Thu"},
            "To": [{"OrganId": STP}]
        }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["Id"].as_str().unwrap().to_owned();
    upload(app, &c.sender_drafter, &id).await;
    for (token, action) in [
        (&c.sender_drafter, "submit"),
        (&c.sender_leader, "approve_content"),
        (&c.sender_clerk, "approve_form"),
        (&c.sender_leader, "sign"),
        (&c.sender_clerk, "issue"),
    ] {
        let (status, doc) = post(
            app,
            token,
            &format!("/api/v1/documents/{id}/actions"),
            json!({ "Action": action }),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{action}: {doc}");
    }
    let (_, doc) = get(app, &c.sender_clerk, &format!("/api/v1/documents/{id}")).await;
    let copy = doc["To"][0]["DeliveredAs"].as_str().unwrap().to_owned();
    (id, copy)
}

/// What the sender sees of its recipient's processing: (state, edXML status code).
async fn sender_sees(app: &TestApp, c: &Cast, outgoing: &str) -> (String, String) {
    let (status, doc) = get(
        app,
        &c.sender_clerk,
        &format!("/api/v1/documents/{outgoing}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    let s = &doc["To"][0]["ProcessingStatus"];
    (
        s["State"].as_str().unwrap_or_default().to_owned(),
        s["StatusCode"].as_str().unwrap_or_default().to_owned(),
    )
}

fn pair(state: &str, code: &str) -> (String, String) {
    (state.to_owned(), code.to_owned())
}

/// Makes the first working day after today a day off on the platform calendar, as an
/// administrator would for an announced holiday: deadlines must skip it. Returns it.
async fn a_holiday_tomorrow(app: &TestApp) -> NaiveDate {
    let calendar = tinhso::calendar::load(&app.state.db).await.unwrap();
    let today = tinhso::time::local_now().date();
    let day = calendar.next_working_day(today).unwrap();
    let year = chrono::Datelike::year(&day);
    let mut notice = tinhso::calendar::notices(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .find(|n| n.year == year)
        .unwrap_or_else(|| tinhso_domain::calendar::YearNotice::new(year));
    notice
        .extra_days_off
        .push(tinhso_domain::calendar::NoticeDayOff {
            date: day,
            reason: Some("Ngày nghỉ thử nghiệm".into()),
        });
    let actor = tinhso::audit::Actor {
        label: "test".into(),
        ip: String::new(),
    };
    tinhso::calendar::save_notice(&app.state.db, &actor, notice)
        .await
        .unwrap();
    day
}

fn due_of(assignment: &Value) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(assignment["DueDate"].as_str().unwrap(), "%Y-%m-%dT%H:%M:%S")
        .unwrap()
}

fn by_unit<'a>(doc: &'a Value, code: &str) -> &'a Value {
    doc["Assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["OrganId"] == code && a["CloseReason"] != "redirected")
        .unwrap_or_else(|| panic!("no assignment of {code}: {doc}"))
}

fn direction(lead: Value, supporting: Value) -> Value {
    json!({
        "Directions": "Giao Phòng Hành chính tư pháp chủ trì, Trung tâm Trợ giúp pháp lý phối hợp tham mưu.",
        "LeadUnit": lead,
        "SupportingUnits": supporting,
    })
}

async fn an_incoming_decision_is_presented_directed_handled_and_closed_and_the_sender_sees_each_step(
    app: TestApp,
) {
    let c = cast(&app).await;
    let holiday = a_holiday_tomorrow(&app).await;
    let (outgoing, copy) =
        issued_to_the_department(&app, &c, "Quyết định ban hành quy chế phối hợp hộ tịch").await;
    let doc_path = format!("/api/v1/documents/{copy}");
    assert_eq!(
        sender_sees(&app, &c, &outgoing).await,
        pair("registered", "03")
    );

    // Present: the clerk only; the director is refused, another agency and a unit not yet
    // directed do not see it.
    let present = format!("{doc_path}/present");
    let (status, problem) = post(&app, &c.director, &present, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    assert!(problem["detail"].as_str().is_some(), "{problem}");
    for stranger in [&c.sender_leader, &c.hctp_head] {
        let (status, _) = post(&app, stranger, &present, json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (status, doc) = post(
        &app,
        &c.clerk,
        &present,
        json!({"Note": "Kính trình Giám đốc"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(doc["State"], "presented");
    assert_eq!(
        sender_sees(&app, &c, &outgoing).await,
        pair("presented", "03")
    );
    let (status, _) = post(&app, &c.clerk, &present, json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "presented once");

    // Direct: bad directions are refused and leave nothing behind.
    let direct = format!("{doc_path}/direction");
    let good = direction(
        json!({"OrganId": HCTP, "WorkingDays": 5}),
        json!([{"OrganId": TGPL, "WorkingDays": 2}]),
    );
    let (status, _) = post(&app, &c.clerk, &direct, good.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the clerk does not direct");
    let (status, _) = post(&app, &c.sender_leader, &direct, good.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another agency's leader");
    for (bad, field) in [
        (
            direction(
                json!({"OrganId": OTHER_AGENCYS_UNIT, "WorkingDays": 5}),
                json!([]),
            ),
            "LeadUnit",
        ),
        (
            direction(
                json!({"OrganId": HCTP, "WorkingDays": 5}),
                json!([{"OrganId": HCTP, "WorkingDays": 5}]),
            ),
            "SupportingUnits",
        ),
        (
            direction(json!({"OrganId": HCTP, "WorkingDays": 0}), json!([])),
            "DueDate",
        ),
        (
            direction(json!({"OrganId": HCTP, "DueDate": "2020-01-06"}), json!([])),
            "DueDate",
        ),
        (direction(json!({"OrganId": HCTP}), json!([])), "LeadUnit"),
    ] {
        let (status, problem) = post(&app, &c.director, &direct, bad.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {problem}");
        assert!(problem.to_string().contains(field), "{bad}: {problem}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM document_assignments").await,
        0
    );
    let (status, doc) = post(&app, &c.director, &direct, good).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(doc["State"], "directed");
    assert_eq!(
        sender_sees(&app, &c, &outgoing).await,
        pair("directed", "04")
    );
    let lead = by_unit(&doc, HCTP);
    let support = by_unit(&doc, TGPL);
    assert_eq!(lead["Role"], "lead");
    assert_eq!(lead["WorkingDays"], 5);
    assert_eq!(support["Role"], "supporting");
    assert!(lead["Directions"].as_str().unwrap().contains("chủ trì"));
    // Working days on the platform calendar: the weekend and the day off do not count.
    let calendar = tinhso::calendar::load(&app.state.db).await.unwrap();
    let today = tinhso::time::local_now().date();
    for a in [lead, support] {
        let due = due_of(a);
        assert!(calendar.is_working_day(due.date()), "{a}");
        assert!(due.date() > holiday, "{a} skips {holiday}");
    }
    assert!(
        (due_of(lead).date() - today).num_days() >= 7,
        "five working days span a weekend: {lead}"
    );
    let lead_id = lead["Id"].as_str().unwrap().to_owned();
    let support_id = support["Id"].as_str().unwrap().to_owned();
    let lead_path = format!("{doc_path}/assignments/{lead_id}/actions");
    let support_path = format!("{doc_path}/assignments/{support_id}/actions");

    // The document's page shows the direction and the units to the director.
    app.clear_cookies();
    let (status, body, _) = app
        .login("lanhdao.tuphap@tinhso.local", "TinhSo@2026")
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let (status, page) = app.get(&format!("/office/documents/{copy}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("data-testid=\"doc-directions\""), "{page}");
    assert!(
        page.contains("Phòng Hành chính tư pháp · Chủ trì"),
        "{page}"
    );
    assert!(
        page.contains("Trung tâm Trợ giúp pháp lý nhà nước · Phối hợp"),
        "{page}"
    );
    app.clear_cookies();

    // The units read the document now; the lead unit's head passes it down.
    let (status, seen) = get(&app, &c.hctp_head, &doc_path).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["Assignments"].as_array().unwrap().len(), 2);
    let pass = |handler: &str| json!({"Action": "pass_down", "Handler": handler, "Note": "Đề nghị đồng chí nghiên cứu"});
    let (status, _) = post(&app, &c.tgpl_head, &lead_path, pass(&c.hctp_specialist_id)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "another unit's head");
    let (status, _) = post(
        &app,
        &c.hctp_specialist,
        &lead_path,
        pass(&c.hctp_specialist_id),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "not passed to them yet");
    let (status, problem) = post(&app, &c.hctp_head, &lead_path, pass(&c.tgpl_specialist_id)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (status, doc) = post(&app, &c.hctp_head, &lead_path, pass(&c.hctp_specialist_id)).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(doc["State"], "in_progress");
    assert_eq!(
        by_unit(&doc, HCTP)["Handler"],
        c.hctp_specialist_id.as_str()
    );
    assert_eq!(
        sender_sees(&app, &c, &outgoing).await,
        pair("in_progress", "05")
    );

    // The work lists: the unit's head sees the unit's, the specialist what was passed to them.
    for token in [&c.hctp_head, &c.hctp_specialist] {
        let (status, list) = get(&app, token, "/api/v1/documents/assigned").await;
        assert_eq!(status, StatusCode::OK, "{list}");
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 1, "{list:?}");
        assert_eq!(list[0]["AssignmentId"], lead_id.as_str());
        assert_eq!(list[0]["DocumentId"], copy.as_str());
    }
    let (_, none) = get(&app, &c.clerk, "/api/v1/documents/assigned").await;
    assert_eq!(none, json!([]));

    // Progress from the specialist; an empty one is refused.
    let (status, _) = post(
        &app,
        &c.hctp_specialist,
        &lead_path,
        json!({"Action": "report"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, doc) = post(
        &app,
        &c.hctp_specialist,
        &lead_path,
        json!({"Action": "report", "Note": "Đã xin ý kiến các phòng, đang tổng hợp"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    let notes = by_unit(&doc, HCTP)["Notes"].as_array().unwrap().clone();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert_eq!(notes[1]["Kind"], "progress");

    // The supporting unit's deadline passes: the director's overdue view shows it.
    sqlx::query("UPDATE document_assignments SET due_local = '2026-01-05T17:00:00' WHERE id = $1")
        .bind(&support_id)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    for token in [&c.director, &c.clerk] {
        let (status, list) = get(&app, token, "/api/v1/documents/overdue").await;
        assert_eq!(status, StatusCode::OK, "{list}");
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 1, "{list:?}");
        assert_eq!(list[0]["AssignmentId"], support_id.as_str());
        assert_eq!(list[0]["UnitId"], TGPL);
        assert_eq!(list[0]["DueDate"], "2026-01-05T17:00:00");
    }
    // The unit's own leader sees its overdue part too.
    let (_, unit_view) = get(&app, &c.tgpl_head, "/api/v1/documents/overdue").await;
    assert_eq!(unit_view.as_array().map(Vec::len), Some(1), "{unit_view}");
    let (_, theirs) = get(&app, &c.sender_leader, "/api/v1/documents/overdue").await;
    assert_eq!(theirs, json!([]), "another agency sees none of it");
    let (status, _) = get(&app, &c.hctp_specialist, "/api/v1/documents/overdue").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, seen) = get(&app, &c.director, &doc_path).await;
    assert_eq!(by_unit(&seen, TGPL)["Overdue"], true);

    // The supporting unit closes late; the document stays in progress.
    let (status, doc) = post(
        &app,
        &c.tgpl_head,
        &support_path,
        json!({"Action": "close", "Result": "Đã góp ý bằng văn bản"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(by_unit(&doc, TGPL)["Timeliness"], "late");
    assert_eq!(doc["State"], "in_progress");
    // The lead unit closes on time: the document is handled.
    let close_lead = json!({"Action": "close", "Result": "Đã tham mưu dự thảo quyết định"});
    let (status, doc) = post(&app, &c.hctp_specialist, &lead_path, close_lead.clone()).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(doc["State"], "done");
    let lead = by_unit(&doc, HCTP);
    assert_eq!(lead["State"], "closed");
    assert_eq!(lead["CloseReason"], "completed");
    assert_eq!(lead["Timeliness"], "on_time");
    assert_eq!(sender_sees(&app, &c, &outgoing).await, pair("done", "06"));
    let (status, problem) = post(&app, &c.hctp_specialist, &lead_path, close_lead.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "closed once: {problem}");

    // The clerk closes the document; nothing more happens to it.
    let close = format!("{doc_path}/close");
    let (status, _) = post(&app, &c.tgpl_head, &close, json!({})).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a supporting unit does not close it"
    );
    let (status, doc) = post(&app, &c.clerk, &close, json!({"Note": "Lưu hồ sơ"})).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(doc["State"], "closed");
    assert_eq!(sender_sees(&app, &c, &outgoing).await, pair("closed", "06"));
    let (status, _) = post(&app, &c.clerk, &close, json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "closed once");
    let (status, _) = post(
        &app,
        &c.hctp_specialist,
        &lead_path,
        json!({"Action": "report", "Note": "Bổ sung"}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a closed document takes no report"
    );

    // On time and late per unit, this year.
    let (status, counts) = get(&app, &c.director, "/api/v1/documents/timeliness").await;
    assert_eq!(status, StatusCode::OK, "{counts}");
    let row = |code: &str| {
        counts
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["UnitId"] == code)
            .cloned()
            .unwrap_or_else(|| panic!("{code}: {counts}"))
    };
    assert_eq!(
        (row(HCTP)["OnTime"].as_i64(), row(HCTP)["Late"].as_i64()),
        (Some(1), Some(0))
    );
    assert_eq!(
        (row(TGPL)["OnTime"].as_i64(), row(TGPL)["Late"].as_i64()),
        (Some(0), Some(1))
    );
    let (status, _) = get(
        &app,
        &c.director,
        "/api/v1/documents/timeliness?From=2026-12-01&To=2026-01-01",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Each step is an event and an audit row.
    for (kind, n) in [
        ("document.presented", 1),
        ("document.directed", 1),
        ("document.assignment_passed_down", 1),
        ("document.progress_reported", 1),
        ("document.assignment_closed", 2),
        ("document.done", 1),
        ("document.closed", 1),
    ] {
        assert_eq!(
            app.count_where("outbox_events", "kind", kind).await,
            n,
            "{kind}"
        );
    }
    for action in [
        "document.present",
        "document.direct",
        "document.assignment_pass_down",
        "document.assignment_report",
        "document.start",
        "document.complete",
        "document.close",
    ] {
        assert!(
            app.count_where("audit_log", "action", action).await >= 1,
            "{action}"
        );
    }
    assert_eq!(
        app.count_where("audit_log", "action", "document.assignment_close")
            .await,
        2
    );
}

async fn a_recall_after_handling_started_closes_the_units_assignments(app: TestApp) {
    let c = cast(&app).await;
    let (outgoing, copy) =
        issued_to_the_department(&app, &c, "Quyết định về việc kiện toàn tổ công tác").await;
    let doc_path = format!("/api/v1/documents/{copy}");
    let (status, _) = post(&app, &c.clerk, &format!("{doc_path}/present"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    // A date as the deadline: due when the office closes that day.
    let calendar = tinhso::calendar::load(&app.state.db).await.unwrap();
    let today = tinhso::time::local_now().date();
    let mut day = today + chrono::Days::new(10);
    while !calendar.is_working_day(day) {
        day = day.succ_opt().unwrap();
    }
    let (status, doc) = post(
        &app,
        &c.director,
        &format!("{doc_path}/direction"),
        direction(
            json!({"OrganId": HCTP, "DueDate": day.to_string()}),
            json!([{"OrganId": TGPL, "WorkingDays": 3}]),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(
        by_unit(&doc, HCTP)["DueDate"],
        format!("{day}T17:00:00").as_str()
    );
    assert!(by_unit(&doc, HCTP)["WorkingDays"].is_null());
    // The director directs it again, to the lead unit alone: the first assignments are
    // replaced, and the sender sees it still assigned.
    let (status, doc) = post(
        &app,
        &c.director,
        &format!("{doc_path}/direction"),
        direction(
            json!({"OrganId": HCTP, "DueDate": day.to_string()}),
            json!([]),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    let all = doc["Assignments"].as_array().unwrap();
    assert_eq!(all.len(), 3, "{all:?}");
    assert_eq!(
        all.iter()
            .filter(|a| a["CloseReason"] == "redirected")
            .count(),
        2
    );
    assert_eq!(
        sender_sees(&app, &c, &outgoing).await,
        pair("directed", "04")
    );
    let lead_id = by_unit(&doc, HCTP)["Id"].as_str().unwrap().to_owned();
    let lead_path = format!("{doc_path}/assignments/{lead_id}/actions");
    let (status, doc) = post(
        &app,
        &c.hctp_head,
        &lead_path,
        json!({"Action": "report", "Note": "Đang nghiên cứu"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(doc["State"], "in_progress");

    // The sender recalls it: warned first, then the units' work stops with the recall.
    let recall = format!("/api/v1/documents/{outgoing}/actions");
    let (status, problem) =
        post(&app, &c.sender_leader, &recall, json!({"Action": "recall"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(
        app.count_where("document_assignments", "close_reason", "recalled")
            .await,
        0,
        "nothing applied before the confirmation"
    );
    let (status, recalled) = post(
        &app,
        &c.sender_leader,
        &recall,
        json!({"Action": "recall", "Confirm": true, "Note": "Sai căn cứ pháp lý"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{recalled}");
    assert_eq!(
        sender_sees(&app, &c, &outgoing).await,
        pair("recalled", "15")
    );
    let (status, doc) = get(&app, &c.director, &doc_path).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(doc["State"], "recalled");
    for a in doc["Assignments"].as_array().unwrap() {
        assert_eq!(a["State"], "closed", "{a}");
        assert!(a["Timeliness"].is_null(), "{a}");
    }
    assert_eq!(by_unit(&doc, HCTP)["CloseReason"], "recalled");
    // Two replaced by the new direction, one closed by the recall.
    assert_eq!(
        app.count_where("outbox_events", "kind", "document.assignment_closed")
            .await,
        3
    );
    let (status, _) = post(
        &app,
        &c.hctp_head,
        &lead_path,
        json!({"Action": "close", "Result": "Xong"}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a recalled document takes no step"
    );
    let (_, overdue) = get(&app, &c.director, "/api/v1/documents/overdue").await;
    assert_eq!(overdue, json!([]));
}

async fn reviewers_comment_on_a_drafts_versions(app: TestApp) {
    let drafter = app
        .token("chuyenvien.tuphap@tinhso.local", &["documents"])
        .await;
    let leader = app
        .token("lanhdao.tuphap@tinhso.local", &["documents"])
        .await;
    let clerk = app
        .token("vanthu.tuphap@tinhso.local", &["documents"])
        .await;
    let one_stop = app
        .token("motcua.tuphap@tinhso.local", &["documents"])
        .await;
    let stranger = app
        .token("lanhdao.hacthanh@tinhso.local", &["documents"])
        .await;
    let (status, created) = post(
        &app,
        &drafter,
        "/api/v1/documents",
        json!({
            "TypeName": "decision",
            "Subject": "Quyết định phê duyệt kế hoạch kiểm tra công tác hộ tịch",
            "SignerInfo": {"Position": "Giám đốc", "FullName": "Hoàng Văn Bình"},
            "To": [{"OrganName": "Lưu: VT"}]
        }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["Id"].as_str().unwrap().to_owned();
    let comments = format!("/api/v1/documents/{id}/comments");
    let (status, problem) = post(&app, &drafter, &comments, json!({"Content": "Ghi chú"})).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no version yet: {problem}"
    );
    upload(&app, &drafter, &id).await;
    upload(&app, &drafter, &id).await;
    let (status, first) = post(
        &app,
        &drafter,
        &comments,
        json!({"Version": 1, "Content": "Bản 1 còn thiếu căn cứ"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["Version"], 1);
    let (status, _) = post(
        &app,
        &drafter,
        &format!("/api/v1/documents/{id}/actions"),
        json!({"Action": "submit"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, second) = post(
        &app,
        &leader,
        &comments,
        json!({"Content": "Đề nghị bổ sung Điều 3"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_eq!(second["Version"], 2, "the latest by default");
    // Refusals: strangers learn nothing, bad versions and empty text are named.
    for (token, body, expect) in [
        (&one_stop, json!({"Content": "x"}), StatusCode::NOT_FOUND),
        (&stranger, json!({"Content": "x"}), StatusCode::NOT_FOUND),
        (
            &leader,
            json!({"Version": 3, "Content": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            &leader,
            json!({"Content": "  "}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let (status, problem) = post(&app, token, &comments, body.clone()).await;
        assert_eq!(status, expect, "{body}: {problem}");
    }
    let (status, _) = get(&app, &one_stop, &comments).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Listed with the document, oldest first.
    let (status, doc) = get(&app, &clerk, &format!("/api/v1/documents/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    let listed = doc["Comments"].as_array().unwrap();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(listed[0]["Content"], "Bản 1 còn thiếu căn cứ");
    assert_eq!(listed[1]["AuthorName"], "Hoàng Văn Bình");
    let (status, list) = get(&app, &drafter, &comments).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 2);
    // Once signed, the review is over.
    for (token, action) in [
        (&leader, "approve_content"),
        (&clerk, "approve_form"),
        (&leader, "sign"),
    ] {
        let (status, doc) = post(
            &app,
            token,
            &format!("/api/v1/documents/{id}/actions"),
            json!({ "Action": action }),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{action}: {doc}");
    }
    let (status, _) = post(&app, &leader, &comments, json!({"Content": "Muộn"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        app.count_where("outbox_events", "kind", "document.commented")
            .await,
        2
    );
    assert_eq!(
        app.count_where("audit_log", "action", "document.comment")
            .await,
        2
    );
}
