//! A unit's deadline, its extensions, and how lateness is judged.
//!
//! Deadlines are days: a unit has until the end of its due day. The assigner gives a date or
//! a number of working days from the assignment (the platform calendar: weekends, public
//! holidays and the year's notices). A unit may ask for more time **before** its deadline,
//! with a reason; the assigning authority grants a new deadline or refuses. When lateness is
//! judged, an extension counts only if it was granted on or before the deadline it extended:
//! a task finished after its deadline is late unless an extension was granted before that
//! deadline passed.

use super::TaskRuleError;
use crate::calendar::Calendar;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// The most working days a deadline may be set in (about three years).
pub const MAX_WORKING_DAYS: u32 = 750;
/// The furthest a deadline may lie after its assignment.
pub const MAX_YEARS: i32 = 5;

/// How the assigner sets a unit's deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineSpec {
    /// By this day.
    OnDate(NaiveDate),
    /// By the N-th working day after the day of assignment.
    WorkingDays(u32),
}

/// The due day of a unit assigned on `assigned_on`.
pub fn resolve(
    calendar: &Calendar,
    assigned_on: NaiveDate,
    spec: DeadlineSpec,
) -> Result<NaiveDate, TaskRuleError> {
    let due = match spec {
        DeadlineSpec::OnDate(day) => day,
        DeadlineSpec::WorkingDays(n) => {
            if n == 0 || n > MAX_WORKING_DAYS {
                return Err(TaskRuleError::WorkingDaysOutOfRange {
                    max: MAX_WORKING_DAYS,
                });
            }
            let mut day = assigned_on;
            for _ in 0..n {
                day = calendar
                    .next_working_day(day)
                    .map_err(|_| TaskRuleError::Calendar)?;
            }
            day
        }
    };
    if due < assigned_on {
        return Err(TaskRuleError::DeadlineBeforeAssignment);
    }
    let limit = assigned_on
        .with_year(assigned_on.year() + MAX_YEARS)
        .unwrap_or(NaiveDate::MAX);
    if due > limit {
        return Err(TaskRuleError::DeadlineTooFar { years: MAX_YEARS });
    }
    Ok(due)
}

/// A unit's request for more time, and the authority's answer once given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub asked_on: NaiveDate,
    pub new_due: NaiveDate,
    pub decision: Option<ExtensionDecision>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionDecision {
    pub on: NaiveDate,
    pub granted: bool,
}

/// Whether a unit whose deadline is now `current_due` may ask on `asked_on` to move it to
/// `new_due`; `pending` says whether it already has a request waiting for an answer.
pub fn check_request(
    current_due: NaiveDate,
    asked_on: NaiveDate,
    new_due: NaiveDate,
    reason: &str,
    pending: bool,
) -> Result<(), TaskRuleError> {
    if pending {
        return Err(TaskRuleError::ExtensionPending);
    }
    if asked_on > current_due {
        return Err(TaskRuleError::ExtensionAfterDeadline);
    }
    if new_due <= current_due {
        return Err(TaskRuleError::ExtensionNotLater);
    }
    if reason.trim().is_empty() {
        return Err(TaskRuleError::ExtensionWithoutReason);
    }
    Ok(())
}

/// The authority's answer to a request: `Some(new_due)` grants that deadline (the one asked
/// for, or another the authority sets), `None` refuses with `reason`. The request must still
/// be waiting (`decided` false); a granted deadline must be later than the deadline now in
/// force (`current_due`), not before the day of assignment, and within [`MAX_YEARS`] of it.
/// An answer may come after the deadline: it then moves the deadline worked to, but not the
/// one lateness is judged by ([`judged_due`]).
pub fn check_decision(
    current_due: NaiveDate,
    assigned_on: NaiveDate,
    decided: bool,
    grant: Option<NaiveDate>,
    reason: &str,
) -> Result<(), TaskRuleError> {
    if decided {
        return Err(TaskRuleError::ExtensionDecided);
    }
    match grant {
        Some(new_due) => {
            if new_due < assigned_on {
                return Err(TaskRuleError::ExtensionBeforeAssignment);
            }
            if new_due <= current_due {
                return Err(TaskRuleError::ExtensionNotLater);
            }
            let limit = assigned_on
                .with_year(assigned_on.year() + MAX_YEARS)
                .unwrap_or(NaiveDate::MAX);
            if new_due > limit {
                return Err(TaskRuleError::DeadlineTooFar { years: MAX_YEARS });
            }
            Ok(())
        }
        None if reason.trim().is_empty() => Err(TaskRuleError::RefusalWithoutReason),
        None => Ok(()),
    }
}

