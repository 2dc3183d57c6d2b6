//! Declared values (`ops_declarations`): the live ones a window reads, a scope's record, and
//! the writes of declaring, replacing and withdrawing.

use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

/// One declared value as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Declaration {
    pub id: String,
    pub version: String,
    pub indicator: String,
    pub scope: String,
    pub period: String,
    pub basis: String,
    pub window_from: String,
    pub window_to: String,
    pub value: f64,
    pub note: String,
    pub evidence_document: String,
    pub evidence_label: String,
    pub state: String,
    pub declared_by: String,
    pub declared_at: String,
    pub ended_at: Option<String>,
    pub end_reason: Option<String>,
}

/// A `SELECT` of every column, then `$rest` (static SQL: sqlx takes no built strings).
macro_rules! select {
    ($rest:literal) => {
        concat!(
            "SELECT id, version, indicator, scope, period, basis, window_from, window_to, value, ",
            "note, evidence_document, evidence_label, state, declared_by, declared_at, ended_at, ",
            "end_reason FROM ops_declarations ",
            $rest
        )
    };
}

/// The live values of `version` for `scope` whose window contains `[from, to]`.
pub async fn live_covering(
    tx: &mut Conn,
    version: &str,
    scope: &str,
    from: &str,
    to: &str,
) -> Result<Vec<Declaration>, AppError> {
    let rows = sqlx::query_as(select!(
        "WHERE version = $1 AND scope = $2 AND state = 'declared'
           AND window_from <= $3 AND window_to >= $4"
    ))
    .bind(version)
    .bind(scope)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows)
}

/// Every value declared for `scope`, the newest first (at most `limit`).
pub async fn of_scope(db: &Db, scope: &str, limit: i64) -> Result<Vec<Declaration>, AppError> {
    let rows = sqlx::query_as(select!(
        "WHERE scope = $1
         ORDER BY declared_at DESC, id DESC LIMIT $2"
    ))
    .bind(scope)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows)
}

pub async fn by_id(tx: &mut Conn, id: &str) -> Result<Option<Declaration>, AppError> {
    let row = sqlx::query_as(select!("WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    Ok(row)
}

/// The live value of exactly this (version, indicator, scope, window), if any.
pub async fn live_exact(tx: &mut Conn, d: &Declaration) -> Result<Option<Declaration>, AppError> {
    let row = sqlx::query_as(select!(
        "WHERE version = $1 AND indicator = $2 AND scope = $3 AND window_from = $4
           AND window_to = $5 AND state = 'declared'"
    ))
    .bind(&d.version)
    .bind(&d.indicator)
    .bind(&d.scope)
    .bind(&d.window_from)
    .bind(&d.window_to)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(row)
}

pub async fn insert(tx: &mut Conn, d: &Declaration) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO ops_declarations (id, version, indicator, scope, period, basis, window_from,
            window_to, value, note, evidence_document, evidence_label, state, declared_by,
            declared_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'declared', $13, $14)",
    )
    .bind(&d.id)
    .bind(&d.version)
    .bind(&d.indicator)
    .bind(&d.scope)
    .bind(&d.period)
    .bind(&d.basis)
    .bind(&d.window_from)
    .bind(&d.window_to)
    .bind(d.value)
    .bind(&d.note)
    .bind(&d.evidence_document)
    .bind(&d.evidence_label)
    .bind(&d.declared_by)
    .bind(&d.declared_at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Ends a live value: `replaced` by a newer one, or `withdrawn` with a reason.
pub async fn end(
    tx: &mut Conn,
    id: &str,
    state: &str,
    by: &str,
    at: &str,
    reason: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE ops_declarations SET state = $2, ended_by = $3, ended_at = $4, end_reason = $5
         WHERE id = $1 AND state = 'declared'",
    )
    .bind(id)
    .bind(state)
    .bind(by)
    .bind(at)
    .bind(reason)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
