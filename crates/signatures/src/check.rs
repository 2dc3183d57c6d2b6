//! How a PAdES report reads for people and programs: the short form the other modules show
//! ([`SignatureCheck`]) and the API's answer ([`VerifiedFile`]). Pure: no I/O.

use serde::Serialize;
use tinhso_kernel::signing::SignatureCheck;
use tinhso_pades::{DocumentReport, Indication, SignatureReport};

/// The API's answer: the file as received and each signature found, oldest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct VerifiedFile {
    /// The name the file was sent with.
    pub file_name: String,
    /// SHA-256 of the bytes checked, hexadecimal.
    pub file_sha256: String,
    pub file_bytes: u64,
    /// Revisions of the file (incremental updates count one each).
    pub revisions: usize,
    /// `TOTAL-PASSED` when every signature is; `TOTAL-FAILED` when one fails; else
    /// `INDETERMINATE`. `NO-SIGNATURE` for a file without signatures.
    pub indication: String,
    /// The same for people: "Hợp lệ", "Không hợp lệ", "Chưa xác định", "Không có chữ ký số".
    pub indication_label: String,
    pub signatures: Vec<VerifiedSignature>,
}

/// One signature.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct VerifiedSignature {
    /// `TOTAL-PASSED`, `TOTAL-FAILED` or `INDETERMINATE` (ETSI EN 319 102-1).
    pub indication: String,
    pub indication_label: String,
    /// Why it is not `TOTAL-PASSED`: a stable code and a message in Vietnamese.
    pub reasons: Vec<VerificationReason>,
    /// What to know that does not fail it (revocation not checked, a demo root…).
    pub warnings: Vec<String>,
    /// PAdES baseline level: `B-B`, `B-T`, `B-LT`, `B-LTA`.
    pub level: Option<String>,
    pub field_name: Option<String>,
    pub sub_filter: Option<String>,
    pub signer_name: Option<String>,
    pub signer_organization: Option<String>,
    pub signer_subject: Option<String>,
    pub certificate_issuer: Option<String>,
    /// The signer's certificate serial, hexadecimal.
    pub certificate_serial: Option<String>,
    pub certificate_valid_from: Option<String>,
    pub certificate_valid_to: Option<String>,
    /// The time the signer claims: not proof.
    pub claimed_signing_time: Option<String>,
    /// The signature timestamp's time, when there is a valid one.
    pub timestamp_time: Option<String>,
    pub timestamp_authority: Option<String>,
    /// The time the certificates were checked at: the timestamp's, else the time of the check.
    pub validation_time: Option<String>,
    /// The validation time is proven by a valid timestamp.
    pub time_proven: bool,
    /// The trust anchor the chain ends at.
    pub trust_anchor: Option<String>,
    /// The anchor is a demo root: no legal value.
    pub demo_anchor: bool,
    /// The signed bytes reach the end of the file.
    pub covers_whole_file: bool,
    /// Revisions added after this signature.
    pub later_revisions: usize,
    /// Changes after signing that are not allowed (content, fonts, annotations…).
    pub modified_after_signing: bool,
    pub digest_algorithm: Option<String>,
    pub signature_algorithm: Option<String>,
    /// SHA-1 or RSA below 2048 bits.
    pub legacy_algorithms: bool,
    /// The whole report: certificates, chain, timestamp, revocation, changes.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct VerificationReason {
    pub code: String,
    pub message: String,
}

/// The indication of a whole file: failed if one fails, passed if all pass.
fn overall(signatures: &[SignatureReport]) -> (&'static str, &'static str) {
    if signatures.is_empty() {
        return ("NO-SIGNATURE", "Không có chữ ký số");
    }
    let any = |i: Indication| signatures.iter().any(|s| s.indication == i);
    let worst = if any(Indication::TotalFailed) {
        Indication::TotalFailed
    } else if any(Indication::Indeterminate) {
        Indication::Indeterminate
    } else {
        Indication::TotalPassed
    };
    (indication_code(worst), worst.label())
}

fn indication_code(i: Indication) -> &'static str {
    match i {
        Indication::TotalPassed => "TOTAL-PASSED",
        Indication::TotalFailed => "TOTAL-FAILED",
        Indication::Indeterminate => "INDETERMINATE",
    }
}

/// A serde enum's name as written (`B-LT`).
fn as_written(value: &impl Serialize) -> Option<String> {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
}

/// The API's answer for `report` of a file named `file_name` with SHA-256 `sha256`.
pub fn verified_file(report: &DocumentReport, file_name: &str, sha256: &str) -> VerifiedFile {
    let (indication, label) = overall(&report.signatures);
    VerifiedFile {
        file_name: file_name.to_owned(),
        file_sha256: sha256.to_owned(),
        file_bytes: report.file_bytes,
        revisions: report.revisions.len(),
        indication: indication.to_owned(),
        indication_label: label.to_owned(),
        signatures: report.signatures.iter().map(verified_signature).collect(),
    }
}

