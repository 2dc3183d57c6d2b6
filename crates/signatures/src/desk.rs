//! Signing with a USB token at the signer's desk (docs/signatures-design.md §4): the deferred
//! path. Vietnamese officials often hold their personal key on a USB token (PKCS#11) plugged
//! into their own computer, which the server cannot reach. So the signing is split in three,
//! on the two-phase CMS every other key shares:
//!
//! 1. **Start** ([`start`], through the kernel's [`tinhso_kernel::signing::PdfSigner::start_desk`]):
//!    the tool on the desk posts the certificate it read from the token. It must be a personal
//!    certificate the platform's register holds for this very official (matched as every
//!    personal certificate is: the register's row for its serial, the same DER, `kind =
//!    person`, the official's account), not revoked, within its period, chaining to the
//!    configured trust anchors (the demo root while trusted), with an RSA key of at least 2048
//!    bits (signed with RSASSA-PSS) or a P-256 key (ECDSA). The PDF is then prepared once (the
//!    leader's stamp placed as for every personal signature), kept in the object store, and
//!    the signed attributes and their SHA-256 go back to the tool, in a **signing session**
//!    of kind `desk` that waits [`remote::TTL`] (5 minutes) like a remote one.
//! 2. **The token signs** on the desk (`tinhso desk-sign`, [`crate::desk_tool`]).
//! 3. **Complete** ([`submit`], `POST /api/v1/signing-sessions/{id}/signature`): the raw
//!    signature is checked against the session's certificate over the prepared file's signed
//!    attributes **before anything is stored**; then the session is completed as a remote one
//!    is ([`remote::complete`]: RFC 3161 timestamp, CMS embedded, B-LT when the status
//!    services answer, the asking module's completion storing the version with its audit
//!    rows). A wrong signature (another key, other data, garbage), a late one, one for a
//!    session already ended and one for another person's session are refused with a
//!    Vietnamese RFC 9457 problem, and nothing is stored.
//!
//! The poll (`signatures.poll_remote`) only ends a desk session past its deadline ([`expire`]).

use crate::remote::{self, Session, SessionState, store};
use crate::store::{self as register, CertificateRow};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use std::time::SystemTime;
use tinhso_kernel::Ctx;
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::BoxFut;
use tinhso_kernel::signing::{DeskSignRequest, DeskStarted, PendingSigning, SignAs};
use tinhso_pades::chain::Usage;
use tinhso_pades::crypto::PublicKey;
use tinhso_pades::revocation::{self, RevocationData};
use tinhso_pades::sign::{self, Credential, PreparedPdf, SignatureAlgorithm, SignedAttributes};
use x509_cert::Certificate;
use x509_cert::der::{Decode, DecodePem, Encode};

/// The sessions' kind (their `provider` column) and its name for people.
pub const DESK: &str = "desk";
pub const DESK_NAME: &str = "USB token ký số tại máy trạm (PKCS#11)";

/// The answer to a signature that does not verify with the session's certificate.
pub const SIGNATURE_MISMATCH: &str = "Chữ ký gửi lên không khớp với chứng thư số của phiên ký (ký bằng khóa khác hoặc trên dữ liệu khác): văn bản chưa được ký và không có gì được lưu.";
/// The ending of a session whose signature did not come in time.
pub const EXPIRED: &str = "Phiên ký đã hết hạn (quá 5 phút chưa nhận được chữ ký từ USB token): văn bản chưa được ký. Hãy chạy lại lệnh ký.";

/// The field of the API that carries the certificate.
const CERTIFICATE_FIELD: &str = "DeskCertificate";

