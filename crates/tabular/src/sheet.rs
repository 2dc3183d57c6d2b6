//! XLSX: the first sheet, read cell by cell (calamine's streaming reader: a sheet that
//! claims a million columns allocates nothing), formula cells as their cached value (none is
//! an error), Excel dates as ISO dates. The archive's declared sizes are checked before
//! calamine opens it, so a zip bomb is refused unread.

use crate::encoding;
use crate::table::TableCheck;
use crate::{FileFormat, Issue, Limits, Report};
use calamine::{DataRef, Reader, Xlsx};
use std::io::{Read, Seek, SeekFrom};

const FORMAT: FileFormat = FileFormat::Xlsx;
/// Cells whose text decides whether the sheet is TCVN3 typed in Unicode.
const SAMPLE_CELLS: usize = 2_000;

pub(crate) fn check_xlsx<R: Read + Seek>(
    mut input: R,
    limits: &Limits,
    row: &mut dyn FnMut(&[String]),
) -> Report {
    let mut magic = [0u8; 4];
    if input.read_exact(&mut magic).is_err() || &magic != b"PK\x03\x04" {
        return Report::error(FORMAT, Issue::not_format(FORMAT));
    }
    if let Err(issue) = check_archive(&mut input, limits) {
        return Report::error(FORMAT, issue);
    }
    if input.seek(SeekFrom::Start(0)).is_err() {
        return Report::error(FORMAT, Issue::not_format(FORMAT));
    }
    let mut workbook: Xlsx<R> = match Xlsx::new(input) {
        Ok(w) => w,
        Err(e) => return Report::error(FORMAT, Issue::malformed(FORMAT, None, &short(&e))),
    };
    let Some(name) = workbook.sheet_names().into_iter().next() else {
        return Report::error(FORMAT, Issue::no_header());
    };
    let mut report = Report {
        sheet: Some(name.clone()),
        ..Report::default()
    };
    let sheets = workbook.sheet_names().len();
    if sheets > 1 {
        report.warnings.push(Issue::new(
            "sheets",
            None,
            format!(
                "Tệp có {sheets} trang tính; chỉ trang đầu tiên (“{name}”) được kiểm tra và nạp."
            ),
        ));
    }
    let rows = match read_rows(&mut workbook, &name, limits, &mut report) {
        Ok(rows) => rows,
        Err(issue) => {
            report.errors.push(issue);
            return report;
        }
    };
    // TCVN3 typed with .Vn fonts, saved as Unicode: told by the text cells, converted.
    let sample: String = rows
        .iter()
        .flat_map(|(_, cells)| cells.iter())
        .filter(|c| !c.is_ascii())
        .take(SAMPLE_CELLS)
        .map(|c| format!("{c} "))
        .collect();
    let tcvn3 = encoding::is_tcvn3_in_unicode(&sample);
    if tcvn3 {
        report.encoding = Some(encoding::TextEncoding::Tcvn3InUnicode);
        report
            .warnings
            .push(Issue::converted(encoding::TextEncoding::Tcvn3InUnicode));
    }
    let mut table = TableCheck::new(limits);
    for (line, mut cells) in rows {
        if tcvn3 {
            for c in &mut cells {
                if let Some(converted) = encoding::tcvn3_in_unicode(c) {
                    *c = converted;
                }
            }
        }
        if table.push(&mut report, line, &cells) {
            row(&cells);
        }
        if table.stopped() {
            break;
        }
    }
    table.finish(&mut report);
    report
}

/// The first sheet's rows as text with their line numbers (1-based, as Excel shows them),
/// rows without any cell left out, after the same checks as [`check_xlsx`]: the zip's declared
/// sizes, the sheet's cells and text within `limits`, formula cells with their cached value,
/// TCVN3 typed in Unicode converted. For callers that read a workbook's values (an import).
pub(crate) fn read_xlsx<R: Read + Seek>(
    mut input: R,
    limits: &Limits,
) -> Result<Vec<(u64, Vec<String>)>, Issue> {
    let mut magic = [0u8; 4];
    if input.read_exact(&mut magic).is_err() || &magic != b"PK\x03\x04" {
        return Err(Issue::not_format(FORMAT));
    }
    check_archive(&mut input, limits)?;
    input
        .seek(SeekFrom::Start(0))
        .map_err(|_| Issue::not_format(FORMAT))?;
    let mut workbook: Xlsx<R> =
        Xlsx::new(input).map_err(|e| Issue::malformed(FORMAT, None, &short(&e)))?;
    let Some(name) = workbook.sheet_names().into_iter().next() else {
        return Err(Issue::no_header());
    };
    let mut scratch = Report::default();
    let mut rows = read_rows(&mut workbook, &name, limits, &mut scratch)?;
    let sample: String = rows
        .iter()
        .flat_map(|(_, cells)| cells.iter())
        .filter(|c| !c.is_ascii())
        .take(SAMPLE_CELLS)
        .map(|c| format!("{c} "))
        .collect();
    if encoding::is_tcvn3_in_unicode(&sample) {
        for c in rows.iter_mut().flat_map(|(_, cells)| cells.iter_mut()) {
            if let Some(converted) = encoding::tcvn3_in_unicode(c) {
                *c = converted;
            }
        }
    }
    Ok(rows)
}

