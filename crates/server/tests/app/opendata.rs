//! The open data portal (issue 17, docs/opendata-design.md slice 2) through HTTP on both
//! databases: a data officer drafts a dataset and uploads a TCVN3 CSV (converted, the report
//! says so), submits it; the agency's leader approves it; anyone reads and downloads it
//! without signing in (counted); unpublishing needs a reason and is audited. Bad files — a
//! malformed CSV, an unknown encoding, a GeoJSON that is not, an unknown type, a 1 GB or an
//! oversize body — are refused with a message and store nothing; a draft asked for by id or
//! by name is a 404 for everyone outside its agency.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{TestApp, text};

const PASSWORD: &str = "TinhSo@2026";
const OFFICER: &str = "dulieu.tuphap@tinhso.local";
const LEADER: &str = "lanhdao.tuphap@tinhso.local";
const CLERK: &str = "motcua.tuphap@tinhso.local";
const WARD_LEADER: &str = "lanhdao.hacthanh@tinhso.local";
const ADMIN: &str = "admin@tinhso.local";

const TCVN3: &[u8] = include_bytes!("../../../tabular/fixtures/truong-hoc.tcvn3.csv");
const UTF8: &[u8] = include_bytes!("../../../tabular/fixtures/truong-hoc.csv");
const VNI: &[u8] = include_bytes!("../../../tabular/fixtures/vni.csv");
const RAGGED: &[u8] = include_bytes!("../../../tabular/fixtures/ragged.csv");
const NOT_GEOJSON: &[u8] = include_bytes!("../../../tabular/fixtures/not-geojson.geojson");

on_both_databases!(
    a_dataset_goes_from_draft_to_public_and_down_again,
    bad_files_are_refused_with_their_report_and_nothing_is_stored,
    a_dataset_not_public_does_not_exist_outside_its_agency,
    the_api_lists_what_is_published,
);