/// The certificate as the tool sends it: PEM, or the DER in base64.
pub fn read_certificate(text: &str) -> Result<Vec<u8>, AppError> {
    let unreadable = || {
        AppError::validation(
            CERTIFICATE_FIELD,
            "Chứng thư số gửi lên không đọc được: hãy gửi chứng thư số đọc từ USB token, dạng PEM hoặc DER (base64).",
        )
    };
    let text = text.trim();
    if text.len() > 64 * 1024 {
        return Err(unreadable());
    }
    let certificate = if text.starts_with("-----BEGIN") {
        Certificate::from_pem(text.as_bytes()).map_err(|_| unreadable())?
    } else {
        let der = B64.decode(text).map_err(|_| unreadable())?;
        Certificate::from_der(&der).map_err(|_| unreadable())?
    };
    certificate.to_der().map_err(|_| unreadable())
}

/// The signature algorithm a certificate's key signs with here, or why it cannot sign.
fn algorithm_of(certificate: &Certificate) -> Result<SignatureAlgorithm, AppError> {
    let unsupported = || {
        AppError::validation(
            CERTIFICATE_FIELD,
            "Khóa của chứng thư số không được hỗ trợ: chỉ ký được bằng khóa RSA từ 2048 bit (RSASSA-PSS) hoặc ECDSA P-256.",
        )
    };
    let key = PublicKey::from_spki(certificate.tbs_certificate().subject_public_key_info())
        .map_err(|_| unsupported())?;
    match &key {
        PublicKey::Rsa(_) if key.rsa_bits().unwrap_or(0) < 2048 => Err(AppError::validation(
            CERTIFICATE_FIELD,
            "Khóa RSA của chứng thư số phải dài ít nhất 2048 bit.",
        )),
        PublicKey::Rsa(_) => Ok(SignatureAlgorithm::RsaPssSha256),
        PublicKey::P256(_) => Ok(SignatureAlgorithm::EcdsaP256Sha256),
        PublicKey::P384(_) => Err(unsupported()),
    }
}

/// What the checks of a token's certificate give: its register row, the algorithm and the CA
/// certificates sent with the signature.
struct Checked {
    row: CertificateRow,
    algorithm: SignatureAlgorithm,
    chain: Vec<Vec<u8>>,
    /// Why the certificate's revocation could not be checked, when it could not.
    revocation_warning: Option<String>,
}

/// An external CA's signing certificate `der` asked about online (its OCSP responders, else
/// its CRLs): revoked is refused, no answer gives the warning; `trust` holds its path.
pub(crate) async fn revocation_check(
    ctx: &Ctx,
    der: &[u8],
    chain: &[Vec<u8>],
    trust: &tinhso_pades::Trust,
) -> Result<Option<String>, AppError> {
    use crate::online::{self, Keep, Standing};
    let standing = online::standing(ctx, der, chain, Usage::Signing, trust, Keep::Cache).await;
    match standing.map(|(_, s)| s) {
        Some(Standing::Good) => Ok(None),
        Some(Standing::Revoked { subject, time }) => Err(AppError::Conflict(format!(
            "Chứng thư số \"{subject}\" đã bị thu hồi (từ {time}): không thể ký số. Hãy dùng chứng thư số còn hiệu lực."
        ))),
        Some(Standing::Unknown) | None => {
            tracing::warn!(
                "signatures: signing with a certificate whose revocation could not be checked"
            );
            Ok(Some(online::CANNOT_CHECK.to_owned()))
        }
    }
}

