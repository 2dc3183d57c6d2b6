//! The deadline sweep of task tracking, run by every node's job runner every few minutes
//! (`tasks.deadlines`, docs/tasks-design.md §4): a reminder to a unit's leaders
//! [`REMIND_WORKING_DAYS`] working days before its deadline (the platform calendar), an
//! escalation to the unit's leaders and the assigning office from the first working day after
//! it, and, from 07:00 on working days, one digest email a day to each person who leads or
//! follows open tasks or holds open parts of them. A split part's deadline (`crate::parts`)
//! gets the same: a reminder to its holder, an escalation to the holder and the leaders of
//! the unit that split it. Each is claimed by inserting its key (`task_reminders`: unit, kind,
//! deadline; `task_part_reminders`: part, kind, deadline; `task_digests`: person, day) in the
//! transaction that sends it, so two nodes sweeping at once still send each once; an
//! extension's new deadline gets its own. The clock is a parameter, so tests move it.

use crate::events;
use crate::notices::{self, DEADLINES, DIGEST};
use crate::store::{self, DueUnit, parts};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde_json::json;
use std::collections::BTreeMap;
use tinhso_domain::calendar::Calendar;
use tinhso_domain::task::deadline;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::change::{self, Step};
use tinhso_kernel::db::Tx;
use tinhso_kernel::error::AppError;
use tinhso_kernel::events::EventKind;
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
        if let Some(w) = watch(&calendar, &unit.current_due_on, &unit.assigned_on, today) {
            let sent = send(ctx, &unit, w).await?;
            swept.count(w, sent);
        }
    }
    for part in parts::open_due_by(&ctx.db, &horizon).await? {
        let split_on = part.created_at.get(..10).unwrap_or_default();
        if let Some(w) = watch(&calendar, &part.due_on, split_on, today) {
            let sent = send_part(ctx, &part, w).await?;
            swept.count(w, sent);
        }
    }
    let start = NaiveTime::from_hms_opt(DIGEST_HOUR, 0, 0).unwrap_or(NaiveTime::MIN);
    if now.time() >= start && calendar.is_working_day(today) {
        swept.digests = digests(ctx, today).await?;
    }
    Ok(swept)
}

impl Swept {
    fn count(&mut self, watch: Watch, sent: bool) {
        match watch {
            Watch::Remind => self.reminders += usize::from(sent),
            Watch::Escalate => self.escalations += usize::from(sent),
        }
    }
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

/// What a deadline `due` given on `assigned` (both `YYYY-MM-DD`) is owed on `today`, if
/// anything: an escalation from the first working day after it, a reminder from its reminder
/// day up to it. The same for a unit's deadline and a part's.
fn watch(calendar: &Calendar, due: &str, assigned: &str, today: NaiveDate) -> Option<Watch> {
    let due = NaiveDate::parse_from_str(due, "%Y-%m-%d").ok()?;
    let assigned = NaiveDate::parse_from_str(assigned, "%Y-%m-%d").ok()?;
    if today > due {
        let escalate_on = deadline::escalation_day(calendar, due).ok()?;
        return (today >= escalate_on).then_some(Watch::Escalate);
    }
    let remind_on = deadline::reminder_day(calendar, due, REMIND_WORKING_DAYS, assigned)?;
    (today >= remind_on).then_some(Watch::Remind)
}

/// One reminder or escalation, already claimed in its transaction: who is told what, and
/// the audit row and event it leaves on the task.
struct Sending<'a> {
    task_id: &'a str,
    key: String,
    to: Vec<store::Person>,
    subject: String,
    body: String,
    action: &'static str,
    event: &'static EventKind,
    after: serde_json::Value,
    payload: serde_json::Value,
}

/// Tells the people of `s` and commits `tx` with its audit row and event.
async fn deliver(ctx: &Ctx, mut tx: Tx, s: Sending<'_>) -> Result<(), AppError> {
    let (path, link) = notices::links(ctx, s.task_id);
    let notice = Notice {
        topic: &DEADLINES,
        subject: s.subject,
        email_body: format!("{}\n\nXem nhiệm vụ: {link}\n", s.body),
        body: s.body,
        link: Some(path),
        dedupe_key: &s.key,
    };
    notify::send(ctx, &mut tx, &notices::recipients(s.to), &notice).await?;
    let step = Step {
        action: s.action,
        before: serde_json::Value::Null,
        after: s.after,
        event: s.event,
        payload: s.payload,
    };
    let entity = change::Entity {
        kind: "task",
        id: s.task_id,
    };
    change::commit(ctx, tx, &Actor::system(), entity, step).await?;
    Ok(())
}

/// Adds `more` to `to`, each person once.
fn join(to: &mut Vec<store::Person>, more: Vec<store::Person>) {
    for p in more {
        if !to.iter().any(|q| q.id == p.id) {
            to.push(p);
        }
    }
}

