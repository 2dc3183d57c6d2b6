//! PAdES signing (docs/signatures-design.md §3, ETSI EN 319 142-1): B-B, and B-T with a
//! signature timestamp. Pure and synchronous: no network (a [`TimestampSource`] carries the
//! RFC 3161 exchange), no database.
//!
//! The work is split so that every kind of key goes the same way (software keys now, PKCS#11
//! and remote signers later, which may take minutes to answer):
//!
//! 1. [`prepare`] appends the signature revision to the PDF ([`update`]): the bytes to sign
//!    are final, the `/Contents` placeholder waits ([`PreparedPdf`]).
//! 2. [`SignedAttributes::new`] over the prepared file's digest; a [`Signer`] signs them.
//! 3. [`complete`]: the signature checked against the certificate, the timestamp fetched and
//!    checked (B-T), the CMS assembled ([`signed_data`]) and embedded.
//!
//! [`sign_pdf`] does the three at once, preparing again with more room when the CMS does not
//! fit (a TSA's token is larger than foreseen), which signs twice.

pub mod appearance;
pub mod dss;
pub mod image;
mod serialize;
pub mod signed_data;
pub mod tsp;
pub mod update;

pub use dss::{ValidationData, add_dss, vri_key};
pub use image::{ImageError, ImageKind, StampImage};
pub use signed_data::{
    Credential, SignatureAlgorithm, SignedAttributes, Signer, SoftwareSigner, ToBeSigned,
};
pub use tsp::{LocalTsa, TimestampSource};
pub use update::{
    PlacedStamp, PreparedPdf, Signable, check_signable, last_page_stamps, page_boxes, prepare,
};

use crate::pdf::PdfError;
use std::time::SystemTime;

/// Why a PDF could not be signed (Vietnamese, shown to people; English in the platform's
/// `messages.en.toml`).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SignError {
    #[error("Không đọc được tệp PDF để ký: {0}")]
    Unreadable(PdfError),
    #[error("Tệp quá lớn để ký (tối đa {0} byte)")]
    TooLarge(usize),
    #[error("Tệp PDF đã được mã hóa: không ký được tệp mã hóa")]
    Encrypted,
    #[error(
        "Văn bản đã được chứng thực và không cho phép thay đổi nào (DocMDP P=1): không thể ký thêm"
    )]
    DocMdpForbids,
    #[error("Cấu trúc PDF không được hỗ trợ để ký: {0}")]
    Unsupported(&'static str),
    #[error("Văn bản không có trang {0} để đặt chữ ký")]
    PageNotFound(usize),
    #[error("Tên trường chữ ký không hợp lệ: {0}")]
    FieldName(String),
    #[error("Văn bản đã có trường tên {0}")]
    FieldExists(String),
    #[error("Khung hình chữ ký không hợp lệ")]
    Stamp,
    #[error("Chứng thư số của người ký không đọc được: {0}")]
    Certificate(String),
    #[error("Thuật toán ký không phù hợp với khóa của chứng thư số")]
    AlgorithmMismatch,
    #[error("Khóa RSA phải dài ít nhất 2048 bit")]
    WeakKey,
    #[error("Không ký được bằng khóa: {0}")]
    Signer(String),
    #[error("Chữ ký tạo ra không khớp với khóa công khai của chứng thư số")]
    SignatureInvalid,
    #[error("Không lấy được dấu thời gian: {0}")]
    Timestamp(String),
    #[error("Đơn vị cấp dấu thời gian từ chối yêu cầu: {0}")]
    TimestampRejected(String),
    #[error("Dấu thời gian nhận được không hợp lệ: {0}")]
    TimestampInvalid(String),
    #[error("Chỗ dành cho chữ ký quá nhỏ (cần {needed} byte, có {capacity} byte)")]
    ContentsTooSmall { needed: usize, capacity: usize },
    #[error("lỗi mã hóa ASN.1: {0}")]
    Encoding(String),
}

impl SignError {
    /// A stable code for logs and the API.
    pub fn code(&self) -> &'static str {
        match self {
            SignError::Unreadable(_) => "pdf_unreadable",
            SignError::TooLarge(_) => "pdf_too_large",
            SignError::Encrypted => "pdf_encrypted",
            SignError::DocMdpForbids => "docmdp_forbids_signing",
            SignError::Unsupported(_) => "pdf_unsupported",
            SignError::PageNotFound(_) => "page_not_found",
            SignError::FieldName(_) => "field_name_invalid",
            SignError::FieldExists(_) => "field_exists",
            SignError::Stamp => "stamp_invalid",
            SignError::Certificate(_) => "certificate_unreadable",
            SignError::AlgorithmMismatch => "algorithm_mismatch",
            SignError::WeakKey => "weak_key",
            SignError::Signer(_) => "signer_failed",
            SignError::SignatureInvalid => "signature_invalid",
            SignError::Timestamp(_) => "timestamp_unavailable",
            SignError::TimestampRejected(_) => "timestamp_rejected",
            SignError::TimestampInvalid(_) => "timestamp_invalid",
            SignError::ContentsTooSmall { .. } => "contents_too_small",
            SignError::Encoding(_) => "encoding",
        }
    }
}

impl From<der::Error> for SignError {
    fn from(error: der::Error) -> SignError {
        SignError::Encoding(error.to_string())
    }
}

/// A visible signature: a box on the page (PDF user space, points: `[x1 y1 x2 y2]`) with a
/// few lines of text and, optionally, an image (the signer's signature image or the agency's
/// seal image, Decree 30/2020 Appendix I) on one side.
#[derive(Clone, Debug, PartialEq)]
pub struct Stamp {
    pub rect: [f64; 4],
    pub lines: Vec<String>,
    pub style: StampStyle,
    pub image: Option<(ImageSide, std::sync::Arc<StampImage>)>,
}

