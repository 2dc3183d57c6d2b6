//! What the feedback service tells people (issue 13 §8): its notification topics and the
//! notices to a report's followers and to the officials who must answer it in time, sent
//! through `notify::send` (inbox and email, as each person chose).

use tinhso_kernel::Ctx;
use tinhso_kernel::db::Conn;
use tinhso_kernel::error::AppError;
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

/// Tells every follower (by address; an address with an account reaches that account). The
/// reporter's email link carries their key, with which they rate or reopen the answer even
/// without an account; `links` gives each follower's email link and inbox link.
pub async fn tell_followers(
    state: &Ctx,
    tx: &mut Conn,
    (report_id, followers): (&str, Vec<String>),
    subject: &str,
    body: &str,
    links: impl Fn(&str) -> (String, String),
) -> Result<(), AppError> {
    // One occurrence for all followers (until events give it its delivery id).
    let key = format!("feedback:{report_id}:{}", uuid::Uuid::now_v7());
    for to in followers {
        let (link, page) = links(&to);
        let notice = Notice {
            topic: &UPDATES,
            subject: subject.to_owned(),
            body: body.to_owned(),
            email_body: format!("{body}\n\nXem phản ánh: {link}\n"),
            link: Some(page),
            dedupe_key: &key,
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
