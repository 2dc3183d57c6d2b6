//! Sign-in through a generic OpenID Connect provider (the province's single sign-on): the
//! authorization-code flow with PKCE, state and nonce. The pending login lives in the database
//! so the callback may reach any app node. A first sign-in creates a citizen account, or links
//! an existing account when the provider vouches for the same email.

use chrono::Duration;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, Scope, TokenResponse,
};
use sqlx::Row;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::auth::User;
use tinhso_kernel::config::OidcConfig;
use tinhso_kernel::error::AppError;

mod http;

fn http_client() -> Result<http::Client, AppError> {
    http::Client::new().map_err(|e| AppError::Internal(e.into()))
}

fn unavailable(e: impl std::fmt::Display) -> AppError {
    tracing::warn!(error = %e, "OpenID Connect provider error");
    AppError::BadRequest("Không kết nối được với hệ thống đăng nhập một lần. Vui lòng thử lại sau hoặc đăng nhập bằng mật khẩu.".into())
}

fn redirect_url(state: &Ctx) -> String {
    format!(
        "{}/login/oidc/callback",
        state.config.public_url.trim_end_matches('/')
    )
}

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Discovers the provider (its keys and endpoints) and sets up our client registration.
async fn provider_client(
    state: &Ctx,
    config: &OidcConfig,
    http: &http::Client,
) -> Result<Client, AppError> {
    let issuer = IssuerUrl::new(config.issuer.clone()).map_err(unavailable)?;
    let metadata = CoreProviderMetadata::discover_async(issuer, http)
        .await
        .map_err(unavailable)?;
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(config.client_id.clone()),
        Some(ClientSecret::new(config.client_secret.clone())),
    )
    .set_redirect_uri(RedirectUrl::new(redirect_url(state)).map_err(unavailable)?);
    Ok(client)
}

/// Builds the provider's authorization address and remembers the pending login.
pub async fn start(state: &Ctx, config: &OidcConfig) -> Result<String, AppError> {
    let http = http_client()?;
    let client = provider_client(state, config, &http).await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();
    sqlx::query(
        "INSERT INTO oidc_logins (state, nonce, pkce_verifier, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(csrf.secret())
    .bind(nonce.secret())
    .bind(verifier.secret())
    .bind(tinhso_kernel::time::to_text(
        tinhso_kernel::time::now() + Duration::minutes(10),
    ))
    .execute(&state.db.pool)
    .await?;
    Ok(url.to_string())
}

/// The person the provider vouched for.
struct Identity {
    subject: String,
    email: Option<String>,
    name: String,
}

/// Finishes the flow: checks state, exchanges the code, verifies the ID token, and returns the
/// local user (created or linked on first sign-in).
pub async fn finish(
    state: &Ctx,
    config: &OidcConfig,
    code: &str,
    returned_state: &str,
    ip: &str,
) -> Result<User, AppError> {
    let expired = || {
        AppError::BadRequest(
            "Phiên đăng nhập một lần đã hết hạn hoặc không hợp lệ. Vui lòng thử lại.".into(),
        )
    };
    let row = sqlx::query(
        "DELETE FROM oidc_logins WHERE state = $1 RETURNING nonce, pkce_verifier, expires_at",
    )
    .bind(returned_state)
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or_else(expired)?;
    if row.try_get::<String, _>("expires_at")? < tinhso_kernel::time::now_text() {
        return Err(expired());
    }
    let nonce = Nonce::new(row.try_get("nonce")?);
    let verifier = PkceCodeVerifier::new(row.try_get("pkce_verifier")?);
    let http = http_client()?;
    let client = provider_client(state, config, &http).await?;
    let tokens = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .map_err(unavailable)?
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .map_err(unavailable)?;
    let id_token = tokens
        .id_token()
        .ok_or_else(|| unavailable("no ID token"))?;
    let claims = id_token
        .claims(&client.id_token_verifier(), &nonce)
        .map_err(unavailable)?;
    // Providers may keep email and name out of the ID token; ask the userinfo endpoint then.
    let (mut email, mut email_verified, mut name) = (
        claims.email().map(|e| e.as_str().to_owned()),
        claims.email_verified().unwrap_or(false),
        claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned()),
    );
    if email.is_none() || name.is_none() {
        let request = client.user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        );
        if let Ok(request) = request {
            let info: openidconnect::core::CoreUserInfoClaims =
                request.request_async(&http).await.map_err(unavailable)?;
            if email.is_none() {
                email = info.email().map(|e| e.as_str().to_owned());
                email_verified = info.email_verified().unwrap_or(false);
            }
            name = name.or_else(|| {
                info.name()
                    .and_then(|n| n.get(None))
                    .map(|n| n.as_str().to_owned())
            });
        }
    }
    let verified_email = email
        .filter(|_| email_verified)
        .and_then(|e| tinhso_domain::identity::email(&e).ok());
    let name = name
        .or_else(|| verified_email.clone())
        .unwrap_or_else(|| "Người dùng".into());
    let identity = Identity {
        subject: format!("{}|{}", config.issuer, claims.subject().as_str()),
        email: verified_email,
        name,
    };
    local_user(state, &identity, ip).await
}

async fn local_user(state: &Ctx, identity: &Identity, ip: &str) -> Result<User, AppError> {
    let db = &state.db;
    let by_subject = sqlx::query("SELECT id FROM users WHERE oidc_subject = $1 AND disabled = 0")
        .bind(&identity.subject)
        .fetch_optional(&db.pool)
        .await?;
    let id = match by_subject {
        Some(row) => row.try_get::<String, _>("id")?,
        None => link_or_create(state, identity, ip).await?,
    };
    tinhso_kernel::auth::session::load_user(db, &id)
        .await?
        .ok_or(AppError::Unauthorized)
}

async fn link_or_create(state: &Ctx, identity: &Identity, ip: &str) -> Result<String, AppError> {
    let mut tx = state.db.begin().await?;
    let existing = match &identity.email {
        Some(email) => sqlx::query("SELECT id FROM users WHERE email = $1 AND disabled = 0")
            .bind(email)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get::<String, _>("id"))
            .transpose()?,
        None => None,
    };
    let now = tinhso_kernel::time::now_text();
    let (id, action) = match existing {
        Some(id) => {
            sqlx::query("UPDATE users SET oidc_subject = $1, updated_at = $2 WHERE id = $3")
                .bind(&identity.subject)
                .bind(&now)
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            (id, "user.oidc_link")
        }
        None => {
            let id = uuid::Uuid::now_v7().to_string();
            sqlx::query(
                "INSERT INTO users (id, kind, email, full_name, email_verified_at, oidc_subject, created_at, updated_at)
                 VALUES ($1, 'citizen', $2, $3, $4, $5, $6, $6)",
            )
            .bind(&id)
            .bind(&identity.email)
            .bind(tinhso_domain::text::normalize(&identity.name))
            .bind(identity.email.as_ref().map(|_| now.clone()))
            .bind(&identity.subject)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            (id, "user.oidc_register")
        }
    };
    let actor = Actor {
        label: format!("user:{id}"),
        ip: ip.to_owned(),
    };
    let change = Change {
        action,
        entity_type: "user",
        entity_id: &id,
        before: serde_json::Value::Null,
        after: serde_json::json!({"oidc_subject": identity.subject, "email": identity.email}),
    };
    audit::record(&state.db, &mut tx, &actor, change).await?;
    tx.commit().await?;
    Ok(id)
}
