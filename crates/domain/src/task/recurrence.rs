//! Recurring tasks: a monthly or quarterly report is one task per period, each with its own
//! due day. A rule must end — on a day, or after a number of times — so that the platform
//! never creates tasks without end.

use super::TaskRuleError;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// The most occurrences one rule makes (ten years of monthly reports).
pub const MAX_OCCURRENCES: usize = 120;

text_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Every {
        /// Hằng tháng.
        Month = "monthly",
        /// Hằng quý: the day in the quarter's last month (15 → 15 March, June…).
        Quarter = "quarterly",
    }
}

/// When a rule stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ends {
    /// No occurrence after this day.
    On(NaiveDate),
    /// After this many occurrences.
    After(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recurrence {
    pub every: Every,
    /// The due day in the month (1–31; past the month's end, its last day).
    pub day: u32,
    /// Required: `None` is refused.
    pub ends: Option<Ends>,
}

/// The due days of the rule's occurrences, the first on or after `start`.
pub fn due_days(rule: &Recurrence, start: NaiveDate) -> Result<Vec<NaiveDate>, TaskRuleError> {
    if !(1..=31).contains(&rule.day) {
        return Err(TaskRuleError::RecurrenceDay);
    }
    let ends = rule.ends.ok_or(TaskRuleError::RecurrenceWithoutEnd)?;
    if let Ends::After(n) = ends
        && (n == 0 || n as usize > MAX_OCCURRENCES)
    {
        return Err(TaskRuleError::RecurrenceTooLong {
            max: MAX_OCCURRENCES,
        });
    }
    let mut days = Vec::new();
    let mut period = first_period(rule.every, start);
    loop {
        let day = day_in_month(period, rule.day);
        period = next_period(rule.every, period);
        if day < start {
            continue;
        }
        match ends {
            Ends::On(last) if day > last => break,
            Ends::After(n) if days.len() == n as usize => break,
            _ => {}
        }
        if days.len() == MAX_OCCURRENCES {
            return Err(TaskRuleError::RecurrenceTooLong {
                max: MAX_OCCURRENCES,
            });
        }
        days.push(day);
    }
    Ok(days)
}

/// The due days moved onto working days: a report due on a rest day or a holiday is due on
/// the last working day before it, so that the office never waits on a day nobody works; a
/// day whose working days before it fall before `start` moves to the first working day on or
/// after it instead. Days the calendar cannot place stay as they are.
pub fn on_working_days(
    calendar: &crate::calendar::Calendar,
    days: &[NaiveDate],
    start: NaiveDate,
) -> Vec<NaiveDate> {
    days.iter()
        .map(|&day| {
            let before = (0..31)
                .filter_map(|back| day.checked_sub_days(chrono::Days::new(back)))
                .take_while(|d| *d >= start)
                .find(|d| calendar.is_working_day(*d));
            before
                .or_else(|| calendar.working_day_on_or_after(day).ok())
                .unwrap_or(day)
        })
        .collect()
}

/// The first day of the month holding the first possible due day.
fn first_period(every: Every, start: NaiveDate) -> NaiveDate {
    let month = match every {
        Every::Month => start.month(),
        // The quarter's last month.
        Every::Quarter => start.month().div_ceil(3) * 3,
    };
    NaiveDate::from_ymd_opt(start.year(), month, 1).unwrap_or(start)
}

fn next_period(every: Every, period: NaiveDate) -> NaiveDate {
    let step = match every {
        Every::Month => 1,
        Every::Quarter => 3,
    };
    period
        .checked_add_months(chrono::Months::new(step))
        .unwrap_or(NaiveDate::MAX)
}

/// `day` of `period`'s month, or the month's last day.
fn day_in_month(period: NaiveDate, day: u32) -> NaiveDate {
    (0..4)
        .find_map(|back| period.with_day(day - back))
        .unwrap_or(period)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn rule(every: Every, day: u32, ends: Option<Ends>) -> Recurrence {
        Recurrence { every, day, ends }
    }

    #[test]
    fn monthly_and_quarterly_due_days() {
        let start = d(2026, 11, 20);
        let cases: &[(Recurrence, Result<Vec<NaiveDate>, TaskRuleError>)] = &[
            // The 15th of November has passed: from December.
            (
                rule(Every::Month, 15, Some(Ends::After(3))),
                Ok(vec![d(2026, 12, 15), d(2027, 1, 15), d(2027, 2, 15)]),
            ),
            (
                rule(Every::Month, 25, Some(Ends::On(d(2027, 1, 25)))),
                Ok(vec![d(2026, 11, 25), d(2026, 12, 25), d(2027, 1, 25)]),
            ),
            // The 31st in February is its last day.
            (
                rule(Every::Month, 31, Some(Ends::On(d(2027, 3, 1)))),
                Ok(vec![
                    d(2026, 11, 30),
                    d(2026, 12, 31),
                    d(2027, 1, 31),
                    d(2027, 2, 28),
                ]),
            ),
            (
                rule(Every::Quarter, 20, Some(Ends::After(3))),
                Ok(vec![d(2026, 12, 20), d(2027, 3, 20), d(2027, 6, 20)]),
            ),
            (
                rule(Every::Month, 15, None),
                Err(TaskRuleError::RecurrenceWithoutEnd),
            ),
            (
                rule(Every::Month, 15, Some(Ends::After(0))),
                Err(TaskRuleError::RecurrenceTooLong {
                    max: MAX_OCCURRENCES,
                }),
            ),
            (
                rule(Every::Month, 15, Some(Ends::After(121))),
                Err(TaskRuleError::RecurrenceTooLong {
                    max: MAX_OCCURRENCES,
                }),
            ),
            (
                rule(Every::Month, 15, Some(Ends::On(d(2099, 1, 1)))),
                Err(TaskRuleError::RecurrenceTooLong {
                    max: MAX_OCCURRENCES,
                }),
            ),
            // Ends before it starts: nothing to create.
            (
                rule(Every::Month, 15, Some(Ends::On(d(2026, 1, 1)))),
                Ok(vec![]),
            ),
            (
                rule(Every::Month, 0, Some(Ends::After(2))),
                Err(TaskRuleError::RecurrenceDay),
            ),
            (
                rule(Every::Month, 32, Some(Ends::After(2))),
                Err(TaskRuleError::RecurrenceDay),
            ),
        ];
        for (r, expected) in cases {
            assert_eq!(&due_days(r, start), expected, "{r:?}");
        }
    }

    #[test]
    fn a_quarterly_rule_late_in_a_quarter_starts_with_the_next() {
        let r = rule(Every::Quarter, 10, Some(Ends::After(2)));
        assert_eq!(
            due_days(&r, d(2026, 12, 11)),
            Ok(vec![d(2027, 3, 10), d(2027, 6, 10)])
        );
    }
    #[test]
    fn due_days_on_rest_days_move_to_the_working_day_before() {
        let calendar = crate::calendar::Calendar::vietnam_default();
        // 15 Nov 2026 is a Sunday, 15 Dec a Tuesday.
        let days = [d(2026, 11, 15), d(2026, 12, 15)];
        assert_eq!(
            on_working_days(&calendar, &days, d(2026, 11, 1)),
            vec![d(2026, 11, 13), d(2026, 12, 15)]
        );
        // Its working day before falls before the start: the next working day instead.
        assert_eq!(
            on_working_days(&calendar, &[d(2026, 11, 15)], d(2026, 11, 14)),
            vec![d(2026, 11, 16)]
        );
    }
}
