//! The demo CA certifies a key kept on an official's USB token (`tinhso pki certify-key`, an
//! operator's command; no legal value, like every demo certificate). A real token comes with
//! its certificate from a national CA; for the demo, the key generated on a token (SoftHSM2 in
//! the tests and the browser journey) gets a personal certificate from the demo issuing CA,
//! recorded in the CA's register for that official **without a key** (the key never leaves the
//! token), so that `tinhso desk-sign` is matched to them as every personal certificate is.
//! The platform signs with its own software keys only, so it never picks such a row to sign
//! with ([`crate::store::person_certificate`]).

use crate::pki::{self, Role};
use crate::store::{self, CertificateRow};
use std::time::SystemTime;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::error::AppError;
use tinhso_pades::ca::{self, Subject};
use tinhso_pades::crypto::PublicKey;
use x509_cert::der::{Decode, Encode};
use x509_cert::spki::SubjectPublicKeyInfoOwned;

/// A key certified: the certificate (DER) and its serial.
#[derive(Debug, Clone)]
pub struct Certified {
    pub der: Vec<u8>,
    pub serial: String,
    pub subject: String,
}

impl Certified {
    /// The certificate as PEM.
    pub fn pem(&self) -> String {
        use base64::Engine;
        let body = base64::engine::general_purpose::STANDARD.encode(&self.der);
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|l| std::str::from_utf8(l).expect("base64 is ASCII"))
            .collect();
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            lines.join("\n")
        )
    }
}

fn refused(message: &str) -> AppError {
    AppError::validation("PublicKey", message)
}

/// The public key as given: PEM `PUBLIC KEY`, or the DER SubjectPublicKeyInfo
/// (`pkcs11-tool --read-object --type pubkey` writes that), an RSA key of at least 2048 bits or
/// a P-256 key, as the platform signs with.
pub fn read_public_key(
    bytes: &[u8],
) -> Result<(SubjectPublicKeyInfoOwned, &'static str), AppError> {
    let unreadable = || {
        refused(
            "Không đọc được khóa công khai: cần khóa công khai dạng PEM (PUBLIC KEY) hoặc DER (SubjectPublicKeyInfo).",
        )
    };
    let der = if bytes.starts_with(b"-----BEGIN PUBLIC KEY-----") {
        use base64::Engine;
        let text = std::str::from_utf8(bytes).map_err(|_| unreadable())?;
        let body: String = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with("-----"))
            .collect();
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|_| unreadable())?
    } else {
        bytes.to_vec()
    };
    let spki = SubjectPublicKeyInfoOwned::from_der(&der).map_err(|_| unreadable())?;
    let algorithm = match PublicKey::from_spki(&spki) {
        Ok(key @ PublicKey::Rsa(_)) if key.rsa_bits().unwrap_or(0) >= 2048 => "rsa-2048",
        Ok(PublicKey::P256(_)) => "ecdsa-p256",
        _ => {
            return Err(refused(
                "Khóa không được hỗ trợ: chỉ chứng nhận khóa RSA từ 2048 bit hoặc ECDSA P-256.",
            ));
        }
    };
    Ok((spki, algorithm))
}

/// The official `email` names: (user id, full name, agency name).
async fn official(ctx: &Ctx, email: &str) -> Result<(String, String, String), AppError> {
    let row = store::official_by_email(&ctx.db, email).await?;
    row.ok_or_else(|| {
        AppError::validation("Email", "Không có cán bộ nào với địa chỉ thư điện tử này.")
    })
}

