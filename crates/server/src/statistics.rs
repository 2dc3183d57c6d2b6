//! Public statistics (`/statistics`): how agencies keep deadlines and satisfy people, for
//! anyone, signed in or not, as the national portal publishes them. The figures are those of
//! the officials' statistics pages (`dossiers::stats`, `feedback::stats`), reduced to what the
//! public needs: volumes, on-time rates and satisfaction, by agency or by field, over one year.
//!
//! Only aggregates leave this page, and a rate is withheld when it stands for fewer than
//! `tinhso_domain::disclosure::MIN_PUBLIC_COUNT` cases, since a rate of one or two dossiers tells
//! whoever knows the applicant how their dossier went or how they rated the office. Periods are
//! whole years, not free dates, so two overlapping periods cannot be subtracted to isolate
//! the dossiers of one day.

use crate::app::AppState;
use crate::error::{AppError, PageResult};
use crate::extract::Query;
use crate::module::{Access, Routes};
use crate::module::{FigureRow, Grouping};
use crate::web::{Page, sv};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use minijinja::context;
use serde::{Deserialize, Serialize};
use tinhso_domain::disclosure::{MIN_PUBLIC_COUNT, publishable};

pub fn routes() -> Routes {
    Routes::new("portal").get("/statistics", Access::Public, page)
}

/// Rows by agency, or by field (dossiers) and category (feedback).
#[derive(Debug, Clone, Copy, Deserialize, Serialize, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum By {
    #[default]
    Agency,
    Field,
}

#[derive(Debug, Clone, Deserialize, Default)]
struct Filter {
    #[serde(default)]
    by: By,
    year: Option<String>,
}

/// One row as published: counts, and each rate only where enough cases stand behind it.
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct PublicRow {
    pub key: String,
    pub name: String,
    pub received: i64,
    /// Dossiers processed (early, on time or late); feedback answered.
    pub processed: i64,
    /// Early or on time (dossiers); answered by the deadline (feedback). `None` when withheld.
    pub on_time: Option<i64>,
    pub on_time_rate: Option<f64>,
    /// Some cases stand behind the rate, but too few to publish it.
    pub on_time_withheld: bool,
    pub rated: i64,
    pub satisfaction_rate: Option<f64>,
    pub satisfaction_withheld: bool,
}

/// A row before publication: counts and rates as the officials see them.
type Figures = FigureRow;

#[derive(Debug, Clone, Serialize)]
pub struct PublicTable {
    pub rows: Vec<PublicRow>,
    pub total: PublicRow,
}

/// Applies the disclosure rule to a table, rate by rate (each rate has its own cases).
fn publish(rows: Vec<Figures>, total: Figures) -> PublicTable {
    let count = |f: fn(&Figures) -> i64, rows: &[Figures]| -> Vec<u64> {
        rows.iter().map(|r| f(r).max(0) as u64).collect()
    };
    let (on_time_rows, on_time_total) = publishable(
        &count(|r| r.processed, &rows),
        total.processed.max(0) as u64,
    );
    let (rated_rows, rated_total) =
        publishable(&count(|r| r.rated, &rows), total.rated.max(0) as u64);
    let shown = |f: Figures, on_time_ok: bool, rated_ok: bool| PublicRow {
        on_time: on_time_ok.then_some(f.on_time),
        on_time_rate: f.on_time_rate.filter(|_| on_time_ok),
        on_time_withheld: !on_time_ok && f.processed > 0,
        satisfaction_rate: f.satisfaction_rate.filter(|_| rated_ok),
        satisfaction_withheld: !rated_ok && f.rated > 0,
        key: f.key,
        name: f.name,
        received: f.received,
        processed: f.processed,
        rated: f.rated,
    };
    PublicTable {
        rows: rows
            .into_iter()
            .zip(on_time_rows.into_iter().zip(rated_rows))
            .map(|(f, (a, b))| shown(f, a, b))
            .collect(),
        total: shown(total, on_time_total, rated_total),
    }
}

/// A module's published table of a year.
#[derive(Debug, Clone, Serialize)]
pub struct Published {
    pub kind: &'static str,
    pub title: &'static str,
    pub processed: &'static str,
    pub note: &'static str,
    pub table: PublicTable,
}

/// The published tables of a year, one per figure a module declares (`Module::kpis`), each
/// grouped the same way.
pub async fn tables(state: &AppState, by: By, year: i32) -> Result<Vec<Published>, AppError> {
    let today = crate::time::local_now().date();
    let from = format!("{year}-01-01");
    let to = if year == today.year() {
        today.to_string()
    } else {
        format!("{year}-12-31")
    };
    let grouping = match by {
        By::Agency => Grouping::Agency,
        By::Field => Grouping::Field,
    };
    let mut published = Vec::new();
    for kpi in crate::app::kpis().into_iter().filter(|k| k.published) {
        let figures = (kpi.figures)(state, grouping, &from, &to).await?;
        published.push(Published {
            kind: kpi.kind,
            title: kpi.title,
            processed: kpi.processed,
            note: kpi.note,
            table: publish(figures.rows, figures.total),
        });
    }
    Ok(published)
}

/// The years offered: this one and the four before it.
pub fn years(today: i32) -> Vec<i32> {
    (today - 4..=today).rev().collect()
}

async fn page(
    State(state): State<AppState>,
    page: Page,
    Query(filter): Query<Filter>,
) -> PageResult<Response> {
    let this_year = crate::time::local_now().date().year();
    let year = match filter.year.as_deref().map(str::trim) {
        None | Some("") => this_year,
        Some(text) => text
            .parse::<i32>()
            .ok()
            .filter(|y| years(this_year).contains(y))
            .ok_or_else(|| AppError::BadRequest("Chọn một năm trong danh sách thống kê.".into()))?,
    };
    let tables = tables(&state, filter.by, year).await?;
    Ok(page
        .render(
            "public_statistics.html",
            context! {
                by => sv(filter.by), year => year, years => years(this_year),
                tables => sv(&tables), min => MIN_PUBLIC_COUNT,
            },
        )?
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(key: &str, processed: i64, on_time: i64, rated: i64) -> Figures {
        Figures {
            key: key.into(),
            name: key.into(),
            received: processed,
            processed,
            on_time,
            on_time_rate: crate::tables::percent(on_time, processed),
            rated,
            satisfaction_rate: crate::tables::percent(rated, rated),
        }
    }

    #[test]
    fn rates_of_a_few_dossiers_are_withheld_and_cannot_be_subtracted_from_the_total() {
        let table = publish(
            vec![figures("a", 20, 18, 6), figures("b", 2, 1, 1)],
            figures("", 22, 19, 7),
        );
        let (a, b) = (&table.rows[0], &table.rows[1]);
        assert_eq!((a.on_time, a.on_time_rate), (Some(18), Some(90.0)));
        assert!(!a.on_time_withheld && !a.satisfaction_withheld);
        assert_eq!((b.on_time, b.on_time_rate), (None, None));
        assert!(b.on_time_withheld && b.satisfaction_withheld);
        assert_eq!((b.received, b.processed), (2, 2), "volumes stay");
        assert!(
            table.total.on_time_withheld && table.total.on_time_rate.is_none(),
            "the total minus row a would be row b's two dossiers"
        );
    }
}
