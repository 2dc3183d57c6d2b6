//! The events a report's life emits (docs/kernel-design.md §6.8), in the transaction that
//! writes its timeline row. Stream `feedback:<report id>`. Payloads carry ids, codes and
//! statuses, never the reporter's name, email or phone; the note of an answer or a refusal is
//! on the timeline row named by `timeline_id`.
//!
//! The payload fields are a contract with the subscribers (stored events are delivered, and
//! retried, by later releases): a field is added freely, but one that changes meaning or goes
//! raises the kind's `version`.
//!
//! Every kind (`payload`): `report_id`, `code`, `category`, `agency_id` (the agency holding it
//! after the change, or null), `from` and `to` (statuses), `timeline_id` (its
//! `feedback_events` row, with the note; null for `feedback.hidden`). Besides:
//! - `feedback.submitted`: `admin_unit`, `source`, `due` (the answer's deadline, a
//!   `LocalDateTime` text);
//! - `feedback.assigned`: `previous_agency_id`, `agency_code`;
//! - `feedback.answered`: `files` (how many were published with the answer);
//! - `feedback.rated`: `rating`;
//! - `feedback.marked_duplicate`: `duplicate_of` (the original's code), `duplicate_of_id`.
//!
//! Read by `notices::NOTIFY_FOLLOWERS`: `due`, `timeline_id` (the answer, the reason of a
//! refusal), `duplicate_of`.

use serde_json::{Value, json};
use tinhso_domain::feedback::{Action, Status};
use tinhso_kernel::events::EventKind;

pub const SUBMITTED: EventKind = EventKind::new("feedback.submitted", "feedback");
pub const ASSIGNED: EventKind = EventKind::new("feedback.assigned", "feedback");
pub const ACCEPTED: EventKind = EventKind::new("feedback.accepted", "feedback");
pub const ANSWERED: EventKind = EventKind::new("feedback.answered", "feedback");
pub const REJECTED: EventKind = EventKind::new("feedback.rejected", "feedback");
pub const MARKED_DUPLICATE: EventKind = EventKind::new("feedback.marked_duplicate", "feedback");
pub const REOPENED: EventKind = EventKind::new("feedback.reopened", "feedback");
pub const RATED: EventKind = EventKind::new("feedback.rated", "feedback");
pub const HIDDEN: EventKind = EventKind::new("feedback.hidden", "feedback");

/// Every kind above, for the manifest to come.
pub const ALL: &[EventKind] = &[
    SUBMITTED,
    ASSIGNED,
    ACCEPTED,
    ANSWERED,
    REJECTED,
    MARKED_DUPLICATE,
    REOPENED,
    RATED,
    HIDDEN,
];

/// The event an action on a report emits.
pub fn of_action(action: Action) -> &'static EventKind {
    match action {
        Action::Assign => &ASSIGNED,
        Action::Accept => &ACCEPTED,
        Action::Answer => &ANSWERED,
        Action::Reject => &REJECTED,
        Action::Reopen => &REOPENED,
        Action::Rate => &RATED,
        Action::MarkDuplicate => &MARKED_DUPLICATE,
    }
}

/// What every feedback event says of its report.
pub struct Facts<'a> {
    pub report_id: &'a str,
    pub code: &'a str,
    pub category: &'a str,
    /// The agency holding the report after the change, if any.
    pub agency_id: Option<&'a str>,
}

/// The payload: the report's facts, the change of status, the timeline row, and `extra`
/// (an object) merged in.
pub fn payload(
    facts: &Facts<'_>,
    from: Status,
    to: Status,
    timeline_id: Option<&str>,
    extra: Value,
) -> Value {
    let mut p = json!({
        "report_id": facts.report_id,
        "code": facts.code,
        "category": facts.category,
        "agency_id": facts.agency_id,
        "from": from.as_str(),
        "to": to.as_str(),
        "timeline_id": timeline_id,
    });
    if let (Some(p), Some(extra)) = (p.as_object_mut(), extra.as_object()) {
        p.extend(extra.clone());
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_its_own_kind_on_the_report_stream() {
        let actions = [
            Action::Assign,
            Action::Accept,
            Action::Answer,
            Action::Reject,
            Action::Reopen,
            Action::Rate,
            Action::MarkDuplicate,
        ];
        let mut names: Vec<&str> = actions.iter().map(|a| of_action(*a).name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), actions.len());
        assert!(ALL.iter().all(|k| k.aggregate == "feedback"));
    }
}
