//! Periodic reports (issue 18 item 3, docs/operations-design.md §6) on both databases: on the
//! dashboard's fixture (tests/app/ops_dashboard.rs), a quarter's report over its Decree 09
//! window holds the hand-computed figures; its DOCX read by python-docx (a third-party reader:
//! `CI_REQUIRE_PYTHON_DOCX=1` makes it required), its PDF's text as poppler's `pdftotext`
//! extracts it and its XLSX read back by calamine show them in the Decree 30 layout; a scope
//! the viewer does not hold is a 404 on the page, the file and the API, and a period that does
//! not exist a 422 problem.

use crate::common;
use crate::ops_dashboard::{
    ADMIN, JUSTICE, JUSTICE_LEADER, WARD, WARD_LEADER, agency_id, load, sign_in,
};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::TestApp;
use http_body_util::BodyExt;
use tinhso_domain::ops::scope::Scope;
use tinhso_ops::report::rules::{Kind, ReportPeriod};

on_both_databases!(
    a_quarter_report_holds_the_hand_computed_figures,
    the_files_show_the_figures_in_the_provincial_layout,
    reports_are_scoped_and_bad_periods_refused,
    a_schedule_makes_and_mails_each_window_once,
    a_schedule_stops_with_its_creators_authority,
);

fn today() -> chrono::NaiveDate {
    tinhso::time::local_now().date()
}

fn quarter(year: i32, q: u32) -> ReportPeriod {
    ReportPeriod::new(Kind::Quarter, year, Some(q), today()).unwrap()
}

/// Status, content type and body of a GET.
async fn fetch(app: &TestApp, path: &str, token: Option<&str>) -> (StatusCode, String, Vec<u8>) {
    let mut req = Request::get(path);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let resp = app.send(req.body(Body::empty()).unwrap()).await;
    let status = resp.status();
    let kind = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, kind, bytes)
}

async fn a_quarter_report_holds_the_hand_computed_figures(app: TestApp) {
    let [a, b] = load(&app).await;
    let names: std::collections::BTreeMap<String, String> =
        sqlx::query_as("SELECT code, name FROM procedure_fields")
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap()
            .into_iter()
            .collect();
    // Quarter I of 2025 runs 15 December 2024 → 14 March 2025: the twelve dossiers received
    // on 10 February (ten of field A, two of B) and Sở Tư pháp's five finished in early March
    // (3 early, 2 on time).
    let r = tinhso_ops::report::build(&app.state, &Scope::Province, quarter(2025, 1), today())
        .await
        .unwrap();
    assert_eq!(
        (r.from.as_str(), r.to.as_str()),
        ("2024-12-15", "2025-03-14")
    );
    assert_eq!(r.title, "quý I năm 2025");
    assert!(r.closed);
    assert_eq!(r.sums["dossier.received"], 12);
    assert_eq!((r.early, r.on_time, r.late, r.finished), (3, 2, 0, 5));
    let fields: Vec<(&str, &str, i64, i64, i64, i64, i64)> = r
        .fields
        .iter()
        .map(|f| {
            (
                f.code.as_str(),
                f.name.as_str(),
                f.received,
                f.finished,
                f.early,
                f.on_time,
                f.late,
            )
        })
        .collect();
    assert_eq!(
        fields,
        vec![
            (a.2.as_str(), names[&a.2].as_str(), 10, 5, 3, 2, 0),
            (b.2.as_str(), names[&b.2].as_str(), 2, 0, 0, 0, 0),
        ]
    );
    // Quarter II (15 March → 14 June): the office's late one in April, the ward's two on time
    // in May; the ward's feedback report received on 2 May.
    let r = tinhso_ops::report::build(&app.state, &Scope::Province, quarter(2025, 2), today())
        .await
        .unwrap();
    assert_eq!(
        (r.from.as_str(), r.to.as_str()),
        ("2025-03-15", "2025-06-14")
    );
    assert_eq!(r.sums["dossier.received"], 0);
    assert_eq!((r.early, r.on_time, r.late, r.finished), (0, 2, 1, 3));
    assert_eq!(r.sums["feedback.received"], 1);
    let progress = r.index.groups.iter().find(|g| g.key == "progress").unwrap();
    // 2 of 3 finished early or on time, of 20 points.
    assert_eq!(progress.points, Some(13.33));
    // Sở Tư pháp's own report: its office's late dossier only, and its office ranked below.
    let justice = agency_id(&app, JUSTICE).await;
    let r = tinhso_ops::report::build(
        &app.state,
        &Scope::Agency(justice.clone()),
        quarter(2025, 2),
        today(),
    )
    .await
    .unwrap();
    assert_eq!((r.early, r.on_time, r.late), (0, 0, 1));
    assert_eq!(r.issuer, "Sở Tư pháp");
    assert!(r.ranking.iter().any(|x| x.volume == 1));

    // The page shows the same figures, with the files to download.
    sign_in(&app, ADMIN).await;
    let (status, page) = app
        .get("/ops/reports?scope=p&kind=quarter&year=2025&number=2")
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    for part in [
        "2025-03-15 → 2025-06-14",
        "quý II năm 2025",
        "data-testid=\"ops-report-late\">1<",
        "data-testid=\"ops-report-finished\">3<",
        "/ops/reports/file?scope=p&amp;kind=quarter&amp;year=2025&amp;number=2&amp;format=docx",
    ] {
        assert!(page.contains(part), "{part}");
    }
    // The dashboard links to the reports of its scope.
    let (_, dash) = app.get("/ops/dashboard?period=2025-Y").await;
    assert!(dash.contains("href=\"/ops/reports?scope=p\""));
}

