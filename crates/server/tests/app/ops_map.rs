//! The dashboard's feedback map (issue 18 part 2, docs/operations-design.md §5) on both
//! databases: on a fixture of feedback reports written straight into their table, the clusters
//! of `GET /api/v1/ops/feedback-clusters` equal the hand-counted reports per cell (hidden,
//! duplicate, unplaced and out-of-period reports left out); a cluster's list holds exactly its
//! reports; a ward's leader sees only the ward's reports and gets 404 for another place's
//! cluster or a wider scope; bad bbox and zoom are 422 on their field; the page draws the map as SVG with a
//! table, and zooms in by a plain link.

use crate::common;

use axum::http::StatusCode;
use common::TestApp;
use serde_json::Value;
use tinhso::audit::Actor;

on_both_databases!(
    clusters_count_the_reports_of_each_cell,
    a_cluster_lists_exactly_its_reports,
    a_ward_leader_sees_only_the_ward_on_the_map,
    bad_boxes_and_zooms_are_refused,
    the_dashboard_draws_the_map_and_zooms_in,
    the_kept_map_equals_the_count_and_follows_a_change,
);

const PASSWORD: &str = "TinhSo@2026";
const ADMIN: &str = "admin@tinhso.local";
const WARD_LEADER: &str = "lanhdao.hacthanh@tinhso.local";
const JUSTICE_LEADER: &str = "lanhdao.tuphap@tinhso.local";
const JUSTICE: &str = "000.00.14.H56";
const WARD: &str = "000.00.60.H56";

async fn agency_id(app: &TestApp, code: &str) -> String {
    sqlx::query_scalar("SELECT id FROM agencies WHERE code = $1")
        .bind(code)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

/// A report: code, unit, agency, status, position, received (local), due (local), hidden.
struct R<'a> {
    code: &'a str,
    unit: &'a str,
    agency: &'a str,
    status: &'a str,
    at: Option<(f64, f64)>,
    received: &'a str,
    due: &'a str,
    hidden: bool,
}

/// The fixture (2025, calendar year):
/// - in the Hạc Thành ward (unit 14932, its committee): MAP-R1 at (19.800, 105.780) assigned
///   and due 20 May (overdue), MAP-R2 (19.805, 105.776) received, due in 2099 (open),
///   MAP-R3 (19.795, 105.785) answered; left out: MAP-H1 hidden, MAP-D1 a duplicate, MAP-N1
///   without a position, MAP-X1 received on 31 December 2024;
/// - elsewhere (unit 15001, Sở Tư pháp): MAP-O1 at (19.74, 105.90) in progress, due 1 April
///   (overdue), MAP-O2 at (21.03, 105.85) answered.
///
/// At zoom 11 (cells of 0.17578125°) R1–R3 are cell 11/624/1625, O1 11/624/1626, O2
/// 11/631/1626; at zoom 8 all five are 8/78/203.
async fn load(app: &TestApp) {
    let category: String = sqlx::query_scalar("SELECT code FROM feedback_categories ORDER BY code")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let ward = agency_id(app, WARD).await;
    let justice = agency_id(app, JUSTICE).await;
    let w = |code, status, at, received, due| R {
        code,
        unit: "14932",
        agency: &ward,
        status,
        at,
        received,
        due,
        hidden: false,
    };
    let may = "2025-05-02T09:00:00";
    let rows = vec![
        w(
            "MAP-R1",
            "assigned",
            Some((19.800, 105.780)),
            may,
            "2025-05-20T17:00:00",
        ),
        w(
            "MAP-R2",
            "received",
            Some((19.805, 105.776)),
            may,
            "2099-01-01T17:00:00",
        ),
        w(
            "MAP-R3",
            "answered",
            Some((19.795, 105.785)),
            "2025-02-20T08:00:00",
            "2025-03-01T17:00:00",
        ),
        R {
            hidden: true,
            ..w(
                "MAP-H1",
                "assigned",
                Some((19.801, 105.781)),
                may,
                "2025-05-20T17:00:00",
            )
        },
        w(
            "MAP-D1",
            "duplicate",
            Some((19.802, 105.779)),
            may,
            "2025-05-20T17:00:00",
        ),
        w("MAP-N1", "assigned", None, may, "2025-05-20T17:00:00"),
        w(
            "MAP-X1",
            "assigned",
            Some((19.800, 105.780)),
            "2024-12-31T09:00:00",
            "2025-01-10T17:00:00",
        ),
        R {
            unit: "15001",
            agency: &justice,
            ..w(
                "MAP-O1",
                "in_progress",
                Some((19.74, 105.90)),
                "2025-03-15T09:00:00",
                "2025-04-01T17:00:00",
            )
        },
        R {
            unit: "15001",
            agency: &justice,
            ..w(
                "MAP-O2",
                "answered",
                Some((21.03, 105.85)),
                "2025-06-15T09:00:00",
                "2025-07-01T17:00:00",
            )
        },
    ];
    for r in rows {
        sqlx::query(
            "INSERT INTO feedback_reports (id, code, category_code, title, description, source,
                admin_unit_code, lat, lon, agency_id, status, received_local, due_local,
                hidden_reason, created_at, updated_at)
             VALUES ($1, $2, $3, $4, 'Mô tả', 'web', $5, $6, $7, $8, $9, $10, $11, $12,
                '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z')",
        )
        .bind(format!("opsmap-{}", r.code))
        .bind(r.code)
        .bind(&category)
        .bind(format!("Phản ánh {}", r.code))
        .bind(r.unit)
        .bind(tinhso_kernel::db::Double(r.at.map(|a| a.0)))
        .bind(tinhso_kernel::db::Double(r.at.map(|a| a.1)))
        .bind(r.agency)
        .bind(r.status)
        .bind(r.received)
        .bind(r.due)
        .bind(r.hidden.then_some("Nội dung không phù hợp"))
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
}

