//! The signing sessions' rows (`signing_sessions`): every statement of the remote signing.

use serde::Serialize;
use sqlx::Row;
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

/// One signing session as stored.
#[derive(Clone, Debug, Serialize)]
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub provider: String,
    pub credential_id: String,
    #[serde(skip)]
    pub certificate: String,
    #[serde(skip)]
    pub chain: String,
    pub algorithm: String,
    #[serde(skip)]
    pub prepared_key: String,
    #[serde(skip)]
    pub byte_range: String,
    pub digest: String,
    pub title: String,
    pub provider_tx: Option<String>,
    pub state: String,
    pub detail: Option<String>,
    pub entity_type: String,
    pub entity_id: String,
    #[serde(skip)]
    pub completion: String,
    #[serde(skip)]
    pub context: String,
    pub return_to: String,
    pub created_at: String,
    pub expires_at: String,
    pub finished_at: Option<String>,
}

const SESSION: &str = "SELECT id, user_id, provider, credential_id, certificate, chain, algorithm, \
     prepared_key, byte_range, digest, title, provider_tx, state, detail, entity_type, entity_id, \
     completion, context, return_to, created_at, expires_at, finished_at FROM signing_sessions";

fn session_row(r: &sqlx::any::AnyRow) -> Result<Session, sqlx::Error> {
    Ok(Session {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        provider: r.try_get("provider")?,
        credential_id: r.try_get("credential_id")?,
        certificate: r.try_get("certificate")?,
        chain: r.try_get("chain")?,
        algorithm: r.try_get("algorithm")?,
        prepared_key: r.try_get("prepared_key")?,
        byte_range: r.try_get("byte_range")?,
        digest: r.try_get("digest")?,
        title: r.try_get("title")?,
        provider_tx: r.try_get("provider_tx")?,
        state: r.try_get("state")?,
        detail: r.try_get("detail")?,
        entity_type: r.try_get("entity_type")?,
        entity_id: r.try_get("entity_id")?,
        completion: r.try_get("completion")?,
        context: r.try_get("context")?,
        return_to: r.try_get("return_to")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
        finished_at: r.try_get("finished_at")?,
    })
}

/// Session `id`.
pub async fn by_id(db: &Db, id: &str) -> Result<Option<Session>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SESSION} WHERE id = $1")))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(session_row).transpose()?)
}

/// A new session, as [`insert`] stores it (state `pending`).
pub struct NewSession<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub provider: &'a str,
    pub credential_id: &'a str,
    pub certificate: &'a str,
    pub chain: &'a str,
    pub algorithm: &'a str,
    pub prepared_key: &'a str,
    pub byte_range: &'a str,
    pub digest: &'a str,
    pub title: &'a str,
    /// The provider's transaction; none for a desk token's session.
    pub provider_tx: Option<&'a str>,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub completion: &'a str,
    pub context: &'a str,
    pub return_to: &'a str,
    pub created_at: &'a str,
    pub expires_at: &'a str,
}

pub async fn insert(tx: &mut Conn, s: &NewSession<'_>) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO signing_sessions (id, user_id, provider, credential_id, certificate, chain, \
         algorithm, prepared_key, byte_range, digest, title, provider_tx, state, entity_type, \
         entity_id, completion, context, return_to, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'pending', $13, $14, $15, \
         $16, $17, $18, $19)",
    )
    .bind(s.id)
    .bind(s.user_id)
    .bind(s.provider)
    .bind(s.credential_id)
    .bind(s.certificate)
    .bind(s.chain)
    .bind(s.algorithm)
    .bind(s.prepared_key)
    .bind(s.byte_range)
    .bind(s.digest)
    .bind(s.title)
    .bind(s.provider_tx)
    .bind(s.entity_type)
    .bind(s.entity_id)
    .bind(s.completion)
    .bind(s.context)
    .bind(s.return_to)
    .bind(s.created_at)
    .bind(s.expires_at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Ends pending session `id` in state `to`: whether it moved. A cancelled session may still
/// end `signed` (`super::may_move`): its signature was kept before it was cancelled.
pub async fn finish(
    db: &Db,
    id: &str,
    to: &str,
    detail: Option<&str>,
    result: Option<&str>,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE signing_sessions SET state = $1, detail = $2, result = $3, finished_at = $4, \
         locked_until = NULL WHERE id = $5 \
         AND (state = 'pending' OR (state = 'cancelled' AND $1 = 'signed'))",
    )
    .bind(to)
    .bind(detail)
    .bind(result)
    .bind(tinhso_kernel::time::now_text())
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The sessions still pending on `entity_type` `entity_id`, in `tx`.
pub async fn pending_on(
    tx: &mut Conn,
    entity_type: &str,
    entity_id: &str,
) -> Result<Vec<Session>, AppError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SESSION} WHERE entity_type = $1 AND entity_id = $2 AND state = 'pending' \
         ORDER BY created_at, id"
    )))
    .bind(entity_type)
    .bind(entity_id)
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows.iter().map(session_row).collect::<Result<_, _>>()?)
}

/// Cancels pending session `id` in `tx` with `detail`: whether it moved.
pub async fn cancel(tx: &mut Conn, id: &str, detail: &str, now: &str) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE signing_sessions SET state = 'cancelled', detail = $1, finished_at = $2, \
         locked_until = NULL WHERE id = $3 AND state = 'pending'",
    )
    .bind(detail)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Leases pending session `id` until `until` unless another lease runs past `now`.
pub async fn claim(db: &Db, id: &str, until: &str, now: &str) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE signing_sessions SET locked_until = $1 \
         WHERE id = $2 AND state = 'pending' AND (locked_until IS NULL OR locked_until < $3)",
    )
    .bind(until)
    .bind(id)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends the lease of a session still pending, keeping `detail` (the provider's trouble).
pub async fn release(db: &Db, id: &str, detail: Option<&str>) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE signing_sessions SET locked_until = NULL, detail = $1 WHERE id = $2 AND state = 'pending'",
    )
    .bind(detail)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// A pending session as the poll sees it: `(id, provider, expires_at)`.
pub type Due = (String, String, String);

/// The oldest pending sessions (at most 100 per poll).
pub async fn pending(db: &Db) -> Result<Vec<Due>, AppError> {
    let rows = sqlx::query(
        "SELECT id, provider, expires_at FROM signing_sessions WHERE state = 'pending' \
         ORDER BY created_at LIMIT 100",
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("provider")?,
                r.try_get("expires_at")?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()?)
}

/// The pending sessions `user_id` started for `entity_type` `entity_id`, newest first (ten).
pub async fn pending_for(
    db: &Db,
    user_id: &str,
    entity_type: &str,
    entity_id: &str,
) -> Result<Vec<Session>, AppError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SESSION} WHERE user_id = $1 AND entity_type = $2 AND entity_id = $3 \
         AND state = 'pending' ORDER BY created_at DESC, id DESC LIMIT 10"
    )))
    .bind(user_id)
    .bind(entity_type)
    .bind(entity_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(session_row).collect::<Result<_, _>>()?)
}
