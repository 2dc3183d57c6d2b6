//! PAdES B-LT at signing (docs/signatures-design.md §3.5, slice 6): right after a signature
//! is made, the validation data of its certificates and of the timestamp's — the certificates
//! of both paths, the OCSP answers about the signer and the TSA, and the CRLs of the root
//! (about the issuing CA) and of the issuing CA — go into the file's DSS in a new incremental
//! update ([`tinhso_pades::sign::add_dss`]), so the file can be checked long after, offline.
//!
//! Two ways, by whose certificates they are:
//!
//! - **Any chain** (an external CA's certificate on a token or at a remote provider, an
//!   external TSA, an agency's HSM certificate): the signer's path (with the chain the signing
//!   sent) and the TSA's (the token's certificates) are built to the configured trust anchors
//!   ([`crate::service::trust`]), and the certificates' own OCSP responders and CRL addresses
//!   are asked online ([`crate::online::fetch_statuses`], through the request-forgery guard,
//!   reading the shared cache but writing nothing to it). The DSS then holds the paths, the
//!   anchors included, and the answers.
//! - **The demo CA's certificates timestamped by the demo TSA**: the status services asked are
//!   the platform's own, **in process** (as the timestamp is): the OCSP responder
//!   ([`pki::ocsp_response`], read-only) and the kept CRLs ([`pki::kept_crl`], read-only; a
//!   fresh one is built only when none is kept, within [`CRL_WAIT`], and the hourly sweep keeps
//!   them current). Nothing here writes to the database on the path the seal takes: the agency's
//!   seal is signed inside the issuing transaction, where a write from another connection would
//!   wait for it on SQLite.
//!
//! When an answer is missing or does not say "good" for every certificate, the file stays
//! B-T and the reason comes back as a warning for the audit row; the signing is not refused.

use crate::pki::{self, Role};
use crate::store;
use std::time::{Duration, SystemTime};
use tinhso_kernel::Ctx;
use tinhso_pades::ca::certs::Ca;
use tinhso_pades::chain::Usage;
use tinhso_pades::revocation::{self, RevocationData, Status};
use tinhso_pades::sign::{self, ValidationData};
use tinhso_pades::{Anchor, Trust};

/// How long a signing waits for a CRL to be built when none is kept.
const CRL_WAIT: Duration = Duration::from_secs(3);

/// `signed` with its validation data in a DSS (B-LT), or as it was (B-T) with the reason:
/// `signer` the signing certificate, `chain` the CA certificates sent with it, `tsa` the
/// timestamp token's certificates (the TSA's first).
pub async fn extend(
    ctx: &Ctx,
    signed: Vec<u8>,
    signer: &[u8],
    chain: &[Vec<u8>],
    tsa: &[Vec<u8>],
) -> (Vec<u8>, Result<(), String>) {
    let gathered = if demo_signing(ctx, signer).await {
        validation_data(ctx, signer).await
    } else {
        online_data(ctx, signer, chain, tsa).await
    };
    let data = match gathered {
        Ok(data) => data,
        Err(reason) => {
            tracing::warn!(%reason, "signatures: the signature stays B-T");
            return (signed, Err(reason));
        }
    };
    let input = signed.clone();
    match tokio::task::spawn_blocking(move || sign::add_dss(&input, &data)).await {
        Ok(Ok(extended)) => (extended, Ok(())),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "signatures: no DSS, the signature stays B-T");
            (signed, Err(e.to_string()))
        }
        Err(e) => (signed, Err(e.to_string())),
    }
}

/// Whether the demo CA issued `signer` and its TSA timestamps (no external TSA configured):
/// then its own services answer, in process.
async fn demo_signing(ctx: &Ctx, signer: &[u8]) -> bool {
    if crate::tsa::Tsa::external(ctx) {
        return false;
    }
    let Ok(Some(issuing)) = store::authority(&ctx.db, Role::Issuing.as_str()).await else {
        return false;
    };
    <x509_cert::Certificate as der::Decode>::from_der(signer)
        .is_ok_and(|c| c.tbs_certificate().issuer().to_string() == issuing.subject)
}

