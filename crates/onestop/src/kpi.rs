//! The one-stop module's published figures: dossiers received, processed and processed on time,
//! and citizens' ratings, per agency or per field (the officials' `dossiers::stats` report).

use crate::dossiers::stats::{self, By, Filter, Row};
use tinhso_kernel::Ctx;
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::{BoxFut, FigureRow, Figures, Grouping, Kpi};

pub const DOSSIERS: Kpi = Kpi {
    kind: "dossiers",
    title: "pub_stats_dossiers",
    processed: "pub_stats_processed",
    note: "stats_note",
    order: 10,
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
                Grouping::Field => By::Field,
            },
            from: Some(from.to_owned()),
            to: Some(to.to_owned()),
        };
        let report = stats::report(&ctx.db, &filter, None).await?;
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
