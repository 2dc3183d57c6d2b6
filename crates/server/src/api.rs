//! The JSON API under `/api/v1` and its OpenAPI 3.1 document, generated from the handlers'
//! annotations. Errors are RFC 9457 problem+json.

use crate::accounts::{self, OfficialInput, OfficialSummary};
use crate::agencies::http as agencies;
use crate::app::AppState;
use crate::audit::{self, Actor, AuditEntry, AuditFilter};
use crate::auth::User;
use crate::auth::authz::{Action, SCOPES, authorize};
use crate::auth::session::Auth;
use crate::error::{ApiResult, AppError};
use crate::net::ClientIp;
use crate::tokens::{self, ApiTokenInfo};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Tỉnh Số API", description = "Digital-government platform API. Errors are RFC 9457 problem+json.", version = "1"),
    paths(
        agencies::api_list, agencies::api_tree, agencies::api_get, agencies::api_create, agencies::api_update,
        agencies::api_export, agencies::api_admin_units,
        crate::catalog::http::api_list, crate::catalog::http::api_get, crate::catalog::http::api_put,
        crate::catalog::http::api_import, crate::catalog::http::api_export_json, crate::catalog::http::api_export_csv,
        crate::catalog::http::api_fields,
        crate::dossiers::api::track, crate::dossiers::api::submit, crate::dossiers::api::read, crate::dossiers::api::act,
        crate::dossiers::stats::api, crate::feedback::stats::api,
        me, list_officials, create_official, audit_entries, list_tokens, create_token, revoke_token,
    ),
    modifiers(&Security),
    tags((name = "directory", description = "Agencies and administrative units"),
         (name = "catalog", description = "The procedure catalog (thủ tục hành chính)"),
         (name = "dossiers", description = "One-stop dossiers (hồ sơ một cửa): tracking, submission, actions, statistics"),
         (name = "feedback", description = "Citizen feedback (phản ánh, kiến nghị) statistics; the reports themselves are under /open311/v2"),
         (name = "accounts", description = "The caller, officials and API tokens"),
         (name = "audit", description = "The audit trail"))
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("API token from the account page"))
                    .build(),
            ),
        );
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api/v1/me", get(me))
        .route(
            "/api/v1/officials",
            get(list_officials).post(create_official),
        )
        .route("/api/v1/audit", get(audit_entries))
        .route("/api/v1/tokens", get(list_tokens).post(create_token))
        .route("/api/v1/tokens/{id}", delete(revoke_token))
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// The signed-in user or the token's owner.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    responses((status = 200, body = User), (status = 401, description = "Not signed in", content_type = "application/problem+json")),
    security(("bearer" = ["account"])))]
pub async fn me(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<User>> {
    authorize(&state.db, &auth.principal, Action::OwnAccount).await?;
    Ok(Json(auth.require_user()?.clone()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct OfficialsQuery {
    /// Agency code; defaults to the caller's own agency.
    pub agency: Option<String>,
}

/// Officials of an agency and its sub-agencies.
#[utoipa::path(get, path = "/api/v1/officials", tag = "accounts", params(OfficialsQuery),
    responses((status = 200, body = Vec<OfficialSummary>), (status = 403, description = "Outside the caller's agency", content_type = "application/problem+json")),
    security(("bearer" = ["users:write"])))]
pub async fn list_officials(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<OfficialsQuery>,
) -> ApiResult<Json<Vec<OfficialSummary>>> {
    let user = auth.require_user()?;
    let agency_id = match q.agency {
        Some(code) => {
            crate::agencies::store::by_code(&state.db.pool, &code)
                .await?
                .ok_or(AppError::NotFound)?
                .id
        }
        None => user.agency_id.clone().ok_or(AppError::Forbidden)?,
    };
    authorize(
        &state.db,
        &auth.principal,
        Action::ManageOfficials { agency: &agency_id },
    )
    .await?;
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
    State(state): State<AppState>,
    auth: Auth,
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

/// Audit entries, newest first; page with `before_seq`.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditFilter),
    responses((status = 200, body = Vec<AuditEntry>)),
    security(("bearer" = ["audit:read"])))]
pub async fn audit_entries(
    State(state): State<AppState>,
    auth: Auth,
    Query(filter): Query<AuditFilter>,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    authorize(&state.db, &auth.principal, Action::ReadAudit).await?;
    Ok(Json(audit::search(&state.db, &filter).await?))
}

/// The caller's API tokens.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "accounts",
    responses((status = 200, body = Vec<ApiTokenInfo>)), security(("bearer" = ["account"])))]
pub async fn list_tokens(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<ApiTokenInfo>>> {
    authorize(&state.db, &auth.principal, Action::OwnAccount).await?;
    Ok(Json(
        tokens::list(&state.db, &auth.require_user()?.id).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewToken {
    pub name: String,
    /// Any of `account`, `directory:write`, `users:write`, `audit:read`.
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
    responses((status = 201, body = CreatedToken), (status = 422, description = "Invalid name or scope", content_type = "application/problem+json")))]
pub async fn create_token(
    State(state): State<AppState>,
    auth: Auth,
    ClientIp(ip): ClientIp,
    Json(input): Json<NewToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    if !matches!(auth.principal, crate::auth::Principal::User(_)) {
        return Err(AppError::Forbidden.into());
    }
    authorize(&state.db, &auth.principal, Action::OwnAccount).await?;
    let user = auth.require_user()?;
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::validation("name", "Tên mã truy cập từ 1 đến 100 ký tự.").into());
    }
    if input.scopes.is_empty() || input.scopes.iter().any(|s| !SCOPES.contains(&s.as_str())) {
        return Err(AppError::validation(
            "scopes",
            format!("Phạm vi hợp lệ: {}.", SCOPES.join(", ")),
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
    State(state): State<AppState>,
    auth: Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    authorize(&state.db, &auth.principal, Action::OwnAccount).await?;
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