/// The deadline the unit works to: the original, moved by every extension granted (in the
/// order they were granted). Reminders and escalations follow it.
pub fn current_due(original: NaiveDate, extensions: &[Extension]) -> NaiveDate {
    granted_in_order(extensions)
        .last()
        .map_or(original, |e| e.new_due)
}

/// The deadline lateness is judged against: moved only by extensions granted on or before
/// the deadline they moved.
pub fn judged_due(original: NaiveDate, extensions: &[Extension]) -> NaiveDate {
    let mut due = original;
    for e in granted_in_order(extensions) {
        let granted_on = e.decision.map_or(NaiveDate::MAX, |d| d.on);
        if granted_on <= due {
            due = e.new_due;
        }
    }
    due
}

fn granted_in_order(extensions: &[Extension]) -> Vec<&Extension> {
    let mut granted: Vec<&Extension> = extensions
        .iter()
        .filter(|e| e.decision.is_some_and(|d| d.granted))
        .collect();
    granted.sort_by_key(|e| e.decision.map(|d| d.on));
    granted
}

text_enum! {
    /// The Government Office's four buckets (STANDARDS.md §11), on a given day.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Bucket {
        /// Đã hoàn thành đúng hạn.
        DoneOnTime = "done_on_time",
        /// Đã hoàn thành quá hạn.
        DoneLate = "done_late",
        /// Chưa hoàn thành, còn trong hạn.
        OpenWithinDeadline = "open_within_deadline",
        /// Chưa hoàn thành, đã quá hạn.
        OpenOverdue = "open_overdue",
    }
}

impl Bucket {
    pub fn label_vi(self) -> &'static str {
        match self {
            Bucket::DoneOnTime => "Hoàn thành đúng hạn",
            Bucket::DoneLate => "Hoàn thành quá hạn",
            Bucket::OpenWithinDeadline => "Chưa hoàn thành, trong hạn",
            Bucket::OpenOverdue => "Chưa hoàn thành, quá hạn",
        }
    }
}

/// Where a unit's task stands on `as_of`: finished on `finished_on` (accepted as complete),
/// judged against `judged_due` ([`judged_due`]). A task finished after `as_of` was still
/// open on that day.
pub fn bucket(judged_due: NaiveDate, finished_on: Option<NaiveDate>, as_of: NaiveDate) -> Bucket {
    match finished_on.filter(|f| *f <= as_of) {
        Some(f) if f <= judged_due => Bucket::DoneOnTime,
        Some(_) => Bucket::DoneLate,
        None if as_of <= judged_due => Bucket::OpenWithinDeadline,
        None => Bucket::OpenOverdue,
    }
}

/// The day a reminder goes out `n` working days before `due` (`n` = 0: the due day itself);
/// `None` when that day would come before `from` (the task was assigned too late for it).
pub fn reminder_day(
    calendar: &Calendar,
    due: NaiveDate,
    n: u32,
    from: NaiveDate,
) -> Option<NaiveDate> {
    let mut day = due;
    let mut left = n;
    // A year of days back at most: far more than any reminder asks.
    for _ in 0..400 {
        if left == 0 {
            return (day >= from).then_some(day);
        }
        day = day.pred_opt()?;
        if day < from {
            return None;
        }
        if calendar.is_working_day(day) {
            left -= 1;
        }
    }
    None
}

