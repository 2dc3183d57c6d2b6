//! The operations centre's index (issue 18, docs/operations-design.md slice 3) on both
//! databases: the seeded provisional 766 version, versions imported from TOML (every error with
//! its line and column, nothing stored half), activation and retirement with audit; the index
//! computed from counters for a scope and period (a hand-computed, table-driven fixture), its
//! API and page, and who may read which scope.

use crate::common;

use axum::http::StatusCode;
use common::TestApp;
use serde_json::Value;
use tinhso::audit::Actor;
use tinhso_ops::versions;

on_both_databases!(
    the_seeded_version_is_active_provisional_and_audited,
    an_import_is_validated_whole_and_activation_is_audited,
    the_index_is_computed_from_the_counters_of_the_window,
    the_index_api_and_page_answer_only_for_scopes_held,
    the_province_index_is_in_metrics_for_prometheus,
);

async fn audit_actions(app: &TestApp, code: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE entity_type = 'ops_index_version' AND entity_id = $1
         ORDER BY seq",
    )
    .bind(code)
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap()
}

async fn versions_stored(app: &TestApp) -> Vec<(String, String)> {
    sqlx::query_as("SELECT code, status FROM ops_index_versions ORDER BY code")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap()
}

fn admin() -> Actor {
    Actor {
        label: "quantri@tinhso.local".into(),
        ip: "127.0.0.1".into(),
    }
}

async fn the_seeded_version_is_active_provisional_and_audited(app: TestApp) {
    assert_eq!(
        versions_stored(&app).await,
        vec![("766-2022-tam".to_owned(), "active".to_owned())]
    );
    assert_eq!(
        audit_actions(&app, "766-2022-tam").await,
        vec!["ops.version.imported", "ops.version.activated"]
    );
    let mut tx = app.state.db.begin().await.unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
    let v = versions::active_on(&mut tx, day).await.unwrap().unwrap();
    assert!(v.definition.provisional);
    assert_eq!(v.definition.groups.len(), 5);
    v.checked(&app.state)
        .expect("the seed validates against the modules' sources");
    let before = chrono::NaiveDate::from_ymd_opt(2022, 6, 22).unwrap();
    assert!(
        versions::active_on(&mut tx, before)
            .await
            .unwrap()
            .is_none()
    );
    // A second start seeds nothing more.
    drop(tx);
    versions::seed(&app.state).await.unwrap();
    assert_eq!(versions_stored(&app).await.len(), 1);
}

async fn an_import_is_validated_whole_and_activation_is_audited(app: TestApp) {
    let checked = versions::SEED_766
        .replace("code = \"766-2022-tam\"", "code = \"766-2027\"")
        .replace("valid_from = \"2022-06-23\"", "valid_from = \"2027-01-01\"")
        .replace(
            "provisional = true\nwhen_empty",
            "provisional = false\nwhen_empty",
        );
    // Bad: an unknown source and a group that no longer sums; nothing is stored.
    let bad = checked
        .replace("ratio(feedback.on_time,", "ratio(feedback.ontime,")
        .replace("weight = 22\n", "weight = 21\n");
    let errors = versions::import(&app.state, &admin(), &bad)
        .await
        .unwrap()
        .unwrap_err();
    let paths: Vec<_> = errors.iter().map(|e| e.path.as_str()).collect();
    assert!(paths.contains(&"groups"), "{errors:?}");
    assert!(
        paths.contains(&"groups[4].indicators[1].formula"),
        "{errors:?}"
    );
    assert!(
        errors.iter().all(|e| e.line > 0 && e.column > 0),
        "{errors:?}"
    );
    assert!(errors.iter().any(|e| e.vi.contains("feedback.on_time")));
    // Overlapping the seeded, open-ended version.
    let errors = versions::import(&app.state, &admin(), &checked)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].vi.contains("766-2022-tam"), "{errors:?}");
    assert_eq!(versions_stored(&app).await.len(), 1);
    assert!(audit_actions(&app, "766-2027").await.is_empty());

    // The seed retired, the checked version is imported, then activated.
    versions::retire(&app.state, &admin(), "766-2022-tam")
        .await
        .unwrap();
    let code = versions::import(&app.state, &admin(), &checked)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(code, "766-2027");
    let again = versions::import(&app.state, &admin(), &checked)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(again[0].path, "code");
    versions::activate(&app.state, &admin(), "766-2027")
        .await
        .unwrap();
    let err = versions::activate(&app.state, &admin(), "766-2027")
        .await
        .unwrap_err();
    assert!(
        matches!(err, tinhso::error::AppError::Conflict(_)),
        "{err:?}"
    );
    assert_eq!(
        versions_stored(&app).await,
        vec![
            ("766-2022-tam".to_owned(), "retired".to_owned()),
            ("766-2027".to_owned(), "active".to_owned()),
        ]
    );
    assert_eq!(
        audit_actions(&app, "766-2027").await,
        vec!["ops.version.imported", "ops.version.activated"]
    );
    let by: String = sqlx::query_scalar(
        "SELECT actor FROM audit_log WHERE entity_id = '766-2027' AND action = 'ops.version.activated'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(by, "quantri@tinhso.local");
}

