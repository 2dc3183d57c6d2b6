//! Signing a PDF with a person's or an agency's own demo certificate (docs/signatures-design.md
//! §3, slice 5): the certificate and its key loaded (the signer's own, never another's; a
//! revoked or expired one refused), `tinhso_pades::sign` run off the async threads, the
//! timestamp (B-T) asked of the configured TSA ([`crate::tsa`]: an external RFC 3161 TSA, or
//! the demo CA's in process), then the validation data added (B-LT, [`crate::lt`]), an optional visible stamp (Vietnamese text, `tinhso_pades::sign` embeds the font) placed in a page's margin, and the audit row
//! (`signature.sign`, or `signature.seal` for an agency) handed back for the caller to record
//! in the transaction that keeps the file. The other modules reach it through the kernel
//! ([`tinhso_kernel::signing::PdfSigner`]).

use crate::pki::{self, Role};
use crate::store::{self, CertificateRow};
use std::sync::Arc;
use std::time::SystemTime;
use tinhso_kernel::Ctx;
use tinhso_kernel::error::AppError;
use tinhso_kernel::signing::{SignAs, SignRequest, Signed, SignedAudit, StampPlace};
use tinhso_pades::ca::KeyPair;
use tinhso_pades::sign::appearance::{image_rect, seal_rect_over};
use tinhso_pades::sign::{
    self, Appearance, Credential, ImageSide, SignError, SignatureFields, SoftwareSigner, Stamp,
    StampImage, StampStyle,
};

/// Whether `row` may sign at `now`: not revoked, within its period.
pub(crate) fn usable(row: &CertificateRow, now: SystemTime, agency: bool) -> Result<(), AppError> {
    if row.status == "revoked" {
        return Err(AppError::Conflict(if agency {
            "Chứng thư số của cơ quan đã bị thu hồi: không thể đóng dấu số. Hãy liên hệ quản trị hệ thống để được cấp chứng thư mới."
                .into()
        } else {
            "Chứng thư số của bạn đã bị thu hồi: không thể ký số. Hãy liên hệ quản trị hệ thống để được cấp chứng thư mới."
                .into()
        }));
    }
    let time = |text: &str| tinhso_kernel::time::parse(text).map(SystemTime::from);
    let expired = time(&row.not_after).is_none_or(|end| end <= now);
    let early = time(&row.not_before).is_none_or(|start| start > now);
    if expired || early {
        return Err(AppError::Conflict(if agency {
            "Chứng thư số của cơ quan đã hết hạn hoặc chưa có hiệu lực: không thể đóng dấu số."
                .into()
        } else {
            "Chứng thư số của bạn đã hết hạn hoặc chưa có hiệu lực: không thể ký số.".into()
        }));
    }
    Ok(())
}

/// A stamp's size and its distance from the page's edges, in points: it fits in Decree 30's
/// margins (20 mm top and bottom ≈ 57 pt, 15 mm right ≈ 42 pt).
const STAMP_WIDTH: f64 = 240.0;
const STAMP_HEIGHT: f64 = 48.0;
const STAMP_EDGE: f64 = 6.0;
const STAMP_RIGHT: f64 = 22.0;

/// The width of the seal's text, left of its image, when the seal lies over the signer's image.
const SEAL_TEXT_WIDTH: f64 = 180.0;

/// Where `place` puts a stamp on `pdf`: the page (0-based), the box, and the side of its image
/// when it has one; `image` is the pixel size of the stamp's image (the signer's signature, or
/// the agency's seal for [`StampPlace::SealOverSigner`]), if any.
fn stamp_box(
    pdf: &[u8],
    place: StampPlace,
    image: Option<(u32, u32)>,
) -> Result<(usize, [f64; 4], Option<ImageSide>), SignError> {
    let boxes = sign::page_boxes(pdf)?;
    let (page, [x1, y1, x2, y2]) = match place {
        StampPlace::FirstPageTopRight => (0, *boxes.first().ok_or(SignError::PageNotFound(1))?),
        StampPlace::LastPageBottomRight | StampPlace::SealOverSigner => (
            boxes.len().saturating_sub(1),
            *boxes.last().ok_or(SignError::PageNotFound(1))?,
        ),
    };
    if place == StampPlace::SealOverSigner
        && let Some((width, height)) = image
        && let Some(rect) = seal_over_signer(pdf, x1, width, height)?
    {
        return Ok((page, rect, Some(ImageSide::Right)));
    }
    let mut right = x2 - STAMP_RIGHT;
    if place == StampPlace::SealOverSigner {
        right = (right - STAMP_WIDTH - STAMP_EDGE).max(x1 + STAMP_WIDTH.min(x2 - x1));
    }
    let left = (right - STAMP_WIDTH).max(x1);
    let (bottom, top) = match place {
        StampPlace::FirstPageTopRight => (y2 - STAMP_EDGE - STAMP_HEIGHT, y2 - STAMP_EDGE),
        StampPlace::LastPageBottomRight | StampPlace::SealOverSigner => {
            (y1 + STAMP_EDGE, y1 + STAMP_EDGE + STAMP_HEIGHT)
        }
    };
    let side = match (place, image) {
        (StampPlace::LastPageBottomRight, Some(_)) => Some(ImageSide::Left),
        _ => None,
    };
    Ok((page, [left, bottom, right, top], side))
}

