//! Working-time arithmetic: office hours, durations in (half) working days, deadlines.
//!
//! See the module documentation of [`crate::calendar`] for the conventions.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike};
use serde::{Deserialize, Serialize};

use super::{Calendar, CalendarError, check_date};

/// Daily office hours: a morning and an afternoon session, each half-open `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OfficeHours {
    /// Start of the morning session (default 07:30).
    pub morning_start: NaiveTime,
    /// End of the morning session (default 11:30).
    pub morning_end: NaiveTime,
    /// Start of the afternoon session (default 13:00).
    pub afternoon_start: NaiveTime,
    /// End of the afternoon session (default 17:00).
    pub afternoon_end: NaiveTime,
}

fn hm(hour: u32, minute: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(NaiveTime::MIN)
}

impl Default for OfficeHours {
    /// 07:30–11:30 and 13:00–17:00: the national norm of an 8-hour working day. A province
    /// sets its own hours (and seasons) as data.
    fn default() -> Self {
        Self {
            morning_start: hm(7, 30),
            morning_end: hm(11, 30),
            afternoon_start: hm(13, 0),
            afternoon_end: hm(17, 0),
        }
    }
}

impl OfficeHours {
    /// Validated office hours: `morning_start < morning_end <= afternoon_start < afternoon_end`.
    pub fn new(
        morning_start: NaiveTime,
        morning_end: NaiveTime,
        afternoon_start: NaiveTime,
        afternoon_end: NaiveTime,
    ) -> Result<Self, CalendarError> {
        let hours = Self {
            morning_start,
            morning_end,
            afternoon_start,
            afternoon_end,
        };
        hours.validate()?;
        Ok(hours)
    }

    /// Checks the ordering of the four times (and that none is a leap second).
    pub fn validate(&self) -> Result<(), CalendarError> {
        let times = [
            self.morning_start,
            self.morning_end,
            self.afternoon_start,
            self.afternoon_end,
        ];
        if times.iter().any(|t| t.nanosecond() >= 1_000_000_000) {
            return Err(CalendarError::InvalidOfficeHours("leap second"));
        }
        if self.morning_start >= self.morning_end {
            return Err(CalendarError::InvalidOfficeHours(
                "morning must start before it ends",
            ));
        }
        if self.morning_end > self.afternoon_start {
            return Err(CalendarError::InvalidOfficeHours(
                "afternoon must not start before the morning ends",
            ));
        }
        if self.afternoon_start >= self.afternoon_end {
            return Err(CalendarError::InvalidOfficeHours(
                "afternoon must start before it ends",
            ));
        }
        Ok(())
    }

    fn morning_len(&self) -> i64 {
        nanos(self.morning_end - self.morning_start)
    }

    fn afternoon_len(&self) -> i64 {
        nanos(self.afternoon_end - self.afternoon_start)
    }

    fn day_len(&self) -> i64 {
        self.morning_len() + self.afternoon_len()
    }

    /// Office time of one working day.
    pub fn working_day(&self) -> TimeDelta {
        TimeDelta::nanoseconds(self.day_len())
    }

    /// True if `time` lies in a session (start included, end excluded).
    pub fn contains(&self, time: NaiveTime) -> bool {
        (self.morning_start <= time && time < self.morning_end)
            || (self.afternoon_start <= time && time < self.afternoon_end)
    }

    /// Offset into the office day of the first office instant at or after `time`, or `None`
    /// when the day's office hours are over.
    fn offset_at_or_after(&self, time: NaiveTime) -> Option<i64> {
        if time < self.morning_start {
            Some(0)
        } else if time < self.morning_end {
            Some(nanos(time - self.morning_start))
        } else if time < self.afternoon_start {
            Some(self.morning_len())
        } else if time < self.afternoon_end {
            Some(self.morning_len() + nanos(time - self.afternoon_start))
        } else {
            None
        }
    }

    /// Clock time at which office time `offset` into the day has *run out*, for an offset in
    /// `(0, day_len]`: a morning that is used up ends at the morning's end (11:30), not at the
    /// afternoon's start, and a whole day ends at closing time (17:00).
    fn end_time_of(&self, offset: i64) -> NaiveTime {
        let morning = self.morning_len();
        if offset <= morning {
            self.morning_start + TimeDelta::nanoseconds(offset)
        } else {
            self.afternoon_start + TimeDelta::nanoseconds(offset - morning)
        }
    }

