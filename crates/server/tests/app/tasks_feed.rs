//! Task tracking, slice 5 (docs/tasks-design.md §9) through HTTP on both databases: the
//! calendar feed of deadlines at a secret URL — read by a third-party iCalendar parser
//! (`e2e/ical_check.py`, Python `icalendar` from PyPI), only the person's own deadlines, its
//! event moved with a higher SEQUENCE by a granted extension, 404 once revoked, replaced, or
//! the account disabled — and the XLSX import: all rows created with codes, or none with every
//! bad row reported, a file that is not XLSX refused.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{TestApp, text};
use serde_json::{Value, json};
use tinhso_documents::Cell;

const PASSWORD: &str = "TinhSo@2026";
const OFFICE: &str = "chuyenvien.vpubnd@tinhso.local";
const JUSTICE_LEADER: &str = "lanhdao.tuphap@tinhso.local";
const WARD_LEADER: &str = "lanhdao.hacthanh@tinhso.local";
const JUSTICE_DESK: &str = "motcua.tuphap@tinhso.local";
const CITIZEN: &str = "congdan@tinhso.local";
const PROVINCE: &str = "000.00.00.H56";
const JUSTICE: &str = "000.00.14.H56";
const WARD: &str = "000.00.60.H56";
const FINANCE: &str = "000.00.03.H56";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

on_both_databases!(
    a_feed_lists_my_open_deadlines_for_a_calendar,
    a_feed_is_revoked_replaced_and_stops_with_the_account,
    an_import_creates_every_row_or_none,
    an_import_refuses_what_is_not_the_template,
);

fn today() -> chrono::NaiveDate {
    tinhso::time::local_now().date()
}

async fn token(app: &TestApp, email: &str) -> String {
    app.token(email, &["tasks"]).await
}

async fn post(app: &TestApp, who: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let t = token(app, who).await;
    app.api("POST", path, Some(&t), Some(body)).await
}

