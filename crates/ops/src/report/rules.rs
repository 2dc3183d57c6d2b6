//! Periodic reports (báo cáo định kỳ, issue 18 item 3, docs/operations-design.md §6): which
//! report a kind, a year and a number name, the Decree 09 window it covers, whether it may be
//! produced yet, how it is titled, and which report a schedule owes on a given day.
//!
//! The windows follow /work/shared/STANDARDS.md §14 (Decree 09/2019/NĐ-CP, Art. 12): a month
//! runs from the 15th of the previous month to the 14th; a quarter ends on the 14th of its last
//! month; the 6-, 9- and 12-month reports run from 15 December of the previous year to 14 June,
//! 14 September and 14 December. (Some provinces close the annual report on 14 November; the
//! standard we follow says 14 December, so the annual report is [`Period::Year`] under
//! [`Basis::Decree09`].) The dates themselves come from [`Period::window`].

use chrono::{Datelike, NaiveDate};
use tinhso_domain::ops::period::{Basis, Period, Window, YEARS};

/// The kinds of periodic report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Month,
    Quarter,
    SixMonths,
    NineMonths,
    Year,
}

pub const KINDS: [Kind; 5] = [
    Kind::Month,
    Kind::Quarter,
    Kind::SixMonths,
    Kind::NineMonths,
    Kind::Year,
];

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        KINDS.into_iter().find(|k| k.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Month => "month",
            Kind::Quarter => "quarter",
            Kind::SixMonths => "6m",
            Kind::NineMonths => "9m",
            Kind::Year => "12m",
        }
    }

    /// Whether the kind needs a number (the month or the quarter).
    pub fn numbered(self) -> bool {
        matches!(self, Kind::Month | Kind::Quarter)
    }
}

/// A report's period: its kind, year and number (1–12 for a month, 1–4 for a quarter, 0
/// otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReportPeriod {
    pub kind: Kind,
    pub year: i32,
    pub number: u32,
}

/// Why a report cannot be produced ("kỳ báo cáo không tồn tại").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("unknown report kind")]
    Kind,
    #[error("year {0} is outside 2000 to 2100")]
    Year(i32),
    #[error("month {0} does not exist (1 to 12)")]
    Month(u32),
    #[error("quarter {0} does not exist (1 to 4)")]
    Quarter(u32),
    #[error("a {0} report has no number")]
    Unnumbered(&'static str),
    #[error("the window starts on {0}, after today")]
    NotStarted(NaiveDate),
}

impl ReportError {
    /// The field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            ReportError::Kind => "kind",
            ReportError::Year(_) => "year",
            ReportError::Month(_) | ReportError::Quarter(_) | ReportError::Unnumbered(_) => {
                "number"
            }
            ReportError::NotStarted(_) => "year",
        }
    }

    /// The message shown to people (Vietnamese).
    pub fn vi(&self) -> String {
        match self {
            ReportError::Kind => {
                "Loại báo cáo là tháng, quý, 6 tháng, 9 tháng hoặc năm.".to_owned()
            }
            ReportError::Year(y) => {
                format!("Kỳ báo cáo không tồn tại: năm {y} nằm ngoài 2000–2100.")
            }
            ReportError::Month(m) => format!("Kỳ báo cáo không tồn tại: không có tháng {m}."),
            ReportError::Quarter(q) => format!("Kỳ báo cáo không tồn tại: không có quý {q}."),
            ReportError::Unnumbered(_) => {
                "Báo cáo 6 tháng, 9 tháng và năm không chọn tháng hay quý.".to_owned()
            }
            ReportError::NotStarted(d) => format!(
                "Kỳ báo cáo chưa bắt đầu: kỳ này tính số liệu từ ngày {}.",
                d.format("%d/%m/%Y")
            ),
        }
    }
}

