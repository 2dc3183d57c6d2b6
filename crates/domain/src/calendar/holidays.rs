//! Public holidays (Labour Code 2019, Art. 112) and the yearly official notices that adjust them.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::CalendarError;
use super::lunar::{self, LunarDate};

/// First year whose defaults follow the Labour Code 2019 (in force 1 January 2021), which added
/// a day adjacent to National Day. Earlier years use the Labour Code 2012 list (2 September
/// alone); years before 2014 are only approximated by it and should be entered as notices.
pub const LABOUR_CODE_2019_FROM: i32 = 2021;

/// First year in which Hùng Kings' day was a paid public holiday (Labour Code amendment 2007).
const HUNG_KINGS_FROM: i32 = 2007;

/// Why a day is not worked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidayKind {
    /// Tết Dương lịch, 1 January.
    NewYear,
    /// Tết Nguyên đán, the lunar new year holiday.
    LunarNewYear,
    /// Giỗ Tổ Hùng Vương, 10th day of the 3rd lunar month.
    HungKings,
    /// Ngày Chiến thắng, 30 April.
    ReunificationDay,
    /// Ngày Quốc tế Lao động, 1 May.
    LabourDay,
    /// Quốc khánh, 2 September and its adjacent day.
    NationalDay,
    /// Nghỉ bù: replaces a holiday that fell on a weekly rest day.
    Compensatory,
    /// The weekday given off in exchange for a worked weekly rest day (hoán đổi ngày làm việc).
    SwappedDayOff,
    /// Any other day off announced by an official notice.
    NoticeDayOff,
}

impl HolidayKind {
    /// Vietnamese name, for display.
    pub const fn name_vi(self) -> &'static str {
        match self {
            Self::NewYear => "Tết Dương lịch",
            Self::LunarNewYear => "Tết Nguyên đán",
            Self::HungKings => "Giỗ Tổ Hùng Vương",
            Self::ReunificationDay => "Ngày Chiến thắng",
            Self::LabourDay => "Ngày Quốc tế Lao động",
            Self::NationalDay => "Quốc khánh",
            Self::Compensatory => "Nghỉ bù",
            Self::SwappedDayOff => "Nghỉ do hoán đổi ngày làm việc",
            Self::NoticeDayOff => "Nghỉ theo thông báo",
        }
    }

    /// True for the holidays listed by the Labour Code itself (not compensatory or notice days).
    pub const fn is_statutory(self) -> bool {
        matches!(
            self,
            Self::NewYear
                | Self::LunarNewYear
                | Self::HungKings
                | Self::ReunificationDay
                | Self::LabourDay
                | Self::NationalDay
        )
    }
}

/// One day off of a year's holiday list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Holiday {
    /// The day.
    pub date: NaiveDate,
    /// Why it is off.
    pub kind: HolidayKind,
}

/// Which day accompanies National Day (2 September) since 2021; the government picks one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdjacentDay {
    /// 1 September (the default here).
    #[default]
    Before,
    /// 3 September.
    After,
}

/// A weekly rest day worked in exchange for a weekday off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DaySwap {
    /// The rest day (usually a Saturday) that becomes a working day.
    pub worked: NaiveDate,
    /// The working day that becomes a day off.
    pub off: NaiveDate,
}

/// An extra day off announced by a notice.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NoticeDayOff {
    /// The day.
    pub date: NaiveDate,
    /// Free text, e.g. "Quốc tang".
    #[serde(default)]
    pub reason: Option<String>,
}

/// What the government announced for one year, entered by an administrator.
///
/// Every field is optional: an empty notice keeps the computed defaults. Fields that *replace*
/// defaults (`tet_days`, `compensatory_days`) must list dates of `year`; swaps and extra days
/// may fall in a neighbouring year (a new-year swap can cross 31 December).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct YearNotice {
    /// The solar year the notice is about.
    pub year: i32,
    /// Reference of the official text, e.g. "Thông báo số …/TB-BNV".
    #[serde(default)]
    pub reference: Option<String>,
    /// The Tết holiday days fixed by the Prime Minister, replacing the default (eve of Tết and
    /// the first four days of the lunar year).
    #[serde(default)]
    pub tet_days: Option<Vec<NaiveDate>>,
    /// The day joined to National Day (default: 1 September). Ignored before 2021.
    #[serde(default)]
    pub national_day_adjacent: Option<AdjacentDay>,
    /// Compensatory days replacing the computed ones (`Some(vec![])` means none).
    #[serde(default)]
    pub compensatory_days: Option<Vec<NaiveDate>>,
    /// Swapped days: a rest day worked, a working day off.
    #[serde(default)]
    pub swaps: Vec<DaySwap>,
    /// Other days off.
    #[serde(default)]
    pub extra_days_off: Vec<NoticeDayOff>,
}

