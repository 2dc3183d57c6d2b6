//! The operator's demo certificate authority (docs/signatures-design.md §5): pure, sync, no
//! network and no database. The platform generates it once, seals the keys we export
//! (PKCS#8 DER), stores the certificates, and serves what these functions return:
//!
//! - [`keys`]: key pairs (P-256 for the authorities and clerks, RSA-2048 for leaders) and an
//!   [`Authority`], a certificate with the P-256 key that signs in its name.
//! - [`certs`]: the certificates, built by x509-cert's `CertificateBuilder` with our own
//!   [`certs::Profile`]: root, issuing CA (pathLen 0), people, agencies, the OCSP responder
//!   and the TSA; [`certs::DemoPki`] makes the four authorities at once.
//! - [`crl`]: a CRL signed by a CA.
//! - [`ocsp`]: an OCSP responder for the issuing CA's certificates.
//! - [`tsa`]: an RFC 3161 timestamp authority.
//!
//! The responders take hostile bytes: a request that does not read is answered with the
//! protocol's own error (`malformedRequest`, `rejection`), never a panic.

pub mod certs;
pub mod crl;
pub mod keys;
pub mod ocsp;
pub mod tsa;

pub use certs::{DemoPki, Profile, Role, Settings, Subject};
pub use keys::{Authority, KeyAlgorithm, KeyPair};

use der::DateTime;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use x509_cert::serial_number::SerialNumber;

/// Why a CA operation failed (these are the operator's errors, not hostile input).
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    #[error("không tạo được khóa: {0}")]
    KeyGeneration(String),
    #[error("khóa (PKCS#8) không đọc được hoặc không được hỗ trợ")]
    BadKey,
    #[error("khóa không khớp với chứng thư số")]
    KeyMismatch,
    #[error("khóa của tổ chức chứng thực phải là ECDSA P-256")]
    NotP256,
    #[error("tên không hợp lệ trong chứng thư số: {0}")]
    BadName(String),
    #[error("lỗi mã hóa ASN.1: {0}")]
    Encoding(String),
    #[error("không lấy được số ngẫu nhiên từ hệ điều hành")]
    Random,
}

impl From<der::Error> for CaError {
    fn from(error: der::Error) -> CaError {
        CaError::Encoding(error.to_string())
    }
}

impl From<x509_cert::builder::Error> for CaError {
    fn from(error: x509_cert::builder::Error) -> CaError {
        CaError::Encoding(error.to_string())
    }
}

/// `len` bytes from the operating system's generator.
pub(crate) fn random_bytes(len: usize) -> Result<Vec<u8>, CaError> {
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).map_err(|_| CaError::Random)?;
    Ok(bytes)
}

/// 128 random bits as a positive integer's magnitude, its first octet never zero so the
/// number keeps its full length (certificate and timestamp serials).
pub(crate) fn random_128() -> Result<[u8; 16], CaError> {
    loop {
        let bytes: [u8; 16] = random_bytes(16)?.try_into().map_err(|_| CaError::Random)?;
        if bytes[0] != 0 {
            return Ok(bytes);
        }
    }
}

/// A random 128-bit positive certificate serial number.
pub fn random_serial() -> Result<SerialNumber, CaError> {
    Ok(SerialNumber::new(&random_128()?)?)
}

/// `at` as a whole-second UTC date and time (the fraction dropped).
pub(crate) fn whole_seconds(at: SystemTime) -> Result<DateTime, CaError> {
    let since_epoch = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    Ok(DateTime::from_unix_duration(Duration::from_secs(
        since_epoch.as_secs(),
    ))?)
}

/// `at` as an X.509 time: UTCTime until 2049, GeneralizedTime after (RFC 5280 §4.1.2.5).
pub(crate) fn x509_time(at: SystemTime) -> Result<x509_cert::time::Time, CaError> {
    Ok(whole_seconds(at)?.into())
}

/// `at` as a whole-second GeneralizedTime (OCSP and TSTInfo times).
pub(crate) fn gen_time(at: SystemTime) -> Result<crate::asn1::GenTime, CaError> {
    Ok(crate::asn1::GenTime {
        date_time: whole_seconds(at)?,
        nanos: 0,
    })
}
