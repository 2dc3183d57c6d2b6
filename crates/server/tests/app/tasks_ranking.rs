//! Task tracking, slice 4 (docs/tasks-design.md §9) through HTTP on both databases: the
//! assigning office's overview with the Government Office's four buckets per unit, judged by
//! the judged deadline (an extension granted before the deadline counts, one granted after
//! does not); the ranking with the rules in force (weights, the minimum of judged tasks), the
//! rules set as data, audited, and used by a later ranking; XLSX and PDF exports read back,
//! formulas neutralised; nobody else sees any of it; and the operations centre counts the
//! buckets from the tasks' events as a recount (`tinhso ops rebuild --check`) does.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{TestApp, text};
use serde_json::{Value, json};

const PASSWORD: &str = "TinhSo@2026";
const OFFICE: &str = "chuyenvien.vpubnd@tinhso.local";
const JUSTICE_LEADER: &str = "lanhdao.tuphap@tinhso.local";
const JUSTICE_CLERK: &str = "vanthu.tuphap@tinhso.local";
const PROVINCE: &str = "000.00.00.H56";
const JUSTICE: &str = "000.00.14.H56";
const WARD: &str = "000.00.60.H56";
const FINANCE: &str = "000.00.03.H56";
const FIELD: &str = "Kiểm thử tổng hợp";

on_both_databases!(
    the_overview_counts_four_buckets_per_unit_by_the_judged_deadline,
    the_ranking_weighs_priorities_marks_small_counts_and_uses_the_rules_in_force,
    exports_open_and_others_see_nothing,
    the_operations_centre_counts_the_buckets_and_a_recount_agrees,
    the_overview_shows_a_change_at_once,
);

fn today() -> chrono::NaiveDate {
    tinhso::time::local_now().date()
}

fn day(offset: i64) -> String {
    (today() + chrono::Duration::days(offset)).to_string()
}

/// Moves the demo's tasks out of this year, so the counts are this test's.
async fn demo_tasks_aside(app: &TestApp) {
    sqlx::query("UPDATE tasks SET assigned_on = '2001-06-01'")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
}

/// A task of `priority` for one lead unit; its id.
async fn task_for(app: &TestApp, agency: &str, priority: &str, title: &str) -> String {
    let t = app.token(OFFICE, &["tasks"]).await;
    let body = json!({
        "title": title, "content": "Thử.", "authority": PROVINCE, "position": "chair",
        "priority": priority, "field": FIELD,
        "units": [{"agency": agency, "role": "lead", "working_days": 10}],
    });
    let (status, task) = app.api("POST", "/api/v1/tasks", Some(&t), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    task["id"].as_str().unwrap().to_owned()
}

/// Sets a unit's deadlines (as assigned, worked to, judged) and the day it finished (accepted).
async fn set_unit(
    app: &TestApp,
    id: &str,
    due: &str,
    current: &str,
    judged: &str,
    finished: Option<&str>,
) {
    let state = if finished.is_some() {
        "completed"
    } else {
        "in_progress"
    };
    sqlx::query(
        "UPDATE task_units SET due_on = $2, current_due_on = $3, judged_due_on = $4,
             finished_on = $5, state = $6 WHERE task_id = $1",
    )
    .bind(id)
    .bind(due)
    .bind(current)
    .bind(judged)
    .bind(finished)
    .bind(state)
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    sqlx::query("UPDATE tasks SET state = $2 WHERE id = $1")
        .bind(id)
        .bind(state)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
}

fn row<'a>(overview: &'a Value, unit: &str) -> &'a Value {
    overview["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["unit"] == unit)
        .unwrap_or_else(|| panic!("{unit} in {overview}"))
}

fn counts(r: &Value) -> [i64; 5] {
    [
        r["done_on_time"].as_i64().unwrap(),
        r["done_late"].as_i64().unwrap(),
        r["open_within_deadline"].as_i64().unwrap(),
        r["open_overdue"].as_i64().unwrap(),
        r["total"].as_i64().unwrap(),
    ]
}

async fn sign_in(app: &TestApp, email: &str) {
    app.clear_cookies();
    let (status, body, _) = app.login(email, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{email}: {body}");
}

async fn make_leader(app: &TestApp, email: &str) {
    let user = app.user_id(email).await;
    sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, 'leader')")
        .bind(user)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
}

