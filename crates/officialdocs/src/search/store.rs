//! The statements of document search: the row a reindex reads, the rows a backfill finds, and
//! saved searches.

use crate::Document;
use crate::store::{SELECT, document};
use serde::Serialize;
use sqlx::Row;
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

/// The document inside the caller's transaction (the reindex sees what the transaction wrote).
pub async fn document_in(tx: &mut Conn, id: &str) -> Result<Option<Document>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE d.id = $1")))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    row.as_ref().map(document).transpose()
}

/// A saved search.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct SavedSearch {
    pub id: String,
    pub name: String,
    /// The search's query string, e.g. `q=quyet+dinh&type=decision`.
    pub query: String,
    pub created_at: String,
}

pub async fn saved(db: &Db, owner_id: &str) -> Result<Vec<SavedSearch>, AppError> {
    let rows = sqlx::query(
        "SELECT id, name, query, created_at FROM saved_searches WHERE owner_id = $1
         ORDER BY created_at, id",
    )
    .bind(owner_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SavedSearch {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                query: r.try_get("query")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

pub async fn count_saved(tx: &mut Conn, owner_id: &str) -> Result<i64, AppError> {
    Ok(
        sqlx::query("SELECT COUNT(*) AS n FROM saved_searches WHERE owner_id = $1")
            .bind(owner_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?,
    )
}

pub async fn insert_saved(tx: &mut Conn, owner_id: &str, s: &SavedSearch) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO saved_searches (id, owner_id, name, query, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&s.id)
    .bind(owner_id)
    .bind(&s.name)
    .bind(&s.query)
    .bind(&s.created_at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Deletes one of the owner's saved searches; whether there was one.
pub async fn delete_saved(tx: &mut Conn, owner_id: &str, id: &str) -> Result<bool, AppError> {
    let done = sqlx::query("DELETE FROM saved_searches WHERE id = $1 AND owner_id = $2")
        .bind(id)
        .bind(owner_id)
        .execute(&mut *tx)
        .await?;
    Ok(done.rows_affected() > 0)
}
