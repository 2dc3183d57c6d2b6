//! Revocation over the data at hand (docs/signatures-design.md §6.4): OCSP responses and CRLs
//! from the document (its `/DSS`, the CMS `crls` and Adobe's revocation-info attribute) and
//! from the caller, who fetches online ones (a later slice) and passes them in. Nothing here
//! touches the network: a certificate without data is reported with its OCSP and CRL URLs.
//!
//! An OCSP answer counts when signed by the issuer, or by a responder with OCSPSigning that
//! the issuer certified; a CRL when the issuer signed it. A "good" answer must cover the
//! validation time: issued after it, or current at it (nextUpdate), 5 minutes of skew allowed.
//! A revocation before the validation time fails the signature; after it, it is a note.

use crate::asn1::{
    BasicOcspResponse, CertStatus, OcspResponse, OcspResponseStatus, ResponderId, oid,
};
use crate::cert::{Cert, iso, tbs_bytes, verify_with};
use crate::chain::Path;
use crate::crypto::DigestAlgorithm;
use der::Decode;
use serde::Serialize;
use std::time::Duration;
use x509_cert::crl::CertificateList;

/// Clock skew allowed between the answers' times and the validation time.
pub const SKEW: Duration = Duration::from_secs(5 * 60);

/// Revocation answers the caller brings (DER), e.g. fetched online and cached.
#[derive(Clone, Debug, Default)]
pub struct RevocationData {
    pub ocsp_responses: Vec<Vec<u8>>,
    pub crls: Vec<Vec<u8>>,
}

/// Where an answer came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The document's `/DSS`.
    Dss,
    /// The signature's CMS (`crls`, or the adbe-revocationInfoArchival attribute).
    Cms,
    /// Passed in by the caller.
    Caller,
}

impl Source {
    pub fn embedded(self) -> bool {
        self != Source::Caller
    }
}

/// One answer, still encoded.
#[derive(Clone, Debug)]
pub struct Raw {
    pub source: Source,
    pub kind: Kind,
    pub der: Vec<u8>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Ocsp,
    Crl,
}

/// A certificate's status as the data shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    Good,
    Revoked {
        time: String,
        /// Revoked at or before the validation time.
        before_validation_time: bool,
    },
    /// No usable answer: the URLs the platform may fetch.
    Unknown {
        ocsp_urls: Vec<String>,
        crl_urls: Vec<String>,
    },
}

/// The revocation status of one certificate of the path.
#[derive(Clone, Debug, Serialize)]
pub struct CertificateStatus {
    pub subject: String,
    pub serial: String,
    #[serde(flatten)]
    pub status: Status,
    pub source: Option<Source>,
    pub method: Option<Kind>,
    /// thisUpdate of the answer used.
    pub this_update: Option<String>,
    pub next_update: Option<String>,
    /// For a certificate without an answer: a ready OCSP request (DER, SHA-1 CertID, no
    /// nonce, so the answer can be cached) for the platform to send to `ocsp_urls`.
    #[serde(skip)]
    pub ocsp_request: Option<Vec<u8>>,
}

/// An answer about one certificate.
struct Answer {
    revoked_at: Option<Duration>,
    this_update: Duration,
    next_update: Option<Duration>,
    source: Source,
    kind: Kind,
}

/// The status of every certificate of `path` below the anchor at `at`; `now` bounds how new
/// an answer may claim to be.
pub fn check(path: &Path, data: &[Raw], at: Duration, now: Duration) -> Vec<CertificateStatus> {
    let ocsps: Vec<(Source, Ocsp)> = data
        .iter()
        .filter(|r| r.kind == Kind::Ocsp)
        .filter_map(|r| Ocsp::parse(&r.der).map(|o| (r.source, o)))
        .collect();
    let crls: Vec<(Source, Crl)> = data
        .iter()
        .filter(|r| r.kind == Kind::Crl)
        .filter_map(|r| Crl::parse(&r.der).map(|c| (r.source, c)))
        .collect();
    (0..path.certs.len())
        .map(|i| {
            let cert = &path.certs[i];
            let issuer = path.issuer_of(i);
            let answers = match &issuer {
                Some(issuer) => answers_for(cert, issuer, &ocsps, &crls, now),
                None => Vec::new(),
            };
            let mut status = status_of(cert, &answers, at);
            if matches!(status.status, Status::Unknown { .. }) {
                status.ocsp_request = issuer.and_then(|issuer| ocsp_request(cert, &issuer));
            }
            status
        })
        .collect()
}

