//! Years of a province's one-stop dossiers in bulk, for measuring the operations centre at
//! scale (`tinhso load-sample-ops`, scripts/bench-ops): fictional dossiers submitted from
//! January 2022 to yesterday, evenly over the working days, each for a procedure at an agency
//! that receives it in the catalog (the demo province's departments and communes), with the
//! outcome the module would have stored: refused at reception, withdrawn, finished early, on
//! time or late (returned, some approved and waiting), open within the deadline, open and
//! overdue; some rated by their applicant.
//!
//! Dossier `i` of `count` is a pure function of `(i, count)` ([`Plan::dossier`]), so batches can be
//! made in any order and by several writers. It writes the `dossiers` row only (no papers, no
//! timeline, no events and no audit rows, like a migration from an earlier system) and gives,
//! with each row, the marks the operations centre counts of it ([`crate::kpi::marks`] of the
//! same values), so the caller can count it without reading it back. Names are made up.

use crate::dossiers::store::sample::{self as rows, Offer, Value};
use crate::dossiers::store::stats::CountingRow;
use chrono::{Datelike, Days, Duration, NaiveDate, NaiveDateTime, Weekday};
use tinhso_kernel::Ctx;
use tinhso_kernel::db::{Backend, Conn};
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::Mark;

/// The first day dossiers are submitted on.
pub const START: (i32, u32, u32) = (2022, 1, 3);

const FAMILY: [&str; 10] = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
];
const MIDDLE: [&str; 6] = ["Văn", "Thị", "Hữu", "Minh", "Thanh", "Đức"];
const GIVEN: [&str; 12] = [
    "An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hùng", "Lan", "Mai", "Nam", "Phương", "Tâm",
];

/// What a load draws from: the catalog's offers and the span of days.
pub struct Plan {
    offers: Vec<Offer>,
    start: NaiveDate,
    /// The last day of submission (yesterday).
    last: NaiveDate,
    count: usize,
    /// Now, in Vietnam local time: nothing happens after it.
    now: NaiveDateTime,
}

/// One sample dossier: its row and the marks it counts for.
pub struct Dossier {
    pub id: String,
    pub row: Vec<Value>,
    pub marks: Vec<Mark>,
}

/// A deterministic draw for dossier `i` (splitmix64).
struct Draw(u64);

