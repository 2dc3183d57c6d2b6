//! The CKAN Action API v3 (issue 17, docs/opendata-design.md §6, slice 4) on both databases,
//! over the demo's two published datasets and its draft: CKAN 2.11's envelope for every
//! read action, GET and POST at `/api/3/action/` and `/api/action/`, and each bad input
//! answered as CKAN answers it — an unknown action or a non-JSON body (400), a bad `rows` or
//! `start` (409 Validation Error), an unknown `fq` field (409 Search Error), a bad sort
//! (400 Search Query Error), a draft asked for by id or name (404, none of its data).

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{TestApp, text};
use serde_json::{Value, json};

on_both_databases!(
    the_envelope_and_every_read_action,
    package_search_follows_ckan,
    bad_input_is_refused_as_ckan_refuses_it,
    a_draft_is_not_found_and_shows_nothing,
    a_client_over_its_share_waits,
);

const ORG: &str = "000-00-14-h56";

async fn call(app: &TestApp, method: &str, path: &str, body: Option<&str>) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(path);
    if body.is_some() {
        req = req.header(header::CONTENT_TYPE, "application/json");
    }
    let resp = app
        .send(req.body(Body::from(body.unwrap_or("").to_owned())).unwrap())
        .await;
    assert_eq!(
        resp.headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .map(|v| v.to_str().unwrap()),
        Some("*"),
        "{path}: CORS"
    );
    let (status, text) = text(resp).await;
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("{path}: JSON, got {text}")),
    )
}

