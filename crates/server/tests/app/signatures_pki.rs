//! The demo certificate authority through the platform (docs/signatures-design.md §5, slice 4):
//! made once with the demo province, its `/pki` services checked by Debian's `openssl` (OCSP
//! requests openssl made, posted and fetched by GET; the CRLs; RFC 3161 timestamps), garbage
//! answered in each protocol's own words, and `/admin/signatures` for system administrators
//! only, its revocations and trust changes in the audit trail. `openssl` is required (the tests
//! fail without it, as `scripts/test-all` installs it).

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Kind, TestApp};
use http_body_util::BodyExt;
use std::path::Path;
use std::process::{Command, Output};

const PASSWORD: &str = "TinhSo@2026";
const ADMIN: &str = "admin@tinhso.local";
const CLERK: &str = "vanthu.tuphap@tinhso.local";
const LEADER: &str = "lanhdao.tuphap@tinhso.local";

on_both_databases!(
    the_demo_seed_creates_the_ca_once,
    revocation_by_the_admin_reaches_ocsp_and_the_crl,
    timestamps_verify_and_garbage_gets_protocol_errors,
    only_system_admins_manage_the_demo_ca_and_every_change_is_audited,
);

/// Runs Debian's `openssl` in `dir`; a missing binary fails the test.
fn openssl(dir: &Path, args: &[&str]) -> Output {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl CLI is required for these tests (apt-get install openssl)")
}

fn said(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn succeeds(output: &Output) -> String {
    let all = said(output);
    assert!(output.status.success(), "openssl failed:\n{all}");
    all
}

/// A request's status, content type and body bytes.
async fn raw(app: &TestApp, req: Request<Body>) -> (StatusCode, String, Vec<u8>) {
    let response = app.send(req).await;
    let status = response.status();
    let media_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, media_type, body.to_vec())
}

async fn fetch(app: &TestApp, path: &str) -> (StatusCode, String, Vec<u8>) {
    raw(app, Request::get(path).body(Body::empty()).unwrap()).await
}

async fn post(app: &TestApp, path: &str, media_type: &str, body: Vec<u8>) -> (String, Vec<u8>) {
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, media_type)
        .body(Body::from(body))
        .unwrap();
    let (status, media_type, body) = raw(app, req).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "POST {path} answers in its protocol"
    );
    (media_type, body)
}

