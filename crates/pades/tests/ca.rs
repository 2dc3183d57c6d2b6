//! The demo CA (`tinhso_pades::ca`, docs/signatures-design.md §5) checked by our own path and
//! revocation code and, independently, by Debian's `openssl` CLI: the chain (`openssl
//! verify`), the CRL (`openssl crl`, `openssl verify -crl_check`), OCSP answers to requests
//! openssl made (`openssl ocsp`), timestamps for openssl's queries (`openssl ts -verify`).
//! One PKI per test process. The openssl tests fail, not skip, without openssl.

mod common;

use der::{Decode, Encode, EncodePem};
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};
use tinhso_pades::Trust;
use tinhso_pades::asn1::{
    BasicOcspResponse, CertStatus, OcspResponse, OcspResponseStatus, TimeStampResp, TstInfo,
    WideOid, oid,
};
use tinhso_pades::ca::certs::{Ca, DemoPki};
use tinhso_pades::ca::crl::{CrlPeriod, Revoked};
use tinhso_pades::ca::ocsp::{Responder, SerialStatus};
use tinhso_pades::ca::{self, Authority, KeyAlgorithm, KeyPair, Role, Settings, Subject};
use tinhso_pades::chain::Usage;
use tinhso_pades::revocation::{RevocationData, Status, check_certificate};
use x509_cert::Certificate;
use x509_cert::ext::pkix::crl::CrlReason;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage};
use x509_cert::serial_number::SerialNumber;

const BASE_URL: &str = "https://tinhso.test/";
const AGENCY_CODE: &str = "000.00.14.H56";

struct Pki {
    demo: DemoPki,
    leader: Issued,
    clerk: Issued,
    agency: Issued,
    /// A clerk whose certificate is revoked (key compromise) an hour before the test.
    revoked: Issued,
    revoked_at: SystemTime,
    dir: tempfile::TempDir,
}

struct Issued {
    certificate: Certificate,
    der: Vec<u8>,
    key: KeyPair,
}

static PKI: OnceLock<Pki> = OnceLock::new();

fn policy() -> WideOid {
    WideOid::from_uuid(0x6f1c_2b1e_8a4d_4c7e_9b2a_0d3e_5f61_7a89)
}

fn pki() -> &'static Pki {
    PKI.get_or_init(|| {
        let now = SystemTime::now();
        let settings = Settings::new(BASE_URL, policy());
        let demo = DemoPki::create(&settings, now).unwrap();
        let issue = |role, subject: Subject, algorithm| {
            let (certificate, key) = demo
                .issuing
                .issue_with_new_key(role, &subject, algorithm, &settings, now)
                .unwrap();
            let der = certificate.to_der().unwrap();
            Issued {
                certificate,
                der,
                key,
            }
        };
        let agency_name = "Sở Thông tin và Truyền thông tỉnh Hà Giang";
        let pki = Pki {
            leader: issue(
                Role::Person,
                Subject::person("Nguyễn Thị Hằng", Some(agency_name)),
                KeyAlgorithm::Rsa2048,
            ),
            clerk: issue(
                Role::Person,
                Subject::person("Trần Văn Đức", Some(agency_name)),
                KeyAlgorithm::P256,
            ),
            agency: issue(
                Role::Agency,
                Subject::agency(agency_name, AGENCY_CODE),
                KeyAlgorithm::P256,
            ),
            revoked: issue(
                Role::Person,
                Subject::person("Lê Quốc Việt", Some(agency_name)),
                KeyAlgorithm::P256,
            ),
            revoked_at: now - Duration::from_secs(3600),
            demo,
            dir: tempfile::tempdir().unwrap(),
        };
        for (name, der) in [
            ("root", &pki.demo.root.der),
            ("issuing", &pki.demo.issuing.der),
            ("ocsp", &pki.demo.ocsp.der),
            ("tsa", &pki.demo.tsa.der),
            ("leader", &pki.leader.der),
            ("clerk", &pki.clerk.der),
            ("agency", &pki.agency.der),
            ("revoked", &pki.revoked.der),
        ] {
            let certificate = Certificate::from_der(der).unwrap();
            let pem = certificate.to_pem(der::pem::LineEnding::LF).unwrap();
            std::fs::write(pki.dir.path().join(format!("{name}.pem")), pem).unwrap();
        }
        pki
    })
}

