//! An agency's seal kept in an HSM (docs/signatures-design.md §4, slice 7), on both databases:
//! a SoftHSM2 token made by SoftHSM2's and OpenSC's own tools (`softhsm2-util`,
//! `pkcs11-tool`), a P-256 key generated on it, certified for the agency by the platform's demo
//! CA and written beside the key; the node started with `signatures.agency_keys` naming it.
//! A wrong PIN file stops the start with the token's message and code; a key without a certificate
//! on the token takes the agency's from the CA's register; with the certificate on the token, the
//! leader signs, the clerk issues with the seal, and the second signature's certificate is the
//! token's, both signatures TOTAL-PASSED; the audit row names the token and the key, and
//! `/admin/signatures` lists the key without its PIN.
//!
//! SoftHSM2 reads `SOFTHSM2_CONF` from the environment when it is loaded, and the tests of this
//! binary share one process: rather than changing the environment under running tests, each
//! database's test runs its flow in a child process of this binary (`child_*`, ignored when run
//! otherwise) started with its own `SOFTHSM2_CONF` and token folder.

use crate::common::{Kind, TestApp};
use crate::document_signing::{
    CLERK, LEADER, act, approve, audit_count, awaiting_approval, sign, table_serial, verified,
    version_bytes,
};
use axum::http::StatusCode;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;
use tinhso::config::AgencyKeyConfig;
use tinhso_pades::ca::{self, Subject};
use tinhso_signatures::pki::{self, Role};
use x509_cert::der::{Decode, Encode};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const TOKEN: &str = "dau-hac-thanh";
const PIN: &str = "246810";
const WRONG_PIN: &str = "864200";
const SO_PIN: &str = "13579135";
const KEY_ID: &str = "0a";
/// A key whose certificate is not on the token.
const ADOPTED_ID: &str = "0b";
/// Where the parent made the child's SoftHSM2 folder.
const DIR_VAR: &str = "TINHSO_TEST_HSM_DIR";

#[test]
fn sqlite() {
    in_own_process("document_hsm::child_sqlite");
}

