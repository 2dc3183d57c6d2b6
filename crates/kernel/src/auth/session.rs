//! Server-side sessions kept in the database, so every app node sees the same ones. The cookie
//! holds a random token; the table holds its SHA-256, the user and the expiry.

use super::{Principal, Role, User, UserKind, random_token, token_hash};
use crate::Ctx;
use crate::db::Db;
use crate::error::AppError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::Duration;
use sqlx::Row;

pub const SESSION_COOKIE: &str = "ts_session";
const SESSION_HOURS: i64 = 12;

/// A freshly created session: the cookie to set and the session's CSRF token.
pub struct NewSession {
    pub cookie: Cookie<'static>,
}

pub fn session_cookie(value: String, secure: bool, max_age_hours: i64) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        .max_age(time_duration(max_age_hours))
        .build()
}

fn time_duration(hours: i64) -> time::Duration {
    time::Duration::hours(hours)
}

/// Creates a session for `user_id`. With `second_factor_pending`, the session only lets the
/// user enter their one-time code.
pub async fn create(
    db: &Db,
    user_id: &str,
    second_factor_pending: bool,
    ip: &str,
    secure: bool,
) -> Result<NewSession, AppError> {
    let token = random_token(32);
    let now = crate::time::now();
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, second_factor_pending, created_at, expires_at, ip)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(random_token(16))
    .bind(i64::from(second_factor_pending))
    .bind(crate::time::to_text(now))
    .bind(crate::time::to_text(now + Duration::hours(SESSION_HOURS)))
    .bind(ip)
    .execute(&mut *tx)
    .await?;
    // Signing in is a state change like any other: it is audited (the token never is).
    let actor = crate::audit::Actor {
        label: format!("user:{user_id}"),
        ip: ip.to_owned(),
    };
    let change = crate::audit::Change {
        action: if second_factor_pending {
            "session.password_ok"
        } else {
            "session.create"
        },
        entity_type: "user",
        entity_id: user_id,
        before: serde_json::Value::Null,
        after: serde_json::Value::Null,
    };
    crate::audit::record(db, &mut tx, &actor, change).await?;
    tx.commit().await?;
    Ok(NewSession {
        cookie: session_cookie(token, secure, SESSION_HOURS),
    })
}

