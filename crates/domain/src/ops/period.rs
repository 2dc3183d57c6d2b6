//! Reporting windows (kỳ báo cáo): Decree 09/2019/NĐ-CP's windows, which run from the 15th of
//! the previous month to the 14th, and plain calendar windows (docs/operations-design.md §4).
//!
//! A period is written `2027-M03`, `2027-Q1`, `2027-H1`, `2027-9M`, `2027-Y` or
//! `2026-12-01..2027-02-10` and read under a [`Basis`]. Under Decree 09, year Y's month M is
//! 15 of M−1 → 14 of M (January starts on 15 December of Y−1); quarter q ends on the 14th of
//! month 3q; the six-, nine- and twelve-month windows all start on 15 December of Y−1. The
//! second half (`H2`) is 15 June → 14 December under Decree 09, July → December on the calendar.
//!
//! [`decompose`] turns a window into whole months (of either basis) plus edge days, the
//! buckets the operations centre keeps its counters in.

use chrono::{Datelike, Days, NaiveDate};
use std::fmt;

/// Which months a period's name is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Basis {
    /// Decree 09/2019: the 15th of the previous month to the 14th.
    Decree09,
    /// Calendar months.
    Calendar,
}

impl Basis {
    pub fn parse(s: &str) -> Option<Basis> {
        match s {
            "decree09" => Some(Basis::Decree09),
            "calendar" => Some(Basis::Calendar),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Decree09 => "decree09",
            Basis::Calendar => "calendar",
        }
    }
}

/// A period as named, before a basis gives it dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Month(i32, u32),
    Quarter(i32, u32),
    /// 1 or 2.
    Half(i32, u32),
    NineMonths(i32),
    Year(i32),
    /// Both days included; the same under either basis.
    Range(NaiveDate, NaiveDate),
}

/// The first and last day of a window, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Window {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Window {
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }
}

/// The years a period may name.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;
/// The longest custom range, in days (ten years).
pub const MAX_RANGE_DAYS: i64 = 3653;

/// Why a period's name gives no window ("kỳ không tồn tại").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error(
        "malformed period {0:?}: expected 2027-M03, 2027-Q1, 2027-H1, 2027-9M, 2027-Y or 2026-12-01..2027-02-10"
    )]
    Malformed(String),
    #[error("year {0} is outside 2000 to 2100")]
    Year(i32),
    #[error("month {0} does not exist (1 to 12)")]
    Month(u32),
    #[error("quarter {0} does not exist (1 to 4)")]
    Quarter(u32),
    #[error("half {0} does not exist (1 or 2)")]
    Half(u32),
    #[error("day {0:?} does not exist")]
    Day(String),
    #[error("the range ends before it starts")]
    Inverted,
    #[error("the range is longer than ten years")]
    TooLong,
}

impl PeriodError {
    /// The message shown to people (Vietnamese).
    pub fn vi(&self) -> String {
        let why = match self {
            PeriodError::Malformed(_) => {
                "cần dạng 2027-M03, 2027-Q1, 2027-H1, 2027-9M, 2027-Y hoặc 2026-12-01..2027-02-10"
                    .to_owned()
            }
            PeriodError::Year(y) => format!("năm {y} nằm ngoài 2000–2100"),
            PeriodError::Month(m) => format!("không có tháng {m}"),
            PeriodError::Quarter(q) => format!("không có quý {q}"),
            PeriodError::Half(h) => format!("không có nửa năm thứ {h}"),
            PeriodError::Day(d) => format!("không có ngày {d}"),
            PeriodError::Inverted => "ngày kết thúc trước ngày bắt đầu".to_owned(),
            PeriodError::TooLong => "khoảng thời gian dài hơn mười năm".to_owned(),
        };
        format!("Kỳ không tồn tại: {why}.")
    }
}

