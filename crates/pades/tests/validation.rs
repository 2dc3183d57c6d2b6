//! Slice 3: trust anchors, path validation at the timestamp's time, embedded revocation,
//! changes after signing and the indication, on fixtures `tests/pyhanko/pki.py` makes at test
//! time (a PKI from `cryptography`, signatures and timestamps from pyHanko, DSS revocation
//! data). Where pyHanko validates the same way, its verdict must agree with ours.
mod common;
use common::*;
use std::process::Command;
use std::time::SystemTime;
use tinhso_pades::revocation::{Source, Status};
use tinhso_pades::{
    DocumentReport, Indication, Level, RevocationData, SignatureReport, Trust, validate,
};

fn trust(anchor: &str, demo: bool) -> Trust {
    let pem = std::fs::read(pki_dir().unwrap().join(anchor)).unwrap();
    Trust::from_pem(&pem, demo).unwrap()
}

fn report_with(name: &str, trust: &Trust, data: &RevocationData) -> Option<DocumentReport> {
    let pdf = pki_fixture(name)?;
    Some(validate(&pdf, trust, data, SystemTime::now()).expect("the file reads"))
}

/// The first signature of fixture `name`, against the test root.
fn first(name: &str) -> Option<SignatureReport> {
    let report = report_with(name, &trust("root.pem", false), &RevocationData::default())?;
    Some(report.signatures.into_iter().next().unwrap())
}

fn codes(signature: &SignatureReport) -> Vec<&'static str> {
    signature.reasons.iter().map(|r| r.code).collect()
}

#[test]
fn a_timestamped_signature_passes_at_level_b_t_with_a_revocation_warning() {
    let Some(s) = first("bt.pdf") else { return };
    assert_eq!(s.indication, Indication::TotalPassed, "{s:#?}");
    assert_eq!(s.indication_label, "Hợp lệ");
    assert_eq!(s.level, Some(Level::BT));
    let timestamp = s.timestamp.as_ref().unwrap();
    assert!(timestamp.valid, "{timestamp:#?}");
    assert!(timestamp.tsa.as_deref().unwrap().contains("TSA"));
    assert!(s.time_proven);
    let chain = s.chain.as_ref().unwrap();
    assert!(chain.anchor.as_deref().unwrap().contains("Root CA"));
    assert_eq!(chain.path.len(), 2, "{chain:?}"); // signer, issuing CA
    assert!(!chain.demo);
    let signer = s.signer.as_ref().unwrap();
    assert_eq!(signer.common_name.as_deref(), Some("Nguyễn Văn An"));
    assert_eq!(signer.organization.as_deref(), Some("Tỉnh Số TEST"));
    assert!(
        s.warnings
            .contains(&"Không kiểm tra được tình trạng thu hồi của chứng thư số".to_owned())
    );
    // No data: the platform is told where to fetch it.
    let Status::Unknown {
        ocsp_urls,
        crl_urls,
    } = &s.revocation[0].status
    else {
        panic!("{:?}", s.revocation[0]);
    };
    assert_eq!(ocsp_urls, &["http://127.0.0.1:9/ocsp"]);
    assert_eq!(crl_urls, &["http://127.0.0.1:9/issuing.crl"]);
}

#[test]
fn without_a_timestamp_the_level_is_b_b_and_the_time_is_now() {
    let Some(s) = first("bb.pdf") else { return };
    assert_eq!(s.indication, Indication::TotalPassed, "{s:#?}");
    assert_eq!(s.level, Some(Level::BB));
    assert!(s.timestamp.is_none() && !s.time_proven);
}

