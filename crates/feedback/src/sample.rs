//! Years of a province's feedback reports in bulk, for measuring the operations centre at
//! scale (`tinhso load-sample-ops`, scripts/bench-ops): fictional reports received from
//! January 2022 to yesterday, evenly over the days, each in a category and the agency its
//! routing rule names (a commune's own rule, else the province-wide one), about a commune of the
//! province and placed in it on the map, with what became of it: answered on time or late
//! (some closed, some rated), rejected, marked a duplicate, still open (overdue once its
//! deadline passed).
//!
//! Report `i` of `count` is a pure function of `(i, count)` ([`Plan::report`]). It writes the
//! `feedback_reports` row only, its search text folded (no photos, timeline, followers, events
//! or audit rows, like a migration from an earlier system), and gives with each row the marks
//! the operations centre counts of it ([`crate::kpi::marks`] of the same values). Texts are
//! made up.

use crate::store::{self, CountingRow, SampleRoute};
use chrono::{Days, Duration, NaiveDate, NaiveDateTime};
use tinhso_kernel::Ctx;
use tinhso_kernel::db::Value;
use tinhso_kernel::db::{Backend, Conn};
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::Mark;

/// The first day reports are received on.
pub const START: (i32, u32, u32) = (2022, 1, 3);

const PLACES: [&str; 8] = [
    "trước chợ",
    "gần trường tiểu học",
    "đầu ngõ",
    "cạnh nhà văn hóa thôn",
    "trên đường liên xã",
    "gần trạm y tế",
    "trước UBND xã",
    "ven kênh",
];

/// What a load draws from.
pub struct Plan {
    routes: Vec<SampleRoute>,
    units: Vec<String>,
    start: NaiveDate,
    last: NaiveDate,
    count: usize,
    now: NaiveDateTime,
}

/// One sample report: its row and the marks it counts for.
pub struct Sample {
    pub id: String,
    pub row: Vec<Value>,
    pub marks: Vec<Mark>,
}

/// A deterministic draw for report `i` (splitmix64).
struct Draw(u64);

