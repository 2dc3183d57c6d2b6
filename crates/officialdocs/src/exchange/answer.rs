//! The receiver's side of a recall across platforms: a recall (13) received for a copy we
//! registered from the exchange waits as a request for the receiving agency's document clerk
//! (văn thư), shown on the copy's page and in the incoming register. The clerk accepts it (the
//! copy is withdrawn, its units stop, 15 goes back) or refuses it with a reason (16 with that
//! reason). Answering again with the same decision changes nothing; the other decision, once
//! one is given, is refused. A copy already withdrawn or returned is answered at once by
//! [`super::receive`] (15, or 16 with why); a copy returned while its request waits settles
//! the request the same way ([`settle_on_move`]): it is `closed`, and can no longer be
//! accepted or refused.

use super::store::{self, RecallRequest};
use crate::service::Who;
use serde_json::json;
use tinhso_domain::official_doc::incoming::IncomingState;
use tinhso_domain::official_doc::incoming::{self, IncomingAction, IncomingRole};
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Change};
use tinhso_kernel::db::Conn;
use tinhso_kernel::error::AppError;
use tinhso_kernel::notify::{self, Audience, Notice, Recipient, Topic};

/// A platform asks my agency to withdraw a document it sent: the clerk must answer, so it
/// cannot be turned off.
pub const RECALL_REQUESTS: Topic = Topic {
    key: "documents.exchange_recall_requests",
    label_key: "topic_documents_exchange_recall_requests",
    email_default: true,
    inbox_default: true,
    mandatory: true,
    audience: Audience::Officials,
};

/// Tells the document clerks of the agency holding copy `d` that its sender asks for it back
/// (inbox and email), in the caller's transaction.
pub async fn tell_clerks(
    state: &Ctx,
    tx: &mut Conn,
    d: &crate::Document,
    description: Option<&str>,
) -> Result<(), AppError> {
    let to: Vec<Recipient> = store::clerks_of(tx, &d.agency_id)
        .await?
        .into_iter()
        .map(|(id, email)| Recipient::user(&id, email))
        .collect();
    let number = match (&d.code_number, &d.code_notation) {
        (Some(n), Some(x)) => format!("{n}/{x}"),
        _ => String::new(),
    };
    let mut body = format!(
        "{} đề nghị thu hồi văn bản {number} “{}”. Mở văn bản để đồng ý hoặc không đồng ý thu hồi.",
        d.organ_name, d.subject
    );
    if let Some(description) = description.filter(|t| !t.trim().is_empty()) {
        body.push_str(&format!(" Nội dung đề nghị: {description}"));
    }
    let link = format!("/office/documents/{}", d.id);
    let key = format!("exchange_recall_request:{}", d.id);
    let notice = Notice {
        topic: &RECALL_REQUESTS,
        subject: format!("Đề nghị thu hồi văn bản {number}"),
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

/// The longest reason for a refusal (the limit of the flow's other notes).
const MAX_REASON_CHARS: usize = 2000;

/// What the clerk decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Accept,
    /// With the reason sent back as the description of status 16.
    Refuse(String),
}

impl Decision {
    fn state(&self) -> &'static str {
        match self {
            Decision::Accept => "accepted",
            Decision::Refuse(_) => "refused",
        }
    }
}

/// A refusal's reason as typed: required, at most 2000 characters.
pub fn reason_text(reason: &str) -> Result<String, AppError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::validation(
            "Reason",
            "Hãy nêu lý do không đồng ý thu hồi: lý do được gửi lại cơ quan đề nghị.",
        ));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(AppError::validation(
            "Reason",
            "Lý do dài tối đa 2000 ký tự.",
        ));
    }
    Ok(reason.to_owned())
}

/// Whether `who` answers recall requests on incoming copy `d`: a document clerk of the agency
/// holding it.
pub fn may_answer(user: &tinhso_kernel::auth::User, d: &crate::Document) -> bool {
    crate::policy::incoming_roles(user, d, crate::policy::Involvement::default())
        .contains(&IncomingRole::Clerk)
}