/// The seal's box over the leader's signature on `pdf`'s last page (whose left edge is
/// `page_left`): its image square ending a third of the way into the leader's image (into their
/// box when it has none), the text to its left, kept on the page. `None` when the page has no
/// visible signature but seals, or no room for the text.
fn seal_over_signer(
    pdf: &[u8],
    page_left: f64,
    width: u32,
    height: u32,
) -> Result<Option<[f64; 4]>, SignError> {
    let (_, stamps) = sign::last_page_stamps(pdf)?;
    let Some(signer) = stamps
        .iter()
        .rev()
        .find(|s| !matches!(s.image, Some((ImageSide::Right, _))))
    else {
        return Ok(None);
    };
    let target = match signer.image {
        Some((_, rect)) => rect,
        None => {
            let [a, b, c, d] = signer.rect;
            [a + 3.0, b + 3.0, c - 3.0, d - 3.0]
        }
    };
    let full = seal_rect_over(target, STAMP_HEIGHT, SEAL_TEXT_WIDTH);
    // Less text room when the page's left edge comes first.
    let text = (SEAL_TEXT_WIDTH - (page_left + STAMP_EDGE - full[0]).max(0.0)).min(SEAL_TEXT_WIDTH);
    if text < 60.0 {
        return Ok(None);
    }
    let rect = seal_rect_over(target, STAMP_HEIGHT, text);
    Ok(image_rect(rect, ImageSide::Right, width, height).map(|_| rect))
}

pub(crate) fn internal(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("signatures: signing: {what}: {e}"))
}

/// `request.pdf` signed (PAdES B-T) with the signer's own certificate: the requesting user's,
/// or the agency's. Nothing is recorded: the caller records [`Signed::record_audit`] with the
/// file.
pub async fn sign_pdf(ctx: &Ctx, request: SignRequest) -> Result<Signed, AppError> {
    if !request.pdf.starts_with(b"%PDF-") {
        return Err(AppError::validation(
            "file",
            "Chỉ ký số được tệp PDF: hãy tải lên bản PDF của văn bản.",
        ));
    }
    if let SignAs::Agency(agency_id) = &request.signer
        && let Some(key) = crate::hsm::agency_key(ctx, agency_id).await?
    {
        return crate::hsm::seal(ctx, request, key).await;
    }
    let (row, agency) = match &request.signer {
        SignAs::Person(user_id) => (
            store::person_certificate(&ctx.db, user_id)
                .await?
                .ok_or_else(|| {
                    AppError::Conflict(
                        "Bạn chưa được cấp chứng thư số để ký: hãy liên hệ quản trị hệ thống."
                            .into(),
                    )
                })?,
            false,
        ),
        SignAs::Agency(agency_id) => (
            store::agency_certificate_with_key(&ctx.db, agency_id)
                .await?
                .ok_or_else(|| {
                    AppError::Conflict(
                        "Cơ quan chưa được cấp chứng thư số để đóng dấu số: hãy liên hệ quản trị hệ thống."
                            .into(),
                    )
                })?,
            true,
        ),
    };
    let now = SystemTime::now();
    usable(&row, now, agency)?;
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
    let certificate = pki::decode_b64(&row.certificate)?;
    let credential = Credential::new(
        certificate.clone(),
        vec![pki::decode_b64(&issuing.certificate)?],
    );
    let chain = credential.chain.clone();
    let signer = SoftwareSigner::preferred(key);
    let (signed, tsa) = sign_with(ctx, &request, credential, signer, now).await?;
    // B-LT: the validation data added right away when the status services answer; else B-T
    // with the reason kept in the audit row.
    let (signed, lt) = crate::lt::extend(ctx, signed, &certificate, &chain, &tsa).await;
    let level = if lt.is_ok() { "B-LT" } else { "B-T" };
    let audit = SignedAudit {
        actor: request.actor.clone(),
        action: if agency {
            "signature.seal"
        } else {
            "signature.sign"
        },
        entity_type: request.entity_type,
        entity_id: request.entity_id.clone(),
        after: serde_json::json!({
            "certificate": row.id, "serial": row.serial, "kind": row.kind, "level": level,
            "lt_warning": lt.err(),
            "reason": request.reason, "location": request.location,
            "visible": request.stamp.is_some(), "bytes": signed.len(),
        }),
    };
    Ok(Signed {
        pdf: signed,
        serial: row.serial,
        subject: row.subject,
        audit,
    })
}

