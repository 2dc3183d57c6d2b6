//! Remote signing (docs/signatures-design.md §4): the person's key stays with a remote-signing
//! provider (VNPT SmartCA, Viettel MySign, the CSC API…), who confirms on a phone. The platform
//! prepares the PDF, keeps it in the object store (never rebuilt), sends the provider the
//! SHA-256 of the signed attributes and a title — nothing else of the document leaves — and
//! opens a **signing session** that waits at most [`TTL`]. The sweep
//! `signatures.poll_remote` asks the provider about each pending session (leased, so one node
//! at a time) and, once the signature comes, checks it against the certificate, timestamps it
//! (B-T), embeds it, adds the validation data (B-LT when the status services answer), and runs
//! the asking module's completion (the documents module stores the signed version in its own
//! transaction). A refusal, an expiry or an unusable answer ends the session with a Vietnamese
//! reason and nothing stored.
//!
//! Providers implement [`RemoteSigner`]; the one built is the test provider
//! ([`crate::test_provider`]), reached over HTTP at `public_url` like any other would be, so a
//! real provider is one more implementation chosen by configuration.

use crate::pki::{self, Role};
use crate::store as pki_store;

pub mod store;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use std::time::{Duration, SystemTime};
pub use store::Session;
use tinhso_kernel::Ctx;
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::BoxFut;
use tinhso_kernel::signing::{RemoteSignRequest, RemoteSigned, RemoteStarted, SignAs};
use tinhso_pades::sign::{
    self, Credential, PreparedPdf, SignatureAlgorithm, SignatureFields, SignedAttributes,
};

/// How long a session waits for the signer's confirmation.
pub const TTL: Duration = Duration::from_secs(5 * 60);

/// The test provider's id and the name people see.
pub const TEST_PROVIDER: &str = "test";
pub const TEST_PROVIDER_NAME: &str =
    "Ký số từ xa — nhà cung cấp THỬ NGHIỆM (không có giá trị pháp lý)";

/// The signer as the provider knows them (the test provider: the platform account), and the
/// agency whose certificate they use when the agency's seal is asked for.
#[derive(Clone, Debug)]
pub struct RemoteUser {
    pub user_id: String,
    pub agency_id: Option<String>,
}

/// `person` or `agency`: whose certificate a signing session uses (its audit rows say so).
pub fn signer_kind(signer: &SignAs) -> &'static str {
    match signer {
        SignAs::Person(_) => "person",
        SignAs::Agency(_) => "agency",
    }
}

/// One certificate the provider holds for the signer, with its chain and the algorithm its
/// key signs with.
#[derive(Clone, Debug)]
pub struct RemoteCredential {
    pub id: String,
    pub certificate: Vec<u8>,
    pub chain: Vec<Vec<u8>>,
    pub algorithm: SignatureAlgorithm,
}

/// What the provider is asked to sign: a digest, never the document.
#[derive(Clone, Debug)]
pub struct HashRequest {
    pub user: RemoteUser,
    pub digest: Vec<u8>,
    pub algorithm: SignatureAlgorithm,
    pub title: String,
    pub ttl: Duration,
}

/// The provider's answer about one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RemoteStatus {
    Pending,
    /// The signature value (PSS octets, or a DER ECDSA signature).
    Signed(Vec<u8>),
    Refused,
    Expired,
}

/// Why a provider could not be used: shown to people as is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RemoteError {
    #[error("Không kết nối được nhà cung cấp ký số từ xa ({0}). Hãy thử lại sau ít phút.")]
    Unreachable(String),
    #[error("Nhà cung cấp ký số từ xa trả lời không đúng định dạng ({0}): chưa ký được.")]
    Garbage(String),
    #[error("Nhà cung cấp ký số từ xa từ chối yêu cầu: {0}")]
    Refused(String),
    #[error("Bạn chưa có chứng thư số nào tại nhà cung cấp ký số từ xa.")]
    NoCredential,
}

/// A remote-signing provider: credentials → a hash sent → approval in an app → poll.
pub trait RemoteSigner: Send + Sync {
    fn id(&self) -> &'static str;
    fn display_name(&self) -> &'static str;
    /// The signer's certificates at the provider.
    fn credentials<'a>(
        &'a self,
        user: &'a RemoteUser,
    ) -> BoxFut<'a, Result<Vec<RemoteCredential>, RemoteError>>;
    /// Sends `request` for credential `credential`: the provider's transaction id.
    fn request<'a>(
        &'a self,
        credential: &'a RemoteCredential,
        request: &'a HashRequest,
    ) -> BoxFut<'a, Result<String, RemoteError>>;
    /// Where transaction `tx` stands.
    fn status<'a>(&'a self, tx: &'a str) -> BoxFut<'a, Result<RemoteStatus, RemoteError>>;
    /// Withdraws transaction `tx`, still unanswered, whose session ended on the platform: the
    /// signer's phone stops asking.
    fn withdraw<'a>(&'a self, tx: &'a str) -> BoxFut<'a, Result<(), RemoteError>>;
}

/// The providers this platform offers (`PdfSigner::remote_providers`).
pub fn offered(ctx: &Ctx) -> Vec<(&'static str, &'static str)> {
    if ctx.config.signatures.test_remote_provider {
        vec![(TEST_PROVIDER, TEST_PROVIDER_NAME)]
    } else {
        Vec::new()
    }
}

/// Provider `id`, when configured.
pub fn provider(ctx: &Ctx, id: &str) -> Option<Box<dyn RemoteSigner>> {
    (id == TEST_PROVIDER && ctx.config.signatures.test_remote_provider)
        .then(|| Box::new(HttpProvider::test(ctx)) as Box<dyn RemoteSigner>)
}

