//! The demo certificate authority run by the platform (docs/signatures-design.md §5): created
//! once with the demo province, its keys sealed under `pki_key`, its certificates in
//! `pki_certificates`. This file is what the routes and the admin page call: load an authority,
//! answer OCSP and timestamp requests, hand out the CRLs (kept in the database, shared by the
//! nodes, rebuilt after a revocation and before they expire), revoke, and say whether the
//! demo root is trusted. The cryptography is `tinhso_pades::ca`'s.

use crate::store::{self, AuthorityRow, CertificateRow, SerialState};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use der::{Decode, Encode};
use std::collections::HashMap;
use std::time::{Duration, SystemTime};
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::error::AppError;
use tinhso_pades::asn1::{OcspRequest, OcspResponseStatus, WideOid};
use tinhso_pades::ca::certs::Ca;
use tinhso_pades::ca::crl::{CrlPeriod, Revoked};
use tinhso_pades::ca::ocsp::{Responder, SerialStatus};
use tinhso_pades::ca::tsa::Failure;
use tinhso_pades::ca::{self, Authority, Settings};
use x509_cert::Certificate;
use x509_cert::ext::pkix::crl::CrlReason;
use x509_cert::serial_number::SerialNumber;

/// The setting that makes the demo root a trust anchor of the signature checks.
pub const TRUST_SETTING: &str = "signatures.trust_demo_ca";

/// Serialises the creation of the demo CA and the rebuilding of CRLs across nodes (PostgreSQL;
/// SQLite's write transaction already does).
pub const PKI_LOCK: i64 = 7_232_015;

/// How long a CRL is valid (`nextUpdate - thisUpdate`).
pub const CRL_VALIDITY: Duration = Duration::from_secs(24 * 3600);
/// A kept CRL is replaced when less than this is left of it, so none is served about to expire.
const CRL_MARGIN: Duration = Duration::from_secs(3600);

/// The authorities of the demo CA, as their rows are keyed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Root,
    Issuing,
    Ocsp,
    Tsa,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Root, Role::Issuing, Role::Ocsp, Role::Tsa];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Root => "root",
            Role::Issuing => "issuing",
            Role::Ocsp => "ocsp",
            Role::Tsa => "tsa",
        }
    }

    /// The CA whose CRL and certificate are published under this name.
    pub fn of_ca(ca: Ca) -> Role {
        match ca {
            Ca::Root => Role::Root,
            Ca::Issuing => Role::Issuing,
        }
    }
}

/// Why a certificate is revoked: the CRL reasons an administrator may choose (RFC 5280
/// §5.3.1; `certificateHold` is left out: a revocation here is final).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    Unspecified,
    KeyCompromise,
    AffiliationChanged,
    Superseded,
    CessationOfOperation,
    PrivilegeWithdrawn,
}

impl Reason {
    pub const ALL: [Reason; 6] = [
        Reason::KeyCompromise,
        Reason::AffiliationChanged,
        Reason::Superseded,
        Reason::CessationOfOperation,
        Reason::PrivilegeWithdrawn,
        Reason::Unspecified,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Unspecified => "unspecified",
            Reason::KeyCompromise => "key_compromise",
            Reason::AffiliationChanged => "affiliation_changed",
            Reason::Superseded => "superseded",
            Reason::CessationOfOperation => "cessation_of_operation",
            Reason::PrivilegeWithdrawn => "privilege_withdrawn",
        }
    }

    pub fn parse(text: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// The reason code as CRLs and OCSP carry it; none for `unspecified` (RFC 5280 §5.3.1).
    fn code(self) -> Option<CrlReason> {
        match self {
            Reason::Unspecified => None,
            Reason::KeyCompromise => Some(CrlReason::KeyCompromise),
            Reason::AffiliationChanged => Some(CrlReason::AffiliationChanged),
            Reason::Superseded => Some(CrlReason::Superseded),
            Reason::CessationOfOperation => Some(CrlReason::CessationOfOperation),
            Reason::PrivilegeWithdrawn => Some(CrlReason::PrivilegeWithdrawn),
        }
    }
}

/// A certificate's serial as the tables keep it: lower-case hexadecimal of the number, without
/// the zero octet DER puts before a positive number whose top bit is set (as openssl prints it).
pub fn serial_hex(serial: &SerialNumber) -> String {
    let bytes = serial.as_bytes();
    let significant = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    hex::encode(&bytes[significant..])
}