/// `request.pdf` signed with `signer` under `credential` at `now` (PAdES B-T, timestamped by
/// the configured TSA, [`crate::tsa`]), with the stamp the request asks for: the work both a
/// demo software key and an agency's HSM key ([`crate::hsm`]) share. With the signed file
/// come the certificates of the timestamp token (the TSA's first), for B-LT.
pub(crate) async fn sign_with<S: sign::Signer + Send + 'static>(
    ctx: &Ctx,
    request: &SignRequest,
    credential: Credential,
    signer: S,
    now: SystemTime,
) -> Result<(Vec<u8>, Vec<Vec<u8>>), AppError> {
    let mut fields = SignatureFields::new(now);
    fields.reason = request.reason.clone();
    fields.location = request.location.clone();
    let tsa = crate::tsa::Tsa::of(ctx);
    let source = tsa.clone();
    let pdf = request.pdf.clone();
    let stamp = request.stamp.clone();
    let image = stamp_image(ctx, request).await?;
    let signed = tokio::task::spawn_blocking(move || {
        place_stamp(&pdf, &mut fields, stamp, image)?;
        sign::sign_pdf(&pdf, &fields, &credential, &signer, Some(&source))
    })
    .await
    .map_err(|e| internal("task", e))?;
    Ok((signed.map_err(sign_error)?, tsa.certificates()))
}

/// The image the request's stamp shows, if any: the person's signature image for a person's
/// stamp, the agency's seal image for its seal over the signer's; none on an appendix (Decree
/// 30/2020 Appendix I: text only there) or an invisible signature.
pub(crate) async fn stamp_image(
    ctx: &Ctx,
    request: &SignRequest,
) -> Result<Option<Arc<StampImage>>, AppError> {
    let Some(stamp) = &request.stamp else {
        return Ok(None);
    };
    let owner = match (&request.signer, stamp.place) {
        (_, StampPlace::FirstPageTopRight) => return Ok(None),
        (SignAs::Person(user), _) => crate::images::Owner::Person(user.clone()),
        (SignAs::Agency(agency), _) => crate::images::Owner::Agency(agency.clone()),
    };
    crate::images::load(ctx, &owner).await
}

/// The request's visible stamp placed on `pdf` in `fields` (blocking: reads the pages), with
/// `image` ([`stamp_image`]) when there is one and room for it.
pub(crate) fn place_stamp(
    pdf: &[u8],
    fields: &mut SignatureFields,
    stamp: Option<tinhso_kernel::signing::StampRequest>,
    image: Option<Arc<StampImage>>,
) -> Result<(), SignError> {
    if let Some(stamp) = stamp {
        let size = image.as_ref().map(|i| (i.width(), i.height()));
        let (page, rect, side) = stamp_box(pdf, stamp.place, size)?;
        fields.page = page;
        // The first page's top right corner is the appendix's agency signature: text only
        // (Decree 30/2020 Appendix I); the others are framed.
        let style = match stamp.place {
            StampPlace::FirstPageTopRight => StampStyle::Text,
            StampPlace::LastPageBottomRight | StampPlace::SealOverSigner => StampStyle::Framed,
        };
        fields.appearance = Appearance::Stamp(Stamp {
            rect,
            lines: stamp.lines,
            style,
            image: side.zip(image),
        });
    }
    Ok(())
}

/// The crate's refusal as an answer: the file's problems are the user's (409), the key's and
/// the encoder's the platform's.
pub(crate) fn sign_error(e: SignError) -> AppError {
    match e {
        SignError::TooLarge(_) => AppError::PayloadTooLarge,
        SignError::Signer(_) | SignError::SignatureInvalid | SignError::Encoding(_) => {
            internal(e.code(), e)
        }
        other => AppError::Conflict(other.to_string()),
    }
}

/// The configured TSA, for the remote signing's completion (run on a blocking thread).
pub(crate) fn platform_tsa(ctx: &Ctx) -> crate::tsa::Tsa {
    crate::tsa::Tsa::of(ctx)
}

/// The signer the other modules call through the kernel ([`tinhso_kernel::signing`]).
pub static SIGNER: tinhso_kernel::signing::PdfSigner = tinhso_kernel::signing::PdfSigner {
    sign: |ctx, request| Box::pin(sign_pdf(ctx, request)),
    start_remote: |ctx, request| Box::pin(crate::remote::start(ctx, request)),
    remote_providers: crate::remote::offered,
    start_desk: |ctx, request| Box::pin(crate::desk::start(ctx, request)),
    pending_sessions: crate::desk::pending,
    end_sessions: crate::remote::end_sessions,
    ready: |ctx, check| Box::pin(ready(ctx, check)),
    withdraw: crate::remote::withdraw_requests,
};

/// [`tinhso_kernel::signing::PdfSigner::ready`]: the desk token's certificate or the remote
/// provider's credential checked as the sessions' starts check them, nothing prepared.
async fn ready(ctx: &Ctx, check: tinhso_kernel::signing::KeyCheck) -> Result<(), AppError> {
    use tinhso_kernel::signing::KeyElsewhere;
    match check.key {
        KeyElsewhere::Desk { certificate } => {
            let der = crate::desk::read_certificate(&certificate)?;
            crate::desk::check_token_certificate(ctx, &check.signer, &der).await
        }
        KeyElsewhere::Remote { provider } => {
            crate::remote::check_credential(ctx, &check.signer, &check.operator, &provider).await
        }
    }
}
