//! Hostile input for slice 3's parsers: PEM bundles, OCSP responses, CRLs, timestamp tokens and
//! files with a DSS and later revisions (what the changes analysis reads) never panic, and a
//! mutated file is never TOTAL-PASSED unless its signed bytes are untouched. These call the
//! parsers directly, outside the verifier's panic guard, so a panic fails the test.
mod common;
use common::*;
use proptest::prelude::*;
use std::time::SystemTime;
use tinhso_pades::{
    Indication, PadesError, RevocationData, Trust, revocation, timestamp, validate,
};

fn root_trust() -> Option<Trust> {
    let pem = std::fs::read(pki_dir()?.join("root.pem")).ok()?;
    Trust::from_pem(&pem, false).ok()
}

/// A real OCSP response or CRL to mutate, else a small DER SEQUENCE.
fn seed_der(name: &str) -> Vec<u8> {
    pki_fixture(name).unwrap_or_else(|| vec![0x30, 0x03, 0x02, 0x01, 0x00])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn pem_bundles_never_panic(text in ".{0,400}", junk in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut bundle = b"-----BEGIN CERTIFICATE-----\n".to_vec();
        bundle.extend_from_slice(text.as_bytes());
        bundle.extend_from_slice(b"\n-----END CERTIFICATE-----\n");
        let _ = Trust::from_pem(&bundle, false);
        let _ = Trust::from_pem(&junk, true);
        let _ = tinhso_pades::chain::certificates_from_pem(&[&junk[..], &bundle[..]].concat());
    }

    #[test]
    fn mutated_crls_and_tokens_never_panic(
        at in any::<prop::sample::Index>(),
        value in any::<u8>(),
        cut in any::<prop::sample::Index>(),
    ) {
        for name in ["revoked.crl", "good.ocsp", "token.der"] {
            let mut der = seed_der(name);
            let i = at.index(der.len());
            der[i] = value;
            let cut = cut.index(der.len() + 1);
            let _ = revocation::parses(&der);
            let _ = revocation::parses(&der[..cut]);
            let trust = root_trust().unwrap_or_default();
            let checked = timestamp::check(&der[..cut], &[b"tinhso"], &trust, &[]);
            if cut < der.len() {
                prop_assert!(!checked.report.valid);
            }
        }
    }

    #[test]
    fn random_bytes_are_neither_ocsp_nor_timestamps(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = revocation::parses(&bytes);
        let checked = timestamp::check(&bytes, &[b"x"], &Trust::default(), &[]);
        prop_assert!(!checked.report.valid);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Files with a DSS, OCSP and CRL streams and a document timestamp, mutated: the whole
    /// validation (DSS reading, revocation, changes) never crashes, and a changed signed byte
    /// never passes.
    #[test]
    fn mutated_lta_files_never_crash_nor_pass_when_signed_bytes_change(
        at in any::<prop::sample::Index>(),
        value in any::<u8>(),
    ) {
        let (Some(pdf), Some(trust)) = (pki_fixture("bt-lta.pdf"), root_trust()) else {
            return Ok(());
        };
        let mut mutated = pdf.clone();
        let i = at.index(mutated.len());
        mutated[i] = value;
        match validate(&mutated, &trust, &RevocationData::default(), SystemTime::now()) {
            Err(PadesError::Crashed) => prop_assert!(false, "crashed at byte {i}"),
            Err(PadesError::OverBudget(_)) => prop_assert!(false, "over budget at byte {i}"),
            Err(_) => {}
            Ok(report) => {
                if mutated != pdf {
                    for s in &report.signatures {
                        let [_, b, c, d] = s.byte_range.unwrap_or([0, 0, 0, 0]);
                        let signed = (i as u64) < b || ((i as u64) >= c && (i as u64) < c + d);
                        if signed {
                            prop_assert_ne!(s.indication, Indication::TotalPassed, "byte {}", i);
                        }
                    }
                }
            }
        }
    }
}
