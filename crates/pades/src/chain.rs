//! Trust anchors and certification path validation at a given time (docs/signatures-design.md
//! §6.3): a path is built from the signer's certificate by issuer name and AKI/SKI over the
//! candidates (CMS certificates, DSS certificates, configured intermediates; at most 50), at
//! most 8 deep, every signature verified, up to a configured anchor (the same DER, or the same
//! name and key). Then, at the validation time: validity periods, basicConstraints and pathLen,
//! keyCertSign on CAs, the leaf's key usage; an unknown critical extension leaves the result
//! indeterminate. The anchor's own period and signature are not checked (it is trusted as
//! configured).

use crate::asn1::oid;
use crate::cert::{Cert, iso};
use der::DecodePem;
use der::asn1::ObjectIdentifier;
use serde::Serialize;
use std::collections::HashMap;
use std::time::Duration;
use x509_cert::Certificate;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage};

/// Candidates beyond this are ignored (a hostile CMS may carry thousands).
pub const MAX_CANDIDATES: usize = 50;
/// Certificates between the leaf and the anchor, the leaf included.
pub const MAX_DEPTH: usize = 8;
/// Path-building steps (signature checks) before giving up.
const MAX_STEPS: usize = 500;

/// A trusted root, possibly a demo one (shown with a "DEMO" badge).
#[derive(Clone, Debug)]
pub struct Anchor {
    pub certificate: Certificate,
    pub demo: bool,
}

/// What the platform trusts: anchors and intermediates it knows.
#[derive(Clone, Debug, Default)]
pub struct Trust {
    pub anchors: Vec<Anchor>,
    pub intermediates: Vec<Certificate>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    #[error("Tệp chứng thư số (PEM) sai ở khối thứ {0}")]
    BadBlock(usize),
    #[error("Tệp chứng thư số (PEM) không có chứng thư số nào")]
    Empty,
}

impl Trust {
    /// Anchors from a PEM bundle; comments and other blocks between certificates are skipped.
    pub fn from_pem(anchors: &[u8], demo: bool) -> Result<Trust, TrustError> {
        let mut trust = Trust::default();
        trust.add_anchors_pem(anchors, demo)?;
        Ok(trust)
    }

    pub fn add_anchors_pem(&mut self, pem: &[u8], demo: bool) -> Result<usize, TrustError> {
        let certificates = certificates_from_pem(pem)?;
        let count = certificates.len();
        self.anchors.extend(
            certificates
                .into_iter()
                .map(|certificate| Anchor { certificate, demo }),
        );
        Ok(count)
    }

    pub fn add_intermediates_pem(&mut self, pem: &[u8]) -> Result<usize, TrustError> {
        let certificates = certificates_from_pem(pem)?;
        let count = certificates.len();
        self.intermediates.extend(certificates);
        Ok(count)
    }
}

const BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
const END: &[u8] = b"-----END CERTIFICATE-----";

/// Every `CERTIFICATE` block of a PEM bundle; one that does not decode fails the whole bundle
/// (a trust file half read is worse than one refused).
pub fn certificates_from_pem(bundle: &[u8]) -> Result<Vec<Certificate>, TrustError> {
    let mut out = Vec::new();
    let mut rest = bundle;
    while let Some(start) = find(rest, BEGIN) {
        let block = &rest[start..];
        let end = find(block, END).ok_or(TrustError::BadBlock(out.len() + 1))? + END.len();
        let certificate = Certificate::from_pem(&block[..end])
            .map_err(|_| TrustError::BadBlock(out.len() + 1))?;
        out.push(certificate);
        rest = &block[end..];
    }
    if out.is_empty() {
        return Err(TrustError::Empty);
    }
    Ok(out)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Why a path does not validate.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChainProblem {
    #[error("Không xây dựng được chuỗi chứng thư số tới một chứng thư gốc tin cậy")]
    NoPath,
    #[error("Chứng thư số \"{0}\" chưa có hiệu lực tại thời điểm kiểm tra ({1})")]
    NotYetValid(String, String),
    #[error("Chứng thư số \"{0}\" đã hết hạn tại thời điểm kiểm tra ({1})")]
    Expired(String, String),
    #[error(
        "Chứng thư số \"{0}\" không phải chứng thư của tổ chức chứng thực (thiếu basicConstraints CA)"
    )]
    NotCa(String),
    #[error("Chuỗi chứng thư số dài hơn giới hạn pathLen của \"{0}\"")]
    PathTooLong(String),
    #[error("Chứng thư số \"{0}\" không được phép ký chứng thư khác (thiếu keyCertSign)")]
    NoKeyCertSign(String),
    #[error(
        "Chứng thư số của người ký không cho phép ký số (thiếu digitalSignature và nonRepudiation)"
    )]
    LeafUsage,
    #[error("Chứng thư số của đơn vị cấp dấu thời gian phải có mục đích timeStamping (critical)")]
    TimeStampingUsage,
    #[error("Chứng thư số \"{0}\" có phần mở rộng critical không hỗ trợ ({1})")]
    UnsupportedCritical(String, String),
}

