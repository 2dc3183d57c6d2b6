//! Signatures per second with a software key (`tinhso_pades::sign::SoftwareSigner`, the demo's)
//! and with a key on SoftHSM2 through PKCS#11 (`tinhso_pkcs11`), for RSA-2048 RSASSA-PSS and
//! ECDSA P-256, on one thread and on two (the token's session pool); verifications per second
//! (`tinhso_pades::crypto`); and whole PAdES B-T signatures (`sign_pdf` with the in-process
//! demo TSA) and offline validations of a signed file. What is signed is what PAdES signs: a
//! real set of signed attributes (about 200 bytes).
//!
//! `cargo bench -p tinhso-pkcs11 --bench signatures` (release profile); `BENCH_SECONDS` per
//! row (default 3). scripts/bench-signatures runs it beside `openssl speed` (docs/benchmarks.md).
//! The token is made as the tests make it (`tests/common`: softhsm2-util and pkcs11-tool).
#![allow(clippy::print_stdout)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant, SystemTime};
use tinhso_pades::ca::{KeyAlgorithm, Role, Subject};
use tinhso_pades::crypto::{DigestAlgorithm, PublicKey, SignatureScheme};
use tinhso_pades::sign::{
    Credential, SignatureAlgorithm, SignatureFields, SignedAttributes, Signer, SoftwareSigner,
    TimestampSource, ToBeSigned, sign_pdf,
};
use tinhso_pades::{Indication, RevocationData, validate};
use tinhso_pkcs11::{KeySelector, TokenOptions};
use x509_cert::der::{Decode, Encode};

/// Runs `work` on `threads` threads for `seconds`; operations per second.
fn rate(threads: usize, seconds: f64, work: &(dyn Fn() + Sync)) -> f64 {
    // One call first, outside the clock (lazy set-up, first session).
    work();
    let duration = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let counts: Vec<u64> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut count = 0u64;
                    while start.elapsed() < duration {
                        work();
                        count += 1;
                    }
                    count
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    counts.iter().sum::<u64>() as f64 / start.elapsed().as_secs_f64()
}

fn row(what: &str, key: &str, threads: usize, per_second: f64) {
    println!(
        "| {what} | {key} | {threads} | {per_second:.0} | {:.2} |",
        1000.0 * threads as f64 / per_second
    );
}

struct Case {
    name: &'static str,
    credential: Credential,
    signer: Box<dyn Signer + Sync>,
    algorithm: SignatureAlgorithm,
}

fn main() {
    let seconds: f64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let hsm = common::hsm();
    let demo = &hsm.demo;
    let now = SystemTime::now();
    let software = |algorithm: KeyAlgorithm| {
        let (certificate, key) = demo
            .issuing
            .issue_with_new_key(
                Role::Person,
                &Subject::person("Phạm Văn Bình", Some("Sở Tư pháp")),
                algorithm,
                &demo.settings,
                now,
            )
            .unwrap();
        (hsm.credential(&certificate.to_der().unwrap()), key)
    };
    let (rsa_credential, rsa_key) = software(KeyAlgorithm::Rsa2048);
    let (ec_credential, ec_key) = software(KeyAlgorithm::P256);
    let token = hsm
        .module()
        .open_token_with(
            common::TOKEN,
            &hsm.pin(),
            TokenOptions {
                max_sessions: 2,
                ..TokenOptions::default()
            },
        )
        .unwrap();
    let token_key = |id: &str| {
        token
            .key(&KeySelector::id_hex(id).unwrap())
            .expect("the key is on the token")
    };
    let hsm_rsa = token_key(common::RSA_ID);
    let hsm_ec = token_key(common::EC_ID);
    let pss = SignatureAlgorithm::RsaPssSha256;
    let ecdsa = SignatureAlgorithm::EcdsaP256Sha256;
    let cases = vec![
        Case {
            name: "software RSA-2048 PSS",
            credential: rsa_credential,
            signer: Box::new(SoftwareSigner::new(rsa_key, pss).unwrap()),
            algorithm: pss,
        },
        Case {
            name: "software P-256 ECDSA",
            credential: ec_credential,
            signer: Box::new(SoftwareSigner::new(ec_key, ecdsa).unwrap()),
            algorithm: ecdsa,
        },
        Case {
            name: "SoftHSM2 RSA-2048 PSS (CKM_SHA256_RSA_PKCS_PSS)",
            credential: hsm.credential(hsm_rsa.certificate().unwrap()),
            signer: Box::new(hsm_rsa.signer(pss).unwrap()),
            algorithm: pss,
        },
        Case {
            name: "SoftHSM2 P-256 ECDSA (CKM_ECDSA)",
            credential: hsm.credential(hsm_ec.certificate().unwrap()),
            signer: Box::new(hsm_ec.signer(ecdsa).unwrap()),
            algorithm: ecdsa,
        },
    ];

    println!("| operation | key | threads | per second | ms each |");
    println!("|---|---|---|---|---|");
    let pdf = common::classic_pdf();
    let mut signed_files = Vec::new();
    for case in &cases {
        // The signed attributes of a real signature over the sample PDF.
        let attributes = SignedAttributes::new(&case.credential, &[0x5a; 32]).unwrap();
        let digest = attributes.digest();
        let input = ToBeSigned {
            message: attributes.der(),
            digest: &digest,
        };
        for threads in [1, 2] {
            let per_second = rate(threads, seconds, &|| {
                case.signer.sign(&input).unwrap();
            });
            row("signature", case.name, threads, per_second);
        }
        // Verification (the key is the certificate's; the same for both kinds of signer).
        if case.name.starts_with("software") {
            let signature = case.signer.sign(&input).unwrap();
            let certificate =
                x509_cert::Certificate::from_der(&case.credential.certificate).unwrap();
            let key = PublicKey::from_spki(certificate.tbs_certificate().subject_public_key_info())
                .unwrap();
            let scheme = SignatureScheme::from_cms(
                &case.algorithm.identifier().unwrap(),
                DigestAlgorithm::Sha256,
            )
            .unwrap();
            let what = match case.algorithm {
                SignatureAlgorithm::EcdsaP256Sha256 => "P-256 ECDSA",
                _ => "RSA-2048 PSS",
            };
            let per_second = rate(1, seconds, &|| {
                key.verify(scheme, attributes.der(), &signature).unwrap();
            });
            row("verification", what, 1, per_second);
        } else {
            let tsa = hsm.tsa();
            let fields = SignatureFields::new(SystemTime::now());
            let sign = || {
                sign_pdf(
                    &pdf,
                    &fields,
                    &case.credential,
                    case.signer.as_ref(),
                    Some(&tsa as &dyn TimestampSource),
                )
                .unwrap()
            };
            signed_files.push(sign());
            let per_second = rate(1, seconds, &|| {
                sign();
            });
            row("PAdES B-T sign_pdf (demo TSA)", case.name, 1, per_second);
        }
    }
    let trust = hsm.trust();
    for (signed, key) in signed_files.iter().zip(["RSA-2048 PSS", "P-256 ECDSA"]) {
        let per_second = rate(1, seconds, &|| {
            let report = validate(signed, &trust, &RevocationData::default(), now).unwrap();
            assert_eq!(report.signatures[0].indication, Indication::TotalPassed);
        });
        row("PAdES B-T validate (offline)", key, 1, per_second);
    }
}
