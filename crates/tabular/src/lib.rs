//! Reads and checks the files an agency publishes as open data (docs/opendata-design.md §5):
//! the text encoding of CSV files (UTF-8, UTF-16, windows-1258, TCVN3 — converted, or refused
//! with a message), the table's header, empty and ragged rows and column types, an XLSX
//! workbook's first sheet, JSON and GeoJSON well-formedness, a PDF's header. The result is a
//! [`Report`] shown to the officer who uploaded the file and the leader who approves it; any
//! error refuses the file.
//!
//! Sync and without a database: the caller runs [`check`] on a blocking thread. Hostile input
//! (broken zips, bombs, deep JSON, random bytes) gives a report with errors, never a panic
//! (a property test feeds random bytes to every format).

pub mod encoding;
pub mod geojson;
pub mod infer;
mod sheet;
pub mod table;

use encoding::{Decoding, EncodingRefusal, TextEncoding};
use serde::{Deserialize, Serialize};
use std::io::{Read, Seek};
pub use tinhso_domain::opendata::codes::FileFormat;

pub use infer::{Cell, ColumnReport, ColumnType, cell_value};

/// Bounds of the check.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The most columns a table may have.
    pub max_columns: usize,
    /// An XLSX file's declared uncompressed size, at most (a zip bomb is refused before
    /// calamine opens it).
    pub max_uncompressed_bytes: u64,
    /// And its compression ratio.
    pub max_compression_ratio: u64,
    /// The most cells a sheet may have once its rows are padded to the widest (each kept in
    /// memory until the check ends: one cell far right on a million rows must not take the
    /// node's memory).
    pub max_sheet_cells: u64,
    /// The most text a sheet's cells may hold together: a shared string is copied into each
    /// cell that uses it, so a small file can ask for far more.
    pub max_sheet_text_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_columns: 500,
            max_uncompressed_bytes: 1 << 30,
            max_compression_ratio: 100,
            max_sheet_cells: 10_000_000,
            max_sheet_text_bytes: 256 << 20,
        }
    }
}

/// What the check found: shown as a page, kept as JSON on the version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub format: Option<FileFormat>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<TextEncoding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// Data rows (the header not counted).
    pub rows: u64,
    pub empty_rows: u64,
    pub columns: Vec<ColumnReport>,
    /// GeoJSON: the features read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<u64>,
    /// Cells starting `= + - @` that are not numbers (a spreadsheet would run them).
    pub formula_like_cells: u64,
    pub warnings: Vec<Issue>,
    pub errors: Vec<Issue>,
}

impl Report {
    /// Whether the file may be published: no error.
    pub fn passed(&self) -> bool {
        self.errors.is_empty()
    }

    fn error(format: FileFormat, issue: Issue) -> Report {
        Report {
            format: Some(format),
            errors: vec![issue],
            ..Report::default()
        }
    }
}

/// One finding, in Vietnamese (the pages translate it like any server message).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    pub message: String,
}

impl Issue {
    fn new(code: &str, line: Option<u64>, message: String) -> Issue {
        Issue {
            code: code.to_owned(),
            line,
            message,
        }
    }

    fn unknown_encoding() -> Issue {
        Issue::new(
            "encoding",
            None,
            "Không nhận ra bảng mã của tệp (không phải UTF-8, Windows-1258 hay TCVN3). Hãy mở tệp bằng Excel và lưu lại với kiểu “CSV UTF-8”.".to_owned(),
        )
    }

    fn undecodable(line: u64) -> Issue {
        Issue::new(
            "encoding",
            Some(line),
            format!(
                "Dòng {line} có byte không đọc được theo bảng mã đã nhận ra. Hãy lưu lại tệp với kiểu “CSV UTF-8”."
            ),
        )
    }

    fn converted(encoding: TextEncoding) -> Issue {
        Issue::new(
            "converted",
            None,
            format!(
                "Tệp dùng bảng mã {}, đã được chuyển sang Unicode (UTF-8).",
                encoding.label()
            ),
        )
    }

    fn not_format(format: FileFormat) -> Issue {
        Issue::new(
            "format",
            None,
            format!("Nội dung tệp không phải định dạng {}.", format.as_str()),
        )
    }

    fn malformed(format: FileFormat, line: Option<u64>, detail: &str) -> Issue {
        let message = match line {
            Some(l) => format!("Tệp {} bị lỗi ở dòng {l}: {detail}", format.as_str()),
            None => format!("Tệp {} bị lỗi: {detail}", format.as_str()),
        };
        Issue::new("malformed", line, message)
    }

    fn too_many_columns(max: usize) -> Issue {
        Issue::new(
            "columns",
            None,
            format!("Bảng có quá nhiều cột (tối đa {max})."),
        )
    }

    fn sheet_too_large(line: u64) -> Issue {
        Issue::new(
            "sheet_size",
            Some(line),
            "Trang tính quá lớn để kiểm tra. Hãy chia thành nhiều tệp hoặc lưu thành CSV UTF-8."
                .to_owned(),
        )
    }

