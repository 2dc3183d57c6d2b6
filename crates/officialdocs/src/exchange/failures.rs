//! "Gửi thất bại": a package the peer has not accepted within `exchange.fail_after_hours`
//! (72 by default) of its first attempt is marked failed by a sweep every node runs, and the
//! issuing agency's document clerks are told (inbox and email, like the other notices); the
//! document page then offers "Gửi lại", which queues a new attempt with a new window. A
//! delivery the peer refused for good (a 4xx) is failed at once and told the same way.

use super::deliver::{self, Delivery};
use super::store;
use serde_json::json;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::db::Conn;
use tinhso_kernel::error::AppError;
use tinhso_kernel::notify::{self, Audience, Notice, Recipient, Topic};

/// A document my agency sent through the exchange could not be delivered. Clerks cannot turn it
/// off: the recipient has not got the document.
pub const FAILURES: Topic = Topic {
    key: "documents.exchange_failures",
    label_key: "topic_documents_exchange_failures",
    email_default: true,
    inbox_default: true,
    mandatory: true,
    audience: Audience::Officials,
};

/// Marks failed the deliveries still unaccepted after the window, as of `now` (a parameter so
/// tests can move the clock). Each is claimed by a conditional update, so nodes sweeping at
/// once fail and tell it once. Returns how many failed.
pub async fn sweep(state: &Ctx, now: chrono::DateTime<chrono::Utc>) -> Result<usize, AppError> {
    let hours = state.config.exchange.fail_after_hours;
    let cutoff = tinhso_kernel::time::to_text(now - chrono::Duration::hours(i64::from(hours)));
    let detail = format!("Gửi thất bại: nơi nhận chưa xác nhận sau {hours} giờ kể từ lần gửi đầu.");
    let now_text = tinhso_kernel::time::to_text(now);
    let mut failed = 0;
    for s in store::stale_deliveries(&state.db, &cutoff).await? {
        // The query's cutoff decides; the rule is checked again on the row as read.
        let queued = chrono::DateTime::parse_from_rfc3339(&s.exchange_queued_at)
            .map(|t| t.with_timezone(&chrono::Utc));
        if queued.is_ok_and(|q| !super::delivery_overdue(q, now, hours)) {
            continue;
        }
        let mut tx = state.db.begin().await?;
        if !store::claim_failed(&mut tx, &s.recipient_id, &detail, &now_text).await? {
            continue; // sent meanwhile, or another node failed it
        }
        record_failure(state, &mut tx, &s.recipient_id, &s.document_id, &detail).await?;
        tx.commit().await?;
        failed += 1;
    }
    Ok(failed)
}

/// The audit row of a failed delivery and the notice to the issuing agency's clerks, in `tx`.
pub async fn record_failure(
    state: &Ctx,
    tx: &mut Conn,
    recipient_id: &str,
    document_id: &str,
    detail: &str,
) -> Result<(), AppError> {
    audit::record(
        &state.db,
        tx,
        &Actor::system(),
        Change {
            action: "document.exchange_send",
            entity_type: "document_recipient",
            entity_id: recipient_id,
            before: json!(null),
            after: json!({ "state": "failed", "detail": detail }),
        },
    )
    .await?;
    let Some(d) = crate::store::by_id(&state.db, document_id).await? else {
        return Ok(());
    };
    let name = crate::store::recipients_in(tx, document_id)
        .await?
        .into_iter()
        .find(|r| r.id == recipient_id)
        .map(|r| r.name)
        .unwrap_or_default();
    let to: Vec<Recipient> = store::clerks_of(tx, &d.agency_id)
        .await?
        .into_iter()
        .map(|(id, email)| Recipient::user(&id, email))
        .collect();
    let number = match (&d.code_number, &d.code_notation) {
        (Some(n), Some(x)) => format!("{n}/{x}"),
        _ => String::new(),
    };
    let body = format!(
        "Văn bản {number} “{}” gửi liên thông đến {name} không gửi được. {detail} Mở văn bản để gửi lại.",
        d.subject
    );
    let link = format!("/office/documents/{}", d.id);
    let key = format!(
        "exchange_failed:{recipient_id}:{}",
        tinhso_kernel::time::now_text()
    );
    let notice = Notice {
        topic: &FAILURES,
        subject: format!("Gửi liên thông thất bại: văn bản {number}"),
        email_body: format!(
            "{body}\n\n{}{link}\n",
            state.config.public_url.trim_end_matches('/')
        ),
        body,
        link: Some(link),
        dedupe_key: &key,
    };
    notify::send(state, tx, &to, &notice).await?;
    Ok(())
}

/// Who may send a failed delivery again: a document clerk of the agency that issued `d`.
pub fn may_resend(user: &tinhso_kernel::auth::User, d: &crate::Document) -> bool {
    d.direction == crate::Direction::Out
        && user.is_official()
        && user.agency_id.as_deref() == Some(d.agency_id.as_str())
        && user.has_role(tinhso_kernel::auth::Role::DocumentClerk)
}

/// "Gửi lại": the clerk queues a failed delivery again (checked by the caller: the issuing
/// agency's document clerk). Conflict when it is not failed any more.
pub async fn resend(
    state: &Ctx,
    actor: &Actor,
    document_id: &str,
    recipient_id: &str,
) -> Result<(), AppError> {
    let now = tinhso_kernel::time::now_text();
    let mut tx = state.db.begin().await?;
    let Some(to) = store::outgoing(&state.db, recipient_id).await? else {
        return Err(AppError::NotFound);
    };
    if to.document_id != document_id {
        return Err(AppError::NotFound);
    }
    if !store::requeue(&mut tx, recipient_id, &now).await? {
        return Err(AppError::Conflict(
            "Chỉ gửi lại được văn bản gửi liên thông thất bại (chưa thu hồi).".into(),
        ));
    }
    deliver::enqueue(
        &mut tx,
        &Delivery::Package {
            recipient_id: recipient_id.to_owned(),
        },
    )
    .await?;
    audit::record(
        &state.db,
        &mut tx,
        actor,
        Change {
            action: "document.exchange_resend",
            entity_type: "document",
            entity_id: document_id,
            before: json!({ "recipient": recipient_id, "state": "failed" }),
            after: json!({ "recipient": recipient_id, "state": "queued" }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
