//! `/admin/signatures` for system administrators: the demo CA's authorities, whether signature
//! checks trust its root (on and off, audited), and the certificates it issued, a page at a
//! time, each revocable with a CRL reason through the platform's confirmation step (audited;
//! OCSP says "revoked" at once and the next CRL lists it); and the agencies' seal keys opened
//! from an HSM (`signatures.agency_keys`, [`crate::hsm`]), without their PINs.

use crate::pki::{self, Reason, Role};
use crate::store;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::auth::platform::{PlatformAction, may};
use tinhso_kernel::error::{AppError, FieldError, PageResult};
use tinhso_kernel::extract::{Form, Path, Query};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::confirm::{self, Confirmation};
use tinhso_kernel::web::{Page, sv};

pub const PATH: &str = "/admin/signatures";

/// Certificates per page of the list.
const PER_PAGE: i64 = 50;

pub fn routes() -> Routes {
    Routes::new("signatures")
        .get(PATH, Access::Entity("platform"), overview)
        .post(
            "/admin/signatures/trust",
            Access::Entity("platform"),
            set_trust,
        )
        .post(
            "/admin/signatures/certificates/{id}/revoke",
            Access::Entity("platform"),
            revoke,
        )
}

#[derive(Debug, Deserialize, Default)]
struct ListQuery {
    page: Option<i64>,
}

async fn overview(
    State(state): State<Ctx>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> PageResult<Response> {
    may(&state, &page.principal(), PlatformAction::Operate).await?;
    let number = q.page.unwrap_or(1).clamp(1, 100_000);
    let (certificates, total) =
        store::certificates_page(&state.db, (number - 1) * PER_PAGE, PER_PAGE).await?;
    let authorities: Vec<_> = store::authorities(&state.db)
        .await?
        .into_iter()
        .map(|a| {
            context! {
                role => a.role, subject => a.subject, serial => a.serial,
                not_before => a.not_before, not_after => a.not_after, public_url => a.public_url,
            }
        })
        .collect();
    // The agencies' HSM keys this node opened (no PIN, nor its file).
    let hsm_keys: Vec<_> = crate::hsm::configured(&state)
        .iter()
        .map(|k| {
            context! {
                agency => k.entry.agency.clone(), token_label => k.entry.token_label.clone(),
                token_serial => k.token_serial.clone(), module => k.entry.module.display().to_string(),
                key_id => k.entry.key_id.clone(), key_label => k.entry.key_label.clone(),
                mechanism => k.signer.mechanism(), subject => k.subject.clone(), serial => k.serial.clone(),
                source => k.certificate_source,
                not_before => pki::to_text(k.not_before), not_after => pki::to_text(k.not_after),
            }
        })
        .collect();
    let reasons: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
    Ok(page
        .render(
            "signatures_admin.html",
            context! {
                authorities => authorities,
                hsm_keys => hsm_keys,
                trusted => pki::trusts_demo(&state).await?,
                certificates => sv(&certificates),
                total => total,
                reasons => reasons,
                previous => (number > 1).then_some(number - 1),
                next => (number * PER_PAGE < total).then_some(number + 1),
            },
        )?
        .into_response())
}

fn actor(page: &Page, ip: String) -> Actor {
    Actor {
        label: page.principal().actor_label(),
        ip,
    }
}

#[derive(Debug, Deserialize, Default)]
struct TrustForm {
    trust: Option<String>,
}

/// Turns trust in the demo root on (`trust=on`) or off (anything else). Reversible, so no
/// confirmation step; audited.
async fn set_trust(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Form(form): Form<TrustForm>,
) -> PageResult<Response> {
    may(&state, &page.principal(), PlatformAction::Operate).await?;
    if store::authority(&state.db, Role::Root.as_str())
        .await?
        .is_none()
    {
        return Err(AppError::Conflict(
            "Chưa có CA demo: chỉ tin cậy được CA demo sau khi nó được tạo cùng dữ liệu demo."
                .into(),
        )
        .into());
    }
    let on = form.trust.as_deref() == Some("on");
    pki::set_trust(&state, &actor(&page, ip), on).await?;
    Ok(Redirect::to(PATH).into_response())
}

#[derive(Debug, Deserialize, Default)]
struct RevokeForm {
    reason: Option<String>,
    confirm: Option<String>,
}

/// Revoking is final: the first post asks on a page of its own (naming the holder, the serial
/// and the reason), only the step's own post revokes.
async fn revoke(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Form(form): Form<RevokeForm>,
) -> PageResult<Response> {
    may(&state, &page.principal(), PlatformAction::Operate).await?;
    let certificate = store::certificate(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let reason = form
        .reason
        .as_deref()
        .and_then(Reason::parse)
        .ok_or_else(|| {
            AppError::Validation(vec![FieldError::new(
                "reason",
                "Hãy chọn lý do thu hồi chứng thư số.",
            )])
        })?;
    if certificate.status == "revoked" {
        return Err(AppError::Conflict("Chứng thư số này đã bị thu hồi trước đó.".into()).into());
    }
    if !confirm::given(form.confirm.as_deref()) {
        return Confirmation::new(
            "pki_revoke",
            format!("/admin/signatures/certificates/{id}/revoke"),
            PATH,
        )
        .fact("pki_subject", &certificate.subject)
        .fact("pki_serial", &certificate.serial)
        .fact(
            "pki_reason",
            page.tr(&format!("pki_reason_{}", reason.as_str())),
        )
        .keep("reason", reason.as_str())
        .render(&page);
    }
    pki::revoke(&state, &actor(&page, ip), &id, reason).await?;
    Ok(Redirect::to(PATH).into_response())
}
