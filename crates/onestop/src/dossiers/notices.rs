//! What the one-stop service tells people (issue 13 §8): its notification topics, and the two
//! event subscribers that tell them (docs/kernel-design.md §8.2): `onestop.notify_applicant`
//! turns a dossier's status events into a notice to its applicant, `onestop.notify_assignee`
//! turns `dossier.assigned` into notices to the specialist given the dossier and to the one it
//! was taken from. Both send through `notify::send` (inbox and email, as each person chose), in
//! the delivery's transaction with its done mark, so each event's notice is stored and mailed
//! once; its dedupe key `event:<id>` also keeps a redelivered event (an administrator's retry)
//! from giving anyone a second inbox row.
//!
//! A notice says what the event's payload says (code, appointment, channel: true when it
//! happened) and what the handler reads in the transaction: the dossier's procedure and
//! agency names and applicant, the note of the timeline row `timeline_id`, the specialists'
//! names and addresses (`dossiers::events` documents the payload fields read here).

use super::{Dossier, LocalDateTime, events, store};
use tinhso_kernel::Ctx;
use tinhso_kernel::db::Conn;
use tinhso_kernel::error::AppError;
use tinhso_kernel::events::{BoxFut, Event, EventKind, HandlerError, Subscription};
use tinhso_kernel::notify::{self, Audience, Notice, Recipient, Topic};

/// A dossier's status changed (received, accepted, refused, supplement asked, result, …):
/// told to its applicant.
pub const STATUS: Topic = Topic {
    key: "dossier.status",
    label_key: "topic_dossier_status",
    email_default: true,
    inbox_default: true,
    mandatory: false,
    audience: Audience::Everyone,
};

/// A dossier was assigned to me, or taken from me: told to the specialist.
pub const ASSIGNED: Topic = Topic {
    key: "dossier.assigned",
    label_key: "topic_dossier_assigned",
    email_default: true,
    inbox_default: true,
    mandatory: false,
    audience: Audience::Officials,
};

/// The events of a dossier that its applicant is told of.
const APPLICANT_KINDS: &[&str] = &[
    events::SUBMITTED.name,
    events::ACCEPTED.name,
    events::REFUSED.name,
    events::STOPPED.name,
    events::SUPPLEMENT_REQUESTED.name,
    events::RETURNED.name,
    events::APOLOGISED.name,
];

/// Tells the applicant that their dossier was received (online), accepted, refused, stopped,
/// needs a supplement, has its result, or has a new appointment.
pub const NOTIFY_APPLICANT: Subscription = Subscription::new(
    "onestop.notify_applicant",
    APPLICANT_KINDS,
    notify_applicant,
);

/// Tells the specialist a dossier is assigned to, and the one it was taken from.
pub const NOTIFY_ASSIGNEE: Subscription = Subscription::new(
    "onestop.notify_assignee",
    &[events::ASSIGNED.name],
    notify_assignee,
);

/// The dedupe key of the notices of one event: the same event never gives a person two items.
fn dedupe_key(e: &Event) -> String {
    format!("event:{}", e.id)
}

fn notify_applicant<'a>(
    state: &'a Ctx,
    tx: &'a mut Conn,
    e: &'a Event,
) -> BoxFut<'a, Result<(), HandlerError>> {
    Box::pin(async move {
        let d = dossier(tx, e).await?;
        if let Some((subject, body)) = applicant_text(state, tx, e, &d).await? {
            tell_applicant(state, tx, &d, &subject, &body, &dedupe_key(e)).await?;
        }
        Ok(())
    })
}

