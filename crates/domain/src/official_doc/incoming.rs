//! The incoming flow (văn bản đến): registration to closing, the leader's direction, and the
//! key that warns of a document registered twice. Decree 30/2020, Art. 20–24; Appendix VI,
//! III.1.h and o.
//!
//! ```text
//! registered ─present→ presented ─direct→ directed ─start→ in_progress ─complete→ done
//!   (clerk)  │           (leader)│          (handler)    (handler)              │
//!            ├─forward→ directed └─close→ closed ←──────────────close──────────┘
//!            └─return→ returned      (for information only)
//! any state but returned/recalled ─recall→ recalled (the sender recalled it)
//! ```
//!
//! - The clerk acknowledges receipt the same day, registers it with the next arrival number
//!   of the year, one sequence for paper and electronic documents (Art. 21.2.c, 22.2), and
//!   presents it to the leader the same day, at the latest the next working day; urgent ones
//!   at once (Art. 23.1). When the handling unit is already clear the clerk passes it on
//!   directly (`forward`, Art. 23.1).
//! - The leader writes the direction (bút phê) and names a lead unit, supporting units and a
//!   deadline for each (Art. 23.2): [`Direction`].
//! - A document that is not authentic or not meant for the agency goes back to its sender
//!   (Art. 21.2.b).

use super::notation::DocNumber;
use crate::calendar::{Calendar, CalendarError, WorkDuration};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

text_enum! {
    /// Where an incoming document stands.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum IncomingState {
        /// Received, checked and registered with its arrival number.
        Registered = "registered",
        /// Presented to the leader who directs its handling.
        Presented = "presented",
        /// Directed: lead and supporting units named, with deadlines.
        Directed = "directed",
        /// The lead unit is handling it.
        InProgress = "in_progress",
        /// The lead unit reported it handled.
        Done = "done",
        /// Closed: handled, or read for information only.
        Closed = "closed",
        /// Sent back to its sender: not authentic or not for this agency.
        Returned = "returned",
        /// Recalled by its sender: the copy is destroyed and the sender told.
        Recalled = "recalled",
    }
}

text_enum! {
    /// Who acts on an incoming document, before the agency check the server adds.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum IncomingRole {
        /// The agency's document clerk (văn thư cơ quan).
        Clerk = "clerk",
        /// The person competent to direct its handling (người có thẩm quyền).
        Leader = "leader",
        /// A person of the lead unit, its head or the specialist it passed the document to.
        Handler = "handler",
    }
}

text_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum IncomingAction {
        Present = "present",
        /// The clerk passes it straight to the unit the working rules name.
        Forward = "forward",
        /// The leader directs (or re-directs) its handling.
        Direct = "direct",
        Start = "start",
        Complete = "complete",
        Close = "close",
        ReturnToSender = "return_to_sender",
        Recall = "recall",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IncomingError {
    #[error("Không thể thực hiện thao tác này với văn bản đến ở trạng thái hiện tại.")]
    NotAllowedInState,
    #[error("Vai trò của bạn không được thực hiện thao tác này.")]
    WrongRole,
}

impl IncomingAction {
    /// The roles that may take the action in some state.
    pub fn roles(self) -> &'static [IncomingRole] {
        use IncomingRole::*;
        match self {
            IncomingAction::Present
            | IncomingAction::Forward
            | IncomingAction::ReturnToSender
            | IncomingAction::Recall => &[Clerk],
            IncomingAction::Direct => &[Leader],
            IncomingAction::Start | IncomingAction::Complete => &[Handler],
            // The clerk closes a handled document into the register (Art. 24); ours.
            IncomingAction::Close => &[Leader, Handler, Clerk],
        }
    }
}

impl IncomingState {
    /// Whether the recipient has begun working on it (or finished): a recall from then on
    /// undoes work, and its sender is warned first (see `outgoing::recall_warning`).
    pub fn handling_started(self) -> bool {
        matches!(
            self,
            IncomingState::InProgress | IncomingState::Done | IncomingState::Closed
        )
    }

