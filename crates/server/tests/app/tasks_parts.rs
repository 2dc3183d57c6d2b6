//! Task tracking slice 5 (docs/tasks-design.md) through HTTP on both databases: a recurring
//! task creates every occurrence at once, each due on its period's day moved to a working
//! day; a rule that never ends (or is too long, or ends before it starts) is refused with
//! nothing created. A unit's leader splits its part among a sub-unit and one of its officials;
//! both report, the unit's progress is their average; bad holders and deadlines are refused
//! with nothing half-applied; outsiders neither see nor report on a part. A holder's board
//! and task page show their own parts only (a unit's leader, the parts their unit split); a
//! holder is told of a new part, reminded before its deadline and escalated to the unit once
//! overdue, each once across two nodes sweeping at the same moved clock.

use crate::common;

use axum::http::StatusCode;
use common::TestApp;
use serde_json::{Value, json};

const PASSWORD: &str = "TinhSo@2026";
const OFFICE: &str = "chuyenvien.vpubnd@tinhso.local";
const JUSTICE_LEADER: &str = "lanhdao.tuphap@tinhso.local";
const JUSTICE_SPECIALIST: &str = "chuyenvien.tuphap@tinhso.local";
const JUSTICE_CLERK: &str = "motcua.tuphap@tinhso.local";
/// Moved to Phòng Hành chính tư pháp (under Sở Tư pháp) and made its leader by the tests.
const SUB_LEADER: &str = "dulieu.tuphap@tinhso.local";
const WARD_LEADER: &str = "lanhdao.hacthanh@tinhso.local";
const OUTSIDER: &str = "lanhdao.vhxh.hacthanh@tinhso.local";
const PROVINCE: &str = "000.00.00.H56";
const JUSTICE: &str = "000.00.14.H56";
const JUSTICE_SUB: &str = "000.02.14.H56";
const WARD: &str = "000.00.60.H56";

on_both_databases!(
    a_monthly_series_creates_every_occurrence_on_working_days,
    a_rule_that_never_ends_is_refused_and_nothing_is_created,
    a_unit_splits_its_part_and_progress_rolls_up,
    outsiders_cannot_report_on_a_part,
    a_holder_s_board_and_task_show_only_their_parts,
    a_part_s_holder_is_told_reminded_and_escalated_once_with_a_moved_clock,
    a_part_due_outside_today_to_the_unit_s_deadline_is_refused_with_nothing_stored,
);

fn today() -> chrono::NaiveDate {
    tinhso::time::local_now().date()
}

fn base(title: &str) -> Value {
    let in_a_month = (today() + chrono::Days::new(30)).to_string();
    json!({
        "title": title,
        "authority": PROVINCE,
        "position": "chair",
        "units": [
            {"agency": JUSTICE, "role": "lead", "due_date": in_a_month},
            {"agency": WARD, "role": "supporting", "working_days": 10},
        ],
    })
}

async fn post(app: &TestApp, who: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let t = app.token(who, &["tasks"]).await;
    app.api("POST", path, Some(&t), Some(body)).await
}

async fn get(app: &TestApp, who: &str, path: &str) -> (StatusCode, Value) {
    let t = app.token(who, &["tasks"]).await;
    app.api("GET", path, Some(&t), None).await
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

fn unit<'a>(task: &'a Value, agency: &str) -> &'a Value {
    task["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["agency"] == agency)
        .unwrap()
}