impl ChainProblem {
    /// Outside its validity period: the verdict then depends on whether the time is proven.
    pub fn is_period(&self) -> bool {
        matches!(
            self,
            ChainProblem::NotYetValid(..) | ChainProblem::Expired(..)
        )
    }

    /// Conditions that leave the result open rather than failed.
    pub fn is_indeterminate(&self) -> bool {
        matches!(
            self,
            ChainProblem::NoPath | ChainProblem::UnsupportedCritical(..)
        )
    }

    pub fn code(&self) -> &'static str {
        match self {
            ChainProblem::NoPath => "no_path_to_anchor",
            ChainProblem::NotYetValid(..) => "not_yet_valid",
            ChainProblem::Expired(..) => "expired",
            ChainProblem::NotCa(_) => "not_ca",
            ChainProblem::PathTooLong(_) => "path_too_long",
            ChainProblem::NoKeyCertSign(_) => "no_key_cert_sign",
            ChainProblem::LeafUsage => "leaf_key_usage",
            ChainProblem::TimeStampingUsage => "time_stamping_usage",
            ChainProblem::UnsupportedCritical(..) => "unsupported_critical_extension",
        }
    }
}

crate::report::serialize_as_problem!(ChainProblem);

/// What the end certificate is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Usage {
    /// digitalSignature or nonRepudiation, when key usage is present.
    Signing,
    /// RFC 3161 §2.3: extended key usage timeStamping, critical.
    TimeStamping,
}

/// A path found: the leaf first, intermediates after it, and the anchor.
#[derive(Clone, Debug)]
pub struct Path {
    pub certs: Vec<Cert>,
    pub anchor: Anchor,
}

impl Path {
    /// The issuer of `certs[i]`: the next certificate, or the anchor.
    pub fn issuer_of(&self, i: usize) -> Option<Cert> {
        match self.certs.get(i + 1) {
            Some(next) => Some(next.clone()),
            None => Cert::from_certificate(self.anchor.certificate.clone()),
        }
    }
}

/// The chain part of a report.
#[derive(Clone, Debug, Serialize)]
pub struct ChainReport {
    /// Subjects from the signer's certificate up to the anchor's.
    pub path: Vec<String>,
    pub anchor: Option<String>,
    /// The anchor is a demo one ("không có giá trị pháp lý").
    pub demo: bool,
    /// The time the path was checked at (ISO 8601).
    pub validation_time: String,
    pub problem: Option<ChainProblem>,
}

/// Builds and checks the path of `leaf` at `at` (Unix time).
pub fn validate(
    leaf: &Cert,
    candidates: &[Cert],
    trust: &Trust,
    at: Duration,
    usage: Usage,
) -> (Option<Path>, ChainReport) {
    let mut report = ChainReport {
        path: vec![leaf.subject()],
        anchor: None,
        demo: false,
        validation_time: iso(at),
        problem: None,
    };
    let Some(path) = build(leaf, candidates, trust) else {
        report.problem = Some(ChainProblem::NoPath);
        return (None, report);
    };
    report.path = path.certs.iter().map(Cert::subject).collect();
    report.anchor = Some(
        path.anchor
            .certificate
            .tbs_certificate()
            .subject()
            .to_string(),
    );
    report.demo = path.anchor.demo;
    report.problem = check_path(&path, at, usage).err();
    (Some(path), report)
}

