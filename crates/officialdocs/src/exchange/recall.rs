//! The sender's side of a recall across platforms (thu hồi, QCVN 102 status 13): when an
//! issued document is recalled (the outgoing `recall` action, its clerk or signer, audited
//! there), each recipient it reached through the exchange is asked to withdraw its copy with a
//! status 13, queued in the recall's transaction; one still waiting to be sent is simply not
//! sent. The receiver answers 15 (withdrawn) or 16 (refused, with why), which
//! [`super::receive`] records on the recipient row.

use super::deliver::{self, Delivery};
use super::store;
use crate::Document;
use serde_json::{Value, json};
use tinhso_kernel::Ctx;
use tinhso_kernel::db::Conn;
use tinhso_kernel::error::AppError;

/// Asks every exchange recipient of recalled document `d` to withdraw it: the recipients
/// touched, for the recall's audit row.
pub async fn request(
    state: &Ctx,
    tx: &mut Conn,
    d: &Document,
    now: &str,
) -> Result<Vec<Value>, AppError> {
    let mut touched = Vec::new();
    for (recipient_id, organ_id, document_id, delivery) in
        store::exchanged_recipients(tx, &d.id).await?
    {
        let asked = match delivery.as_str() {
            "sent" => ask(state, tx, d, &recipient_id, &organ_id, document_id, now).await?,
            // Never delivered: nothing to withdraw over there, so it is not sent at all —
            // unless the delivery job recorded it delivered since we read it.
            "queued" | "failed" => {
                if store::mark_recall_withdrawn(tx, &recipient_id, now).await? {
                    touched.push(json!({ "recipient": recipient_id, "organ_id": organ_id, "recall": "withdrawn" }));
                    continue;
                }
                ask(state, tx, d, &recipient_id, &organ_id, document_id, now).await?
            }
            _ => false,
        };
        if asked {
            touched.push(
                json!({ "recipient": recipient_id, "organ_id": organ_id, "recall": "requested" }),
            );
        }
    }
    Ok(touched)
}

/// Asks recipient `recipient_id` (agency `organ_id`), which the package `document_id` of `d`
/// reached, to withdraw it: status 13 queued, the row `requested`. False when no peer serves
/// it any more (logged) or `d` has no number.
async fn ask(
    state: &Ctx,
    tx: &mut Conn,
    d: &Document,
    recipient_id: &str,
    organ_id: &str,
    document_id: String,
    now: &str,
) -> Result<bool, AppError> {
    let Some(peer) = super::peer_for(state, organ_id) else {
        tracing::warn!(
            recipient_id,
            organ_id,
            "no peer serves the recipient any more: recall not sent"
        );
        return Ok(false);
    };
    let (Some(number), Some(notation), Some(date)) = (
        d.code_number.as_deref(),
        d.code_notation.as_deref(),
        d.issued_date.as_deref(),
    ) else {
        return Ok(false);
    };
    store::mark_recall_requested(tx, recipient_id, now).await?;
    deliver::enqueue(
        tx,
        &Delivery::Status {
            peer: peer.id,
            from_organ_id: d.organ_id.clone(),
            from_name: d.organ_name.clone(),
            sender_organ_id: d.organ_id.clone(),
            code: format!("{number}/{notation}"),
            promulgation_date: date.replace('-', "/"),
            document_id,
            status_code: "13".into(),
            description: Some("Đề nghị thu hồi văn bản.".into()),
            timestamp: Some(deliver::timestamp_now()),
        },
    )
    .await?;
    Ok(true)
}

/// The package to recipient `to` was accepted by its peer after the recall had marked it
/// never sent (`withdrawn`, delivery `cancelled`: the recall came while it was on its way), in
/// the delivery's transaction: the copy over there is live, so it is asked back like any
/// delivered one (13, `requested`) and the delivery recorded `sent`, audited
/// `document.exchange_send`. Whether it was asked.
pub async fn reached_after_recall(
    state: &Ctx,
    tx: &mut Conn,
    to: &store::Outgoing,
    now: &str,
) -> Result<bool, AppError> {
    let Some(d) = crate::store::by_id(&state.db, &to.document_id).await? else {
        return Ok(false);
    };
    let Some(document_id) = to.exchange_document_id.clone() else {
        return Ok(false);
    };
    let asked = ask(
        state,
        tx,
        &d,
        &to.recipient_id,
        &to.organ_id,
        document_id,
        now,
    )
    .await?;
    tinhso_kernel::audit::record(
        &state.db,
        tx,
        &tinhso_kernel::audit::Actor::system(),
        tinhso_kernel::audit::Change {
            action: "document.exchange_send",
            entity_type: "document_recipient",
            entity_id: &to.recipient_id,
            before: json!({ "state": "cancelled", "recall": "withdrawn" }),
            after: json!({
                "state": if asked { "sent" } else { "cancelled" },
                "recall": if asked { "requested" } else { "withdrawn" },
                "detail": "delivered while the recall was being made",
            }),
        },
    )
    .await?;
    Ok(asked)
}