    /// The edXML status the sender is told (`StatusCode`, STANDARDS.md §2): 02 rejected,
    /// 03 registered, 04 assigned, 05 in progress, 06 done, 15 recall accepted. Presented is
    /// still "registered" for the sender.
    pub fn edxml_status(self) -> &'static str {
        use IncomingState::*;
        match self {
            Registered | Presented => "03",
            Directed => "04",
            InProgress => "05",
            Done | Closed => "06",
            Returned => "02",
            Recalled => "15",
        }
    }
}

/// The next state after `action` by `role`, or why not.
pub fn transition(
    from: IncomingState,
    action: IncomingAction,
    role: IncomingRole,
) -> Result<IncomingState, IncomingError> {
    use IncomingAction as A;
    use IncomingState::*;
    let (to, roles): (IncomingState, &[IncomingRole]) = match (from, action) {
        (Registered, A::Present) => (Presented, action.roles()),
        (Registered, A::Forward) => (Directed, action.roles()),
        (Registered, A::ReturnToSender) => (Returned, action.roles()),
        (Presented | Directed | InProgress, A::Direct) => (Directed, action.roles()),
        (Directed, A::Start) => (InProgress, action.roles()),
        (InProgress, A::Complete) => (Done, action.roles()),
        // Read for information only: the leader closes it without directing it.
        (Presented, A::Close) => (Closed, &[IncomingRole::Leader]),
        (Done, A::Close) => (Closed, action.roles()),
        (Returned | Recalled, A::Recall) => return Err(IncomingError::NotAllowedInState),
        (_, A::Recall) => (Recalled, action.roles()),
        _ => return Err(IncomingError::NotAllowedInState),
    };
    if roles.contains(&role) {
        Ok(to)
    } else {
        Err(IncomingError::WrongRole)
    }
}

/// Whether nothing more can happen to it.
pub fn is_final(state: IncomingState) -> bool {
    matches!(
        state,
        IncomingState::Closed | IncomingState::Returned | IncomingState::Recalled
    )
}

/// The longest deadline a leader may set, in working days (about 18 months). Ours: it only
/// catches typing errors.
pub const MAX_DEADLINE_DAYS: u32 = 365;
/// The longest direction (bút phê), in characters. Ours.
pub const MAX_INSTRUCTIONS_CHARS: usize = 2_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DirectionError {
    #[error("Thời hạn giải quyết của mỗi đơn vị phải từ 1 đến 365 ngày làm việc.")]
    DeadlineDays,
    #[error("Hạn giải quyết phải là một ngày sau thời điểm chỉ đạo, trong vòng 365 ngày làm việc.")]
    DeadlineDate,
    #[error("Đơn vị chủ trì không thể đồng thời là đơn vị phối hợp.")]
    LeadAlsoSupporting,
    #[error("Một đơn vị phối hợp được chọn hai lần.")]
    DuplicateSupporting,
    #[error("Ý kiến chỉ đạo dài tối đa 2000 ký tự.")]
    InstructionsTooLong,
    #[error("Không tính được hạn theo lịch làm việc: {0}")]
    Calendar(String),
}

/// A unit's time: working days counted on the platform calendar from the direction, or a
/// date the leader names (due when the office closes that day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Deadline {
    WorkingDays(u32),
    Date(NaiveDate),
}

/// A unit named in a direction and its time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitDeadline<U> {
    pub unit: U,
    pub due: Deadline,
}

/// The leader's direction (bút phê): what to do, who leads, who supports, by when (Art. 23.2,
/// 23.4). `U` is the caller's unit identifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Direction<U> {
    pub instructions: String,
    pub lead: UnitDeadline<U>,
    pub supporting: Vec<UnitDeadline<U>>,
}