    /// Clock time of an offset in `[0, day_len)`.
    fn time_of(&self, offset: i64) -> NaiveTime {
        let morning = self.morning_len();
        if offset < morning {
            self.morning_start + TimeDelta::nanoseconds(offset)
        } else {
            self.afternoon_start + TimeDelta::nanoseconds(offset - morning)
        }
    }
}

/// Office hours from a day of the year on (summer and winter schedules): they apply from
/// `from_month`/`from_day` until the next season starts, wrapping over the new year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OfficeSeason {
    /// Month the season starts (1..=12).
    pub from_month: u32,
    /// Day of that month the season starts.
    pub from_day: u32,
    /// The office hours of the season.
    pub hours: OfficeHours,
}

impl OfficeSeason {
    /// `(month, day)`, the key seasons are ordered by.
    pub const fn start(&self) -> (u32, u32) {
        (self.from_month, self.from_day)
    }
}

fn nanos(delta: TimeDelta) -> i64 {
    // Office-day deltas are below 24 h, far inside the i64 nanosecond range.
    delta.num_nanoseconds().unwrap_or(i64::MAX)
}

/// A duration in working days, counted in half days (`half_days(3)` is 1.5 days).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkDuration {
    #[cfg_attr(feature = "openapi", schema(maximum = 4_294_967_295_u64))]
    half_days: u32,
}

impl WorkDuration {
    /// No time at all.
    pub const ZERO: Self = Self { half_days: 0 };

    /// Whole working days (saturating at `u32::MAX` half days).
    pub const fn days(days: u32) -> Self {
        Self {
            half_days: days.saturating_mul(2),
        }
    }

    /// Half working days.
    pub const fn half_days(half_days: u32) -> Self {
        Self { half_days }
    }

    /// Number of half days.
    pub const fn as_half_days(self) -> u32 {
        self.half_days
    }

    /// Number of days, e.g. `1.5`.
    pub fn as_days(self) -> f64 {
        f64::from(self.half_days) / 2.0
    }

    /// Office time this duration stands for under `hours`.
    pub fn working_time(self, hours: &OfficeHours) -> TimeDelta {
        TimeDelta::nanoseconds(self.nanos(hours))
    }

    fn nanos(self, hours: &OfficeHours) -> i64 {
        // Exact whenever the office day is a whole number of seconds (an even number of
        // nanoseconds); otherwise half a day is rounded down to the nanosecond.
        i64::from(self.half_days).saturating_mul(hours.day_len() / 2)
    }

    /// Sum, `None` on overflow.
    pub const fn checked_add(self, other: Self) -> Option<Self> {
        match self.half_days.checked_add(other.half_days) {
            Some(half_days) => Some(Self { half_days }),
            None => None,
        }
    }
}

impl std::ops::Add for WorkDuration {
    type Output = Self;

    /// Saturating sum.
    fn add(self, other: Self) -> Self {
        Self {
            half_days: self.half_days.saturating_add(other.half_days),
        }
    }
}

impl std::fmt::Display for WorkDuration {
    /// `3` or `1.5` (days).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let whole = self.half_days / 2;
        if self.half_days.is_multiple_of(2) {
            write!(f, "{whole}")
        } else {
            write!(f, "{whole}.5")
        }
    }
}

/// Per-procedure rule: a receipt on a working day strictly after `after` counts from the next
/// working day. No general rule exists, so it is a setting of each procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CutoffRule {
    /// The cutoff time of day.
    pub after: NaiveTime,
}

impl CutoffRule {
    /// A cutoff at `after`.
    pub const fn new(after: NaiveTime) -> Self {
        Self { after }
    }
}

impl Default for CutoffRule {
    /// 15:00, the cutoff used by the procedures that have one.
    fn default() -> Self {
        Self { after: hm(15, 0) }
    }
}

/// An interval during which the clock of a dossier is stopped (e.g. waiting for a supplement).
/// For a pause still running, pass `now` as its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Pause {
    /// When the clock stopped.
    pub start: NaiveDateTime,
    /// When it resumed.
    pub end: NaiveDateTime,
}

impl Pause {
    /// A pause from `start` to `end`.
    pub const fn new(start: NaiveDateTime, end: NaiveDateTime) -> Self {
        Self { start, end }
    }
}

