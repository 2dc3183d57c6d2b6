//! Signature and seal images (Decree 30/2020 Appendix I; docs/signatures-design.md §3), on
//! both databases: the leader uploads their signature image on their page, the agency's
//! administrator the seal image on the agency's; bad uploads (a text file named .png, a file
//! over 1 MB, a truncated PNG) are refused with the reason and keep nothing. The leader then
//! signs: the signed PDF carries the image (`pdfimages -list`); the clerk issues with the seal:
//! the seal's image lies over the left third of the leader's, both signatures valid for us and
//! for pyHanko. The API takes an upload too and answers problem+json.

use crate::common::{self, Kind, TestApp, multipart};
use crate::document_signing::{
    CLERK, LEADER, PASSWORD, act, approve, awaiting_approval, pyhanko_accepts, sign, verified,
    version_bytes,
};
use axum::http::StatusCode;
use serde_json::json;

const ADMIN: &str = "quantri.hacthanh@tinhso.local";

on_both_kinds!(via app:
    images_are_uploaded_and_drawn_with_the_seal_over_the_left_third,
    bad_images_are_refused_and_nothing_is_kept,
);

async fn app(kind: Kind) -> TestApp {
    TestApp::new_with(kind, |c| c.signatures.online_revocation = false).await
}

/// A PNG drawn here: RGBA on a transparent background, a stroke or (for a seal) a red ring.
fn png_image(width: u32, height: u32, ring: bool) -> Vec<u8> {
    let mut data = vec![0u8; (width * height * 4) as usize];
    for y in 0..height {
        for x in 0..width {
            let inked = if ring {
                let dx = f64::from(x) - f64::from(width) / 2.0;
                let dy = f64::from(y) - f64::from(height) / 2.0;
                let r = (dx * dx + dy * dy).sqrt() / (f64::from(width) / 2.0);
                (0.8..0.95).contains(&r)
            } else {
                (y * width / height).abs_diff(x) < 3
            };
            if inked {
                let i = ((y * width + x) * 4) as usize;
                let colour = if ring {
                    [200, 0, 0, 255]
                } else {
                    [0, 0, 110, 255]
                };
                data[i..i + 4].copy_from_slice(&colour);
            }
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder
        .write_header()
        .unwrap()
        .write_image_data(&data)
        .unwrap();
    out
}

/// Signs in `email` on the pages (with the second factor for an administrator).
async fn login(app: &TestApp, email: &str) {
    app.clear_cookies();
    let (status, body, _) = app.login(email, PASSWORD).await;
    assert!(status.is_redirection(), "{status}: {body}");
}

async fn login_admin(app: &TestApp) {
    let secret = app.enable_totp(ADMIN).await;
    login(app, ADMIN).await;
    let code = tinhso::auth::totp::code_at(&secret, chrono::Utc::now().timestamp() as u64).unwrap();
    let (status, body, _) = app
        .post_form("/login/totp", "/login/totp", &[("code", &code)])
        .await;
    assert!(status.is_redirection(), "{status}: {body}");
}

/// Uploads `bytes` as `name` on the image page at `path`: status, body, redirect.
async fn upload(
    app: &TestApp,
    path: &str,
    name: &str,
    bytes: &[u8],
) -> (StatusCode, String, Option<String>) {
    app.post_multipart(path, path, &[], &[("file", name, bytes)])
        .await
}

fn objects_under(app: &TestApp, prefix: &str) -> usize {
    walk(&app.state.config.data_dir.join("files").join(prefix))
}

fn walk(dir: &std::path::Path) -> usize {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .flatten()
            .map(|e| {
                if e.path().is_dir() {
                    walk(&e.path())
                } else {
                    1
                }
            })
            .sum(),
        Err(_) => 0,
    }
}

/// `pdfimages -list` of `pdf`: each image's type ("image", "smask"), width and height.
fn pdf_images(pdf: &[u8]) -> Vec<(String, u32, u32)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("signed.pdf");
    std::fs::write(&path, pdf).unwrap();
    let output = std::process::Command::new("pdfimages")
        .arg("-list")
        .arg(&path)
        .output()
        .expect("pdfimages is required for these tests (apt-get install poppler-utils)");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .skip(2)
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (
                f[2].to_owned(),
                f[3].parse().unwrap(),
                f[4].parse().unwrap(),
            )
        })
        .collect()
}