impl YearNotice {
    /// An empty notice for `year`.
    pub fn new(year: i32) -> Self {
        Self {
            year,
            ..Self::default()
        }
    }

    pub(crate) fn validate(&self) -> Result<(), CalendarError> {
        if !(lunar::MIN_YEAR..=lunar::MAX_YEAR).contains(&self.year) {
            return Err(CalendarError::OutOfRange);
        }
        let replaced = self.tet_days.iter().chain(self.compensatory_days.iter());
        for &date in replaced.flatten() {
            if date.year() != self.year {
                return Err(CalendarError::NoticeDateOutsideYear {
                    year: self.year,
                    date,
                });
            }
        }
        for swap in &self.swaps {
            if swap.worked == swap.off {
                return Err(CalendarError::ConflictingNoticeDate(swap.worked));
            }
        }
        Ok(())
    }
}

fn ymd(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day)
}

/// The statutory holidays and compensatory days of `year`, sorted by date, one entry per date.
///
/// `is_rest_day` tells the weekly rest days (Saturday and Sunday for the civil service): a
/// statutory holiday falling on one gives a compensatory day on the next day that is neither a
/// rest day, a holiday nor an already assigned compensatory day (Labour Code 2019 Art. 111(3)).
/// Lunar holidays are left out for years the lunar conversion does not support.
pub(crate) fn statutory_schedule(
    year: i32,
    notice: Option<&YearNotice>,
    is_rest_day: impl Fn(Weekday) -> bool,
) -> Vec<Holiday> {
    let mut days: Vec<Holiday> = Vec::with_capacity(16);
    let mut push = |date: Option<NaiveDate>, kind: HolidayKind| {
        if let Some(date) = date {
            days.push(Holiday { date, kind });
        }
    };

    push(ymd(year, 1, 1), HolidayKind::NewYear);

    match notice.and_then(|n| n.tet_days.as_ref()) {
        Some(tet_days) => {
            for &date in tet_days {
                push(Some(date), HolidayKind::LunarNewYear);
            }
        }
        None => {
            if let Ok(tet) = lunar::lunar_new_year(year) {
                // Eve of Tết (last day of the old lunar year) and days 1..=4 of the new one.
                let eve = tet.checked_sub_days(Days::new(1));
                for i in 0..5 {
                    push(
                        eve.and_then(|e| e.checked_add_days(Days::new(i))),
                        HolidayKind::LunarNewYear,
                    );
                }
            }
        }
    }

    if year >= HUNG_KINGS_FROM {
        push(
            lunar::lunar_to_solar(LunarDate::new(year, 3, 10)).ok(),
            HolidayKind::HungKings,
        );
    }
    push(ymd(year, 4, 30), HolidayKind::ReunificationDay);
    push(ymd(year, 5, 1), HolidayKind::LabourDay);
    push(ymd(year, 9, 2), HolidayKind::NationalDay);
    if year >= LABOUR_CODE_2019_FROM {
        let adjacent = notice
            .and_then(|n| n.national_day_adjacent)
            .unwrap_or_default();
        let day = match adjacent {
            AdjacentDay::Before => 1,
            AdjacentDay::After => 3,
        };
        push(ymd(year, 9, day), HolidayKind::NationalDay);
    }

    days.sort();
    days.dedup_by_key(|h| h.date);

    let compensatory: Vec<NaiveDate> = match notice.and_then(|n| n.compensatory_days.as_ref()) {
        Some(given) => given.clone(),
        None => {
            let mut assigned: Vec<NaiveDate> = Vec::new();
            for holiday in &days {
                if !is_rest_day(holiday.date.weekday()) {
                    continue;
                }
                let mut candidate = holiday.date.succ_opt();
                while let Some(c) = candidate {
                    let taken = is_rest_day(c.weekday())
                        || days.iter().any(|h| h.date == c)
                        || assigned.contains(&c);
                    if !taken {
                        break;
                    }
                    candidate = c.succ_opt();
                }
                if let Some(c) = candidate {
                    assigned.push(c);
                }
            }
            assigned
        }
    };
    for date in compensatory {
        if !days.iter().any(|h| h.date == date) {
            days.push(Holiday {
                date,
                kind: HolidayKind::Compensatory,
            });
        }
    }
    days.sort();
    days
}
