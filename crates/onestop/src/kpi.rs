//! The one-stop module's published figures: dossiers received, processed and processed on time,
//! and citizens' ratings, per agency or per field (the officials' `dossiers::stats` report); and
//! what the operations centre counts of each dossier ([`COUNTING`]).

use crate::dossiers::events;
use crate::dossiers::stats::{self, By, Row};
use crate::dossiers::store::{self, stats::CountingRow};
use chrono::NaiveDate;
use tinhso_kernel::Ctx;
use tinhso_kernel::db::Conn;
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::counting::local_day;
use tinhso_kernel::module::{
    BoxFut, Counting, DrillQuery, DrillRow, FigureRow, Figures, Grouping, Kpi, Mark, Shape, Source,
};

pub const DOSSIERS: Kpi = Kpi {
    kind: "dossiers",
    title: "pub_stats_dossiers",
    processed: "pub_stats_processed",
    note: "stats_note",
    order: 10,
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
            Grouping::Field => By::Field,
        };
        let period = tinhso_kernel::tables::period(Some(from), Some(to))?;
        let report = stats::published(ctx, by, period, true).await?;
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
        processed: r.processed,
        on_time: r.early + r.on_time,
        on_time_rate: r.on_time_rate,
        rated: r.rated,
        satisfaction_rate: r.satisfaction_rate,
    }
}

/// What the operations centre counts of dossiers (docs/operations-design.md §3): every mark
/// read from the dossier's row, by the local day it happened (the open ones by their due day),
/// for the agency holding it, keyed by the procedure's field.
pub const COUNTING: Counting = Counting {
    item: "dossier",
    sources: &[
        source("dossier.received", "ops_src_dossier_received", Shape::Flow),
        source(
            "dossier.received_online",
            "ops_src_dossier_received_online",
            Shape::Flow,
        ),
        source("dossier.accepted", "ops_src_dossier_accepted", Shape::Flow),
        source("dossier.finished", "ops_src_dossier_finished", Shape::Flow),
        source(
            "dossier.finished_early",
            "ops_src_dossier_finished_early",
            Shape::Flow,
        ),
        source(
            "dossier.finished_on_time",
            "ops_src_dossier_finished_on_time",
            Shape::Flow,
        ),
        source(
            "dossier.finished_late",
            "ops_src_dossier_finished_late",
            Shape::Flow,
        ),
        source("dossier.rated", "ops_src_dossier_rated", Shape::Flow),
        source(
            "dossier.rated_satisfied",
            "ops_src_dossier_rated_satisfied",
            Shape::Flow,
        ),
        source("dossier.open", "ops_src_dossier_open", Shape::OpenByDue),
    ],
    // Assignment to a person changes nothing counted.
    events: &[
        events::SUBMITTED.name,
        events::ACCEPTED.name,
        events::REFUSED.name,
        events::STOPPED.name,
        events::SUPPLEMENT_REQUESTED.name,
        events::SUPPLEMENTED.name,
        events::STEP_COMPLETED.name,
        events::APPROVED.name,
        events::RETURNED.name,
        events::FORWARDED.name,
        events::APOLOGISED.name,
        events::WITHDRAWN.name,
        events::RATED.name,
    ],
    item_of: tinhso_kernel::module::counting::stream_item,
    facts,
    scan,
    list: Some(list),
    geo: None,
};

const fn source(name: &'static str, title: &'static str, shape: Shape) -> Source {
    Source::keyed(name, title, shape, "field")
}

/// The local day of a stored UTC moment.
fn utc_day(t: Option<&str>) -> Option<NaiveDate> {
    t.and_then(tinhso_kernel::time::parse).map(|t| {
        t.with_timezone(&tinhso_kernel::time::vietnam())
            .date_naive()
    })
}

fn facts<'a>(
    _ctx: &'a Ctx,
    tx: &'a mut Conn,
    id: &'a str,
) -> BoxFut<'a, Result<Option<Vec<Mark>>, AppError>> {
    Box::pin(async move {
        let row = store::stats::counting_row(tx, id).await?;
        Ok(row.map(|r| marks(&r)))
    })
}

