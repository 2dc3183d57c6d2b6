//! What verification tells: a typed report per signature, and the reasons a signature fails,
//! each with a stable code and a Vietnamese message for people.

use crate::chain::ChainReport;
use crate::changes::ChangesReport;
use crate::crypto::{CryptoError, DigestAlgorithm};
use crate::revocation::CertificateStatus;
use crate::timestamp::TimestampReport;
use serde::Serialize;

/// The whole file: its revisions and every signature found.
#[derive(Clone, Debug, Serialize)]
pub struct DocumentReport {
    pub file_bytes: u64,
    /// Oldest first; a signature's coverage counts in these.
    pub revisions: Vec<Revision>,
    pub signatures: Vec<SignatureReport>,
}

/// One revision: where it ends (one past its `%%EOF` line) and its cross-reference kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Revision {
    pub end: u64,
    pub xref_stream: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct SignatureReport {
    /// TOTAL-PASSED, TOTAL-FAILED or INDETERMINATE (ETSI EN 319 102-1).
    pub indication: Indication,
    /// "Hợp lệ", "Không hợp lệ" or "Chưa xác định".
    pub indication_label: &'static str,
    /// Why it is not TOTAL-PASSED.
    pub reasons: Vec<Reason>,
    /// PAdES baseline level, for `ETSI.CAdES.detached` signatures that verify.
    pub level: Option<Level>,
    /// The signature field's full name, when the dictionary hangs from a field.
    pub field_name: Option<String>,
    /// The signature dictionary's object number.
    pub object_number: u32,
    pub sub_filter: Option<String>,
    pub byte_range: Option<[u64; 4]>,
    pub coverage: Option<Coverage>,
    pub signer: Option<CertificateInfo>,
    /// The time the signer claims (`/M`, else the signing-time attribute): not proof.
    pub claimed_signing_time: Option<String>,
    pub digest_algorithm: Option<DigestAlgorithm>,
    pub signature_algorithm: Option<String>,
    pub integrity: Integrity,
    /// The signature timestamp (for a document timestamp: the token itself).
    pub timestamp: Option<TimestampReport>,
    /// The time the certificates were checked at (ISO 8601): the timestamp's, else now.
    pub validation_time: Option<String>,
    /// The validation time comes from a valid timestamp.
    pub time_proven: bool,
    pub chain: Option<ChainReport>,
    /// Each certificate of the path below the anchor, the signer's first.
    pub revocation: Vec<CertificateStatus>,
    pub changes: Option<ChangesReport>,
    /// SHA-1 or RSA below 2048 bits.
    pub legacy_algorithms: bool,
    /// Things to know that do not fail the signature (legacy algorithms, weak keys, revocation
    /// not checked, a demo anchor…).
    pub warnings: Vec<String>,
}

impl SignatureReport {
    pub fn new(
        field_name: Option<String>,
        object_number: u32,
        sub_filter: Option<String>,
        claimed_signing_time: Option<String>,
    ) -> SignatureReport {
        SignatureReport {
            indication: Indication::Indeterminate,
            indication_label: Indication::Indeterminate.label(),
            reasons: Vec::new(),
            level: None,
            field_name,
            object_number,
            sub_filter,
            byte_range: None,
            coverage: None,
            signer: None,
            claimed_signing_time,
            digest_algorithm: None,
            signature_algorithm: None,
            integrity: Integrity::Ok,
            timestamp: None,
            validation_time: None,
            time_proven: false,
            chain: None,
            revocation: Vec::new(),
            changes: None,
            legacy_algorithms: false,
            warnings: Vec::new(),
        }
    }

    /// Sets the indication and its label together.
    pub fn set_indication(&mut self, indication: Indication) {
        self.indication = indication;
        self.indication_label = indication.label();
    }
}

