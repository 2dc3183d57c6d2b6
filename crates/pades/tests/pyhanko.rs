//! PDFs signed by pyHanko (RSA-PSS, RSA PKCS#1 v1.5 with SHA-384, ECDSA P-256; xref streams
//! and tables) verify with us, and each tampered variant fails with its own reason.
mod common;
use common::*;
use tinhso_pades::{Integrity, PadesError, Problem, SignatureReport, verify};

fn only_signature(pdf: &[u8]) -> SignatureReport {
    let report = verify(pdf).expect("the file reads");
    assert_eq!(report.signatures.len(), 1, "{report:#?}");
    report.signatures.into_iter().next().unwrap()
}

fn reason(pdf: &[u8]) -> Problem {
    match only_signature(pdf).integrity {
        Integrity::Failed { reason } => reason,
        Integrity::Ok => panic!("the tampered file verified"),
    }
}

fn assert_valid_whole_file(signature: &SignatureReport) {
    assert_eq!(signature.integrity, Integrity::Ok, "{signature:#?}");
    let coverage = signature.coverage.as_ref().unwrap();
    assert!(coverage.whole_file, "{coverage:?}");
    assert_eq!(coverage.later_revisions, 0);
    assert_eq!(signature.field_name.as_deref(), Some("Sig1"));
    assert_eq!(signature.sub_filter.as_deref(), Some("ETSI.CAdES.detached"));
    assert!(signature.claimed_signing_time.is_some());
}

#[test]
fn rsa_pss_signed_by_pyhanko_verifies() {
    let Some(pdf) = fixture("rsa-pss.pdf") else {
        return;
    };
    let report = verify(&pdf).unwrap();
    assert_eq!(report.revisions.len(), 2);
    assert!(report.revisions.iter().all(|r| r.xref_stream));
    assert_eq!(report.revisions[1].end, pdf.len() as u64);
    let signature = &report.signatures[0];
    assert_valid_whole_file(signature);
    assert_eq!(signature.coverage.as_ref().unwrap().signed_revision, 2);
    // pyHanko's PSS salt is as long as the key allows (222 bytes for RSA-2048 with SHA-256).
    assert_eq!(
        signature.signature_algorithm.as_deref(),
        Some("RSASSA-PSS SHA-256 (salt 222)")
    );
    let signer = signature.signer.as_ref().unwrap();
    assert!(signer.subject.contains("RSA"), "{signer:?}");
    assert!(signer.issuer.contains("Root CA"), "{signer:?}");
    assert_eq!(signer.key, "RSA 2048");
    assert!(signer.not_before < signer.not_after);
    assert!(!signer.serial.is_empty());
}

#[test]
fn ecdsa_and_pkcs1_and_xref_tables_verify() {
    for (name, algorithm) in [
        ("ecdsa.pdf", "ECDSA SHA-256"),
        ("rsa-pkcs1.pdf", "RSA PKCS#1 v1.5 SHA-384"),
        ("rsa-pss-table.pdf", "RSASSA-PSS SHA-256 (salt 222)"),
    ] {
        let Some(pdf) = fixture(name) else { return };
        let signature = only_signature(&pdf);
        assert_valid_whole_file(&signature);
        assert_eq!(
            signature.signature_algorithm.as_deref(),
            Some(algorithm),
            "{name}"
        );
    }
    let ecdsa = only_signature(&fixture("ecdsa.pdf").unwrap());
    assert_eq!(ecdsa.signer.unwrap().key, "ECDSA P-256");
}

#[test]
fn an_update_after_signing_is_a_later_revision_and_the_signed_one_stays_intact() {
    for name in ["rsa-pss-updated.pdf", "rsa-pss-table-updated.pdf"] {
        let Some(pdf) = fixture(name) else { return };
        let report = verify(&pdf).unwrap();
        assert_eq!(report.revisions.len(), 3, "{name}");
        let signature = &report.signatures[0];
        assert_eq!(signature.integrity, Integrity::Ok, "{name}: {signature:#?}");
        let coverage = signature.coverage.as_ref().unwrap();
        assert!(!coverage.whole_file);
        assert_eq!((coverage.signed_revision, coverage.later_revisions), (2, 1));
        assert_eq!(
            report.revisions[1].end,
            signature.byte_range.unwrap()[2] + signature.byte_range.unwrap()[3]
        );
    }
}

#[test]
fn a_byte_changed_inside_the_signed_range_fails_the_digest() {
    let Some(pdf) = fixture("rsa-pss.pdf") else {
        return;
    };
    let mut tampered = pdf.clone();
    let at = find(&tampered, b"595");
    tampered[at + 2] = b'6';
    let problem = reason(&tampered);
    assert_eq!(problem, Problem::DigestMismatch);
    assert_eq!(
        problem.to_string(),
        "Tài liệu đã bị sửa sau khi ký: giá trị băm không khớp"
    );
}