impl Pki {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn trust(&self) -> Trust {
        common::trusting_demo_root(&self.demo)
    }

    /// What the platform's table would say.
    fn lookup(&self, serial: &SerialNumber) -> SerialStatus {
        let of = |issued: &Issued| issued.certificate.tbs_certificate().serial_number().clone();
        if *serial == of(&self.revoked) {
            SerialStatus::Revoked {
                at: self.revoked_at,
                reason: Some(CrlReason::KeyCompromise),
            }
        } else if [&self.leader, &self.clerk, &self.agency]
            .iter()
            .any(|i| of(i) == *serial)
        {
            SerialStatus::Good
        } else {
            SerialStatus::Unknown
        }
    }

    fn ocsp_response(&self, request: &[u8]) -> Vec<u8> {
        let responder = Responder {
            responder: &self.demo.ocsp,
            issuer: &self.demo.issuing.certificate,
        };
        ca::ocsp::respond(request, responder, |s| self.lookup(s), SystemTime::now())
    }

    fn crl(&self) -> Vec<u8> {
        let now = SystemTime::now();
        let revoked = Revoked {
            serial: self
                .revoked
                .certificate
                .tbs_certificate()
                .serial_number()
                .clone(),
            at: self.revoked_at,
            reason: Some(CrlReason::KeyCompromise),
        };
        let period = CrlPeriod {
            this_update: now,
            next_update: now + Duration::from_secs(24 * 3600),
            number: 7,
        };
        ca::crl::build(&self.demo.issuing, &[revoked], period)
            .unwrap()
            .to_der()
            .unwrap()
    }
}

/// Runs Debian's `openssl` in the PKI's directory; a missing binary fails the test.
fn openssl(dir: &Path, args: &[&str]) -> Output {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl CLI is required for these tests (apt-get install openssl)")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn assert_succeeds(output: &Output) -> String {
    let all = text(output);
    assert!(output.status.success(), "openssl failed:\n{all}");
    all
}

// --- our own code ---

#[test]
fn our_path_validation_accepts_every_certificate_issued() {
    let pki = pki();
    let now = SystemTime::now();
    let issuing = pki.demo.issuing.der.as_slice();
    let cases = [
        (&pki.leader.der, Usage::Signing),
        (&pki.clerk.der, Usage::Signing),
        (&pki.agency.der, Usage::Signing),
        (&pki.demo.tsa.der, Usage::TimeStamping),
    ];
    for (der, usage) in cases {
        let (report, _) = check_certificate(
            der,
            &[issuing],
            usage,
            &pki.trust(),
            &RevocationData::default(),
            now,
            now,
        )
        .unwrap();
        assert_eq!(report.problem, None, "{report:#?}");
        assert_eq!(report.path.len(), 2, "{report:#?}");
        assert!(report.demo);
    }
    // Without the issuing CA there is no path, and another root is not trusted.
    let (alone, _) = check_certificate(
        &pki.clerk.der,
        &[],
        Usage::Signing,
        &pki.trust(),
        &RevocationData::default(),
        now,
        now,
    )
    .unwrap();
    assert!(alone.problem.is_some());
    let other = DemoPki::create(&Settings::new(BASE_URL, policy()), now).unwrap();
    let (foreign, _) = check_certificate(
        &other.tsa.der,
        &[&other.issuing.der],
        Usage::TimeStamping,
        &pki.trust(),
        &RevocationData::default(),
        now,
        now,
    )
    .unwrap();
    assert!(foreign.problem.is_some());
}

