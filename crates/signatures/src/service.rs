//! Checking a PDF: the configured trust read, the work done off the async threads, and the
//! crate's errors turned into answers people understand.

use bytes::Bytes;
use std::time::SystemTime;
use tinhso_kernel::Ctx;
use tinhso_kernel::error::AppError;
use tinhso_kernel::signing::Holder;
use tinhso_pades::{Anchor, DocumentReport, PadesError, RevocationData, Trust};

/// The largest PDF checked (a signed decision with its appendices is a few MB).
pub const MAX_PDF_BYTES: usize = 20 * 1024 * 1024;

/// The trust anchors and intermediates of the configuration, read now (so an operator's change
/// applies at the next check), and the demo CA's root (marked demo) with its issuing CA while
/// the setting trusts it. Nothing configured: nothing is trusted, chains stay indeterminate.
pub async fn trust(ctx: &Ctx) -> Result<Trust, AppError> {
    let config = &ctx.config.signatures;
    let mut trust = Trust::default();
    if let Some(path) = &config.trust_anchors_file {
        trust
            .add_anchors_pem(&read_pem(path).await?, false)
            .map_err(|e| configuration(path, &e))?;
    }
    if let Some(path) = &config.intermediates_file {
        trust
            .add_intermediates_pem(&read_pem(path).await?)
            .map_err(|e| configuration(path, &e))?;
    }
    if let Some((root, issuing)) = crate::pki::trusted_demo_chain(ctx).await? {
        trust.anchors.push(Anchor {
            certificate: root,
            demo: true,
        });
        trust.intermediates.push(issuing);
    }
    Ok(trust)
}

async fn read_pem(path: &std::path::Path) -> Result<Vec<u8>, AppError> {
    tokio::fs::read(path)
        .await
        .map_err(|e| configuration(path, &e))
}

/// A broken trust configuration is the operator's to fix: logged in full, a 500 for the caller.
fn configuration(path: &std::path::Path, e: &dyn std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!(
        "signatures: the trust file {} cannot be used: {e}",
        path.display()
    ))
}

/// Every signature of `pdf`, checked against the configured trust at this moment.
pub async fn validate(ctx: &Ctx, pdf: Bytes) -> Result<DocumentReport, AppError> {
    if !pdf.starts_with(b"%PDF-") {
        return Err(not_a_pdf());
    }
    if pdf.len() > MAX_PDF_BYTES {
        return Err(AppError::PayloadTooLarge);
    }
    let trust = trust(ctx).await?;
    let first = check(pdf.clone(), trust.clone(), RevocationData::default()).await?;
    if !ctx.config.signatures.online_revocation || !crate::online::wanted(&first) {
        return Ok(first);
    }
    // A certificate without an answer in the file: asked online, then the file checked again
    // with what came back (the second check costs what the first did; answers are cached).
    let fetched = crate::online::fetch(ctx, &first).await;
    if fetched.ocsp_responses.is_empty() && fetched.crls.is_empty() {
        return Ok(first);
    }
    check(pdf, trust, fetched).await
}

/// One check of `pdf`, off the async threads.
async fn check(
    pdf: Bytes,
    trust: Trust,
    revocation: RevocationData,
) -> Result<DocumentReport, AppError> {
    let report = tokio::task::spawn_blocking(move || {
        tinhso_pades::validate(&pdf, &trust, &revocation, SystemTime::now())
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("signatures: {e}")))?;
    report.map_err(unreadable)
}

fn not_a_pdf() -> AppError {
    AppError::validation(
        "file",
        "Tệp không phải PDF: chỉ kiểm tra được chữ ký số trên tệp PDF.",
    )
}

/// What a file the crate could not check gets: the crate's own Vietnamese reason.
fn unreadable(e: PadesError) -> AppError {
    match e {
        PadesError::TooLarge(_) => AppError::PayloadTooLarge,
        other => AppError::validation("file", other.to_string()),
    }
}

/// The checker the other modules call through the kernel ([`tinhso_kernel::signing`]).
pub static CHECKER: tinhso_kernel::signing::SignatureChecker =
    tinhso_kernel::signing::SignatureChecker {
        check: |ctx, pdf| Box::pin(checked(ctx, pdf)),
    };

/// The short form of `pdf`'s signatures, each with the holder of its certificate when the
/// register holds it (the demo CA's, or an external certificate registered to an official),
/// matched by issuer and serial.
async fn checked(ctx: &Ctx, pdf: Bytes) -> tinhso_kernel::signing::Checked {
    let report = validate(ctx, pdf).await?;
    let mut checks = crate::check::summaries(&report);
    let issuers: Vec<Option<String>> = report
        .signatures
        .iter()
        .map(|s| s.signer.as_ref().map(|c| c.issuer.clone()))
        .collect();
    let keys: Vec<(String, String)> = checks
        .iter()
        .zip(&issuers)
        .filter_map(|(c, issuer)| Some((issuer.clone()?, c.serial.clone()?)))
        .collect();
    let holders = crate::store::holders(&ctx.db, &keys).await?;
    for (check, issuer) in checks.iter_mut().zip(&issuers) {
        let (Some(serial), Some(issuer)) = (check.serial.as_deref(), issuer.as_deref()) else {
            continue;
        };
        check.holder = holders
            .iter()
            .find(|h| h.0 == issuer && h.1 == serial)
            .and_then(|(_, _, kind, user, agency)| match kind.as_str() {
                "person" => user.clone().map(Holder::Person),
                "agency" => agency.clone().map(Holder::Agency),
                _ => None,
            });
    }
    Ok(checks)
}
