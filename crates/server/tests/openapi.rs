//! The OpenAPI document is generated from the handlers and describes what the API serves.

mod common;

use axum::http::StatusCode;
use common::{Kind, TestApp};

#[tokio::test]
async fn openapi_document_lists_the_api() {
    let app = TestApp::empty(Kind::Sqlite).await;
    let (status, doc) = app.api("GET", "/api/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/v1/agencies",
        "/api/v1/agencies/{code}",
        "/api/v1/me",
        "/api/v1/officials",
        "/api/v1/audit",
        "/api/v1/tokens/{id}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
    assert!(doc["components"]["schemas"]["Agency"].is_object());
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

#[test]
fn every_template_key_is_translated() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
    let mut missing = Vec::new();
    for entry in walk(std::path::Path::new(dir)) {
        let text = std::fs::read_to_string(&entry).unwrap();
        for (i, _) in text.match_indices("t.") {
            let before = text[..i].chars().last().unwrap_or(' ');
            if before.is_alphanumeric() || before == '_' || before == '.' {
                continue;
            }
            let key: String = text[i + 2..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if key.is_empty() {
                continue;
            }
            for lang in [tinhso::web::i18n::Lang::Vi, tinhso::web::i18n::Lang::En] {
                if !tinhso::web::i18n::table(lang).contains_key(&key) {
                    missing.push(format!("{}: {key} ({:?})", entry.display(), lang));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "untranslated keys:\n{}",
        missing.join("\n")
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p))
        } else {
            out.push(p)
        }
    }
    out
}
