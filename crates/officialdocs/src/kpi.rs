//! What the operations centre counts of documents (docs/operations-design.md §3): each unit a
//! leader's direction names for an incoming document (`document_assignments`), open by its
//! deadline ("overdue now" on the dashboard), or closed on time or late by the day it closed,
//! for the unit named (and, through the directory, the agencies above it), keyed by its role
//! (lead or support). Not a published statistic: internal work.

use crate::events;
use crate::store::processing::{self, CountingAssignment};
use chrono::NaiveDate;
use tinhso_kernel::Ctx;
use tinhso_kernel::db::Conn;
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::counting::local_day;
use tinhso_kernel::module::{
    BoxFut, Counting, DrillQuery, DrillRow, Figures, Grouping, Kpi, Mark, Shape, Source,
};

pub const DOCUMENTS: Kpi = Kpi {
    kind: "document_assignments",
    title: "ops_src_document_assignment_open",
    processed: "ops_src_document_assignment_on_time",
    note: "",
    order: 40,
    figures,
    counting: Some(&COUNTING),
    published: false,
};

/// No published table: the figures are the operations centre's.
fn figures<'a>(
    _ctx: &'a Ctx,
    _grouping: Grouping,
    _from: &'a str,
    _to: &'a str,
) -> BoxFut<'a, Result<Figures, AppError>> {
    Box::pin(async move { Ok(Figures::default()) })
}

pub const COUNTING: Counting = Counting {
    item: "document",
    sources: &[
        source(
            "document.assignment_open",
            "ops_src_document_assignment_open",
            Shape::OpenByDue,
        ),
        source(
            "document.assignment_on_time",
            "ops_src_document_assignment_on_time",
            Shape::Flow,
        ),
        source(
            "document.assignment_late",
            "ops_src_document_assignment_late",
            Shape::Flow,
        ),
    ],
    // The events after which a document's assignments may stand differently.
    events: &[
        events::DIRECTED.name,
        events::PASSED_DOWN.name,
        events::PROGRESS_REPORTED.name,
        events::ASSIGNMENT_CLOSED.name,
        events::DONE.name,
        events::CLOSED.name,
    ],
    item_of: tinhso_kernel::module::counting::stream_item,
    facts,
    scan,
    list: Some(list),
    geo: None,
};

const fn source(name: &'static str, title: &'static str, shape: Shape) -> Source {
    Source::keyed(name, title, shape, "role")
}

fn facts<'a>(
    _ctx: &'a Ctx,
    tx: &'a mut Conn,
    id: &'a str,
) -> BoxFut<'a, Result<Option<Vec<Mark>>, AppError>> {
    Box::pin(async move {
        let rows = processing::counting_assignments(tx, id).await?;
        Ok(rows.map(|rows| rows.iter().flat_map(marks).collect()))
    })
}

/// An assignment's marks: open by its due day; closed on time or late by the day it closed
/// (one closed without a judgement, as when its document was recalled, counts for neither).
pub fn marks(a: &CountingAssignment) -> Vec<Mark> {
    let mark = |source: &'static str, day: Option<NaiveDate>| {
        day.map(|day| Mark {
            source,
            day,
            agency_id: Some(a.unit_id.clone()),
            unit: None,
            key: Some(a.role.clone()),
        })
    };
    let closed = local_day(a.closed_local.as_deref());
    let out = if a.state != "closed" && a.closed_local.is_none() {
        mark("document.assignment_open", local_day(Some(&a.due_local)))
    } else {
        match a.timeliness.as_deref() {
            Some("on_time") => mark("document.assignment_on_time", closed),
            Some("late") => mark("document.assignment_late", closed),
            _ => None,
        }
    };
    out.into_iter().collect()
}

fn scan<'a>(
    _ctx: &'a Ctx,
    tx: &'a mut Conn,
    after: Option<&'a str>,
    limit: i64,
) -> BoxFut<'a, Result<Vec<String>, AppError>> {
    Box::pin(async move { processing::counting_ids(tx, after.unwrap_or(""), limit).await })
}

/// The open assignments behind `document.assignment_open` ("overdue now"), by their due day.
fn list<'a>(
    ctx: &'a Ctx,
    q: &'a DrillQuery,
) -> BoxFut<'a, Result<Option<Vec<DrillRow>>, AppError>> {
    Box::pin(async move {
        if q.source != "document.assignment_open" {
            return Ok(None);
        }
        let next = q.to.succ_opt().unwrap_or(q.to);
        let rows = processing::drill_open(
            &ctx.db,
            &q.agencies,
            &q.from.to_string(),
            &next.to_string(),
            q.after.as_deref().unwrap_or(""),
            q.limit,
        )
        .await?;
        Ok(Some(
            rows.into_iter()
                .map(|(id, document, code, subject, unit, due, state)| DrillRow {
                    href: format!("/office/documents/{document}"),
                    day: local_day(Some(&due))
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                    id,
                    code,
                    title: subject,
                    agency: unit,
                    state,
                })
                .collect(),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(state: &str, closed: Option<&str>, timeliness: Option<&str>) -> CountingAssignment {
        CountingAssignment {
            unit_id: "u1".into(),
            role: "lead".into(),
            state: state.into(),
            due_local: "2026-11-20T17:00:00".into(),
            closed_local: closed.map(str::to_owned),
            timeliness: timeliness.map(str::to_owned),
        }
    }

    fn sources(x: &CountingAssignment) -> Vec<(&'static str, String)> {
        marks(x)
            .into_iter()
            .map(|m| (m.source, m.day.to_string()))
            .collect()
    }

    #[test]
    fn an_assignment_counts_open_by_its_deadline_or_closed_by_its_day() {
        let open = ("document.assignment_open", "2026-11-20".to_owned());
        assert_eq!(
            sources(&a("assigned", None, None)),
            std::slice::from_ref(&open)
        );
        assert_eq!(sources(&a("in_progress", None, None)), [open]);
        assert_eq!(
            sources(&a("closed", Some("2026-11-18T10:00:00"), Some("on_time"))),
            [("document.assignment_on_time", "2026-11-18".to_owned())]
        );
        assert_eq!(
            sources(&a("closed", Some("2026-11-25T10:00:00"), Some("late"))),
            [("document.assignment_late", "2026-11-25".to_owned())]
        );
        assert!(sources(&a("closed", Some("2026-11-25T10:00:00"), None)).is_empty());
    }
}
