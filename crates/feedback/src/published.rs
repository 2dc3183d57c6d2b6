//! The published feedback statistics — the monthly open dataset, the figures of the public
//! statistics page and of the yearly service statistics — counted span by span
//! (docs/opendata-design.md §10): closed months and years from the node's kept copies, open
//! ones by index ranges of their days.
//!
//! Unlike a dossier's, a report's counts move long after its period: the monthly rows count
//! reports by their status now, a report is reassigned to another agency or merged as a
//! duplicate while open, rated after its answer, answered again after a reopening. So before
//! each read the node looks for the reports changed since its last look (`updated_at`, which
//! every action and moderation sets; [`MARGIN`] earlier, for a late commit or a node's clock)
//! and forgets the kept spans each of them may have moved ([`Moved`]).

use crate::map;
use crate::stats::{By, Report, Row};
use crate::store::{self, MonthCount, Touched};
use chrono::NaiveDate;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use tinhso_kernel::Ctx;
use tinhso_kernel::db::{Backend, Db};
use tinhso_kernel::error::AppError;
use tinhso_kernel::periods::{self, Span};

/// The kept monthly rows, by month of receipt.
const MONTHLY: &str = "feedback.monthly";
/// The kept figures, by span of creation and answer.
const FIGURES: &str = "feedback.figures";
/// The kept sums of the operations centre's map, by span of receipt (`crate::map`).
const MAP: &str = "feedback.map";
/// The mark of the node's last look for changed reports.
const LOOKED: &str = "feedback.looked";

/// How far before its last look a node looks again: longer than a transaction writing a
/// report, and than the nodes' clocks differ.
pub const MARGIN: chrono::Duration = chrono::Duration::minutes(10);

/// What the changed reports may have moved: the months they were received in (monthly rows);
/// the days they were created and answered on (figures), and for a reopened one every day
/// since it was created (its earlier answer lay between). A time that does not read moves
/// everything of its kind.
#[derive(Debug, Default, PartialEq)]
pub struct Moved {
    months: BTreeSet<NaiveDate>,
    days: BTreeSet<NaiveDate>,
    since: Option<NaiveDate>,
    every_month: bool,
    every_span: bool,
}

fn local_day(utc: &str) -> Option<NaiveDate> {
    tinhso_kernel::time::parse(utc).map(|t| {
        t.with_timezone(&tinhso_kernel::time::vietnam())
            .date_naive()
    })
}

/// The first day of the month of a stored local time (`YYYY-MM…`).
fn month_of(local: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{}-01", local.get(..7)?), "%Y-%m-%d").ok()
}

impl Moved {
    pub fn of(touched: &[Touched]) -> Moved {
        let mut moved = Moved::default();
        for t in touched {
            match month_of(&t.received_local) {
                Some(m) => {
                    moved.months.insert(m);
                }
                None => moved.every_month = true,
            }
            let Some(created) = local_day(&t.created_at) else {
                moved.every_span = true;
                continue;
            };
            moved.days.insert(created);
            match t.answered_at.as_deref().map(local_day) {
                Some(Some(answered)) => {
                    moved.days.insert(answered);
                }
                Some(None) => moved.every_span = true,
                None => {}
            }
            if t.reopened != 0 {
                moved.since = Some(moved.since.map_or(created, |d| d.min(created)));
            }
        }
        moved
    }

    /// Whether the kept monthly rows of `span` may have moved.
    pub fn month(&self, span: Span) -> bool {
        self.every_month || self.months.contains(&span.first)
    }

    /// Whether the kept map sums of `span` may have moved: it holds a day of a month a changed
    /// report was received in.
    pub fn received_in(&self, span: Span) -> bool {
        self.every_month
            || self
                .months
                .iter()
                .any(|m| *m <= span.last && Span::month(*m).last >= span.first)
    }

    /// Whether the kept figures of `span` may have moved.
    pub fn figures(&self, span: Span) -> bool {
        self.every_span
            || self.days.iter().any(|d| span.contains(*d))
            || self.since.is_some_and(|d| span.last >= d)
    }
}

