//! The feedback module's published figures: reports received, answered and answered by their
//! deadline, and reporters' ratings, per agency or per category (the officials' `stats` report);
//! and what the operations centre counts of each report ([`COUNTING`]).

use crate::events;
use crate::stats::{By, Row};
use crate::store::{self, CountingRow};
use chrono::NaiveDate;
use tinhso_domain::ops::map::{Cells, cell_size};
use tinhso_kernel::Ctx;
use tinhso_kernel::db::Conn;
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::counting::local_day;
use tinhso_kernel::module::{
    BoxFut, Counting, DrillQuery, DrillRow, FigureRow, Figures, GeoCell, GeoQuery, Grouping, Kpi,
    Mark, Shape, Source,
};

pub const REPORTS: Kpi = Kpi {
    kind: "feedback",
    title: "pub_stats_feedback",
    processed: "fb_answered",
    note: "pub_stats_feedback_note",
    order: 20,
    figures,
    counting: Some(&COUNTING),
    published: true,
};

fn figures<'a>(
    ctx: &'a Ctx,
    grouping: Grouping,
    from: &'a str,
    to: &'a str,
) -> BoxFut<'a, Result<Figures, AppError>> {
    Box::pin(async move {
        let by = match grouping {
            Grouping::Agency => By::Agency,
            Grouping::Field => By::Category,
        };
        let period = tinhso_kernel::tables::period(Some(from), Some(to))?;
        let report = crate::published::figures(ctx, by, period).await?;
        Ok(Figures {
            rows: report.rows.iter().map(row).collect(),
            total: row(&report.total),
        })
    })
}

fn row(r: &Row) -> FigureRow {
    FigureRow {
        key: r.key.clone(),
        name: r.name.clone(),
        received: r.received,
        processed: r.answered,
        on_time: r.answered_on_time,
        on_time_rate: r.on_time_rate,
        rated: r.rated,
        satisfaction_rate: r.satisfaction_rate,
    }
}

/// What the operations centre counts of feedback reports (docs/operations-design.md §3), as
/// `stats` counts them: duplicates count for nothing; answered on time or late is marked on the
/// due day, open reports by their due day; keyed by category, for the agency handling the
/// report and the commune it is about.
pub const COUNTING: Counting = Counting {
    item: "feedback",
    sources: &[
        source(
            "feedback.received",
            "ops_src_feedback_received",
            Shape::Flow,
        ),
        source(
            "feedback.answered",
            "ops_src_feedback_answered",
            Shape::Flow,
        ),
        source("feedback.on_time", "ops_src_feedback_on_time", Shape::Flow),
        source(
            "feedback.answered_late",
            "ops_src_feedback_answered_late",
            Shape::Flow,
        ),
        source("feedback.open", "ops_src_feedback_open", Shape::OpenByDue),
        source("feedback.rated", "ops_src_feedback_rated", Shape::Flow),
        source(
            "feedback.dissatisfied",
            "ops_src_feedback_dissatisfied",
            Shape::Flow,
        ),
    ],
    events: &[
        events::SUBMITTED.name,
        events::ASSIGNED.name,
        events::ACCEPTED.name,
        events::ANSWERED.name,
        events::REJECTED.name,
        events::MARKED_DUPLICATE.name,
        events::REOPENED.name,
        events::RATED.name,
        events::HIDDEN.name,
    ],
    item_of: tinhso_kernel::module::counting::stream_item,
    facts,
    scan,
    list: Some(list),
    geo: Some(geo),
};

const fn source(name: &'static str, title: &'static str, shape: Shape) -> Source {
    Source::keyed(name, title, shape, "category")
}

fn facts<'a>(
    _ctx: &'a Ctx,
    tx: &'a mut Conn,
    id: &'a str,
) -> BoxFut<'a, Result<Option<Vec<Mark>>, AppError>> {
    Box::pin(async move {
        let row = store::counting_row(tx, id).await?;
        Ok(row.map(|r| marks(&r)))
    })
}

pub fn marks(r: &CountingRow) -> Vec<Mark> {
    let mut out = Vec::new();
    if r.status == "duplicate" {
        return out;
    }
    let mut put = |source: &'static str, day: Option<NaiveDate>| {
        if let Some(day) = day {
            out.push(Mark {
                source,
                day,
                agency_id: r.agency_id.clone(),
                unit: r.admin_unit_code.clone(),
                key: Some(r.category_code.clone()),
            });
        }
    };
    put("feedback.received", local_day(Some(&r.received_local)));
    let due = local_day(r.due_local.as_deref());
    if let Some(answered) = r.answered_local.as_deref() {
        put("feedback.answered", local_day(Some(answered)));
        // Local times of one width compare as text, as `stats` compares them.
        match r.due_local.as_deref() {
            Some(d) if answered <= d => put("feedback.on_time", due),
            Some(_) => put("feedback.answered_late", due),
            None => {}
        }
        if let Some(rating) = r.rating {
            put("feedback.rated", local_day(Some(answered)));
            if rating < 3 {
                put("feedback.dissatisfied", local_day(Some(answered)));
            }
        }
    }
    if matches!(r.status.as_str(), "received" | "assigned" | "in_progress") {
        put("feedback.open", due);
    }
    out
}

