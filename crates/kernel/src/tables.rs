//! What every statistics page shares: the reporting period (Vietnam dates), percentages, and
//! the CSV and XLSX downloads of a table.

use crate::error::AppError;
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use tinhso_documents::Cell;

/// The period `from`..=`to` (YYYY-MM-DD), by default 1 January this year to today.
pub fn period(from: Option<&str>, to: Option<&str>) -> Result<(NaiveDate, NaiveDate), AppError> {
    let today = crate::time::local_now().date();
    let parse = |s: Option<&str>, default: NaiveDate, field: &str| match s.map(str::trim) {
        None | Some("") => Ok(default),
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .filter(|d| (1900..=9999).contains(&d.year()))
            .ok_or_else(|| AppError::validation(field, "Ngày có dạng YYYY-MM-DD.")),
    };
    let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    let from = parse(from, year_start, "from")?;
    let to = parse(to, today, "to")?;
    if to < from {
        return Err(AppError::validation("to", "Ngày cuối phải sau ngày đầu."));
    }
    if (to - from).num_days() > 3660 {
        return Err(AppError::validation("from", "Kỳ thống kê tối đa 10 năm."));
    }
    Ok((from, to))
}

/// The stored (UTC text) bounds of a period of Vietnam dates: [start of `from`, start of the
/// day after `to`).
pub fn utc_bounds(from: NaiveDate, to: NaiveDate) -> (String, String) {
    let start = |d: NaiveDate| {
        let local = d.and_hms_opt(0, 0, 0).unwrap_or_default();
        crate::time::to_text((local - chrono::Duration::hours(7)).and_utc())
    };
    (start(from), start(to + chrono::Duration::days(1)))
}

/// `part` of `whole` in percent with one decimal; `None` when there is nothing to divide.
pub fn percent(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// Report rows followed by the total row, as spreadsheet cells.
pub fn with_total<R>(rows: &[R], total: &R, cells: impl Fn(&R) -> Vec<Cell>) -> Vec<Vec<Cell>> {
    rows.iter()
        .chain(std::iter::once(total))
        .map(cells)
        .collect()
}

/// A CSV file whose every cell is neutralised against formula injection
/// (`tinhso_domain::spreadsheet`): the one way the platform writes CSV.
pub struct SafeCsv(csv::Writer<Vec<u8>>);

impl SafeCsv {
    pub fn new() -> SafeCsv {
        SafeCsv(csv::Writer::from_writer(Vec::new()))
    }

    pub fn record<I, S>(&mut self, cells: I) -> Result<(), AppError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let cells = cells
            .into_iter()
            .map(|c| tinhso_domain::spreadsheet::neutralize(c.as_ref()).into_owned());
        self.0.write_record(cells).map_err(anyhow::Error::from)?;
        Ok(())
    }

    pub fn finish(self) -> Result<Vec<u8>, AppError> {
        self.0
            .into_inner()
            .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))
    }
}

impl Default for SafeCsv {
    fn default() -> Self {
        SafeCsv::new()
    }
}

/// A table as CSV, with a byte-order mark so spreadsheet programs read it as UTF-8.
pub fn csv(file_stem: &str, headers: &[&str], rows: &[Vec<Cell>]) -> Result<Response, AppError> {
    let mut writer = SafeCsv::new();
    writer.record(headers)?;
    for row in rows {
        writer.record(row.iter().map(|c| match c {
            Cell::Text(t) => t.clone(),
            Cell::Number(n) => n.to_string(),
        }))?;
    }
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    bytes.extend(writer.finish()?);
    Ok(crate::web::download(
        "text/csv; charset=utf-8",
        &format!("{file_stem}.csv"),
        bytes,
    ))
}

/// A table as a one-sheet XLSX workbook.
pub fn xlsx(
    sheet: &str,
    file_stem: &str,
    headers: &[&str],
    rows: &[Vec<Cell>],
) -> Result<Response, AppError> {
    let bytes =
        tinhso_documents::xlsx(sheet, headers, rows).map_err(|e| anyhow::anyhow!("xlsx: {e}"))?;
    Ok(crate::web::download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{file_stem}.xlsx"),
        bytes,
    ))
}