fn verified_signature(s: &SignatureReport) -> VerifiedSignature {
    let signer = s.signer.as_ref();
    let timestamp = s.timestamp.as_ref().filter(|t| t.valid);
    VerifiedSignature {
        indication: indication_code(s.indication).to_owned(),
        indication_label: s.indication_label.to_owned(),
        reasons: s
            .reasons
            .iter()
            .map(|r| VerificationReason {
                code: r.code.to_owned(),
                message: r.message.clone(),
            })
            .collect(),
        warnings: s.warnings.clone(),
        level: s.level.as_ref().and_then(as_written),
        field_name: s.field_name.clone(),
        sub_filter: s.sub_filter.clone(),
        signer_name: signer.map(signer_name),
        signer_organization: signer.and_then(|c| c.organization.clone()),
        signer_subject: signer.map(|c| c.subject.clone()),
        certificate_issuer: signer.map(|c| c.issuer.clone()),
        certificate_serial: signer.map(|c| c.serial.clone()),
        certificate_valid_from: signer.map(|c| c.not_before.clone()),
        certificate_valid_to: signer.map(|c| c.not_after.clone()),
        claimed_signing_time: s.claimed_signing_time.clone(),
        timestamp_time: timestamp.and_then(|t| t.time.clone()),
        timestamp_authority: timestamp.and_then(|t| t.tsa.clone()),
        validation_time: s.validation_time.clone(),
        time_proven: s.time_proven,
        trust_anchor: s.chain.as_ref().and_then(|c| c.anchor.clone()),
        demo_anchor: s.chain.as_ref().is_some_and(|c| c.demo),
        covers_whole_file: s.coverage.as_ref().is_some_and(|c| c.whole_file),
        later_revisions: s.coverage.as_ref().map_or(0, |c| c.later_revisions),
        modified_after_signing: s.changes.as_ref().is_some_and(|c| c.modified()),
        digest_algorithm: s.digest_algorithm.as_ref().and_then(as_written),
        signature_algorithm: s.signature_algorithm.clone(),
        legacy_algorithms: s.legacy_algorithms,
        details: serde_json::to_value(s).unwrap_or_default(),
    }
}

fn signer_name(c: &tinhso_pades::CertificateInfo) -> String {
    c.common_name.clone().unwrap_or_else(|| c.subject.clone())
}

/// The short form the other modules show, one per signature.
pub fn summaries(report: &DocumentReport) -> Vec<SignatureCheck> {
    report.signatures.iter().map(summary).collect()
}

fn summary(s: &SignatureReport) -> SignatureCheck {
    let proven = s
        .timestamp
        .as_ref()
        .filter(|t| t.valid)
        .and_then(|t| t.time.clone());
    SignatureCheck {
        indication: indication_code(s.indication).to_owned(),
        label: s.indication_label.to_owned(),
        level: s.level.as_ref().and_then(as_written),
        signer: s
            .signer
            .as_ref()
            .map_or_else(|| "Không rõ người ký".to_owned(), signer_name),
        organization: s.signer.as_ref().and_then(|c| c.organization.clone()),
        time_proven: proven.is_some(),
        signed_at: proven.or_else(|| s.claimed_signing_time.clone()),
        reasons: s.reasons.iter().map(|r| r.message.clone()).collect(),
        warnings: s.warnings.clone(),
        demo: s.chain.as_ref().is_some_and(|c| c.demo),
        serial: s.signer.as_ref().map(|c| serial_of(&c.serial)),
        holder: None,
    }
}

/// The report's upper-case serial as the tables keep it: lower-case, without leading zero
/// octets (DER's sign octet).
pub fn serial_of(report_serial: &str) -> String {
    let lower = report_serial.to_ascii_lowercase();
    let mut rest = lower.as_str();
    while rest.len() > 2 && rest.starts_with("00") {
        rest = &rest[2..];
    }
    rest.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signature(indication: Indication) -> SignatureReport {
        let mut s = SignatureReport::new(Some("Sig1".into()), 7, None, None);
        s.set_indication(indication);
        s
    }

    fn report(signatures: Vec<SignatureReport>) -> DocumentReport {
        DocumentReport {
            file_bytes: 10,
            revisions: Vec::new(),
            signatures,
        }
    }

    #[test]
    fn a_file_is_as_good_as_its_worst_signature() {
        let file = |list| verified_file(&report(list), "a.pdf", "00");
        assert_eq!(file(vec![]).indication, "NO-SIGNATURE");
        let passed = file(vec![signature(Indication::TotalPassed)]);
        assert_eq!(
            (passed.indication.as_str(), passed.indication_label.as_str()),
            ("TOTAL-PASSED", "Hợp lệ")
        );
        let mixed = vec![
            signature(Indication::TotalPassed),
            signature(Indication::Indeterminate),
        ];
        assert_eq!(file(mixed).indication, "INDETERMINATE");
        let failed = vec![
            signature(Indication::Indeterminate),
            signature(Indication::TotalFailed),
            signature(Indication::TotalPassed),
        ];
        assert_eq!(file(failed).indication_label, "Không hợp lệ");
    }

    #[test]
    fn without_a_signer_certificate_the_summary_says_so() {
        let s = summary(&signature(Indication::TotalFailed));
        assert_eq!(s.signer, "Không rõ người ký");
        assert_eq!(s.indication, "TOTAL-FAILED");
        assert!(!s.time_proven);
    }
}
