//! Vietnamese calendar rules: lunar dates, public holidays, working days and deadlines.
//!
//! # Why
//! Administrative deadlines (thời hạn giải quyết thủ tục hành chính) are counted in **working
//! days**, so a deadline depends on weekends, on the public holidays of the Labour Code 2019
//! (two of which follow the lunar calendar) and on each year's government notice that fixes
//! Tết and swaps days. Everything here is a pure function of its inputs: no clock, no I/O.
//!
//! # Conventions
//! - **Time zone.** All date-times are *Vietnam local time* ([`chrono::NaiveDateTime`]). Vietnam
//!   is UTC+7 all year, without daylight saving, so local time is unambiguous; convert at the
//!   edge (`Asia/Ho_Chi_Minh`). The lunar calendar is computed at UTC+7 as well, which is why it
//!   sometimes differs from the Chinese calendar (Tết 1985: 21 January here, 20 February there).
//! - **Working days.** Monday to Friday ([`Calendar::with_weekly_rest_days`] changes that), minus
//!   holidays, compensatory days and notice days off, plus rest days a notice makes worked.
//!   Precedence: notice swaps and extra days first, then statutory and compensatory holidays,
//!   then weekly rest days.
//! - **Working time.** Each working day contributes its office hours ([`OfficeHours`], by
//!   default the national norm of 8 hours, 07:30–11:30 and 13:00–17:00; a province sets its
//!   own, possibly by season with [`OfficeSeason`], all seasons with the same day length).
//!   Working time is a timeline made only of office time; all arithmetic happens on it, at
//!   nanosecond precision, so it is exact and additive.
//! - **Durations.** A [`WorkDuration`] counts half days. One day is one full day of office
//!   time, so *N days after a moment in office hours is the same clock time on the N-th working
//!   day after* (accepted Monday 09:00 + 1 day → Tuesday 09:00). Half a day is half the day's
//!   office time (4 h with the default hours, exactly one session): Monday 09:00 + 0.5 day →
//!   Monday 14:00. Counting half days this way, rather than as "the next session at the same
//!   relative position", keeps durations, elapsed working time, pauses and warning thresholds
//!   on one scale and makes `a + b` days equal to `a` days then `b` days.
//! - **Start of counting.** A moment outside office hours counts from the start of the next
//!   office session (lunch break → afternoon start; evening, weekend or holiday → 07:30 of the
//!   next working day). With a [`CutoffRule`], a receipt on a working day strictly after the
//!   cutoff (e.g. 15:00) counts from the next working day.
//! - **Due moments** are the *end* of the working time they complete: a deadline that runs
//!   out exactly when an office day closes is that day's closing time (Monday 07:30 + 1 day →
//!   Monday 17:00), never the next opening, which could lie days later across a holiday. An
//!   appointment (ngày hẹn trả) is thus the end of its due working day, and a dossier finished
//!   any time that day is on time.
//! - **Clock stops.** During a pause (waiting for the citizen's supplement) working time does
//!   not count; [`Calendar::due_with_pauses`] runs a stopwatch over the timeline. A pause that
//!   starts after the deadline has passed does not extend it.
//! - **Status.** Finished: [`DeadlineStatus::Early`] if finished on a calendar day before the
//!   due day, [`DeadlineStatus::OnTime`] if on the due day and not after the due moment,
//!   [`DeadlineStatus::Late`] otherwise. Unfinished: `Overdue` after the due moment, `DueSoon`
//!   when the [`DueSoonRule`] (a share of the dossier's processing time, with a floor and a
//!   cap) says so, `OnTrack` otherwise.
//! - **Years.** Lunar conversions and the calendar support 1800..=2199. Holiday defaults
//!   follow the Labour Code 2019 from 2021 and the Labour Code 2012 before (see
//!   [`LABOUR_CODE_2019_FROM`]); enter historical details as [`YearNotice`]s.

mod holidays;
mod lunar;
mod working;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate, Weekday};