fn answers_for(
    cert: &Cert,
    issuer: &Cert,
    ocsps: &[(Source, Ocsp)],
    crls: &[(Source, Crl)],
    now: Duration,
) -> Vec<Answer> {
    let from_ocsp = ocsps
        .iter()
        .filter_map(|(source, o)| o.answer(cert, issuer, *source));
    let from_crl = crls
        .iter()
        .filter_map(|(source, c)| c.answer(cert, issuer, *source));
    from_ocsp
        .chain(from_crl)
        .filter(|a| a.this_update <= now + SKEW)
        .collect()
}

/// Revoked if any trusted answer says so at or before `at`; else good if one covers `at`.
fn status_of(cert: &Cert, answers: &[Answer], at: Duration) -> CertificateStatus {
    let revoked = answers
        .iter()
        .filter_map(|a| a.revoked_at.map(|t| (t, a)))
        .min_by_key(|(t, _)| *t);
    let covering = answers.iter().find(|a| {
        a.revoked_at.is_none()
            && (a.this_update + SKEW >= at || a.next_update.is_some_and(|n| n + SKEW >= at))
    });
    let (status, used) = match (revoked, covering) {
        (Some((time, answer)), _) => (
            Status::Revoked {
                time: iso(time),
                before_validation_time: time <= at,
            },
            Some(answer),
        ),
        (None, Some(answer)) => (Status::Good, Some(answer)),
        (None, None) => (
            Status::Unknown {
                ocsp_urls: cert.ocsp_urls(),
                crl_urls: cert.crl_urls(),
            },
            None,
        ),
    };
    CertificateStatus {
        subject: cert.subject(),
        serial: cert.serial_hex(),
        status,
        source: used.map(|a| a.source),
        method: used.map(|a| a.kind),
        this_update: used.map(|a| iso(a.this_update)),
        next_update: used.and_then(|a| a.next_update).map(iso),
        ocsp_request: None,
    }
}

/// An OCSP request for `cert` issued by `issuer`: one SHA-1 CertID (what responders expect,
/// RFC 5019), unsigned, without a nonce.
fn ocsp_request(cert: &Cert, issuer: &Cert) -> Option<Vec<u8>> {
    use crate::asn1::{CertId, OcspRequest, OcspSingleRequest, TbsRequest};
    use der::Encode;
    use der::asn1::OctetString;
    let sha1 = DigestAlgorithm::Sha1;
    let request = OcspRequest {
        tbs_request: TbsRequest {
            version: None,
            requestor_name: None,
            request_list: vec![OcspSingleRequest {
                req_cert: CertId {
                    hash_algorithm: spki::AlgorithmIdentifierOwned {
                        oid: oid::SHA1,
                        parameters: Some(der::Any::null()),
                    },
                    issuer_name_hash: OctetString::new(sha1.digest(&[&cert.issuer_der()])).ok()?,
                    issuer_key_hash: OctetString::new(sha1.digest(&[issuer.public_key_bits()]))
                        .ok()?,
                    serial_number: cert.cert.tbs_certificate().serial_number().clone(),
                },
                single_request_extensions: None,
            }],
            request_extensions: None,
        },
        optional_signature: None,
    };
    request.to_der().ok()
}

/// Whether the OCSP `response` gives a status (good or revoked, not unknown) for the
/// certificate `request` asked about: if not, the platform goes on to the CRL. The response's
/// signature is checked later, with the rest.
pub fn ocsp_knows(response: &[u8], request: &[u8]) -> bool {
    let Ok(request) = crate::asn1::OcspRequest::from_der(request) else {
        return false;
    };
    let Some(asked) = request.tbs_request.request_list.first() else {
        return false;
    };
    Ocsp::parse(response).is_some_and(|o| {
        o.basic.tbs_response_data.responses.iter().any(|r| {
            r.cert_id == asked.req_cert && !matches!(r.cert_status, CertStatus::Unknown(_))
        })
    })
}