/// What a sealed key is bound to, so that it opens only in its own row.
pub fn authority_binding(role: Role) -> Vec<u8> {
    format!("tinhso-pki-v1:authority:{}", role.as_str()).into_bytes()
}

pub fn certificate_binding(serial: &str) -> Vec<u8> {
    format!("tinhso-pki-v1:certificate:{serial}").into_bytes()
}

pub fn to_text(at: SystemTime) -> String {
    tinhso_kernel::time::to_text(chrono::DateTime::<chrono::Utc>::from(at))
}

fn to_time(text: &str) -> Option<SystemTime> {
    tinhso_kernel::time::parse(text).map(SystemTime::from)
}

fn internal(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("demo CA: {what}: {e}"))
}

pub fn decode_b64(text: &str) -> Result<Vec<u8>, AppError> {
    B64.decode(text).map_err(|e| internal("stored DER", e))
}

pub fn encode_b64(der: &[u8]) -> String {
    B64.encode(der)
}

/// The certificate of an authority row.
pub fn certificate_of(row: &AuthorityRow) -> Result<Certificate, AppError> {
    Certificate::from_der(&decode_b64(&row.certificate)?).map_err(|e| internal("certificate", e))
}

/// The authority `role` with its key unsealed, if the demo CA exists.
pub async fn authority(
    ctx: &Ctx,
    role: Role,
) -> Result<Option<(AuthorityRow, Authority)>, AppError> {
    let Some(row) = store::authority(&ctx.db, role.as_str()).await? else {
        return Ok(None);
    };
    let loaded = unseal_authority(ctx, role, &row)?;
    Ok(Some((row, loaded)))
}

fn unseal_authority(ctx: &Ctx, role: Role, row: &AuthorityRow) -> Result<Authority, AppError> {
    let pkcs8 = tinhso_kernel::keys::open(&ctx.keys.pki, &authority_binding(role), &row.sealed_key)
        .map_err(|e| internal(&format!("the {} key (pki_key)", role.as_str()), e))?;
    Authority::from_der(&decode_b64(&row.certificate)?, &pkcs8)
        .map_err(|e| internal(role.as_str(), e))
}

/// The demo CA's settings as they were at its creation (URLs, policy).
pub fn settings_of(root: &AuthorityRow) -> Result<Settings, AppError> {
    let uuid = uuid::Uuid::parse_str(&root.policy_uuid).map_err(|e| internal("policy", e))?;
    Ok(Settings::new(
        &root.public_url,
        WideOid::from_uuid(uuid.as_u128()),
    ))
}

/// Whether signature checks trust the demo root (the setting, on once the demo CA is made).
pub async fn trusts_demo(ctx: &Ctx) -> Result<bool, AppError> {
    Ok(tinhso_kernel::settings::get(&ctx.db, TRUST_SETTING)
        .await?
        .is_some_and(|v| v == "on"))
}

/// The demo root and issuing CA certificates while the setting trusts them.
pub async fn trusted_demo_chain(ctx: &Ctx) -> Result<Option<(Certificate, Certificate)>, AppError> {
    if !trusts_demo(ctx).await? {
        return Ok(None);
    }
    let (Some(root), Some(issuing)) = (
        store::authority(&ctx.db, Role::Root.as_str()).await?,
        store::authority(&ctx.db, Role::Issuing.as_str()).await?,
    ) else {
        return Ok(None);
    };
    Ok(Some((certificate_of(&root)?, certificate_of(&issuing)?)))
}