text_enum! {
    /// Where a dossier stands against its due moment.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum DeadlineStatus {
        /// Finished on a calendar day before the due day (trước hạn).
        Early = "early",
        /// Finished on the due day, not after the due moment (đúng hạn).
        OnTime = "on_time",
        /// Finished after the due moment (quá hạn).
        Late = "late",
        /// Unfinished, with more working time left than the warning threshold.
        OnTrack = "on_track",
        /// Unfinished, due moment not passed, at most the warning threshold left (sắp đến hạn).
        DueSoon = "due_soon",
        /// Unfinished and past the due moment.
        Overdue = "overdue",
    }
}

impl DeadlineStatus {
    /// True for the statuses that count as processed on time (early or on time).
    pub const fn is_in_time(self) -> bool {
        matches!(self, Self::Early | Self::OnTime)
    }
}

/// When an unfinished dossier counts as *due soon* (sắp đến hạn): when the working time left
/// is at most `percent` % of its processing time, but never less than `floor_minutes` nor more
/// than `cap_minutes` of working time. Relative to the budget, so that a one-day dossier is not
/// "due soon" the moment it is accepted while a sixty-day one is not flagged two months ahead;
/// the province keeps it as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DueSoonRule {
    /// Share of the processing time, in percent (0..=100).
    pub percent: u8,
    /// Smallest warning, in working minutes.
    pub floor_minutes: u32,
    /// Largest warning, in working minutes.
    pub cap_minutes: u32,
}

impl Default for DueSoonRule {
    /// A fifth of the budget, at least one working hour, at most two 8-hour working days.
    fn default() -> Self {
        Self {
            percent: 20,
            floor_minutes: 60,
            cap_minutes: 2 * 8 * 60,
        }
    }
}

impl DueSoonRule {
    /// Checks the percentage and that the floor is not above the cap.
    pub fn validate(&self) -> Result<(), CalendarError> {
        if self.percent > 100 {
            return Err(CalendarError::InvalidDueSoonRule("percent above 100"));
        }
        if self.floor_minutes > self.cap_minutes {
            return Err(CalendarError::InvalidDueSoonRule("floor above cap"));
        }
        Ok(())
    }

    /// The warning threshold for a dossier whose processing time is `budget` of office time.
    pub fn threshold(&self, budget: TimeDelta) -> TimeDelta {
        let share = i128::from(nanos(budget)) * i128::from(self.percent) / 100;
        let share = TimeDelta::nanoseconds(i64::try_from(share).unwrap_or(i64::MAX));
        let floor = TimeDelta::minutes(i64::from(self.floor_minutes));
        let cap = TimeDelta::minutes(i64::from(self.cap_minutes));
        share.clamp(floor, cap.max(floor))
    }
}

/// Working time left before a due moment, as people read it: "còn 2 ngày 3 giờ làm việc".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Remaining {
    /// Whole working days.
    pub days: u32,
    /// Whole hours of the rest.
    pub hours: u32,
    /// Minutes of the rest.
    pub minutes: u32,
    /// True when the due moment has passed (the other fields are then zero).
    pub overdue: bool,
}

/// A point on the working-time line: a working day and an offset in `[0, day_len)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Position {
    date: NaiveDate,
    offset: i64,
}

impl Calendar {
    /// The first office instant at or after `at`.
    fn position(&self, at: NaiveDateTime) -> Result<Position, CalendarError> {
        let date = at.date();
        check_date(date)?;
        if self.is_working_day(date)
            && let Some(offset) = self.office_hours_on(date).offset_at_or_after(at.time())
        {
            return Ok(Position { date, offset });
        }
        Ok(Position {
            date: self.next_working_day(date)?,
            offset: 0,
        })
    }

    fn datetime(&self, position: Position) -> NaiveDateTime {
        position
            .date
            .and_time(self.office_hours_on(position.date).time_of(position.offset))
    }

    /// The moment a running clock at `position` has used up `nanos` of office time. A positive
    /// amount that runs out exactly at a session's end is that end (Thursday closing time),
    /// never the next opening: an appointment is the end of the due working day.
    fn moment_after(&self, position: Position, nanos: i64) -> Result<NaiveDateTime, CalendarError> {
        if nanos == 0 {
            return Ok(self.datetime(position));
        }
        let end = self.advance(position, nanos)?;
        Ok(end
            .date
            .and_time(self.office_hours_on(end.date).end_time_of(end.offset)))
    }

