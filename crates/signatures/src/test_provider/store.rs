//! The test provider's rows (`test_remote_requests`): every statement of the provider.

use sqlx::Row;
use tinhso_kernel::db::Db;
use tinhso_kernel::error::AppError;

/// One request as the provider keeps it.
#[derive(Debug, serde::Serialize)]
pub struct Held {
    pub id: String,
    pub user_id: String,
    pub credential_id: String,
    pub digest: String,
    pub algorithm: String,
    pub title: String,
    pub state: String,
    pub signature: Option<String>,
    pub created_at: String,
    pub expires_at: String,
}

const HELD: &str = "SELECT id, user_id, credential_id, digest, algorithm, title, state, signature, \
     created_at, expires_at FROM test_remote_requests";

fn held(r: &sqlx::any::AnyRow) -> Result<Held, sqlx::Error> {
    Ok(Held {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        credential_id: r.try_get("credential_id")?,
        digest: r.try_get("digest")?,
        algorithm: r.try_get("algorithm")?,
        title: r.try_get("title")?,
        state: r.try_get("state")?,
        signature: r.try_get("signature")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
    })
}

/// Request `id`.
pub async fn by_id(db: &Db, id: &str) -> Result<Option<Held>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{HELD} WHERE id = $1")))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(held).transpose()?)
}

/// A new pending request.
pub struct NewRequest<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub credential_id: &'a str,
    pub digest: &'a str,
    pub algorithm: &'a str,
    pub title: &'a str,
    pub created_at: &'a str,
    pub expires_at: &'a str,
}

pub async fn insert(db: &Db, r: &NewRequest<'_>) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO test_remote_requests (id, user_id, credential_id, digest, algorithm, title, \
         state, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8)",
    )
    .bind(r.id)
    .bind(r.user_id)
    .bind(r.credential_id)
    .bind(r.digest)
    .bind(r.algorithm)
    .bind(r.title)
    .bind(r.created_at)
    .bind(r.expires_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Marks request `id` `to` (with its signature) if still pending: whether it moved.
pub async fn answer(
    db: &Db,
    id: &str,
    to: &str,
    signature: Option<String>,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE test_remote_requests SET state = $1, signature = $2, answered_at = $3 \
         WHERE id = $4 AND state = 'pending'",
    )
    .bind(to)
    .bind(signature)
    .bind(tinhso_kernel::time::now_text())
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// `user_id`'s pending requests not yet expired, newest first (at most 50).
pub async fn pending_for(db: &Db, user_id: &str) -> Result<Vec<Held>, AppError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{HELD} WHERE user_id = $1 AND state = 'pending' AND expires_at > $2 \
         ORDER BY created_at DESC LIMIT 50"
    )))
    .bind(user_id)
    .bind(tinhso_kernel::time::now_text())
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(held).collect::<Result<_, _>>()?)
}