/// Algorithm names on the wire.
pub fn algorithm_name(a: SignatureAlgorithm) -> &'static str {
    match a {
        SignatureAlgorithm::RsaPssSha256 => "rsa-pss-sha256",
        SignatureAlgorithm::RsaPkcs1v15Sha256 => "rsa-pkcs1-sha256",
        SignatureAlgorithm::EcdsaP256Sha256 => "ecdsa-p256-sha256",
    }
}

pub fn parse_algorithm(name: &str) -> Option<SignatureAlgorithm> {
    [
        SignatureAlgorithm::RsaPssSha256,
        SignatureAlgorithm::RsaPkcs1v15Sha256,
        SignatureAlgorithm::EcdsaP256Sha256,
    ]
    .into_iter()
    .find(|a| algorithm_name(*a) == name)
}

// ---------------------------------------------------------------------------------------------
// The provider protocol over HTTP (the test provider's; JSON).

/// The request header carrying the platform's client key at the provider.
pub const KEY_HEADER: &str = "tinhso-provider-key";

/// The client key the platform presents to its own test provider: derived from the server
/// secret, so only this platform's nodes hold it.
pub fn test_client_key(ctx: &Ctx) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"tinhso test remote signing client key\0");
    h.update(ctx.secret.as_slice());
    hex::encode(h.finalize())
}

#[derive(Serialize, Deserialize)]
pub struct WireCredentialsRequest {
    pub user_id: String,
    /// The organisation's certificates this account may use instead of its own (the agency's
    /// seal); absent: the account's personal certificates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency_id: Option<String>,
}

#[derive(Serialize, Deserialize)]
pub struct WireCredential {
    pub id: String,
    /// Base64 DER.
    pub certificate: String,
    pub chain: Vec<String>,
    pub algorithm: String,
}

#[derive(Serialize, Deserialize)]
pub struct WireCredentials {
    pub credentials: Vec<WireCredential>,
}

#[derive(Serialize, Deserialize)]
pub struct WireSignRequest {
    pub user_id: String,
    pub credential_id: String,
    /// Hex SHA-256 of what is signed.
    pub digest: String,
    pub algorithm: String,
    pub title: String,
    pub ttl_seconds: u64,
}

#[derive(Serialize, Deserialize)]
pub struct WireTx {
    pub tx: String,
}

#[derive(Serialize, Deserialize)]
pub struct WireStatus {
    /// pending | signed | refused | expired
    pub state: String,
    /// Base64 of the signature value once signed.
    #[serde(default)]
    pub signature: Option<String>,
}

/// A provider reached over HTTP with the test provider's JSON protocol.
pub struct HttpProvider {
    id: &'static str,
    name: &'static str,
    base: String,
    key: String,
}

impl HttpProvider {
    /// The platform's own test provider, at `public_url` (as any node reaches it).
    pub fn test(ctx: &Ctx) -> HttpProvider {
        HttpProvider {
            id: TEST_PROVIDER,
            name: TEST_PROVIDER_NAME,
            base: format!(
                "{}/test-remote-signing/v1",
                ctx.config.public_url.trim_end_matches('/')
            ),
            key: test_client_key(ctx),
        }
    }

    /// A provider at `base` (tests point it at a server that fails).
    pub fn at(base: String, key: String) -> HttpProvider {
        HttpProvider {
            id: TEST_PROVIDER,
            name: TEST_PROVIDER_NAME,
            base,
            key,
        }
    }

    fn client() -> Result<reqwest::Client, RemoteError> {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .map_err(|e| RemoteError::Unreachable(e.to_string()))
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, RemoteError> {
        let response = request
            .header(KEY_HEADER, &self.key)
            .send()
            .await
            .map_err(|e| RemoteError::Unreachable(short(&e.to_string())))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| RemoteError::Unreachable(short(&e.to_string())))?;
        if body.len() > 1024 * 1024 {
            return Err(RemoteError::Garbage("câu trả lời quá lớn".into()));
        }
        if status.is_server_error() {
            return Err(RemoteError::Unreachable(format!(
                "HTTP {}",
                status.as_u16()
            )));
        }
        if !status.is_success() {
            let detail = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["detail"].as_str().map(short))
                .unwrap_or_else(|| format!("HTTP {}", status.as_u16()));
            return Err(RemoteError::Refused(detail));
        }
        serde_json::from_slice(&body).map_err(|e| RemoteError::Garbage(short(&e.to_string())))
    }
}

/// A POST of `body` as JSON.
fn json_post(url: String, body: &impl Serialize) -> Result<reqwest::RequestBuilder, RemoteError> {
    let body = serde_json::to_vec(body).map_err(|e| RemoteError::Garbage(e.to_string()))?;
    Ok(HttpProvider::client()?
        .post(url)
        .header("content-type", "application/json")
        .body(body))
}

/// At most 200 characters of a foreign text.
fn short(text: &str) -> String {
    text.chars().take(200).collect()
}