/// Whether `der`, fetched online, is a usable answer of `kind` (a successful basic OCSP
/// response, or a CRL), and until when it may be kept: its earliest nextUpdate, if it has one.
pub fn fetched_answer(kind: Kind, der: &[u8]) -> Option<Option<Duration>> {
    match kind {
        Kind::Ocsp => Ocsp::parse(der).map(|o| {
            o.basic
                .tbs_response_data
                .responses
                .iter()
                .filter_map(|r| r.next_update.map(|t| t.unix_duration()))
                .min()
        }),
        Kind::Crl => Crl::parse(der).map(|c| {
            c.list
                .tbs_cert_list
                .next_update
                .map(|t| t.to_unix_duration())
        }),
    }
}

/// A successful basic OCSP response with its signed bytes.
struct Ocsp {
    basic: BasicOcspResponse,
    tbs: Vec<u8>,
    certs: Vec<Cert>,
}

impl Ocsp {
    fn parse(der: &[u8]) -> Option<Ocsp> {
        let response = OcspResponse::from_der(der).ok()?;
        if response.response_status != OcspResponseStatus::Successful {
            return None;
        }
        let bytes = response.response_bytes?;
        if bytes.response_type != oid::OCSP_BASIC {
            return None;
        }
        let inner = bytes.response.as_bytes();
        let basic = BasicOcspResponse::from_der(inner).ok()?;
        let tbs = tbs_bytes(inner)?.to_vec();
        let certs = basic
            .certs
            .iter()
            .flatten()
            .filter_map(|c| Cert::from_certificate(c.clone()))
            .collect();
        Some(Ocsp { basic, tbs, certs })
    }

    /// This response's answer about `cert`, if it has one and a trusted signature.
    fn answer(&self, cert: &Cert, issuer: &Cert, source: Source) -> Option<Answer> {
        let single = self
            .basic
            .tbs_response_data
            .responses
            .iter()
            .find(|r| names_certificate(&r.cert_id, cert, issuer))?;
        if !self.signed_for(issuer) {
            return None;
        }
        let revoked_at = match &single.cert_status {
            CertStatus::Good(_) => None,
            CertStatus::Revoked(info) => Some(info.revocation_time.unix_duration()),
            CertStatus::Unknown(_) => return None,
        };
        Some(Answer {
            revoked_at,
            this_update: single.this_update.unix_duration(),
            next_update: single.next_update.map(|t| t.unix_duration()),
            source,
            kind: Kind::Ocsp,
        })
    }

    /// Signed by the issuer itself, or by a responder the issuer certified for OCSPSigning
    /// (valid when the response was produced).
    fn signed_for(&self, issuer: &Cert) -> bool {
        let produced = self.basic.tbs_response_data.produced_at.unix_duration();
        if self.responder_is(issuer) && self.signature_checks(issuer) {
            return true;
        }
        self.certs.iter().any(|responder| {
            self.responder_is(responder)
                && responder.names_issuer(issuer)
                && issuer.public_key().is_ok_and(|k| responder.signed_by(&k))
                && responder
                    .extended_key_usage()
                    .is_some_and(|(_, usages)| usages.contains(&oid::KP_OCSP_SIGNING))
                && responder.valid_at(produced).is_ok()
                && self.signature_checks(responder)
        })
    }

    fn responder_is(&self, cert: &Cert) -> bool {
        match &self.basic.tbs_response_data.responder_id {
            ResponderId::ByName(name) => der::Encode::to_der(name).ok() == Some(cert.subject_der()),
            ResponderId::ByKey(hash) => {
                hash.as_bytes() == DigestAlgorithm::Sha1.digest(&[cert.public_key_bits()])
            }
        }
    }