#[test]
fn dss_revocation_data_makes_b_lt_and_a_document_timestamp_b_lta() {
    let Some(s) = first("bt-lt.pdf") else { return };
    assert_eq!(s.indication, Indication::TotalPassed, "{s:#?}");
    assert_eq!(s.level, Some(Level::BLt), "{:#?}", s.revocation);
    assert_eq!(s.revocation.len(), 2);
    for status in &s.revocation {
        assert_eq!(status.status, Status::Good, "{status:?}");
        assert_eq!(status.source, Some(Source::Dss));
    }
    // The DSS update is an allowed change.
    let changes = s.changes.as_ref().unwrap();
    assert_eq!(changes.later_revisions, 1);
    assert!(changes.disallowed.is_empty(), "{changes:?}");
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);

    let Some(lta) = report_with(
        "bt-lta.pdf",
        &trust("root.pem", false),
        &RevocationData::default(),
    ) else {
        return;
    };
    let signature = lta
        .signatures
        .iter()
        .find(|s| s.sub_filter.as_deref() == Some("ETSI.CAdES.detached"))
        .unwrap();
    assert_eq!(signature.level, Some(Level::BLta), "{signature:#?}");
    assert_eq!(signature.indication, Indication::TotalPassed);
    let document_timestamp = lta
        .signatures
        .iter()
        .find(|s| s.sub_filter.as_deref() == Some("ETSI.RFC3161"))
        .unwrap();
    assert!(
        document_timestamp.timestamp.as_ref().unwrap().valid,
        "{document_timestamp:#?}"
    );
    assert_eq!(document_timestamp.indication, Indication::TotalPassed);
}

#[test]
fn another_anchor_leaves_the_signature_indeterminate() {
    let Some(report) = report_with(
        "bt.pdf",
        &trust("other-root.pem", false),
        &RevocationData::default(),
    ) else {
        return;
    };
    let s = &report.signatures[0];
    assert_eq!(s.indication, Indication::Indeterminate, "{s:#?}");
    assert!(codes(s).contains(&"no_path_to_anchor"), "{:?}", s.reasons);
    assert_eq!(s.indication_label, "Chưa xác định");
}

#[test]
fn a_demo_anchor_is_flagged() {
    let Some(report) = report_with(
        "bt.pdf",
        &trust("root.pem", true),
        &RevocationData::default(),
    ) else {
        return;
    };
    let s = &report.signatures[0];
    assert!(s.chain.as_ref().unwrap().demo);
    assert!(
        s.warnings
            .contains(&"Chứng thư gốc là chứng thư DEMO, không có giá trị pháp lý".to_owned())
    );
}

#[test]
fn an_expired_certificate_is_valid_only_when_a_timestamp_proves_the_signing_time() {
    let Some(without) = first("expired.pdf") else {
        return;
    };
    assert_eq!(
        without.indication,
        Indication::Indeterminate,
        "{without:#?}"
    );
    assert!(codes(&without).contains(&"expired"));
    let with = first("expired-ts.pdf").unwrap();
    assert_eq!(with.indication, Indication::TotalPassed, "{with:#?}");
    assert!(with.time_proven);
}

#[test]
fn a_certificate_not_yet_valid_at_the_timestamp_fails() {
    let Some(s) = first("not-yet-valid.pdf") else {
        return;
    };
    assert_eq!(s.indication, Indication::TotalFailed, "{s:#?}");
    assert!(codes(&s).contains(&"not_yet_valid"));
    assert!(s.reasons[0].message.contains("chưa có hiệu lực"));
}

#[test]
fn an_unknown_critical_extension_is_indeterminate_in_vietnamese() {
    let Some(s) = first("unknown-critical.pdf") else {
        return;
    };
    assert_eq!(s.indication, Indication::Indeterminate, "{s:#?}");
    let reason = s
        .reasons
        .iter()
        .find(|r| r.code == "unsupported_critical_extension")
        .unwrap();
    assert!(
        reason
            .message
            .contains("không hỗ trợ (1.3.6.1.4.1.99999.1)")
    );
}

#[test]
fn revoked_before_signing_fails_by_crl_and_by_ocsp() {
    for name in ["revoked.pdf", "revoked-ocsp.pdf"] {
        let Some(s) = first(name) else { return };
        assert_eq!(s.indication, Indication::TotalFailed, "{name}: {s:#?}");
        assert!(codes(&s).contains(&"revoked"), "{name}: {:?}", s.reasons);
        let Status::Revoked {
            before_validation_time,
            ..
        } = &s.revocation[0].status
        else {
            panic!("{name}: {:?}", s.revocation);
        };
        assert!(before_validation_time);
    }
}

