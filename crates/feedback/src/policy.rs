//! Who may do what to a feedback report: the one place the feedback module decides it (the
//! kernel's `Policy`, docs/kernel-design.md §7). Handlers call `check::<FeedbackReportPolicy>`
//! on the loaded report and pages ask `allowed` for what they offer; the service decides again
//! on the row it locks (`FeedbackReportPolicy::decision`, pure).
//!
//! Reports are public, so a refusal is a plain "forbidden", never a pretended absence.
//! Officials of the agency holding a report handle it; system administrators coordinate (they
//! route anything and see what handlers see of a hidden report); the reporter — signed in, or
//! holding the key from their link — rates and reopens the answer.

use super::Report;
use std::future::{Future, ready};
use tinhso_domain::feedback::{Action, transition};
use tinhso_kernel::Ctx;
use tinhso_kernel::auth::policy::{Capability, Cx, Decision, Policy, Refusal, Subject, check};
use tinhso_kernel::auth::{Principal, Role, User};
use tinhso_kernel::error::AppError;

/// What is done to a report, as its policy decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportAction {
    /// A step of the report's life cycle, now (the life cycle has its say too).
    Act(Action),
    /// Hide its content from the public, with a reason.
    Hide,
    /// See what only its handlers see: the reporter's contact, hidden photos and files.
    Handle,
    /// Coordinate the handling across agencies (and see the reason a report was hidden).
    Coordinate,
}

pub struct FeedbackReportPolicy;

impl Policy for FeedbackReportPolicy {
    const KIND: &'static str = "feedback_report";
    const SCOPES: &'static [&'static str] = &["open311"];
    type Entity = Report;
    type Action = ReportAction;
    type Grant = ();

    /// Report actions are taken on pages; a token would need the feedback scope.
    fn scope(_action: ReportAction) -> &'static str {
        "open311"
    }

    /// The reporter's key stands in for an account when rating or reopening.
    fn anonymous_ok(action: ReportAction) -> bool {
        matches!(action, ReportAction::Act(Action::Rate | Action::Reopen))
    }

    fn decide(
        cx: &Cx<'_>,
        who: &Subject<'_>,
        r: &Report,
        action: ReportAction,
    ) -> impl Future<Output = Result<Decision<()>, AppError>> + Send {
        let key = who.capability.map(|Capability::ReporterKey(key)| key);
        ready(Ok(FeedbackReportPolicy::decision(
            cx.secret,
            who.user(),
            key,
            r,
            action,
        )))
    }
}

impl FeedbackReportPolicy {
    /// The decision for `user` (if signed in) or the holder of `key` (if given, it wins: the
    /// person acts as the reporter), without the common prelude: pure.
    pub fn decision(
        secret: &[u8],
        user: Option<&User>,
        key: Option<&str>,
        r: &Report,
        action: ReportAction,
    ) -> Decision<()> {
        let permitted = match (key, user) {
            (Some(key), _) => {
                matches!(action, ReportAction::Act(Action::Rate | Action::Reopen))
                    && is_reporter_key(secret, &r.code, key)
            }
            (None, Some(user)) => user_may(user, r, action),
            (None, None) => return Err(Refusal::SignIn),
        };
        if !permitted {
            return Err(Refusal::Forbidden);
        }
        match action {
            ReportAction::Act(a) => transition(r.status, a, r.reopened)
                .map(|_| ())
                .map_err(|e| Refusal::Conflict(e.to_string())),
            _ => Ok(()),
        }
    }
}

/// Officials of the agency holding the report act on it (a leader routes it on); system
/// administrators route anything; the signed-in reporter rates and reopens.
fn user_may(user: &User, r: &Report, action: ReportAction) -> bool {
    let handler = handles(user, r);
    let coordinator = user.has_role(Role::SystemAdmin);
    match action {
        ReportAction::Act(Action::Rate | Action::Reopen) => {
            r.reporter_id.as_deref() == Some(user.id.as_str())
        }
        ReportAction::Act(Action::Assign) => {
            coordinator || (handler && user.has_role(Role::Leader))
        }
        ReportAction::Act(
            Action::Accept | Action::Answer | Action::Reject | Action::MarkDuplicate,
        ) => handler,
        ReportAction::Hide => handler || coordinator,
        ReportAction::Handle => handler,
        ReportAction::Coordinate => coordinator,
    }
}

/// An official of the agency the report is routed to.
fn handles(user: &User, r: &Report) -> bool {
    user.is_official() && user.agency_id.is_some() && user.agency_id == r.agency_id
}

/// The reporter's key for a report: a MAC of its code under the server secret, so every node
/// checks it without storing it. It lets only the reporter rate or reopen the answer.
pub fn reporter_key(secret: &[u8], code: &str) -> String {
    use base64::Engine;
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(b"feedback:reporter:");
    mac.update(code.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&mac.finalize().into_bytes()[..18])
}