impl<U: PartialEq + Clone> Direction<U> {
    /// Checks the direction: deadlines within range, the lead unit not also supporting, no
    /// unit named twice. Dates are checked against the moment in [`Direction::due_moments`].
    pub fn validate(&self) -> Result<(), DirectionError> {
        if self.instructions.chars().count() > MAX_INSTRUCTIONS_CHARS {
            return Err(DirectionError::InstructionsTooLong);
        }
        let in_range = |d: &UnitDeadline<U>| match d.due {
            Deadline::WorkingDays(days) => (1..=MAX_DEADLINE_DAYS).contains(&days),
            Deadline::Date(_) => true,
        };
        if !in_range(&self.lead) || !self.supporting.iter().all(in_range) {
            return Err(DirectionError::DeadlineDays);
        }
        if self.supporting.iter().any(|s| s.unit == self.lead.unit) {
            return Err(DirectionError::LeadAlsoSupporting);
        }
        for (i, s) in self.supporting.iter().enumerate() {
            if self.supporting[..i].iter().any(|t| t.unit == s.unit) {
                return Err(DirectionError::DuplicateSupporting);
            }
        }
        Ok(())
    }

    /// Each unit's due moment (Vietnam local time), lead first: working days counted on the
    /// platform calendar from the moment of the direction, or the close of office on the date
    /// named, which must come after the direction and within [`MAX_DEADLINE_DAYS`] working
    /// days of it.
    pub fn due_moments(
        &self,
        calendar: &Calendar,
        directed_at: NaiveDateTime,
    ) -> Result<Vec<(U, NaiveDateTime)>, DirectionError> {
        let calendar_error = |e: CalendarError| DirectionError::Calendar(e.to_string());
        let latest = calendar
            .due(directed_at, WorkDuration::days(MAX_DEADLINE_DAYS), None)
            .map_err(calendar_error)?;
        std::iter::once(&self.lead)
            .chain(&self.supporting)
            .map(|d| {
                let due = match d.due {
                    Deadline::WorkingDays(days) => calendar
                        .due(directed_at, WorkDuration::days(days), None)
                        .map_err(calendar_error)?,
                    Deadline::Date(day) => {
                        let due = day.and_time(calendar.office_hours_on(day).afternoon_end);
                        if due <= directed_at || due > latest {
                            return Err(DirectionError::DeadlineDate);
                        }
                        due
                    }
                };
                Ok((d.unit.clone(), due))
            })
            .collect()
    }
}

