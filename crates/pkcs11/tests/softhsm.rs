//! Keys on a SoftHSM2 token sign PDFs (docs/signatures-design.md slice 7): RSA-2048 with
//! RSASSA-PSS and PKCS#1 v1.5, P-256 with ECDSA, each with the token hashing and with the
//! digest made here, B-T with the demo TSA, through `tinhso_pades::sign::sign_pdf`; our
//! verifier says TOTAL-PASSED and `pdfsig` and pyHanko agree. Wrong PINs, missing tokens and
//! keys, a certificate that is not the key's and keys we do not sign with are refused with
//! their typed errors; signatures run in parallel over the session pool; the token is logged
//! out when its last handle goes. The token and its keys: `common` (made with softhsm2-util
//! and pkcs11-tool, required).
mod common;

use common::{
    BARE_ID, EC_ID, MISMATCH_ID, PIN, PIN_TOKEN, POOL_TOKEN, RSA_ID, TOKEN, TWIN_LABEL, WEAK_ID,
    hsm,
};
use std::path::Path;
use std::time::SystemTime;
use tinhso_pades::sign::{
    SignError, SignatureAlgorithm, SignatureFields, Signer, TimestampSource, sign_pdf,
};
use tinhso_pades::{Indication, Integrity, Level, RevocationData, validate};
use tinhso_pkcs11::{
    Hashing, KeyKind, KeySelector, Module, Pin, Pkcs11Error, Pkcs11Signer, TokenOptions,
};

fn fields(name: &str) -> SignatureFields {
    SignatureFields {
        signer_name: Some(name.into()),
        reason: Some("Phê duyệt văn bản".into()),
        location: Some("Hà Giang".into()),
        ..SignatureFields::new(SystemTime::now())
    }
}

fn main_token_key(id: &str) -> tinhso_pkcs11::Pkcs11Key {
    let hsm = hsm();
    hsm.module()
        .open_token(TOKEN, &hsm.pin())
        .expect("the token opens")
        .key(&KeySelector::id_hex(id).unwrap())
        .expect("the key is found")
}

/// Signs the sample PDF B-T with `signer`, checks it with our verifier and returns it.
fn sign_and_check(signer: &Pkcs11Signer, expected_algorithm: &str) -> Vec<u8> {
    let hsm = hsm();
    let key = signer.key();
    let credential = hsm.credential(key.certificate().unwrap());
    let tsa = hsm.tsa();
    let input = common::classic_pdf();
    let signed = sign_pdf(
        &input,
        &fields("Nguyễn Thị Hằng"),
        &credential,
        signer,
        Some(&tsa as &dyn TimestampSource),
    )
    .expect("signed through the token");
    assert!(signed.starts_with(&input));
    let report = validate(
        &signed,
        &hsm.trust(),
        &RevocationData::default(),
        SystemTime::now(),
    )
    .unwrap();
    let s = &report.signatures[0];
    assert_eq!(s.integrity, Integrity::Ok, "{s:#?}");
    assert_eq!(s.indication, Indication::TotalPassed, "{s:#?}");
    assert_eq!(s.level, Some(Level::BT), "{s:#?}");
    assert_eq!(s.signature_algorithm.as_deref(), Some(expected_algorithm));
    assert!(s.chain.as_ref().unwrap().demo);
    assert!(s.timestamp.as_ref().unwrap().valid);
    signed
}

/// pdfsig and pyHanko on a signed file.
fn check_with_tools(signed: &[u8], name: &str, mechanism: &str) {
    let path = hsm().path(name);
    std::fs::write(&path, signed).unwrap();
    common::pdfsig_check(&path);
    if let Some(line) = common::pyhanko_check(&path) {
        assert_eq!(line["mechanism"], mechanism, "{line}");
        assert_eq!(line["timestamp_valid"], true, "{line}");
    }
}

