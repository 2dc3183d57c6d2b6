//! Signing with a USB token at the leader's desk (docs/signatures-design.md §4, the deferred
//! path), on both databases.
//!
//! The full path: a SoftHSM2 token made by SoftHSM2's and OpenSC's own tools, an RSA-2048 and
//! a P-256 key generated on it, each certified for the leader by the platform's demo CA (its
//! register row kept without a software key, as for an HSM key) and written beside its key;
//! the platform served on a real port; `tinhso desk-sign` — the binary, run as the leader
//! would at their desk, with `SOFTHSM2_CONF` in its own environment only — reads the
//! certificate, has the platform prepare the PDF, signs on the token and posts the raw
//! signature over HTTP with an API token. Each signed version passes our verifier (B-LT, the
//! token's certificate) and pyHanko. Two certified keys without `--key-id` are refused.
//!
//! The bad inputs, through the API with the leader's demo certificate and key (the platform's
//! register holds it like any personal certificate): unreadable, foreign, unregistered,
//! untrusted and revoked certificates refused at the start; wrong, foreign-key, other-data,
//! malformed, late, repeated and other people's signatures refused with a Vietnamese problem
//! and nothing stored; the document page shows the command and the pending session; the
//! poll expires a session left waiting.

use crate::common::{Kind, TestApp};
use crate::document_signing::{
    CLERK, LEADER, PASSWORD, act, approve, assert_signed_b_lt, audit_count, awaiting_approval,
    pyhanko_accepts, sign, table_serial, verified, version_bytes,
};
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;
use tinhso_pades::ca::{self, KeyPair, Subject};
use tinhso_pades::sign::{Signer, SoftwareSigner, ToBeSigned};
use tinhso_signatures::enrol::KeyHolder;
use tinhso_signatures::pki::{self, Role};
use x509_cert::der::{Decode, Encode};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const TOKEN: &str = "token-lanh-dao";
const PIN: &str = "135790";
const SO_PIN: &str = "24681357";
const RSA_ID: &str = "01";
const EC_ID: &str = "02";

on_both_kinds!(
    the_leader_signs_with_the_usb_token_through_the_desk_tool,
    bad_desk_signatures_are_refused_and_store_nothing,
    a_desk_session_ends_when_its_document_is_issued,
    a_token_key_certified_by_the_demo_ca_signs_at_the_desk_and_leaves_local_signing_alone,
    the_clerk_issues_with_the_agency_seal_on_a_usb_token,
);

/// A SoftHSM2 folder of its own: the token lives there, and only the child processes given
/// its configuration see it (this test process never loads SoftHSM2).
struct Hsm {
    dir: tempfile::TempDir,
}