/// The clerk's answer to the recall request on incoming copy `id`: the request as it stands
/// after. 404 without a request, 403 for anyone but the agency's clerk, 409 when the other
/// answer was given already or the copy can no longer be withdrawn.
pub async fn decide(
    state: &Ctx,
    who: &Who<'_>,
    id: &str,
    decision: Decision,
) -> Result<RecallRequest, AppError> {
    let decision = match decision {
        Decision::Refuse(reason) => Decision::Refuse(reason_text(&reason)?),
        accept => accept,
    };
    let mut tx = state.db.begin().await?;
    let d = crate::store::for_update(&state.db, &mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_answer(who.user, &d) {
        return Err(AppError::Forbidden);
    }
    let request = store::recall_request_in(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if request.state == "closed" {
        return Err(AppError::Conflict(format!(
            "Đề nghị thu hồi này không còn chờ trả lời: {}",
            request.reason.as_deref().unwrap_or_default()
        )));
    }
    if request.state != "pending" {
        // A repeated answer (a second click, a retried request) is the same answer.
        return if request.state == decision.state() {
            Ok(request)
        } else {
            Err(AppError::Conflict(
                "Đề nghị thu hồi này đã được trả lời trước đó.".into(),
            ))
        };
    }
    let now = tinhso_kernel::time::now_text();
    let crate::State::In(current) = d.state else {
        return Err(AppError::Conflict(
            "Thao tác này chỉ dành cho văn bản đến.".into(),
        ));
    };
    let (code, reason) = match &decision {
        Decision::Accept => {
            let to = incoming::transition(current, IncomingAction::Recall, IncomingRole::Clerk)
                .map_err(|e| AppError::Conflict(e.to_string()))?;
            crate::store::set_state(&mut tx, id, to.as_str(), &now).await?;
            crate::assignments::on_recall(state, &mut tx, &who.actor, id, &now).await?;
            ("15", None)
        }
        Decision::Refuse(reason) => ("16", Some(reason.as_str())),
    };
    store::decide_recall_request(&mut tx, id, decision.state(), reason, &who.user.id, &now).await?;
    audit::record(
        &state.db,
        &mut tx,
        &who.actor,
        Change {
            action: match decision {
                Decision::Accept => "document.exchange_recall",
                Decision::Refuse(_) => "document.exchange_recall_refuse",
            },
            entity_type: "document",
            entity_id: id,
            before: json!({ "state": current.as_str(), "recall_request": "pending" }),
            after: json!({
                "state": if code == "15" { "recalled" } else { current.as_str() },
                "recall_request": decision.state(),
                "reason": reason,
                "from": request.from_organ_id,
                "status": code,
            }),
        },
    )
    .await?;
    super::statuses::queue_via(
        state,
        &mut tx,
        &d,
        Some(request.peer.as_str()),
        code,
        reason,
    )
    .await?;
    tx.commit().await?;
    tinhso_kernel::events::committed(state);
    store::recall_request(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Settles the recall request still waiting on copy `d`, which `who`'s step moves from `from`
/// to `to`, in the step's transaction: when a 13 received in `to` would be answered at once
/// ([`super::pending_recall_after`]: returned to its sender → 16, nothing left to withdraw),
/// the request is `closed` with that reason (the clerk can no longer accept or refuse it, and
/// the page and API say why), audited `document.exchange_recall_close`, and the answer is
/// queued to the peer the recall came from. Nothing happens while the clerk can still decide.
pub async fn settle_on_move(
    state: &Ctx,
    tx: &mut Conn,
    who: &Who<'_>,
    d: &crate::Document,
    from: IncomingState,
    to: IncomingState,
    now: &str,
) -> Result<(), AppError> {
    let Some((code, reason)) = super::pending_recall_after(to) else {
        return Ok(());
    };
    let Some(request) = store::recall_request_in(tx, &d.id)
        .await?
        .filter(|r| r.state == "pending")
    else {
        return Ok(());
    };
    if !store::close_recall_request(tx, &d.id, reason, &who.user.id, now).await? {
        return Ok(());
    }
    audit::record(
        &state.db,
        tx,
        &who.actor,
        Change {
            action: "document.exchange_recall_close",
            entity_type: "document",
            entity_id: &d.id,
            before: json!({ "state": from.as_str(), "recall_request": "pending" }),
            after: json!({
                "state": to.as_str(),
                "recall_request": "closed",
                "reason": reason,
                "from": request.from_organ_id,
                "status": code,
            }),
        },
    )
    .await?;
    super::statuses::queue_via(state, tx, d, Some(request.peer.as_str()), code, reason).await
}