/// A temporary folder holding the CA's certificates as PEM (`root.pem`, `issuing.pem`),
/// fetched from the published URLs, and the named holders' certificates from the table.
async fn workdir(app: &TestApp, holders: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in ["root", "issuing"] {
        let (status, media_type, der) = fetch(app, &format!("/pki/ca/{name}.cer")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(media_type, "application/pkix-cert");
        to_pem(dir.path(), name, &der);
    }
    for (email, name) in holders {
        to_pem(dir.path(), name, &certificate_of(app, email).await);
    }
    dir
}

fn to_pem(dir: &Path, name: &str, der: &[u8]) {
    std::fs::write(dir.join(format!("{name}.der")), der).unwrap();
    let der_file = format!("{name}.der");
    let pem_file = format!("{name}.pem");
    succeeds(&openssl(
        dir,
        &[
            "x509", "-inform", "DER", "-in", &der_file, "-out", &pem_file,
        ],
    ));
}

/// The row of the certificate the demo CA issued to the account `email`.
async fn holder_row(app: &TestApp, email: &str) -> sqlx::any::AnyRow {
    sqlx::query(
        "SELECT c.id, c.serial, c.certificate, c.sealed_key FROM pki_certificates c
           JOIN users u ON u.id = c.user_id WHERE u.email = $1",
    )
    .bind(email)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap()
}

/// The DER certificate the demo CA issued to the account `email`.
async fn certificate_of(app: &TestApp, email: &str) -> Vec<u8> {
    let row = holder_row(app, email).await;
    tinhso_signatures::pki::decode_b64(&sqlx::Row::get::<String, _>(&row, "certificate")).unwrap()
}

async fn certificate_id(app: &TestApp, email: &str) -> (String, String) {
    let row = holder_row(app, email).await;
    (sqlx::Row::get(&row, "id"), sqlx::Row::get(&row, "serial"))
}

/// Signs the system administrator in, second factor included.
pub(crate) async fn sign_in_admin(app: &TestApp) {
    app.clear_cookies();
    let secret = app.enable_totp(ADMIN).await;
    let (status, body, _) = app.login(ADMIN, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let code = tinhso::auth::totp::code_at(&secret, chrono::Utc::now().timestamp() as u64).unwrap();
    let (status, _, _) = app
        .post_form("/login/totp", "/login/totp", &[("code", &code)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

/// `openssl ocsp -reqout` for `cert` issued by the issuing CA, its CertID hashed with `digest`.
fn ocsp_request(dir: &Path, cert: &str, digest: &str) -> Vec<u8> {
    let out = format!("{cert}{digest}.req");
    succeeds(&openssl(
        dir,
        &[
            "ocsp",
            "-issuer",
            "issuing.pem",
            digest,
            "-cert",
            &format!("{cert}.pem"),
            "-reqout",
            &out,
        ],
    ));
    std::fs::read(dir.join(out)).unwrap()
}

/// What `openssl ocsp` says of `cert` in the response `der`, verified against the demo root.
fn ocsp_verdict(dir: &Path, cert: &str, digest: &str, der: &[u8]) -> String {
    let file = format!("{cert}{digest}.resp");
    std::fs::write(dir.join(&file), der).unwrap();
    let cert_file = format!("{cert}.pem");
    succeeds(&openssl(
        dir,
        &[
            "ocsp",
            "-respin",
            &file,
            "-issuer",
            "issuing.pem",
            digest,
            "-cert",
            &cert_file,
            "-no_nonce",
            "-CAfile",
            "root.pem",
            "-verify_other",
            "issuing.pem",
        ],
    ))
}

async fn ocsp_post(app: &TestApp, request: Vec<u8>) -> Vec<u8> {
    let (media_type, der) = post(app, "/pki/ocsp", "application/ocsp-request", request).await;
    assert_eq!(media_type, "application/ocsp-response");
    der
}

/// `GET /pki/ocsp/{url-encoded base64}` (RFC 6960 Appendix A.1).
async fn ocsp_get(app: &TestApp, request: &[u8]) -> Vec<u8> {
    let encoded = tinhso_signatures::pki::encode_b64(request)
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    let (status, media_type, der) = fetch(app, &format!("/pki/ocsp/{encoded}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(media_type, "application/ocsp-response");
    der
}

async fn crl(app: &TestApp, name: &str) -> Vec<u8> {
    let (status, media_type, der) = fetch(app, &format!("/pki/crl/{name}.crl")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(media_type, "application/pkix-crl");
    der
}

async fn audit_actions(app: &TestApp, action: &str) -> Vec<serde_json::Value> {
    let rows = sqlx::query("SELECT after_json FROM audit_log WHERE action = $1 ORDER BY seq")
        .bind(action)
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    rows.iter()
        .map(|r| serde_json::from_str(&sqlx::Row::get::<String, _>(r, "after_json")).unwrap())
        .collect()
}

async fn the_demo_seed_creates_the_ca_once(app: TestApp) {
    let count = |sql| app.count(sql);
    assert_eq!(count("SELECT COUNT(*) FROM pki_authorities").await, 4);
    // Four leaders (RSA), three document clerks (P-256), the three agencies with a clerk.
    let kinds = [
        (
            "SELECT COUNT(*) FROM pki_certificates WHERE kind = 'person' AND key_algorithm = 'rsa-2048'",
            4,
        ),
        (
            "SELECT COUNT(*) FROM pki_certificates WHERE kind = 'person' AND key_algorithm = 'ecdsa-p256'",
            3,
        ),
        (
            "SELECT COUNT(*) FROM pki_certificates WHERE kind = 'agency' AND key_algorithm = 'ecdsa-p256'",
            3,
        ),
        (
            "SELECT COUNT(*) FROM pki_certificates WHERE status = 'good'",
            10,
        ),
        (
            "SELECT COUNT(*) FROM settings WHERE key = 'signatures.trust_demo_ca' AND value = 'on'",
            1,
        ),
        (
            "SELECT COUNT(*) FROM audit_log WHERE action = 'pki.demo_create'",
            1,
        ),
    ];
    for (sql, expected) in kinds {
        assert_eq!(count(sql).await, expected, "{sql}");
    }
    // Keys only sealed: each opens with the installation's pki_key, bound to its own row.
    let keys = sqlx::query("SELECT serial, sealed_key FROM pki_certificates")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(keys.len(), 10);
    for row in &keys {
        let serial: String = sqlx::Row::get(row, "serial");
        let sealed: String = sqlx::Row::get(row, "sealed_key");
        assert!(sealed.starts_with("enc1:"), "{sealed}");
        let binding = tinhso_signatures::pki::certificate_binding(&serial);
        let pkcs8 = tinhso::keys::open(&app.state.keys.pki, &binding, &sealed).unwrap();
        assert_eq!(pkcs8[0], 0x30, "PKCS#8 inside");
        assert!(tinhso::keys::open(&app.state.keys.totp, &binding, &sealed).is_err());
        let other = tinhso_signatures::pki::certificate_binding("01");
        assert!(tinhso::keys::open(&app.state.keys.pki, &other, &sealed).is_err());
    }
    let root_serial = || async {
        sqlx::Row::get::<String, _>(
            &sqlx::query("SELECT serial FROM pki_authorities WHERE role = 'root'")
                .fetch_one(&app.state.db.pool)
                .await
                .unwrap(),
            "serial",
        )
    };
    let root = root_serial().await;

    // Seeding again (or a second node starting) changes nothing.
    tinhso_signatures::demo::seed(&app.state).await.unwrap();
    assert!(
        !tinhso_signatures::demo::create_demo_ca(&app.state)
            .await
            .unwrap()
    );
    assert_eq!(root_serial().await, root);
    assert_eq!(count("SELECT COUNT(*) FROM pki_authorities").await, 4);
    assert_eq!(count("SELECT COUNT(*) FROM pki_certificates").await, 10);
    assert_eq!(
        count("SELECT COUNT(*) FROM audit_log WHERE action = 'pki.demo_create'").await,
        1
    );

    // The certificates chain to the root, carry the configured public URL, and say who.
    let dir = workdir(&app, &[(LEADER, "leader"), (CLERK, "clerk")]).await;
    let out = succeeds(&openssl(
        dir.path(),
        &[
            "verify",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "issuing.pem",
            "leader.pem",
            "clerk.pem",
        ],
    ));
    assert!(
        out.contains("leader.pem: OK") && out.contains("clerk.pem: OK"),
        "{out}"
    );
    let text = succeeds(&openssl(
        dir.path(),
        &[
            "x509",
            "-in",
            "leader.pem",
            "-noout",
            "-text",
            "-nameopt",
            "utf8",
        ],
    ));
    let public_url = app.state.config.public_url.trim_end_matches('/');
    for expected in [
        format!("OCSP - URI:{public_url}/pki/ocsp"),
        format!("CA Issuers - URI:{public_url}/pki/ca/issuing.cer"),
        format!("URI:{public_url}/pki/crl/issuing.crl"),
        "Hoàng Văn Bình".to_owned(),
        "Sở Tư pháp".to_owned(),
        "Public-Key: (2048 bit)".to_owned(),
    ] {
        assert!(text.contains(&expected), "{expected} in\n{text}");
    }
    // The signature checker trusts the root, as a demo anchor.
    let trust = tinhso_signatures::service::trust(&app.state).await.unwrap();
    assert_eq!(trust.anchors.len(), 1);
    assert!(trust.anchors[0].demo);
}

async fn revocation_by_the_admin_reaches_ocsp_and_the_crl(app: TestApp) {
    let dir = workdir(&app, &[(CLERK, "clerk"), (LEADER, "leader")]).await;
    let path = dir.path();

    // Good, by POST and by GET, with SHA-1 and SHA-256 CertIDs.
    for digest in ["-sha1", "-sha256"] {
        let request = ocsp_request(path, "clerk", digest);
        let out = ocsp_verdict(
            path,
            "clerk",
            digest,
            &ocsp_post(&app, request.clone()).await,
        );
        assert!(out.contains("Response verify OK"), "{out}");
        assert!(out.contains("clerk.pem: good"), "{out}");
        let out = ocsp_verdict(path, "clerk", digest, &ocsp_get(&app, &request).await);
        assert!(out.contains("clerk.pem: good"), "{out}");
    }
    // The CRL verifies under the issuing CA and lists nothing yet.
    let read_crl = |name: &str, issuer: &str, der: &[u8]| {
        let file = format!("{name}.crl");
        std::fs::write(path.join(&file), der).unwrap();
        succeeds(&openssl(
            path,
            &[
                "crl", "-inform", "DER", "-in", &file, "-CAfile", issuer, "-noout", "-text",
            ],
        ))
    };
    let before = read_crl("issuing", "issuing.pem", &crl(&app, "issuing").await);
    assert!(before.contains("verify OK"), "{before}");
    assert!(before.contains("No Revoked Certificates"), "{before}");
    let root = read_crl("root", "root.pem", &crl(&app, "root").await);
    assert!(root.contains("verify OK"), "{root}");
    // Served again from where it is kept: the same CRL.
    assert_eq!(crl(&app, "issuing").await, crl(&app, "issuing").await);

    // The administrator revokes the clerk's certificate: asked first, then done.
    sign_in_admin(&app).await;
    let (id, serial) = certificate_id(&app, CLERK).await;
    let revoke = format!("/admin/signatures/certificates/{id}/revoke");
    let (status, html, _) = app
        .post_form(
            "/admin/signatures",
            &revoke,
            &[("reason", "key_compromise")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("data-testid=\"confirm-step\""), "{html}");
    assert!(html.contains(&serial), "the step names the certificate");
    assert!(html.contains("Lộ khóa bí mật"), "and the reason");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM pki_certificates WHERE status = 'revoked'")
            .await,
        0,
        "nothing happens before the confirmation"
    );
    let (status, _, location) = app
        .post_form(
            "/admin/signatures",
            &revoke,
            &[("reason", "key_compromise"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/admin/signatures"));
    let (_, page) = app.get("/admin/signatures").await;
    assert!(page.contains("data-testid=\"pki-revoked\""), "{page}");

    // OCSP says so at once, with the reason; the others stay good.
    for digest in ["-sha1", "-sha256"] {
        let request = ocsp_request(path, "clerk", digest);
        let out = ocsp_verdict(path, "clerk", digest, &ocsp_post(&app, request).await);
        assert!(out.contains("Response verify OK"), "{out}");
        assert!(out.contains("clerk.pem: revoked"), "{out}");
        assert!(out.contains("Reason: keyCompromise"), "{out}");
    }
    let request = ocsp_request(path, "leader", "-sha1");
    let out = ocsp_verdict(path, "leader", "-sha1", &ocsp_post(&app, request).await);
    assert!(out.contains("leader.pem: good"), "{out}");

    // The next CRL lists the serial, with the reason and a higher number.
    let after = read_crl("issuing", "issuing.pem", &crl(&app, "issuing").await);
    assert!(after.contains("verify OK"), "{after}");
    assert!(
        after.contains(&format!("Serial Number: {}", serial.to_uppercase())),
        "{serial} in\n{after}"
    );
    assert!(after.contains("Key Compromise"), "{after}");
    let number = |text: &str| {
        text.split("X509v3 CRL Number:")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .map(str::to_owned)
            .unwrap()
    };
    assert_ne!(number(&before), number(&after), "{before}\n{after}");
    // openssl's own path check refuses the revoked certificate with the CRLs.
    for name in ["issuing", "root"] {
        succeeds(&openssl(
            path,
            &[
                "crl",
                "-inform",
                "DER",
                "-in",
                &format!("{name}.crl"),
                "-out",
                &format!("{name}-crl.pem"),
            ],
        ));
    }
    let verify = |leaf: &str| {
        openssl(
            path,
            &[
                "verify",
                "-crl_check_all",
                "-CRLfile",
                "issuing-crl.pem",
                "-CRLfile",
                "root-crl.pem",
                "-CAfile",
                "root.pem",
                "-untrusted",
                "issuing.pem",
                leaf,
            ],
        )
    };
    succeeds(&verify("leader.pem"));
    let refused = verify("clerk.pem");
    assert!(!refused.status.success());
    assert!(
        said(&refused).contains("certificate revoked"),
        "{}",
        said(&refused)
    );

    // The audit trail has it; a second revocation is refused.
    let audited = audit_actions(&app, "pki.certificate_revoke").await;
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0]["serial"], serial);
    assert_eq!(audited[0]["reason"], "key_compromise");
    let (status, _, _) = app
        .post_form(
            "/admin/signatures",
            &revoke,
            &[("reason", "superseded"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(audit_actions(&app, "pki.certificate_revoke").await.len(), 1);
}

/// `openssl ts -reply -text` of a reply.
fn timestamp_reply_text(dir: &Path, name: &str, der: &[u8]) -> String {
    let file = format!("{name}.tsr");
    std::fs::write(dir.join(&file), der).unwrap();
    succeeds(&openssl(dir, &["ts", "-reply", "-in", &file, "-text"]))
}

async fn timestamps_verify_and_garbage_gets_protocol_errors(app: TestApp) {
    let dir = workdir(&app, &[]).await;
    let path = dir.path();
    std::fs::write(path.join("decision.txt"), "Quyết định số 12/QĐ-UBND").unwrap();
    succeeds(&openssl(
        path,
        &[
            "ts",
            "-query",
            "-data",
            "decision.txt",
            "-sha256",
            "-cert",
            "-out",
            "decision.tsq",
        ],
    ));
    let query = std::fs::read(path.join("decision.tsq")).unwrap();
    let (media_type, reply) = post(&app, "/pki/tsa", "application/timestamp-query", query).await;
    assert_eq!(media_type, "application/timestamp-reply");
    std::fs::write(path.join("decision.tsr"), &reply).unwrap();
    let out = succeeds(&openssl(
        path,
        &[
            "ts",
            "-verify",
            "-in",
            "decision.tsr",
            "-queryfile",
            "decision.tsq",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "issuing.pem",
        ],
    ));
    assert!(out.contains("Verification: OK"), "{out}");

    // Bytes that are no request: each protocol's own error, never an error page.
    let malformed = [0x30, 0x03, 0x0a, 0x01, 0x01];
    for body in [
        b"garbage".to_vec(),
        Vec::new(),
        vec![0x30; 40_000],
        vec![0x30, 0x82, 0xff, 0xff],
    ] {
        let der = ocsp_post(&app, body.clone()).await;
        assert_eq!(der, malformed, "OCSP malformedRequest");
        let (media_type, reply) = post(&app, "/pki/tsa", "application/timestamp-query", body).await;
        assert_eq!(media_type, "application/timestamp-reply");
        let text = timestamp_reply_text(path, "garbage", &reply);
        assert!(text.contains("Status: Rejected"), "{text}");
        assert!(!text.contains("Status: Granted"), "{text}");
    }
    for garbage in ["!!!", "MAo%3D", "QUJD"] {
        let (status, _, der) = fetch(&app, &format!("/pki/ocsp/{garbage}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(der, malformed, "GET {garbage}");
    }
    // A SHA-1 imprint is refused in the protocol (badAlg).
    succeeds(&openssl(
        path,
        &[
            "ts",
            "-query",
            "-data",
            "decision.txt",
            "-sha1",
            "-out",
            "sha1.tsq",
        ],
    ));
    let (_, reply) = post(
        &app,
        "/pki/tsa",
        "application/timestamp-query",
        std::fs::read(path.join("sha1.tsq")).unwrap(),
    )
    .await;
    let text = timestamp_reply_text(path, "sha1", &reply);
    assert!(text.contains("Status: Rejected"), "{text}");
    assert!(
        text.contains("unrecognized or unsupported algorithm"),
        "{text}"
    );
    // Without a demo CA the services say so in their protocols too, and the files are absent.
    let empty = TestApp::empty(app.kind).await;
    let der = ocsp_post(&empty, ocsp_request(path, "root", "-sha1")).await;
    assert_eq!(der, [0x30, 0x03, 0x0a, 0x01, 0x06], "OCSP unauthorized");
    for url in ["/pki/crl/issuing.crl", "/pki/ca/root.cer"] {
        assert_eq!(fetch(&empty, url).await.0, StatusCode::NOT_FOUND, "{url}");
    }
}

async fn only_system_admins_manage_the_demo_ca_and_every_change_is_audited(app: TestApp) {
    let (id, _) = certificate_id(&app, CLERK).await;
    // A leader (an official, not an administrator) sees and does nothing.
    let (status, _, _) = app.login(LEADER, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, html) = app.get("/admin/signatures").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!html.contains("pki-certificates"));
    let (status, _, _) = app
        .post_form(
            "/office",
            &format!("/admin/signatures/certificates/{id}/revoke"),
            &[("reason", "key_compromise"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = app
        .post_form("/office", "/admin/signatures/trust", &[("trust", "off")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM pki_certificates WHERE status = 'revoked'")
            .await,
        0
    );

    // The administrator sees the CA and turns trust off, then on again.
    sign_in_admin(&app).await;
    let (status, html) = app.get("/admin/signatures").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    for expected in [
        "data-testid=\"pki-trusted\"",
        "Tỉnh Số DEMO Root CA",
        "Tỉnh Số DEMO TSA",
        "Ngô Thị Lan",
        CLERK,
        "000.00.60.H56",
    ] {
        assert!(html.contains(expected), "{expected} in {html}");
    }
    let (status, _, _) = app
        .post_form(
            "/admin/signatures",
            "/admin/signatures/trust",
            &[("trust", "off")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let trust = tinhso_signatures::service::trust(&app.state).await.unwrap();
    assert!(
        trust.anchors.is_empty(),
        "the demo root is no longer trusted"
    );
    let (_, html) = app.get("/admin/signatures").await;
    assert!(html.contains("data-testid=\"pki-untrusted\""), "{html}");
    let (status, _, _) = app
        .post_form(
            "/admin/signatures",
            "/admin/signatures/trust",
            &[("trust", "on")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        tinhso_signatures::service::trust(&app.state)
            .await
            .unwrap()
            .anchors
            .len(),
        1
    );
    let changes = audit_actions(&app, "pki.demo_trust").await;
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert_eq!(changes[0]["trusted"], false);
    assert_eq!(changes[1]["trusted"], true);
    let (_, page) = app.get("/admin/audit").await;
    assert!(
        page.contains("Thay đổi tin cậy CA demo"),
        "labelled in the audit page"
    );
    // A revocation without a reason is refused.
    let (status, html, _) = app
        .post_form(
            "/admin/signatures",
            &format!("/admin/signatures/certificates/{id}/revoke"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    let (status, html) = app.get("/admin/signatures?page=2").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("rel=\"prev\""), "{html}");
}

/// The demo province served on a real port that is also its `public_url`, as a node is: the
/// demo CA's AIA and CRLDP URLs then reach the platform itself, so a check that asks them
/// online goes through HTTP end to end. `tweak` changes the configuration further.
async fn served(kind: Kind, tweak: impl FnOnce(&mut tinhso::config::Config)) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let app = TestApp::new_with(kind, |c| {
        c.public_url = url;
        tweak(c);
    })
    .await;
    let router = app.router.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });
    app
}

/// A one-page PDF signed by pyHanko (PAdES B-B, no revocation data inside) with the key and
/// certificate the demo CA issued to `email`. `None` when pyHanko is absent outside CI.
async fn signed_by(app: &TestApp, email: &str) -> Option<Vec<u8>> {
    let dir = workdir(app, &[(email, "signer")]).await;
    let row = holder_row(app, email).await;
    let binding =
        tinhso_signatures::pki::certificate_binding(&sqlx::Row::get::<String, _>(&row, "serial"));
    let sealed: String = sqlx::Row::get(&row, "sealed_key");
    let pkcs8 = tinhso::keys::open(&app.state.keys.pki, &binding, &sealed).unwrap();
    std::fs::write(dir.path().join("signer.key.der"), pkcs8).unwrap();
    succeeds(&openssl(
        dir.path(),
        &[
            "pkey",
            "-inform",
            "DER",
            "-in",
            "signer.key.der",
            "-out",
            "signer.key",
        ],
    ));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../pades/tests/pyhanko/sign_with.py");
    let out = Command::new("python3")
        .arg(script)
        .args(["signer.key", "signer.pem", "issuing.pem", "signed.pdf"])
        .current_dir(dir.path())
        .output();
    let required = std::env::var("CI_REQUIRE_PYHANKO").as_deref() == Ok("1");
    match out {
        Ok(out) if out.status.success() => {
            Some(std::fs::read(dir.path().join("signed.pdf")).unwrap())
        }
        Ok(out) if required => panic!("pyHanko is required (CI_REQUIRE_PYHANKO=1): {}", said(&out)),
        Err(e) if required => panic!("python3 is required (CI_REQUIRE_PYHANKO=1): {e}"),
        _ => None,
    }
}

/// The API's answer for `pdf`, checked by a program with a leader's token.
async fn verified(app: &TestApp, pdf: &[u8]) -> serde_json::Value {
    let token = app.token(LEADER, &["documents"]).await;
    let (content_type, body) = common::multipart(&[], &[("file", "signed.pdf", pdf)]);
    let req = Request::post("/api/v1/signatures/verify")
        .header(header::CONTENT_TYPE, content_type)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(body))
        .unwrap();
    let (status, _, body) = raw(app, req).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

/// Each certificate's revocation entry as (status, source, method).
fn revocation_of(signature: &serde_json::Value) -> Vec<(String, String, String)> {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or("-").to_owned();
    signature["Details"]["revocation"]
        .as_array()
        .expect("the report lists revocation per certificate")
        .iter()
        .map(|r| (text(&r["status"]), text(&r["source"]), text(&r["method"])))
        .collect()
}

const CANNOT_CHECK: &str = "Không kiểm tra được tình trạng thu hồi";

async fn a_file_without_revocation_data_is_checked_online_and_the_answers_kept(kind: Kind) {
    let app = served(kind, |_| {}).await;
    let Some(pdf) = signed_by(&app, LEADER).await else {
        return;
    };
    let report = verified(&app, &pdf).await;
    let signature = &report["Signatures"][0];
    assert_eq!(signature["Indication"], "TOTAL-PASSED", "{signature:#}");
    assert!(signature["DemoAnchor"].as_bool().unwrap());
    // The leader's certificate answered by the demo CA's OCSP responder, the issuing CA (whose
    // certificate names only a CRL) by the root's CRL, both fetched by the platform.
    assert_eq!(
        revocation_of(signature),
        vec![
            ("good".into(), "caller".into(), "ocsp".into()),
            ("good".into(), "caller".into(), "crl".into()),
        ],
        "{signature:#}"
    );
    let warnings = signature["Warnings"].to_string();
    assert!(!warnings.contains(CANNOT_CHECK), "{warnings}");
    let kept = || async {
        sqlx::query(
            "SELECT kind, fetched_at FROM revocation_cache WHERE answer IS NOT NULL ORDER BY kind",
        )
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                sqlx::Row::get::<String, _>(r, "kind"),
                sqlx::Row::get::<String, _>(r, "fetched_at"),
            )
        })
        .collect::<Vec<_>>()
    };
    let first = kept().await;
    // The OCSP answer about the leader and root.crl.
    assert!(first.iter().any(|(k, _)| k == "crl"), "{first:?}");
    assert!(first.iter().any(|(k, _)| k == "ocsp"), "{first:?}");
    // Checked again: the same verdict from the kept answers, nothing fetched anew.
    let again = verified(&app, &pdf).await;
    assert_eq!(again["Signatures"][0]["Indication"], "TOTAL-PASSED");
    assert_eq!(
        kept().await,
        first,
        "answers are kept until their nextUpdate"
    );
}

async fn a_revoked_signer_fails_and_without_fetching_revocation_cannot_be_checked(kind: Kind) {
    let app = served(kind, |_| {}).await;
    let Some(pdf) = signed_by(&app, CLERK).await else {
        return;
    };
    sign_in_admin(&app).await;
    let (id, _) = certificate_id(&app, CLERK).await;
    let (status, _, _) = app
        .post_form(
            "/admin/signatures",
            &format!("/admin/signatures/certificates/{id}/revoke"),
            &[("reason", "key_compromise"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    app.clear_cookies();
    // No timestamp: the revocation, before now, fails the signature.
    let report = verified(&app, &pdf).await;
    let signature = &report["Signatures"][0];
    assert_eq!(signature["Indication"], "TOTAL-FAILED", "{signature:#}");
    let codes: Vec<&str> = signature["Reasons"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["Code"].as_str())
        .collect();
    assert_eq!(codes, ["revoked"], "{signature:#}");
    assert_eq!(revocation_of(signature)[0].0, "revoked");

    // Online fetching off: the same kind of file is reported as not checked for revocation.
    let offline = served(kind, |c| c.signatures.online_revocation = false).await;
    let Some(pdf) = signed_by(&offline, LEADER).await else {
        return;
    };
    let report = verified(&offline, &pdf).await;
    let signature = &report["Signatures"][0];
    assert_eq!(signature["Indication"], "TOTAL-PASSED", "{signature:#}");
    assert!(
        signature["Warnings"].to_string().contains(CANNOT_CHECK),
        "{signature:#}"
    );
    assert_eq!(revocation_of(signature)[0].0, "unknown");
    assert_eq!(
        offline.count("SELECT COUNT(*) FROM revocation_cache").await,
        0
    );
}

on_both_kinds!(
    a_file_without_revocation_data_is_checked_online_and_the_answers_kept,
    a_revoked_signer_fails_and_without_fetching_revocation_cannot_be_checked,
);