impl Period {
    /// Reads a period's name (see the module's header).
    pub fn parse(s: &str) -> Result<Period, PeriodError> {
        let malformed = || PeriodError::Malformed(s.chars().take(40).collect());
        if let Some((a, b)) = s.split_once("..") {
            let from = day(a)?;
            let to = day(b)?;
            if to < from {
                return Err(PeriodError::Inverted);
            }
            if (to - from).num_days() + 1 > MAX_RANGE_DAYS {
                return Err(PeriodError::TooLong);
            }
            return Ok(Period::Range(from, to));
        }
        let (y, rest) = s.split_once('-').ok_or_else(malformed)?;
        if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed());
        }
        let year: i32 = y.parse().map_err(|_| malformed())?;
        if !YEARS.contains(&year) {
            return Err(PeriodError::Year(year));
        }
        let number = |t: &str| -> Result<u32, PeriodError> {
            if t.is_empty() || t.len() > 2 || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(malformed());
            }
            t.parse().map_err(|_| malformed())
        };
        match rest {
            "Y" => Ok(Period::Year(year)),
            "9M" => Ok(Period::NineMonths(year)),
            _ => match rest.split_at_checked(1) {
                Some(("M", m)) => {
                    if m.len() != 2 {
                        return Err(malformed());
                    }
                    let m = number(m)?;
                    if !(1..=12).contains(&m) {
                        return Err(PeriodError::Month(m));
                    }
                    Ok(Period::Month(year, m))
                }
                Some(("Q", q)) => {
                    let q = number(q)?;
                    if !(1..=4).contains(&q) {
                        return Err(PeriodError::Quarter(q));
                    }
                    Ok(Period::Quarter(year, q))
                }
                Some(("H", h)) => {
                    let h = number(h)?;
                    if !(1..=2).contains(&h) {
                        return Err(PeriodError::Half(h));
                    }
                    Ok(Period::Half(year, h))
                }
                _ => Err(malformed()),
            },
        }
    }

    /// The window's days under `basis`.
    pub fn window(self, basis: Basis) -> Window {
        // (first month, last month) of the year, 1-based.
        let months = |first: u32, last: u32, year: i32| match basis {
            Basis::Calendar => Window {
                from: ymd(year, first, 1),
                to: last_day(year, last),
            },
            Basis::Decree09 => Window {
                from: decree09_month(year, first).from,
                to: ymd(year, last, 14),
            },
        };
        match self {
            Period::Month(y, m) => months(m, m, y),
            Period::Quarter(y, q) => months(3 * q - 2, 3 * q, y),
            Period::Half(y, h) => months(6 * h - 5, 6 * h, y),
            Period::NineMonths(y) => months(1, 9, y),
            Period::Year(y) => months(1, 12, y),
            Period::Range(from, to) => Window { from, to },
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Month(y, m) => write!(f, "{y}-M{m:02}"),
            Period::Quarter(y, q) => write!(f, "{y}-Q{q}"),
            Period::Half(y, h) => write!(f, "{y}-H{h}"),
            Period::NineMonths(y) => write!(f, "{y}-9M"),
            Period::Year(y) => write!(f, "{y}-Y"),
            Period::Range(a, b) => write!(f, "{a}..{b}"),
        }
    }
}

/// Reads `YYYY-MM-DD` within [`YEARS`].
fn day(s: &str) -> Result<NaiveDate, PeriodError> {
    let bad = || PeriodError::Day(s.chars().take(20).collect());
    if s.len() != 10 {
        return Err(bad());
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad())?;
    if !YEARS.contains(&d.year()) {
        return Err(PeriodError::Year(d.year()));
    }
    Ok(d)
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

fn last_day(y: i32, m: u32) -> NaiveDate {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    ymd(ny, nm, 1) - Days::new(1)
}

/// Decree 09's month `m` of year `y`: 15 of the month before → 14 of `m`.
pub fn decree09_month(y: i32, m: u32) -> Window {
    let (py, pm) = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
    Window {
        from: ymd(py, pm, 15),
        to: ymd(y, m, 14),
    }
}

/// The Decree 09 month a day falls in, as (year, month): 20 December 2026 is January 2027's.
pub fn decree09_month_of(day: NaiveDate) -> (i32, u32) {
    if day.day() >= 15 {
        if day.month() == 12 {
            (day.year() + 1, 1)
        } else {
            (day.year(), day.month() + 1)
        }
    } else {
        (day.year(), day.month())
    }
}

/// One bucket counters are kept in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Bucket {
    Day(NaiveDate),
    /// A whole calendar month (year, month).
    Month(i32, u32),
    /// A whole Decree 09 month (year, month).
    Decree09Month(i32, u32),
}