/// (scope, grain, breakdown, period, source, n): the counters of the fixture. Rows marked
/// "noise" must not be read by the windows below.
const COUNTERS: &[(&str, &str, &str, &str, &str, i64)] = &[
    ("p", "m", "*", "2025-01", "dossier.finished", 10),
    ("p", "m", "*", "2025-02", "dossier.finished", 6),
    ("p", "m", "*", "2025-03", "dossier.finished", 4),
    ("p", "m", "*", "2025-01", "dossier.finished_on_time", 8),
    ("p", "m", "*", "2025-02", "dossier.finished_on_time", 5),
    ("p", "m", "*", "2025-03", "dossier.finished_on_time", 2),
    ("p", "m", "*", "2025-02", "dossier.rated", 8),
    ("p", "m", "*", "2025-02", "dossier.rated_satisfied", 6),
    ("p", "m", "*", "2025-01", "feedback.received", 10),
    ("p", "m", "*", "2025-01", "feedback.on_time", 6),
    ("p", "m", "*", "2025-03", "feedback.answered_late", 2),
    ("p", "m", "*", "2025-02", "feedback.open", 2),
    ("p", "m", "*", "2025-02", "feedback.dissatisfied", 1),
    // Decree 09 months (2025-01 is 15 Dec 2024 → 14 Jan 2025).
    ("p", "r", "*", "2025-01", "dossier.finished", 4),
    ("p", "r", "*", "2025-02", "dossier.finished_on_time", 3),
    // Noise: a day row inside whole months, a breakdown key, another scope, a month outside.
    ("p", "d", "*", "2025-01-05", "dossier.finished", 99),
    ("p", "m", "civil", "2025-01", "dossier.finished", 50),
    ("a:other", "m", "*", "2025-01", "dossier.finished", 77),
    ("p", "m", "*", "2025-04", "dossier.finished_on_time", 33),
];

