//! The procedure catalog as an open dataset: one row per procedure and agency that carries it
//! out, with the localised code, the statutory time in working days, the fees and the online
//! service level, as the national portal lists them; and the one-stop statistics by agency
//! and month (received, processed, on time and the on-time rate, with the public statistics
//! page's disclosure rule: no rate and no on-time count behind fewer than 5 dossiers).

use crate::catalog::store;
use crate::dossiers::stats::{self, By};
use chrono::{Datelike, NaiveDate};
use tinhso_kernel::Ctx;
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::{BoxFut, Column, Dataset, Value};

pub const PROCEDURES: Dataset = Dataset {
    name: "procedures",
    title: "dataset_procedures",
    description: "dataset_procedures_text",
    columns: &[
        Column::text("code"),
        Column::text("local_code"),
        Column::text("name"),
        Column::text("field"),
        Column::text("level"),
        Column::number("processing_days"),
        Column::integer("fee_vnd"),
        Column::text("online_level"),
        Column::text("agency_code"),
    ],
    rows,
    refresh_on: crate::catalog::events::ALL,
};

/// The events after which a month's figures may have changed: the dossiers', and an agency
/// renamed (the rows carry its name).
const DOSSIER_FIGURES: &[&str] = &[
    "dossier.submitted",
    "dossier.accepted",
    "dossier.refused",
    "dossier.stopped",
    "dossier.approved",
    "dossier.returned",
    "dossier.withdrawn",
    "dossier.rated",
    tinhso_directory::events::UPDATED.name,
];

/// How many months back the monthly statistics go (this one included).
pub const MONTHS: u32 = 24;

pub const MONTHLY_STATISTICS: Dataset = Dataset {
    name: "onestop-statistics-monthly",
    title: "dataset_onestop_monthly",
    description: "dataset_onestop_monthly_text",
    columns: &[
        Column::text("month"),
        Column::text("agency_code"),
        Column::text("agency_name"),
        Column::integer("received"),
        Column::integer("processed"),
        Column::integer("on_time"),
        Column::number("on_time_rate"),
    ],
    rows: monthly_rows,
    refresh_on: DOSSIER_FIGURES,
};

/// The first and last day of each of the `n` months up to `today`'s, oldest first.
pub fn months(today: NaiveDate, n: u32) -> Vec<(NaiveDate, NaiveDate)> {
    let mut first = today.with_day(1).unwrap_or(today);
    let mut out = Vec::new();
    for _ in 0..n {
        let next = first
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(first);
        out.push((first, next.pred_opt().unwrap_or(first)));
        first = match first.checked_sub_months(chrono::Months::new(1)) {
            Some(d) => d,
            None => break,
        };
    }
    out.reverse();
    out
}

fn monthly_rows(ctx: &Ctx) -> BoxFut<'_, Result<Vec<Vec<Value>>, AppError>> {
    Box::pin(async move {
        let today = tinhso_kernel::time::local_now().date();
        let mut rows = Vec::new();
        for (first, last) in months(today, MONTHS) {
            // Closed months from the node's kept copies; this one (and the last, until its
            // day after) counted again (docs/opendata-design.md §10).
            let report = stats::published(ctx, By::Agency, (first, last), false).await?;
            let processed: Vec<u64> = report
                .rows
                .iter()
                .map(|r| r.processed.max(0) as u64)
                .collect();
            let (shown, _) = tinhso_domain::disclosure::publishable(&processed, 0);
            let month = first.format("%Y-%m").to_string();
            for (r, shown) in report.rows.iter().zip(shown) {
                if r.received == 0 && r.processed == 0 {
                    continue;
                }
                rows.push(vec![
                    month.as_str().into(),
                    r.key.as_str().into(),
                    r.name.as_str().into(),
                    r.received.into(),
                    r.processed.into(),
                    shown.then_some(r.early + r.on_time).into(),
                    r.on_time_rate.filter(|_| shown).into(),
                ]);
            }
        }
        Ok(rows)
    })
}

fn rows(ctx: &Ctx) -> BoxFut<'_, Result<Vec<Vec<Value>>, AppError>> {
    Box::pin(async move {
        let mut rows = Vec::new();
        for p in store::export_all(&ctx.db).await? {
            let fee: i64 = p.fees.iter().map(|f| f.amount_vnd).sum();
            for agency in &p.agencies {
                rows.push(vec![
                    p.code.as_str().into(),
                    p.local_code(agency).into(),
                    p.name.as_str().into(),
                    p.field_name.as_str().into(),
                    p.level.as_str().into(),
                    p.processing.as_days().into(),
                    fee.into(),
                    p.online_level.as_str().into(),
                    agency.as_str().into(),
                ]);
            }
        }
        Ok(rows)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn months_run_oldest_first_to_this_one_across_years() {
        let cases = [
            ("2026-11-30", 1, vec![("2026-11-01", "2026-11-30")]),
            (
                "2026-02-10",
                3,
                vec![
                    ("2025-12-01", "2025-12-31"),
                    ("2026-01-01", "2026-01-31"),
                    ("2026-02-01", "2026-02-28"),
                ],
            ),
            ("2024-02-29", 1, vec![("2024-02-01", "2024-02-29")]),
        ];
        for (today, n, want) in cases {
            let want: Vec<_> = want.into_iter().map(|(a, b)| (day(a), day(b))).collect();
            assert_eq!(months(day(today), n), want, "{today} {n}");
        }
        assert_eq!(months(day("2026-11-30"), MONTHS).len(), 24);
    }
}
