//! What the feedback service tells people (issue 13 §8): its notification topics and the
//! notices to a report's followers and to the officials who must answer it in time, sent
//! through `notify::send` (inbox and email, as each person chose).
//!
//! Followers are told by the event subscriber `feedback.notify_followers`
//! (docs/kernel-design.md §8.2), in the delivery's transaction with its done mark, so each
//! event's notice is stored and mailed once; its dedupe key `event:<id>` also keeps a
//! redelivered event from giving anyone a second inbox row. The notice says what the payload
//! says (code, deadline, the original of a duplicate) and what the handler reads in the
//! transaction: the report's title and reporter, the note of the timeline row `timeline_id`,
//! the followers (`feedback::events` documents the payload fields read here). Deadline
//! reminders are not events: the sweep `feedback.deadlines` calls `tell_handlers` itself.

use super::{events, store};
use tinhso_kernel::Ctx;
use tinhso_kernel::db::Conn;
use tinhso_kernel::error::AppError;
use tinhso_kernel::events::{BoxFut, Event, EventKind, HandlerError, Subscription};
use tinhso_kernel::notify::{self, Audience, Notice, Recipient, Topic};

/// A report I filed or follow was received, answered, moved, closed, …
pub const UPDATES: Topic = Topic {
    key: "feedback.updates",
    label_key: "topic_feedback_updates",
    email_default: true,
    inbox_default: true,
    mandatory: false,
    audience: Audience::Everyone,
};

/// A report my agency handles is due soon or overdue. Officials cannot turn it off: answering
/// in time is their duty.
pub const DEADLINES: Topic = Topic {
    key: "feedback.deadlines",
    label_key: "topic_feedback_deadlines",
    email_default: true,
    inbox_default: true,
    mandatory: true,
    audience: Audience::Officials,
};

/// Tells a report's followers that it was received, answered, refused or merged with a
/// duplicate.
pub const NOTIFY_FOLLOWERS: Subscription = Subscription::new(
    "feedback.notify_followers",
    &[
        events::SUBMITTED.name,
        events::ANSWERED.name,
        events::REJECTED.name,
        events::MARKED_DUPLICATE.name,
    ],
    notify_followers,
);

fn notify_followers<'a>(
    state: &'a Ctx,
    tx: &'a mut Conn,
    e: &'a Event,
) -> BoxFut<'a, Result<(), HandlerError>> {
    Box::pin(async move {
        if e.version != 1 {
            return Err(HandlerError::Poison(anyhow::anyhow!(
                "{} payload version {} is not known",
                e.kind,
                e.version
            )));
        }
        let Some(r) = store::in_tx(tx, &e.aggregate_id).await? else {
            return Err(HandlerError::Poison(anyhow::anyhow!(
                "report {} does not exist",
                e.aggregate_id
            )));
        };
        let Some((subject, body)) = followers_text(tx, e, &r).await? else {
            return Ok(());
        };
        let code = &r.code;
        let public = format!(
            "{}/feedback/{code}",
            state.config.public_url.trim_end_matches('/')
        );
        let key = super::service::reporter_key(state, code);
        let followers = store::followers(tx, &r.id).await?;
        tell_followers(
            state,
            tx,
            followers,
            &subject,
            &body,
            &format!("event:{}", e.id),
            |to| {
                if to.eq_ignore_ascii_case(&r.reporter_email) {
                    (
                        format!("{public}?key={key}"),
                        format!("/feedback/{code}?key={key}"),
                    )
                } else {
                    (public.clone(), format!("/feedback/{code}"))
                }
            },
        )
        .await?;
        Ok(())
    })
}

/// The subject and text of the followers' notice of `e`; `None` for an event they are not
/// told of.
async fn followers_text(
    tx: &mut Conn,
    e: &Event,
    r: &super::Report,
) -> Result<Option<(String, String)>, HandlerError> {
    let is = |k: &EventKind| e.kind == k.name;
    let code = &r.code;
    let (what, body) = if is(&events::SUBMITTED) {
        let due = e.payload["due"]
            .as_str()
            .and_then(tinhso_kernel::time::parse_local)
            .or_else(|| r.due_local.map(|d| d.naive()))
            .map(tinhso_kernel::time::display_local)
            .unwrap_or_default();
        return Ok(Some((
            format!("Đã nhận phản ánh {code}"),
            format!(
                "Phản ánh “{}” đã được tiếp nhận. Hạn trả lời: {due}.",
                r.title
            ),
        )));
    } else if is(&events::ANSWERED) {
        (
            "đã được trả lời",
            format!("Trả lời: {}", note(tx, e).await?),
        )
    } else if is(&events::REJECTED) {
        ("không được xử lý", format!("Lý do: {}", note(tx, e).await?))
    } else if is(&events::MARKED_DUPLICATE) {
        (
            "được gộp với phản ánh trùng",
            format!(
                "Phản ánh của bạn trùng với {}; bạn sẽ nhận thông báo của phản ánh đó.",
                e.payload["duplicate_of"].as_str().unwrap_or_default()
            ),
        )
    } else {
        return Ok(None);
    };
    Ok(Some((format!("Phản ánh {code} {what}"), body)))
}

/// The note an official wrote with the event's action (its timeline row).
async fn note(tx: &mut Conn, e: &Event) -> Result<String, HandlerError> {
    let id = e.payload["timeline_id"].as_str().unwrap_or_default();
    store::event_note(tx, id).await?.ok_or_else(|| {
        HandlerError::Poison(anyhow::anyhow!(
            "timeline row {id} of {} does not exist",
            e.id
        ))
    })
}

/// Tells every follower (by address; an address with an account reaches that account). The
/// reporter's email link carries their key, with which they rate or reopen the answer even
/// without an account; `links` gives each follower's email link and inbox link.
async fn tell_followers(
    state: &Ctx,
    tx: &mut Conn,
    followers: Vec<String>,
    subject: &str,
    body: &str,
    key: &str,
    links: impl Fn(&str) -> (String, String),
) -> Result<(), AppError> {
    for to in followers {
        let (link, page) = links(&to);
        let notice = Notice {
            topic: &UPDATES,
            subject: subject.to_owned(),
            body: body.to_owned(),
            email_body: format!("{body}\n\nXem phản ánh: {link}\n"),
            link: Some(page),
            dedupe_key: key,
        };
        notify::send(state, tx, &[Recipient::address(&to)], &notice).await?;
    }
    Ok(())
}

/// Tells the officials who answer a report that it is due soon or overdue; `kind` is `remind`
/// or `escalate`, so each report's reminder and escalation reach a person once.
pub async fn tell_handlers(
    state: &Ctx,
    tx: &mut Conn,
    to: &[Recipient],
    (report_id, code, kind): (&str, &str, &str),
    subject: String,
    body: String,
    link: &str,
) -> Result<(), AppError> {
    let key = format!("deadline:{report_id}:{kind}");
    let notice = Notice {
        topic: &DEADLINES,
        subject,
        email_body: format!("{body}\n\n{link}\n"),
        body,
        link: Some(format!("/feedback/{code}")),
        dedupe_key: &key,
    };
    notify::send(state, tx, to, &notice).await?;
    Ok(())
}