/// The dossier an event is about, as it now is. Payloads this code does not know, and events
/// of a dossier that does not exist, can never be handled.
async fn dossier(tx: &mut Conn, e: &Event) -> Result<Dossier, HandlerError> {
    if e.version != 1 {
        return Err(HandlerError::Poison(anyhow::anyhow!(
            "{} payload version {} is not known",
            e.kind,
            e.version
        )));
    }
    store::in_tx(tx, &e.aggregate_id).await?.ok_or_else(|| {
        HandlerError::Poison(anyhow::anyhow!("dossier {} does not exist", e.aggregate_id))
    })
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

/// A local time of the payload, as pages show it.
fn shown(e: &Event, field: &str) -> Option<String> {
    e.payload[field]
        .as_str()
        .and_then(LocalDateTime::parse)
        .map(|t| t.to_string())
}

/// The subject and text of the applicant's notice of `e`; `None` when the event tells them
/// nothing: a counter or postal application is accepted on the spot, and the acceptance is
/// the notice its applicant gets.
async fn applicant_text(
    state: &Ctx,
    tx: &mut Conn,
    e: &Event,
    d: &Dossier,
) -> Result<Option<(String, String)>, HandlerError> {
    let is = |k: &EventKind| e.kind == k.name;
    let code = e.payload["code"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| d.code.map(|c| c.to_string()))
        .unwrap_or_default();
    let name = &d.procedure_name;
    let text = if is(&events::SUBMITTED) {
        if e.payload["channel"] != "online" {
            return Ok(None);
        }
        (
            format!("Đã nhận hồ sơ {code}"),
            format!(
                "Hồ sơ “{name}” của bạn đã được gửi tới {} với mã {code}. Cơ quan sẽ kiểm tra và tiếp nhận hồ sơ.",
                d.agency_name
            ),
        )
    } else if is(&events::ACCEPTED) {
        let due = shown(e, "due")
            .or_else(|| d.due.map(|t| t.to_string()))
            .unwrap_or_default();
        (
            format!("Hồ sơ {code} đã được tiếp nhận"),
            format!("Hồ sơ “{name}” đã được tiếp nhận. Ngày hẹn trả kết quả: {due}."),
        )
    } else if is(&events::REFUSED) || is(&events::STOPPED) {
        let what = if is(&events::REFUSED) {
            "bị từ chối tiếp nhận"
        } else {
            "bị dừng xử lý"
        };
        let note = note(tx, e).await?;
        (
            format!("Hồ sơ {code} {what}"),
            format!("Hồ sơ “{name}” {what}. Lý do: {note}"),
        )
    } else if is(&events::SUPPLEMENT_REQUESTED) {
        let note = note(tx, e).await?;
        (
            format!("Hồ sơ {code} cần bổ sung"),
            format!(
                "Hồ sơ “{name}” cần bổ sung: {note}\nVui lòng đăng nhập và bổ sung hồ sơ trực tuyến."
            ),
        )
    } else if is(&events::RETURNED) {
        (
            format!("Hồ sơ {code} đã có kết quả"),
            format!(
                "Hồ sơ “{name}” đã có kết quả. Tải kết quả (sau khi đăng nhập) và đánh giá mức độ hài lòng tại: {}/dossiers/{}\nKết quả cũng được lưu trong Kho giấy tờ của bạn.",
                state.config.public_url.trim_end_matches('/'),
                d.id
            ),
        )
    } else if is(&events::APOLOGISED) {
        let note = note(tx, e).await?;
        (
            format!("Thư xin lỗi và hẹn lại ngày trả kết quả hồ sơ {code}"),
            format!(
                "Cơ quan xin lỗi vì hồ sơ “{name}” chưa giải quyết đúng hẹn. Lý do: {note}\nNgày hẹn mới: {}.",
                shown(e, "new_due").unwrap_or_default()
            ),
        )
    } else {
        return Ok(None);
    };
    Ok(Some(text))
}

fn notify_assignee<'a>(
    state: &'a Ctx,
    tx: &'a mut Conn,
    e: &'a Event,
) -> BoxFut<'a, Result<(), HandlerError>> {
    Box::pin(async move {
        let d = dossier(tx, e).await?;
        let Some(assignee) = e.payload["assignee_id"].as_str() else {
            return Err(HandlerError::Poison(anyhow::anyhow!(
                "{} names no assignee",
                e.id
            )));
        };
        let code = e.payload["code"]
            .as_str()
            .map(str::to_owned)
            .or_else(|| d.code.map(|c| c.to_string()))
            .unwrap_or_default();
        let key = dedupe_key(e);
        let Some((name, email)) = person(tx, assignee).await? else {
            return Ok(());
        };
        let link = format!(
            "{}/office/dossiers/{}",
            state.config.public_url.trim_end_matches('/'),
            d.id
        );
        let due = d
            .due
            .map(|t| t.to_string())
            .unwrap_or_else(|| "chưa tính".into());
        let body = format!(
            "Bạn được giao xử lý hồ sơ {code} (“{}”). Hạn giải quyết: {due}.",
            d.procedure_name
        );
        tell_specialist(
            state,
            tx,
            &d,
            Recipient::user(assignee, email),
            format!("Bạn được giao hồ sơ {code}"),
            body.clone(),
            format!("Kính gửi {name},\n\n{body}\n\nMở hồ sơ: {link}\n"),
            &key,
        )
        .await?;
        // The specialist it was taken from learns it, so that nobody works on it twice.
        let Some(former_id) = e.payload["previous"].as_str() else {
            return Ok(());
        };
        let Some((former, email)) = person(tx, former_id).await? else {
            return Ok(());
        };
        let body = format!(
            "Hồ sơ {code} (“{}”) đã được giao lại cho {name}; bạn không cần xử lý tiếp hồ sơ này.",
            d.procedure_name
        );
        tell_specialist(
            state,
            tx,
            &d,
            Recipient::user(former_id, email),
            format!("Hồ sơ {code} đã được giao lại"),
            body.clone(),
            format!("Kính gửi {former},\n\n{body}\n"),
            &key,
        )
        .await?;
        Ok(())
    })
}