/// ETSI EN 319 102-1 main indications.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Indication {
    #[serde(rename = "TOTAL-PASSED")]
    TotalPassed,
    #[serde(rename = "TOTAL-FAILED")]
    TotalFailed,
    #[serde(rename = "INDETERMINATE")]
    Indeterminate,
}

impl Indication {
    pub fn label(self) -> &'static str {
        match self {
            Indication::TotalPassed => "Hợp lệ",
            Indication::TotalFailed => "Không hợp lệ",
            Indication::Indeterminate => "Chưa xác định",
        }
    }
}

/// PAdES baseline levels (ETSI EN 319 142-1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Level {
    #[serde(rename = "B-B")]
    BB,
    #[serde(rename = "B-T")]
    BT,
    #[serde(rename = "B-LT")]
    BLt,
    #[serde(rename = "B-LTA")]
    BLta,
}

/// A reason for people and its code for programs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub code: &'static str,
    pub message: String,
}

impl Reason {
    pub fn of(code: &'static str, message: &impl std::fmt::Display) -> Reason {
        Reason {
            code,
            message: message.to_string(),
        }
    }
}

/// Findings of the whole validation that are not one part's problem.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Finding {
    #[error("Văn bản đã bị sửa đổi sau khi ký")]
    ModifiedAfterSigning,
    #[error("Không kiểm tra được thay đổi sau khi ký")]
    ChangesUnchecked,
    #[error("Không kiểm tra được tình trạng thu hồi của chứng thư số")]
    RevocationUnknown,
    #[error("Chứng thư số \"{0}\" đã bị thu hồi lúc {1}, trước thời điểm ký")]
    RevokedBefore(String, String),
    #[error("Chứng thư số \"{0}\" đã bị thu hồi lúc {1}, sau thời điểm ký: chữ ký vẫn có giá trị")]
    RevokedAfter(String, String),
    #[error("Chứng thư gốc là chứng thư DEMO, không có giá trị pháp lý")]
    DemoAnchor,
}

impl Finding {
    pub fn code(&self) -> &'static str {
        match self {
            Finding::ModifiedAfterSigning => "modified_after_signing",
            Finding::ChangesUnchecked => "changes_unchecked",
            Finding::RevocationUnknown => "revocation_unknown",
            Finding::RevokedBefore(..) => "revoked",
            Finding::RevokedAfter(..) => "revoked_after_signing",
            Finding::DemoAnchor => "demo_anchor",
        }
    }

    pub fn reason(&self) -> Reason {
        Reason::of(self.code(), self)
    }
}

/// Which part of the file a signature covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// The revision the signature ends with (1 = the first).
    pub signed_revision: usize,
    /// Revisions appended after it (incremental updates); what they change is checked in a
    /// later step (docs/signatures-design.md §6.5).
    pub later_revisions: usize,
    /// The signed bytes reach the end of the file.
    pub whole_file: bool,
    /// Bytes covered by the two ranges.
    pub signed_bytes: u64,
}

/// The signer's certificate, as read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CertificateInfo {
    pub subject: String,
    pub issuer: String,
    /// Upper-case hexadecimal.
    pub serial: String,
    pub not_before: String,
    pub not_after: String,
    /// e.g. `RSA 2048`, `ECDSA P-256`.
    pub key: String,
    /// The subject's common name and organisation, when present.
    pub common_name: Option<String>,
    pub organization: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Integrity {
    /// The signed bytes are those the signer signed, with the key of the certificate named.
    Ok,
    Failed {
        reason: Problem,
    },
}

