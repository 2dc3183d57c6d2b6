//! The catalogue as DCAT-AP 3.0.1 (issue 17, docs/opendata-design.md §8, slice 5) on both
//! databases, over the demo's two published datasets and its draft: the catalogue and each
//! published dataset in Turtle, JSON-LD and RDF/XML with their media types, by suffix and by
//! `Accept`; a draft nowhere (404 for its documents); 100 datasets a page with
//! `hydra:PagedCollection`; a bad `page` refused with a problem+json; `ETag` and 304. Then the
//! documents go through `e2e/dcat/validate.py`: rdflib reads the three formats (isomorphic
//! graphs) and pyshacl checks them against the official DCAT-AP 3.0.1 shapes vendored in
//! `tests/fixtures/dcat-ap-3.0.1/`. CI requires pyshacl (`CI_REQUIRE_PYSHACL=1`); the shapes
//! are required everywhere.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{TestApp, text};
use std::path::Path;

on_both_databases!(
    published_datasets_in_three_formats_and_no_draft,
    the_catalogue_is_negotiated_and_cached,
    the_catalogue_pages_by_one_hundred,
    a_bad_page_is_refused,
    the_documents_conform_to_the_official_shapes,
);

const FORMATS: [(&str, &str); 3] = [
    ("ttl", "text/turtle"),
    ("jsonld", "application/ld+json"),
    ("rdf", "application/rdf+xml"),
];
const NOTARIES: &str = "Danh sách tổ chức hành nghề công chứng (minh họa)";
const BIRTHS: &str = "Số liệu đăng ký khai sinh theo tháng năm 2026 (minh họa)";
const DRAFT: &str = "Danh sách trợ giúp viên pháp lý (minh họa)";

async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> (StatusCode, String, String) {
    let mut req = Request::builder().uri(path);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = app.send(req.body(Body::empty()).unwrap()).await;
    let content_type = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let (status, body) = text(resp).await;
    (status, content_type, body)
}

async fn name_in_state(app: &TestApp, title_part: &str, state: &str) -> String {
    let rows = sqlx::query("SELECT name, metadata FROM opendata_datasets WHERE state = $1")
        .bind(state)
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    rows.iter()
        .find(|r| sqlx::Row::get::<String, _>(*r, "metadata").contains(title_part))
        .map(|r| sqlx::Row::get(r, "name"))
        .unwrap_or_else(|| panic!("no {state} dataset {title_part}"))
}

/// How many datasets a document describes (`rdf:type dcat:Dataset`), in any of the formats.
fn datasets_in(body: &str) -> usize {
    body.matches("a dcat:Dataset").count()
        + body
            .matches("{\"@id\":\"http://www.w3.org/ns/dcat#Dataset\"}")
            .count()
        + body
            .matches("rdf:type rdf:resource=\"http://www.w3.org/ns/dcat#Dataset\"")
            .count()
}