#[test]
fn certificates_carry_the_design_names_and_extensions() {
    let pki = pki();
    let agency = pki.agency.certificate.tbs_certificate();
    let subject = agency.subject().to_string();
    assert!(
        subject.contains("Sở Thông tin và Truyền thông tỉnh Hà Giang"),
        "{subject}"
    );
    assert!(subject.contains(AGENCY_CODE), "{subject}");
    // C=VN as PrintableString (tag 0x13), the Vietnamese O as UTF8String (tag 0x0c).
    let name_der = agency.subject().to_der().unwrap();
    let country = [0x06, 0x03, 0x55, 0x04, 0x06, 0x13, 0x02, b'V', b'N'];
    assert!(name_der.windows(country.len()).any(|w| w == country));
    let organization = [0x06, 0x03, 0x55, 0x04, 0x0a, 0x0c];
    assert!(
        name_der
            .windows(organization.len())
            .any(|w| w == organization)
    );

    // 128-bit positive serials: 16 octets, the first not zero.
    let serial = agency.serial_number().as_bytes();
    let magnitude = serial.strip_prefix(&[0]).unwrap_or(serial);
    assert_eq!(magnitude.len(), 16, "{serial:?}");
    assert_ne!(
        serial,
        pki.clerk
            .certificate
            .tbs_certificate()
            .serial_number()
            .as_bytes()
    );

    let (critical, ku) = agency.get_extension::<KeyUsage>().unwrap().unwrap();
    assert!(critical && ku.digital_signature() && ku.non_repudiation());
    let (_, eku) = agency.get_extension::<ExtendedKeyUsage>().unwrap().unwrap();
    assert_eq!(eku.0, [oid::KP_EMAIL_PROTECTION, oid::KP_DOCUMENT_SIGNING]);
    let (critical, tsa_eku) = pki
        .demo
        .tsa
        .certificate
        .tbs_certificate()
        .get_extension::<ExtendedKeyUsage>()
        .unwrap()
        .unwrap();
    assert!(critical);
    assert_eq!(tsa_eku.0, [oid::KP_TIME_STAMPING]);
    let ocsp = pki.demo.ocsp.certificate.tbs_certificate();
    assert!(
        ocsp.extensions()
            .unwrap()
            .iter()
            .any(|e| e.extn_id == oid::OCSP_NOCHECK)
    );

    // The policy: `2.25.<uuid>`, too wide for const-oid, read back with our WideOid.
    let policies = agency
        .extensions()
        .unwrap()
        .iter()
        .find(|e| e.extn_id == oid::CE_CERTIFICATE_POLICIES)
        .unwrap();
    let read =
        Vec::<tinhso_pades::asn1::PolicyInformation>::from_der(policies.extn_value.as_bytes())
            .unwrap();
    assert_eq!(read[0].policy_identifier, policy());
    assert!(read[0].policy_identifier.to_string().starts_with("2.25."));

    // URLs from the base URL passed in (its trailing slash dropped).
    let settings = &pki.demo.settings;
    assert_eq!(settings.ocsp_url(), "https://tinhso.test/pki/ocsp");
    let der = &pki.agency.der;
    for url in [
        settings.ocsp_url(),
        settings.certificate_url(Ca::Issuing),
        settings.crl_url(Ca::Issuing),
    ] {
        assert!(der.windows(url.len()).any(|w| w == url.as_bytes()), "{url}");
    }
    assert_eq!(pki.leader.key.algorithm(), KeyAlgorithm::Rsa2048);
}

#[test]
fn keys_leave_as_pkcs8_and_come_back() {
    let pki = pki();
    for issued in [&pki.leader, &pki.clerk] {
        let der = issued.key.to_pkcs8_der().unwrap();
        let back = KeyPair::from_pkcs8_der(&der).unwrap();
        assert_eq!(
            back.public_key_info().unwrap(),
            *issued
                .certificate
                .tbs_certificate()
                .subject_public_key_info()
        );
    }
    let clerk_key = pki.clerk.key.to_pkcs8_der().unwrap();
    // An authority is rebuilt from stored DER, and refuses another certificate's key.
    let issuing_key = KeyPair::P256(pki.demo.issuing.signing_key().clone())
        .to_pkcs8_der()
        .unwrap();
    let rebuilt = Authority::from_der(&pki.demo.issuing.der, &issuing_key).unwrap();
    assert_eq!(rebuilt.der, pki.demo.issuing.der);
    assert!(Authority::from_der(&pki.demo.issuing.der, &clerk_key).is_err());
    let leader_key = pki.leader.key.to_pkcs8_der().unwrap();
    assert!(Authority::from_der(&pki.leader.der, &leader_key).is_err());
    assert!(KeyPair::from_pkcs8_der(b"not a key").is_err());
}

