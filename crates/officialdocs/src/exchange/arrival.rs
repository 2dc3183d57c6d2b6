//! The signatures of a received package's PDF files, checked on arrival with the platform's
//! one checker (the one the version's signatures page uses, `Ctx::check_signatures`) before
//! anything is registered (docs/signatures-design.md §7, "Signatures on arrival").
//!
//! What refuses the package (422 to the peer, nothing registered): a signature that fails
//! (`TOTAL-FAILED`): bytes changed after signing, a byte range that skips bytes or wraps other
//! content, a signature that does not verify, a certificate revoked before signing or not valid
//! at signing time, changes after signing that are not allowed. What registers the document
//! with a visible warning: a signature whose validity cannot be established
//! (`INDETERMINATE`: an unknown root, revocation that cannot be checked because the OCSP
//! responder and CRL are out of reach, changes that cannot be checked), a PDF without a
//! signature, a file the checker cannot read, or a platform without a checker. A failure of the
//! checker itself (the database) is a 500: the peer tries again later.

use serde::{Deserialize, Serialize};
use tinhso_kernel::Ctx;
use tinhso_kernel::error::AppError;
use tinhso_kernel::signing::{Holder, SignatureCheck};

/// One signature of a received file, as checked on arrival.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ArrivalSignature {
    /// `TOTAL-PASSED` or `INDETERMINATE` (a failed one refuses the package).
    pub indication: String,
    /// "Hợp lệ" or "Chưa xác định".
    pub indication_label: String,
    /// `B-B`, `B-T`, `B-LT`, `B-LTA`.
    pub level: Option<String>,
    /// The signer (the certificate's common name).
    pub signer: String,
    pub organization: Option<String>,
    /// The agency's signature (its seal), not a person's: a certificate whose name is its
    /// organisation's, as agency certificates are, or one this platform issued to an agency.
    pub agency: bool,
    /// When: the timestamp's time when `TimeProven`, else the time the signer claims.
    pub signed_at: Option<String>,
    pub time_proven: bool,
    /// The signed bytes are intact (integrity): always true for a registered document.
    pub integrity: bool,
    /// The chain ends at a configured trust anchor and the certificate was good at signing time.
    pub trusted: bool,
    /// The chain ends at a demo root: no legal value.
    pub demo: bool,
    /// Why it is not valid, in Vietnamese.
    pub reasons: Vec<String>,
    /// What to know, in Vietnamese (revocation not checked, a demo root…).
    pub warnings: Vec<String>,
}

/// One received file's check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ArrivalFile {
    pub file_name: String,
    /// `TOTAL-PASSED`, `INDETERMINATE`, `NO-SIGNATURE`, or `UNCHECKED` (the file could not be
    /// read, or the platform checks no signatures).
    pub indication: String,
    /// The same in Vietnamese.
    pub indication_label: String,
    /// Why the file was not checked, or what the receiving clerk should know, in Vietnamese.
    pub note: Option<String>,
    pub signatures: Vec<ArrivalSignature>,
    /// When it was checked (RFC 3339, UTC).
    pub checked_at: String,
}

/// What checking a package's files decides.
#[derive(Debug)]
pub enum Verdict {
    /// Register it, with these results (one per PDF file, by the attachment's index).
    Register(Vec<(usize, ArrivalFile)>),
    /// Refuse it: why, in Vietnamese.
    Refuse(String),
}

/// Whether an attachment is a PDF to check: named or typed so, or starting as one (a PDF
/// sent as `application/octet-stream` is checked all the same).
pub fn is_pdf(name: &str, content_type: &str, content: &[u8]) -> bool {
    content_type.eq_ignore_ascii_case("application/pdf")
        || name.to_ascii_lowercase().ends_with(".pdf")
        || content
            .get(..content.len().min(1024))
            .is_some_and(|head| head.windows(5).any(|w| w == b"%PDF-"))
}

fn label(indication: &str) -> &'static str {
    match indication {
        "TOTAL-PASSED" => "Hợp lệ",
        "TOTAL-FAILED" => "Không hợp lệ",
        "INDETERMINATE" => "Chưa xác định",
        "NO-SIGNATURE" => "Không có chữ ký số",
        _ => "Chưa kiểm tra được",
    }
}