impl Draw {
    fn of(i: usize) -> Draw {
        Draw((i as u64).wrapping_mul(0xA076_1D64_78BD_642F) ^ 0xE703_7ED1_A0B4_28DB)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn local(t: NaiveDateTime) -> String {
    tinhso_kernel::time::local_text(t)
}

fn utc(t: NaiveDateTime) -> String {
    tinhso_kernel::time::to_text((t - Duration::hours(7)).and_utc())
}

impl Plan {
    pub async fn new(ctx: &Ctx, count: usize, now: NaiveDateTime) -> anyhow::Result<Plan> {
        let err = |e: AppError| anyhow::anyhow!("{e}");
        let routes = store::sample_routes(&ctx.db).await.map_err(err)?;
        let units = store::sample_units(&ctx.db).await.map_err(err)?;
        if routes.is_empty() || units.is_empty() {
            anyhow::bail!("no feedback routing rule or commune: load the demo province first");
        }
        let start = NaiveDate::from_ymd_opt(START.0, START.1, START.2).unwrap_or_default();
        let last = now.date() - Days::new(1);
        if last <= start {
            anyhow::bail!("today must be after {start}");
        }
        Ok(Plan {
            routes,
            units,
            start,
            last,
            count,
            now,
        })
    }

    /// Report `i` (`0..count`), received in order over the span.
    pub fn report(&self, i: usize) -> Sample {
        let mut d = Draw::of(i);
        let span = (self.last - self.start).num_days() as u128;
        let offset = (i as u128 * span / self.count.max(1) as u128) as u64;
        let day = self.start + Days::new(offset);
        let received = day.and_hms_opt(0, 0, 0).unwrap_or_default()
            + Duration::minutes(6 * 60 + d.below(15 * 60) as i64);
        let unit = self.units[d.below(self.units.len() as u64) as usize].clone();
        // The commune's own rule for a category, else the province-wide one.
        let category = &self.routes[d.below(self.routes.len() as u64) as usize].category_code;
        let route = self
            .routes
            .iter()
            .find(|r| {
                &r.category_code == category && r.admin_unit_code.as_deref() == Some(unit.as_str())
            })
            .or_else(|| {
                self.routes
                    .iter()
                    .find(|r| &r.category_code == category && r.admin_unit_code.is_none())
            })
            .unwrap_or(&self.routes[0]);
        let due = received + Duration::days(route.deadline_days.max(1));
        let roll = d.below(1000);
        let mut status = "in_progress";
        let mut answered = None;
        let mut rating = None;
        if roll < 30 {
            status = "duplicate";
        } else if roll < 80 {
            status = "rejected";
        } else {
            let term = (due - received).num_minutes().max(60);
            let at = if roll < 800 {
                received + Duration::minutes(term * (10 + d.below(90) as i64) / 100)
            } else if roll < 920 {
                due + Duration::minutes(60 * 24 * (1 + d.below(20) as i64))
            } else {
                // Left open.
                self.now + Duration::days(1)
            };
            if at <= self.now {
                answered = Some(at);
                status = if d.below(4) == 0 {
                    "closed"
                } else {
                    "answered"
                };
                if d.below(100) < 30 {
                    rating = Some(1 + d.below(4) as i64);
                }
            } else if d.below(3) == 0 {
                status = "received";
            }
        }
        let lat = 19.60 + d.below(6000) as f64 / 10_000.0;
        let lon = 105.30 + d.below(6000) as f64 / 10_000.0;
        let place = PLACES[d.below(PLACES.len() as u64) as usize];
        let counting = CountingRow {
            agency_id: Some(route.agency_id.clone()),
            admin_unit_code: Some(unit.clone()),
            category_code: route.category_code.clone(),
            status: status.to_owned(),
            received_local: local(received),
            due_local: Some(local(due)),
            answered_local: answered.map(local),
            rating,
        };
        let id = uuid::Uuid::now_v7().to_string();
        let created = utc(received);
        let updated = utc(answered.unwrap_or(received));
        let title = format!("{} {place}", route.category_name);
        let description = format!(
            "Phản ánh mẫu về {} {place} (dữ liệu minh họa).",
            route.category_name.to_lowercase()
        );
        // Folded as a report filed on the portal is; the search index entry is the backfill's
        // (`crate::index::BACKFILL`), as for reports brought from an earlier system.
        let folded = store::search_text(&title, &description, "");
        let row = vec![
            Value::Text(id.clone()),
            Value::Text(format!("PA-{}-M{:08}", day.format("%Y%m%d"), i)),
            Value::Text(route.category_code.clone()),
            Value::Text(title),
            Value::Text(description),
            Value::MaybeText(Some(unit)),
            Value::MaybeReal(Some(lat)),
            Value::MaybeReal(Some(lon)),
            Value::Text("Người dân".to_owned()),
            Value::Text("web".to_owned()),
            Value::MaybeText(counting.agency_id.clone()),
            Value::Text(status.to_owned()),
            Value::Text(counting.received_local.clone()),
            Value::MaybeText(counting.due_local.clone()),
            Value::MaybeText(
                answered.map(|_| "Đã xử lý theo phản ánh (dữ liệu minh họa).".to_owned()),
            ),
            Value::MaybeText(answered.map(utc)),
            Value::MaybeText(counting.answered_local.clone()),
            Value::MaybeInt(rating),
            Value::Text(created),
            Value::Text(updated),
            Value::Text(folded),
        ];
        let marks = crate::kpi::marks(&counting);
        Sample { id, row, marks }
    }
}

/// Writes the rows of `reports` in the caller's transaction.
pub async fn write(tx: &mut Conn, backend: Backend, reports: &[Sample]) -> Result<(), AppError> {
    let cells: Vec<&Vec<Value>> = reports.iter().map(|r| &r.row).collect();
    store::insert_sample(tx, backend, &cells).await
}
