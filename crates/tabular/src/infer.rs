//! Column types inferred over every value (docs/opendata-design.md §5): `int`; `numeric`
//! (`12.5`, or the Vietnamese `1.234.567` and `12,5` when the whole column agrees); `date`
//! (`YYYY-MM-DD`, `DD/MM/YYYY`); `timestamp`; else `text`. Leading zeros keep a column text:
//! commune codes (`00001`), tax codes and phone numbers are not numbers.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// How many example values the report shows per column.
const EXAMPLES: usize = 3;
/// The longest example shown, in characters.
const EXAMPLE_CHARS: usize = 40;

/// A column's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    Int,
    Numeric,
    Date,
    Timestamp,
    Text,
}

impl ColumnType {
    pub fn label_vi(self) -> &'static str {
        match self {
            ColumnType::Int => "Số nguyên",
            ColumnType::Numeric => "Số thực",
            ColumnType::Date => "Ngày",
            ColumnType::Timestamp => "Ngày giờ",
            ColumnType::Text => "Văn bản",
        }
    }
}

/// What the report says of one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnReport {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ColumnType,
    /// Numbers written the Vietnamese way (`1.234.567`, `12,5`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub vietnamese_numbers: bool,
    /// Rows where the column is empty.
    pub empty: u64,
    pub examples: Vec<String>,
}

/// Counts over one column's values, as they stream.
#[derive(Debug, Clone, Default)]
pub struct ColumnStats {
    filled: u64,
    empty: u64,
    int: u64,
    dot_numeric: u64,
    vn_numeric: u64,
    vn_only: u64,
    /// Values with a dot that read as a decimal (`1.5`), and those of them that also read as
    /// thousands (`1.234`).
    dotted: u64,
    dotted_grouped: u64,
    date: u64,
    timestamp: u64,
    leading_zero: bool,
    examples: Vec<String>,
}

impl ColumnStats {
    pub fn add(&mut self, value: &str) {
        let v = value.trim();
        if v.is_empty() {
            self.empty += 1;
            return;
        }
        self.filled += 1;
        if self.examples.len() < EXAMPLES && !self.examples.iter().any(|e| e == v) {
            self.examples.push(v.chars().take(EXAMPLE_CHARS).collect());
        }
        if has_leading_zero(v) {
            self.leading_zero = true;
        }
        let int = is_int(v);
        let dot = int || is_dot_decimal(v);
        let vn = int || is_vn_number(v);
        self.int += u64::from(int);
        self.dot_numeric += u64::from(dot);
        self.vn_numeric += u64::from(vn);
        self.vn_only += u64::from(vn && !dot);
        if dot && !int {
            self.dotted += 1;
            self.dotted_grouped += u64::from(vn);
        }
        if is_date(v) {
            self.date += 1;
            self.timestamp += 1;
        } else if is_timestamp(v) {
            self.timestamp += 1;
        }
    }

    /// The column's type over every value seen.
    pub fn kind(&self) -> (ColumnType, bool) {
        let all = |n: u64| self.filled > 0 && n == self.filled;
        if self.leading_zero && all(self.vn_numeric) {
            (ColumnType::Text, false)
        } else if all(self.int) {
            (ColumnType::Int, false)
        } else if all(self.vn_numeric) && self.dotted > 0 && self.dotted == self.dotted_grouped {
            // Every dot groups thousands (`1.234`, `12.000`): read the Vietnamese way.
            (ColumnType::Numeric, true)
        } else if all(self.dot_numeric) {
            (ColumnType::Numeric, false)
        } else if all(self.vn_numeric) {
            (ColumnType::Numeric, self.vn_only > 0)
        } else if all(self.date) {
            (ColumnType::Date, false)
        } else if all(self.timestamp) {
            (ColumnType::Timestamp, false)
        } else {
            (ColumnType::Text, false)
        }
    }

    pub fn report(&self, name: &str) -> ColumnReport {
        let (kind, vietnamese_numbers) = self.kind();
        ColumnReport {
            name: name.to_owned(),
            kind,
            vietnamese_numbers,
            empty: self.empty,
            examples: self.examples.clone(),
        }
    }

    /// Counts a row that ended before this column.
    pub fn add_missing(&mut self) {
        self.empty += 1;
    }
}

/// A cell's value as the datastore keeps it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Numeric(f64),
    /// Text, and dates (`YYYY-MM-DD`) and timestamps (`YYYY-MM-DDTHH:MM:SS[.f]`) as ISO text,
    /// which sorts as they do.
    Text(String),
}

/// A cell's text read as its column's type (the check's verdict over the whole column):
/// Vietnamese numbers (`1.234,5`) and `DD/MM/YYYY` dates become their plain forms; an empty
/// cell, or one that does not read (a type overridden by hand), is `Null`.
pub fn cell_value(kind: ColumnType, vietnamese_numbers: bool, raw: &str) -> Cell {
    let v = raw.trim();
    if v.is_empty() {
        return Cell::Null;
    }
    let read = match kind {
        ColumnType::Int => v.parse::<i64>().ok().map(Cell::Int),
        ColumnType::Numeric if vietnamese_numbers => v
            .replace('.', "")
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Cell::Numeric),
        ColumnType::Numeric => v
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Cell::Numeric),
        ColumnType::Date => NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(v, "%d/%m/%Y"))
            .ok()
            .map(|d| Cell::Text(d.format("%Y-%m-%d").to_string())),
        ColumnType::Timestamp => TIMESTAMPS
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(v, f).ok())
            .or_else(|| {
                NaiveDate::parse_from_str(v, "%Y-%m-%d")
                    .or_else(|_| NaiveDate::parse_from_str(v, "%d/%m/%Y"))
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
            })
            .map(|t| Cell::Text(t.format("%Y-%m-%dT%H:%M:%S%.f").to_string())),
        ColumnType::Text => return Cell::Text(raw.to_owned()),
    };
    read.unwrap_or(Cell::Null)
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn unsigned(s: &str) -> &str {
    s.strip_prefix('-').unwrap_or(s)
}

