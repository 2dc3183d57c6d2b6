//! Sign-in through a generic OpenID Connect provider (the province's single sign-on): the
//! authorization-code flow with PKCE, state and nonce. The pending login lives in the database
//! so the callback may reach any app node. A first sign-in creates a citizen account, or links
//! an existing account when the provider vouches for the same email.

use crate::store;
use chrono::Duration;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, Scope, TokenResponse,
};
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::auth::{User, UserKind};
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
    let pending = store::OidcLogin {
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
        expires_at: tinhso_kernel::time::to_text(
            tinhso_kernel::time::now() + Duration::minutes(10),
        ),
    };
    store::insert_oidc_login(&state.db, csrf.secret(), &pending).await?;
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
    let pending = store::take_oidc_login(&state.db, returned_state)
        .await?
        .ok_or_else(expired)?;
    if pending.expires_at < tinhso_kernel::time::now_text() {
        return Err(expired());
    }
    let nonce = Nonce::new(pending.nonce);
    let verifier = PkceCodeVerifier::new(pending.pkce_verifier);
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
    let id = match store::enabled_user_by_oidc_subject(db, &identity.subject).await? {
        Some(id) => id,
        None => link_or_create(state, identity, ip).await?,
    };
    tinhso_kernel::auth::session::load_user(db, &id)
        .await?
        .ok_or(AppError::Unauthorized)
}

async fn link_or_create(state: &Ctx, identity: &Identity, ip: &str) -> Result<String, AppError> {
    let mut tx = state.db.begin().await?;
    let existing = match &identity.email {
        Some(email) => store::enabled_user_by_email(&mut tx, email).await?,
        None => None,
    };
    let now = tinhso_kernel::time::now_text();
    let (id, action) = match existing {
        Some(id) => {
            store::link_oidc_subject(&mut tx, &id, &identity.subject, &now).await?;
            (id, "user.oidc_link")
        }
        None => {
            let id = uuid::Uuid::now_v7().to_string();
            let full_name = tinhso_domain::text::normalize(&identity.name);
            let user = store::NewUser {
                email: identity.email.as_deref(),
                // The provider vouched for the address.
                email_verified_at: identity.email.as_ref().map(|_| now.as_str()),
                oidc_subject: Some(identity.subject.as_str()),
                ..store::NewUser::new(&id, UserKind::Citizen, &full_name, &now)
            };
            store::insert_user(&mut tx, &user).await?;
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