impl RemoteSigner for HttpProvider {
    fn id(&self) -> &'static str {
        self.id
    }

    fn display_name(&self) -> &'static str {
        self.name
    }

    fn credentials<'a>(
        &'a self,
        user: &'a RemoteUser,
    ) -> BoxFut<'a, Result<Vec<RemoteCredential>, RemoteError>> {
        Box::pin(async move {
            let wire: WireCredentials = self
                .call(json_post(
                    format!("{}/credentials", self.base),
                    &WireCredentialsRequest {
                        user_id: user.user_id.clone(),
                        agency_id: user.agency_id.clone(),
                    },
                )?)
                .await?;
            let b64 = |t: &str| {
                B64.decode(t)
                    .map_err(|_| RemoteError::Garbage("chứng thư số không ở dạng base64".into()))
            };
            wire.credentials
                .iter()
                .map(|c| -> Result<RemoteCredential, RemoteError> {
                    Ok(RemoteCredential {
                        id: c.id.clone(),
                        certificate: b64(&c.certificate)?,
                        chain: c.chain.iter().map(|x| b64(x)).collect::<Result<_, _>>()?,
                        algorithm: parse_algorithm(&c.algorithm).ok_or_else(|| {
                            RemoteError::Garbage(format!("thuật toán lạ {}", short(&c.algorithm)))
                        })?,
                    })
                })
                .collect()
        })
    }

    fn request<'a>(
        &'a self,
        credential: &'a RemoteCredential,
        request: &'a HashRequest,
    ) -> BoxFut<'a, Result<String, RemoteError>> {
        Box::pin(async move {
            let wire: WireTx = self
                .call(json_post(
                    format!("{}/signatures", self.base),
                    &WireSignRequest {
                        user_id: request.user.user_id.clone(),
                        credential_id: credential.id.clone(),
                        digest: hex::encode(&request.digest),
                        algorithm: algorithm_name(request.algorithm).into(),
                        title: request.title.clone(),
                        ttl_seconds: request.ttl.as_secs(),
                    },
                )?)
                .await?;
            let ok = !wire.tx.is_empty()
                && wire.tx.len() <= 128
                && wire
                    .tx
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !ok {
                return Err(RemoteError::Garbage("mã giao dịch không hợp lệ".into()));
            }
            Ok(wire.tx)
        })
    }

    fn status<'a>(&'a self, tx: &'a str) -> BoxFut<'a, Result<RemoteStatus, RemoteError>> {
        Box::pin(async move {
            let wire: WireStatus = self
                .call(Self::client()?.get(format!("{}/signatures/{tx}", self.base)))
                .await?;
            match (wire.state.as_str(), wire.signature) {
                ("pending", _) => Ok(RemoteStatus::Pending),
                ("refused", _) => Ok(RemoteStatus::Refused),
                ("expired" | "withdrawn", _) => Ok(RemoteStatus::Expired),
                ("signed", Some(sig)) => B64
                    .decode(sig)
                    .ok()
                    .filter(|s| !s.is_empty() && s.len() <= 1024)
                    .map(RemoteStatus::Signed)
                    .ok_or_else(|| RemoteError::Garbage("chữ ký không ở dạng base64".into())),
                (other, _) => Err(RemoteError::Garbage(format!(
                    "trạng thái lạ {}",
                    short(other)
                ))),
            }
        })
    }

    fn withdraw<'a>(&'a self, tx: &'a str) -> BoxFut<'a, Result<(), RemoteError>> {
        Box::pin(async move {
            let _: serde_json::Value = self
                .call(json_post(
                    format!("{}/signatures/{tx}/withdraw", self.base),
                    &serde_json::json!({}),
                )?)
                .await?;
            Ok(())
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The session's state machine (pure).

/// Where a signing session stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionState {
    Pending,
    Signed,
    Refused,
    Expired,
    Failed,
    /// Ended by the platform before a signature came: what it would sign moved on (the
    /// document was returned for revision, issued, or signed another way).
    Cancelled,
}

impl SessionState {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionState::Pending => "pending",
            SessionState::Signed => "signed",
            SessionState::Refused => "refused",
            SessionState::Expired => "expired",
            SessionState::Failed => "failed",
            SessionState::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<SessionState> {
        [
            SessionState::Pending,
            SessionState::Signed,
            SessionState::Refused,
            SessionState::Expired,
            SessionState::Failed,
            SessionState::Cancelled,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    pub fn is_final(self) -> bool {
        self != SessionState::Pending
    }
}

/// What a poll does with the provider's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Ask again later.
    Wait,
    /// The signature came: complete the PDF.
    Complete(Vec<u8>),
    /// End the session in this state with this reason.
    End(SessionState, &'static str),
    /// The session already ended: nothing to do.
    Nothing,
}

/// The message each ending shows.
pub const REFUSED: &str = "Người ký đã từ chối ký trên điện thoại: văn bản chưa được ký.";
pub const EXPIRED: &str = "Yêu cầu ký đã hết hạn (quá 5 phút chưa được xác nhận trên điện thoại): văn bản chưa được ký. Hãy gửi lại yêu cầu.";

/// The next step of a session in `state` given the provider's `answer` (or its failure) and
/// whether the session's own deadline passed. A provider that keeps failing ends the session
/// only at the deadline; a signature that arrives is used even just past it (the signer
/// confirmed in time on the provider's clock).
pub fn step(
    state: SessionState,
    answer: Result<&RemoteStatus, &RemoteError>,
    past_deadline: bool,
) -> Step {
    if state.is_final() {
        return Step::Nothing;
    }
    match answer {
        Ok(RemoteStatus::Signed(signature)) => Step::Complete(signature.clone()),
        Ok(RemoteStatus::Refused) => Step::End(SessionState::Refused, REFUSED),
        Ok(RemoteStatus::Expired) => Step::End(SessionState::Expired, EXPIRED),
        Ok(RemoteStatus::Pending) | Err(_) if past_deadline => {
            Step::End(SessionState::Expired, EXPIRED)
        }
        Ok(RemoteStatus::Pending) | Err(_) => Step::Wait,
    }
}

/// Whether a session may move from `from` to `to`: out of `pending`, once; and from
/// `cancelled` to `signed`, when the signature was kept just before the entity moved on (the
/// asking module re-checks under its own lock before keeping it, so a `signed` after a
/// cancellation means the signed version exists).
pub fn may_move(from: SessionState, to: SessionState) -> bool {
    match from {
        SessionState::Pending => to != SessionState::Pending,
        SessionState::Cancelled => to == SessionState::Signed,
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Sessions.

/// Session `id`.
pub async fn session(ctx: &Ctx, id: &str) -> Result<Option<Session>, AppError> {
    store::by_id(&ctx.db, id).await
}

pub(crate) fn internal(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("signatures: signing session: {what}: {e}"))
}

fn remote_refusal(e: RemoteError) -> AppError {
    AppError::Conflict(e.to_string())
}

/// `request.pdf` prepared once for `credential`'s signature, with room for the timestamp (these
/// bytes are the ones signed: never prepared again once the digest left), and the signed
/// attributes over it.
pub(crate) async fn prepare(
    ctx: &Ctx,
    request: &tinhso_kernel::signing::SignRequest,
    credential: &Credential,
) -> Result<(PreparedPdf, SignedAttributes), AppError> {
    let image = crate::sign::stamp_image(ctx, request).await?;
    let mut fields = SignatureFields::new(SystemTime::now());
    fields.reason = request.reason.clone();
    fields.location = request.location.clone();
    let pdf = request.pdf.clone();
    let stamp = request.stamp.clone();
    let credential = credential.clone();
    tokio::task::spawn_blocking(move || {
        crate::sign::place_stamp(&pdf, &mut fields, stamp, image)?;
        // Twice the usual room: no second preparation is possible once the hash left.
        let capacity = sign::estimate_capacity(&credential, true) + 8 * 1024;
        let prepared = sign::prepare(&pdf, &fields, capacity)?;
        let attributes = SignedAttributes::new(&credential, &prepared.digest())?;
        Ok::<_, sign::SignError>((prepared, attributes))
    })
    .await
    .map_err(|e| internal("task", e))?
    .map_err(crate::sign::sign_error)
}

/// Starts a remote signing for `r.request.signer` (a person, or an agency's seal confirmed by
/// `r.operator`): the provider's credential, the file prepared and kept, the digest sent, the
/// session stored. Nothing is kept when the provider cannot be used.
pub async fn start(ctx: &Ctx, r: RemoteSignRequest) -> Result<RemoteStarted, AppError> {
    if !r.request.pdf.starts_with(b"%PDF-") {
        return Err(AppError::validation(
            "file",
            "Chỉ ký số được tệp PDF: hãy tải lên bản PDF của văn bản.",
        ));
    }
    let user_id = &r.operator;
    let Reached {
        provider,
        user,
        credential,
        revocation_warning,
    } = credential_for(ctx, &r.request.signer, user_id, &r.provider).await?;
    let pades_credential =
        Credential::new(credential.certificate.clone(), credential.chain.clone());
    let (prepared, attributes) = prepare(ctx, &r.request, &pades_credential).await?;
    let digest = attributes.digest();
    let id = uuid::Uuid::now_v7().to_string();
    let prepared_key = format!("signing-sessions/{id}.prepared.pdf");
    tinhso_kernel::storage::put(
        ctx.storage.as_ref(),
        &prepared_key,
        bytes::Bytes::copy_from_slice(prepared.bytes()),
    )
    .await
    .map_err(|e| internal("object store", e))?;
    let discard = || async {
        tinhso_kernel::storage::discard(ctx.storage.as_ref(), &[&prepared_key]).await;
    };
    let title: String = r.title.trim().chars().take(200).collect();
    let tx = match provider
        .request(
            &credential,
            &HashRequest {
                user,
                digest: digest.clone(),
                algorithm: credential.algorithm,
                title: title.clone(),
                ttl: TTL,
            },
        )
        .await
    {
        Ok(tx) => tx,
        Err(e) => {
            discard().await;
            return Err(remote_refusal(e));
        }
    };
    let created = tinhso_kernel::time::now();
    let expires = created + chrono::Duration::seconds(TTL.as_secs() as i64);
    let chain: Vec<String> = credential.chain.iter().map(|c| B64.encode(c)).collect();
    let chain_json = serde_json::to_string(&chain).map_err(|e| internal("json", e))?;
    let range_json =
        serde_json::to_string(&prepared.byte_range()).map_err(|e| internal("json", e))?;
    let context_json = serde_json::to_string(&serde_json::json!({
        "caller": r.context,
        "signer_kind": signer_kind(&r.request.signer),
        "ended": r.ended,
        "actor_label": r.request.actor.label,
        "actor_ip": r.request.actor.ip,
        "reason": r.request.reason,
        "location": r.request.location,
        "visible": r.request.stamp.is_some(),
    }))
    .map_err(|e| internal("json", e))?;
    let certificate_b64 = B64.encode(&credential.certificate);
    let created_text = tinhso_kernel::time::to_text(created);
    let expires_text = tinhso_kernel::time::to_text(expires);
    let digest_hex = hex::encode(&digest);
    let row = store::NewSession {
        id: &id,
        user_id,
        provider: provider.id(),
        credential_id: &credential.id,
        certificate: &certificate_b64,
        chain: &chain_json,
        algorithm: algorithm_name(credential.algorithm),
        prepared_key: &prepared_key,
        byte_range: &range_json,
        digest: &digest_hex,
        title: &title,
        provider_tx: Some(&tx),
        entity_type: r.request.entity_type,
        entity_id: &r.request.entity_id,
        completion: r.completion,
        context: &context_json,
        return_to: &r.return_to,
        created_at: &created_text,
        expires_at: &expires_text,
    };
    let inserted = record_start(ctx, &r, &row, revocation_warning.as_deref()).await;
    if let Err(e) = inserted {
        discard().await;
        return Err(e);
    }
    Ok(RemoteStarted {
        path: format!("/office/signing-sessions/{id}"),
        session_id: id,
        expires_at: tinhso_kernel::time::to_text(expires),
    })
}

/// A usable credential of `signer` that provider `provider_id` holds for account `operator`:
/// the provider, the account as it knows it, the credential, and the revocation warning of an
/// external CA's certificate whose status could not be asked. 422 for a provider not
/// configured, 409 when it is down, refuses, or holds no usable certificate.
async fn credential_for(
    ctx: &Ctx,
    signer: &SignAs,
    operator: &str,
    provider_id: &str,
) -> Result<Reached, AppError> {
    let agency_id = match signer {
        SignAs::Person(user_id) if user_id != operator => {
            return Err(internal(
                "signer",
                "a person confirms only their own signing",
            ));
        }
        SignAs::Person(_) => None,
        SignAs::Agency(agency_id) => Some(agency_id.clone()),
    };
    let provider = provider(ctx, provider_id).ok_or_else(|| {
        AppError::validation(
            "Provider",
            "Nhà cung cấp ký số từ xa này chưa được cấu hình trên nền tảng.",
        )
    })?;
    let user = RemoteUser {
        user_id: operator.to_owned(),
        agency_id,
    };
    let credential = provider
        .credentials(&user)
        .await
        .map_err(remote_refusal)?
        .into_iter()
        .next()
        .ok_or_else(|| remote_refusal(RemoteError::NoCredential))?;
    Credential::new(credential.certificate.clone(), credential.chain.clone())
        .check_algorithm(credential.algorithm)
        .map_err(|e| remote_refusal(RemoteError::Garbage(e.to_string())))?;
    // A certificate of another CA than the demo's: its revocation asked online before anything
    // is sent (revoked: refused; no answer: a warning in the audit row).
    let revocation_warning = if demo_issued(ctx, &credential.certificate).await? {
        None
    } else {
        let trust = crate::service::trust(ctx).await?;
        crate::desk::revocation_check(ctx, &credential.certificate, &credential.chain, &trust)
            .await?
    };
    Ok(Reached {
        provider,
        user,
        credential,
        revocation_warning,
    })
}

/// A provider reached for a signer: see [`credential_for`].
struct Reached {
    provider: Box<dyn RemoteSigner>,
    user: RemoteUser,
    credential: RemoteCredential,
    revocation_warning: Option<String>,
}

/// Whether provider `provider_id` can sign for `signer` through `operator` now
/// ([`tinhso_kernel::signing::PdfSigner::ready`]).
pub(crate) async fn check_credential(
    ctx: &Ctx,
    signer: &SignAs,
    operator: &str,
    provider_id: &str,
) -> Result<(), AppError> {
    credential_for(ctx, signer, operator, provider_id)
        .await
        .map(|_| ())
}

/// Stores the session and its audit row `signature.remote_request` in one transaction.
async fn record_start(
    ctx: &Ctx,
    r: &RemoteSignRequest,
    row: &store::NewSession<'_>,
    revocation_warning: Option<&str>,
) -> Result<(), AppError> {
    let mut tx = ctx.db.begin().await?;
    store::insert(&mut tx, row).await?;
    tinhso_kernel::audit::record(
        &ctx.db,
        &mut tx,
        &r.request.actor,
        tinhso_kernel::audit::Change {
            action: "signature.remote_request",
            entity_type: r.request.entity_type,
            entity_id: &r.request.entity_id,
            before: serde_json::Value::Null,
            after: serde_json::json!({
                "session": row.id, "provider": r.provider, "provider_tx": row.provider_tx,
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

/// Ends every signing session still waiting on `what.entity_id` (the kernel's
/// [`tinhso_kernel::signing::PdfSigner::end_sessions`]), in the caller's transaction: each one
/// `cancelled` with the reason, audited `signature.session_cancel`; their files are for the
/// caller to remove, and their providers' requests to withdraw ([`withdraw_requests`]), once
/// committed. A request the provider could not be told of stays on the signer's phone until it
/// expires there: confirming it signs nothing here.
pub fn end_sessions<'a>(
    ctx: &'a Ctx,
    tx: &'a mut tinhso_kernel::db::Conn,
    what: tinhso_kernel::signing::EndSigning<'a>,
) -> BoxFut<'a, Result<tinhso_kernel::signing::EndedSessions, AppError>> {
    Box::pin(async move {
        let now = tinhso_kernel::time::now_text();
        let mut ended = tinhso_kernel::signing::EndedSessions::default();
        for s in store::pending_on(tx, what.entity_type, what.entity_id).await? {
            if what.except == Some(s.id.as_str())
                || !store::cancel(tx, &s.id, what.reason, &now).await?
            {
                continue;
            }
            tinhso_kernel::audit::record(
                &ctx.db,
                tx,
                what.actor,
                tinhso_kernel::audit::Change {
                    action: "signature.session_cancel",
                    entity_type: what.entity_type,
                    entity_id: what.entity_id,
                    before: serde_json::json!({ "session": s.id, "state": "pending" }),
                    after: serde_json::json!({
                        "session": s.id, "provider": s.provider, "user_id": s.user_id,
                        "state": SessionState::Cancelled.as_str(), "reason": what.reason,
                    }),
                },
            )
            .await?;
            if let Some(tx) = s.provider_tx.filter(|_| s.provider != crate::desk::DESK) {
                ended
                    .requests
                    .push(tinhso_kernel::signing::ProviderRequest {
                        provider: s.provider.clone(),
                        tx,
                    });
            }
            ended.files.push(s.prepared_key);
            ended.sessions.push(s.id);
        }
        Ok(ended)
    })
}

/// Withdraws `requests` at their providers
/// ([`tinhso_kernel::signing::PdfSigner::withdraw`]); a failure is logged.
pub fn withdraw_requests<'a>(
    ctx: &'a Ctx,
    requests: &'a [tinhso_kernel::signing::ProviderRequest],
) -> BoxFut<'a, ()> {
    Box::pin(async move {
        for r in requests {
            let Some(p) = provider(ctx, &r.provider) else {
                continue;
            };
            if let Err(e) = p.withdraw(&r.tx).await {
                tracing::warn!(provider = %r.provider, error = %e, "signatures: a request not withdrawn");
            }
        }
    })
}

/// Ends session `id` in `to` with `detail`, only if it is still pending: whether it moved.
pub(crate) async fn finish(
    ctx: &Ctx,
    id: &str,
    to: SessionState,
    detail: Option<&str>,
    result: Option<&str>,
) -> Result<bool, AppError> {
    debug_assert!(may_move(SessionState::Pending, to));
    store::finish(&ctx.db, id, to.as_str(), detail, result).await
}

/// Claims session `id` for one poll, so that one node at a time works it (a lease of a minute:
/// a node that dies mid-poll leaves it to the next).
pub(crate) async fn claim(ctx: &Ctx, id: &str) -> Result<bool, AppError> {
    let now = tinhso_kernel::time::now();
    store::claim(
        &ctx.db,
        id,
        &tinhso_kernel::time::to_text(now + chrono::Duration::seconds(60)),
        &tinhso_kernel::time::to_text(now),
    )
    .await
}

/// Releases the lease of a session left pending.
pub(crate) async fn release(ctx: &Ctx, id: &str, detail: Option<&str>) -> Result<(), AppError> {
    store::release(&ctx.db, id, detail).await
}

/// Polls every pending session once: the sweep `signatures.poll_remote`. Returns how many
/// sessions ended. A desk token's session has no provider to ask: it is only ended once past
/// its deadline ([`crate::desk::expire`]), and left alone before, so that the lease never
/// stands in the way of the signature its tool posts.
pub async fn poll_due(ctx: &Ctx) -> Result<usize, AppError> {
    let due = store::pending(&ctx.db).await?;
    let now = tinhso_kernel::time::now();
    let mut ended = 0;
    for (id, provider, expires_at) in due {
        let desk = provider == crate::desk::DESK;
        let past = tinhso_kernel::time::parse(&expires_at).is_none_or(|e| e <= now);
        if desk && !past {
            continue;
        }
        if !claim(ctx, &id).await? {
            continue;
        }
        let outcome = if desk {
            crate::desk::expire(ctx, &id).await
        } else {
            poll_one(ctx, &id).await
        };
        match outcome {
            Ok(true) => ended += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::error!(session = %id, error = %e, "signatures: remote signing poll failed");
                release(ctx, &id, None).await?;
            }
        }
    }
    Ok(ended)
}

/// One poll of claimed session `id`: whether it ended.
async fn poll_one(ctx: &Ctx, id: &str) -> Result<bool, AppError> {
    let Some(s) = session(ctx, id).await? else {
        return Ok(false);
    };
    let state = SessionState::parse(&s.state).ok_or_else(|| internal("state", &s.state))?;
    let past =
        tinhso_kernel::time::parse(&s.expires_at).is_none_or(|e| e <= tinhso_kernel::time::now());
    let answer = match (provider(ctx, &s.provider), s.provider_tx.as_deref()) {
        (Some(p), Some(tx)) => p.status(tx).await,
        _ => Err(RemoteError::Unreachable(
            "nhà cung cấp không còn được cấu hình".into(),
        )),
    };
    match step(state, answer.as_ref(), past) {
        Step::Nothing => Ok(false),
        Step::Wait => {
            // The provider's trouble is shown on the waiting page meanwhile.
            let detail = answer.err().map(|e| e.to_string());
            release(ctx, id, detail.as_deref()).await?;
            Ok(false)
        }
        Step::End(to, why) => {
            let moved = finish(ctx, id, to, Some(why), None).await?;
            discard_files(ctx, &s, None).await;
            if moved {
                notify_ended(ctx, &s, to, why).await;
            }
            Ok(moved)
        }
        Step::Complete(signature) => {
            let outcome = complete(ctx, &s, signature).await;
            let (to, detail, result) = match &outcome {
                Ok(key) => (SessionState::Signed, None, Some(key.as_str())),
                Err(message) => (SessionState::Failed, Some(message.as_str()), None),
            };
            let moved = finish(ctx, id, to, detail, result).await?;
            discard_files(ctx, &s, outcome.as_ref().ok().map(String::as_str)).await;
            if moved && let Err(message) = &outcome {
                notify_ended(ctx, &s, to, message).await;
            }
            Ok(moved)
        }
    }
}

/// Runs the asking module's [`tinhso_kernel::signing::RemoteSignRequest::ended`] job for
/// session `s`, just ended unsigned in `state` with `reason` (its reserved number given back,
/// say). A failure is logged: the session already ended, and the module's own sweep or its
/// next action sees what is left.
pub(crate) async fn notify_ended(ctx: &Ctx, s: &Session, state: SessionState, reason: &str) {
    let context: serde_json::Value = serde_json::from_str(&s.context).unwrap_or_default();
    let Some(name) = context["ended"].as_str() else {
        return;
    };
    let Some(kind) = ctx.job_kinds.iter().find(|k| k.name == name) else {
        tracing::error!(session = %s.id, job = name, "signatures: no job kind for an ended session");
        return;
    };
    let payload = tinhso_kernel::signing::SigningEnded {
        session_id: s.id.clone(),
        entity_id: s.entity_id.clone(),
        state: state.as_str().to_owned(),
        reason: reason.to_owned(),
        context: context["caller"].clone(),
    };
    let run = match serde_json::to_value(&payload) {
        Ok(payload) => (kind.run)(ctx, payload).await,
        Err(e) => Err(e.into()),
    };
    if let Err(e) = run {
        tracing::error!(session = %s.id, error = %e, "signatures: the ended session's job failed");
    }
}

pub(crate) async fn discard_files(ctx: &Ctx, s: &Session, signed_key: Option<&str>) {
    let mut keys = vec![s.prepared_key.as_str()];
    keys.extend(signed_key);
    tinhso_kernel::storage::discard(ctx.storage.as_ref(), &keys).await;
}

/// The provider's `signature` turned into the signed PDF, handed to the asking module's
/// completion: the signed file's key, or the reason people read.
pub(crate) async fn complete(ctx: &Ctx, s: &Session, signature: Vec<u8>) -> Result<String, String> {
    let desk = s.provider == crate::desk::DESK;
    let failed = |e: &dyn std::fmt::Display| {
        tracing::error!(session = %s.id, error = %e, "signatures: signing session not completed");
        if desk {
            "Không hoàn tất được chữ ký số do lỗi của hệ thống: văn bản chưa được ký. Hãy ký lại."
                .to_owned()
        } else {
            "Không hoàn tất được chữ ký số từ xa do lỗi của hệ thống: văn bản chưa được ký. Hãy thử lại."
                .to_owned()
        }
    };
    let prepared = tinhso_kernel::storage::get(ctx.storage.as_ref(), &s.prepared_key)
        .await
        .map_err(|e| failed(&e))?
        .ok_or_else(|| failed(&"the prepared file is gone"))?;
    let byte_range: [u64; 4] = serde_json::from_str(&s.byte_range).map_err(|e| failed(&e))?;
    let certificate = pki::decode_b64(&s.certificate).map_err(|e| failed(&e))?;
    let chain: Vec<String> = serde_json::from_str(&s.chain).map_err(|e| failed(&e))?;
    let chain = chain
        .iter()
        .map(|c| pki::decode_b64(c))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| failed(&e))?;
    let algorithm = parse_algorithm(&s.algorithm).ok_or_else(|| failed(&"algorithm"))?;
    let credential = Credential::new(certificate.clone(), chain.clone());
    let tsa = crate::sign::platform_tsa(ctx);
    let source = tsa.clone();
    let digest = s.digest.clone();
    let signed = tokio::task::spawn_blocking(move || {
        let prepared = PreparedPdf::resume(prepared.to_vec(), byte_range)?;
        let attributes = SignedAttributes::new(&credential, &prepared.digest())?;
        if hex::encode(attributes.digest()) != digest {
            return Err(sign::SignError::Unsupported(
                "tệp đã chuẩn bị không còn khớp với mã băm đã gửi",
            ));
        }
        sign::complete(
            prepared,
            &credential,
            &attributes,
            algorithm,
            &signature,
            Some(&source),
        )
    })
    .await
    .map_err(|e| failed(&e))?;
    let signed = match signed {
        Ok(signed) => signed,
        Err(sign::SignError::SignatureInvalid | sign::SignError::AlgorithmMismatch) if desk => {
            return Err(crate::desk::SIGNATURE_MISMATCH.into());
        }
        Err(sign::SignError::SignatureInvalid | sign::SignError::AlgorithmMismatch) => {
            return Err(
                "Chữ ký nhà cung cấp ký số từ xa trả về không khớp với chứng thư số của người ký: văn bản chưa được ký."
                    .into(),
            );
        }
        Err(
            e @ (sign::SignError::Timestamp(_)
            | sign::SignError::TimestampRejected(_)
            | sign::SignError::TimestampInvalid(_)),
        ) => return Err(e.to_string()),
        Err(e) => return Err(failed(&e)),
    };
    // B-LT when the status services answer (the demo CA's in process for its certificates;
    // those the certificates name, online, for an external CA's); else B-T.
    let (signed, lt) =
        crate::lt::extend(ctx, signed, &certificate, &chain, &tsa.certificates()).await;
    let level = if lt.is_ok() { "B-LT" } else { "B-T" };
    let key = format!("signing-sessions/{}.signed.pdf", s.id);
    tinhso_kernel::storage::put(
        ctx.storage.as_ref(),
        &key,
        bytes::Bytes::from(signed.clone()),
    )
    .await
    .map_err(|e| failed(&e))?;
    let context: serde_json::Value = serde_json::from_str(&s.context).unwrap_or_default();
    let serial = der_serial(&certificate).unwrap_or_default();
    let subject = x509_subject(&certificate).unwrap_or_default();
    let payload = RemoteSigned {
        session_id: s.id.clone(),
        user_id: s.user_id.clone(),
        entity_id: s.entity_id.clone(),
        pdf_key: key.clone(),
        serial: serial.clone(),
        subject,
        actor_label: context["actor_label"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        actor_ip: context["actor_ip"].as_str().unwrap_or_default().to_owned(),
        audit_after: serde_json::json!({
            "remote": (!desk).then(|| serde_json::json!({"provider": s.provider, "session": s.id, "tx": s.provider_tx})),
            "desk": desk.then(|| serde_json::json!({"session": s.id, "algorithm": s.algorithm})),
            "serial": serial,
            "kind": context["signer_kind"].as_str().unwrap_or("person"),
            "level": level, "lt_warning": lt.err(),
            "reason": context["reason"], "location": context["location"],
            "visible": context["visible"], "bytes": signed.len(),
        }),
        context: context["caller"].clone(),
    };
    let Some(kind) = ctx.job_kinds.iter().find(|k| k.name == s.completion) else {
        tinhso_kernel::storage::discard(ctx.storage.as_ref(), &[&key]).await;
        return Err(failed(&format!("no job kind {}", s.completion)));
    };
    let payload = serde_json::to_value(&payload).map_err(|e| failed(&e))?;
    match (kind.run)(ctx, payload).await {
        Ok(()) => Ok(key),
        Err(e) => {
            tinhso_kernel::storage::discard(ctx.storage.as_ref(), &[&key]).await;
            match e.downcast_ref::<AppError>() {
                Some(AppError::Conflict(m)) => Err(m.clone()),
                Some(AppError::Validation(errors)) => Err(errors
                    .iter()
                    .map(|f| f.message.clone())
                    .collect::<Vec<_>>()
                    .join(" ")),
                Some(AppError::NotFound) => Err("Không còn tìm thấy văn bản cần ký.".into()),
                _ => Err(failed(&e)),
            }
        }
    }
}

fn decoded(der: &[u8]) -> Option<x509_cert::Certificate> {
    use der::Decode;
    x509_cert::Certificate::from_der(der).ok()
}

fn der_serial(der: &[u8]) -> Option<String> {
    decoded(der).map(|c| pki::serial_hex(c.tbs_certificate().serial_number()))
}

fn x509_subject(der: &[u8]) -> Option<String> {
    decoded(der).map(|c| c.tbs_certificate().subject().to_string())
}

/// Whether the demo issuing CA issued `der` (its register answers for it, in process).
async fn demo_issued(ctx: &Ctx, der: &[u8]) -> Result<bool, AppError> {
    let Some(issuing) = pki_store::authority(&ctx.db, Role::Issuing.as_str()).await? else {
        return Ok(false);
    };
    Ok(decoded(der).is_some_and(|c| c.tbs_certificate().issuer().to_string() == issuing.subject))
}

/// The demo issuing CA's certificate (the test provider's chain).
pub(crate) async fn issuing_chain(ctx: &Ctx) -> Result<Vec<Vec<u8>>, AppError> {
    let issuing = pki_store::authority(&ctx.db, Role::Issuing.as_str())
        .await?
        .ok_or_else(|| internal("issuing CA", "missing"))?;
    Ok(vec![pki::decode_b64(&issuing.certificate)?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_ends_once_and_waits_otherwise() {
        use SessionState::*;
        let down = RemoteError::Unreachable("x".into());
        let sig = RemoteStatus::Signed(vec![1, 2]);
        let cases: Vec<(
            SessionState,
            Result<&RemoteStatus, &RemoteError>,
            bool,
            Step,
        )> = vec![
            (Pending, Ok(&RemoteStatus::Pending), false, Step::Wait),
            (
                Pending,
                Ok(&RemoteStatus::Pending),
                true,
                Step::End(Expired, EXPIRED),
            ),
            (Pending, Ok(&sig), false, Step::Complete(vec![1, 2])),
            // Confirmed on time at the provider, polled just after the deadline.
            (Pending, Ok(&sig), true, Step::Complete(vec![1, 2])),
            (
                Pending,
                Ok(&RemoteStatus::Refused),
                false,
                Step::End(Refused, REFUSED),
            ),
            (
                Pending,
                Ok(&RemoteStatus::Expired),
                false,
                Step::End(Expired, EXPIRED),
            ),
            // A provider that is down: wait, until the deadline ends it.
            (Pending, Err(&down), false, Step::Wait),
            (Pending, Err(&down), true, Step::End(Expired, EXPIRED)),
            // An ended session never moves again.
            (Signed, Ok(&sig), false, Step::Nothing),
            (Refused, Ok(&sig), false, Step::Nothing),
            (Expired, Ok(&RemoteStatus::Pending), true, Step::Nothing),
            (Failed, Ok(&sig), false, Step::Nothing),
            // Cancelled by the platform: a signature confirmed afterwards is not used.
            (Cancelled, Ok(&sig), false, Step::Nothing),
        ];
        for (state, answer, past, expected) in cases {
            assert_eq!(
                step(state, answer, past),
                expected,
                "{state:?} {answer:?} {past}"
            );
        }
        let all = [Pending, Signed, Refused, Expired, Failed, Cancelled];
        for from in all {
            for to in all {
                // Out of pending once; a cancelled session only to signed (its signature was
                // kept before the entity moved on).
                let expected =
                    (from == Pending && to != Pending) || (from == Cancelled && to == Signed);
                assert_eq!(may_move(from, to), expected, "{from:?} → {to:?}");
            }
            assert_eq!(SessionState::parse(from.as_str()), Some(from));
        }
        assert_eq!(SessionState::parse("done"), None);
    }

    #[test]
    fn algorithms_have_wire_names() {
        for a in [
            SignatureAlgorithm::RsaPssSha256,
            SignatureAlgorithm::RsaPkcs1v15Sha256,
            SignatureAlgorithm::EcdsaP256Sha256,
        ] {
            assert_eq!(parse_algorithm(algorithm_name(a)), Some(a));
        }
        assert_eq!(parse_algorithm("rsa-sha1"), None);
    }
}