fn scan<'a>(
    _ctx: &'a Ctx,
    tx: &'a mut Conn,
    after: Option<&'a str>,
    limit: i64,
) -> BoxFut<'a, Result<Vec<String>, AppError>> {
    Box::pin(async move { store::counting_ids(tx, after.unwrap_or(""), limit).await })
}

/// The reports behind `feedback.open` (the operations centre's "overdue now" drill-down): open,
/// by their local due day, as [`marks`] counts them.
fn list<'a>(
    ctx: &'a Ctx,
    q: &'a DrillQuery,
) -> BoxFut<'a, Result<Option<Vec<DrillRow>>, AppError>> {
    Box::pin(async move {
        if q.source == MAPPED {
            return list_mapped(ctx, q).await;
        }
        if q.source != "feedback.open" || q.area.is_some() {
            return Ok(None);
        }
        let next = q.to.succ_opt().unwrap_or(q.to);
        let rows = store::drill_open(
            &ctx.db,
            &q.agencies,
            q.all,
            q.unit.as_deref(),
            &q.from.to_string(),
            &next.to_string(),
            q.after.as_deref().unwrap_or(""),
            q.limit,
        )
        .await?;
        Ok(Some(drill_rows(rows)))
    })
}

/// A drill-down's rows: (id, code, title, agency, the day shown as a stored time, state).
fn drill_rows(rows: Vec<store::DrillReport>) -> Vec<DrillRow> {
    rows.into_iter()
        .map(|(id, code, title, agency, at, state)| DrillRow {
            href: format!("/feedback/{code}"),
            day: local_day(Some(&at))
                .map(|d| d.to_string())
                .unwrap_or_default(),
            id,
            code,
            title,
            agency,
            state,
        })
        .collect()
}

/// The source the map places: the reports `feedback.received` counts, less those hidden from
/// the public and those without a position.
const MAPPED: &str = "feedback.received";

fn grid(cells: &Cells) -> store::Grid {
    store::Grid {
        size: cell_size(cells.zoom),
        rows: cells.rows,
        cols: cells.cols,
    }
}

/// The reports of a map cluster (a drill-down with an `area`): those [`geo`] counts in it.
async fn list_mapped(ctx: &Ctx, q: &DrillQuery) -> Result<Option<Vec<DrillRow>>, AppError> {
    let Some(area) = &q.area else {
        return Ok(None);
    };
    let next = q.to.succ_opt().unwrap_or(q.to);
    let rows = store::drill_mapped(
        &ctx.db,
        &q.agencies,
        q.all,
        q.unit.as_deref(),
        &q.from.to_string(),
        &next.to_string(),
        grid(area),
        q.after.as_deref().unwrap_or(""),
        q.limit,
    )
    .await?;
    Ok(Some(drill_rows(rows)))
}

/// The operations centre's feedback map: the reports received in the window, per cell of the
/// grid — added up from kept sums per span (`crate::map`) down to a few kilometres a cell,
/// counted by one aggregate query over the window's reports below that.
fn geo<'a>(ctx: &'a Ctx, q: &'a GeoQuery) -> BoxFut<'a, Result<Option<Vec<GeoCell>>, AppError>> {
    Box::pin(async move {
        if q.source != MAPPED {
            return Ok(None);
        }
        if q.cells.zoom <= crate::map::KEPT_ZOOM {
            let place = crate::map::Place {
                all: q.all,
                agencies: &q.agencies,
                unit: q.unit.as_deref(),
            };
            let cells =
                crate::published::map_cells(ctx, place, (q.from, q.to), q.today, &q.cells).await?;
            return Ok(Some(cells));
        }
        let next = q.to.succ_opt().unwrap_or(q.to);
        let rows = store::geo_cells(
            &ctx.db,
            &q.agencies,
            q.all,
            q.unit.as_deref(),
            &q.from.to_string(),
            &next.to_string(),
            &q.today.to_string(),
            grid(&q.cells),
        )
        .await?;
        Ok(Some(
            rows.into_iter()
                .map(
                    |(row, col, n, open, overdue, sum_lat, sum_lon, south, west, north, east)| {
                        GeoCell {
                            row,
                            col,
                            n,
                            open,
                            overdue,
                            sum_lat,
                            sum_lon,
                            south,
                            west,
                            north,
                            east,
                        }
                    },
                )
                .collect(),
        ))
    })
}
