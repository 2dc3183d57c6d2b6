//! One signature from integrity to indication (docs/signatures-design.md §6): the timestamp
//! gives the validation time, the chain is built and checked at that time, revocation is
//! looked up in the data at hand, the later revisions are compared with the signed one, and
//! the findings become an ETSI EN 319 102-1 indication with Vietnamese reasons and a level.

use crate::cert::{Cert, iso};
use crate::chain::{self, Trust, Usage};
use crate::changes::{self, ChangesReport};
use crate::pdf::lexer::Object;
use crate::pdf::{Document, Resolved, SignatureDictionary};
use crate::report::{Finding, Indication, Integrity, Level, Reason, SignatureReport};
use crate::revocation::{self, Kind, Raw, RevocationData, Source, Status};
use crate::signature::{self, Signed, SignedCms, SignedKind};
use crate::timestamp;
use std::time::Duration;

/// What the caller brings: trust, revocation answers, the current time.
pub struct Context<'c> {
    pub trust: &'c Trust,
    pub revocation: &'c RevocationData,
    /// Unix time.
    pub now: Duration,
}

/// DSS entries read beyond this are ignored.
const MAX_DSS_ENTRIES: usize = 500;

/// The reports of every signature of `doc`.
pub fn validate_all(
    doc: &Document,
    found: &[SignatureDictionary],
    ctx: &Context,
) -> Vec<SignatureReport> {
    let (dss_certs, mut data) = read_dss(doc);
    data.extend(caller_data(ctx.revocation));
    let docmdp = changes::docmdp_permission(doc);
    let verified: Vec<(SignatureReport, Option<Signed>)> =
        found.iter().map(|s| signature::verify(doc, s)).collect();
    let mut document_timestamps = Vec::new();
    let mut reports = Vec::new();
    for (mut report, signed) in verified {
        if let Some(signed) = signed {
            report.changes = Some(changes::analyse(doc, signed.signed_end, docmdp));
            match &signed.kind {
                SignedKind::DocumentTimestamp {
                    token,
                    digest_parts,
                } => {
                    let parts: Vec<&[u8]> = digest_parts.iter().map(Vec::as_slice).collect();
                    let checked = timestamp::check(token, &parts, ctx.trust, &dss_certs);
                    if checked.gen_time.is_some() {
                        document_timestamps.push(signed.signed_end);
                    }
                    report.chain = checked.report.chain.clone();
                    let token = checked.token_signature;
                    report.signer = token.signer;
                    report.digest_algorithm = token.digest_algorithm;
                    report.signature_algorithm = token.signature_algorithm;
                    report.legacy_algorithms = token.legacy_algorithms;
                    report.warnings.extend(token.warnings);
                    report.timestamp = Some(checked.report);
                }
                SignedKind::Cms(cms) => validate_cms(&mut report, cms, &dss_certs, &data, ctx),
            }
            reports.push((report, Some(signed.signed_end)));
        } else {
            reports.push((report, None));
        }
    }
    reports
        .into_iter()
        .map(|(mut report, signed_end)| {
            decide(&mut report, signed_end, &document_timestamps);
            report
        })
        .collect()
}

/// Timestamp, chain and revocation of an intact CMS signature.
fn validate_cms(
    report: &mut SignatureReport,
    cms: &SignedCms,
    dss_certs: &[Cert],
    data: &[Raw],
    ctx: &Context,
) {
    let mut extra: Vec<Cert> = cms.certificates.clone();
    extra.extend(dss_certs.iter().cloned());
    let mut validation_time = ctx.now;
    if let Some(token) = cms.timestamp_tokens.first() {
        let checked = timestamp::check(token, &[&cms.signature_value], ctx.trust, &extra);
        if let Some(gen_time) = checked.gen_time {
            validation_time = gen_time;
            report.time_proven = true;
        }
        report.timestamp = Some(checked.report);
    }
    report.validation_time = Some(iso(validation_time));
    let mut all_data = data.to_vec();
    all_data.extend(cms.revocation.iter().cloned());
    let pool = chain::candidate_pool(extra.iter(), ctx.trust);
    let (path, chain_report) = chain::validate(
        &cms.signer,
        &pool,
        ctx.trust,
        validation_time,
        Usage::Signing,
    );
    report.chain = Some(chain_report);
    if let Some(path) = path {
        report.revocation = revocation::check(&path, &all_data, validation_time, ctx.now);
    }
}

fn caller_data(data: &RevocationData) -> Vec<Raw> {
    let ocsp = data.ocsp_responses.iter().map(|der| Raw {
        source: Source::Caller,
        kind: Kind::Ocsp,
        der: der.clone(),
    });
    let crl = data.crls.iter().map(|der| Raw {
        source: Source::Caller,
        kind: Kind::Crl,
        der: der.clone(),
    });
    ocsp.chain(crl).collect()
}

/// The certificates and revocation answers of the catalog's `/DSS` (`/Certs /OCSPs /CRLs`);
/// what does not read is skipped (it could only have added evidence).
fn read_dss(doc: &Document) -> (Vec<Cert>, Vec<Raw>) {
    let mut certs = Vec::new();
    let mut data = Vec::new();
    let Some(dss) = dss_dict(doc) else {
        return (certs, data);
    };
    for (key, kind) in [
        (&b"Certs"[..], None),
        (b"OCSPs", Some(Kind::Ocsp)),
        (b"CRLs", Some(Kind::Crl)),
    ] {
        for bytes in dss_streams(doc, dss.get(key)) {
            match kind {
                None => certs.extend(Cert::from_der(&bytes)),
                Some(kind) => data.push(Raw {
                    source: Source::Dss,
                    kind,
                    der: bytes,
                }),
            }
        }
    }
    (certs, data)
}