    fn ragged(line: u64, found: usize, expected: usize) -> Issue {
        Issue::new(
            "ragged",
            Some(line),
            format!("Dòng {line} có {found} cột, dòng tiêu đề có {expected} cột."),
        )
    }

    fn more_ragged(n: u64) -> Issue {
        Issue::new(
            "ragged",
            None,
            format!("Còn {n} dòng khác có số cột không khớp dòng tiêu đề."),
        )
    }

    fn blank_header(line: u64, column: usize, name: &str) -> Issue {
        Issue::new(
            "header",
            Some(line),
            format!("Cột {column} không có tên, đã đặt tên “{name}”."),
        )
    }

    fn duplicate_header(line: u64, name: &str, new_name: &str) -> Issue {
        Issue::new(
            "header",
            Some(line),
            format!("Tên cột “{name}” bị trùng, cột sau được đổi thành “{new_name}”."),
        )
    }

    fn no_header() -> Issue {
        Issue::new("empty", None, "Tệp không có dữ liệu.".to_owned())
    }

    fn no_rows() -> Issue {
        Issue::new(
            "empty",
            None,
            "Bảng chỉ có dòng tiêu đề, không có dòng dữ liệu nào.".to_owned(),
        )
    }

    fn empty_rows(n: u64) -> Issue {
        Issue::new("empty_rows", None, format!("Đã bỏ qua {n} dòng trống."))
    }

    fn totals_row(line: u64, first: &str) -> Issue {
        Issue::new(
            "totals",
            Some(line),
            format!(
                "Dòng cuối ({line}) có vẻ là dòng tổng cộng (“{first}”): dữ liệu mở chỉ nên có các dòng chi tiết."
            ),
        )
    }
}

/// Checks a file said to be `format`. Never panics; anything wrong is an error in the report.
pub fn check<R: Read + Seek>(format: FileFormat, input: R, limits: &Limits) -> Report {
    read_table(format, input, limits, &mut |_| {})
}

/// Checks a file like [`check`], giving each data row of a table (CSV, XLSX) to `row` as it is
/// read: its cells as the check saw them (decoded, NFC), one per column of the header (the
/// report's `columns`), rows that are empty or of another length left out. Rows arrive before
/// the check has seen the whole file: keep them only if the report passed. The datastore loads
/// a table this way, streaming, from a file that passed its check at upload.
pub fn read_table<R: Read + Seek>(
    format: FileFormat,
    input: R,
    limits: &Limits,
    row: &mut dyn FnMut(&[String]),
) -> Report {
    let mut report = match format {
        FileFormat::Csv => check_csv(input, limits, row),
        FileFormat::Xlsx => sheet::check_xlsx(input, limits, row),
        FileFormat::Json => check_json(input),
        FileFormat::GeoJson => geojson::check(input),
        FileFormat::Pdf => check_pdf(input),
    };
    report.format = Some(format);
    report
}

/// The first sheet of an XLSX workbook as rows of text, each with its line number (1-based),
/// rows without a cell left out; dates as `YYYY-MM-DD`, whole numbers without a decimal point.
/// Refused (with the issue, in Vietnamese) when the input is not an XLSX workbook or breaks
/// `limits`, as [`check`] refuses it. Never panics.
pub fn xlsx_rows<R: Read + Seek>(
    input: R,
    limits: &Limits,
) -> Result<Vec<(u64, Vec<String>)>, Issue> {
    sheet::read_xlsx(input, limits)
}

