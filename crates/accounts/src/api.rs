//! The accounts' JSON API: the caller, officials of an agency, and the caller's API tokens.

use crate as accounts;
use crate::{OfficialInput, OfficialSummary};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor};
use tinhso_kernel::auth::User;
use tinhso_kernel::error::{ApiResult, AppError};
use tinhso_kernel::extract::{Caller, Json, Path, Query};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::tokens::{self, ApiTokenInfo};
use utoipa_axum::routes;

pub fn routes() -> Routes {
    Routes::new("accounts")
        .api(Access::SignedIn, routes!(me))
        .api(Access::Entity("official"), routes!(list_officials))
        .api(Access::Entity("official"), routes!(create_official))
        .api(Access::SignedIn, routes!(list_tokens))
        .api(Access::SignedIn, routes!(create_token))
        .api(Access::SignedIn, routes!(revoke_token))
}

/// The signed-in user or the token's owner.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    responses((status = 200, body = User), (status = 401, description = "Not signed in", content_type = "application/problem+json")),
    security(("bearer" = ["account"])))]
pub async fn me(State(state): State<Ctx>, Caller(auth): Caller) -> ApiResult<Json<User>> {
    tinhso_kernel::auth::account::own(&state, &auth.principal).await?;
    Ok(Json(auth.require_user()?.clone()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct OfficialsQuery {
    /// Agency code; defaults to the caller's own agency.
    pub agency: Option<String>,
}

/// Officials of an agency and its sub-agencies.
#[utoipa::path(get, path = "/api/v1/officials", tag = "accounts", params(OfficialsQuery),
    responses((status = 200, body = Vec<OfficialSummary>), (status = 403, description = "Outside the caller's agency", content_type = "application/problem+json"),
        (status = 404, description = "No agency with this code", content_type = "application/problem+json")),
    security(("bearer" = ["users:write"])))]
pub async fn list_officials(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    Query(q): Query<OfficialsQuery>,
) -> ApiResult<Json<Vec<OfficialSummary>>> {
    let user = auth.require_user()?;
    let agency_id = match q.agency.filter(|code| !code.trim().is_empty()) {
        Some(code) => {
            tinhso_directory::find(&state.db, &code)
                .await?
                .ok_or(AppError::NotFound)?
                .id
        }
        None => user.agency_id.clone().ok_or(AppError::Forbidden)?,
    };
    crate::policy::may_manage(&state, &auth.principal, &agency_id).await?;
    Ok(Json(
        accounts::list_officials(&state.db, Some(&agency_id)).await?,
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: String,
}

/// Create an official; without a password they get an email to set one.
#[utoipa::path(post, path = "/api/v1/officials", tag = "accounts", request_body = OfficialInput,
    responses((status = 201, body = Created), (status = 422, description = "Invalid input", content_type = "application/problem+json")),
    security(("bearer" = ["users:write"])))]
pub async fn create_official(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Json(input): Json<OfficialInput>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    auth.require_user()?;
    let actor = Actor {
        label: auth.principal.actor_label(),
        ip,
    };
    let id = accounts::create_official(&state, &actor, Some(&auth.principal), &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// The caller's API tokens.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "accounts",
    responses((status = 200, body = Vec<ApiTokenInfo>)), security(("bearer" = ["account"])))]
pub async fn list_tokens(
    State(state): State<Ctx>,
    Caller(auth): Caller,
) -> ApiResult<Json<Vec<ApiTokenInfo>>> {
    tinhso_kernel::auth::account::own(&state, &auth.principal).await?;
    Ok(Json(
        tokens::list(&state.db, &auth.require_user()?.id).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewToken {
    pub name: String,
    /// Scopes the caller can use: `account`, `dossiers` and `open311` for everyone;
    /// `directory:write` and `users:write` for agency administrators; `audit:read` and
    /// `catalog:write` for system administrators.
    pub scopes: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    pub id: String,
    /// Shown once; only its hash is stored.
    pub token: String,
}

/// Create an API token (only from a signed-in session, not from another token).
#[utoipa::path(post, path = "/api/v1/tokens", tag = "accounts", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 403, description = "Asked with an API token rather than a session", content_type = "application/problem+json"),
        (status = 422, description = "Invalid name or scope", content_type = "application/problem+json")),
    security(("session" = [])))]
pub async fn create_token(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Json(input): Json<NewToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    match auth.principal {
        tinhso_kernel::auth::Principal::User(_) => {}
        tinhso_kernel::auth::Principal::Anonymous => return Err(AppError::Unauthorized.into()),
        tinhso_kernel::auth::Principal::Token { .. } => return Err(AppError::Forbidden.into()),
    }
    tinhso_kernel::auth::account::own(&state, &auth.principal).await?;
    let user = auth.require_user()?;
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::validation("name", "Tên mã truy cập từ 1 đến 100 ký tự.").into());
    }
    let grantable = tinhso_kernel::auth::authz::grantable_scopes(user);
    if input.scopes.is_empty()
        || input
            .scopes
            .iter()
            .any(|s| !grantable.contains(&s.as_str()))
    {
        return Err(AppError::validation(
            "scopes",
            format!("Phạm vi bạn có thể cấp: {}.", grantable.join(", ")),
        )
        .into());
    }
    let mut tx = state.db.begin().await?;
    let (token, id) = tokens::create(&state.db, &mut tx, &user.id, name, &input.scopes).await?;
    let actor = Actor {
        label: auth.principal.actor_label(),
        ip,
    };
    audit::record(
        &state.db,
        &mut tx,
        &actor,
        audit::Change {
            action: "api_token.create",
            entity_type: "api_token",
            entity_id: &id,
            before: serde_json::Value::Null,
            after: serde_json::json!({"name": name, "scopes": input.scopes}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { id, token })))
}

/// Revoke one of the caller's tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "accounts",
    params(("id" = String, Path, description = "Token id")),
    responses((status = 204, description = "Revoked"), (status = 404, description = "No such live token", content_type = "application/problem+json")),
    security(("bearer" = ["account"])))]
pub async fn revoke_token(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    tinhso_kernel::auth::account::own(&state, &auth.principal).await?;
    let user = auth.require_user()?;
    let mut tx = state.db.begin().await?;
    if !tokens::revoke(&mut tx, &user.id, &id).await? {
        return Err(AppError::NotFound.into());
    }
    let actor = Actor {
        label: auth.principal.actor_label(),
        ip,
    };
    audit::record(
        &state.db,
        &mut tx,
        &actor,
        audit::Change {
            action: "api_token.revoke",
            entity_type: "api_token",
            entity_id: &id,
            before: serde_json::Value::Null,
            after: serde_json::Value::Null,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