/// `der` checked as `signer`'s own certificate, usable now (module docs, step 1): a person's
/// personal certificate, or an agency's (its seal, on the document clerk's token).
async fn check_certificate(ctx: &Ctx, signer: &SignAs, der: &[u8]) -> Result<Checked, AppError> {
    let certificate = Certificate::from_der(der).map_err(|_| {
        AppError::validation(
            CERTIFICATE_FIELD,
            "Chứng thư số gửi lên không đọc được: hãy gửi chứng thư số đọc từ USB token, dạng PEM hoặc DER (base64).",
        )
    })?;
    let algorithm = algorithm_of(&certificate)?;
    // Matched to its holder as every certificate is: the register, by issuer and serial (the
    // demo CA's certificates and the external ones registered to officials and agencies).
    let tbs = certificate.tbs_certificate();
    let serial = crate::pki::serial_hex(tbs.serial_number());
    let issuer = tbs.issuer().to_string();
    let row = register::certificate_by_issuer_serial(&ctx.db, &issuer, &serial)
        .await?
        .ok_or_else(|| {
            AppError::validation(
                CERTIFICATE_FIELD,
                "Chứng thư số trên USB token chưa được đăng ký trên nền tảng: hãy đề nghị quản trị hệ thống đăng ký chứng thư số này.",
            )
        })?;
    let same_der = crate::pki::decode_b64(&row.certificate).is_ok_and(|kept| kept == der);
    let (holds, not_theirs) = match signer {
        SignAs::Person(user_id) => (
            row.kind == "person" && row.user_id.as_deref() == Some(user_id.as_str()),
            "Chứng thư số trên USB token không phải chứng thư số cá nhân của bạn: chỉ ký được bằng chứng thư số đã đăng ký cho chính bạn.",
        ),
        SignAs::Agency(agency_id) => (
            row.kind == "agency" && row.agency_id.as_deref() == Some(agency_id.as_str()),
            "Chứng thư số trên USB token không phải chứng thư số của cơ quan ban hành: chỉ đóng dấu số được bằng chứng thư số đã đăng ký cho chính cơ quan này.",
        ),
    };
    if !holds || !same_der {
        return Err(AppError::validation(CERTIFICATE_FIELD, not_theirs));
    }
    let now = SystemTime::now();
    crate::sign::usable(&row, now, matches!(signer, SignAs::Agency(_)))?;
    // The path to a trust anchor, now (the configured roots, the demo root while trusted).
    let trust = crate::service::trust(ctx).await?;
    let (report, _) = tokio::task::spawn_blocking({
        let der = der.to_vec();
        let trust = trust.clone();
        move || {
            revocation::check_certificate(
                &der,
                &[],
                Usage::Signing,
                &trust,
                &RevocationData::default(),
                now,
                now,
            )
        }
    })
    .await
    .map_err(|e| remote::internal("task", e))?
    .ok_or_else(|| remote::internal("certificate", "unreadable"))?;
    if let Some(problem) = report.problem {
        return Err(AppError::validation(
            CERTIFICATE_FIELD,
            format!("Chứng thư số trên USB token không dùng để ký được: {problem}."),
        ));
    }
    // An external CA's certificate: its revocation asked of its own responders now (the demo
    // CA's register already says whether it revoked its own). Revoked: refused; no answer:
    // signed, with the warning kept in the audit row.
    let revocation_warning = if row.origin == register::EXTERNAL {
        revocation_check(ctx, der, &[], &trust).await?
    } else {
        None
    };
    let chain = crate::hsm::chain(ctx, der).await?;
    Ok(Checked {
        row,
        algorithm,
        chain,
        revocation_warning,
    })
}

/// Whether `der`, read from a token, is `signer`'s certificate and may sign now (the checks of
/// [`start`], nothing prepared).
pub(crate) async fn check_token_certificate(
    ctx: &Ctx,
    signer: &SignAs,
    der: &[u8],
) -> Result<(), AppError> {
    let checked = check_certificate(ctx, signer, der).await?;
    Credential::new(der.to_vec(), checked.chain)
        .check_algorithm(checked.algorithm)
        .map_err(|e| AppError::validation(CERTIFICATE_FIELD, e.to_string()))
}