/// Six tasks of Sở Tư pháp, one per case, and one of Sở Tài chính.
async fn the_cases(app: &TestApp) {
    let on_time = task_for(app, JUSTICE, "normal", "Đúng hạn").await;
    set_unit(app, &on_time, &day(0), &day(0), &day(0), Some(&day(-1))).await;
    let late = task_for(app, JUSTICE, "normal", "Quá hạn rồi mới xong").await;
    set_unit(app, &late, &day(-5), &day(-5), &day(-5), Some(&day(-1))).await;
    // Extended before the deadline: judged by the new one, done on time.
    let extended = task_for(app, JUSTICE, "normal", "Gia hạn trong hạn").await;
    set_unit(app, &extended, &day(-3), &day(10), &day(10), Some(&day(-1))).await;
    // Extended after the deadline had passed: worked to the new one, judged by the old one.
    let extended_late = task_for(app, JUSTICE, "normal", "Gia hạn khi đã quá hạn").await;
    set_unit(
        app,
        &extended_late,
        &day(-3),
        &day(10),
        &day(-3),
        Some(&day(-1)),
    )
    .await;
    let open = task_for(app, JUSTICE, "normal", "Còn trong hạn").await;
    set_unit(app, &open, &day(5), &day(5), &day(5), None).await;
    let overdue = task_for(app, JUSTICE, "normal", "Chưa xong, quá hạn").await;
    set_unit(app, &overdue, &day(-2), &day(-2), &day(-2), None).await;
    let finance = task_for(app, FINANCE, "normal", "Của Sở Tài chính").await;
    set_unit(app, &finance, &day(-2), &day(-2), &day(-2), None).await;
}

async fn the_overview_counts_four_buckets_per_unit_by_the_judged_deadline(app: TestApp) {
    demo_tasks_aside(&app).await;
    the_cases(&app).await;
    let t = app.token(OFFICE, &["tasks"]).await;
    let (status, o) = app
        .api("GET", "/api/v1/tasks/overview", Some(&t), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{o}");
    assert_eq!(o["as_of"], day(0));
    assert_eq!(counts(row(&o, JUSTICE)), [2, 2, 1, 1, 6]);
    assert_eq!(counts(row(&o, FINANCE)), [0, 0, 0, 1, 1]);
    assert_eq!(counts(&o["total"]), [2, 2, 1, 2, 7]);

    // Filters: one bucket, one unit, a field, an authority; unknown codes are refused.
    let (_, overdue) = app
        .api(
            "GET",
            "/api/v1/tasks/overview?status=open_overdue",
            Some(&t),
            None,
        )
        .await;
    assert_eq!(counts(&overdue["total"]), [0, 0, 0, 2, 2], "{overdue}");
    let (_, justice) = app
        .api(
            "GET",
            &format!("/api/v1/tasks/overview?unit={JUSTICE}&authority={PROVINCE}"),
            Some(&t),
            None,
        )
        .await;
    assert_eq!(justice["rows"].as_array().unwrap().len(), 1, "{justice}");
    let (_, other_field) = app
        .api(
            "GET",
            "/api/v1/tasks/overview?field=Kh%C3%A1c",
            Some(&t),
            None,
        )
        .await;
    assert_eq!(counts(&other_field["total"]), [0, 0, 0, 0, 0]);
    let (status, problem) = app
        .api(
            "GET",
            "/api/v1/tasks/overview?unit=999.99.99.H56&from=2026-05-01&to=2026-04-01",
            Some(&t),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"unit") && fields.contains(&"to"),
        "{problem}"
    );
    // Last year holds none of them (the demo's are older still).
    let last_year = chrono::Datelike::year(&today()) - 1;
    let (_, before) = app
        .api(
            "GET",
            &format!("/api/v1/tasks/overview?year={last_year}"),
            Some(&t),
            None,
        )
        .await;
    assert_eq!(counts(&before["total"]), [0, 0, 0, 0, 0], "{before}");

    // The page, linked from the board: the table per unit with links to the filtered lists
    // and to the tasks.
    sign_in(&app, OFFICE).await;
    let (_, board) = app.get("/office/tasks").await;
    assert!(
        board.contains("data-testid=\"task-overview-links\""),
        "{board}"
    );
    let (status, html) = app.get("/office/tasks/overview").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("data-testid=\"task-overview\""), "{html}");
    assert!(html.contains("Gia hạn khi đã quá hạn"));
    assert!(
        html.contains(&format!("unit={JUSTICE}&amp;status=open_overdue")),
        "{html}"
    );
    let (status, html) = app
        .get("/office/tasks/overview?status=done_late&unit=xyz")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Không có cơ quan, đơn vị với mã này."));
    assert!(html.contains("value=\"xyz\""), "what was typed stays");
}