fn short(e: &dyn std::fmt::Display) -> String {
    let text = e.to_string();
    text.chars().take(200).collect()
}

/// Declared sizes: at most `max_uncompressed_bytes` in all and a ratio of
/// `max_compression_ratio`; entries whose size is only known after reading are refused.
fn check_archive<R: Read + Seek>(input: &mut R, limits: &Limits) -> Result<(), Issue> {
    let malformed = |e: &dyn std::fmt::Display| Issue::malformed(FORMAT, None, &short(e));
    input.seek(SeekFrom::Start(0)).map_err(|e| malformed(&e))?;
    let mut archive = zip::ZipArchive::new(&mut *input).map_err(|e| malformed(&e))?;
    if archive.len() > 10_000 {
        return Err(Issue::new(
            "bomb",
            None,
            "Tệp XLSX có quá nhiều thành phần.".to_owned(),
        ));
    }
    let mut total = 0u64;
    let mut compressed = 0u64;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| malformed(&e))?;
        total = total.saturating_add(entry.size());
        compressed = compressed.saturating_add(entry.compressed_size());
    }
    let ratio_ok = total
        <= compressed
            .saturating_mul(limits.max_compression_ratio)
            .max(1 << 20);
    if total > limits.max_uncompressed_bytes || !ratio_ok {
        return Err(Issue::new(
            "bomb",
            None,
            format!(
                "Tệp XLSX khi giải nén quá lớn ({} MiB, tối đa {} MiB).",
                total >> 20,
                limits.max_uncompressed_bytes >> 20
            ),
        ));
    }
    Ok(())
}

/// The sheet's rows as text, each padded to the widest row so far, with their line numbers
/// (1-based, as Excel shows them). Rows with no cell are not returned: the gap is counted as
/// empty rows once the header is known.
fn read_rows<R: Read + Seek>(
    workbook: &mut Xlsx<R>,
    name: &str,
    limits: &Limits,
    report: &mut Report,
) -> Result<Vec<(u64, Vec<String>)>, Issue> {
    let malformed = |e: &dyn std::fmt::Display| Issue::malformed(FORMAT, None, &short(e));
    let mut reader = workbook
        .worksheet_cells_reader(name)
        .map_err(|e| malformed(&e))?;
    let mut rows: Vec<(u64, Vec<String>)> = Vec::new();
    let mut formula_without_value = 0u64;
    let mut first_formula_row = None;
    let mut width = 0usize;
    let mut text_bytes = 0u64;
    loop {
        let cell = match reader.next_cell_with_formula() {
            Ok(Some(cell)) => cell,
            Ok(None) => break,
            Err(e) => return Err(malformed(&e)),
        };
        let (row, col) = cell.pos;
        let (row, col) = (u64::from(row) + 1, col as usize);
        if col >= limits.max_columns {
            return Err(Issue::too_many_columns(limits.max_columns));
        }
        let text = match &cell.value {
            DataRef::Empty if cell.formula.is_some() => {
                formula_without_value += 1;
                first_formula_row.get_or_insert(row);
                String::new()
            }
            value => text_of(value),
        };
        if text.is_empty() {
            continue;
        }
        text_bytes += text.len() as u64;
        let padded = (rows.len() as u64 + 1) * width.max(col + 1) as u64;
        if text_bytes > limits.max_sheet_text_bytes || padded > limits.max_sheet_cells {
            return Err(Issue::sheet_too_large(row));
        }
        match rows.last_mut() {
            Some((r, _)) if *r == row => {}
            Some((r, _)) if *r > row => {
                return Err(malformed(&"rows out of order"));
            }
            _ => rows.push((row, Vec::new())),
        }
        let Some((_, cells)) = rows.last_mut() else {
            continue;
        };
        if cells.len() <= col {
            cells.resize(col + 1, String::new());
        }
        cells[col] = text;
        width = width.max(col + 1);
    }
    if formula_without_value > 0 {
        return Err(Issue::new(
            "formula",
            first_formula_row,
            format!(
                "{formula_without_value} ô công thức chưa có giá trị tính sẵn (dòng đầu tiên: {}). Hãy mở tệp bằng Excel, tính lại và lưu.",
                first_formula_row.unwrap_or(0)
            ),
        ));
    }
    // Empty rows between rows: counted once the header is known (the first row seen).
    let mut previous: Option<u64> = None;
    for (row, cells) in &mut rows {
        cells.resize(width, String::new());
        if let Some(p) = previous {
            report.empty_rows += row.saturating_sub(p + 1);
        }
        previous = Some(*row);
    }
    Ok(rows)
}

/// A cell as text: numbers as written in the file, Excel dates as ISO dates (or date-times).
fn text_of(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => {
            if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                f.to_string()
            }
        }
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        DataRef::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, h, min, s, _) = dt.to_ymd_hms_milli();
            if (h, min, s) == (0, 0, 0) {
                format!("{y:04}-{m:02}-{d:02}")
            } else {
                format!("{y:04}-{m:02}-{d:02} {h:02}:{min:02}:{s:02}")
            }
        }
        DataRef::DateTime(dt) => dt.as_f64().to_string(),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => format!("#{e:?}"),
        DataRef::Empty => String::new(),
    }
}
