//! The tasks module's figures and what the operations centre counts of each task
//! ([`COUNTING`]; docs/operations-design.md §3, docs/tasks-design.md slice 4). Not published on
//! the public statistics page: tasks are the administration's internal work.
//!
//! Each unit a task is assigned to counts for its agency, keyed by the task's priority:
//! `unit_assigned` on the day of assignment; on its judged deadline (`judged_due_on`: an
//! extension counts only when granted before the deadline it moved), `unit_done_on_time` or
//! `unit_done_late` once finished (accepted) by or after it, `unit_open` while not finished
//! (`Shape::OpenByDue`: open with a due day before today is "not done, overdue", the rest "not
//! done, within the deadline"). So a window's units due in it fall in the Government Office's
//! four buckets, as the overview judges them (docs/operations-design.md §3). Cancelled units
//! count for nothing. A task's marks are read from its rows, never from the clock.

use crate::events;
use crate::store::overview::{self as store, CountingUnit};
use chrono::NaiveDate;
use tinhso_kernel::Ctx;
use tinhso_kernel::db::Conn;
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::counting::local_day;
use tinhso_kernel::module::{
    BoxFut, Counting, FigureRow, Figures, Grouping, Kpi, Mark, Shape, Source,
};

pub const TASKS: Kpi = Kpi {
    kind: "tasks",
    title: "task_kpi_title",
    processed: "task_kpi_finished",
    note: "",
    order: 30,
    figures,
    counting: Some(&COUNTING),
    published: false,
};

fn figures<'a>(
    ctx: &'a Ctx,
    grouping: Grouping,
    from: &'a str,
    to: &'a str,
) -> BoxFut<'a, Result<Figures, AppError>> {
    Box::pin(async move {
        let lines = store::figures(&ctx.db, grouping == Grouping::Field, from, to).await?;
        let mut total = FigureRow {
            name: "Tổng cộng".into(),
            ..FigureRow::default()
        };
        let rows = lines
            .into_iter()
            .map(|l| {
                total.received += l.received;
                total.processed += l.processed;
                total.on_time += l.on_time;
                row(l.key, l.name, l.received, l.processed, l.on_time)
            })
            .collect();
        let total = row(
            String::new(),
            total.name,
            total.received,
            total.processed,
            total.on_time,
        );
        Ok(Figures { rows, total })
    })
}

fn row(key: String, name: String, received: i64, processed: i64, on_time: i64) -> FigureRow {
    FigureRow {
        key,
        name,
        received,
        processed,
        on_time,
        on_time_rate: (processed > 0).then(|| on_time as f64 * 100.0 / processed as f64),
        rated: 0,
        satisfaction_rate: None,
    }
}

pub const COUNTING: Counting = Counting {
    item: "task",
    sources: &[
        source(
            "task.unit_assigned",
            "ops_src_task_unit_assigned",
            Shape::Flow,
        ),
        source(
            "task.unit_done_on_time",
            "ops_src_task_unit_done_on_time",
            Shape::Flow,
        ),
        source(
            "task.unit_done_late",
            "ops_src_task_unit_done_late",
            Shape::Flow,
        ),
        source("task.unit_open", "ops_src_task_unit_open", Shape::OpenByDue),
    ],
    // Progress, completion reported, returns, requests and refusals, urging and reminders
    // change nothing counted.
    events: &[
        events::ASSIGNED.name,
        events::ACCEPTED.name,
        events::EXTENSION_GRANTED.name,
    ],
    item_of: tinhso_kernel::module::counting::stream_item,
    facts,
    scan,
    // The overview (`/office/tasks/overview?status=…`) is the tasks' list.
    list: None,
    geo: None,
};

const fn source(name: &'static str, title: &'static str, shape: Shape) -> Source {
    Source::keyed(name, title, shape, "priority")
}

fn facts<'a>(
    _ctx: &'a Ctx,
    tx: &'a mut Conn,
    id: &'a str,
) -> BoxFut<'a, Result<Option<Vec<Mark>>, AppError>> {
    Box::pin(async move {
        let units = store::counting_units(tx, id).await?;
        Ok(units.map(|units| units.iter().flat_map(marks).collect()))
    })
}

/// A unit's marks, as the overview buckets it.
pub fn marks(u: &CountingUnit) -> Vec<Mark> {
    let mut out = Vec::new();
    if u.state == "cancelled" {
        return out;
    }
    let mut put = |source: &'static str, day: Option<NaiveDate>| {
        if let Some(day) = day {
            out.push(Mark {
                source,
                day,
                agency_id: Some(u.agency_id.clone()),
                unit: None,
                key: Some(u.priority.clone()),
            });
        }
    };
    put("task.unit_assigned", local_day(Some(&u.assigned_on)));
    let due = local_day(Some(&u.judged_due_on));
    match u.finished_on.as_deref() {
        // Days of one width compare as text, as the overview compares them.
        Some(f) if f <= u.judged_due_on.as_str() => put("task.unit_done_on_time", due),
        Some(_) => put("task.unit_done_late", due),
        None => put("task.unit_open", due),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(judged: &str, finished: Option<&str>, state: &str) -> CountingUnit {
        CountingUnit {
            agency_id: "stp".into(),
            priority: "high".into(),
            assigned_on: "2026-11-02".into(),
            judged_due_on: judged.into(),
            finished_on: finished.map(str::to_owned),
            state: state.into(),
        }
    }

    fn sources(u: &CountingUnit) -> Vec<(&'static str, String)> {
        marks(u)
            .into_iter()
            .map(|m| (m.source, m.day.to_string()))
            .collect()
    }

    #[test]
    fn each_unit_counts_in_one_bucket_by_its_judged_deadline() {
        let a = ("task.unit_assigned", "2026-11-02".to_owned());
        assert_eq!(
            sources(&unit("2026-11-20", Some("2026-11-12"), "completed")),
            [a.clone(), ("task.unit_done_on_time", "2026-11-20".into())]
        );
        assert_eq!(
            sources(&unit("2026-11-20", Some("2026-11-21"), "completed")),
            [a.clone(), ("task.unit_done_late", "2026-11-20".into())]
        );
        assert_eq!(
            sources(&unit("2026-11-20", None, "in_progress")),
            [a, ("task.unit_open", "2026-11-20".into())]
        );
        assert!(marks(&unit("2026-11-20", None, "cancelled")).is_empty());
        assert_eq!(
            marks(&unit("2026-11-20", None, "assigned"))[0]
                .key
                .as_deref(),
            Some("high")
        );
    }
}
