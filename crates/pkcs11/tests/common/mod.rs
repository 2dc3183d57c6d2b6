//! A fresh SoftHSM2 installation for one test process (or the benchmark): its own token
//! directory and configuration in a temporary folder (`SOFTHSM2_CONF`), two tokens made with
//! `softhsm2-util --init-token`, key pairs generated on them with `pkcs11-tool --keypairgen`
//! (OpenSC: an independent PKCS#11 client), their public keys read back with `pkcs11-tool
//! --read-object`, certified by a demo CA of `tinhso_pades::ca` and written beside the keys
//! (`--write-object --type cert`). The keys never exist outside the token.
//!
//! `softhsm2-util` and `pkcs11-tool` are required: a missing one fails (Debian `softhsm2`
//! and `opensc`, installed by scripts/test-all). Also the independent PDF checkers, as
//! tinhso-pades' tests use them: `pdfsig` with an NSS database (`certutil`) trusting the demo
//! root, always; pyHanko's validator when present, and always under `CI_REQUIRE_PYHANKO=1`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::SystemTime;
use tinhso_pades::asn1::WideOid;
use tinhso_pades::ca::{DemoPki, Role, Settings, Subject};
use tinhso_pades::sign::{Credential, LocalTsa};
use tinhso_pades::{Anchor, Trust};
use x509_cert::der::{Decode, Encode};

pub const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
/// The token the signing tests share.
pub const TOKEN: &str = "tinhso-hsm";
/// A token only the PIN test logs in to (a wrong PIN must reach `C_Login`).
pub const PIN_TOKEN: &str = "tinhso-pin";
/// A token only the pool test opens (its options apply).
pub const POOL_TOKEN: &str = "tinhso-pool";
pub const PIN: &str = "246810";
const SO_PIN: &str = "13579135";

/// The keys on [`TOKEN`] (`CKA_ID`, label, `pkcs11-tool --key-type`, certified as).
pub const RSA_ID: &str = "01";
pub const EC_ID: &str = "02";
/// A key without a certificate.
pub const BARE_ID: &str = "03";
/// A key whose certificate (written under its id) is the RSA key's.
pub const MISMATCH_ID: &str = "04";
/// RSA-1024: refused.
pub const WEAK_ID: &str = "05";
/// Two P-256 keys with this label.
pub const TWIN_LABEL: &str = "trung-nhan";

pub struct Hsm {
    pub dir: tempfile::TempDir,
    pub demo: DemoPki,
    pub rsa_certificate: Vec<u8>,
    pub ec_certificate: Vec<u8>,
    pub pin_token_certificate: Vec<u8>,
    pub pool_token_certificate: Vec<u8>,
}

static HSM: OnceLock<Hsm> = OnceLock::new();

/// The SoftHSM2 installation of this process, made on first use.
pub fn hsm() -> &'static Hsm {
    HSM.get_or_init(create)
}

