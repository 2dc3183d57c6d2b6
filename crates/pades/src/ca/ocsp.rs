//! The OCSP responder (RFC 6960, with the RFC 5019 habits: one responder certificate,
//! responder ID by key hash, nextUpdate one hour after thisUpdate). It answers for the
//! certificates of one issuer; the caller's lookup says what the platform knows of a serial.
//! CertIDs may hash with SHA-1 (what most clients send) or SHA-256; a CertID naming another
//! issuer, or hashed otherwise, is answered `unknown`. A request that does not read, is too
//! long, or asks about nothing is answered `malformedRequest`, never with a panic.

use super::{Authority, CaError, gen_time};
use crate::asn1::{
    BasicOcspResponse, CertId, CertStatus, OcspRequest, OcspResponse, OcspResponseStatus,
    ResponderId, ResponseBytes, ResponseData, RevokedInfo, SingleResponse, oid,
};
use crate::crypto::DigestAlgorithm;
use der::asn1::{BitString, Null, OctetString};
use der::{Decode, Encode};
use std::time::{Duration, SystemTime};
use x509_cert::Certificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::CrlReason;
use x509_cert::serial_number::SerialNumber;

/// Requests larger than this are refused (a real one is about 100 bytes).
pub const MAX_REQUEST_BYTES: usize = 16 * 1024;
/// CertIDs answered in one response.
pub const MAX_CERTIFICATES: usize = 20;
/// How long an answer may be cached (`nextUpdate - thisUpdate`).
pub const VALIDITY: Duration = Duration::from_secs(3600);
/// A nonce longer than this is not echoed (RFC 8954 §2.1 allows 1 to 32 octets).
const MAX_NONCE_BYTES: usize = 128;

/// What the platform knows of a serial number of the issuer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SerialStatus {
    Good,
    Revoked {
        at: SystemTime,
        reason: Option<CrlReason>,
    },
    /// Never issued by this CA, as far as the platform knows.
    Unknown,
}

/// The responder's key and certificate, and the CA it answers for.
#[derive(Clone, Copy, Debug)]
pub struct Responder<'a> {
    /// Signs the responses; its certificate goes into `certs`.
    pub responder: &'a Authority,
    /// The CA whose certificates it answers about.
    pub issuer: &'a Certificate,
}

/// The DER `OCSPResponse` to `request` (DER `OCSPRequest`) at `now`.
pub fn respond(
    request: &[u8],
    responder: Responder<'_>,
    lookup: impl FnMut(&SerialNumber) -> SerialStatus,
    now: SystemTime,
) -> Vec<u8> {
    let Some(parsed) = read_request(request) else {
        return status_only(OcspResponseStatus::MalformedRequest);
    };
    match signed_response(&parsed, responder, lookup, now) {
        Ok(der) => der,
        Err(_) => status_only(OcspResponseStatus::InternalError),
    }
}

/// An `OCSPResponse` with no body: `malformedRequest`, `internalError`, `tryLater`…
pub fn status_only(status: OcspResponseStatus) -> Vec<u8> {
    let response = OcspResponse {
        response_status: status,
        response_bytes: None,
    };
    // Encoding an enumerated value cannot fail.
    response.to_der().unwrap_or_default()
}

fn read_request(der: &[u8]) -> Option<OcspRequest> {
    if der.len() > MAX_REQUEST_BYTES {
        return None;
    }
    let request = OcspRequest::from_der(der).ok()?;
    let list = &request.tbs_request.request_list;
    let version_ok = request.tbs_request.version.unwrap_or(0) == 0;
    (version_ok && !list.is_empty() && list.len() <= MAX_CERTIFICATES).then_some(request)
}

fn signed_response(
    request: &OcspRequest,
    responder: Responder<'_>,
    mut lookup: impl FnMut(&SerialNumber) -> SerialStatus,
    now: SystemTime,
) -> Result<Vec<u8>, CaError> {
    let issuer_name = responder.issuer.tbs_certificate().subject().to_der()?;
    let issuer_key = responder
        .issuer
        .tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .raw_bytes();
    let this_update = gen_time(now)?;
    let next_update = gen_time(now + VALIDITY)?;
    let responses = request
        .tbs_request
        .request_list
        .iter()
        .map(|single| {
            let id = &single.req_cert;
            let status = if names_issuer(id, &issuer_name, issuer_key) {
                lookup(&id.serial_number)
            } else {
                SerialStatus::Unknown
            };
            Ok(SingleResponse {
                cert_id: id.clone(),
                cert_status: cert_status(status)?,
                this_update,
                next_update: Some(next_update),
                single_extensions: None,
            })
        })
        .collect::<Result<Vec<_>, CaError>>()?;
    let responder_key = responder
        .responder
        .certificate
        .tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .raw_bytes();
    let data = ResponseData {
        version: None,
        responder_id: ResponderId::ByKey(OctetString::new(
            DigestAlgorithm::Sha1.digest(&[responder_key]),
        )?),
        produced_at: this_update,
        responses,
        response_extensions: echoed_nonce(request).map(|n| vec![n]),
    };
    let signature = responder.responder.sign(&data.to_der()?);
    let basic = BasicOcspResponse {
        tbs_response_data: data,
        signature_algorithm: responder.responder.signature_algorithm(),
        signature: BitString::from_bytes(&signature)?,
        certs: Some(vec![responder.responder.certificate.clone()]),
    };
    let response = OcspResponse {
        response_status: OcspResponseStatus::Successful,
        response_bytes: Some(ResponseBytes {
            response_type: oid::OCSP_BASIC,
            response: OctetString::new(basic.to_der()?)?,
        }),
    };
    Ok(response.to_der()?)
}

/// The CertID's hashes are those of our issuer's name and key.
fn names_issuer(id: &CertId, issuer_name: &[u8], issuer_key: &[u8]) -> bool {
    let hash = match id.hash_algorithm.oid {
        oid::SHA1 => DigestAlgorithm::Sha1,
        oid::SHA256 => DigestAlgorithm::Sha256,
        _ => return false,
    };
    id.issuer_name_hash.as_bytes() == hash.digest(&[issuer_name])
        && id.issuer_key_hash.as_bytes() == hash.digest(&[issuer_key])
}

fn cert_status(status: SerialStatus) -> Result<CertStatus, CaError> {
    Ok(match status {
        SerialStatus::Good => CertStatus::Good(Null),
        SerialStatus::Unknown => CertStatus::Unknown(Null),
        SerialStatus::Revoked { at, reason } => CertStatus::Revoked(RevokedInfo {
            revocation_time: gen_time(at)?,
            revocation_reason: reason,
        }),
    })
}

/// The request's nonce extension, sent back as received (RFC 6960 §4.4.1).
fn echoed_nonce(request: &OcspRequest) -> Option<Extension> {
    let extensions = request.tbs_request.request_extensions.as_ref()?;
    let nonce = extensions.iter().find(|e| e.extn_id == oid::OCSP_NONCE)?;
    (nonce.extn_value.as_bytes().len() <= MAX_NONCE_BYTES).then(|| Extension {
        extn_id: oid::OCSP_NONCE,
        critical: false,
        extn_value: nonce.extn_value.clone(),
    })
}
