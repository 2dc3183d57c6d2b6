//! Registering an external CA's certificate to an official (docs/signatures-design.md §5.4): a
//! personal certificate a national or commercial CA issued (on a USB token, at a remote
//! signing provider) is entered in the register (`pki_certificates`, `origin = external`, no
//! key: the platform never signs with it), so that the desk signing ([`crate::desk`]) and the
//! documents module's holder matching know it is this official's. An administrator registers
//! one for an official (`/admin/signatures`, `tinhso pki register-cert`), or the official their
//! own (`/office/signatures/certificates`, `POST /api/v1/signatures/my-certificates`).
//!
//! The certificate must read (PEM or DER, at most [`MAX_CERTIFICATE_BYTES`]), be an end
//! entity's (not a CA's), allow signatures by its key usage (digitalSignature or
//! nonRepudiation, the extension present), have a key the platform signs with (RSA ≥ 2048 or
//! P-256), be valid now, chain to the configured trust anchors (`signatures.trust_anchors_file`
//! and `intermediates_file`, the demo root while trusted), not be in the register already
//! (keyed by issuer and serial), and not be revoked: its own OCSP responders and CRL addresses
//! are asked online ([`crate::online::standing`], the request-forgery guard and
//! `signatures.fetch_allow_hosts` as for any fetch). When they do not answer the certificate
//! is registered with the warning [`crate::online::CANNOT_CHECK`] (as a signature whose
//! revocation cannot be checked is reported, not refused); a revoked one is refused. Each
//! registration is audited (`signature.certificate_register`); a refusal stores nothing.

use crate::online::{self, Keep, Standing};
use crate::pki;
use crate::store::{self, CertificateRow};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use std::time::SystemTime;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::error::AppError;
use tinhso_pades::chain::Usage;
use tinhso_pades::crypto::PublicKey;
use x509_cert::Certificate;
use x509_cert::der::{Decode, DecodePem, Encode};
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage};

/// The largest certificate file read: a certificate is one or two KB, a PEM with its chain a
/// few more.
pub const MAX_CERTIFICATE_BYTES: usize = 64 * 1024;

/// The form and API field that carries the certificate.
pub const FIELD: &str = "Certificate";

fn refused(message: impl Into<String>) -> AppError {
    AppError::validation(FIELD, message)
}