/// Whom a key on a token is certified for.
#[derive(Clone, Copy, Debug)]
pub enum KeyHolder<'a> {
    /// An official, by email: their personal certificate.
    Official(&'a str),
    /// An agency, by its code (or id): its seal, on the document clerk's token.
    Agency(&'a str),
}

/// The demo issuing CA certifies `public_key` (held on a token) for `holder`: an official's
/// personal certificate or an agency's, registered without a key, audited
/// `signature.certify_key`.
pub async fn certify_key(
    ctx: &Ctx,
    actor: &Actor,
    holder: KeyHolder<'_>,
    public_key: &[u8],
) -> Result<Certified, AppError> {
    let (spki, key_algorithm) = read_public_key(public_key)?;
    let (role, subject, user_id, agency_id) = match holder {
        KeyHolder::Official(email) => {
            let (user_id, full_name, agency) = official(ctx, email).await?;
            (
                ca::Role::Person,
                Subject::person(&full_name, Some(&agency)),
                Some(user_id),
                None,
            )
        }
        KeyHolder::Agency(reference) => {
            let (agency_id, code, name) = store::agency_named(&ctx.db, reference)
                .await?
                .ok_or_else(|| {
                    AppError::validation("Agency", "Không có cơ quan nào với mã định danh này.")
                })?;
            (
                ca::Role::Agency,
                Subject::agency(&name, &code),
                None,
                Some(agency_id),
            )
        }
    };
    let no_ca = || {
        AppError::Conflict(
            "Nền tảng chưa có CA demo (chỉ tạo cùng tỉnh demo): không chứng nhận được khóa.".into(),
        )
    };
    let (root, _) = pki::authority(ctx, Role::Root).await?.ok_or_else(no_ca)?;
    let (_, issuing) = pki::authority(ctx, Role::Issuing)
        .await?
        .ok_or_else(no_ca)?;
    let settings = pki::settings_of(&root)?;
    let now = SystemTime::now();
    let certificate = issuing
        .issue(role, &subject, &spki, &settings, now)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("demo CA: {e}")))?;
    let der = certificate
        .to_der()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("demo CA: {e}")))?;
    let tbs = certificate.tbs_certificate();
    let row = CertificateRow {
        id: uuid::Uuid::now_v7().to_string(),
        serial: pki::serial_hex(tbs.serial_number()),
        kind: if agency_id.is_some() {
            "agency"
        } else {
            "person"
        }
        .into(),
        user_id: user_id.clone(),
        agency_id: agency_id.clone(),
        subject: tbs.subject().to_string(),
        key_algorithm: key_algorithm.into(),
        not_before: pki::to_text(tbs.validity().not_before.to_system_time()),
        not_after: pki::to_text(tbs.validity().not_after.to_system_time()),
        status: "good".into(),
        revoked_at: None,
        reason: None,
        certificate: pki::encode_b64(&der),
        // The key stays on the token: nothing to seal, and the platform never signs with it.
        sealed_key: String::new(),
        created_at: tinhso_kernel::time::now_text(),
        issuer: tbs.issuer().to_string(),
        origin: store::DEMO.into(),
    };
    let mut tx = ctx.db.begin().await?;
    store::insert_certificate(&mut tx, &row).await?;
    audit::record(
        &ctx.db,
        &mut tx,
        actor,
        Change {
            action: "signature.certify_key",
            entity_type: if agency_id.is_some() {
                "agency"
            } else {
                "user"
            },
            entity_id: user_id
                .as_deref()
                .or(agency_id.as_deref())
                .unwrap_or_default(),
            before: serde_json::Value::Null,
            after: serde_json::json!({
                "serial": row.serial, "subject": row.subject,
                "key_algorithm": key_algorithm, "key": "token", "demo": true,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Certified {
        der,
        serial: row.serial,
        subject: row.subject,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_keys_the_platform_signs_with_are_read() {
        let p256 = ca::KeyPair::generate(ca::KeyAlgorithm::P256).unwrap();
        let der = p256.public_key_info().unwrap().to_der().unwrap();
        assert_eq!(read_public_key(&der).unwrap().1, "ecdsa-p256");
        let bad: [&[u8]; 3] = [
            b"",
            b"not a key",
            b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        ];
        for bad in bad {
            assert!(matches!(read_public_key(bad), Err(AppError::Validation(_))));
        }
    }
}
