//! One-stop dossiers (hồ sơ một cửa): the national dossier code and the processing state
//! machine. Pure rules; storage and HTTP live in the server.

use crate::agency_code::AgencyCode;
use crate::time::LocalDateTime;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// `<receiving agency code>-<yymmdd>-<4-digit sequence within the day>`, e.g.
/// `000.17.22.H56-210531-0001`.
///
/// Overflow: the national format gives the sequence four digits, written with leading zeros;
/// it sets no rule for a 10,000th dossier in a day, and refusing citizens is no answer. Past
/// 9,999 the sequence widens to five digits (`…-210531-10000`, up to 99,999): the code keeps
/// its three parts, stays unique, and reads as the number it is, and the national portal takes
/// `MaHoSo` as text. Operators are warned from `SEQUENCE_WARNING` on, well before the widening.
///
/// Serialized as its text, as it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DossierCode {
    pub agency: AgencyCode,
    pub date: NaiveDate,
    pub sequence: u32,
}

/// The most dossiers an agency can receive in one day (five digits).
pub const MAX_SEQUENCE: u32 = 99_999;
/// Where the four-digit space ends and the documented five-digit overflow begins.
pub const FOUR_DIGIT_SEQUENCE: u32 = 9_999;
/// The day's count at which operators are first warned.
pub const SEQUENCE_WARNING: u32 = 8_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DossierCodeError {
    #[error("Mã hồ sơ có dạng 000.17.22.H56-210531-0001.")]
    Format,
    #[error("Số thứ tự hồ sơ trong ngày phải từ 1 đến 99999.")]
    Sequence,
}

impl DossierCode {
    pub fn new(
        agency: AgencyCode,
        date: NaiveDate,
        sequence: i64,
    ) -> Result<Self, DossierCodeError> {
        let sequence = u32::try_from(sequence)
            .ok()
            .filter(|s| (1..=MAX_SEQUENCE).contains(s))
            .ok_or(DossierCodeError::Sequence)?;
        Ok(Self {
            agency,
            date,
            sequence,
        })
    }

    /// Whether this number should warn operators that the day's numbers are running out: at
    /// the warning level, at each further thousand, at the last four-digit number, and as the
    /// five-digit space runs out.
    pub fn sequence_needs_warning(sequence: u32) -> bool {
        (sequence >= SEQUENCE_WARNING && sequence.is_multiple_of(1_000))
            || sequence == FOUR_DIGIT_SEQUENCE
            || sequence == MAX_SEQUENCE - 1_000
    }

    /// The name of the per-agency, per-day counter that numbers dossiers.
    pub fn sequence_name(agency: &AgencyCode, date: NaiveDate) -> String {
        format!("dossier:{agency}:{}", date.format("%y%m%d"))
    }
}

impl fmt::Display for DossierCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}-{:04}",
            self.agency,
            self.date.format("%y%m%d"),
            self.sequence
        )
    }
}

impl TryFrom<String> for DossierCode {
    type Error = DossierCodeError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<DossierCode> for String {
    fn from(code: DossierCode) -> String {
        code.to_string()
    }
}

impl FromStr for DossierCode {
    type Err = DossierCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.trim().rsplitn(3, '-');
        let (Some(seq), Some(date), Some(agency)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(DossierCodeError::Format);
        };
        let agency: AgencyCode = agency.parse().map_err(|_| DossierCodeError::Format)?;
        // Four digits with leading zeros, or the five-digit overflow (never zero-padded, so
        // each number has one spelling).
        let widened = seq.len() == 5 && !seq.starts_with('0');
        if date.len() != 6
            || !(seq.len() == 4 || widened)
            || !seq.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(DossierCodeError::Format);
        }
        let date = NaiveDate::parse_from_str(&format!("20{date}"), "%Y%m%d")
            .map_err(|_| DossierCodeError::Format)?;
        let sequence: i64 = seq.parse().map_err(|_| DossierCodeError::Format)?;
        DossierCode::new(agency, date, sequence)
    }
}

