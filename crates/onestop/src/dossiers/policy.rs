//! Who may do what to a dossier: the one place the one-stop module decides it (the kernel's
//! `Policy`, docs/kernel-design.md §7). Handlers call `check::<DossierPolicy>` after loading the
//! dossier; services decide again on the row they lock (`DossierPolicy::decision` and friends,
//! pure), so a change between the page and the transaction cannot slip through.
//!
//! The applicant acts on their own dossier; officials act on the dossiers their agency holds,
//! in a role the action allows (and, for a processing step, the step's own role); a dossier
//! assigned to a named specialist is theirs for the specialist's actions. Someone who may not
//! read a dossier is told it does not exist, so codes cannot be probed.

use super::{Dossier, store};
use std::future::{Future, ready};
use tinhso_domain::dossier::{self, Action, Actor, TransitionError, is_final};
use tinhso_kernel::Ctx;
use tinhso_kernel::auth::policy::{Cx, Decision, Policy, Refusal, Subject, check, prelude_of};
use tinhso_kernel::auth::{Principal, Role, User};
use tinhso_kernel::error::AppError;

/// What is done to a dossier, as its policy decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DossierAction {
    /// Read it: its page, the API, its files, forms and receipts.
    View,
    /// Take a step of the procedure, now (the state machine has its say too).
    Act(Action),
    /// Choose the specialist who handles it.
    Assign,
    /// Pay what is still due.
    Pay,
    /// Rate its handling, once, when the result is returned.
    Rate,
}

pub struct DossierPolicy;

impl Policy for DossierPolicy {
    const KIND: &'static str = "dossier";
    const SCOPES: &'static [&'static str] = &["dossiers"];
    type Entity = Dossier;
    type Action = DossierAction;
    /// For `Act`, the role the caller acts in; `None` for the other actions.
    type Grant = Option<Actor>;

    fn scope(_action: DossierAction) -> &'static str {
        "dossiers"
    }

    fn decide(
        _cx: &Cx<'_>,
        who: &Subject<'_>,
        d: &Dossier,
        action: DossierAction,
    ) -> impl Future<Output = Result<Decision<Option<Actor>>, AppError>> + Send {
        ready(Ok(match who.user() {
            Some(user) => DossierPolicy::decision(user, d, action),
            None => Err(Refusal::SignIn),
        }))
    }
}

impl DossierPolicy {
    /// The decision for a signed-in `user`, without the common prelude: pure.
    pub fn decision(user: &User, d: &Dossier, action: DossierAction) -> Decision<Option<Actor>> {
        match action {
            DossierAction::View => viewing(user, d).map(|()| None),
            DossierAction::Act(a) => DossierPolicy::actor(user, d, a).map(Some),
            DossierAction::Assign => DossierPolicy::assigning(user, d).map(|()| None),
            DossierAction::Pay => DossierPolicy::paying(&user.id, d).map(|()| None),
            DossierAction::Rate => DossierPolicy::rating(user, d).map(|()| None),
        }
    }

    /// The role in which `user` takes `action` on `d`, if the state machine allows it now.
    pub fn actor(user: &User, d: &Dossier, action: Action) -> Decision<Actor> {
        let actor = actor_for(user, d, action).ok_or(Refusal::Forbidden)?;
        dossier::transition(d.position(), action, actor).map_err(|e| match e {
            TransitionError::WrongActor => Refusal::Forbidden,
            other => Refusal::Conflict(other.to_string()),
        })?;
        Ok(actor)
    }

    /// A leader or one-stop clerk of the agency holding `d` chooses its specialist, while it is
    /// filed and not finished; officials of other agencies do not see it at all.
    pub fn assigning(user: &User, d: &Dossier) -> Decision<()> {
        if !of_holding_agency(user, d) {
            return Err(Refusal::Hidden);
        }
        if !(user.has_role(Role::Leader) || user.has_role(Role::OneStopClerk)) {
            return Err(Refusal::Forbidden);
        }
        if d.code.is_none() || is_final(d.state) {
            return Err(Refusal::Conflict(
                "Hồ sơ đã kết thúc hoặc chưa nộp, không phân công được.".into(),
            ));
        }
        Ok(())
    }

    /// The applicant (`user_id`) pays what is still due on a filed, running dossier.
    pub fn paying(user_id: &str, d: &Dossier) -> Decision<()> {
        if d.applicant_id.as_deref() != Some(user_id) {
            return Err(Refusal::Hidden);
        }
        if d.fee_due - d.fee_paid <= 0 || d.code.is_none() || is_final(d.state) {
            return Err(Refusal::Conflict(
                "Hồ sơ không còn khoản phí, lệ phí nào phải nộp.".into(),
            ));
        }
        Ok(())
    }