/// Whether `key` is the reporter's key for the report `code` (compared in constant time).
pub fn is_reporter_key(secret: &[u8], code: &str, key: &str) -> bool {
    use subtle::ConstantTimeEq;
    reporter_key(secret, code)
        .as_bytes()
        .ct_eq(key.as_bytes())
        .into()
}

/// How a report comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filing {
    /// The portal's form: anyone, signed in or not.
    Web,
    /// An Open311 client, identified by an API token with the `open311` scope.
    Open311,
}

/// Who may file a report (there is no report yet: the entity is `()`).
pub struct FeedbackFilingPolicy;

impl Policy for FeedbackFilingPolicy {
    const KIND: &'static str = "feedback_report";
    const SCOPES: &'static [&'static str] = &["open311"];
    type Entity = ();
    type Action = Filing;
    type Grant = ();

    fn scope(_filing: Filing) -> &'static str {
        "open311"
    }

    fn anonymous_ok(filing: Filing) -> bool {
        filing == Filing::Web
    }

    /// Filing is what citizens do without any second factor; an administrator's client too.
    fn before_second_factor(_filing: Filing) -> bool {
        true
    }

    fn decide(
        _cx: &Cx<'_>,
        _who: &Subject<'_>,
        _entity: &(),
        _filing: Filing,
    ) -> impl Future<Output = Result<Decision<()>, AppError>> + Send {
        ready(Ok(Ok(())))
    }
}

/// What is managed of feedback as a whole: its categories (with their deadlines) and the
/// routing rules that send a new report to an agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoutingAction {
    Manage,
}

/// Who manages categories and routing: system administrators only. The scope is the catalog's,
/// as it always was, so existing tokens keep working.
pub struct FeedbackRoutingPolicy;

impl Policy for FeedbackRoutingPolicy {
    const KIND: &'static str = "feedback_routing";
    const SCOPES: &'static [&'static str] = &["catalog:write"];
    type Entity = ();
    type Action = RoutingAction;
    type Grant = ();

    fn scope(_action: RoutingAction) -> &'static str {
        "catalog:write"
    }

    fn decide(
        _cx: &Cx<'_>,
        who: &Subject<'_>,
        _entity: &(),
        _action: RoutingAction,
    ) -> impl Future<Output = Result<Decision<()>, AppError>> + Send {
        ready(Ok(match who.user() {
            Some(user) => FeedbackRoutingPolicy::decision(user),
            None => Err(Refusal::SignIn),
        }))
    }
}

impl FeedbackRoutingPolicy {
    /// The decision for a signed-in `user`, without the common prelude: pure.
    pub fn decision(user: &User) -> Decision<()> {
        if user.has_role(Role::SystemAdmin) {
            Ok(())
        } else {
            Err(Refusal::Forbidden)
        }
    }
}

/// Checks that `principal` may manage feedback categories and routing.
pub async fn may_manage_routing(state: &Ctx, principal: &Principal) -> Result<(), AppError> {
    check::<FeedbackRoutingPolicy>(
        &Cx::from(state),
        &Subject::of(principal),
        &(),
        RoutingAction::Manage,
    )
    .await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatisticsAction {
    /// Read the feedback statistics (page, exports, API).
    Read,
}

/// Who reads the feedback statistics: officials. A token needs the `dossiers` scope, as it
/// always did.
pub struct FeedbackStatisticsPolicy;

impl Policy for FeedbackStatisticsPolicy {
    const KIND: &'static str = "feedback_statistics";
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
            Some(user) => FeedbackStatisticsPolicy::decision(user),
            None => Err(Refusal::SignIn),
        }))
    }
}