#[test]
fn our_revocation_code_reads_the_crl_and_the_ocsp_answers() {
    let pki = pki();
    let now = SystemTime::now();
    let status_of = |der: &[u8], data: &RevocationData| {
        let (report, statuses) = check_certificate(
            der,
            &[&pki.demo.issuing.der],
            Usage::Signing,
            &pki.trust(),
            data,
            now,
            now,
        )
        .unwrap();
        assert_eq!(report.problem, None);
        statuses[0].status.clone()
    };
    let crl = RevocationData {
        ocsp_responses: Vec::new(),
        crls: vec![pki.crl()],
    };
    assert_eq!(status_of(&pki.clerk.der, &crl), Status::Good);
    assert!(matches!(
        status_of(&pki.revoked.der, &crl),
        Status::Revoked {
            before_validation_time: true,
            ..
        }
    ));
    for (issued, revoked) in [(&pki.clerk, false), (&pki.revoked, true)] {
        let request = openssl_ocsp_request(pki, issued_name(pki, issued), "-sha1");
        let data = RevocationData {
            ocsp_responses: vec![pki.ocsp_response(&request)],
            crls: Vec::new(),
        };
        let status = status_of(&issued.der, &data);
        assert_eq!(
            matches!(status, Status::Revoked { .. }),
            revoked,
            "{status:?}"
        );
        assert_eq!(matches!(status, Status::Good), !revoked, "{status:?}");
    }
}

#[test]
fn our_timestamp_check_accepts_the_tsa_token() {
    let pki = pki();
    let data = b"noi dung duoc dong dau thoi gian";
    let query = openssl_ts_query(pki, data, "-sha256", "our-check");
    let response = ca::tsa::respond(&query, &pki.demo.tsa, &policy(), SystemTime::now());
    let token = granted_token(&response);
    let mut trust = pki.trust();
    trust
        .intermediates
        .push(pki.demo.issuing.certificate.clone());
    let checked = tinhso_pades::timestamp::check(&token, &[data], &trust, &[]);
    assert!(checked.report.valid, "{:#?}", checked.report);
    let gen_time = checked.gen_time.unwrap();
    assert_eq!(gen_time.subsec_nanos(), 0);
    let wrong = tinhso_pades::timestamp::check(&token, &[b"other data"], &trust, &[]);
    assert!(!wrong.report.valid);
}

// --- openssl ---

fn issued_name(pki: &Pki, issued: &Issued) -> &'static str {
    if std::ptr::eq(issued, &pki.revoked) {
        "revoked.pem"
    } else if std::ptr::eq(issued, &pki.leader) {
        "leader.pem"
    } else if std::ptr::eq(issued, &pki.agency) {
        "agency.pem"
    } else {
        "clerk.pem"
    }
}