text_enum! {
    /// Where a dossier stands in its processing.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum DossierState {
        /// Saved by the citizen, not submitted.
        Draft = "draft",
        /// Submitted (online, at the counter or by post), waiting for the one-stop desk.
        Submitted = "submitted",
        /// Accepted; `step` says which processing step holds it.
        InProgress = "in_progress",
        /// Waiting for the citizen's supplement (form 02); the clock is stopped.
        SupplementRequested = "supplement_requested",
        /// Refused at reception (form 03).
        Refused = "refused",
        /// Processing finished and approved; the result waits to be returned.
        Approved = "approved",
        /// The result was handed to the citizen.
        Returned = "returned",
        /// Processing stopped (form 05).
        Stopped = "stopped",
        /// Withdrawn by the citizen.
        Withdrawn = "withdrawn",
    }
}

text_enum! {
    /// How a dossier reached the desk.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Channel {
        /// Filed by the applicant on the portal.
        Online = "online",
        /// Handed in at the one-stop desk and registered by a clerk.
        Counter = "counter",
        /// Sent by the public postal service and registered by a clerk.
        Post = "post",
    }
}

text_enum! {
    /// Who may take an action, before the agency check that the server adds.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Actor {
        Applicant = "applicant",
        OneStopClerk = "one_stop_clerk",
        Specialist = "specialist",
        Leader = "leader",
    }
}

text_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Action {
        Submit = "submit",
        Accept = "accept",
        Refuse = "refuse",
        RequestSupplement = "request_supplement",
        Supplement = "supplement",
        /// Finish the current processing step and hand the dossier to the next one.
        CompleteStep = "complete_step",
        Approve = "approve",
        ReturnResult = "return_result",
        Stop = "stop",
        Withdraw = "withdraw",
        /// Transfer a dossier received at the wrong desk to the competent agency.
        Forward = "forward",
        /// Issue the apology letter and a new appointment (form 04) for a dossier about to be late.
        Apologize = "apologize",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("Không thể thực hiện thao tác này khi hồ sơ đang ở trạng thái hiện tại.")]
    NotAllowedInState,
    #[error("Vai trò của bạn không được thực hiện thao tác này.")]
    WrongActor,
    #[error("Hồ sơ chưa qua hết các bước xử lý.")]
    StepsRemaining,
}

impl Action {
    /// The actors allowed to take the action.
    pub fn actors(self) -> &'static [Actor] {
        use Actor::*;
        match self {
            Action::Submit | Action::Supplement | Action::Withdraw => &[Applicant],
            Action::Accept | Action::Refuse | Action::ReturnResult => &[OneStopClerk],
            Action::RequestSupplement => &[OneStopClerk, Specialist],
            Action::CompleteStep => &[OneStopClerk, Specialist, Leader],
            Action::Approve | Action::Stop => &[Leader],
            Action::Forward => &[OneStopClerk],
            Action::Apologize => &[OneStopClerk, Leader],
        }
    }

    /// Whether the action cannot be undone, so that pages ask for an explicit confirmation
    /// first: it ends the dossier (refusal, stop, withdrawal, result returned) or hands it to
    /// another agency, out of the actor's reach.
    pub fn is_irreversible(self) -> bool {
        matches!(
            self,
            Action::Refuse
                | Action::Stop
                | Action::Withdraw
                | Action::ReturnResult
                | Action::Forward
        )
    }
}

text_enum! {
    /// How pressing a dossier is for the official who holds it, in the order "my work" shows
    /// them: overdue first, then due today, then the rest by due moment, then those whose clock
    /// has not started.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Urgency {
        Overdue = "overdue",
        DueToday = "due_today",
        Later = "later",
        NoDeadline = "no_deadline",
    }
}

/// The urgency of a dossier due at `due` (local time), seen at `now`.
pub fn urgency(due: Option<LocalDateTime>, now: LocalDateTime) -> Urgency {
    match due {
        None => Urgency::NoDeadline,
        Some(due) if due < now => Urgency::Overdue,
        Some(due) if due.naive().date() == now.naive().date() => Urgency::DueToday,
        Some(_) => Urgency::Later,
    }
}

/// The processing position: state plus the index of the current step (0-based) out of `steps`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub state: DossierState,
    pub step: u16,
    pub steps: u16,
}

