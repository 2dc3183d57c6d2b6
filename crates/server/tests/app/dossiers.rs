//! One-stop dossiers end to end through the HTTP API and pages, on both databases: submission
//! with papers, drafts, idempotency, the processing journey with a supplement, tracking,
//! rating, statistics, counter registration, forms and the refusals bad input must get.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{TestApp, text};
use serde_json::{Value, json};

const PASSWORD: &str = "TinhSo@2026";
const CITIZEN: &str = "congdan@tinhso.local";
const CLERK: &str = "motcua.hacthanh@tinhso.local";
const SPECIALIST: &str = "chuyenvien.hacthanh@tinhso.local";
const LEADER: &str = "lanhdao.hacthanh@tinhso.local";
const OTHER_CLERK: &str = "motcua.tuphap@tinhso.local";
pub(crate) const COMMUNE: &str = "000.00.60.H56";
const BIRTH: &str = "1.001193";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

on_both_databases!(
    the_online_journey_with_a_supplement,
    bad_input_gets_clear_errors_and_loses_nothing,
    submission_is_idempotent_and_codes_have_no_gaps,
    a_busy_day_widens_the_code_past_9999,
    counter_registration_forms_forward_and_apology,
    counter_registration_refuses_a_channel_it_does_not_know,
    a_linked_request_makes_a_dossier_at_each_agency
);

fn birth_answers() -> Vec<(&'static str, &'static str)> {
    vec![
        ("ho_ten", "Nguyễn Văn An"),
        ("cccd", "038090000111"),
        ("dia_chi", "Số 5, phố Lê Lai, phường Hạc Thành"),
        ("ten_tre", "Nguyễn Minh Khôi"),
        ("ngay_sinh_tre", "2026-11-20"),
        ("gioi_tinh_tre", "Nam"),
        ("noi_sinh", "Bệnh viện Đa khoa tỉnh"),
    ]
}

async fn apply_online(
    app: &TestApp,
    key: &str,
    intent: &str,
    files: &[(&str, &str, &[u8])],
) -> (StatusCode, String, Option<String>) {
    let page = format!("/procedures/{BIRTH}/apply");
    let mut fields = vec![("_key", key), ("_agency", COMMUNE), ("_intent", intent)];
    fields.extend(birth_answers());
    app.post_multipart(&page, &page, &fields, files).await
}

async fn act(app: &TestApp, token: &str, id: &str, body: Value) -> (StatusCode, Value) {
    app.api(
        "POST",
        &format!("/api/v1/dossiers/{id}/actions"),
        Some(token),
        Some(body),
    )
    .await
}

fn today_code_prefix() -> String {
    let now = chrono::Utc::now() + chrono::Duration::hours(7);
    format!("{COMMUNE}-{}-", now.format("%y%m%d"))
}

