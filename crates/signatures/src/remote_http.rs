//! Following a signing session: the session's page (`/office/signing-sessions/{id}`, "Đang chờ
//! xác nhận trên điện thoại…", or for a desk token "Đang chờ chữ ký từ USB token…", refreshed
//! by a meta refresh, no script, until the session ends) and `GET /api/v1/signing-sessions/{id}`
//! for programs; and the deferred path's `POST /api/v1/signing-sessions/{id}/signature`, where
//! the desk tool posts the raw signature its token made ([`crate::desk::submit`]). Only the
//! person who asked sees a session or signs for it.

use crate::remote::{self, Session, SessionState};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use tinhso_kernel::Ctx;
use tinhso_kernel::error::{ApiResult, AppError, PageResult};
use tinhso_kernel::extract::{Caller, Json, Path};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::web::Page;
use utoipa_axum::routes;

pub fn routes() -> Routes {
    Routes::new("signatures")
        .get("/office/signing-sessions/{id}", Access::SignedIn, page)
        .api(Access::SignedIn, routes!(session_api))
        .api(Access::SignedIn, routes!(signature_api))
}

/// Seconds between two refreshes of the waiting page.
const REFRESH_SECONDS: u32 = 3;

/// Session `id` when `user_id` asked for it; 404 otherwise.
async fn own(ctx: &Ctx, user_id: &str, id: &str) -> Result<Session, AppError> {
    remote::session(ctx, id)
        .await?
        .filter(|s| s.user_id == user_id)
        .ok_or(AppError::NotFound)
}

fn provider_name(id: &str) -> &'static str {
    if id == remote::TEST_PROVIDER {
        remote::TEST_PROVIDER_NAME
    } else if id == crate::desk::DESK {
        crate::desk::DESK_NAME
    } else {
        "Ký số từ xa"
    }
}

async fn page(State(ctx): State<Ctx>, page: Page, Path(id): Path<String>) -> PageResult<Response> {
    let user = page.require_user()?;
    let s = own(&ctx, &user.id, &id).await?;
    let pending = SessionState::parse(&s.state) == Some(SessionState::Pending);
    Ok(page
        .render(
            "signatures_session.html",
            context! {
                s => tinhso_kernel::web::sv(&s),
                provider => provider_name(&s.provider),
                pending => pending,
                detail => s.detail.as_deref().map(|d| tinhso_kernel::web::i18n::message(page.lang, d)),
                refresh_seconds => REFRESH_SECONDS,
                phone => (s.provider == remote::TEST_PROVIDER).then_some(crate::test_provider::PHONE),
                desk => s.provider == crate::desk::DESK,
            },
        )?
        .into_response())
}

/// A signing session as programs see it.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct SigningSession {
    pub id: String,
    /// The remote provider's id (`test`: the test provider, no legal value), or `desk` for a
    /// USB token at the signer's desk; and its name.
    pub provider: String,
    pub provider_name: String,
    /// What the signer's phone shows.
    pub title: String,
    /// `pending` (waiting for the signer's confirmation, or the desk token's signature),
    /// `signed`, `refused`, `expired`, `failed` (the signature could not be used: `Detail`
    /// says why), or `cancelled` (what it would sign moved on — the document was returned for
    /// revision, issued, or signed another way: `Detail` says which).
    pub state: String,
    /// Why it ended without a signature, or the provider's trouble while pending.
    pub detail: Option<String>,
    /// The SHA-256 (hex) of the signed attributes: all the provider received besides the title;
    /// what a desk token signs.
    pub digest: String,
    /// `rsa-pss-sha256` or `ecdsa-p256-sha256`.
    pub algorithm: String,
    pub entity_type: String,
    pub entity_id: String,
    /// The page of what is signed (the document's).
    pub return_to: String,
    pub created_at: String,
    pub expires_at: String,
    pub finished_at: Option<String>,
}

impl From<Session> for SigningSession {
    fn from(s: Session) -> SigningSession {
        SigningSession {
            provider_name: provider_name(&s.provider).to_owned(),
            id: s.id,
            provider: s.provider,
            title: s.title,
            state: s.state,
            detail: s.detail,
            digest: s.digest,
            algorithm: s.algorithm,
            entity_type: s.entity_type,
            entity_id: s.entity_id,
            return_to: s.return_to,
            created_at: s.created_at,
            expires_at: s.expires_at,
            finished_at: s.finished_at,
        }
    }
}

/// A remote signing session the caller started (e.g. by `POST /api/v1/documents/{id}/signatures`
/// with `Remote`): poll it until `State` is no longer `pending` (at most 5 minutes).
#[utoipa::path(get, path = "/api/v1/signing-sessions/{id}", tag = "signatures",
    params(("id" = String, Path, description = "Session id")),
    responses((status = 200, body = SigningSession),
        (status = 401, description = "Not signed in", content_type = "application/problem+json"),
        (status = 404, description = "No such session, or not the caller's", content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn session_api(
    State(ctx): State<Ctx>,
    Caller(auth): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<SigningSession>> {
    let user = auth.require_user()?;
    let s = own(&ctx, &user.id, &id).await?;
    Ok(Json(s.into()))
}

/// The raw signature a desk token made over a desk session's digest.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct SigningSessionSignature {
    /// The signature value, base64: RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32) over the
    /// session's signed attributes, or ECDSA P-256 over them (DER, or the token's raw `r‖s`).
    pub signature: String,
}

/// The deferred path of a signing with a USB token at the signer's desk (`tinhso desk-sign`):
/// the token's raw signature over the session's digest. It is checked against the session's
/// certificate before anything is stored; then the PDF is completed (RFC 3161 timestamp, B-LT
/// when the status services answer) and kept as the document's next version, audited. A
/// signature that does not verify (422) leaves the session waiting for the right one; a late
/// one ends it (409); a session already ended takes none (409); another person's session is
/// 404. Nothing is stored in any of those cases.
#[utoipa::path(post, path = "/api/v1/signing-sessions/{id}/signature", tag = "signatures",
    request_body = SigningSessionSignature,
    params(("id" = String, Path, description = "Session id")),
    responses((status = 200, body = SigningSession, description = "Signed: the session has ended `signed`"),
        (status = 401, description = "Not signed in", content_type = "application/problem+json"),
        (status = 404, description = "No such session, or not the caller's", content_type = "application/problem+json"),
        (status = 409, description = "Not a desk session, already ended, cancelled (the document moved on), expired (5 minutes), being completed, or not completed (the message says why)", content_type = "application/problem+json"),
        (status = 422, description = "Not base64, or the signature does not verify with the session's certificate", content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn signature_api(
    State(ctx): State<Ctx>,
    Caller(auth): Caller,
    Path(id): Path<String>,
    Json(body): Json<SigningSessionSignature>,
) -> ApiResult<Json<SigningSession>> {
    let user = auth.require_user()?;
    let s = crate::desk::submit(&ctx, &user.id, &id, &body.signature).await?;
    Ok(Json(s.into()))
}
