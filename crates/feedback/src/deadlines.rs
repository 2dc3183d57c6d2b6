//! Deadline watch for feedback, run by every node's job runner once a minute: a reminder to
//! the agency's officials when a report is due soon (the calendar's due-soon rule, relative to
//! its category's answer time, as for dossiers), and an escalation to the agency's leaders once
//! it is overdue. Each is claimed by a conditional update, so several nodes sweeping at once
//! still send each message once; the notices go to each official's inbox and email
//! (`notices::DEADLINES`, a topic they cannot turn off).

use chrono::NaiveDateTime;
use sqlx::Row;
use tinhso_domain::calendar::{Calendar, DeadlineStatus, WorkDuration};
use tinhso_domain::time::LocalDateTime;
use tinhso_kernel::Ctx;
use tinhso_kernel::db::Conn;
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
        "reminded_at",
        &now_text,
        &tinhso_kernel::time::local_text(horizon),
        Some((&calendar, now)),
    )
    .await?;
    let escalations = notify_due(state, "escalated_at", &now_text, &now_text, None).await?;
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
    column: &str,
    now: &str,
    horizon: &str,
    remind: Option<(&Calendar, NaiveDateTime)>,
) -> Result<usize, AppError> {
    let escalate = remind.is_none();
    let sql = format!(
        "SELECT r.id, r.code, r.title, r.agency_id, r.due_local, c.deadline_days
         FROM feedback_reports r JOIN feedback_categories c ON c.code = r.category_code
         WHERE r.status IN ('assigned', 'in_progress') AND r.agency_id IS NOT NULL AND r.{column} IS NULL AND r.due_local < $1
         ORDER BY r.due_local LIMIT 500"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(horizon)
        .fetch_all(&state.db.pool)
        .await?;
    let mut sent = 0;
    for r in rows {
        let (id, code, title, agency, due): (String, String, String, String, String) = (
            r.try_get("id")?,
            r.try_get("code")?,
            r.try_get("title")?,
            r.try_get("agency_id")?,
            r.try_get("due_local")?,
        );
        let days: i64 = r.try_get("deadline_days")?;
        let due_at = LocalDateTime::parse(&due);
        if let Some((calendar, at)) = remind
            && !due_at.is_some_and(|due| is_due_soon(calendar, due, days, at))
        {
            continue;
        }
        let mut tx = state.db.begin().await?;
        let claimed = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE feedback_reports SET {column} = $2 WHERE id = $1 AND {column} IS NULL"
        )))
        .bind(&id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() == 0 {
            continue; // another node took it
        }
        let recipients = officials(&mut tx, &agency, escalate).await?;
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
        sqlx::query(
            "INSERT INTO feedback_events (id, report_id, at, actor_name, action, from_status, to_status, note)
             SELECT $1, id, $2, 'Hệ thống', $3, status, status, '' FROM feedback_reports WHERE id = $4",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(tinhso_kernel::time::now_text())
        .bind(action)
        .bind(&id)
        .execute(&mut *tx)
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

/// The agency's active officials (only its leaders for an escalation), by account.
async fn officials(
    tx: &mut Conn,
    agency_id: &str,
    leaders_only: bool,
) -> Result<Vec<Recipient>, AppError> {
    let sql = if leaders_only {
        "SELECT DISTINCT u.id, u.email FROM users u JOIN user_roles r ON r.user_id = u.id
         WHERE u.agency_id = $1 AND u.disabled = 0 AND r.role = 'leader'"
    } else {
        "SELECT DISTINCT u.id, u.email FROM users u JOIN user_roles r ON r.user_id = u.id
         WHERE u.agency_id = $1 AND u.disabled = 0 AND r.role IN ('one_stop_clerk', 'specialist', 'leader')"
    };
    let rows = sqlx::query(sql).bind(agency_id).fetch_all(&mut *tx).await?;
    rows.iter()
        .map(|r| {
            Ok(Recipient {
                user_id: Some(r.try_get("id")?),
                email: r.try_get("email")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}