impl Hsm {
    fn new() -> Hsm {
        assert!(
            Path::new(MODULE).exists(),
            "{MODULE} is required (apt-get install softhsm2 opensc)"
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("tokens")).unwrap();
        std::fs::write(
            dir.path().join("softhsm2.conf"),
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n",
                dir.path().join("tokens").display()
            ),
        )
        .unwrap();
        Hsm { dir }
    }

    fn conf(&self) -> PathBuf {
        self.dir.path().join("softhsm2.conf")
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `program` with `args` and this token folder, its standard output.
    fn tool(&self, program: &str, args: &[&str]) -> String {
        let output = Command::new(program)
            .args(args)
            .env("SOFTHSM2_CONF", self.conf())
            .output()
            .unwrap_or_else(|e| {
                panic!("{program} is required (apt-get install softhsm2 opensc): {e}")
            });
        assert!(
            output.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn p11(&self, args: &[&str]) -> String {
        let mut all = vec![
            "--module",
            MODULE,
            "--token-label",
            TOKEN,
            "--login",
            "--pin",
            PIN,
        ];
        all.extend_from_slice(args);
        self.tool("pkcs11-tool", &all)
    }
}

/// The leader's user id, full name and agency name.
async fn leader(app: &TestApp) -> (String, String, String) {
    let row = sqlx::query(
        "SELECT u.id, u.full_name, a.name FROM users u JOIN agencies a ON a.id = u.agency_id
          WHERE u.email = $1",
    )
    .bind(LEADER)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    (
        sqlx::Row::get(&row, "id"),
        sqlx::Row::get(&row, "full_name"),
        sqlx::Row::get(&row, "name"),
    )
}

/// The demo issuing CA's personal certificate for the leader over key `key_id` of the token,
/// recorded in the CA's register without a software key (the key stays on the token) and
/// written on the token beside the key: its DER and serial.
async fn certify_for_leader(app: &TestApp, hsm: &Hsm, key_id: &str) -> (Vec<u8>, String) {
    let public = hsm.path().join(format!("public-{key_id}.der"));
    hsm.p11(&[
        "--read-object",
        "--type",
        "pubkey",
        "--id",
        key_id,
        "-o",
        public.to_str().unwrap(),
    ]);
    let (root, _) = pki::authority(&app.state, Role::Root)
        .await
        .unwrap()
        .unwrap();
    let (_, issuing) = pki::authority(&app.state, Role::Issuing)
        .await
        .unwrap()
        .unwrap();
    let settings = pki::settings_of(&root).unwrap();
    let spki =
        x509_cert::spki::SubjectPublicKeyInfoOwned::from_der(&std::fs::read(&public).unwrap())
            .unwrap();
    let (user_id, full_name, agency) = leader(app).await;
    let certificate = issuing
        .issue(
            ca::Role::Person,
            &Subject::person(&full_name, Some(&agency)),
            &spki,
            &settings,
            SystemTime::now(),
        )
        .unwrap();
    let der = certificate.to_der().unwrap();
    let tbs = certificate.tbs_certificate();
    let serial = pki::serial_hex(tbs.serial_number());
    sqlx::query(
        "INSERT INTO pki_certificates (id, serial, kind, user_id, agency_id, subject,
           key_algorithm, not_before, not_after, status, revoked_at, reason, certificate,
           sealed_key, created_at, issuer)
         VALUES ($1, $2, 'person', $3, NULL, $4, $5, $6, $7, 'good', NULL, NULL, $8, '', $9,
           $10)",
    )
    .bind(format!("token-{serial}"))
    .bind(&serial)
    .bind(&user_id)
    .bind(tbs.subject().to_string())
    .bind(if key_id == RSA_ID {
        "rsa-2048"
    } else {
        "ecdsa-p256"
    })
    .bind(pki::to_text(tbs.validity().not_before.to_system_time()))
    .bind(pki::to_text(tbs.validity().not_after.to_system_time()))
    .bind(pki::encode_b64(&der))
    .bind(pki::to_text(SystemTime::now()))
    .bind(tbs.issuer().to_string())
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    let file = hsm.path().join(format!("cert-{key_id}.der"));
    std::fs::write(&file, &der).unwrap();
    hsm.p11(&[
        "--write-object",
        file.to_str().unwrap(),
        "--type",
        "cert",
        "--id",
        key_id,
    ]);
    (der, serial)
}

/// The demo province served on a real port that is its `public_url`, online revocation off.
async fn served(kind: Kind) -> (TestApp, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let app = TestApp::new_with(kind, |c| {
        c.public_url = url.clone();
        c.signatures.online_revocation = false;
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
    (app, url)
}

/// `tinhso desk-sign` run as the leader would at their desk: its exit status and output.
async fn desk_sign(
    hsm: &Hsm,
    server: &str,
    api_token: &str,
    document: &str,
    key_id: Option<&str>,
) -> (bool, String, String) {
    let location = ["--location", "Thanh Hóa"];
    desk_tool(hsm, server, api_token, document, key_id, &location).await
}

/// `tinhso desk-sign` with `extra` arguments (`--location …`, or `--seal`).
async fn desk_tool(
    hsm: &Hsm,
    server: &str,
    api_token: &str,
    document: &str,
    key_id: Option<&str>,
    extra: &[&str],
) -> (bool, String, String) {
    let pin_file = hsm.path().join("pin");
    std::fs::write(&pin_file, format!("{PIN}\n")).unwrap();
    let mut args = vec![
        "desk-sign".to_owned(),
        "--server".to_owned(),
        server.to_owned(),
        "--document".to_owned(),
        document.to_owned(),
        "--module".to_owned(),
        MODULE.to_owned(),
        "--token-label".to_owned(),
        TOKEN.to_owned(),
        "--pin-file".to_owned(),
        pin_file.display().to_string(),
    ];
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    if let Some(id) = key_id {
        args.extend(["--key-id".to_owned(), id.to_owned()]);
    }
    let conf = hsm.conf();
    let cwd = hsm.path().to_owned();
    let token = api_token.to_owned();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_tinhso"))
            .args(&args)
            .current_dir(&cwd)
            .env("SOFTHSM2_CONF", conf)
            .env("TINHSO_API_TOKEN", token)
            .env("TINHSO_DATA_DIR", cwd.join("desk-data"))
            .env("RUST_LOG", "error")
            .env_remove("DATABASE_URL")
            .env_remove("http_proxy")
            .env_remove("https_proxy")
            .env_remove("HTTP_PROXY")
            .env_remove("HTTPS_PROXY")
            .env_remove("ALL_PROXY")
            .env_remove("all_proxy")
            .output()
            .expect("the binary runs")
    })
    .await
    .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

async fn versions(app: &TestApp, id: &str) -> i64 {
    app.count_where("document_versions", "document_id", id)
        .await
}

fn objects_under_sessions(app: &TestApp) -> usize {
    let dir = app
        .state
        .config
        .data_dir
        .join("files")
        .join("signing-sessions");
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

async fn audit_after(app: &TestApp, action: &str) -> Vec<Value> {
    sqlx::query("SELECT after_json FROM audit_log WHERE action = $1 ORDER BY seq")
        .bind(action)
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_str(&sqlx::Row::get::<String, _>(r, "after_json")).unwrap())
        .collect()
}

async fn the_leader_signs_with_the_usb_token_through_the_desk_tool(kind: Kind) {
    let hsm = Hsm::new();
    hsm.tool(
        "softhsm2-util",
        &[
            "--init-token",
            "--free",
            "--label",
            TOKEN,
            "--so-pin",
            SO_PIN,
            "--pin",
            PIN,
        ],
    );
    hsm.p11(&[
        "--keypairgen",
        "--key-type",
        "rsa:2048",
        "--id",
        RSA_ID,
        "--label",
        "chu-ky-rsa",
    ]);
    hsm.p11(&[
        "--keypairgen",
        "--key-type",
        "EC:prime256v1",
        "--id",
        EC_ID,
        "--label",
        "chu-ky-ec",
    ]);
    let (app, url) = served(kind).await;
    // Only the RSA key is certified so far: the token's one key with a certificate.
    let (_, rsa_serial) = certify_for_leader(&app, &hsm, RSA_ID).await;
    let id = awaiting_approval(&app).await;
    let api_token = app.token(LEADER, &["documents"]).await;

    // The document page tells the leader the command.
    let (status, _, _) = app.login(LEADER, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = app.get(&format!("/office/documents/{id}")).await;
    assert!(page.contains("data-testid=\"doc-sign-desk\""), "{page}");
    // (The page escapes the URL's slashes.)
    assert!(page.contains("tinhso desk-sign --server http:"), "{page}");
    assert!(
        page.contains(&format!("--document {id} --module")),
        "{page}"
    );
    app.clear_cookies();

    // The command as the page gives it, without --key-id: the RSA key (the P-256 one has no
    // certificate yet), RSASSA-PSS, B-LT, the token's certificate.
    let (ok, out, err) = desk_sign(&hsm, &url, &api_token, &id, None).await;
    assert!(ok, "{out}{err}");
    assert!(out.contains("Đã ký số") && out.contains("signed"), "{out}");
    assert!(out.contains("rsa-pss-sha256"), "{out}");
    assert!(
        out.contains(&format!("{url}/office/documents/{id}")),
        "{out}"
    );
    assert_eq!(versions(&app, &id).await, 2);
    let signed = version_bytes(&app, &id, 2).await;
    assert!(signed.starts_with(b"%PDF-"));
    let report = verified(&app, &signed).await;
    assert_signed_b_lt(&report);
    assert_eq!(
        table_serial(
            report["Signatures"][0]["CertificateSerial"]
                .as_str()
                .unwrap()
        ),
        rsa_serial,
        "{report:#}"
    );
    pyhanko_accepts(&app, &signed, 1).await;

    // Audited: the start, the signature (naming the desk session), the new version.
    assert_eq!(audit_count(&app, "signature.desk_request").await, 1);
    let sign_rows = audit_after(&app, "signature.sign").await;
    assert_eq!(sign_rows.len(), 1);
    assert_eq!(sign_rows[0]["serial"], rsa_serial.as_str(), "{sign_rows:?}");
    assert_eq!(sign_rows[0]["level"], "B-LT", "{sign_rows:?}");
    assert!(sign_rows[0]["desk"]["session"].is_string(), "{sign_rows:?}");
    assert!(sign_rows[0]["remote"].is_null(), "{sign_rows:?}");
    assert_eq!(audit_count(&app, "document.sign_digitally").await, 1);

    // The session ended signed, its files gone; the same signature again is refused.
    let session: String = sqlx::query_scalar("SELECT id FROM signing_sessions")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let (status, s) = app
        .api(
            "GET",
            &format!("/api/v1/signing-sessions/{session}"),
            Some(&api_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["State"], "signed", "{s}");
    assert_eq!(s["Provider"], "desk", "{s}");
    assert_eq!(s["Algorithm"], "rsa-pss-sha256", "{s}");
    assert_eq!(objects_under_sessions(&app), 0);
    let (status, problem) = post_signature(&app, &api_token, &session, &[7u8; 256]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("đã hoàn tất"),
        "{problem}"
    );
    assert_eq!(versions(&app, &id).await, 2);

    // Once the P-256 key is certified too, the token holds two: without --key-id the tool
    // says which to choose, and nothing reaches the platform.
    let (_, ec_serial) = certify_for_leader(&app, &hsm, EC_ID).await;
    let (ok, out, err) = desk_sign(&hsm, &url, &api_token, &id, None).await;
    assert!(!ok, "{out}{err}");
    assert!(err.contains("Có 2 khóa bí mật khớp"), "{err}");
    assert_eq!(app.count("SELECT COUNT(*) FROM signing_sessions").await, 1);

    // The P-256 key, chosen by its id: ECDSA, a second signature, the first still valid.
    let (ok, out, err) = desk_sign(&hsm, &url, &api_token, &id, Some(EC_ID)).await;
    assert!(ok, "{out}{err}");
    assert!(out.contains("ecdsa-p256-sha256"), "{out}");
    assert_eq!(versions(&app, &id).await, 3);
    let twice = version_bytes(&app, &id, 3).await;
    assert!(twice.starts_with(&signed), "an incremental update");
    let report = verified(&app, &twice).await;
    assert_eq!(report["Indication"], "TOTAL-PASSED", "{report:#}");
    let signatures = report["Signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 2, "{report:#}");
    let second = &signatures[1];
    assert_eq!(second["Indication"], "TOTAL-PASSED", "{second:#}");
    assert_eq!(second["Level"], "B-LT", "{second:#}");
    assert!(
        second["SignatureAlgorithm"]
            .as_str()
            .unwrap_or_default()
            .contains("ECDSA"),
        "{second:#}"
    );
    assert_eq!(
        table_serial(second["CertificateSerial"].as_str().unwrap()),
        ec_serial
    );
    pyhanko_accepts(&app, &twice, 2).await;
    assert_eq!(audit_count(&app, "signature.sign").await, 2);
}

async fn start(app: &TestApp, email: &str, id: &str, certificate: &str) -> (StatusCode, Value) {
    app.api(
        "POST",
        &format!("/api/v1/documents/{id}/signatures"),
        Some(&app.token(email, &["documents"]).await),
        Some(json!({ "Location": "Thanh Hóa", "DeskCertificate": certificate })),
    )
    .await
}

async fn post_signature(
    app: &TestApp,
    api_token: &str,
    session: &str,
    signature: &[u8],
) -> (StatusCode, Value) {
    post_signature_text(app, api_token, session, &pki::encode_b64(signature)).await
}

async fn post_signature_text(
    app: &TestApp,
    api_token: &str,
    session: &str,
    signature: &str,
) -> (StatusCode, Value) {
    let (status, body) = app
        .api(
            "POST",
            &format!("/api/v1/signing-sessions/{session}/signature"),
            Some(api_token),
            Some(json!({ "Signature": signature })),
        )
        .await;
    if !status.is_success() {
        assert!(
            body["type"]
                .as_str()
                .unwrap_or_default()
                .starts_with("https://tinhso.dev/problems/"),
            "an RFC 9457 problem: {body}"
        );
    }
    (status, body)
}

/// A person's demo certificate (DER) and its software key, from the CA's register.
async fn demo_credential(app: &TestApp, email: &str) -> (String, Vec<u8>, KeyPair) {
    let row = sqlx::query(
        "SELECT c.id, c.serial, c.certificate, c.sealed_key FROM pki_certificates c
           JOIN users u ON u.id = c.user_id
          WHERE u.email = $1 AND c.kind = 'person' AND c.sealed_key <> ''",
    )
    .bind(email)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let id: String = sqlx::Row::get(&row, "id");
    let serial: String = sqlx::Row::get(&row, "serial");
    let der = pki::decode_b64(&sqlx::Row::get::<String, _>(&row, "certificate")).unwrap();
    let pkcs8 = tinhso::keys::open(
        &app.state.keys.pki,
        &pki::certificate_binding(&serial),
        &sqlx::Row::get::<String, _>(&row, "sealed_key"),
    )
    .unwrap();
    (id, der, KeyPair::from_pkcs8_der(&pkcs8).unwrap())
}

fn pem(der: &[u8]) -> String {
    let body = pki::encode_b64(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    )
}

/// What the started session asks to be signed: (session, attributes, digest).
fn asked(started: &Value) -> (String, Vec<u8>, Vec<u8>) {
    (
        started["SessionId"].as_str().unwrap().to_owned(),
        pki::decode_b64(started["SignedAttributes"].as_str().unwrap()).unwrap(),
        hex::decode(started["Digest"].as_str().unwrap()).unwrap(),
    )
}

fn sign_with(key: KeyPair, message: &[u8], digest: &[u8]) -> Vec<u8> {
    SoftwareSigner::preferred(key)
        .sign(&ToBeSigned { message, digest })
        .unwrap()
}

fn detail(problem: &Value) -> String {
    problem["detail"].as_str().unwrap_or_default().to_owned()
}

async fn bad_desk_signatures_are_refused_and_store_nothing(kind: Kind) {
    let app = TestApp::new_with(kind, |c| c.signatures.online_revocation = false).await;
    let id = awaiting_approval(&app).await;
    let leader_token = app.token(LEADER, &["documents"]).await;
    let (leader_cert_id, leader_der, _) = demo_credential(&app, LEADER).await;
    let (_, clerk_der, _) = demo_credential(&app, CLERK).await;

    // Certificates refused at the start, nothing kept.
    let (status, problem) = start(&app, LEADER, &id, "không phải chứng thư").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(detail(&problem).contains("không đọc được"), "{problem}");
    assert_eq!(
        problem["errors"][0]["field"], "DeskCertificate",
        "{problem}"
    );
    let (status, problem) = start(&app, LEADER, &id, &pem(&clerk_der)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        detail(&problem).contains("không phải chứng thư số cá nhân của bạn"),
        "{problem}"
    );
    let (_, tsa) = pki::authority(&app.state, Role::Tsa)
        .await
        .unwrap()
        .unwrap();
    let tsa_der = tsa.der.clone();
    let (status, problem) = start(&app, LEADER, &id, &pem(&tsa_der)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(detail(&problem).contains("chưa được đăng ký"), "{problem}");
    // The demo root no longer trusted: no path to an anchor.
    let system = tinhso::audit::Actor::system();
    pki::set_trust(&app.state, &system, false).await.unwrap();
    let (status, problem) = start(&app, LEADER, &id, &pem(&leader_der)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        detail(&problem).contains("chứng thư gốc tin cậy"),
        "{problem}"
    );
    pki::set_trust(&app.state, &system, true).await.unwrap();
    // Only the competent person starts one.
    let (status, problem) = start(&app, CLERK, &id, &pem(&clerk_der)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    assert_eq!(app.count("SELECT COUNT(*) FROM signing_sessions").await, 0);
    assert_eq!(objects_under_sessions(&app), 0);
    assert_eq!(audit_count(&app, "signature.desk_request").await, 0);

    // A good start (PEM): the session and what to sign.
    let (status, started) = start(&app, LEADER, &id, &pem(&leader_der)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    assert_eq!(started["Algorithm"], "rsa-pss-sha256", "{started}");
    let (session, attributes, digest) = asked(&started);
    assert_eq!(
        digest,
        <sha2::Sha256 as sha2::Digest>::digest(&attributes).to_vec()
    );
    assert_eq!(audit_count(&app, "signature.desk_request").await, 1);

    // The document page shows the command and the waiting session; its page says so.
    let (status, _, _) = app.login(LEADER, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = app.get(&format!("/office/documents/{id}")).await;
    assert!(page.contains("tinhso desk-sign --server"), "{page}");
    assert!(
        page.contains("data-testid=\"doc-pending-signings\""),
        "{page}"
    );
    assert!(
        page.contains(&format!("data-session=\"{session}\" data-kind=\"desk\"")),
        "{page}"
    );
    let (status, html) = app
        .get(&format!("/office/signing-sessions/{session}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Đang chờ chữ ký từ USB token trên máy trạm…"),
        "{html}"
    );
    app.clear_cookies();

    // Wrong signatures: garbage, another person's key, the right key over other data, not
    // base64. Each a 422 problem; the session keeps waiting, nothing stored.
    let (status, problem) = post_signature(&app, &leader_token, &session, &[1u8; 256]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        detail(&problem).contains("không khớp với chứng thư số"),
        "{problem}"
    );
    let (_, _, clerk_key) = demo_credential(&app, CLERK).await;
    let foreign = sign_with(clerk_key, &attributes, &digest);
    let (status, problem) = post_signature(&app, &leader_token, &session, &foreign).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (_, _, leader_key) = demo_credential(&app, LEADER).await;
    let other_data = b"mot noi dung khac";
    let other_digest = <sha2::Sha256 as sha2::Digest>::digest(other_data).to_vec();
    let elsewhere = sign_with(leader_key, other_data, &other_digest);
    let (status, problem) = post_signature(&app, &leader_token, &session, &elsewhere).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (status, problem) =
        post_signature_text(&app, &leader_token, &session, "không phải base64").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "Signature", "{problem}");
    // The right signature, posted by someone else: the session does not exist for them.
    let (_, _, leader_key) = demo_credential(&app, LEADER).await;
    let right = sign_with(leader_key, &attributes, &digest);
    let clerk_token = app.token(CLERK, &["documents"]).await;
    let (status, problem) = post_signature(&app, &clerk_token, &session, &right).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    assert_eq!(versions(&app, &id).await, 1);
    let state: String = sqlx::query_scalar("SELECT state FROM signing_sessions WHERE id = $1")
        .bind(&session)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(state, "pending");

    // Late: past its 5 minutes, the right signature is refused and the session ends.
    let past = tinhso::time::to_text(tinhso::time::now() - chrono::Duration::seconds(1));
    sqlx::query("UPDATE signing_sessions SET expires_at = $1 WHERE id = $2")
        .bind(&past)
        .bind(&session)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let (status, problem) = post_signature(&app, &leader_token, &session, &right).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(detail(&problem).contains("đã hết hạn"), "{problem}");
    let (status, problem) = post_signature(&app, &leader_token, &session, &right).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(detail(&problem).contains("đã hết hạn"), "again: {problem}");
    assert_eq!(versions(&app, &id).await, 1);
    assert_eq!(objects_under_sessions(&app), 0);
    assert_eq!(audit_count(&app, "signature.sign").await, 0);

    // A new session, the certificate as base64 DER this time, signed right: a new version.
    let (status, started) = start(&app, LEADER, &id, &pki::encode_b64(&leader_der)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let (session, attributes, digest) = asked(&started);
    let (_, _, leader_key) = demo_credential(&app, LEADER).await;
    let right = sign_with(leader_key, &attributes, &digest);
    let (status, done) = post_signature(&app, &leader_token, &session, &right).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["State"], "signed", "{done}");
    assert_eq!(versions(&app, &id).await, 2);
    assert_signed_b_lt(&verified(&app, &version_bytes(&app, &id, 2).await).await);
    // Repeated: the session is over.
    let (status, problem) = post_signature(&app, &leader_token, &session, &right).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(versions(&app, &id).await, 2);
    assert_eq!(audit_count(&app, "signature.sign").await, 1);

    // A session left waiting is ended by the poll once past its deadline.
    let (status, started) = start(&app, LEADER, &id, &pem(&leader_der)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let (waiting, _, _) = asked(&started);
    assert_eq!(
        tinhso_signatures::remote::poll_due(&app.state)
            .await
            .unwrap(),
        0
    );
    sqlx::query("UPDATE signing_sessions SET expires_at = $1 WHERE id = $2")
        .bind(&past)
        .bind(&waiting)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(
        tinhso_signatures::remote::poll_due(&app.state)
            .await
            .unwrap(),
        1
    );
    let (_, s) = app
        .api(
            "GET",
            &format!("/api/v1/signing-sessions/{waiting}"),
            Some(&leader_token),
            None,
        )
        .await;
    assert_eq!(s["State"], "expired", "{s}");
    assert!(s["Detail"].as_str().unwrap().contains("đã hết hạn"), "{s}");
    assert_eq!(objects_under_sessions(&app), 0);

    // A revoked certificate is refused at the start.
    pki::revoke(
        &app.state,
        &system,
        &leader_cert_id,
        pki::Reason::KeyCompromise,
    )
    .await
    .unwrap();
    let (status, problem) = start(&app, LEADER, &id, &pem(&leader_der)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(detail(&problem).contains("đã bị thu hồi"), "{problem}");
    assert_eq!(versions(&app, &id).await, 2);
}

/// A desk session left waiting while the document moves on: approving it ("Ký duyệt") keeps
/// the session (the approved document may still be signed); issuing it ends the session, with
/// the reason on its page, in the API and in the token's answer, and nothing is stored.
async fn a_desk_session_ends_when_its_document_is_issued(kind: Kind) {
    let app = TestApp::new_with(kind, |c| c.signatures.online_revocation = false).await;
    let id = awaiting_approval(&app).await;
    let leader_token = app.token(LEADER, &["documents"]).await;
    let (_, leader_der, _) = demo_credential(&app, LEADER).await;
    let (status, started) = start(&app, LEADER, &id, &pem(&leader_der)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let (session, attributes, digest) = asked(&started);
    let state = |app: &TestApp, session: &str| {
        let (pool, session) = (app.state.db.pool.clone(), session.to_owned());
        async move {
            sqlx::query_as::<_, (String, Option<String>)>(
                "SELECT state, detail FROM signing_sessions WHERE id = $1",
            )
            .bind(session)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    approve(&app, &id).await;
    assert_eq!(state(&app, &session).await.0, "pending");

    // The văn thư issues it: the session has nothing left to sign.
    let (status, doc) = act(&app, CLERK, &id, json!({ "Action": "issue" })).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    let (now, why) = state(&app, &session).await;
    assert_eq!(now, "cancelled");
    let why = why.unwrap_or_default();
    assert!(why.contains("đã được ban hành"), "{why}");
    assert_eq!(audit_count(&app, "signature.session_cancel").await, 1);
    let issued = audit_after(&app, "document.issue").await;
    assert_eq!(issued[0]["signing_sessions_cancelled"], json!([session]));
    assert_eq!(objects_under_sessions(&app), 0);

    // The token's signature coming now is refused with that reason; nothing is stored.
    let (_, _, leader_key) = demo_credential(&app, LEADER).await;
    let right = sign_with(leader_key, &attributes, &digest);
    let (status, problem) = post_signature(&app, &leader_token, &session, &right).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(detail(&problem), why, "{problem}");
    assert_eq!(versions(&app, &id).await, 1);
    assert_eq!(audit_count(&app, "signature.sign").await, 0);
    let (status, s) = app
        .api(
            "GET",
            &format!("/api/v1/signing-sessions/{session}"),
            Some(&leader_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["State"], "cancelled", "{s}");
    assert_eq!(s["Detail"], why.as_str(), "{s}");

    // The leader's pages: the session says why and stops refreshing; the document lists no
    // waiting session.
    let (status, _, _) = app.login(LEADER, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, html) = app
        .get(&format!("/office/signing-sessions/{session}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-state=\"cancelled\""), "{html}");
    assert!(html.contains("đã được ban hành"), "{html}");
    assert!(!html.contains("http-equiv=\"refresh\""), "{html}");
    let (_, page) = app.get(&format!("/office/documents/{id}")).await;
    assert!(
        !page.contains(&format!("data-session=\"{session}\"")),
        "{page}"
    );
}

/// `tinhso pki certify-key`'s work (`signatures::enrol`): the demo CA certifies a key kept on a
/// token for an official, registered to them without a key. The desk path takes that
/// certificate as theirs; the platform's own signing for them keeps using their demo software
/// key (a registered token certificate never shadows it). Keys and names it cannot certify are
/// refused with Vietnamese messages, nothing registered.
async fn a_token_key_certified_by_the_demo_ca_signs_at_the_desk_and_leaves_local_signing_alone(
    kind: Kind,
) {
    let app = TestApp::new_with(kind, |c| c.signatures.online_revocation = false).await;
    let actor = tinhso::audit::Actor {
        label: "cli".into(),
        ip: String::new(),
    };
    let token_key = KeyPair::generate(ca::KeyAlgorithm::P256).unwrap();
    let spki = token_key.public_key_info().unwrap().to_der().unwrap();
    let before = app.count("SELECT COUNT(*) FROM pki_certificates").await;

    // Refused: an unknown official, something that is not a key.
    let refused = |e: tinhso::error::AppError| match e {
        tinhso::error::AppError::Validation(errors) => errors[0].message.clone(),
        other => panic!("{other:?}"),
    };
    let e = tinhso_signatures::enrol::certify_key(
        &app.state,
        &actor,
        KeyHolder::Official("ai.do@tinhso.local"),
        &spki,
    )
    .await
    .unwrap_err();
    assert!(refused(e).contains("Không có cán bộ"));
    let e = tinhso_signatures::enrol::certify_key(
        &app.state,
        &actor,
        KeyHolder::Official(LEADER),
        b"khong phai khoa",
    )
    .await
    .unwrap_err();
    assert!(refused(e).contains("Không đọc được khóa công khai"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM pki_certificates").await,
        before
    );

    // Certified (the key given as PEM, as openssl writes it): the leader's, with no key kept.
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        pki::encode_b64(&spki)
    );
    let certified = tinhso_signatures::enrol::certify_key(
        &app.state,
        &actor,
        KeyHolder::Official(LEADER),
        pem.as_bytes(),
    )
    .await
    .unwrap();
    let (user, sealed): (String, String) = sqlx::query_as(
        "SELECT u.email, c.sealed_key FROM pki_certificates c JOIN users u ON u.id = c.user_id
          WHERE c.serial = $1 AND c.kind = 'person'",
    )
    .bind(&certified.serial)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(user, LEADER);
    assert!(sealed.is_empty(), "the key stays on the token");
    assert_eq!(audit_count(&app, "signature.certify_key").await, 1);
    assert!(certified.pem().starts_with("-----BEGIN CERTIFICATE-----\n"));

    // The desk path takes it as the leader's (the session is the token certificate's).
    let id = awaiting_approval(&app).await;
    let (status, started) = start(&app, LEADER, &id, &certified.pem()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    assert_eq!(started["Algorithm"], "ecdsa-p256-sha256", "{started}");
    let (session, attributes, digest) = asked(&started);
    let signature = sign_with(token_key, &attributes, &digest);
    let (status, done) = post_signature(
        &app,
        &app.token(LEADER, &["documents"]).await,
        &session,
        &signature,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    let report = verified(&app, &version_bytes(&app, &id, 2).await).await;
    assert_eq!(
        report["Signatures"][0]["Indication"], "TOTAL-PASSED",
        "{report:#}"
    );
    assert_eq!(
        report["Signatures"][0]["CertificateSerial"]
            .as_str()
            .map(table_serial),
        Some(table_serial(&certified.serial)),
        "{report:#}"
    );

    // Signing on the platform still uses the leader's demo software key.
    let (status, version) = sign(&app, LEADER, &id).await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    let report = verified(&app, &version_bytes(&app, &id, 3).await).await;
    let (_, demo_der, _) = demo_credential(&app, LEADER).await;
    let demo = x509_cert::Certificate::from_der(&demo_der).unwrap();
    assert_eq!(
        report["Signatures"][1]["Indication"], "TOTAL-PASSED",
        "{report:#}"
    );
    assert_eq!(
        report["Signatures"][1]["CertificateSerial"]
            .as_str()
            .map(table_serial),
        Some(table_serial(&pki::serial_hex(
            demo.tbs_certificate().serial_number()
        ))),
        "{report:#}"
    );
}

/// The agency's seal on the document clerk's USB token (docs/signatures-design.md §4): a
/// P-256 key generated on a SoftHSM2 token, certified by the demo CA as the issuing agency's
/// (`enrol::certify_key` with an agency, as `tinhso pki certify-key --agency` does) and written
/// beside its key; `tinhso desk-sign --seal` run as the clerk reserves the number, seals the
/// leader-signed PDF on the token and issues the document. Running it again is refused: the
/// document is issued.
async fn the_clerk_issues_with_the_agency_seal_on_a_usb_token(kind: Kind) {
    let hsm = Hsm::new();
    hsm.tool(
        "softhsm2-util",
        &[
            "--init-token",
            "--free",
            "--label",
            TOKEN,
            "--so-pin",
            SO_PIN,
            "--pin",
            PIN,
        ],
    );
    hsm.p11(&[
        "--keypairgen",
        "--key-type",
        "EC:prime256v1",
        "--id",
        EC_ID,
        "--label",
        "dau-so-co-quan",
    ]);
    let (app, url) = served(kind).await;
    let public = hsm.path().join("agency-public.der");
    hsm.p11(&[
        "--read-object",
        "--type",
        "pubkey",
        "--id",
        EC_ID,
        "-o",
        public.to_str().unwrap(),
    ]);
    let agency_code: String = sqlx::query_scalar(
        "SELECT a.code FROM agencies a JOIN users u ON u.agency_id = a.id WHERE u.email = $1",
    )
    .bind(CLERK)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let actor = tinhso::audit::Actor {
        label: "cli".into(),
        ip: String::new(),
    };
    let certified = tinhso_signatures::enrol::certify_key(
        &app.state,
        &actor,
        KeyHolder::Agency(&agency_code),
        &std::fs::read(&public).unwrap(),
    )
    .await
    .unwrap();
    let kind_kept: String = sqlx::query_scalar(
        "SELECT kind FROM pki_certificates WHERE serial = $1 AND sealed_key = ''",
    )
    .bind(&certified.serial)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(kind_kept, "agency");
    let file = hsm.path().join("agency-cert.der");
    std::fs::write(&file, &certified.der).unwrap();
    hsm.p11(&[
        "--write-object",
        file.to_str().unwrap(),
        "--type",
        "cert",
        "--id",
        EC_ID,
    ]);

    // A leader-signed, approved document; the clerk's page gives the seal's command.
    let id = awaiting_approval(&app).await;
    let (status, version) = sign(&app, LEADER, &id).await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    approve(&app, &id).await;
    app.login(CLERK, PASSWORD).await;
    let (_, page) = app.get(&format!("/office/documents/{id}")).await;
    assert!(page.contains("doc-seal-desk-command"), "{page}");
    assert!(page.contains(" --seal"), "{page}");
    let api_token = app.token(CLERK, &["documents"]).await;

    let (ok, out, err) = desk_tool(&hsm, &url, &api_token, &id, None, &["--seal"]).await;
    assert!(ok, "{out}{err}");
    assert!(out.contains("Đã đóng dấu số và ban hành"), "{out}");
    let (status, doc) = app
        .api(
            "GET",
            &format!("/api/v1/documents/{id}"),
            Some(&api_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(doc["State"], "issued", "{doc}");
    let (number, state): (i64, String) =
        sqlx::query_as("SELECT number, state FROM doc_number_reservations WHERE document_id = $1")
            .bind(&id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(state, "used");
    assert_eq!(
        doc["CodeNumber"].as_str().unwrap().parse::<i64>().unwrap(),
        number
    );
    assert_eq!(versions(&app, &id).await, 3);
    let sealed = version_bytes(&app, &id, 3).await;
    assert!(sealed.starts_with(&version_bytes(&app, &id, 2).await));
    let report = verified(&app, &sealed).await;
    assert_eq!(report["Indication"], "TOTAL-PASSED", "{report:#}");
    let second = &report["Signatures"][1];
    assert_eq!(second["Level"], "B-LT", "{report:#}");
    assert_eq!(
        table_serial(second["CertificateSerial"].as_str().unwrap()),
        table_serial(&certified.serial),
        "the token's agency certificate sealed it: {report:#}"
    );
    pyhanko_accepts(&app, &sealed, 2).await;
    let sign_rows = audit_after(&app, "signature.sign").await;
    let seal_row = sign_rows.last().unwrap();
    assert_eq!(seal_row["kind"], "agency", "{sign_rows:?}");
    assert!(seal_row["desk"]["session"].is_string(), "{sign_rows:?}");
    assert_eq!(audit_count(&app, "document.issue").await, 1);
    assert_eq!(objects_under_sessions(&app), 0);

    // Again: the document is issued, so nothing is reserved and the tool says why.
    let (ok, out, err) = desk_tool(&hsm, &url, &api_token, &id, None, &["--seal"]).await;
    assert!(!ok, "{out}{err}");
    assert!(err.contains("Máy chủ từ chối (HTTP 409)"), "{err}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM doc_number_reservations")
            .await,
        1
    );
}
