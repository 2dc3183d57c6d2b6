//! Agencies' seals kept in a hardware security module (docs/signatures-design.md §4, slice 7):
//! the keys `signatures.agency_keys` names, opened through PKCS#11 ([`tinhso_pkcs11`]) when the
//! node starts and used at issue instead of a demo software key.
//!
//! **At start** ([`open_configured`], the module's start-up hook), each entry in turn, off the
//! async threads: the vendor's module loaded, the PIN read from its file, the token opened
//! and logged in (its session pool sized by `max_sessions`), the key found by `CKA_ID` (and
//! label), its certificate read from the token, or else the agency's latest certificate of the
//! platform's CA adopted (proved the key's by a signature), and a signer made with the key's
//! preferred algorithm (RSASSA-PSS, ECDSA P-256). Any failure stops the start with the
//! entry, the error's message and its code: a node never runs with an agency's seal quietly
//! falling back to a demo key.
//!
//! **The opened keys** live in a registry of the process, keyed by the configuration entry
//! itself, so an app reads only the keys its own configuration lists (tests start several apps
//! in one process). The PIN is never kept: it goes to `C_Login` and is zeroed
//! (`tinhso_pkcs11::Pin`); a later start of the same token checks it against the open login.
//!
//! **At issue** ([`seal`]): the agency's certificate is checked (period, and not revoked when
//! the platform's CA issued it), its chain taken from the demo issuing CA and
//! `signatures.intermediates_file`, the PDF signed through [`crate::sign::sign_with`] and extended
//! by [`crate::lt::extend`] (the same stamp, TSA and B-LT as a software key), and the audit row
//! names the token, its serial and the key id.

use crate::pki::{self, Role};
use crate::sign::sign_with;
use crate::store;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::SystemTime;
use tinhso_kernel::Ctx;
use tinhso_kernel::config::AgencyKeyConfig;
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::BoxFut;
use tinhso_kernel::signing::{SignRequest, Signed, SignedAudit};
use tinhso_pades::sign::Credential;
use tinhso_pkcs11::{KeySelector, Module, Pin, Pkcs11Error, Pkcs11Signer, TokenOptions};
use x509_cert::Certificate;
use x509_cert::der::{Decode, Encode};

/// An agency's key, opened: its signer (which keeps the token logged in) and certificate.
#[derive(Clone, Debug)]
pub struct AgencyKey {
    pub entry: AgencyKeyConfig,
    pub signer: Pkcs11Signer,
    /// The certificate's DER, its serial (lower-case hex, as the tables keep it), subject and
    /// period.
    pub certificate: Vec<u8>,
    pub serial: String,
    pub subject: String,
    pub not_before: SystemTime,
    pub not_after: SystemTime,
    pub token_serial: String,
    /// Where the certificate came from: `token` or `platform_ca` (adopted).
    pub certificate_source: &'static str,
}

type Registry = HashMap<AgencyKeyConfig, Arc<AgencyKey>>;

static KEYS: OnceLock<Mutex<Registry>> = OnceLock::new();

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    KEYS.get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// Why an entry cannot be used, for the start-up error.
#[derive(Debug)]
struct EntryError {
    message: String,
    code: &'static str,
}