/// Turns trust in the demo root on or off, audited; whether it changed.
pub async fn set_trust(ctx: &Ctx, actor: &Actor, on: bool) -> Result<bool, AppError> {
    let before = trusts_demo(ctx).await?;
    if before == on {
        return Ok(false);
    }
    let value = if on { "on" } else { "off" };
    let mut tx = ctx.db.begin().await?;
    tinhso_kernel::settings::put(&mut tx, TRUST_SETTING, value).await?;
    audit::record(
        &ctx.db,
        &mut tx,
        actor,
        Change {
            action: "pki.demo_trust",
            entity_type: "setting",
            entity_id: TRUST_SETTING,
            before: serde_json::json!({ "trusted": before }),
            after: serde_json::json!({ "trusted": on }),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::warn!(
        trusted = on,
        "signatures: trust in the demo CA's root (no legal value) turned {value} by {}",
        actor.label
    );
    Ok(true)
}

/// Revokes the certificate `id` for `reason`, audited; the issuing CA's CRL is rebuilt at the
/// next request, and OCSP answers "revoked" at once.
pub async fn revoke(ctx: &Ctx, actor: &Actor, id: &str, reason: Reason) -> Result<(), AppError> {
    let certificate = store::certificate(&ctx.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let at = tinhso_kernel::time::now_text();
    let mut tx = ctx.db.begin().await?;
    ctx.db.lock(&mut tx, PKI_LOCK).await?;
    if !store::revoke(&mut tx, id, &at, reason.as_str()).await? {
        return Err(AppError::Conflict(
            "Chứng thư số này đã bị thu hồi trước đó.".into(),
        ));
    }
    store::clear_crl(&mut tx, Role::Issuing.as_str()).await?;
    audit::record(
        &ctx.db,
        &mut tx,
        actor,
        Change {
            action: "pki.certificate_revoke",
            entity_type: "pki_certificate",
            entity_id: id,
            before: serde_json::json!({ "serial": certificate.serial, "status": "good" }),
            after: serde_json::json!({
                "serial": certificate.serial, "status": "revoked",
                "reason": reason.as_str(), "revoked_at": at,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// --- OCSP ---

/// The serials a request asks about (none when it does not read: the responder then answers
/// `malformedRequest` itself).
fn asked_serials(request: &[u8]) -> Vec<SerialNumber> {
    if request.len() > ca::ocsp::MAX_REQUEST_BYTES {
        return Vec::new();
    }
    OcspRequest::from_der(request)
        .map(|r| {
            r.tbs_request
                .request_list
                .into_iter()
                .take(ca::ocsp::MAX_CERTIFICATES + 1)
                .map(|single| single.req_cert.serial_number)
                .collect()
        })
        .unwrap_or_default()
}

fn serial_status(state: &SerialState) -> SerialStatus {
    if state.status != "revoked" {
        return SerialStatus::Good;
    }
    let at = state
        .revoked_at
        .as_deref()
        .and_then(to_time)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let reason = state.reason.as_deref().and_then(Reason::parse);
    SerialStatus::Revoked {
        at,
        reason: reason.and_then(Reason::code),
    }
}

/// The DER `OCSPResponse` to a DER `OCSPRequest`, from the certificates' stored status. No demo
/// CA: `unauthorized` (RFC 6960 §2.3: this responder answers for nobody).
pub async fn ocsp_response(ctx: &Ctx, request: &[u8]) -> Result<Vec<u8>, AppError> {
    let issuing = store::authority(&ctx.db, Role::Issuing.as_str()).await?;
    let (Some(issuing), Some((_, responder))) = (issuing, authority(ctx, Role::Ocsp).await?) else {
        return Ok(ca::ocsp::status_only(OcspResponseStatus::Unauthorized));
    };
    let issuing = certificate_of(&issuing)?;
    let serials: Vec<String> = asked_serials(request).iter().map(serial_hex).collect();
    let known: HashMap<String, SerialStatus> = store::serial_states(&ctx.db, &serials)
        .await?
        .iter()
        .map(|s| (s.serial.clone(), serial_status(s)))
        .collect();
    let lookup = |serial: &SerialNumber| {
        known
            .get(&serial_hex(serial))
            .copied()
            .unwrap_or(SerialStatus::Unknown)
    };
    let responder = Responder {
        responder: &responder,
        issuer: &issuing,
    };
    Ok(ca::ocsp::respond(
        request,
        responder,
        lookup,
        SystemTime::now(),
    ))
}

// --- Timestamps ---

/// The DER `TimeStampResp` to a DER `TimeStampReq`, under the demo policy, the issuing CA's
/// certificate in the token beside the TSA's when certificates are asked for. No demo CA: a
/// rejection (`systemFailure`).
pub async fn timestamp_response(ctx: &Ctx, request: &[u8]) -> Result<Vec<u8>, AppError> {
    let root = store::authority(&ctx.db, Role::Root.as_str()).await?;
    let (Some(root), Some((_, tsa))) = (root, authority(ctx, Role::Tsa).await?) else {
        let rejection = ca::tsa::rejection(Failure::SystemFailure);
        return rejection.to_der().map_err(|e| internal("rejection", e));
    };
    let policy = settings_of(&root)?.policy;
    // The issuing CA rides in the token with the TSA's certificate: validators that build the
    // TSA's path from the token alone (pyHanko) then reach the root.
    let chain = match store::authority(&ctx.db, Role::Issuing.as_str()).await? {
        Some(issuing) => vec![certificate_of(&issuing)?],
        None => Vec::new(),
    };
    Ok(ca::tsa::respond_with_chain(
        request,
        &tsa,
        &chain,
        &policy,
        SystemTime::now(),
    ))
}

// --- CRLs and certificates ---

/// The DER certificate of the root or the issuing CA; `None` without a demo CA.
pub async fn ca_certificate(ctx: &Ctx, ca: Ca) -> Result<Option<Vec<u8>>, AppError> {
    store::authority(&ctx.db, Role::of_ca(ca).as_str())
        .await?
        .map(|row| decode_b64(&row.certificate))
        .transpose()
}

/// Whether a kept CRL may still be served at `now`.
fn fresh(row: &AuthorityRow, now: SystemTime) -> bool {
    row.crl.is_some()
        && row
            .crl_next_update
            .as_deref()
            .and_then(to_time)
            .is_some_and(|next| now + CRL_MARGIN < next)
}

/// The kept DER CRL of the root or the issuing CA when it is still valid for a while (its
/// nextUpdate more than five minutes ahead), read without writing anything: what a signing
/// that runs inside another module's transaction may use (on SQLite a write from another
/// connection would wait for that transaction). `None` when there is none to use.
pub async fn kept_crl(ctx: &Ctx, ca: Ca) -> Result<Option<Vec<u8>>, AppError> {
    let Some(row) = store::authority(&ctx.db, Role::of_ca(ca).as_str()).await? else {
        return Ok(None);
    };
    let usable = row
        .crl_next_update
        .as_deref()
        .and_then(to_time)
        .is_some_and(|next| SystemTime::now() + Duration::from_secs(300) < next);
    match (&row.crl, usable) {
        (Some(kept), true) => Ok(Some(decode_b64(kept)?)),
        _ => Ok(None),
    }
}

/// The current DER CRL of the root or the issuing CA; `None` without a demo CA. Kept in the
/// authority's row and rebuilt (with the next CRL number, under the lock) when a revocation
/// cleared it or it nears its nextUpdate.
pub async fn crl(ctx: &Ctx, ca: Ca) -> Result<Option<Vec<u8>>, AppError> {
    let role = Role::of_ca(ca);
    let Some(row) = store::authority(&ctx.db, role.as_str()).await? else {
        return Ok(None);
    };
    let now = SystemTime::now();
    if fresh(&row, now)
        && let Some(kept) = &row.crl
    {
        return Ok(Some(decode_b64(kept)?));
    }
    let mut tx = ctx.db.begin().await?;
    ctx.db.lock(&mut tx, PKI_LOCK).await?;
    let row = store::authority_in(&mut tx, role.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    if fresh(&row, now)
        && let Some(kept) = &row.crl
    {
        // Another request (or node) rebuilt it meanwhile.
        return Ok(Some(decode_b64(kept)?));
    }
    let revoked = match role {
        // The issuing CA revokes people's and agencies' certificates; the root's only child
        // is the issuing CA, never revoked here.
        Role::Issuing => store::revoked(&mut tx).await?,
        _ => Vec::new(),
    };
    let revoked = revoked
        .iter()
        .map(crl_entry)
        .collect::<Result<Vec<_>, _>>()?;
    let issuer = unseal_authority(ctx, role, &row)?;
    let number = row.crl_number + 1;
    let period = CrlPeriod {
        this_update: now,
        next_update: now + CRL_VALIDITY,
        number: number as u64,
    };
    let der = ca::crl::build(&issuer, &revoked, period)
        .and_then(|crl| Ok(crl.to_der()?))
        .map_err(|e| internal("CRL", e))?;
    store::put_crl(
        &mut tx,
        role.as_str(),
        &encode_b64(&der),
        number,
        &to_text(period.next_update),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(der))
}

fn crl_entry(state: &SerialState) -> Result<Revoked, AppError> {
    let bytes = hex::decode(&state.serial).map_err(|e| internal("serial", e))?;
    let SerialStatus::Revoked { at, reason } = serial_status(state) else {
        return Err(internal("CRL", "a listed certificate is not revoked"));
    };
    Ok(Revoked {
        serial: SerialNumber::new(&bytes).map_err(|e| internal("serial", e))?,
        at,
        reason,
    })
}

/// A certificate row for what the issuing CA issued (`kind`: person or agency).
pub struct Issued {
    pub certificate: Certificate,
    pub key: ca::KeyPair,
    pub kind: &'static str,
    pub user_id: Option<String>,
    pub agency_id: Option<String>,
}

impl Issued {
    /// The row to store: the DER, the key sealed to the serial, the period and subject.
    pub fn row(&self, pki_key: &[u8; 32], created_at: &str) -> Result<CertificateRow, AppError> {
        let tbs = self.certificate.tbs_certificate();
        let serial = serial_hex(tbs.serial_number());
        let pkcs8 = self.key.to_pkcs8_der().map_err(|e| internal("key", e))?;
        let der = self
            .certificate
            .to_der()
            .map_err(|e| internal("certificate", e))?;
        Ok(CertificateRow {
            id: uuid::Uuid::now_v7().to_string(),
            sealed_key: tinhso_kernel::keys::seal(pki_key, &certificate_binding(&serial), &pkcs8),
            serial,
            kind: self.kind.to_owned(),
            user_id: self.user_id.clone(),
            agency_id: self.agency_id.clone(),
            subject: tbs.subject().to_string(),
            key_algorithm: match self.key.algorithm() {
                ca::KeyAlgorithm::P256 => "ecdsa-p256",
                ca::KeyAlgorithm::Rsa2048 => "rsa-2048",
            }
            .to_owned(),
            not_before: to_text(tbs.validity().not_before.to_system_time()),
            not_after: to_text(tbs.validity().not_after.to_system_time()),
            status: "good".to_owned(),
            revoked_at: None,
            reason: None,
            certificate: encode_b64(&der),
            created_at: created_at.to_owned(),
            issuer: tbs.issuer().to_string(),
            origin: store::DEMO.to_owned(),
        })
    }
}

/// The row of a new authority, its key sealed to its role.
pub fn authority_row(
    pki_key: &[u8; 32],
    role: Role,
    authority: &Authority,
    settings: &Settings,
    policy_uuid: &uuid::Uuid,
    created_at: &str,
) -> Result<AuthorityRow, AppError> {
    let tbs = authority.certificate.tbs_certificate();
    let key = ca::KeyPair::P256(authority.signing_key().clone());
    let pkcs8 = key.to_pkcs8_der().map_err(|e| internal("key", e))?;
    Ok(AuthorityRow {
        role: role.as_str().to_owned(),
        subject: tbs.subject().to_string(),
        serial: serial_hex(tbs.serial_number()),
        certificate: encode_b64(&authority.der),
        sealed_key: tinhso_kernel::keys::seal(pki_key, &authority_binding(role), &pkcs8),
        not_before: to_text(tbs.validity().not_before.to_system_time()),
        not_after: to_text(tbs.validity().not_after.to_system_time()),
        public_url: settings.public_url.clone(),
        policy_uuid: policy_uuid.to_string(),
        crl: None,
        crl_number: 0,
        crl_next_update: None,
        created_at: created_at.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_read_back_and_unspecified_carries_no_code() {
        for reason in Reason::ALL {
            assert_eq!(Reason::parse(reason.as_str()), Some(reason));
        }
        assert_eq!(Reason::parse("certificate_hold"), None);
        assert_eq!(Reason::Unspecified.code(), None);
        assert_eq!(Reason::KeyCompromise.code(), Some(CrlReason::KeyCompromise));
    }

    #[test]
    fn a_revoked_state_keeps_its_time_and_reason() {
        let state = SerialState {
            serial: "0a".into(),
            status: "revoked".into(),
            revoked_at: Some("2026-11-30T01:02:03.000Z".into()),
            reason: Some("superseded".into()),
        };
        let SerialStatus::Revoked { at, reason } = serial_status(&state) else {
            panic!("revoked");
        };
        assert_eq!(to_text(at), "2026-11-30T01:02:03.000Z");
        assert_eq!(reason, Some(CrlReason::Superseded));
        let good = SerialState {
            status: "good".into(),
            ..state
        };
        assert_eq!(serial_status(&good), SerialStatus::Good);
    }

    #[test]
    fn serials_are_written_as_numbers() {
        let high = SerialNumber::new(&[0xf1, 0x10]).unwrap();
        assert_eq!(serial_hex(&high), "f110");
        let low = SerialNumber::new(&[0x01, 0x02]).unwrap();
        assert_eq!(serial_hex(&low), "0102");
        let zero = SerialNumber::new(&[0x00]).unwrap();
        assert_eq!(serial_hex(&zero), "00");
    }

    #[test]
    fn garbage_asks_about_nothing() {
        assert!(asked_serials(b"not DER").is_empty());
        assert!(asked_serials(&vec![0x30; 20_000]).is_empty());
    }
}