/// `00123`, `0912345678`: a code, not a number (`0`, `0.5` and `0,5` are numbers).
fn has_leading_zero(v: &str) -> bool {
    let u = unsigned(v);
    u.len() > 1 && u.starts_with('0') && u.as_bytes().get(1).is_some_and(u8::is_ascii_digit)
}

fn is_int(v: &str) -> bool {
    let u = unsigned(v);
    digits(u) && !has_leading_zero(u) && v.parse::<i64>().is_ok()
}

fn is_dot_decimal(v: &str) -> bool {
    let u = unsigned(v);
    match u.split_once('.') {
        Some((i, f)) => digits(i) && digits(f) && !has_leading_zero(i) && v.parse::<f64>().is_ok(),
        None => false,
    }
}

/// `1.234.567`, `1.234,5`, `12,5`.
fn is_vn_number(v: &str) -> bool {
    let u = unsigned(v);
    let (int_part, frac) = match u.split_once(',') {
        Some((i, f)) => (i, Some(f)),
        None => (u, None),
    };
    if frac.is_some_and(|f| !digits(f)) {
        return false;
    }
    let groups: Vec<&str> = int_part.split('.').collect();
    let grouped = groups.len() > 1
        && groups
            .first()
            .is_some_and(|g| (1..=3).contains(&g.len()) && digits(g))
        && groups[1..].iter().all(|g| g.len() == 3 && digits(g));
    let plain = groups.len() == 1 && digits(int_part);
    (grouped || (plain && frac.is_some())) && !has_leading_zero(int_part)
}

fn is_date(v: &str) -> bool {
    NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok()
        || (v.len() >= 8 && NaiveDate::parse_from_str(v, "%d/%m/%Y").is_ok())
}

/// The timestamps a column may hold.
const TIMESTAMPS: [&str; 8] = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
];

fn is_timestamp(v: &str) -> bool {
    TIMESTAMPS
        .iter()
        .any(|f| NaiveDateTime::parse_from_str(v, f).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_of(values: &[&str]) -> (ColumnType, bool) {
        let mut s = ColumnStats::default();
        for v in values {
            s.add(v);
        }
        s.kind()
    }

    #[test]
    fn cells_are_read_as_their_column_type() {
        use ColumnType::*;
        let cases: &[(ColumnType, bool, &str, Cell)] = &[
            (Int, false, " 42 ", Cell::Int(42)),
            (Int, false, "", Cell::Null),
            (Numeric, false, "-0.25", Cell::Numeric(-0.25)),
            (Numeric, true, "1.234.567", Cell::Numeric(1_234_567.0)),
            (Numeric, true, "12,5", Cell::Numeric(12.5)),
            (Date, false, "31/12/2025", Cell::Text("2025-12-31".into())),
            (Date, false, "2026-01-31", Cell::Text("2026-01-31".into())),
            (
                Timestamp,
                false,
                "31/01/2026 08:30",
                Cell::Text("2026-01-31T08:30:00".into()),
            ),
            (
                Timestamp,
                false,
                "2026-01-31",
                Cell::Text("2026-01-31T00:00:00".into()),
            ),
            (Text, false, "00001", Cell::Text("00001".into())),
            (Int, false, "abc", Cell::Null),
        ];
        for (kind, vn, raw, want) in cases {
            assert_eq!(&cell_value(*kind, *vn, raw), want, "{raw:?} as {kind:?}");
        }
    }

    #[test]
    fn columns_get_the_type_every_value_fits() {
        use ColumnType::*;
        let cases: &[(&[&str], (ColumnType, bool))] = &[
            (&["1", "-2", "30", ""], (Int, false)),
            (&["0", "15"], (Int, false)),
            (&["12.5", "3", "-0.25"], (Numeric, false)),
            (&["1.234.567", "12.000", "5"], (Numeric, true)),
            (&["12,5", "3,75", "4"], (Numeric, true)),
            (&["1.234", "2.5"], (Numeric, false)),
            (&["1.234", "856", "1.502"], (Numeric, true)),
            (&["1.234", "1.234.567"], (Numeric, true)),
            (&["00001", "00002"], (Text, false)),
            (&["0912345678", "0987654321"], (Text, false)),
            (&["1", "00001"], (Text, false)),
            (&["2026-01-31", "31/12/2025"], (Date, false)),
            (&["2026-02-30"], (Text, false)),
            (&["2026-01-31 08:30", "2026-01-31"], (Timestamp, false)),
            (&["12,5", "abc"], (Text, false)),
            (&["", " "], (Text, false)),
            (&["99999999999999999999"], (Text, false)),
            (&["1e5"], (Text, false)),
            (&["=1+2"], (Text, false)),
            (&["1.23.4"], (Text, false)),
        ];
        for (values, expected) in cases {
            assert_eq!(&kind_of(values), expected, "{values:?}");
        }
    }

    #[test]
    fn the_report_keeps_a_few_examples() {
        let mut s = ColumnStats::default();
        for v in ["a", "a", "b", "", "c", "d"] {
            s.add(v);
        }
        s.add_missing();
        let r = s.report("Tên");
        assert_eq!(r.examples, ["a", "b", "c"]);
        assert_eq!(r.empty, 2);
        assert_eq!(r.kind, ColumnType::Text);
    }
}