async fn sign_in(app: &TestApp, email: &str) {
    app.clear_cookies();
    let (status, body, _) = app.login(email, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{email}: {body}");
}

async fn a_monthly_series_creates_every_occurrence_on_working_days(app: TestApp) {
    let before = count(&app, "SELECT COUNT(*) FROM tasks").await;
    let mut body = base("Báo cáo tình hình thi hành pháp luật hằng tháng");
    body["recurrence"] = json!({"every": "monthly", "day": 15, "count": 3});
    let (status, first) = post(&app, OFFICE, "/api/v1/tasks", body).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM tasks").await, before + 3);

    // The days the domain gives: the 15th of the next three months from today, each moved
    // back to a working day by the platform's calendar.
    let calendar = tinhso::calendar::load(&app.state.db).await.unwrap();
    let rule = tinhso_domain::task::recurrence::Recurrence {
        every: tinhso_domain::task::recurrence::Every::Month,
        day: 15,
        ends: Some(tinhso_domain::task::recurrence::Ends::After(3)),
    };
    let days = tinhso_domain::task::recurrence::due_days(&rule, today()).unwrap();
    let expected: Vec<String> =
        tinhso_domain::task::recurrence::on_working_days(&calendar, &days, today())
            .iter()
            .map(|d| d.to_string())
            .collect();
    let series = first["series"].as_array().unwrap();
    assert_eq!(series.len(), 3, "{first}");
    let due: Vec<&str> = series
        .iter()
        .map(|o| o["due_on"].as_str().unwrap())
        .collect();
    assert_eq!(due, expected);
    for (o, day) in series.iter().zip(&days) {
        let d: chrono::NaiveDate = o["due_on"].as_str().unwrap().parse().unwrap();
        assert!(calendar.is_working_day(d), "{d} is a working day");
        assert!(d <= *day && (*day - d).num_days() < 7, "{d} by {day}");
    }
    let codes: std::collections::BTreeSet<&str> =
        series.iter().map(|o| o["code"].as_str().unwrap()).collect();
    assert_eq!(codes.len(), 3, "each occurrence its own code");
    assert_eq!(series[0]["id"], first["id"], "the first is returned");

    // Each occurrence is a task of its own: its units due on its day, the series linked.
    for (o, day) in series.iter().zip(&expected) {
        let (status, task) = get(
            &app,
            JUSTICE_LEADER,
            &format!("/api/v1/tasks/{}", o["id"].as_str().unwrap()),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{task}");
        assert_eq!(unit(&task, JUSTICE)["due_on"], day.as_str());
        assert_eq!(unit(&task, WARD)["due_on"], day.as_str());
        assert_eq!(task["series"].as_array().unwrap().len(), 3);
    }
    let id = first["id"].as_str().unwrap();
    let linked: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tasks WHERE parent_id = $1")
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(linked, 2);
    let rule_text: Option<String> =
        sqlx::query_scalar("SELECT recurrence FROM tasks WHERE id = $1")
            .bind(id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    let stored: Value = serde_json::from_str(&rule_text.unwrap()).unwrap();
    assert_eq!(stored, json!({"every": "monthly", "day": 15, "count": 3}));
    let audited = count(
        &app,
        "SELECT COUNT(*) FROM audit_log WHERE entity_type = 'task' AND action = 'task.create'",
    )
    .await;
    assert!(audited >= 3);

    // The page shows the series with links to the other occurrences.
    sign_in(&app, JUSTICE_LEADER).await;
    let (status, html) = app.get(&format!("/office/tasks/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-testid=\"task-series\""), "{html}");
    let other = series[1]["id"].as_str().unwrap();
    assert!(html.contains(&format!("/office/tasks/{other}")));
    assert!(
        !html.contains("task-series-cancel"),
        "a unit does not cancel"
    );

    // The office cancels the occurrences after the second: the third only; a unit may not.
    let cancel = format!("/api/v1/tasks/{other}/series/cancel");
    let (status, _) = post(&app, JUSTICE_LEADER, &cancel, json!({"reason": "Thôi"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, problem) = post(&app, OFFICE, &cancel, json!({"reason": " "})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (status, after) = post(
        &app,
        OFFICE,
        &cancel,
        json!({"reason": "Đã gộp vào báo cáo quý."}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    let states: Vec<&str> = after["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["assigned", "assigned", "cancelled"]);
    let third = series[2]["id"].as_str().unwrap();
    let (_, task) = get(&app, OFFICE, &format!("/api/v1/tasks/{third}")).await;
    assert_eq!(unit(&task, WARD)["state"], "cancelled");
    let (status, _) = post(&app, OFFICE, &cancel, json!({"reason": "Lần nữa"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "nothing left after it");
    let cancelled = count(
        &app,
        "SELECT COUNT(*) FROM outbox_events WHERE kind = 'task.cancelled'",
    )
    .await;
    assert_eq!(cancelled, 1);
}

async fn a_rule_that_never_ends_is_refused_and_nothing_is_created(app: TestApp) {
    let before = count(&app, "SELECT COUNT(*) FROM tasks").await;
    let yesterday = (today() - chrono::Days::new(40)).to_string();
    let cases = [
        (
            json!({"every": "monthly", "day": 15}),
            "phải có ngày kết thúc hoặc số lần",
        ),
        (
            json!({"every": "monthly", "day": 15, "count": 121}),
            "tối đa 120",
        ),
        (
            json!({"every": "monthly", "day": 15, "until": "2099-12-31"}),
            "tối đa 120",
        ),
        (
            json!({"every": "quarterly", "day": 10, "until": yesterday}),
            "kết thúc trước khi bắt đầu",
        ),
        (
            json!({"every": "monthly", "day": 10, "until": "2030-01-01", "count": 2}),
            "không chọn cả hai",
        ),
        (
            json!({"every": "weekly", "day": 1, "count": 2}),
            "hằng tháng",
        ),
        (
            json!({"every": "monthly", "day": 32, "count": 2}),
            "1 đến 31",
        ),
    ];
    for (rule, message) in cases {
        let mut body = base("Báo cáo định kỳ");
        body["recurrence"] = rule.clone();
        let (status, problem) = post(&app, OFFICE, "/api/v1/tasks", body).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{rule}: {problem}"
        );
        assert_eq!(problem["errors"][0]["field"], "recurrence", "{problem}");
        let said = problem["errors"][0]["message"].as_str().unwrap();
        assert!(said.contains(message), "{rule}: {said}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM tasks").await, before);

    // The form comes back with the message and what was typed.
    sign_in(&app, OFFICE).await;
    let in_a_month = (today() + chrono::Days::new(30)).to_string();
    let role = format!("role_{JUSTICE}");
    let date = format!("date_{JUSTICE}");
    let (status, html, _) = app
        .post_form(
            "/office/tasks/new",
            "/office/tasks/new",
            &[
                ("title", "Báo cáo không bao giờ dừng"),
                ("authority", PROVINCE),
                ("position", "chair"),
                ("priority", "normal"),
                (&role, "lead"),
                (&date, &in_a_month),
                ("recur_every", "monthly"),
                ("recur_day", "20"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("phải có ngày kết thúc hoặc số lần"), "{html}");
    assert!(html.contains("Báo cáo không bao giờ dừng"));
    assert!(html.contains("value=\"20\""));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM tasks").await, before);

    // With an end, the form creates the series.
    let (status, _, location) = app
        .post_form(
            "/office/tasks/new",
            "/office/tasks/new",
            &[
                ("title", "Báo cáo quý"),
                ("authority", PROVINCE),
                ("position", "chair"),
                ("priority", "normal"),
                (&role, "lead"),
                ("recur_every", "quarterly"),
                ("recur_day", "20"),
                ("recur_count", "2"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.unwrap().contains("done=create"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM tasks").await, before + 2);
}

/// Moves `email` to the agency `code` as its leader.
async fn lead_agency(app: &TestApp, email: &str, code: &str) {
    let user = app.user_id(email).await;
    let agency: String = sqlx::query_scalar("SELECT id FROM agencies WHERE code = $1")
        .bind(code)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE users SET agency_id = $1 WHERE id = $2")
        .bind(agency)
        .bind(&user)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, 'leader')")
        .bind(&user)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
}

async fn new_task(app: &TestApp) -> (String, Value) {
    let (status, task) = post(
        app,
        OFFICE,
        "/api/v1/tasks",
        base("Rà soát văn bản quy phạm pháp luật"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    (task["id"].as_str().unwrap().to_owned(), task)
}

fn part_of<'a>(task: &'a Value, holder_kind: &str) -> &'a Value {
    task["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["holder_kind"] == holder_kind)
        .unwrap()
}

async fn a_unit_splits_its_part_and_progress_rolls_up(app: TestApp) {
    lead_agency(&app, SUB_LEADER, JUSTICE_SUB).await;
    let (id, task) = new_task(&app).await;
    let due = unit(&task, JUSTICE)["current_due_on"]
        .as_str()
        .unwrap()
        .to_owned();
    let after_due = (due.parse::<chrono::NaiveDate>().unwrap() + chrono::Days::new(1)).to_string();
    let parts = format!("/api/v1/tasks/{id}/parts");
    let specialist = app.user_id(JUSTICE_SPECIALIST).await;

    // Refused, nothing split: a sub-unit not under the unit, an official of another agency,
    // a deadline after the unit's, both holders at once, a unit's non-leader.
    let bad = [
        (
            json!({"agency": WARD, "note": "Phần A", "due_date": due}),
            "agency",
            "không trực thuộc",
        ),
        (
            json!({"official": WARD_LEADER, "note": "Phần A", "due_date": due}),
            "official",
            "không thuộc đơn vị",
        ),
        (
            json!({"agency": JUSTICE_SUB, "note": "Phần A", "due_date": after_due}),
            "due_date",
            "không được sau hạn của đơn vị",
        ),
        (
            json!({"agency": JUSTICE_SUB, "official": specialist, "note": "Phần A", "due_date": due}),
            "holder",
            "đúng một nơi",
        ),
        (
            json!({"agency": JUSTICE_SUB, "note": " ", "due_date": due}),
            "note",
            "bắt buộc",
        ),
    ];
    for (body, field, message) in bad {
        let (status, problem) = post(&app, JUSTICE_LEADER, &parts, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {problem}"
        );
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(message),
            "{problem}"
        );
    }
    let ok = json!({"agency": JUSTICE_SUB, "note": "Rà soát phần hộ tịch", "due_date": due});
    let (status, _) = post(&app, JUSTICE_CLERK, &parts, ok.clone()).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a unit's clerk does not split"
    );
    let (status, _) = post(
        &app,
        WARD_LEADER,
        &parts,
        json!({"official": JUSTICE_SPECIALIST, "note": "x", "due_date": due}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the ward's leader splits only to the ward's"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM task_parts").await, 0);

    // A sub-unit and an official of the unit.
    let (status, task) = post(&app, JUSTICE_LEADER, &parts, ok.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    let (status, problem) = post(&app, JUSTICE_LEADER, &parts, ok).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "once per holder: {problem}"
    );
    let mine = json!({"official": JUSTICE_SPECIALIST, "note": "Tổng hợp số liệu", "due_date": due});
    let (status, task) = post(&app, JUSTICE_LEADER, &parts, mine).await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    assert_eq!(task["parts"].as_array().unwrap().len(), 2);
    let sub_part = part_of(&task, "agency")["id"].as_str().unwrap().to_owned();
    let official_part = part_of(&task, "official")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(part_of(&task, "agency")["holder_agency"], JUSTICE_SUB);
    assert_eq!(
        part_of(&task, "official")["holder_official"],
        specialist.as_str()
    );

    // The holders see the task and report on their part; the unit's progress is the average.
    let (status, _) = get(&app, SUB_LEADER, &format!("/api/v1/tasks/{id}")).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the sub-unit's leader sees the task"
    );
    let report = |p: &str| format!("/api/v1/tasks/{id}/parts/{p}/reports");
    let (status, problem) = post(
        &app,
        SUB_LEADER,
        &report(&sub_part),
        json!({"percent": 101, "text": "x"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "percent");
    let (status, task) = post(
        &app,
        SUB_LEADER,
        &report(&sub_part),
        json!({"percent": 60, "text": "Đã rà soát 60 văn bản."}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{task}");
    assert_eq!(unit(&task, JUSTICE)["progress"], 30);
    assert_eq!(unit(&task, JUSTICE)["state"], "in_progress");
    assert_eq!(
        task["state"], "in_progress",
        "the task follows its lead unit"
    );
    let (status, task) = post(
        &app,
        JUSTICE_SPECIALIST,
        &report(&official_part),
        json!({"percent": 40, "text": "Đã tổng hợp một phần."}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{task}");
    assert_eq!(unit(&task, JUSTICE)["progress"], 50);
    assert_eq!(part_of(&task, "official")["progress"], 40);
    assert_eq!(part_of(&task, "agency")["progress"], 60);
    assert_eq!(
        part_of(&task, "agency")["last_report"],
        "Đã rà soát 60 văn bản."
    );
    let last = task["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["percent"], 50);

    // A holder reports on its own part only, and not for the unit.
    let (status, _) = post(
        &app,
        JUSTICE_SPECIALIST,
        &report(&sub_part),
        json!({"percent": 90, "text": "x"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = post(
        &app,
        JUSTICE_SPECIALIST,
        &format!("/api/v1/tasks/{id}/reports"),
        json!({"kind": "progress", "percent": 90, "text": "x"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = post(
        &app,
        SUB_LEADER,
        &parts,
        json!({"official": SUB_LEADER, "note": "x", "due_date": due}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a holder does not split the unit's part"
    );

    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE entity_type = 'task' AND entity_id = $1 ORDER BY seq",
    )
    .bind(&id)
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "task.create",
            "task.split",
            "task.split",
            "task.part_progress",
            "task.part_progress"
        ]
    );
    let events: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox_events WHERE stream = $1 AND kind IN ('task.split', 'task.part_progress')",
    )
    .bind(format!("task:{id}"))
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(events, 4);

    // The pages: the unit's leader sees the parts and the split form; a refused split comes
    // back with what was typed; the official reports on the page.
    let page = format!("/office/tasks/{id}");
    sign_in(&app, JUSTICE_LEADER).await;
    let (_, html) = app.get(&page).await;
    assert!(html.contains("data-testid=\"task-parts\""), "{html}");
    assert!(html.contains("data-testid=\"task-split\""));
    assert!(html.contains("50%"));
    let (status, html, _) = app
        .post_form(
            &page,
            &format!("{page}/parts"),
            &[
                ("holder", &format!("agency:{WARD}")),
                ("note", "Phần của phường"),
                ("due_date", &due),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("không trực thuộc"));
    assert!(html.contains("Phần của phường"));
    sign_in(&app, JUSTICE_SPECIALIST).await;
    let (_, html) = app.get(&page).await;
    assert!(html.contains("data-testid=\"task-part-report\""), "{html}");
    assert!(!html.contains("data-testid=\"task-split\""));
    let (status, _, location) = app
        .post_form(
            &page,
            &format!("{page}/parts/{official_part}/reports"),
            &[("percent", "100"), ("text", "Xong phần tổng hợp.")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.unwrap().contains("done=part_report"));
    let (_, task) = get(&app, JUSTICE_LEADER, &format!("/api/v1/tasks/{id}")).await;
    assert_eq!(unit(&task, JUSTICE)["progress"], 80);
}

async fn outsiders_cannot_report_on_a_part(app: TestApp) {
    let (id, task) = new_task(&app).await;
    let due = unit(&task, JUSTICE)["current_due_on"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, task) = post(
        &app,
        JUSTICE_LEADER,
        &format!("/api/v1/tasks/{id}/parts"),
        json!({"official": JUSTICE_SPECIALIST, "note": "Tổng hợp", "due_date": due}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    let part = task["parts"][0]["id"].as_str().unwrap().to_owned();
    let report = format!("/api/v1/tasks/{id}/parts/{part}/reports");
    let body = json!({"percent": 50, "text": "Không phải phần của tôi."});
    let (status, _) = post(&app, OUTSIDER, &report, body.clone()).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "one who does not see the task"
    );
    let (status, _) = get(&app, OUTSIDER, &format!("/api/v1/tasks/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = post(&app, WARD_LEADER, &report, body.clone()).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a unit of the task, not the holder"
    );
    let (status, _) = post(&app, JUSTICE_LEADER, &report, body.clone()).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the unit's leader, not the holder"
    );
    let (status, _) = post(&app, OFFICE, &report, body).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the office follows, it does not report"
    );
    let (status, _) = post(
        &app,
        JUSTICE_SPECIALIST,
        &format!("/api/v1/tasks/{id}/parts/nope/reports"),
        json!({"percent": 5, "text": "x"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no such part");
    let untouched = count(&app, "SELECT COUNT(*) FROM task_parts WHERE progress > 0").await;
    assert_eq!(untouched, 0);
}

const WARD_CLERK: &str = "vanthu.hacthanh@tinhso.local";

/// Splits `body` off the part of the caller's unit of task `id`; the task as the caller sees it.
async fn split(app: &TestApp, who: &str, id: &str, body: Value) -> Value {
    let (status, task) = post(app, who, &format!("/api/v1/tasks/{id}/parts"), body).await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    task
}

fn notes(task: &Value) -> Vec<&str> {
    task["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["note"].as_str().unwrap())
        .collect()
}

async fn a_holder_s_board_and_task_show_only_their_parts(app: TestApp) {
    lead_agency(&app, SUB_LEADER, JUSTICE_SUB).await;
    let (id, task) = new_task(&app).await;
    let due = unit(&task, JUSTICE)["current_due_on"]
        .as_str()
        .unwrap()
        .to_owned();
    let ward_due = unit(&task, WARD)["current_due_on"]
        .as_str()
        .unwrap()
        .to_owned();
    split(
        &app,
        JUSTICE_LEADER,
        &id,
        json!({"agency": JUSTICE_SUB, "note": "Rà soát phần hộ tịch", "due_date": due}),
    )
    .await;
    let task = split(
        &app,
        JUSTICE_LEADER,
        &id,
        json!({"official": JUSTICE_SPECIALIST, "note": "Tổng hợp số liệu", "due_date": due}),
    )
    .await;
    let ward = split(
        &app,
        WARD_LEADER,
        &id,
        json!({"official": WARD_CLERK, "note": "Phần việc của văn thư phường", "due_date": ward_due}),
    )
    .await;
    assert_eq!(
        notes(&ward),
        ["Phần việc của văn thư phường"],
        "the ward reads its own parts"
    );
    let sub_part = part_of(&task, "agency")["id"].as_str().unwrap().to_owned();
    let official_part = part_of(&task, "official")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let report = |p: &str| format!("/api/v1/tasks/{id}/parts/{p}/reports");
    let (status, _) = post(
        &app,
        SUB_LEADER,
        &report(&sub_part),
        json!({"percent": 30, "text": "Đã rà soát 30 hồ sơ hộ tịch."}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = post(
        &app,
        JUSTICE_SPECIALIST,
        &report(&official_part),
        json!({"percent": 100, "text": "Số liệu tổng hợp đã gửi lãnh đạo."}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // The API: the sub-unit's leader reads the task, their part and its entries only.
    let (status, seen) = get(&app, SUB_LEADER, &format!("/api/v1/tasks/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(notes(&seen), ["Rà soát phần hộ tịch"], "{seen}");
    let timeline = seen["timeline"].to_string();
    assert!(
        timeline.contains("Đã rà soát 30 hồ sơ hộ tịch."),
        "{timeline}"
    );
    assert!(!timeline.contains("Số liệu tổng hợp"), "{timeline}");
    assert_eq!(seen["extensions"], json!([]));
    assert_eq!(
        seen["units"].as_array().unwrap().len(),
        2,
        "the units stay in view"
    );
    let (_, seen) = get(&app, JUSTICE_LEADER, &format!("/api/v1/tasks/{id}")).await;
    assert_eq!(notes(&seen), ["Rà soát phần hộ tịch", "Tổng hợp số liệu"]);
    assert!(seen["timeline"].to_string().contains("Số liệu tổng hợp"));
    let (_, seen) = get(&app, OFFICE, &format!("/api/v1/tasks/{id}")).await;
    assert_eq!(notes(&seen).len(), 3, "the office reads every part");
    let (_, seen) = get(&app, WARD_CLERK, &format!("/api/v1/tasks/{id}")).await;
    assert_eq!(notes(&seen), ["Phần việc của văn thư phường"]);

    // The boards: each holder sees what they hold; the unit's leader what the unit split.
    sign_in(&app, SUB_LEADER).await;
    let (status, html) = app.get("/office/tasks").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-testid=\"task-board-held\""), "{html}");
    assert!(html.contains("data-testid=\"held-in_progress\""), "{html}");
    assert!(html.contains("Rà soát phần hộ tịch"));
    assert!(html.contains(&format!("/office/tasks/{id}#part-{sub_part}")));
    let justice = unit(&task, JUSTICE)["agency_name"].as_str().unwrap();
    assert!(
        html.contains(&format!("{justice}<br><span class=\"hint\">")),
        "the unit that split it: {html}"
    );
    assert!(!html.contains("Tổng hợp số liệu"), "{html}");
    assert!(!html.contains("Phần việc của văn thư phường"));
    assert!(
        !html.contains("data-testid=\"task-board-split\""),
        "the sub-unit split nothing"
    );
    let (status, html) = app.get(&format!("/office/tasks/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Rà soát phần hộ tịch") && !html.contains("Tổng hợp số liệu"));
    assert!(!html.contains("Phần việc của văn thư phường"));

    sign_in(&app, JUSTICE_SPECIALIST).await;
    let (_, html) = app.get("/office/tasks").await;
    assert!(html.contains("data-testid=\"held-done\""), "{html}");
    assert!(html.contains("Tổng hợp số liệu"));
    assert!(!html.contains("Rà soát phần hộ tịch"), "not the sub-unit's");
    assert!(
        !html.contains("data-testid=\"task-board-split\""),
        "not a leader"
    );

    sign_in(&app, JUSTICE_LEADER).await;
    let (_, html) = app.get("/office/tasks").await;
    assert!(html.contains("data-testid=\"task-board-split\""), "{html}");
    assert!(html.contains("Rà soát phần hộ tịch") && html.contains("Tổng hợp số liệu"));
    assert!(
        !html.contains("Phần việc của văn thư phường"),
        "not the ward's"
    );
    assert!(
        !html.contains("data-testid=\"task-board-held\""),
        "holds none"
    );

    // Another unit's official: no task, no part, nothing on their board.
    sign_in(&app, OUTSIDER).await;
    let (status, _) = app.get(&format!("/office/tasks/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, html) = app.get("/office/tasks").await;
    assert!(!html.contains("data-testid=\"task-board-held\""));
    assert!(!html.contains("Rà soát phần hộ tịch"));
    let (status, _, _) = app
        .post_form(
            "/office/tasks",
            &format!("/office/tasks/{id}/parts/{sub_part}/reports"),
            &[("percent", "90"), ("text", "Không phải của tôi")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get(&app, OUTSIDER, &format!("/api/v1/tasks/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// A second node on the app's database (it sweeps as the first does).
async fn second_node(app: &TestApp) -> tinhso::app::AppState {
    let mut config = common::test_config(&app.database_url, app.dir.path());
    config.node_name = "node-b".into();
    tinhso::app::start_with(config, None, Vec::new())
        .await
        .expect("node starts")
}

fn at(day: &str, hour: u32) -> chrono::NaiveDateTime {
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .unwrap()
        .and_hms_opt(hour, 0, 0)
        .unwrap()
}

async fn mails(app: &TestApp, to: &str, text: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE kind = 'send_email' AND payload LIKE $1 AND payload LIKE $2",
    )
    .bind(format!("%{to}%"))
    .bind(format!("%{text}%"))
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap()
}

async fn part_sent(app: &TestApp, part: &str, kind: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT day FROM task_part_reminders WHERE part_id = $1 AND kind = $2 ORDER BY day",
    )
    .bind(part)
    .bind(kind)
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap()
}

async fn a_part_s_holder_is_told_reminded_and_escalated_once_with_a_moved_clock(app: TestApp) {
    let (id, task) = new_task(&app).await;
    let code = task["code"].as_str().unwrap().to_owned();
    let unit_due = unit(&task, JUSTICE)["current_due_on"]
        .as_str()
        .unwrap()
        .to_owned();
    // The part is due on a working day about ten days before its unit (the digest goes out on
    // working days); it is escalated from the first working day after.
    let calendar = tinhso::calendar::load(&app.state.db).await.unwrap();
    let mut day = unit_due.parse::<chrono::NaiveDate>().unwrap() - chrono::Days::new(10);
    while !calendar.is_working_day(day) {
        day = day.succ_opt().unwrap();
    }
    let due = day.to_string();
    let late = tinhso_domain::task::deadline::escalation_day(&calendar, day)
        .unwrap()
        .to_string();
    assert!(late < unit_due, "the unit itself is not overdue then");
    let task = split(
        &app,
        JUSTICE_LEADER,
        &id,
        json!({"official": JUSTICE_SPECIALIST, "note": "Tổng hợp số liệu quý", "due_date": due}),
    )
    .await;
    let part = task["parts"][0]["id"].as_str().unwrap().to_owned();

    // Told of the new part, in the inbox and by email, once however often it is delivered.
    app.deliver_events().await;
    app.deliver_events().await;
    let told = format!("Được giao phần việc của nhiệm vụ {code}");
    assert_eq!(mails(&app, JUSTICE_SPECIALIST, &told).await, 1);
    let inbox: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM inbox_items i JOIN users u ON u.id = i.user_id
         WHERE u.email = $1 AND i.topic = 'tasks.updates' AND i.link = $2",
    )
    .bind(JUSTICE_SPECIALIST)
    .bind(format!("/office/tasks/{id}"))
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(inbox, 1, "in the holder's inbox");

    // Today: nothing yet for the part.
    let b = second_node(&app).await;
    let sweep = |state: tinhso::app::AppState, now| async move {
        tinhso::tasks::deadlines::sweep(&state, now).await.unwrap()
    };
    sweep(app.state.clone(), at(&today().to_string(), 8)).await;
    assert!(part_sent(&app, &part, "remind").await.is_empty());

    // On the part's due day, two nodes sweep at once: reminded once, to its holder.
    let (x, y) = tokio::join!(
        tokio::spawn(sweep(app.state.clone(), at(&due, 8))),
        tokio::spawn(sweep(b.clone(), at(&due, 8)))
    );
    let (x, y) = (x.unwrap(), y.unwrap());
    assert!(x.reminders + y.reminders >= 1, "{x:?} {y:?}");
    assert_eq!(
        part_sent(&app, &part, "remind").await,
        std::slice::from_ref(&due)
    );
    let soon = format!("Phần việc của nhiệm vụ {code} sắp đến hạn");
    assert_eq!(mails(&app, JUSTICE_SPECIALIST, &soon).await, 1);
    assert_eq!(
        mails(&app, JUSTICE_LEADER, &soon).await,
        0,
        "the holder's, not the unit's"
    );
    // The digest lists the part for its holder.
    assert!(
        app.emailed(JUSTICE_SPECIALIST, "Nhiệm vụ cần theo dõi")
            .await
    );
    let justice = unit(&task, JUSTICE)["agency_name"].as_str().unwrap();
    assert!(
        app.emailed(JUSTICE_SPECIALIST, &format!("phần việc {justice} giao"))
            .await
    );

    // Overdue (its unit still within its own deadline): escalated once to the holder and the
    // unit that split it, however many nodes sweep.
    let (x, y) = tokio::join!(
        tokio::spawn(sweep(app.state.clone(), at(&late, 8))),
        tokio::spawn(sweep(b.clone(), at(&late, 8)))
    );
    assert!(x.unwrap().escalations + y.unwrap().escalations >= 1);
    sweep(app.state.clone(), at(&late, 9)).await;
    assert_eq!(
        part_sent(&app, &part, "escalate").await,
        std::slice::from_ref(&due)
    );
    let overdue = format!("Phần việc của nhiệm vụ {code} đã quá hạn");
    assert_eq!(mails(&app, JUSTICE_SPECIALIST, &overdue).await, 1);
    assert_eq!(mails(&app, JUSTICE_LEADER, &overdue).await, 1);
    assert_eq!(
        mails(&app, OFFICE, &overdue).await,
        0,
        "the unit's matter, not the office's"
    );
    let audited: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE entity_id = $1
           AND action IN ('task.part_remind', 'task.part_escalate') ORDER BY seq",
    )
    .bind(&id)
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(audited, ["task.part_remind", "task.part_escalate"]);
    let events: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox_events WHERE stream = $1
           AND kind IN ('task.part_reminded', 'task.part_escalated')",
    )
    .bind(format!("task:{id}"))
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(events, 2);

    // A part reported done is reminded of no more.
    let (status, _) = post(
        &app,
        JUSTICE_SPECIALIST,
        &format!("/api/v1/tasks/{id}/parts/{part}/reports"),
        json!({"percent": 100, "text": "Xong."}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    sqlx::query("DELETE FROM task_part_reminders WHERE part_id = $1")
        .bind(&part)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    sweep(app.state.clone(), at(&late, 10)).await;
    assert!(
        part_sent(&app, &part, "escalate").await.is_empty(),
        "done: nothing to escalate"
    );
}

async fn a_part_due_outside_today_to_the_unit_s_deadline_is_refused_with_nothing_stored(
    app: TestApp,
) {
    let (id, task) = new_task(&app).await;
    let unit_due = unit(&task, JUSTICE)["current_due_on"]
        .as_str()
        .unwrap()
        .to_owned();
    let after = (unit_due.parse::<chrono::NaiveDate>().unwrap() + chrono::Days::new(1)).to_string();
    let yesterday = (today() - chrono::Days::new(1)).to_string();
    let audit_before = count(&app, "SELECT COUNT(*) FROM audit_log").await;
    let events_before = count(&app, "SELECT COUNT(*) FROM outbox_events").await;
    for (due, message) in [
        (
            yesterday.as_str(),
            "Hạn của phần việc không được trước hôm nay.",
        ),
        (
            after.as_str(),
            "Hạn của phần việc không được sau hạn của đơn vị",
        ),
        ("20-12-2026", "Hạn của phần việc có dạng YYYY-MM-DD."),
    ] {
        let (status, problem) = post(
            &app,
            JUSTICE_LEADER,
            &format!("/api/v1/tasks/{id}/parts"),
            json!({"official": JUSTICE_SPECIALIST, "note": "Tổng hợp", "due_date": due}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{due}: {problem}");
        assert_eq!(problem["errors"][0]["field"], "due_date");
        let said = problem["errors"][0]["message"].as_str().unwrap();
        assert!(said.contains(message), "{due}: {said}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM task_parts").await, 0);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM audit_log").await,
        audit_before
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM outbox_events").await,
        events_before
    );
    // Today and the unit's own deadline are both fine.
    split(
        &app,
        JUSTICE_LEADER,
        &id,
        json!({"official": JUSTICE_SPECIALIST, "note": "Hôm nay", "due_date": today().to_string()}),
    )
    .await;
    split(
        &app,
        JUSTICE_LEADER,
        &id,
        json!({"agency": JUSTICE_SUB, "note": "Đến hạn đơn vị", "due_date": unit_due}),
    )
    .await;
}