/// What python-docx reads in `docx`: `None` when python-docx is absent outside CI.
fn read_docx(docx: &[u8]) -> Option<serde_json::Value> {
    let required = std::env::var("CI_REQUIRE_PYTHON_DOCX").as_deref() == Ok("1");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.docx");
    std::fs::write(&path, docx).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../e2e/docx_read.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(&path)
        .output();
    match out {
        Ok(out) if out.status.success() => Some(serde_json::from_slice(&out.stdout).unwrap()),
        Ok(out) => {
            let err = String::from_utf8_lossy(&out.stderr).into_owned();
            let missing = err.contains("No module named 'docx'");
            if missing && !required {
                eprintln!("python-docx absent: the DOCX not read by it (CI requires it)");
                return None;
            }
            panic!("python-docx could not read the report (CI_REQUIRE_PYTHON_DOCX=1): {err}");
        }
        Err(e) if required => panic!("python3 is required (CI_REQUIRE_PYTHON_DOCX=1): {e}"),
        Err(_) => None,
    }
}

fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, pdf).unwrap();
    let output = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-layout"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext is required for these tests (apt-get install poppler-utils)");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// Every sheet of an XLSX: (name, rows of cells as text).
fn read_xlsx(bytes: &[u8]) -> Vec<(String, Vec<Vec<String>>)> {
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an XLSX");
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).unwrap();
            let rows = range
                .rows()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect();
            (name, rows)
        })
        .collect()
}

