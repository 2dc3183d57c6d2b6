//! Figures a module publishes (`Module::kpis`): per agency or per field over a period, how many
//! cases came in, how many were handled and how many of those on time, and how satisfied people
//! were. The public statistics page reads every module's, and the operations centre and the
//! periodic reports will; none of them knows which modules exist.

use crate::Ctx;
use crate::error::AppError;
use crate::module::BoxFut;

/// How the rows of a table are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    Agency,
    /// The module's own subject grouping: a procedure's field (lĩnh vực), a feedback category.
    Field,
}

/// One kind of case a module counts (dossiers, feedback reports…).
pub struct Kpi {
    /// Short and stable: anchors and test ids read `public-<kind>`.
    pub kind: &'static str,
    /// Locale keys: the table's heading, its "handled" column, the note under it ("" for none).
    pub title: &'static str,
    pub processed: &'static str,
    pub note: &'static str,
    /// Position among the tables, smaller first.
    pub order: u16,
    /// The figures between two dates (inclusive, `YYYY-MM-DD`), one row per group and a total.
    pub figures: FiguresFn,
    /// What the operations centre counts of it incrementally, if anything.
    pub counting: Option<&'static super::counting::Counting>,
    /// Whether the public statistics page shows it. Internal work (the tasks an authority
    /// assigns its units) is counted for the operations centre and the officials, not published.
    pub published: bool,
}

pub type FiguresFn =
    for<'a> fn(&'a Ctx, Grouping, &'a str, &'a str) -> BoxFut<'a, Result<Figures, AppError>>;

/// A table of figures as the officials see them (before any disclosure rule).
#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub rows: Vec<FigureRow>,
    pub total: FigureRow,
}

#[derive(Debug, Clone, Default)]
pub struct FigureRow {
    pub key: String,
    pub name: String,
    pub received: i64,
    /// Cases handled (dossiers processed, feedback answered).
    pub processed: i64,
    /// Handled by the deadline (dossiers early or on time).
    pub on_time: i64,
    pub on_time_rate: Option<f64>,
    pub rated: i64,
    pub satisfaction_rate: Option<f64>,
}
