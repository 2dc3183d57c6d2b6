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
        match delivery.as_str() {
            "sent" => {
                let Some(peer) = super::peer_for(state, &organ_id) else {
                    tracing::warn!(
                        recipient_id,
                        organ_id,
                        "no peer serves the recipient any more: recall not sent"
                    );
                    continue;
                };
                let (Some(number), Some(notation), Some(date)) = (
                    d.code_number.as_deref(),
                    d.code_notation.as_deref(),
                    d.issued_date.as_deref(),
                ) else {
                    continue;
                };
                store::mark_recall(tx, &recipient_id, "requested", "sent", now).await?;
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
                touched.push(json!({ "recipient": recipient_id, "organ_id": organ_id, "recall": "requested" }));
            }
            // Never delivered: nothing to withdraw over there, so it is not sent at all.
            "queued" | "failed" => {
                store::mark_recall(tx, &recipient_id, "withdrawn", "cancelled", now).await?;
                touched.push(json!({ "recipient": recipient_id, "organ_id": organ_id, "recall": "withdrawn" }));
            }
            _ => {}
        }
    }
    Ok(touched)
}