#[test]
fn byte_ranges_that_skip_bytes_or_do_not_start_at_zero_fail() {
    let Some(pdf) = fixture("rsa-pss.pdf") else {
        return;
    };
    let ([_, b, c, d], _) = byte_range(&pdf);
    let cases = [
        ([0, b - 10, c, d], Problem::ByteRangeGap),
        ([0, b, c + 4, d - 4], Problem::ByteRangeGap),
        ([1, b - 1, c, d], Problem::ByteRangeNotAtStart),
        ([0, b + 1, c, d], Problem::ByteRangeNotContents),
        ([0, b, c, d + 100], Problem::ByteRangeBeyondFile),
        ([0, b, c, d - 10], Problem::ByteRangeNotRevisionEnd),
        ([0, c, b, d], Problem::ByteRangeOverlap),
    ];
    for (numbers, expected) in cases {
        let problem = reason(&with_byte_range(&pdf, numbers));
        assert_eq!(problem, expected, "{numbers:?}");
    }
    assert_eq!(
        Problem::ByteRangeGap.to_string(),
        "Khoảng ký (ByteRange) bỏ sót dữ liệu"
    );
}

#[test]
fn a_truncated_file_fails() {
    let Some(pdf) = fixture("rsa-pss.pdf") else {
        return;
    };
    let ([_, b, c, _], _) = byte_range(&pdf);
    for len in [
        pdf.len() - 1,
        pdf.len() - 7,
        pdf.len() - 100,
        c as usize + 10,
        b as usize,
    ] {
        match verify(&pdf[..len]) {
            Err(PadesError::Unreadable(_)) => {}
            Ok(report) => assert!(
                report
                    .signatures
                    .iter()
                    .all(|s| s.integrity != Integrity::Ok),
                "{len}: {report:#?}"
            ),
            Err(other) => panic!("{len}: {other}"),
        }
    }
}

/// The hex digits of the signature's `/Contents`, as a range of the file.
fn contents_digits(pdf: &[u8]) -> std::ops::Range<usize> {
    let ([_, b, c, _], _) = byte_range(pdf);
    b as usize + 1..c as usize - 1
}

#[test]
fn garbage_in_contents_fails() {
    let Some(pdf) = fixture("rsa-pss.pdf") else {
        return;
    };
    let digits = contents_digits(&pdf);

    let mut garbage = pdf.clone();
    garbage[digits.start..digits.start + 16].copy_from_slice(b"DEADBEEFDEADBEEF");
    assert!(matches!(reason(&garbage), Problem::CmsUnreadable(_)));

    let mut zeros = pdf.clone();
    zeros[digits.clone()].fill(b'0');
    assert!(matches!(reason(&zeros), Problem::CmsUnreadable(_)));

    // Data after the CMS where only 00 padding may be.
    let mut trailing = pdf.clone();
    trailing[digits.end - 2..digits.end].copy_from_slice(b"01");
    assert_eq!(reason(&trailing), Problem::ContentsTrailingData);

    // Not hex at all: the dictionary itself is malformed, so the file is refused.
    let mut not_hex = pdf.clone();
    not_hex[digits.start..digits.start + 2].copy_from_slice(b"zz");
    assert!(matches!(verify(&not_hex), Err(PadesError::Unreadable(_))));
}

#[test]
fn a_changed_signature_value_fails_the_signature_check() {
    let Some(pdf) = fixture("rsa-pss.pdf") else {
        return;
    };
    let digits = contents_digits(&pdf);
    let cms = hex::decode(&pdf[digits.clone()]).unwrap();
    let cms_len = tinhso_pades::ber::read(&cms, 0).unwrap().end;
    // No unsigned attributes (no timestamp): the signature value is the CMS's last bytes.
    let mut tampered = pdf.clone();
    let last_digit = digits.start + 2 * cms_len - 1;
    tampered[last_digit] = if tampered[last_digit] == b'0' {
        b'1'
    } else {
        b'0'
    };
    let problem = reason(&tampered);
    assert_eq!(problem.code(), "bad_signature", "{problem}");
}

#[test]
fn reports_serialise_with_codes_and_vietnamese_messages() {
    let Some(pdf) = fixture("rsa-pss.pdf") else {
        return;
    };
    let mut tampered = pdf.clone();
    let at = find(&tampered, b"595");
    tampered[at] = b'4';
    let report = verify(&tampered).unwrap();
    let json = serde_json::to_value(&report).unwrap();
    let integrity = &json["signatures"][0]["integrity"];
    assert_eq!(integrity["status"], "failed");
    assert_eq!(integrity["reason"]["code"], "digest_mismatch");
    assert_eq!(
        integrity["reason"]["message"],
        "Tài liệu đã bị sửa sau khi ký: giá trị băm không khớp"
    );
    assert_eq!(json["signatures"][0]["digest_algorithm"], "Sha256");
}

/// `cargo test --release -p tinhso-pades --test pyhanko -- --ignored --nocapture`: the time
/// one verification takes (the guard's thread included), per key type.
#[test]
#[ignore = "a measurement, run by hand"]
fn measure_verifications_per_second() {
    for name in ["rsa-pss.pdf", "rsa-pkcs1.pdf", "ecdsa.pdf"] {
        let Some(pdf) = fixture(name) else { return };
        let runs = 200;
        let start = std::time::Instant::now();
        for _ in 0..runs {
            assert_eq!(only_signature(&pdf).integrity, Integrity::Ok);
        }
        let each = start.elapsed() / runs;
        eprintln!(
            "{name}: {each:?} per verification, {:.0}/s",
            1.0 / each.as_secs_f64()
        );
    }
}