async fn images_are_uploaded_and_drawn_with_the_seal_over_the_left_third(app: TestApp) {
    // The leader's signature image, on their own page.
    login(&app, LEADER).await;
    let (status, page) = app.get("/signatures/my-image").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("data-testid=\"sig-image-none\""), "{page}");
    let signature = png_image(300, 100, false);
    let (status, body, location) =
        upload(&app, "/signatures/my-image", "chu-ky.png", &signature).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(location.as_deref(), Some("/signatures/my-image"));
    let (_, page) = app.get("/signatures/my-image").await;
    assert!(page.contains("png · 300×100"), "{page}");
    let req = axum::http::Request::get("/signatures/my-image/file")
        .body(axum::body::Body::empty())
        .unwrap();
    let resp = app.send(req).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "image/png");
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    // A leader is no agency administrator: the seal page is not theirs.
    let (status, _) = app.get("/signatures/agency-seal").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The agency's seal image, by its administrator.
    login_admin(&app).await;
    let (status, body, _) = upload(
        &app,
        "/signatures/agency-seal",
        "con-dau.png",
        &png_image(200, 200, true),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(objects_under(&app, "stamp-images"), 2);
    assert_eq!(
        app.count_where("audit_log", "action", "stamp_image.set")
            .await,
        2
    );

    // The leader signs: the signature image is in the file, with its soft mask.
    let id = awaiting_approval(&app).await;
    let (status, version) = sign(&app, LEADER, &id).await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    let leader_signed = version_bytes(&app, &id, 2).await;
    assert_eq!(
        pdf_images(&leader_signed),
        [
            ("image".to_owned(), 300, 100),
            ("smask".to_owned(), 300, 100)
        ]
    );
    assert_eq!(
        verified(&app, &leader_signed).await["Indication"],
        "TOTAL-PASSED"
    );
    approve(&app, &id).await;

    // The clerk issues with the seal: its image over the left third of the leader's.
    let (status, doc) = act(&app, CLERK, &id, json!({ "Action": "issue", "Seal": true })).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    let sealed = version_bytes(&app, &id, 3).await;
    let images = pdf_images(&sealed);
    assert_eq!(images.len(), 4, "{images:?}");
    assert!(
        images.contains(&("image".to_owned(), 200, 200)),
        "{images:?}"
    );
    let (_, stamps) = tinhso_pades::sign::last_page_stamps(&sealed).unwrap();
    assert_eq!(stamps.len(), 2, "{stamps:?}");
    let (side, leader) = stamps[0].image.unwrap();
    assert_eq!(side, tinhso_pades::sign::ImageSide::Left);
    let (side, seal) = stamps[1].image.unwrap();
    assert_eq!(side, tinhso_pades::sign::ImageSide::Right);
    let third = leader[0] + (leader[2] - leader[0]) / 3.0;
    assert!((seal[2] - third).abs() < 0.01, "{seal:?} over {leader:?}");
    assert!(seal[0] < leader[0], "{seal:?} over {leader:?}");
    assert!(
        seal[1] < leader[3] && seal[3] > leader[1],
        "{seal:?} over {leader:?}"
    );
    let report = verified(&app, &sealed).await;
    assert_eq!(report["Indication"], "TOTAL-PASSED", "{report:#}");
    assert_eq!(report["Signatures"].as_array().unwrap().len(), 2);
    pyhanko_accepts(&app, &sealed, 2).await;

    // Removing the image: signing goes back to text alone; audited.
    login(&app, LEADER).await;
    let (status, _, _) = app
        .post_form("/signatures/my-image", "/signatures/my-image/delete", &[])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count_where("audit_log", "action", "stamp_image.remove")
            .await,
        1
    );
    assert_eq!(objects_under(&app, "stamp-images"), 1);
}

async fn bad_images_are_refused_and_nothing_is_kept(app: TestApp) {
    login(&app, LEADER).await;
    let good = png_image(300, 100, false);
    let big = {
        // Over 1 MB: noise does not compress.
        let mut v = good.clone();
        v.extend((0..5 * 1024 * 1024u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
        v
    };
    for (name, bytes, message) in [
        (
            "chu-ky.png",
            b"day la van ban, khong phai anh".to_vec(),
            "Tệp không phải ảnh PNG hoặc JPEG.",
        ),
        ("lon.png", big, "lớn hơn 1 MB"),
        (
            "cut.png",
            good[..good.len() / 2].to_vec(),
            "Ảnh PNG bị hỏng hoặc không đọc được.",
        ),
        ("nho.png", png_image(8, 8, false), "từ 16 đến 2000 điểm ảnh"),
        ("chu-ky.gif", good.clone(), "Chỉ nhận tệp ảnh"),
    ] {
        let (status, body, _) = upload(&app, "/signatures/my-image", name, &bytes).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert!(body.contains(message), "{name}: {message}: {body}");
    }
    assert_eq!(objects_under(&app, "stamp-images"), 0);
    assert_eq!(
        app.count_where("audit_log", "action", "stamp_image.set")
            .await,
        0
    );
    let (_, page) = app.get("/signatures/my-image").await;
    assert!(page.contains("data-testid=\"sig-image-none\""), "{page}");

    // Without the CSRF token: refused.
    let (content_type, body) = multipart(&[], &[("file", "chu-ky.png", &good)]);
    let req = axum::http::Request::post("/signatures/my-image")
        .header("content-type", content_type)
        .body(axum::body::Body::from(body))
        .unwrap();
    assert_eq!(app.send(req).await.status(), StatusCode::FORBIDDEN);

    // The API: problem+json for a bad file, the image's facts for a good one.
    let token = app.token(LEADER, &["documents"]).await;
    let put = |bytes: Vec<u8>| {
        let (content_type, body) = multipart(&[], &[("file", "chu-ky.png", &bytes)]);
        axum::http::Request::put("/api/v1/signatures/my-image")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", content_type)
            .body(axum::body::Body::from(body))
            .unwrap()
    };
    let resp = app.send(put(b"GIF89a".to_vec())).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let (_, body) = common::text(resp).await;
    assert!(body.contains("Tệp không phải ảnh PNG hoặc JPEG."), "{body}");
    assert_eq!(objects_under(&app, "stamp-images"), 0);
    let (status, body) = common::text(app.send(put(good)).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let info: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(info["Width"], 300);
    assert_eq!(info["MediaType"], "image/png");
    assert_eq!(objects_under(&app, "stamp-images"), 1);
    // A citizen has no signature image.
    let citizen = app.token("congdan@tinhso.local", &["documents"]).await;
    let (content_type, body) =
        multipart(&[], &[("file", "chu-ky.png", &png_image(300, 100, false))]);
    let req = axum::http::Request::put("/api/v1/signatures/my-image")
        .header("authorization", format!("Bearer {citizen}"))
        .header("content-type", content_type)
        .body(axum::body::Body::from(body))
        .unwrap();
    assert_eq!(app.send(req).await.status(), StatusCode::FORBIDDEN);
}
