//! Where signature timestamps come from (docs/signatures-design.md §3.4): an external RFC 3161
//! timestamp authority when `signatures.tsa_url` names one, else the demo CA's TSA in process
//! ([`crate::pki::timestamp_response`], the demo only).
//!
//! The external TSA is asked over HTTP (`POST`, `Content-Type: application/timestamp-query`)
//! through the guard revocation fetching uses ([`crate::online::Guard`]: `http`/`https` only,
//! no redirects, no proxy, 5 s, a size cap, private addresses only for the hosts in
//! `signatures.fetch_allow_hosts`). Before the answer is handed to `tinhso_pades::sign`, whose
//! [`tinhso_pades::sign::tsp::token_from_response`] checks the status, the token's own
//! signature, the message imprint and the nonce, the TSA's certificate (the token's signer,
//! found by its `sid`) must chain to the configured trust anchors now, with the critical
//! extended key usage timeStamping alone: a token from a TSA nobody trusts is not embedded.
//!
//! Either source keeps the certificates of the last token it handed out, so that B-LT
//! ([`crate::lt`]) can gather the validation data of the TSA's path as well as the signer's.

use cms::cert::CertificateChoices;
use cms::signed_data::{SignedData, SignerIdentifier};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};
use tinhso_kernel::Ctx;
use tinhso_pades::asn1::TimeStampResp;
use tinhso_pades::chain::Usage;
use tinhso_pades::revocation::{self, RevocationData};
use tinhso_pades::sign::{SignError, TimestampSource};
use x509_cert::Certificate;
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::pkix::SubjectKeyIdentifier;

/// How long the TSA may take, connection included.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The largest answer read (a token with its chain is a few KB).
const MAX_RESPONSE_BYTES: usize = 256 * 1024;

