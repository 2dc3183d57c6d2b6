//! Deadline watch for feedback, run by every node's job runner once a minute: a reminder to
//! the agency's officials when a report is due soon (the calendar's due-soon rule, relative to
//! its category's answer time, as for dossiers), and an escalation to the agency's leaders once
//! it is overdue. Each is claimed by a conditional update, so several nodes sweeping at once
//! still send each message once; the notices go to each official's inbox and email
//! (`notices::DEADLINES`, a topic they cannot turn off).

use super::store::{self, Watch};
use chrono::NaiveDateTime;
use tinhso_domain::calendar::{Calendar, DeadlineStatus, WorkDuration};
use tinhso_domain::time::LocalDateTime;
use tinhso_kernel::Ctx;
use tinhso_kernel::error::AppError;
use tinhso_kernel::notify::Recipient;

/// Sweeps at `now` (Vietnam local time; a parameter so tests can move the clock). Returns the
/// number of reminders and escalations sent.
pub async fn sweep(state: &Ctx, now: NaiveDateTime) -> Result<(usize, usize), AppError> {
    let calendar = tinhso_kernel::calendar::load(&state.db).await?;
    // No report is due soon further ahead than the rule's cap: SQL narrows to those, the rule
    // decides each.
    let cap = chrono::TimeDelta::minutes(i64::from(calendar.due_soon_rule().cap_minutes));
    let horizon = calendar.add_office_time(now, cap).unwrap_or(now);
    let now_text = tinhso_kernel::time::local_text(now);
    let reminders = notify_due(
        state,
        Watch::Reminder,
        &now_text,
        &tinhso_kernel::time::local_text(horizon),
        Some((&calendar, now)),
    )
    .await?;
    let escalations = notify_due(state, Watch::Escalation, &now_text, &now_text, None).await?;
    Ok((reminders, escalations))
}

/// True when a report due at `due` with `days` to answer is due soon at `now`.
fn is_due_soon(calendar: &Calendar, due: LocalDateTime, days: i64, now: NaiveDateTime) -> bool {
    let budget = WorkDuration::days(u32::try_from(days).unwrap_or(0));
    calendar.pending_status(due.naive(), now, budget).ok() == Some(DeadlineStatus::DueSoon)
}

/// Claims and sends one kind of message: reminders (`remind` holds the calendar and the
/// clock, to keep only reports due soon) or escalations (`None`: everything past `horizon`).
async fn notify_due(
    state: &Ctx,
    watch: Watch,
    now: &str,
    horizon: &str,
    remind: Option<(&Calendar, NaiveDateTime)>,
) -> Result<usize, AppError> {
    let escalate = remind.is_none();
    let due_reports = store::due_before(&state.db, watch, horizon).await?;
    let mut sent = 0;
    for r in due_reports {
        let store::DueReport {
            id,
            code,
            title,
            agency_id: agency,
            due_local: due,
            deadline_days: days,
        } = r;
        let due_at = LocalDateTime::parse(&due);
        if let Some((calendar, at)) = remind
            && !due_at.is_some_and(|due| is_due_soon(calendar, due, days, at))
        {
            continue;
        }
        let mut tx = state.db.begin().await?;
        if !store::claim(&mut tx, watch, &id, now).await? {
            continue; // another node took it
        }
        let recipients: Vec<Recipient> = store::officials(&mut tx, &agency, escalate)
            .await?
            .into_iter()
            .map(|o| Recipient {
                user_id: Some(o.id),
                email: o.email,
            })
            .collect();
        let due_text = due_at.map_or(due, |t| t.to_string());
        let link = format!(
            "{}/feedback/{code}",
            state.config.public_url.trim_end_matches('/')
        );
        let (subject, body) = if escalate {
            (
                format!("Phản ánh {code} đã quá hạn"),
                format!(
                    "Phản ánh “{title}” đã quá hạn trả lời ({due_text}). Đề nghị lãnh đạo chỉ đạo xử lý."
                ),
            )
        } else {
            (
                format!("Phản ánh {code} sắp đến hạn"),
                format!("Phản ánh “{title}” cần trả lời trước {due_text}."),
            )
        };
        let action = if escalate { "escalate" } else { "remind" };
        super::notices::tell_handlers(
            state,
            &mut tx,
            &recipients,
            (&id, &code, action),
            subject,
            body,
            &link,
        )
        .await?;
        store::insert_system_event(
            &mut tx,
            &uuid::Uuid::now_v7().to_string(),
            &id,
            &tinhso_kernel::time::now_text(),
            action,
        )
        .await?;
        tinhso_kernel::audit::record(
            &state.db,
            &mut tx,
            &tinhso_kernel::audit::Actor::system(),
            tinhso_kernel::audit::Change {
                action: &format!("feedback.{action}"),
                entity_type: "feedback",
                entity_id: &id,
                before: serde_json::Value::Null,
                after: serde_json::json!({ "due": due_text }),
            },
        )
        .await?;
        tx.commit().await?;
        sent += 1;
    }
    Ok(sent)
}
