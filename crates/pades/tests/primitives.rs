//! The verification primitives against signatures made by OpenSSL (an independent
//! implementation): RSA PKCS#1 v1.5, RSASSA-PSS with the salt lengths seen in the wild (32, and
//! pyHanko's 222), ECDSA P-256 and P-384; and the PSS parameter rules.
use der::{Any, Decode, Encode};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use std::path::Path;
use std::process::Command;
use tinhso_pades::asn1::{RsaPssParams, oid};
use tinhso_pades::crypto::{CryptoError, DigestAlgorithm, PublicKey, SignatureScheme};

const MESSAGE: &[u8] = b"V\xc4\x83n b\xe1\xba\xa3n \xc4\x91\xc3\xa3 k\xc3\xbd";

fn openssl(args: &[&str], dir: &Path) -> bool {
    match Command::new("openssl").args(args).current_dir(dir).output() {
        Ok(out) if out.status.success() => true,
        Ok(out) => panic!("openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr)),
        Err(_) => false,
    }
}

/// A fresh key made by `genpkey_args`, its public key, and a signature of MESSAGE by `sign_args`.
fn signed(genpkey_args: &[&str], sign_args: &[&str]) -> Option<(PublicKey, Vec<u8>)> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("msg"), MESSAGE).unwrap();
    let mut genpkey = vec!["genpkey", "-out", "key.pem"];
    genpkey.extend_from_slice(genpkey_args);
    if !openssl(&genpkey, dir.path()) {
        eprintln!("openssl absent: skipped");
        return None;
    }
    openssl(
        &[
            "pkey", "-in", "key.pem", "-pubout", "-outform", "DER", "-out", "pub.der",
        ],
        dir.path(),
    );
    let mut sign = vec!["dgst", "-sign", "key.pem", "-out", "sig"];
    sign.extend_from_slice(sign_args);
    sign.push("msg");
    openssl(&sign, dir.path());
    let spki =
        SubjectPublicKeyInfoOwned::from_der(&std::fs::read(dir.path().join("pub.der")).unwrap())
            .unwrap();
    Some((
        PublicKey::from_spki(&spki).unwrap(),
        std::fs::read(dir.path().join("sig")).unwrap(),
    ))
}

const RSA: &[&str] = &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"];

#[test]
fn rsa_pkcs1v15_and_pss_with_any_salt() {
    let Some((key, sig)) = signed(RSA, &["-sha256"]) else {
        return;
    };
    let pkcs1 = SignatureScheme::RsaPkcs1v15 {
        digest: DigestAlgorithm::Sha256,
    };
    assert_eq!(key.describe(), "RSA 2048");
    key.verify(pkcs1, MESSAGE, &sig).unwrap();
    assert_eq!(
        key.verify(pkcs1, b"other", &sig),
        Err(CryptoError::BadSignature)
    );

    for salt in [32u32, 222] {
        let salt_opt = format!("rsa_pss_saltlen:{salt}");
        let Some((key, sig)) = signed(
            RSA,
            &[
                "-sha256",
                "-sigopt",
                "rsa_padding_mode:pss",
                "-sigopt",
                &salt_opt,
                "-sigopt",
                "rsa_mgf1_md:sha256",
            ],
        ) else {
            return;
        };
        let pss = |salt_length| SignatureScheme::RsaPss {
            digest: DigestAlgorithm::Sha256,
            salt_length,
        };
        key.verify(pss(salt), MESSAGE, &sig).unwrap();
        // The salt length is part of what is checked: it comes from the parameters.
        assert_eq!(
            key.verify(pss(20), MESSAGE, &sig),
            Err(CryptoError::BadSignature)
        );
        assert_eq!(
            key.verify(pkcs1, MESSAGE, &sig),
            Err(CryptoError::BadSignature)
        );
    }
}

