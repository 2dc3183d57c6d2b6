//! What the one-stop service tells people (issue 13 §8): its notification topics and the
//! notices to the applicant and to the specialist a dossier is assigned to, sent through
//! `notify::send` (inbox and email, as each person chose).

use super::Dossier;
use tinhso_kernel::Ctx;
use tinhso_kernel::db::Conn;
use tinhso_kernel::error::AppError;
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

/// A new occurrence's dedupe key (until events give each its delivery id).
fn occurrence(kind: &str, dossier_id: &str) -> String {
    format!("{kind}:{dossier_id}:{}", uuid::Uuid::now_v7())
}

/// Tells the applicant, with the public tracking link in the email. The inbox item opens the
/// dossier's page when the applicant has an account on it, else its public tracking.
pub async fn tell_applicant(
    state: &Ctx,
    tx: &mut Conn,
    d: &Dossier,
    subject: &str,
    body: &str,
) -> Result<(), AppError> {
    let email = Some(d.applicant_email.clone()).filter(|e| !e.is_empty());
    if email.is_none() && d.applicant_id.is_none() {
        return Ok(());
    }
    let code = d.code.clone().unwrap_or_default();
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
    let key = occurrence("dossier.status", &d.id);
    let notice = Notice {
        topic: &STATUS,
        subject: subject.to_owned(),
        body: body.to_owned(),
        email_body: format!(
            "Kính gửi {},\n\n{body}\n\nTheo dõi hồ sơ: {link}\n",
            d.applicant_name
        ),
        link: Some(page),
        dedupe_key: &key,
    };
    notify::send(state, tx, &[to], &notice).await?;
    Ok(())
}

/// Tells a specialist about a dossier of theirs (assigned to them, or taken from them).
pub async fn tell_specialist(
    state: &Ctx,
    tx: &mut Conn,
    d: &Dossier,
    to: Recipient,
    subject: String,
    body: String,
    email_body: String,
) -> Result<(), AppError> {
    let key = occurrence("dossier.assigned", &d.id);
    let notice = Notice {
        topic: &ASSIGNED,
        subject,
        body,
        email_body,
        link: Some(format!("/office/dossiers/{}", d.id)),
        dedupe_key: &key,
    };
    notify::send(state, tx, &[to], &notice).await?;
    Ok(())
}
