//! Settings kept in the database, shared by every node.

use crate::db::Db;
use sqlx::Row;

/// The server secret (CSRF key), created once by whichever node starts first.
pub async fn server_secret(db: &Db) -> anyhow::Result<Vec<u8>> {
    sqlx::query("INSERT INTO settings (key, value) VALUES ('server_secret', $1) ON CONFLICT (key) DO NOTHING")
        .bind(crate::auth::random_token(32))
        .execute(&db.pool)
        .await?;
    let row = sqlx::query("SELECT value FROM settings WHERE key = 'server_secret'")
        .fetch_one(&db.pool)
        .await?;
    Ok(row.try_get::<String, _>("value")?.into_bytes())
}

/// Stores `key` once: true if this call stored it, false if it was already there. In the
/// caller's transaction, so several nodes starting at once do a one-off task once.
pub async fn claim(
    tx: &mut crate::db::Conn,
    key: &str,
    value: &str,
) -> Result<bool, crate::error::AppError> {
    let done = sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
    )
    .bind(key)
    .bind(value)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The value of a setting, if it was ever stored.
pub async fn get(db: &Db, key: &str) -> Result<Option<String>, crate::error::AppError> {
    let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|r| r.try_get("value")).transpose()?)
}

/// Stores `value` under `key`, in the caller's transaction (with the audit row of the change).
/// A module's settings are named `<module>.<what>`.
pub async fn put(
    tx: &mut crate::db::Conn,
    key: &str,
    value: &str,
) -> Result<(), crate::error::AppError> {
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