/// The timestamp source of this installation, as configured; keeps what it handed out.
#[derive(Clone)]
pub struct Tsa {
    ctx: Ctx,
    runtime: tokio::runtime::Handle,
    /// The certificates of the last token (DER), the TSA's first.
    seen: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Tsa {
    /// The source for a signing run from a blocking thread of the current runtime.
    pub fn of(ctx: &Ctx) -> Tsa {
        Tsa {
            ctx: ctx.clone(),
            runtime: tokio::runtime::Handle::current(),
            seen: Arc::default(),
        }
    }

    /// Whether an external TSA is configured.
    pub fn external(ctx: &Ctx) -> bool {
        ctx.config.signatures.tsa_url.is_some()
    }

    /// The certificates of the last token handed out (DER), the TSA's own first.
    pub fn certificates(&self) -> Vec<Vec<u8>> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    async fn answer(&self, request: &[u8]) -> Result<Vec<u8>, SignError> {
        let Some(url) = self.ctx.config.signatures.tsa_url.clone() else {
            return crate::pki::timestamp_response(&self.ctx, request)
                .await
                .map_err(|e| SignError::Timestamp(e.to_string()));
        };
        let response = post(&self.ctx, &url, request).await?;
        let trust = crate::service::trust(&self.ctx)
            .await
            .map_err(|e| SignError::Timestamp(e.to_string()))?;
        trusted_tsa(&response, &trust, SystemTime::now())?;
        Ok(response)
    }
}

impl TimestampSource for Tsa {
    fn query(&self, request: &[u8]) -> Result<Vec<u8>, SignError> {
        let response = self.runtime.block_on(self.answer(request))?;
        let certificates = token_certificates(&response)
            .map(|(signer, others)| std::iter::once(signer).chain(others).collect())
            .unwrap_or_default();
        *self.seen.lock().unwrap_or_else(PoisonError::into_inner) = certificates;
        Ok(response)
    }
}

/// Posts `request` to the TSA at `url`, through the revocation fetching's guard.
async fn post(ctx: &Ctx, url: &str, request: &[u8]) -> Result<Vec<u8>, SignError> {
    let unavailable = |what: String| SignError::Timestamp(what);
    let guard = crate::online::Guard::of(ctx);
    let parsed = guard
        .check_url(url)
        .map_err(|r| unavailable(format!("địa chỉ TSA bị từ chối ({r:?})")))?;
    let client = crate::online::client(&guard, TIMEOUT)
        .map_err(|e| unavailable(format!("không tạo được kết nối: {e}")))?;
    let sent = client
        .post(parsed)
        .header("content-type", "application/timestamp-query")
        .header("accept", "application/timestamp-reply")
        .body(request.to_vec())
        .send()
        .await;
    let mut response = sent.map_err(|e| {
        tracing::warn!(%url, error = %e, "signatures: the TSA did not answer");
        unavailable("đơn vị cấp dấu thời gian không trả lời".into())
    })?;
    if !response.status().is_success() {
        return Err(unavailable(format!(
            "đơn vị cấp dấu thời gian trả lời {}",
            response.status()
        )));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| unavailable(format!("phản hồi bị ngắt: {e}")))?
    {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(SignError::TimestampInvalid("phản hồi quá lớn".into()));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The token's signer certificate (found by the SignerInfo's `sid`) and its other
/// certificates, as DER; `None` when the answer carries no readable token.
fn token_certificates(response: &[u8]) -> Option<(Vec<u8>, Vec<Vec<u8>>)> {
    let response = TimeStampResp::from_der(response).ok()?;
    let signed = response
        .time_stamp_token?
        .content
        .decode_as::<SignedData>()
        .ok()?;
    let certificates: Vec<Certificate> = signed
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|choice| match choice {
            CertificateChoices::Certificate(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    let sid = &signed.signer_infos.0.iter().next()?.sid;
    let signer = certificates.iter().position(|c| identifies(sid, c))?;
    let der = |c: &Certificate| c.to_der().ok();
    let others = certificates
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != signer)
        .filter_map(|(_, c)| der(c))
        .collect();
    Some((der(&certificates[signer])?, others))
}

fn identifies(sid: &SignerIdentifier, certificate: &Certificate) -> bool {
    let tbs = certificate.tbs_certificate();
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(isn) => {
            isn.serial_number == *tbs.serial_number()
                && isn.issuer.to_der().ok() == tbs.issuer().to_der().ok()
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => matches!(
            tbs.get_extension::<SubjectKeyIdentifier>(),
            Ok(Some((_, own))) if own == *ski
        ),
    }
}

/// Checks that a granted answer's TSA chains to `trust` at `now` for timestamping. A refusal
/// (no token) is left for the signing to report in the TSA's own words.
pub fn trusted_tsa(
    response: &[u8],
    trust: &tinhso_pades::Trust,
    now: SystemTime,
) -> Result<(), SignError> {
    let granted = TimeStampResp::from_der(response)
        .map_err(|_| SignError::TimestampInvalid("phản hồi không đọc được".into()))?;
    if granted.status.status > 1 {
        return Ok(());
    }
    let (signer, others) = token_certificates(response).ok_or_else(|| {
        SignError::TimestampInvalid(
            "mã thông báo không mang chứng thư số của đơn vị cấp dấu thời gian".into(),
        )
    })?;
    let candidates: Vec<&[u8]> = others.iter().map(Vec::as_slice).collect();
    let (chain, _) = revocation::check_certificate(
        &signer,
        &candidates,
        Usage::TimeStamping,
        trust,
        &RevocationData::default(),
        now,
        now,
    )
    .ok_or_else(|| {
        SignError::TimestampInvalid(
            "chứng thư số của đơn vị cấp dấu thời gian không đọc được".into(),
        )
    })?;
    match chain.problem {
        None => Ok(()),
        Some(problem) => Err(SignError::TimestampInvalid(format!(
            "đơn vị cấp dấu thời gian không được tin cậy: {problem}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_carries_no_certificates_and_is_not_trusted() {
        assert!(token_certificates(b"not DER").is_none());
        assert!(matches!(
            trusted_tsa(
                b"not DER",
                &tinhso_pades::Trust::default(),
                SystemTime::now()
            ),
            Err(SignError::TimestampInvalid(_))
        ));
    }

    #[test]
    fn a_token_is_trusted_only_under_its_tsa_s_root() {
        use tinhso_pades::asn1::WideOid;
        use tinhso_pades::ca::{self, DemoPki, Settings};
        let now = SystemTime::now();
        let settings = Settings::new("http://127.0.0.1:9", WideOid::from_uuid(7));
        let pki = DemoPki::create(&settings, now).unwrap();
        let request = tinhso_pades::sign::tsp::request(b"signature", &[1, 2, 3]).unwrap();
        let response = ca::tsa::respond_with_chain(
            &request,
            &pki.tsa,
            std::slice::from_ref(&pki.issuing.certificate),
            &settings.policy,
            now,
        );
        let (signer, others) = token_certificates(&response).unwrap();
        assert_eq!(signer, pki.tsa.der);
        assert_eq!(others, vec![pki.issuing.der.clone()]);
        let anchored = tinhso_pades::Trust {
            anchors: vec![tinhso_pades::Anchor {
                certificate: pki.root.certificate.clone(),
                demo: false,
            }],
            intermediates: Vec::new(),
        };
        trusted_tsa(&response, &anchored, now).unwrap();
        // Another root only: the TSA is not trusted, the token not used.
        let other = DemoPki::create(&settings, now).unwrap();
        let elsewhere = tinhso_pades::Trust {
            anchors: vec![tinhso_pades::Anchor {
                certificate: other.root.certificate.clone(),
                demo: false,
            }],
            intermediates: Vec::new(),
        };
        assert!(matches!(
            trusted_tsa(&response, &elsewhere, now),
            Err(SignError::TimestampInvalid(m)) if m.contains("không được tin cậy")
        ));
        // A rejection carries no token and is left for the signing to report.
        let rejection = ca::tsa::rejection(ca::tsa::Failure::SystemFailure)
            .to_der()
            .unwrap();
        trusted_tsa(&rejection, &elsewhere, now).unwrap();
    }
}
