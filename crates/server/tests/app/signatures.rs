//! Checking signed PDFs through the platform (issue 15): the API and the public page answer
//! what tinhso-pades finds against the configured trust anchors, and the documents module shows
//! a version's signatures. The PDFs are signed at test time by pyHanko with a throw-away PKI
//! (crates/pades/tests/pyhanko/pki.py): CI requires it (`CI_REQUIRE_PYHANKO=1`).

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Kind, TestApp, multipart, text};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const PASSWORD: &str = "TinhSo@2026";
const CLERK: &str = "vanthu.tuphap@tinhso.local";
const CITIZEN: &str = "congdan@tinhso.local";

/// The fixtures' folder, made once per test binary; `None` when pyHanko is absent outside CI.
fn fixtures() -> Option<&'static Path> {
    static DIR: OnceLock<Option<tempfile::TempDir>> = OnceLock::new();
    DIR.get_or_init(|| {
        let required = std::env::var("CI_REQUIRE_PYHANKO").as_deref() == Ok("1");
        let dir = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../pades/tests/pyhanko/pki.py");
        let out = std::process::Command::new("python3")
            .arg(&script)
            .arg(dir.path())
            .output();
        match out {
            Ok(out) if out.status.success() => Some(dir),
            Ok(out) if required => panic!(
                "pyHanko is required (CI_REQUIRE_PYHANKO=1): {}",
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(e) if required => panic!("python3 is required (CI_REQUIRE_PYHANKO=1): {e}"),
            _ => None,
        }
    })
    .as_ref()
    .map(|d| d.path())
}

fn fixture(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap()
}

/// The demo province, trusting the test PKI's root.
async fn app_trusting(kind: Kind, dir: &Path) -> TestApp {
    let root: PathBuf = dir.join("root.pem");
    TestApp::new_with(kind, |c| c.signatures.trust_anchors_file = Some(root)).await
}

async fn verify(
    app: &TestApp,
    token: Option<&str>,
    name: &str,
    bytes: &[u8],
) -> (StatusCode, Value) {
    let (content_type, body) = multipart(&[], &[("file", name, bytes)]);
    let mut req =
        Request::post("/api/v1/signatures/verify").header(header::CONTENT_TYPE, content_type);
    if let Some(token) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let (status, body) = text(app.send(req.body(Body::from(body)).unwrap()).await).await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

macro_rules! with_fixtures {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    if let Some(dir) = super::fixtures() {
                        super::$name(dir, crate::common::Kind::Sqlite).await;
                    }
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(dir) = super::fixtures() {
                        super::$name(dir, crate::common::Kind::Postgres).await;
                    }
                }
            }
        )*
    };
}

with_fixtures!(
    the_api_tells_valid_tampered_unsigned_and_untrusted_files_apart,
    anyone_checks_a_file_on_the_page_and_bad_files_get_a_clear_message,
    a_document_version_shows_its_signatures_to_those_who_may_read_it
);