impl ReportPeriod {
    /// The period a kind, year and number name, refused when it does not exist or its window
    /// has not started by `today`. `number` is needed for a month or a quarter only.
    pub fn new(
        kind: Kind,
        year: i32,
        number: Option<u32>,
        today: NaiveDate,
    ) -> Result<ReportPeriod, ReportError> {
        if !YEARS.contains(&year) {
            return Err(ReportError::Year(year));
        }
        let number = match (kind, number) {
            (Kind::Month, Some(m)) if (1..=12).contains(&m) => m,
            (Kind::Month, m) => return Err(ReportError::Month(m.unwrap_or(0))),
            (Kind::Quarter, Some(q)) if (1..=4).contains(&q) => q,
            (Kind::Quarter, q) => return Err(ReportError::Quarter(q.unwrap_or(0))),
            (k, Some(_)) => return Err(ReportError::Unnumbered(k.as_str())),
            (_, None) => 0,
        };
        let p = ReportPeriod { kind, year, number };
        let w = p.window();
        if w.from > today {
            return Err(ReportError::NotStarted(w.from));
        }
        Ok(p)
    }

    /// The period's name as the operations centre reads it (`2027-Q2`).
    pub fn period(self) -> Period {
        match self.kind {
            Kind::Month => Period::Month(self.year, self.number),
            Kind::Quarter => Period::Quarter(self.year, self.number),
            Kind::SixMonths => Period::Half(self.year, 1),
            Kind::NineMonths => Period::NineMonths(self.year),
            Kind::Year => Period::Year(self.year),
        }
    }

    /// The Decree 09 window, both days included.
    pub fn window(self) -> Window {
        self.period().window(Basis::Decree09)
    }

    /// Whether the window has closed by `today` (the figures are final).
    pub fn closed(self, today: NaiveDate) -> bool {
        self.window().to < today
    }

    /// How the title names the period: "tháng 3 năm 2027", "quý II năm 2027",
    /// "6 tháng đầu năm 2027", "9 tháng năm 2027", "năm 2027".
    pub fn title_vi(self) -> String {
        let y = self.year;
        match self.kind {
            Kind::Month => format!("tháng {} năm {y}", self.number),
            Kind::Quarter => {
                let roman = ["I", "II", "III", "IV"][(self.number as usize).clamp(1, 4) - 1];
                format!("quý {roman} năm {y}")
            }
            Kind::SixMonths => format!("6 tháng đầu năm {y}"),
            Kind::NineMonths => format!("9 tháng năm {y}"),
            Kind::Year => format!("năm {y}"),
        }
    }

    /// A short name for files and keys: `2027-Q2`, `2027-M03`, `2027-6M`, `2027-9M`, `2027-12M`.
    pub fn slug(self) -> String {
        match self.kind {
            Kind::Month => format!("{}-M{:02}", self.year, self.number),
            Kind::Quarter => format!("{}-Q{}", self.year, self.number),
            Kind::SixMonths => format!("{}-6M", self.year),
            Kind::NineMonths => format!("{}-9M", self.year),
            Kind::Year => format!("{}-12M", self.year),
        }
    }