/// Reads up to `n` bytes (fewer only at the end of the input).
fn read_up_to<R: Read>(input: &mut R, n: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(n.min(1 << 20));
    input.take(n as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

fn check_csv<R: Read>(mut input: R, limits: &Limits, row: &mut dyn FnMut(&[String])) -> Report {
    let format = FileFormat::Csv;
    let sample = match read_up_to(&mut input, encoding::SAMPLE_BYTES) {
        Ok(s) => s,
        Err(e) => return Report::error(format, Issue::malformed(format, None, &e.to_string())),
    };
    if sample.starts_with(b"PK\x03\x04") || sample.starts_with(b"%PDF") {
        return Report::error(format, Issue::not_format(format));
    }
    let complete = sample.len() < encoding::SAMPLE_BYTES;
    let kind = match encoding::detect(&sample, complete) {
        Ok(kind) => kind,
        Err(EncodingRefusal::Undecodable { line }) => {
            return Report::error(format, Issue::undecodable(line));
        }
        Err(EncodingRefusal::Unknown) => return Report::error(format, Issue::unknown_encoding()),
    };
    let utf16 = matches!(kind, TextEncoding::Utf16Le | TextEncoding::Utf16Be);
    if !utf16 && sample.contains(&0) {
        return Report::error(format, Issue::not_format(format));
    }
    let mut report = Report {
        encoding: Some(kind),
        ..Report::default()
    };
    if kind.converted() {
        report.warnings.push(Issue::converted(kind));
    }
    // The delimiter, from the sample's first lines as decoded.
    let head = {
        let mut d = Decoding::new(&sample[..sample.len().min(64 * 1024)], kind);
        let mut text = Vec::new();
        let _ = d.read_to_end(&mut text);
        String::from_utf8_lossy(&text).into_owned()
    };
    let delimiter = sniff_delimiter(&head);
    report.delimiter = Some(match delimiter {
        b'\t' => "\\t".to_owned(),
        d => char::from(d).to_string(),
    });
    let decoding = Decoding::new(std::io::Cursor::new(sample).chain(input), kind);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(decoding);
    let mut table = table::TableCheck::new(limits);
    let mut record = csv::StringRecord::new();
    let mut cells: Vec<String> = Vec::new();
    // Blank lines are skipped by the CSV reader: they are the gaps between records' lines.
    let mut next_line = 1u64;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let refusal = reader.get_ref().refusal().cloned();
                match refusal {
                    Some(EncodingRefusal::Undecodable { line }) => {
                        report.errors.push(Issue::undecodable(line))
                    }
                    _ => {
                        let line = e.position().map(|p| p.line());
                        report
                            .errors
                            .push(Issue::malformed(format, line, &csv_error_vi(&e)));
                    }
                }
                break;
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        if line > next_line && table.has_header() {
            report.empty_rows += line - next_line;
        }
        next_line = line
            + 1
            + record
                .iter()
                .map(|c| c.matches('\n').count() as u64)
                .sum::<u64>();
        cells.clear();
        cells.extend(record.iter().map(|c| normalize_cell(c, kind)));
        if table.push(&mut report, line, &cells) {
            row(&cells);
        }
        if table.stopped() {
            break;
        }
    }
    if report
        .errors
        .iter()
        .any(|e| e.code == "encoding" || e.code == "malformed")
    {
        return report;
    }
    table.finish(&mut report);
    report
}

fn csv_error_vi(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "có ký tự không phải UTF-8.".to_owned(),
        _ => "không đọc được dòng này như CSV.".to_owned(),
    }
}

/// A cell as stored: NFC (windows-1258 and TCVN3 give combining tone marks), TCVN3 typed
/// in Unicode converted.
fn normalize_cell(cell: &str, kind: TextEncoding) -> String {
    use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};
    if kind == TextEncoding::Tcvn3InUnicode
        && let Some(converted) = encoding::tcvn3_in_unicode(cell)
    {
        return converted;
    }
    match is_nfc_quick(cell.chars()) {
        IsNormalized::Yes => cell.to_owned(),
        _ => cell.nfc().collect(),
    }
}

/// The delimiter among `, ; \t |` that splits the first lines into the same number of
/// fields (outside quotes), the most fields winning; a comma when none does.
pub fn sniff_delimiter(head: &str) -> u8 {
    let lines: Vec<&str> = head
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .collect();
    // The last line of a cut sample may be partial.
    let lines = if lines.len() > 5 {
        &lines[..lines.len() - 1]
    } else {
        &lines[..]
    };
    let mut best = (b',', 0usize, 0usize);
    for d in [b',', b';', b'\t', b'|'] {
        let counts: Vec<usize> = lines.iter().map(|l| count_outside_quotes(l, d)).collect();
        // The most common count, and how many lines have it.
        let mut mode = (0usize, 0usize);
        for &c in &counts {
            let n = counts.iter().filter(|&&x| x == c).count();
            if (n, c) > (mode.1, mode.0) {
                mode = (c, n);
            }
        }
        let (fields, agreeing) = mode;
        if fields > 0 && agreeing * 2 >= counts.len() && (agreeing, fields) > (best.2, best.1) {
            best = (d, fields, agreeing);
        }
    }
    best.0
}

fn count_outside_quotes(line: &str, d: u8) -> usize {
    let mut quoted = false;
    let mut n = 0;
    for b in line.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if b == d && !quoted {
            n += 1;
        }
    }
    n
}

/// JSON: well-formed, one value (serde_json refuses nesting past 128 levels).
fn check_json<R: Read>(input: R) -> Report {
    let format = FileFormat::Json;
    let mut de = serde_json::Deserializer::from_reader(std::io::BufReader::new(input));
    let result = Deserialize::deserialize(&mut de)
        .map(|_: serde::de::IgnoredAny| ())
        .and_then(|()| de.end());
    match result {
        Ok(()) => Report::default(),
        Err(e) => Report::error(
            format,
            Issue::malformed(format, Some(e.line() as u64), &json_error_vi(&e)),
        ),
    }
}

pub(crate) fn json_error_vi(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => "tệp kết thúc giữa chừng.".to_owned(),
        Category::Syntax => format!("sai cú pháp JSON ở cột {}.", e.column()),
        Category::Io => "không đọc được tệp.".to_owned(),
        Category::Data => format!("dữ liệu không đúng cấu trúc ở cột {}.", e.column()),
    }
}

fn check_pdf<R: Read>(mut input: R) -> Report {
    let format = FileFormat::Pdf;
    match read_up_to(&mut input, 5) {
        Ok(head) if head == b"%PDF-" => Report::default(),
        _ => Report::error(format, Issue::not_format(format)),
    }
}

#[cfg(test)]
mod tests;
