//! A unit's part in handling an incoming document (Decree 30/2020, Art. 23.2–24): the lead
//! unit (đơn vị chủ trì) or a supporting one (phối hợp), each with its deadline. The unit's
//! leader passes it down to a specialist; the leader or that specialist reports progress and
//! closes it with a result. When the lead unit closes, the document is handled (`done`).
//!
//! ```text
//! assigned ─pass_down / report→ in_progress ─close→ closed (completed, on time or late)
//!    └──────────────────────close──────────────────→ closed
//! any open assignment → closed by the system: re-directed, document closed, recalled
//! ```

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

text_enum! {
    /// The unit's part in the direction.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum AssignmentRole {
        /// Đơn vị chủ trì: its closing makes the document handled.
        Lead = "lead",
        /// Đơn vị phối hợp.
        Supporting = "supporting",
    }
}

text_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum AssignmentState {
        /// Directed to the unit; nobody there has acted yet.
        Assigned = "assigned",
        /// Passed down to a specialist, or progress reported.
        InProgress = "in_progress",
        Closed = "closed",
    }
}

text_enum! {
    /// Why an assignment was closed.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum CloseReason {
        /// The unit handled it and gave its result.
        Completed = "completed",
        /// The leader directed the document again: a new set of assignments replaces it.
        Redirected = "redirected",
        /// The document was closed while the unit still had it (a supporting unit).
        DocumentClosed = "document_closed",
        /// The sender recalled the document.
        Recalled = "recalled",
    }
}

text_enum! {
    /// Whether a unit finished by its deadline: what the "handled on time / late per unit"
    /// report counts.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Timeliness {
        OnTime = "on_time",
        Late = "late",
    }
}

text_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum AssignmentAction {
        /// The unit's leader gives it to one of the unit's specialists.
        PassDown = "pass_down",
        /// A progress note.
        Report = "report",
        /// Done, with the result.
        Close = "close",
    }
}

/// Who acts on an assignment, before the server checks the unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AssignmentActor {
    /// A leader of the assigned unit.
    UnitLeader,
    /// The specialist the unit's leader passed it to.
    Handler,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssignmentError {
    #[error("Đơn vị đã kết thúc xử lý văn bản này.")]
    Closed,
    #[error("Chỉ lãnh đạo đơn vị được giao văn bản cho chuyên viên.")]
    WrongActor,
}

/// The longest progress or result note, in characters. Ours.
pub const MAX_NOTE_CHARS: usize = 2_000;

/// The assignment's state after `action` by `actor`, or why not.
pub fn act(
    from: AssignmentState,
    action: AssignmentAction,
    actor: AssignmentActor,
) -> Result<AssignmentState, AssignmentError> {
    if from == AssignmentState::Closed {
        return Err(AssignmentError::Closed);
    }
    match (action, actor) {
        (AssignmentAction::PassDown, AssignmentActor::Handler) => Err(AssignmentError::WrongActor),
        (AssignmentAction::PassDown | AssignmentAction::Report, _) => {
            Ok(AssignmentState::InProgress)
        }
        (AssignmentAction::Close, _) => Ok(AssignmentState::Closed),
    }
}

/// On time when closed at or before the due moment (Vietnam local time).
pub fn timeliness(due: NaiveDateTime, closed: NaiveDateTime) -> Timeliness {
    if super::timing::is_late(due, Some(closed), closed) {
        Timeliness::Late
    } else {
        Timeliness::OnTime
    }
}

/// Whether an open assignment is past its deadline at `now`.
pub fn is_overdue(state: AssignmentState, due: NaiveDateTime, now: NaiveDateTime) -> bool {
    state != AssignmentState::Closed && now > due
}

#[cfg(test)]
mod tests {
    use super::*;
    use AssignmentAction as A;
    use AssignmentActor as W;
    use AssignmentState as S;
    use chrono::NaiveDate;

    fn at(d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    }

    #[test]
    fn a_unit_passes_down_reports_and_closes() {
        let s = act(S::Assigned, A::PassDown, W::UnitLeader).unwrap();
        assert_eq!(s, S::InProgress);
        let s = act(s, A::Report, W::Handler).unwrap();
        assert_eq!(s, S::InProgress);
        assert_eq!(act(s, A::Close, W::Handler), Ok(S::Closed));
        // A leader may close at once.
        assert_eq!(act(S::Assigned, A::Close, W::UnitLeader), Ok(S::Closed));
    }

    #[test]
    fn only_the_unit_leader_passes_down_and_nothing_follows_a_close() {
        assert_eq!(
            act(S::InProgress, A::PassDown, W::Handler),
            Err(AssignmentError::WrongActor)
        );
        for a in AssignmentAction::ALL {
            for w in [W::UnitLeader, W::Handler] {
                assert_eq!(act(S::Closed, a, w), Err(AssignmentError::Closed));
            }
        }
    }

    #[test]
    fn on_time_up_to_the_due_moment() {
        let due = at(20, 17);
        assert_eq!(timeliness(due, due), Timeliness::OnTime);
        assert_eq!(timeliness(due, at(19, 9)), Timeliness::OnTime);
        assert_eq!(timeliness(due, at(23, 8)), Timeliness::Late);
        assert!(is_overdue(S::Assigned, due, at(21, 8)));
        assert!(!is_overdue(S::Closed, due, at(21, 8)));
        assert!(!is_overdue(S::InProgress, due, at(20, 16)));
    }

    #[test]
    fn assignment_texts_are_their_json() {
        crate::text_enum::assert_text_is_json(&AssignmentRole::ALL, AssignmentRole::as_str);
        crate::text_enum::assert_text_is_json(&AssignmentState::ALL, AssignmentState::as_str);
        crate::text_enum::assert_text_is_json(&CloseReason::ALL, CloseReason::as_str);
        crate::text_enum::assert_text_is_json(&Timeliness::ALL, Timeliness::as_str);
        crate::text_enum::assert_text_is_json(&AssignmentAction::ALL, AssignmentAction::as_str);
    }
}