async fn sign_in(app: &TestApp, email: &str) {
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

const AREA: &str = "105,19,107,22";

fn clusters_url(scope: &str, bbox: &str, zoom: &str) -> String {
    let mut url = format!("/api/v1/ops/feedback-clusters?scope={scope}&period=2025-Y");
    if !bbox.is_empty() {
        url.push_str(&format!("&bbox={bbox}"));
    }
    if !zoom.is_empty() {
        url.push_str(&format!("&zoom={zoom}"));
    }
    url
}

/// (cell, count, open, overdue) of each cluster, in the answer's order.
fn cells(body: &Value) -> Vec<(String, i64, i64, i64)> {
    body["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["cell"].as_str().unwrap().to_owned(),
                c["count"].as_i64().unwrap(),
                c["open"].as_i64().unwrap(),
                c["overdue"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn c(cell: &str, n: i64, open: i64, overdue: i64) -> (String, i64, i64, i64) {
    (cell.to_owned(), n, open, overdue)
}

/// A cluster as the API answers it: (cell, reports, open, overdue).
type Cluster = (String, i64, i64, i64);
/// A cell's list: how many rows and their codes.
type Listed<'a> = (i64, Vec<&'a str>);

async fn clusters_count_the_reports_of_each_cell(app: TestApp) {
    load(&app).await;
    app.enable_totp(ADMIN).await;
    let admin = app.token(ADMIN, &["ops:read"]).await;
    let justice = format!("a:{}", agency_id(&app, JUSTICE).await);
    // (scope, bbox, zoom, clusters)
    let cases: Vec<(&str, &str, &str, Vec<Cluster>)> = vec![
        (
            "p",
            AREA,
            "11",
            vec![
                c("11/624/1625", 3, 2, 1),
                c("11/624/1626", 1, 1, 1),
                c("11/631/1626", 1, 0, 0),
            ],
        ),
        ("p", AREA, "8", vec![c("8/78/203", 5, 3, 2)]),
        // A box holding only the city's cell.
        (
            "p",
            "105.6,19.7,105.8,19.8",
            "11",
            vec![c("11/624/1625", 3, 2, 1)],
        ),
        // Far away: nothing.
        ("p", "100,10,101,11", "8", vec![]),
        (
            &justice,
            AREA,
            "11",
            vec![c("11/624/1626", 1, 1, 1), c("11/631/1626", 1, 0, 0)],
        ),
        ("u:14932", AREA, "11", vec![c("11/624/1625", 3, 2, 1)]),
    ];
    for (scope, bbox, zoom, want) in cases {
        let (status, body) = app
            .api("GET", &clusters_url(scope, bbox, zoom), Some(&admin), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{scope} {bbox} {zoom}: {body}");
        assert_eq!(cells(&body), want, "{scope} {bbox} {zoom}");
        assert_eq!(
            body["total"].as_i64().unwrap(),
            want.iter().map(|w| w.1).sum::<i64>()
        );
    }
    // The city's cluster: its centroid, its cell and its list.
    let (_, body) = app
        .api("GET", &clusters_url("p", AREA, "11"), Some(&admin), None)
        .await;
    let city = &body["clusters"][0];
    assert_eq!(city["lat"], 19.8);
    assert_eq!(city["lon"], 105.780333);
    assert_eq!(
        city["bbox"][0].as_f64().unwrap(),
        1625.0 * 0.17578125 - 180.0
    );
    assert!(
        city["items"]
            .as_str()
            .unwrap()
            .starts_with("/ops/items?scope=p&source=feedback.received&period=2025-Y"),
        "{city}"
    );
    // Without a box: the scope's extent, at the zoom that fits it in 8 × 8 cells.
    let (status, body) = app
        .api("GET", &clusters_url("p", "", ""), Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 5);
    let bbox: Vec<f64> = serde_json::from_value(body["bbox"].clone()).unwrap();
    assert!(bbox[0] < 105.776 && bbox[1] < 19.74 && bbox[2] > 105.90 && bbox[3] > 21.03);
    assert_eq!(body["zoom"], 10);
    assert_eq!(
        cells(&body),
        vec![
            c("10/312/812", 3, 2, 1),
            c("10/312/813", 1, 1, 1),
            c("10/315/813", 1, 0, 0)
        ]
    );
    // A scope without any placed report: no box, no clusters.
    let (_, body) = app
        .api(
            "GET",
            "/api/v1/ops/feedback-clusters?scope=p&period=2024-Y",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(body["total"], 1, "MAP-X1 in 2024: {body}");
    let (_, body) = app
        .api(
            "GET",
            "/api/v1/ops/feedback-clusters?scope=p&period=2023-Y",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(
        (body["total"].clone(), body["bbox"].clone()),
        (Value::from(0), Value::from(Vec::<f64>::new()))
    );
}

/// The list page's figure and its rows' codes.
fn listed(page: &str) -> (i64, Vec<String>) {
    let figure = page
        .split("data-testid=\"ops-items-figure\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .and_then(|s| s.parse().ok())
        .expect("a figure");
    let mut codes: Vec<String> = page
        .split("MAP-")
        .skip(1)
        .filter_map(|s| s.get(..2))
        .map(|s| format!("MAP-{s}"))
        .collect();
    codes.sort();
    codes.dedup();
    (figure, codes)
}

async fn a_cluster_lists_exactly_its_reports(app: TestApp) {
    load(&app).await;
    sign_in(&app, ADMIN).await;
    let items = |scope: &str, cell: &str| {
        format!("/ops/items?scope={scope}&period=2025-Y&source=feedback.received&cell={cell}")
    };
    let cases: Vec<(&str, &str, Listed)> = vec![
        ("p", "11/624/1625", (3, vec!["MAP-R1", "MAP-R2", "MAP-R3"])),
        ("p", "11/624/1626", (1, vec!["MAP-O1"])),
        ("p", "11/631/1626", (1, vec!["MAP-O2"])),
        (
            "p",
            "8/78/203",
            (5, vec!["MAP-O1", "MAP-O2", "MAP-R1", "MAP-R2", "MAP-R3"]),
        ),
        (
            "u:14932",
            "8/78/203",
            (3, vec!["MAP-R1", "MAP-R2", "MAP-R3"]),
        ),
    ];
    for (scope, cell, (figure, codes)) in cases {
        let (status, page) = app.get(&items(scope, cell)).await;
        assert_eq!(status, StatusCode::OK, "{scope} {cell}: {page}");
        let want: Vec<String> = codes.iter().map(|s| s.to_string()).collect();
        assert_eq!(listed(&page), (figure, want), "{scope} {cell}");
        assert_eq!(
            page.matches("data-testid=\"ops-item\"").count(),
            figure as usize
        );
    }
    // The list links each report to its page and says the cell's place.
    let (_, page) = app.get(&items("p", "11/624/1626")).await;
    assert!(page.contains("&#x2f;feedback&#x2f;MAP-O1"), "{page}");
    assert!(page.contains("data-testid=\"ops-items-cell\""));
    assert!(page.contains("Phản ánh tiếp nhận"));
    // An empty cell, a malformed cell, the cell with another source or as overdue: 404.
    for query in [
        items("p", "11/600/1600"),
        items("p", "11/624"),
        items("p", "40/1/1"),
        "/ops/items?scope=p&period=2025-Y&source=dossier.finished&cell=11/624/1625".into(),
        "/ops/items?scope=p&source=feedback.received&overdue=1&cell=11/624/1625".into(),
        // Without a cell, the map's source lists nothing.
        "/ops/items?scope=p&period=2025-Y&source=feedback.received".into(),
    ] {
        let (status, _) = app.get(&query).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{query}");
    }
}

async fn a_ward_leader_sees_only_the_ward_on_the_map(app: TestApp) {
    load(&app).await;
    let ward = app.token(WARD_LEADER, &["ops:read"]).await;
    let justice_leader = app.token(JUSTICE_LEADER, &["ops:read"]).await;
    let justice = format!("a:{}", agency_id(&app, JUSTICE).await);
    let ward_agency = format!("a:{}", agency_id(&app, WARD).await);
    // (token, scope, status, total)
    let rows: Vec<(&str, &str, StatusCode, i64)> = vec![
        (&ward, "u:14932", StatusCode::OK, 3),
        (&ward, &ward_agency, StatusCode::OK, 3),
        (&ward, "p", StatusCode::NOT_FOUND, 0),
        (&ward, &justice, StatusCode::NOT_FOUND, 0),
        (&ward, "u:15001", StatusCode::NOT_FOUND, 0),
        (&justice_leader, &justice, StatusCode::OK, 2),
        (&justice_leader, "u:14932", StatusCode::NOT_FOUND, 0),
    ];
    for (token, scope, want, total) in rows {
        let (status, body) = app
            .api("GET", &clusters_url(scope, AREA, "8"), Some(token), None)
            .await;
        assert_eq!(status, want, "{scope}: {body}");
        if want == StatusCode::OK {
            assert_eq!(body["total"], total, "{scope}");
        }
    }
    // The pages: the ward's map, its cluster's list; another place's cluster and a wider
    // scope's are 404.
    sign_in(&app, WARD_LEADER).await;
    let (status, page) = app.get("/ops/dashboard?period=2025-Y").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("data-testid=\"ops-map-svg\""), "{page}");
    assert!(page.contains("3 phản ánh có vị trí trong kỳ"), "{page}");
    assert!(!page.contains("MAP-O"));
    let items = |scope: &str, cell: &str| {
        format!("/ops/items?scope={scope}&period=2025-Y&source=feedback.received&cell={cell}")
    };
    let (status, page) = app.get(&items("u:14932", "11/624/1625")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        listed(&page),
        (3, vec!["MAP-R1".into(), "MAP-R2".into(), "MAP-R3".into()])
    );
    for query in [
        items("u:14932", "11/624/1626"),
        items("u:14932", "11/631/1626"),
        items("p", "11/624/1626"),
        items("p", "11/624/1625"),
        items(&justice, "11/624/1626"),
        items("u:15001", "11/624/1626"),
    ] {
        let (status, page) = app.get(&query).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{query}");
        assert!(!page.contains("MAP-O"), "{query}");
    }
}

async fn bad_boxes_and_zooms_are_refused(app: TestApp) {
    load(&app).await;
    app.enable_totp(ADMIN).await;
    let admin = app.token(ADMIN, &["ops:read"]).await;
    // (bbox, zoom, the message's start)
    let rows: &[(&str, &str, &str)] = &[
        ("105,19,107", "8", "Khung bản đồ"),
        ("107,19,105,22", "8", "Khung bản đồ"),
        ("105,22,107,19", "8", "Khung bản đồ"),
        ("105,19,190,22", "8", "Khung bản đồ"),
        ("a,b,c,d", "8", "Khung bản đồ"),
        ("105,19,107,22,1", "8", "Khung bản đồ"),
        (AREA, "25", "Mức phóng"),
        (AREA, "-1", "Mức phóng"),
        (AREA, "eight", "Mức phóng"),
        (AREA, "20", "Mức phóng này chia"),
    ];
    // An empty bbox is sent, not left out: the schema admits any text.
    let empty = format!("{}&bbox=", clusters_url("p", "", "8"));
    let urls = rows
        .iter()
        .map(|(bbox, zoom, message)| (clusters_url("p", bbox, zoom), *bbox, *zoom, *message))
        .chain([(empty, "", "8", "Khung bản đồ")]);
    for (url, bbox, zoom, message) in urls {
        let (status, body) = app.api("GET", &url, Some(&admin), None).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bbox} {zoom}: {body}"
        );
        assert_eq!(body["status"], 422, "problem+json: {body}");
        let field = if message.starts_with("Khung") {
            "bbox"
        } else {
            "zoom"
        };
        assert_eq!(body["errors"][0]["field"], field, "{bbox} {zoom}: {body}");
        assert!(
            body["detail"].as_str().unwrap().starts_with(message),
            "{bbox} {zoom}: {body}"
        );
    }
    // A period that does not exist stays a 422 on `period`, as for the index.
    let (status, body) = app
        .api(
            "GET",
            "/api/v1/ops/feedback-clusters?period=2025-M13",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "period");
}

async fn the_dashboard_draws_the_map_and_zooms_in(app: TestApp) {
    load(&app).await;
    sign_in(&app, ADMIN).await;
    let (status, page) = app.get("/ops/dashboard?period=2025-Y").await;
    assert_eq!(status, StatusCode::OK);
    for part in [
        "Bản đồ phản ánh, kiến nghị",
        "5 phản ánh có vị trí trong kỳ",
        "data-testid=\"ops-map-svg\"",
        "<circle",
        // The extent fits 8 × 8 cells of zoom 10: the city's three reports, Sầm Sơn's, Hà
        // Nội's; in the table too, each with its list and a closer look.
        "data-testid=\"ops-map-row-10-312-812\"",
        "data-testid=\"ops-map-items-10-312-812\">3</a>",
        "data-testid=\"ops-map-items-10-312-813\">1</a>",
        "data-testid=\"ops-map-items-10-315-813\">1</a>",
        "map=10&#x2f;312&#x2f;812#ops-map",
    ] {
        assert!(page.contains(part), "{part}: {page}");
    }
    assert_eq!(page.matches("<g class=\"cluster").count(), 3);
    // The closer look: the cell's 8 × 8 cells at zoom 13, and a way back.
    let (status, page) = app.get("/ops/dashboard?period=2025-Y&map=10/312/812").await;
    assert_eq!(status, StatusCode::OK);
    for part in [
        "data-testid=\"ops-map-items-13-2498-6503\">2</a>",
        "data-testid=\"ops-map-items-13-2498-6502\">1</a>",
        "data-testid=\"ops-map-whole\"",
    ] {
        assert!(page.contains(part), "{part}");
    }
    assert!(!page.contains("MAP-O") && !page.contains("ops-map-row-10-"));
    // Any cell may be looked at closer: 8/78/203 at zoom 11.
    let (_, page) = app.get("/ops/dashboard?period=2025-Y&map=8/78/203").await;
    for part in [
        "data-testid=\"ops-map-items-11-624-1625\">3</a>",
        "data-testid=\"ops-map-row-11-624-1626\"",
        "data-testid=\"ops-map-row-11-631-1626\"",
    ] {
        assert!(page.contains(part), "{part}");
    }
    // A period without placed reports says so; a cell that names nothing shows the scope.
    let (_, page) = app.get("/ops/dashboard?period=2023-Y").await;
    assert!(page.contains("data-testid=\"ops-map-none\""));
    let (status, page) = app.get("/ops/dashboard?period=2025-Y&map=nonsense").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("data-testid=\"ops-map-row-10-312-812\""));
}

/// The map at every zoom the feedback module adds up from kept sums (0 to `KEPT_ZOOM`) and for
/// each kind of scope equals the map counted straight from the reports (`store::geo_cells`);
/// and a report hidden through the portal leaves the next view, though the year was kept.
async fn the_kept_map_equals_the_count_and_follows_a_change(app: TestApp) {
    use tinhso::feedback::{map, published, store};
    use tinhso_domain::ops::map::{Cells, cell_size};
    load(&app).await;
    let justice = vec![agency_id(&app, JUSTICE).await];
    let ward = vec![agency_id(&app, WARD).await];
    let year = ("2025-01-01".parse().unwrap(), "2025-12-31".parse().unwrap());
    let today: chrono::NaiveDate = "2025-05-10".parse().unwrap();
    let places = [
        (true, vec![], None),
        (false, justice.clone(), None),
        (false, ward.clone(), Some("14932")),
        (false, vec![], Some("15001")),
    ];
    for zoom in 0..=map::KEPT_ZOOM {
        let size = cell_size(zoom);
        let cells = Cells {
            zoom,
            rows: (((19.0 + 90.0) / size) as i64, ((22.0 + 90.0) / size) as i64),
            cols: (
                ((105.0 + 180.0) / size) as i64,
                ((107.0 + 180.0) / size) as i64,
            ),
        };
        for (all, agencies, unit) in &places {
            let place = map::Place {
                all: *all,
                agencies,
                unit: *unit,
            };
            let kept = published::map_cells(&app.state, place, year, today, &cells)
                .await
                .unwrap();
            let grid = store::Grid {
                size,
                rows: cells.rows,
                cols: cells.cols,
            };
            let counted = store::geo_cells(
                &app.state.db,
                agencies,
                *all,
                *unit,
                "2025-01-01",
                "2026-01-01",
                "2025-05-10",
                grid,
            )
            .await
            .unwrap();
            let key = |c: &tinhso_kernel::module::GeoCell| {
                (
                    c.row, c.col, c.n, c.open, c.overdue, c.south, c.west, c.north, c.east,
                )
            };
            assert_eq!(
                kept.iter().map(key).collect::<Vec<_>>(),
                counted
                    .iter()
                    .map(|r| (r.0, r.1, r.2, r.3, r.4, r.7, r.8, r.9, r.10))
                    .collect::<Vec<_>>(),
                "zoom {zoom}, {all} {agencies:?} {unit:?}"
            );
            for (k, c) in kept.iter().zip(&counted) {
                assert!((k.sum_lat - c.5).abs() < 1e-9 && (k.sum_lon - c.6).abs() < 1e-9);
            }
        }
    }
    // The year 2025 is closed: its sums are kept. A report hidden by moderation leaves the
    // next view all the same.
    sign_in(&app, ADMIN).await;
    let admin = app.token(ADMIN, &["ops:read"]).await;
    let city = |body: &Value| cells(body).into_iter().find(|c| c.0 == "11/624/1625");
    let (_, before) = app
        .api("GET", &clusters_url("p", AREA, "11"), Some(&admin), None)
        .await;
    assert_eq!(city(&before), Some(c("11/624/1625", 3, 2, 1)));
    let hide = [
        ("reason", "Có thông tin cá nhân của người khác"),
        ("confirm", "yes"),
    ];
    let (status, _, _) = app
        .post_form("/feedback/MAP-R1", "/feedback/MAP-R1/hide", &hide)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, after) = app
        .api("GET", &clusters_url("p", AREA, "11"), Some(&admin), None)
        .await;
    assert_eq!(city(&after), Some(c("11/624/1625", 2, 1, 0)), "{after}");
    assert_eq!(after["total"], 4);
}