pub async fn destroy(db: &Db, token: &str) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let gone = sqlx::query("DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id, ip")
        .bind(token_hash(token))
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(row) = gone {
        let user_id: Option<String> = row.try_get("user_id")?;
        let user_id = user_id.unwrap_or_default();
        let actor = crate::audit::Actor {
            label: format!("user:{user_id}"),
            ip: row.try_get("ip")?,
        };
        let change = crate::audit::Change {
            action: "session.destroy",
            entity_type: "user",
            entity_id: &user_id,
            before: serde_json::Value::Null,
            after: serde_json::Value::Null,
        };
        crate::audit::record(db, &mut tx, &actor, change).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Ends every credential a user holds: all sessions and all API tokens (revoked, so they stay
/// listed on the account page). Called when an account is disabled or its password changed or
/// reset, inside the transaction that makes that change.
pub async fn end_all_access(tx: &mut crate::db::Conn, user_id: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(crate::time::now_text())
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

pub async fn mark_second_factor_done(db: &Db, token: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE sessions SET second_factor_pending = 0 WHERE token_hash = $1")
        .bind(token_hash(token))
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The session a request carries, if its cookie names a live one.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub token: String,
    pub user: User,
    pub second_factor_pending: bool,
    /// Unread inbox items, read with the session so every page shows the count without a
    /// query of its own; counted up to [`UNREAD_COUNTED`], so an official with thousands of
    /// unread notices does not slow every page they open.
    pub unread: i64,
}

/// The most unread items a page counts (it then shows "99+"); the SQL above says 100.
pub const UNREAD_COUNTED: i64 = 100;

/// The session, its account and the account's roles in one statement (every page runs it).
pub async fn load(db: &Db, token: &str) -> Result<Option<SessionInfo>, AppError> {
    let rows = sqlx::query(
        "SELECT s.second_factor_pending, s.expires_at,
            (SELECT COUNT(*) FROM (SELECT 1 FROM inbox_items i
               WHERE i.user_id = s.user_id AND i.read_at IS NULL LIMIT 100) AS u) AS unread,
            u.id, u.kind, u.full_name, u.email, u.agency_id, u.totp_enabled, r.role
         FROM sessions s
         JOIN users u ON u.id = s.user_id
         LEFT JOIN user_roles r ON r.user_id = u.id
         WHERE s.token_hash = $1 AND u.disabled = 0",
    )
    .bind(token_hash(token))
    .fetch_all(&db.pool)
    .await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let expires: String = row.try_get("expires_at")?;
    if expires < crate::time::now_text() {
        return Ok(None);
    }
    let Some(user) = user_of_rows(&rows)? else {
        return Ok(None);
    };
    Ok(Some(SessionInfo {
        token: token.to_owned(),
        user,
        second_factor_pending: row.try_get::<i64, _>("second_factor_pending")? != 0,
        unread: row.try_get("unread")?,
    }))
}

/// The account and its roles, in one statement (it runs on every request).
pub async fn load_user(db: &Db, user_id: &str) -> Result<Option<User>, AppError> {
    let rows = sqlx::query(
        "SELECT u.id, u.kind, u.full_name, u.email, u.agency_id, u.totp_enabled, r.role
         FROM users u LEFT JOIN user_roles r ON r.user_id = u.id WHERE u.id = $1",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    user_of_rows(&rows)
}

/// The user `user_id`, unless the account is disabled: for work done later on someone's
/// behalf (a schedule they set), which stops with their account.
pub async fn load_enabled_user(db: &Db, user_id: &str) -> Result<Option<User>, AppError> {
    let rows = sqlx::query(
        "SELECT u.id, u.kind, u.full_name, u.email, u.agency_id, u.totp_enabled, r.role
         FROM users u LEFT JOIN user_roles r ON r.user_id = u.id
         WHERE u.id = $1 AND u.disabled = 0",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    user_of_rows(&rows)
}

/// The user of rows that each hold the account's columns (`id`, `kind`, `full_name`, `email`,
/// `agency_id`, `totp_enabled`) and one of its roles in `role` (NULL when it has none).
pub fn user_of_rows(rows: &[sqlx::any::AnyRow]) -> Result<Option<User>, AppError> {
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let mut roles: Vec<Role> = rows
        .iter()
        .filter_map(|r| {
            r.try_get::<Option<String>, _>("role")
                .ok()
                .flatten()
                .and_then(|s| s.parse::<Role>().ok())
        })
        .collect();
    roles.sort_by_key(|r| r.as_str());
    roles.dedup();
    let kind: String = row.try_get("kind")?;
    Ok(Some(User {
        id: row.try_get("id")?,
        kind: kind.parse().unwrap_or(UserKind::Citizen),
        full_name: row.try_get("full_name")?,
        email: row.try_get("email")?,
        agency_id: row.try_get("agency_id")?,
        roles,
        totp_enabled: row.try_get::<i64, _>("totp_enabled")? != 0,
    }))
}

/// Resolves who is asking: a bearer API token, else a fully signed-in session, else anonymous.
/// A session still waiting for its second factor counts as anonymous everywhere but the
/// second-factor page.
pub struct Auth {
    pub principal: Principal,
    pub session: Option<SessionInfo>,
}

impl Auth {
    pub fn user(&self) -> Option<&User> {
        self.principal.user()
    }

    pub fn require_user(&self) -> Result<&User, AppError> {
        self.principal.user().ok_or(AppError::Unauthorized)
    }
}

impl FromRequestParts<Ctx> for Auth {
    type Rejection = axum::response::Response;

    async fn from_request_parts(parts: &mut Parts, state: &Ctx) -> Result<Self, Self::Rejection> {
        if let Some(cached) = parts.extensions.get::<CachedAuth>() {
            return Ok(Auth {
                principal: cached.0.clone(),
                session: cached.1.clone(),
            });
        }
        let api = parts.uri.path().starts_with("/api/") || bearer_token(parts).is_some();
        let auth = resolve(parts, state)
            .await
            .map_err(|e| if api { e.into_problem() } else { e.into_page() })?;
        parts
            .extensions
            .insert(CachedAuth(auth.principal.clone(), auth.session.clone()));
        Ok(auth)
    }
}

#[derive(Clone)]
struct CachedAuth(Principal, Option<SessionInfo>);

/// Paths a bearer API token may be used on: the JSON API and Open311. Pages take a signed-in
/// session only, so a token never reaches more than its scopes allow.
pub fn takes_tokens(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/open311/")
}

async fn resolve(parts: &Parts, state: &Ctx) -> Result<Auth, AppError> {
    if let Some(bearer) = bearer_token(parts) {
        if !takes_tokens(parts.uri.path()) {
            return Err(AppError::TokenOnPage);
        }
        let principal = crate::tokens::authenticate(&state.db, &bearer).await?;
        return Ok(Auth {
            principal,
            session: None,
        });
    }
    let jar = CookieJar::from_headers(&parts.headers);
    let Some(cookie) = jar.get(SESSION_COOKIE) else {
        return Ok(Auth {
            principal: Principal::Anonymous,
            session: None,
        });
    };
    let session = load(&state.db, cookie.value()).await?;
    let principal = match &session {
        Some(s) if !s.second_factor_pending => Principal::User(s.user.clone()),
        _ => Principal::Anonymous,
    };
    Ok(Auth { principal, session })
}

fn bearer_token(parts: &Parts) -> Option<String> {
    let value = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    value.strip_prefix("Bearer ").map(|t| t.trim().to_owned())
}

/// Deletes expired sessions; run by the job runner.
pub async fn purge_expired(db: &Db) -> Result<u64, AppError> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
        .bind(crate::time::now_text())
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected())
}