/// Who the certificate is registered to.
#[derive(Clone, Copy, Debug)]
pub enum Official<'a> {
    /// Named by an administrator (the form, the command line).
    Email(&'a str),
    /// The signed-in official, for themselves.
    Own(&'a str),
}

/// A registration done: the register's row, and the warning when revocation could not be
/// checked.
#[derive(Debug, Clone)]
pub struct Registered {
    pub row: CertificateRow,
    pub warning: Option<String>,
}

/// The certificate of an uploaded file: PEM (`CERTIFICATE`, the first block) or DER. Too large,
/// empty, or not a certificate: a Vietnamese refusal.
pub fn read(bytes: &[u8]) -> Result<Certificate, AppError> {
    if bytes.len() > MAX_CERTIFICATE_BYTES {
        return Err(refused(format!(
            "Tệp quá lớn để là một chứng thư số ({} KB; tối đa {} KB): hãy tải lên tệp chứng thư số (.cer, .crt, .pem) của chính bạn.",
            bytes.len() / 1024,
            MAX_CERTIFICATE_BYTES / 1024
        )));
    }
    let unreadable = || {
        refused(
            "Tệp tải lên không phải chứng thư số X.509 đọc được: hãy tải lên chứng thư số dạng PEM (-----BEGIN CERTIFICATE-----) hoặc DER (.cer, .crt).",
        )
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(refused("Hãy chọn tệp chứng thư số để đăng ký."));
    }
    let text = std::str::from_utf8(bytes).ok().map(str::trim_start);
    match text {
        Some(text) if text.contains("-----BEGIN CERTIFICATE-----") => {
            let start = text.find("-----BEGIN CERTIFICATE-----").unwrap_or(0);
            let block = &text[start..];
            let end = block
                .find("-----END CERTIFICATE-----")
                .map(|e| e + "-----END CERTIFICATE-----".len())
                .ok_or_else(unreadable)?;
            Certificate::from_pem(&block.as_bytes()[..end]).map_err(|_| unreadable())
        }
        Some(text) if text.starts_with("-----BEGIN") => Err(refused(
            "Tệp PEM này không chứa chứng thư số (khối CERTIFICATE): không tải lên khóa bí mật hay yêu cầu cấp chứng thư (CSR).",
        )),
        _ => Certificate::from_der(bytes).map_err(|_| unreadable()),
    }
}

/// The checks on the certificate itself: an end entity's, for signatures, with a key the
/// platform signs with, valid at `now`. Its key algorithm as the register names it.
pub fn usable(certificate: &Certificate, now: SystemTime) -> Result<&'static str, AppError> {
    let tbs = certificate.tbs_certificate();
    if let Ok(Some((_, bc))) = tbs.get_extension::<BasicConstraints>()
        && bc.ca
    {
        return Err(refused(
            "Đây là chứng thư số của một tổ chức chứng thực (CA), không phải chứng thư số cá nhân: hãy tải lên chứng thư số cấp cho chính người ký.",
        ));
    }
    match tbs.get_extension::<KeyUsage>() {
        Ok(Some((_, ku))) if ku.digital_signature() || ku.non_repudiation() => {}
        Ok(Some(_)) => {
            return Err(refused(
                "Chứng thư số này không cho phép ký số (keyUsage không có digitalSignature hay nonRepudiation).",
            ));
        }
        _ => {
            return Err(refused(
                "Chứng thư số này không ghi mục đích sử dụng khóa (keyUsage): không dùng để ký số được.",
            ));
        }
    }
    let key_algorithm = match PublicKey::from_spki(tbs.subject_public_key_info()) {
        Ok(key @ PublicKey::Rsa(_)) if key.rsa_bits().unwrap_or(0) >= 2048 => "rsa-2048",
        Ok(PublicKey::Rsa(_)) => {
            return Err(refused(
                "Khóa RSA của chứng thư số phải dài ít nhất 2048 bit.",
            ));
        }
        Ok(PublicKey::P256(_)) => "ecdsa-p256",
        _ => {
            return Err(refused(
                "Khóa của chứng thư số không được hỗ trợ: chỉ nhận khóa RSA từ 2048 bit hoặc ECDSA P-256.",
            ));
        }
    };
    let validity = tbs.validity();
    if validity.not_after.to_system_time() <= now {
        return Err(refused("Chứng thư số đã hết hạn: không đăng ký được."));
    }
    if validity.not_before.to_system_time() > now {
        return Err(refused(
            "Chứng thư số chưa có hiệu lực: không đăng ký được.",
        ));
    }
    Ok(key_algorithm)
}

