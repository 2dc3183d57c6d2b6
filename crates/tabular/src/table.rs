//! The checks every table gets, whatever file it came from: the header (first non-empty row;
//! blank names become `cot_<n>`, duplicates get `_2`), empty rows skipped and counted, rows of
//! another length refused (the first [`RAGGED_LISTED`] listed), a last "Tổng…/Cộng…" row
//! warned, cells that a spreadsheet would run as formulas counted, and each column's type.

use crate::infer::ColumnStats;
use crate::{Issue, Limits, Report};
use tinhso_domain::text::fold;

/// How many ragged rows the report lists by line.
pub const RAGGED_LISTED: usize = 20;

/// A table as its rows arrive.
pub struct TableCheck<'a> {
    limits: &'a Limits,
    header: Option<Vec<String>>,
    columns: Vec<ColumnStats>,
    ragged: u64,
    last_row: Option<(u64, String)>,
    stopped: bool,
}

impl<'a> TableCheck<'a> {
    pub fn new(limits: &'a Limits) -> Self {
        TableCheck {
            limits,
            header: None,
            columns: Vec::new(),
            ragged: 0,
            last_row: None,
            stopped: false,
        }
    }

    /// Whether reading should stop (too many columns: the rest would only repeat it).
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    /// Whether the header has been read (empty rows before it are not counted).
    pub fn has_header(&self) -> bool {
        self.header.is_some()
    }

    /// One row, at `line` (1-based, as the file counts). Whether it is a data row (not the
    /// header, not empty, not ragged).
    pub fn push(&mut self, report: &mut Report, line: u64, cells: &[String]) -> bool {
        if self.stopped {
            return false;
        }
        let width = cells
            .iter()
            .rposition(|c| !c.trim().is_empty())
            .map_or(0, |i| i + 1);
        if width == 0 {
            if self.header.is_some() {
                report.empty_rows += 1;
            }
            return false;
        }
        let Some(header) = &self.header else {
            if cells.len() > self.limits.max_columns {
                report
                    .errors
                    .push(Issue::too_many_columns(self.limits.max_columns));
                self.stopped = true;
                return false;
            }
            self.header = Some(self.fix_header(report, line, cells));
            self.columns = vec![ColumnStats::default(); cells.len()];
            return false;
        };
        // Trailing empty cells past the header are tolerated (spreadsheets export them).
        if width > header.len() || cells.len() < header.len() {
            self.ragged += 1;
            if self.ragged <= RAGGED_LISTED as u64 {
                let found = if width > header.len() {
                    width
                } else {
                    cells.len()
                };
                report.errors.push(Issue::ragged(line, found, header.len()));
            }
            return false;
        }
        report.rows += 1;
        for (i, stats) in self.columns.iter_mut().enumerate() {
            match cells.get(i) {
                Some(cell) => {
                    if looks_like_formula(cell) {
                        report.formula_like_cells += 1;
                    }
                    stats.add(cell);
                }
                None => stats.add_missing(),
            }
        }
        self.last_row = cells
            .first()
            .map(|first| (line, first.trim().chars().take(40).collect()));
        true
    }

    fn fix_header(&self, report: &mut Report, line: u64, cells: &[String]) -> Vec<String> {
        let mut names: Vec<String> = Vec::with_capacity(cells.len());
        for (i, cell) in cells.iter().enumerate() {
            let trimmed = cell.trim();
            let mut name = if trimmed.is_empty() {
                let name = format!("cot_{}", i + 1);
                report
                    .warnings
                    .push(Issue::blank_header(line, i + 1, &name));
                name
            } else {
                trimmed.chars().take(100).collect()
            };
            if names.contains(&name) {
                let base = name.clone();
                let mut n = 2;
                while names.contains(&format!("{base}_{n}")) {
                    n += 1;
                }
                name = format!("{base}_{n}");
                report
                    .warnings
                    .push(Issue::duplicate_header(line, &base, &name));
            }
            names.push(name);
        }
        names
    }

    /// The report's columns and the warnings only the end can tell.
    pub fn finish(self, report: &mut Report) {
        if self.ragged > RAGGED_LISTED as u64 {
            report
                .errors
                .push(Issue::more_ragged(self.ragged - RAGGED_LISTED as u64));
        }
        let Some(header) = self.header else {
            if !self.stopped {
                report.errors.push(Issue::no_header());
            }
            return;
        };
        if let Some((line, first)) = &self.last_row {
            let folded = fold(first);
            if report.rows > 1 && (folded.starts_with("tong") || folded.starts_with("cong")) {
                report.warnings.push(Issue::totals_row(*line, first));
            }
        }
        if report.empty_rows > 0 {
            report.warnings.push(Issue::empty_rows(report.empty_rows));
        }
        if report.rows == 0 {
            report.errors.push(Issue::no_rows());
        }
        report.columns = header
            .iter()
            .zip(&self.columns)
            .map(|(name, stats)| stats.report(name))
            .collect();
    }
}

/// A cell a spreadsheet would run as a formula: starts with `= + - @`, a tab or a carriage
/// return, and is not a number.
pub fn looks_like_formula(cell: &str) -> bool {
    let starts = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    starts && cell.trim().parse::<f64>().is_err() && !is_vn_negative(cell)
}

fn is_vn_negative(cell: &str) -> bool {
    let t = cell.trim();
    t.starts_with('-')
        && t.len() > 1
        && t[1..]
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
}