/// The validation data of any chain: both paths built to the configured anchors, their
/// certificates' own responders asked online; an error when a path is missing or some
/// certificate of it is left without a "good" answer.
async fn online_data(
    ctx: &Ctx,
    signer: &[u8],
    chain: &[Vec<u8>],
    tsa: &[Vec<u8>],
) -> Result<ValidationData, String> {
    if !ctx.config.signatures.online_revocation {
        return Err("online revocation fetching is off".into());
    }
    let (tsa_leaf, tsa_chain) = tsa
        .split_first()
        .ok_or("the timestamp token carries no certificate")?;
    let trust = crate::service::trust(ctx)
        .await
        .map_err(|e| e.to_string())?;
    let leaves = [
        (signer, chain, Usage::Signing),
        (tsa_leaf.as_slice(), tsa_chain, Usage::TimeStamping),
    ];
    let now = SystemTime::now();
    let check = |leaf: &[u8], candidates: &[Vec<u8>], usage, data: &RevocationData| {
        let candidates: Vec<&[u8]> = candidates.iter().map(Vec::as_slice).collect();
        revocation::check_certificate(leaf, &candidates, usage, &trust, data, now, now)
            .ok_or("a certificate does not read")
    };
    let mut answers = RevocationData::default();
    for (leaf, candidates, usage) in leaves {
        let (path, statuses) = check(leaf, candidates, usage, &RevocationData::default())?;
        if let Some(problem) = path.problem {
            return Err(format!("no path to a trust anchor: {problem:?}"));
        }
        let fetched =
            crate::online::fetch_statuses(ctx, &statuses, crate::online::Keep::ReadOnly).await;
        answers.ocsp_responses.extend(fetched.ocsp_responses);
        answers.crls.extend(fetched.crls);
    }
    let mut data = ValidationData {
        ocsp_responses: answers.ocsp_responses.clone(),
        crls: answers.crls.clone(),
        ..ValidationData::default()
    };
    let mut push = |der: Vec<u8>| {
        if !data.certificates.contains(&der) {
            data.certificates.push(der);
        }
    };
    for (leaf, candidates, usage) in leaves {
        let (path, statuses) = check(leaf, candidates, usage, &answers)?;
        if let Some(status) = statuses.iter().find(|s| s.status != Status::Good) {
            return Err(format!(
                "{} ({}): {:?}",
                status.subject, status.serial, status.status
            ));
        }
        push(leaf.to_vec());
        candidates.iter().cloned().for_each(&mut push);
        // The configured intermediates and the anchor the path went through.
        let named = |c: &x509_cert::Certificate| {
            let subject = c.tbs_certificate().subject().to_string();
            path.path.contains(&subject) || path.anchor.as_deref() == Some(subject.as_str())
        };
        let configured = trust
            .intermediates
            .iter()
            .chain(trust.anchors.iter().map(|a| &a.certificate));
        for certificate in configured.filter(|c| named(c)) {
            if let Ok(der) = der::Encode::to_der(certificate) {
                push(der);
            }
        }
    }
    Ok(data)
}

/// The certificates and the answers about the signer's and the TSA's paths; an error when
/// some certificate of either path is left without a "good" answer.
async fn validation_data(ctx: &Ctx, signer: &[u8]) -> Result<ValidationData, String> {
    let der = |role: Role| async move {
        match store::authority(&ctx.db, role.as_str()).await {
            Ok(Some(row)) => pki::decode_b64(&row.certificate).map_err(|e| e.to_string()),
            Ok(None) => Err(format!("no {} authority", role.as_str())),
            Err(e) => Err(e.to_string()),
        }
    };
    let (root, issuing, tsa, responder) = (
        der(Role::Root).await?,
        der(Role::Issuing).await?,
        der(Role::Tsa).await?,
        der(Role::Ocsp).await?,
    );
    let root_certificate = <x509_cert::Certificate as der::Decode>::from_der(&root)
        .map_err(|e| format!("root: {e}"))?;
    let trust = Trust {
        anchors: vec![Anchor {
            certificate: root_certificate,
            demo: true,
        }],
        intermediates: Vec::new(),
    };

    let mut data = ValidationData {
        certificates: vec![
            signer.to_vec(),
            issuing.clone(),
            tsa.clone(),
            responder,
            root,
        ],
        ..ValidationData::default()
    };
    for ca in [Ca::Root, Ca::Issuing] {
        data.crls.push(crl(ctx, ca).await?);
    }
    let now = SystemTime::now();
    let leaves = [
        (signer, Usage::Signing),
        (tsa.as_slice(), Usage::TimeStamping),
    ];
    let candidates = [issuing.as_slice()];
    for (leaf, usage) in leaves {
        let (_, statuses) = revocation::check_certificate(
            leaf,
            &candidates,
            usage,
            &trust,
            &RevocationData::default(),
            now,
            now,
        )
        .ok_or("a certificate does not read")?;
        for request in statuses.iter().filter_map(|s| s.ocsp_request.as_ref()) {
            let answer = pki::ocsp_response(ctx, request)
                .await
                .map_err(|e| format!("OCSP: {e}"))?;
            // The responder answers for the issuing CA's certificates only.
            if revocation::ocsp_knows(&answer, request) {
                data.ocsp_responses.push(answer);
            }
        }
    }

    // Every certificate of both paths must now be good with this data alone.
    let answers = RevocationData {
        ocsp_responses: data.ocsp_responses.clone(),
        crls: data.crls.clone(),
    };
    for (leaf, usage) in leaves {
        let (chain, statuses) =
            revocation::check_certificate(leaf, &candidates, usage, &trust, &answers, now, now)
                .ok_or("a certificate does not read")?;
        if let Some(problem) = chain.problem {
            return Err(format!("no path to the demo root: {problem:?}"));
        }
        if let Some(status) = statuses.iter().find(|s| s.status != Status::Good) {
            return Err(format!(
                "{} ({}): {:?}",
                status.subject, status.serial, status.status
            ));
        }
    }
    Ok(data)
}

/// A CA's CRL: the kept one, else one built now (within [`CRL_WAIT`]).
async fn crl(ctx: &Ctx, ca: Ca) -> Result<Vec<u8>, String> {
    if let Some(kept) = pki::kept_crl(ctx, ca).await.map_err(|e| e.to_string())? {
        return Ok(kept);
    }
    match tokio::time::timeout(CRL_WAIT, pki::crl(ctx, ca)).await {
        Ok(Ok(Some(der))) => Ok(der),
        Ok(Ok(None)) => Err("no demo CA".into()),
        Ok(Err(e)) => Err(format!("CRL: {e}")),
        Err(_) => Err("the CRL could not be built in time".into()),
    }
}