/// Claims and sends one reminder or escalation of a unit's deadline in one transaction with
/// its audit row and event; false when another sweep sent it already.
async fn send(ctx: &Ctx, unit: &DueUnit, watch: Watch) -> Result<bool, AppError> {
    let now = tinhso_kernel::time::now_text();
    let mut tx = ctx.db.begin().await?;
    let kind = watch.as_str();
    if !store::claim_reminder(&mut tx, &unit.unit_id, kind, &unit.current_due_on, &now).await? {
        return Ok(false);
    }
    let mut to = store::leaders(&mut tx, &unit.agency_id).await?;
    let (subject, body, action, event) = match watch {
        Watch::Remind => (
            format!("Nhiệm vụ {} sắp đến hạn", unit.code),
            format!(
                "Nhiệm vụ “{}” giao {} cần hoàn thành trước hết ngày {}.",
                unit.title, unit.agency_name, unit.current_due_on
            ),
            "task.remind",
            &events::REMINDED,
        ),
        Watch::Escalate => {
            join(
                &mut to,
                store::office_people(&mut tx, &unit.office_agency_id).await?,
            );
            (
                format!("Nhiệm vụ {} đã quá hạn", unit.code),
                format!(
                    "Nhiệm vụ “{}” giao {} đã quá hạn (hạn {}). Đề nghị lãnh đạo đơn vị chỉ đạo hoàn thành và văn phòng theo dõi, đôn đốc.",
                    unit.title, unit.agency_name, unit.current_due_on
                ),
                "task.escalate",
                &events::ESCALATED,
            )
        }
    };
    let sending = Sending {
        task_id: &unit.task_id,
        key: format!(
            "task-deadline:{}:{kind}:{}",
            unit.unit_id, unit.current_due_on
        ),
        to,
        subject,
        body,
        action,
        event,
        after: json!({ "unit": unit.unit_id, "due_on": unit.current_due_on }),
        payload: json!({
            "task_id": unit.task_id, "unit_id": unit.unit_id, "agency_id": unit.agency_id,
            "due_on": unit.current_due_on,
        }),
    };
    deliver(ctx, tx, sending).await?;
    Ok(true)
}

/// Claims and sends one reminder of a part's deadline to its holder, or its escalation to the
/// holder and the leaders of the unit that split it, like [`send`]; false when sent already.
async fn send_part(ctx: &Ctx, part: &parts::DuePart, watch: Watch) -> Result<bool, AppError> {
    let now = tinhso_kernel::time::now_text();
    let mut tx = ctx.db.begin().await?;
    let kind = watch.as_str();
    if !parts::claim_reminder(&mut tx, &part.part_id, kind, &part.due_on, &now).await? {
        return Ok(false);
    }
    let mut to = parts::holder_people(
        &mut tx,
        part.holder_agency_id.as_deref(),
        part.holder_user_id.as_deref(),
    )
    .await?;
    let (subject, body, action, event) = match watch {
        Watch::Remind => (
            format!("Phần việc của nhiệm vụ {} sắp đến hạn", part.code),
            format!(
                "Phần việc {} giao {} trong nhiệm vụ “{}” cần hoàn thành trước hết ngày {}.",
                part.agency_name, part.holder_name, part.title, part.due_on
            ),
            "task.part_remind",
            &events::PART_REMINDED,
        ),
        Watch::Escalate => {
            join(&mut to, store::leaders(&mut tx, &part.agency_id).await?);
            (
                format!("Phần việc của nhiệm vụ {} đã quá hạn", part.code),
                format!(
                    "Phần việc {} giao {} trong nhiệm vụ “{}” đã quá hạn (hạn {}). Đề nghị lãnh đạo đơn vị đôn đốc hoàn thành.",
                    part.agency_name, part.holder_name, part.title, part.due_on
                ),
                "task.part_escalate",
                &events::PART_ESCALATED,
            )
        }
    };
    let sending = Sending {
        task_id: &part.task_id,
        key: format!("task-part-deadline:{}:{kind}:{}", part.part_id, part.due_on),
        to,
        subject,
        body,
        action,
        event,
        after: json!({ "unit": part.unit_id, "part": part.part_id, "due_on": part.due_on }),
        payload: json!({
            "task_id": part.task_id, "unit_id": part.unit_id, "agency_id": part.agency_id,
            "part_id": part.part_id, "due_on": part.due_on,
        }),
    };
    deliver(ctx, tx, sending).await?;
    Ok(true)
}

/// Mails each person who leads or follows open tasks the list of them, once on `today`.
async fn digests(ctx: &Ctx, today: NaiveDate) -> Result<usize, AppError> {
    let mut by_person: BTreeMap<String, (Option<String>, Vec<store::DigestLine>)> = BTreeMap::new();
    // The parts a person holds join the tasks they lead or follow, by their own deadline.
    let held = parts::digest_parts(&ctx.db)
        .await?
        .into_iter()
        .map(|p| store::DigestLine {
            user_id: p.user_id,
            email: p.email,
            task_id: p.task_id,
            code: p.code,
            title: p.title,
            unit_name: format!("phần việc {} giao", p.unit_name),
            current_due_on: p.due_on,
        });
    // A person who both leads a unit and follows its task sees its line once (a set: an
    // office follows thousands of open units).
    let mut seen = std::collections::HashSet::new();
    for line in store::digest_lines(&ctx.db).await?.into_iter().chain(held) {
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
    for (user_id, (email, mut lines)) in by_person {
        lines.sort_by(|a, b| (&a.current_due_on, &a.code).cmp(&(&b.current_due_on, &b.code)));
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