#[test]
fn openssl_verifies_the_chain() {
    let pki = pki();
    let dir = pki.dir.path();
    let common = [
        "verify",
        "-x509_strict",
        "-CAfile",
        "root.pem",
        "-untrusted",
        "issuing.pem",
    ];
    let signing = [
        &common[..],
        &[
            "-purpose",
            "smimesign",
            "leader.pem",
            "clerk.pem",
            "agency.pem",
        ],
    ]
    .concat();
    let out = assert_succeeds(&openssl(dir, &signing));
    assert_eq!(out.matches(": OK").count(), 3, "{out}");
    let tsa = [&common[..], &["-purpose", "timestampsign", "tsa.pem"]].concat();
    assert!(assert_succeeds(&openssl(dir, &tsa)).contains("tsa.pem: OK"));
    let ocsp = [&common[..], &["-purpose", "ocsphelper", "ocsp.pem"]].concat();
    assert!(assert_succeeds(&openssl(dir, &ocsp)).contains("ocsp.pem: OK"));
    // The issuing CA's pathLen 0: a CA certificate signed by it would not verify.
    let wrong_root = openssl(dir, &["verify", "-CAfile", "issuing.pem", "root.pem"]);
    assert!(!wrong_root.status.success());
    // Names print as written, Vietnamese included.
    let subject = assert_succeeds(&openssl(
        dir,
        &[
            "x509",
            "-in",
            "agency.pem",
            "-noout",
            "-subject",
            "-nameopt",
            "utf8,sep_comma_plus",
        ],
    ));
    assert!(
        subject.contains("Sở Thông tin và Truyền thông tỉnh Hà Giang"),
        "{subject}"
    );
    assert!(
        subject.contains(&format!("serialNumber={AGENCY_CODE}")),
        "{subject}"
    );
    let details = assert_succeeds(&openssl(
        dir,
        &["x509", "-in", "tsa.pem", "-noout", "-text"],
    ));
    assert!(
        details.contains("X509v3 Extended Key Usage: critical"),
        "{details}"
    );
    assert!(details.contains("Time Stamping"), "{details}");
    assert!(details.contains("Policy: 2.25."), "{details}");
}

