//! PAdES signatures for Tỉnh Số (docs/signatures-design.md): make them ([`sign`]); read a PDF's
//! signatures, check their integrity, timestamps, certificate chains, revocation and the
//! changes made after signing, offline: [`validate`] takes the trust anchors, the revocation
//! answers the caller fetched, and the current time.
//!
//! [`verify`] reads the file's revisions strictly ([`pdf::Document`]), finds every signature
//! dictionary, and for each checks that its `/ByteRange` starts at 0 and leaves out exactly
//! its own `/Contents` token and ends at the end of a revision, then that the CMS inside
//! verifies: message digest, ESS signing-certificate, signature over the signed attributes
//! ([`crypto`]: RSA PKCS#1 v1.5 and PSS, ECDSA P-256/P-384). The result is a typed
//! [`DocumentReport`] with Vietnamese reasons. Then ([`validation`]): the signature timestamp
//! ([`timestamp`]) gives the validation time, the path is built to a [`Trust`] anchor and
//! checked at that time ([`chain`]), revocation is read from the DSS, the CMS and the caller's
//! [`RevocationData`] ([`revocation`]), the later revisions are compared with the signed one
//! ([`changes`]), and each signature gets an indication, reasons and a PAdES level.
//!
//! [`sign`] makes PAdES signatures (B-B, and B-T with an RFC 3161 timestamp): an incremental
//! update appended to the PDF, a CMS SignedData signed by any [`sign::Signer`] (a software key
//! of the demo CA now; PKCS#11 and remote signers later), the timestamp fetched through a
//! [`sign::TimestampSource`] and checked before it is embedded.
//!
//! Every file is hostile: the work runs on its own thread with a large stack and a deadline,
//! and a panic is caught and reported ([`PadesError::Crashed`]) rather than taking the caller
//! down, as tinhso-extract does. A leaf crate: no database, no HTTP, no network.

pub mod asn1;
pub mod ber;
pub mod ca;
mod cert;
pub mod chain;
pub mod changes;
pub mod crypto;
pub mod pdf;
mod report;
pub mod revocation;
pub mod sign;
mod signature;
pub mod timestamp;
mod validation;

pub use chain::{Anchor, ChainProblem, ChainReport, Trust, TrustError};
pub use changes::{ChangedObject, ChangesReport};
pub use report::{
    CertificateInfo, Coverage, DocumentReport, Finding, Indication, Integrity, Level, Problem,
    Reason, Revision, SignatureReport,
};
pub use revocation::{CertificateStatus, RevocationData};
pub use timestamp::{TimestampProblem, TimestampReport};

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Bounds on the work one file may cause.
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_input_bytes: usize,
    /// Decoded size of one stream (xref and object streams).
    pub max_stream_bytes: usize,
    /// Cross-reference sections (revisions) followed through `/Prev`.
    pub max_sections: usize,
    pub max_fields: usize,
    pub max_field_depth: usize,
    pub budget: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_input_bytes: 256 * 1024 * 1024,
            max_stream_bytes: 64 * 1024 * 1024,
            max_sections: 1000,
            max_fields: 1000,
            max_field_depth: 32,
            budget: Duration::from_secs(20),
        }
    }
}

/// Why a file could not be checked at all (a signature's own failure is in its report).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PadesError {
    #[error("Tệp quá lớn để kiểm tra chữ ký (tối đa {0} byte)")]
    TooLarge(usize),
    #[error("Không đọc được tệp PDF: {0}")]
    Unreadable(#[from] pdf::PdfError),
    #[error("Quá thời gian cho phép khi kiểm tra chữ ký ({0:?})")]
    OverBudget(Duration),
    #[error("Lỗi nội bộ khi đọc tệp PDF (đã được chặn lại)")]
    Crashed,
}

/// Parsers recurse; a hostile file must not overflow a small thread stack.
const PARSER_STACK_BYTES: usize = 32 * 1024 * 1024;

