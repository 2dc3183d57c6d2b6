//! Storage of payments. Every write runs in the caller's transaction or pool; `payments`
//! decides what to write.

use super::Payment;
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

const COLUMNS: &str =
    "id, dossier_id, provider, txn_ref, amount_vnd, status, provider_txn, created_at, paid_at";

/// A dossier's payments, oldest first.
pub async fn of_dossier(db: &Db, dossier_id: &str) -> Result<Vec<Payment>, AppError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM payments WHERE dossier_id = $1 ORDER BY created_at"
    )))
    .bind(dossier_id)
    .fetch_all(&db.pool)
    .await?)
}

/// A new pending payment.
pub struct NewPayment<'a> {
    pub id: &'a str,
    pub dossier_id: &'a str,
    pub provider: &'a str,
    pub txn_ref: &'a str,
    pub amount_vnd: i64,
    pub created_at: &'a str,
}

pub async fn insert_pending(db: &Db, p: &NewPayment<'_>) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO payments (id, dossier_id, provider, txn_ref, amount_vnd, status, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6)",
    )
    .bind(p.id)
    .bind(p.dossier_id)
    .bind(p.provider)
    .bind(p.txn_ref)
    .bind(p.amount_vnd)
    .bind(p.created_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The payment with the provider's reference `txn_ref`, locked until the transaction ends.
pub async fn by_txn_ref_for_update(
    db: &Db,
    tx: &mut Conn,
    txn_ref: &str,
) -> Result<Option<Payment>, AppError> {
    let lock = db.lock_rows("payments");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM payments WHERE txn_ref = $1{lock}"
    )))
    .bind(txn_ref)
    .fetch_optional(&mut *tx)
    .await?)
}

/// Records how the provider settled a payment.
pub async fn settle(
    tx: &mut Conn,
    id: &str,
    status: &str,
    provider_txn: Option<&String>,
    paid_at: Option<String>,
) -> Result<(), AppError> {
    sqlx::query("UPDATE payments SET status = $2, provider_txn = $3, paid_at = $4 WHERE id = $1")
        .bind(id)
        .bind(status)
        .bind(provider_txn)
        .bind(paid_at)
        .execute(&mut *tx)
        .await?;
    Ok(())
}
