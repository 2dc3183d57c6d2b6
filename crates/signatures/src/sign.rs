//! Signing a PDF with a person's own demo certificate (docs/signatures-design.md §3, slice 5):
//! the certificate and its key loaded (the signer's own, never another's; a revoked or expired
//! one refused), `tinhso_pades::sign` run off the async threads, the timestamp (B-T) asked of
//! the platform's own TSA in process ([`crate::pki::timestamp_response`], no HTTP to itself),
//! and the signing audited (`signature.sign`). The other modules reach it through the kernel
//! ([`tinhso_kernel::signing::PdfSigner`]).

use crate::pki::{self, Role};
use crate::store::{self, CertificateRow};
use std::time::SystemTime;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Change};
use tinhso_kernel::error::AppError;
use tinhso_kernel::signing::{SignRequest, Signed};
use tinhso_pades::ca::KeyPair;
use tinhso_pades::sign::{self, Credential, SignError, SignatureFields, SoftwareSigner};

/// Whether `row` may sign at `now`: not revoked, within its period.
fn usable(row: &CertificateRow, now: SystemTime) -> Result<(), AppError> {
    if row.status == "revoked" {
        return Err(AppError::Conflict(
            "Chứng thư số của bạn đã bị thu hồi: không thể ký số. Hãy liên hệ quản trị hệ thống để được cấp chứng thư mới."
                .into(),
        ));
    }
    let time = |text: &str| tinhso_kernel::time::parse(text).map(SystemTime::from);
    let expired = time(&row.not_after).is_none_or(|end| end <= now);
    let early = time(&row.not_before).is_none_or(|start| start > now);
    if expired || early {
        return Err(AppError::Conflict(
            "Chứng thư số của bạn đã hết hạn hoặc chưa có hiệu lực: không thể ký số.".into(),
        ));
    }
    Ok(())
}

/// The platform's TSA asked in process, from the blocking thread the signing runs on.
struct PlatformTsa {
    ctx: Ctx,
    runtime: tokio::runtime::Handle,
}

impl sign::TimestampSource for PlatformTsa {
    fn query(&self, request: &[u8]) -> Result<Vec<u8>, SignError> {
        self.runtime
            .block_on(pki::timestamp_response(&self.ctx, request))
            .map_err(|e| SignError::Timestamp(e.to_string()))
    }
}

fn internal(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("signatures: signing: {what}: {e}"))
}

/// `request.pdf` signed (PAdES B-T) with the requesting user's own certificate.
pub async fn sign_pdf(ctx: &Ctx, request: SignRequest) -> Result<Signed, AppError> {
    if !request.pdf.starts_with(b"%PDF-") {
        return Err(AppError::validation(
            "file",
            "Chỉ ký số được tệp PDF: hãy tải lên bản PDF của văn bản.",
        ));
    }
    let row = store::person_certificate(&ctx.db, &request.user_id)
        .await?
        .ok_or_else(|| {
            AppError::Conflict(
                "Bạn chưa được cấp chứng thư số để ký: hãy liên hệ quản trị hệ thống.".into(),
            )
        })?;
    let now = SystemTime::now();
    usable(&row, now)?;
    let issuing = store::authority(&ctx.db, Role::Issuing.as_str())
        .await?
        .ok_or_else(|| internal("issuing CA", "missing"))?;
    let pkcs8 = tinhso_kernel::keys::open(
        &ctx.keys.pki,
        &pki::certificate_binding(&row.serial),
        &row.sealed_key,
    )
    .map_err(|e| internal("the signer's key (pki_key)", e))?;
    let key = KeyPair::from_pkcs8_der(&pkcs8).map_err(|e| internal("key", e))?;
    let credential = Credential::new(
        pki::decode_b64(&row.certificate)?,
        vec![pki::decode_b64(&issuing.certificate)?],
    );
    let mut fields = SignatureFields::new(now);
    fields.reason = request.reason.clone();
    fields.location = request.location.clone();
    let tsa = PlatformTsa {
        ctx: ctx.clone(),
        runtime: tokio::runtime::Handle::current(),
    };
    let pdf = request.pdf.clone();
    let signed = tokio::task::spawn_blocking(move || {
        let signer = SoftwareSigner::preferred(key);
        sign::sign_pdf(&pdf, &fields, &credential, &signer, Some(&tsa))
    })
    .await
    .map_err(|e| internal("task", e))?;
    let signed = signed.map_err(|e| match e {
        SignError::TooLarge(_) => AppError::PayloadTooLarge,
        SignError::Signer(_) | SignError::SignatureInvalid | SignError::Encoding(_) => {
            internal(e.code(), e)
        }
        other => AppError::Conflict(other.to_string()),
    })?;
    let mut tx = ctx.db.begin().await?;
    audit::record(
        &ctx.db,
        &mut tx,
        &request.actor,
        Change {
            action: "signature.sign",
            entity_type: request.entity_type,
            entity_id: &request.entity_id,
            before: serde_json::json!(null),
            after: serde_json::json!({
                "certificate": row.id, "serial": row.serial, "level": "B-T",
                "reason": request.reason, "location": request.location,
                "bytes": signed.len(),
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Signed {
        pdf: signed,
        serial: row.serial,
        subject: row.subject,
    })
}

/// The signer the other modules call through the kernel ([`tinhso_kernel::signing`]).
pub static SIGNER: tinhso_kernel::signing::PdfSigner = tinhso_kernel::signing::PdfSigner {
    sign: |ctx, request| Box::pin(sign_pdf(ctx, request)),
};