async fn published_datasets_in_three_formats_and_no_draft(app: TestApp) {
    let notaries = name_in_state(&app, "công chứng", "published").await;
    let draft = name_in_state(&app, "trợ giúp viên", "draft").await;
    for (ext, media_type) in FORMATS {
        let path = format!("/opendata/catalog.{ext}");
        let (status, ct, body) = get(&app, &path, &[]).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        assert_eq!(ct, media_type, "{path}");
        for needle in [
            NOTARIES,
            BIRTHS,
            "Sở Tư pháp",
            "/agencies/",
            "/resources/",
            "/download",
            "http://publications.europa.eu/resource/authority/file-type/CSV",
            "http://publications.europa.eu/resource/authority/frequency/QUARTERLY",
            "https://creativecommons.org/licenses/by/4.0/",
            "/api/3/action/",
        ] {
            assert!(body.contains(needle), "{path}: {needle} missing in\n{body}");
        }
        assert!(!body.contains(DRAFT), "{path}: the draft appears");
        assert!(!body.contains(&draft), "{path}: the draft's name appears");

        let path = format!("/opendata/datasets/{notaries}.{ext}");
        let (status, ct, body) = get(&app, &path, &[]).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        assert_eq!(ct, media_type, "{path}");
        for needle in [NOTARIES, "Sở Tư pháp", "/download", "text/csv"] {
            assert!(body.contains(needle), "{path}: {needle} missing in\n{body}");
        }
        assert!(!body.contains(BIRTHS), "{path}: another dataset");
        assert_eq!(datasets_in(&body), 1, "{path}:\n{body}");

        let path = format!("/opendata/datasets/{draft}.{ext}");
        let (status, _, body) = get(&app, &path, &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            !body.contains(DRAFT),
            "{path}: the draft's title in the 404"
        );
        let path = format!("/opendata/datasets/no-such-dataset.{ext}");
        assert_eq!(
            get(&app, &path, &[]).await.0,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // The Turtle types what it links, as the shapes want (contact point, landing page,
    // standard) and the distribution's figures.
    let (_, _, ttl) = get(&app, "/opendata/catalog.ttl", &[]).await;
    for needle in [
        "a dcat:Catalog",
        "a dcat:DataService",
        "a dcat:Distribution",
        "vcard:Kind",
        "a foaf:Document",
        "a dct:Standard",
        "a hydra:PagedCollection",
        "xsd:nonNegativeInteger",
        "spdx:checksumValue",
        "dcat:contactPoint",
        "mailto:dulieu.tuphap@tinhso.local",
    ] {
        assert!(ttl.contains(needle), "{needle} missing in\n{ttl}");
    }
    assert_eq!(datasets_in(&ttl), 2, "{ttl}");
    // The pages link to the documents.
    let (_, page) = app.get(&format!("/opendata/datasets/{notaries}")).await;
    assert!(
        page.contains(&format!("/opendata/datasets/{notaries}.ttl")),
        "{page}"
    );
    let (_, list) = app.get("/opendata").await;
    assert!(list.contains("/opendata/catalog.ttl"), "{list}");
}

async fn the_catalogue_is_negotiated_and_cached(app: TestApp) {
    let cases = [
        (None, StatusCode::OK, "text/turtle"),
        (Some("*/*"), StatusCode::OK, "text/turtle"),
        (
            Some("application/ld+json"),
            StatusCode::OK,
            "application/ld+json",
        ),
        (
            Some("text/turtle;q=0.5, application/rdf+xml"),
            StatusCode::OK,
            "application/rdf+xml",
        ),
        (
            Some("text/html"),
            StatusCode::NOT_ACCEPTABLE,
            "application/problem+json",
        ),
    ];
    for (accept, status, media_type) in cases {
        let headers: Vec<(&str, &str)> = accept.map(|a| ("accept", a)).into_iter().collect();
        let resp = app
            .send({
                let mut r = Request::builder().uri("/opendata/catalog");
                for (k, v) in &headers {
                    r = r.header(*k, *v);
                }
                r.body(Body::empty()).unwrap()
            })
            .await;
        assert_eq!(resp.status(), status, "{accept:?}");
        let ct = resp.headers()[header::CONTENT_TYPE].to_str().unwrap();
        assert_eq!(ct, media_type, "{accept:?}");
        if status == StatusCode::OK {
            assert_eq!(resp.headers()[header::VARY], "Accept");
        }
    }
    // The same catalogue gives the same bytes and ETag; a client holding it gets 304.
    let first = app
        .send(
            Request::get("/opendata/catalog.jsonld")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let etag = first.headers()[header::ETAG].to_str().unwrap().to_owned();
    let (_, body) = text(first).await;
    let (_, _, again) = get(&app, "/opendata/catalog.jsonld", &[]).await;
    assert_eq!(body, again);
    let resp = app
        .send(
            Request::get("/opendata/catalog.jsonld")
                .header(header::IF_NONE_MATCH, &etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(resp.headers()[header::ETAG].to_str().unwrap(), etag);
    let resp = app
        .send(
            Request::get("/opendata/catalog.jsonld")
                .header(header::IF_NONE_MATCH, "\"something-else\"")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    // The JSON-LD carries its context inline: a validator needs no network.
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["@context"]["dcat"], "http://www.w3.org/ns/dcat#", "{v}");
}

/// Copies a published dataset `n` times under new names, changed before the demo's.
async fn clone_published(app: &TestApp, n: usize) {
    let source = name_in_state(app, "khai sinh", "published").await;
    for i in 0..n {
        sqlx::query(
            "INSERT INTO opendata_datasets (id, name, agency_id, state, revision_state, metadata,
                published_metadata, issued_at, modified_at, review_due_on, created_by,
                created_at, updated_at)
             SELECT $1, $2, agency_id, state, revision_state, metadata, published_metadata,
                issued_at, $3, review_due_on, created_by, created_at, updated_at
             FROM opendata_datasets WHERE name = $4",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(format!("ban-sao-{i:03}"))
        .bind(format!("2020-01-01T{:02}:{:02}:00Z", i / 60, i % 60))
        .bind(&source)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    }
}

async fn the_catalogue_pages_by_one_hundred(app: TestApp) {
    clone_published(&app, 150).await;
    let total = 152;
    let (status, _, one) = get(&app, "/opendata/catalog.ttl", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, explicit) = get(&app, "/opendata/catalog.ttl?page=1", &[]).await;
    assert_eq!(one, explicit);
    assert_eq!(datasets_in(&one), 100, "{one}");
    assert!(one.contains(&format!("hydra:totalItems {total}")), "{one}");
    assert!(one.contains("hydra:itemsPerPage 100"), "{one}");
    assert!(
        one.contains("/opendata/catalog?page=2\""),
        "next page: {one}"
    );
    assert!(!one.contains("hydra:previousPage"), "{one}");
    // Most recently changed first: the demo's two are on the first page.
    assert!(
        one.contains(NOTARIES) && one.contains("ban-sao-149"),
        "{one}"
    );
    assert!(!one.contains("ban-sao-000"), "{one}");

    for (ext, media_type) in FORMATS {
        let path = format!("/opendata/catalog.{ext}?page=2");
        let (status, ct, two) = get(&app, &path, &[]).await;
        assert_eq!(status, StatusCode::OK, "{path}: {two}");
        assert_eq!(ct, media_type);
        assert_eq!(datasets_in(&two), 52, "{path}:\n{two}");
        assert!(
            two.contains("ban-sao-000") && !two.contains(NOTARIES),
            "{path}"
        );
        assert!(
            two.contains("/opendata/catalog?page=1"),
            "{path}: previous page"
        );
        assert!(!two.contains("nextPage"), "{path}");

        let path = format!("/opendata/catalog.{ext}?page=3");
        let (status, ct, body) = get(&app, &path, &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_eq!(ct, "application/problem+json");
        assert!(body.contains("2 trang"), "{path}: {body}");
    }
}

async fn a_bad_page_is_refused(app: TestApp) {
    for query in [
        "page=0",
        "page=-1",
        "page=abc",
        "page=1.5",
        "page=10001",
        "page=99999999999999999999",
        "page=",
        "page=1&page=2",
    ] {
        for path in [
            "/opendata/catalog",
            "/opendata/catalog.ttl",
            "/opendata/catalog.jsonld",
            "/opendata/catalog.rdf",
        ] {
            let path = format!("{path}?{query}");
            let (status, ct, body) = get(&app, &path, &[]).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
            assert_eq!(ct, "application/problem+json", "{path}");
            let v: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(v["status"], 400, "{path}: {v}");
            assert!(
                v["detail"].as_str().unwrap().contains("page"),
                "{path}: {v}"
            );
        }
    }
    // Other parameters are ignored, as harvesters add their own.
    let (status, _, _) = get(
        &app,
        "/opendata/catalog.ttl?page=1&modified_since=2020-01-01",
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

fn shapes_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dcat-ap-3.0.1")
}

async fn the_documents_conform_to_the_official_shapes(app: TestApp) {
    let shapes = shapes_dir();
    for f in ["dcat-ap-SHACL.ttl", "shapes_recommended.ttl", "NOTICE"] {
        assert!(
            shapes.join(f).is_file(),
            "{} is missing: the official DCAT-AP 3.0.1 shapes must be vendored there \
             (SEMICeu/DCAT-AP 7c531da7, releases/3.0.1; see NOTICE)",
            shapes.join(f).display()
        );
    }
    let required = std::env::var("CI_REQUIRE_PYSHACL").as_deref() == Ok("1");
    let probe = std::process::Command::new("python3")
        .args(["-c", "import pyshacl, rdflib"])
        .output();
    match probe {
        Ok(out) if out.status.success() => {}
        Ok(out) if required => panic!(
            "pyshacl and rdflib are required (CI_REQUIRE_PYSHACL=1): {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) if required => panic!("python3 is required (CI_REQUIRE_PYSHACL=1): {e}"),
        _ => {
            eprintln!("pyshacl absent: DCAT-AP validation not run (CI requires it)");
            return;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let notaries = name_in_state(&app, "công chứng", "published").await;
    let documents = [
        ("catalog", "/opendata/catalog".to_owned()),
        ("dataset", format!("/opendata/datasets/{notaries}")),
    ];
    let mut stems = Vec::new();
    for (file, path) in &documents {
        for (ext, _) in FORMATS {
            let (status, _, body) = get(&app, &format!("{path}.{ext}"), &[]).await;
            assert_eq!(status, StatusCode::OK, "{path}.{ext}");
            std::fs::write(dir.path().join(format!("{file}.{ext}")), body).unwrap();
        }
        stems.push(dir.path().join(file));
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../e2e/dcat/validate.py");
    let out = std::process::Command::new("python3")
        .arg(&script)
        .arg(&shapes)
        .args(&stems)
        .output()
        .expect("python3 runs");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "validate.py failed:\n{said}");
    assert!(said.trim_end().ends_with("ok"), "{said}");
    assert_eq!(said.matches("conforms").count(), 2, "{said}");
}