async fn the_api_tells_valid_tampered_unsigned_and_untrusted_files_apart(dir: &Path, kind: Kind) {
    let app = app_trusting(kind, dir).await;
    let token = app.token(CLERK, &["documents"]).await;

    let (status, file) = verify(&app, Some(&token), "bt-lt.pdf", &fixture(dir, "bt-lt.pdf")).await;
    assert_eq!(status, StatusCode::OK, "{file}");
    assert_eq!(file["Indication"], "TOTAL-PASSED", "{file}");
    assert_eq!(file["IndicationLabel"], "Hợp lệ");
    assert_eq!(file["FileName"], "bt-lt.pdf");
    let s = &file["Signatures"][0];
    assert_eq!(s["Level"], "B-LT", "{s}");
    assert_eq!(s["TimeProven"], true);
    assert!(s["TimestampTime"].is_string(), "{s}");
    assert!(
        s["TrustAnchor"].as_str().is_some_and(|a| !a.is_empty()),
        "{s}"
    );
    assert_eq!(s["DemoAnchor"], false);
    assert_eq!(s["ModifiedAfterSigning"], false);

    // A page's content replaced after signing: the signature no longer holds.
    let (_, file) = verify(
        &app,
        Some(&token),
        "t.pdf",
        &fixture(dir, "tampered-content.pdf"),
    )
    .await;
    assert_eq!(file["Indication"], "TOTAL-FAILED", "{file}");
    assert_eq!(
        file["Signatures"][0]["ModifiedAfterSigning"], true,
        "{file}"
    );
    assert!(
        file["Signatures"][0]["Reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["Message"] == "Văn bản đã bị sửa đổi sau khi ký"),
        "{file}"
    );

    let (_, file) = verify(&app, Some(&token), "u.pdf", &fixture(dir, "unsigned.pdf")).await;
    assert_eq!(file["Indication"], "NO-SIGNATURE", "{file}");
    assert_eq!(file["Signatures"].as_array().map(Vec::len), Some(0));

    // Signed under a root the platform does not trust.
    let (_, file) = verify(&app, Some(&token), "e.pdf", &fixture(dir, "expired.pdf")).await;
    assert_ne!(file["Indication"], "TOTAL-PASSED", "{file}");

    // Not a PDF, whatever its name: a problem the caller can read.
    let (status, problem) = verify(&app, Some(&token), "giả.pdf", b"<html>not a pdf</html>").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "file");
    let (status, problem) = verify(&app, Some(&token), "cut.pdf", b"%PDF-1.7\n1 0 obj\n<<").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");

    let (status, _) = verify(&app, None, "bt-lt.pdf", &fixture(dir, "bt-lt.pdf")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Without the anchor configured, the same file's chain is undetermined.
    let untrusting = TestApp::new(kind).await;
    let token = untrusting.token(CLERK, &["documents"]).await;
    let (_, file) = verify(
        &untrusting,
        Some(&token),
        "bt-lt.pdf",
        &fixture(dir, "bt-lt.pdf"),
    )
    .await;
    assert_eq!(file["Indication"], "INDETERMINATE", "{file}");
}

async fn anyone_checks_a_file_on_the_page_and_bad_files_get_a_clear_message(
    dir: &Path,
    kind: Kind,
) {
    let app = app_trusting(kind, dir).await;
    let (status, html) = app.get("/signatures/verify").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Kiểm tra chữ ký số"), "{html}");

    let pdf = fixture(dir, "bt.pdf");
    let (status, html, _) = app
        .post_multipart(
            "/signatures/verify",
            "/signatures/verify",
            &[],
            &[("file", "quyet-dinh.pdf", &pdf)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("data-testid=\"sig-overall\""), "{html}");
    assert!(html.contains("<strong>Hợp lệ</strong>"), "{html}");
    assert!(html.contains("quyet-dinh.pdf"));

    let (status, html, _) = app
        .post_multipart(
            "/signatures/verify",
            "/signatures/verify",
            &[],
            &[("file", "anh.pdf", b"\x89PNG\r\n")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Tệp không phải PDF"), "{html}");

    // Without its form's token a post is refused (CSRF).
    let (content_type, body) = multipart(&[], &[("file", "a.pdf", &pdf)]);
    let req = Request::post("/signatures/verify")
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    assert_eq!(app.send(req).await.status(), StatusCode::FORBIDDEN);
}

async fn a_document_version_shows_its_signatures_to_those_who_may_read_it(dir: &Path, kind: Kind) {
    let app = app_trusting(kind, dir).await;
    let clerk = app.token(CLERK, &["documents"]).await;
    let (content_type, body) = multipart(
        &[
            ("CodeNumber", "31/QĐ-UBND"),
            ("OrganName", "Ủy ban nhân dân tỉnh Thanh Hóa"),
            ("Subject", "Quyết định công bố thủ tục hành chính"),
            ("IssuedDate", "2026-11-24"),
            ("Source", "email"),
        ],
        &[("file", "quyet-dinh.pdf", &fixture(dir, "bt-lt.pdf"))],
    );
    let req = Request::post("/api/v1/documents/incoming")
        .header(header::AUTHORIZATION, format!("Bearer {clerk}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    let (status, doc) = text(app.send(req).await).await;
    assert_eq!(status, StatusCode::CREATED, "{doc}");
    let doc: Value = serde_json::from_str(&doc).unwrap();
    let id = doc["Id"].as_str().unwrap();

    let (status, _, _) = app.login(CLERK, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let signatures = format!("/office/documents/{id}/versions/1/signatures");
    let (_, page) = app.get(&format!("/office/documents/{id}")).await;
    assert!(
        page.contains(&signatures),
        "the version links to its signatures"
    );
    let (status, html) = app.get(&signatures).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("data-testid=\"doc-signatures\""), "{html}");
    assert!(html.contains(">Hợp lệ<"), "{html}");
    assert!(html.contains("PAdES B-LT"), "{html}");

    // Someone who may not read the document learns nothing of it.
    app.clear_cookies();
    let (status, _, _) = app.login(CITIZEN, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, html) = app.get(&signatures).await;
    assert!(
        matches!(status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
        "{status} {html}"
    );
    assert!(!html.contains("Hợp lệ"));
}
