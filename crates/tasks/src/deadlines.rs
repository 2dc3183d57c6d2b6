//! The deadline sweep of task tracking, run by every node's job runner every few minutes
//! (`tasks.deadlines`, docs/tasks-design.md §4): a reminder to a unit's leaders
//! [`REMIND_WORKING_DAYS`] working days before its deadline (the platform calendar), an
//! escalation to the unit's leaders and the assigning office from the first working day after
//! it, and, from 07:00 on working days, one digest email a day to each person who leads or
//! follows open tasks. Each is claimed by inserting its key (`task_reminders`: unit, kind,
//! deadline; `task_digests`: person, day) in the transaction that sends it, so two nodes
//! sweeping at once still send each once; an extension's new deadline gets its own. The clock
//! is a parameter, so tests move it.

use crate::events;
use crate::notices::{self, DEADLINES, DIGEST};
use crate::store::{self, DueUnit};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde_json::json;
use std::collections::BTreeMap;
use tinhso_domain::calendar::Calendar;
use tinhso_domain::task::deadline;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::change::{self, Step};
use tinhso_kernel::error::AppError;
use tinhso_kernel::notify::{self, Notice};

/// Reminders go out this many working days before a deadline.
pub const REMIND_WORKING_DAYS: u32 = 3;
/// The digest goes out from this local hour on working days.
pub const DIGEST_HOUR: u32 = 7;
/// How far ahead the sweep looks for deadlines to remind of (calendar days): more than
/// [`REMIND_WORKING_DAYS`] working days even across Tết.
const HORIZON_DAYS: u64 = 30;

/// What one sweep sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub reminders: usize,
    pub escalations: usize,
    pub digests: usize,
}

/// Sweeps at `now` (Vietnam local time).
pub async fn sweep(ctx: &Ctx, now: NaiveDateTime) -> Result<Swept, AppError> {
    let calendar = tinhso_kernel::calendar::load(&ctx.db).await?;
    let today = now.date();
    let horizon = (today + chrono::Days::new(HORIZON_DAYS)).to_string();
    let mut swept = Swept::default();
    for unit in store::open_units_due_by(&ctx.db, &horizon).await? {
        match watch(&calendar, &unit, today) {
            Some(Watch::Remind) => {
                swept.reminders += usize::from(send(ctx, &unit, Watch::Remind).await?);
            }
            Some(Watch::Escalate) => {
                swept.escalations += usize::from(send(ctx, &unit, Watch::Escalate).await?);
            }
            None => {}
        }
    }
    let start = NaiveTime::from_hms_opt(DIGEST_HOUR, 0, 0).unwrap_or(NaiveTime::MIN);
    if now.time() >= start && calendar.is_working_day(today) {
        swept.digests = digests(ctx, today).await?;
    }
    Ok(swept)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Watch {
    Remind,
    Escalate,
}

impl Watch {
    fn as_str(self) -> &'static str {
        match self {
            Watch::Remind => "remind",
            Watch::Escalate => "escalate",
        }
    }
}

/// What `unit` is owed on `today`, if anything: an escalation from the first working day
/// after its deadline, a reminder from its reminder day up to the deadline.
fn watch(calendar: &Calendar, unit: &DueUnit, today: NaiveDate) -> Option<Watch> {
    let due = NaiveDate::parse_from_str(&unit.current_due_on, "%Y-%m-%d").ok()?;
    let assigned = NaiveDate::parse_from_str(&unit.assigned_on, "%Y-%m-%d").ok()?;
    if today > due {
        let escalate_on = deadline::escalation_day(calendar, due).ok()?;
        return (today >= escalate_on).then_some(Watch::Escalate);
    }
    let remind_on = deadline::reminder_day(calendar, due, REMIND_WORKING_DAYS, assigned)?;
    (today >= remind_on).then_some(Watch::Remind)
}