    /// The applicant rates a returned dossier, once.
    pub fn rating(user: &User, d: &Dossier) -> Decision<()> {
        if d.applicant_id.as_deref() != Some(user.id.as_str()) {
            return Err(Refusal::Forbidden);
        }
        if d.state != dossier::DossierState::Returned {
            return Err(Refusal::Conflict(
                "Chỉ đánh giá được khi hồ sơ đã có kết quả.".into(),
            ));
        }
        if d.rating.is_some() {
            return Err(Refusal::Conflict("Bạn đã đánh giá hồ sơ này.".into()));
        }
        Ok(())
    }
}

/// Its applicant, an official of the agency holding it, or a system administrator reads a
/// dossier; to anyone else it does not exist.
fn viewing(user: &User, d: &Dossier) -> Decision<()> {
    let reads = d.applicant_id.as_deref() == Some(user.id.as_str())
        || of_holding_agency(user, d)
        || user.has_role(Role::SystemAdmin);
    if reads { Ok(()) } else { Err(Refusal::Hidden) }
}

fn of_holding_agency(user: &User, d: &Dossier) -> bool {
    user.is_official() && user.agency_id.as_deref() == Some(d.agency_id.as_str())
}

/// The role in which `user` may take `action` on `d`, state aside: the applicant for the
/// applicant's actions, else an official of the agency holding the dossier with a role the
/// action allows (and, for a processing step, the step's own role).
fn actor_for(user: &User, d: &Dossier, action: Action) -> Option<Actor> {
    let allowed = action.actors();
    if allowed.contains(&Actor::Applicant) {
        return (d.applicant_id.as_deref() == Some(user.id.as_str())).then_some(Actor::Applicant);
    }
    if !of_holding_agency(user, d) {
        return None;
    }
    let step_role = d.current_step().map(|s| s.role.as_str());
    // A dossier assigned to a named specialist is theirs: other specialists keep acting only
    // on unassigned dossiers of their agency, as before assignment existed.
    let assigned_elsewhere = d
        .assignee_id
        .as_deref()
        .is_some_and(|id| id != user.id.as_str());
    allowed
        .iter()
        .copied()
        .filter(|a| user.has_role(role_of(*a)))
        .filter(|a| !(*a == Actor::Specialist && assigned_elsewhere))
        .find(|a| match action {
            Action::CompleteStep => step_role == Some(role_of(*a).as_str()),
            _ => true,
        })
}

fn role_of(actor: Actor) -> Role {
    match actor {
        Actor::OneStopClerk | Actor::Applicant => Role::OneStopClerk,
        Actor::Specialist => Role::Specialist,
        Actor::Leader => Role::Leader,
    }
}

/// What is done with dossiers as a whole, before there is one to decide on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueAction {
    /// File a dossier (or save a draft) through the API.
    Submit,
    /// Read one's own store of papers.
    Papers,
    /// List the dossiers assigned to oneself.
    Work,
}

/// Who submits and lists dossiers: anyone signed in (what they see is their own); a token
/// needs the `dossiers` scope.
pub struct DossierQueuePolicy;

impl Policy for DossierQueuePolicy {
    const KIND: &'static str = "dossier_queue";
    const SCOPES: &'static [&'static str] = &["dossiers"];
    type Entity = ();
    type Action = QueueAction;
    type Grant = ();

    fn scope(_action: QueueAction) -> &'static str {
        "dossiers"
    }

    fn decide(
        _cx: &Cx<'_>,
        who: &Subject<'_>,
        _entity: &(),
        _action: QueueAction,
    ) -> impl Future<Output = Result<Decision<()>, AppError>> + Send {
        ready(Ok(match who.user() {
            Some(_) => Ok(()),
            None => Err(Refusal::SignIn),
        }))
    }
}

/// Checks that `principal` may take the queue `action`.
pub async fn may_queue(
    state: &Ctx,
    principal: &Principal,
    action: QueueAction,
) -> Result<(), AppError> {
    check::<DossierQueuePolicy>(&Cx::from(state), &Subject::of(principal), &(), action).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatisticsAction {
    /// Read the one-stop statistics (page, exports, API) of one's agencies.
    Read,
}

/// Who reads the one-stop statistics: officials (which agencies they see is the report's
/// scope: all for a system administrator, else their own agency and those below it).
pub struct DossierStatisticsPolicy;

impl Policy for DossierStatisticsPolicy {
    const KIND: &'static str = "dossier_statistics";
    const SCOPES: &'static [&'static str] = &["dossiers"];
    type Entity = ();
    type Action = StatisticsAction;
    type Grant = ();

    fn scope(_action: StatisticsAction) -> &'static str {
        "dossiers"
    }

    fn decide(
        _cx: &Cx<'_>,
        who: &Subject<'_>,
        _entity: &(),
        _action: StatisticsAction,
    ) -> impl Future<Output = Result<Decision<()>, AppError>> + Send {
        ready(Ok(match who.user() {
            Some(user) => DossierStatisticsPolicy::decision(user),
            None => Err(Refusal::SignIn),
        }))
    }
}

