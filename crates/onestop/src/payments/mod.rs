//! Fees and charges (phí, lệ phí). A payment goes through a provider's redirect and comes back
//! as a signed callback; the callback is checked (signature, amount, reference) and applied
//! once, however many times the provider repeats it.
//!
//! The only provider shipped is the **test gateway** (`test`): it follows VNPAY's protocol
//! (see `signing`) and is served by the platform itself, so every step can be exercised
//! without a merchant contract. A production gateway implements the same two calls against
//! its real host and hash secret.

pub mod http;
pub mod signing;

use crate::dossiers::store as dossiers;
use serde::Serialize;
use sqlx::Row;
use std::collections::BTreeMap;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Change};
use tinhso_kernel::error::AppError;
use tinhso_kernel::events::{EventKind, NewEvent};

pub const TEST_PROVIDER: &str = "test";

/// A payment went through (stream `payment:<id>`); the dossier's `fee_paid` is already raised.
pub const CONFIRMED: EventKind = EventKind::new("payment.confirmed", "payment");
/// The provider reported the payment failed or cancelled.
pub const FAILED: EventKind = EventKind::new("payment.failed", "payment");

#[derive(Debug, Clone, Serialize)]
pub struct Payment {
    pub id: String,
    pub dossier_id: String,
    pub provider: String,
    pub txn_ref: String,
    pub amount_vnd: i64,
    pub status: String,
    pub provider_txn: Option<String>,
    pub created_at: String,
    pub paid_at: Option<String>,
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Payment, AppError> {
    Ok(Payment {
        id: r.try_get("id")?,
        dossier_id: r.try_get("dossier_id")?,
        provider: r.try_get("provider")?,
        txn_ref: r.try_get("txn_ref")?,
        amount_vnd: r.try_get("amount_vnd")?,
        status: r.try_get("status")?,
        provider_txn: r.try_get("provider_txn")?,
        created_at: r.try_get("created_at")?,
        paid_at: r.try_get("paid_at")?,
    })
}

pub async fn of_dossier(state: &Ctx, dossier_id: &str) -> Result<Vec<Payment>, AppError> {
    let rows = sqlx::query("SELECT * FROM payments WHERE dossier_id = $1 ORDER BY created_at")
        .bind(dossier_id)
        .fetch_all(&state.db.pool)
        .await?;
    rows.iter().map(from_row).collect()
}

/// The test gateway's hash secret: derived from the server secret, so every node agrees.
pub fn test_secret(state: &Ctx) -> Vec<u8> {
    use hmac::{KeyInit, Mac};
    let mut mac =
        hmac::Hmac::<sha2::Sha256>::new_from_slice(&state.secret).expect("HMAC takes any key");
    mac.update(b"payments:test-gateway");
    mac.finalize().into_bytes().to_vec()
}

/// Starts paying what is still due on a dossier; returns the provider's checkout URL.
pub async fn start(
    state: &Ctx,
    applicant_id: &str,
    dossier_id: &str,
    ip: &str,
) -> Result<String, AppError> {
    let d = dossiers::by_id(&state.db, dossier_id)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::dossiers::policy::DossierPolicy::paying(applicant_id, &d)?;
    let due = d.fee_due - d.fee_paid;
    let id = uuid::Uuid::now_v7().to_string();
    let txn_ref = id.replace('-', "");
    sqlx::query(
        "INSERT INTO payments (id, dossier_id, provider, txn_ref, amount_vnd, status, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6)",
    )
    .bind(&id)
    .bind(&d.id)
    .bind(TEST_PROVIDER)
    .bind(&txn_ref)
    .bind(due)
    .bind(tinhso_kernel::time::now_text())
    .execute(&state.db.pool)
    .await?;
    let base = state.config.public_url.trim_end_matches('/');
    let params: BTreeMap<String, String> = [
        ("vnp_Version", "2.1.0".to_owned()),
        ("vnp_Command", "pay".to_owned()),
        ("vnp_TmnCode", "TINHSO01".to_owned()),
        ("vnp_Amount", (due * 100).to_string()),
        ("vnp_CurrCode", "VND".to_owned()),
        ("vnp_TxnRef", txn_ref),
        (
            "vnp_OrderInfo",
            format!(
                "Thanh toan phi ho so {}",
                d.code.clone().unwrap_or_default()
            ),
        ),
        ("vnp_OrderType", "billpayment".to_owned()),
        ("vnp_Locale", "vn".to_owned()),
        ("vnp_ReturnUrl", format!("{base}/payments/return")),
        ("vnp_IpAddr", ip.to_owned()),
        (
            "vnp_CreateDate",
            (tinhso_kernel::time::now() + chrono::Duration::hours(7))
                .format("%Y%m%d%H%M%S")
                .to_string(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    Ok(format!(
        "/payments/test-gateway?{}",
        signing::signed_query(params, &test_secret(state))
    ))
}

/// The answer to a provider's callback, in the provider's own codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Confirmation {
    /// 00: applied now.
    Confirmed,
    /// 02: already applied before (a repeated callback).
    AlreadyConfirmed,
    /// 00 with a failed payment recorded (the citizen cancelled or the bank refused).
    Failed,
    /// 01: no such payment.
    UnknownOrder,
    /// 04: the amount differs from what was asked.
    WrongAmount,
    /// 97: the signature does not verify.
    BadSignature,
}

impl Confirmation {
    pub fn code(self) -> &'static str {
        match self {
            Confirmation::Confirmed | Confirmation::Failed => "00",
            Confirmation::AlreadyConfirmed => "02",
            Confirmation::UnknownOrder => "01",
            Confirmation::WrongAmount => "04",
            Confirmation::BadSignature => "97",
        }
    }
}

/// Checks and applies a callback. Idempotent: the payment row is locked and its status
/// decides, so a callback repeated (or raced by the return page) counts once.
pub async fn confirm(
    state: &Ctx,
    params: &BTreeMap<String, String>,
) -> Result<(Confirmation, Option<String>), AppError> {
    if !signing::verify(params, &test_secret(state)) {
        return Ok((Confirmation::BadSignature, None));
    }
    let txn_ref = params.get("vnp_TxnRef").cloned().unwrap_or_default();
    let db = &state.db;
    let mut tx = db.begin().await?;
    let lock = db.lock_rows("payments");
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT * FROM payments WHERE txn_ref = $1{lock}"
    )))
    .bind(&txn_ref)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(payment) = row.as_ref().map(from_row).transpose()? else {
        return Ok((Confirmation::UnknownOrder, None));
    };
    let amount: Option<i64> = params.get("vnp_Amount").and_then(|a| a.parse().ok());
    if amount != Some(payment.amount_vnd * 100) {
        return Ok((Confirmation::WrongAmount, Some(payment.dossier_id)));
    }
    if payment.status != "pending" {
        return Ok((Confirmation::AlreadyConfirmed, Some(payment.dossier_id)));
    }
    let success = params.get("vnp_ResponseCode").map(String::as_str) == Some("00")
        && params.get("vnp_TransactionStatus").map(String::as_str) == Some("00");
    let status = if success { "paid" } else { "failed" };
    sqlx::query("UPDATE payments SET status = $2, provider_txn = $3, paid_at = $4 WHERE id = $1")
        .bind(&payment.id)
        .bind(status)
        .bind(params.get("vnp_TransactionNo"))
        .bind(success.then(tinhso_kernel::time::now_text))
        .execute(&mut *tx)
        .await?;
    if success {
        dossiers::add_paid(&mut tx, &payment.dossier_id, payment.amount_vnd).await?;
    }
    let actor = audit::Actor {
        label: format!("payment:{}", payment.provider),
        ip: String::new(),
    };
    audit::record(
        db,
        &mut tx,
        &actor,
        Change {
            action: if success { "payment.paid" } else { "payment.failed" },
            entity_type: "dossier",
            entity_id: &payment.dossier_id,
            before: serde_json::json!({ "status": payment.status }),
            after: serde_json::json!({ "status": status, "amount_vnd": payment.amount_vnd, "txn_ref": payment.txn_ref }),
        },
    )
    .await?;
    tinhso_kernel::events::emit(
        state,
        &mut tx,
        NewEvent {
            kind: if success { &CONFIRMED } else { &FAILED },
            aggregate_id: &payment.id,
            payload: serde_json::json!({
                "payment_id": payment.id, "dossier_id": payment.dossier_id,
                "amount_vnd": payment.amount_vnd, "provider": payment.provider,
                "txn_ref": payment.txn_ref,
            }),
            actor: &actor,
        },
    )
    .await?;
    tx.commit().await?;
    tinhso_kernel::events::committed(state);
    Ok((
        if success {
            Confirmation::Confirmed
        } else {
            Confirmation::Failed
        },
        Some(payment.dossier_id),
    ))
}