/// Looks for the reports changed since the node's last look and forgets the kept spans they
/// may have moved. A first look, or one after a day (every copy is stale by then), forgets
/// everything without asking.
async fn look(ctx: &Ctx) -> Result<(), AppError> {
    let started = tinhso_kernel::time::now();
    let last = ctx
        .kept
        .mark(LOOKED)
        .as_deref()
        .and_then(tinhso_kernel::time::parse);
    match last {
        Some(last) if started - last < chrono::Duration::hours(24) => {
            let since = tinhso_kernel::time::to_text(last - MARGIN);
            let touched = store::touched_since(&ctx.db, &since).await?;
            if !touched.is_empty() {
                let moved = Moved::of(&touched);
                ctx.kept.forget(MONTHLY, |s| moved.month(s));
                ctx.kept.forget(FIGURES, |s| moved.figures(s));
                ctx.kept.forget(MAP, |s| moved.received_in(s));
            }
        }
        _ => {
            ctx.kept.forget(MONTHLY, |_| true);
            ctx.kept.forget(FIGURES, |_| true);
            ctx.kept.forget(MAP, |_| true);
        }
    }
    ctx.kept
        .advance_mark(LOOKED, tinhso_kernel::time::to_text(started));
    Ok(())
}

/// The monthly dataset's rows (`store::monthly_counts`, which stays the reference): every month
/// with a report, its rows ordered as that query orders them.
pub async fn monthly_counts(ctx: &Ctx) -> Result<Vec<store::MonthlyCount>, AppError> {
    look(ctx).await?;
    let Some((first, last)) = store::received_between(&ctx.db).await? else {
        return Ok(Vec::new());
    };
    let (Some(first), Some(last)) = (month_of(&first), month_of(&last)) else {
        return store::monthly_counts(&ctx.db).await;
    };
    let today = tinhso_kernel::time::local_now().date();
    let mut months = Vec::new();
    let mut m = first;
    while m <= last {
        months.push(Span::month(m));
        m = match Span::month(m).last.succ_opt() {
            Some(next) => next,
            None => break,
        };
    }
    let db = &ctx.db;
    let counted = periods::each(&ctx.kept, MONTHLY, &months, today, |span| async move {
        let next = span.last.succ_opt().unwrap_or(span.last);
        let rows = store::month_counts(
            db,
            &span.first.format("%Y-%m").to_string(),
            &next.format("%Y-%m").to_string(),
        )
        .await?;
        Ok::<_, AppError>((rows, true))
    })
    .await?;
    let order = Order::load(db).await?;
    let mut out = Vec::new();
    for (span, rows) in months.iter().zip(counted) {
        let month = span.first.format("%Y-%m").to_string();
        let mut rows: Vec<MonthCount> = rows.as_ref().clone();
        rows.sort_by(|a, b| order.key(a).cmp(&order.key(b)));
        for r in rows {
            let agency = r.agency_id.as_deref().and_then(|id| order.agencies.get(id));
            out.push(store::MonthlyCount {
                month: month.clone(),
                agency_code: agency.map(|a| a.1.clone()),
                agency_name: agency.map(|a| a.2.clone()),
                category_name: order
                    .categories
                    .get(&r.category_code)
                    .map(|c| c.1.clone())
                    .unwrap_or_default(),
                category_code: r.category_code,
                status: r.status,
                reports: r.reports,
            });
        }
    }
    Ok(out)
}

/// The order `store::monthly_counts` gives a month's rows: by agency code, category code and
/// status, codes in the database's own order (its collation), a report without an agency
/// where the database puts a `NULL` (last on PostgreSQL, first on SQLite).
struct Order {
    /// Agency id → (rank, code, name).
    agencies: HashMap<String, (usize, String, String)>,
    /// Category code → (rank, name).
    categories: HashMap<String, (usize, String)>,
    none_first: bool,
}

