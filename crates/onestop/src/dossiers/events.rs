//! The events a dossier's life emits (docs/kernel-design.md §6.8), one per timeline row, in the
//! transaction that writes it. Stream `dossier:<id>`. Payloads carry ids, codes, states and
//! local times, never the applicant's name, email or phone; a subscriber that needs the note
//! an official wrote reads the timeline row named by `timeline_id`.
//!
//! The payload fields are a contract with the subscribers (stored events are delivered, and
//! retried, by later releases): a field is added freely, but one that changes meaning or goes
//! raises the kind's `version`. Local times are `LocalDateTime` texts (Vietnam time).
//!
//! Every processing action (`payload`):
//! - `dossier_id`, `code` (the national code), `procedure_code`,
//!   `agency_code` (the agency holding it after the action), `from` and `to` (states), `step`,
//!   `timeline_id` (its `dossier_events` row: the official's note, the actor's name);
//! - `dossier.submitted`: `channel` (`online`, `counter`, `post`), `due`;
//! - `dossier.accepted`: `due` (the appointment), `clock_start`;
//! - `dossier.supplemented`: `due` (recomputed);
//! - `dossier.step_completed`, `dossier.approved`: `outcome`;
//! - `dossier.forwarded`: `from_agency`, `to_agency` (codes);
//! - `dossier.apologised`: `previous_due`, `new_due`.
//!
//! `dossier.rated` (`service::rate`): `dossier_id`, `code`, `rating`.
//! `dossier.assigned` (`assignment::assign`): `dossier_id`, `code`, `agency_code`,
//! `assignee_id`, `previous` (the former assignee's id, or null).
//!
//! Read by `notices::NOTIFY_APPLICANT`: `code`, `channel` (an online application gets a
//! receipt; one registered at the counter or by post is accepted at once and told that),
//! `due`, `new_due`, `timeline_id`. By `notices::NOTIFY_ASSIGNEE`: `code`, `assignee_id`,
//! `previous`.

use super::{Dossier, LocalDateTime};
use serde_json::{Value, json};
use tinhso_domain::dossier::{Action, DossierState};
use tinhso_kernel::events::EventKind;

pub const SUBMITTED: EventKind = EventKind::new("dossier.submitted", "dossier");
pub const ACCEPTED: EventKind = EventKind::new("dossier.accepted", "dossier");
pub const REFUSED: EventKind = EventKind::new("dossier.refused", "dossier");
pub const STOPPED: EventKind = EventKind::new("dossier.stopped", "dossier");
pub const SUPPLEMENT_REQUESTED: EventKind =
    EventKind::new("dossier.supplement_requested", "dossier");
pub const SUPPLEMENTED: EventKind = EventKind::new("dossier.supplemented", "dossier");
pub const STEP_COMPLETED: EventKind = EventKind::new("dossier.step_completed", "dossier");
pub const APPROVED: EventKind = EventKind::new("dossier.approved", "dossier");
pub const RETURNED: EventKind = EventKind::new("dossier.returned", "dossier");
pub const FORWARDED: EventKind = EventKind::new("dossier.forwarded", "dossier");
pub const APOLOGISED: EventKind = EventKind::new("dossier.apologised", "dossier");
pub const WITHDRAWN: EventKind = EventKind::new("dossier.withdrawn", "dossier");
pub const RATED: EventKind = EventKind::new("dossier.rated", "dossier");
pub const ASSIGNED: EventKind = EventKind::new("dossier.assigned", "dossier");

/// Every kind above, for the manifest to come.
pub const ALL: &[EventKind] = &[
    SUBMITTED,
    ACCEPTED,
    REFUSED,
    STOPPED,
    SUPPLEMENT_REQUESTED,
    SUPPLEMENTED,
    STEP_COMPLETED,
    APPROVED,
    RETURNED,
    FORWARDED,
    APOLOGISED,
    WITHDRAWN,
    RATED,
    ASSIGNED,
];

/// The event a processing action emits.
pub fn of_action(action: Action) -> &'static EventKind {
    match action {
        Action::Submit => &SUBMITTED,
        Action::Accept => &ACCEPTED,
        Action::Refuse => &REFUSED,
        Action::RequestSupplement => &SUPPLEMENT_REQUESTED,
        Action::Supplement => &SUPPLEMENTED,
        Action::CompleteStep => &STEP_COMPLETED,
        Action::Approve => &APPROVED,
        Action::ReturnResult => &RETURNED,
        Action::Stop => &STOPPED,
        Action::Withdraw => &WITHDRAWN,
        Action::Forward => &FORWARDED,
        Action::Apologize => &APOLOGISED,
    }
}

/// The payload of the event of `action`, taken on `d` as it now is (after the action), from
/// state `from`; `detail` is what the timeline row keeps of the action.
pub fn payload(
    action: Action,
    d: &Dossier,
    from: DossierState,
    timeline_id: &str,
    detail: &Value,
) -> Value {
    let mut p = json!({
        "dossier_id": d.id,
        "code": d.code,
        "procedure_code": d.procedure_code,
        "agency_code": d.agency_code,
        "from": from.as_str(),
        "to": d.state.as_str(),
        "step": d.step,
        "timeline_id": timeline_id,
    });
    let extra = match action {
        Action::Submit => {
            json!({ "channel": d.channel, "due": d.due.map(LocalDateTime::to_text) })
        }
        Action::Accept => json!({
            "due": d.due.map(LocalDateTime::to_text),
            "clock_start": d.clock_start.map(LocalDateTime::to_text),
        }),
        Action::Supplement => json!({ "due": d.due.map(LocalDateTime::to_text) }),
        Action::Approve | Action::CompleteStep => {
            json!({ "outcome": d.outcome.map(|o| o.as_str()) })
        }
        Action::Forward => json!({ "from_agency": detail["from"], "to_agency": detail["to"] }),
        Action::Apologize => {
            json!({ "previous_due": detail["previous_due"], "new_due": detail["new_due"] })
        }
        Action::Refuse
        | Action::Stop
        | Action::RequestSupplement
        | Action::ReturnResult
        | Action::Withdraw => json!({}),
    };
    if let (Some(p), Some(extra)) = (p.as_object_mut(), extra.as_object()) {
        p.extend(extra.clone());
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_its_own_kind_on_the_dossier_stream() {
        let actions = [
            Action::Submit,
            Action::Accept,
            Action::Refuse,
            Action::RequestSupplement,
            Action::Supplement,
            Action::CompleteStep,
            Action::Approve,
            Action::ReturnResult,
            Action::Stop,
            Action::Withdraw,
            Action::Forward,
            Action::Apologize,
        ];
        let mut names: Vec<&str> = actions.iter().map(|a| of_action(*a).name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), actions.len());
        assert!(ALL.iter().all(|k| k.aggregate == "dossier"));
        assert!(names.iter().all(|n| ALL.iter().any(|k| k.name == *n)));
    }
}
