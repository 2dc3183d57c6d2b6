//! One-stop dossiers (hồ sơ một cửa): submission, processing, deadlines, public tracking,
//! ratings and statistics. The rules live in `tinhso_domain::dossier` and `::calendar`; this
//! module applies them to stored dossiers inside transactions, with the audit trail.

pub mod api;
pub mod appointments;
pub mod assignment;
pub mod citizen;
pub mod decision;
pub mod events;
pub mod forms;
pub mod linked;
pub mod notices;
pub mod office;
pub mod papers;
pub mod policy;
pub mod service;
pub mod stats;
pub mod store;
pub mod upload;

use chrono::NaiveDateTime;
use serde::Serialize;
use std::collections::BTreeMap;
use tinhso_domain::calendar::{Calendar, DeadlineStatus, Remaining, WorkDuration};
use tinhso_domain::dossier::{Channel, DossierCode, DossierState, Outcome, Position};
use tinhso_domain::procedure::Step;
pub use tinhso_domain::time::LocalDateTime;

/// A dossier as stored, with its agency's code and name.
#[derive(Debug, Clone, Serialize)]
pub struct Dossier {
    pub id: String,
    /// The national dossier code, given at submission (serialized as its text).
    pub code: Option<DossierCode>,
    pub procedure_code: String,
    pub procedure_name: String,
    pub agency_id: String,
    pub agency_code: String,
    pub agency_name: String,
    pub applicant_id: Option<String>,
    pub applicant_name: String,
    pub applicant_email: String,
    pub applicant_phone: String,
    pub channel: Channel,
    pub state: DossierState,
    pub step: u16,
    pub steps: Vec<Step>,
    pub processing: WorkDuration,
    pub cutoff: Option<String>,
    pub answers: BTreeMap<String, String>,
    #[serde(skip)]
    pub idempotency_key: Option<String>,
    /// When the processing clock started (Vietnam local time).
    pub clock_start: Option<LocalDateTime>,
    /// The appointment: when the result is due (Vietnam local time).
    pub due: Option<LocalDateTime>,
    pub submitted_at: Option<String>,
    pub accepted_at: Option<String>,
    pub finished_at: Option<String>,
    /// When it was approved, on the calendar's clock.
    pub finished_local: Option<LocalDateTime>,
    pub supplement_requests: u32,
    pub outcome: Option<Outcome>,
    pub apologised: bool,
    pub fee_due: i64,
    pub fee_paid: i64,
    pub group_id: Option<String>,
    pub rating: Option<i64>,
    pub rating_comment: Option<String>,
    pub rated_at: Option<String>,
    /// The specialist named to process it, if a leader or the desk chose one.
    pub assignee_id: Option<String>,
    #[serde(skip)]
    pub assignee_name: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Dossier {
    pub fn position(&self) -> Position {
        Position {
            state: self.state,
            step: self.step,
            steps: self.steps.len() as u16,
        }
    }

    /// The step holding the dossier now, when it is being processed.
    pub fn current_step(&self) -> Option<&Step> {
        matches!(
            self.state,
            DossierState::InProgress | DossierState::SupplementRequested
        )
        .then(|| self.steps.get(self.step as usize))
        .flatten()
    }

    pub fn national_state(&self) -> u8 {
        tinhso_domain::dossier::national_state(self.position())
    }

    /// Deadline status now: early / on time / late once processed, else on track / due soon /
    /// overdue. `None` before the clock starts.
    pub fn deadline_status(
        &self,
        calendar: &Calendar,
        now: NaiveDateTime,
    ) -> Option<DeadlineStatus> {
        let due = self.due?.naive();
        if let Some(outcome) = self.outcome {
            return Some(match outcome {
                Outcome::Early => DeadlineStatus::Early,
                Outcome::OnTime => DeadlineStatus::OnTime,
                Outcome::Late => DeadlineStatus::Late,
            });
        }
        if tinhso_domain::dossier::is_final(self.state) {
            return None;
        }
        if self.state == DossierState::SupplementRequested {
            // The clock is stopped: nothing runs late while the citizen has the dossier.
            return Some(DeadlineStatus::OnTrack);
        }
        // The province's due-soon rule, relative to this dossier's processing time.
        calendar.pending_status(due, now, self.processing).ok()
    }

    /// Working time left (or overdue by), in working days and hours, while the clock runs.
    pub fn remaining(&self, calendar: &Calendar, now: NaiveDateTime) -> Option<Remaining> {
        let due = self.due?.naive();
        if self.outcome.is_some()
            || tinhso_domain::dossier::is_final(self.state)
            || self.state == DossierState::SupplementRequested
        {
            return None;
        }
        if now > due {
            // How late, counted the same way.
            let late = calendar.remaining(due, now).ok()?;
            return Some(Remaining {
                overdue: true,
                ..late
            });
        }
        calendar.remaining(now, due).ok()
    }
}

// The calendar reasons in Vietnam local time; its helpers live with the other clocks.
pub use tinhso_kernel::time::{display_local, local_now, local_text, parse_local};