fn tool(program: &str, args: &[&str], conf: &Path) -> String {
    let output = Command::new(program)
        .args(args)
        .env("SOFTHSM2_CONF", conf)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{program} is required for the PKCS#11 tests (apt-get install softhsm2 opensc): {e}"
            )
        });
    assert!(
        output.status.success(),
        "{program} {args:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn create() -> Hsm {
    assert!(
        Path::new(MODULE).exists(),
        "{MODULE} is required for the PKCS#11 tests (apt-get install softhsm2)"
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
    // SoftHSM2 reads its configuration's path from the environment at `C_Initialize`, which
    // comes after this (every test loads the module through this fixture first).
    // SAFETY: set once, before the module is loaded; Rust's own readers of the environment
    // (`Command`, `env::var`) take std's lock, and no C code of this process reads it
    // concurrently: the only C library here is the module, not yet loaded.
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var("SOFTHSM2_CONF", &conf);
    }
    for label in [TOKEN, PIN_TOKEN, POOL_TOKEN] {
        tool(
            "softhsm2-util",
            &[
                "--init-token",
                "--free",
                "--label",
                label,
                "--so-pin",
                SO_PIN,
                "--pin",
                PIN,
            ],
            &conf,
        );
    }
    let p11 = |token: &str, args: &[&str]| -> String {
        let mut all = vec![
            "--module",
            MODULE,
            "--token-label",
            token,
            "--login",
            "--pin",
            PIN,
        ];
        all.extend_from_slice(args);
        tool("pkcs11-tool", &all, &conf)
    };
    let generate = |token: &str, key_type: &str, id: &str, label: &str| {
        p11(
            token,
            &[
                "--keypairgen",
                "--key-type",
                key_type,
                "--id",
                id,
                "--label",
                label,
            ],
        );
    };
    generate(TOKEN, "rsa:2048", RSA_ID, "lanhdao-rsa");
    generate(TOKEN, "EC:prime256v1", EC_ID, "coquan-ec");
    generate(TOKEN, "rsa:2048", BARE_ID, "khong-chung-thu");
    generate(TOKEN, "EC:prime256v1", MISMATCH_ID, "sai-chung-thu");
    generate(TOKEN, "rsa:1024", WEAK_ID, "rsa-yeu");
    generate(TOKEN, "EC:prime256v1", "06", TWIN_LABEL);
    generate(TOKEN, "EC:prime256v1", "07", TWIN_LABEL);
    generate(PIN_TOKEN, "EC:prime256v1", "01", "ca-nhan-ec");
    generate(POOL_TOKEN, "EC:prime256v1", "01", "vanthu-ec");

    let now = SystemTime::now();
    let policy = WideOid::from_uuid(0x5f1e_2d3c_4b5a_4978_8695_a4b3_c2d1_e0f2);
    let settings = Settings::new("https://tinhso.test", policy);
    let demo = DemoPki::create(&settings, now).unwrap();
    let certify = |token: &str, id: &str, role: Role, subject: Subject| -> Vec<u8> {
        let public = dir.path().join(format!("{token}-{id}.pub.der"));
        p11(
            token,
            &[
                "--read-object",
                "--type",
                "pubkey",
                "--id",
                id,
                "-o",
                public.to_str().unwrap(),
            ],
        );
        let spki =
            x509_cert::spki::SubjectPublicKeyInfoOwned::from_der(&std::fs::read(&public).unwrap())
                .unwrap();
        demo.issuing
            .issue(role, &subject, &spki, &settings, now)
            .unwrap()
            .to_der()
            .unwrap()
    };
    let write_certificate = |token: &str, id: &str, der: &[u8], name: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, der).unwrap();
        p11(
            token,
            &[
                "--write-object",
                path.to_str().unwrap(),
                "--type",
                "cert",
                "--id",
                id,
            ],
        );
    };
    let agency = "Văn phòng UBND tỉnh Hà Giang";
    let rsa_certificate = certify(
        TOKEN,
        RSA_ID,
        Role::Person,
        Subject::person("Nguyễn Thị Hằng", Some(agency)),
    );
    write_certificate(TOKEN, RSA_ID, &rsa_certificate, "rsa.der");
    let ec_certificate = certify(
        TOKEN,
        EC_ID,
        Role::Agency,
        Subject::agency(agency, "000.00.01.H02"),
    );
    write_certificate(TOKEN, EC_ID, &ec_certificate, "ec.der");
    write_certificate(TOKEN, MISMATCH_ID, &rsa_certificate, "mismatch.der");
    let pin_token_certificate = certify(
        PIN_TOKEN,
        "01",
        Role::Person,
        Subject::person("Trần Văn Đức", Some(agency)),
    );
    write_certificate(PIN_TOKEN, "01", &pin_token_certificate, "pin-token.der");
    let pool_token_certificate = certify(
        POOL_TOKEN,
        "01",
        Role::Person,
        Subject::person("Lê Thị Mai", Some(agency)),
    );
    write_certificate(POOL_TOKEN, "01", &pool_token_certificate, "pool-token.der");
    std::fs::write(dir.path().join("root.der"), &demo.root.der).unwrap();
    Hsm {
        dir,
        demo,
        rsa_certificate,
        ec_certificate,
        pin_token_certificate,
        pool_token_certificate,
    }
}

