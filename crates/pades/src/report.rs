//! What verification tells: a typed report per signature, and the reasons a signature fails,
//! each with a stable code and a Vietnamese message for people.

use crate::crypto::{CryptoError, DigestAlgorithm};
use serde::{Serialize, Serializer};

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
    /// Things to know that do not fail integrity (legacy algorithms, weak keys…).
    pub warnings: Vec<String>,
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

/// The signer's certificate, as read (its chain is checked in a later step).
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

/// `{"code": "...", "message": "..."}`.
impl Serialize for Problem {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Problem", 2)?;
        s.serialize_field("code", self.code())?;
        s.serialize_field("message", &self.to_string())?;
        s.end()
    }
}
