//! What task tracking tells people, through the platform's notifications (`notify::send`: an
//! inbox row and/or an email, as each person chose per topic): its topics, and the subscriber
//! that tells the office of a unit's request for more time, the unit's leaders of the answer
//! and of a leader's written reminder (đôn đốc), and a part's holder that a unit gave it to
//! them (giao tiếp). The deadline sweep ([`crate::deadlines`])
//! sends its reminders, escalations and daily digests itself, each claimed once.

use crate::{events, store};
use tinhso_kernel::Ctx;
use tinhso_kernel::db::Conn;
use tinhso_kernel::events::{BoxFut, Event, HandlerError, Subscription};
use tinhso_kernel::notify::{self, Audience, Notice, Recipient, Topic};

/// A task of my unit is due soon or overdue, or a leader urged it. Officials cannot turn it
/// off: keeping to the deadline is their duty.
pub const DEADLINES: Topic = Topic {
    key: "tasks.deadlines",
    label_key: "topic_tasks_deadlines",
    email_default: true,
    inbox_default: true,
    mandatory: true,
    audience: Audience::Officials,
};

/// A unit asked for more time on a task my office follows, the office answered my unit, or a
/// unit gave me (or my sub-unit) a part of its task.
pub const UPDATES: Topic = Topic {
    key: "tasks.updates",
    label_key: "topic_tasks_updates",
    email_default: true,
    inbox_default: true,
    mandatory: false,
    audience: Audience::Officials,
};

/// Every working morning, one email listing the open tasks I lead or follow.
pub const DIGEST: Topic = Topic {
    key: "tasks.digest",
    label_key: "topic_tasks_digest",
    email_default: true,
    inbox_default: false,
    mandatory: false,
    audience: Audience::Officials,
};

/// Tells the people concerned of extension requests, answers, urging and split parts.
pub const NOTIFY: Subscription = Subscription::new(
    "tasks.notify",
    &[
        events::SPLIT.name,
        events::EXTENSION_REQUESTED.name,
        events::EXTENSION_GRANTED.name,
        events::EXTENSION_REFUSED.name,
        events::URGED.name,
    ],
    notify_people,
);

pub(crate) fn recipients(people: Vec<store::Person>) -> Vec<Recipient> {
    people
        .into_iter()
        .map(|p| Recipient {
            user_id: Some(p.id),
            email: p.email,
        })
        .collect()
}

/// The page of task `id`, as a path and as an absolute link for emails.
pub(crate) fn links(ctx: &Ctx, id: &str) -> (String, String) {
    let path = format!("/office/tasks/{id}");
    let link = format!("{}{path}", ctx.config.public_url.trim_end_matches('/'));
    (path, link)
}

fn notify_people<'a>(
    ctx: &'a Ctx,
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
        let Some(task) = store::in_tx(tx, &e.aggregate_id).await? else {
            return Err(HandlerError::Poison(anyhow::anyhow!(
                "task {} does not exist",
                e.aggregate_id
            )));
        };
        let unit_id = e.payload["unit_id"].as_str().unwrap_or_default();
        let Some(unit) = task.units.iter().find(|u| u.id == unit_id) else {
            return Err(HandlerError::Poison(anyhow::anyhow!(
                "unit {unit_id} of task {} does not exist",
                task.id
            )));
        };
        let code = &task.code;
        let (topic, to, subject, body) = if e.kind == events::SPLIT.name {
            let part_id = e.payload["part_id"].as_str().unwrap_or_default();
            let Some(part) = task.parts.iter().find(|p| p.id == part_id) else {
                return Err(HandlerError::Poison(anyhow::anyhow!(
                    "part {part_id} of task {} does not exist",
                    task.id
                )));
            };
            (
                &UPDATES,
                store::parts::holder_people(
                    tx,
                    part.holder_agency_id.as_deref(),
                    part.holder_user_id.as_deref(),
                )
                .await?,
                format!("Được giao phần việc của nhiệm vụ {code}"),
                format!(
                    "{} giao {} phần việc “{}” của nhiệm vụ “{}”, hạn {}. Báo cáo tiến độ phần việc trên trang nhiệm vụ.",
                    unit.agency_name, part.holder_name, part.note, task.title, part.due_on
                ),
            )
        } else if e.kind == events::EXTENSION_REQUESTED.name {
            let new_due = e.payload["new_due"].as_str().unwrap_or_default();
            (
                &UPDATES,
                store::office_people(tx, &task.office_agency_id).await?,
                format!("{} đề nghị gia hạn nhiệm vụ {code}", unit.agency_name),
                format!(
                    "{} đề nghị gia hạn nhiệm vụ “{}” đến ngày {new_due}. Đề nghị văn phòng xem xét, quyết định.",
                    unit.agency_name, task.title
                ),
            )
        } else if e.kind == events::URGED.name {
            let text = store::report_body(tx, e.payload["report_id"].as_str().unwrap_or_default())
                .await?
                .unwrap_or_default();
            (
                &DEADLINES,
                store::leaders(tx, &unit.agency_id).await?,
                format!("Đôn đốc thực hiện nhiệm vụ {code}"),
                format!(
                    "Nhiệm vụ “{}” (hạn {}): {text}",
                    task.title, unit.current_due_on
                ),
            )
        } else {
            let granted = e.kind == events::EXTENSION_GRANTED.name;
            let what = if granted {
                format!("được gia hạn đến ngày {}", unit.current_due_on)
            } else {
                "không được gia hạn".to_owned()
            };
            (
                &UPDATES,
                store::leaders(tx, &unit.agency_id).await?,
                format!("Nhiệm vụ {code} {what}"),
                format!(
                    "Đề nghị gia hạn nhiệm vụ “{}” của {}: {what}.",
                    task.title, unit.agency_name
                ),
            )
        };
        let (path, link) = links(ctx, &task.id);
        let key = format!("event:{}", e.id);
        let notice = Notice {
            topic,
            subject,
            email_body: format!("{body}\n\nXem nhiệm vụ: {link}\n"),
            body,
            link: Some(path),
            dedupe_key: &key,
        };
        notify::send(ctx, tx, &recipients(to), &notice).await?;
        Ok::<(), HandlerError>(())
    })
}