#[test]
fn ecdsa_p256_and_p384() {
    for (curve, digest, flag, name) in [
        (
            "ec_paramgen_curve:P-256",
            DigestAlgorithm::Sha256,
            "-sha256",
            "ECDSA P-256",
        ),
        (
            "ec_paramgen_curve:P-384",
            DigestAlgorithm::Sha384,
            "-sha384",
            "ECDSA P-384",
        ),
    ] {
        let Some((key, sig)) = signed(&["-algorithm", "EC", "-pkeyopt", curve], &[flag]) else {
            return;
        };
        assert_eq!(key.describe(), name);
        key.verify(SignatureScheme::Ecdsa { digest }, MESSAGE, &sig)
            .unwrap();
        assert_eq!(
            key.verify(SignatureScheme::Ecdsa { digest }, b"other", &sig),
            Err(CryptoError::BadSignature)
        );
        assert_eq!(
            key.verify(SignatureScheme::RsaPkcs1v15 { digest }, MESSAGE, &sig),
            Err(CryptoError::KeyMismatch)
        );
    }
}

fn algorithm(oid: der::asn1::ObjectIdentifier) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid,
        parameters: None,
    }
}

fn pss_identifier(
    hash: der::asn1::ObjectIdentifier,
    mgf_hash: der::asn1::ObjectIdentifier,
    trailer: Option<u8>,
) -> AlgorithmIdentifierOwned {
    let params = RsaPssParams {
        hash_algorithm: Some(algorithm(hash)),
        mask_gen_algorithm: Some(AlgorithmIdentifierOwned {
            oid: oid::MGF1,
            parameters: Some(Any::encode_from(&algorithm(mgf_hash)).unwrap()),
        }),
        salt_length: Some(32),
        trailer_field: trailer,
    };
    AlgorithmIdentifierOwned {
        oid: oid::RSASSA_PSS,
        parameters: Some(Any::from_der(&params.to_der().unwrap()).unwrap()),
    }
}

#[test]
fn pss_parameters_must_agree_with_the_digest() {
    let sha256 = DigestAlgorithm::Sha256;
    assert_eq!(
        SignatureScheme::from_cms(&pss_identifier(oid::SHA256, oid::SHA256, None), sha256),
        Ok(SignatureScheme::RsaPss {
            digest: sha256,
            salt_length: 32
        })
    );
    assert!(matches!(
        SignatureScheme::from_cms(&pss_identifier(oid::SHA256, oid::SHA1, None), sha256),
        Err(CryptoError::BadPssParams(_))
    ));
    assert!(matches!(
        SignatureScheme::from_cms(&pss_identifier(oid::SHA256, oid::SHA256, Some(2)), sha256),
        Err(CryptoError::BadPssParams(_))
    ));
    assert!(matches!(
        SignatureScheme::from_cms(&pss_identifier(oid::SHA384, oid::SHA384, None), sha256),
        Err(CryptoError::DigestMismatch(..))
    ));
    // Absent parameters would mean SHA-1 by default: refused as missing.
    assert!(matches!(
        SignatureScheme::from_cms(&algorithm(oid::RSASSA_PSS), sha256),
        Err(CryptoError::BadPssParams(_))
    ));
    assert!(matches!(
        SignatureScheme::from_cms(&algorithm(oid::SHA384_WITH_RSA), sha256),
        Err(CryptoError::DigestMismatch(..))
    ));
}

#[test]
fn digests_match_known_values() {
    assert_eq!(
        hex::encode(DigestAlgorithm::Sha256.digest(&[b"a", b"bc"])),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(DigestAlgorithm::Sha384.digest(&[b"abc"]).len(), 48);
    assert_eq!(DigestAlgorithm::Sha512.digest(&[b"abc"]).len(), 64);
    assert_eq!(
        hex::encode(DigestAlgorithm::Sha1.digest(&[b"abc"])),
        "a9993e364706816aba3e25717850c26c9cd0d89d"
    );
}