impl FeedbackStatisticsPolicy {
    /// The decision for a signed-in `user`, without the common prelude: pure.
    pub fn decision(user: &User) -> Decision<()> {
        if user.is_official() {
            Ok(())
        } else {
            Err(Refusal::Forbidden)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{FeedbackReportPolicy as P, ReportAction as A, reporter_key};
    use crate::Report;
    use tinhso_domain::feedback::{Action, Status};
    use tinhso_kernel::auth::policy::Refusal;
    use tinhso_kernel::auth::{Role, User, UserKind};

    const SECRET: &[u8] = b"test secret";

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

    fn report(status: Status) -> Report {
        Report {
            id: "r".into(),
            code: "PA-1".into(),
            category_code: "c".into(),
            category_name: "C".into(),
            title: "T".into(),
            description: "D".into(),
            address: String::new(),
            admin_unit_code: None,
            lat: None,
            lon: None,
            reporter_id: Some("reporter".into()),
            reporter_name: String::new(),
            reporter_email: String::new(),
            reporter_phone: String::new(),
            show_name: false,
            source: "web".into(),
            agency_id: Some("holder".into()),
            agency_name: None,
            status,
            received_local: tinhso_domain::time::LocalDateTime::parse("2026-11-27T08:00:00")
                .expect("a local time"),
            due_local: None,
            answer: None,
            answered_at: None,
            reject_reason: None,
            reopened: false,
            rating: None,
            rating_comment: None,
            duplicate_of: None,
            hidden_reason: None,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    fn decide(user: &User, r: &Report, action: A) -> Result<(), Refusal> {
        P::decision(SECRET, Some(user), None, r, action)
    }

    #[test]
    fn the_holding_agency_handles_and_others_do_not() {
        let r = report(Status::Assigned);
        let clerk = person(
            "c",
            UserKind::Official,
            Some("holder"),
            &[Role::OneStopClerk],
        );
        let elsewhere = person("e", UserKind::Official, Some("other"), &[Role::Leader]);
        let citizen = person("x", UserKind::Citizen, None, &[]);
        assert_eq!(decide(&clerk, &r, A::Act(Action::Accept)), Ok(()));
        assert_eq!(decide(&clerk, &r, A::Handle), Ok(()));
        assert_eq!(decide(&clerk, &r, A::Hide), Ok(()));
        for other in [&elsewhere, &citizen] {
            assert_eq!(
                decide(other, &r, A::Act(Action::Accept)),
                Err(Refusal::Forbidden)
            );
            assert_eq!(decide(other, &r, A::Handle), Err(Refusal::Forbidden));
            assert_eq!(decide(other, &r, A::Hide), Err(Refusal::Forbidden));
        }
        // Routing on is the leader's, or the coordinator's anywhere.
        assert_eq!(
            decide(&clerk, &r, A::Act(Action::Assign)),
            Err(Refusal::Forbidden)
        );
        let leader = person("l", UserKind::Official, Some("holder"), &[Role::Leader]);
        assert_eq!(decide(&leader, &r, A::Act(Action::Assign)), Ok(()));
        let admin = person("a", UserKind::Official, None, &[Role::SystemAdmin]);
        assert_eq!(decide(&admin, &r, A::Act(Action::Assign)), Ok(()));
        assert_eq!(decide(&admin, &r, A::Coordinate), Ok(()));
        assert_eq!(decide(&admin, &r, A::Hide), Ok(()));
        assert_eq!(decide(&admin, &r, A::Handle), Err(Refusal::Forbidden));
        assert_eq!(decide(&clerk, &r, A::Coordinate), Err(Refusal::Forbidden));
    }

    #[test]
    fn the_life_cycle_answers_conflict_for_the_right_person() {
        let r = report(Status::Answered);
        let clerk = person("c", UserKind::Official, Some("holder"), &[]);
        assert!(matches!(
            decide(&clerk, &r, A::Act(Action::Accept)),
            Err(Refusal::Conflict(_))
        ));
    }

    #[test]
    fn the_reporter_rates_signed_in_or_with_the_key() {
        let r = report(Status::Answered);
        let reporter = person("reporter", UserKind::Citizen, None, &[]);
        assert_eq!(decide(&reporter, &r, A::Act(Action::Rate)), Ok(()));
        let key = reporter_key(SECRET, &r.code);
        assert_eq!(
            P::decision(SECRET, None, Some(&key), &r, A::Act(Action::Reopen)),
            Ok(())
        );
        assert_eq!(
            P::decision(SECRET, None, Some("guessed"), &r, A::Act(Action::Rate)),
            Err(Refusal::Forbidden)
        );
        // The key is for rating and reopening only.
        assert_eq!(
            P::decision(SECRET, None, Some(&key), &r, A::Act(Action::Answer)),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            P::decision(SECRET, None, None, &r, A::Act(Action::Rate)),
            Err(Refusal::SignIn)
        );
    }

    #[test]
    fn system_administrators_route_and_officials_read_the_statistics() {
        use super::{FeedbackRoutingPolicy as Routing, FeedbackStatisticsPolicy as Statistics};
        let admin = person("a", UserKind::Official, Some("x"), &[Role::SystemAdmin]);
        let clerk = person("c", UserKind::Official, Some("x"), &[Role::OneStopClerk]);
        let citizen = person("p", UserKind::Citizen, None, &[]);
        assert_eq!(Routing::decision(&admin), Ok(()));
        for other in [&clerk, &citizen] {
            assert_eq!(Routing::decision(other), Err(Refusal::Forbidden));
        }
        assert_eq!(Statistics::decision(&admin), Ok(()));
        assert_eq!(Statistics::decision(&clerk), Ok(()));
        assert_eq!(Statistics::decision(&citizen), Err(Refusal::Forbidden));
    }
}
