//! The feedback module's published figures: reports received, answered and answered by their
//! deadline, and reporters' ratings, per agency or per category (the officials' `stats` report).

use crate::stats::{self, By, Filter, Row};
use tinhso_kernel::Ctx;
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::{BoxFut, FigureRow, Figures, Grouping, Kpi};

pub const REPORTS: Kpi = Kpi {
    kind: "feedback",
    title: "pub_stats_feedback",
    processed: "fb_answered",
    note: "pub_stats_feedback_note",
    order: 20,
    figures,
};

fn figures<'a>(
    ctx: &'a Ctx,
    grouping: Grouping,
    from: &'a str,
    to: &'a str,
) -> BoxFut<'a, Result<Figures, AppError>> {
    Box::pin(async move {
        let filter = Filter {
            by: match grouping {
                Grouping::Agency => By::Agency,
                Grouping::Field => By::Category,
            },
            from: Some(from.to_owned()),
            to: Some(to.to_owned()),
        };
        let report = stats::report(&ctx.db, &filter).await?;
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