/// A signature as kept: whose, and what was found.
pub fn signature(c: &SignatureCheck) -> ArrivalSignature {
    let agency = matches!(c.holder, Some(Holder::Agency(_)))
        || c.organization.as_deref() == Some(c.signer.as_str());
    ArrivalSignature {
        indication: c.indication.clone(),
        indication_label: c.label.clone(),
        level: c.level.clone(),
        signer: c.signer.clone(),
        organization: c.organization.clone(),
        agency,
        signed_at: c.signed_at.clone(),
        time_proven: c.time_proven,
        // A failed signature refuses the package; what is kept passed or is indeterminate,
        // whose signed bytes verified (an integrity problem always fails).
        integrity: c.indication != "TOTAL-FAILED",
        trusted: c.indication == "TOTAL-PASSED",
        demo: c.demo,
        reasons: c.reasons.clone(),
        warnings: c.warnings.clone(),
    }
}

/// The file's result from its signatures' (worst first: failed, indeterminate, passed).
pub fn file_result(file_name: &str, checks: &[SignatureCheck], checked_at: &str) -> ArrivalFile {
    let any = |i: &str| checks.iter().any(|c| c.indication == i);
    let indication = if checks.is_empty() {
        "NO-SIGNATURE"
    } else if any("TOTAL-FAILED") {
        "TOTAL-FAILED"
    } else if any("INDETERMINATE") {
        "INDETERMINATE"
    } else {
        "TOTAL-PASSED"
    };
    let note = match indication {
        "NO-SIGNATURE" => Some("Tệp PDF nhận được không có chữ ký số.".to_owned()),
        "INDETERMINATE" => Some(
            "Chưa xác định được giá trị của chữ ký số (xem cảnh báo): văn bản vẫn được vào sổ, \
             văn thư cần kiểm tra lại."
                .to_owned(),
        ),
        _ => None,
    };
    ArrivalFile {
        file_name: file_name.to_owned(),
        indication: indication.to_owned(),
        indication_label: label(indication).to_owned(),
        note,
        signatures: checks.iter().map(signature).collect(),
        checked_at: checked_at.to_owned(),
    }
}

/// A file that could not be checked: kept with why.
fn unchecked(file_name: &str, why: String, checked_at: &str) -> ArrivalFile {
    ArrivalFile {
        file_name: file_name.to_owned(),
        indication: "UNCHECKED".to_owned(),
        indication_label: label("UNCHECKED").to_owned(),
        note: Some(why),
        signatures: Vec::new(),
        checked_at: checked_at.to_owned(),
    }
}

/// Why a failed file refuses the package, in Vietnamese: its failed signatures' reasons.
pub fn refusal(file_name: &str, checks: &[SignatureCheck]) -> String {
    let reasons: Vec<String> = checks
        .iter()
        .enumerate()
        .filter(|(_, c)| c.indication == "TOTAL-FAILED")
        .map(|(i, c)| {
            let why = if c.reasons.is_empty() {
                "không hợp lệ".to_owned()
            } else {
                c.reasons.join("; ")
            };
            format!("chữ ký thứ {} ({}): {why}", i + 1, c.signer)
        })
        .collect();
    format!(
        "Chữ ký số trên tệp “{file_name}” không hợp lệ ({}). Gói văn bản bị từ chối, không vào sổ văn bản đến.",
        reasons.join("; ")
    )
}