/// Why a signature's integrity fails.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("Từ điển chữ ký nằm trong object stream: không xác định được vùng dữ liệu đã ký")]
    InObjectStream,
    #[error("Chữ ký thiếu /Contents, hoặc /Contents không phải chuỗi hex")]
    ContentsMissing,
    #[error("/Contents của chữ ký chứa ký tự không phải hex")]
    ContentsNotHex,
    #[error("/Contents có dữ liệu thừa sau chữ ký (chỉ được đệm bằng 00)")]
    ContentsTrailingData,
    #[error("Chữ ký thiếu /ByteRange, hoặc /ByteRange không phải bốn số nguyên không âm")]
    ByteRangeMissing,
    #[error("Khoảng ký (ByteRange) không bắt đầu từ đầu tệp")]
    ByteRangeNotAtStart,
    #[error("Khoảng ký (ByteRange) chồng lấn hoặc sai thứ tự")]
    ByteRangeOverlap,
    #[error("Khoảng ký (ByteRange) vượt quá độ dài tệp")]
    ByteRangeBeyondFile,
    #[error("Khoảng ký (ByteRange) bỏ sót dữ liệu")]
    ByteRangeGap,
    #[error("Khoảng ký (ByteRange) không khớp vị trí /Contents của chữ ký")]
    ByteRangeNotContents,
    #[error("Khoảng ký (ByteRange) không kết thúc ở cuối một phiên bản của tệp")]
    ByteRangeNotRevisionEnd,
    #[error("Không đọc được dữ liệu chữ ký (CMS): {0}")]
    CmsUnreadable(&'static str),
    #[error("Cấu trúc chữ ký (CMS) không được hỗ trợ: {0}")]
    CmsUnsupported(&'static str),
    #[error("Chữ ký thiếu thuộc tính bắt buộc: {0}")]
    MissingAttribute(&'static str),
    #[error("Tài liệu đã bị sửa sau khi ký: giá trị băm không khớp")]
    DigestMismatch,
    #[error("Không tìm thấy chứng thư số của người ký trong chữ ký")]
    SignerCertificateMissing,
    #[error(
        "Chứng thư số trong chữ ký không khớp thuộc tính signing-certificate (có thể đã bị thay thế)"
    )]
    SigningCertificateMismatch,
    #[error("Chữ ký không hợp lệ: {0}")]
    Crypto(#[from] CryptoError),
}

impl Problem {
    /// A stable identifier for programs (the API, tests).
    pub fn code(&self) -> &'static str {
        match self {
            Problem::InObjectStream => "in_object_stream",
            Problem::ContentsMissing => "contents_missing",
            Problem::ContentsNotHex => "contents_not_hex",
            Problem::ContentsTrailingData => "contents_trailing_data",
            Problem::ByteRangeMissing => "byte_range_missing",
            Problem::ByteRangeNotAtStart => "byte_range_not_at_start",
            Problem::ByteRangeOverlap => "byte_range_overlap",
            Problem::ByteRangeBeyondFile => "byte_range_beyond_file",
            Problem::ByteRangeGap => "byte_range_gap",
            Problem::ByteRangeNotContents => "byte_range_not_contents",
            Problem::ByteRangeNotRevisionEnd => "byte_range_not_revision_end",
            Problem::CmsUnreadable(_) => "cms_unreadable",
            Problem::CmsUnsupported(_) => "cms_unsupported",
            Problem::MissingAttribute(_) => "missing_attribute",
            Problem::DigestMismatch => "digest_mismatch",
            Problem::SignerCertificateMissing => "signer_certificate_missing",
            Problem::SigningCertificateMismatch => "signing_certificate_mismatch",
            Problem::Crypto(CryptoError::BadSignature) => "bad_signature",
            Problem::Crypto(_) => "unsupported_algorithm",
        }
    }
}

/// `{"code": "...", "message": "..."}` for a problem type with `code()` and `Display`.
macro_rules! serialize_as_problem {
    ($type:ty) => {
        impl serde::Serialize for $type {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeStruct;
                let mut s = serializer.serialize_struct("Problem", 2)?;
                s.serialize_field("code", self.code())?;
                s.serialize_field("message", &self.to_string())?;
                s.end()
            }
        }
    };
}
pub(crate) use serialize_as_problem;

serialize_as_problem!(Problem);