pub use holidays::{
    AdjacentDay, DaySwap, Holiday, HolidayKind, LABOUR_CODE_2019_FROM, NoticeDayOff, YearNotice,
};
pub use lunar::{
    LunarDate, MAX_YEAR, MIN_YEAR, VIETNAM_UTC_OFFSET_HOURS, leap_month, lunar_month_length,
    lunar_new_year, lunar_to_solar, solar_to_lunar,
};
pub use working::{
    CutoffRule, DeadlineStatus, DueSoonRule, OfficeHours, OfficeSeason, Pause, Remaining,
    WorkDuration,
};

/// Errors of the calendar rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The date or year lies outside the supported years (see [`MIN_YEAR`], [`MAX_YEAR`]).
    #[error("date outside the supported years {MIN_YEAR}..={MAX_YEAR}")]
    OutOfRange,
    /// The lunar date does not exist (bad month or day, or no such leap month that year).
    #[error("lunar date {0} does not exist")]
    InvalidLunarDate(LunarDate),
    /// Office hours must satisfy morning start < morning end ≤ afternoon start < afternoon end.
    #[error("invalid office hours: {0}")]
    InvalidOfficeHours(&'static str),
    /// At least one day of the week must be a working day.
    #[error("every day of the week is a rest day")]
    NoWorkingWeekday,
    /// Two notices were given for the same year.
    #[error("two notices for year {0}")]
    DuplicateNotice(i32),
    /// A notice replaces a holiday of its year with a date of another year.
    #[error("notice for {year} lists {date}, outside that year")]
    NoticeDateOutsideYear {
        /// Year of the notice.
        year: i32,
        /// The offending date.
        date: NaiveDate,
    },
    /// Notices declare the same date both worked and off.
    #[error("notices make {0} both a working day and a day off")]
    ConflictingNoticeDate(NaiveDate),
    /// A pause ends before it starts.
    #[error("pause ends before it starts")]
    InvalidPause,
    /// The due-soon rule is inconsistent.
    #[error("invalid due-soon rule: {0}")]
    InvalidDueSoonRule(&'static str),
    /// A negative amount of working time was given.
    #[error("negative working time")]
    NegativeDuration,
}

/// What kind of day a date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "holiday")]
pub enum DayKind {
    /// An ordinary working day.
    Working,
    /// A day a notice makes worked (usually a Saturday swapped for a weekday off).
    NoticeWorkingDay,
    /// A weekly rest day (Saturday or Sunday by default).
    WeeklyRest,
    /// A day off for the given reason (also when it falls on a rest day).
    Holiday(HolidayKind),
}

impl DayKind {
    /// True for [`DayKind::Working`] and [`DayKind::NoticeWorkingDay`].
    pub const fn is_working(self) -> bool {
        matches!(self, Self::Working | Self::NoticeWorkingDay)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Override {
    Worked,
    Off(HolidayKind),
}

/// The working-day calendar: Vietnamese defaults, adjusted by yearly notices.
///
/// Cheap to clone and share (`Send + Sync`); holiday lists are computed lazily per year and
/// cached.
#[derive(Debug, Clone)]
pub struct Calendar {
    /// The office hours of the first season; every season has the same day length.
    office_hours: OfficeHours,
    /// Seasonal office hours sorted by start; empty means `office_hours` all year.
    seasons: Vec<OfficeSeason>,
    due_soon: DueSoonRule,
    /// Indexed by `Weekday::num_days_from_monday`.
    rest_days: [bool; 7],
    notices: BTreeMap<i32, YearNotice>,
    overrides: BTreeMap<NaiveDate, Override>,
    /// One slot per year of `MIN_YEAR..=MAX_YEAR`.
    schedules: Vec<OnceLock<Vec<Holiday>>>,
}

impl Default for Calendar {
    fn default() -> Self {
        Self::vietnam_default()
    }
}

impl Calendar {
    /// Labour Code defaults, Saturday and Sunday off, default office hours, no notices.
    pub fn vietnam_default() -> Self {
        let mut rest_days = [false; 7];
        rest_days[Weekday::Sat.num_days_from_monday() as usize] = true;
        rest_days[Weekday::Sun.num_days_from_monday() as usize] = true;
        Self {
            office_hours: OfficeHours::default(),
            seasons: Vec::new(),
            due_soon: DueSoonRule::default(),
            rest_days,
            notices: BTreeMap::new(),
            overrides: BTreeMap::new(),
            schedules: empty_schedules(),
        }
    }

    /// The defaults adjusted by the given yearly notices (at most one per year).
    pub fn with_notices(notices: Vec<YearNotice>) -> Result<Self, CalendarError> {
        let mut calendar = Self::vietnam_default();
        let mut by_year = BTreeMap::new();
        let mut overrides = BTreeMap::new();
        for notice in notices {
            notice.validate()?;
            // A date may be listed twice as off (the last reason wins), never worked and off.
            let mut set = |date: NaiveDate, value: Override| match overrides.insert(date, value) {
                Some(previous)
                    if previous != value
                        && (previous == Override::Worked || value == Override::Worked) =>
                {
                    Err(CalendarError::ConflictingNoticeDate(date))
                }
                _ => Ok(()),
            };
            for swap in &notice.swaps {
                set(swap.worked, Override::Worked)?;
                set(swap.off, Override::Off(HolidayKind::SwappedDayOff))?;
            }
            for extra in &notice.extra_days_off {
                set(extra.date, Override::Off(HolidayKind::NoticeDayOff))?;
            }
            let year = notice.year;
            if by_year.insert(year, notice).is_some() {
                return Err(CalendarError::DuplicateNotice(year));
            }
        }
        calendar.notices = by_year;
        calendar.overrides = overrides;
        Ok(calendar)
    }

    /// Replaces the office hours (validated), the same all year.
    pub fn with_office_hours(mut self, hours: OfficeHours) -> Result<Self, CalendarError> {
        hours.validate()?;
        self.office_hours = hours;
        self.seasons = Vec::new();
        Ok(self)
    }

    /// Seasonal office hours (e.g. a summer and a winter schedule). Every season must give
    /// the same office time per day: a working day is the unit of statutory time, so its
    /// length may move in the clock but not change.
    pub fn with_office_seasons(mut self, seasons: &[OfficeSeason]) -> Result<Self, CalendarError> {
        let mut sorted = seasons.to_vec();
        sorted.sort_by_key(OfficeSeason::start);
        let first = sorted
            .first()
            .ok_or(CalendarError::InvalidOfficeHours("no office hours"))?
            .hours;
        for (i, season) in sorted.iter().enumerate() {
            season.hours.validate()?;
            // 2000 is a leap year, so 29 February is a valid start.
            if NaiveDate::from_ymd_opt(2000, season.from_month, season.from_day).is_none() {
                return Err(CalendarError::InvalidOfficeHours(
                    "season starts on no date",
                ));
            }
            if i > 0 && sorted[i - 1].start() == season.start() {
                return Err(CalendarError::InvalidOfficeHours(
                    "two seasons start on one day",
                ));
            }
            if season.hours.working_day() != first.working_day() {
                return Err(CalendarError::InvalidOfficeHours(
                    "every season must have the same working day length",
                ));
            }
        }
        self.office_hours = first;
        self.seasons = if sorted.len() > 1 { sorted } else { Vec::new() };
        Ok(self)
    }

    /// The seasons of office hours (empty when the hours are the same all year).
    pub fn office_seasons(&self) -> &[OfficeSeason] {
        &self.seasons
    }

    /// The office hours in force on `date`.
    pub fn office_hours_on(&self, date: NaiveDate) -> &OfficeHours {
        let key = (date.month(), date.day());
        self.seasons
            .iter()
            .rev()
            .find(|s| s.start() <= key)
            .or(self.seasons.last())
            .map_or(&self.office_hours, |s| &s.hours)
    }

    /// Replaces the rule deciding when a dossier is due soon (validated).
    pub fn with_due_soon_rule(mut self, rule: DueSoonRule) -> Result<Self, CalendarError> {
        rule.validate()?;
        self.due_soon = rule;
        Ok(self)
    }

    /// The due-soon rule in use.
    pub fn due_soon_rule(&self) -> &DueSoonRule {
        &self.due_soon
    }

    /// Replaces the weekly rest days (Saturday and Sunday by default).
    pub fn with_weekly_rest_days(mut self, days: &[Weekday]) -> Result<Self, CalendarError> {
        let mut rest_days = [false; 7];
        for day in days {
            rest_days[day.num_days_from_monday() as usize] = true;
        }
        if rest_days.iter().all(|r| *r) {
            return Err(CalendarError::NoWorkingWeekday);
        }
        self.rest_days = rest_days;
        self.schedules = empty_schedules();
        Ok(self)
    }

    /// The office hours of the first season (all seasons have the same day length).
    pub fn office_hours(&self) -> &OfficeHours {
        &self.office_hours
    }

    /// The notice entered for `year`, if any.
    pub fn notice(&self, year: i32) -> Option<&YearNotice> {
        self.notices.get(&year)
    }

    /// True if `weekday` is a weekly rest day.
    pub fn is_weekly_rest_day(&self, weekday: Weekday) -> bool {
        self.rest_days[weekday.num_days_from_monday() as usize]
    }

    /// What kind of day `date` is.
    ///
    /// Outside [`MIN_YEAR`]..=[`MAX_YEAR`] the lunar holidays are unknown and left out.
    pub fn day_kind(&self, date: NaiveDate) -> DayKind {
        match self.overrides.get(&date) {
            Some(Override::Worked) => return DayKind::NoticeWorkingDay,
            Some(Override::Off(kind)) => return DayKind::Holiday(*kind),
            None => {}
        }
        let found = self.with_schedule(date.year(), |schedule| {
            schedule
                .binary_search_by_key(&date, |h| h.date)
                .ok()
                .map(|i| schedule[i].kind)
        });
        if let Some(kind) = found {
            return DayKind::Holiday(kind);
        }
        if self.is_weekly_rest_day(date.weekday()) {
            DayKind::WeeklyRest
        } else {
            DayKind::Working
        }
    }

    /// True if `date` is a working day.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        self.day_kind(date).is_working()
    }

    /// Every day off of `year` other than plain weekly rest days, sorted by date: statutory
    /// holidays (also those on a rest day), compensatory days and notice days off.
    pub fn holidays(&self, year: i32) -> Result<Vec<Holiday>, CalendarError> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(CalendarError::OutOfRange);
        }
        let mut out = Vec::new();
        let mut date = NaiveDate::from_ymd_opt(year, 1, 1).ok_or(CalendarError::OutOfRange)?;
        while date.year() == year {
            if let DayKind::Holiday(kind) = self.day_kind(date) {
                out.push(Holiday { date, kind });
            }
            date = date.succ_opt().ok_or(CalendarError::OutOfRange)?;
        }
        Ok(out)
    }

    /// The first working day strictly after `date`.
    pub fn next_working_day(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        let mut day = date;
        loop {
            day = day.succ_opt().ok_or(CalendarError::OutOfRange)?;
            if day.year() > MAX_YEAR {
                return Err(CalendarError::OutOfRange);
            }
            if self.is_working_day(day) {
                return Ok(day);
            }
        }
    }

    /// The first working day on or after `date`.
    pub fn working_day_on_or_after(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        check_date(date)?;
        if self.is_working_day(date) {
            Ok(date)
        } else {
            self.next_working_day(date)
        }
    }

    fn with_schedule<R>(&self, year: i32, f: impl FnOnce(&[Holiday]) -> R) -> R {
        let compute = || {
            holidays::statutory_schedule(year, self.notices.get(&year), |w| {
                self.is_weekly_rest_day(w)
            })
        };
        match usize::try_from(year - MIN_YEAR)
            .ok()
            .and_then(|i| self.schedules.get(i))
        {
            Some(slot) => f(slot.get_or_init(compute)),
            None => f(&compute()),
        }
    }
}

fn empty_schedules() -> Vec<OnceLock<Vec<Holiday>>> {
    (MIN_YEAR..=MAX_YEAR).map(|_| OnceLock::new()).collect()
}

fn check_date(date: NaiveDate) -> Result<(), CalendarError> {
    if (MIN_YEAR..=MAX_YEAR).contains(&date.year()) {
        Ok(())
    } else {
        Err(CalendarError::OutOfRange)
    }
}