/// Starts a desk signing (module docs, step 1): the session and what the token signs. A
/// person signs only with their own token (`r.operator` is the signer).
pub async fn start(ctx: &Ctx, r: DeskSignRequest) -> Result<DeskStarted, AppError> {
    if let SignAs::Person(user_id) = &r.request.signer
        && *user_id != r.operator
    {
        return Err(remote::internal(
            "signer",
            "a person signs only with their own token",
        ));
    }
    let user_id = &r.operator;
    if !r.request.pdf.starts_with(b"%PDF-") {
        return Err(AppError::validation(
            "file",
            "Chỉ ký số được tệp PDF: hãy tải lên bản PDF của văn bản.",
        ));
    }
    let der = read_certificate(&r.certificate)?;
    let checked = check_certificate(ctx, &r.request.signer, &der).await?;
    let credential = Credential::new(der.clone(), checked.chain.clone());
    credential
        .check_algorithm(checked.algorithm)
        .map_err(|e| AppError::validation(CERTIFICATE_FIELD, e.to_string()))?;
    let (prepared, attributes) = remote::prepare(ctx, &r.request, &credential).await?;
    let digest = attributes.digest();
    let id = uuid::Uuid::now_v7().to_string();
    let prepared_key = format!("signing-sessions/{id}.prepared.pdf");
    tinhso_kernel::storage::put(
        ctx.storage.as_ref(),
        &prepared_key,
        bytes::Bytes::copy_from_slice(prepared.bytes()),
    )
    .await
    .map_err(|e| remote::internal("object store", e))?;
    let created = tinhso_kernel::time::now();
    let expires = created + chrono::Duration::seconds(remote::TTL.as_secs() as i64);
    let json = |value: &serde_json::Value| {
        serde_json::to_string(value).map_err(|e| remote::internal("json", e))
    };
    let chain: Vec<String> = checked.chain.iter().map(|c| B64.encode(c)).collect();
    let chain_json = json(&serde_json::json!(chain))?;
    let range_json = json(&serde_json::json!(prepared.byte_range()))?;
    let context_json = json(&serde_json::json!({
        "caller": r.context,
        "signer_kind": remote::signer_kind(&r.request.signer),
        "ended": r.ended,
        "actor_label": r.request.actor.label,
        "actor_ip": r.request.actor.ip,
        "reason": r.request.reason,
        "location": r.request.location,
        "visible": r.request.stamp.is_some(),
    }))?;
    let certificate_b64 = B64.encode(&der);
    let created_text = tinhso_kernel::time::to_text(created);
    let expires_text = tinhso_kernel::time::to_text(expires);
    let digest_hex = hex::encode(&digest);
    let title: String = r.title.trim().chars().take(200).collect();
    let algorithm = remote::algorithm_name(checked.algorithm);
    let row = store::NewSession {
        id: &id,
        user_id,
        provider: DESK,
        credential_id: &checked.row.id,
        certificate: &certificate_b64,
        chain: &chain_json,
        algorithm,
        prepared_key: &prepared_key,
        byte_range: &range_json,
        digest: &digest_hex,
        title: &title,
        provider_tx: None,
        entity_type: r.request.entity_type,
        entity_id: &r.request.entity_id,
        completion: r.completion,
        context: &context_json,
        return_to: &r.return_to,
        created_at: &created_text,
        expires_at: &expires_text,
    };
    if let Err(e) = record_start(
        ctx,
        &r,
        &row,
        &checked.row.serial,
        checked.revocation_warning.as_deref(),
    )
    .await
    {
        tinhso_kernel::storage::discard(ctx.storage.as_ref(), &[&prepared_key]).await;
        return Err(e);
    }
    Ok(DeskStarted {
        path: format!("/office/signing-sessions/{id}"),
        session_id: id,
        expires_at: expires_text,
        algorithm: algorithm.to_owned(),
        signed_attributes: B64.encode(attributes.der()),
        digest: digest_hex,
    })
}