    /// `position` moved on by `nanos`; the result's offset lies in `(0, day_len]` when `nanos`
    /// is positive, so that a deadline running out at closing time stays on its own day.
    fn advance(&self, position: Position, nanos: i64) -> Result<Position, CalendarError> {
        let day = self.office_hours.day_len();
        let mut date = position.date;
        let mut total = position
            .offset
            .checked_add(nanos)
            .ok_or(CalendarError::OutOfRange)?;
        while total > day {
            date = self.next_working_day(date)?;
            total -= day;
        }
        Ok(Position {
            date,
            offset: total,
        })
    }

    /// Working nanoseconds from `a` to `b`, `a <= b`.
    fn nanos_between(&self, a: Position, b: Position) -> Result<i64, CalendarError> {
        if a.date == b.date {
            return Ok(b.offset - a.offset);
        }
        let day = self.office_hours.day_len();
        let mut total = day - a.offset + b.offset;
        let mut date = self.next_working_day(a.date)?;
        while date < b.date {
            total = total.checked_add(day).ok_or(CalendarError::OutOfRange)?;
            date = self.next_working_day(date)?;
        }
        Ok(total)
    }

    /// True if `at` falls within office hours of a working day.
    pub fn is_office_time(&self, at: NaiveDateTime) -> bool {
        self.is_working_day(at.date()) && self.office_hours_on(at.date()).contains(at.time())
    }

    /// The moment `duration` of working time after `start`, counted from the first office
    /// instant at or after `start`. Monday 09:00 + 1 day = Tuesday 09:00.
    pub fn add_working_time(
        &self,
        start: NaiveDateTime,
        duration: WorkDuration,
    ) -> Result<NaiveDateTime, CalendarError> {
        self.add_office_time(start, duration.working_time(&self.office_hours))
    }

    /// Same as [`Calendar::add_working_time`].
    pub fn add_working_days(
        &self,
        start: NaiveDateTime,
        duration: WorkDuration,
    ) -> Result<NaiveDateTime, CalendarError> {
        self.add_working_time(start, duration)
    }

    /// The moment `time` of office time after `start` (e.g. 90 working minutes later).
    pub fn add_office_time(
        &self,
        start: NaiveDateTime,
        time: TimeDelta,
    ) -> Result<NaiveDateTime, CalendarError> {
        let nanos = time.num_nanoseconds().ok_or(CalendarError::OutOfRange)?;
        if nanos < 0 {
            return Err(CalendarError::NegativeDuration);
        }
        self.moment_after(self.position(start)?, nanos)
    }

    /// When counting starts for a dossier received at `received`: the first office instant at
    /// or after it, or the next working day's opening if `cutoff` applies.
    pub fn count_start(
        &self,
        received: NaiveDateTime,
        cutoff: Option<&CutoffRule>,
    ) -> Result<NaiveDateTime, CalendarError> {
        let date = received.date();
        check_date(date)?;
        if let Some(rule) = cutoff
            && received.time() > rule.after
            && self.is_working_day(date)
        {
            let next = self.next_working_day(date)?;
            return Ok(next.and_time(self.office_hours_on(next).morning_start));
        }
        Ok(self.datetime(self.position(received)?))
    }

    /// Due moment of a dossier received at `received` with a processing time of `duration`.
    pub fn due(
        &self,
        received: NaiveDateTime,
        duration: WorkDuration,
        cutoff: Option<&CutoffRule>,
    ) -> Result<NaiveDateTime, CalendarError> {
        self.add_working_time(self.count_start(received, cutoff)?, duration)
    }

    /// Due moment when the clock stops during `pauses` (in any order, may overlap).
    ///
    /// The dossier's working time runs from the count start except inside pauses; the due
    /// moment is when it reaches `duration`. Pauses before the count start, or starting once
    /// the deadline is reached, change nothing, so the result is never earlier than
    /// [`Calendar::due`].
    pub fn due_with_pauses(
        &self,
        received: NaiveDateTime,
        duration: WorkDuration,
        cutoff: Option<&CutoffRule>,
        pauses: &[Pause],
    ) -> Result<NaiveDateTime, CalendarError> {
        if pauses.iter().any(|p| p.end < p.start) {
            return Err(CalendarError::InvalidPause);
        }
        let mut sorted = pauses.to_vec();
        sorted.sort_by_key(|p| p.start);
        let mut position = self.position(self.count_start(received, cutoff)?)?;
        let mut remaining = duration.nanos(&self.office_hours);
        for pause in sorted {
            let pause_start = self.position(pause.start)?;
            if pause_start > position {
                let running = self.nanos_between(position, pause_start)?;
                if running >= remaining {
                    break;
                }
                remaining -= running;
                position = pause_start;
            }
            let pause_end = self.position(pause.end)?;
            position = position.max(pause_end);
        }
        self.moment_after(position, remaining)
    }