async fn ranking(app: &TestApp, token: &str) -> Value {
    let year = chrono::Datelike::year(&today());
    let (status, r) = app
        .api(
            "GET",
            &format!("/api/v1/tasks/ranking?year={year}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    r
}

fn line<'a>(r: &'a Value, unit: &str) -> &'a Value {
    r["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["unit"] == unit)
        .unwrap_or_else(|| panic!("{unit} in {r}"))
}

fn rules(min_judged: u32, weight_urgent: f64, valid_from: &str) -> Value {
    json!({
        "rules": {
            "points_on_time": 100.0, "points_late": 50.0, "points_overdue": 0.0,
            "weight_normal": 1.0, "weight_high": 2.0, "weight_urgent": weight_urgent,
            "min_judged": min_judged,
        },
        "valid_from": valid_from,
        "note": "Thử nghiệm",
    })
}

async fn the_ranking_weighs_priorities_marks_small_counts_and_uses_the_rules_in_force(
    app: TestApp,
) {
    demo_tasks_aside(&app).await;
    // Sở Tư pháp: two normal tasks on time, one urgent overdue, one open within its deadline.
    for title in ["A", "B"] {
        let id = task_for(&app, JUSTICE, "normal", title).await;
        set_unit(&app, &id, &day(0), &day(0), &day(0), Some(&day(0))).await;
    }
    let urgent = task_for(&app, JUSTICE, "urgent", "Khẩn").await;
    set_unit(&app, &urgent, &day(-1), &day(-1), &day(-1), None).await;
    task_for(&app, JUSTICE, "normal", "Còn hạn").await;
    // The ward: two important tasks done late. Sở Tài chính: one on time.
    for title in ["C", "D"] {
        let id = task_for(&app, WARD, "high", title).await;
        set_unit(&app, &id, &day(-4), &day(-4), &day(-4), Some(&day(-1))).await;
    }
    let f = task_for(&app, FINANCE, "normal", "E").await;
    set_unit(&app, &f, &day(0), &day(0), &day(0), Some(&day(0))).await;

    let office = app.token(OFFICE, &["tasks"]).await;
    // The default rules ask for five judged tasks: nobody is ranked yet, but the volume shows.
    let r = ranking(&app, &office).await;
    assert_eq!(r["rules"]["id"], "default", "{r}");
    assert_eq!(r["rules"]["rules"]["min_judged"], 5);
    assert!(
        r["lines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["too_few"] == true && l["rank"].is_null()),
        "{r}"
    );
    assert_eq!(line(&r, JUSTICE)["judged"], 3);
    assert_eq!(line(&r, JUSTICE)["open_within_deadline"], 1);
    // Normal on time twice (100 × 1 × 2) and urgent overdue (0 × 3): 200 / 5.
    assert_eq!(line(&r, JUSTICE)["score"], 40.0);

    // A specialist of the office reads the rules but may not set them.
    let (status, list) = app
        .api("GET", "/api/v1/tasks/ranking-rules", Some(&office), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["in_force"]["id"], "default");
    let (status, _) = app
        .api(
            "PUT",
            "/api/v1/tasks/ranking-rules",
            Some(&office),
            Some(rules(2, 3.0, &day(0))),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let stranger = app.token(JUSTICE_LEADER, &["tasks"]).await;
    let (status, _) = app
        .api(
            "PUT",
            "/api/v1/tasks/ranking-rules",
            Some(&stranger),
            Some(rules(2, 3.0, &day(0))),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The office's leader: rules out of bounds and a day in the past are refused.
    make_leader(&app, OFFICE).await;
    let leader = app.token(OFFICE, &["tasks"]).await;
    let mut bad = rules(2, 11.0, &day(-1));
    bad["rules"]["points_late"] = json!(120.0);
    let (status, problem) = app
        .api(
            "PUT",
            "/api/v1/tasks/ranking-rules",
            Some(&leader),
            Some(bad),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["points", "valid_from"], "{problem}");
    let (status, set) = app
        .api(
            "PUT",
            "/api/v1/tasks/ranking-rules",
            Some(&leader),
            Some(rules(2, 3.0, &day(0))),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{set}");
    let id = set["id"].as_str().unwrap().to_owned();
    let audited = app.count_where("audit_log", "entity_id", &id).await;
    assert_eq!(audited, 1, "the change is audited");
    let action: String = sqlx::Row::get(
        &sqlx::query("SELECT action FROM audit_log WHERE entity_id = $1")
            .bind(&id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap(),
        0,
    );
    assert_eq!(action, "task.rules_set");
    let stream = format!("task_rules:{id}");
    assert_eq!(
        app.count_where("outbox_events", "stream", &stream).await,
        1,
        "with its event"
    );
    // Rules from tomorrow do not judge today's ranking.
    let (status, _) = app
        .api(
            "PUT",
            "/api/v1/tasks/ranking-rules",
            Some(&leader),
            Some(rules(1, 1.0, &day(1))),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let r = ranking(&app, &office).await;
    assert_eq!(r["rules"]["id"], id.as_str(), "{r}");
    let ranked: Vec<(String, Value, Value)> = r["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["unit"].as_str().unwrap().to_owned(),
                l["rank"].clone(),
                l["score"].clone(),
            )
        })
        .collect();
    assert_eq!(
        ranked,
        [
            (WARD.to_owned(), json!(1), json!(50.0)),
            (JUSTICE.to_owned(), json!(2), json!(40.0)),
            (FINANCE.to_owned(), Value::Null, json!(100.0)),
        ],
        "the best first; one judged task is too few to rank, however good"
    );
    assert_eq!(line(&r, FINANCE)["too_few"], true);

    // The page prints the rules in force above the table, and its form keeps what was typed.
    sign_in(&app, OFFICE).await;
    let (status, html) = app.get("/office/tasks/ranking").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let rules_at = html.find("data-testid=\"task-ranking-rules\"").unwrap();
    let table_at = html.find("data-testid=\"task-ranking\"").unwrap();
    assert!(rules_at < table_at, "the rules come first");
    assert!(html.contains("dưới 2 nhiệm vụ"), "{html}");
    assert!(html.contains("Chưa đủ số nhiệm vụ để xếp hạng"));
    let (status, html, _) = app
        .post_form(
            "/office/tasks/ranking/rules",
            "/office/tasks/ranking/rules",
            &[
                ("points_on_time", "abc"),
                ("points_late", "50"),
                ("points_overdue", "0"),
                ("weight_normal", "1"),
                ("weight_high", "2"),
                ("weight_urgent", "3"),
                ("min_judged", "2"),
                ("valid_from", &day(0)),
                ("note", "Giữ lại"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("Nhập một số."));
    assert!(html.contains("value=\"abc\"") && html.contains("Giữ lại"));
    let (status, _, location) = app
        .post_form(
            "/office/tasks/ranking/rules",
            "/office/tasks/ranking/rules",
            &[
                ("points_on_time", "100"),
                ("points_late", "40"),
                ("points_overdue", "0"),
                ("weight_normal", "1"),
                ("weight_high", "2"),
                ("weight_urgent", "3"),
                ("min_judged", "2"),
                ("valid_from", &day(0)),
                ("note", "Từ trang"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location.as_deref(),
        Some("/office/tasks/ranking/rules?done=1")
    );
    let r = ranking(&app, &office).await;
    assert_eq!(
        r["rules"]["rules"]["points_late"], 40.0,
        "the latest set today judges"
    );
    assert_eq!(line(&r, WARD)["score"], 40.0);
}

async fn download(app: &TestApp, path: &str) -> (StatusCode, Vec<u8>) {
    use http_body_util::BodyExt;
    let resp = app
        .send(Request::get(path).body(Body::empty()).unwrap())
        .await;
    let status = resp.status();
    (
        status,
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
}

fn sheet(bytes: &[u8]) -> Vec<Vec<String>> {
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an XLSX");
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

fn pdf_text(pdf: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(pdf).expect("a PDF");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages).unwrap_or_default()
}

async fn exports_open_and_others_see_nothing(app: TestApp) {
    demo_tasks_aside(&app).await;
    the_cases(&app).await;
    // A unit named like a formula is written as text.
    sqlx::query("UPDATE agencies SET name = '=HYPERLINK(\"http://x\")' WHERE code = $1")
        .bind(FINANCE)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    sign_in(&app, OFFICE).await;
    let (status, xlsx) = download(&app, "/office/tasks/overview.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let rows = sheet(&xlsx);
    assert_eq!(rows[0][0], "Mã đơn vị");
    assert_eq!(rows[0][2], "Hoàn thành đúng hạn");
    let justice = rows
        .iter()
        .find(|r| r[0] == JUSTICE)
        .expect("Sở Tư pháp's row");
    assert_eq!(justice[2..7], ["2", "2", "1", "1", "6"]);
    let finance = rows.iter().find(|r| r[0] == FINANCE).unwrap();
    assert_eq!(finance[1], "'=HYPERLINK(\"http://x\")");
    assert_eq!(rows.last().unwrap()[1], "Tổng cộng");
    let (status, pdf) = download(&app, "/office/tasks/overview.pdf?status=open_overdue").await;
    assert_eq!(status, StatusCode::OK);
    assert!(pdf.starts_with(b"%PDF"));
    assert!(
        pdf_text(&pdf).contains(JUSTICE),
        "the unit's code is printed"
    );

    let (status, xlsx) = download(&app, "/office/tasks/ranking.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let rows = sheet(&xlsx);
    assert_eq!(rows[0][0], "Hạng");
    assert!(
        rows.iter().any(|r| r[1] == JUSTICE && r[4] == "5"),
        "{rows:?}"
    );
    let (status, pdf) = download(&app, "/office/tasks/ranking.pdf").await;
    assert_eq!(status, StatusCode::OK);
    assert!(pdf.starts_with(b"%PDF"));
    assert!(pdf_text(&pdf).contains(JUSTICE));

    // A unit's officials and leaders see no overview, ranking or export: 404.
    for who in [JUSTICE_CLERK, JUSTICE_LEADER] {
        sign_in(&app, who).await;
        for path in [
            "/office/tasks/overview",
            "/office/tasks/overview.xlsx",
            "/office/tasks/ranking",
            "/office/tasks/ranking.pdf",
            "/office/tasks/ranking/rules",
        ] {
            let (status, _) = download(&app, path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{who} {path}");
        }
        let t = app.token(who, &["tasks"]).await;
        for path in [
            "/api/v1/tasks/overview",
            "/api/v1/tasks/ranking",
            "/api/v1/tasks/ranking-rules",
        ] {
            let (status, problem) = app.api("GET", path, Some(&t), None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{who} {path}");
            assert_eq!(problem["status"], 404);
        }
    }
    let (status, _) = text(
        app.send(
            Request::get("/office/tasks/overview.csv")
                .body(Body::empty())
                .unwrap(),
        )
        .await,
    )
    .await;
    assert_ne!(status, StatusCode::OK);
}

async fn post(app: &TestApp, who: &str, path: &str, body: Value) -> Value {
    let t = app.token(who, &["tasks"]).await;
    let (status, out) = app.api("POST", path, Some(&t), Some(body)).await;
    assert!(status.is_success(), "{path}: {status} {out}");
    out
}

async fn counter(app: &TestApp, agency: &str, source: &str, day: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM ops_counters
          WHERE scope = (SELECT 'a:' || id FROM agencies WHERE code = $1) AND grain = 'd'
            AND breakdown = '*' AND period = $2 AND source = $3",
    )
    .bind(agency)
    .bind(day)
    .bind(source)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap()
}

async fn recount_agrees(app: &TestApp, what: &str) {
    let check = tinhso_ops::rebuild::rebuild(&app.state, &tinhso::audit::Actor::system(), true)
        .await
        .unwrap();
    assert!(
        check.differences.is_empty(),
        "{what}: {} counters differ from a recount, e.g. {:?}",
        check.differences.len(),
        &check.differences[..check.differences.len().min(5)]
    );
}

async fn the_operations_centre_counts_the_buckets_and_a_recount_agrees(app: TestApp) {
    tinhso_ops::rebuild::rebuild(&app.state, &tinhso::audit::Actor::system(), false)
        .await
        .unwrap();
    recount_agrees(&app, "the demo").await;
    let today = day(0);
    let assigned_before = counter(&app, WARD, "task.unit_assigned", &today).await;

    // Assigned, reported complete and accepted: done on time, counted on its deadline.
    let id = task_for(&app, JUSTICE, "high", "Đếm cho trung tâm điều hành").await;
    let reported = post(
        &app,
        JUSTICE_LEADER,
        &format!("/api/v1/tasks/{id}/reports"),
        json!({"kind": "completion", "text": "Xong."}),
    )
    .await;
    let due = reported["units"][0]["judged_due_on"]
        .as_str()
        .unwrap()
        .to_owned();
    // The demo's tasks may share the deadline: counted from here.
    let open = counter(&app, JUSTICE, "task.unit_open", &due).await;
    let done = counter(&app, JUSTICE, "task.unit_done_on_time", &due).await;
    assert!(open >= 1, "open until accepted");
    post(
        &app,
        OFFICE,
        &format!("/api/v1/tasks/{id}/accept"),
        json!({}),
    )
    .await;
    assert_eq!(
        counter(&app, JUSTICE, "task.unit_done_on_time", &due).await,
        done + 1
    );
    assert_eq!(
        counter(&app, JUSTICE, "task.unit_open", &due).await,
        open - 1
    );

    // Another, for the ward: open by its deadline, which a granted extension moves.
    let id = task_for(&app, WARD, "normal", "Gia hạn rồi đếm lại").await;
    assert_eq!(
        counter(&app, WARD, "task.unit_assigned", &today).await,
        assigned_before + 1
    );
    let asked = post(
        &app,
        "lanhdao.hacthanh@tinhso.local",
        &format!("/api/v1/tasks/{id}/extensions"),
        json!({"new_due": day(90), "reason": "Chờ số liệu"}),
    )
    .await;
    let ext = asked["extensions"][0]["id"].as_str().unwrap().to_owned();
    let granted = post(
        &app,
        OFFICE,
        &format!("/api/v1/tasks/{id}/extensions/{ext}/grant"),
        json!({}),
    )
    .await;
    let judged = granted["units"][0]["judged_due_on"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(judged, day(90));
    assert!(
        counter(&app, WARD, "task.unit_open", &judged).await >= 1,
        "open by its judged deadline"
    );
    recount_agrees(&app, "after assignments, an acceptance and an extension").await;
}

async fn overview_now(app: &TestApp, token: &str) -> Value {
    let (status, o) = app
        .api("GET", "/api/v1/tasks/overview", Some(token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{o}");
    o
}

/// The overview page as the office sees it (its list shows each line's judged deadline).
async fn overview_page(app: &TestApp) -> String {
    let (status, html) = app.get("/office/tasks/overview").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    html
}

/// The overview's counts are cached on the node (`overview_cache`) until the tasks'
/// generation moves: a new task, a completion accepted and an extension granted show in the
/// next request on the same node, as does a new set of ranking rules in the ranking.
async fn the_overview_shows_a_change_at_once(app: TestApp) {
    demo_tasks_aside(&app).await;
    let t = app.token(OFFICE, &["tasks"]).await;
    let before = overview_now(&app, &t).await;
    assert_eq!(counts(&before["total"]), [0, 0, 0, 0, 0], "{before}");
    assert_eq!(overview_now(&app, &t).await, before, "served again");

    let id = task_for(&app, JUSTICE, "high", "Mới giao").await;
    let o = overview_now(&app, &t).await;
    assert_eq!(counts(row(&o, JUSTICE)), [0, 0, 1, 0, 1], "a new task: {o}");

    post(
        &app,
        JUSTICE_LEADER,
        &format!("/api/v1/tasks/{id}/reports"),
        json!({"kind": "completion", "text": "Xong."}),
    )
    .await;
    post(
        &app,
        OFFICE,
        &format!("/api/v1/tasks/{id}/accept"),
        json!({}),
    )
    .await;
    let o = overview_now(&app, &t).await;
    assert_eq!(counts(row(&o, JUSTICE)), [1, 0, 0, 0, 1], "accepted: {o}");

    let ward = task_for(&app, WARD, "normal", "Gia hạn hiện ngay").await;
    sign_in(&app, OFFICE).await;
    let html = overview_page(&app).await;
    assert!(
        html.contains("Gia hạn hiện ngay") && !html.contains(&day(90)),
        "{html}"
    );
    let asked = post(
        &app,
        "lanhdao.hacthanh@tinhso.local",
        &format!("/api/v1/tasks/{ward}/extensions"),
        json!({"new_due": day(90), "reason": "Chờ số liệu"}),
    )
    .await;
    let ext = asked["extensions"][0]["id"].as_str().unwrap().to_owned();
    post(
        &app,
        OFFICE,
        &format!("/api/v1/tasks/{ward}/extensions/{ext}/grant"),
        json!({}),
    )
    .await;
    let html = overview_page(&app).await;
    assert!(html.contains(&day(90)), "extension granted: {html}");
    let o = overview_now(&app, &t).await;
    assert_eq!(counts(&o["total"]), [1, 0, 1, 0, 2], "{o}");
}