#[test]
fn rsa_2048_signs_with_pss_and_pkcs1v15_hashing_on_the_token_or_here() {
    let key = main_token_key(RSA_ID);
    assert_eq!(key.kind(), KeyKind::Rsa { bits: 2048 });
    assert_eq!(key.label(), "lanhdao-rsa");
    assert_eq!(key.certificate().unwrap(), hsm().rsa_certificate);
    assert_eq!(key.preferred_algorithm(), SignatureAlgorithm::RsaPssSha256);

    // PSS, the default: SoftHSM2 hashes (CKM_SHA256_RSA_PKCS_PSS, salt 32).
    let pss = key.signer(SignatureAlgorithm::RsaPssSha256).unwrap();
    assert_eq!(pss.mechanism(), "CKM_SHA256_RSA_PKCS_PSS");
    assert_eq!(pss.hashing(), Hashing::OnToken);
    let signed = sign_and_check(&pss, "RSASSA-PSS SHA-256 (salt 32)");
    check_with_tools(&signed, "rsa-pss.pdf", "rsassa_pss");

    // PSS over a digest made here (CKM_RSA_PKCS_PSS), as for tokens that cannot hash.
    let pss_raw = key
        .signer_hashing(SignatureAlgorithm::RsaPssSha256, Hashing::Here)
        .unwrap();
    assert_eq!(pss_raw.mechanism(), "CKM_RSA_PKCS_PSS");
    let signed = sign_and_check(&pss_raw, "RSASSA-PSS SHA-256 (salt 32)");
    check_with_tools(&signed, "rsa-pss-raw.pdf", "rsassa_pss");

    // PKCS#1 v1.5, both ways (CKM_RSA_PKCS over our DigestInfo).
    for hashing in [Hashing::OnToken, Hashing::Here] {
        let v15 = key
            .signer_hashing(SignatureAlgorithm::RsaPkcs1v15Sha256, hashing)
            .unwrap();
        let signed = sign_and_check(&v15, "RSA PKCS#1 v1.5 SHA-256");
        check_with_tools(&signed, &format!("rsa-v15-{hashing:?}.pdf"), "sha256_rsa");
    }

    // ECDSA is not for an RSA key.
    assert_eq!(
        key.signer(SignatureAlgorithm::EcdsaP256Sha256).unwrap_err(),
        Pkcs11Error::AlgorithmMismatch
    );
}

#[test]
fn the_agency_p256_key_signs_with_ecdsa_its_r_and_s_made_der() {
    let key = main_token_key(EC_ID);
    assert_eq!(key.kind(), KeyKind::P256);
    assert_eq!(key.certificate().unwrap(), hsm().ec_certificate);
    // SoftHSM2 2.6 has CKM_ECDSA but not CKM_ECDSA_SHA256 (design §2): the digest is made here.
    let signer = key.signer(SignatureAlgorithm::EcdsaP256Sha256).unwrap();
    assert_eq!(signer.mechanism(), "CKM_ECDSA");
    assert_eq!(signer.hashing(), Hashing::Here);
    assert_eq!(
        key.signer_hashing(SignatureAlgorithm::EcdsaP256Sha256, Hashing::OnToken)
            .unwrap_err(),
        Pkcs11Error::MechanismUnsupported("CKM_ECDSA_SHA256")
    );
    let signed = sign_and_check(&signer, "ECDSA SHA-256");
    check_with_tools(&signed, "ecdsa.pdf", "sha256_ecdsa");
    // A DER ECDSA-Sig-Value, as CMS wants, on every signature.
    for _ in 0..20 {
        let digest = [7u8; 32];
        let der = signer
            .sign_typed(&tinhso_pades::sign::ToBeSigned {
                message: b"",
                digest: &digest,
            })
            .unwrap();
        assert_eq!(der[0], 0x30);
        assert!(p256::ecdsa::Signature::from_der(&der).is_ok());
    }
    assert_eq!(
        key.signer(SignatureAlgorithm::RsaPssSha256).unwrap_err(),
        Pkcs11Error::AlgorithmMismatch
    );
}