async fn sign_in(app: &TestApp, email: &str) {
    app.clear_cookies();
    let (status, body, _) = app.login(email, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{email}: {body}");
}

/// Makes `email` a feed through the page; the path of its URL.
async fn make_feed(app: &TestApp, email: &str) -> String {
    sign_in(app, email).await;
    let (status, page) = app.get("/office/tasks/feed").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (status, page, _) = app
        .post_form("/office/tasks/feed", "/office/tasks/feed", &[])
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let at = page.find("/tasks/feed/").expect("the URL is shown once");
    let end = at + page[at..].find(".ics").unwrap() + 4;
    page[at..end].to_owned()
}

async fn fetch(app: &TestApp, path: &str) -> (StatusCode, String, String) {
    app.clear_cookies();
    let resp = app
        .send(Request::get(path).body(Body::empty()).unwrap())
        .await;
    let ct = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let (status, body) = text(resp).await;
    (status, ct, body)
}

fn uid(unit_id: &str) -> String {
    format!("task-unit-{unit_id}@")
}

/// The events a calendar should show for the open units of `agency` (its own part): uid
/// prefix, date, code, sequence, task id, from the database.
async fn expected_of(app: &TestApp, agency: &str) -> Vec<(String, String, String, i64, String)> {
    let rows = sqlx::query(
        "SELECT u.id, u.current_due_on, t.code, t.id AS task_id,
            (SELECT COUNT(*) FROM task_extensions e WHERE e.unit_id = u.id AND e.decision = 'granted') AS moves
         FROM task_units u JOIN tasks t ON t.id = u.task_id JOIN agencies a ON a.id = u.agency_id
         WHERE a.code = $1 AND u.state IN ('assigned', 'in_progress', 'completion_reported')
         ORDER BY u.id",
    )
    .bind(agency)
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    rows.iter()
        .map(|r| {
            use sqlx::Row;
            (
                r.get::<String, _>(0),
                r.get::<String, _>(1),
                r.get::<String, _>(2),
                r.get::<i64, _>(4),
                r.get::<String, _>(3),
            )
        })
        .collect()
}

/// The host part of the UIDs, as the feed writes them.
fn host(app: &TestApp) -> String {
    let base = app.state.config.public_url.trim_end_matches('/');
    let rest = base.split_once("://").map_or(base, |(_, r)| r);
    rest.split('/').next().unwrap().to_owned()
}

/// Runs the third-party parser on `feed` with the expected events. Skips (with a note) when
/// python3 or icalendar is missing, unless CI requires it (`CI_REQUIRE_ICALENDAR=1`).
fn ical_check(app: &TestApp, feed: &str, expected: &[(String, String, String, i64, String)]) {
    let required = std::env::var("CI_REQUIRE_ICALENDAR").as_deref() == Ok("1");
    let have = std::process::Command::new("python3")
        .args(["-c", "import icalendar"])
        .output();
    match have {
        Ok(o) if o.status.success() => {}
        Ok(o) if required => panic!(
            "icalendar is required (CI_REQUIRE_ICALENDAR=1): {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) if required => panic!("python3 is required (CI_REQUIRE_ICALENDAR=1): {e}"),
        _ => {
            eprintln!("python3 with icalendar not found: the feed is not read by it here");
            return;
        }
    }
    let dir = tempfile_dir();
    let feed_path = dir.join("feed.ics");
    let expected_path = dir.join("expected.json");
    std::fs::write(&feed_path, feed).unwrap();
    let host = host(app);
    let events: Vec<Value> = expected
        .iter()
        .map(|(unit, date, code, moves, task)| {
            json!({
                "uid": format!("{}{host}", uid(unit)),
                "date": date,
                "summary_starts": format!("{code}: "),
                "sequence": moves,
                "url_ends": format!("/office/tasks/{task}"),
            })
        })
        .collect();
    std::fs::write(&expected_path, Value::from(events).to_string()).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../e2e/ical_check.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(&feed_path)
        .arg(&expected_path)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "ical_check: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tinhso-ical-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn unit_id(task: &Value, agency: &str) -> String {
    task["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["agency"] == agency)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn a_feed_lists_my_open_deadlines_for_a_calendar(app: TestApp) {
    let in_a_month = (today() + chrono::Days::new(30)).to_string();
    let body = json!({
        "title": "Rà soát, tổng hợp; báo cáo \"kết quả\" chuyển đổi số giai đoạn 2026–2030 của các sở, ban, ngành và địa phương",
        "authority": PROVINCE, "position": "chair", "priority": "high",
        "units": [
            {"agency": JUSTICE, "role": "lead", "due_date": in_a_month},
            {"agency": WARD, "role": "supporting", "working_days": 10},
        ],
    });
    let (status, mine) = post(&app, OFFICE, "/api/v1/tasks", body).await;
    assert_eq!(status, StatusCode::CREATED, "{mine}");
    let others = json!({"title": "Việc riêng của Sở Tài chính", "authority": PROVINCE,
        "position": "chair", "units": [{"agency": FINANCE, "role": "lead", "working_days": 5}]});
    let (status, theirs) = post(&app, OFFICE, "/api/v1/tasks", others).await;
    assert_eq!(status, StatusCode::CREATED, "{theirs}");
    let id = mine["id"].as_str().unwrap().to_owned();
    let justice_unit = unit_id(&mine, JUSTICE);
    let ward_unit = unit_id(&mine, WARD);
    let finance_unit = unit_id(&theirs, FINANCE);

    // The justice department's leader: their unit's open deadlines, nothing else.
    let path = make_feed(&app, JUSTICE_LEADER).await;
    let (status, ct, feed) = fetch(&app, &path).await;
    assert_eq!(status, StatusCode::OK, "{feed}");
    assert_eq!(ct, "text/calendar; charset=utf-8");
    let unfolded = feed.replace("\r\n ", "");
    assert!(unfolded.contains(&uid(&justice_unit)), "{unfolded}");
    assert!(!unfolded.contains(&uid(&ward_unit)), "another unit's part");
    assert!(
        !unfolded.contains(&uid(&finance_unit)),
        "another unit's task"
    );
    assert!(!unfolded.contains("Sở Tài chính"));
    let due = in_a_month.replace('-', "");
    assert!(
        unfolded.contains(&format!("DTSTART;VALUE=DATE:{due}")),
        "{unfolded}"
    );
    let expected = expected_of(&app, JUSTICE).await;
    assert!(expected.len() >= 2, "the demo's tasks and this one");
    assert_eq!(
        feed.matches("BEGIN:VEVENT").count(),
        expected.len(),
        "{feed}"
    );
    ical_check(&app, &feed, &expected);

    // The office follows every unit of the tasks it assigned.
    let office_path = make_feed(&app, OFFICE).await;
    let (status, _, office_feed) = fetch(&app, &office_path).await;
    assert_eq!(status, StatusCode::OK);
    let office_feed = office_feed.replace("\r\n ", "");
    for u in [&justice_unit, &ward_unit, &finance_unit] {
        assert!(office_feed.contains(&uid(u)), "{u}");
    }

    // An extension granted moves the date and raises the SEQUENCE; the UID stays.
    let later = (today() + chrono::Days::new(60)).to_string();
    let (status, asked) = post(
        &app,
        JUSTICE_LEADER,
        &format!("/api/v1/tasks/{id}/extensions"),
        json!({"new_due": later, "reason": "Chờ số liệu của các phường."}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{asked}");
    let ext = asked["extensions"][0]["id"].as_str().unwrap().to_owned();
    let (status, granted) = post(
        &app,
        OFFICE,
        &format!("/api/v1/tasks/{id}/extensions/{ext}/grant"),
        json!({"text": "Đồng ý."}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{granted}");
    let (_, _, moved_raw) = fetch(&app, &path).await;
    let moved = moved_raw.replace("\r\n ", "");
    let event = moved
        .split("BEGIN:VEVENT")
        .find(|e| e.contains(&uid(&justice_unit)))
        .unwrap();
    assert!(
        event.contains(&format!("DTSTART;VALUE=DATE:{}", later.replace('-', ""))),
        "{event}"
    );
    assert!(event.contains("\r\nSEQUENCE:1\r\n"), "{event}");
    ical_check(&app, &moved_raw, &expected_of(&app, JUSTICE).await);

    // A ward leader's feed has the ward's part, not the justice department's.
    let ward_path = make_feed(&app, WARD_LEADER).await;
    let (_, _, ward_feed) = fetch(&app, &ward_path).await;
    let ward_feed = ward_feed.replace("\r\n ", "");
    assert!(ward_feed.contains(&uid(&ward_unit)));
    assert!(!ward_feed.contains(&uid(&justice_unit)));
}

async fn a_feed_is_revoked_replaced_and_stops_with_the_account(app: TestApp) {
    let (status, _, _) = fetch(
        &app,
        "/tasks/feed/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "an unknown secret");
    let (status, _, _) = fetch(&app, "/tasks/feed/short").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let first = make_feed(&app, JUSTICE_LEADER).await;
    assert_eq!(fetch(&app, &first).await.0, StatusCode::OK);
    // Only the hash is kept.
    let secret = first
        .trim_start_matches("/tasks/feed/")
        .trim_end_matches(".ics");
    assert_eq!(
        app.count_where("task_feeds", "secret_hash", secret).await,
        0,
        "the secret is not stored"
    );

    // A new link revokes the old one.
    let second = make_feed(&app, JUSTICE_LEADER).await;
    assert_ne!(first, second);
    assert_eq!(fetch(&app, &first).await.0, StatusCode::NOT_FOUND);
    assert_eq!(fetch(&app, &second).await.0, StatusCode::OK);

    // Revoked from the page: 404 from then on. Another person cannot revoke it.
    let (_, page) = {
        sign_in(&app, JUSTICE_LEADER).await;
        app.get("/office/tasks/feed").await
    };
    let at = page.find("/office/tasks/feed/").unwrap();
    let action = page[at..page[at..].find('"').unwrap() + at].to_owned();
    assert!(action.ends_with("/revoke"), "{action}");
    sign_in(&app, WARD_LEADER).await;
    let (status, _, _) = app.post_form("/office/tasks/feed", &action, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not theirs");
    assert_eq!(fetch(&app, &second).await.0, StatusCode::OK);
    sign_in(&app, JUSTICE_LEADER).await;
    let (status, _, location) = app.post_form("/office/tasks/feed", &action, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/office/tasks/feed?done=revoked"));
    assert_eq!(fetch(&app, &second).await.0, StatusCode::NOT_FOUND);

    // A disabled account's feed stops.
    let third = make_feed(&app, JUSTICE_LEADER).await;
    assert_eq!(fetch(&app, &third).await.0, StatusCode::OK);
    sqlx::query("UPDATE users SET disabled = 1 WHERE email = $1")
        .bind(JUSTICE_LEADER)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(fetch(&app, &third).await.0, StatusCode::NOT_FOUND);

    // Every making and revoking audited.
    let user = app.user_id(JUSTICE_LEADER).await;
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE entity_type = 'task_feed' AND actor = $1 ORDER BY seq",
    )
    .bind(format!("user:{user}"))
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "task.feed_create",
            "task.feed_revoke",
            "task.feed_create",
            "task.feed_revoke",
            "task.feed_create"
        ]
    );

    // A citizen has no feed page.
    sign_in(&app, CITIZEN).await;
    let (status, _) = app.get("/office/tasks/feed").await;
    assert!(
        status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
        "{status}"
    );
}

/// A workbook of the template with `rows`.
fn workbook(rows: &[[&str; 9]]) -> Vec<u8> {
    let headers = tinhso_tasks::import::headers();
    let rows: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| r.iter().map(|c| Cell::Text((*c).to_owned())).collect())
        .collect();
    tinhso_documents::xlsx("Nhiệm vụ", &headers, &rows).unwrap()
}

async fn import_api(app: &TestApp, content_type: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let t = token(app, OFFICE).await;
    let req = Request::post("/api/v1/tasks/import")
        .header(header::AUTHORIZATION, format!("Bearer {t}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(bytes))
        .unwrap();
    let resp = app.send(req).await;
    let (status, body) = text(resp).await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

async fn task_count(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM tasks").await
}

async fn an_import_creates_every_row_or_none(app: TestApp) {
    let in_a_month = (today() + chrono::Days::new(30)).to_string();
    let yesterday = (today() - chrono::Days::new(1)).to_string();
    let good = |title: &'static str| -> [&'static str; 9] {
        [
            title,
            "Nội dung",
            PROVINCE,
            "chair",
            JUSTICE,
            "",
            "10",
            "high",
            "Tư pháp",
        ]
    };
    let before = task_count(&app).await;

    // A bad row among good ones: nothing is created, every bad row is named.
    let bad_date: [&str; 9] = [
        "Hạn đã qua",
        "",
        PROVINCE,
        "Chủ tịch",
        JUSTICE,
        "",
        &yesterday,
        "",
        "",
    ];
    let outside = [
        "Giao cho chính UBND tỉnh",
        "",
        PROVINCE,
        "chair",
        PROVINCE,
        "",
        "5",
        "",
        "",
    ];
    let unknown = [
        "Đơn vị không có",
        "",
        PROVINCE,
        "chair",
        JUSTICE,
        "000.99.99.H56",
        "5",
        "",
        "",
    ];
    let bytes = workbook(&[
        good("Việc một"),
        bad_date,
        outside,
        unknown,
        good("Việc hai"),
    ]);
    let (status, report) = import_api(&app, XLSX, bytes).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{report}");
    assert_eq!(report["created"], false);
    assert_eq!(report["refused"], 3);
    let rows = report["rows"].as_array().unwrap();
    let oks: Vec<(u64, bool)> = rows
        .iter()
        .map(|r| (r["row"].as_u64().unwrap(), r["ok"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        oks,
        [(2, true), (3, false), (4, false), (5, false), (6, true)]
    );
    assert_eq!(rows[1]["errors"][0]["column"], "lead");
    assert_eq!(rows[1]["errors"][0]["field"], format!("unit_{JUSTICE}"));
    assert_eq!(rows[2]["errors"][0]["column"], "lead");
    assert_eq!(
        rows[2]["errors"][0]["message"],
        "Đơn vị này không thuộc quyền chỉ đạo của cơ quan giao nhiệm vụ."
    );
    assert_eq!(rows[3]["errors"][0]["column"], "supporting");
    assert_eq!(
        rows[3]["errors"][0]["message"],
        "Không có đơn vị với mã định danh này."
    );
    assert_eq!(task_count(&app).await, before, "nothing half-applied");

    // The page shows the same report.
    sign_in(&app, OFFICE).await;
    let (status, page) = app.get("/office/tasks/import").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let bytes = workbook(&[good("Việc một"), bad_date]);
    let (status, page, _) = app
        .post_multipart(
            "/office/tasks/import",
            "/office/tasks/import",
            &[],
            &[("file", "nhiem-vu.xlsx", &bytes)],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("task-import-nothing"), "{page}");
    assert!(page.contains("data-testid=\"task-import-row-3\""), "{page}");
    assert_eq!(task_count(&app).await, before);

    // All good: all created in one go, numbered, audited, with their events.
    let supporting = format!("{WARD}, {FINANCE}");
    let with_units: [&str; 9] = [
        "Việc ba",
        "Phối hợp",
        PROVINCE,
        "vice_chair",
        JUSTICE,
        &supporting,
        &in_a_month,
        "urgent",
        "",
    ];
    let bytes = workbook(&[good("Việc một"), good("Việc hai"), with_units]);
    let (status, report) = import_api(&app, XLSX, bytes).await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
    assert_eq!(report["created"], true);
    assert_eq!(report["tasks"], 3);
    assert_eq!(task_count(&app).await, before + 3);
    let year = chrono::Datelike::year(&today());
    let mut codes = Vec::new();
    for r in report["rows"].as_array().unwrap() {
        let code = r["code"].as_str().unwrap();
        assert!(code.starts_with(&format!("NV-{year}-")), "{code}");
        codes.push(code.to_owned());
        let id = r["task_id"].as_str().unwrap();
        let audited = app.count_where("audit_log", "entity_id", id).await;
        assert_eq!(audited, 1, "one audit row for {id}");
        let events: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox_events WHERE kind = 'task.assigned' AND stream = $1",
        )
        .bind(format!("task:{id}"))
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
        assert_eq!(events, 1);
    }
    let mut sorted = codes.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 3, "{codes:?}");
    let third = report["rows"][2]["task_id"].as_str().unwrap();
    let t = token(&app, OFFICE).await;
    let (_, task) = app
        .api("GET", &format!("/api/v1/tasks/{third}"), Some(&t), None)
        .await;
    assert_eq!(task["units"].as_array().unwrap().len(), 3, "{task}");
    assert_eq!(task["priority"], "urgent");
    assert_eq!(task["position"], "vice_chair");

    // The template downloads as XLSX from the page, and imports (no row) as "no rows".
    let resp = app
        .send(
            Request::get("/office/tasks/import/template.xlsx")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[header::CONTENT_TYPE], XLSX);
    let template = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    assert!(template.starts_with(b"PK\x03\x04"));
    let (status, problem) = import_api(&app, XLSX, template).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("không có dòng nhiệm vụ")
    );
}

async fn an_import_refuses_what_is_not_the_template(app: TestApp) {
    let before = task_count(&app).await;
    let csv = b"title,content\nViec,Noi dung\n".to_vec();
    let (status, problem) = import_api(&app, "text/csv", csv.clone()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{problem}");
    let (status, problem) = import_api(&app, XLSX, csv.clone()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("XLSX"),
        "{problem}"
    );
    // Another workbook than the template.
    let other =
        tinhso_documents::xlsx("Sheet", &["Mã", "Tên"], &[vec![Cell::Text("x".into())]]).unwrap();
    let (status, problem) = import_api(&app, XLSX, other).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("không theo mẫu"),
        "{problem}"
    );
    // Someone outside an assigning office may not import.
    let t = token(&app, JUSTICE_DESK).await;
    let req = Request::post("/api/v1/tasks/import")
        .header(header::AUTHORIZATION, format!("Bearer {t}"))
        .header(header::CONTENT_TYPE, XLSX)
        .body(Body::from(workbook(&[])))
        .unwrap();
    assert_eq!(app.send(req).await.status(), StatusCode::FORBIDDEN);

    // The page: a CSV named .csv, then a CSV named .xlsx, refused with a message.
    sign_in(&app, OFFICE).await;
    let (status, page, _) = app
        .post_multipart(
            "/office/tasks/import",
            "/office/tasks/import",
            &[],
            &[("file", "nhiem-vu.csv", &csv)],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Chỉ nhận tệp XLSX"), "{page}");
    let (status, page, _) = app
        .post_multipart(
            "/office/tasks/import",
            "/office/tasks/import",
            &[],
            &[("file", "nhiem-vu.xlsx", &csv)],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("không phải định dạng XLSX"), "{page}");
    // A one-stop clerk has no import page.
    sign_in(&app, JUSTICE_DESK).await;
    let (status, _) = app.get("/office/tasks/import").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(task_count(&app).await, before);
}