#[test]
fn revoked_after_the_timestamp_stays_valid_with_a_note_from_caller_data() {
    let Some(dir) = pki_dir() else { return };
    let crl = std::fs::read(dir.join("revoked.crl")).unwrap();
    let data = RevocationData {
        ocsp_responses: Vec::new(),
        crls: vec![crl],
    };
    let report = report_with("revoked-later.pdf", &trust("root.pem", false), &data).unwrap();
    let s = &report.signatures[0];
    assert_eq!(s.indication, Indication::TotalPassed, "{s:#?}");
    assert_eq!(s.revocation[0].source, Some(Source::Caller));
    assert!(
        s.warnings.iter().any(|w| w.contains("sau thời điểm ký")),
        "{:?}",
        s.warnings
    );
    // Caller data is not embedded: still B-T.
    assert_eq!(s.level, Some(Level::BT));
}

#[test]
fn content_changed_after_signing_is_flagged_with_the_objects() {
    for (name, object, kind) in [
        ("tampered-content.pdf", 3, "page"),
        ("tampered-stream.pdf", 4, "stream"),
    ] {
        let Some(s) = first(name) else { return };
        assert_eq!(s.indication, Indication::TotalFailed, "{name}: {s:#?}");
        assert_eq!(s.reasons[0].message, "Văn bản đã bị sửa đổi sau khi ký");
        let changes = s.changes.as_ref().unwrap();
        let json = serde_json::to_value(&changes.disallowed).unwrap();
        assert_eq!(json[0]["object"], object, "{name}: {json}");
        assert_eq!(json[0]["kind"], kind, "{name}: {json}");
    }
}

#[test]
fn a_second_signature_is_an_allowed_change() {
    let Some(report) = report_with(
        "two-signatures.pdf",
        &trust("root.pem", false),
        &RevocationData::default(),
    ) else {
        return;
    };
    assert_eq!(report.signatures.len(), 2);
    for s in &report.signatures {
        assert_eq!(s.indication, Indication::TotalPassed, "{s:#?}");
    }
    let first = &report.signatures[0];
    let changes = serde_json::to_value(first.changes.as_ref().unwrap()).unwrap();
    assert!(
        changes["allowed"]
            .as_array()
            .unwrap()
            .contains(&"signature".into()),
        "{changes}"
    );
}

#[test]
fn the_report_serialises_with_etsi_names() {
    let Some(s) = first("bt.pdf") else { return };
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["indication"], "TOTAL-PASSED");
    assert_eq!(json["level"], "B-T");
    assert_eq!(json["revocation"][0]["status"], "unknown");
    let failed = serde_json::to_value(first("not-yet-valid.pdf").unwrap()).unwrap();
    assert_eq!(failed["indication"], "TOTAL-FAILED");
    assert_eq!(failed["reasons"][0]["code"], "not_yet_valid");
    assert_eq!(failed["chain"]["problem"]["code"], "not_yet_valid");
}

/// pyHanko's `validate_pdf_signature` (no fetching, soft-fail) on the same files: where it
/// validates as we do (at the current time, without DSS revocation data), the verdicts agree.
/// It checks `expired-ts.pdf` at the current time, where we use the timestamp's time, and does
/// not read the DSS in this mode, so those two are left out.
#[test]
fn pyhanko_agrees_on_the_verdicts() {
    let Some(dir) = pki_dir() else { return };
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pyhanko/validate.py");
    for name in [
        "bt.pdf",
        "bb.pdf",
        "bt-lt.pdf",
        "expired.pdf",
        "not-yet-valid.pdf",
        "unknown-critical.pdf",
        "tampered-content.pdf",
        "tampered-stream.pdf",
        "two-signatures.pdf",
        "annotated.pdf",
        "certified-p1-dss.pdf",
        "certified-p1-signed.pdf",
        "certified-p2-signed.pdf",
    ] {
        let output = Command::new("python3")
            .arg(&script)
            .arg(dir.join(name))
            .arg(dir.join("root.pem"))
            .output()
            .unwrap();
        assert!(output.status.success(), "{name}: {output:?}");
        let theirs: Vec<bool> = String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["bottom_line"] == true)
            .collect();
        let report =
            report_with(name, &trust("root.pem", false), &RevocationData::default()).unwrap();
        let ours: Vec<bool> = report
            .signatures
            .iter()
            .filter(|s| s.sub_filter.as_deref() != Some("ETSI.RFC3161"))
            .map(|s| s.indication == Indication::TotalPassed)
            .collect();
        assert_eq!(ours, theirs, "{name}");
    }
}