impl From<Pkcs11Error> for EntryError {
    fn from(e: Pkcs11Error) -> EntryError {
        EntryError {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

fn describe(entry: &AgencyKeyConfig) -> String {
    format!(
        "signatures.agency_keys: agency {}, token “{}”, key {} ({})",
        entry.agency,
        entry.token_label,
        entry.key_id,
        entry.module.display()
    )
}

/// Opens every configured key (`Module::startup`); the first failure stops the start.
pub fn open_configured(ctx: &Ctx) -> BoxFut<'_, anyhow::Result<()>> {
    Box::pin(async move {
        let entries = &ctx.config.signatures.agency_keys;
        for (i, entry) in entries.iter().enumerate() {
            if entries[..i].iter().any(|e| e.agency == entry.agency) {
                anyhow::bail!(
                    "{}: the agency has two keys configured: keep one entry per agency",
                    describe(entry)
                );
            }
            // The agency's certificate of the platform's CA, for a token that has none.
            let adoptable = match store::agency_by_reference(&ctx.db, &entry.agency).await? {
                Some((agency_id, _)) => match store::agency_certificate(&ctx.db, &agency_id).await?
                {
                    Some(row) => Some(pki::decode_b64(&row.certificate)?),
                    None => None,
                },
                None => {
                    tracing::warn!(
                        agency = %entry.agency,
                        "signatures.agency_keys: no agency has this code or id yet; its key is \
                         opened, and used once the agency exists"
                    );
                    None
                }
            };
            let owned = entry.clone();
            let opened = tokio::task::spawn_blocking(move || open(&owned, adoptable))
                .await
                .map_err(|e| anyhow::anyhow!("{}: {e}", describe(entry)))?;
            let key = opened
                .map_err(|e| anyhow::anyhow!("{}: {} [{}]", describe(entry), e.message, e.code))?;
            tracing::info!(
                agency = %entry.agency,
                token = %entry.token_label,
                key_id = %entry.key_id,
                mechanism = key.signer.mechanism(),
                certificate = %key.subject,
                source = key.certificate_source,
                "signatures: the agency's seal key is open"
            );
            registry().insert(entry.clone(), Arc::new(key));
        }
        Ok(())
    })
}

/// One entry opened (blocking: the module, the token and the key's checks).
fn open(entry: &AgencyKeyConfig, adoptable: Option<Vec<u8>>) -> Result<AgencyKey, EntryError> {
    let module = Module::load(&entry.module)?;
    let pin = Pin::read_file(&entry.pin_file).map_err(|e| EntryError {
        message: format!(
            "Không đọc được tệp mã PIN {}: {e}",
            entry.pin_file.display()
        ),
        code: "pin_file_unreadable",
    })?;
    let mut options = TokenOptions::default();
    if let Some(max) = entry.max_sessions {
        options.max_sessions = max;
    }
    let token = module.open_token_with(&entry.token_label, &pin, options)?;
    drop(pin);
    let mut selector = KeySelector::id_hex(&entry.key_id)?;
    selector.label = entry.key_label.clone();
    let key = token.key(&selector)?;
    let (key, source) = match key.certificate() {
        Ok(_) => (key, "token"),
        Err(Pkcs11Error::CertificateNotFound(what)) => match &adoptable {
            Some(der) => (key.adopt_certificate(der)?, "platform_ca"),
            None => return Err(Pkcs11Error::CertificateNotFound(what).into()),
        },
        Err(e) => return Err(e.into()),
    };
    let certificate = key.certificate()?.to_vec();
    let parsed = Certificate::from_der(&certificate)
        .map_err(|e| Pkcs11Error::CertificateUnreadable(e.to_string()))?;
    let tbs = parsed.tbs_certificate();
    let signer = key.signer(key.preferred_algorithm())?;
    Ok(AgencyKey {
        entry: entry.clone(),
        serial: pki::serial_hex(tbs.serial_number()),
        subject: tbs.subject().to_string(),
        not_before: tbs.validity().not_before.to_system_time(),
        not_after: tbs.validity().not_after.to_system_time(),
        token_serial: token.serial_number().trim().to_owned(),
        certificate,
        certificate_source: source,
        signer,
    })
}

/// The configured keys this app opened, in configuration order (for `/admin/signatures`).
pub fn configured(ctx: &Ctx) -> Vec<Arc<AgencyKey>> {
    let keys = registry();
    ctx.config
        .signatures
        .agency_keys
        .iter()
        .filter_map(|entry| keys.get(entry).cloned())
        .collect()
}

/// The HSM key configured for agency `agency_id` (its id or code named in the entry), if any.
pub async fn agency_key(ctx: &Ctx, agency_id: &str) -> Result<Option<Arc<AgencyKey>>, AppError> {
    let entries = &ctx.config.signatures.agency_keys;
    if entries.is_empty() {
        return Ok(None);
    }
    let code = store::agency_code(&ctx.db, agency_id).await?;
    let Some(entry) = entries
        .iter()
        .find(|e| e.agency == agency_id || Some(&e.agency) == code.as_ref())
    else {
        return Ok(None);
    };
    match registry().get(entry) {
        Some(key) => Ok(Some(key.clone())),
        // Start-up opens every entry or fails: only an app started without its hook gets here.
        None => Err(AppError::Internal(anyhow::anyhow!(
            "{}: not opened at start",
            describe(entry)
        ))),
    }
}

/// `request.pdf` sealed by the agency's HSM key (the agency's path of [`crate::sign::sign_pdf`]).
pub async fn seal(
    ctx: &Ctx,
    request: SignRequest,
    key: Arc<AgencyKey>,
) -> Result<Signed, AppError> {
    let now = SystemTime::now();
    if key.not_after <= now || key.not_before > now {
        return Err(AppError::Conflict(
            "Chứng thư số của cơ quan đã hết hạn hoặc chưa có hiệu lực: không thể đóng dấu số."
                .into(),
        ));
    }
    let states = store::serial_states(&ctx.db, std::slice::from_ref(&key.serial)).await?;
    if states.iter().any(|s| s.status == "revoked") {
        return Err(AppError::Conflict(
            "Chứng thư số của cơ quan đã bị thu hồi: không thể đóng dấu số. Hãy liên hệ quản trị hệ thống để được cấp chứng thư mới."
                .into(),
        ));
    }
    let ca_chain = chain(ctx, &key.certificate).await?;
    let credential = Credential::new(key.certificate.clone(), ca_chain.clone());
    let (signed, tsa) = sign_with(ctx, &request, credential, key.signer.clone(), now).await?;
    // B-LT as for a software key (`lt`), else B-T with the reason in the audit row.
    let (signed, lt) = crate::lt::extend(ctx, signed, &key.certificate, &ca_chain, &tsa).await;
    let level = if lt.is_ok() { "B-LT" } else { "B-T" };
    let audit = SignedAudit {
        actor: request.actor.clone(),
        action: "signature.seal",
        entity_type: request.entity_type,
        entity_id: request.entity_id.clone(),
        after: serde_json::json!({
            "serial": key.serial, "kind": "agency", "level": level, "lt_warning": lt.err(),
            "hsm": {
                "token": key.entry.token_label, "token_serial": key.token_serial,
                "key_id": key.entry.key_id, "mechanism": key.signer.mechanism(),
            },
            "reason": request.reason, "location": request.location,
            "visible": request.stamp.is_some(), "bytes": signed.len(),
        }),
    };
    Ok(Signed {
        pdf: signed,
        serial: key.serial.clone(),
        subject: key.subject.clone(),
        audit,
    })
}

/// The CA certificates above `certificate` up to (without) its root: found by name among the
/// platform's demo issuing CA and `signatures.intermediates_file`.
pub(crate) async fn chain(ctx: &Ctx, certificate: &[u8]) -> Result<Vec<Vec<u8>>, AppError> {
    let mut candidates: Vec<Certificate> = Vec::new();
    if let Some(issuing) = store::authority(&ctx.db, Role::Issuing.as_str()).await? {
        candidates.push(pki::certificate_of(&issuing)?);
    }
    if let Some(path) = &ctx.config.signatures.intermediates_file {
        candidates.extend(read_pem(path).await?);
    }
    let unreadable = |e: der::Error| {
        AppError::Internal(anyhow::anyhow!("signatures: hsm: the certificate: {e}"))
    };
    let mut current = Certificate::from_der(certificate).map_err(unreadable)?;
    let mut out = Vec::new();
    // A chain of a national CA is two or three deep.
    for _ in 0..4 {
        let tbs = current.tbs_certificate();
        if tbs.issuer() == tbs.subject() {
            break;
        }
        let Some(parent) = candidates
            .iter()
            .find(|c| c.tbs_certificate().subject() == tbs.issuer())
            .cloned()
        else {
            break;
        };
        if parent.tbs_certificate().subject() == parent.tbs_certificate().issuer() {
            break;
        }
        out.push(parent.to_der().map_err(unreadable)?);
        current = parent;
    }
    Ok(out)
}

async fn read_pem(path: &Path) -> Result<Vec<Certificate>, AppError> {
    let text = tokio::fs::read(path).await.map_err(|e| {
        AppError::Internal(anyhow::anyhow!(
            "signatures: the trust file {} cannot be used: {e}",
            path.display()
        ))
    })?;
    Certificate::load_pem_chain(&text).map_err(|e| {
        AppError::Internal(anyhow::anyhow!(
            "signatures: the trust file {} cannot be used: {e}",
            path.display()
        ))
    })
}