impl Order {
    async fn load(db: &Db) -> Result<Order, AppError> {
        Ok(Order {
            agencies: store::agencies_by_code(db)
                .await?
                .into_iter()
                .enumerate()
                .map(|(i, (id, code, name))| (id, (i, code, name)))
                .collect(),
            categories: store::categories_by_code(db)
                .await?
                .into_iter()
                .enumerate()
                .map(|(i, (code, name))| (code, (i, name)))
                .collect(),
            none_first: db.backend == Backend::Sqlite,
        })
    }

    fn key<'a>(&self, r: &'a MonthCount) -> (usize, usize, &'a str) {
        let agency = match r.agency_id.as_deref() {
            None if self.none_first => 0,
            None => usize::MAX,
            Some(id) => self.agencies.get(id).map_or(usize::MAX - 1, |a| a.0 + 1),
        };
        let category = self
            .categories
            .get(&r.category_code)
            .map_or(usize::MAX, |c| c.0);
        (agency, category, r.status.as_str())
    }
}

/// One span's figures per agency (`None`: reports no agency handles) and per category.
#[derive(Debug, Default)]
struct SpanFigures {
    by_agency: HashMap<Option<String>, Row>,
    by_category: HashMap<Option<String>, Row>,
}

fn add(to: &mut Row, o: &Row) {
    to.received += o.received;
    to.answered += o.answered;
    to.answered_on_time += o.answered_on_time;
    to.rated += o.rated;
    to.satisfied += o.satisfied;
}

async fn count_span(db: &Db, span: Span) -> Result<(SpanFigures, bool), AppError> {
    let (start, end) = span.utc_bounds();
    let mut figures = SpanFigures::default();
    for c in store::span_counts(db, (&start, &end)).await? {
        let n = |v: Option<i64>| v.unwrap_or(0);
        let row = Row {
            received: n(c.received),
            answered: n(c.answered),
            answered_on_time: n(c.on_time),
            rated: n(c.rated),
            satisfied: n(c.satisfied),
            ..Row::default()
        };
        add(figures.by_agency.entry(c.agency_id).or_default(), &row);
        add(
            figures
                .by_category
                .entry(Some(c.category_code))
                .or_default(),
            &row,
        );
    }
    // Changes are looked for before each read: what is counted is kept while nothing moves it.
    Ok((figures, true))
}

/// The operations centre's map of the reports of `place` received `from`..=`to`, per cell of
/// `cells` (no finer than `map::KEPT_ZOOM`), overdue counted at `today`: added up from the
/// spans' sums, closed spans kept (`crate::map`).
pub async fn map_cells(
    ctx: &Ctx,
    place: map::Place<'_>,
    (from, to): (NaiveDate, NaiveDate),
    today: NaiveDate,
    cells: &tinhso_domain::ops::map::Cells,
) -> Result<Vec<tinhso_kernel::module::GeoCell>, AppError> {
    look(ctx).await?;
    let db = &ctx.db;
    let spans = periods::pieces(from, to, today);
    let kept = periods::each(&ctx.kept, MAP, &spans, today, |span| count_map(db, span)).await?;
    Ok(map::add_up(
        kept.iter().map(|k| k.as_ref()),
        place,
        cells,
        &today.to_string(),
    ))
}

/// A kept map cell: agency, place (unit), row and column at `map::KEPT_ZOOM`.
type CellKey = (Option<String>, Option<String>, i64, i64);