fn dss_dict(doc: &Document) -> Option<crate::pdf::lexer::Dict> {
    let root = doc.trailer().get(b"Root")?;
    let catalog = doc.deref(root).ok()??.object;
    let dss = doc.deref(catalog.as_dict()?.get(b"DSS")?).ok()??.object;
    match dss {
        Object::Dict(d) => Some(d),
        _ => None,
    }
}

fn dss_streams(doc: &Document, array: Option<&Object>) -> Vec<Vec<u8>> {
    let Some(array) = array else {
        return Vec::new();
    };
    let items = match doc.deref(array) {
        Ok(Some(Resolved {
            object: Object::Array(items),
            ..
        })) => items,
        _ => return Vec::new(),
    };
    items
        .iter()
        .take(MAX_DSS_ENTRIES)
        .filter_map(|item| doc.deref(item).ok().flatten())
        .filter_map(|resolved| doc.stream_bytes(&resolved).ok())
        .collect()
}

/// The indication, reasons and level from the findings.
fn decide(report: &mut SignatureReport, signed_end: Option<usize>, document_timestamps: &[usize]) {
    let mut verdict = Verdict::default();
    if let Integrity::Failed { reason } = &report.integrity {
        verdict.fail(Reason::of(reason.code(), reason));
    }
    judge_changes(&mut verdict, report.changes.as_ref());
    judge_timestamp(&mut verdict, report);
    judge_chain(&mut verdict, report);
    judge_revocation(&mut verdict, report);
    report.set_indication(verdict.indication());
    report.reasons = verdict.reasons;
    report.level = level(report, signed_end, document_timestamps);
}

#[derive(Default)]
struct Verdict {
    failed: bool,
    indeterminate: bool,
    reasons: Vec<Reason>,
}

impl Verdict {
    fn fail(&mut self, reason: Reason) {
        self.failed = true;
        self.reasons.push(reason);
    }

    fn open(&mut self, reason: Reason) {
        self.indeterminate = true;
        self.reasons.push(reason);
    }

    fn indication(&self) -> Indication {
        if self.failed {
            Indication::TotalFailed
        } else if self.indeterminate {
            Indication::Indeterminate
        } else {
            Indication::TotalPassed
        }
    }
}

fn judge_changes(verdict: &mut Verdict, changes: Option<&ChangesReport>) {
    let Some(changes) = changes else { return };
    if changes.modified() {
        verdict.fail(Finding::ModifiedAfterSigning.reason());
    } else if changes.unchecked {
        verdict.open(Finding::ChangesUnchecked.reason());
    }
}

fn judge_timestamp(verdict: &mut Verdict, report: &SignatureReport) {
    if let Some(problem) = report.timestamp.as_ref().and_then(|t| t.problem.as_ref()) {
        verdict.open(Reason::of(problem.code(), problem));
    }
}

fn judge_chain(verdict: &mut Verdict, report: &mut SignatureReport) {
    let Some(chain) = &report.chain else { return };
    if chain.demo {
        report.warnings.push(Finding::DemoAnchor.to_string());
    }
    let Some(problem) = &chain.problem else {
        return;
    };
    let reason = Reason::of(problem.code(), problem);
    if problem.is_indeterminate() || (problem.is_period() && !report.time_proven) {
        verdict.open(reason);
    } else {
        verdict.fail(reason);
    }
}

fn judge_revocation(verdict: &mut Verdict, report: &mut SignatureReport) {
    let mut unknown = false;
    for status in &report.revocation {
        match &status.status {
            Status::Revoked {
                time,
                before_validation_time: true,
            } => {
                verdict.fail(Finding::RevokedBefore(status.subject.clone(), time.clone()).reason())
            }
            Status::Revoked { time, .. } => report
                .warnings
                .push(Finding::RevokedAfter(status.subject.clone(), time.clone()).to_string()),
            Status::Unknown { .. } => unknown = true,
            Status::Good => {}
        }
    }
    if unknown {
        report.warnings.push(Finding::RevocationUnknown.to_string());
    }
}

/// B-B for a PAdES signature, B-T with a valid signature timestamp, B-LT when the document
/// carries the revocation data of the whole path, B-LTA when a valid document timestamp
/// covers a later revision.
fn level(
    report: &SignatureReport,
    signed_end: Option<usize>,
    document_timestamps: &[usize],
) -> Option<Level> {
    if report.sub_filter.as_deref() != Some("ETSI.CAdES.detached")
        || report.integrity != Integrity::Ok
    {
        return None;
    }
    if !report.time_proven {
        return Some(Level::BB);
    }
    let embedded = report.chain.as_ref().is_some_and(|c| c.problem.is_none())
        && !report.revocation.is_empty()
        && report
            .revocation
            .iter()
            .all(|s| s.status != Status::Good || s.source.is_some_and(Source::embedded))
        && report.revocation.iter().all(|s| s.status == Status::Good);
    if !embedded {
        return Some(Level::BT);
    }
    let archived = signed_end.is_some_and(|end| document_timestamps.iter().any(|t| *t > end));
    Some(if archived { Level::BLta } else { Level::BLt })
}