impl Bucket {
    /// The days it covers.
    pub fn window(self) -> Window {
        match self {
            Bucket::Day(d) => Window { from: d, to: d },
            Bucket::Month(y, m) => Window {
                from: ymd(y, m, 1),
                to: last_day(y, m),
            },
            Bucket::Decree09Month(y, m) => decree09_month(y, m),
        }
    }
}

/// A window as whole months plus the days at its edges, in day order: whichever basis of
/// months gives fewer buckets (a tie goes to calendar months). Every Decree 09 and calendar
/// window named by a [`Period`] is whole months of its basis.
pub fn decompose(w: Window) -> Vec<Bucket> {
    let calendar = with_months(w, Basis::Calendar);
    let decree = with_months(w, Basis::Decree09);
    if decree.len() < calendar.len() {
        decree
    } else {
        calendar
    }
}

/// The month of `basis` containing `day`, and its window.
fn month_of(day: NaiveDate, basis: Basis) -> (Bucket, Window) {
    let b = match basis {
        Basis::Calendar => Bucket::Month(day.year(), day.month()),
        Basis::Decree09 => {
            let (y, m) = decree09_month_of(day);
            Bucket::Decree09Month(y, m)
        }
    };
    (b, b.window())
}

fn with_months(w: Window, basis: Basis) -> Vec<Bucket> {
    let mut out = Vec::new();
    let mut day = w.from;
    while day <= w.to {
        let (month, mw) = month_of(day, basis);
        if mw.from == day && mw.to <= w.to {
            out.push(month);
            day = mw.to + Days::new(1);
        } else {
            out.push(Bucket::Day(day));
            day = day + Days::new(1);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn windows() {
        let cases = [
            ("2027-M01", Basis::Decree09, "2026-12-15", "2027-01-14"),
            ("2027-M03", Basis::Decree09, "2027-02-15", "2027-03-14"),
            ("2027-M03", Basis::Calendar, "2027-03-01", "2027-03-31"),
            ("2028-M02", Basis::Calendar, "2028-02-01", "2028-02-29"),
            ("2028-M03", Basis::Decree09, "2028-02-15", "2028-03-14"),
            ("2027-Q1", Basis::Decree09, "2026-12-15", "2027-03-14"),
            ("2027-Q2", Basis::Decree09, "2027-03-15", "2027-06-14"),
            ("2027-Q4", Basis::Decree09, "2027-09-15", "2027-12-14"),
            ("2027-Q4", Basis::Calendar, "2027-10-01", "2027-12-31"),
            ("2027-H1", Basis::Decree09, "2026-12-15", "2027-06-14"),
            ("2027-H2", Basis::Decree09, "2027-06-15", "2027-12-14"),
            ("2027-H2", Basis::Calendar, "2027-07-01", "2027-12-31"),
            ("2027-9M", Basis::Decree09, "2026-12-15", "2027-09-14"),
            ("2027-9M", Basis::Calendar, "2027-01-01", "2027-09-30"),
            ("2027-Y", Basis::Decree09, "2026-12-15", "2027-12-14"),
            ("2027-Y", Basis::Calendar, "2027-01-01", "2027-12-31"),
            (
                "2026-12-01..2027-02-10",
                Basis::Decree09,
                "2026-12-01",
                "2027-02-10",
            ),
            (
                "2027-03-14..2027-03-14",
                Basis::Calendar,
                "2027-03-14",
                "2027-03-14",
            ),
        ];
        for (name, basis, from, to) in cases {
            let p = Period::parse(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(p.to_string(), name, "printed back");
            let w = p.window(basis);
            assert_eq!((w.from, w.to), (d(from), d(to)), "{name} {basis:?}");
        }
    }

    #[test]
    fn periods_that_do_not_exist() {
        let cases = [
            ("2027-M13", PeriodError::Month(13)),
            ("2027-M00", PeriodError::Month(0)),
            ("2027-Q5", PeriodError::Quarter(5)),
            ("2027-Q0", PeriodError::Quarter(0)),
            ("2027-H3", PeriodError::Half(3)),
            ("1999-Y", PeriodError::Year(1999)),
            (
                "2027-02-30..2027-03-01",
                PeriodError::Day("2027-02-30".into()),
            ),
            ("2027-03-01..2027-02-01", PeriodError::Inverted),
            ("2010-01-01..2020-01-02", PeriodError::TooLong),
        ];
        for (name, want) in cases {
            assert_eq!(Period::parse(name), Err(want), "{name}");
        }
        for bad in [
            "",
            "2027",
            "2027-",
            "2027-M3",
            "2027-M003",
            "27-Y",
            "2027-X1",
            "2027-y",
            " 2027-Y",
            "2027-Q",
            "2027-Q+1",
            "2027-01-01..",
            "..2027-01-01",
            "2027-1-01..2027-01-02",
        ] {
            let e = Period::parse(bad).unwrap_err();
            assert!(
                matches!(e, PeriodError::Malformed(_) | PeriodError::Day(_)),
                "{bad:?}: {e:?}"
            );
            assert!(e.vi().starts_with("Kỳ không tồn tại"));
        }
    }

    #[test]
    fn decree09_months_of_days() {
        let cases = [
            ("2026-12-20", (2027, 1)),
            ("2026-12-14", (2026, 12)),
            ("2026-12-15", (2027, 1)),
            ("2027-03-14", (2027, 3)),
            ("2027-03-15", (2027, 4)),
            ("2028-02-29", (2028, 3)),
            ("2027-01-01", (2027, 1)),
        ];
        for (day, want) in cases {
            assert_eq!(decree09_month_of(d(day)), want, "{day}");
        }
        // 20 Dec 2026 is in 2027's twelve-month window; 14 and 15 March are either side of Q1.
        assert!(
            Period::Year(2027)
                .window(Basis::Decree09)
                .contains(d("2026-12-20"))
        );
        let q1 = Period::Quarter(2027, 1).window(Basis::Decree09);
        assert!(q1.contains(d("2027-03-14")) && !q1.contains(d("2027-03-15")));
    }

    #[test]
    fn decompositions() {
        use Bucket::*;
        let w = Period::Quarter(2027, 1).window(Basis::Decree09);
        assert_eq!(
            decompose(w),
            vec![
                Decree09Month(2027, 1),
                Decree09Month(2027, 2),
                Decree09Month(2027, 3)
            ]
        );
        let w = Period::Year(2027).window(Basis::Calendar);
        assert_eq!(
            decompose(w),
            (1..=12).map(|m| Month(2027, m)).collect::<Vec<_>>()
        );
        let w = Window {
            from: d("2027-01-30"),
            to: d("2027-03-02"),
        };
        assert_eq!(
            decompose(w),
            vec![
                Day(d("2027-01-30")),
                Day(d("2027-01-31")),
                Month(2027, 2),
                Day(d("2027-03-01")),
                Day(d("2027-03-02"))
            ]
        );
        // Every named window is at most 12 buckets, under its own basis.
        for basis in [Basis::Decree09, Basis::Calendar] {
            for p in [
                "2027-Y", "2027-9M", "2027-H1", "2027-H2", "2027-Q3", "2027-M07",
            ] {
                let n = decompose(Period::parse(p).unwrap().window(basis)).len();
                assert!(n <= 12, "{p} {basis:?}: {n}");
            }
        }
    }

    proptest! {
        /// The buckets of any window cover exactly its days, once each, in order.
        #[test]
        fn decomposition_covers_the_days(start in 0i64..4000, len in 1i64..800) {
            let from = d("2024-01-01") + chrono::Duration::days(start);
            let w = Window { from, to: from + chrono::Duration::days(len - 1) };
            let buckets = decompose(w);
            let mut next = w.from;
            for b in &buckets {
                let bw = b.window();
                prop_assert_eq!(bw.from, next);
                next = bw.to + Days::new(1);
            }
            prop_assert_eq!(next, w.to + Days::new(1));
            // At most 12 + 62 buckets per year of window, as the design bounds reads.
            prop_assert!(buckets.len() as i64 <= 62 + 13 * (len / 365 + 1));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,30}") {
            let _ = Period::parse(&s);
        }
    }
}