/// A span's map sums: per agency, place and cell of `map::KEPT_ZOOM`, two queries.
async fn count_map(db: &Db, span: Span) -> Result<(map::SpanCells, bool), AppError> {
    let lo = span.first.to_string();
    let hi = span.last.succ_opt().unwrap_or(span.last).to_string();
    let size = tinhso_domain::ops::map::cell_size(map::KEPT_ZOOM);
    let mut dues: HashMap<CellKey, Vec<String>> = HashMap::new();
    for (agency, unit, row, col, due) in store::placed_open_dues(db, &lo, &hi, size).await? {
        let at = dues.entry((agency, unit, row, col)).or_default();
        at.extend(due);
    }
    let mut out = map::SpanCells::default();
    for (agency, unit, row, col, n, open, sum_lat, sum_lon, south, west, north, east) in
        store::placed_cells(db, &lo, &hi, size).await?
    {
        let sum = map::Sum {
            n,
            open,
            sum_lat,
            sum_lon,
            south,
            west,
            north,
            east,
            dues: dues
                .remove(&(agency.clone(), unit.clone(), row, col))
                .unwrap_or_default(),
        };
        out.put(agency.as_deref(), unit.as_deref(), (row, col), &sum);
    }
    out.seal();
    // Changes are looked for before each read: what is counted is kept while nothing moves it.
    Ok((out, true))
}

/// The published figures of `from`..=`to` by agency or category: those of
/// `stats::report`, without the open and overdue counts (figures of now, which nothing
/// published shows) and the month series; a row for each group that ever had a report.
pub async fn figures(
    ctx: &Ctx,
    by: By,
    (from, to): (NaiveDate, NaiveDate),
) -> Result<Report, AppError> {
    look(ctx).await?;
    let today = tinhso_kernel::time::local_now().date();
    let db = &ctx.db;
    let spans = periods::pieces(from, to, today);
    let counted: Vec<Arc<SpanFigures>> = periods::each(&ctx.kept, FIGURES, &spans, today, |span| {
        count_span(db, span)
    })
    .await?;
    let mut total = Row {
        name: "Tổng cộng".into(),
        ..Row::default()
    };
    let mut rows = Vec::new();
    for g in store::groups(db, by).await? {
        let mut row = Row {
            key: g.key,
            name: g.name.unwrap_or_else(|| "Chưa phân công".into()),
            ..Row::default()
        };
        for figures in &counted {
            let groups = match by {
                By::Agency => &figures.by_agency,
                By::Category | By::Area => &figures.by_category,
            };
            if let Some(r) = groups.get(&g.id) {
                add(&mut row, r);
            }
        }
        add(&mut total, &row);
        rows.push(row.finish());
    }
    Ok(Report {
        by,
        from: from.to_string(),
        to: to.to_string(),
        rows,
        total: total.finish(),
        months: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn touched(created: &str, local: &str, answered: Option<&str>, reopened: i64) -> Touched {
        Touched {
            created_at: created.into(),
            received_local: local.into(),
            answered_at: answered.map(Into::into),
            reopened,
        }
    }

    #[test]
    fn a_changed_report_moves_its_months_and_days_and_a_reopened_one_everything_since() {
        // Received late on 31 October, Vietnam time (17:30 UTC), answered 3 November.
        let t = touched(
            "2026-10-31T17:30:00.000Z",
            "2026-11-01T00:30:00",
            Some("2026-11-03T02:00:00.000Z"),
            0,
        );
        let moved = Moved::of(&[t]);
        let october = Span::month(day("2026-10-01"));
        let november = Span::month(day("2026-11-01"));
        assert!(moved.month(november) && !moved.month(october));
        assert!(
            moved.figures(november),
            "created and answered in November, local time"
        );
        assert!(!moved.figures(october) && !moved.figures(Span::year(2025)));

        let reopened = Moved::of(&[touched(
            "2024-05-02T01:00:00.000Z",
            "2024-05-02T08:00:00",
            Some("2026-11-20T01:00:00.000Z"),
            1,
        )]);
        assert!(
            reopened.figures(Span::year(2025)),
            "its first answer lay between"
        );
        assert!(reopened.figures(Span::year(2024)));
        assert!(!reopened.figures(Span::year(2023)));
        assert!(!reopened.month(Span::month(day("2025-05-01"))));

        let unreadable = Moved::of(&[touched("?", "?", None, 0)]);
        assert!(unreadable.month(october) && unreadable.figures(Span::year(2020)));
        assert_eq!(Moved::of(&[]), Moved::default());
    }
}
