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
pub mod store;

use crate::dossiers::store as dossiers;
use serde::Serialize;
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

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
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

pub async fn of_dossier(state: &Ctx, dossier_id: &str) -> Result<Vec<Payment>, AppError> {
    store::of_dossier(&state.db, dossier_id).await
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
    let payment = store::NewPayment {
        id: &id,
        dossier_id: &d.id,
        provider: TEST_PROVIDER,
        txn_ref: &txn_ref,
        amount_vnd: due,
        created_at: &tinhso_kernel::time::now_text(),
    };
    store::insert_pending(&state.db, &payment).await?;
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
                d.code.map(|c| c.to_string()).unwrap_or_default()
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
    let Some(payment) = store::by_txn_ref_for_update(db, &mut tx, &txn_ref).await? else {
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
    let provider_txn = params.get("vnp_TransactionNo");
    let paid_at = success.then(tinhso_kernel::time::now_text);
    store::settle(&mut tx, &payment.id, status, provider_txn, paid_at).await?;
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