/// Registers the certificate in `bytes` to `official`, audited as done by `actor` (module docs).
pub async fn register(
    ctx: &Ctx,
    actor: &Actor,
    official: Official<'_>,
    bytes: &[u8],
) -> Result<Registered, AppError> {
    let certificate = read(bytes)?;
    let now = SystemTime::now();
    let key_algorithm = usable(&certificate, now)?;
    let (user_id, _, _) = match official {
        Official::Email(email) => store::official_by_email(&ctx.db, email).await?,
        Official::Own(user_id) => store::official_by_id(&ctx.db, user_id).await?,
    }
    .ok_or_else(|| {
        AppError::validation("Email", "Không có cán bộ nào với địa chỉ thư điện tử này.")
    })?;
    let der = certificate
        .to_der()
        .map_err(|_| refused("Chứng thư số không mã hóa lại được (DER sai)."))?;
    let tbs = certificate.tbs_certificate();
    let issuer = tbs.issuer().to_string();
    let serial = pki::serial_hex(tbs.serial_number());
    if store::certificate_by_issuer_serial(&ctx.db, &issuer, &serial)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(
            "Chứng thư số này đã có trong sổ đăng ký chứng thư số của nền tảng.".into(),
        ));
    }
    let trust = crate::service::trust(ctx).await?;
    let (chain, standing) = online::standing(ctx, &der, &[], Usage::Signing, &trust, Keep::Cache)
        .await
        .ok_or_else(|| refused("Chứng thư số không đọc được."))?;
    if let Some(problem) = chain.problem {
        return Err(refused(format!(
            "Chứng thư số không được tin cậy: {problem}. Chỉ đăng ký được chứng thư số do tổ chức chứng thực mà nền tảng tin cậy cấp (chứng thư gốc trong signatures.trust_anchors_file)."
        )));
    }
    let warning = match &standing {
        Standing::Good => None,
        Standing::Revoked { subject, time } => {
            return Err(refused(format!(
                "Chứng thư số đã bị thu hồi (\"{subject}\", từ {time}): không đăng ký được."
            )));
        }
        Standing::Unknown => Some(online::CANNOT_CHECK.to_owned()),
    };
    let row = CertificateRow {
        id: uuid::Uuid::now_v7().to_string(),
        serial,
        kind: "person".into(),
        user_id: Some(user_id.clone()),
        agency_id: None,
        subject: tbs.subject().to_string(),
        key_algorithm: key_algorithm.into(),
        not_before: pki::to_text(tbs.validity().not_before.to_system_time()),
        not_after: pki::to_text(tbs.validity().not_after.to_system_time()),
        status: "good".into(),
        revoked_at: None,
        reason: None,
        certificate: B64.encode(&der),
        // The key is the holder's (a token, a provider): the platform never signs with it.
        sealed_key: String::new(),
        created_at: tinhso_kernel::time::now_text(),
        issuer,
        origin: store::EXTERNAL.into(),
    };
    let mut tx = ctx.db.begin().await?;
    if !store::insert_external(&mut tx, &row).await? {
        return Err(AppError::Conflict(
            "Chứng thư số này đã có trong sổ đăng ký chứng thư số của nền tảng.".into(),
        ));
    }
    audit::record(
        &ctx.db,
        &mut tx,
        actor,
        Change {
            action: "signature.certificate_register",
            entity_type: "user",
            entity_id: &user_id,
            before: serde_json::Value::Null,
            after: serde_json::json!({
                "certificate": row.id, "serial": row.serial, "issuer": row.issuer,
                "subject": row.subject, "key_algorithm": row.key_algorithm,
                "not_after": row.not_after, "anchor": chain.anchor,
                "revocation": if warning.is_some() { "unknown" } else { "good" },
                "by": match official { Official::Email(_) => "admin", Official::Own(_) => "self" },
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Registered { row, warning })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tinhso_pades::asn1::WideOid;
    use tinhso_pades::ca::{DemoPki, KeyAlgorithm, KeyPair, Role, Settings, Subject};

    fn message(e: AppError) -> String {
        match e {
            AppError::Validation(errors) => errors[0].message.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn what_is_not_one_certificate_is_refused_in_vietnamese() {
        let big = vec![b'A'; 5 * 1024 * 1024];
        assert!(message(read(&big).unwrap_err()).contains("quá lớn"));
        assert!(message(read(b"garbage").unwrap_err()).contains("không phải chứng thư số"));
        assert!(message(read(b"  \n").unwrap_err()).contains("Hãy chọn"));
        let pem = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(message(read(pem).unwrap_err()).contains("không phải chứng thư số"));
        let key = b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        assert!(message(read(key).unwrap_err()).contains("khóa bí mật"));
    }

    #[test]
    fn a_ca_certificate_is_not_a_signer_s_and_a_person_s_is() {
        let now = SystemTime::now();
        let settings = Settings::new("http://127.0.0.1:9", WideOid::from_uuid(9));
        let pki = DemoPki::create(&settings, now).unwrap();
        let der = pki.issuing.der.clone();
        let read_back = read(&der).unwrap();
        assert!(message(usable(&read_back, now).unwrap_err()).contains("tổ chức chứng thực"));
        let key = KeyPair::generate(KeyAlgorithm::P256).unwrap();
        let person = pki
            .issuing
            .issue(
                Role::Person,
                &Subject::person("Nguyễn Văn A", None),
                &key.public_key_info().unwrap(),
                &settings,
                now,
            )
            .unwrap();
        assert_eq!(usable(&person, now).unwrap(), "ecdsa-p256");
        let later = now + std::time::Duration::from_secs(20 * 365 * 24 * 3600);
        assert!(message(usable(&person, later).unwrap_err()).contains("hết hạn"));
    }
}