async fn sign_in(app: &TestApp, email: &str) {
    app.clear_cookies();
    let (status, body, _) = app.login(email, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{email} signs in: {body}");
}

/// A new draft by the data officer (signed in); its id.
async fn create(app: &TestApp, title: &str) -> String {
    let (status, body, location) = app
        .post_form(
            "/office/opendata/new",
            "/office/opendata/new",
            &[
                ("title", title),
                ("notes", "Danh sách các trường trên địa bàn (thử nghiệm)."),
                ("field", "giao-duc"),
                ("tags", "trường học, giáo dục, trường học"),
                ("licence", "cc-by"),
                ("frequency", "ANNUAL"),
                ("temporal_start", "2025-09-01"),
                ("temporal_end", "2026-05-31"),
                ("spatial", "Tỉnh Thanh Hóa"),
                ("contact_name", "Phòng Hành chính tư pháp"),
                ("contact_email", "dulieu.tuphap@tinhso.local"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let location = location.unwrap();
    let id = location
        .strip_prefix("/office/opendata/")
        .and_then(|rest| rest.split('?').next())
        .unwrap();
    id.to_owned()
}

async fn upload(
    app: &TestApp,
    id: &str,
    name: &str,
    file_name: &str,
    bytes: &[u8],
) -> (StatusCode, String) {
    let page = format!("/office/opendata/{id}");
    let action = format!("/office/opendata/{id}/upload");
    let (status, body, _) = app
        .post_multipart(
            &page,
            &action,
            &[("name", name)],
            &[("file", file_name, bytes)],
        )
        .await;
    (status, body)
}

async fn decide(app: &TestApp, id: &str, decision: &str, reason: &str) -> (StatusCode, String) {
    let page = format!("/office/opendata/{id}");
    let action = format!("/office/opendata/{id}/decision");
    let (status, body, _) = app
        .post_form(
            &page,
            &action,
            &[("decision", decision), ("reason", reason)],
        )
        .await;
    (status, body)
}

async fn name_of(app: &TestApp, id: &str) -> String {
    sqlx::Row::get(
        &sqlx::query("SELECT name FROM opendata_datasets WHERE id = $1")
            .bind(id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap(),
        "name",
    )
}

async fn audited(app: &TestApp, id: &str) -> Vec<String> {
    let rows = sqlx::query(
        "SELECT action FROM audit_log WHERE entity_type = 'dataset' AND entity_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    rows.iter().map(|r| sqlx::Row::get(r, "action")).collect()
}

async fn versions_of(app: &TestApp, id: &str) -> i64 {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM opendata_versions v
         JOIN opendata_resources r ON r.id = v.resource_id WHERE r.dataset_id = $1",
    )
    .bind(id)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    sqlx::Row::get(&row, "n")
}

/// Files the object store holds under `opendata/<id>/`.
fn stored_files(app: &TestApp, id: &str) -> usize {
    let dir = app.dir.path().join("files").join("opendata").join(id);
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

/// Whether CKAN's `package_search` and `package_list` name the dataset.
async fn ckan_finds(app: &TestApp, name: &str) -> bool {
    let (_, search) = app
        .api("GET", "/api/3/action/package_search?rows=1000", None, None)
        .await;
    let (_, list) = app
        .api("GET", "/api/3/action/package_list", None, None)
        .await;
    let in_search = search["result"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["name"] == name);
    let in_list = list["result"].as_array().unwrap().iter().any(|n| n == name);
    assert_eq!(in_search, in_list, "search and list agree on {name}");
    in_search
}

async fn a_dataset_goes_from_draft_to_public_and_down_again(app: TestApp) {
    sign_in(&app, OFFICER).await;
    let id = create(&app, "Danh sách trường học năm học 2025–2026").await;
    let name = name_of(&app, &id).await;
    assert_eq!(name, "danh-sach-truong-hoc-nam-hoc-2025-2026");
    let public = format!("/opendata/datasets/{name}");

    // A TCVN3 file is converted, and the page shows the check's report.
    let (status, body) = upload(&app, &id, "Danh sách trường", "truong-hoc.csv", TCVN3).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let (status, page) = app.get(&format!("/office/opendata/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("tcvn3"), "the report names the encoding");
    assert!(
        page.contains("Trường Tiểu học Hòa Bình"),
        "converted to Unicode"
    );
    assert!(page.contains("đã được chuyển sang Unicode"), "and says so");
    assert!(page.contains("Đã bỏ qua 1 dòng trống"));
    assert_eq!(stored_files(&app, &id), 1);

    // Not public yet: nobody outside sees it, CKAN clients neither.
    app.clear_cookies();
    assert_eq!(app.get(&public).await.0, StatusCode::NOT_FOUND);
    assert!(!ckan_finds(&app, &name).await);

    sign_in(&app, OFFICER).await;
    let (status, _) = decide(&app, &id, "submit", "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // Submitted: frozen for the officer, who cannot approve either.
    let (status, body) = upload(&app, &id, "Thêm", "a.csv", UTF8).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        decide(&app, &id, "approve", "").await.0,
        StatusCode::FORBIDDEN
    );

    sign_in(&app, LEADER).await;
    let (status, body) = decide(&app, &id, "return", "  ").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("Cần nêu lý do trả lại."));
    let (status, _) = decide(&app, &id, "approve", "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // Public: read and downloaded without signing in, the download counted; CKAN clients
    // find it at once (the node's catalogue copy is read again after a change).
    app.clear_cookies();
    assert!(ckan_finds(&app, &name).await);
    let (status, page) = app.get(&public).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Danh sách trường học năm học 2025–2026"));
    assert!(page.contains("Creative Commons Attribution 4.0"));
    assert!(page.contains("Tư pháp") || page.contains("Sở Tư pháp"));
    let (_, dataset) = app
        .api(
            "GET",
            &format!("/api/v1/opendata/datasets/{name}"),
            None,
            None,
        )
        .await;
    let resource = &dataset["resources"][0];
    assert_eq!(resource["format"], "CSV");
    assert_eq!(resource["rows"], 4);
    assert_eq!(resource["downloads"], 0);
    assert_eq!(
        dataset["tags"],
        serde_json::json!(["trường học", "giáo dục"])
    );
    assert_eq!(dataset["licence"], "cc-by");
    assert_eq!(dataset["frequency"], "ANNUAL");
    assert!(dataset["review_due_on"].as_str().is_some());
    let url = resource["url"].as_str().unwrap().to_owned();
    let resp = app
        .send(Request::get(&url).body(Body::empty()).unwrap())
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .unwrap()
        .to_bytes();
    assert_eq!(&bytes[..], TCVN3, "served as uploaded");
    let (_, dataset) = app
        .api(
            "GET",
            &format!("/api/v1/opendata/datasets/{name}"),
            None,
            None,
        )
        .await;
    assert_eq!(dataset["resources"][0]["downloads"], 1);

    // Unpublishing needs a reason, and is audited with it.
    sign_in(&app, LEADER).await;
    let (status, body) = decide(&app, &id, "unpublish", "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("Cần nêu lý do gỡ công khai."));
    let (status, _) = decide(&app, &id, "unpublish", "Có số điện thoại cá nhân").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    app.clear_cookies();
    assert_eq!(app.get(&public).await.0, StatusCode::NOT_FOUND);
    assert!(
        !ckan_finds(&app, &name).await,
        "gone from CKAN search at once"
    );
    assert_eq!(
        audited(&app, &id).await,
        [
            "opendata.create",
            "opendata.upload",
            "opendata.submit",
            "opendata.approve",
            "opendata.unpublish"
        ]
    );
    let reason: String = sqlx::Row::get(
        &sqlx::query(
            "SELECT after_json FROM audit_log WHERE entity_id = $1 AND action = 'opendata.unpublish'",
        )
        .bind(&id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap(),
        "after_json",
    );
    assert!(reason.contains("Có số điện thoại cá nhân"));
    assert_eq!(
        app.count_where("outbox_events", "kind", "dataset.published")
            .await,
        3,
        "two demo datasets and this one"
    );
}

async fn bad_files_are_refused_with_their_report_and_nothing_is_stored(app: TestApp) {
    sign_in(&app, OFFICER).await;
    let id = create(&app, "Tệp lỗi").await;
    let cases: &[(&str, &[u8], &str)] = &[
        (
            "bang.csv",
            RAGGED,
            "Dòng 3 có 2 cột, dòng tiêu đề có 3 cột.",
        ),
        ("vni.csv", VNI, "CSV UTF-8"),
        (
            "ranh-gioi.geojson",
            NOT_GEOJSON,
            "Đối tượng thứ 2 không hợp lệ",
        ),
        (
            "bang.csv",
            b"%PDF-1.7 not a table",
            "Nội dung tệp không phải định dạng CSV.",
        ),
        (
            "chuong-trinh.exe",
            b"MZ",
            "Chỉ nhận tệp CSV, XLSX, JSON, GeoJSON hoặc PDF.",
        ),
        ("bang.xlsx", b"PK\x03\x04broken", "Tệp XLSX bị lỗi"),
        ("trong.csv", b"", "Chọn một tệp để tải lên."),
    ];
    for (file_name, bytes, message) in cases {
        let (status, body) = upload(&app, &id, "Bảng", file_name, bytes).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{file_name}: {body}"
        );
        assert!(body.contains(message), "{file_name}: {message} in {body}");
        assert!(
            body.contains("value=\"Bảng\""),
            "{file_name}: the name typed is kept"
        );
    }
    // A declared 1 GB body is refused before it is read, and an oversize one while read.
    let csrf = app.csrf(&format!("/office/opendata/{id}")).await;
    let req = Request::post(format!("/office/opendata/{id}/upload"))
        .header(header::CONTENT_TYPE, "multipart/form-data; boundary=x")
        .header(header::CONTENT_LENGTH, "1073741824")
        .header("x-csrf-token", csrf.as_str())
        .body(Body::from("--x--"))
        .unwrap();
    let (status, _) = text(app.send(req).await).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let big = vec![b'a'; 21 * 1024 * 1024];
    let (status, _) = upload(&app, &id, "Bảng", "lon.csv", &big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(versions_of(&app, &id).await, 0);
    assert_eq!(stored_files(&app, &id), 0);
    // The check's findings read in English too.
    use tinhso::web::i18n::{Lang, message};
    assert_eq!(
        message(Lang::En, "Dòng 3 có 2 cột, dòng tiêu đề có 3 cột."),
        "Line 3 has 2 columns, the header has 3."
    );
    assert_eq!(audited(&app, &id).await, ["opendata.create"]);
    // Nothing to submit yet.
    let (status, body) = decide(&app, &id, "submit", "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("ít nhất một tài nguyên"));
    // A link is never fetched; a bad one is refused with what was typed.
    let page = format!("/office/opendata/{id}");
    let action = format!("/office/opendata/{id}/links");
    let (status, body, _) = app
        .post_form(
            &page,
            &action,
            &[
                ("link_name", "Cổng quốc gia"),
                ("url", "javascript:alert(1)"),
                ("link_format", "CSV"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("Đường liên kết bắt đầu bằng"));
    assert!(body.contains("Cổng quốc gia"));
    // Bad metadata comes back with what was typed.
    let (status, body, _) = app
        .post_form(
            "/office/opendata/new",
            "/office/opendata/new",
            &[
                ("title", "Giữ lại tên này"),
                ("field", "khong-co"),
                ("temporal_start", "2026-05-01"),
                ("temporal_end", "2026-01-01"),
                ("contact_name", "A"),
                ("contact_email", "khong-phai-email"),
                ("name", "Có Dấu"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "Chọn một lĩnh vực trong danh sách.",
        "Ngày kết thúc không được trước ngày bắt đầu.",
        "Địa chỉ email không hợp lệ.",
        "Tên đường dẫn chỉ gồm chữ thường",
        "Giữ lại tên này",
    ] {
        assert!(body.contains(message), "{message}");
    }
}

async fn a_dataset_not_public_does_not_exist_outside_its_agency(app: TestApp) {
    let row = sqlx::query("SELECT id, name FROM opendata_datasets WHERE state = 'draft'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let id: String = sqlx::Row::get(&row, "id");
    let name: String = sqlx::Row::get(&row, "name");
    let office = format!("/office/opendata/{id}");
    for who in [CLERK, WARD_LEADER, ADMIN] {
        sign_in(&app, who).await;
        let (status, _) = app.get(&office).await;
        // The system administrator must enrol a second factor first; either way, no page.
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::SEE_OTHER,
            "{who}: {status}"
        );
        assert_ne!(status, StatusCode::OK, "{who}");
    }
    // A published dataset's office page shows its open revision and every version's report
    // (cell values among them): officials of other agencies get the public page only.
    let published = sqlx::query("SELECT id, name FROM opendata_datasets WHERE state = 'published'")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    let published_id: String = sqlx::Row::get(&published[0], "id");
    let published_name: String = sqlx::Row::get(&published[0], "name");
    for who in [CLERK, WARD_LEADER] {
        sign_in(&app, who).await;
        let (status, _) = app.get(&format!("/office/opendata/{published_id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}");
        let (status, _) = app
            .get(&format!("/opendata/datasets/{published_name}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{who}");
    }
    app.clear_cookies();
    assert_eq!(
        app.get(&format!("/opendata/datasets/{name}")).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, problem) = app
        .api(
            "GET",
            &format!("/api/v1/opendata/datasets/{name}"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(problem["status"], 404);
    // Inside the agency: the officer edits, the leader reads but does not upload.
    sign_in(&app, OFFICER).await;
    assert_eq!(app.get(&office).await.0, StatusCode::OK);
    sign_in(&app, LEADER).await;
    let (status, page) = app.get(&office).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("od-upload"), "no upload form for the leader");
    let (status, _) = upload(&app, &id, "Bảng", "a.csv", UTF8).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(versions_of(&app, &id).await, 1, "the demo's one file only");
}

async fn the_api_lists_what_is_published(app: TestApp) {
    let (status, list) = app
        .api("GET", "/api/v1/opendata/datasets", None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let list = list.as_array().unwrap();
    assert_eq!(
        list.len(),
        2,
        "the demo's two published datasets, not its draft"
    );
    for d in list {
        assert_eq!(d["publisher"], "000.00.14.H56");
        let r = &d["resources"][0];
        assert_eq!(r["kind"], "upload");
        assert_eq!(r["sha256"].as_str().unwrap().len(), 64);
        assert!(r["url"].as_str().unwrap().ends_with("/download"));
    }
    let (status, _) = app
        .api("GET", "/api/v1/opendata/datasets?page=0", None, None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, page) = app.get("/opendata").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Danh sách tổ chức hành nghề công chứng (minh họa)"));
    assert!(!page.contains("trợ giúp viên"));
}