#[test]
fn missing_tokens_keys_and_certificates_and_unsuitable_keys_are_refused() {
    let hsm = hsm();
    let module = hsm.module();
    assert!(matches!(
        Module::load(Path::new("/usr/lib/khong-co-thu-vien.so")),
        Err(Pkcs11Error::ModuleLoad { .. })
    ));
    assert_eq!(
        module.open_token("khong-co", &hsm.pin()).unwrap_err(),
        Pkcs11Error::TokenNotFound("khong-co".into())
    );
    let labels = module.token_labels().unwrap();
    assert!(labels.contains(&TOKEN.to_owned()) && labels.contains(&PIN_TOKEN.to_owned()));

    let token = module.open_token(TOKEN, &hsm.pin()).unwrap();
    let find = |selector: KeySelector| token.key(&selector).map(|_| ()).unwrap_err();
    assert_eq!(
        find(KeySelector::id_hex("ff").unwrap()),
        Pkcs11Error::KeyNotFound("CKA_ID=ff".into())
    );
    assert_eq!(
        find(KeySelector::label("khong-co")),
        Pkcs11Error::KeyNotFound("CKA_LABEL=“khong-co”".into())
    );
    assert_eq!(
        find(KeySelector::label(TWIN_LABEL)),
        Pkcs11Error::KeyAmbiguous {
            selector: format!("CKA_LABEL=“{TWIN_LABEL}”"),
            count: 2
        }
    );
    // Id and label together pick one of the twins.
    let twin = token
        .key(&KeySelector {
            id: Some(vec![7]),
            label: Some(TWIN_LABEL.into()),
        })
        .unwrap();
    assert_eq!(twin.id(), [7]);
    assert_eq!(
        find(KeySelector::id_hex(WEAK_ID).unwrap()),
        Pkcs11Error::UnsupportedKey("RSA 1024 bit".into())
    );
    // The certificate under the key's id is another key's.
    assert_eq!(
        find(KeySelector::id_hex(MISMATCH_ID).unwrap()),
        Pkcs11Error::KeyMismatch
    );

    // A key without a certificate opens; asking for its certificate is refused, and one
    // given from elsewhere must be its own.
    let bare = token.key(&KeySelector::id_hex(BARE_ID).unwrap()).unwrap();
    assert!(matches!(
        bare.certificate(),
        Err(Pkcs11Error::CertificateNotFound(_))
    ));
    assert_eq!(
        bare.adopt_certificate(&hsm.rsa_certificate).unwrap_err(),
        Pkcs11Error::KeyMismatch
    );
    assert!(matches!(
        bare.adopt_certificate(b"not a certificate").unwrap_err(),
        Pkcs11Error::CertificateUnreadable(_)
    ));
    let rsa = token.key(&KeySelector::id_hex(RSA_ID).unwrap()).unwrap();
    let adopted = rsa.adopt_certificate(&hsm.rsa_certificate).unwrap();
    assert_eq!(adopted.certificate().unwrap(), hsm.rsa_certificate);

    // Signing with a certificate that is not the key's fails before anything is embedded.
    let signer = bare.signer(SignatureAlgorithm::RsaPssSha256).unwrap();
    let error = sign_pdf(
        &common::classic_pdf(),
        &fields("Nguyễn Thị Hằng"),
        &hsm.credential(&hsm.rsa_certificate),
        &signer,
        None,
    )
    .unwrap_err();
    assert_eq!(error, SignError::SignatureInvalid);
    assert_eq!(Pkcs11Error::KeyMismatch.code(), "key_certificate_mismatch");
}

