//! The leader's dashboard (issue 18 part 2, docs/operations-design.md §5) on both databases:
//! on a fixture of dossiers and feedback written straight into their tables and counted by a
//! rebuild, the dashboard's figures (outcomes, fields, overdue now, the ranking with its small
//! volumes, the index's progress group and its trend) equal hand-computed values; every
//! drill-down lists exactly the items behind its figure; a scope the viewer does not hold is a
//! 404 on the dashboard and on every list (a ward's leader cannot see the province or a
//! department); the wall-screen mode, the refresh and the ETag.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::TestApp;
use tinhso::audit::Actor;
use tinhso_domain::ops::period::Basis;
use tinhso_domain::ops::scope::Scope;

on_both_databases!(
    the_dashboard_figures_equal_hand_computed_values,
    every_drill_down_lists_the_items_behind_its_figure,
    each_viewer_sees_only_the_scopes_their_role_covers,
    the_wall_screen_refreshes_and_answers_304_when_unchanged,
);

pub(crate) const PASSWORD: &str = "TinhSo@2026";
pub(crate) const ADMIN: &str = "admin@tinhso.local";
pub(crate) const WARD_LEADER: &str = "lanhdao.hacthanh@tinhso.local";
const WARD_SPECIALIST: &str = "chuyenvien.hacthanh@tinhso.local";
pub(crate) const JUSTICE_LEADER: &str = "lanhdao.tuphap@tinhso.local";

/// Sở Tư pháp, one of its offices, and the Hạc Thành ward's People's Committee (unit 14932).
pub(crate) const JUSTICE: &str = "000.00.14.H56";
pub(crate) const JUSTICE_OFFICE: &str = "000.01.14.H56";
pub(crate) const WARD: &str = "000.00.60.H56";

pub(crate) async fn agency_id(app: &TestApp, code: &str) -> String {
    sqlx::query_scalar("SELECT id FROM agencies WHERE code = $1")
        .bind(code)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

/// Text as the templates escape it.
fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2f;")
}

/// A procedure field's name in the catalog.
async fn field_name(app: &TestApp, code: &str) -> String {
    sqlx::query_scalar("SELECT name FROM procedure_fields WHERE code = $1")
        .bind(code)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

/// Two procedures of different fields: (code, name, field).
async fn two_fields(app: &TestApp) -> [(String, String, String); 2] {
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT code, name, field_code FROM procedures ORDER BY field_code, code")
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    let first = rows[0].clone();
    let second = rows.iter().find(|r| r.2 != first.2).unwrap().clone();
    [first, second]
}

struct D<'a> {
    n: u32,
    agency: &'a str,
    procedure: &'a (String, String, String),
    state: &'a str,
    outcome: Option<&'a str>,
    /// UTC, `2025-03-10T03:00:00.000Z` (10:00 in Vietnam).
    finished_at: Option<&'a str>,
    due_local: Option<&'a str>,
}

async fn dossier(app: &TestApp, d: D<'_>) {
    let agency = agency_id(app, d.agency).await;
    sqlx::query(
        "INSERT INTO dossiers (id, code, procedure_code, procedure_name, agency_id, applicant_name,
            channel, state, steps, processing_half_days, answers, due_local, submitted_at,
            accepted_at, finished_at, outcome, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'Người nộp', 'direct', $6, '[]', 10, '{}', $7,
            '2025-02-10T03:00:00.000Z', '2025-02-10T03:00:00.000Z', $8, $9,
            '2025-02-10T03:00:00.000Z', '2025-02-10T03:00:00.000Z')",
    )
    .bind(format!("opsdash-{:03}", d.n))
    .bind(format!("H56.99-250210-{:04}", d.n))
    .bind(&d.procedure.0)
    .bind(&d.procedure.1)
    .bind(agency)
    .bind(d.state)
    .bind(d.due_local)
    .bind(d.finished_at)
    .bind(d.outcome)
    .execute(&app.state.db.pool)
    .await
    .unwrap();
}

/// A fixture dossier: agency, procedure, state, (outcome, finished at), due.
type Row<'a> = (
    &'a str,
    &'a (String, String, String),
    &'a str,
    (Option<&'a str>, Option<&'a str>),
    Option<&'a str>,
);