async fn load_counters(app: &TestApp) {
    sqlx::query("DELETE FROM ops_counters")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    for (scope, grain, key, period, source, n) in COUNTERS {
        sqlx::query(
            "INSERT INTO ops_counters (scope, grain, breakdown, period, source, n)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(scope)
        .bind(grain)
        .bind(key)
        .bind(period)
        .bind(source)
        .bind(n)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    }
}

fn points(v: &tinhso_ops::index::IndexView) -> Vec<(String, Option<f64>)> {
    v.groups
        .iter()
        .flat_map(|g| g.indicators.iter().map(|i| (i.key.clone(), i.points)))
        .filter(|(_, p)| p.is_some())
        .collect()
}

async fn the_index_is_computed_from_the_counters_of_the_window(app: TestApp) {
    use tinhso_domain::ops::period::Basis;
    use tinhso_domain::ops::scope::Scope;
    load_counters(&app).await;
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
    let p = |k: &str, x: f64| (k.to_owned(), Some(x));
    // (period, basis, total, groups' points [publicity, progress, digitisation, online,
    // satisfaction], indicators with points)
    type Row = (
        &'static str,
        Basis,
        f64,
        [Option<f64>; 5],
        Vec<(String, Option<f64>)>,
    );
    let rows: Vec<Row> = vec![
        // 2.1: 20 × 15/20 = 15. 5.1: 6 × 6/8 = 4.5. 5.2: 6 × 6/(6 + 2 + 2) = 3.6.
        // 5.3: 6 × (10 − 1 − 2 − 2)/10 = 3. Groups 1, 3, 4 are declared, none yet: no data.
        (
            "2025-Q1",
            Basis::Calendar,
            26.1,
            [None, Some(15.0), None, None, Some(11.1)],
            vec![p("2.1", 15.0), p("5.1", 4.5), p("5.2", 3.6), p("5.3", 3.0)],
        ),
        // January alone: 2.1 = 20 × 8/10 = 16; 5.2 = 6 × 6/6 = 6; 5.3 = 6 × 10/10 = 6;
        // no rating: 5.1 left out and the group scaled: (6 + 6) × 18/12 = 18.
        (
            "2025-M01",
            Basis::Calendar,
            34.0,
            [None, Some(16.0), None, None, Some(18.0)],
            vec![p("2.1", 16.0), p("5.2", 6.0), p("5.3", 6.0)],
        ),
        // Decree 09's first quarter reads the `r` months: 20 × 3/4 = 15; no feedback.
        (
            "2025-Q1",
            Basis::Decree09,
            15.0,
            [None, Some(15.0), None, None, None],
            vec![p("2.1", 15.0)],
        ),
        // One day reads its day row: 99 finished, none on time.
        (
            "2025-01-05..2025-01-05",
            Basis::Calendar,
            0.0,
            [None, Some(0.0), None, None, None],
            vec![p("2.1", 0.0)],
        ),
        // A window with no counters at all.
        ("2024-Y", Basis::Calendar, 0.0, [None; 5], vec![]),
    ];
    for (period, basis, total, groups, indicators) in rows {
        let v = tinhso_ops::index::compute(&app.state, &Scope::Province, period, basis, today)
            .await
            .unwrap();
        let what = format!("{period} {basis:?}");
        assert_eq!(v.total, total, "{what}");
        let got: Vec<_> = v.groups.iter().map(|g| g.points).collect();
        assert_eq!(got, groups.to_vec(), "{what}");
        assert_eq!(points(&v), indicators, "{what}");
        assert_eq!(v.version, "766-2022-tam");
        assert!(v.provisional && !v.complete, "{what}");
    }
    // The sources an indicator reads, with their values.
    let v = tinhso_ops::index::compute(
        &app.state,
        &Scope::Province,
        "2025-Q1",
        Basis::Calendar,
        today,
    )
    .await
    .unwrap();
    let i52 = &v.groups[4].indicators[1];
    let sources: Vec<_> = i52
        .sources
        .iter()
        .map(|s| (s.name.as_str(), s.value))
        .collect();
    assert_eq!(
        sources,
        vec![
            ("feedback.on_time", 6),
            ("feedback.answered_late", 2),
            ("feedback.open", 2)
        ]
    );
    assert!(v.groups[0].indicators.iter().all(|i| i.declared));
    // Open items count only on due days before today: seen on 10 February 2025 the window of
    // the open sources ends on the 9th, so January's month row and February's day rows (none
    // here) are read, not February's month row.
    let early = chrono::NaiveDate::from_ymd_opt(2025, 2, 10).unwrap();
    let v = tinhso_ops::index::compute(
        &app.state,
        &Scope::Province,
        "2025-Q1",
        Basis::Calendar,
        early,
    )
    .await
    .unwrap();
    let i52 = &v.groups[4].indicators[1];
    assert_eq!(i52.points, Some(4.5), "6 × 6/(6 + 2 + 0)");
    // A period that does not exist.
    for bad in [
        "2025-M13",
        "2025-Q5",
        "2025-02-30..2025-03-01",
        "2026-01-01..2025-01-01",
    ] {
        let err =
            tinhso_ops::index::compute(&app.state, &Scope::Province, bad, Basis::Calendar, today)
                .await
                .unwrap_err();
        match err {
            tinhso::error::AppError::Validation(e) => {
                assert_eq!(e[0].field, "period", "{bad}");
                assert!(
                    e[0].message.starts_with("Kỳ không tồn tại"),
                    "{bad}: {}",
                    e[0].message
                );
            }
            other => panic!("{bad}: {other:?}"),
        }
    }
}

async fn agency_id(app: &TestApp, code: &str) -> String {
    sqlx::query_scalar("SELECT id FROM agencies WHERE code = $1")
        .bind(code)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

const PASSWORD: &str = "TinhSo@2026";
const ADMIN: &str = "admin@tinhso.local";
const WARD_LEADER: &str = "lanhdao.hacthanh@tinhso.local";
const WARD_SPECIALIST: &str = "chuyenvien.hacthanh@tinhso.local";
const JUSTICE_LEADER: &str = "lanhdao.tuphap@tinhso.local";

async fn the_index_api_and_page_answer_only_for_scopes_held(app: TestApp) {
    load_counters(&app).await;
    let ward = format!("a:{}", agency_id(&app, "000.00.60.H56").await);
    let ward_culture = format!("a:{}", agency_id(&app, "000.01.60.H56").await);
    let justice = format!("a:{}", agency_id(&app, "000.00.14.H56").await);
    app.enable_totp(ADMIN).await;
    let admin = app.token(ADMIN, &["ops:read"]).await;
    let ward_leader = app.token(WARD_LEADER, &["ops:read"]).await;
    let justice_leader = app.token(JUSTICE_LEADER, &["ops:read"]).await;
    let specialist = app.token(WARD_SPECIALIST, &["ops:read"]).await;
    let no_scope = app.token(WARD_LEADER, &["tasks"]).await;
    let url =
        |scope: &str, period: &str| format!("/api/v1/ops/index?scope={scope}&period={period}");
    // (who, scope, status)
    let rows: Vec<(&str, &str, &str, StatusCode)> = vec![
        ("admin", &admin, "p", StatusCode::OK),
        ("admin", &admin, &justice, StatusCode::OK),
        ("admin", &admin, "a:no-such-agency", StatusCode::NOT_FOUND),
        ("admin", &admin, "u:99999", StatusCode::NOT_FOUND),
        ("ward leader", &ward_leader, &ward, StatusCode::OK),
        ("ward leader", &ward_leader, &ward_culture, StatusCode::OK),
        ("ward leader", &ward_leader, "u:14932", StatusCode::OK),
        ("ward leader", &ward_leader, "p", StatusCode::NOT_FOUND),
        ("ward leader", &ward_leader, &justice, StatusCode::NOT_FOUND),
        (
            "ward leader",
            &ward_leader,
            "u:15001",
            StatusCode::NOT_FOUND,
        ),
        ("justice leader", &justice_leader, &justice, StatusCode::OK),
        (
            "justice leader",
            &justice_leader,
            &ward,
            StatusCode::NOT_FOUND,
        ),
        ("ward specialist", &specialist, &ward, StatusCode::NOT_FOUND),
        (
            "token without ops:read",
            &no_scope,
            &ward,
            StatusCode::FORBIDDEN,
        ),
    ];
    for (who, token, scope, want) in rows {
        let (status, body) = app
            .api("GET", &url(scope, "2025-Q1"), Some(token), None)
            .await;
        assert_eq!(status, want, "{who} {scope}: {body}");
    }
    let (status, body) = app
        .api("GET", &url("p", "2025-Q1"), Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["total"], 26.1);
    assert_eq!(body["from"], "2025-01-01");
    assert_eq!(body["groups"][1]["indicators"][0]["points"], 15.0);
    assert_eq!(body["groups"][0]["points"], Value::Null);
    // A period that does not exist: 422 on `period`, in Vietnamese.
    let (status, body) = app
        .api("GET", &url("p", "2025-M13"), Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "period");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .starts_with("Kỳ không tồn tại"),
        "{body}"
    );
    let (status, _) = app
        .api(
            "GET",
            "/api/v1/ops/index?period=2025-Q1&basis=lunar",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // The page: the ward leader sees their unit first, Vietnamese, provisional weights shown.
    app.login(WARD_LEADER, PASSWORD).await;
    let (status, page) = app.get("/ops?period=2025-Q1").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    for part in [
        "Chỉ số phục vụ người dân, doanh nghiệp",
        "value=\"u:14932\"",
        "trọng số tạm",
        "tự khai",
        "data-testid=\"ops-indicator-2.1\"",
        "dossier.finished_on_time",
    ] {
        assert!(page.contains(part), "{part}");
    }
    let (status, page) = app.get("/ops?period=2025-M13").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Kỳ không tồn tại"), "the period's message");
    assert!(
        page.contains("value=\"2025-M13\""),
        "what was typed is kept"
    );
    let (status, _) = app.get("/ops?scope=p&period=2025-Q1").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.clear_cookies();
    app.login(WARD_SPECIALIST, PASSWORD).await;
    let (status, _) = app.get("/ops").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// The process's Prometheus recorder (one per process: every test app shares it).
fn recorder() -> metrics_exporter_prometheus::PrometheusHandle {
    static HANDLE: std::sync::OnceLock<metrics_exporter_prometheus::PrometheusHandle> =
        std::sync::OnceLock::new();
    HANDLE
        .get_or_init(|| {
            metrics_exporter_prometheus::PrometheusBuilder::new()
                .install_recorder()
                .expect("no other recorder in the test process")
        })
        .clone()
}

async fn the_province_index_is_in_metrics_for_prometheus(app: TestApp) {
    use tinhso_domain::ops::period::Basis;
    use tinhso_domain::ops::scope::Scope;
    // On the first day of the current Decree 09 month: 10 dossiers finished, 8 of them on
    // time, counted in each grain as the counting writes them (the day, its calendar month,
    // its Decree 09 month).
    let today = tinhso::time::local_now().date();
    let [(_, year), (_, month)] = tinhso_ops::gauges::windows(today);
    let first = tinhso_ops::index::window_of(&month, Basis::Decree09)
        .unwrap()
        .from;
    let (y, m) = tinhso_domain::ops::period::decree09_month_of(first);
    let rows = [
        ("d", first.format("%Y-%m-%d").to_string()),
        ("m", first.format("%Y-%m").to_string()),
        ("r", format!("{y}-{m:02}")),
    ];
    sqlx::query("DELETE FROM ops_counters")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    for (source, n) in [("dossier.finished", 10), ("dossier.finished_on_time", 8)] {
        for (grain, period) in &rows {
            sqlx::query(
                "INSERT INTO ops_counters (scope, grain, breakdown, period, source, n)
                 VALUES ('p', $1, '*', $2, $3, $4)",
            )
            .bind(grain)
            .bind(period)
            .bind(source)
            .bind(n)
            .execute(&app.state.db.pool)
            .await
            .unwrap();
        }
    }
    let computed = |period: String| {
        let state = app.state.clone();
        async move {
            tinhso_ops::index::compute(&state, &Scope::Province, &period, Basis::Decree09, today)
                .await
                .unwrap()
        }
    };
    let year_view = computed(year.clone()).await;
    let month_view = computed(month.clone()).await;
    // The gauges are the index as the page computes it: 2.1 = 20 × 8/10 = 16 in both windows.
    let gauges = (tinhso_ops::gauges::INDEX.read)(&app.state).await.unwrap();
    let value = |name: &str, labels: &[(&str, &str)]| {
        gauges
            .iter()
            .filter(|g| g.name == name)
            .find(|g| {
                labels
                    .iter()
                    .all(|(k, v)| g.labels.iter().any(|(gk, gv)| gk == k && gv == v))
            })
            .map(|g| g.value)
    };
    let total = "tinhso_index_points";
    assert_eq!(
        value(total, &[("group", "total"), ("window", "year")]),
        Some(year_view.total)
    );
    assert_eq!(
        value(total, &[("group", "total"), ("window", "month")]),
        Some(month_view.total)
    );
    for window in ["year", "month"] {
        assert_eq!(
            value(total, &[("group", "progress"), ("window", window)]),
            Some(16.0)
        );
        assert_eq!(
            value(
                "tinhso_index_indicator_points",
                &[
                    ("indicator", "2.1"),
                    ("window", window),
                    ("declared", "false")
                ]
            ),
            Some(16.0)
        );
        assert_eq!(
            value(total, &[("group", "publicity"), ("window", window)]),
            None,
            "a group without data is left out, not reported as 0"
        );
    }

    // Through `/metrics` with the operator's token, as Prometheus scrapes it.
    let handle = recorder();
    let mut state = app.state.clone();
    let mut config = (*state.config).clone();
    config.metrics_token = Some(tinhso::config::Secret("operator-secret".into()));
    state.config = std::sync::Arc::new(config);
    state.metrics = Some(handle);
    let router = tinhso::app::router(state);
    let resp = tower::ServiceExt::oneshot(
        router,
        axum::http::Request::get("/metrics")
            .header(axum::http::header::AUTHORIZATION, "Bearer operator-secret")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let (_, body) = common::text(resp).await;
    for line in [
        "tinhso_index_points{scope=\"province\",group=\"total\",window=\"year\"}",
        "tinhso_index_indicator_points{indicator=\"2.1\",window=\"month\",declared=\"false\"}",
    ] {
        assert!(body.contains(line), "{line} in:\n{body}");
    }
}
