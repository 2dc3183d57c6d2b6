//! Task tracking (issue 16, docs/tasks-design.md slice 2) through HTTP on both databases: a
//! task typed in or made from an incoming document, numbered per authority without gaps;
//! units outside the authority refused; progress, completion by the lead unit only, return
//! with a reason and acceptance; every change audited; outsiders see nothing. Slice 3:
//! extensions asked, refused and granted (lateness judged by extensions granted in time),
//! a leader's written reminder, the deadline sweep's reminders, escalations and digests with a
//! moved clock, and "Tạo nhiệm vụ" on an incoming document's page.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{TestApp, multipart, text};
use serde_json::{Value, json};

const PASSWORD: &str = "TinhSo@2026";
const OFFICE: &str = "chuyenvien.vpubnd@tinhso.local";
const JUSTICE_LEADER: &str = "lanhdao.tuphap@tinhso.local";
const JUSTICE_CLERK: &str = "vanthu.tuphap@tinhso.local";
const WARD_LEADER: &str = "lanhdao.hacthanh@tinhso.local";
const WARD_CLERK: &str = "motcua.hacthanh@tinhso.local";
const JUSTICE_DESK: &str = "motcua.tuphap@tinhso.local";
const CITIZEN: &str = "congdan@tinhso.local";
const PROVINCE: &str = "000.00.00.H56";
const JUSTICE: &str = "000.00.14.H56";
const WARD: &str = "000.00.60.H56";
const FINANCE: &str = "000.00.03.H56";

on_both_databases!(
    a_units_board_shows_each_states_count_and_pages_the_rest,
    a_typed_task_goes_from_assignment_to_acceptance,
    tasks_are_numbered_per_authority_without_gaps,
    authority_units_and_deadlines_are_checked,
    outsiders_do_not_see_a_task,
    a_task_from_an_incoming_document_keeps_its_link_on_the_pages,
    refused_forms_come_back_with_what_was_typed,
    extensions_are_asked_before_the_deadline_and_decided_by_the_office,
    leaders_urge_units_in_writing_and_forms_keep_what_was_typed,
    the_sweep_reminds_escalates_and_digests_once_with_a_moved_clock,
    an_incoming_document_offers_to_create_a_task,
);

fn today() -> chrono::NaiveDate {
    tinhso::time::local_now().date()
}

fn year() -> i32 {
    chrono::Datelike::year(&today())
}

fn typed(title: &str) -> Value {
    let in_a_month = (today() + chrono::Days::new(30)).to_string();
    json!({
        "title": title,
        "content": "Nội dung thử nghiệm.",
        "authority": PROVINCE,
        "position": "chair",
        "priority": "high",
        "field": "Cải cách hành chính",
        "units": [
            {"agency": JUSTICE, "role": "lead", "working_days": 10},
            {"agency": WARD, "role": "supporting", "due_date": in_a_month},
        ],
    })
}

async fn token(app: &TestApp, email: &str) -> String {
    app.token(email, &["tasks"]).await
}

async fn create(app: &TestApp, body: Value) -> (StatusCode, Value) {
    let t = token(app, OFFICE).await;
    app.api("POST", "/api/v1/tasks", Some(&t), Some(body)).await
}

async fn post(app: &TestApp, who: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let t = token(app, who).await;
    app.api("POST", path, Some(&t), Some(body)).await
}

fn unit<'a>(task: &'a Value, agency: &str) -> &'a Value {
    task["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["agency"] == agency)
        .unwrap()
}