#[test]
fn postgres() {
    in_own_process("document_hsm::child_postgres");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by document_hsm::sqlite in a process of its own (SOFTHSM2_CONF)"]
async fn child_sqlite() {
    if let Some(dir) = std::env::var_os(DIR_VAR) {
        the_agency_seal_is_made_by_the_hsm_key(Kind::Sqlite, Path::new(&dir)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by document_hsm::postgres in a process of its own (SOFTHSM2_CONF)"]
async fn child_postgres() {
    if let Some(dir) = std::env::var_os(DIR_VAR) {
        the_agency_seal_is_made_by_the_hsm_key(Kind::Postgres, Path::new(&dir)).await;
    }
}

/// Runs test `name` of this binary in a child process with a fresh SoftHSM2 configuration.
fn in_own_process(name: &str) {
    assert!(
        Path::new(MODULE).exists(),
        "{MODULE} is required (apt-get install softhsm2 opensc)"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("tokens")).unwrap();
    let conf = dir.path().join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n",
            dir.path().join("tokens").display()
        ),
    )
    .unwrap();
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            name,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SOFTHSM2_CONF", &conf)
        .env(DIR_VAR, dir.path())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{name}: {text}");
    assert!(text.contains("1 passed"), "{name} ran: {text}");
}

/// `program` with `args` (this process's `SOFTHSM2_CONF`), its output.
fn tool(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} is required (apt-get install softhsm2 opensc): {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn p11(args: &[&str]) -> String {
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
    tool("pkcs11-tool", &all)
}

fn entry(agency: &str, pin_file: PathBuf) -> AgencyKeyConfig {
    AgencyKeyConfig {
        agency: agency.to_owned(),
        module: PathBuf::from(MODULE),
        token_label: TOKEN.to_owned(),
        key_id: KEY_ID.to_owned(),
        pin_file,
        key_label: None,
        max_sessions: Some(2),
    }
}

async fn the_agency_seal_is_made_by_the_hsm_key(kind: Kind, dir: &Path) {
    // The token and its key: generated on the token, never outside it.
    tool(
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
    p11(&[
        "--keypairgen",
        "--key-type",
        "EC:prime256v1",
        "--id",
        KEY_ID,
        "--label",
        "dau-co-quan",
    ]);
    let mut app = TestApp::new_with(kind, |c| c.signatures.online_revocation = false).await;
    let row = sqlx::query(
        "SELECT a.id, a.code, a.name FROM agencies a JOIN users u ON u.agency_id = a.id
          WHERE u.email = $1",
    )
    .bind(CLERK)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let agency_id: String = sqlx::Row::get(&row, "id");
    let code: String = sqlx::Row::get(&row, "code");
    let name: String = sqlx::Row::get(&row, "name");

    // The demo CA certifies the token's key for the agency, as a CA does for a key brought to
    // it in an HSM; the certificate is written on the token beside the key.
    let now = SystemTime::now();
    let (der, serial) = certify(&app, dir, KEY_ID, &agency_id, &name, &code, now).await;
    let certificate_file = dir.join("agency.der");
    std::fs::write(&certificate_file, &der).unwrap();
    p11(&[
        "--write-object",
        certificate_file.to_str().unwrap(),
        "--type",
        "cert",
        "--id",
        KEY_ID,
    ]);
    // A second key whose certificate only the CA's register keeps (the agency's newest).
    p11(&[
        "--keypairgen",
        "--key-type",
        "EC:prime256v1",
        "--id",
        ADOPTED_ID,
        "--label",
        "dau-co-quan-2",
    ]);
    let later = now + std::time::Duration::from_secs(1);
    let (_, adopted) = certify(&app, dir, ADOPTED_ID, &agency_id, &name, &code, later).await;

    // A wrong PIN file: the node refuses to start, saying why (the PIN itself never shown).
    let wrong = dir.join("wrong.pin");
    std::fs::write(&wrong, format!("{WRONG_PIN}\n")).unwrap();
    let mut config = (*app.state.config).clone();
    config.signatures.agency_keys = vec![entry(&code, wrong)];
    let refused = tinhso::app::start(config, None)
        .await
        .err()
        .expect("a wrong PIN stops the start");
    let message = format!("{refused:#}");
    assert!(
        message.contains("Mã PIN của thiết bị ký số không đúng"),
        "{message}"
    );
    assert!(message.contains("[pin_incorrect]"), "{message}");
    assert!(
        message.contains(TOKEN) && message.contains(&code),
        "{message}"
    );
    assert!(
        !message.contains(WRONG_PIN) && !message.contains(PIN),
        "{message}"
    );

    // The right one. A key without a certificate on the token takes the agency's certificate
    // from the platform's CA, once proved the key's.
    let good = dir.join("agency.pin");
    std::fs::write(&good, format!("{PIN}\n")).unwrap();
    let mut config = (*app.state.config).clone();
    config.signatures.agency_keys = vec![AgencyKeyConfig {
        key_id: ADOPTED_ID.to_owned(),
        ..entry(&code, good.clone())
    }];
    let other = tinhso::app::start(config, None).await.expect("starts");
    let keys = tinhso_signatures::hsm::configured(&other);
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].certificate_source, "platform_ca");
    assert_eq!(keys[0].serial, adopted);
    drop(other);

    // The node starts with the agency's key whose certificate is on the token.
    app.restart_with(|c| c.signatures.agency_keys = vec![entry(&code, good)])
        .await;

    // The leader signs, the clerk issues with the seal.
    let id = awaiting_approval(&app).await;
    let (status, version) = sign(&app, LEADER, &id).await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    approve(&app, &id).await;
    let leader_signed = version_bytes(&app, &id, 2).await;
    let (status, doc) = act(&app, CLERK, &id, json!({ "Action": "issue", "Seal": true })).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(doc["State"], "issued", "{doc}");
    let sealed = version_bytes(&app, &id, 3).await;
    assert!(sealed.starts_with(&leader_signed), "an incremental update");

    let report = verified(&app, &sealed).await;
    assert_eq!(report["Indication"], "TOTAL-PASSED", "{report:#}");
    let signatures = report["Signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 2, "{report:#}");
    let (first, second) = (&signatures[0], &signatures[1]);
    assert_eq!(first["Indication"], "TOTAL-PASSED", "{first:#}");
    assert_eq!(second["Indication"], "TOTAL-PASSED", "{second:#}");
    assert_eq!(second["Level"], "B-LT", "{second:#}");
    assert_eq!(second["TimeProven"], true, "{second:#}");
    // Its validation data follows in a DSS update (B-LT).
    assert_eq!(second["CoversWholeFile"], false, "{second:#}");
    assert_eq!(second["LaterRevisions"], 1, "{second:#}");
    assert!(
        second["SignatureAlgorithm"]
            .as_str()
            .unwrap_or_default()
            .contains("ECDSA"),
        "{second:#}"
    );
    // The second signature's certificate is the token's, not the demo software seal's.
    assert_eq!(
        table_serial(second["CertificateSerial"].as_str().unwrap()),
        serial,
        "{second:#}"
    );

    // Audited with the token and the key.
    assert_eq!(audit_count(&app, "signature.seal").await, 1);
    let row = sqlx::query("SELECT after_json FROM audit_log WHERE action = 'signature.seal'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let after: String = sqlx::Row::get(&row, "after_json");
    let after: serde_json::Value = serde_json::from_str(&after).unwrap();
    assert_eq!(after["hsm"]["token"], TOKEN, "{after}");
    assert_eq!(after["hsm"]["key_id"], KEY_ID, "{after}");
    assert_eq!(after["serial"], serial.as_str(), "{after}");
    assert_eq!(after["level"], "B-LT", "{after}");

    // The administrators' page lists the key, never the PIN.
    crate::signatures_pki::sign_in_admin(&app).await;
    let (status, page) = app.get("/admin/signatures").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("data-testid=\"pki-hsm-keys\""), "{page}");
    assert!(page.contains(&format!("data-token=\"{TOKEN}\"")), "{page}");
    assert!(page.contains(&serial), "{page}");
    assert!(
        !page.contains(PIN) && !page.contains("agency.pin"),
        "{page}"
    );
}

/// The demo issuing CA's certificate for the agency of key `key_id` of the token, recorded in
/// the CA's register as issued at `at` (its OCSP answers "good"), with no software key: the
/// key stays on the token. Its DER and serial.
async fn certify(
    app: &TestApp,
    dir: &Path,
    key_id: &str,
    agency_id: &str,
    name: &str,
    code: &str,
    at: SystemTime,
) -> (Vec<u8>, String) {
    let public = dir.join(format!("public-{key_id}.der"));
    p11(&[
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
    let certificate = issuing
        .issue(
            ca::Role::Agency,
            &Subject::agency(name, code),
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
         VALUES ($1, $2, 'agency', NULL, $3, $4, 'ecdsa-p256', $5, $6, 'good', NULL, NULL, $7,
           '', $8, $9)",
    )
    .bind(format!("hsm-{serial}"))
    .bind(&serial)
    .bind(agency_id)
    .bind(tbs.subject().to_string())
    .bind(pki::to_text(tbs.validity().not_before.to_system_time()))
    .bind(pki::to_text(tbs.validity().not_after.to_system_time()))
    .bind(pki::encode_b64(&der))
    .bind(pki::to_text(at))
    .bind(tbs.issuer().to_string())
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    (der, serial)
}