    fn signature_checks(&self, signer: &Cert) -> bool {
        signer.public_key().is_ok_and(|key| {
            verify_with(
                &key,
                &self.basic.signature_algorithm,
                &self.tbs,
                self.basic.signature.raw_bytes(),
            )
        })
    }
}

/// A CertID names `cert` issued by `issuer`: hashes of the issuer's name and key, the serial.
fn names_certificate(id: &crate::asn1::CertId, cert: &Cert, issuer: &Cert) -> bool {
    let Some(hash) = DigestAlgorithm::from_oid(id.hash_algorithm.oid) else {
        return false;
    };
    id.serial_number == *cert.cert.tbs_certificate().serial_number()
        && id.issuer_name_hash.as_bytes() == hash.digest(&[&cert.issuer_der()])
        && id.issuer_key_hash.as_bytes() == hash.digest(&[issuer.public_key_bits()])
}

/// A CRL with its signed bytes.
struct Crl {
    list: CertificateList,
    tbs: Vec<u8>,
}

impl Crl {
    fn parse(der: &[u8]) -> Option<Crl> {
        let list = CertificateList::from_der(der).ok()?;
        let tbs = tbs_bytes(der)?.to_vec();
        Some(Crl { list, tbs })
    }

    fn answer(&self, cert: &Cert, issuer: &Cert, source: Source) -> Option<Answer> {
        let tbs = &self.list.tbs_cert_list;
        if der::Encode::to_der(&tbs.issuer).ok()? != cert.issuer_der() {
            return None;
        }
        let key = issuer.public_key().ok()?;
        if !verify_with(
            &key,
            &self.list.signature_algorithm,
            &self.tbs,
            self.list.signature.raw_bytes(),
        ) {
            return None;
        }
        let serial = cert.cert.tbs_certificate().serial_number();
        let revoked_at = tbs
            .revoked_certificates
            .iter()
            .flatten()
            .find(|r| r.serial_number == *serial)
            .map(|r| r.revocation_date.to_unix_duration());
        Some(Answer {
            revoked_at,
            this_update: tbs.this_update.to_unix_duration(),
            next_update: tbs.next_update.map(|t| t.to_unix_duration()),
            source,
            kind: Kind::Crl,
        })
    }
}

/// Whether `der` reads as a successful basic OCSP response or a CRL (hostile-input tests).
pub fn parses(der: &[u8]) -> bool {
    Ocsp::parse(der).is_some() || Crl::parse(der).is_some()
}

/// A certificate checked on its own, outside any PDF: its path to `trust` at `at` (with
/// `candidates` as intermediates) and, when a path is found, the status of every certificate
/// of it from the caller's `data`. For the demo CA (checking what it issued and what its
/// responders answer) and for tests. `None` when `leaf` is not a certificate.
pub fn check_certificate(
    leaf: &[u8],
    candidates: &[&[u8]],
    usage: crate::chain::Usage,
    trust: &crate::chain::Trust,
    data: &RevocationData,
    at: std::time::SystemTime,
    now: std::time::SystemTime,
) -> Option<(crate::chain::ChainReport, Vec<CertificateStatus>)> {
    let unix =
        |t: std::time::SystemTime| t.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let leaf = Cert::from_der(leaf)?;
    let decoded: Vec<Cert> = candidates
        .iter()
        .filter_map(|c| Cert::from_der(c))
        .collect();
    let pool = crate::chain::candidate_pool(decoded.iter(), trust);
    let (path, report) = crate::chain::validate(&leaf, &pool, trust, unix(at), usage);
    let raw: Vec<Raw> = data
        .ocsp_responses
        .iter()
        .map(|der| (Kind::Ocsp, der))
        .chain(data.crls.iter().map(|der| (Kind::Crl, der)))
        .map(|(kind, der)| Raw {
            source: Source::Caller,
            kind,
            der: der.clone(),
        })
        .collect();
    let statuses = path
        .map(|path| check(&path, &raw, unix(at), unix(now)))
        .unwrap_or_default();
    Some((report, statuses))
}
