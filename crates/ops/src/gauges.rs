//! The Decision 766 index of the province as business gauges in `/metrics` (issue 18,
//! "machine-readable"; docs/operations-design.md §7), for Grafana beside the platform's health:
//! the total and each group's points, and each indicator's points, over the current Decree 09
//! year and month (the windows periodic reports use). Read from the counters like the index
//! page — a few dozen rows whatever the volume — so no cache is kept; nothing is set while no
//! version is active, and a group or indicator without data is left out rather than shown as 0.

use crate::index::{self, IndexView};
use chrono::NaiveDate;
use tinhso_domain::ops::period::{Basis, decree09_month_of};
use tinhso_domain::ops::scope::Scope;
use tinhso_kernel::Ctx;
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::{BoxFut, Gauge, GaugeSource};

pub static INDEX: GaugeSource = GaugeSource {
    name: "ops.index",
    read,
};

fn read(ctx: &Ctx) -> BoxFut<'_, anyhow::Result<Vec<Gauge>>> {
    Box::pin(async move {
        let today = tinhso_kernel::time::local_now().date();
        let mut out = Vec::new();
        for (window, period) in windows(today) {
            match index::compute(ctx, &Scope::Province, &period, Basis::Decree09, today).await {
                Ok(view) => out.extend(gauges(&view, window)),
                // No version valid for the window: nothing to report, not a failed scrape.
                Err(AppError::Validation(_)) => {}
                Err(e) => return Err(anyhow::anyhow!("{e}")),
            }
        }
        Ok(out)
    })
}

/// The current Decree 09 year and month (15th to 14th): a day after the 14th of December
/// already belongs to the next year's first month.
pub fn windows(today: NaiveDate) -> [(&'static str, String); 2] {
    let (year, month) = decree09_month_of(today);
    [
        ("year", format!("{year}-Y")),
        ("month", format!("{year}-M{month:02}")),
    ]
}

/// The gauges of one window's index: `tinhso_index_points` for the total (`group="total"`)
/// and each group with data, `tinhso_index_indicator_points` for each indicator with points.
pub fn gauges(view: &IndexView, window: &'static str) -> Vec<Gauge> {
    let points = |group: &str, value: f64| Gauge {
        name: "tinhso_index_points",
        labels: vec![
            ("scope", "province".to_owned()),
            ("group", group.to_owned()),
            ("window", window.to_owned()),
        ],
        value,
    };
    let mut out = vec![points("total", view.total)];
    for group in &view.groups {
        if let Some(p) = group.points {
            out.push(points(&group.key, p));
        }
        for ind in &group.indicators {
            if let Some(p) = ind.points {
                out.push(Gauge {
                    name: "tinhso_index_indicator_points",
                    labels: vec![
                        ("indicator", ind.key.clone()),
                        ("window", window.to_owned()),
                        ("declared", ind.declared.to_string()),
                    ],
                    value: p,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::windows;
    use chrono::NaiveDate;

    #[test]
    fn the_windows_are_the_decree_09_year_and_month_of_the_day() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let cases = [
            (day(2026, 11, 29), "2026-Y", "2026-M12"),
            (day(2026, 11, 14), "2026-Y", "2026-M11"),
            (day(2026, 12, 14), "2026-Y", "2026-M12"),
            (day(2026, 12, 15), "2027-Y", "2027-M01"),
            (day(2027, 1, 1), "2027-Y", "2027-M01"),
        ];
        for (today, year, month) in cases {
            let [(_, y), (_, m)] = windows(today);
            assert_eq!((y.as_str(), m.as_str()), (year, month), "{today}");
        }
    }
}