async fn audited(app: &TestApp, id: &str) -> Vec<String> {
    let rows = sqlx::query(
        "SELECT action FROM audit_log WHERE entity_type = 'task' AND entity_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    rows.iter().map(|r| sqlx::Row::get(r, "action")).collect()
}

async fn a_typed_task_goes_from_assignment_to_acceptance(app: TestApp) {
    let (status, task) = create(&app, typed("Rà soát quy trình nội bộ")).await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    let id = task["id"].as_str().unwrap().to_owned();
    let reports = format!("/api/v1/tasks/{id}/reports");
    assert_eq!(task["state"], "assigned");
    assert_eq!(task["source_kind"], "typed");
    let lead = unit(&task, JUSTICE);
    assert_eq!(lead["working_days"], 10);
    assert!(lead["due_on"].as_str().unwrap() > today().to_string().as_str());
    assert_eq!(
        unit(&task, WARD)["due_on"],
        (today() + chrono::Days::new(30)).to_string()
    );

    // The supporting unit reports its part, but not completion.
    let progress =
        json!({"kind": "progress", "percent": 30, "text": "Đã rà soát phần của phường."});
    let (status, after) = post(&app, WARD_LEADER, &reports, progress).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(unit(&after, WARD)["progress"], 30);
    assert_eq!(after["state"], "assigned", "the task follows its lead unit");
    let done = json!({"kind": "completion", "text": "Xong."});
    let (status, problem) = post(&app, WARD_LEADER, &reports, done.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "kind");
    assert!(problem["detail"].as_str().unwrap().contains("chủ trì"));

    // The lead unit: a percentage out of range, then progress, then completion.
    let wild = json!({"kind": "progress", "percent": 150, "text": "Quá nhiều."});
    let (status, problem) = post(&app, JUSTICE_LEADER, &reports, wild).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "percent");
    let half = json!({"kind": "progress", "percent": 50, "text": "Đã xong một nửa."});
    let (status, after) = post(&app, JUSTICE_LEADER, &reports, half).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["state"], "in_progress");
    let (status, after) = post(&app, JUSTICE_LEADER, &reports, done.clone()).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["state"], "completion_reported");
    let again = json!({"kind": "progress", "percent": 90, "text": "Thêm."});
    let (status, _) = post(&app, JUSTICE_LEADER, &reports, again).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Only the office judges; a return needs its reason.
    let (status, _) = post(
        &app,
        JUSTICE_LEADER,
        &format!("/api/v1/tasks/{id}/accept"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let back = format!("/api/v1/tasks/{id}/return");
    let (status, problem) = post(&app, OFFICE, &back, json!({"text": "  "})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "reason");
    let reason = "Thiếu số liệu của quý IV.";
    let (status, after) = post(&app, OFFICE, &back, json!({"text": reason})).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["state"], "in_progress");
    let last = after["timeline"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["kind"], "return");
    assert_eq!(last["text"], reason);

    // Reported again, then accepted: every unit is done today.
    let (status, _) = post(&app, JUSTICE_LEADER, &reports, done).await;
    assert_eq!(status, StatusCode::OK);
    let (status, after) = post(
        &app,
        OFFICE,
        &format!("/api/v1/tasks/{id}/accept"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["state"], "completed");
    for u in after["units"].as_array().unwrap() {
        assert_eq!(u["state"], "completed", "{u}");
        assert_eq!(u["finished_on"], today().to_string());
    }
    assert_eq!(unit(&after, JUSTICE)["progress"], 100);
    let (status, _) = post(
        &app,
        OFFICE,
        &format!("/api/v1/tasks/{id}/accept"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "accepted once");

    let kinds: Vec<&str> = after["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "progress",
            "progress",
            "completion",
            "return",
            "completion",
            "accept"
        ]
    );
    assert_eq!(
        audited(&app, &id).await,
        [
            "task.create",
            "task.progress",
            "task.progress",
            "task.completion",
            "task.return",
            "task.completion",
            "task.accept"
        ],
        "every change audited, refusals not"
    );
    assert_eq!(
        app.count_where("outbox_events", "kind", "task.accepted")
            .await,
        2,
        "the demo's and this one"
    );
}

async fn tasks_are_numbered_per_authority_without_gaps(app: TestApp) {
    // The demo gave the province's committee four tasks this year.
    let mut codes = Vec::new();
    for n in 0..3 {
        let (status, task) = create(&app, typed(&format!("Nhiệm vụ {n}"))).await;
        assert_eq!(status, StatusCode::CREATED, "{task}");
        codes.push(task["code"].as_str().unwrap().to_owned());
    }
    let y = year();
    assert_eq!(
        codes,
        [
            format!("NV-{y}-0005"),
            format!("NV-{y}-0006"),
            format!("NV-{y}-0007")
        ]
    );
    // A refused task takes no number.
    let mut bad = typed("Không hợp lệ");
    bad["units"] = json!([]);
    let (status, _) = create(&app, bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, task) = create(&app, typed("Tiếp theo")).await;
    assert_eq!(task["code"], format!("NV-{y}-0008"));
    // Sở Tư pháp's own tasks count from one.
    let own = json!({"title": "Việc của Sở", "authority": JUSTICE, "position": "head",
        "units": [{"agency": "000.01.14.H56", "role": "lead", "working_days": 5}]});
    let (status, task) = post(&app, JUSTICE_LEADER, "/api/v1/tasks", own).await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    assert_eq!(task["code"], format!("NV-{y}-0001"));
}

async fn authority_units_and_deadlines_are_checked(app: TestApp) {
    let before = app.count("SELECT COUNT(*) FROM tasks").await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({"authority": JUSTICE}), "authority"),
        (json!({"position": "head"}), "position"),
        (json!({"priority": "someday"}), "priority"),
        (json!({"title": " "}), "title"),
        (
            json!({"units": [{"agency": JUSTICE, "role": "lead", "working_days": 5},
                             {"agency": WARD, "role": "lead", "working_days": 5}]}),
            "units",
        ),
        (
            json!({"units": [{"agency": JUSTICE, "role": "lead", "due_date": "2020-01-01"}]}),
            "unit_000.00.14.H56",
        ),
        (
            json!({"units": [{"agency": JUSTICE, "role": "lead", "working_days": 0}]}),
            "unit_000.00.14.H56",
        ),
        (
            json!({"units": [{"agency": JUSTICE, "role": "lead", "working_days": 3, "due_date": "2030-01-01"}]}),
            "unit_000.00.14.H56",
        ),
        (
            json!({"units": [{"agency": PROVINCE, "role": "lead", "working_days": 3}]}),
            "unit_000.00.00.H56",
        ),
        (json!({"source_document": "no-such-document"}), "document"),
    ];
    for (change, field) in cases {
        let mut body = typed("Kiểm tra");
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, problem) = create(&app, body).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{change}: {problem}"
        );
        assert!(
            problem["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field),
            "{change}: {problem}"
        );
    }
    // A department assigns only to its own units.
    let outside = json!({"title": "Ngoài quyền", "authority": JUSTICE, "position": "head",
        "units": [{"agency": FINANCE, "role": "lead", "working_days": 5}]});
    let (status, problem) = post(&app, JUSTICE_LEADER, "/api/v1/tasks", outside).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "unit_000.00.03.H56");
    // Someone outside an assigning office creates nothing.
    let (status, _) = post(
        &app,
        JUSTICE_DESK,
        "/api/v1/tasks",
        typed("Không được giao"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Unreadable input is a problem, never a 500.
    let (status, problem) = create(&app, json!({"units": "many"})).await;
    assert!(status.is_client_error(), "{status} {problem}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM tasks").await,
        before,
        "nothing stored"
    );
    // The demo's four tasks have six units.
    assert_eq!(app.count("SELECT COUNT(*) FROM task_units").await, 6);
}