/// The name and address (if any) of the account `user_id`.
async fn person(
    tx: &mut Conn,
    user_id: &str,
) -> Result<Option<(String, Option<String>)>, AppError> {
    Ok(store::people::person(tx, user_id)
        .await?
        .map(|p| (p.full_name, p.email.filter(|e| !e.is_empty()))))
}

/// Tells the applicant, with the public tracking link in the email. The inbox item opens the
/// dossier's page when the applicant has an account on it, else its public tracking.
async fn tell_applicant(
    state: &Ctx,
    tx: &mut Conn,
    d: &Dossier,
    subject: &str,
    body: &str,
    dedupe_key: &str,
) -> Result<(), AppError> {
    let email = Some(d.applicant_email.clone()).filter(|e| !e.is_empty());
    if email.is_none() && d.applicant_id.is_none() {
        return Ok(());
    }
    let code = d.code.map(|c| c.to_string()).unwrap_or_default();
    let link = format!(
        "{}/track?code={code}",
        state.config.public_url.trim_end_matches('/')
    );
    let page = match &d.applicant_id {
        Some(_) => format!("/dossiers/{}", d.id),
        None => format!("/track?code={code}"),
    };
    let to = Recipient {
        user_id: d.applicant_id.clone(),
        email,
    };
    let notice = Notice {
        topic: &STATUS,
        subject: subject.to_owned(),
        body: body.to_owned(),
        email_body: format!(
            "Kính gửi {},\n\n{body}\n\nTheo dõi hồ sơ: {link}\n",
            d.applicant_name
        ),
        link: Some(page),
        dedupe_key,
    };
    notify::send(state, tx, &[to], &notice).await?;
    Ok(())
}

/// Tells a specialist about a dossier of theirs (assigned to them, or taken from them).
#[allow(clippy::too_many_arguments)]
async fn tell_specialist(
    state: &Ctx,
    tx: &mut Conn,
    d: &Dossier,
    to: Recipient,
    subject: String,
    body: String,
    email_body: String,
    dedupe_key: &str,
) -> Result<(), AppError> {
    let notice = Notice {
        topic: &ASSIGNED,
        subject,
        body,
        email_body,
        link: Some(format!("/office/dossiers/{}", d.id)),
        dedupe_key,
    };
    notify::send(state, tx, &[to], &notice).await?;
    Ok(())
}