/// Checks each PDF among `files` (name, media type, bytes) with the platform's checker.
pub async fn check(state: &Ctx, files: &[(&str, &str, &[u8])]) -> Result<Verdict, AppError> {
    let now = tinhso_kernel::time::now_text();
    let mut kept = Vec::new();
    for (n, (name, content_type, content)) in files.iter().enumerate() {
        if !is_pdf(name, content_type, content) {
            continue;
        }
        let result = match state
            .check_signatures(bytes::Bytes::copy_from_slice(content))
            .await
        {
            None => unchecked(
                name,
                "Nền tảng này không kiểm tra chữ ký số.".to_owned(),
                &now,
            ),
            Some(Ok(checks)) => {
                if checks.iter().any(|c| c.indication == "TOTAL-FAILED") {
                    return Ok(Verdict::Refuse(refusal(name, &checks)));
                }
                file_result(name, &checks, &now)
            }
            // The checker could not read the file (not a PDF, damaged, too large): registered,
            // said so. Its own failures (the database) are the peer's to retry.
            Some(Err(AppError::Validation(errors))) => unchecked(
                name,
                format!(
                    "Không kiểm tra được chữ ký số: {}",
                    errors
                        .iter()
                        .map(|e| e.message.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                &now,
            ),
            Some(Err(AppError::PayloadTooLarge)) => unchecked(
                name,
                "Không kiểm tra được chữ ký số: tệp quá lớn để kiểm tra.".to_owned(),
                &now,
            ),
            Some(Err(e)) => return Err(e),
        };
        kept.push((n, result));
    }
    Ok(Verdict::Register(kept))
}

/// Keeps `file`'s result for the stored version `version_id` of incoming document
/// `document_id`.
pub async fn insert(
    tx: &mut tinhso_kernel::db::Conn,
    document_id: &str,
    version_id: &str,
    file: &ArrivalFile,
) -> Result<(), AppError> {
    let result = serde_json::to_string(file).map_err(|e| AppError::Internal(e.into()))?;
    crate::store::arrival::insert(
        tx,
        document_id,
        version_id,
        &file.indication,
        &result,
        &file.checked_at,
    )
    .await
}

/// The arrival checks of document `document_id`'s files, in version order.
pub async fn of_document(
    db: &tinhso_kernel::db::Db,
    document_id: &str,
) -> Result<Vec<ArrivalFile>, AppError> {
    crate::store::arrival::results(db, document_id)
        .await?
        .into_iter()
        .map(|r| serde_json::from_str(&r).map_err(|e| AppError::Internal(e.into())))
        .collect()
}

/// [`of_document`], then the checks of its appendices (received in the same package), in
/// their order.
pub async fn of_document_and_appendices(
    db: &tinhso_kernel::db::Db,
    document_id: &str,
) -> Result<Vec<ArrivalFile>, AppError> {
    let mut files = of_document(db, document_id).await?;
    for a in crate::store::appendices::list(db, document_id).await? {
        if let Some(result) = &a.arrival_result {
            files.push(serde_json::from_str(result).map_err(|e| AppError::Internal(e.into()))?);
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(indication: &str, signer: &str, organization: Option<&str>) -> SignatureCheck {
        SignatureCheck {
            indication: indication.into(),
            label: label(indication).into(),
            level: Some("B-LT".into()),
            signer: signer.into(),
            organization: organization.map(str::to_owned),
            signed_at: None,
            time_proven: false,
            reasons: vec!["Tài liệu đã bị sửa sau khi ký: giá trị băm không khớp".into()],
            warnings: Vec::new(),
            demo: false,
            serial: None,
            holder: None,
        }
    }

    #[test]
    fn a_file_is_as_good_as_its_worst_signature() {
        let passed = check("TOTAL-PASSED", "Mai Thị Thu", Some("UBND"));
        let unknown = check("INDETERMINATE", "UBND", Some("UBND"));
        let r = file_result("a.pdf", &[passed.clone(), unknown], "t");
        assert_eq!(r.indication, "INDETERMINATE");
        assert!(r.note.is_some());
        assert!(!r.signatures[0].agency);
        assert!(r.signatures[1].agency, "CN = O: the agency's");
        assert!(r.signatures[1].integrity && !r.signatures[1].trusted);
        assert_eq!(
            file_result("a.pdf", &[passed], "t").indication,
            "TOTAL-PASSED"
        );
        assert_eq!(
            file_result("a.pdf", &[], "t").indication_label,
            "Không có chữ ký số"
        );
    }

    #[test]
    fn a_refusal_names_the_file_and_the_failed_signature_s_reason() {
        let text = refusal(
            "qd.pdf",
            &[
                check("TOTAL-PASSED", "A", None),
                check("TOTAL-FAILED", "Mai Thị Thu", None),
            ],
        );
        assert!(text.contains("qd.pdf"), "{text}");
        assert!(text.contains("chữ ký thứ 2 (Mai Thị Thu)"), "{text}");
        assert!(text.contains("giá trị băm không khớp"), "{text}");
        assert!(!text.contains("chữ ký thứ 1"), "{text}");
    }

    #[test]
    fn pdfs_are_found_by_type_name_or_content() {
        assert!(is_pdf("a.bin", "application/PDF", b""));
        assert!(is_pdf("A.PDF", "application/octet-stream", b""));
        assert!(is_pdf("a.bin", "application/octet-stream", b"%PDF-1.7\n"));
        assert!(!is_pdf("a.docx", "application/zip", b"PK\x03\x04"));
    }
}