/// The key under which a registration warns of a duplicate (Appendix VI, III.1.h: the same
/// number, notation and issuing agency). Normalised so that typing differences do not hide
/// one: the number by value (`5` = `05`), the notation and the issuer folded (case and
/// diacritics dropped, `QĐ` = `qd`) and without spaces.
///
/// Numbers restart every 1 January (Art. 15.1), so the triple identifies a document only
/// within a year: the key includes the year of the document's date, lest `01/QĐ-UBND` of
/// every year warn. Folding makes `HĐ` (hợp đồng) and `HD` (hướng dẫn) alike: two such
/// documents with the same number (possible only where types have their own sequences) would
/// warn, which a warning may afford. `issuer` is the issuing agency's identifier code when known, else its
/// name as printed; a store should use the same choice for every row.
pub fn duplicate_key(number: &DocNumber, issuer: &str, issued_year: i32) -> String {
    let squeeze = |s: &str| crate::text::fold(s).replace(' ', "");
    format!(
        "{issued_year}|{}/{}|{}",
        number.number,
        squeeze(&number.code_notation()),
        squeeze(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use IncomingAction as A;
    use IncomingRole as R;
    use IncomingState::*;
    use chrono::NaiveDate;

    fn at(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    }

    #[test]
    fn a_document_from_registration_to_closing() {
        let s = transition(Registered, A::Present, R::Clerk).unwrap();
        assert_eq!(s.edxml_status(), "03");
        let s = transition(s, A::Direct, R::Leader).unwrap();
        assert_eq!((s, s.edxml_status()), (Directed, "04"));
        let s = transition(s, A::Start, R::Handler).unwrap();
        assert_eq!((s, s.edxml_status()), (InProgress, "05"));
        let s = transition(s, A::Complete, R::Handler).unwrap();
        assert_eq!((s, s.edxml_status()), (Done, "06"));
        let s = transition(s, A::Close, R::Handler).unwrap();
        assert_eq!(s, Closed);
        assert!(is_final(s));
    }

    #[test]
    fn side_paths() {
        assert_eq!(transition(Registered, A::Forward, R::Clerk), Ok(Directed));
        assert_eq!(transition(Presented, A::Close, R::Leader), Ok(Closed));
        assert_eq!(
            transition(Presented, A::Close, R::Handler),
            Err(IncomingError::WrongRole)
        );
        assert_eq!(
            transition(Registered, A::ReturnToSender, R::Clerk),
            Ok(Returned)
        );
        assert_eq!(Returned.edxml_status(), "02");
        // Re-direction, also while in progress.
        assert_eq!(transition(Directed, A::Direct, R::Leader), Ok(Directed));
        assert_eq!(transition(InProgress, A::Direct, R::Leader), Ok(Directed));
        assert_eq!(transition(Done, A::Close, R::Leader), Ok(Closed));
        assert_eq!(transition(Done, A::Close, R::Clerk), Ok(Closed));
        assert_eq!(
            transition(Presented, A::Close, R::Clerk),
            Err(IncomingError::WrongRole)
        );
    }

    #[test]
    fn recall_by_the_sender_ends_any_live_document() {
        for s in [Registered, Presented, Directed, InProgress, Done, Closed] {
            assert_eq!(transition(s, A::Recall, R::Clerk), Ok(Recalled), "{s:?}");
            assert_eq!(
                transition(s, A::Recall, R::Leader),
                Err(IncomingError::WrongRole)
            );
        }
        for s in [Returned, Recalled] {
            assert_eq!(
                transition(s, A::Recall, R::Clerk),
                Err(IncomingError::NotAllowedInState)
            );
        }
        assert_eq!(Recalled.edxml_status(), "15");
    }

    #[test]
    fn wrong_roles_and_states_are_refused() {
        assert_eq!(
            transition(Registered, A::Direct, R::Leader),
            Err(IncomingError::NotAllowedInState)
        );
        assert_eq!(
            transition(Presented, A::Direct, R::Clerk),
            Err(IncomingError::WrongRole)
        );
        assert_eq!(
            transition(Directed, A::Complete, R::Handler),
            Err(IncomingError::NotAllowedInState)
        );
        assert_eq!(
            transition(Directed, A::Start, R::Leader),
            Err(IncomingError::WrongRole)
        );
        for a in IncomingAction::ALL {
            for r in IncomingRole::ALL {
                for s in [Returned, Recalled] {
                    assert!(transition(s, a, r).is_err());
                }
                if transition(Registered, a, r).is_ok() {
                    assert!(a.roles().contains(&r));
                }
            }
        }
        assert!(InProgress.handling_started() && !Directed.handling_started());
    }

    fn direction(lead_days: u32, supporting: &[(&'static str, u32)]) -> Direction<&'static str> {
        Direction {
            instructions: "Giao Sở Tư pháp chủ trì, tham mưu.".into(),
            lead: UnitDeadline {
                unit: "STP",
                due: Deadline::WorkingDays(lead_days),
            },
            supporting: supporting
                .iter()
                .map(|&(unit, days)| UnitDeadline {
                    unit,
                    due: Deadline::WorkingDays(days),
                })
                .collect(),
        }
    }

    #[test]
    fn directions_are_checked() {
        assert_eq!(direction(10, &[("SNV", 5), ("STC", 5)]).validate(), Ok(()));
        assert_eq!(
            direction(0, &[]).validate(),
            Err(DirectionError::DeadlineDays)
        );
        assert_eq!(
            direction(10, &[("SNV", 366)]).validate(),
            Err(DirectionError::DeadlineDays)
        );
        assert_eq!(
            direction(10, &[("STP", 5)]).validate(),
            Err(DirectionError::LeadAlsoSupporting)
        );
        assert_eq!(
            direction(10, &[("SNV", 5), ("SNV", 3)]).validate(),
            Err(DirectionError::DuplicateSupporting)
        );
        let mut long = direction(10, &[]);
        long.instructions = "a".repeat(2_001);
        assert_eq!(long.validate(), Err(DirectionError::InstructionsTooLong));
    }

    #[test]
    fn deadlines_count_working_days_on_the_calendar() {
        let calendar = Calendar::vietnam_default();
        // Thursday 5 November 2026, 09:00: the weekend does not count.
        let d = direction(5, &[("SNV", 2)]);
        let due = d.due_moments(&calendar, at(2026, 11, 5, 9)).unwrap();
        assert_eq!(due[0], ("STP", at(2026, 11, 12, 9)));
        assert_eq!(due[1], ("SNV", at(2026, 11, 9, 9)));
        // Directed on a Saturday evening: counting starts on Monday morning.
        let due = d.due_moments(&calendar, at(2026, 11, 7, 20)).unwrap();
        assert_eq!(due[1].1, at(2026, 11, 10, 17));
    }

    #[test]
    fn deadlines_skip_holidays_and_dates_must_lie_ahead() {
        let calendar = Calendar::vietnam_default();
        // Tuesday 1 September 2026: 2 September (National Day) and its adjacent day off do not
        // count, nor the weekend.
        let d = direction(3, &[]);
        let due = d.due_moments(&calendar, at(2026, 9, 1, 9)).unwrap();
        let plain = at(2026, 9, 4, 9);
        assert!(due[0].1 > plain, "{:?}", due[0]);
        assert!(calendar.is_working_day(due[0].1.date()));
        // A date: due when the office closes that day.
        let mut d = direction(3, &[]);
        let day = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        d.lead.due = Deadline::Date(day);
        assert_eq!(d.validate(), Ok(()));
        let due = d.due_moments(&calendar, at(2026, 11, 5, 9)).unwrap();
        assert_eq!(due[0].1, at(2026, 11, 20, 17));
        // In the past, or the very moment of the direction: refused.
        assert_eq!(
            d.due_moments(&calendar, at(2026, 11, 21, 9)),
            Err(DirectionError::DeadlineDate)
        );
        d.lead.due = Deadline::Date(NaiveDate::from_ymd_opt(2030, 1, 1).unwrap());
        assert_eq!(
            d.due_moments(&calendar, at(2026, 11, 5, 9)),
            Err(DirectionError::DeadlineDate)
        );
    }

    #[test]
    fn duplicates_are_found_whatever_the_typing() {
        let key =
            |n: &str, issuer: &str| duplicate_key(&n.parse::<DocNumber>().unwrap(), issuer, 2026);
        let reference = key("05/QĐ-UBND", "Ủy ban nhân dân tỉnh Thanh Hóa");
        assert_eq!(reference, "2026|5/qd-ubnd|uybannhandantinhthanhhoa");
        for same in [
            key("5/QĐ-UBND", "Ủy ban nhân dân tỉnh Thanh Hóa"),
            key("Số: 05 / qđ – ubnd", "UỶ BAN NHÂN DÂN TỈNH THANH HOÁ"),
            key("05/QD-UBND", "Uy ban nhan dan  tinh Thanh Hoa"),
        ] {
            assert_eq!(same, reference);
        }
        assert_ne!(
            key("06/QĐ-UBND", "Ủy ban nhân dân tỉnh Thanh Hóa"),
            reference
        );
        assert_ne!(key("05/QĐ-UBND", "Sở Tư pháp"), reference);
        assert_ne!(
            duplicate_key(
                &"05/QĐ-UBND".parse().unwrap(),
                "Ủy ban nhân dân tỉnh Thanh Hóa",
                2025
            ),
            reference
        );
        assert_eq!(
            key("15/2020/QĐ-UBND", "000.00.00.H56"),
            "2026|15/2020/qd-ubnd|000.00.00.h56"
        );
    }

    #[test]
    fn incoming_texts_are_their_json() {
        crate::text_enum::assert_text_is_json(&IncomingState::ALL, IncomingState::as_str);
        crate::text_enum::assert_text_is_json(&IncomingRole::ALL, IncomingRole::as_str);
        crate::text_enum::assert_text_is_json(&IncomingAction::ALL, IncomingAction::as_str);
    }
}
