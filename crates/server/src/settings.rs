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
