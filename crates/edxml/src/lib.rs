//! edXML (QCVN 102:2016) for Tỉnh Số: the packages and status messages agencies exchange.
//!
//! Reading goes one way only, and each step refuses with a Vietnamese message:
//! 1. [`dom::parse`] reads the bytes within [`dom::Limits`] into a small tree, refusing DOCTYPE,
//!    entities, comments and PIs (no XXE, no billion laughs, no hidden text);
//! 2. [`schema::validate`] checks the tree against our XSD (`schema/*.xsd`), which it mirrors;
//! 3. [`dsig::verify`] checks our XMLDSig profile with the peer's configured key;
//! 4. [`Package`] / [`Status`] read their fields from that same tree (one parse: the tree that
//!    was digested is the tree that is read).
//!
//! Writing builds the tree from the typed values, signs it and writes its canonical form. This
//! is a leaf crate without I/O: the exchange transport lives in officialdocs.

pub mod c14n;
pub mod dom;
pub mod dsig;
mod package;
pub mod schema;

pub use p256::ecdsa::{SigningKey, VerifyingKey};
pub use package::{
    Attachment, Business, ManifestReference, Organ, OtherInfo, Package, ResponseFor, SignerInfo,
    StaffInfo, Status, StatusCode, TraceHeader,
};

/// The edXML namespace (prefix `edXML`).
pub const EDXML_NS: &str = "http://www.mic.gov.vn/TBT/QCVN_102_2016";
/// The XMLDSig namespace (prefix `ds`).
pub const DS_NS: &str = "http://www.w3.org/2000/09/xmldsig#";

/// Our XSD files, to serve and to hand to xmllint.
pub const XSD: &str = include_str!("../schema/edxml-tinhso-1.0.xsd");
pub const XMLDSIG_XSD: &str = include_str!("../schema/xmldsig-tinhso.xsd");

/// Why a document was refused. Each message is Vietnamese and names the element's path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EdxmlError {
    /// The bytes are not XML we read at all (limits, DOCTYPE, entities, encoding…).
    #[error("Tài liệu XML bị từ chối: {0}")]
    Xml(String),
    /// Well-formed, but not valid against our schema.
    #[error("{0}")]
    Invalid(String),
    /// The XML signature is missing, outside our profile, or does not verify.
    #[error("Chữ ký số XML không hợp lệ: {0}")]
    Signature(String),
}

/// The reader's limits for a package of at most `max_bytes`: attachment content is the only
/// text allowed past 64 KiB.
pub fn limits(max_bytes: usize) -> dom::Limits {
    dom::Limits {
        bulk_text: &[(EDXML_NS, "ContentTransferEncoded")],
        ..dom::Limits::new(max_bytes)
    }
}

/// Reads and validates a document against our schema, without checking its signature.
pub fn read_valid(bytes: &[u8], max_bytes: usize) -> Result<dom::Element, EdxmlError> {
    let root = dom::parse(bytes, &limits(max_bytes))?;
    schema::validate(&root)?;
    Ok(root)
}

/// A document as we write it: the XML declaration, then the canonical form of the tree.
pub fn write(root: &dom::Element) -> Vec<u8> {
    let mut bytes = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n".to_vec();
    c14n::canonicalize(root, &|_| false, &mut |chunk| {
        bytes.extend_from_slice(chunk)
    });
    bytes
}