/// The fixture, counted by a rebuild:
/// - Sở Tư pháp: 3 early and 2 on time (field A) in March 2025; its office: 1 late (field B)
///   in April; the ward: 2 on time (field A) in May (a volume of 2, below 5).
/// - open: Sở Tư pháp 2 due 10 June 2025 (overdue now) and 1 due in 2099; its office 0; the
///   ward 1 due 20 June 2025.
/// - feedback: one report at the ward, assigned, due 20 May 2025 (overdue now).
/// - documents: an incoming letter at the Sở assigned to its office, due 1 July 2025, open.
pub(crate) async fn load(app: &TestApp) -> [(String, String, String); 2] {
    let [a, b] = two_fields(app).await;
    let finished = |outcome, at| (Some(outcome), Some(at));
    let rows: Vec<Row> = vec![
        (
            JUSTICE,
            &a,
            "returned",
            finished("early", "2025-03-03T03:00:00.000Z"),
            None,
        ),
        (
            JUSTICE,
            &a,
            "returned",
            finished("early", "2025-03-04T03:00:00.000Z"),
            None,
        ),
        (
            JUSTICE,
            &a,
            "returned",
            finished("early", "2025-03-05T03:00:00.000Z"),
            None,
        ),
        (
            JUSTICE,
            &a,
            "returned",
            finished("on_time", "2025-03-06T03:00:00.000Z"),
            None,
        ),
        (
            JUSTICE,
            &a,
            "returned",
            finished("on_time", "2025-03-07T03:00:00.000Z"),
            None,
        ),
        (
            JUSTICE_OFFICE,
            &b,
            "returned",
            finished("late", "2025-04-08T03:00:00.000Z"),
            None,
        ),
        (
            WARD,
            &a,
            "returned",
            finished("on_time", "2025-05-09T03:00:00.000Z"),
            None,
        ),
        (
            WARD,
            &a,
            "returned",
            finished("on_time", "2025-05-12T03:00:00.000Z"),
            None,
        ),
        (
            JUSTICE,
            &b,
            "in_progress",
            (None, None),
            Some("2025-06-10T17:00:00"),
        ),
        (
            JUSTICE,
            &a,
            "in_progress",
            (None, None),
            Some("2025-06-10T17:00:00"),
        ),
        (
            JUSTICE,
            &a,
            "in_progress",
            (None, None),
            Some("2099-01-05T17:00:00"),
        ),
        (
            WARD,
            &a,
            "in_progress",
            (None, None),
            Some("2025-06-20T11:00:00"),
        ),
    ];
    for (n, (agency, procedure, state, (outcome, finished_at), due_local)) in
        rows.into_iter().enumerate()
    {
        dossier(
            app,
            D {
                n: n as u32,
                agency,
                procedure,
                state,
                outcome,
                finished_at,
                due_local,
            },
        )
        .await;
    }
    let category: String = sqlx::query_scalar("SELECT code FROM feedback_categories ORDER BY code")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO feedback_reports (id, code, category_code, title, description, source,
            agency_id, status, received_local, due_local, created_at, updated_at)
         VALUES ('opsdash-fb', 'PA-OPSDASH', $1, 'Đèn đường hỏng', 'Đèn đường hỏng đã lâu', 'web',
            $2, 'assigned', '2025-05-02T09:00:00', '2025-05-20T17:00:00',
            '2025-05-02T02:00:00.000Z', '2025-05-02T02:00:00.000Z')",
    )
    .bind(category)
    .bind(agency_id(app, WARD).await)
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    // An incoming letter at Sở Tư pháp, directed to its office, due 1 July 2025, still open;
    // and one due in 2099.
    let justice = agency_id(app, JUSTICE).await;
    let office = agency_id(app, JUSTICE_OFFICE).await;
    let admin = app.user_id(ADMIN).await;
    for (n, due) in [(1, "2025-07-01T17:00:00"), (2, "2099-07-01T17:00:00")] {
        sqlx::query(
            "INSERT INTO documents (id, agency_id, direction, state, doc_type, urgency, subject,
                subject_folded, organ_name, code_notation, created_at, updated_at)
             VALUES ($1, $2, 'incoming', 'directed', 'official_letter', 'normal', 'Công văn đôn đốc',
                'cong van don doc', 'UBND tỉnh', 'UBND-VX', '2025-06-01T02:00:00.000Z',
                '2025-06-01T02:00:00.000Z')",
        )
        .bind(format!("opsdash-doc-{n}"))
        .bind(&justice)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO document_assignments (id, document_id, agency_id, unit_id, role,
                instructions, directed_by, directed_at, due_local, state, created_at, updated_at)
             VALUES ($1, $2, $3, $4, 'lead', 'Xử lý', $5, '2025-06-01T02:00:00.000Z', $6,
                'assigned', '2025-06-01T02:00:00.000Z', '2025-06-01T02:00:00.000Z')",
        )
        .bind(format!("opsdash-asg-{n}"))
        .bind(format!("opsdash-doc-{n}"))
        .bind(&justice)
        .bind(&office)
        .bind(&admin)
        .bind(due)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    }
    let actor = Actor {
        label: "test".into(),
        ip: "127.0.0.1".into(),
    };
    tinhso_ops::rebuild::rebuild(&app.state, &actor, false)
        .await
        .unwrap();
    [a, b]
}