/// The candidates, deduplicated and capped.
pub fn candidate_pool<'a>(sources: impl IntoIterator<Item = &'a Cert>, trust: &Trust) -> Vec<Cert> {
    let configured = trust
        .intermediates
        .iter()
        .filter_map(|c| Cert::from_certificate(c.clone()))
        .collect::<Vec<_>>();
    let mut pool: Vec<Cert> = Vec::new();
    for cert in sources.into_iter().cloned().chain(configured) {
        if pool.len() >= MAX_CANDIDATES {
            break;
        }
        if pool.iter().all(|c| c.der != cert.der) {
            pool.push(cert);
        }
    }
    pool
}

fn build(leaf: &Cert, candidates: &[Cert], trust: &Trust) -> Option<Path> {
    let anchors: Vec<(Cert, &Anchor)> = trust
        .anchors
        .iter()
        .filter_map(|a| Cert::from_certificate(a.certificate.clone()).map(|c| (c, a)))
        .collect();
    let mut builder = Builder {
        candidates,
        anchors: &anchors,
        verified: HashMap::new(),
        steps: 0,
    };
    let mut chain = vec![leaf.clone()];
    let anchor = builder.extend(&mut chain)?;
    Some(Path {
        certs: chain,
        anchor: anchor.clone(),
    })
}

struct Builder<'c> {
    candidates: &'c [Cert],
    anchors: &'c [(Cert, &'c Anchor)],
    /// (child DER, issuer DER) → signature checked.
    verified: HashMap<(Vec<u8>, Vec<u8>), bool>,
    steps: usize,
}

impl<'c> Builder<'c> {
    /// Depth-first: the anchor that ends `chain`, extending it with intermediates.
    fn extend(&mut self, chain: &mut Vec<Cert>) -> Option<&'c Anchor> {
        let current = chain.last()?.clone();
        // An intermediate that is itself configured as an anchor ends the path there.
        if chain.len() > 1
            && let Some(anchor) = self.is_anchor(&current)
        {
            chain.pop(); // the anchor itself is not part of the checked path
            return Some(anchor);
        }
        for (anchor_cert, anchor) in self.anchors {
            if current.names_issuer(anchor_cert) && self.issued(&current, anchor_cert) {
                return Some(anchor);
            }
        }
        if chain.len() >= MAX_DEPTH {
            return None;
        }
        for candidate in self.candidates {
            if chain.iter().any(|c| c.der == candidate.der)
                || !current.names_issuer(candidate)
                || !self.issued(&current, candidate)
            {
                continue;
            }
            chain.push(candidate.clone());
            if let Some(anchor) = self.extend(chain) {
                return Some(anchor);
            }
            chain.pop();
        }
        None
    }

    /// The same certificate as an anchor, or the same name and key.
    fn is_anchor(&self, cert: &Cert) -> Option<&'c Anchor> {
        self.anchors
            .iter()
            .find(|(a, _)| {
                a.der == cert.der
                    || (a.subject_der() == cert.subject_der() && a.spki_der() == cert.spki_der())
            })
            .map(|(_, anchor)| *anchor)
    }

    fn issued(&mut self, child: &Cert, issuer: &Cert) -> bool {
        let key = (child.der.clone(), issuer.der.clone());
        if let Some(known) = self.verified.get(&key) {
            return *known;
        }
        self.steps += 1;
        let ok = self.steps <= MAX_STEPS
            && issuer
                .public_key()
                .is_ok_and(|issuer_key| child.signed_by(&issuer_key));
        self.verified.insert(key, ok);
        ok
    }
}