impl Draw {
    fn of(i: usize) -> Draw {
        Draw((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// `n` working days (Monday to Friday) after `t`, at the same time.
fn working_days_after(t: NaiveDateTime, n: i64) -> NaiveDateTime {
    let mut t = t;
    let mut left = n;
    while left > 0 {
        t += Duration::days(1);
        if !matches!(t.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    t
}

fn local(t: NaiveDateTime) -> String {
    tinhso_kernel::time::local_text(t)
}

/// The stored UTC text of a Vietnam local time.
fn utc(t: NaiveDateTime) -> String {
    tinhso_kernel::time::to_text((t - Duration::hours(7)).and_utc())
}

impl Plan {
    /// The catalog's offers, and the days from [`START`] to the day before `now`.
    pub async fn new(ctx: &Ctx, count: usize, now: NaiveDateTime) -> anyhow::Result<Plan> {
        let offers = rows::offers(&ctx.db)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if offers.is_empty() {
            anyhow::bail!("no agency receives a procedure: load the demo province first");
        }
        let start = NaiveDate::from_ymd_opt(START.0, START.1, START.2).unwrap_or_default();
        let last = now.date() - Days::new(1);
        if last <= start {
            anyhow::bail!("today must be after {start}");
        }
        Ok(Plan {
            offers,
            start,
            last,
            count,
            now,
        })
    }

    /// The agencies dossiers are loaded for.
    pub fn agencies(&self) -> Vec<String> {
        let mut out: Vec<String> = self.offers.iter().map(|o| o.agency_id.clone()).collect();
        out.sort();
        out.dedup();
        out
    }

    /// Dossier `i` (`0..count`), submitted in order over the span.
    pub fn dossier(&self, i: usize) -> Dossier {
        let mut d = Draw::of(i);
        let span = (self.last - self.start).num_days() as u128;
        let offset = (i as u128 * span / self.count.max(1) as u128) as u64;
        let mut day = self.start + Days::new(offset);
        day = match day.weekday() {
            Weekday::Sat => day - Days::new(1),
            Weekday::Sun => day - Days::new(2),
            _ => day,
        };
        let minute = 7 * 60 + 30 + d.below(9 * 60) as i64;
        let submitted = day.and_hms_opt(0, 0, 0).unwrap_or_default() + Duration::minutes(minute);
        let offer = &self.offers[d.below(self.offers.len() as u64) as usize];
        let channel = match d.below(100) {
            0..=54 => "online",
            55..=89 => "counter",
            _ => "post",
        };
        let name = format!(
            "{} {} {}",
            FAMILY[d.below(FAMILY.len() as u64) as usize],
            MIDDLE[d.below(MIDDLE.len() as u64) as usize],
            GIVEN[d.below(GIVEN.len() as u64) as usize]
        );
        let code = format!(
            "{}-{}-M{:08}",
            offer.agency_code,
            submitted.format("%y%m%d"),
            i
        );
        let roll = d.below(1000);
        let mut state = "in_progress";
        let mut accepted = None;
        let mut due = None;
        let mut finished = None;
        let mut outcome = None;
        let mut rating = None;
        let mut rated = None;
        if roll < 20 {
            // Refused at reception (form 03): never accepted, no deadline.
            state = "refused";
            finished = Some(submitted + Duration::minutes(30 + d.below(240) as i64));
        } else {
            let a = submitted + Duration::minutes(5 + d.below(90) as i64);
            let half_days = offer.processing_half_days.max(1);
            let dd = working_days_after(a, (half_days + 1) / 2);
            accepted = Some(a);
            due = Some(dd);
            let term = (dd - a).num_minutes().max(60);
            let fate = d.below(1000);
            if roll < 45 {
                state = "withdrawn";
                finished = Some(a + Duration::minutes(term / 3));
            } else if fate < 380 {
                let f = a + Duration::minutes(term * (20 + d.below(60) as i64) / 100);
                if f <= self.now {
                    state = "returned";
                    finished = Some(f);
                    outcome = Some("early");
                }
            } else if fate < 820 {
                // On the due day, before its hour.
                let f = dd - Duration::minutes(d.below(240) as i64);
                if f <= self.now {
                    state = "returned";
                    finished = Some(f.max(a));
                    outcome = Some("on_time");
                }
            } else if fate < 950 {
                let f = dd + Duration::minutes(60 * 24 * (1 + d.below(15) as i64));
                if f <= self.now {
                    state = "returned";
                    finished = Some(f);
                    outcome = Some("late");
                }
            }
            // The rest stay open: within the deadline, or overdue once it passed.
            if state == "returned" && d.below(10) == 0 {
                // Approved; the result waits to be handed over.
                state = "approved";
            }
            if state == "returned" && d.below(100) < 25 {
                let r = match d.below(100) {
                    0..=49 => 4,
                    50..=79 => 3,
                    80..=91 => 2,
                    _ => 1,
                };
                let at = finished.unwrap_or(a) + Duration::hours(2 + d.below(70) as i64);
                if at <= self.now {
                    rating = Some(r);
                    rated = Some(at);
                }
            }
        }
        let submitted_at = utc(submitted);
        let updated = rated.or(finished).or(accepted).unwrap_or(submitted);
        let counting = CountingRow {
            agency_id: offer.agency_id.clone(),
            channel: channel.to_owned(),
            state: state.to_owned(),
            submitted_at: Some(submitted_at.clone()),
            accepted_at: accepted.map(utc),
            finished_at: finished.map(utc),
            outcome: outcome.map(str::to_owned),
            due_local: due.map(local),
            rating,
            rated_at: rated.map(utc),
            field_code: Some(offer.field_code.clone()),
        };
        let id = uuid::Uuid::now_v7().to_string();
        let row = vec![
            Value::Text(id.clone()),
            Value::Text(code),
            Value::Text(offer.procedure_code.clone()),
            Value::Text(offer.procedure_name.clone()),
            Value::Text(offer.agency_id.clone()),
            Value::Text(name),
            Value::Text(channel.to_owned()),
            Value::Text(state.to_owned()),
            Value::Int(if state == "in_progress" { 1 } else { 0 }),
            Value::Text("[]".to_owned()),
            Value::Int(offer.processing_half_days),
            Value::Text("{}".to_owned()),
            Value::MaybeText(accepted.map(local)),
            Value::MaybeText(counting.due_local.clone()),
            Value::Text(submitted_at.clone()),
            Value::MaybeText(counting.accepted_at.clone()),
            Value::MaybeText(counting.finished_at.clone()),
            Value::MaybeText(finished.map(local)),
            Value::MaybeText(counting.outcome.clone()),
            Value::MaybeInt(rating),
            Value::MaybeText(counting.rated_at.clone()),
            Value::Text(submitted_at),
            Value::Text(utc(updated)),
        ];
        let marks = crate::kpi::marks(&counting);
        Dossier { id, row, marks }
    }
}

/// Writes the rows of `dossiers` in the caller's transaction.
pub async fn write(tx: &mut Conn, backend: Backend, dossiers: &[Dossier]) -> Result<(), AppError> {
    let cells: Vec<&Vec<Value>> = dossiers.iter().map(|d| &d.row).collect();
    rows::insert(tx, backend, &cells).await
}