/// A dossier's marks, as `dossiers::stats` counts it: drafts count for nothing; finished means
/// an outcome (early, on time, late); satisfied is a rating of 3 or 4; open is in progress.
pub fn marks(r: &CountingRow) -> Vec<Mark> {
    let mut out = Vec::new();
    if r.state == "draft" {
        return out;
    }
    let mut put = |source: &'static str, day: Option<NaiveDate>| {
        if let Some(day) = day {
            out.push(Mark {
                source,
                day,
                agency_id: Some(r.agency_id.clone()),
                unit: None,
                key: r.field_code.clone(),
            });
        }
    };
    let submitted = utc_day(r.submitted_at.as_deref());
    put("dossier.received", submitted);
    if r.channel == "online" {
        put("dossier.received_online", submitted);
    }
    put("dossier.accepted", utc_day(r.accepted_at.as_deref()));
    let finished = utc_day(r.finished_at.as_deref());
    match r.outcome.as_deref() {
        Some("early") => {
            put("dossier.finished", finished);
            put("dossier.finished_early", finished);
            put("dossier.finished_on_time", finished);
        }
        Some("on_time") => {
            put("dossier.finished", finished);
            put("dossier.finished_on_time", finished);
        }
        Some("late") => {
            put("dossier.finished", finished);
            put("dossier.finished_late", finished);
        }
        _ => {}
    }
    if let Some(rating) = r.rating {
        let rated = utc_day(r.rated_at.as_deref());
        put("dossier.rated", rated);
        if rating >= 3 {
            put("dossier.rated_satisfied", rated);
        }
    }
    if r.state == "in_progress" {
        put("dossier.open", local_day(r.due_local.as_deref()));
    }
    out
}

fn scan<'a>(
    _ctx: &'a Ctx,
    tx: &'a mut Conn,
    after: Option<&'a str>,
    limit: i64,
) -> BoxFut<'a, Result<Vec<String>, AppError>> {
    Box::pin(async move { store::stats::counting_ids(tx, after.unwrap_or(""), limit).await })
}

/// How a source's drill-down picks dossiers; `None` for sources without a list.
fn pick(source: &str) -> Option<store::stats::DrillPick> {
    use store::stats::DrillPick::*;
    Some(match source {
        "dossier.finished" => Finished(&["early", "on_time", "late"]),
        "dossier.finished_early" => Finished(&["early"]),
        "dossier.finished_on_time" => Finished(&["early", "on_time"]),
        // The dashboard's "on time, not early" (`dossier.finished_on_time` less the early).
        "dossier.finished_on_time_only" => Finished(&["on_time"]),
        "dossier.finished_late" => Finished(&["late"]),
        "dossier.open" => Open,
        _ => return None,
    })
}

/// The UTC text of a local day's first moment.
fn utc_start(day: NaiveDate) -> String {
    use chrono::TimeZone;
    let local = tinhso_kernel::time::vietnam()
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest();
    local
        .map(|t| tinhso_kernel::time::to_text(t.with_timezone(&chrono::Utc)))
        .unwrap_or_default()
}

/// The dossiers behind a source's figure (the operations centre's drill-down): the same
/// predicate as [`marks`], by the same local day.
fn list<'a>(
    ctx: &'a Ctx,
    q: &'a DrillQuery,
) -> BoxFut<'a, Result<Option<Vec<DrillRow>>, AppError>> {
    Box::pin(async move {
        let Some(pick) = pick(&q.source) else {
            return Ok(None);
        };
        let next = q.to.succ_opt().unwrap_or(q.to);
        let (lo, hi) = match pick {
            store::stats::DrillPick::Open => (q.from.to_string(), next.to_string()),
            _ => (utc_start(q.from), utc_start(next)),
        };
        let rows = store::stats::drill(
            &ctx.db,
            &q.agencies,
            &pick,
            &lo,
            &hi,
            q.key.as_deref(),
            q.after.as_deref().unwrap_or(""),
            q.limit,
        )
        .await?;
        let open = matches!(pick, store::stats::DrillPick::Open);
        Ok(Some(
            rows.into_iter()
                .map(|(id, code, title, agency, at, state)| DrillRow {
                    href: format!("/office/dossiers/{id}"),
                    day: if open {
                        local_day(Some(&at))
                    } else {
                        utc_day(Some(&at))
                    }
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                    id,
                    code,
                    title,
                    agency,
                    state,
                })
                .collect(),
        ))
    })
}