async fn the_files_show_the_figures_in_the_provincial_layout(app: TestApp) {
    let [_, b] = load(&app).await;
    let field_b: String = sqlx::query_scalar("SELECT name FROM procedure_fields WHERE code = $1")
        .bind(&b.2)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    sign_in(&app, ADMIN).await;
    let q = "/ops/reports/file?scope=p&kind=quarter&year=2025&number=2&format=";

    // DOCX: read by a third-party library.
    let (status, kind, docx) = fetch(&app, &format!("{q}docx"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        kind,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    if let Some(d) = read_docx(&docx) {
        let header = d["tables"][0].to_string();
        for part in [
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "Số:",
            "ngày",
        ] {
            assert!(header.contains(part), "{part} in {header}");
        }
        let paragraphs: Vec<&str> = d["paragraphs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        assert!(paragraphs.contains(&"BÁO CÁO"));
        assert!(
            paragraphs.iter().any(|p| p.ends_with("quý II năm 2025")),
            "{paragraphs:?}"
        );
        assert!(paragraphs.iter().any(|p| p.contains("15/03/2025")
            && p.contains("14/06/2025")
            && p.contains("Toàn tỉnh")));
        let tables = d["tables"].as_array().unwrap();
        let has_row = |row: &[&str]| {
            tables.iter().any(|t| {
                t.as_array().unwrap().iter().any(|r| {
                    let cells: Vec<&str> = r
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|c| c.as_str().unwrap())
                        .collect();
                    cells == row
                })
            })
        };
        assert!(has_row(&["Hồ sơ đã giải quyết", "3"]));
        assert!(has_row(&["Giải quyết đúng hạn", "2"]));
        assert!(has_row(&["Giải quyết quá hạn", "1"]));
        assert!(has_row(&["Phản ánh, kiến nghị tiếp nhận", "1"]));
        assert!(has_row(&[&b.2, &field_b, "0", "1", "0", "0", "1"]));
        // The index's chart, drawn as a picture, its values in the table under it.
        assert!(d["pictures"].as_u64().unwrap() >= 1, "{d}");
    }

    // PDF: the text poppler extracts.
    let (status, kind, pdf) = fetch(&app, &format!("{q}pdf"), None).await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "application/pdf"));
    let text = pdf_text(&pdf);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for part in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "BÁO CÁO",
        "quý II năm 2025",
        "Giải quyết quá hạn 1",
        "Hồ sơ đã giải quyết 3",
        "Phản ánh, kiến nghị tiếp nhận 1",
    ] {
        assert!(flat.contains(part), "{part} in {flat}");
    }

    // XLSX: the figures as numbers, a sheet per table.
    let (status, _, xlsx) = fetch(&app, &format!("{q}xlsx"), None).await;
    assert_eq!(status, StatusCode::OK);
    let sheets = read_xlsx(&xlsx);
    assert_eq!(sheets[0].0, "Báo cáo");
    let dossiers = sheets.iter().find(|(n, _)| n.ends_with("Hồ sơ")).unwrap();
    assert!(
        dossiers
            .1
            .contains(&vec!["Giải quyết quá hạn".to_owned(), "1".to_owned()])
    );
    let by_field = sheets
        .iter()
        .find(|(n, _)| n.ends_with("Theo lĩnh vực"))
        .unwrap();
    assert!(
        by_field
            .1
            .iter()
            .any(|r| r[0] == b.2 && r[1] == field_b && r[6] == "1"),
        "{by_field:?}"
    );

    // The API gives the same file to a token holding the scope.
    let token = app.token(ADMIN, &["ops:read"]).await;
    let (status, kind, _) = fetch(
        &app,
        "/api/v1/ops/reports/xlsx?scope=p&kind=quarter&year=2025&number=2",
        Some(&token),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.contains("spreadsheetml"));
}