/// The checks on a built path at `at`.
pub fn check_path(path: &Path, at: Duration, usage: Usage) -> Result<(), ChainProblem> {
    for cert in &path.certs {
        check_period(cert, at)?;
        check_critical_extensions(cert)?;
    }
    for (below, ca) in path.certs.iter().enumerate().skip(1) {
        check_ca(ca, below - 1)?;
    }
    if let Ok(Some((_, bc))) = path
        .anchor
        .certificate
        .tbs_certificate()
        .get_extension::<BasicConstraints>()
        && let Some(limit) = bc.path_len_constraint
        && path.certs.len() - 1 > usize::from(limit)
    {
        let subject = path
            .anchor
            .certificate
            .tbs_certificate()
            .subject()
            .to_string();
        return Err(ChainProblem::PathTooLong(subject));
    }
    check_leaf(&path.certs[0], usage)
}

fn check_period(cert: &Cert, at: Duration) -> Result<(), ChainProblem> {
    match cert.valid_at(at) {
        Ok(()) => Ok(()),
        Err(true) => Err(ChainProblem::NotYetValid(cert.subject(), iso(at))),
        Err(false) => Err(ChainProblem::Expired(cert.subject(), iso(at))),
    }
}

/// A CA certificate with `intermediates_below` non-leaf certificates under it.
fn check_ca(cert: &Cert, intermediates_below: usize) -> Result<(), ChainProblem> {
    let tbs = cert.cert.tbs_certificate();
    let Ok(Some((_, bc))) = tbs.get_extension::<BasicConstraints>() else {
        return Err(ChainProblem::NotCa(cert.subject()));
    };
    if !bc.ca {
        return Err(ChainProblem::NotCa(cert.subject()));
    }
    if bc
        .path_len_constraint
        .is_some_and(|limit| intermediates_below > usize::from(limit))
    {
        return Err(ChainProblem::PathTooLong(cert.subject()));
    }
    if let Ok(Some((_, ku))) = tbs.get_extension::<KeyUsage>()
        && !ku.key_cert_sign()
    {
        return Err(ChainProblem::NoKeyCertSign(cert.subject()));
    }
    Ok(())
}

fn check_leaf(cert: &Cert, usage: Usage) -> Result<(), ChainProblem> {
    match usage {
        Usage::Signing => match cert.cert.tbs_certificate().get_extension::<KeyUsage>() {
            Ok(Some((_, ku))) if !ku.digital_signature() && !ku.non_repudiation() => {
                Err(ChainProblem::LeafUsage)
            }
            _ => Ok(()),
        },
        Usage::TimeStamping => match cert.extended_key_usage() {
            Some((true, usages)) if usages == [oid::KP_TIME_STAMPING] => Ok(()),
            _ => Err(ChainProblem::TimeStampingUsage),
        },
    }
}

/// Extensions whose critical form we process (or which constrain nothing we rely on).
const UNDERSTOOD: [&str; 10] = [
    "2.5.29.15",            // keyUsage
    "2.5.29.17",            // subjectAltName
    "2.5.29.19",            // basicConstraints
    "2.5.29.14",            // subjectKeyIdentifier
    "2.5.29.35",            // authorityKeyIdentifier
    "2.5.29.37",            // extKeyUsage
    "2.5.29.31",            // cRLDistributionPoints
    "2.5.29.32",            // certificatePolicies: any policy is accepted
    "1.3.6.1.5.5.7.1.1",    // authorityInfoAccess
    "1.3.6.1.5.5.7.48.1.5", // id-pkix-ocsp-nocheck
];

fn check_critical_extensions(cert: &Cert) -> Result<(), ChainProblem> {
    let Some(extensions) = cert.cert.tbs_certificate().extensions() else {
        return Ok(());
    };
    for extension in extensions.iter().filter(|e| e.critical) {
        if !UNDERSTOOD
            .iter()
            .any(|known| ObjectIdentifier::new(known).ok() == Some(extension.extn_id))
        {
            return Err(ChainProblem::UnsupportedCritical(
                cert.subject(),
                extension.extn_id.to_string(),
            ));
        }
    }
    Ok(())
}
