//! Five years of a province's tasks in bulk, for measuring the module at scale
//! (`tinhso load-sample-tasks`, scripts/bench-tasks): fictional tasks the province's People's
//! Committee assigned from January 2022 up to yesterday, evenly over the working days, each to
//! one lead unit and one to three supporting units of the directory (about three units a task),
//! with their deadlines, states, progress reports, extensions and decisions as the module would
//! have stored them — done on time, done late, done on time after an extension granted before
//! the deadline, reported complete and waiting, open within the deadline (some asking for
//! more time), open and overdue (some refused an extension).
//!
//! It writes what the pages and counting read: `tasks`, `task_units` (states, progress,
//! finished and judged days), `task_reports` (the timeline), `task_extensions`, and the
//! `task_reminders` the deadline sweep would long since have sent for the units still open
//! (so a node does not send thirty thousand escalations at once after the load). The codes are
//! taken from the authority's `NV-<year>` sequences, so tasks created afterwards continue them.
//! Like a migration from an earlier system it writes no audit rows and emits no events (no one
//! is told of five years of tasks); the caller recounts the operations centre's counters
//! (`tinhso_ops::rebuild`). Titles and texts are made up; nothing is real.

use crate::store::sample::{self as rows, Table, Value};
use crate::store::{self};
use chrono::{Datelike, Days, NaiveDate, Weekday};
use std::collections::{BTreeMap, HashMap};
use tinhso_domain::sample;
use tinhso_kernel::Ctx;

/// The authority that assigns the sample tasks: the demo province's People's Committee.
pub const AUTHORITY: &str = "000.00.00.H56";
/// The first day tasks are assigned on.
const START: (i32, u32, u32) = (2022, 1, 3);
/// The last deadline given.
const LAST_DUE: (i32, u32, u32) = (2026, 12, 31);

const ACTS: [&str; 10] = [
    "Tổ chức triển khai",
    "Rà soát, báo cáo",
    "Tham mưu sơ kết",
    "Kiểm tra, đôn đốc",
    "Xây dựng kế hoạch",
    "Đề xuất giải pháp tháo gỡ",
    "Hoàn thiện hồ sơ",
    "Tổng hợp số liệu",
    "Chủ trì thẩm định",
    "Hướng dẫn thực hiện",
];
const FIELDS: [&str; 8] = [
    "Cải cách hành chính",
    "Tài chính",
    "Đất đai",
    "Xây dựng",
    "Y tế",
    "Giáo dục",
    "Nông nghiệp",
    "Nội vụ",
];
const POSITIONS: [&str; 4] = ["committee", "chair", "vice_chair", "vice_chair"];
/// Calendar days from assignment to the lead unit's deadline.
const TERMS: [u64; 8] = [7, 10, 15, 20, 30, 30, 45, 60];

/// A small deterministic generator: the same count gives the same tasks.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

