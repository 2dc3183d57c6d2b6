//! API tokens for machine clients: shown once, stored as SHA-256, scoped, revocable.

use crate::auth::{Principal, random_token, token_hash};
use crate::db::Db;
use crate::error::AppError;
use serde::Serialize;
use sqlx::Row;

pub const PREFIX: &str = "tso_";

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiTokenInfo {
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// The token's principal: the token, its account and the account's roles are read in one
/// statement (every API request runs it).
pub async fn authenticate(db: &Db, token: &str) -> Result<Principal, AppError> {
    let rows = sqlx::query(
        "SELECT t.id AS token_id, t.scopes, t.last_used_at,
            u.id, u.kind, u.full_name, u.email, u.agency_id, u.totp_enabled, r.role
         FROM api_tokens t JOIN users u ON u.id = t.user_id
         LEFT JOIN user_roles r ON r.user_id = u.id
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled = 0",
    )
    .bind(token_hash(token))
    .fetch_all(&db.pool)
    .await?;
    let Some(row) = rows.first() else {
        return Err(AppError::Unauthorized);
    };
    let user = crate::auth::session::user_of_rows(&rows)?.ok_or(AppError::Unauthorized)?;
    let last_used: Option<String> = row.try_get("last_used_at")?;
    if last_use_is_stale(last_used.as_deref(), crate::time::now()) {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(crate::time::now_text())
            .bind(row.try_get::<String, _>("token_id")?)
            .execute(&db.pool)
            .await?;
    }
    let scopes: String = row.try_get("scopes")?;
    Ok(Principal::Token {
        user,
        scopes: scopes.split(' ').map(str::to_owned).collect(),
    })
}

/// How fresh a token's "last used" needs to be: to the minute. Writing it on every request
/// made each API read a write, and on SQLite every search waited for the one writer.
const LAST_USE_PRECISION: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// Whether the recorded last use is older than [`LAST_USE_PRECISION`] (or absent, or unreadable).
fn last_use_is_stale(recorded: Option<&str>, now: chrono::DateTime<chrono::Utc>) -> bool {
    recorded
        .and_then(crate::time::parse)
        .is_none_or(|at| now - at >= LAST_USE_PRECISION)
}

/// Creates a token and returns its secret (shown once) and id.
pub async fn create(
    db: &Db,
    tx: &mut crate::db::Conn,
    user_id: &str,
    name: &str,
    scopes: &[String],
) -> Result<(String, String), AppError> {
    let secret = format!("{PREFIX}{}", random_token(32));
    let id = uuid::Uuid::now_v7().to_string();
    let _ = db;
    sqlx::query(
        "INSERT INTO api_tokens (id, user_id, name, token_hash, scopes, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(user_id)
    .bind(name)
    .bind(token_hash(&secret))
    .bind(scopes.join(" "))
    .bind(crate::time::now_text())
    .execute(&mut *tx)
    .await?;
    Ok((secret, id))
}

pub async fn list(db: &Db, user_id: &str) -> Result<Vec<ApiTokenInfo>, AppError> {
    let rows = sqlx::query(
        "SELECT id, name, scopes, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ApiTokenInfo {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                scopes: r
                    .try_get::<String, _>("scopes")?
                    .split(' ')
                    .map(str::to_owned)
                    .collect(),
                created_at: r.try_get("created_at")?,
                last_used_at: r.try_get("last_used_at")?,
                revoked_at: r.try_get("revoked_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Revokes one of the user's own tokens; false when there is no such live token.
pub async fn revoke(tx: &mut crate::db::Conn, user_id: &str, id: &str) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
    )
    .bind(crate::time::now_text())
    .bind(id)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_use_is_written_once_a_minute() {
        let now = crate::time::now();
        let text = |secs| crate::time::to_text(now - chrono::TimeDelta::seconds(secs));
        assert!(last_use_is_stale(None, now));
        assert!(last_use_is_stale(Some("not a time"), now));
        assert!(!last_use_is_stale(Some(&text(5)), now));
        assert!(!last_use_is_stale(Some(&text(59)), now));
        assert!(last_use_is_stale(Some(&text(61)), now));
    }
}
