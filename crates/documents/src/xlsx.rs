//! One-sheet XLSX workbooks for exports and statistics.

use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::DocumentError;

/// A spreadsheet cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// Written as an Excel number; NaN and infinities, which Excel cannot hold, as text.
    Number(f64),
}

// Excel's own limit for autofit is far too wide to read on a screen.
const MAX_COLUMN_PIXELS: u32 = 400;
// Autofit measures every cell; the first rows are what a reader sees and enough to size by.
const AUTOFIT_ROWS: u32 = 1_000;

/// A workbook with one sheet: a bold, frozen header row, then `rows`, columns sized to fit.
///
/// `sheet_name` is made acceptable to Excel (at most 31 characters, none of `[]:*?/\`), so any
/// name works. Errors only when the data exceeds Excel's limits.
pub fn xlsx(
    sheet_name: &str,
    headers: &[&str],
    rows: &[Vec<Cell>],
) -> Result<Vec<u8>, DocumentError> {
    build(sheet_name, headers, rows).map_err(|e| DocumentError::Xlsx(e.to_string()))
}

fn build(sheet_name: &str, headers: &[&str], rows: &[Vec<Cell>]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_title(sheet_name))?;
    let bold = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xE7_E6_E6))
        .set_border_bottom(FormatBorder::Thin);
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, col_num(col)?, *header, &bold)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let row_num = u32::try_from(i + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        write_row(sheet, row_num, row)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.set_autofit_max_row(AUTOFIT_ROWS);
    sheet.set_autofit_max_width(MAX_COLUMN_PIXELS);
    sheet.autofit();
    workbook.save_to_buffer()
}

fn write_row(sheet: &mut Worksheet, row: u32, cells: &[Cell]) -> Result<(), XlsxError> {
    for (col, cell) in cells.iter().enumerate() {
        let col = col_num(col)?;
        match cell {
            Cell::Text(text) => sheet.write_string(row, col, text)?,
            Cell::Number(n) => sheet.write_number(row, col, *n)?,
        };
    }
    Ok(())
}

fn col_num(col: usize) -> Result<u16, XlsxError> {
    u16::try_from(col).map_err(|_| XlsxError::RowColumnLimitError)
}

/// Excel refuses sheet names that are empty, longer than 31 UTF-16 units, contain `[]:*?/\`,
/// start or end with an apostrophe, or are "History".
fn sheet_title(name: &str) -> String {
    let replaced: String = name
        .chars()
        .map(|c| {
            if "[]:*?/\\".contains(c) || c.is_control() {
                ' '
            } else {
                c
            }
        })
        .collect();
    let trimmed = replaced.trim_matches(|c: char| c == '\'' || c.is_whitespace());
    // Excel counts UTF-16 units, so an emoji takes two of the 31.
    let mut units = 0;
    let cut: String = trimmed
        .chars()
        .take_while(|c| {
            units += c.len_utf16();
            units <= 31
        })
        .collect();
    let trimmed = cut.trim_end_matches(|c: char| c == '\'' || c.is_whitespace());
    if trimmed.is_empty() || trimmed.eq_ignore_ascii_case("history") {
        "Sheet1".to_owned()
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_made_valid() {
        assert_eq!(sheet_title("Hồ sơ 2026"), "Hồ sơ 2026");
        assert_eq!(sheet_title("a/b:c"), "a b c");
        assert_eq!(sheet_title("  'x'  "), "x");
        assert_eq!(sheet_title(""), "Sheet1");
        assert_eq!(sheet_title("History"), "Sheet1");
        assert_eq!(sheet_title(&"ă".repeat(40)).chars().count(), 31);
        assert_eq!(
            sheet_title(&format!("{}'x", "a".repeat(30))),
            "a".repeat(30)
        );
        assert_eq!(sheet_title(&"🌀".repeat(20)), "🌀".repeat(15));
    }
}
