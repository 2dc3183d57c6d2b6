//! The SQL of notifications: inbox rows and preferences. The same text runs on both databases.

use super::{Channels, Notice};
use crate::db::{Conn, Db};
use crate::error::AppError;
use serde::Serialize;
use sqlx::Row;
use std::collections::HashMap;

/// One notice in a person's inbox.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InboxItem {
    pub id: String,
    /// The topic's key, e.g. `dossier.status`.
    pub topic: String,
    pub subject: String,
    pub body: String,
    /// The page the notice is about: a path on this site.
    pub link: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; absent while unread.
    pub read_at: Option<String>,
}

const ITEM_COLUMNS: &str = "id, topic, subject, body, link, created_at, read_at";

fn item_from(r: &sqlx::any::AnyRow) -> Result<InboxItem, sqlx::Error> {
    Ok(InboxItem {
        id: r.try_get("id")?,
        topic: r.try_get("topic")?,
        subject: r.try_get("subject")?,
        body: r.try_get("body")?,
        link: r.try_get("link")?,
        created_at: r.try_get("created_at")?,
        read_at: r.try_get("read_at")?,
    })
}

/// The active account that has `address`, if any (accounts keep their address in lower case).
pub async fn account_of(tx: &mut Conn, address: &str) -> Result<Option<String>, AppError> {
    let row = sqlx::query("SELECT id FROM users WHERE email = $1 AND disabled = 0")
        .bind(address.to_lowercase())
        .fetch_optional(&mut *tx)
        .await?;
    Ok(row.map(|r| r.try_get("id")).transpose()?)
}

fn channels_from(r: &sqlx::any::AnyRow) -> Result<Channels, sqlx::Error> {
    Ok(Channels {
        email: r.try_get::<i64, _>("email")? != 0,
        inbox: r.try_get::<i64, _>("inbox")? != 0,
    })
}

pub async fn stored_channels(
    tx: &mut Conn,
    user_id: &str,
    topic: &str,
) -> Result<Option<Channels>, AppError> {
    let row = sqlx::query(
        "SELECT email, inbox FROM notification_prefs WHERE user_id = $1 AND topic = $2",
    )
    .bind(user_id)
    .bind(topic)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(row.as_ref().map(channels_from).transpose()?)
}

pub async fn all_channels(db: &Db, user_id: &str) -> Result<HashMap<String, Channels>, AppError> {
    let rows = sqlx::query("SELECT topic, email, inbox FROM notification_prefs WHERE user_id = $1")
        .bind(user_id)
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("topic")?, channels_from(r)?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

pub async fn save_channels(
    tx: &mut Conn,
    user_id: &str,
    topic: &str,
    c: Channels,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO notification_prefs (user_id, topic, email, inbox, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id, topic) DO UPDATE SET email = excluded.email, inbox = excluded.inbox, updated_at = excluded.updated_at",
    )
    .bind(user_id)
    .bind(topic)
    .bind(i64::from(c.email))
    .bind(i64::from(c.inbox))
    .bind(crate::time::now_text())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Stores the notice in the user's inbox; `false` when it is there already (same dedupe key).
pub async fn insert_item(tx: &mut Conn, user_id: &str, n: &Notice<'_>) -> Result<bool, AppError> {
    let done = sqlx::query(
        "INSERT INTO inbox_items (id, user_id, topic, subject, body, link, dedupe_key, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (user_id, dedupe_key) DO NOTHING",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(user_id)
    .bind(n.topic.key)
    .bind(&n.subject)
    .bind(&n.body)
    .bind(n.link.as_deref())
    .bind(n.dedupe_key)
    .bind(crate::time::now_text())
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn unread(db: &Db, user_id: &str) -> Result<i64, AppError> {
    let row =
        sqlx::query("SELECT COUNT(*) AS n FROM inbox_items WHERE user_id = $1 AND read_at IS NULL")
            .bind(user_id)
            .fetch_one(&db.pool)
            .await?;
    Ok(row.try_get("n")?)
}

pub async fn items(
    db: &Db,
    user_id: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<InboxItem>, AppError> {
    let sql = format!(
        "SELECT {ITEM_COLUMNS} FROM inbox_items WHERE user_id = $1
         ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().map(item_from).collect::<Result<_, _>>()?)
}

pub async fn item(db: &Db, user_id: &str, id: &str) -> Result<Option<InboxItem>, AppError> {
    let sql = format!("SELECT {ITEM_COLUMNS} FROM inbox_items WHERE id = $1 AND user_id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(item_from).transpose()?)
}

/// Marks the item read (keeping the first reading's time); `None` when it is not the user's.
pub async fn mark_read(db: &Db, user_id: &str, id: &str) -> Result<Option<InboxItem>, AppError> {
    sqlx::query(
        "UPDATE inbox_items SET read_at = $3 WHERE id = $1 AND user_id = $2 AND read_at IS NULL",
    )
    .bind(id)
    .bind(user_id)
    .bind(crate::time::now_text())
    .execute(&db.pool)
    .await?;
    item(db, user_id, id).await
}

pub async fn mark_all_read(db: &Db, user_id: &str) -> Result<u64, AppError> {
    let done =
        sqlx::query("UPDATE inbox_items SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL")
            .bind(user_id)
            .bind(crate::time::now_text())
            .execute(&db.pool)
            .await?;
    Ok(done.rows_affected())
}