    /// The report of `kind` whose window closed most recently before `today` (what a schedule
    /// owes on `today`: generated on the day after the window closes, or later to catch up).
    pub fn last_closed(kind: Kind, today: NaiveDate) -> Option<ReportPeriod> {
        // Windows end on the 14th; the candidates are this year's and last year's.
        let mut best: Option<ReportPeriod> = None;
        for year in [today.year() - 1, today.year()] {
            let numbers: Vec<u32> = match kind {
                Kind::Month => (1..=12).collect(),
                Kind::Quarter => (1..=4).collect(),
                _ => vec![0],
            };
            for number in numbers {
                let p = ReportPeriod { kind, year, number };
                if YEARS.contains(&year) && p.closed(today) {
                    best = Some(p);
                }
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn windows_follow_decree_09() {
        let today = d("2030-01-01");
        let cases = [
            (
                Kind::Month,
                2027,
                Some(1),
                "2026-12-15",
                "2027-01-14",
                "tháng 1 năm 2027",
            ),
            (
                Kind::Month,
                2027,
                Some(3),
                "2027-02-15",
                "2027-03-14",
                "tháng 3 năm 2027",
            ),
            (
                Kind::Month,
                2027,
                Some(12),
                "2027-11-15",
                "2027-12-14",
                "tháng 12 năm 2027",
            ),
            (
                Kind::Quarter,
                2027,
                Some(1),
                "2026-12-15",
                "2027-03-14",
                "quý I năm 2027",
            ),
            (
                Kind::Quarter,
                2027,
                Some(2),
                "2027-03-15",
                "2027-06-14",
                "quý II năm 2027",
            ),
            (
                Kind::Quarter,
                2027,
                Some(4),
                "2027-09-15",
                "2027-12-14",
                "quý IV năm 2027",
            ),
            (
                Kind::SixMonths,
                2027,
                None,
                "2026-12-15",
                "2027-06-14",
                "6 tháng đầu năm 2027",
            ),
            (
                Kind::NineMonths,
                2027,
                None,
                "2026-12-15",
                "2027-09-14",
                "9 tháng năm 2027",
            ),
            (
                Kind::Year,
                2027,
                None,
                "2026-12-15",
                "2027-12-14",
                "năm 2027",
            ),
        ];
        for (kind, year, number, from, to, title) in cases {
            let p = ReportPeriod::new(kind, year, number, today).unwrap();
            let w = p.window();
            assert_eq!(
                (w.from, w.to),
                (d(from), d(to)),
                "{kind:?} {year} {number:?}"
            );
            assert_eq!(p.title_vi(), title);
        }
    }

    #[test]
    fn periods_that_do_not_exist_are_refused() {
        let today = d("2027-05-20");
        let cases = [
            (Kind::Month, 2027, Some(13), ReportError::Month(13)),
            (Kind::Month, 2027, Some(0), ReportError::Month(0)),
            (Kind::Month, 2027, None, ReportError::Month(0)),
            (Kind::Quarter, 2027, Some(5), ReportError::Quarter(5)),
            (Kind::Quarter, 2027, None, ReportError::Quarter(0)),
            (Kind::Year, 1999, None, ReportError::Year(1999)),
            (Kind::Year, 2101, None, ReportError::Year(2101)),
            (
                Kind::SixMonths,
                2027,
                Some(1),
                ReportError::Unnumbered("6m"),
            ),
            // Windows not yet started on 20 May 2027: June's starts 15 May (started), July's
            // on 15 June; Q3 on 15 June; next year's annual on 15 December.
            (
                Kind::Month,
                2027,
                Some(7),
                ReportError::NotStarted(d("2027-06-15")),
            ),
            (
                Kind::Quarter,
                2027,
                Some(3),
                ReportError::NotStarted(d("2027-06-15")),
            ),
            (
                Kind::Year,
                2028,
                None,
                ReportError::NotStarted(d("2027-12-15")),
            ),
        ];
        for (kind, year, number, want) in cases {
            let got = ReportPeriod::new(kind, year, number, today);
            assert_eq!(got, Err(want.clone()), "{kind:?} {year} {number:?}");
            assert!(!want.vi().is_empty());
        }
        // A window that has started but not closed may be produced (figures so far).
        let june = ReportPeriod::new(Kind::Month, 2027, Some(6), today).unwrap();
        assert!(!june.closed(today));
        assert!(ReportPeriod::new(Kind::Year, 2027, None, today).is_ok());
        assert_eq!(Kind::parse("quarter"), Some(Kind::Quarter));
        assert_eq!(Kind::parse("12m"), Some(Kind::Year));
        assert_eq!(Kind::parse("week"), None);
    }

    #[test]
    fn a_schedule_owes_the_last_closed_window() {
        let cases = [
            // The day after a month closes, that month; the day before, the previous one.
            (Kind::Month, "2027-03-15", Some((2027, 3))),
            (Kind::Month, "2027-03-14", Some((2027, 2))),
            (Kind::Month, "2027-01-10", Some((2026, 12))),
            (Kind::Quarter, "2027-06-15", Some((2027, 2))),
            (Kind::Quarter, "2027-06-14", Some((2027, 1))),
            (Kind::Quarter, "2027-02-01", Some((2026, 4))),
            (Kind::SixMonths, "2027-06-15", Some((2027, 0))),
            (Kind::SixMonths, "2027-06-14", Some((2026, 0))),
            (Kind::NineMonths, "2027-09-15", Some((2027, 0))),
            (Kind::Year, "2027-12-15", Some((2027, 0))),
            (Kind::Year, "2027-12-14", Some((2026, 0))),
        ];
        for (kind, today, want) in cases {
            let got = ReportPeriod::last_closed(kind, d(today)).map(|p| (p.year, p.number));
            assert_eq!(got, want, "{kind:?} {today}");
        }
        let q = ReportPeriod::last_closed(Kind::Quarter, d("2027-06-15")).unwrap();
        assert_eq!(q.slug(), "2027-Q2");
    }
}