impl Hsm {
    pub fn module(&self) -> tinhso_pkcs11::Module {
        tinhso_pkcs11::Module::load(Path::new(MODULE)).expect("SoftHSM2 loads")
    }

    pub fn pin(&self) -> tinhso_pkcs11::Pin {
        tinhso_pkcs11::Pin::new(PIN)
    }

    pub fn credential(&self, certificate: &[u8]) -> Credential {
        Credential::new(certificate.to_vec(), vec![self.demo.issuing.der.clone()])
    }

    pub fn tsa(&self) -> LocalTsa<'_> {
        LocalTsa {
            authority: &self.demo.tsa,
            chain: vec![self.demo.issuing.certificate.clone()],
            policy: self.demo.settings.policy.clone(),
            now: None,
        }
    }

    pub fn trust(&self) -> Trust {
        Trust {
            anchors: vec![Anchor {
                certificate: self.demo.root.certificate.clone(),
                demo: true,
            }],
            intermediates: Vec::new(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// One A4 page with a line of text and a classic xref table.
pub fn classic_pdf() -> Vec<u8> {
    let content = b"BT /F1 12 Tf 72 720 Td (Van ban mau) Tj ET";
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_vec(),
        [
            format!("<< /Length {} >>\nstream\n", content.len()).as_bytes(),
            content,
            b"\nendstream",
        ]
        .concat(),
    ];
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(object);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// An NSS database trusting the demo root, made once.
fn nss_dir() -> &'static Path {
    static NSS: OnceLock<PathBuf> = OnceLock::new();
    NSS.get_or_init(|| {
        let hsm = hsm();
        let dir = hsm.path("nss");
        std::fs::create_dir_all(&dir).unwrap();
        let run = |args: &[&str]| {
            let output = Command::new("certutil")
                .args(args)
                .output()
                .expect("certutil is required for these tests (apt-get install libnss3-tools)");
            assert!(output.status.success(), "certutil {args:?}: {output:?}");
        };
        let db = format!("sql:{}", dir.display());
        run(&["-N", "-d", &db, "--empty-password"]);
        let root = hsm.path("root.der");
        run(&[
            "-A",
            "-d",
            &db,
            "-n",
            "tinhso-demo-root",
            "-t",
            "CT,C,C",
            "-i",
            root.to_str().unwrap(),
        ]);
        dir
    })
}

/// poppler's pdfsig says the one signature of `path` is valid and its certificate trusted
/// (it exits 0 even on a digest mismatch: its report is read).
pub fn pdfsig_check(path: &Path) {
    let output = Command::new("pdfsig")
        .arg("-nssdir")
        .arg(nss_dir())
        .arg("-no-ocsp")
        .arg(path)
        .output()
        .expect("pdfsig is required for these tests (apt-get install poppler-utils)");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "pdfsig: {output:?}");
    assert_eq!(
        text.matches("Signature Validation: Signature is Valid.")
            .count(),
        1,
        "{text}"
    );
    assert_eq!(
        text.matches("Certificate Validation: Certificate is Trusted.")
            .count(),
        1,
        "{text}"
    );
    assert!(
        text.contains("Signature Type: ETSI.CAdES.detached"),
        "{text}"
    );
}

/// pyHanko's verdict on `path` (tinhso-pades' `tests/pyhanko/validate.py`, the demo root
/// trusted), or `None` when pyHanko is absent outside CI.
pub fn pyhanko_check(path: &Path) -> Option<serde_json::Value> {
    let required = std::env::var("CI_REQUIRE_PYHANKO").as_deref() == Ok("1");
    let present = Command::new("python3")
        .args(["-c", "import pyhanko"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !present {
        assert!(!required, "pyHanko is required (CI_REQUIRE_PYHANKO=1)");
        eprintln!("pyHanko absent: its check skipped");
        return None;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../pades/tests/pyhanko/validate.py");
    let output = Command::new("python3")
        .arg(&script)
        .arg(path)
        .arg(hsm().path("root.der"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let line: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&output.stdout).trim()).unwrap();
    assert_eq!(line["bottom_line"], true, "{line}");
    assert_eq!(line["coverage"], "ENTIRE_FILE", "{line}");
    Some(line)
}