/// Stores the session and its audit row `signature.desk_request` in one transaction.
async fn record_start(
    ctx: &Ctx,
    r: &DeskSignRequest,
    row: &store::NewSession<'_>,
    serial: &str,
    revocation_warning: Option<&str>,
) -> Result<(), AppError> {
    let mut tx = ctx.db.begin().await?;
    store::insert(&mut tx, row).await?;
    tinhso_kernel::audit::record(
        &ctx.db,
        &mut tx,
        &r.request.actor,
        tinhso_kernel::audit::Change {
            action: "signature.desk_request",
            entity_type: r.request.entity_type,
            entity_id: &r.request.entity_id,
            before: serde_json::Value::Null,
            after: serde_json::json!({
                "session": row.id, "serial": serial, "algorithm": row.algorithm,
                "revocation_warning": revocation_warning,
                "digest": row.digest, "title": row.title,
                "created_at": row.created_at, "expires_at": row.expires_at,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Why a signature cannot be taken for session `s`, ended in `state` (its own detail, for a
/// failure, is on the session; a cancellation's is the answer).
fn ended(s: &Session, state: SessionState) -> AppError {
    match state {
        SessionState::Signed => AppError::Conflict(
            "Phiên ký này đã hoàn tất: văn bản đã được ký, không nhận thêm chữ ký.".into(),
        ),
        SessionState::Expired => AppError::Conflict(EXPIRED.into()),
        SessionState::Cancelled => {
            AppError::Conflict(s.detail.clone().unwrap_or_else(|| {
                "Phiên ký này đã bị hủy: văn bản đã chuyển sang bước khác.".into()
            }))
        }
        _ => AppError::Conflict(
            "Phiên ký này đã kết thúc mà không ký được: hãy bắt đầu phiên ký mới.".into(),
        ),
    }
}

/// Takes the raw `signature` (base64) of `user_id`'s desk session `id` (module docs, step 3):
/// the session as it ended.
pub async fn submit(
    ctx: &Ctx,
    user_id: &str,
    id: &str,
    signature: &str,
) -> Result<Session, AppError> {
    let s = remote::session(ctx, id)
        .await?
        .filter(|s| s.user_id == user_id)
        .ok_or(AppError::NotFound)?;
    if s.provider != DESK {
        return Err(AppError::Conflict(
            "Phiên ký này chờ xác nhận của nhà cung cấp ký số từ xa, không nhận chữ ký gửi lên."
                .into(),
        ));
    }
    let state = SessionState::parse(&s.state).ok_or_else(|| remote::internal("state", &s.state))?;
    if state.is_final() {
        return Err(ended(&s, state));
    }
    let past =
        tinhso_kernel::time::parse(&s.expires_at).is_none_or(|e| e <= tinhso_kernel::time::now());
    if past {
        if remote::claim(ctx, id).await? && expire(ctx, id).await? {
            return Err(AppError::Conflict(EXPIRED.into()));
        }
        return Err(busy());
    }
    let signature = decode_signature(&s, signature)?;
    // Checked before anything is stored or claimed: a wrong signature leaves the session
    // waiting for the right one.
    verify(ctx, &s, &signature).await?;
    if !remote::claim(ctx, id).await? {
        // Ended meanwhile (cancelled because the document moved on): say why.
        if let Some(now) = remote::session(ctx, id).await?
            && let Some(state) = SessionState::parse(&now.state).filter(|s| s.is_final())
        {
            return Err(ended(&now, state));
        }
        return Err(busy());
    }
    let outcome = remote::complete(ctx, &s, signature).await;
    let (to, detail, result) = match &outcome {
        Ok(key) => (SessionState::Signed, None, Some(key.as_str())),
        Err(message) => (SessionState::Failed, Some(message.as_str()), None),
    };
    let moved = remote::finish(ctx, id, to, detail, result).await?;
    remote::discard_files(ctx, &s, outcome.as_ref().ok().map(String::as_str)).await;
    if let Err(message) = outcome {
        if moved {
            remote::notify_ended(ctx, &s, to, &message).await;
        }
        return Err(AppError::Conflict(message));
    }
    remote::session(ctx, id).await?.ok_or(AppError::NotFound)
}

fn busy() -> AppError {
    AppError::Conflict(
        "Phiên ký đang được xử lý: hãy xem lại trạng thái của phiên ký sau ít giây.".into(),
    )
}

/// The signature value from its base64; a P-256 token's raw `r ‖ s` becomes DER.
fn decode_signature(s: &Session, text: &str) -> Result<Vec<u8>, AppError> {
    let bad = || {
        AppError::validation(
            "Signature",
            "Chữ ký phải là giá trị chữ ký dạng base64 (RSASSA-PSS, hoặc ECDSA dạng DER hay r‖s).",
        )
    };
    let raw = B64.decode(text.trim()).map_err(|_| bad())?;
    if raw.is_empty() || raw.len() > 1024 {
        return Err(bad());
    }
    if s.algorithm == remote::algorithm_name(SignatureAlgorithm::EcdsaP256Sha256) && raw.len() == 64
    {
        return tinhso_pkcs11::ecdsa_der(&raw).map_err(|_| bad());
    }
    Ok(raw)
}

/// Checks `signature` against the session's certificate over the prepared file's signed
/// attributes (and that the file is still the one whose digest went out).
async fn verify(ctx: &Ctx, s: &Session, signature: &[u8]) -> Result<(), AppError> {
    let prepared = tinhso_kernel::storage::get(ctx.storage.as_ref(), &s.prepared_key)
        .await
        .map_err(|e| remote::internal("object store", e))?
        .ok_or_else(|| remote::internal("the prepared file", "gone"))?;
    let byte_range: [u64; 4] =
        serde_json::from_str(&s.byte_range).map_err(|e| remote::internal("json", e))?;
    let certificate = crate::pki::decode_b64(&s.certificate)?;
    let algorithm = remote::parse_algorithm(&s.algorithm)
        .ok_or_else(|| remote::internal("algorithm", &s.algorithm))?;
    let digest = s.digest.clone();
    let signature = signature.to_vec();
    let checked = tokio::task::spawn_blocking(move || {
        let credential = Credential::new(certificate, Vec::new());
        let prepared = PreparedPdf::resume(prepared.to_vec(), byte_range)?;
        let attributes = SignedAttributes::new(&credential, &prepared.digest())?;
        if hex::encode(attributes.digest()) != digest {
            return Ok(Err(()));
        }
        Ok::<_, sign::SignError>(
            sign::signed_data::check_signature(&credential, &attributes, algorithm, &signature)
                .map_err(|_| ()),
        )
    })
    .await
    .map_err(|e| remote::internal("task", e))?
    .map_err(|e| remote::internal("prepared file", e))?;
    checked.map_err(|()| AppError::validation("Signature", SIGNATURE_MISMATCH))
}

/// Ends claimed desk session `id` as expired, its files removed: whether it moved.
pub(crate) async fn expire(ctx: &Ctx, id: &str) -> Result<bool, AppError> {
    let Some(s) = remote::session(ctx, id).await? else {
        return Ok(false);
    };
    let moved = remote::finish(ctx, id, SessionState::Expired, Some(EXPIRED), None).await?;
    remote::discard_files(ctx, &s, None).await;
    if moved {
        remote::notify_ended(ctx, &s, SessionState::Expired, EXPIRED).await;
    }
    Ok(moved)
}

/// The sessions `user_id` started for `entity_type` `entity_id` that still wait (the kernel's
/// [`tinhso_kernel::signing::PdfSigner::pending_sessions`]).
pub fn pending<'a>(
    ctx: &'a Ctx,
    user_id: &'a str,
    entity_type: &'static str,
    entity_id: &'a str,
) -> BoxFut<'a, Result<Vec<PendingSigning>, AppError>> {
    Box::pin(async move {
        let now = tinhso_kernel::time::now();
        Ok(store::pending_for(&ctx.db, user_id, entity_type, entity_id)
            .await?
            .into_iter()
            .filter(|s| tinhso_kernel::time::parse(&s.expires_at).is_some_and(|e| e > now))
            .map(|s| PendingSigning {
                path: format!("/office/signing-sessions/{}", s.id),
                session_id: s.id,
                kind: s.provider,
                digest: s.digest,
                created_at: s.created_at,
                expires_at: s.expires_at,
            })
            .collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_not_a_certificate_is_refused_as_the_field_s_problem() {
        for bad in [
            "",
            "not base64!",
            "AAAA",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        ] {
            match read_certificate(bad) {
                Err(AppError::Validation(errors)) => {
                    assert_eq!(errors[0].field, CERTIFICATE_FIELD, "{bad}");
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
    }
}
