//! The platform's own data, live (issue 17 item 6; docs/opendata-design.md §10), on both
//! databases: the sweep a node runs at start publishes every dataset the modules declare —
//! the procedure catalog, the agency directory, the one-stop statistics by agency and month,
//! the feedback statistics by agency, month, category and status, the yearly service
//! statistics — as public datasets of the publisher agency (CKAN, DCAT, the datastore), with
//! exactly their declared columns (no personal data); a feedback report filed and a dossier
//! finished mark the statistics stale and the next sweep shows the figures counted here by
//! hand; two nodes sweeping at once make one version; unchanged rows make none; a dataset a
//! system administrator took down is not refreshed until republished (audited, refreshed at
//! once); an agency renamed and a procedure edited mark the directory and the catalog stale
//! and the next sweep publishes their new names.

use crate::common;

use crate::common::TestApp;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Datelike;
use serde_json::{Value, json};
use tinhso::periods::Span;
use tinhso_opendata::live::{Outcome, refresh_live};

on_both_databases!(
    the_platform_datasets_are_published_at_first_start,
    a_report_and_a_dossier_refresh_the_statistics_to_the_hand_counted_figures,
    two_nodes_make_one_version_and_unchanged_rows_none,
    an_unpublished_live_dataset_is_left_alone_until_an_administrator_republishes_it,
    renaming_an_agency_or_a_procedure_refreshes_their_datasets,
    closed_months_come_from_the_kept_copy_and_this_month_is_counted_again,
    a_report_changed_in_a_closed_month_moves_its_kept_rows_at_once,
);

const PASSWORD: &str = "TinhSo@2026";

/// Every declared dataset and its columns, written out: a column added to one (a person's
/// name, a report's text) fails here until someone decides it is public.
const DECLARED: &[(&str, &[&str])] = &[
    (
        "agencies",
        &[
            "code",
            "name",
            "kind",
            "parent_code",
            "admin_unit_code",
            "address",
            "phone",
            "email",
            "website",
        ],
    ),
    (
        "procedures",
        &[
            "code",
            "local_code",
            "name",
            "field",
            "level",
            "processing_days",
            "fee_vnd",
            "online_level",
            "agency_code",
        ],
    ),
    (
        "onestop-statistics-monthly",
        &[
            "month",
            "agency_code",
            "agency_name",
            "received",
            "processed",
            "on_time",
            "on_time_rate",
        ],
    ),
    (
        "feedback-statistics-monthly",
        &[
            "month",
            "agency_code",
            "agency_name",
            "category_code",
            "category_name",
            "status",
            "reports",
        ],
    ),
    (
        "service-statistics",
        &[
            "year",
            "kind",
            "agency_code",
            "agency_name",
            "received",
            "processed",
            "on_time",
            "on_time_rate",
            "rated",
            "satisfaction_rate",
        ],
    ),
];

