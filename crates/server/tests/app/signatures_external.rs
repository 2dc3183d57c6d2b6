//! Certificates and timestamps of a foreign CA, not the demo's (docs/signatures-design.md §5.4):
//! a small CA made here with Debian's `openssl`, its OCSP responder (`openssl ocsp -index …
//! -port`), its CRL and an RFC 3161 TSA (`openssl ts -reply` behind Python's standard HTTP
//! server) on local ports allowed by `signatures.fetch_allow_hosts`. Registering its
//! certificates to officials (good, unknown root, revoked, a dead responder, bad files), and
//! signing with its TSA (a B-T signature pyHanko validates). `openssl` and `python3` are
//! required.

use crate::common::{self, Kind, TestApp};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime};

const PASSWORD: &str = "TinhSo@2026";
const ADMIN: &str = "admin@tinhso.local";
const CLERK: &str = "vanthu.tuphap@tinhso.local";
const LEADER: &str = "lanhdao.tuphap@tinhso.local";

fn run(dir: &Path, program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{program} is required for these tests: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A foreign CA in a folder: its root, leaves and services, stopped when dropped.
struct ForeignCa {
    dir: tempfile::TempDir,
    services: Vec<Child>,
    http_port: u16,
}

impl Drop for ForeignCa {
    fn drop(&mut self) {
        for child in &mut self.services {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

const CA_CNF: &str = "[ca]\ndefault_ca = d\n[d]\ndir = .\ndatabase = index.txt\n\
certificate = root.pem\nprivate_key = root.key\ndefault_md = sha256\ndefault_crl_days = 1\n\
crlnumber = crlnumber\nnew_certs_dir = .\nserial = serial\npolicy = p\n[p]\ncommonName = supplied\n";

const TS_CNF: &str = "[tsa]\ndefault_tsa = t\n[t]\ndir = .\nserial = ./tsaserial\n\
crypto_device = builtin\nsigner_cert = ./tsa.pem\ncerts = ./root.pem\nsigner_key = ./tsa.key\n\
signer_digest = sha256\ndefault_policy = 1.2.3.4.1\ndigests = sha256, sha384, sha512\n\
accuracy = secs:1\nordering = yes\ntsa_name = no\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n";

/// Serves the folder's files by GET (the CRL) and answers RFC 3161 requests posted to `/tsa`.
const SERVER_PY: &str = r#"
import http.server, subprocess, sys, tempfile, os
class H(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('content-length', 0)))
        with tempfile.TemporaryDirectory() as t:
            q, r = os.path.join(t, 'q.tsq'), os.path.join(t, 'r.tsr')
            open(q, 'wb').write(body)
            done = subprocess.run(['openssl', 'ts', '-reply', '-config', 'ts.cnf', '-queryfile', q, '-out', r], capture_output=True)
            if done.returncode != 0:
                self.send_response(500); self.end_headers(); return
            data = open(r, 'rb').read()
        self.send_response(200)
        self.send_header('content-type', 'application/timestamp-reply')
        self.send_header('content-length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)
http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
"#;

fn openssl_time(at: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(at)
        .format("%y%m%d%H%M%SZ")
        .to_string()
}

impl ForeignCa {
    /// The root, and leaves: `good` and `good2` (OCSP and CRL here), `revoked` (listed as
    /// revoked), `dead` (an OCSP responder on a closed port, no CRL), `tsa`; and an `alien`
    /// signed by another root nobody trusts. The OCSP responder and the HTTP server started.
    fn start() -> ForeignCa {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let (ocsp_port, http_port, dead_port) = (free_port(), free_port(), free_port());
        for (root, cn) in [("root", "Foreign Test Root CA"), ("alien", "Alien Root CA")] {
            run(
                d,
                "openssl",
                &[
                    "req",
                    "-x509",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-nodes",
                    "-keyout",
                    &format!("{root}.key"),
                    "-out",
                    &format!("{root}.pem"),
                    "-days",
                    "30",
                    "-subj",
                    &format!("/CN={cn}/O=Foreign CA"),
                    "-addext",
                    "basicConstraints=critical,CA:TRUE",
                    "-addext",
                    "keyUsage=critical,keyCertSign,cRLSign",
                ],
            );
        }
        let ocsp = format!("http://127.0.0.1:{ocsp_port}/");
        let crl = format!("http://127.0.0.1:{http_port}/root.crl");
        let dead = format!("http://127.0.0.1:{dead_port}/");
        let leaves: [(&str, &str, &str, String, &str); 6] = [
            (
                "good",
                "1001",
                "root",
                format!("authorityInfoAccess=OCSP;URI:{ocsp}\ncrlDistributionPoints=URI:{crl}"),
                "keyUsage=critical,digitalSignature,nonRepudiation",
            ),
            (
                "good2",
                "1002",
                "root",
                format!("authorityInfoAccess=OCSP;URI:{ocsp}\ncrlDistributionPoints=URI:{crl}"),
                "keyUsage=critical,digitalSignature,nonRepudiation",
            ),
            (
                "revoked",
                "1003",
                "root",
                format!("authorityInfoAccess=OCSP;URI:{ocsp}\ncrlDistributionPoints=URI:{crl}"),
                "keyUsage=critical,digitalSignature,nonRepudiation",
            ),
            (
                "dead",
                "1004",
                "root",
                format!("authorityInfoAccess=OCSP;URI:{dead}"),
                "keyUsage=critical,digitalSignature,nonRepudiation",
            ),
            (
                "tsa",
                "1005",
                "root",
                format!("authorityInfoAccess=OCSP;URI:{ocsp}\ncrlDistributionPoints=URI:{crl}"),
                "keyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping",
            ),
            (
                "stranger",
                "2001",
                "alien",
                String::new(),
                "keyUsage=critical,digitalSignature,nonRepudiation",
            ),
        ];
        let mut index = String::new();
        let expiry = openssl_time(SystemTime::now() + Duration::from_secs(20 * 86_400));
        for (name, serial, issuer, urls, usage) in &leaves {
            std::fs::write(
                d.join(format!("{name}.ext")),
                format!("basicConstraints=critical,CA:FALSE\n{usage}\n{urls}\n"),
            )
            .unwrap();
            run(
                d,
                "openssl",
                &[
                    "req",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-nodes",
                    "-keyout",
                    &format!("{name}.key"),
                    "-out",
                    &format!("{name}.csr"),
                    "-subj",
                    &format!("/CN=Nguyễn Văn {name}/O=Sở Tư pháp"),
                    "-utf8",
                ],
            );
            run(
                d,
                "openssl",
                &[
                    "x509",
                    "-req",
                    "-in",
                    &format!("{name}.csr"),
                    "-CA",
                    &format!("{issuer}.pem"),
                    "-CAkey",
                    &format!("{issuer}.key"),
                    "-set_serial",
                    &format!("0x{serial}"),
                    "-days",
                    "20",
                    "-sha256",
                    "-extfile",
                    &format!("{name}.ext"),
                    "-out",
                    &format!("{name}.pem"),
                ],
            );
            if *issuer == "root" {
                let subject = format!("/CN=Nguyen Van {name}");
                if *name == "revoked" {
                    let at = openssl_time(SystemTime::now() - Duration::from_secs(3600));
                    index.push_str(&format!(
                        "R\t{expiry}\t{at},keyCompromise\t{serial}\tunknown\t{subject}\n"
                    ));
                } else {
                    index.push_str(&format!("V\t{expiry}\t\t{serial}\tunknown\t{subject}\n"));
                }
            }
        }
        std::fs::write(d.join("index.txt"), index).unwrap();
        std::fs::write(d.join("index.txt.attr"), "unique_subject = no\n").unwrap();
        std::fs::write(d.join("crlnumber"), "01\n").unwrap();
        std::fs::write(d.join("serial"), "3000\n").unwrap();
        std::fs::write(d.join("tsaserial"), "01\n").unwrap();
        std::fs::write(d.join("ca.cnf"), CA_CNF).unwrap();
        std::fs::write(d.join("ts.cnf"), TS_CNF).unwrap();
        std::fs::write(d.join("server.py"), SERVER_PY).unwrap();
        run(
            d,
            "openssl",
            &["ca", "-config", "ca.cnf", "-gencrl", "-out", "root.crl.pem"],
        );
        run(
            d,
            "openssl",
            &[
                "crl",
                "-in",
                "root.crl.pem",
                "-outform",
                "DER",
                "-out",
                "root.crl",
            ],
        );
        let quiet = |c: &mut Command| {
            c.current_dir(d).stdout(Stdio::null()).stderr(Stdio::null());
        };
        let mut responder = Command::new("openssl");
        responder.args([
            "ocsp",
            "-index",
            "index.txt",
            "-port",
            &ocsp_port.to_string(),
            "-rsigner",
            "root.pem",
            "-rkey",
            "root.key",
            "-CA",
            "root.pem",
            "-nmin",
            "60",
            "-ignore_err",
        ]);
        quiet(&mut responder);
        let mut server = Command::new("python3");
        server.args(["server.py", &http_port.to_string()]);
        quiet(&mut server);
        let ca = ForeignCa {
            services: vec![responder.spawn().unwrap(), server.spawn().unwrap()],
            dir,
            http_port,
        };
        for port in [ocsp_port, http_port] {
            let up = (0..100).any(|_| {
                std::thread::sleep(Duration::from_millis(50));
                std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
            });
            assert!(up, "the foreign CA's service on {port} did not start");
        }
        ca
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn pem(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(&format!("{name}.pem"))).unwrap()
    }

    fn tsa_url(&self) -> String {
        format!("http://127.0.0.1:{}/tsa", self.http_port)
    }
}

/// The app with the demo province, trusting the foreign root and allowed to reach its
/// services on this machine.
async fn app_for(kind: Kind, ca: &ForeignCa, tsa: bool) -> TestApp {
    let root = ca.path("root.pem");
    let tsa_url = tsa.then(|| ca.tsa_url());
    TestApp::new_with(kind, move |c| {
        c.signatures.trust_anchors_file = Some(root);
        c.signatures.fetch_allow_hosts = vec!["127.0.0.1".into()];
        c.signatures.tsa_url = tsa_url;
    })
    .await
}

async fn sign_in_admin(app: &TestApp) {
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

async fn external_rows(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM pki_certificates WHERE origin = 'external'")
        .await
}

async fn registrations(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'signature.certificate_register'")
        .await
}

async fn external_certificates_are_registered_only_after_their_checks(kind: Kind) {
    let ca = ForeignCa::start();
    let app = app_for(kind, &ca, false).await;
    sign_in_admin(&app).await;
    let register = |email: &'static str, file: Vec<u8>| {
        let app = &app;
        async move {
            app.post_multipart(
                "/admin/signatures",
                "/admin/signatures/certificates",
                &[("email", email)],
                &[("file", "cert.pem", &file)],
            )
            .await
        }
    };

    // Good: chains to the configured root, its OCSP responder says good.
    let (status, body, _) = register(LEADER, ca.pem("good")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("Đã đăng ký chứng thư số"), "{body}");
    assert!(!body.contains("Không kiểm tra được"), "{body}");
    let row = sqlx::query(
        "SELECT c.serial, c.issuer, c.origin, c.sealed_key, u.email FROM pki_certificates c
           JOIN users u ON u.id = c.user_id WHERE c.serial = '1001'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let text = |c: &str| sqlx::Row::get::<String, _>(&row, c);
    assert_eq!(text("origin"), "external");
    assert_eq!(text("email"), LEADER);
    assert_eq!(text("sealed_key"), "");
    assert!(
        text("issuer").contains("Foreign Test Root CA"),
        "{}",
        text("issuer")
    );
    assert_eq!(
        (external_rows(&app).await, registrations(&app).await),
        (1, 1)
    );

    // Twice: already in the register.
    let (status, body, _) = register(LEADER, ca.pem("good")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    // Refused, nothing stored: an unknown root, a revoked certificate, bad files.
    for (file, said) in [
        (ca.pem("stranger"), "không được tin cậy"),
        (ca.pem("revoked"), "đã bị thu hồi"),
        (ca.pem("root"), "tổ chức chứng thực (CA)"),
        (
            b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n".to_vec(),
            "không phải chứng thư số",
        ),
        (b"garbage".to_vec(), "không phải chứng thư số"),
        (vec![b'A'; 5 * 1024 * 1024], "quá lớn"),
    ] {
        let (status, body, _) = register(LEADER, file).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{said}: {body}");
        assert!(body.contains(said), "{said}: {body}");
    }
    assert_eq!(
        (external_rows(&app).await, registrations(&app).await),
        (1, 1)
    );

    // A dead OCSP responder: registered, with the warning.
    let (status, body, _) = register(CLERK, ca.pem("dead")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.contains("Không kiểm tra được tình trạng thu hồi"),
        "{body}"
    );
    assert_eq!(
        (external_rows(&app).await, registrations(&app).await),
        (2, 2)
    );

    // Only a system administrator registers a certificate to another official: an official
    // posting the administrator's form is refused, nothing stored.
    app.clear_cookies();
    app.login(CLERK, PASSWORD).await;
    let (status, body, _) = app
        .post_multipart(
            "/office/signatures/certificates",
            "/admin/signatures/certificates",
            &[("email", LEADER)],
            &[("file", "cert.pem", &ca.pem("good2"))],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(
        (external_rows(&app).await, registrations(&app).await),
        (2, 2)
    );

    // The official's own API: problem+json for a bad file, 201 for a good one.
    app.clear_cookies();
    let token = app.token(CLERK, &["documents"]).await;
    let api = |file: Vec<u8>| {
        let token = token.clone();
        let app = &app;
        async move {
            let (content_type, body) = common::multipart(&[], &[("file", "c.cer", &file)]);
            let req = Request::post("/api/v1/signatures/my-certificates")
                .header(header::CONTENT_TYPE, content_type)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::from(body))
                .unwrap();
            let response = app.send(req).await;
            let status = response.status();
            let media = response
                .headers()
                .get(header::CONTENT_TYPE)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            (
                status,
                media,
                serde_json::from_slice::<serde_json::Value>(&body).unwrap(),
            )
        }
    };
    let (status, media, problem) = api(b"garbage".to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(media, "application/problem+json");
    assert!(
        problem.to_string().contains("không phải chứng thư số"),
        "{problem}"
    );
    let der = {
        run(
            ca.dir.path(),
            "openssl",
            &[
                "x509",
                "-in",
                "good2.pem",
                "-outform",
                "DER",
                "-out",
                "good2.der",
            ],
        );
        std::fs::read(ca.path("good2.der")).unwrap()
    };
    let (status, _, registered) = api(der).await;
    assert_eq!(status, StatusCode::CREATED, "{registered}");
    assert_eq!(registered["Serial"], "1002");
    assert_eq!(registered["Warning"], serde_json::Value::Null);
    assert_eq!(
        (external_rows(&app).await, registrations(&app).await),
        (3, 3)
    );
    // The official sees their certificates on their page.
    app.login(CLERK, PASSWORD).await;
    let (status, page) = app.get("/office/signatures/certificates").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("1002") && page.contains("1004"), "{page}");
}

async fn signing_with_the_external_tsa_gives_a_b_t_signature_pyhanko_validates(kind: Kind) {
    let ca = ForeignCa::start();
    let app = app_for(kind, &ca, true).await;
    let leader = app.user_id(LEADER).await;
    let request = tinhso_kernel::signing::SignRequest {
        signer: tinhso_kernel::signing::SignAs::Person(leader),
        actor: tinhso::audit::Actor {
            label: "test".into(),
            ip: String::new(),
        },
        entity_type: "document",
        entity_id: "external-tsa".into(),
        pdf: crate::document_signing::decision_pdf().into(),
        reason: Some("Ký thử".into()),
        location: None,
        stamp: None,
    };
    let signed = tinhso_signatures::sign::sign_pdf(&app.state, request)
        .await
        .expect("signed with the external TSA");
    assert_eq!(signed.audit.after["level"], "B-T", "{}", signed.audit.after);
    // Our check: the timestamp valid, by the foreign TSA.
    let report = tinhso_signatures::service::validate(&app.state, signed.pdf.clone().into())
        .await
        .unwrap();
    let timestamp = report.signatures[0]
        .timestamp
        .as_ref()
        .expect("a timestamp");
    assert!(timestamp.valid, "{timestamp:?}");
    assert!(
        timestamp.tsa.as_deref().unwrap_or_default().contains("tsa"),
        "{timestamp:?}"
    );
    // pyHanko: the demo root (the signer's) and the foreign root (the TSA's) trusted.
    let row = sqlx::query("SELECT certificate FROM pki_authorities WHERE role = 'root'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let demo_root =
        tinhso_signatures::pki::decode_b64(&sqlx::Row::get::<String, _>(&row, "certificate"))
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("signed.pdf"), &signed.pdf).unwrap();
    std::fs::write(dir.path().join("demo.der"), demo_root).unwrap();
    std::fs::copy(ca.path("root.pem"), dir.path().join("foreign.pem")).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../pades/tests/pyhanko/validate.py");
    let out = Command::new("python3")
        .arg(script)
        .args(["signed.pdf", "demo.der,foreign.pem"])
        .current_dir(dir.path())
        .output()
        .expect("python3");
    let required = std::env::var("CI_REQUIRE_PYHANKO").as_deref() == Ok("1");
    if !out.status.success() {
        assert!(!required, "pyHanko is required: {out:?}");
        return;
    }
    let line: serde_json::Value =
        serde_json::from_slice(out.stdout.split(|b| *b == b'\n').next().unwrap()).unwrap();
    assert_eq!(line["bottom_line"], true, "{line}");
    assert_eq!(line["timestamp_valid"], true, "{line}");

    // A TSA nobody trusts is not used: signing is refused, nothing signed.
    let untrusting = TestApp::new_with(kind, |c| {
        c.signatures.fetch_allow_hosts = vec!["127.0.0.1".into()];
        c.signatures.tsa_url = Some(ca.tsa_url());
    })
    .await;
    let leader = untrusting.user_id(LEADER).await;
    let refused = tinhso_signatures::sign::sign_pdf(
        &untrusting.state,
        tinhso_kernel::signing::SignRequest {
            signer: tinhso_kernel::signing::SignAs::Person(leader),
            actor: tinhso::audit::Actor {
                label: "test".into(),
                ip: String::new(),
            },
            entity_type: "document",
            entity_id: "external-tsa".into(),
            pdf: crate::document_signing::decision_pdf().into(),
            reason: None,
            location: None,
            stamp: None,
        },
    )
    .await
    .expect_err("an untrusted TSA");
    assert!(
        refused.to_string().contains("không được tin cậy"),
        "{refused}"
    );
}

on_both_kinds!(
    external_certificates_are_registered_only_after_their_checks,
    signing_with_the_external_tsa_gives_a_b_t_signature_pyhanko_validates,
);