/// Applies `action` by `actor`, or says why not. The state machine knows nothing of agencies
/// or deadlines; the server checks those around it.
pub fn transition(
    from: Position,
    action: Action,
    actor: Actor,
) -> Result<Position, TransitionError> {
    use DossierState::*;
    if !action.actors().contains(&actor) {
        return Err(TransitionError::WrongActor);
    }
    let at = |state, step| {
        Ok(Position {
            state,
            step,
            ..from
        })
    };
    match (from.state, action) {
        (Draft, Action::Submit) => at(Submitted, 0),
        (Draft | Submitted | SupplementRequested, Action::Withdraw) => at(Withdrawn, from.step),
        (Submitted, Action::Accept) => at(InProgress, 1.min(from.steps.saturating_sub(1))),
        (Submitted, Action::Refuse) => at(Refused, from.step),
        (Submitted | InProgress, Action::RequestSupplement) => at(SupplementRequested, from.step),
        (SupplementRequested, Action::Supplement) => at(
            if from.step == 0 {
                Submitted
            } else {
                InProgress
            },
            from.step,
        ),
        (InProgress, Action::CompleteStep) => {
            // The last step before returning the result is the leader's approval.
            if from.step + 2 >= from.steps {
                Err(TransitionError::StepsRemaining)
            } else {
                at(InProgress, from.step + 1)
            }
        }
        (InProgress, Action::Approve) if from.step + 2 >= from.steps => at(Approved, from.step),
        (InProgress, Action::Approve) => Err(TransitionError::StepsRemaining),
        (Approved, Action::ReturnResult) => at(Returned, from.steps.saturating_sub(1)),
        (InProgress | SupplementRequested, Action::Stop) => at(Stopped, from.step),
        (Submitted, Action::Forward) => at(Submitted, 0),
        (InProgress | SupplementRequested, Action::Apologize) => at(from.state, from.step),
        _ => Err(TransitionError::NotAllowedInState),
    }
}

/// The states that lead back to intake, where a dossier may be forwarded, when it is at its
/// first step (step 0): a supplement asked for before the first step was done brings it back
/// to intake.
pub const BACK_TO_INTAKE_AT_STEP_ZERO: [DossierState; 2] =
    [DossierState::SupplementRequested, DossierState::InProgress];

/// Whether a dossier at `position` may still be forwarded to another agency, now or later: at
/// intake, or on its way back there ([`BACK_TO_INTAKE_AT_STEP_ZERO`]). Forwarding is the one
/// action that moves a submitted dossier's agency, so the published statistics keep a closed
/// period's figures only when none of its dossiers may (docs/opendata-design.md §10).
pub fn may_be_forwarded(position: Position) -> bool {
    position.state == DossierState::Submitted
        || (position.step == 0 && BACK_TO_INTAKE_AT_STEP_ZERO.contains(&position.state))
}

/// The national public-service portal's 10 dossier states.
pub fn national_state(position: Position) -> u8 {
    use DossierState::*;
    match position.state {
        Draft | Submitted => 1,
        InProgress if position.step <= 1 => 2,
        InProgress => 4,
        Refused => 3,
        SupplementRequested => 5,
        Withdrawn => 7,
        Stopped => 8,
        Approved => 9,
        Returned => 10,
    }
}

text_enum! {
    /// How a processed dossier counts in the national on-time indicator.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Outcome {
        Early = "early",
        OnTime = "on_time",
        Late = "late",
    }
}

/// The outcome of a dossier finished at `status` (from the calendar, supplement waits already
/// excluded) after `supplement_requests` requests: the national indicator counts a dossier
/// asked for papers more than once as late, whatever the dates say.
pub fn outcome(status: crate::calendar::DeadlineStatus, supplement_requests: u32) -> Outcome {
    use crate::calendar::DeadlineStatus::*;
    match status {
        _ if supplement_requests > 1 => Outcome::Late,
        Early => Outcome::Early,
        OnTime | OnTrack | DueSoon => Outcome::OnTime,
        Late | Overdue => Outcome::Late,
    }
}

/// On-time rate as the national indicator computes it: (early + on time) ÷ processed, in
/// percent; `None` when nothing was processed.
pub fn on_time_rate(early: u64, on_time: u64, late: u64) -> Option<f64> {
    let processed = early + on_time + late;
    (processed > 0).then(|| (early + on_time) as f64 * 100.0 / processed as f64)
}

