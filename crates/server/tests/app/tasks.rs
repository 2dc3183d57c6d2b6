//! Task tracking (issue 16, docs/tasks-design.md slice 2) through HTTP on both databases: a
//! task typed in or made from an incoming document, numbered per authority without gaps;
//! units outside the authority refused; progress, completion by the lead unit only, return
//! with a reason and acceptance; every change audited; outsiders see nothing.

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
    a_typed_task_goes_from_assignment_to_acceptance,
    tasks_are_numbered_per_authority_without_gaps,
    authority_units_and_deadlines_are_checked,
    outsiders_do_not_see_a_task,
    a_task_from_an_incoming_document_keeps_its_link_on_the_pages,
    refused_forms_come_back_with_what_was_typed,
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