async fn ckan(app: &TestApp, action: &str, params: Value) -> Value {
    let req = Request::post(format!("/api/3/action/{action}"))
        .header("content-type", "application/json")
        .body(Body::from(params.to_string()))
        .unwrap();
    let (status, body) = common::text(app.send(req).await).await;
    assert_eq!(status, StatusCode::OK, "{action} {params}: {body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["success"], true, "{body}");
    v["result"].clone()
}

/// The id of the dataset's resource named `name` (package_show).
async fn resource(app: &TestApp, dataset: &str, format: &str) -> String {
    let p = ckan(app, "package_show", json!({"id": dataset})).await;
    p["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["format"] == format && !r["url"].as_str().unwrap().contains("/api/v1/"))
        .unwrap_or_else(|| panic!("{dataset}: no {format} file in {p}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Every row of the dataset's datastore table, and its field names (without `_id`).
async fn table(app: &TestApp, dataset: &str) -> (Vec<String>, Vec<Value>) {
    let rid = resource(app, dataset, "CSV").await;
    let r = ckan(
        app,
        "datastore_search",
        json!({"resource_id": rid, "limit": 32000}),
    )
    .await;
    let fields = r["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .filter(|f| f != "_id")
        .collect();
    (fields, r["records"].as_array().unwrap().clone())
}

/// The integer in column `figure` of the row whose columns match `key` (0 when no row).
fn figure(rows: &[Value], key: &[(&str, &str)], figure: &str) -> i64 {
    let found: Vec<&Value> = rows
        .iter()
        .filter(|r| key.iter().all(|(k, v)| r[*k] == *v))
        .collect();
    assert!(found.len() <= 1, "{key:?} names one row: {found:?}");
    found.first().map_or(0, |r| r[figure].as_i64().unwrap())
}

async fn versions(app: &TestApp, dataset: &str) -> i64 {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM opendata_versions v
         JOIN opendata_live l ON l.csv_resource_id = v.resource_id WHERE l.name = $1",
    )
    .bind(dataset)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    n
}

async fn stale(app: &TestApp, dataset: &str) -> bool {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM opendata_live WHERE name = $1 AND stale_since IS NOT NULL",
    )
    .bind(dataset)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    n == 1
}

async fn the_platform_datasets_are_published_at_first_start(app: TestApp) {
    let declared: Vec<&str> = tinhso::app::datasets()
        .iter()
        .map(|(_, d)| d.name)
        .collect();
    let mut want: Vec<&str> = DECLARED.iter().map(|(n, _)| *n).collect();
    let mut have = declared.clone();
    want.sort_unstable();
    have.sort_unstable();
    assert_eq!(
        have, want,
        "every declared dataset is listed here with its columns"
    );

    let n = declared.len();
    let first = refresh_live(&app.state).await.unwrap();
    assert_eq!(
        first,
        Outcome {
            created: n,
            checked: n,
            versioned: n
        }
    );

    let list = ckan(&app, "package_list", json!({})).await;
    let (root, root_name): (String, String) = sqlx::query_as(
        "SELECT code, name FROM agencies WHERE parent_id IS NULL ORDER BY code LIMIT 1",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    for (name, columns) in DECLARED {
        assert!(
            list.as_array().unwrap().iter().any(|v| v == name),
            "{name} in {list}"
        );
        let p = ckan(&app, "package_show", json!({"id": name})).await;
        assert_eq!(p["state"], "active");
        assert_eq!(p["organization"]["title"], root_name.as_str(), "{p}");
        assert!(
            p["extras"].to_string().contains("UPDATE_CONT"),
            "continuously updated: {}",
            p["extras"]
        );
        let formats: Vec<&str> = p["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["format"].as_str().unwrap())
            .collect();
        assert_eq!(formats, ["CSV", "JSON", "JSON"], "{name}");
        let live = p["resources"][2]["url"].as_str().unwrap();
        assert!(
            live.ends_with(&format!("/api/v1/datasets/{name}")),
            "the address dashboards read: {live}"
        );

        // No personal data: the table's columns are exactly the declared ones.
        let (fields, rows) = table(&app, name).await;
        assert_eq!(fields, *columns, "{name}");
        // The demo province's registers have rows; its statistics start empty (no dossier or
        // report yet), a table with no rows.
        if ["agencies", "procedures"].contains(name) {
            assert!(!rows.is_empty(), "{name} has rows in the demo province");
        }
        let all = serde_json::to_string(&rows).unwrap();
        for personal in ["congdan@tinhso.local", "Nguyễn Văn An", "038090000111"] {
            assert!(!all.contains(personal), "{name} shows {personal}");
        }

        // The files download, the CSV as written with its header.
        let csv = &p["resources"][0]["url"];
        let path = csv.as_str().unwrap();
        let path = &path[path.find("/opendata/").unwrap()..];
        let (status, body) = app.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            body.trim_start_matches('\u{feff}')
                .starts_with(&columns.join(",")),
            "{name}: {}",
            &body[..body.len().min(200)]
        );
    }
    assert_eq!(
        app.count_where("audit_log", "action", "opendata.live_create")
            .await,
        n as i64,
        "each made once, audited"
    );
    let org = tinhso_opendata::ckan::org_name(&root);
    let orgs = ckan(&app, "organization_list", json!({})).await;
    assert!(orgs.to_string().contains(&org), "{orgs}");

    // DCAT: the catalogue describes them, continuously updated.
    let (status, ttl) = app.get("/opendata/catalog.ttl").await;
    assert_eq!(status, StatusCode::OK);
    for (name, _) in DECLARED {
        assert!(
            ttl.contains(&format!("/opendata/datasets/{name}#dataset")),
            "{name} in the catalogue"
        );
    }
    assert!(ttl.contains("UPDATE_CONT"));

    // A second start makes nothing again.
    let again = refresh_live(&app.state).await.unwrap();
    assert_eq!(again, Outcome::default());
}

async fn a_report_and_a_dossier_refresh_the_statistics_to_the_hand_counted_figures(
    mut app: TestApp,
) {
    // The province names its own publisher.
    app.restart_with(|c| c.opendata.platform_publisher = Some("000.00.60.H56".into()))
        .await;
    refresh_live(&app.state).await.unwrap();
    let p = ckan(
        &app,
        "package_show",
        json!({"id": "feedback-statistics-monthly"}),
    )
    .await;
    assert_eq!(p["organization"]["name"], "000-00-60-h56");
    let (_, before) = table(&app, "feedback-statistics-monthly").await;
    assert!(!stale(&app, "feedback-statistics-monthly").await);

    // A citizen files a report.
    app.login("congdan@tinhso.local", PASSWORD).await;
    let mut fields = crate::feedback::POTHOLE.to_vec();
    fields.push(("_key", "live-1"));
    let (status, _, _) = crate::feedback::post_report(&app, &fields, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    app.clear_cookies();
    assert!(stale(&app, "feedback-statistics-monthly").await);
    assert!(
        !stale(&app, "onestop-statistics-monthly").await,
        "a report changes no dossier figure"
    );

    let (agency, status, month): (String, String, String) = sqlx::query_as(
        "SELECT a.code, r.status, SUBSTR(r.received_local, 1, 7)
         FROM feedback_reports r JOIN agencies a ON a.id = r.agency_id
         WHERE r.title = 'Ổ gà lớn trên đường Lê Lai'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let key = [
        ("month", month.as_str()),
        ("agency_code", agency.as_str()),
        ("category_code", "giao-thong"),
        ("status", status.as_str()),
    ];
    let counted: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM feedback_reports r JOIN agencies a ON a.id = r.agency_id
         WHERE a.code = $1 AND r.category_code = 'giao-thong' AND r.status = $2
           AND SUBSTR(r.received_local, 1, 7) = $3",
    )
    .bind(&agency)
    .bind(&status)
    .bind(&month)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();

    let outcome = refresh_live(&app.state).await.unwrap();
    assert!(outcome.versioned >= 1, "{outcome:?}");
    assert!(!stale(&app, "feedback-statistics-monthly").await);
    let (_, after) = table(&app, "feedback-statistics-monthly").await;
    let was = figure(&before, &key, "reports");
    let now = figure(&after, &key, "reports");
    assert_eq!(now, was + 1, "{key:?}");
    assert_eq!(now, counted, "{key:?}");
    let all = serde_json::to_string(&after).unwrap();
    assert!(
        !all.contains("ổ gà sâu") && !all.contains("Lê Lai"),
        "no report text"
    );

    // A dossier submitted and finished today at the commune.
    let (_, before) = table(&app, "onestop-statistics-monthly").await;
    let month = (chrono::Utc::now() + chrono::Duration::hours(7))
        .format("%Y-%m")
        .to_string();
    let key = [
        ("month", month.as_str()),
        ("agency_code", crate::dossiers::COMMUNE),
    ];
    crate::dossiers::finished_dossier(&app, "live-dossier").await;
    assert!(stale(&app, "onestop-statistics-monthly").await);
    refresh_live(&app.state).await.unwrap();
    let (_, after) = table(&app, "onestop-statistics-monthly").await;
    assert_eq!(
        figure(&after, &key, "received"),
        figure(&before, &key, "received") + 1
    );
    assert_eq!(
        figure(&after, &key, "processed"),
        figure(&before, &key, "processed") + 1
    );
    let row = after
        .iter()
        .find(|r| key.iter().all(|(k, v)| r[*k] == *v))
        .unwrap();
    let processed = row["processed"].as_i64().unwrap();
    if processed < 5 {
        assert_eq!(row["on_time"], Value::Null, "withheld under 5 cases");
        assert_eq!(row["on_time_rate"], Value::Null);
    } else {
        let on_time = row["on_time"].as_i64().unwrap() as f64;
        let rate = (on_time * 1000.0 / processed as f64).round() / 10.0;
        assert_eq!(row["on_time_rate"].as_f64().unwrap(), rate);
    }
}

async fn two_nodes_make_one_version_and_unchanged_rows_none(app: TestApp) {
    refresh_live(&app.state).await.unwrap();
    let name = "feedback-statistics-monthly";
    assert_eq!(versions(&app, name).await, 1);
    let idle = refresh_live(&app.state).await.unwrap();
    assert_eq!(idle.checked, 0, "nothing due");

    app.login("congdan@tinhso.local", PASSWORD).await;
    let mut fields = crate::feedback::POTHOLE.to_vec();
    fields.push(("_key", "live-2"));
    crate::feedback::post_report(&app, &fields, &[]).await;
    app.clear_cookies();
    assert!(stale(&app, name).await);

    // A second node on the same database, both sweeping at once.
    let other = tinhso::app::start((*app.state.config).clone(), None)
        .await
        .unwrap();
    let (a, b) = tokio::join!(refresh_live(&app.state), refresh_live(&other));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        versions(&app, name).await,
        2,
        "one new version: {a:?} {b:?}"
    );
    assert!(!stale(&app, name).await);
    assert_eq!(
        app.count_where("audit_log", "action", "opendata.live_refresh")
            .await,
        (DECLARED.len() + a.versioned + b.versioned) as i64
    );

    // Marked stale with nothing changed: read again, no version.
    sqlx::query("UPDATE opendata_live SET stale_since = $1")
        .bind(tinhso::time::now_text())
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let same = refresh_live(&app.state).await.unwrap();
    assert_eq!(same.checked, DECLARED.len());
    assert_eq!(same.versioned, 0);
    assert_eq!(versions(&app, name).await, 2);
    assert!(!stale(&app, name).await);
}

const ADMIN: &str = "admin@tinhso.local";

/// The system administrator, signed in with a second factor; `later`: a second sign-in, with
/// the next time step's code (a step's code is taken once).
async fn sign_in_admin(app: &TestApp, later: bool) {
    app.clear_cookies();
    let secret = app.enable_totp(ADMIN).await;
    app.login(ADMIN, PASSWORD).await;
    let at = chrono::Utc::now().timestamp() as u64 + if later { 30 } else { 0 };
    let code = tinhso::auth::totp::code_at(&secret, at).unwrap();
    let (status, body, _) = app
        .post_form("/login/totp", "/login/totp", &[("code", &code)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
}

async fn dataset_state(app: &TestApp, dataset: &str) -> (String, String) {
    sqlx::query_as(
        "SELECT d.id, d.state FROM opendata_datasets d
         JOIN opendata_live l ON l.dataset_id = d.id WHERE l.name = $1",
    )
    .bind(dataset)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap()
}

async fn an_unpublished_live_dataset_is_left_alone_until_an_administrator_republishes_it(
    app: TestApp,
) {
    refresh_live(&app.state).await.unwrap();
    let name = "feedback-statistics-monthly";
    let (id, state) = dataset_state(&app, name).await;
    assert_eq!(state, "published");
    let office = format!("/office/opendata/{id}");
    let decision = format!("/office/opendata/{id}/decision");

    // The system administrator takes it down, with a reason.
    sign_in_admin(&app, false).await;
    let (status, body, _) = app
        .post_form(
            &office,
            &decision,
            &[
                ("decision", "unpublish"),
                ("reason", "Kiểm tra lại số liệu"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(dataset_state(&app, name).await.1, "unpublished");
    app.clear_cookies();
    let (status, _) = app.get(&format!("/opendata/datasets/{name}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A report makes it stale; sweeps leave it as it is, however often.
    app.login("congdan@tinhso.local", PASSWORD).await;
    let mut fields = crate::feedback::POTHOLE.to_vec();
    fields.push(("_key", "live-down"));
    crate::feedback::post_report(&app, &fields, &[]).await;
    app.clear_cookies();
    assert!(stale(&app, name).await);
    for _ in 0..2 {
        refresh_live(&app.state).await.unwrap();
    }
    assert_eq!(versions(&app, name).await, 1, "not refreshed while down");
    assert!(stale(&app, name).await);
    // Even a day later.
    sqlx::query("UPDATE opendata_live SET checked_at = '2000-01-01T00:00:00Z' WHERE name = $1")
        .bind(name)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    refresh_live(&app.state).await.unwrap();
    assert_eq!(versions(&app, name).await, 1);

    // Nobody else republishes it: the publisher's own leader sees its page without the
    // action, and is refused when asking anyway.
    let (publisher,): (String,) = sqlx::query_as(
        "SELECT u.email FROM users u JOIN opendata_datasets d ON d.agency_id = u.agency_id
         WHERE d.id = $1 AND u.email LIKE 'lanhdao.%' ORDER BY u.email LIMIT 1",
    )
    .bind(&id)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    app.clear_cookies();
    app.login(&publisher, PASSWORD).await;
    let (status, html) = app.get(&office).await;
    assert_eq!(status, StatusCode::OK, "{publisher}");
    assert!(!html.contains("data-testid=\"od-republish\""));
    let (status, _, _) = app
        .post_form(&office, &decision, &[("decision", "republish")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(dataset_state(&app, name).await.1, "unpublished");

    // Without the form's token, not even the administrator.
    sign_in_admin(&app, true).await;
    let req = Request::post(&decision)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("decision=republish"))
        .unwrap();
    assert_eq!(app.send(req).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(dataset_state(&app, name).await.1, "unpublished");

    // The administrator's page offers it; republished, it is refreshed at once.
    let (status, html) = app.get(&office).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-testid=\"od-republish\""), "{html}");
    let (status, body, location) = app
        .post_form(&office, &decision, &[("decision", "republish")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(
        location.as_deref(),
        Some(format!("{office}?done=republish").as_str())
    );
    assert_eq!(dataset_state(&app, name).await.1, "published");
    assert_eq!(versions(&app, name).await, 2, "refreshed on republish");
    assert!(!stale(&app, name).await);
    assert_eq!(
        app.count_where("audit_log", "action", "opendata.live_republish")
            .await,
        1
    );
    // Twice: nothing to republish.
    let (status, _, _) = app
        .post_form(&office, &decision, &[("decision", "republish")])
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    app.clear_cookies();
    let p = ckan(&app, "package_show", json!({"id": name})).await;
    assert_eq!(p["state"], "active");
}

async fn renaming_an_agency_or_a_procedure_refreshes_their_datasets(app: TestApp) {
    refresh_live(&app.state).await.unwrap();
    assert!(!stale(&app, "agencies").await && !stale(&app, "procedures").await);
    // Nothing else announces a change: a second sweep checks nothing.
    assert_eq!(refresh_live(&app.state).await.unwrap().checked, 0);
    app.enable_totp(ADMIN).await;
    let token = app
        .token(ADMIN, &["directory:write", "catalog:write"])
        .await;

    // The directory: an agency renamed.
    let code = "000.00.14.H56";
    let (_, mut agency) = app
        .api("GET", &format!("/api/v1/agencies/{code}"), None, None)
        .await;
    let renamed = "Sở Tư pháp tỉnh (đổi tên thử)";
    agency["name"] = json!(renamed);
    let (status, body) = app
        .api(
            "PUT",
            &format!("/api/v1/agencies/{code}"),
            Some(&token),
            Some(agency.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(stale(&app, "agencies").await);
    assert!(!stale(&app, "procedures").await, "no procedure changed");
    // Saved again unchanged: no event, nothing made stale.
    refresh_live(&app.state).await.unwrap();
    assert!(!stale(&app, "agencies").await);
    let (_, rows) = table(&app, "agencies").await;
    let row = rows.iter().find(|r| r["code"] == code).unwrap();
    assert_eq!(row["name"], renamed);
    let before = versions(&app, "agencies").await;
    let (status, _) = app
        .api(
            "PUT",
            &format!("/api/v1/agencies/{code}"),
            Some(&token),
            Some(agency),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!stale(&app, "agencies").await);
    assert_eq!(versions(&app, "agencies").await, before);
    // A new agency is announced too.
    let (status, body) = app
        .api(
            "POST",
            "/api/v1/agencies",
            Some(&token),
            Some(
                json!({"code": "000.09.14.H56", "name": "Phòng Công chứng số 9",
                "kind": "unit", "parent_code": code}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(stale(&app, "agencies").await);
    refresh_live(&app.state).await.unwrap();
    let (_, rows) = table(&app, "agencies").await;
    assert!(rows.iter().any(|r| r["name"] == "Phòng Công chứng số 9"));

    // The catalog: a procedure renamed.
    let path = "/api/v1/procedures/1.001193";
    let (_, mut procedure) = app.api("GET", path, None, None).await;
    let name = "Thủ tục thử nghiệm đã đổi tên";
    procedure["name"] = json!(name);
    let (status, body) = app.api("PUT", path, Some(&token), Some(procedure)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(stale(&app, "procedures").await);
    let outcome = refresh_live(&app.state).await.unwrap();
    assert_eq!(outcome.versioned, 1, "{outcome:?}");
    let (_, rows) = table(&app, "procedures").await;
    assert!(
        rows.iter()
            .any(|r| r["code"] == "1.001193" && r["name"] == name),
        "the new name is published"
    );
}

/// The rows of a platform dataset as its live address reads them now.
async fn live(app: &TestApp, dataset: &str) -> Vec<Value> {
    let path = format!("/api/v1/datasets/{dataset}");
    let (status, body) = app.api("GET", &path, None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["records"].as_array().unwrap().clone()
}

/// An agency's dossiers received and processed over a span, counted over every dossier (the
/// officials' statistics).
async fn counted(app: &TestApp, agency: &str, span: Span) -> (i64, i64) {
    let filter = tinhso_onestop::dossiers::stats::Filter {
        by: tinhso_onestop::dossiers::stats::By::Agency,
        from: Some(span.first.to_string()),
        to: Some(span.last.to_string()),
    };
    let report = tinhso_onestop::dossiers::stats::report(&app.state.db, &filter, None)
        .await
        .unwrap();
    report
        .rows
        .iter()
        .find(|r| r.key == agency)
        .map_or((0, 0), |r| (r.received, r.processed))
}

/// Moves a dossier's submission (and end, if it has one) to other times: a correction made
/// in the database, which no event announces.
async fn move_dossier(app: &TestApp, id: &str, submitted: &str, finished: Option<&str>) {
    sqlx::query("UPDATE dossiers SET submitted_at = $2, finished_at = $3 WHERE id = $1")
        .bind(id)
        .bind(submitted)
        .bind(finished)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
}

/// The published statistics count a closed month once and keep it, and count this month again
/// at each read (docs/opendata-design.md §10): a dossier finished today shows at once; a
/// correction made in the database to a closed month shows only once the node's copies are
/// counted again (after a day, or at start); a closed month holding a dossier that may still be
/// forwarded is counted at each read, so the forward shows at once. The yearly statistics,
/// read from the same copies, equal a count over every dossier, rows without dossiers included.
async fn closed_months_come_from_the_kept_copy_and_this_month_is_counted_again(app: TestApp) {
    const OTHER: &str = "000.00.61.H56";
    let name = "onestop-statistics-monthly";
    let today = (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive();
    let closed = Span::month(today - chrono::Duration::days(70));
    let this = Span::month(today);
    let at = |days: i64| {
        format!(
            "{}T03:00:00.000Z",
            closed.first + chrono::Duration::days(days)
        )
    };
    let (closed_m, this_m) = (
        closed.first.format("%Y-%m").to_string(),
        this.first.format("%Y-%m").to_string(),
    );
    let figures = |rows: &[Value], month: &str, agency: &str| {
        let key = [("month", month), ("agency_code", agency)];
        (
            figure(rows, &key, "received"),
            figure(rows, &key, "processed"),
        )
    };
    let commune = crate::dossiers::COMMUNE;

    // A dossier finished today, moved into a closed month.
    let a = crate::dossiers::finished_dossier(&app, "kept-a").await;
    move_dossier(&app, &a, &at(9), Some(&at(12))).await;
    let rows = live(&app, name).await;
    assert_eq!(figures(&rows, &closed_m, commune), (1, 1));
    assert_eq!(counted(&app, commune, closed).await, (1, 1));

    // Another one finished today: this month is counted again.
    let b = crate::dossiers::finished_dossier(&app, "kept-b").await;
    let rows = live(&app, name).await;
    assert_eq!(figures(&rows, &this_m, commune), (1, 1));
    assert_eq!(figures(&rows, &closed_m, commune), (1, 1));

    // A correction in the database moves it into the closed month too: this month, counted
    // again, loses it at once; the closed month shows the kept copy, though a whole count
    // differs now, until the node's copies are counted again.
    move_dossier(&app, &b, &at(10), Some(&at(11))).await;
    let rows = live(&app, name).await;
    assert_eq!(figures(&rows, &this_m, commune), (0, 0));
    assert_eq!(figures(&rows, &closed_m, commune), (1, 1), "the kept copy");
    assert_eq!(counted(&app, commune, closed).await, (2, 2));
    app.state.kept.clear();
    let rows = live(&app, name).await;
    assert_eq!(figures(&rows, &closed_m, commune), (2, 2), "counted again");

    // A dossier awaiting intake in the closed month (moved there, and counted again): the
    // month is counted at each read while it may be forwarded, so its forward to another
    // agency shows at once.
    let c = crate::dossiers::submitted_dossier(&app, "kept-c").await;
    move_dossier(&app, &c, &at(13), None).await;
    app.state.kept.clear();
    let rows = live(&app, name).await;
    assert_eq!(figures(&rows, &closed_m, commune), (3, 2));
    sqlx::query(
        "UPDATE dossiers SET agency_id = (SELECT id FROM agencies WHERE code = $2) WHERE id = $1",
    )
    .bind(&c)
    .bind(OTHER)
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    let rows = live(&app, name).await;
    assert_eq!(figures(&rows, &closed_m, commune), (2, 2));
    assert_eq!(figures(&rows, &closed_m, OTHER), (1, 0));
    assert_eq!(counted(&app, OTHER, closed).await, (1, 0));

    // The yearly statistics, from the same copies: every year's rows as a whole count gives
    // them, agencies without a dossier that year included.
    let yearly = live(&app, "service-statistics").await;
    let years: std::collections::BTreeSet<i64> = yearly
        .iter()
        .filter(|r| r["kind"] == "dossiers")
        .map(|r| r["year"].as_i64().unwrap())
        .collect();
    assert!(years.contains(&i64::from(closed.first.year())));
    for year in years {
        let span = Span::year(year as i32);
        let span = Span::new(span.first, span.last.min(today));
        let mut published: Vec<(String, i64, i64)> = yearly
            .iter()
            .filter(|r| r["kind"] == "dossiers" && r["year"] == year)
            .map(|r| {
                (
                    r["agency_code"].as_str().unwrap().to_owned(),
                    r["received"].as_i64().unwrap(),
                    r["processed"].as_i64().unwrap(),
                )
            })
            .collect();
        published.sort();
        let filter = tinhso_onestop::dossiers::stats::Filter {
            by: tinhso_onestop::dossiers::stats::By::Agency,
            from: Some(span.first.to_string()),
            to: Some(span.last.to_string()),
        };
        let whole = tinhso_onestop::dossiers::stats::report(&app.state.db, &filter, None)
            .await
            .unwrap();
        let mut whole: Vec<(String, i64, i64)> = whole
            .rows
            .iter()
            .map(|r| (r.key.clone(), r.received, r.processed))
            .collect();
        whole.sort();
        assert_eq!(published, whole, "{year}");
        assert!(
            published.iter().any(|r| r.0 == OTHER),
            "{year}: every agency"
        );
    }
}

/// The feedback dataset's rows of every month, counted over every report as they were before
/// the rows were kept (`store::monthly_counts`).
async fn feedback_monthly_counted(app: &TestApp) -> Vec<Value> {
    tinhso_feedback::store::monthly_counts(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| {
            json!({
                "month": c.month, "agency_code": c.agency_code, "agency_name": c.agency_name,
                "category_code": c.category_code, "category_name": c.category_name,
                "status": c.status, "reports": c.reports,
            })
        })
        .collect()
}

/// A feedback report of a closed month changes through the workflow: the node, looking for
/// changed reports before it reads, counts that month again, so its rows move at once and
/// equal a count over every report; a correction in the database that sets no change time
/// shows once the copies are counted again.
async fn a_report_changed_in_a_closed_month_moves_its_kept_rows_at_once(app: TestApp) {
    let name = "feedback-statistics-monthly";
    let today = (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive();
    let closed = Span::month(today - chrono::Duration::days(70));
    let month = closed.first.format("%Y-%m").to_string();
    let day = closed.first + chrono::Duration::days(9);

    app.login("congdan@tinhso.local", PASSWORD).await;
    let mut fields = crate::feedback::POTHOLE.to_vec();
    fields.push(("_key", "kept-report"));
    let (status, _, location) = crate::feedback::post_report(&app, &fields, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    app.clear_cookies();
    let code = location
        .unwrap()
        .trim_start_matches("/feedback/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    sqlx::query("UPDATE feedback_reports SET received_local = $2, created_at = $3 WHERE code = $1")
        .bind(&code)
        .bind(format!("{day}T10:00:00"))
        .bind(format!("{day}T03:00:00.000Z"))
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let (agency, status): (String, String) = sqlx::query_as(
        "SELECT a.code, r.status FROM feedback_reports r JOIN agencies a ON a.id = r.agency_id
         WHERE r.code = $1",
    )
    .bind(&code)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(status, "assigned");
    let key = |status: &'static str| {
        [
            ("month", month.clone()),
            ("agency_code", agency.clone()),
            ("category_code", "giao-thong".to_owned()),
            ("status", status.to_owned()),
        ]
    };
    let count = |rows: &[Value], status: &'static str| {
        let key = key(status);
        let key: Vec<(&str, &str)> = key.iter().map(|(k, v)| (*k, v.as_str())).collect();
        figure(rows, &key, "reports")
    };
    let rows = live(&app, name).await;
    assert_eq!(count(&rows, "assigned"), 1);
    assert_eq!(rows, feedback_monthly_counted(&app).await);

    // The ward's clerk takes it up: the closed month's rows move at once.
    app.login("motcua.hacthanh@tinhso.local", PASSWORD).await;
    let (status, _, _) = app
        .post_form(
            &format!("/feedback/{code}"),
            &format!("/feedback/{code}/actions"),
            &[("action", "accept")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    app.clear_cookies();
    let rows = live(&app, name).await;
    assert_eq!(
        (count(&rows, "assigned"), count(&rows, "in_progress")),
        (0, 1)
    );
    assert_eq!(rows, feedback_monthly_counted(&app).await);

    // A correction in the database that leaves no recent change time (as on a report changed
    // long ago): the kept rows stay until counted again.
    sqlx::query(
        "UPDATE feedback_reports SET status = 'assigned', updated_at = '2000-01-01T00:00:00.000Z'
         WHERE code = $1",
    )
    .bind(&code)
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    let rows = live(&app, name).await;
    assert_eq!(count(&rows, "in_progress"), 1, "the kept copy");
    assert_ne!(rows, feedback_monthly_counted(&app).await);
    app.state.kept.clear();
    let rows = live(&app, name).await;
    assert_eq!(count(&rows, "assigned"), 1);
    assert_eq!(rows, feedback_monthly_counted(&app).await);

    // The yearly figures, from kept copies too, as a whole count gives them.
    let yearly = live(&app, "service-statistics").await;
    for year in [closed.first.year(), today.year()] {
        let mut published: Vec<(String, i64, i64)> = yearly
            .iter()
            .filter(|r| r["kind"] == "feedback" && r["year"] == year)
            .map(|r| {
                (
                    r["agency_code"].as_str().unwrap().to_owned(),
                    r["received"].as_i64().unwrap(),
                    r["processed"].as_i64().unwrap(),
                )
            })
            .collect();
        published.sort();
        let filter = tinhso_feedback::stats::Filter {
            by: tinhso_feedback::stats::By::Agency,
            from: Some(format!("{year}-01-01")),
            to: Some(Span::year(year).last.min(today).to_string()),
        };
        let whole = tinhso_feedback::stats::report(&app.state.db, &filter)
            .await
            .unwrap();
        let mut whole: Vec<(String, i64, i64)> = whole
            .rows
            .iter()
            .map(|r| (r.key.clone(), r.received, r.answered))
            .collect();
        whole.sort();
        assert_eq!(published, whole, "{year}");
        assert!(!published.is_empty());
    }
}