impl Stamp {
    /// A stamp of text alone.
    pub fn text(rect: [f64; 4], lines: Vec<String>, style: StampStyle) -> Stamp {
        Stamp {
            rect,
            lines,
            style,
            image: None,
        }
    }
}

/// Where a stamp's image sits ([`appearance::image_rect`] gives its box on the page).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageSide {
    /// On the left, within the frame, the text to its right: the signer's signature image
    /// (Appendix I puts it between the title and the name; the stamp's lines give both).
    Left,
    /// A square of the box's height at its right end, the text to its left: the agency's
    /// seal, whose box is placed so that this square ends a third of the way into the
    /// signer's image (the seal over the left third of the signature).
    Right,
}

impl ImageSide {
    pub const ALL: [ImageSide; 2] = [ImageSide::Left, ImageSide::Right];

    /// The image's name in the appearance's resources: how a later signature finds where an
    /// earlier one's image is ([`last_page_stamps`]).
    pub fn resource_name(self) -> &'static [u8] {
        match self {
            ImageSide::Left => b"ImL",
            ImageSide::Right => b"ImR",
        }
    }
}

/// How a stamp's text looks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StampStyle {
    /// A dark blue frame around dark blue lines in DejaVu Sans, left-aligned, at most 10 pt:
    /// the signer's and the agency's stamps.
    #[default]
    Framed,
    /// Text only, as Decree 30/2020 Appendix I asks of the agency's signature on an attached
    /// document (phụ lục) in a separate file: no frame and no image, a Times-style serif
    /// (DejaVu Serif: Times New Roman is not free, and DejaVu covers every Vietnamese letter),
    /// upright, 10 pt (smaller only when a line would not fit), black, each line aligned on
    /// the box's right edge (the stamp sits in the first page's top right corner).
    Text,
}

/// How the signature shows on the page.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Appearance {
    /// A widget with an empty rectangle: shown in the signature panel only.
    #[default]
    Invisible,
    Stamp(Stamp),
}

/// What the signature dictionary and its field say.
#[derive(Clone, Debug, PartialEq)]
pub struct SignatureFields {
    /// The field's name; `Signature<n>` (the first free `n`) when absent.
    pub field_name: Option<String>,
    /// `/M`: the time the signer claims (not proof: a timestamp is).
    pub signing_time: SystemTime,
    /// `/Name`, `/Reason`, `/Location`, `/ContactInfo`.
    pub signer_name: Option<String>,
    pub reason: Option<String>,
    pub location: Option<String>,
    pub contact_info: Option<String>,
    /// The page the widget hangs from, 0-based.
    pub page: usize,
    pub appearance: Appearance,
}

impl SignatureFields {
    /// An invisible signature on the first page at `signing_time`.
    pub fn new(signing_time: SystemTime) -> SignatureFields {
        SignatureFields {
            field_name: None,
            signing_time,
            signer_name: None,
            reason: None,
            location: None,
            contact_info: None,
            page: 0,
            appearance: Appearance::Invisible,
        }
    }
}

/// Room for a timestamp token in the first estimate (ours is about 1.5 KB with the TSA's
/// certificate; a national TSA's may carry its chain).
const TIMESTAMP_ALLOWANCE: usize = 8 * 1024;

/// The `/Contents` capacity for `credential`: its certificates, twice the largest signature,
/// the attributes, a timestamp when one is asked for, and a margin.
pub fn estimate_capacity(credential: &Credential, timestamped: bool) -> usize {
    let certificates: usize = std::iter::once(&credential.certificate)
        .chain(&credential.chain)
        .map(Vec::len)
        .sum();
    certificates
        + 2 * credential.max_signature_len()
        + 4096
        + if timestamped { TIMESTAMP_ALLOWANCE } else { 0 }
}

/// Step 3: checks `signature` (over `attributes`), gets the timestamp from `timestamps` when
/// given, builds the CMS and embeds it.
pub fn complete(
    prepared: PreparedPdf,
    credential: &Credential,
    attributes: &SignedAttributes,
    algorithm: SignatureAlgorithm,
    signature: &[u8],
    timestamps: Option<&dyn TimestampSource>,
) -> Result<Vec<u8>, SignError> {
    signed_data::check_signature(credential, attributes, algorithm, signature)?;
    let token = match timestamps {
        Some(source) => Some(tsp::timestamp(source, signature)?),
        None => None,
    };
    let cms = signed_data::assemble(
        credential,
        attributes,
        algorithm,
        signature,
        token.as_deref(),
    )?;
    prepared.embed(&cms)
}

/// Signs `pdf` in one go: B-B, or B-T when `timestamps` is given.
pub fn sign_pdf(
    pdf: &[u8],
    fields: &SignatureFields,
    credential: &Credential,
    signer: &dyn Signer,
    timestamps: Option<&dyn TimestampSource>,
) -> Result<Vec<u8>, SignError> {
    credential.check_algorithm(signer.algorithm())?;
    let mut capacity = estimate_capacity(credential, timestamps.is_some());
    for attempt in 0..2 {
        let prepared = prepare(pdf, fields, capacity)?;
        let attributes = SignedAttributes::new(credential, &prepared.digest())?;
        let digest = attributes.digest();
        let signature = signer.sign(&ToBeSigned {
            message: attributes.der(),
            digest: &digest,
        })?;
        match complete(
            prepared,
            credential,
            &attributes,
            signer.algorithm(),
            &signature,
            timestamps,
        ) {
            Err(SignError::ContentsTooSmall { needed, .. }) if attempt == 0 => {
                capacity = needed + 2048;
            }
            other => return other,
        }
    }
    Err(SignError::ContentsTooSmall {
        needed: capacity,
        capacity,
    })
}