#[test]
fn an_anchor_with_the_right_name_but_another_key_is_no_anchor() {
    let Some(report) = report_with(
        "bt.pdf",
        &trust("impostor-root.pem", false),
        &RevocationData::default(),
    ) else {
        return;
    };
    let s = &report.signatures[0];
    assert_eq!(s.indication, Indication::Indeterminate, "{s:#?}");
    assert!(codes(s).contains(&"no_path_to_anchor"), "{:?}", s.reasons);
    // The TSA's chain fails the same way: the timestamp does not count.
    assert!(!s.timestamp.as_ref().unwrap().valid);
    assert!(!s.time_proven);
}

#[test]
fn a_timestamp_token_with_fractional_gen_time_binds_its_data_only() {
    let Some(token) = pki_fixture("token.der") else {
        return;
    };
    let root = trust("root.pem", false);
    let good = tinhso_pades::timestamp::check(&token, &[b"tinhso"], &root, &[]);
    assert!(good.report.valid, "{:#?}", good.report);
    let gen_time = good.gen_time.unwrap();
    assert_ne!(gen_time.subsec_nanos(), 0, "pyHanko writes microseconds");
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap();
    assert!(now.abs_diff(gen_time).as_secs() < 600);

    let other_data = tinhso_pades::timestamp::check(&token, &[b"tinhsO"], &root, &[]);
    assert_eq!(
        other_data.report.problem.as_ref().map(|p| p.code()),
        Some("timestamp_imprint_mismatch")
    );
    assert!(other_data.gen_time.is_none());

    let elsewhere =
        tinhso_pades::timestamp::check(&token, &[b"tinhso"], &trust("other-root.pem", false), &[]);
    assert_eq!(
        elsewhere.report.problem.as_ref().map(|p| p.code()),
        Some("timestamp_chain_invalid")
    );

    let mut flipped = token.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1; // the TSA's signature value ends the token
    let forged = tinhso_pades::timestamp::check(&flipped, &[b"tinhso"], &root, &[]);
    assert_eq!(
        forged.report.problem.as_ref().map(|p| p.code()),
        Some("timestamp_token_invalid")
    );
}

#[test]
fn the_fixture_ocsp_response_and_crl_read() {
    let (Some(ocsp), Some(crl)) = (pki_fixture("good.ocsp"), pki_fixture("revoked.crl")) else {
        return;
    };
    assert!(tinhso_pades::revocation::parses(&ocsp));
    assert!(tinhso_pades::revocation::parses(&crl));
    assert!(!tinhso_pades::revocation::parses(&ocsp[..ocsp.len() - 1]));
}

#[test]
fn a_new_annotation_that_is_no_signature_is_a_change() {
    let Some(s) = first("annotated.pdf") else {
        return;
    };
    assert_eq!(s.indication, Indication::TotalFailed, "{s:#?}");
    let changes = serde_json::to_value(s.changes.as_ref().unwrap()).unwrap();
    assert_eq!(changes["disallowed"][0]["kind"], "annotation", "{changes}");
}

/// A signature's field name, indication and DocMDP permission.
type Verdict = (Option<String>, Indication, Option<u8>);

/// The verdicts on every signature of `name`, in file order.
fn indications(name: &str) -> Option<Vec<Verdict>> {
    let report = report_with(name, &trust("root.pem", false), &RevocationData::default())?;
    Some(
        report
            .signatures
            .iter()
            .map(|s| {
                (
                    s.field_name.clone(),
                    s.indication,
                    s.changes.as_ref().and_then(|c| c.docmdp),
                )
            })
            .collect(),
    )
}

#[test]
fn docmdp_p1_allows_a_dss_but_not_a_new_signature_and_p2_allows_it() {
    let Some(dss) = indications("certified-p1-dss.pdf") else {
        return;
    };
    assert_eq!(
        dss,
        [(Some("Cert1".into()), Indication::TotalPassed, Some(1))]
    );
    let signed = indications("certified-p1-signed.pdf").unwrap();
    assert_eq!(
        signed[0],
        (Some("Cert1".into()), Indication::TotalFailed, Some(1))
    );
    assert_eq!(signed[1].1, Indication::TotalPassed);
    let p2 = indications("certified-p2-signed.pdf").unwrap();
    assert!(
        p2.iter()
            .all(|(_, i, p)| *i == Indication::TotalPassed && *p == Some(2)),
        "{p2:?}"
    );
}