async fn outsiders_do_not_see_a_task(app: TestApp) {
    let (_, task) = create(&app, typed("Chỉ cho các đơn vị được giao")).await;
    let path = format!("/api/v1/tasks/{}", task["id"].as_str().unwrap());
    // A citizen, and an official of a unit below a supporting unit (not assigned itself).
    for email in [CITIZEN, "lanhdao.vhxh.hacthanh@tinhso.local"] {
        let t = token(&app, email).await;
        let (status, body) = app.api("GET", &path, Some(&t), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{email}: {body}");
        assert_eq!(body["status"], 404);
    }
    // The units' people and the office read it; the ward's clerk too (a supporting unit).
    for email in [OFFICE, JUSTICE_DESK, WARD_CLERK, JUSTICE_LEADER] {
        let t = token(&app, email).await;
        let (status, _) = app.api("GET", &path, Some(&t), None).await;
        assert_eq!(status, StatusCode::OK, "{email}");
    }
    // A unit's official who is not its leader reports nothing.
    let (status, _) = post(
        &app,
        JUSTICE_DESK,
        &format!("{path}/reports"),
        json!({"kind": "progress", "percent": 10, "text": "x"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The list shows each person what they may see.
    let t = token(&app, CITIZEN).await;
    let (status, list) = app.api("GET", "/api/v1/tasks", Some(&t), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list, json!([]));
    let t = token(&app, WARD_LEADER).await;
    let (_, list) = app.api("GET", "/api/v1/tasks", Some(&t), None).await;
    let codes: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes.len(),
        3,
        "the ward's two demo tasks and this one: {list}"
    );
    let (status, problem) = app
        .api("GET", "/api/v1/tasks?state=lost", Some(&t), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    let (_, open) = app
        .api(
            "GET",
            "/api/v1/tasks?state=completion_reported",
            Some(&t),
            None,
        )
        .await;
    assert_eq!(open.as_array().unwrap().len(), 1, "{open}");
}

async fn sign_in(app: &TestApp, email: &str) {
    app.clear_cookies();
    let (status, body, _) = app.login(email, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{email}: {body}");
}

/// An incoming document registered from paper at Sở Tư pháp; its id.
async fn incoming_document(app: &TestApp) -> String {
    let token = app.token(JUSTICE_CLERK, &["documents"]).await;
    let fields = [
        ("CodeNumber", "27/UBND-KSTT"),
        ("OrganName", "Ủy ban nhân dân tỉnh Thanh Hóa"),
        ("Subject", "V/v rà soát quy định về chứng thực bản sao"),
        ("IssuedDate", "2026-11-20"),
        ("Source", "paper"),
    ];
    let (content_type, body) = multipart(&fields, &[]);
    let req = Request::post("/api/v1/documents/incoming")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
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

async fn a_task_from_an_incoming_document_keeps_its_link_on_the_pages(app: TestApp) {
    let document = incoming_document(&app).await;
    sign_in(&app, JUSTICE_LEADER).await;
    let form = format!("/office/tasks/new?document={document}");
    let (status, html) = app.get(&form).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    // (Pages escape `/`: the texts are compared after it.)
    assert!(
        html.contains("rà soát quy định về chứng thực bản sao"),
        "the title is prefilled"
    );
    assert!(html.contains("UBND-KSTT"), "the source is named");
    let (status, body, location) = app
        .post_form(
            &form,
            "/office/tasks/new",
            &[
                ("document", document.as_str()),
                ("title", "V/v rà soát quy định về chứng thực bản sao"),
                ("authority", JUSTICE),
                ("position", "head"),
                ("priority", "normal"),
                ("role_000.02.14.H56", "lead"),
                ("days_000.02.14.H56", "5"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let location = location.unwrap();
    let (status, page) = app.get(&location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("NV-{}-0001", year())), "{page}");
    assert!(
        page.contains(&format!("/office/documents/{document}")),
        "the link is kept"
    );
    assert!(page.contains("data-testid=\"task-done\""));
    let id = location
        .trim_start_matches("/office/tasks/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(app.count_where("tasks", "source_id", &document).await, 1);
    assert_eq!(audited(&app, &id).await, ["task.create"]);
    // The board of the department shows what it follows.
    let (status, board) = app.get("/office/tasks").await;
    assert_eq!(status, StatusCode::OK);
    assert!(board.contains("task-board-followed"), "{board}");
    assert!(board.contains(&location.split('?').next().unwrap().to_owned()));
    // Someone of another agency cannot make a task of this document.
    let t = token(&app, OFFICE).await;
    let mut body = typed("");
    body["source_document"] = json!(document);
    let (status, problem) = app.api("POST", "/api/v1/tasks", Some(&t), Some(body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "document", "{problem}");
}

async fn refused_forms_come_back_with_what_was_typed(app: TestApp) {
    sign_in(&app, OFFICE).await;
    let (status, html, _) = app
        .post_form(
            "/office/tasks/new",
            "/office/tasks/new",
            &[
                ("title", "Báo cáo chuyên đề"),
                ("authority", PROVINCE),
                ("position", "chair"),
                ("priority", "normal"),
                ("role_000.00.14.H56", "supporting"),
                ("days_000.00.14.H56", "abc"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Báo cáo chuyên đề"), "the title is kept");
    assert!(
        html.contains("Số ngày làm việc là một số nguyên dương."),
        "{html}"
    );
    // The lead unit's leader, on the task page: a report without text says why.
    let (_, task) = create(&app, typed("Trang nhiệm vụ")).await;
    let page = format!("/office/tasks/{}", task["id"].as_str().unwrap());
    sign_in(&app, JUSTICE_LEADER).await;
    let (status, html) = app.get(&page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("task-report"), "the report form is offered");
    let (status, html, _) = app
        .post_form(
            &page,
            &format!("{page}/reports"),
            &[("kind", "progress"), ("percent", "40"), ("text", "")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("value=\"40\""), "the percentage is kept");
    let (status, _, location) = app
        .post_form(
            &page,
            &format!("{page}/reports"),
            &[("kind", "completion"), ("text", "Đã hoàn thành.")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.unwrap().ends_with("?done=report"));
    // The office returns it from the page; without a reason it is told so.
    sign_in(&app, OFFICE).await;
    let (status, html, _) = app
        .post_form(
            &page,
            &format!("{page}/decision"),
            &[("decision", "return"), ("reason", "")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Cần nêu lý do trả lại."), "{html}");
    let (status, _, _) = app
        .post_form(
            &page,
            &format!("{page}/decision"),
            &[("decision", "return"), ("reason", "Bổ sung minh chứng.")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = app.get(&page).await;
    assert!(html.contains("Bổ sung minh chứng."));
    sign_in(&app, WARD_CLERK).await;
    let (status, _) = app.get(&page).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a supporting unit's official reads it"
    );
}

/// The unit's part of task `id` in the database: (due, current, judged).
async fn dues(app: &TestApp, id: &str, agency: &str) -> (String, String, String) {
    let row = sqlx::query(
        "SELECT u.due_on, u.current_due_on, u.judged_due_on FROM task_units u
         JOIN agencies a ON a.id = u.agency_id WHERE u.task_id = $1 AND a.code = $2",
    )
    .bind(id)
    .bind(agency)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    (
        sqlx::Row::get(&row, 0),
        sqlx::Row::get(&row, 1),
        sqlx::Row::get(&row, 2),
    )
}

/// Moves a unit's deadlines (as assigned, worked to and judged) to `day`: time passing
/// for the rules that compare a deadline with today.
async fn set_due(app: &TestApp, id: &str, agency: &str, day: &str) {
    sqlx::query(
        "UPDATE task_units SET due_on = $3, current_due_on = $3, judged_due_on = $3
         WHERE task_id = $1 AND agency_id = (SELECT id FROM agencies WHERE code = $2)",
    )
    .bind(id)
    .bind(agency)
    .bind(day)
    .execute(&app.state.db.pool)
    .await
    .unwrap();
}

async fn count_of(app: &TestApp, sql: &str, bind: &str) -> i64 {
    let row = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(bind)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    sqlx::Row::get(&row, 0)
}

async fn extensions_are_asked_before_the_deadline_and_decided_by_the_office(app: TestApp) {
    let (_, task) = create(&app, typed("Tổng kết công tác chứng thực")).await;
    let id = task["id"].as_str().unwrap().to_owned();
    let ask = format!("/api/v1/tasks/{id}/extensions");
    let ward_due = unit(&task, WARD)["current_due_on"]
        .as_str()
        .unwrap()
        .to_owned();
    let day = |d: &str, n: u64| {
        (chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap() + chrono::Days::new(n))
            .to_string()
    };
    let later = day(&ward_due, 20);

    // Refused input, each with its reason in Vietnamese, and nothing stored.
    let cases = [
        (
            json!({"new_due": ward_due, "reason": "Chờ số liệu"}),
            "new_due",
            "Hạn mới phải sau hạn hiện tại.",
        ),
        (
            json!({"new_due": "2020-01-01", "reason": "Chờ số liệu"}),
            "new_due",
            "Hạn mới phải sau hạn hiện tại.",
        ),
        (
            json!({"new_due": "ngày mai", "reason": "Chờ số liệu"}),
            "new_due",
            "Nhập hạn mới dạng YYYY-MM-DD.",
        ),
        (
            json!({"new_due": later, "reason": "  "}),
            "reason",
            "Cần nêu lý do xin gia hạn.",
        ),
    ];
    for (body, field, message) in cases {
        let (status, problem) = post(&app, WARD_LEADER, &ask, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {problem}"
        );
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        assert_eq!(problem["errors"][0]["message"], message, "{problem}");
    }
    let (status, _) = post(
        &app,
        WARD_CLERK,
        &ask,
        json!({"new_due": later, "reason": "Chờ"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only a unit's leader asks");
    let (status, _) = post(
        &app,
        OFFICE,
        &ask,
        json!({"new_due": later, "reason": "Chờ"}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the office asks nothing of itself"
    );
    assert_eq!(
        count_of(
            &app,
            "SELECT COUNT(*) FROM task_extensions WHERE task_id = $1",
            &id
        )
        .await,
        0
    );

    // A request, then no second one while it waits.
    let reason = "Chờ số liệu của các tổ dân phố.";
    let (status, after) = post(
        &app,
        WARD_LEADER,
        &ask,
        json!({"new_due": later, "reason": reason}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{after}");
    let ext = after["extensions"][0].clone();
    assert_eq!(ext["new_due"], later.as_str());
    assert_eq!(ext["old_due"], ward_due.as_str());
    assert!(ext["decision"].is_null());
    let (status, problem) = post(
        &app,
        WARD_LEADER,
        &ask,
        json!({"new_due": day(&later, 1), "reason": reason}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("chờ quyết định")
    );
    let ext_id = ext["id"].as_str().unwrap().to_owned();
    let grant = format!("/api/v1/tasks/{id}/extensions/{ext_id}/grant");
    let refuse = format!("/api/v1/tasks/{id}/extensions/{ext_id}/refuse");

    // Only the office decides; a deadline before the assignment, or a refusal without a
    // reason, is refused and changes nothing.
    let (status, _) = post(&app, WARD_LEADER, &grant, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, problem) = post(&app, OFFICE, &grant, json!({"new_due": "2020-01-01"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        problem["errors"][0]["message"],
        "Hạn mới không được trước ngày giao nhiệm vụ."
    );
    let (status, problem) = post(&app, OFFICE, &refuse, json!({"text": ""})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "reason");
    assert_eq!(
        dues(&app, &id, WARD).await.1,
        ward_due,
        "nothing half-applied"
    );
    let (status, _) = post(
        &app,
        OFFICE,
        &format!("/api/v1/tasks/{id}/extensions/0193-none/grant"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Granted before the deadline: both the deadline worked to and the judged one move.
    let (status, after) = post(&app, OFFICE, &grant, json!({"text": "Đồng ý."})).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    let ward = unit(&after, WARD);
    assert_eq!(ward["current_due_on"], later.as_str());
    assert_eq!(ward["judged_due_on"], later.as_str());
    assert_eq!(
        ward["due_on"],
        ward_due.as_str(),
        "the assignment is history"
    );
    assert_eq!(after["extensions"][0]["decision"], "granted");
    let (status, _) = post(&app, OFFICE, &refuse, json!({"text": "Muộn."})).await;
    assert_eq!(status, StatusCode::CONFLICT, "decided once");

    // The lead unit asks; the office refuses with a reason; its deadline stays.
    let justice_due = dues(&app, &id, JUSTICE).await.1;
    let (status, after) = post(
        &app,
        JUSTICE_LEADER,
        &ask,
        json!({"new_due": day(&justice_due, 10), "reason": "Chờ ý kiến Bộ Tư pháp."}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{after}");
    let second = after["extensions"][1]["id"].as_str().unwrap().to_owned();
    let (status, after) = post(
        &app,
        OFFICE,
        &format!("/api/v1/tasks/{id}/extensions/{second}/refuse"),
        json!({"text": "Nhiệm vụ trọng tâm, không gia hạn."}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(
        unit(&after, JUSTICE)["current_due_on"],
        justice_due.as_str()
    );

    // Once the deadline has passed, no request is taken.
    let yesterday = (today() - chrono::Days::new(1)).to_string();
    set_due(&app, &id, JUSTICE, &yesterday).await;
    let (status, problem) = post(
        &app,
        JUSTICE_LEADER,
        &ask,
        json!({"new_due": day(&justice_due, 10), "reason": "Chờ ý kiến."}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(
        problem["detail"],
        "Chỉ được xin gia hạn trước khi hết hạn xử lý."
    );

    // Asked in time but granted after the deadline: worked to, not judged by.
    let (status, after) = post(
        &app,
        WARD_LEADER,
        &ask,
        json!({"new_due": day(&later, 10), "reason": "Thêm thời gian tổng hợp."}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{after}");
    let third = after["extensions"][2]["id"].as_str().unwrap().to_owned();
    set_due(&app, &id, WARD, &yesterday).await;
    let (status, after) = post(
        &app,
        OFFICE,
        &format!("/api/v1/tasks/{id}/extensions/{third}/grant"),
        json!({"new_due": day(&later, 5)}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    let ward = unit(&after, WARD);
    assert_eq!(
        ward["current_due_on"],
        day(&later, 5).as_str(),
        "the office's date"
    );
    assert_eq!(
        ward["judged_due_on"],
        yesterday.as_str(),
        "late unless granted in time"
    );

    // Every change is history: the timeline, the audit trail, the events; people are told.
    let kinds: Vec<&str> = after["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "extension_request",
            "extension_grant",
            "extension_request",
            "extension_refuse",
            "extension_request",
            "extension_grant"
        ]
    );
    assert_eq!(
        audited(&app, &id).await,
        [
            "task.create",
            "task.extension_request",
            "task.extension_grant",
            "task.extension_request",
            "task.extension_refuse",
            "task.extension_request",
            "task.extension_grant",
        ]
    );
    for (kind, n) in [
        ("task.extension_requested", 3),
        ("task.extension_granted", 2),
        ("task.extension_refused", 1),
    ] {
        let got = count_of(
            &app,
            "SELECT COUNT(*) FROM outbox_events WHERE kind = $1",
            kind,
        )
        .await;
        assert_eq!(got, n, "{kind}");
    }
    assert!(
        app.emailed("chuyenvien.vpubnd@tinhso.local", "đề nghị gia hạn")
            .await
    );
    assert!(
        app.emailed("lanhdao.hacthanh@tinhso.local", "được gia hạn")
            .await
    );
    assert!(
        app.emailed("lanhdao.tuphap@tinhso.local", "không được gia hạn")
            .await
    );
    let inbox = count_of(
        &app,
        "SELECT COUNT(*) FROM inbox_items i JOIN users u ON u.id = i.user_id
         WHERE u.email = $1 AND i.topic = 'tasks.updates'",
        WARD_LEADER,
    )
    .await;
    assert_eq!(inbox, 2, "two answers in the ward leader's inbox");
}

/// Gives `email` the leader role (the demo's assigning office has a specialist only).
async fn make_leader(app: &TestApp, email: &str) {
    let user = app.user_id(email).await;
    sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, 'leader')")
        .bind(user)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
}

async fn leaders_urge_units_in_writing_and_forms_keep_what_was_typed(app: TestApp) {
    let (_, task) = create(&app, typed("Cập nhật cơ sở dữ liệu hộ tịch")).await;
    let id = task["id"].as_str().unwrap().to_owned();
    let urge = format!("/api/v1/tasks/{id}/urge");
    let text = "Đề nghị khẩn trương hoàn thành, báo cáo trước ngày 15.";
    let (status, _) = post(&app, OFFICE, &urge, json!({"text": text})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a specialist does not urge");
    let (status, _) = post(&app, JUSTICE_LEADER, &urge, json!({"text": text})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "nor a unit's leader");
    make_leader(&app, OFFICE).await;
    let (status, problem) = post(&app, OFFICE, &urge, json!({"text": " "})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        problem["errors"][0]["message"],
        "Cần nhập nội dung đôn đốc."
    );
    let (status, problem) = post(&app, OFFICE, &urge, json!({"unit": FINANCE, "text": text})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "unit");
    let (status, after) = post(&app, OFFICE, &urge, json!({"unit": WARD, "text": text})).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    let last = after["timeline"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["kind"], "urge");
    assert_eq!(last["text"], text);
    assert_eq!(audited(&app, &id).await, ["task.create", "task.urge"]);
    assert!(
        app.emailed("lanhdao.hacthanh@tinhso.local", "khẩn trương")
            .await
    );
    assert!(
        !app.emailed("lanhdao.tuphap@tinhso.local", "khẩn trương")
            .await,
        "only the unit urged"
    );

    // The pages: the lead unit's leader asks for more time; a refused request comes back
    // with what was typed.
    let page = format!("/office/tasks/{id}");
    sign_in(&app, JUSTICE_LEADER).await;
    let (_, html) = app.get(&page).await;
    assert!(
        html.contains("task-extension-ask"),
        "the request form is offered"
    );
    assert!(
        !html.contains("data-testid=\"task-urge\""),
        "no urging for a unit"
    );
    let reason = "Chờ kết quả rà soát của các phường.";
    let (status, html, _) = app
        .post_form(
            &page,
            &format!("{page}/extensions"),
            &[("new_due", "2020-02-02"), ("reason", reason)],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Hạn mới phải sau hạn hiện tại."), "{html}");
    assert!(html.contains(reason), "the reason is kept");
    let new_due = (today() + chrono::Days::new(90)).to_string();
    let (status, _, location) = app
        .post_form(
            &page,
            &format!("{page}/extensions"),
            &[("new_due", new_due.as_str()), ("reason", reason)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.unwrap().ends_with("?done=extension"));
    let (_, html) = app.get(&page).await;
    assert!(
        !html.contains("task-extension-ask"),
        "one request at a time"
    );
    assert!(html.contains("data-decision=\"pending\""));

    // The office: a refusal without a reason is told why, with the date typed kept; then a
    // grant; then the urging form.
    sign_in(&app, OFFICE).await;
    let (_, html) = app.get(&page).await;
    assert!(html.contains("task-extension-decision"), "{html}");
    assert!(html.contains("data-testid=\"task-urge\""));
    let ext = count_of(
        &app,
        "SELECT COUNT(*) FROM task_extensions WHERE task_id = $1 AND decision IS NULL",
        &id,
    )
    .await;
    assert_eq!(ext, 1);
    let ext_id: String = sqlx::Row::get(
        &sqlx::query("SELECT id FROM task_extensions WHERE task_id = $1")
            .bind(&id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap(),
        0,
    );
    let decide = format!("{page}/extensions/{ext_id}/decision");
    let other_due = (today() + chrono::Days::new(60)).to_string();
    let (status, html, _) = app
        .post_form(
            &page,
            &decide,
            &[
                ("decision", "refuse"),
                ("new_due", other_due.as_str()),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("Cần nêu lý do không đồng ý gia hạn."),
        "{html}"
    );
    assert!(
        html.contains(&format!("value=\"{other_due}\"")),
        "the date typed is kept"
    );
    let (status, _, location) = app
        .post_form(
            &page,
            &decide,
            &[
                ("decision", "grant"),
                ("new_due", other_due.as_str()),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.unwrap().ends_with("?done=extension_grant"));
    assert_eq!(dues(&app, &id, JUSTICE).await.1, other_due);
    let (status, html, _) = app
        .post_form(
            &page,
            &format!("{page}/urge"),
            &[("unit", WARD), ("text", "")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Cần nhập nội dung đôn đốc."));
    let (status, _, _) = app
        .post_form(
            &page,
            &format!("{page}/urge"),
            &[("unit", JUSTICE), ("text", "Đề nghị báo cáo tiến độ.")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = app.get(&page).await;
    assert!(html.contains("Đề nghị báo cáo tiến độ."));
    assert!(
        html.contains(&format!("{} {other_due}", "Đồng ý, hạn mới")),
        "{html}"
    );
}

fn at(day: &str, hour: u32) -> chrono::NaiveDateTime {
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .unwrap()
        .and_hms_opt(hour, 0, 0)
        .unwrap()
}

async fn sent(app: &TestApp, id: &str, kind: &str) -> Vec<String> {
    let rows = sqlx::query(
        "SELECT r.day FROM task_reminders r JOIN task_units u ON u.id = r.unit_id
         WHERE u.task_id = $1 AND r.kind = $2 ORDER BY r.day",
    )
    .bind(id)
    .bind(kind)
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    rows.iter().map(|r| sqlx::Row::get(r, 0)).collect()
}

async fn the_sweep_reminds_escalates_and_digests_once_with_a_moved_clock(app: TestApp) {
    let mut body = typed("Báo cáo kết quả cải cách hành chính");
    body["units"] = json!([{"agency": JUSTICE, "role": "lead", "working_days": 10}]);
    let (_, task) = create(&app, body).await;
    let id = task["id"].as_str().unwrap().to_owned();
    let due = unit(&task, JUSTICE)["current_due_on"]
        .as_str()
        .unwrap()
        .to_owned();
    let sweep = |now| tinhso::tasks::deadlines::sweep(&app.state, now);

    // Before dawn today: nothing for this task yet, and no digest before 07:00.
    let swept = sweep(at(&today().to_string(), 5)).await.unwrap();
    assert_eq!(swept.digests, 0);
    assert!(sent(&app, &id, "remind").await.is_empty());

    // On the due day: reminded once, whoever sweeps again; the digest goes out once a day.
    let first = sweep(at(&due, 8)).await.unwrap();
    assert!(first.reminders >= 1 && first.digests >= 1, "{first:?}");
    assert_eq!(sent(&app, &id, "remind").await, std::slice::from_ref(&due));
    let again = sweep(at(&due, 9)).await.unwrap();
    assert_eq!(again, Default::default(), "nothing twice");
    assert!(
        app.emailed("lanhdao.tuphap@tinhso.local", "sắp đến hạn")
            .await
    );
    assert!(
        app.emailed("chuyenvien.vpubnd@tinhso.local", "Nhiệm vụ cần theo dõi")
            .await
    );
    assert_eq!(
        count_of(
            &app,
            "SELECT COUNT(*) FROM task_digests WHERE day = $1",
            &due
        )
        .await,
        i64::try_from(first.digests).unwrap()
    );

    // Overdue: escalated to the unit's leader and the office, once.
    let late = (chrono::NaiveDate::parse_from_str(&due, "%Y-%m-%d").unwrap()
        + chrono::Days::new(15))
    .to_string();
    sweep(at(&late, 6)).await.unwrap();
    sweep(at(&late, 6)).await.unwrap();
    assert_eq!(
        sent(&app, &id, "escalate").await,
        std::slice::from_ref(&due)
    );
    let code = task["code"].as_str().unwrap();
    for to in [
        "lanhdao.tuphap@tinhso.local",
        "chuyenvien.vpubnd@tinhso.local",
    ] {
        let pattern = format!("%{to}%{code} đã quá hạn%");
        let mails = count_of(
            &app,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'send_email' AND payload LIKE $1",
            &pattern,
        )
        .await;
        assert_eq!(mails, 1, "escalated once to {to}");
    }
    let audit = count_of(
        &app,
        "SELECT COUNT(*) FROM audit_log WHERE entity_id = $1 AND action IN ('task.remind', 'task.escalate')",
        &id,
    )
    .await;
    assert_eq!(audit, 2);
    let events = count_of(
        &app,
        "SELECT COUNT(*) FROM outbox_events WHERE stream = $1 AND kind IN ('task.reminded', 'task.escalated')",
        &format!("task:{id}"),
    )
    .await;
    assert_eq!(events, 2);

    // An extension's new deadline has its own reminder.
    let new_due = (chrono::NaiveDate::parse_from_str(&due, "%Y-%m-%d").unwrap()
        + chrono::Days::new(40))
    .to_string();
    let (status, after) = post(
        &app,
        JUSTICE_LEADER,
        &format!("/api/v1/tasks/{id}/extensions"),
        json!({"new_due": new_due, "reason": "Chờ số liệu quý IV."}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{after}");
    let ext = after["extensions"][0]["id"].as_str().unwrap().to_owned();
    let (status, _) = post(
        &app,
        OFFICE,
        &format!("/api/v1/tasks/{id}/extensions/{ext}/grant"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    sweep(at(&new_due, 6)).await.unwrap();
    assert_eq!(
        sent(&app, &id, "remind").await,
        [due.clone(), new_due.clone()]
    );
    let (status, html) = {
        sign_in(&app, OFFICE).await;
        app.get(&format!("/office/tasks/{id}")).await
    };
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("data-kind=\"sweep_remind\""),
        "the timeline shows the reminders"
    );
    assert!(html.contains("data-kind=\"sweep_escalate\""));
}

async fn an_incoming_document_offers_to_create_a_task(app: TestApp) {
    let document = incoming_document(&app).await;
    let page = format!("/office/documents/{document}");
    sign_in(&app, JUSTICE_LEADER).await;
    let (status, html) = app.get(&page).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("data-testid=\"doc-links\""), "{html}");
    // (Pages escape `/` in values: `&#x2f;office&#x2f;tasks&#x2f;new?document=…`.)
    assert!(
        html.contains(&format!("tasks&#x2f;new?document={document}\"")),
        "the link goes to the new task's form with the document: {html}"
    );
    assert!(html.contains("Tạo nhiệm vụ"));
}

/// How many `<tr>` lines of a table body `html` holds under the table `testid`.
fn table_lines(html: &str, testid: &str) -> usize {
    let Some(at) = html.find(&format!("data-testid=\"{testid}\"")) else {
        return 0;
    };
    let table = &html[at..];
    let end = table.find("</table>").unwrap_or(table.len());
    table[..end].matches("<tr>").count() - 1
}

/// A unit with hundreds of tasks: the board shows each state's true count and its first 20
/// lines with a link to the rest, and a state's list comes 50 lines a page, its pages adding
/// up to the count; a state or page that does not exist is said on the page (400).
async fn a_units_board_shows_each_states_count_and_pages_the_rest(app: TestApp) {
    let today = tinhso::time::local_now().date();
    tinhso_tasks::sample::load(&app.state, 2500, 500, today)
        .await
        .unwrap();
    let justice: String = sqlx::query_scalar("SELECT id FROM agencies WHERE code = $1")
        .bind(JUSTICE)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let since = (today - chrono::Days::new(90)).to_string();
    let count = |state: &'static str| {
        let (pool, justice, since) = (app.state.db.pool.clone(), justice.clone(), since.clone());
        async move {
            let finished = matches!(state, "completed" | "cancelled");
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM task_units WHERE agency_id = $1 AND state = $2
                   AND ($3 = 0 OR current_due_on >= $4)",
            )
            .bind(&justice)
            .bind(state)
            .bind(i64::from(finished))
            .bind(&since)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    sign_in(&app, "chuyenvien.tuphap@tinhso.local").await;
    let (status, board) = app.get("/office/tasks").await;
    assert_eq!(status, StatusCode::OK);
    let mut paged = None;
    for state in [
        "assigned",
        "in_progress",
        "completion_reported",
        "completed",
        "cancelled",
    ] {
        let n = count(state).await;
        let shown = table_lines(&board, &format!("mine-{state}"));
        assert_eq!(shown as i64, n.min(20), "{state}: {n} in all");
        if n > 0 {
            assert!(
                board.contains(&format!("({n})</h3>")),
                "{state}'s count {n}"
            );
        }
        assert_eq!(
            board.contains(&format!("href=\"/office/tasks?state={state}\"")),
            n > 20,
            "{state}: the link to all {n}"
        );
        if paged.is_none_or(|(_, most)| n > most) {
            paged = Some((state, n));
        }
    }
    let (state, n) = paged.unwrap();
    assert!(
        n > 50,
        "a state with more than a page of tasks: {state} has {n}"
    );
    let pages = (n + 49) / 50;
    let mut seen = 0;
    for page in 1..=pages {
        let (status, html) = app
            .get(&format!("/office/tasks?state={state}&page={page}"))
            .await;
        assert_eq!(status, StatusCode::OK);
        let lines = table_lines(&html, &format!("mine-{state}"));
        assert!(lines <= 50);
        seen += lines as i64;
        assert!(
            html.contains(&format!("{page}/{pages}")),
            "page {page} of {pages}"
        );
    }
    assert_eq!(seen, n, "the pages hold every task of the state once");
    for bad in [
        "state=finished",
        "state=assigned&page=0",
        "state=assigned&page=x",
    ] {
        let (status, html) = app.get(&format!("/office/tasks?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(
            html.contains("Trạng thái hoặc số trang không hợp lệ"),
            "{bad}"
        );
    }
}