/// A birth registration submitted online by the citizen (`key`: its idempotency key) to the
/// commune, awaiting intake. Returns the dossier's id; leaves the app signed out.
pub(crate) async fn submitted_dossier(app: &TestApp, key: &str) -> String {
    app.login(CITIZEN, PASSWORD).await;
    let (status, _, location) = apply_online(
        app,
        key,
        "submit",
        &[("file_giay_chung_sinh", "giay-chung-sinh.pdf", PDF)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = location.unwrap();
    let id = location
        .trim_start_matches("/dossiers/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    app.clear_cookies();
    id
}

/// A birth registration submitted online by the citizen (`key`: its idempotency key) and
/// carried to its end today at the commune: accepted, processed, approved, result returned.
/// Returns the dossier's id; leaves the app signed out.
pub(crate) async fn finished_dossier(app: &TestApp, key: &str) -> String {
    let id = submitted_dossier(app, key).await;
    let clerk = app.token(CLERK, &["dossiers"]).await;
    let specialist = app.token(SPECIALIST, &["dossiers"]).await;
    let leader = app.token(LEADER, &["dossiers"]).await;
    for (token, action) in [
        (&clerk, "accept"),
        (&specialist, "complete_step"),
        (&leader, "approve"),
    ] {
        let (status, body) = act(app, token, &id, json!({"action": action})).await;
        assert_eq!(status, StatusCode::OK, "{action}: {body}");
    }
    app.login(CLERK, PASSWORD).await;
    let (status, _, _) = app
        .post_multipart(
            &format!("/office/dossiers/{id}"),
            &format!("/office/dossiers/{id}/actions"),
            &[("action", "return_result"), ("confirm", "yes")],
            &[("file_result", "ket-qua.pdf", PDF)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    app.clear_cookies();
    id
}

async fn the_online_journey_with_a_supplement(app: TestApp) {
    app.login(CITIZEN, PASSWORD).await;
    let (status, html) = app.get(&format!("/procedures/{BIRTH}/apply")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Giấy chứng sinh"),
        "the form shows its paper fields"
    );

    let (status, _, location) = apply_online(
        &app,
        "journey-1",
        "submit",
        &[("file_giay_chung_sinh", "giay-chung-sinh.pdf", PDF)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "submitted and redirected");
    let location = location.unwrap();
    let id = location
        .trim_start_matches("/dossiers/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let (_, page) = app.get(&location).await;
    let code = format!("{}0001", today_code_prefix());
    assert!(
        page.contains(&code),
        "the citizen sees the national dossier code {code}"
    );
    assert!(page.contains("Mới nộp"));

    let clerk = app.token(CLERK, &["dossiers"]).await;
    let specialist = app.token(SPECIALIST, &["dossiers"]).await;
    let leader = app.token(LEADER, &["dossiers"]).await;
    let citizen = app.token(CITIZEN, &["dossiers"]).await;

    let (status, body) = act(&app, &clerk, &id, json!({"action": "accept"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["state"], "in_progress");
    let (_, d) = app
        .api("GET", &format!("/api/v1/dossiers/{id}"), Some(&clerk), None)
        .await;
    let due_before = d["due"].as_str().unwrap().to_owned();

    let (status, _) = act(&app, &specialist, &id, json!({"action": "request_supplement", "note": "Bổ sung bản sao giấy đăng ký kết hôn của cha mẹ"})).await;
    assert_eq!(status, StatusCode::OK);
    let (_, tracked) = app
        .api("GET", &format!("/api/v1/track/{code}"), None, None)
        .await;
    assert_eq!(tracked["national_state"], 5);

    // The citizen supplements through the page.
    let (status, _, _) = app
        .post_multipart(
            &format!("/dossiers/{id}"),
            &format!("/dossiers/{id}/supplement"),
            &[("note", "Đã bổ sung")],
            &[("file_supplement", "dang-ky-ket-hon.pdf", PDF)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, d) = app
        .api("GET", &format!("/api/v1/dossiers/{id}"), Some(&clerk), None)
        .await;
    assert_eq!(d["state"], "in_progress");
    assert!(
        d["due"].as_str().unwrap() >= due_before.as_str(),
        "the clock stopped during the wait"
    );

    // Roles are checked per step: the leader cannot finish the specialist's step.
    let (status, _) = act(&app, &leader, &id, json!({"action": "complete_step"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = act(&app, &specialist, &id, json!({"action": "complete_step"})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = act(&app, &leader, &id, json!({"action": "approve"})).await;
    assert_eq!(status, StatusCode::OK);
    // Returning needs the result file.
    let (status, problem) = act(&app, &clerk, &id, json!({"action": "return_result"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem["detail"].as_str().unwrap().contains("kết quả"));

    app.clear_cookies();
    app.login(CLERK, PASSWORD).await;
    let result_pdf = b"%PDF-1.4\nTrich luc khai sinh\n%%EOF\n";
    let (status, _, _) = app
        .post_multipart(
            &format!("/office/dossiers/{id}"),
            &format!("/office/dossiers/{id}/actions"),
            &[("action", "return_result"), ("confirm", "yes")],
            &[("file_result", "trich-luc-khai-sinh.pdf", result_pdf)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = act(&app, &leader, &id, json!({"action": "approve"})).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "approving a returned dossier is refused"
    );

    // The citizen downloads the result and rates, once.
    app.clear_cookies();
    app.login(CITIZEN, PASSWORD).await;
    let (_, page) = app.get(&format!("/dossiers/{id}")).await;
    let link_start = page.find("trich-luc-khai-sinh.pdf").unwrap();
    let href = &page[..link_start];
    let href = &href[href.rfind("href=\"").unwrap() + 6..];
    let href = &href[..href.find('"').unwrap()];
    let resp = app
        .send(Request::get(href).body(Body::empty()).unwrap())
        .await;
    assert_eq!(resp.headers()[header::CONTENT_TYPE], "application/pdf");
    assert!(
        resp.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let (_, bytes) = text(resp).await;
    assert_eq!(bytes.as_bytes(), result_pdf);
    let (status, _, _) = app
        .post_form(
            &format!("/dossiers/{id}"),
            &format!("/dossiers/{id}/rating"),
            &[("rating", "4"), ("comment", "Nhanh, chu đáo")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _) = app
        .post_form(
            &format!("/dossiers/{id}"),
            &format!("/dossiers/{id}/rating"),
            &[("rating", "1")],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "one rating per dossier");

    // The receipt is a PDF; tracking shows no personal data.
    let resp = app
        .send(
            Request::get(format!("/dossiers/{id}/forms/01.pdf"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let (_, pdf) = text(resp).await;
    assert!(pdf.starts_with("%PDF"));
    let (status, tracked) = app
        .api("GET", &format!("/api/v1/track/{code}"), None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tracked["state"], "returned");
    assert_eq!(tracked["national_state"], 10);
    // Returned today: early when today is before the appointment day, on time when it is that
    // day (submitted before the office opens on a working day, the one-day deadline ends today).
    let (_, d) = app
        .api("GET", &format!("/api/v1/dossiers/{id}"), Some(&clerk), None)
        .await;
    let due_day = &d["due"].as_str().unwrap()[..10];
    let today = (chrono::Utc::now() + chrono::Duration::hours(7))
        .format("%Y-%m-%d")
        .to_string();
    let expected = if today.as_str() < due_day {
        "early"
    } else {
        "on_time"
    };
    assert_eq!(
        tracked["deadline"], expected,
        "due {due_day}, returned {today}"
    );
    let public = tracked.to_string();
    assert!(
        !public.contains("Nguyễn Văn An")
            && !public.contains("038090000111")
            && !public.contains("congdan")
    );
    app.clear_cookies();
    let (status, html) = app.get(&format!("/track?code={code}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Đã trả kết quả") && !html.contains("Nguyễn Văn An"));

    // Statistics count it: received online, processed in time (early or on the day), satisfied.
    let (status, stats) = app
        .api(
            "GET",
            "/api/v1/statistics/dossiers?by=agency",
            Some(&clerk),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    let total = &stats["total"];
    assert_eq!(
        (
            total["received"].as_i64(),
            total["online"].as_i64(),
            total[expected].as_i64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(total["on_time_rate"], 100.0);
    assert_eq!(total["satisfaction_rate"], 100.0);
    let (status, _) = app
        .api("GET", "/api/v1/statistics/dossiers", Some(&citizen), None)
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "citizens do not read statistics"
    );
    app.login(CLERK, PASSWORD).await;
    let (status, csv) = app.get("/office/statistics.csv?by=procedure").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        csv.contains("Tỉ lệ đúng hạn (%)") && csv.contains("Đăng ký khai sinh"),
        "{csv}"
    );
    let resp = app
        .send(
            Request::get("/office/statistics.xlsx?by=field")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let (_, xlsx) = text(resp).await;
    assert!(xlsx.starts_with("PK"), "an XLSX workbook is a zip");
    let (status, html) = app.get("/office/statistics?by=field").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Hộ tịch"), "grouped by field");
    let (status, html) = app.get("/office/statistics?from=2026-13-01").await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a bad period is explained"
    );
    assert!(html.contains("YYYY-MM-DD"));
    app.clear_cookies();

    // Emails went through the queue: submitted, accepted, supplement, result.
    assert_eq!(app.count("SELECT COUNT(*) FROM jobs WHERE kind = 'send_email' AND payload LIKE '%congdan@tinhso.local%'").await, 4);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'dossier.%'")
            .await,
        8,
        "every change audited: submit, accept, supplement asked and sent, step, approve, return, rating"
    );
}

async fn bad_input_gets_clear_errors_and_loses_nothing(app: TestApp) {
    app.login(CITIZEN, PASSWORD).await;
    // Missing answers and paper: a clear message, and the draft keeps what was typed.
    let page = format!("/procedures/{BIRTH}/apply");
    let (status, html, _) = app
        .post_multipart(
            &page,
            &page,
            &[
                ("_key", "bad-1"),
                ("_agency", COMMUNE),
                ("ten_tre", "Lê Minh"),
                ("cccd", "12345"),
            ],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("phải gồm đúng 12 chữ số"),
        "CCCD error explained"
    );
    assert!(
        html.contains("Vui lòng đính kèm"),
        "missing paper explained"
    );
    assert!(html.contains("value=\"Lê Minh\""), "what was typed is kept");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM dossiers WHERE state = 'draft'")
            .await,
        1
    );

    // A file whose content is not what its name says, and a forbidden type.
    let (status, html, _) = apply_online(
        &app,
        "bad-2",
        "submit",
        &[(
            "file_giay_chung_sinh",
            "giay.pdf",
            b"<html>not a pdf</html>",
        )],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("không phải PDF, JPEG, PNG hoặc DOCX"));
    let png = [
        0x89u8, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13,
    ];
    let (status, html, _) = apply_online(
        &app,
        "bad-3",
        "submit",
        &[("file_giay_chung_sinh", "giay.pdf", &png)],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("không khớp"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM dossiers WHERE code IS NOT NULL")
            .await,
        0,
        "no dossier without its files"
    );

    // The draft survives and is completed later with the same key.
    let (status, _, location) = apply_online(
        &app,
        "bad-3",
        "submit",
        &[("file_giay_chung_sinh", "giay.png", &png)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let id = location
        .unwrap()
        .trim_start_matches("/dossiers/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();

    // Forged transitions.
    let citizen = app.token(CITIZEN, &["dossiers"]).await;
    let other_clerk = app.token(OTHER_CLERK, &["dossiers"]).await;
    let clerk = app.token(CLERK, &["dossiers"]).await;
    let leader = app.token(LEADER, &["dossiers"]).await;
    let (status, _) = act(&app, &citizen, &id, json!({"action": "accept"})).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a citizen cannot take an official's action"
    );
    let (status, _) = act(&app, &other_clerk, &id, json!({"action": "accept"})).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a clerk of another agency cannot see it"
    );
    let (status, _) = act(&app, &leader, &id, json!({"action": "approve"})).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "approval before processing is refused"
    );
    let (status, problem) = act(&app, &clerk, &id, json!({"action": "refuse"})).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a refusal needs its reason"
    );
    assert!(problem["detail"].as_str().unwrap().contains("lý do"));
    let (status, _) = act(&app, &clerk, &id, json!({"action": "fly"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, d) = app
        .api(
            "GET",
            &format!("/api/v1/dossiers/{id}"),
            Some(&citizen),
            None,
        )
        .await;
    assert_eq!(d["state"], "submitted", "nothing half-applied");
    let (status, _) = app
        .api(
            "GET",
            &format!("/api/v1/dossiers/{id}"),
            Some(&other_clerk),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let other_citizen = app.token("congdan2@tinhso.local", &["dossiers"]).await;
    let (status, _) = app
        .api(
            "GET",
            &format!("/api/v1/dossiers/{id}"),
            Some(&other_citizen),
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a citizen sees only their own dossiers"
    );
    let (status, _) = act(&app, &other_citizen, &id, json!({"action": "withdraw"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // An expired session in the middle of the form: sent back to sign in, nothing created.
    app.clear_cookies();
    let (status, _, location) = apply_online(&app, "bad-4", "submit", &[]).await;
    assert!(
        status == StatusCode::SEE_OTHER || status == StatusCode::FORBIDDEN,
        "{status}"
    );
    if status == StatusCode::SEE_OTHER {
        assert_eq!(location.as_deref(), Some("/login"));
    }
    let (status, _) = app.api("GET", "/api/v1/track/not-a-code", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Answers for every field of a procedure's form: the given ones, a plausible value elsewhere.
async fn complete_answers(
    app: &TestApp,
    procedure_code: &str,
    given: &[(&str, &str)],
) -> serde_json::Map<String, Value> {
    let procedure = app
        .api(
            "GET",
            &format!("/api/v1/procedures/{procedure_code}"),
            None,
            None,
        )
        .await
        .1;
    let mut full = serde_json::Map::new();
    for f in procedure["form"].as_array().unwrap() {
        let key = f["key"].as_str().unwrap();
        let value = match given.iter().find(|(k, _)| *k == key) {
            Some((_, v)) => json!(v),
            None => match f["type"].as_str().unwrap() {
                "date" => json!("1990-01-01"),
                "number" => json!("1"),
                "citizen_id" => json!("038190000222"),
                "choice" => f["options"][0].clone(),
                _ => json!("Nội dung"),
            },
        };
        full.insert(key.to_owned(), value);
    }
    full
}

async fn a_busy_day_widens_the_code_past_9999(app: TestApp) {
    let citizen = app.token("congdan2@tinhso.local", &["dossiers"]).await;
    let answers = complete_answers(&app, "1.000775", &[("ho_ten", "Lê Thị Bích")]).await;
    let body = json!({"procedure": "1.000775", "agency": COMMUNE, "answers": answers});
    // The commune has already received 9,997 dossiers today.
    let day = (chrono::Utc::now() + chrono::Duration::hours(7)).format("%y%m%d");
    sqlx::query("INSERT INTO sequences (name, value) VALUES ($1, 9997)")
        .bind(format!("dossier:{COMMUNE}:{day}"))
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let mut codes = Vec::new();
    for i in 0..3 {
        let req = Request::post("/api/v1/dossiers")
            .header(header::AUTHORIZATION, format!("Bearer {citizen}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header("idempotency-key", format!("busy-{i}"))
            .body(Body::from(body.to_string()))
            .unwrap();
        let (status, created) = text(app.send(req).await).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let created: Value = serde_json::from_str(&created).unwrap();
        codes.push(created["code"].as_str().unwrap().to_owned());
    }
    let prefix = today_code_prefix();
    assert_eq!(
        codes,
        [
            format!("{prefix}9998"),
            format!("{prefix}9999"),
            format!("{prefix}10000")
        ]
    );
    // The widened code is tracked like any other.
    let (status, tracked) = app
        .api("GET", &format!("/api/v1/track/{}", codes[2]), None, None)
        .await;
    assert_eq!(status, StatusCode::OK, "{tracked}");
    // Operators were told as the four-digit numbers ran out (at 9,999 and at 10,000).
    let warnings = app
        .count("SELECT COUNT(*) FROM jobs WHERE payload LIKE '%sắp hết%'")
        .await;
    assert!(warnings >= 2, "{warnings} warnings queued");
}

async fn submission_is_idempotent_and_codes_have_no_gaps(app: TestApp) {
    let citizen = app.token("congdan2@tinhso.local", &["dossiers"]).await;
    let full = complete_answers(
        &app,
        "1.000775",
        &[
            ("ho_ten", "Lê Thị Bích"),
            ("cccd", "038190000222"),
            ("noi_cu_tru", "Xã Đông Sơn"),
        ],
    )
    .await;
    let body = json!({"procedure": "1.000775", "agency": COMMUNE, "answers": full});
    let post = |key: String| {
        let body = body.clone();
        let citizen = citizen.clone();
        let app = &app;
        async move {
            let req = Request::post("/api/v1/dossiers")
                .header(header::AUTHORIZATION, format!("Bearer {citizen}"))
                .header(header::CONTENT_TYPE, "application/json")
                .header("idempotency-key", key)
                .body(Body::from(body.to_string()))
                .unwrap();
            let resp = app.send(req).await;
            let status = resp.status();
            let (_, text) = text(resp).await;
            (
                status,
                serde_json::from_str::<Value>(&text).unwrap_or(Value::Null),
            )
        }
    };
    let (first, again) = tokio::join!(post("double-click".into()), post("double-click".into()));
    assert!(
        first.0.is_success() && again.0.is_success(),
        "{first:?} {again:?}"
    );
    assert_eq!(
        first.1["id"], again.1["id"],
        "a double click makes one dossier"
    );
    let all = futures::future::join_all((0..19).map(|i| post(format!("k-{i}")))).await;
    assert!(
        all.iter().all(|(s, _)| *s == StatusCode::CREATED),
        "{all:?}"
    );
    let mut codes: Vec<String> = all
        .iter()
        .map(|(_, b)| b["code"].as_str().unwrap().to_owned())
        .collect();
    codes.push(first.1["code"].as_str().unwrap().to_owned());
    codes.sort();
    let expected: Vec<String> = (1..=20)
        .map(|n| format!("{}{n:04}", today_code_prefix()))
        .collect();
    assert_eq!(codes, expected, "no gap, no duplicate");
    let without_key = Request::post("/api/v1/dossiers")
        .header(header::AUTHORIZATION, format!("Bearer {citizen}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let status = app.send(without_key).await.status();
    assert_eq!(status, StatusCode::BAD_REQUEST, "the key is required");
}

async fn counter_registration_refuses_a_channel_it_does_not_know(app: TestApp) {
    app.login(CLERK, PASSWORD).await;
    let page = format!("/office/dossiers/new?procedure={BIRTH}");
    let dossiers = || async {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM dossiers")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
        sqlx::Row::get::<i64, _>(&row, "n")
    };
    let before = dossiers().await;
    let fields = |channel: &'static str| {
        let mut fields = vec![
            ("procedure", BIRTH),
            ("applicant_name", "Phan Thị Hạnh"),
            ("applicant_phone", "0912345678"),
            ("channel", channel),
        ];
        fields.extend(birth_answers());
        fields
    };
    let paper: &[(&str, &str, &[u8])] = &[("file_giay_chung_sinh", "chung-sinh.pdf", PDF)];
    // A value no form offers, in any spelling, and the portal's own channel, which a clerk
    // does not register.
    for channel in ["fax", "Counter", "", "online"] {
        let (status, html, _) = app
            .post_multipart(&page, "/office/dossiers/new", &fields(channel), paper)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{channel:?}");
        assert!(
            html.contains("href=\"#f-channel\">Kênh tiếp nhận là tại quầy hoặc bưu chính."),
            "{channel:?}: {html}"
        );
    }
    // In English, the same error in English.
    let token = app.csrf(&page).await;
    let mut english = vec![("_csrf", token.as_str())];
    english.extend(fields("fax"));
    let (content_type, body) = common::multipart(&english, paper);
    let req = Request::post("/office/dossiers/new")
        .header(header::CONTENT_TYPE, content_type)
        .header(header::COOKIE, format!("{}; lang=en", app.cookie_header()))
        .body(Body::from(body))
        .unwrap();
    let (status, html) = text(app.send(req).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("The channel is either the counter or the post."),
        "{html}"
    );
    assert_eq!(dossiers().await, before, "nothing was registered");
    // The clerk's own choices are taken.
    for channel in ["counter", "post"] {
        let (status, _, _) = app
            .post_multipart(&page, "/office/dossiers/new", &fields(channel), paper)
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{channel}");
    }
    assert_eq!(dossiers().await, before + 2);
}

async fn counter_registration_forms_forward_and_apology(app: TestApp) {
    app.login(CLERK, PASSWORD).await;
    let (status, html) = app
        .get(&format!("/office/dossiers/new?procedure={BIRTH}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Tiếp nhận hồ sơ tại quầy"));
    let mut fields = vec![
        ("procedure", BIRTH),
        ("applicant_name", "Phan Thị Hạnh"),
        ("applicant_phone", "0912345678"),
        ("channel", "counter"),
    ];
    fields.extend(birth_answers());
    let page = format!("/office/dossiers/new?procedure={BIRTH}");
    let (status, _, location) = app
        .post_multipart(
            &page,
            "/office/dossiers/new",
            &fields,
            &[("file_giay_chung_sinh", "chung-sinh.pdf", PDF)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let id = location
        .unwrap()
        .trim_start_matches("/office/dossiers/")
        .to_owned();
    let clerk = app.token(CLERK, &["dossiers"]).await;
    let (_, d) = app
        .api("GET", &format!("/api/v1/dossiers/{id}"), Some(&clerk), None)
        .await;
    assert_eq!(
        (d["state"].as_str(), d["channel"].as_str()),
        (Some("in_progress"), Some("counter"))
    );
    assert!(
        d["due"].is_string(),
        "accepted at once, with its appointment"
    );
    let resp = app
        .send(
            Request::get(format!("/dossiers/{id}/forms/01.pdf"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[header::CONTENT_TYPE], "application/pdf");

    // Counter registration checks its fields too.
    let (status, html, _) = app
        .post_multipart(
            &page,
            "/office/dossiers/new",
            &[("procedure", BIRTH), ("channel", "counter")],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Vui lòng nhập họ tên người nộp"));

    // Apology with a new appointment (form 04); the dossier then counts as late.
    let leader = app.token(LEADER, &["dossiers"]).await;
    let (status, problem) = act(
        &app,
        &leader,
        &id,
        json!({"action": "apologize", "note": "Cần xác minh thêm", "new_due": "2020-01-01"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let later = (chrono::Utc::now() + chrono::Duration::days(30)).date_naive();
    let calendar = tinhso_domain::calendar::Calendar::vietnam_default();
    let day = calendar.working_day_on_or_after(later).unwrap();
    let (status, problem) = act(
        &app,
        &leader,
        &id,
        json!({"action": "apologize", "note": "Cần xác minh thêm", "new_due": day.to_string()}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{problem}");
    let resp = app
        .send(
            Request::get(format!("/dossiers/{id}/forms/04.pdf"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);

    // A walk-in dossier for a procedure of another agency is forwarded before acceptance.
    let citizen = app.token(CITIZEN, &["dossiers"]).await;
    let procedure = app
        .api("GET", "/api/v1/procedures/2.000635", None, None)
        .await
        .1;
    let answers: serde_json::Map<String, Value> = procedure["form"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["key"].as_str().unwrap().to_owned(),
                match f["type"].as_str().unwrap() {
                    "date" => json!("1990-01-01"),
                    "citizen_id" => json!("038090000111"),
                    "choice" => f["options"][0].clone(),
                    "number" => json!("1"),
                    _ => json!("Nội dung"),
                },
            )
        })
        .collect();
    let req = Request::post("/api/v1/dossiers")
        .header(header::AUTHORIZATION, format!("Bearer {citizen}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header("idempotency-key", "fwd-1")
        .body(Body::from(
            json!({"procedure": "2.000635", "agency": COMMUNE, "answers": answers}).to_string(),
        ))
        .unwrap();
    let resp = app.send(req).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let (_, body) = text(resp).await;
    let fwd: Value = serde_json::from_str(&body).unwrap();
    let fwd_id = fwd["id"].as_str().unwrap();
    let (status, _) = act(
        &app,
        &clerk,
        fwd_id,
        json!({"action": "forward", "target_agency": COMMUNE}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "forwarding to oneself is refused"
    );
    let (status, _) = act(
        &app,
        &clerk,
        fwd_id,
        json!({"action": "forward", "target_agency": "000.00.61.H56"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .api(
            "GET",
            &format!("/api/v1/dossiers/{fwd_id}"),
            Some(&clerk),
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "it left the first agency's reach"
    );
    let (_, tracked) = app
        .api(
            "GET",
            &format!("/api/v1/track/{}", fwd["code"].as_str().unwrap()),
            None,
            None,
        )
        .await;
    assert_ne!(tracked["agency_name"], Value::Null);

    // The queues show what is where.
    let (_, html) = app.get("/office/dossiers?queue=in_progress").await;
    assert!(html.contains("Phan Thị Hạnh"));
    let (_, html) = app.get("/office/dossiers?queue=new").await;
    assert!(!html.contains(fwd["code"].as_str().unwrap()));
}

async fn a_linked_request_makes_a_dossier_at_each_agency(app: TestApp) {
    app.login(CITIZEN, PASSWORD).await;
    let (status, html) = app.get("/procedures").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("/linked/LT-KS-TT-BHYT"));
    let page = "/linked/LT-KS-TT-BHYT";
    let mut fields = vec![
        ("_key", "group-1"),
        ("_agency", COMMUNE),
        ("dia_chi_thuong_tru", "Số 5, phố Lê Lai, phường Hạc Thành"),
    ];
    fields.extend(birth_answers());
    // Without the residence paper: explained, nothing created.
    let (status, html, _) = app
        .post_multipart(
            page,
            page,
            &fields,
            &[("file_giay_chung_sinh", "cs.pdf", PDF)],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Giấy tờ chứng minh chỗ ở hợp pháp"));
    assert_eq!(app.count("SELECT COUNT(*) FROM dossiers").await, 0);
    let files: &[(&str, &str, &[u8])] = &[
        ("file_giay_chung_sinh", "cs.pdf", PDF),
        ("file_cho_o_hop_phap", "nha.pdf", PDF),
    ];
    let (status, _, location) = app.post_multipart(page, page, &fields, files).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = location.unwrap();
    let (status, _, again) = app.post_multipart(page, page, &fields, files).await;
    assert_eq!(
        (status, again.as_deref()),
        (StatusCode::SEE_OTHER, Some(location.as_str())),
        "a retry lands on the same request"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM dossiers WHERE group_id IS NOT NULL AND code IS NOT NULL")
            .await,
        3
    );
    assert_eq!(
        app.count("SELECT COUNT(DISTINCT code) FROM dossiers").await,
        3,
        "each dossier has its own code"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM dossier_files").await,
        2,
        "each paper goes to the dossier that needs it"
    );
    let (status, html) = app.get(&location).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(html.matches("data-testid=\"linked-dossier\"").count(), 3);
    assert!(
        html.contains("Đăng ký khai sinh")
            && html.contains("Đăng ký thường trú")
            && html.contains("bảo hiểm y tế")
    );
    // Each agency sees its own work; another citizen sees nothing.
    app.clear_cookies();
    app.login("congdan2@tinhso.local", PASSWORD).await;
    let (status, _) = app.get(&location).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.clear_cookies();
    app.login(CLERK, PASSWORD).await;
    let (_, html) = app.get("/office/dossiers?queue=new").await;
    assert_eq!(html.matches("Nguyễn Văn An").count(), 3);
}