/// Whether the dossier has ended (no further action but rating).
pub fn is_final(state: DossierState) -> bool {
    matches!(
        state,
        DossierState::Refused
            | DossierState::Returned
            | DossierState::Stopped
            | DossierState::Withdrawn
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn my_work_puts_overdue_then_due_today_then_the_rest_by_date() {
        use super::{Urgency, urgency};
        let at = |d: u32, h: u32| -> LocalDateTime {
            NaiveDate::from_ymd_opt(2026, 11, d)
                .unwrap()
                .and_hms_opt(h, 0, 0)
                .unwrap()
                .into()
        };
        let now = at(26, 10);
        assert_eq!(urgency(Some(at(26, 9)), now), Urgency::Overdue);
        assert_eq!(urgency(Some(at(20, 16)), now), Urgency::Overdue);
        assert_eq!(urgency(Some(at(26, 10)), now), Urgency::DueToday);
        assert_eq!(urgency(Some(at(26, 16)), now), Urgency::DueToday);
        assert_eq!(urgency(Some(at(27, 8)), now), Urgency::Later);
        assert_eq!(urgency(None, now), Urgency::NoDeadline);
        let mut dues = [
            Some(at(30, 8)),
            None,
            Some(at(26, 16)),
            Some(at(27, 8)),
            Some(at(25, 8)),
            Some(at(26, 11)),
        ];
        dues.sort_by_key(|d| (urgency(*d, now), *d));
        assert_eq!(
            dues,
            [
                Some(at(25, 8)),
                Some(at(26, 11)),
                Some(at(26, 16)),
                Some(at(27, 8)),
                Some(at(30, 8)),
                None
            ]
        );
    }

    #[test]
    fn every_action_that_ends_or_hands_over_a_dossier_is_irreversible() {
        use super::Action::*;
        for a in [Refuse, Stop, Withdraw, ReturnResult, Forward] {
            assert!(a.is_irreversible(), "{a:?}");
        }
        for a in [
            Submit,
            Accept,
            RequestSupplement,
            Supplement,
            CompleteStep,
            Approve,
            Apologize,
        ] {
            assert!(!a.is_irreversible(), "{a:?}");
        }
    }

    use super::*;
    use DossierState::*;
    use proptest::prelude::*;

    fn code() -> AgencyCode {
        "000.17.22.H56".parse().unwrap()
    }

    #[test]
    fn dossier_code_round_trips() {
        let c = DossierCode::new(code(), NaiveDate::from_ymd_opt(2021, 5, 31).unwrap(), 1).unwrap();
        assert_eq!(c.to_string(), "000.17.22.H56-210531-0001");
        assert_eq!(
            "000.17.22.H56-210531-0001".parse::<DossierCode>().unwrap(),
            c
        );
        for bad in [
            "",
            "000.17.22.H56-210531-001",
            "000.17.22.H56-211331-0001",
            "000.17.22.H56-210531-0000",
            "17.22.H56-210531-0001",
            "000.17.22.H56210531-0001",
        ] {
            assert!(bad.parse::<DossierCode>().is_err(), "{bad}");
        }
        assert_eq!(
            DossierCode::new(
                code(),
                NaiveDate::from_ymd_opt(2021, 5, 31).unwrap(),
                100_000
            ),
            Err(DossierCodeError::Sequence)
        );
    }

    #[test]
    fn dossier_code_serializes_as_its_text() {
        let c: DossierCode = "000.17.22.H56-210531-0001".parse().unwrap();
        assert_eq!(
            serde_json::to_value(c).unwrap(),
            "000.17.22.H56-210531-0001"
        );
        assert_eq!(
            serde_json::from_value::<DossierCode>("000.17.22.H56-210531-0001".into()).unwrap(),
            c
        );
        assert!(serde_json::from_value::<DossierCode>("000.17.22.H56-210531-001".into()).is_err());
    }

    #[test]
    fn past_9999_the_sequence_widens_to_five_digits() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let last = DossierCode::new(code(), day, 9_999).unwrap();
        let next = DossierCode::new(code(), day, 10_000).unwrap();
        assert_eq!(last.to_string(), "000.17.22.H56-261130-9999");
        assert_eq!(next.to_string(), "000.17.22.H56-261130-10000");
        assert_eq!(next.to_string().parse::<DossierCode>().unwrap(), next);
        let top = DossierCode::new(code(), day, 99_999).unwrap();
        assert_eq!(top.to_string().parse::<DossierCode>().unwrap(), top);
        for bad in ["000.17.22.H56-261130-01000", "000.17.22.H56-261130-100000"] {
            assert!(bad.parse::<DossierCode>().is_err(), "{bad}");
        }
    }

    #[test]
    fn operators_are_warned_well_before_the_numbers_run_out() {
        let warned: Vec<u32> = (1..=MAX_SEQUENCE)
            .filter(|s| DossierCode::sequence_needs_warning(*s))
            .collect();
        assert_eq!(warned[..4], [8_000, 9_000, 9_999, 10_000]);
        assert!(warned.contains(&98_999));
        assert!(!warned.contains(&7_999) && !warned.contains(&8_001));
    }

    fn start(steps: u16) -> Position {
        Position {
            state: Draft,
            step: 0,
            steps,
        }
    }

    #[test]
    fn the_whole_journey_with_a_supplement() {
        // receive → specialist review → leader approval → return result
        let p = transition(start(4), Action::Submit, Actor::Applicant).unwrap();
        let p = transition(p, Action::Accept, Actor::OneStopClerk).unwrap();
        assert_eq!((p.state, p.step, national_state(p)), (InProgress, 1, 2));
        let p = transition(p, Action::RequestSupplement, Actor::Specialist).unwrap();
        assert_eq!(national_state(p), 5);
        let p = transition(p, Action::Supplement, Actor::Applicant).unwrap();
        assert_eq!((p.state, p.step), (InProgress, 1));
        let p = transition(p, Action::CompleteStep, Actor::Specialist).unwrap();
        assert_eq!((p.step, national_state(p)), (2, 4));
        assert_eq!(
            transition(p, Action::CompleteStep, Actor::Leader),
            Err(TransitionError::StepsRemaining)
        );
        let p = transition(p, Action::Approve, Actor::Leader).unwrap();
        assert_eq!(national_state(p), 9);
        let p = transition(p, Action::ReturnResult, Actor::OneStopClerk).unwrap();
        assert_eq!((p.state, national_state(p)), (Returned, 10));
        assert!(is_final(p.state));
    }

    #[test]
    fn forged_transitions_are_refused() {
        let submitted = transition(start(4), Action::Submit, Actor::Applicant).unwrap();
        assert_eq!(
            transition(submitted, Action::Accept, Actor::Applicant),
            Err(TransitionError::WrongActor)
        );
        assert_eq!(
            transition(submitted, Action::Approve, Actor::Leader),
            Err(TransitionError::NotAllowedInState)
        );
        let returned = Position {
            state: Returned,
            step: 3,
            steps: 4,
        };
        assert_eq!(
            transition(returned, Action::Approve, Actor::Leader),
            Err(TransitionError::NotAllowedInState)
        );
        assert_eq!(
            transition(submitted, Action::Refuse, Actor::OneStopClerk)
                .unwrap()
                .state,
            Refused
        );
        let early = transition(submitted, Action::Accept, Actor::OneStopClerk).unwrap();
        assert_eq!(
            transition(early, Action::Approve, Actor::Leader),
            Err(TransitionError::StepsRemaining)
        );
    }

    #[test]
    fn forward_and_apology_keep_the_dossier_where_it_is() {
        let submitted = transition(start(4), Action::Submit, Actor::Applicant).unwrap();
        let forwarded = transition(submitted, Action::Forward, Actor::OneStopClerk).unwrap();
        assert_eq!(forwarded.state, Submitted);
        let accepted = transition(forwarded, Action::Accept, Actor::OneStopClerk).unwrap();
        assert_eq!(
            transition(accepted, Action::Forward, Actor::OneStopClerk),
            Err(TransitionError::NotAllowedInState)
        );
        assert_eq!(
            transition(accepted, Action::Apologize, Actor::Leader).unwrap(),
            accepted
        );
        assert_eq!(
            transition(submitted, Action::Apologize, Actor::Leader),
            Err(TransitionError::NotAllowedInState)
        );
        assert_eq!(
            transition(accepted, Action::Apologize, Actor::Applicant),
            Err(TransitionError::WrongActor)
        );
    }

    #[test]
    fn the_national_indicator_counts_repeated_supplements_as_late() {
        use crate::calendar::DeadlineStatus;
        assert_eq!(outcome(DeadlineStatus::Early, 0), Outcome::Early);
        assert_eq!(outcome(DeadlineStatus::OnTime, 1), Outcome::OnTime);
        assert_eq!(outcome(DeadlineStatus::Early, 2), Outcome::Late);
        assert_eq!(outcome(DeadlineStatus::Late, 0), Outcome::Late);
        assert_eq!(on_time_rate(3, 5, 2), Some(80.0));
        assert_eq!(on_time_rate(0, 0, 0), None);
    }

    #[test]
    fn channel_text_is_its_json() {
        crate::text_enum::assert_text_is_json(&Channel::ALL, Channel::as_str);
    }

    #[test]
    fn dossier_state_text_is_its_json() {
        crate::text_enum::assert_text_is_json(&DossierState::ALL, DossierState::as_str);
    }

    #[test]
    fn actor_text_is_its_json() {
        crate::text_enum::assert_text_is_json(&Actor::ALL, Actor::as_str);
    }

    #[test]
    fn action_text_is_its_json() {
        crate::text_enum::assert_text_is_json(&Action::ALL, Action::as_str);
    }

    #[test]
    fn urgency_text_is_its_json() {
        crate::text_enum::assert_text_is_json(&Urgency::ALL, Urgency::as_str);
    }

    #[test]
    fn outcome_text_is_its_json() {
        crate::text_enum::assert_text_is_json(&Outcome::ALL, Outcome::as_str);
    }

    proptest! {
        #[test]
        fn final_states_accept_nothing(steps in 3u16..8, action_index in 0usize..12, actor_index in 0usize..4) {
            let actions = [Action::Submit, Action::Accept, Action::Refuse, Action::RequestSupplement, Action::Supplement,
                Action::CompleteStep, Action::Approve, Action::ReturnResult, Action::Stop, Action::Withdraw,
                Action::Forward, Action::Apologize];
            let actors = [Actor::Applicant, Actor::OneStopClerk, Actor::Specialist, Actor::Leader];
            for state in [Refused, Returned, Stopped, Withdrawn] {
                let p = Position { state, step: 1, steps };
                prop_assert!(transition(p, actions[action_index], actors[actor_index]).is_err());
            }
        }

        #[test]
        fn parser_never_panics(s in "\\PC{0,40}") {
            let _ = s.parse::<DossierCode>();
        }
    }

    /// Every position of a submitted dossier from which some sequence of actions reaches a
    /// forward is one `may_be_forwarded` names, and the other way round: the published
    /// statistics rely on it to keep a closed period's figures.
    #[test]
    fn a_dossier_may_be_forwarded_exactly_from_the_positions_named() {
        use std::collections::BTreeSet;
        for steps in 1..=5_u16 {
            let mut positions = Vec::new();
            // A draft counts in no period until submitted, then in today's.
            for state in DossierState::ALL.into_iter().filter(|s| *s != Draft) {
                for step in 0..steps {
                    positions.push(Position { state, step, steps });
                }
            }
            let next = |p: Position| -> Vec<Position> {
                let mut out = Vec::new();
                for action in Action::ALL {
                    for actor in Actor::ALL {
                        if let Ok(to) = transition(p, action, actor) {
                            out.push(to);
                        }
                    }
                }
                out
            };
            let forwards_now = |p: Position| {
                Actor::ALL
                    .iter()
                    .any(|a| transition(p, Action::Forward, *a).is_ok())
            };
            for start in &positions {
                let key = |p: &Position| (p.state.as_str(), p.step);
                let mut seen = BTreeSet::from([key(start)]);
                let mut todo = vec![*start];
                let mut reaches = false;
                while let Some(p) = todo.pop() {
                    reaches |= forwards_now(p);
                    for to in next(p) {
                        if seen.insert(key(&to)) {
                            todo.push(to);
                        }
                    }
                }
                assert_eq!(
                    reaches,
                    may_be_forwarded(*start),
                    "{start:?} of {steps} steps"
                );
            }
        }
    }
}