async fn reports_are_scoped_and_bad_periods_refused(app: TestApp) {
    load(&app).await;
    let justice = agency_id(&app, JUSTICE).await;
    let ward = agency_id(&app, WARD).await;
    // A ward's leader: their ward's report, never the province's or a department's.
    sign_in(&app, WARD_LEADER).await;
    let year = "&kind=quarter&year=2025&number=2";
    let (status, _) = app.get(&format!("/ops/reports?scope=u:14932{year}")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = fetch(
        &app,
        &format!("/ops/reports/file?scope=a:{ward}{year}&format=pdf"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for scope in ["p".to_owned(), format!("a:{justice}")] {
        let (status, _) = app.get(&format!("/ops/reports?scope={scope}{year}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{scope}");
        let (status, _, _) = fetch(
            &app,
            &format!("/ops/reports/file?scope={scope}{year}&format=docx"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{scope}");
    }
    // The API, with a token alone (no session cookie beside it).
    app.clear_cookies();
    let token = app.token(WARD_LEADER, &["ops:read"]).await;
    let (status, body) = app
        .api(
            "GET",
            &format!("/api/v1/ops/reports/pdf?scope=p{year}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    // Periods that do not exist, or have not started: a 422 naming the field, in Vietnamese;
    // on the page, said with what was typed.
    // An administrator acts only with a second factor set up.
    app.enable_totp(ADMIN).await;
    let token = app.token(ADMIN, &["ops:read"]).await;
    let next_year = chrono::Datelike::year(&today()) + 1;
    let cases = [
        (
            "kind=quarter&year=2025&number=5",
            "number",
            "không có quý 5",
        ),
        (
            "kind=month&year=2025&number=13",
            "number",
            "không có tháng 13",
        ),
        ("kind=week&year=2025", "kind", "Loại báo cáo"),
        ("kind=12m&year=1999", "year", "năm 1999"),
        ("kind=12m&year=abc", "year", "Năm cần là một số"),
        (
            "kind=6m&year=2025&number=1",
            "number",
            "không chọn tháng hay quý",
        ),
        (
            &format!("kind=12m&year={}", next_year + 1) as &str,
            "year",
            "chưa bắt đầu",
        ),
    ];
    for (q, field, message) in cases {
        let resp = app
            .send(
                Request::get(format!("/api/v1/ops/reports/docx?scope=p&{q}"))
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{q}");
        assert_eq!(
            resp.headers()[header::CONTENT_TYPE],
            "application/problem+json",
            "{q}"
        );
        let body: serde_json::Value =
            serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
        let text = body.to_string();
        assert!(
            text.contains(field) && text.contains(message),
            "{q}: {text}"
        );
    }
    let (status, _) = app
        .api(
            "GET",
            "/api/v1/ops/reports/doc?scope=p&kind=12m&year=2025",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    sign_in(&app, ADMIN).await;
    let (status, page) = app
        .get("/ops/reports?scope=p&kind=quarter&year=2025&number=5")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Kỳ báo cáo không tồn tại: không có quý 5."));
    assert!(!page.contains("data-testid=\"ops-report\""));
}

fn day(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Emails queued to `to` with a scheduled report's links.
async fn report_mails(app: &TestApp, to: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE kind = 'send_email' AND payload LIKE $1
            AND payload LIKE '%/ops/reports/runs/%'",
    )
    .bind(format!("%{to}%"))
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap()
}

async fn a_schedule_makes_and_mails_each_window_once(app: TestApp) {
    load(&app).await;
    let justice = agency_id(&app, JUSTICE).await;
    let scope = format!("a:{justice}");
    let body = |kind: &str, recipients: &[&str]| serde_json::json!({"scope": scope, "kind": kind, "recipients": recipients});
    // Sở Tư pháp's leader schedules its quarterly report; a ward's leader cannot.
    let ward = app.token(WARD_LEADER, &["ops:write"]).await;
    let (status, _) = app
        .api(
            "POST",
            "/api/v1/ops/report-schedules",
            Some(&ward),
            Some(body("quarter", &["baocao@tinhso.local"])),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let leader = app.token(JUSTICE_LEADER, &["ops:write", "ops:read"]).await;
    for (kind, recipients, field) in [
        ("week", vec!["baocao@tinhso.local"], "kind"),
        ("quarter", vec![], "recipients"),
        ("quarter", vec!["not-an-address"], "recipients"),
    ] {
        let (status, problem) = app
            .api(
                "POST",
                "/api/v1/ops/report-schedules",
                Some(&leader),
                Some(body(kind, &recipients)),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ops_report_schedules").await,
        0
    );
    let (status, created) = app
        .api(
            "POST",
            "/api/v1/ops/report-schedules",
            Some(&leader),
            Some(body("quarter", &["BaoCao@tinhso.local"])),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        created["recipients"],
        serde_json::json!(["baocao@tinhso.local"])
    );
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.count_where("audit_log", "action", "ops.report_schedule")
            .await,
        1
    );
    // A second quarterly schedule for the same scope would make the same report again each
    // window: refused, and nothing stored.
    let (status, problem) = app
        .api(
            "POST",
            "/api/v1/ops/report-schedules",
            Some(&leader),
            Some(body("quarter", &["khac@tinhso.local"])),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "kind", "{problem}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ops_report_schedules").await,
        1
    );

    // The day after quarter II closes (15 June 2025), two nodes run the sweep at once: one
    // report is made, kept and mailed; running again makes nothing more.
    let ctx = &app.state;
    let (x, y) = tokio::join!(
        tinhso_ops::report::schedule::run_due(ctx, day("2025-06-15")),
        tinhso_ops::report::schedule::run_due(ctx, day("2025-06-15")),
    );
    assert_eq!(x.unwrap() + y.unwrap(), 1);
    assert_eq!(
        tinhso_ops::report::schedule::run_due(ctx, day("2025-06-20"))
            .await
            .unwrap(),
        0
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM ops_report_runs").await, 1);
    assert_eq!(report_mails(&app, "baocao@tinhso.local").await, 1);
    let run: (String, String) = sqlx::query_as("SELECT id, period FROM ops_report_runs")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(run.1, "2025-Q2");

    // The kept report, downloaded by the leader: the Sở's late dossier of April.
    sign_in(&app, JUSTICE_LEADER).await;
    let (status, page) = app.get(&format!("/ops/reports?scope={scope}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("/ops/reports/runs/{}/docx", run.0)));
    let (status, _, docx) = fetch(&app, &format!("/ops/reports/runs/{}/docx", run.0), None).await;
    assert_eq!(status, StatusCode::OK);
    if let Some(d) = read_docx(&docx) {
        assert!(
            d["tables"]
                .to_string()
                .contains("[\"Giải quyết quá hạn\",\"1\"]"),
            "{d}"
        );
    }
    let (status, _, pdf) = fetch(&app, &format!("/ops/reports/runs/{}/pdf", run.0), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(pdf_text(&pdf).contains("quý II năm 2025"));
    // Not to a ward's leader.
    sign_in(&app, WARD_LEADER).await;
    let (status, _, _) = fetch(&app, &format!("/ops/reports/runs/{}/pdf", run.0), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The next window, once; then the schedule ended (audited) makes none.
    assert_eq!(
        tinhso_ops::report::schedule::run_due(ctx, day("2025-09-15"))
            .await
            .unwrap(),
        1
    );
    assert_eq!(report_mails(&app, "baocao@tinhso.local").await, 2);
    let (status, _) = app
        .api(
            "DELETE",
            &format!("/api/v1/ops/report-schedules/{id}"),
            Some(&leader),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.count_where("audit_log", "action", "ops.report_schedule_end")
            .await,
        1
    );
    assert_eq!(
        tinhso_ops::report::schedule::run_due(ctx, day("2025-12-15"))
            .await
            .unwrap(),
        0
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM ops_report_runs").await, 2);
}

/// A schedule is its leader's decision: a system administrator reading the scope does not see
/// its addresses, and once the leader is no longer a leader the sweep ends it (audited) instead
/// of making and mailing reports on their behalf.
async fn a_schedule_stops_with_its_creators_authority(app: TestApp) {
    load(&app).await;
    let justice = agency_id(&app, JUSTICE).await;
    let scope = format!("a:{justice}");
    let leader = app.token(JUSTICE_LEADER, &["ops:write", "ops:read"]).await;
    let (status, created) = app
        .api(
            "POST",
            "/api/v1/ops/report-schedules",
            Some(&leader),
            Some(serde_json::json!({"scope": scope, "kind": "quarter", "recipients": ["baocao@tinhso.local"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let list = format!("/api/v1/ops/report-schedules?scope={scope}");
    let (_, mine) = app.api("GET", &list, Some(&leader), None).await;
    assert_eq!(
        mine[0]["recipients"],
        serde_json::json!(["baocao@tinhso.local"])
    );
    app.enable_totp(ADMIN).await;
    let admin = app.token(ADMIN, &["ops:read"]).await;
    let (status, seen) = app.api("GET", &list, Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen[0]["kind"], "quarter", "the schedule is listed");
    assert_eq!(
        seen[0]["recipients"],
        serde_json::json!([]),
        "not its addresses"
    );

    // The leader moves to a specialist's post: the next window makes nothing and ends it.
    let leader_id = app.user_id(JUSTICE_LEADER).await;
    sqlx::query("DELETE FROM user_roles WHERE user_id = $1 AND role = 'leader'")
        .bind(&leader_id)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let made = tinhso_ops::report::schedule::run_due(&app.state, day("2025-06-15"))
        .await
        .unwrap();
    assert_eq!(made, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM ops_report_runs").await, 0);
    assert_eq!(report_mails(&app, "baocao@tinhso.local").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ops_report_schedules WHERE ended_at IS NULL")
            .await,
        0,
        "the schedule ended"
    );
    assert_eq!(
        app.count_where("audit_log", "action", "ops.report_schedule_end")
            .await,
        1
    );
}
