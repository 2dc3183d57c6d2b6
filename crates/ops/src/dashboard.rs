//! The leader's dashboard (docs/operations-design.md §5, slice 4): for one scope the viewer
//! holds and one period, the index and its five groups with their monthly trend, the agencies
//! below ranked with their volume, finished dossiers by outcome and by field, and what is
//! overdue now; and the drill-down lists behind each figure. Everything is read from the
//! counters (ranges of their primary key) or, for a list, from the owning module's
//! `counting.list` (indexed, paged): never a scan of the items. The rules (months, ranking,
//! outcome split, chart geometry) are `tinhso_domain::ops::dashboard`.

use crate::index::{self, IndexView};
use crate::store::dashboard as store;
use chrono::{Datelike, Days, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;
use tinhso_domain::ops::dashboard::{self as rules, ChartPoint, MIN_VOLUME, Outcomes};
use tinhso_domain::ops::period::{Basis, Bucket, Window, decompose};
use tinhso_domain::ops::scope::Scope;
use tinhso_kernel::Ctx;
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::{DrillQuery, DrillRow};

/// The sources of the "overdue now" tiles: dossiers, feedback, incoming documents' assignments
/// and tasks (whose tile links to the tasks' overview, which lists them).
pub const OVERDUE: &[(&str, &str)] = &[
    ("dossier.open", "ops_overdue_dossiers"),
    ("feedback.open", "ops_overdue_feedback"),
    ("document.assignment_open", "ops_overdue_documents"),
    ("task.unit_open", "ops_overdue_tasks"),
];

/// Figures the dashboard shows that are one source less another, and the list's name for
/// them: dossiers finished on time but not early.
pub const DERIVED: &[(&str, &str, &str)] = &[(
    "dossier.finished_on_time_only",
    "dossier.finished_on_time",
    "dossier.finished_early",
)];

const EARLY: &str = "dossier.finished_early";
const ON_TIME: &str = "dossier.finished_on_time";
const LATE: &str = "dossier.finished_late";

/// Months a trend shows at most.
const TREND_MONTHS: usize = 12;

#[derive(Debug, Clone, Serialize)]
pub struct Point {
    pub x: f64,
    pub y: f64,
    pub value: f64,
    pub label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Series {
    pub key: String,
    pub title: String,
    pub weight: f64,
    /// The SVG `points` of the line.
    pub line: String,
    pub points: Vec<Point>,
    /// The value of each month (the table behind the chart), `None` without data.
    pub values: Vec<Option<f64>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Trend {
    /// Period names (`2026-M03`), oldest first.
    pub months: Vec<String>,
    pub total: Series,
    pub groups: Vec<Series>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RankRow {
    pub place: Option<usize>,
    pub scope: String,
    pub code: String,
    pub name: String,
    pub total: Option<f64>,
    pub volume: i64,
    /// Below the minimum volume: listed, not ranked ("chưa đủ số liệu").
    pub small: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct OutcomeView {
    pub early: i64,
    pub on_time: i64,
    pub late: i64,
    pub total: i64,
    /// Per cent of the total, in the order early, on time, late.
    pub shares: [f64; 3],
    /// Where each part's bar starts (per cent).
    pub starts: [f64; 3],
}

impl OutcomeView {
    fn of(o: Outcomes) -> OutcomeView {
        let shares = o.shares();
        OutcomeView {
            early: o.early,
            on_time: o.on_time,
            late: o.late,
            total: o.total(),
            shares,
            starts: [0.0, shares[0], shares[0] + shares[1]],
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FieldRow {
    pub key: String,
    /// The field's name (lĩnh vực), the code when the catalog has none.
    pub name: String,
    pub outcomes: OutcomeView,
    /// The row's bar length, per cent of the largest field's total.
    pub scale: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tile {
    pub source: String,
    pub label: String,
    pub n: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub scope: String,
    pub scope_name: String,
    pub period: String,
    pub basis: String,
    pub today: String,
    pub index: IndexView,
    pub trend: Trend,
    pub ranking: Vec<RankRow>,
    pub min_volume: i64,
    pub outcomes: OutcomeView,
    pub fields: Vec<FieldRow>,
    /// The window is whole months: the fields' figures cover all of it (keys are kept per
    /// month only) and link to their lists.
    pub fields_whole: bool,
    pub overdue: Vec<Tile>,
}

fn basis_name(b: Basis) -> &'static str {
    match b {
        Basis::Calendar => "calendar",
        Basis::Decree09 => "decree09",
    }
}

/// How a scope is named on the page.
pub async fn scope_name(ctx: &Ctx, scope: &Scope) -> Result<String, AppError> {
    Ok(match scope {
        Scope::Province => "Toàn tỉnh".to_owned(),
        Scope::Agency(id) => store::agency(&ctx.db, id)
            .await?
            .map(|a| a.name)
            .unwrap_or_default(),
        Scope::Unit(code) => store::unit_committee(&ctx.db, code)
            .await?
            .1
            .unwrap_or_else(|| code.clone()),
    })
}

/// The agencies a scope ranks: below the province's top agencies, below an agency, or below
/// the People's Committee governing a unit.
async fn ranked_agencies(ctx: &Ctx, scope: &Scope) -> Result<Vec<store::AgencyName>, AppError> {
    match scope {
        Scope::Province => store::province_children(&ctx.db).await,
        Scope::Agency(id) => store::children(&ctx.db, id).await,
        Scope::Unit(code) => match store::unit_committee(&ctx.db, code).await?.0 {
            Some(committee) => store::children(&ctx.db, &committee).await,
            None => Ok(Vec::new()),
        },
    }
}

/// The series of one value over the trend's months, drawn in a 320 × 120 box.
fn series(
    key: &str,
    title: &str,
    weight: f64,
    months: &[String],
    values: Vec<Option<f64>>,
) -> Series {
    let pts: Vec<ChartPoint> = rules::line(&values, weight, 320.0, 120.0, 12.0);
    let labelled: Vec<Point> = values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_some())
        .zip(&pts)
        .map(|((i, _), p)| Point {
            x: p.x,
            y: p.y,
            value: p.value,
            label: months[i].clone(),
        })
        .collect();
    Series {
        key: key.to_owned(),
        title: title.to_owned(),
        weight,
        line: rules::polyline(&pts),
        points: labelled,
        values,
    }
}

/// The dashboard of `scope` (already checked as held) over `period`.
pub async fn build(
    ctx: &Ctx,
    scope: &Scope,
    period: &str,
    basis: Basis,
    today: NaiveDate,
) -> Result<Dashboard, AppError> {
    let window = index::window_of(period, basis)?;
    let view = index::compute(ctx, scope, period, basis, today).await?;
    let key = scope.key();

    // The trend: the index of each month begun.
    let months = rules::trend_months(window, basis, today, TREND_MONTHS);
    let mut monthly: Vec<Option<IndexView>> = Vec::with_capacity(months.len());
    for m in &months {
        monthly.push(match index::compute(ctx, scope, m, basis, today).await {
            Ok(v) => Some(v),
            Err(AppError::Validation(_)) => None,
            Err(e) => return Err(e),
        });
    }
    let has_data = |v: &IndexView| v.groups.iter().any(|g| g.points.is_some());
    let total = series(
        "total",
        "",
        100.0,
        &months,
        monthly
            .iter()
            .map(|v| v.as_ref().filter(|v| has_data(v)).map(|v| v.total))
            .collect(),
    );
    let groups = view
        .groups
        .iter()
        .map(|g| {
            let values = monthly
                .iter()
                .map(|v| {
                    v.as_ref()
                        .and_then(|v| v.groups.iter().find(|x| x.key == g.key))
                        .and_then(|x| x.points)
                })
                .collect();
            series(&g.key, &g.title, g.weight, &months, values)
        })
        .collect();

    // The ranking of the agencies below.
    let agencies = ranked_agencies(ctx, scope).await?;
    let scopes: Vec<String> = agencies.iter().map(|a| format!("a:{}", a.id)).collect();
    let ranked = index::rank(ctx, &scopes, period, basis, today).await?;
    let by_scope: BTreeMap<&str, &index::Ranked> =
        ranked.iter().map(|r| (r.scope.as_str(), r)).collect();
    let rows = agencies
        .iter()
        .zip(&scopes)
        .map(|(a, s)| {
            let r = by_scope.get(s.as_str());
            (
                (a.clone(), s.clone()),
                r.and_then(|r| r.total),
                r.map(|r| r.volume).unwrap_or(0),
            )
        })
        .collect();
    let ranking = rules::rank(rows, MIN_VOLUME)
        .into_iter()
        .map(|p| RankRow {
            place: p.place,
            scope: p.item.1,
            code: p.item.0.code,
            name: p.item.0.name,
            total: p.total,
            volume: p.volume,
            small: p.volume < MIN_VOLUME,
        })
        .collect();

    // Finished dossiers by outcome, and by field over the window's whole months.
    let mut tx = ctx.db.begin().await?;
    let sums =
        crate::store::index::sum_sources(&mut tx, &key, window, &[EARLY, ON_TIME, LATE]).await?;
    tx.commit().await?;
    let outcomes = Outcomes::of(sums[EARLY], sums[ON_TIME], sums[LATE]);
    let buckets = decompose(window);
    let fields_whole = buckets.iter().all(|b| !matches!(b, Bucket::Day(_)));
    let month_keys: Vec<(&'static str, String)> = buckets
        .into_iter()
        .filter(|b| !matches!(b, Bucket::Day(_)))
        .map(store::bucket_key)
        .collect();
    let mut per_field: BTreeMap<String, [i64; 3]> = BTreeMap::new();
    for (field, source, n) in
        store::by_key(&ctx.db, &key, &month_keys, &[EARLY, ON_TIME, LATE]).await?
    {
        let e = per_field.entry(field).or_default();
        match source.as_str() {
            EARLY => e[0] += n,
            ON_TIME => e[1] += n,
            _ => e[2] += n,
        }
    }
    let field_outcomes: Vec<(String, Outcomes)> = per_field
        .into_iter()
        .map(|(k, [e, o, l])| (k, Outcomes::of(e, o, l)))
        .filter(|(_, o)| o.total() > 0)
        .collect();
    let largest = field_outcomes
        .iter()
        .map(|(_, o)| o.total())
        .max()
        .unwrap_or(0)
        .max(1);
    let codes: Vec<String> = field_outcomes.iter().map(|(k, _)| k.clone()).collect();
    let names = store::field_names(&ctx.db, &codes).await?;
    let fields = field_outcomes
        .into_iter()
        .map(|(key, o)| FieldRow {
            name: names.get(&key).cloned().unwrap_or_else(|| key.clone()),
            key,
            scale: (o.total() as f64 * 1000.0 / largest as f64).round() / 10.0,
            outcomes: OutcomeView::of(o),
        })
        .collect();

    // Overdue now.
    let names: Vec<&str> = OVERDUE.iter().map(|(s, _)| *s).collect();
    let open = overdue_now(ctx, &key, today, &names).await?;
    let overdue = OVERDUE
        .iter()
        .map(|(s, label)| Tile {
            source: (*s).to_owned(),
            label: (*label).to_owned(),
            n: open.get(*s).copied().unwrap_or(0),
        })
        .collect();

    Ok(Dashboard {
        scope: key,
        scope_name: scope_name(ctx, scope).await?,
        period: period.to_owned(),
        basis: basis_name(basis).to_owned(),
        today: today.to_string(),
        index: view,
        trend: Trend {
            months,
            total,
            groups,
        },
        ranking,
        min_volume: MIN_VOLUME,
        outcomes: OutcomeView::of(outcomes),
        fields,
        fields_whole,
        overdue,
    })
}

/// Open items of `scope` due before `today`, per source.
pub async fn overdue_now(
    ctx: &Ctx,
    scope: &str,
    today: NaiveDate,
    sources: &[&str],
) -> Result<BTreeMap<String, i64>, AppError> {
    let month_start = today.with_day(1).unwrap_or(today);
    store::overdue_now(
        &ctx.db,
        scope,
        &month_start.format("%Y-%m").to_string(),
        &month_start.to_string(),
        &today.to_string(),
        sources,
    )
    .await
}

/// The first day "overdue now" lists look back to.
pub fn overdue_window(today: NaiveDate) -> Window {
    Window {
        from: NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(today),
        to: today.checked_sub_days(Days::new(1)).unwrap_or(today),
    }
}

/// What a drill-down asks for.
#[derive(Debug, Clone)]
pub struct Drill {
    pub source: String,
    pub window: Window,
    /// "Overdue now" (open items due before today) rather than a period's figure.
    pub overdue: bool,
    pub key: Option<String>,
    pub after: Option<String>,
}

/// One page of a drill-down.
#[derive(Debug, Clone, Serialize)]
pub struct DrillPage {
    /// The figure the list is behind, from the counters.
    pub figure: i64,
    pub rows: Vec<DrillRow>,
    /// The id to continue after, when there is another page.
    pub next: Option<String>,
}

/// Rows per drill-down page.
pub const PAGE: usize = 50;

/// The source a list is asked of, and the source whose items it leaves out (a derived figure).
fn parts(source: &str) -> (String, Option<&'static str>) {
    match DERIVED.iter().find(|(name, _, _)| *name == source) {
        Some((_, of, less)) => ((*of).to_owned(), Some(*less)),
        None => (source.to_owned(), None),
    }
}

/// Whether a list exists for `source` (a source some module lists, or a derived figure).
pub fn listed(ctx: &Ctx, source: &str) -> bool {
    let (base, _) = parts(source);
    crate::countings(ctx).any(|c| c.list.is_some() && c.sources.iter().any(|s| s.name == base))
}

/// The drill-down of `scope` (already checked as held): the figure from the counters and a
/// page of the items behind it from the module that counts them. `None` when no module lists
/// that source (the caller answers 404).
pub async fn drill(ctx: &Ctx, scope: &Scope, d: &Drill) -> Result<Option<DrillPage>, AppError> {
    if !listed(ctx, &d.source) {
        return Ok(None);
    }
    let key = scope.key();
    let (base, less) = parts(&d.source);
    // The figure.
    let mut names = vec![base.as_str()];
    names.extend(less);
    let values: BTreeMap<String, i64> = if d.overdue {
        overdue_now(
            ctx,
            &key,
            d.window.to.succ_opt().unwrap_or(d.window.to),
            &names,
        )
        .await?
    } else if let Some(k) = &d.key {
        let months: Vec<(&'static str, String)> = decompose(d.window)
            .into_iter()
            .filter(|b| !matches!(b, Bucket::Day(_)))
            .map(store::bucket_key)
            .collect();
        let mut m = BTreeMap::new();
        for (field, source, n) in store::by_key(&ctx.db, &key, &months, &names).await? {
            if &field == k {
                *m.entry(source).or_insert(0) += n;
            }
        }
        m
    } else {
        let mut tx = ctx.db.begin().await?;
        let v = crate::store::index::sum_sources(&mut tx, &key, d.window, &names).await?;
        tx.commit().await?;
        v
    };
    let figure = values.get(&base).copied().unwrap_or(0)
        - less.and_then(|l| values.get(l).copied()).unwrap_or(0);
    // The items.
    let (agencies, all, unit) = match scope {
        Scope::Province => (store::all_agencies(&ctx.db).await?, true, None),
        Scope::Agency(id) => (
            crate::store::agency_and_below(&ctx.db, id).await?,
            false,
            None,
        ),
        Scope::Unit(code) => {
            let agencies = match store::unit_committee(&ctx.db, code).await?.0 {
                Some(c) => crate::store::agency_and_below(&ctx.db, &c).await?,
                None => Vec::new(),
            };
            (agencies, false, Some(code.clone()))
        }
    };
    let q = DrillQuery {
        source: d.source.clone(),
        agencies,
        all,
        unit,
        from: d.window.from,
        to: d.window.to,
        key: d.key.clone(),
        after: d.after.clone(),
        limit: PAGE as i64 + 1,
        area: None,
    };
    for counting in crate::countings(ctx) {
        let Some(list) = counting.list else { continue };
        if !counting.sources.iter().any(|s| s.name == base) {
            continue;
        }
        let Some(mut rows) = list(ctx, &q).await? else {
            return Ok(None);
        };
        let next = (rows.len() > PAGE).then(|| {
            rows.truncate(PAGE);
            rows.last().map(|r| r.id.clone())
        });
        return Ok(Some(DrillPage {
            figure,
            rows,
            next: next.flatten(),
        }));
    }
    Ok(None)
}
