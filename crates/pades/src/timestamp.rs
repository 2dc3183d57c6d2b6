//! RFC 3161 timestamp tokens (docs/signatures-design.md §6.3): a signature timestamp (the
//! unsigned attribute `id-aa-signatureTimeStampToken`, whose imprint is the hash of the
//! SignerInfo's signature value) and a document timestamp (`/SubFilter /ETSI.RFC3161`, whose
//! imprint is the hash of the signed byte ranges). The token is a CMS verified like a
//! signature (encapsulated TSTInfo, ESS signing-certificate required), its TSA certificate must
//! carry the critical extended key usage timeStamping alone and chain to an anchor at the
//! token's `genTime`, which then becomes the time the signature is validated at.

use crate::asn1::{TstInfo, oid};
use crate::cert::{Cert, iso};
use crate::chain::{self, ChainReport, Trust, Usage};
use crate::crypto::DigestAlgorithm;
use crate::report::{Problem, SignatureReport};
use crate::signature::{Content, Ess, RawCms, verify_signer};
use der::Decode;
use der::asn1::OctetString;
use serde::Serialize;
use std::time::Duration;

/// Why a timestamp token is not valid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TimestampProblem {
    #[error("Dấu thời gian không đọc được hoặc không hợp lệ: {0}")]
    Token(Problem),
    #[error("Dấu thời gian không đọc được (TSTInfo sai)")]
    TstInfoUnreadable,
    #[error("Dấu thời gian không gắn với dữ liệu đã ký (message imprint không khớp)")]
    ImprintMismatch,
    #[error("Chứng thư số của đơn vị cấp dấu thời gian không hợp lệ: {0}")]
    Chain(chain::ChainProblem),
}

impl TimestampProblem {
    pub fn code(&self) -> &'static str {
        match self {
            TimestampProblem::Token(_) => "timestamp_token_invalid",
            TimestampProblem::TstInfoUnreadable => "timestamp_tst_info_unreadable",
            TimestampProblem::ImprintMismatch => "timestamp_imprint_mismatch",
            TimestampProblem::Chain(_) => "timestamp_chain_invalid",
        }
    }
}

crate::report::serialize_as_problem!(TimestampProblem);

/// The timestamp part of a report.
#[derive(Clone, Debug, Serialize)]
pub struct TimestampReport {
    /// `genTime`, ISO 8601 (fractions dropped).
    pub time: Option<String>,
    /// The TSA certificate's subject.
    pub tsa: Option<String>,
    pub valid: bool,
    pub problem: Option<TimestampProblem>,
    pub chain: Option<ChainReport>,
}

/// A checked token: its report, and `genTime` when valid.
pub struct Checked {
    pub report: TimestampReport,
    pub gen_time: Option<Duration>,
    /// The token's certificates (for the candidate pool of later checks).
    pub certificates: Vec<Cert>,
    /// The token's own signature: its signer (the TSA) and algorithms, as read.
    pub token_signature: SignatureReport,
}

/// Checks `token` (ContentInfo DER) whose imprint must be the digest of `imprinted`.
pub fn check(token: &[u8], imprinted: &[&[u8]], trust: &Trust, extra: &[Cert]) -> Checked {
    let mut checked = Checked {
        report: TimestampReport {
            time: None,
            tsa: None,
            valid: false,
            problem: None,
            chain: None,
        },
        gen_time: None,
        certificates: Vec::new(),
        token_signature: SignatureReport::new(None, 0, None, None),
    };
    match check_token(token, imprinted, trust, extra, &mut checked) {
        Ok(gen_time) => {
            checked.report.valid = true;
            checked.gen_time = Some(gen_time);
        }
        Err(problem) => checked.report.problem = Some(problem),
    }
    checked
}

fn check_token(
    token: &[u8],
    imprinted: &[&[u8]],
    trust: &Trust,
    extra: &[Cert],
    checked: &mut Checked,
) -> Result<Duration, TimestampProblem> {
    let cms = RawCms::read(token).map_err(TimestampProblem::Token)?;
    checked.certificates = cms.certificates.iter().map(|(_, c)| c.clone()).collect();
    let signer_info = cms
        .signer_info(Content::Encapsulated(oid::TST_INFO))
        .map_err(TimestampProblem::Token)?;
    let tst_bytes = cms
        .signed_data
        .encap_content_info
        .econtent
        .as_ref()
        .and_then(|any| any.decode_as::<OctetString>().ok())
        .ok_or(TimestampProblem::TstInfoUnreadable)?;
    let tst =
        TstInfo::from_der(tst_bytes.as_bytes()).map_err(|_| TimestampProblem::TstInfoUnreadable)?;
    let gen_time = tst.gen_time.unix_duration();
    checked.report.time = Some(iso(Duration::from_secs(gen_time.as_secs())));
    let verified = verify_signer(
        &cms,
        signer_info,
        oid::TST_INFO,
        &[tst_bytes.as_bytes()],
        Ess::Required,
        &mut checked.token_signature,
    )
    .map_err(TimestampProblem::Token)?;
    checked.report.tsa = Some(verified.signer.subject());
    check_imprint(&tst, imprinted)?;
    let pool = chain::candidate_pool(checked.certificates.iter().chain(extra), trust);
    let (_, chain_report) = chain::validate(
        &verified.signer,
        &pool,
        trust,
        gen_time,
        Usage::TimeStamping,
    );
    let problem = chain_report.problem.clone();
    checked.report.chain = Some(chain_report);
    match problem {
        Some(problem) => Err(TimestampProblem::Chain(problem)),
        None => Ok(gen_time),
    }
}

fn check_imprint(tst: &TstInfo, imprinted: &[&[u8]]) -> Result<(), TimestampProblem> {
    let algorithm = DigestAlgorithm::from_oid(tst.message_imprint.hash_algorithm.oid)
        .ok_or(TimestampProblem::ImprintMismatch)?;
    if tst.message_imprint.hashed_message.as_bytes() != algorithm.digest(imprinted).as_slice() {
        return Err(TimestampProblem::ImprintMismatch);
    }
    Ok(())
}
