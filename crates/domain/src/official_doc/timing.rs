//! When the clerk's steps are due: "the same day, at the latest the next working day", and at
//! once for urgent documents. Decree 30/2020: numbering a paper document after signature
//! (Art. 15.2), issuing and sending (Art. 18.1), presenting and passing on an incoming
//! document (Art. 23.1); registering it (STANDARDS.md §5). Receipt of an electronic document is
//! acknowledged the same day (Art. 21.2.c), with no next-day allowance.
//!
//! All moments are Vietnam local time. "At the latest the next working day" ends when the
//! office closes on the first working day after the day of the event (a Saturday's signature
//! is due on Monday evening); "at once" is the event's own moment, so any later step is late
//! and the leader's overdue view shows it first.

use super::marks::Urgency;
use crate::calendar::{Calendar, CalendarError};
use chrono::NaiveDateTime;

/// The clerk's steps that Decree 30/2020 times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClerkStep {
    /// Number and register a signed outgoing document (Art. 15.2).
    Number,
    /// Issue and send it (Art. 18.1).
    Send,
    /// Register an incoming document.
    Register,
    /// Present it to the leader, or pass it to the handling unit (Art. 23.1).
    Present,
    /// Acknowledge receipt of an electronic document to its sender (Art. 21.2.c).
    Acknowledge,
}

/// The moment by which `step` must be done for a document whose previous step happened at
/// `at` (signature, arrival, registration).
pub fn step_due(
    calendar: &Calendar,
    step: ClerkStep,
    urgency: Urgency,
    at: NaiveDateTime,
) -> Result<NaiveDateTime, CalendarError> {
    if urgency.is_urgent() && step != ClerkStep::Acknowledge {
        return Ok(at);
    }
    let day = match step {
        ClerkStep::Acknowledge => at.date(),
        _ => calendar.next_working_day(at.date())?,
    };
    let close = calendar.office_hours_on(day).afternoon_end;
    // Acknowledging on the arrival day: by its close of office, or by the end of that day when
    // the document arrived after the close. The system acknowledges by itself, so days off
    // make no difference.
    Ok(match step {
        ClerkStep::Acknowledge if at.time() >= close => day.and_hms_opt(23, 59, 59).unwrap_or(at),
        _ => day.and_time(close),
    })
}

/// Whether `step` done at `done` (or not done by `now` when `done` is `None`) is late.
pub fn is_late(due: NaiveDateTime, done: Option<NaiveDateTime>, now: NaiveDateTime) -> bool {
    done.unwrap_or(now) > due
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    #[test]
    fn ordinary_steps_are_due_by_the_next_working_day_close() {
        let c = Calendar::vietnam_default();
        // Thursday 26 November 2026.
        for step in [
            ClerkStep::Number,
            ClerkStep::Send,
            ClerkStep::Register,
            ClerkStep::Present,
        ] {
            assert_eq!(
                step_due(&c, step, Urgency::Normal, at(11, 26, 10, 0)).unwrap(),
                at(11, 27, 17, 0),
                "{step:?}"
            );
        }
        // Signed on Friday evening or on Saturday: due on Monday.
        assert_eq!(
            step_due(&c, ClerkStep::Send, Urgency::Normal, at(11, 27, 19, 0)).unwrap(),
            at(11, 30, 17, 0)
        );
        assert_eq!(
            step_due(&c, ClerkStep::Send, Urgency::Normal, at(11, 28, 9, 0)).unwrap(),
            at(11, 30, 17, 0)
        );
    }

    #[test]
    fn the_next_working_day_skips_holidays() {
        let c = Calendar::vietnam_default();
        // Tuesday 1 September 2026; 2 September (Wednesday) is National Day, and the Labour
        // Code adds an adjacent day.
        let due = step_due(&c, ClerkStep::Present, Urgency::Normal, at(9, 1, 10, 0)).unwrap();
        assert!(due.date() > NaiveDate::from_ymd_opt(2026, 9, 2).unwrap());
        assert!(c.is_working_day(due.date()));
    }

    #[test]
    fn urgent_documents_are_due_at_once() {
        let c = Calendar::vietnam_default();
        let signed = at(11, 26, 10, 0);
        for u in [Urgency::Urgent, Urgency::VeryUrgent, Urgency::Flash] {
            assert_eq!(step_due(&c, ClerkStep::Send, u, signed).unwrap(), signed);
            assert!(is_late(signed, Some(at(11, 26, 10, 5)), at(11, 26, 12, 0)));
        }
    }

    #[test]
    fn receipt_is_acknowledged_the_same_day() {
        let c = Calendar::vietnam_default();
        assert_eq!(
            step_due(
                &c,
                ClerkStep::Acknowledge,
                Urgency::Normal,
                at(11, 26, 10, 0)
            )
            .unwrap(),
            at(11, 26, 17, 0)
        );
        assert_eq!(
            step_due(
                &c,
                ClerkStep::Acknowledge,
                Urgency::Flash,
                at(11, 26, 20, 0)
            )
            .unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 26)
                .unwrap()
                .and_hms_opt(23, 59, 59)
                .unwrap()
        );
    }

    #[test]
    fn lateness() {
        let due = at(11, 27, 17, 0);
        assert!(!is_late(due, Some(due), at(12, 1, 8, 0)));
        assert!(is_late(due, Some(at(11, 27, 17, 1)), at(12, 1, 8, 0)));
        assert!(!is_late(due, None, at(11, 27, 16, 0)));
        assert!(is_late(due, None, at(11, 28, 8, 0)));
    }
}
