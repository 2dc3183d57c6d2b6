//! The datastore (issue 17 item 4, `datastore_search` of item 5; docs/opendata-design.md §3.2,
//! §7) on both databases: a 300-row CSV uploaded and approved through the pages is loaded into
//! its table; `datastore_search` answers filters (one value, a list, a date written the
//! Vietnamese way), `q` without diacritics, sort, paging, fields, lists, distinct and totals
//! equal to what this file computes from the same rows by hand; bad input — an unknown field
//! in filters, sort or fields, a `limit` of 10⁹, filters that are not JSON, a draft's
//! resource, an unknown one — is answered as CKAN answers it; a new version replaces the rows
//! the public sees only when it is approved.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{TestApp, text};
use serde_json::{Value, json};
use tinhso_domain::text::fold;

on_both_databases!(
    datastore_search_answers_as_ckan_does,
    bad_input_is_refused_as_ckan_refuses_it,
    a_new_version_replaces_the_rows_when_approved,
);

const PASSWORD: &str = "TinhSo@2026";
const OFFICER: &str = "dulieu.tuphap@tinhso.local";
const LEADER: &str = "lanhdao.tuphap@tinhso.local";
const DISTRICTS: [&str; 3] = ["Đông Sơn", "Hà Trung", "Nga Sơn"];
const ROWS: usize = 300;

/// One generated row: code (leading zeros: text), name, district, cases (int), rate
/// (Vietnamese decimal comma: numeric), founded (DD/MM/YYYY: date).
struct Row {
    id: i64,
    code: String,
    name: String,
    district: &'static str,
    cases: i64,
    rate: String,
    rate_value: f64,
    founded: String,
    founded_iso: String,
}

fn rows() -> Vec<Row> {
    (1..=ROWS)
        .map(|i| {
            let (day, month) = (1 + i % 28, 1 + i % 12);
            Row {
                id: i as i64,
                code: format!("{i:05}"),
                name: format!("Trường số {i}"),
                district: DISTRICTS[i % 3],
                cases: ((i * 7) % 50) as i64,
                rate: format!("{},{}", i % 10, (i % 4) * 25),
                rate_value: (i % 10) as f64 + ((i % 4) * 25) as f64 / 100.0,
                founded: format!("{day:02}/{month:02}/2025"),
                founded_iso: format!("2025-{month:02}-{day:02}"),
            }
        })
        .collect()
}

fn csv(rows: &[Row]) -> String {
    let mut out = String::from("Mã trường,Tên trường,Huyện,Số ca,Tỷ lệ,Ngày thành lập\n");
    for r in rows {
        out.push_str(&format!(
            "{},{},{},{},\"{}\",{}\n",
            r.code, r.name, r.district, r.cases, r.rate, r.founded
        ));
    }
    out
}

/// The words a row holds, as a reader would fold them by hand.
fn row_words(r: &Row) -> Vec<String> {
    [
        r.code.as_str(),
        &r.name,
        r.district,
        &r.cases.to_string(),
        &r.rate,
        &r.founded,
    ]
    .iter()
    .flat_map(|cell| {
        fold(cell)
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    })
    .collect()
}