fn date((y, m, d): (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// Saturdays and Sundays move back to the Friday before.
fn weekday(day: NaiveDate) -> NaiveDate {
    match day.weekday() {
        Weekday::Sat => day - Days::new(1),
        Weekday::Sun => day - Days::new(2),
        _ => day,
    }
}

fn at(day: NaiveDate, hour: u32) -> String {
    format!("{day}T{hour:02}:00:00.000Z")
}

fn plus(day: NaiveDate, n: u64) -> NaiveDate {
    day + Days::new(n)
}

fn minus(day: NaiveDate, n: u64) -> NaiveDate {
    day - Days::new(n)
}

fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Writers at once: PostgreSQL takes concurrent transactions; SQLite has one writer.
fn writers(backend: tinhso_kernel::db::Backend) -> usize {
    match backend {
        tinhso_kernel::db::Backend::Postgres => 3,
        tinhso_kernel::db::Backend::Sqlite => 1,
    }
}

/// What was loaded.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub tasks: usize,
    pub units: usize,
    pub reports: usize,
    pub extensions: usize,
}

/// Who and what the tasks are drawn from.
struct World {
    authority_id: String,
    office_id: String,
    assigner_id: String,
    /// The units assigned to: every agency under the authority but its office.
    units: Vec<String>,
    /// A unit's reporting official (the assigner's account for a unit without one).
    reporter: HashMap<String, String>,
    today: NaiveDate,
}

impl World {
    fn reporter(&self, agency_id: &str) -> &str {
        self.reporter
            .get(agency_id)
            .map_or(self.assigner_id.as_str(), String::as_str)
    }
}

/// Loads `count` fictional tasks of [`AUTHORITY`] assigned up to the day before `today`, in
/// transactions of `batch` tasks.
pub async fn load(
    ctx: &Ctx,
    count: usize,
    batch: usize,
    today: NaiveDate,
) -> anyhow::Result<Loaded> {
    let err = |e: tinhso_kernel::error::AppError| anyhow::anyhow!("{e}");
    let authority = tinhso_directory::find(&ctx.db, AUTHORITY)
        .await
        .map_err(err)?
        .ok_or_else(|| anyhow::anyhow!("no agency {AUTHORITY}: load the demo province first"))?;
    let mut tx = ctx.db.begin().await?;
    let office_id = store::office_of(&mut tx, &authority.id)
        .await
        .map_err(err)?;
    tx.commit().await?;
    let assigner_id = store::user_id_by_email(&ctx.db, crate::demo::ASSIGNER)
        .await
        .map_err(err)?
        .ok_or_else(|| anyhow::anyhow!("no account {}", crate::demo::ASSIGNER))?;
    let all = tinhso_directory::store::all(&ctx.db).await.map_err(err)?;
    let mut units: Vec<(String, String)> =
        tinhso_directory::subtree(all, Some(authority.id.as_str()))
            .into_iter()
            .filter(|a| a.id != authority.id && a.id != office_id)
            .map(|a| (a.code.to_string(), a.id))
            .collect();
    units.sort();
    let units: Vec<String> = units.into_iter().map(|(_, id)| id).collect();
    if units.len() < 4 {
        anyhow::bail!("{AUTHORITY} has fewer than 4 units to assign tasks to");
    }
    let mut reporter = HashMap::new();
    for (agency, user) in rows::reporters(&ctx.db).await.map_err(err)? {
        reporter.entry(agency).or_insert(user);
    }
    let start = date(START);
    let last = minus(today, 1);
    if last <= start {
        anyhow::bail!("today must be after {start}");
    }
    let world = World {
        authority_id: authority.id.clone(),
        office_id,
        assigner_id,
        units,
        reporter,
        today,
    };

    // Every task's day of assignment, evenly over the span, and its code's number: each
    // year's numbers are taken from the authority's sequence at once.
    let span = (last - start).num_days() as usize;
    let days: Vec<NaiveDate> = (0..count)
        .map(|i| weekday(plus(start, (i * span / count.max(1)) as u64)).max(start))
        .collect();
    let mut per_year: BTreeMap<i32, i64> = BTreeMap::new();
    for d in &days {
        *per_year.entry(d.year()).or_insert(0) += 1;
    }
    let mut next_number: BTreeMap<i32, i64> = BTreeMap::new();
    let mut tx = ctx.db.begin().await?;
    for (year, n) in &per_year {
        let name = format!("task:{}:{year}", world.authority_id);
        let first = tinhso_kernel::db::take_sequence(&ctx.db, &mut tx, &name, *n).await?;
        next_number.insert(*year, first);
    }
    tx.commit().await?;
    let codes: Vec<String> = days
        .iter()
        .map(|d| {
            let n = next_number.entry(d.year()).or_insert(1);
            *n += 1;
            crate::model::code(d.year(), *n - 1)
        })
        .collect();

    let mut draw = Draw(0x9E37_79B9_7F4A_7C15);
    let writers = writers(ctx.db.backend);
    let mut loaded = Loaded::default();
    let mut done = 0;
    while done < count {
        let n = (batch * writers).min(count - done);
        let mut parts: Vec<Rows> = Vec::new();
        let per_part = n.div_ceil(writers);
        for i in done..done + n {
            if (i - done) % per_part == 0 {
                parts.push(Rows::default());
            }
            if let Some(part) = parts.last_mut() {
                part.task(&world, &mut draw, days[i], &codes[i], i);
            }
        }
        for part in &parts {
            loaded.tasks += part.tasks.len();
            loaded.units += part.units.len();
            loaded.reports += part.reports.len();
            loaded.extensions += part.extensions.len();
        }
        futures::future::try_join_all(parts.iter().map(|p| p.write(ctx))).await?;
        done += n;
    }
    Ok(loaded)
}

/// The rows of some tasks, ready to insert.
#[derive(Default)]
struct Rows {
    tasks: Vec<Vec<Value>>,
    units: Vec<Vec<Value>>,
    reports: Vec<Vec<Value>>,
    extensions: Vec<Vec<Value>>,
    reminders: Vec<Vec<Value>>,
}

/// What became of a task's lead unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Accepted on this day.
    Done(NaiveDate),
    /// Completion reported on this day, waiting for the office.
    Reported(NaiveDate),
    /// Still being worked on, at this percentage (0: not started).
    Open(i64),
}

