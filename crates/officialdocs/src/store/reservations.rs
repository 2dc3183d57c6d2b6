//! Numbers reserved for an issue that waits for the agency's seal from a desk token or a
//! remote provider (`doc_number_reservations`, [`crate::deferred_seal`]).

use sqlx::Row;
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

/// A reserved number, as kept.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Reservation {
    pub id: String,
    pub document_id: String,
    pub agency_id: String,
    pub sequence: String,
    pub year: i64,
    pub number: i64,
    pub code_number: String,
    pub code_notation: String,
    pub issued_date: String,
    pub version: i64,
    pub sha256: String,
    /// `pending`, `used` or `unused`.
    pub state: String,
    pub reason: Option<String>,
    pub session_id: Option<String>,
    pub created_at: String,
    pub ended_at: Option<String>,
}

const COLUMNS: &str = "id, document_id, agency_id, sequence, year, number, code_number, \
    code_notation, issued_date, version, sha256, state, reason, session_id, created_at, ended_at";

fn reservation(r: &sqlx::any::AnyRow) -> Result<Reservation, sqlx::Error> {
    Ok(Reservation {
        id: r.try_get("id")?,
        document_id: r.try_get("document_id")?,
        agency_id: r.try_get("agency_id")?,
        sequence: r.try_get("sequence")?,
        year: r.try_get("year")?,
        number: r.try_get("number")?,
        code_number: r.try_get("code_number")?,
        code_notation: r.try_get("code_notation")?,
        issued_date: r.try_get("issued_date")?,
        version: r.try_get("version")?,
        sha256: r.try_get("sha256")?,
        state: r.try_get("state")?,
        reason: r.try_get("reason")?,
        session_id: r.try_get("session_id")?,
        created_at: r.try_get("created_at")?,
        ended_at: r.try_get("ended_at")?,
    })
}

/// Keeps a new reservation, `pending`, taken by `reserved_by`.
pub async fn insert(tx: &mut Conn, r: &Reservation, reserved_by: &str) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO doc_number_reservations (id, document_id, agency_id, sequence, year, number,
            code_number, code_notation, issued_date, version, sha256, state, reserved_by,
            created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', $12, $13)",
    )
    .bind(&r.id)
    .bind(&r.document_id)
    .bind(&r.agency_id)
    .bind(&r.sequence)
    .bind(r.year)
    .bind(r.number)
    .bind(&r.code_number)
    .bind(&r.code_notation)
    .bind(&r.issued_date)
    .bind(r.version)
    .bind(&r.sha256)
    .bind(reserved_by)
    .bind(&r.created_at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Document `document_id`'s pending reservation, in `tx` (after the document's row lock).
pub async fn pending_in(tx: &mut Conn, document_id: &str) -> Result<Option<Reservation>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM doc_number_reservations WHERE document_id = $1 AND state = 'pending'"
    )))
    .bind(document_id)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(row.as_ref().map(reservation).transpose()?)
}

/// Reservation `id`, in `tx`.
pub async fn by_id_in(tx: &mut Conn, id: &str) -> Result<Option<Reservation>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM doc_number_reservations WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(row.as_ref().map(reservation).transpose()?)
}

/// Document `document_id`'s reservations, newest first (its page and API).
pub async fn of_document(db: &Db, document_id: &str) -> Result<Vec<Reservation>, AppError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM doc_number_reservations WHERE document_id = $1
          ORDER BY created_at DESC, id DESC"
    )))
    .bind(document_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(reservation)
        .collect::<Result<Vec<_>, _>>()?)
}

/// The numbers of agency `agency_id`'s register reserved and never used, for `year`, in order.
pub async fn unused(db: &Db, agency_id: &str, year: i64) -> Result<Vec<Reservation>, AppError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM doc_number_reservations
          WHERE agency_id = $1 AND year = $2 AND state = 'unused'
          ORDER BY sequence, number"
    )))
    .bind(agency_id)
    .bind(year)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(reservation)
        .collect::<Result<Vec<_>, _>>()?)
}

/// Notes the signing session that will bring reservation `id`'s seal.
pub async fn set_session(db: &Db, id: &str, session_id: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE doc_number_reservations SET session_id = $2 WHERE id = $1")
        .bind(id)
        .bind(session_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Ends pending reservation `id` as `used` or `unused` (with `reason`): whether it was pending.
pub async fn end(
    tx: &mut Conn,
    id: &str,
    state: &str,
    reason: Option<&str>,
    now: &str,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE doc_number_reservations SET state = $2, reason = $3, ended_at = $4
          WHERE id = $1 AND state = 'pending'",
    )
    .bind(id)
    .bind(state)
    .bind(reason)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}