/// Claims and sends one reminder or escalation in one transaction with its audit row and
/// event; false when another sweep sent it already.
async fn send(ctx: &Ctx, unit: &DueUnit, watch: Watch) -> Result<bool, AppError> {
    let now = tinhso_kernel::time::now_text();
    let mut tx = ctx.db.begin().await?;
    let kind = watch.as_str();
    if !store::claim_reminder(&mut tx, &unit.unit_id, kind, &unit.current_due_on, &now).await? {
        return Ok(false);
    }
    let mut to = store::leaders(&mut tx, &unit.agency_id).await?;
    let (subject, body) = match watch {
        Watch::Remind => (
            format!("Nhiệm vụ {} sắp đến hạn", unit.code),
            format!(
                "Nhiệm vụ “{}” giao {} cần hoàn thành trước hết ngày {}.",
                unit.title, unit.agency_name, unit.current_due_on
            ),
        ),
        Watch::Escalate => {
            for p in store::office_people(&mut tx, &unit.office_agency_id).await? {
                if !to.iter().any(|q| q.id == p.id) {
                    to.push(p);
                }
            }
            (
                format!("Nhiệm vụ {} đã quá hạn", unit.code),
                format!(
                    "Nhiệm vụ “{}” giao {} đã quá hạn (hạn {}). Đề nghị lãnh đạo đơn vị chỉ đạo hoàn thành và văn phòng theo dõi, đôn đốc.",
                    unit.title, unit.agency_name, unit.current_due_on
                ),
            )
        }
    };
    let (path, link) = notices::links(ctx, &unit.task_id);
    let key = format!(
        "task-deadline:{}:{kind}:{}",
        unit.unit_id, unit.current_due_on
    );
    let notice = Notice {
        topic: &DEADLINES,
        subject,
        email_body: format!("{body}\n\nXem nhiệm vụ: {link}\n"),
        body,
        link: Some(path),
        dedupe_key: &key,
    };
    notify::send(ctx, &mut tx, &notices::recipients(to), &notice).await?;
    let (action, event) = match watch {
        Watch::Remind => ("task.remind", &events::REMINDED),
        Watch::Escalate => ("task.escalate", &events::ESCALATED),
    };
    let step = Step {
        action,
        before: serde_json::Value::Null,
        after: json!({ "unit": unit.unit_id, "due_on": unit.current_due_on }),
        event,
        payload: json!({
            "task_id": unit.task_id, "unit_id": unit.unit_id, "agency_id": unit.agency_id,
            "due_on": unit.current_due_on,
        }),
    };
    let entity = change::Entity {
        kind: "task",
        id: &unit.task_id,
    };
    change::commit(ctx, tx, &Actor::system(), entity, step).await?;
    Ok(true)
}

/// Mails each person who leads or follows open tasks the list of them, once on `today`.
async fn digests(ctx: &Ctx, today: NaiveDate) -> Result<usize, AppError> {
    let mut by_person: BTreeMap<String, (Option<String>, Vec<store::DigestLine>)> = BTreeMap::new();
    // A person who both leads a unit and follows its task sees its line once (a set: an
    // office follows thousands of open units).
    let mut seen = std::collections::HashSet::new();
    for line in store::digest_lines(&ctx.db).await? {
        if !seen.insert((
            line.user_id.clone(),
            line.task_id.clone(),
            line.unit_name.clone(),
        )) {
            continue;
        }
        by_person
            .entry(line.user_id.clone())
            .or_insert_with(|| (line.email.clone(), Vec::new()))
            .1
            .push(line);
    }
    let day = today.to_string();
    let base = ctx.config.public_url.trim_end_matches('/');
    let mut sent = 0;
    for (user_id, (email, lines)) in by_person {
        let mut tx = ctx.db.begin().await?;
        let now = tinhso_kernel::time::now_text();
        if !store::claim_digest(&mut tx, &user_id, &day, &now).await? {
            continue;
        }
        let overdue = lines.iter().filter(|l| l.current_due_on < day).count();
        let mut text = format!(
            "Ngày {day}: {} nhiệm vụ đang thực hiện, {overdue} nhiệm vụ quá hạn.\n\n",
            lines.len()
        );
        for l in &lines {
            let mark = if l.current_due_on < day {
                " — QUÁ HẠN"
            } else {
                ""
            };
            text.push_str(&format!(
                "- {} {} ({}): hạn {}{mark}\n  {base}/office/tasks/{}\n",
                l.code, l.title, l.unit_name, l.current_due_on, l.task_id
            ));
        }
        let key = format!("task-digest:{user_id}:{day}");
        let notice = Notice {
            topic: &DIGEST,
            subject: format!("Nhiệm vụ cần theo dõi ngày {day}"),
            body: format!(
                "{} nhiệm vụ đang thực hiện, {overdue} quá hạn.",
                lines.len()
            ),
            email_body: text,
            link: Some(crate::pages::BOARD.to_owned()),
            dedupe_key: &key,
        };
        let to = [notify::Recipient {
            user_id: Some(user_id.clone()),
            email,
        }];
        notify::send(ctx, &mut tx, &to, &notice).await?;
        tx.commit().await?;
        sent += 1;
    }
    Ok(sent)
}