#[test]
fn wrong_pins_are_refused_on_a_fresh_token_and_on_an_open_one() {
    let hsm = hsm();
    let module = hsm.module();
    // Only this test opens PIN_TOKEN: the first wrong PIN reaches C_Login.
    assert_eq!(
        module
            .open_token(PIN_TOKEN, &Pin::new("000000"))
            .unwrap_err(),
        Pkcs11Error::WrongPin
    );
    // Too short for the token (SoftHSM2: 4 to 255): refused without a try.
    assert_eq!(
        module.open_token(PIN_TOKEN, &Pin::new("12")).unwrap_err(),
        Pkcs11Error::WrongPin
    );
    assert_eq!(
        module.open_token(PIN_TOKEN, &Pin::new("")).unwrap_err(),
        Pkcs11Error::WrongPin
    );
    let token = module.open_token(PIN_TOKEN, &Pin::new(PIN)).unwrap();
    // While it is open (logged in: C_Login would not check), a wrong PIN is still refused,
    // and the right one shares the login.
    assert_eq!(
        module
            .open_token(PIN_TOKEN, &Pin::new("135792"))
            .unwrap_err(),
        Pkcs11Error::WrongPin
    );
    let again = module.open_token(PIN_TOKEN, &Pin::new(PIN)).unwrap();
    let key = again.key(&KeySelector::label("ca-nhan-ec")).unwrap();
    assert_eq!(key.certificate().unwrap(), hsm.pin_token_certificate);
    let signer = key.signer(key.preferred_algorithm()).unwrap();
    drop((token, again));
    // The signer keeps the token open.
    let digest = [1u8; 32];
    let input = tinhso_pades::sign::ToBeSigned {
        message: b"",
        digest: &digest,
    };
    assert!(signer.sign(&input).is_ok());
    drop((key, signer));
    // All handles gone: the token logged out, a wrong PIN goes to C_Login again, and the
    // right one logs in anew.
    assert_eq!(
        module
            .open_token(PIN_TOKEN, &Pin::new("000000"))
            .unwrap_err(),
        Pkcs11Error::WrongPin
    );
    let reopened = module.open_token(PIN_TOKEN, &Pin::new(PIN)).unwrap();
    assert_eq!(reopened.sessions_open(), 1);
}

#[test]
fn signatures_run_in_parallel_over_a_bounded_pool_of_sessions() {
    let hsm = hsm();
    let token = hsm
        .module()
        .open_token_with(
            POOL_TOKEN,
            &hsm.pin(),
            TokenOptions {
                max_sessions: 2,
                ..TokenOptions::default()
            },
        )
        .unwrap();
    let key = token.key(&KeySelector::id_hex("01").unwrap()).unwrap();
    assert_eq!(key.certificate().unwrap(), hsm.pool_token_certificate);
    let signer = key.signer(SignatureAlgorithm::EcdsaP256Sha256).unwrap();
    let credential = hsm.credential(key.certificate().unwrap());
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    for _ in 0..3 {
                        let signed = sign_pdf(
                            &common::classic_pdf(),
                            &fields("Văn thư"),
                            &credential,
                            &signer,
                            None,
                        )
                        .unwrap();
                        let report = validate(
                            &signed,
                            &hsm.trust(),
                            &RevocationData::default(),
                            SystemTime::now(),
                        )
                        .unwrap();
                        assert_eq!(report.signatures[0].indication, Indication::TotalPassed);
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
    });
    // Four threads, two sessions at most.
    assert!((1..=2).contains(&token.sessions_open()));
}

/// A person's USB token is used without naming the key when it holds one key with its
/// certificate (`tinhso desk-sign`); this token holds two (RSA and P-256), so it asks which,
/// passing over the bare key, the mismatched one, the weak one and the twins.
#[test]
fn the_only_certified_key_is_chosen_or_the_choice_asked_for() {
    let hsm = hsm();
    let token = hsm
        .module()
        .open_token(TOKEN, &hsm.pin())
        .expect("the token opens");
    match token.only_certified_key() {
        Err(Pkcs11Error::KeyAmbiguous { count, .. }) => assert_eq!(count, 2),
        other => panic!("{other:?}"),
    }
}
