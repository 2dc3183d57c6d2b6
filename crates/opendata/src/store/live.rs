//! The statements of the platform's own datasets (`crate::live`): the registry
//! `opendata_live`, its claims, and the dataset rows made for them.

use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

/// A declared dataset's copy in the portal.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Live {
    pub name: String,
    pub dataset_id: String,
    pub csv_resource_id: String,
    pub json_resource_id: String,
    pub stale_since: Option<String>,
    pub checked_at: Option<String>,
}

pub async fn all(db: &Db) -> Result<Vec<Live>, AppError> {
    Ok(sqlx::query_as(
        "SELECT name, dataset_id, csv_resource_id, json_resource_id, stale_since, checked_at
         FROM opendata_live ORDER BY name",
    )
    .fetch_all(&db.pool)
    .await?)
}

/// Whether the declared dataset `name` has its copy already.
pub async fn exists(conn: &mut Conn, name: &str) -> Result<bool, AppError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM opendata_live WHERE name = $1")
        .bind(name)
        .fetch_one(&mut *conn)
        .await?;
    Ok(n > 0)
}

pub struct NewLive<'a> {
    pub name: &'a str,
    pub dataset_id: &'a str,
    pub csv_resource_id: &'a str,
    pub json_resource_id: &'a str,
    pub now: &'a str,
}

/// Registers a copy; `false` when another node registered it first (nothing written then).
pub async fn insert(tx: &mut Conn, l: &NewLive<'_>) -> Result<bool, AppError> {
    let done = sqlx::query(
        "INSERT INTO opendata_live (name, dataset_id, csv_resource_id, json_resource_id,
            created_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(l.name)
    .bind(l.dataset_id)
    .bind(l.csv_resource_id)
    .bind(l.json_resource_id)
    .bind(l.now)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks the copies of `names` stale as of `now` (in the event's delivery transaction).
pub async fn mark_stale(tx: &mut Conn, names: &[&str], now: &str) -> Result<(), AppError> {
    for name in names {
        sqlx::query("UPDATE opendata_live SET stale_since = $2 WHERE name = $1")
            .bind(*name)
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Claims `name` for this node until `until` if it is due (stale, never checked, or last
/// checked before `checked_before`), its dataset is published (one taken down is not
/// refreshed) and no other node holds it: `true` when this node got it.
pub async fn claim(
    db: &Db,
    name: &str,
    now: &str,
    until: &str,
    checked_before: &str,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE opendata_live SET claimed_until = $3
         WHERE name = $1 AND (claimed_until IS NULL OR claimed_until < $2)
           AND (stale_since IS NOT NULL OR checked_at IS NULL OR checked_at < $4)
           AND EXISTS (SELECT 1 FROM opendata_datasets d
                       WHERE d.id = opendata_live.dataset_id AND d.state = 'published')",
    )
    .bind(name)
    .bind(now)
    .bind(until)
    .bind(checked_before)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends a claim: checked at `started` (when the rows were read); stale no more unless an event
/// came after that.
pub async fn checked(conn: &mut Conn, name: &str, started: &str) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE opendata_live SET claimed_until = NULL, checked_at = $2,
            stale_since = CASE WHEN stale_since <= $2 THEN NULL ELSE stale_since END
         WHERE name = $1",
    )
    .bind(name)
    .bind(started)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Ends a claim that failed: tried again at the next sweep.
pub async fn release(db: &Db, name: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE opendata_live SET claimed_until = NULL WHERE name = $1")
        .bind(name)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The SHA-256 of a resource's current version, if it has one.
pub async fn current_sha256(db: &Db, resource_id: &str) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT v.sha256 FROM opendata_versions v
         JOIN opendata_resources r ON r.id = v.resource_id AND v.n = r.current_version
         WHERE r.id = $1",
    )
    .bind(resource_id)
    .fetch_optional(&db.pool)
    .await?)
}

/// The publishing agency: by code, or the directory's first top-level agency; its id, code,
/// name and email.
pub async fn publisher(
    db: &Db,
    code: Option<&str>,
) -> Result<Option<(String, String, String, Option<String>)>, AppError> {
    let q = match code {
        Some(code) => sqlx::query_as("SELECT id, code, name, email FROM agencies WHERE code = $1")
            .bind(code.to_owned()),
        None => sqlx::query_as(
            "SELECT id, code, name, email FROM agencies WHERE parent_id IS NULL ORDER BY code LIMIT 1",
        ),
    };
    Ok(q.fetch_optional(&db.pool).await?)
}

/// A dataset of the platform: published at once (no approval: the platform publishes its own
/// registers and aggregates), with nothing to review.
pub struct NewPublished<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub agency_id: &'a str,
    pub metadata: &'a str,
    pub created_by: &'a str,
    pub now: &'a str,
}

pub async fn insert_published(tx: &mut Conn, d: &NewPublished<'_>) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO opendata_datasets (id, name, agency_id, state, revision_state, metadata,
            published_metadata, issued_at, modified_at, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, 'published', NULL, $4, $4, $6, $6, $5, $6, $6)",
    )
    .bind(d.id)
    .bind(d.name)
    .bind(d.agency_id)
    .bind(d.metadata)
    .bind(d.created_by)
    .bind(d.now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A new version of the copy is what the public sees: `modified_at` moves.
pub async fn touch(tx: &mut Conn, dataset_id: &str, now: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE opendata_datasets SET modified_at = $2, updated_at = $2 WHERE id = $1")
        .bind(dataset_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Makes a taken-down platform dataset public again; `false` when it was not taken down.
pub async fn republish(tx: &mut Conn, dataset_id: &str, now: &str) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE opendata_datasets SET state = 'published', unpublish_reason = NULL,
            modified_at = $2, updated_at = $2
         WHERE id = $1 AND state = 'unpublished'
           AND EXISTS (SELECT 1 FROM opendata_live l WHERE l.dataset_id = opendata_datasets.id)",
    )
    .bind(dataset_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks the copy behind portal dataset `dataset_id` stale as of `now`.
pub async fn mark_dataset_stale(
    tx: &mut Conn,
    dataset_id: &str,
    now: &str,
) -> Result<(), AppError> {
    sqlx::query("UPDATE opendata_live SET stale_since = $2 WHERE dataset_id = $1")
        .bind(dataset_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    Ok(())
}