/// Signs `email` in; the administrator with a second factor, as administrators must.
pub(crate) async fn sign_in(app: &TestApp, email: &str) {
    app.clear_cookies();
    if email == ADMIN {
        let secret = app.enable_totp(ADMIN).await;
        app.login(ADMIN, PASSWORD).await;
        let code =
            tinhso::auth::totp::code_at(&secret, chrono::Utc::now().timestamp() as u64).unwrap();
        app.post_form("/login/totp", "/login/totp", &[("code", &code)])
            .await;
    } else {
        app.login(email, PASSWORD).await;
    }
}

fn today() -> chrono::NaiveDate {
    tinhso::time::local_now().date()
}

async fn the_dashboard_figures_equal_hand_computed_values(app: TestApp) {
    let [a, b] = load(&app).await;
    let justice = agency_id(&app, JUSTICE).await;
    let d = tinhso_ops::dashboard::build(
        &app.state,
        &Scope::Province,
        "2025-Y",
        Basis::Calendar,
        today(),
    )
    .await
    .unwrap();
    // Outcomes: early 3; on time (not early) 2 + 2; late 1.
    assert_eq!(
        (
            d.outcomes.early,
            d.outcomes.on_time,
            d.outcomes.late,
            d.outcomes.total
        ),
        (3, 4, 1, 8)
    );
    assert_eq!(d.outcomes.shares, [37.5, 50.0, 12.5]);
    // By field: A 3 early, 4 on time; B 1 late. The year is whole months.
    assert!(d.fields_whole);
    let fields: Vec<(String, i64, i64, i64)> = d
        .fields
        .iter()
        .map(|f| {
            (
                f.key.clone(),
                f.outcomes.early,
                f.outcomes.on_time,
                f.outcomes.late,
            )
        })
        .collect();
    assert_eq!(fields, vec![(a.2.clone(), 3, 4, 0), (b.2.clone(), 0, 0, 1)]);
    // Fields are named as the catalog names them.
    let field_a = field_name(&app, &a.2).await;
    let names: Vec<&str> = d.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        vec![field_a.as_str(), field_name(&app, &b.2).await.as_str()]
    );
    // Overdue now: 3 dossiers (not the one due in 2099), 1 report, 1 document (not the one
    // due in 2099), no task.
    let overdue: Vec<(String, i64)> = d.overdue.iter().map(|t| (t.source.clone(), t.n)).collect();
    assert_eq!(
        overdue,
        vec![
            ("dossier.open".to_owned(), 3),
            ("feedback.open".to_owned(), 1),
            ("document.assignment_open".to_owned(), 1),
            ("task.unit_open".to_owned(), 0)
        ]
    );
    // The index's progress group (2.1, 20 points): 7 of 8 finished early or on time.
    let progress = d.index.groups.iter().find(|g| g.key == "progress").unwrap();
    assert_eq!(progress.points, Some(17.5));
    // The trend: the twelve months of 2025; March: 5 of 5 (20), April 0 of 1 (0), May 2 of 2.
    assert_eq!(d.trend.months.len(), 12);
    assert_eq!(d.trend.months[2], "2025-M03");
    let p = d.trend.groups.iter().find(|g| g.key == "progress").unwrap();
    assert_eq!(
        &p.values[..6],
        &[None, None, Some(20.0), Some(0.0), Some(20.0), None]
    );
    assert_eq!(p.points.len(), 3);
    // The ranking of the province's agencies: Sở Tư pháp first (5 of 6: 16.67), with its
    // volume; the ward listed unranked (2 finished, below 5); those without figures after it.
    let first = &d.ranking[0];
    assert_eq!(
        (
            first.place,
            first.scope.as_str(),
            first.total,
            first.volume,
            first.small
        ),
        (
            Some(1),
            format!("a:{justice}").as_str(),
            Some(16.67),
            6,
            false
        )
    );
    let ward = d.ranking.iter().find(|r| r.code == WARD).unwrap();
    assert_eq!((ward.place, ward.volume, ward.small), (None, 2, true));
    assert!(d.ranking.iter().filter(|r| r.place.is_some()).count() == 1);

    // A department's dashboard ranks its offices; a unit's is its committee's.
    let d = tinhso_ops::dashboard::build(
        &app.state,
        &Scope::Agency(justice.clone()),
        "2025-Y",
        Basis::Calendar,
        today(),
    )
    .await
    .unwrap();
    assert_eq!(
        (d.outcomes.early, d.outcomes.on_time, d.outcomes.late),
        (3, 2, 1)
    );
    assert_eq!(d.overdue[0].n, 2);
    assert_eq!(d.overdue[1].n, 0);
    assert_eq!(
        d.overdue[2].n, 1,
        "the office's overdue letter counts for the Sở"
    );
    let office = d.ranking.iter().find(|r| r.code == JUSTICE_OFFICE).unwrap();
    assert_eq!(
        (office.place, office.volume, office.total),
        (None, 1, Some(0.0))
    );
    let d = tinhso_ops::dashboard::build(
        &app.state,
        &Scope::Unit("14932".into()),
        "2025-Y",
        Basis::Calendar,
        today(),
    )
    .await
    .unwrap();
    assert_eq!(
        (d.outcomes.on_time, d.overdue[0].n, d.overdue[1].n),
        (2, 1, 1)
    );

    // The page shows the same, in Vietnamese, with a table behind each chart.
    sign_in(&app, ADMIN).await;
    let (status, page) = app.get("/ops/dashboard?period=2025-Y").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    for part in [
        "Bảng điều hành",
        "Toàn tỉnh",
        "data-testid=\"ops-overdue-dossier.open\"><strong>3</strong>",
        "data-testid=\"ops-overdue-feedback.open\"><strong>1</strong>",
        "source=dossier.finished_early\">3</a>",
        "data-testid=\"ops-outcome-on-time\"",
        ">4</a>",
        "chưa đủ số liệu",
        "Bảng số liệu của biểu đồ",
        "<polyline",
        "http-equiv=\"refresh\" content=\"60\"",
    ] {
        assert!(page.contains(part), "{part}");
    }
    // The field's name, not only its code, on the dashboard and on its list.
    let row = page
        .split(&format!("data-testid=\"ops-field-{}\"", a.2))
        .nth(1)
        .and_then(|s| s.split("</th>").next())
        .expect("the field's row");
    let escaped = html(&field_a);
    assert!(row.contains(&escaped), "{row}");
    let (status, list) = app
        .get(&format!(
            "/ops/items?scope=p&period=2025-Y&source=dossier.finished_early&key={}",
            a.2
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        list.contains(&format!("data-testid=\"ops-items-field\">{escaped}</span>")),
        "{list}"
    );
    // A period that does not exist is said on the page.
    let (status, page) = app.get("/ops/dashboard?period=2025-M13").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Kỳ không tồn tại"));
}