/// Verifies every signature of `bytes` with the default [`Limits`], trusting nothing: the
/// integrity is checked, the chain ends indeterminate.
pub fn verify(bytes: &[u8]) -> Result<DocumentReport, PadesError> {
    verify_with(bytes, &Limits::default())
}

/// [`verify`] within `limits`.
pub fn verify_with(bytes: &[u8], limits: &Limits) -> Result<DocumentReport, PadesError> {
    validate_with(
        bytes,
        &Trust::default(),
        &RevocationData::default(),
        SystemTime::now(),
        limits,
    )
}

/// Validates every signature of `bytes` against `trust` at `now`, with the revocation answers
/// the caller has (embedded ones are read from the file), with the default [`Limits`].
pub fn validate(
    bytes: &[u8],
    trust: &Trust,
    revocation: &RevocationData,
    now: SystemTime,
) -> Result<DocumentReport, PadesError> {
    validate_with(bytes, trust, revocation, now, &Limits::default())
}

/// [`validate`] within `limits`, on a thread of its own; the caller waits at most the budget
/// (and a little more).
pub fn validate_with(
    bytes: &[u8],
    trust: &Trust,
    revocation: &RevocationData,
    now: SystemTime,
    limits: &Limits,
) -> Result<DocumentReport, PadesError> {
    if bytes.len() > limits.max_input_bytes {
        return Err(PadesError::TooLarge(limits.max_input_bytes));
    }
    let now = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let job = std::sync::Arc::new(Job {
        bytes: bytes.to_vec(),
        trust: trust.clone(),
        revocation: revocation.clone(),
        now,
        limits: limits.clone(),
    });
    let worker_job = std::sync::Arc::clone(&job);
    let (tx, rx) = mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name("tinhso-pades".into())
        .stack_size(PARSER_STACK_BYTES)
        .spawn(move || {
            let _ = tx.send(guarded(&worker_job));
        });
    if spawned.is_err() {
        return guarded(&job);
    }
    match rx.recv_timeout(limits.budget + Duration::from_millis(250)) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(PadesError::OverBudget(limits.budget)),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(PadesError::Crashed),
    }
}

/// One validation's inputs, owned by its thread.
struct Job {
    bytes: Vec<u8>,
    trust: Trust,
    revocation: RevocationData,
    now: Duration,
    limits: Limits,
}

/// The last resort: a panic in a parser becomes an error.
fn guarded(job: &Job) -> Result<DocumentReport, PadesError> {
    catch_unwind(AssertUnwindSafe(|| validate_here(job))).unwrap_or(Err(PadesError::Crashed))
}

/// The work itself, on the worker thread.
fn validate_here(job: &Job) -> Result<DocumentReport, PadesError> {
    let (bytes, limits) = (job.bytes.as_slice(), &job.limits);
    let pdf_limits = pdf::Limits {
        max_sections: limits.max_sections,
        max_stream_bytes: limits.max_stream_bytes,
        max_fields: limits.max_fields,
        max_field_depth: limits.max_field_depth,
        deadline: Instant::now() + limits.budget,
    };
    let doc = pdf::Document::parse(bytes, pdf_limits).map_err(|e| match e {
        pdf::PdfError::OverBudget => PadesError::OverBudget(limits.budget),
        other => PadesError::Unreadable(other),
    })?;
    let found = pdf::signature_dictionaries(&doc)?;
    let mut revisions: Vec<Revision> = doc
        .sections
        .iter()
        .map(|s| Revision {
            end: s.end as u64,
            xref_stream: s.is_stream,
        })
        .collect();
    revisions.sort_by_key(|r| r.end);
    revisions.dedup_by_key(|r| r.end);
    Ok(DocumentReport {
        file_bytes: bytes.len() as u64,
        revisions,
        signatures: validation::validate_all(
            &doc,
            &found,
            &validation::Context {
                trust: &job.trust,
                revocation: &job.revocation,
                now: job.now,
            },
        ),
    })
}
