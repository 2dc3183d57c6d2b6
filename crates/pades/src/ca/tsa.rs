//! The RFC 3161 timestamp authority. A `TimeStampReq` is answered with a `TimeStampResp`:
//! granted, with a token (CMS SignedData over a `TSTInfo`: our policy, the imprint as sent,
//! a random 128-bit serial, `genTime` in whole seconds, the nonce echoed; signed attributes
//! contentType, messageDigest and ESS signing-certificate-v2, so the TSA certificate cannot be
//! swapped; the certificate itself, and the issuing CA's when given, only when `certReq` asks), or rejected with a failInfo:
//! `badAlg` for an imprint not hashed with SHA-256/384/512 (SHA-1 included: its collisions
//! are practical), `badDataFormat` for bytes that do not read, `unacceptedPolicy` for a policy
//! other than ours, `unacceptedExtension` for any extension. Never a panic.

use super::{Authority, CaError, gen_time, random_128};
use crate::asn1::{
    EssCertIdV2, IssuerSerial, MessageImprint, PkiStatusInfo, SigningCertificateV2, TimeStampReq,
    TimeStampResp, TstInfo, WideOid, oid,
};
use crate::crypto::DigestAlgorithm;
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{BitString, Int, OctetString, SetOfVec};
use der::{Any, Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use std::time::SystemTime;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;

/// Requests larger than this are refused (a real one is under 100 bytes).
pub const MAX_REQUEST_BYTES: usize = 16 * 1024;

/// `PKIFailureInfo` bits (RFC 3161 §2.4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    BadAlg = 0,
    BadRequest = 2,
    BadDataFormat = 5,
    UnacceptedPolicy = 15,
    UnacceptedExtension = 16,
    SystemFailure = 25,
}

impl Failure {
    /// The status text sent with the rejection.
    fn text(self) -> &'static str {
        match self {
            Failure::BadAlg => "Thuật toán băm không được hỗ trợ (chỉ SHA-256, SHA-384, SHA-512)",
            Failure::BadRequest => "Yêu cầu không được phép",
            Failure::BadDataFormat => "Yêu cầu cấp dấu thời gian không đọc được",
            Failure::UnacceptedPolicy => "Chính sách cấp dấu thời gian không được hỗ trợ",
            Failure::UnacceptedExtension => "Phần mở rộng của yêu cầu không được hỗ trợ",
            Failure::SystemFailure => "Lỗi hệ thống khi cấp dấu thời gian",
        }
    }

    /// The named bit as a DER BIT STRING (trailing zero bits dropped, X.690 §11.2.2).
    fn bit_string(self) -> der::Result<BitString> {
        let bit = self as usize;
        let mut bytes = vec![0u8; bit / 8 + 1];
        bytes[bit / 8] = 0x80 >> (bit % 8);
        BitString::new((7 - bit % 8) as u8, bytes)
    }
}

/// The DER `TimeStampResp` to `request` (DER `TimeStampReq`) from `tsa` under `policy` at `now`.
pub fn respond(request: &[u8], tsa: &Authority, policy: &WideOid, now: SystemTime) -> Vec<u8> {
    respond_with_chain(request, tsa, &[], policy, now)
}

/// [`respond`], the token also carrying `chain` (the TSA's issuing CA) when `certReq` asks for
/// certificates: validators that build the TSA's path from the token alone (pyHanko) then
/// reach the root without other help.
pub fn respond_with_chain(
    request: &[u8],
    tsa: &Authority,
    chain: &[x509_cert::Certificate],
    policy: &WideOid,
    now: SystemTime,
) -> Vec<u8> {
    let outcome = read_request(request, policy)
        .and_then(|req| token(&req, tsa, chain, policy, now).map_err(|_| Failure::SystemFailure));
    let response = match outcome {
        Ok(token) => TimeStampResp {
            status: PkiStatusInfo {
                status: 0,
                status_string: None,
                fail_info: None,
            },
            time_stamp_token: Some(token),
        },
        Err(failure) => rejection(failure),
    };
    // Every part was built from values that encode; an empty answer is the last resort.
    response.to_der().unwrap_or_default()
}

/// A `rejection` response with `failure`.
pub fn rejection(failure: Failure) -> TimeStampResp {
    TimeStampResp {
        status: PkiStatusInfo {
            status: 2,
            status_string: Some(vec![failure.text().to_owned()]),
            fail_info: failure.bit_string().ok(),
        },
        time_stamp_token: None,
    }
}

