//! Task tracking slice 5 (docs/tasks-design.md) through HTTP on both databases: a recurring
//! task creates every occurrence at once, each due on its period's day moved to a working
//! day; a rule that never ends (or is too long, or ends before it starts) is refused with
//! nothing created. A unit's leader splits its part among a sub-unit and one of its officials;
//! both report, the unit's progress is their average; bad holders and deadlines are refused
//! with nothing half-applied; outsiders neither see nor report on a part.

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