/// A successful action's result, with the envelope checked.
async fn ok(app: &TestApp, path: &str) -> Value {
    let (status, v) = call(app, "GET", path, None).await;
    assert_eq!(status, StatusCode::OK, "{path}: {v}");
    assert_eq!(v["success"], true);
    let action = path
        .trim_start_matches("/api/3/action/")
        .split('?')
        .next()
        .unwrap();
    assert!(
        v["help"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/api/3/action/help_show?name={action}")),
        "{v}"
    );
    v["result"].clone()
}

async fn draft_id(app: &TestApp) -> (String, String) {
    let row = sqlx::query("SELECT id, name FROM opendata_datasets WHERE state = 'draft'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    (sqlx::Row::get(&row, "id"), sqlx::Row::get(&row, "name"))
}

async fn the_envelope_and_every_read_action(app: TestApp) {
    let names = ok(&app, "/api/3/action/package_list").await;
    let names: Vec<&str> = names
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        names.len(),
        2,
        "the two published, not the draft: {names:?}"
    );
    assert!(names.windows(2).all(|w| w[0] < w[1]), "sorted");
    let paged = ok(&app, "/api/3/action/package_list?limit=1&offset=1").await;
    assert_eq!(paged, json!([names[1]]));

    // package_show by name, then by id, GET and POST, both prefixes.
    let p = ok(&app, &format!("/api/3/action/package_show?id={}", names[0])).await;
    assert_eq!(p["name"], names[0]);
    assert_eq!(
        (p["type"].as_str(), p["state"].as_str()),
        (Some("dataset"), Some("active"))
    );
    assert_eq!(p["private"], false);
    assert_eq!(p["organization"]["name"], ORG);
    assert_eq!(p["license_id"], "cc-by");
    assert_eq!(p["isopen"], true);
    assert_eq!(p["num_resources"], 1);
    assert!(p["creator_user_id"].is_null(), "no person's id");
    let modified = p["metadata_modified"].as_str().unwrap();
    assert_eq!(modified.len(), 26, "naive with microseconds: {modified}");
    assert!(!modified.ends_with('Z'));
    let r = &p["resources"][0];
    assert_eq!(r["package_id"], p["id"]);
    assert_eq!(r["format"], "CSV");
    assert_eq!(r["url_type"], "upload");
    assert_eq!(r["hash"].as_str().unwrap().len(), 64);
    assert!(r["url"].as_str().unwrap().ends_with("/download"));
    assert!(p["groups"][0]["name"].as_str().is_some());
    assert!(
        p["extras"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["key"] == "frequency")
    );
    let (status, by_post) = call(
        &app,
        "POST",
        "/api/action/package_show",
        Some(&json!({"id": p["id"]}).to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(by_post["result"], p, "POST at /api/action/ gives the same");

    let res = ok(
        &app,
        &format!(
            "/api/3/action/resource_show?id={}",
            r["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(res, *r);

    assert_eq!(
        ok(&app, "/api/3/action/organization_list").await,
        json!([ORG])
    );
    let orgs = ok(&app, "/api/3/action/organization_list?all_fields=true").await;
    assert_eq!(orgs[0]["package_count"], 2);
    assert_eq!(orgs[0]["is_organization"], true);
    let org = ok(
        &app,
        &format!("/api/3/action/organization_show?id={ORG}&include_datasets=true"),
    )
    .await;
    assert_eq!(org["packages"].as_array().unwrap().len(), 2);
    assert_eq!(org["users"], json!([]), "never users");

    let groups = ok(&app, "/api/3/action/group_list?sort=name").await;
    assert_eq!(
        groups.as_array().unwrap().len(),
        15,
        "the province's 15 fields"
    );
    assert_eq!(groups[0], "dat-dai");
    let groups = ok(
        &app,
        "/api/3/action/group_list?all_fields=true&sort=package_count%20desc",
    )
    .await;
    assert_eq!(groups.as_array().unwrap().len(), 15);
    assert_eq!(groups[0]["package_count"], 1);
    for key in [
        "id",
        "name",
        "title",
        "display_name",
        "description",
        "image_url",
        "image_display_url",
        "created",
        "is_organization",
        "type",
        "state",
        "approval_status",
        "package_count",
    ] {
        assert!(
            groups[0].get(key).is_some(),
            "group_list all_fields has {key}"
        );
    }
    let group = ok(&app, "/api/3/action/group_show?id=tu-phap").await;
    assert_eq!(group["title"], "Tư pháp và an ninh trật tự");
    assert_eq!(group["package_count"], 1);

    let tags = ok(&app, "/api/3/action/tag_list").await;
    assert!(tags.as_array().unwrap().contains(&json!("công chứng")));
    assert!(
        !tags
            .as_array()
            .unwrap()
            .contains(&json!("trợ giúp pháp lý")),
        "the draft's tag"
    );
    assert_eq!(
        ok(&app, "/api/3/action/tag_list?query=ho%20tich").await,
        json!(["hộ tịch"])
    );

    let status = ok(&app, "/api/3/action/status_show").await;
    assert_eq!(status["ckan_version"], "2.11.0");
    assert_eq!(status["locale_default"], "vi");

    // No sign-in, no CSRF token: a POST with an empty body is an action without parameters.
    let (code, v) = call(&app, "POST", "/api/3/action/status_show", Some("")).await;
    assert_eq!(code, StatusCode::OK, "{v}");
}

async fn package_search_follows_ckan(app: TestApp) {
    let all = ok(&app, "/api/3/action/package_search").await;
    assert_eq!(all["count"], 2);
    assert_eq!(all["sort"], "score desc, metadata_modified desc");
    // Words without diacritics find Vietnamese titles.
    let found = ok(&app, "/api/3/action/package_search?q=cong%20chung").await;
    assert_eq!(found["count"], 1);
    assert_eq!(
        found["results"][0]["title"],
        "Danh sách tổ chức hành nghề công chứng (minh họa)"
    );
    let none = ok(&app, "/api/3/action/package_search?q=tro%20giup%20vien").await;
    assert_eq!(none["count"], 0, "the draft is not searched");
    // fq as the CKAN harvester sends it.
    let fq = format!(
        "/api/3/action/package_search?fq=organization%3A{ORG}%20OR%20organization%3Anope%20%2Bmetadata_modified%3A%5B2020-01-01T00%3A00%3A00Z%20TO%20*%5D&sort=id%20asc&rows=1&start=1"
    );
    let page = ok(&app, &fq).await;
    assert_eq!(page["count"], 2);
    assert_eq!(page["results"].as_array().unwrap().len(), 1);
    let first = ok(
        &app,
        &format!("/api/3/action/package_search?fq=organization:{ORG}&sort=id%20asc&rows=1"),
    )
    .await;
    assert!(first["results"][0]["id"].as_str() < page["results"][0]["id"].as_str());
    let tagged = ok(
        &app,
        "/api/3/action/package_search?fq=tags:%22h%E1%BB%99%20t%E1%BB%8Bch%22",
    )
    .await;
    assert_eq!(tagged["count"], 1);
    let excluded = ok(&app, "/api/3/action/package_search?fq=-groups:tu-phap").await;
    assert_eq!(excluded["count"], 1);
    // Facets, in both shapes; facet.field repeated or as a JSON string.
    let f = ok(
        &app,
        "/api/3/action/package_search?facet.field=organization&facet.field=tags&facet.limit=2",
    )
    .await;
    assert_eq!(f["facets"]["organization"][ORG], 2);
    assert_eq!(
        f["facets"]["tags"].as_object().unwrap().len(),
        2,
        "facet.limit"
    );
    let items = f["search_facets"]["organization"]["items"]
        .as_array()
        .unwrap();
    assert_eq!(items[0]["name"], ORG);
    assert_eq!(items[0]["display_name"], "Sở Tư pháp");
    assert_eq!(items[0]["count"], 2);
    let (status, posted) = call(
        &app,
        "POST",
        "/api/action/package_search",
        Some(r#"{"q": "khai sinh", "facet.field": "[\"groups\", \"res_format\"]", "rows": 1000000000}"#),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{posted}");
    assert_eq!(
        posted["result"]["count"], 1,
        "rows 10⁹ is clamped, not refused"
    );
    assert_eq!(posted["result"]["facets"]["groups"]["xa-hoi"], 1);
    assert_eq!(posted["result"]["facets"]["res_format"]["CSV"], 1);
}

async fn bad_input_is_refused_as_ckan_refuses_it(app: TestApp) {
    for (method, path, body) in [
        ("GET", "/api/3/action/nope", None),
        (
            "GET",
            "/api/3/action/datastore_search_sql?sql=SELECT%201",
            None,
        ),
        ("POST", "/api/action/package_create", Some("{}")),
    ] {
        let (status, v) = call(&app, method, path, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        let name = path.rsplit('/').next().unwrap().split('?').next().unwrap();
        assert_eq!(
            v,
            json!(format!("Bad request - Action name not known: {name}"))
        );
    }
    let (status, v) = call(
        &app,
        "POST",
        "/api/action/package_search",
        Some("{not json"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        v.as_str().unwrap().starts_with("Bad request - JSON Error"),
        "{v}"
    );
    let (status, v) = call(&app, "POST", "/api/action/package_search", Some("[1]")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        v.as_str().unwrap().contains("needs to be a dictionary"),
        "{v}"
    );

    let cases: &[(&str, u16, Value)] = &[
        (
            "package_search?rows=-1",
            409,
            json!({"__type": "Validation Error", "rows": ["Must be a positive integer"]}),
        ),
        (
            "package_search?rows=ten",
            409,
            json!({"__type": "Validation Error", "rows": ["Invalid integer"]}),
        ),
        (
            "package_search?start=-5",
            409,
            json!({"__type": "Validation Error", "start": ["Must be a natural number"]}),
        ),
        (
            "package_search?fq=colour:red",
            409,
            json!({"__type": "Search Error", "message": "Search error: undefined field colour"}),
        ),
        (
            "package_search?facet.field=colour",
            409,
            json!({"__type": "Search Error", "message": "Search error: undefined field colour"}),
        ),
        (
            "package_search?fq=metadata_modified:%5BNOW-1DAY%20TO%20*%5D",
            409,
            json!({"__type": "Search Error", "message": "Search error: date maths are not supported in metadata_modified: NOW-1DAY"}),
        ),
        (
            "package_search?sort=colour%20asc",
            400,
            json!({"__type": "Search Query Error", "message": "Search Query is invalid: ('Invalid \"sort\" parameter',)"}),
        ),
        (
            "package_search?colour=red",
            400,
            json!({"__type": "Search Query Error", "message": "Search Query is invalid: (\"Invalid search parameters: ['colour']\",)"}),
        ),
        (
            "package_show",
            409,
            json!({"__type": "Validation Error", "id": ["Missing value"]}),
        ),
        (
            "package_show?id=nope",
            404,
            json!({"__type": "Not Found Error", "message": "Not found"}),
        ),
        (
            "resource_show?id=nope",
            404,
            json!({"__type": "Not Found Error", "message": "Not found: Resource was not found."}),
        ),
        (
            "organization_show?id=nope",
            404,
            json!({"__type": "Not Found Error", "message": "Not found: Organization not found"}),
        ),
        (
            "group_show?id=nope",
            404,
            json!({"__type": "Not Found Error", "message": "Not found: Group not found"}),
        ),
        (
            "group_list?limit=-1",
            409,
            json!({"__type": "Validation Error", "limit": ["Must be a natural number"]}),
        ),
    ];
    for (action, code, error) in cases {
        let path = format!("/api/3/action/{action}");
        let (status, v) = call(&app, "GET", &path, None).await;
        assert_eq!(status.as_u16(), *code, "{path}: {v}");
        assert_eq!(v["success"], false);
        assert_eq!(v["error"], *error, "{path}");
        assert!(v.get("result").is_none());
    }
}

async fn a_draft_is_not_found_and_shows_nothing(app: TestApp) {
    let (id, name) = draft_id(&app).await;
    for key in [&id, &name] {
        for path in [
            format!("/api/3/action/package_show?id={key}"),
            format!("/api/action/package_show?id={key}"),
        ] {
            let (status, v) = call(&app, "GET", &path, None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            assert_eq!(
                v,
                json!({"help": v["help"], "success": false,
                       "error": {"__type": "Not Found Error", "message": "Not found"}})
            );
            assert!(!v.to_string().contains("trợ giúp"), "none of its data");
        }
    }
    let rid: String = sqlx::Row::get(
        &sqlx::query("SELECT id FROM opendata_resources WHERE dataset_id = $1")
            .bind(&id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap(),
        "id",
    );
    let (status, _) = call(
        &app,
        "GET",
        &format!("/api/3/action/resource_show?id={rid}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, found) = call(
        &app,
        "GET",
        &format!("/api/3/action/package_search?fq=id:{id}"),
        None,
    )
    .await;
    assert_eq!(found["result"]["count"], 0);
}

/// 300 requests a minute with bursts of 100 per address: the 101st at once is a 429 in CKAN's
/// envelope with `Retry-After`; the other tests of this file stay under the burst.
async fn a_client_over_its_share_waits(app: TestApp) {
    let mut refused = None;
    for i in 0..130 {
        let resp = app
            .send(
                Request::get("/api/3/action/status_show")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        if resp.status() == StatusCode::TOO_MANY_REQUESTS {
            let wait: u64 = resp.headers()[header::RETRY_AFTER]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            let (_, body) = text(resp).await;
            refused = Some((i, wait, body));
            break;
        }
    }
    let (i, wait, body) = refused.expect("throttled within 130 requests");
    assert!(
        (100..130).contains(&i),
        "after the burst of 100 (a few refilled while testing): {i}"
    );
    assert!(wait >= 1);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["success"], false);
    assert_eq!(v["error"]["__type"], "Throttled");
    // The DCAT catalogue shares the budget: a harvester cannot page through it instead.
    let resp = app
        .send(
            Request::get("/opendata/catalog.ttl")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.headers().contains_key(header::RETRY_AFTER));
    let (_, body) = text(resp).await;
    assert!(body.contains("Quá nhiều yêu cầu"), "{body}");
}
