//! Fixed-window rate limits kept in the database (one row per key), so that every app node
//! counts the same attempts. Used for sign-in (per account and per address), registration and
//! password-reset requests.

use crate::db::Db;
use crate::error::AppError;
use chrono::Duration;
use sqlx::Row;

#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max_hits: i64,
    pub window_minutes: i64,
}

pub const LOGIN_PER_ACCOUNT: Limit = Limit {
    max_hits: 5,
    window_minutes: 15,
};
pub const LOGIN_PER_ADDRESS: Limit = Limit {
    max_hits: 30,
    window_minutes: 15,
};
pub const EMAIL_REQUESTS: Limit = Limit {
    max_hits: 5,
    window_minutes: 60,
};

/// Counts one hit for `key` and fails with `TooManyRequests` once the window is full.
pub async fn hit(db: &Db, key: &str, limit: Limit) -> Result<(), AppError> {
    let now = crate::time::now();
    let window_floor = crate::time::to_text(now - Duration::minutes(limit.window_minutes));
    let mut tx = db.begin().await?;
    let row = sqlx::query(
        "INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1)
         ON CONFLICT (key) DO UPDATE SET
            hits = CASE WHEN rate_limits.window_start < $3 THEN 1 ELSE rate_limits.hits + 1 END,
            window_start = CASE WHEN rate_limits.window_start < $3 THEN $2 ELSE rate_limits.window_start END
         RETURNING hits, window_start",
    )
    .bind(key)
    .bind(crate::time::to_text(now))
    .bind(&window_floor)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    let hits: i64 = row.try_get("hits")?;
    if hits > limit.max_hits {
        let start = crate::time::parse(&row.try_get::<String, _>("window_start")?).unwrap_or(now);
        let wait = (start + Duration::minutes(limit.window_minutes) - now).num_minutes() + 1;
        return Err(AppError::TooManyRequests(wait.max(1)));
    }
    Ok(())
}

/// Whether `key` is already over its limit, without counting a hit.
pub async fn is_blocked(db: &Db, key: &str, limit: Limit) -> Result<bool, AppError> {
    let floor = crate::time::to_text(crate::time::now() - Duration::minutes(limit.window_minutes));
    let row = sqlx::query("SELECT hits FROM rate_limits WHERE key = $1 AND window_start >= $2")
        .bind(key)
        .bind(floor)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row
        .map(|r| r.try_get::<i64, _>("hits").unwrap_or(0))
        .unwrap_or(0)
        >= limit.max_hits)
}

pub async fn clear(db: &Db, key: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM rate_limits WHERE key = $1")
        .bind(key)
        .execute(&db.pool)
        .await?;
    Ok(())
}
