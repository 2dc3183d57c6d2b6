//! The signature timestamp (B-T, design §3.4): an RFC 3161 request over SHA-256 of the
//! SignerInfo's signature value (with a nonce, asking for the TSA's certificate), sent through
//! a [`TimestampSource`]; the answer is checked before it is embedded: granted, a token that
//! reads and whose own signature verifies (ESS required), the imprint and the nonce ours. The
//! TSA's chain is not judged here: that is validation's work, against the configured anchors.

use super::SignError;
use crate::asn1::{MessageImprint, TimeStampReq, TimeStampResp, TstInfo, WideOid, oid};
use crate::ca::Authority;
use crate::chain::Trust;
use crate::crypto::DigestAlgorithm;
use crate::timestamp::{self, TimestampProblem};
use der::asn1::{Int, OctetString};
use der::{Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use std::time::SystemTime;

/// Answers RFC 3161 requests: `query` takes a DER `TimeStampReq` and returns the DER
/// `TimeStampResp` (over HTTP: `POST` with `Content-Type: application/timestamp-query`, the
/// answer `application/timestamp-reply`). The transport is all an implementation does; the
/// request is made and the answer checked here.
pub trait TimestampSource {
    fn query(&self, request: &[u8]) -> Result<Vec<u8>, SignError>;
}

/// The crate's own TSA ([`crate::ca::tsa::respond_with_chain`]) called in process: tests and
/// the demo.
#[derive(Clone, Debug)]
pub struct LocalTsa<'a> {
    pub authority: &'a Authority,
    /// Certificates the token carries besides the TSA's (its issuing CA).
    pub chain: Vec<x509_cert::Certificate>,
    pub policy: WideOid,
    /// The TSA's clock; `None` for the system's.
    pub now: Option<SystemTime>,
}

impl TimestampSource for LocalTsa<'_> {
    fn query(&self, request: &[u8]) -> Result<Vec<u8>, SignError> {
        let now = self.now.unwrap_or_else(SystemTime::now);
        Ok(crate::ca::tsa::respond_with_chain(
            request,
            self.authority,
            &self.chain,
            &self.policy,
            now,
        ))
    }
}

/// A DER `TimeStampReq` for `data` (SHA-256 imprint), with `nonce` and `certReq`.
pub fn request(data: &[u8], nonce: &[u8]) -> Result<Vec<u8>, SignError> {
    Ok(TimeStampReq {
        version: 1,
        message_imprint: MessageImprint {
            hash_algorithm: AlgorithmIdentifierOwned {
                oid: oid::SHA256,
                parameters: None,
            },
            hashed_message: OctetString::new(DigestAlgorithm::Sha256.digest(&[data]))?,
        },
        req_policy: None,
        nonce: Some(Int::new(nonce)?),
        cert_req: Some(true),
        extensions: None,
    }
    .to_der()?)
}

/// A token over `signature_value` from `source`: the DER ContentInfo to embed.
pub fn timestamp(
    source: &dyn TimestampSource,
    signature_value: &[u8],
) -> Result<Vec<u8>, SignError> {
    let mut nonce = crate::ca::random_bytes(8).map_err(|e| SignError::Timestamp(e.to_string()))?;
    // A positive INTEGER, minimal: the first octet below 0x80 and not zero.
    nonce[0] = (nonce[0] & 0x7f).max(1);
    let response = source.query(&request(signature_value, &nonce)?)?;
    token_from_response(&response, signature_value, &nonce)
}

/// Checks `response` (DER `TimeStampResp`) to the request for `signature_value` with
/// `nonce`, and returns its token.
pub fn token_from_response(
    response: &[u8],
    signature_value: &[u8],
    nonce: &[u8],
) -> Result<Vec<u8>, SignError> {
    let response = TimeStampResp::from_der(response)
        .map_err(|_| SignError::TimestampInvalid("phản hồi không đọc được".to_owned()))?;
    if response.status.status > 1 {
        let text = response
            .status
            .status_string
            .map(|s| s.join("; "))
            .unwrap_or_else(|| format!("trạng thái {}", response.status.status));
        return Err(SignError::TimestampRejected(text));
    }
    let token = response
        .time_stamp_token
        .ok_or_else(|| SignError::TimestampInvalid("phản hồi không có mã thông báo".to_owned()))?
        .to_der()?;
    // The token's own signature, ESS and imprint, with no anchors: only the chain may fail.
    let checked = timestamp::check(&token, &[signature_value], &Trust::default(), &[]);
    match checked.report.problem {
        None | Some(TimestampProblem::Chain(_)) => {}
        Some(problem) => return Err(SignError::TimestampInvalid(problem.to_string())),
    }
    let tst = tst_info(&token)?;
    if tst.message_imprint.hash_algorithm.oid != oid::SHA256 {
        return Err(SignError::TimestampInvalid(
            "thuật toán băm khác SHA-256".to_owned(),
        ));
    }
    if tst.nonce.as_ref().map(Int::as_bytes) != Some(nonce) {
        return Err(SignError::TimestampInvalid("nonce không khớp".to_owned()));
    }
    Ok(token)
}

/// The TSTInfo inside a token (already checked to read).
fn tst_info(token: &[u8]) -> Result<TstInfo, SignError> {
    let unreadable = || SignError::TimestampInvalid("TSTInfo không đọc được".to_owned());
    let info = cms::content_info::ContentInfo::from_der(token).map_err(|_| unreadable())?;
    let signed = info
        .content
        .decode_as::<cms::signed_data::SignedData>()
        .map_err(|_| unreadable())?;
    let content = signed
        .encap_content_info
        .econtent
        .and_then(|any| any.decode_as::<OctetString>().ok())
        .ok_or_else(unreadable)?;
    TstInfo::from_der(content.as_bytes()).map_err(|_| unreadable())
}