async fn sign_in(app: &TestApp, email: &str) {
    app.clear_cookies();
    let (status, body, _) = app.login(email, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{email} signs in: {body}");
}

async fn decide(app: &TestApp, id: &str, decision: &str) {
    let page = format!("/office/opendata/{id}");
    let action = format!("/office/opendata/{id}/decision");
    let (status, body, _) = app
        .post_form(&page, &action, &[("decision", decision), ("reason", "")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{decision}: {body}");
}

async fn upload(app: &TestApp, id: &str, resource: Option<&str>, bytes: &[u8]) {
    let page = format!("/office/opendata/{id}");
    let action = format!("/office/opendata/{id}/upload");
    let mut fields = vec![("name", "Danh sách trường")];
    if let Some(r) = resource {
        fields.push(("resource", r));
    }
    let (status, body, _) = app
        .post_multipart(&page, &action, &fields, &[("file", "truong.csv", bytes)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "upload: {body}");
}

/// A dataset with the generated table, drafted by the data officer; its id and resource id.
async fn draft(app: &TestApp, bytes: &[u8]) -> (String, String) {
    sign_in(app, OFFICER).await;
    let (status, body, location) = app
        .post_form(
            "/office/opendata/new",
            "/office/opendata/new",
            &[
                ("title", "Số ca theo trường (thử nghiệm)"),
                ("notes", "Bảng thử của kho dữ liệu."),
                ("field", "giao-duc"),
                ("tags", "trường học"),
                ("licence", "cc-by"),
                ("frequency", "ANNUAL"),
                ("temporal_start", "2025-01-01"),
                ("temporal_end", ""),
                ("spatial", "Tỉnh Thanh Hóa"),
                ("contact_name", "Phòng Hành chính tư pháp"),
                ("contact_email", "dulieu.tuphap@tinhso.local"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let id = location
        .unwrap()
        .strip_prefix("/office/opendata/")
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    upload(app, &id, None, bytes).await;
    let resource: String = sqlx::Row::get(
        &sqlx::query("SELECT id FROM opendata_resources WHERE dataset_id = $1")
            .bind(&id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap(),
        "id",
    );
    (id, resource)
}

async fn publish(app: &TestApp, id: &str) {
    sign_in(app, OFFICER).await;
    decide(app, id, "submit").await;
    sign_in(app, LEADER).await;
    decide(app, id, "approve").await;
    app.clear_cookies();
}

async fn call(app: &TestApp, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(path);
    if body.is_some() {
        req = req.header(header::CONTENT_TYPE, "application/json");
    }
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let (status, text) = text(app.send(req.body(Body::from(body)).unwrap()).await).await;
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("{path}: JSON, got {text}")),
    )
}

/// `datastore_search` by POST: its result, the envelope checked.
async fn search(app: &TestApp, params: Value) -> Value {
    let (status, v) = call(
        app,
        "POST",
        "/api/3/action/datastore_search",
        Some(params.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{params}: {v}");
    assert_eq!(v["success"], true);
    v["result"].clone()
}

fn ids(result: &Value) -> Vec<i64> {
    result["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["_id"].as_i64().unwrap())
        .collect()
}

async fn datastore_search_answers_as_ckan_does(app: TestApp) {
    let data = rows();
    let (id, rid) = draft(&app, csv(&data).as_bytes()).await;
    publish(&app, &id).await;

    // The whole table: fields with CKAN's types, 100 rows by default, the total.
    let all = search(&app, json!({"resource_id": rid})).await;
    assert_eq!(all["total"], 300);
    assert_eq!(all["limit"], 100);
    assert_eq!(all["total_was_estimated"], false);
    let fields: Vec<(String, String)> = all["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_owned(),
                f["type"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = [
        ("_id", "int"),
        ("Mã trường", "text"),
        ("Tên trường", "text"),
        ("Huyện", "text"),
        ("Số ca", "int"),
        ("Tỷ lệ", "numeric"),
        ("Ngày thành lập", "date"),
    ]
    .iter()
    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
    .collect();
    assert_eq!(fields, want);
    assert_eq!(ids(&all), (1..=100).collect::<Vec<i64>>(), "file order");
    let first = &all["records"][0];
    assert_eq!(first["Mã trường"], "00001", "leading zeros stay text");
    assert_eq!(first["Số ca"], 7);
    assert_eq!(first["Tỷ lệ"], data[0].rate_value);
    assert_eq!(first["Ngày thành lập"], data[0].founded_iso);
    assert!(
        all["_links"]["next"]
            .as_str()
            .unwrap()
            .ends_with("&offset=100"),
        "{}",
        all["_links"]
    );

    // Filters: one value, a list, a date as people write it; GET with JSON text too.
    let hand = |f: &dyn Fn(&Row) -> bool| data.iter().filter(|r| f(r)).count() as i64;
    let r = search(
        &app,
        json!({"resource_id": rid, "filters": {"Huyện": "Hà Trung"}}),
    )
    .await;
    assert_eq!(r["total"], hand(&|r: &Row| r.district == "Hà Trung"));
    let r = search(
        &app,
        json!({"resource_id": rid, "filters": {"Huyện": ["Hà Trung", "Nga Sơn"], "Số ca": 7}, "limit": 1000}),
    )
    .await;
    let want: Vec<i64> = data
        .iter()
        .filter(|r| r.district != "Đông Sơn" && r.cases == 7)
        .map(|r| r.id)
        .collect();
    assert!(!want.is_empty());
    assert_eq!(r["total"], want.len() as i64);
    assert_eq!(ids(&r), want);
    let day = &data[41];
    let r = search(
        &app,
        json!({"resource_id": rid, "filters": {"Ngày thành lập": day.founded}}),
    )
    .await;
    assert_eq!(
        r["total"],
        hand(&|r: &Row| r.founded_iso == day.founded_iso)
    );
    let filters = form(&json!({"Số ca": "0"}).to_string());
    let (status, v) = call(
        &app,
        "GET",
        &format!("/api/3/action/datastore_search?resource_id={rid}&filters={filters}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["result"]["total"], hand(&|r: &Row| r.cases == 0));

    // q without diacritics: every word, in any column.
    for q in [
        "dong son",
        "DONG SƠN truong",
        "ha trung 10",
        "nga son 2025 25",
    ] {
        let words: Vec<String> = fold(q).split(' ').map(str::to_owned).collect();
        let want: Vec<i64> = data
            .iter()
            .filter(|r| {
                let have = row_words(r);
                words.iter().all(|w| have.contains(w))
            })
            .map(|r| r.id)
            .collect();
        let r = search(&app, json!({"resource_id": rid, "q": q, "limit": 32000})).await;
        assert_eq!(r["total"], want.len() as i64, "{q}");
        assert_eq!(ids(&r), want, "{q}");
        assert_eq!(r["q"], q);
    }
    // q paged in `_id` order, both ways, and a page near the end (read from the other end).
    let words = ["dong", "son"];
    let mut want: Vec<i64> = data
        .iter()
        .filter(|r| {
            words
                .iter()
                .all(|w| row_words(r).contains(&(*w).to_owned()))
        })
        .map(|r| r.id)
        .collect();
    assert!(want.len() > 12, "the fixture has enough Đông Sơn rows");
    for (sort, offset) in [("_id", 3), ("_id desc", 3), ("_id", want.len() - 2)] {
        if sort == "_id desc" {
            want.reverse();
        }
        let r = search(
            &app,
            json!({"resource_id": rid, "q": "dong son", "sort": sort, "limit": 5, "offset": offset}),
        )
        .await;
        let page: Vec<i64> = want.iter().skip(offset).take(5).copied().collect();
        assert_eq!(ids(&r), page, "q dong son, sort {sort}, offset {offset}");
        assert_eq!(r["total"], want.len() as i64);
        if sort == "_id desc" {
            want.reverse();
        }
    }

    // Sort and paging: two pages are the first ten of the hand-sorted rows.
    let mut sorted: Vec<&Row> = data.iter().collect();
    sorted.sort_by(|a, b| b.cases.cmp(&a.cases).then(b.id.cmp(&a.id)));
    let want: Vec<i64> = sorted.iter().take(10).map(|r| r.id).collect();
    let page1 = search(
        &app,
        json!({"resource_id": rid, "sort": "Số ca desc", "limit": 5}),
    )
    .await;
    let page2 = search(
        &app,
        json!({"resource_id": rid, "sort": "\"Số ca\" DESC", "limit": 5, "offset": 5}),
    )
    .await;
    let got: Vec<i64> = ids(&page1).into_iter().chain(ids(&page2)).collect();
    assert_eq!(got, want);
    assert_eq!(
        (page2["offset"].clone(), page2["total"].clone()),
        (json!(5), json!(300))
    );
    // Text sorts by code point on both databases ("Đ" after "N"), then _id.
    let r = search(
        &app,
        json!({"resource_id": rid, "sort": "Huyện asc, Mã trường desc", "limit": 1}),
    )
    .await;
    let first_ha_trung = data
        .iter()
        .filter(|r| r.district == "Hà Trung")
        .map(|r| r.id)
        .max()
        .unwrap();
    assert_eq!(ids(&r), [first_ha_trung]);

    // fields, lists, no total, limit 0.
    let r = search(
        &app,
        json!({"resource_id": rid, "fields": "Tên trường,Số ca", "records_format": "lists",
               "include_total": false, "filters": {"Mã trường": "00042"}}),
    )
    .await;
    assert_eq!(r["records"], json!([["Trường số 42", data[41].cases]]));
    assert!(r.get("total").is_none(), "{r}");
    let r = search(
        &app,
        json!({"resource_id": rid, "limit": 0, "q": "nga son"}),
    )
    .await;
    assert_eq!(r["records"], json!([]));
    assert_eq!(r["total"], hand(&|r: &Row| r.district == "Nga Sơn"));

    // distinct: the three districts, in code-point order.
    let r = search(
        &app,
        json!({"resource_id": rid, "fields": ["Huyện"], "distinct": true, "sort": "Huyện"}),
    )
    .await;
    assert_eq!(
        r["records"],
        json!([{"Huyện": "Hà Trung"}, {"Huyện": "Nga Sơn"}, {"Huyện": "Đông Sơn"}])
    );
    assert_eq!(r["total"], 3);

    // datastore_info and the resource's datastore_active.
    let (status, v) = call(
        &app,
        "GET",
        &format!("/api/3/action/datastore_info?id={rid}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["result"]["meta"]["count"], 300);
    assert_eq!(v["result"]["fields"][3]["type"], "int");
    let (_, v) = call(
        &app,
        "GET",
        &format!("/api/3/action/resource_show?id={rid}"),
        None,
    )
    .await;
    assert_eq!(v["result"]["datastore_active"], true, "{v}");
}

fn form(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn refused(app: &TestApp, params: Value) -> Value {
    let (status, v) = call(
        app,
        "POST",
        "/api/action/datastore_search",
        Some(params.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{params}: {v}");
    assert_eq!(v["success"], false);
    assert_eq!(v["error"]["__type"], "Validation Error", "{v}");
    v["error"].clone()
}

async fn bad_input_is_refused_as_ckan_refuses_it(app: TestApp) {
    let (id, rid) = draft(&app, csv(&rows()[..20]).as_bytes()).await;

    // A draft's resource, and an unknown one: Not Found, nothing of it shown.
    for r in [rid.as_str(), "khong-co"] {
        for action in ["datastore_search", "datastore_info"] {
            let (status, v) = call(
                &app,
                "GET",
                &format!("/api/3/action/{action}?resource_id={r}&id={r}"),
                None,
            )
            .await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
            assert_eq!(
                v["error"],
                json!({"__type": "Not Found Error",
                       "message": format!("Not found: Resource \"{r}\" was not found.")})
            );
        }
    }
    publish(&app, &id).await;
    assert_eq!(
        search(&app, json!({"resource_id": rid})).await["total"],
        20,
        "public once approved"
    );

    let cases = [
        (json!({}), "resource_id", "Missing value"),
        (
            json!({"filters": {"Màu": "đỏ"}}),
            "filters",
            "field \"Màu\" not in table",
        ),
        (
            json!({"sort": "Màu desc"}),
            "sort",
            "field \"Màu\" not in table",
        ),
        (
            json!({"fields": ["_id", "Màu"]}),
            "fields",
            "field \"Màu\" not in table",
        ),
        (
            json!({"limit": 1_000_000_000}),
            "limit",
            "Must be at most 32000",
        ),
        (json!({"limit": -1}), "limit", "Must be a natural number"),
        (json!({"offset": "x"}), "offset", "Invalid integer"),
        (
            json!({"filters": "{\"Huyện\": "}),
            "filters",
            "Could not parse as valid JSON object",
        ),
        (
            json!({"filters": {"Số ca": "nhiều"}}),
            "filters",
            "invalid value for field \"Số ca\" of type int: nhiều",
        ),
        (
            json!({"q": {"Huyện": "ha"}}),
            "q",
            "a search per field is not supported: give q as text, or use filters",
        ),
    ];
    for (mut params, field, message) in cases {
        if field != "resource_id" {
            params["resource_id"] = json!(rid);
        }
        let error = refused(&app, params.clone()).await;
        assert_eq!(error[field], json!([message]), "{params}");
    }
    // The same by GET, malformed filters in the address.
    let (status, v) = call(
        &app,
        "GET",
        &format!(
            "/api/3/action/datastore_search?resource_id={rid}&filters={}",
            form("{not json")
        ),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        v["error"]["filters"],
        json!(["Could not parse as valid JSON object"])
    );
    // No SQL action.
    let (status, _) = call(
        &app,
        "GET",
        "/api/3/action/datastore_search_sql?sql=SELECT%201",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn a_new_version_replaces_the_rows_when_approved(app: TestApp) {
    let data = rows();
    let (id, rid) = draft(&app, csv(&data[..10]).as_bytes()).await;
    publish(&app, &id).await;
    assert_eq!(search(&app, json!({"resource_id": rid})).await["total"], 10);
    // A second version, loaded at upload, is not what the public reads before approval.
    sign_in(&app, OFFICER).await;
    upload(&app, &id, Some(&rid), csv(&data[100..125]).as_bytes()).await;
    app.clear_cookies();
    let tables = app
        .count("SELECT COUNT(*) FROM opendata_tables WHERE state = 'ready'")
        .await;
    let r = search(&app, json!({"resource_id": rid, "limit": 1})).await;
    assert_eq!(
        (r["total"].clone(), r["records"][0]["Mã trường"].clone()),
        (json!(10), json!("00001"))
    );
    publish(&app, &id).await;
    let r = search(&app, json!({"resource_id": rid, "limit": 1})).await;
    assert_eq!(
        (r["total"].clone(), r["records"][0]["Mã trường"].clone()),
        (json!(25), json!("00101"))
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM opendata_tables WHERE state = 'ready'")
            .await,
        tables,
        "approval loads nothing: the table was ready at upload"
    );
}