fn read_request(der: &[u8], policy: &WideOid) -> Result<TimeStampReq, Failure> {
    if der.len() > MAX_REQUEST_BYTES {
        return Err(Failure::BadDataFormat);
    }
    let request = TimeStampReq::from_der(der).map_err(|_| Failure::BadDataFormat)?;
    if request.version != 1 {
        return Err(Failure::BadDataFormat);
    }
    check_imprint(&request.message_imprint)?;
    if request.req_policy.as_ref().is_some_and(|p| p != policy) {
        return Err(Failure::UnacceptedPolicy);
    }
    if request.extensions.as_ref().is_some_and(|e| !e.is_empty()) {
        return Err(Failure::UnacceptedExtension);
    }
    Ok(request)
}

/// SHA-256/384/512, parameters absent or NULL, a digest of the algorithm's length.
fn check_imprint(imprint: &MessageImprint) -> Result<(), Failure> {
    let algorithm = &imprint.hash_algorithm;
    let length = match algorithm.oid {
        oid::SHA256 => 32,
        oid::SHA384 => 48,
        oid::SHA512 => 64,
        _ => return Err(Failure::BadAlg),
    };
    if algorithm.parameters.as_ref().is_some_and(|p| !p.is_null()) {
        return Err(Failure::BadAlg);
    }
    if imprint.hashed_message.as_bytes().len() != length {
        return Err(Failure::BadDataFormat);
    }
    Ok(())
}

fn token(
    request: &TimeStampReq,
    tsa: &Authority,
    chain: &[x509_cert::Certificate],
    policy: &WideOid,
    now: SystemTime,
) -> Result<ContentInfo, CaError> {
    let info = TstInfo {
        version: 1,
        policy: policy.clone(),
        message_imprint: request.message_imprint.clone(),
        serial_number: Int::new(&positive(&random_128()?))?,
        gen_time: gen_time(now)?,
        accuracy: None,
        ordering: None,
        nonce: request.nonce.clone(),
        tsa: None,
        extensions: None,
    };
    let content = info.to_der()?;
    let signer_info = signer_info(tsa, &content)?;
    let certificates = request
        .cert_req
        .unwrap_or(false)
        .then(|| {
            let certificates = std::iter::once(&tsa.certificate)
                .chain(chain)
                .map(|c| CertificateChoices::Certificate(c.clone()))
                .collect::<Vec<_>>();
            SetOfVec::try_from(certificates).map(CertificateSet)
        })
        .transpose()?;
    let signed = SignedData {
        // v3: the encapsulated content is not id-data (RFC 5652 §5.1).
        version: CmsVersion::V3,
        digest_algorithms: SetOfVec::try_from(vec![sha256()])?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: oid::TST_INFO,
            econtent: Some(Any::encode_from(&OctetString::new(content)?)?),
        },
        certificates,
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info])?),
    };
    Ok(ContentInfo {
        content_type: oid::SIGNED_DATA,
        content: Any::encode_from(&signed)?,
    })
}

/// An INTEGER's content octets for the non-negative magnitude `bytes` (a 0 before a high bit).
fn positive(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 1);
    if bytes.first().is_some_and(|b| b & 0x80 != 0) {
        out.push(0);
    }
    out.extend_from_slice(bytes);
    out
}

fn sha256() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: oid::SHA256,
        parameters: None,
    }
}

/// The SignerInfo over `content` (the TSTInfo DER): signed attributes, then their signature.
fn signer_info(tsa: &Authority, content: &[u8]) -> Result<SignerInfo, CaError> {
    let tbs = tsa.certificate.tbs_certificate();
    let ess = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            // The DEFAULT (SHA-256) is left out, as DER requires.
            hash_algorithm: None,
            cert_hash: OctetString::new(DigestAlgorithm::Sha256.digest(&[&tsa.der]))?,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(tbs.issuer().clone())],
                serial_number: tbs.serial_number().clone(),
            }),
        }],
        policies: None,
    };
    let digest = OctetString::new(DigestAlgorithm::Sha256.digest(&[content]))?;
    let signed_attrs = SetOfVec::try_from(vec![
        attribute(oid::CONTENT_TYPE, &oid::TST_INFO)?,
        attribute(oid::MESSAGE_DIGEST, &digest)?,
        attribute(oid::SIGNING_CERTIFICATE_V2, &ess)?,
    ])?;
    // The signature covers the attributes as a SET (tag 31), not as the [0] they are sent in.
    let signature = tsa.sign(&signed_attrs.to_der()?);
    Ok(SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_alg: sha256(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: tsa.signature_algorithm(),
        signature: OctetString::new(signature)?,
        unsigned_attrs: None,
    })
}

fn attribute(
    id: der::asn1::ObjectIdentifier,
    value: &(impl der::EncodeValue + der::Tagged),
) -> Result<Attribute, CaError> {
    Ok(Attribute {
        oid: id,
        values: SetOfVec::try_from(vec![Any::encode_from(value)?])?,
    })
}