#[test]
fn openssl_verifies_the_crl_and_finds_the_revoked_certificate() {
    let pki = pki();
    let dir = pki.dir.path();
    std::fs::write(pki.path("issuing.crl"), pki.crl()).unwrap();
    let read = assert_succeeds(&openssl(
        dir,
        &[
            "crl",
            "-inform",
            "DER",
            "-in",
            "issuing.crl",
            "-CAfile",
            "issuing.pem",
            "-noout",
            "-text",
        ],
    ));
    assert!(read.contains("verify OK"), "{read}");
    assert!(read.contains("Key Compromise"), "{read}");
    assert!(read.contains("X509v3 CRL Number"), "{read}");
    assert!(read.contains("X509v3 Authority Key Identifier"), "{read}");
    assert_succeeds(&openssl(
        dir,
        &[
            "crl",
            "-inform",
            "DER",
            "-in",
            "issuing.crl",
            "-out",
            "issuing-crl.pem",
        ],
    ));
    // A CRL for the root (empty), so that the whole chain can be checked.
    let now = SystemTime::now();
    let root_crl = ca::crl::build(
        &pki.demo.root,
        &[],
        CrlPeriod {
            this_update: now,
            next_update: now + Duration::from_secs(24 * 3600),
            number: 1,
        },
    )
    .unwrap();
    std::fs::write(pki.path("root.crl"), root_crl.to_der().unwrap()).unwrap();
    let root_read = assert_succeeds(&openssl(
        dir,
        &[
            "crl",
            "-inform",
            "DER",
            "-in",
            "root.crl",
            "-CAfile",
            "root.pem",
            "-out",
            "root-crl.pem",
        ],
    ));
    assert!(root_read.contains("verify OK"), "{root_read}");
    let verify = |leaf: &str| {
        openssl(
            dir,
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
    assert_succeeds(&verify("clerk.pem"));
    let revoked = verify("revoked.pem");
    assert!(!revoked.status.success());
    assert!(
        text(&revoked).contains("certificate revoked"),
        "{}",
        text(&revoked)
    );
}

/// `openssl ocsp -reqout` for `cert` (with a nonce), hashing the CertID with `digest`.
fn openssl_ocsp_request(pki: &Pki, cert: &str, digest: &str) -> Vec<u8> {
    let out = format!("{cert}{digest}.ocspreq");
    assert_succeeds(&openssl(
        pki.dir.path(),
        &[
            "ocsp",
            "-issuer",
            "issuing.pem",
            digest,
            "-cert",
            cert,
            "-reqout",
            &out,
        ],
    ));
    std::fs::read(pki.path(&out)).unwrap()
}

#[test]
fn openssl_reads_our_ocsp_answers_good_and_revoked() {
    let pki = pki();
    let dir = pki.dir.path();
    for digest in ["-sha1", "-sha256"] {
        for (cert, expected) in [("clerk.pem", "good"), ("revoked.pem", "revoked")] {
            let request = openssl_ocsp_request(pki, cert, digest);
            let response = pki.ocsp_response(&request);
            let request_file = format!("{cert}{digest}.ocspreq");
            let response_file = format!("{cert}{digest}.ocspresp");
            std::fs::write(pki.path(&response_file), &response).unwrap();
            let trust = ["-CAfile", "root.pem", "-verify_other", "issuing.pem"];
            // With the request: the signature, the responder's authority and the nonce.
            // (With `-cert`, openssl would ignore `-reqin` and compare a nonce of its own.)
            let checked = [
                &["ocsp", "-reqin", &request_file, "-respin", &response_file][..],
                &trust,
                &["-resp_text"],
            ]
            .concat();
            let out = assert_succeeds(&openssl(dir, &checked));
            assert!(out.contains("Response verify OK"), "{out}");
            assert!(!out.contains("Nonce Verify error"), "{out}");
            assert!(!out.contains("WARNING: no nonce"), "{out}");
            assert!(out.contains("OCSP Nonce"), "{out}");
            // With the certificate: the status openssl reads for it.
            let status = [
                &[
                    "ocsp",
                    "-respin",
                    &response_file,
                    "-issuer",
                    "issuing.pem",
                    digest,
                ][..],
                &["-cert", cert, "-no_nonce"],
                &trust,
            ]
            .concat();
            let out = assert_succeeds(&openssl(dir, &status));
            assert!(out.contains("Response verify OK"), "{out}");
            assert!(out.contains(&format!("{cert}: {expected}")), "{out}");
            if expected == "revoked" {
                assert!(out.contains("Reason: keyCompromise"), "{out}");
            }
            // nextUpdate is thisUpdate + 1 h.
            let basic = basic_response(&response);
            let single = &basic.tbs_response_data.responses[0];
            let (this, next) = (single.this_update, single.next_update.unwrap());
            assert_eq!(
                next.unix_duration() - this.unix_duration(),
                Duration::from_secs(3600)
            );
            assert_eq!(basic.certs.as_ref().unwrap()[0], pki.demo.ocsp.certificate);
        }
    }
}

fn basic_response(der: &[u8]) -> BasicOcspResponse {
    let response = OcspResponse::from_der(der).unwrap();
    assert_eq!(response.response_status, OcspResponseStatus::Successful);
    let bytes = response.response_bytes.unwrap();
    assert_eq!(bytes.response_type, oid::OCSP_BASIC);
    BasicOcspResponse::from_der(bytes.response.as_bytes()).unwrap()
}

#[test]
fn ocsp_answers_unknown_serials_and_other_issuers_unknown() {
    let pki = pki();
    // The root's certificate, asked of the issuing CA's responder: another issuer.
    let request = {
        let out = "root-as-leaf.ocspreq";
        assert_succeeds(&openssl(
            pki.dir.path(),
            &[
                "ocsp",
                "-issuer",
                "root.pem",
                "-cert",
                "issuing.pem",
                "-reqout",
                out,
            ],
        ));
        std::fs::read(pki.path(out)).unwrap()
    };
    let basic = basic_response(&pki.ocsp_response(&request));
    assert!(matches!(
        basic.tbs_response_data.responses[0].cert_status,
        CertStatus::Unknown(_)
    ));
    // A serial the platform never issued, asked with openssl's `-serial`.
    let out = "unknown.ocspreq";
    assert_succeeds(&openssl(
        pki.dir.path(),
        &[
            "ocsp",
            "-issuer",
            "issuing.pem",
            "-serial",
            "0x1234",
            "-reqout",
            out,
        ],
    ));
    let basic = basic_response(&pki.ocsp_response(&std::fs::read(pki.path(out)).unwrap()));
    assert!(matches!(
        basic.tbs_response_data.responses[0].cert_status,
        CertStatus::Unknown(_)
    ));
}

/// `openssl ts -query` over `data` asking for the certificate.
fn openssl_ts_query(pki: &Pki, data: &[u8], digest: &str, name: &str) -> Vec<u8> {
    let data_file = format!("{name}.txt");
    let query_file = format!("{name}.tsq");
    std::fs::write(pki.path(&data_file), data).unwrap();
    assert_succeeds(&openssl(
        pki.dir.path(),
        &[
            "ts",
            "-query",
            "-data",
            &data_file,
            digest,
            "-cert",
            "-out",
            &query_file,
        ],
    ));
    std::fs::read(pki.path(&query_file)).unwrap()
}

fn granted_token(response: &[u8]) -> Vec<u8> {
    let response = TimeStampResp::from_der(response).unwrap();
    assert_eq!(response.status.status, 0, "{response:?}");
    response.time_stamp_token.unwrap().to_der().unwrap()
}

#[test]
fn openssl_verifies_our_timestamps_and_refuses_a_wrong_imprint() {
    let pki = pki();
    let dir = pki.dir.path();
    let data = "Quyết định số 12/QĐ-UBND".as_bytes();
    let query = openssl_ts_query(pki, data, "-sha256", "decision");
    let response = ca::tsa::respond(&query, &pki.demo.tsa, &policy(), SystemTime::now());
    std::fs::write(pki.path("decision.tsr"), &response).unwrap();
    let verify = |args: &[&str]| {
        let mut all = vec!["ts", "-verify", "-in", "decision.tsr"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["-CAfile", "root.pem", "-untrusted", "issuing.pem"]);
        openssl(dir, &all)
    };
    let out = assert_succeeds(&verify(&["-data", "decision.txt"]));
    assert!(out.contains("Verification: OK"), "{out}");
    // Against the query: imprint, nonce and the certificate request all checked.
    let out = assert_succeeds(&verify(&["-queryfile", "decision.tsq"]));
    assert!(out.contains("Verification: OK"), "{out}");
    std::fs::write(pki.path("other.txt"), b"another decision").unwrap();
    let wrong = verify(&["-data", "other.txt"]);
    assert!(!wrong.status.success(), "{}", text(&wrong));
    assert!(
        text(&wrong).contains("message imprint mismatch"),
        "{}",
        text(&wrong)
    );

    let reply = assert_succeeds(&openssl(
        dir,
        &["ts", "-reply", "-in", "decision.tsr", "-text"],
    ));
    assert!(reply.contains("Status: Granted"), "{reply}");
    assert!(
        reply.contains(&format!("Policy OID: {}", policy())),
        "{reply}"
    );
    assert!(reply.contains("Nonce: 0x"), "{reply}");

    // The TSTInfo as written: whole seconds, a 128-bit serial, the nonce echoed.
    let token = granted_token(&response);
    let info = tst_info(&token);
    assert_eq!(info.gen_time.nanos, 0);
    assert!(info.serial_number.as_bytes().len() >= 16);
    assert!(info.nonce.is_some());
    assert_eq!(info.message_imprint.hash_algorithm.oid, oid::SHA256);
}

fn tst_info(token: &[u8]) -> TstInfo {
    let content = cms::content_info::ContentInfo::from_der(token).unwrap();
    let signed: cms::signed_data::SignedData = content.content.decode_as().unwrap();
    let econtent = signed.encap_content_info.econtent.unwrap();
    let octets: der::asn1::OctetString = econtent.decode_as().unwrap();
    TstInfo::from_der(octets.as_bytes()).unwrap()
}

#[test]
fn the_tsa_rejects_sha1_and_garbage_with_the_right_fail_info() {
    let pki = pki();
    let query = openssl_ts_query(pki, b"legacy", "-sha1", "legacy");
    let response = ca::tsa::respond(&query, &pki.demo.tsa, &policy(), SystemTime::now());
    std::fs::write(pki.path("legacy.tsr"), &response).unwrap();
    let reply = assert_succeeds(&openssl(
        pki.dir.path(),
        &["ts", "-reply", "-in", "legacy.tsr", "-text"],
    ));
    assert!(reply.contains("Rejected"), "{reply}");
    assert!(
        reply.contains("unrecognized or unsupported algorithm"),
        "{reply}"
    );
    assert_eq!(fail_bit(&response), Some(0));
    for garbage in [&b""[..], b"\x30\x00", b"hello", &[0x30, 0x80, 0x00, 0x00]] {
        let response = ca::tsa::respond(garbage, &pki.demo.tsa, &policy(), SystemTime::now());
        assert_eq!(fail_bit(&response), Some(5), "{garbage:?}");
    }
}

/// The rejection's single failInfo bit.
fn fail_bit(response: &[u8]) -> Option<usize> {
    let response = TimeStampResp::from_der(response).unwrap();
    assert_eq!(response.status.status, 2);
    assert!(response.time_stamp_token.is_none());
    let bits = response.status.fail_info?;
    let set: Vec<usize> = bits
        .bits()
        .enumerate()
        .filter(|(_, b)| *b)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(set.len(), 1, "{set:?}");
    Some(set[0])
}

#[test]
fn ocsp_garbage_is_a_malformed_request() {
    let pki = pki();
    for garbage in [
        &b""[..],
        b"\x30\x00",
        b"\x30\x03\x30\x01\x00",
        b"GET / HTTP/1.1",
    ] {
        let response = OcspResponse::from_der(&pki.ocsp_response(garbage)).unwrap();
        assert_eq!(
            response.response_status,
            OcspResponseStatus::MalformedRequest
        );
        assert!(response.response_bytes.is_none());
    }
}

// --- hostile bytes ---

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn ocsp_never_panics_on_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let response = OcspResponse::from_der(&pki().ocsp_response(&bytes)).unwrap();
        prop_assert!(matches!(
            response.response_status,
            OcspResponseStatus::Successful | OcspResponseStatus::MalformedRequest
        ));
    }

    #[test]
    fn ocsp_never_panics_on_a_mutated_request(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut request = mutated_base(&OCSP_REQUEST, "clerk.pem", Kind::Ocsp);
        for (at, value) in flips {
            let i = at.index(request.len());
            request[i] ^= value;
        }
        request.truncate(cut.index(request.len() + 1).max(1));
        let response = OcspResponse::from_der(&pki().ocsp_response(&request)).unwrap();
        if response.response_status == OcspResponseStatus::Successful {
            basic_response(&pki().ocsp_response(&request));
        }
    }

    #[test]
    fn tsa_never_panics_on_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let response = ca::tsa::respond(&bytes, &pki().demo.tsa, &policy(), SystemTime::now());
        let response = TimeStampResp::from_der(&response).unwrap();
        prop_assert!(response.status.status == 0 || response.status.status == 2);
    }

    #[test]
    fn tsa_never_panics_on_a_mutated_request(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut request = mutated_base(&TS_QUERY, "", Kind::Tsa);
        for (at, value) in flips {
            let i = at.index(request.len());
            request[i] ^= value;
        }
        request.truncate(cut.index(request.len() + 1).max(1));
        let response = ca::tsa::respond(&request, &pki().demo.tsa, &policy(), SystemTime::now());
        let response = TimeStampResp::from_der(&response).unwrap();
        // Granted only with a token, rejected only without one.
        prop_assert_eq!(response.status.status == 0, response.time_stamp_token.is_some());
    }
}

enum Kind {
    Ocsp,
    Tsa,
}

static OCSP_REQUEST: OnceLock<Vec<u8>> = OnceLock::new();
static TS_QUERY: OnceLock<Vec<u8>> = OnceLock::new();

/// A valid request made once by openssl, to mutate.
fn mutated_base(cell: &OnceLock<Vec<u8>>, cert: &str, kind: Kind) -> Vec<u8> {
    cell.get_or_init(|| match kind {
        Kind::Ocsp => openssl_ocsp_request(pki(), cert, "-sha256"),
        Kind::Tsa => openssl_ts_query(pki(), b"proptest", "-sha256", "proptest"),
    })
    .clone()
}
