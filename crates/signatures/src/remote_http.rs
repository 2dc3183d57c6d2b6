//! Following a remote signing: the session's page (`/office/signing-sessions/{id}`, "Đang chờ
//! xác nhận trên điện thoại…" refreshed by a meta refresh, no script, until the session ends)
//! and `GET /api/v1/signing-sessions/{id}` for programs. Only the person who asked sees it.

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
            },
        )?
        .into_response())
}

/// A remote signing session as programs see it.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct SigningSession {
    pub id: String,
    /// The provider's id (`test`: the test provider, no legal value) and its name.
    pub provider: String,
    pub provider_name: String,
    /// What the signer's phone shows.
    pub title: String,
    /// `pending` (waiting for the signer's confirmation), `signed`, `refused`, `expired`, or
    /// `failed` (the provider's answer could not be used: `Detail` says why).
    pub state: String,
    /// Why it ended without a signature, or the provider's trouble while pending.
    pub detail: Option<String>,
    /// The SHA-256 (hex) of the signed attributes: all the provider received besides the title.
    pub digest: String,
    pub entity_type: String,
    pub entity_id: String,
    pub created_at: String,
    pub expires_at: String,
    pub finished_at: Option<String>,
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
    Ok(Json(SigningSession {
        provider_name: provider_name(&s.provider).to_owned(),
        id: s.id,
        provider: s.provider,
        title: s.title,
        state: s.state,
        detail: s.detail,
        digest: s.digest,
        entity_type: s.entity_type,
        entity_id: s.entity_id,
        created_at: s.created_at,
        expires_at: s.expires_at,
        finished_at: s.finished_at,
    }))
}