/// An extension of the lead unit's deadline.
struct Asked {
    on: NaiveDate,
    new_due: NaiveDate,
    /// `Some(true)` granted (the day before the deadline), `Some(false)` refused, `None` waiting.
    granted: Option<bool>,
}

impl Rows {
    async fn write(&self, ctx: &Ctx) -> anyhow::Result<()> {
        let mut tx = ctx.db.begin().await?;
        for (table, rows) in [
            (Table::Tasks, &self.tasks),
            (Table::Units, &self.units),
            (Table::Reports, &self.reports),
            (Table::Extensions, &self.extensions),
            (Table::Reminders, &self.reminders),
        ] {
            rows::insert(&mut tx, ctx.db.backend, table, rows)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        // Not through `service::record`: raise the tasks' generation here.
        store::overview::bump_generation(&mut tx)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        tx.commit().await?;
        Ok(())
    }

    #[allow(clippy::too_many_lines)]
    fn task(&mut self, w: &World, draw: &mut Draw, assigned: NaiveDate, code: &str, n: usize) {
        let today = w.today;
        let last_due = date(LAST_DUE).max(plus(today, 1));
        let lead_due = plus(assigned, *draw.pick(&TERMS)).min(last_due);
        let lead_due = weekday(lead_due).max(plus(assigned, 1));
        let priority = match draw.below(100) {
            0..70 => "normal",
            70..92 => "high",
            _ => "urgent",
        };
        // The lead unit and one to three supporting units, all different.
        let supporting = 1 + [0, 1, 1, 2][draw.below(4) as usize];
        let mut agencies: Vec<&str> = Vec::new();
        while agencies.len() < supporting + 1 {
            let a = draw.pick(&w.units).as_str();
            if !agencies.contains(&a) {
                agencies.push(a);
            }
        }
        let roll = draw.below(100);
        let (outcome, asked) = if lead_due < today {
            // The deadline has passed.
            let span = (lead_due - assigned).num_days().max(1) as u64;
            match roll {
                0..62 => (Outcome::Done(plus(assigned, 1 + draw.below(span))), None),
                62..74 => {
                    let finished = plus(lead_due, 1 + draw.below(25));
                    if finished < today {
                        (Outcome::Done(finished), None)
                    } else {
                        (Outcome::Open(50 + 10 * draw.below(5) as i64), None)
                    }
                }
                74..82 => {
                    let on = minus(lead_due, 3).max(assigned);
                    let new_due =
                        weekday(plus(lead_due, 10 + draw.below(20))).max(plus(lead_due, 1));
                    let asked = Asked {
                        on,
                        new_due,
                        granted: Some(true),
                    };
                    let finished = minus(new_due, draw.below(8)).max(plus(lead_due, 1));
                    if finished < today {
                        (Outcome::Done(finished), Some(asked))
                    } else {
                        (Outcome::Open(60 + 10 * draw.below(4) as i64), Some(asked))
                    }
                }
                82..86 => {
                    let reported = plus(lead_due, 1 + draw.below(10)).min(minus(today, 1));
                    (Outcome::Reported(reported), None)
                }
                86..92 => {
                    let asked = Asked {
                        on: minus(lead_due, 2).max(assigned),
                        new_due: plus(lead_due, 15),
                        granted: Some(false),
                    };
                    (Outcome::Open(30 + 10 * draw.below(5) as i64), Some(asked))
                }
                _ => (Outcome::Open(10 * draw.below(9) as i64), None),
            }
        } else {
            // Still within the deadline.
            match roll {
                0..35 => (Outcome::Open(0), None),
                35..80 => (Outcome::Open(10 + 10 * draw.below(8) as i64), None),
                80..88 if minus(today, 1) > assigned && minus(today, 1) < lead_due => {
                    let asked = Asked {
                        on: minus(today, 1),
                        new_due: weekday(plus(lead_due, 15)).max(plus(lead_due, 1)),
                        granted: None,
                    };
                    (Outcome::Open(40), Some(asked))
                }
                88..95 if minus(today, 1) > assigned => {
                    let span = (minus(today, 1) - assigned).num_days().max(1) as u64;
                    (Outcome::Done(plus(assigned, 1 + draw.below(span))), None)
                }
                95.. if minus(today, 1) > assigned => (Outcome::Reported(minus(today, 1)), None),
                _ => (Outcome::Open(20), None),
            }
        };

        let task_id = id();
        let title = format!(
            "{} {} năm {} (mẫu)",
            draw.pick(&ACTS),
            draw.pick(&sample::MATTERS),
            assigned.year()
        );
        let content = format!(
            "{title}: các đơn vị căn cứ chức năng, nhiệm vụ chủ động phối hợp triển khai, báo cáo kết quả về Văn phòng. Nội dung mẫu số {}.",
            n + 1
        );
        let granted_due = match &asked {
            Some(Asked {
                new_due,
                granted: Some(true),
                ..
            }) => Some(*new_due),
            _ => None,
        };
        let (lead_state, last_change) = match outcome {
            Outcome::Done(d) => ("completed", d),
            Outcome::Reported(d) => ("completion_reported", d),
            Outcome::Open(0) => ("assigned", assigned),
            Outcome::Open(_) => ("in_progress", minus(today, 1).min(lead_due).max(assigned)),
        };
        self.tasks.push(vec![
            task_id.clone().into(),
            code.into(),
            title.clone().into(),
            content.into(),
            "typed".into(),
            w.authority_id.clone().into(),
            (*draw.pick(&POSITIONS)).into(),
            w.office_id.clone().into(),
            priority.into(),
            (*draw.pick(&FIELDS)).into(),
            assigned.to_string().into(),
            lead_state.into(),
            w.assigner_id.clone().into(),
            at(assigned, 1).into(),
            at(last_change, 9).into(),
        ]);

        let middle = plus(
            assigned,
            ((last_change - assigned).num_days().max(0) / 2) as u64,
        );
        let mut lead_unit = String::new();
        for (k, agency) in agencies.iter().enumerate() {
            let lead = k == 0;
            let unit_id = id();
            let due = if lead {
                lead_due
            } else {
                minus(lead_due, [0, 2, 5][draw.below(3) as usize]).max(plus(assigned, 1))
            };
            let current = if lead {
                granted_due.unwrap_or(due)
            } else {
                due
            };
            let by = w.reporter(agency).to_owned();
            let (state, progress, finished, accepted_by) = match outcome {
                Outcome::Done(d) => ("completed", 100, Some(d), Some(w.assigner_id.clone())),
                Outcome::Reported(_) if lead => ("completion_reported", 100, None, None),
                Outcome::Reported(_) => ("in_progress", 80, None, None),
                Outcome::Open(0) => ("assigned", 0, None, None),
                Outcome::Open(p) if lead => ("in_progress", p, None, None),
                Outcome::Open(p) if k % 2 == 1 => ("in_progress", (p / 2).max(10), None, None),
                Outcome::Open(_) => ("assigned", 0, None, None),
            };
            self.units.push(vec![
                unit_id.clone().into(),
                task_id.clone().into(),
                (*agency).into(),
                (if lead { "lead" } else { "supporting" }).into(),
                due.to_string().into(),
                current.to_string().into(),
                current.to_string().into(),
                state.into(),
                progress.into(),
                finished.map(|d| d.to_string()).into(),
                accepted_by.into(),
                at(finished.unwrap_or(last_change), 9).into(),
            ]);
            if progress > 0 {
                let percent = if matches!(outcome, Outcome::Done(_)) {
                    if lead { 60 } else { 100 }
                } else {
                    progress
                };
                self.report(
                    &task_id,
                    &unit_id,
                    "progress",
                    Some(percent),
                    None,
                    "Đã triển khai, tổng hợp kết quả bước đầu (mẫu).",
                    &by,
                    at(middle, 3 + k as u32),
                );
            }
            // The sweep reminded and escalated the units still open long ago.
            if matches!(state, "assigned" | "in_progress") {
                if current < today {
                    for kind in ["remind", "escalate"] {
                        self.reminders.push(vec![
                            unit_id.clone().into(),
                            kind.into(),
                            current.to_string().into(),
                            at(plus(current, 1), 1).into(),
                        ]);
                    }
                } else if current <= plus(today, 4) {
                    self.reminders.push(vec![
                        unit_id.clone().into(),
                        "remind".into(),
                        current.to_string().into(),
                        at(minus(today, 1), 1).into(),
                    ]);
                }
            }
            if lead {
                lead_unit = unit_id;
            }
        }

        let lead_by = w.reporter(agencies[0]).to_owned();
        if let Some(a) = &asked {
            let (decision, kind, note) = match a.granted {
                Some(true) => (
                    Some("granted"),
                    Some("extension_grant"),
                    "Đồng ý gia hạn (mẫu).",
                ),
                Some(false) => (
                    Some("refused"),
                    Some("extension_refuse"),
                    "Không đồng ý gia hạn, đề nghị khẩn trương hoàn thành (mẫu).",
                ),
                None => (None, None, ""),
            };
            let decided_on = minus(lead_due, 1).max(a.on);
            let reason = "Cần thêm thời gian lấy ý kiến các đơn vị phối hợp (mẫu).";
            self.extensions.push(vec![
                id().into(),
                task_id.clone().into(),
                lead_unit.clone().into(),
                a.on.to_string().into(),
                lead_due.to_string().into(),
                a.new_due.to_string().into(),
                reason.into(),
                lead_by.clone().into(),
                at(a.on, 2).into(),
                decision.map(str::to_owned).into(),
                (a.granted == Some(true))
                    .then(|| a.new_due.to_string())
                    .into(),
                decision.map(|_| note.to_owned()).into(),
                decision.map(|_| w.assigner_id.clone()).into(),
                decision.map(|_| decided_on.to_string()).into(),
                decision.map(|_| at(decided_on, 8)).into(),
            ]);
            self.report(
                &task_id,
                &lead_unit,
                "extension_request",
                None,
                Some(a.new_due),
                reason,
                &lead_by,
                at(a.on, 2),
            );
            if let Some(kind) = kind {
                self.report(
                    &task_id,
                    &lead_unit,
                    kind,
                    None,
                    (a.granted == Some(true)).then_some(a.new_due),
                    note,
                    &w.assigner_id,
                    at(decided_on, 8),
                );
            }
        }
        match outcome {
            Outcome::Done(d) => {
                self.report(
                    &task_id,
                    &lead_unit,
                    "completion",
                    None,
                    None,
                    "Đã hoàn thành, gửi báo cáo kết quả kèm theo (mẫu).",
                    &lead_by,
                    at(d, 2),
                );
                self.report(
                    &task_id,
                    &lead_unit,
                    "accept",
                    None,
                    None,
                    "",
                    &w.assigner_id,
                    at(d, 8),
                );
            }
            Outcome::Reported(d) => self.report(
                &task_id,
                &lead_unit,
                "completion",
                None,
                None,
                "Đã hoàn thành, đề nghị Văn phòng xem xét (mẫu).",
                &lead_by,
                at(d, 2),
            ),
            Outcome::Open(_) => {}
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn report(
        &mut self,
        task_id: &str,
        unit_id: &str,
        kind: &str,
        percent: Option<i64>,
        due_on: Option<NaiveDate>,
        body: &str,
        by: &str,
        created_at: String,
    ) {
        self.reports.push(vec![
            id().into(),
            task_id.into(),
            unit_id.into(),
            kind.into(),
            percent.into(),
            due_on.map(|d| d.to_string()).into(),
            body.into(),
            by.into(),
            created_at.into(),
        ]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekends_move_back_to_friday() {
        let friday = date((2026, 11, 27));
        assert_eq!(weekday(friday), friday);
        assert_eq!(weekday(plus(friday, 1)), friday);
        assert_eq!(weekday(plus(friday, 2)), friday);
        assert_eq!(weekday(plus(friday, 3)), plus(friday, 3));
    }

    #[test]
    fn the_same_seed_draws_the_same() {
        let (mut a, mut b) = (Draw(7), Draw(7));
        let xs: Vec<u64> = (0..5).map(|_| a.below(100)).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.below(100)).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().all(|x| *x < 100));
    }
}