/// The list page's figure and its rows' codes.
fn listed(page: &str) -> (i64, usize) {
    let figure = page
        .split("data-testid=\"ops-items-figure\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .and_then(|s| s.parse().ok())
        .expect("a figure");
    (figure, page.matches("data-testid=\"ops-item\"").count())
}

async fn every_drill_down_lists_the_items_behind_its_figure(app: TestApp) {
    let [a, b] = load(&app).await;
    let justice = agency_id(&app, JUSTICE).await;
    sign_in(&app, ADMIN).await;
    let cases: Vec<(String, i64)> = vec![
        (
            "scope=p&period=2025-Y&source=dossier.finished_early".into(),
            3,
        ),
        (
            "scope=p&period=2025-Y&source=dossier.finished_on_time_only".into(),
            4,
        ),
        (
            "scope=p&period=2025-Y&source=dossier.finished_on_time".into(),
            7,
        ),
        (
            "scope=p&period=2025-Y&source=dossier.finished_late".into(),
            1,
        ),
        ("scope=p&period=2025-Y&source=dossier.finished".into(), 8),
        ("scope=p&period=2025-Q1&source=dossier.finished".into(), 5),
        (
            format!(
                "scope=p&period=2025-Y&source=dossier.finished_on_time_only&key={}",
                a.2
            ),
            4,
        ),
        (
            format!(
                "scope=p&period=2025-Y&source=dossier.finished_late&key={}",
                b.2
            ),
            1,
        ),
        (
            format!(
                "scope=p&period=2025-Y&source=dossier.finished_late&key={}",
                a.2
            ),
            0,
        ),
        ("scope=p&source=dossier.open&overdue=1".into(), 3),
        (
            format!("scope=a:{justice}&source=dossier.open&overdue=1"),
            2,
        ),
        (
            format!("scope=a:{justice}&period=2025-Y&source=dossier.finished"),
            6,
        ),
        ("scope=u:14932&source=dossier.open&overdue=1".into(), 1),
        ("scope=u:14932&source=feedback.open&overdue=1".into(), 1),
        ("scope=p&source=feedback.open&overdue=1".into(), 1),
        (
            format!("scope=a:{justice}&source=feedback.open&overdue=1"),
            0,
        ),
        (
            "scope=p&source=document.assignment_open&overdue=1".into(),
            1,
        ),
        (
            format!("scope=a:{justice}&source=document.assignment_open&overdue=1"),
            1,
        ),
        (
            "scope=u:14932&source=document.assignment_open&overdue=1".into(),
            0,
        ),
    ];
    for (query, want) in cases {
        let (status, page) = app.get(&format!("/ops/items?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}: {page}");
        assert_eq!(listed(&page), (want, want as usize), "{query}");
    }
    // The overdue list links each dossier to its own page and shows its due day.
    let (_, page) = app
        .get(&format!(
            "/ops/items?scope=a:{justice}&source=dossier.open&overdue=1"
        ))
        .await;
    // (the template escapes `/` in attributes as `&#x2f;`)
    assert!(
        page.contains("href=\"&#x2f;office&#x2f;dossiers&#x2f;opsdash-008\""),
        "{page}"
    );
    assert!(page.contains("2025-06-10"));
    assert!(!page.contains("opsdash-010"), "due in 2099: not overdue");
    // A source nothing lists, or none, is a 404.
    for query in [
        "scope=p&period=2025-Y&source=dossier.rated",
        "scope=p&period=2025-Y&source=task.unit_open",
        "scope=p&period=2025-Y&source=nothing.at_all",
        "scope=p&period=2025-Y",
    ] {
        let (status, _) = app.get(&format!("/ops/items?{query}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{query}");
    }
}

async fn each_viewer_sees_only_the_scopes_their_role_covers(app: TestApp) {
    load(&app).await;
    let justice = format!("a:{}", agency_id(&app, JUSTICE).await);
    let ward = format!("a:{}", agency_id(&app, WARD).await);
    let early = "&period=2025-Y&source=dossier.finished_early";
    let overdue = "&source=dossier.open&overdue=1";
    // (who, path, status)
    let rows: Vec<(&str, String, StatusCode)> = vec![
        (WARD_LEADER, "/ops/dashboard".into(), StatusCode::OK),
        (
            WARD_LEADER,
            "/ops/dashboard?scope=u:14932".into(),
            StatusCode::OK,
        ),
        (
            WARD_LEADER,
            format!("/ops/dashboard?scope={ward}"),
            StatusCode::OK,
        ),
        (
            WARD_LEADER,
            "/ops/dashboard?scope=p".into(),
            StatusCode::NOT_FOUND,
        ),
        (
            WARD_LEADER,
            format!("/ops/dashboard?scope={justice}"),
            StatusCode::NOT_FOUND,
        ),
        (
            WARD_LEADER,
            "/ops/dashboard?scope=u:15001".into(),
            StatusCode::NOT_FOUND,
        ),
        (
            WARD_LEADER,
            "/ops/dashboard?scope=bogus".into(),
            StatusCode::NOT_FOUND,
        ),
        (
            WARD_LEADER,
            format!("/ops/items?scope=u:14932{overdue}"),
            StatusCode::OK,
        ),
        (
            WARD_LEADER,
            format!("/ops/items?scope=p{overdue}"),
            StatusCode::NOT_FOUND,
        ),
        (
            WARD_LEADER,
            format!("/ops/items?scope=p{early}"),
            StatusCode::NOT_FOUND,
        ),
        (
            WARD_LEADER,
            format!("/ops/items?scope={justice}{overdue}"),
            StatusCode::NOT_FOUND,
        ),
        (
            JUSTICE_LEADER,
            format!("/ops/dashboard?scope={justice}"),
            StatusCode::OK,
        ),
        (
            JUSTICE_LEADER,
            format!("/ops/items?scope={justice}{early}"),
            StatusCode::OK,
        ),
        (
            JUSTICE_LEADER,
            format!("/ops/dashboard?scope={ward}"),
            StatusCode::NOT_FOUND,
        ),
        (
            JUSTICE_LEADER,
            format!("/ops/items?scope={ward}{overdue}"),
            StatusCode::NOT_FOUND,
        ),
        (
            JUSTICE_LEADER,
            format!("/ops/items?scope=p{early}"),
            StatusCode::NOT_FOUND,
        ),
        (
            WARD_SPECIALIST,
            "/ops/dashboard".into(),
            StatusCode::NOT_FOUND,
        ),
        (
            WARD_SPECIALIST,
            format!("/ops/items?scope={ward}{overdue}"),
            StatusCode::NOT_FOUND,
        ),
        (ADMIN, "/ops/dashboard?scope=p".into(), StatusCode::OK),
        (
            ADMIN,
            format!("/ops/items?scope={ward}{overdue}"),
            StatusCode::OK,
        ),
    ];
    let mut signed_in = "";
    for (who, path, want) in rows {
        // Once per person: a second factor's code is good once.
        if who != signed_in {
            sign_in(&app, who).await;
            signed_in = who;
        }
        let (status, page) = app.get(&path).await;
        assert_eq!(status, want, "{who} {path}");
        if want == StatusCode::OK && path.starts_with("/ops/dashboard") {
            assert!(!page.contains("Toàn tỉnh") || who == ADMIN, "{who} {path}");
        }
    }
    // Signed out: to the sign-in page.
    app.clear_cookies();
    let (status, _) = app.get("/ops/dashboard").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // The ward leader's default page is their ward's, and the navigation offers it.
    sign_in(&app, WARD_LEADER).await;
    let (_, page) = app.get("/ops/dashboard?period=2025-Y").await;
    assert!(
        page.contains("href=\"/ops/dashboard\""),
        "the navigation's link"
    );
    assert!(page.contains("data-testid=\"ops-overdue-dossier.open\"><strong>1</strong>"));
    assert!(!page.contains("data-testid=\"ops-rank-000.00.14.H56\""));
}

async fn the_wall_screen_refreshes_and_answers_304_when_unchanged(app: TestApp) {
    load(&app).await;
    sign_in(&app, ADMIN).await;
    let (status, page) = app.get("/ops/dashboard?period=2025-Y&wall=1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("data-testid=\"ops-wall\""));
    assert!(page.contains("http-equiv=\"refresh\""));
    assert!(
        !page.contains("class=\"top\""),
        "no navigation bar on the wall"
    );
    let (_, page) = app.get("/ops/dashboard?period=2025-Y&refresh=0").await;
    assert!(!page.contains("http-equiv=\"refresh\""));
    assert!(page.contains("class=\"top\""));
    // The ETag: unchanged figures give 304, a changed figure a new page.
    let get = |etag: Option<String>| {
        let mut req = Request::get("/ops/dashboard?period=2025-Y");
        if let Some(e) = etag {
            req = req.header(header::IF_NONE_MATCH, e);
        }
        app.send(req.body(Body::empty()).unwrap())
    };
    let resp = get(None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let etag = resp.headers()[header::ETAG].to_str().unwrap().to_owned();
    assert_eq!(
        get(Some(etag.clone())).await.status(),
        StatusCode::NOT_MODIFIED
    );
    sqlx::query("UPDATE dossiers SET outcome = 'late' WHERE id = 'opsdash-000'")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let actor = Actor {
        label: "test".into(),
        ip: "127.0.0.1".into(),
    };
    tinhso_ops::rebuild::rebuild(&app.state, &actor, false)
        .await
        .unwrap();
    assert_eq!(get(Some(etag)).await.status(), StatusCode::OK);
}
