//! Deadlines as officials and administrators meet them, on both databases: a dossier just
//! accepted is not "due soon" (no apology prompt, not in the due-soon queue), the province's
//! due-soon rule and office hours are data edited on the calendar page (audited, Vietnamese
//! errors, the form kept), the yearly notice is a form, and remaining time reads in working
//! days and hours.

use crate::common;

use axum::http::StatusCode;
use common::TestApp;

const PASSWORD: &str = "TinhSo@2026";
const CLERK: &str = "motcua.hacthanh@tinhso.local";
const ADMIN: &str = "admin@tinhso.local";
const BIRTH: &str = "1.001193";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

on_both_databases!(
    a_dossier_just_accepted_is_not_due_soon_and_the_rule_is_data,
    the_yearly_notice_is_a_form,
    citizens_see_the_appointment_and_amounts_in_their_language,
    appointments_stored_the_old_way_are_upgraded_once
);

/// A one-working-day birth registration taken at the counter (accepted at once); its id.
async fn counter_dossier(app: &TestApp) -> String {
    let page = format!("/office/dossiers/new?procedure={BIRTH}");
    let fields = [
        ("procedure", BIRTH),
        ("applicant_name", "Phan Thị Hạnh"),
        ("applicant_phone", "0912345678"),
        ("channel", "counter"),
        ("ho_ten", "Phan Thị Hạnh"),
        ("cccd", "038090000111"),
        ("dia_chi", "Số 5, phố Lê Lai"),
        ("ten_tre", "Phan Minh Khôi"),
        ("ngay_sinh_tre", "2026-11-20"),
        ("gioi_tinh_tre", "Nam"),
        ("noi_sinh", "Bệnh viện Đa khoa tỉnh"),
    ];
    let (status, body, location) = app
        .post_multipart(
            &page,
            "/office/dossiers/new",
            &fields,
            &[("file_giay_chung_sinh", "chung-sinh.pdf", PDF)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    location
        .unwrap()
        .trim_start_matches("/office/dossiers/")
        .to_owned()
}

/// A page's HTML with the slashes the template engine escapes put back, to read dates.
async fn get(app: &TestApp, path: &str) -> (StatusCode, String) {
    let (status, html) = app.get(path).await;
    (status, html.replace("&#x2f;", "/"))
}

async fn post(
    app: &TestApp,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String, Option<String>) {
    let (status, html, location) = app.post_form(page, action, fields).await;
    (status, html.replace("&#x2f;", "/"), location)
}

/// The count on a queue's tab.
fn tab_count(html: &str, queue: &str) -> i64 {
    let at = html
        .find(&format!("href=\"/office/dossiers?queue={queue}\""))
        .expect("the tab");
    let rest = &html[at..];
    let start = rest.find("<span class=\"count\">").unwrap() + "<span class=\"count\">".len();
    rest[start..start + rest[start..].find('<').unwrap()]
        .parse()
        .unwrap()
}

async fn sign_in_admin(app: &TestApp) {
    app.clear_cookies();
    let secret = app.enable_totp(ADMIN).await;
    let (status, _, _) = app.login(ADMIN, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let code = tinhso::auth::totp::code_at(&secret, chrono::Utc::now().timestamp() as u64).unwrap();
    let (status, _, _) = post(app, "/login/totp", "/login/totp", &[("code", &code)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

async fn a_dossier_just_accepted_is_not_due_soon_and_the_rule_is_data(app: TestApp) {
    app.login(CLERK, PASSWORD).await;
    let id = counter_dossier(&app).await;
    let (status, html) = get(&app, &format!("/office/dossiers/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !html.contains("data-testid=\"apology-prompt\""),
        "a full working day left is no reason to apologise"
    );
    assert!(html.contains("Trong hạn"), "on track");
    // A full day, or a little under it when the clock already runs: never "1.0 ngày".
    assert!(
        html.contains("còn 1 ngày làm việc") || html.contains("còn 7 giờ"),
        "remaining time in working days and hours"
    );
    let (_, queue) = get(&app, "/office/dossiers?queue=in_progress").await;
    assert_eq!(tab_count(&queue, "in_progress"), 1);
    assert_eq!(tab_count(&queue, "due_soon"), 0);

    // The province makes every dossier "due soon" once at most its whole budget is left.
    sign_in_admin(&app).await;
    let (_, page) = get(&app, "/admin/calendar").await;
    assert!(page.contains("value=\"13:00\""), "the national 8-hour day");
    let rules = [
        ("year", "2026"),
        ("season_0_from", "01/01"),
        ("season_0_morning_start", "07:30"),
        ("season_0_morning_end", "11:30"),
        ("season_0_afternoon_start", "13:00"),
        ("season_0_afternoon_end", "17:00"),
        ("due_soon_percent", "100"),
        ("due_soon_floor", "0"),
        ("due_soon_cap", "10000"),
    ];
    // First with a mistake: a clear message, the form as typed.
    let mut bad = rules.to_vec();
    bad[5] = ("season_0_afternoon_end", "12:00");
    bad.push(("season_1_from", "31/02"));
    bad.push(("season_1_morning_start", "7 giờ"));
    let (status, html, _) = post(&app, "/admin/calendar", "/admin/calendar/rules", &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Ngày bắt đầu phải có dạng ngày/tháng"));
    assert!(html.contains("Giờ phải có dạng giờ:phút"));
    assert!(html.contains("value=\"7 giờ\""), "the form is kept");
    let (status, html, _) = post(
        &app,
        "/admin/calendar",
        "/admin/calendar/rules",
        &bad[..bad.len() - 2],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("vào sáng &lt; tan sáng") || html.contains("vào sáng < tan sáng"));
    // Seasons of different lengths are refused.
    let mut uneven = rules.to_vec();
    uneven.extend([
        ("season_1_from", "15/10"),
        ("season_1_morning_start", "07:30"),
        ("season_1_morning_end", "11:30"),
        ("season_1_afternoon_start", "13:30"),
        ("season_1_afternoon_end", "17:00"),
    ]);
    let (status, html, _) = post(&app, "/admin/calendar", "/admin/calendar/rules", &uneven).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("cùng số giờ mỗi ngày"));
    let (status, _, _) = post(&app, "/admin/calendar", "/admin/calendar/rules", &rules).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count_where("audit_log", "action", "calendar.rules_saved")
            .await,
        1
    );

    app.clear_cookies();
    app.login(CLERK, PASSWORD).await;
    let (_, html) = get(&app, &format!("/office/dossiers/{id}")).await;
    assert!(html.contains("data-testid=\"apology-prompt\""));
    let (_, queue) = get(&app, "/office/dossiers?queue=due_soon").await;
    assert_eq!(tab_count(&queue, "due_soon"), 1);
    assert!(queue.contains(&format!("/office/dossiers/{id}")));

    // Past its appointment: overdue, in the overdue queue, and said how late.
    sqlx::query("UPDATE dossiers SET due_local = '2026-01-05T17:00:00' WHERE id = $1")
        .bind(&id)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let (_, html) = get(&app, &format!("/office/dossiers/{id}")).await;
    assert!(html.contains("data-testid=\"apology-prompt\""));
    assert!(html.contains("quá hạn"));
    assert!(html.contains("05/01/2026 17:00"), "the end of the due day");
    let (_, queue) = get(&app, "/office/dossiers?queue=overdue").await;
    assert_eq!(tab_count(&queue, "overdue"), 1);
    assert!(
        queue.contains("quá hạn") && queue.contains("làm việc"),
        "how late, in the queue"
    );
    assert_eq!(tab_count(&queue, "due_soon"), 0);
    // In English, in English words.
    app.get("/lang/en?next=/").await;
    let (_, html) = get(&app, &format!("/office/dossiers/{id}")).await;
    let remaining = &html[html.find("data-testid=\"dossier-remaining\"").unwrap()..];
    let remaining = &remaining[remaining.find('>').unwrap() + 1..remaining.find("</").unwrap()];
    assert!(
        remaining.ends_with(" overdue") && remaining.contains("working day"),
        "{remaining}"
    );
}

async fn the_yearly_notice_is_a_form(app: TestApp) {
    sign_in_admin(&app).await;
    let (status, html) = get(&app, "/admin/calendar?year=2026").await;
    assert_eq!(status, StatusCode::OK);
    // The demo ships the year's notice: Monday 31 August is off, next to National Day.
    assert!(html.contains("31/08/2026 — Nghỉ theo thông báo"));
    assert!(
        html.contains("Quốc khánh") && html.contains("ngày/tháng/năm"),
        "{html}"
    );
    // Mistakes are named per field, in Vietnamese, and what was typed stays.
    let (status, html, _) = post(
        &app,
        "/admin/calendar?year=2026",
        "/admin/calendar",
        &[
            ("year", "2026"),
            ("reference", "Thông báo 2026"),
            ("tet_days", "16/02/2026, 31/02/2026"),
            ("swap_worked_0", "22/08/2026"),
            ("swap_off_0", ""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("“31/02/2026” không phải ngày hợp lệ"));
    assert!(html.contains("Ngày nghỉ hoán đổi không hợp lệ"));
    assert!(html.contains("value=\"Thông báo 2026\"") && html.contains("value=\"22/08/2026\""));
    assert_eq!(
        app.count_where("audit_log", "action", "calendar.notice_saved")
            .await,
        1,
        "only the demo's own notice"
    );

    let (status, _, location) = post(
        &app,
        "/admin/calendar?year=2026",
        "/admin/calendar",
        &[
            ("year", "2026"),
            ("reference", "Thông báo 2026"),
            ("swap_worked_0", "22/08/2026"),
            ("swap_off_0", "31/08/2026"),
            ("extra_date_0", "2026-05-19"),
            ("extra_reason_0", "Nghỉ theo thông báo"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location.as_deref(),
        Some("/admin/calendar?year=2026&saved=1")
    );
    let (_, html) = get(&app, "/admin/calendar?year=2026").await;
    assert!(
        html.contains("31/08/2026 — Nghỉ do hoán đổi ngày làm việc"),
        "{html}"
    );
    assert!(html.contains("19/05/2026"));
    assert_eq!(
        app.count_where("audit_log", "action", "calendar.notice_saved")
            .await,
        2
    );
    let calendar = tinhso::calendar::load(&app.state.db).await.unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 8, 31).unwrap();
    assert!(!calendar.is_working_day(day));
    assert!(calendar.is_working_day(chrono::NaiveDate::from_ymd_opt(2026, 8, 22).unwrap()));

    // A notice that contradicts itself is refused with a Vietnamese message.
    let (status, html, _) = post(
        &app,
        "/admin/calendar?year=2026",
        "/admin/calendar",
        &[
            ("year", "2026"),
            ("swap_worked_0", "22/08/2026"),
            ("swap_off_0", "31/08/2026"),
            ("swap_worked_1", "31/08/2026"),
            ("swap_off_1", "01/09/2026"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("vừa là ngày làm việc vừa là ngày nghỉ"));
}

/// `dd/mm/yyyy HH:MM` right after `marker` in `html`.
fn moment_after<'a>(html: &'a str, marker: &str) -> &'a str {
    let at = html.find(marker).expect(marker);
    let rest = &html[at..];
    let start = rest.find(|c: char| c.is_ascii_digit()).unwrap();
    &rest[start..start + 16]
}

async fn citizens_see_the_appointment_and_amounts_in_their_language(app: TestApp) {
    // Before applying: when the result would be due if the dossier were accepted today.
    let (status, html) = get(&app, "/procedures/1.001648").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Nếu được tiếp nhận hôm nay, hẹn trả kết quả"));
    let due = moment_after(&html, "data-testid=\"expected-due\"");
    let due = chrono::NaiveDateTime::parse_from_str(due, "%d/%m/%Y %H:%M").expect(due);
    let calendar = tinhso::calendar::load(&app.state.db).await.unwrap();
    assert!(calendar.is_working_day(due.date()));
    // Ten working days from now (the judicial record), within a minute of this request.
    let now = tinhso::time::local_now();
    let expected = calendar
        .due(now, tinhso_domain::calendar::WorkDuration::days(10), None)
        .unwrap();
    assert!(
        (expected - due).num_minutes().abs() <= 1,
        "{due} vs {expected}"
    );
    assert!(html.contains("10 ngày làm việc") && html.contains("200.000 đ"));
    app.get("/lang/en?next=/procedures/1.001648").await;
    let (_, html) = get(&app, "/procedures/1.001648").await;
    assert!(html.contains("If accepted today, the result is due"));
    assert!(html.contains("10 working days") && html.contains("200,000 VND"));
    let (_, html) = get(&app, "/procedures/1.001193").await;
    assert!(html.contains("1 working day<"), "singular");
    // Lists print durations the same way, never "1.0".
    app.get("/lang/vi?next=/").await;
    for path in ["/search?q=khai+sinh", "/procedures?q=khai+sinh"] {
        let (status, html) = get(&app, path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("1 ngày làm việc"), "{path}");
        assert!(
            !html.contains("1.0 ngày") && !html.contains("[working_days]"),
            "{path}"
        );
    }
}

async fn appointments_stored_the_old_way_are_upgraded_once(app: TestApp) {
    app.login(CLERK, PASSWORD).await;
    let id = counter_dossier(&app).await;
    // Stored before the fix: 48 days running out at closing on Thursday 4 February 2027 were
    // written as the opening after Tết, and a dossier finished on the 4th counted early.
    sqlx::query(
        "UPDATE dossiers SET state = 'returned', due_local = '2027-02-12T07:30:00',
         finished_local = '2027-02-04T10:00:00', outcome = 'early' WHERE id = $1",
    )
    .bind(&id)
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    sqlx::query("DELETE FROM settings WHERE key = 'calendar.appointments_end_of_day'")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    for _ in 0..2 {
        tinhso::dossiers::appointments::upgrade_legacy_appointments(&app.state.db)
            .await
            .unwrap();
    }
    let row = sqlx::query("SELECT due_local, outcome FROM dossiers WHERE id = $1")
        .bind(&id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(
        sqlx::Row::get::<String, _>(&row, "due_local"),
        "2027-02-04T17:00:00"
    );
    assert_eq!(sqlx::Row::get::<String, _>(&row, "outcome"), "on_time");
    assert_eq!(
        app.count_where("audit_log", "action", "calendar.appointments_upgraded")
            .await,
        1,
        "once"
    );
}
