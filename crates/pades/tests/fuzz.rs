//! Hostile bytes never panic the reader or the verifier (a panic would surface as
//! `PadesError::Crashed` through the guard), and no change to a signed byte ever leaves a
//! signature valid: byte flips, insertions, removals, truncations and ByteRange edits.
mod common;
use common::*;
use proptest::prelude::*;
use tinhso_pades::{Integrity, PadesError, verify};

/// A signed file to mutate: pyHanko's when available, else a hand-made one whose signature is
/// well-formed around a CMS that is not (the reader's paths are still exercised).
fn seed() -> Vec<u8> {
    fixture("rsa-pss.pdf").unwrap_or_else(hand_made)
}

fn hand_made() -> Vec<u8> {
    let contents = format!("<{}>", "30".repeat(8) + &"0".repeat(200));
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] /SigFlags 3 >> >>".to_owned(),
        "<< /Type /Pages /Count 1 /Kids [3 0 R] >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [4 0 R] >>".to_owned(),
        "<< /FT /Sig /T (Sig1) /Subtype /Widget /Rect [0 0 0 0] /P 3 0 R /V 5 0 R >>".to_owned(),
        format!(
            "<< /Type /Sig /SubFilter /ETSI.CAdES.detached /ByteRange [0 0000000000 0000000000 0000000000] /Contents {contents} >>"
        ),
    ];
    let mut body = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(body.len());
        body.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = body.len();
    body.extend_from_slice(b"xref\n0 6\n0000000000 65535 f \n");
    for offset in offsets {
        body.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    body.extend_from_slice(
        format!("trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    let gap_start = find(&body, contents.as_bytes());
    let gap_end = gap_start + contents.len();
    let numbers = format!(
        "0 {gap_start:010} {gap_end:010} {:010}",
        body.len() - gap_end
    );
    let at = find(&body, b"[0 0000000000");
    body[at + 1..at + 1 + numbers.len()].copy_from_slice(numbers.as_bytes());
    body
}

fn never_crashes(bytes: &[u8]) -> Option<tinhso_pades::DocumentReport> {
    match verify(bytes) {
        Err(PadesError::Crashed) => panic!("the verifier crashed"),
        Err(PadesError::OverBudget(_)) => panic!("the verifier ran out of time"),
        Err(_) => None,
        Ok(report) => Some(report),
    }
}

fn none_valid(report: Option<tinhso_pades::DocumentReport>) -> bool {
    report.is_none_or(|r| r.signatures.iter().all(|s| s.integrity != Integrity::Ok))
}

#[test]
fn the_hand_made_seed_reads_and_its_cms_is_refused() {
    let report = never_crashes(&hand_made()).expect("the seed reads");
    assert_eq!(report.signatures.len(), 1);
    assert!(matches!(
        report.signatures[0].integrity,
        Integrity::Failed { .. }
    ));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let mut bytes = b"%PDF-1.7\n".to_vec();
        bytes.extend_from_slice(&tail);
        never_crashes(&bytes);
    }

    #[test]
    fn mutated_files_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
    ) {
        let mut bytes = seed();
        for (at, byte, kind) in edits {
            let i = at.index(bytes.len());
            match kind {
                0 => bytes[i] = byte,
                1 => { bytes.remove(i); }
                _ => bytes.insert(i, byte),
            }
        }
        never_crashes(&bytes);
    }

    /// Any change outside the `/Contents` gap is a change to signed bytes.
    #[test]
    fn a_flipped_signed_byte_is_never_valid(at in any::<prop::sample::Index>(), flip in 1u8..=255) {
        let pdf = seed();
        let ([_, b, c, _], _) = byte_range(&pdf);
        let mut i = at.index(pdf.len() - (c - b) as usize);
        if i >= b as usize {
            i += (c - b) as usize;
        }
        let mut bytes = pdf.clone();
        bytes[i] ^= flip;
        prop_assert!(none_valid(never_crashes(&bytes)), "flip at {}", i);
    }

    #[test]
    fn truncations_never_panic_nor_verify(len in 0usize..1_000_000) {
        let pdf = seed();
        let len = len % pdf.len();
        prop_assert!(none_valid(never_crashes(&pdf[..len])), "truncated to {}", len);
    }

    #[test]
    fn byte_range_edits_never_panic_and_only_the_true_one_verifies(
        deltas in proptest::array::uniform4(-40i64..40),
    ) {
        let pdf = seed();
        let (original, text) = byte_range(&pdf);
        let numbers: Vec<u64> = original
            .iter()
            .zip(deltas)
            .map(|(n, d)| (*n as i64 + d).max(0) as u64)
            .collect();
        let numbers: [u64; 4] = numbers.try_into().unwrap();
        let written = format!("{} {} {} {}", numbers[0], numbers[1], numbers[2], numbers[3]);
        prop_assume!(written.len() <= text.len());
        let report = never_crashes(&with_byte_range(&pdf, numbers));
        if numbers != original {
            prop_assert!(none_valid(report), "{:?}", numbers);
        }
    }
}