/// The day an overdue task is escalated (to the unit's leader and the assigning office): the
/// first working day after its deadline.
pub fn escalation_day(calendar: &Calendar, due: NaiveDate) -> Result<NaiveDate, TaskRuleError> {
    calendar
        .next_working_day(due)
        .map_err(|_| TaskRuleError::Calendar)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn granted(asked: NaiveDate, on: NaiveDate, new_due: NaiveDate) -> Extension {
        Extension {
            asked_on: asked,
            new_due,
            decision: Some(ExtensionDecision { on, granted: true }),
        }
    }

    #[test]
    fn deadlines_from_dates_and_working_days() {
        let c = Calendar::vietnam_default();
        // Thursday 26 November 2026.
        let assigned = d(11, 26);
        let cases: &[(DeadlineSpec, Result<NaiveDate, TaskRuleError>)] = &[
            (DeadlineSpec::OnDate(d(12, 15)), Ok(d(12, 15))),
            // The same day: an urgent task.
            (DeadlineSpec::OnDate(assigned), Ok(assigned)),
            (
                DeadlineSpec::OnDate(d(11, 25)),
                Err(TaskRuleError::DeadlineBeforeAssignment),
            ),
            // Friday, then Monday and Tuesday across the weekend.
            (DeadlineSpec::WorkingDays(1), Ok(d(11, 27))),
            (DeadlineSpec::WorkingDays(3), Ok(d(12, 1))),
            (
                DeadlineSpec::WorkingDays(0),
                Err(TaskRuleError::WorkingDaysOutOfRange {
                    max: MAX_WORKING_DAYS,
                }),
            ),
            (
                DeadlineSpec::WorkingDays(MAX_WORKING_DAYS + 1),
                Err(TaskRuleError::WorkingDaysOutOfRange {
                    max: MAX_WORKING_DAYS,
                }),
            ),
            (
                DeadlineSpec::OnDate(NaiveDate::from_ymd_opt(2032, 1, 1).unwrap()),
                Err(TaskRuleError::DeadlineTooFar { years: MAX_YEARS }),
            ),
        ];
        for (spec, expected) in cases {
            assert_eq!(&resolve(&c, assigned, *spec), expected, "{spec:?}");
        }
    }

    #[test]
    fn working_days_skip_tet() {
        let c = Calendar::vietnam_default();
        // Tết 2027 falls on 6 February; its days off are not working days.
        let due = resolve(&c, d(12, 31), DeadlineSpec::WorkingDays(30)).unwrap();
        let (mut working, mut weekdays) = (0, 0);
        let mut day = d(12, 31);
        while day < due {
            day = day.succ_opt().unwrap();
            working += u32::from(c.is_working_day(day));
            weekdays += u32::from(day.weekday().num_days_from_monday() < 5);
        }
        assert_eq!(working, 30);
        assert!(c.is_working_day(due));
        // New Year's Day and the Tết days off fall on weekdays: more weekdays pass than 30.
        assert!(weekdays > 30, "{weekdays} weekdays to {due}");
    }

    #[test]
    fn extension_requests() {
        let due = d(12, 10);
        // Asked on, new deadline, reason, a request already pending, the answer.
        type Case<'a> = (
            NaiveDate,
            NaiveDate,
            &'a str,
            bool,
            Result<(), TaskRuleError>,
        );
        let cases: &[Case<'_>] = &[
            (
                d(12, 1),
                d(12, 20),
                "Chờ số liệu của Sở Tài chính",
                false,
                Ok(()),
            ),
            // On the due day itself: still before the deadline ends.
            (d(12, 10), d(12, 20), "Chờ số liệu", false, Ok(())),
            (
                d(12, 11),
                d(12, 20),
                "Chờ số liệu",
                false,
                Err(TaskRuleError::ExtensionAfterDeadline),
            ),
            (
                d(12, 1),
                d(12, 10),
                "Chờ số liệu",
                false,
                Err(TaskRuleError::ExtensionNotLater),
            ),
            (
                d(12, 1),
                d(12, 20),
                "   ",
                false,
                Err(TaskRuleError::ExtensionWithoutReason),
            ),
            (
                d(12, 1),
                d(12, 20),
                "Chờ số liệu",
                true,
                Err(TaskRuleError::ExtensionPending),
            ),
        ];
        for (asked, new_due, reason, pending, expected) in cases {
            assert_eq!(
                &check_request(due, *asked, *new_due, reason, *pending),
                expected,
                "asked {asked}, new {new_due}, {reason:?}, pending {pending}"
            );
        }
    }

    #[test]
    fn extension_decisions() {
        let assigned = d(11, 2);
        let due = d(12, 10);
        // Decided already, the deadline granted (`None`: refused), the reason, the answer.
        type Case<'a> = (bool, Option<NaiveDate>, &'a str, Result<(), TaskRuleError>);
        let cases: &[Case<'_>] = &[
            (false, Some(d(12, 20)), "", Ok(())),
            (false, None, "Không có căn cứ", Ok(())),
            (false, None, "  ", Err(TaskRuleError::RefusalWithoutReason)),
            (
                true,
                Some(d(12, 20)),
                "",
                Err(TaskRuleError::ExtensionDecided),
            ),
            (true, None, "Lý do", Err(TaskRuleError::ExtensionDecided)),
            // Not later than the deadline in force, or even before the assignment.
            (false, Some(due), "", Err(TaskRuleError::ExtensionNotLater)),
            (
                false,
                Some(d(12, 1)),
                "",
                Err(TaskRuleError::ExtensionNotLater),
            ),
            (
                false,
                Some(d(10, 30)),
                "",
                Err(TaskRuleError::ExtensionBeforeAssignment),
            ),
            (
                false,
                Some(NaiveDate::from_ymd_opt(2031, 11, 3).unwrap()),
                "",
                Err(TaskRuleError::DeadlineTooFar { years: MAX_YEARS }),
            ),
        ];
        for (decided, grant, reason, expected) in cases {
            assert_eq!(
                &check_decision(due, assigned, *decided, *grant, reason),
                expected,
                "decided {decided}, grant {grant:?}, {reason:?}"
            );
        }
    }

    #[test]
    fn lateness_counts_only_extensions_granted_in_time() {
        let original = d(12, 10);
        let refused = Extension {
            asked_on: d(12, 1),
            new_due: d(12, 31),
            decision: Some(ExtensionDecision {
                on: d(12, 2),
                granted: false,
            }),
        };
        let waiting = Extension {
            asked_on: d(12, 1),
            new_due: d(12, 31),
            decision: None,
        };
        let cases: &[(&str, Vec<Extension>, NaiveDate, NaiveDate)] = &[
            ("none", vec![], original, original),
            (
                "granted before the deadline",
                vec![granted(d(12, 1), d(12, 5), d(12, 20))],
                d(12, 20),
                d(12, 20),
            ),
            (
                "granted on the due day",
                vec![granted(d(12, 9), d(12, 10), d(12, 20))],
                d(12, 20),
                d(12, 20),
            ),
            (
                "granted after the deadline passed",
                vec![granted(d(12, 9), d(12, 11), d(12, 20))],
                d(12, 20),
                original,
            ),
            ("refused", vec![refused], original, original),
            ("not answered", vec![waiting], original, original),
            (
                "two, each granted before the deadline it moved",
                vec![
                    granted(d(12, 1), d(12, 2), d(12, 20)),
                    granted(d(12, 15), d(12, 18), d(12, 30)),
                ],
                d(12, 30),
                d(12, 30),
            ),
            (
                "the second granted after the first extension ran out",
                vec![
                    granted(d(12, 1), d(12, 2), d(12, 20)),
                    granted(d(12, 19), d(12, 22), d(12, 30)),
                ],
                d(12, 30),
                d(12, 20),
            ),
        ];
        for (what, extensions, current, judged) in cases {
            assert_eq!(
                current_due(original, extensions),
                *current,
                "{what}: current"
            );
            assert_eq!(judged_due(original, extensions), *judged, "{what}: judged");
        }
    }

    #[test]
    fn the_four_buckets() {
        let due = d(12, 10);
        let cases = [
            (Some(d(12, 9)), d(12, 31), Bucket::DoneOnTime),
            (Some(d(12, 10)), d(12, 31), Bucket::DoneOnTime),
            (Some(d(12, 11)), d(12, 31), Bucket::DoneLate),
            (None, d(12, 10), Bucket::OpenWithinDeadline),
            (None, d(12, 11), Bucket::OpenOverdue),
            // Finished after the day asked about: still open on that day.
            (Some(d(12, 20)), d(12, 5), Bucket::OpenWithinDeadline),
            (Some(d(12, 20)), d(12, 15), Bucket::OpenOverdue),
        ];
        for (finished, as_of, expected) in cases {
            assert_eq!(
                bucket(due, finished, as_of),
                expected,
                "{finished:?} {as_of}"
            );
        }
    }

    #[test]
    fn reminders_and_escalation_follow_working_days() {
        let c = Calendar::vietnam_default();
        // Due Tuesday 1 December 2026.
        let due = d(12, 1);
        assert_eq!(reminder_day(&c, due, 0, d(11, 1)), Some(due));
        assert_eq!(reminder_day(&c, due, 1, d(11, 1)), Some(d(11, 30)));
        // Three working days before: Thursday, across the weekend.
        assert_eq!(reminder_day(&c, due, 3, d(11, 1)), Some(d(11, 26)));
        // Assigned too late for that reminder.
        assert_eq!(reminder_day(&c, due, 3, d(11, 27)), None);
        // Due on a Friday: escalated on Monday.
        assert_eq!(escalation_day(&c, d(11, 27)), Ok(d(11, 30)));
    }
}