    /// A due moment written under the earlier convention, where a deadline running out exactly
    /// at the end of a session was written as the start of the next one (`legacy` hours: the
    /// next working day's opening, or the afternoon's start), as the end it stands for: the
    /// previous working day's closing, or the morning's end. Other moments are unchanged.
    pub fn due_from_legacy(
        &self,
        legacy: &OfficeHours,
        due: NaiveDateTime,
    ) -> Result<NaiveDateTime, CalendarError> {
        let date = due.date();
        if !self.is_working_day(date) {
            return Ok(due);
        }
        if due.time() == legacy.morning_start {
            let mut day = date;
            loop {
                day = day.pred_opt().ok_or(CalendarError::OutOfRange)?;
                check_date(day)?;
                if self.is_working_day(day) {
                    return Ok(day.and_time(legacy.afternoon_end));
                }
            }
        }
        if due.time() == legacy.afternoon_start && legacy.morning_end < legacy.afternoon_start {
            return Ok(date.and_time(legacy.morning_end));
        }
        Ok(due)
    }

    /// Office time from `a` to `b` (negative if `b` is before `a`).
    pub fn working_time_between(
        &self,
        a: NaiveDateTime,
        b: NaiveDateTime,
    ) -> Result<TimeDelta, CalendarError> {
        let (from, to, sign) = if a <= b { (a, b, 1) } else { (b, a, -1) };
        let nanos = self.nanos_between(self.position(from)?, self.position(to)?)?;
        Ok(TimeDelta::nanoseconds(sign * nanos))
    }

    /// Whole working minutes from `a` to `b` (truncated toward zero; negative if `b < a`).
    pub fn working_minutes_between(
        &self,
        a: NaiveDateTime,
        b: NaiveDateTime,
    ) -> Result<i64, CalendarError> {
        Ok(self.working_time_between(a, b)?.num_minutes())
    }

    /// Status of a dossier finished at `finished` against `due`.
    pub fn finished_status(&self, due: NaiveDateTime, finished: NaiveDateTime) -> DeadlineStatus {
        if finished > due {
            DeadlineStatus::Late
        } else if finished.date() < due.date() {
            DeadlineStatus::Early
        } else {
            DeadlineStatus::OnTime
        }
    }

    /// Status at `now` of an unfinished dossier due at `due` with a processing time of
    /// `budget`; `DueSoon` when the calendar's [`DueSoonRule`] says so. The one place where
    /// "due soon" is decided, for page alerts, queues, statistics and emails alike.
    pub fn pending_status(
        &self,
        due: NaiveDateTime,
        now: NaiveDateTime,
        budget: WorkDuration,
    ) -> Result<DeadlineStatus, CalendarError> {
        if now > due {
            return Ok(DeadlineStatus::Overdue);
        }
        let left = self.working_time_between(now, due)?;
        let threshold = self
            .due_soon
            .threshold(budget.working_time(&self.office_hours));
        Ok(if left <= threshold {
            DeadlineStatus::DueSoon
        } else {
            DeadlineStatus::OnTrack
        })
    }

    /// Working time left from `now` until `due`, in whole working days and the rest (zero
    /// once `due` has passed; see [`Remaining::overdue`]).
    pub fn remaining(
        &self,
        now: NaiveDateTime,
        due: NaiveDateTime,
    ) -> Result<Remaining, CalendarError> {
        let left = self.working_time_between(now, due)?;
        let day = self.office_hours.day_len();
        let nanos = nanos(left).max(0);
        let rest_minutes = (nanos % day) / 60_000_000_000;
        Ok(Remaining {
            days: u32::try_from(nanos / day).unwrap_or(u32::MAX),
            hours: u32::try_from(rest_minutes / 60).unwrap_or(0),
            minutes: u32::try_from(rest_minutes % 60).unwrap_or(0),
            overdue: now > due,
        })
    }

    /// [`Calendar::finished_status`] if `finished` is known, else [`Calendar::pending_status`].
    pub fn deadline_status(
        &self,
        due: NaiveDateTime,
        finished: Option<NaiveDateTime>,
        now: NaiveDateTime,
        budget: WorkDuration,
    ) -> Result<DeadlineStatus, CalendarError> {
        match finished {
            Some(at) => Ok(self.finished_status(due, at)),
            None => self.pending_status(due, now, budget),
        }
    }
}