impl DossierStatisticsPolicy {
    /// The decision for a signed-in `user`, without the common prelude: pure.
    pub fn decision(user: &User) -> Decision<()> {
        if user.is_official() {
            Ok(())
        } else {
            Err(Refusal::Forbidden)
        }
    }
}

/// Loads a dossier `principal` may read; others get "not found", so codes cannot be probed.
pub async fn visible(state: &Ctx, principal: &Principal, id: &str) -> Result<Dossier, AppError> {
    checked(state, principal, id, DossierAction::View).await
}

/// Loads dossier `id` and checks that `principal` may take `action` on it. The prelude
/// (sign-in, token scope, second factor) comes before the lookup, as it always did.
pub async fn checked(
    state: &Ctx,
    principal: &Principal,
    id: &str,
    action: DossierAction,
) -> Result<Dossier, AppError> {
    let who = Subject::of(principal);
    prelude_of::<DossierPolicy>(&who, action)?;
    let d = store::by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    check::<DossierPolicy>(&Cx::from(state), &who, &d, action).await?;
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::{DossierAction as A, DossierPolicy, Refusal};
    use crate::dossiers::Dossier;
    use tinhso_domain::calendar::WorkDuration;
    use tinhso_domain::dossier::{Action, Actor, Channel, DossierState};
    use tinhso_domain::procedure::Step;
    use tinhso_kernel::auth::{Role, User, UserKind};

    fn person(id: &str, kind: UserKind, agency: Option<&str>, roles: &[Role]) -> User {
        User {
            id: id.into(),
            kind,
            full_name: id.into(),
            email: None,
            agency_id: agency.map(Into::into),
            roles: roles.to_vec(),
            totp_enabled: true,
        }
    }

    fn citizen() -> User {
        person("citizen", UserKind::Citizen, None, &[])
    }

    fn official(id: &str, agency: &str, roles: &[Role]) -> User {
        person(id, UserKind::Official, Some(agency), roles)
    }

    fn dossier(state: DossierState) -> Dossier {
        let step = |role: &str| Step {
            name: role.into(),
            role: role.into(),
            budget: WorkDuration::default(),
        };
        Dossier {
            id: "d".into(),
            code: "000.00.60.H56-261124-0001".parse().ok(),
            procedure_code: "p".into(),
            procedure_name: "P".into(),
            agency_id: "holder".into(),
            agency_code: "000.00.60.H56".into(),
            agency_name: "A".into(),
            applicant_id: Some("citizen".into()),
            applicant_name: "C".into(),
            applicant_email: String::new(),
            applicant_phone: String::new(),
            channel: Channel::Online,
            state,
            step: 0,
            steps: ["one_stop_clerk", "specialist", "leader", "one_stop_clerk"]
                .into_iter()
                .map(step)
                .collect(),
            processing: WorkDuration::default(),
            cutoff: None,
            answers: Default::default(),
            idempotency_key: None,
            clock_start: None,
            due: None,
            submitted_at: None,
            accepted_at: None,
            finished_at: None,
            finished_local: None,
            supplement_requests: 0,
            outcome: None,
            apologised: false,
            fee_due: 0,
            fee_paid: 0,
            group_id: None,
            rating: None,
            rating_comment: None,
            rated_at: None,
            assignee_id: None,
            assignee_name: None,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    #[test]
    fn strangers_do_not_see_a_dossier() {
        let d = dossier(DossierState::Submitted);
        let other_agency = official("o", "elsewhere", &[Role::OneStopClerk]);
        let other_citizen = person("x", UserKind::Citizen, None, &[]);
        for user in [other_agency, other_citizen] {
            assert_eq!(
                DossierPolicy::decision(&user, &d, A::View),
                Err(Refusal::Hidden)
            );
        }
        for user in [
            citizen(),
            official("c", "holder", &[]),
            person("s", UserKind::Official, None, &[Role::SystemAdmin]),
        ] {
            assert_eq!(DossierPolicy::decision(&user, &d, A::View), Ok(None));
        }
    }

    #[test]
    fn the_desk_accepts_and_the_applicant_withdraws() {
        let d = dossier(DossierState::Submitted);
        let clerk = official("c", "holder", &[Role::OneStopClerk]);
        assert_eq!(
            DossierPolicy::actor(&clerk, &d, Action::Accept),
            Ok(Actor::OneStopClerk)
        );
        assert_eq!(
            DossierPolicy::actor(&citizen(), &d, Action::Accept),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            DossierPolicy::actor(&citizen(), &d, Action::Withdraw),
            Ok(Actor::Applicant)
        );
        assert_eq!(
            DossierPolicy::actor(&clerk, &d, Action::Withdraw),
            Err(Refusal::Forbidden)
        );
        let elsewhere = official("e", "elsewhere", &[Role::OneStopClerk]);
        assert_eq!(
            DossierPolicy::actor(&elsewhere, &d, Action::Accept),
            Err(Refusal::Forbidden)
        );
    }

    #[test]
    fn the_state_machine_answers_conflict_for_the_right_person() {
        let d = dossier(DossierState::Returned);
        assert!(matches!(
            DossierPolicy::actor(&citizen(), &d, Action::Withdraw),
            Err(Refusal::Conflict(_))
        ));
    }

    #[test]
    fn a_step_is_completed_in_its_own_role_and_by_the_assignee() {
        let mut d = dossier(DossierState::InProgress);
        d.step = 1; // the specialist's step
        let specialist = official("s", "holder", &[Role::Specialist]);
        let leader = official("l", "holder", &[Role::Leader]);
        assert_eq!(
            DossierPolicy::actor(&specialist, &d, Action::CompleteStep),
            Ok(Actor::Specialist)
        );
        assert_eq!(
            DossierPolicy::actor(&leader, &d, Action::CompleteStep),
            Err(Refusal::Forbidden)
        );
        d.assignee_id = Some("someone else".into());
        assert_eq!(
            DossierPolicy::actor(&specialist, &d, Action::CompleteStep),
            Err(Refusal::Forbidden)
        );
        d.assignee_id = Some("s".into());
        assert_eq!(
            DossierPolicy::actor(&specialist, &d, Action::CompleteStep),
            Ok(Actor::Specialist)
        );
    }

    #[test]
    fn assignment_is_for_the_holding_agency_leader_or_desk() {
        let d = dossier(DossierState::Submitted);
        let leader = official("l", "holder", &[Role::Leader]);
        let admin = official("a", "holder", &[Role::AgencyAdmin]);
        let elsewhere = official("e", "elsewhere", &[Role::Leader]);
        assert_eq!(DossierPolicy::assigning(&leader, &d), Ok(()));
        assert_eq!(
            DossierPolicy::assigning(&admin, &d),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            DossierPolicy::assigning(&elsewhere, &d),
            Err(Refusal::Hidden)
        );
        assert_eq!(
            DossierPolicy::assigning(&citizen(), &d),
            Err(Refusal::Hidden)
        );
        let finished = dossier(DossierState::Returned);
        assert!(matches!(
            DossierPolicy::assigning(&leader, &finished),
            Err(Refusal::Conflict(_))
        ));
    }

    #[test]
    fn the_applicant_pays_what_is_due_and_rates_once() {
        let mut d = dossier(DossierState::InProgress);
        assert!(matches!(
            DossierPolicy::paying("citizen", &d),
            Err(Refusal::Conflict(_))
        ));
        d.fee_due = 50_000;
        assert_eq!(DossierPolicy::paying("citizen", &d), Ok(()));
        assert_eq!(DossierPolicy::paying("other", &d), Err(Refusal::Hidden));
        assert!(matches!(
            DossierPolicy::rating(&citizen(), &d),
            Err(Refusal::Conflict(_))
        ));
        d.state = DossierState::Returned;
        assert_eq!(DossierPolicy::rating(&citizen(), &d), Ok(()));
        let clerk = official("c", "holder", &[Role::OneStopClerk]);
        assert_eq!(DossierPolicy::rating(&clerk, &d), Err(Refusal::Forbidden));
        d.rating = Some(4);
        assert!(matches!(
            DossierPolicy::rating(&citizen(), &d),
            Err(Refusal::Conflict(_))
        ));
    }

    #[test]
    fn officials_read_the_statistics() {
        use super::DossierStatisticsPolicy as S;
        let clerk = official("c", "x", &[Role::OneStopClerk]);
        assert_eq!(S::decision(&clerk), Ok(()));
        assert_eq!(S::decision(&citizen()), Err(Refusal::Forbidden));
    }
}
