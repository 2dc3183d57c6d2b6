//! Who may do what to a document: the one place the documents module decides it (the kernel's
//! `Policy`, as one-stop's `DossierPolicy`). Handlers call `check::<DocumentPolicy>` after
//! loading the document; the service decides again on the row it locked.
//!
//! Outgoing (Decree 30/2020, Art. 10–13): the drafter (the specialist who created the draft)
//! submits it; a leader of the drafting unit reviews the content (of the issuing agency itself
//! when the drafter works there directly); the issuing agency's document clerk checks the form
//! and, once a leader of the issuing agency has approved and signed, issues it. Those people
//! read it; to anyone else it does not exist (404). Incoming: the people of the agency that
//! received it read it. Someone who reads a document but holds no role the action needs is
//! refused (403); an action the state does not allow is a conflict (409).

use crate::{Direction, Document, State};
use std::future::Future;
use tinhso_domain::official_doc::incoming::{self, IncomingAction, IncomingError, IncomingRole};
use tinhso_domain::official_doc::outgoing::{self, OutgoingAction, OutgoingError, OutgoingRole};
use tinhso_kernel::Ctx;
use tinhso_kernel::auth::policy::{Cx, Decision, Policy, Refusal, Subject, check, prelude_of};
use tinhso_kernel::auth::{Principal, Role, User};
use tinhso_kernel::error::AppError;

/// What is done to a document, as its policy decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentAction {
    /// Read it: metadata, versions, recipients.
    View,
    /// Upload a new version of the draft.
    UploadVersion,
    /// Add or remove an appendix in a separate file (phụ lục): as its own file, the drafter
    /// while it is a draft; an issued document's appendices are what was issued.
    EditAppendices,
    /// Take a step of the outgoing flow (the state machine has its say too).
    Act(OutgoingAction),
    /// See who read it and when: the clerks and leaders of the agency holding it.
    ReadLog,
    /// Take a step of the incoming flow (present, direct, close; the state machine has its say
    /// too).
    Process(IncomingAction),
    /// Comment on a version of a draft under review.
    Comment,
}

/// How a person takes part in handling an incoming document through its units' assignments
/// (`processing_store::involvement`): none for anyone else.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Involvement {
    /// Works in a unit the document was directed to, or handles it there: reads it.
    pub unit: bool,
    /// Leads the lead unit or handles its assignment: the incoming flow's handler.
    pub lead: bool,
}

pub struct DocumentPolicy;

/// The token scope of the documents API.
pub const SCOPE: &str = "documents";

impl Policy for DocumentPolicy {
    const KIND: &'static str = "document";
    type Entity = Document;
    type Action = DocumentAction;
    /// For `Act`, the role the caller acts in; `None` for the other actions.
    type Grant = Option<OutgoingRole>;
    const SCOPES: &'static [&'static str] = &[SCOPE];

    fn scope(_action: DocumentAction) -> &'static str {
        SCOPE
    }

    fn decide(
        cx: &Cx<'_>,
        who: &Subject<'_>,
        d: &Document,
        action: DocumentAction,
    ) -> impl Future<Output = Result<Decision<Option<OutgoingRole>>, AppError>> + Send {
        let db = cx.db;
        async move {
            let Some(user) = who.user() else {
                return Ok(Err(Refusal::SignIn));
            };
            let involvement = if d.direction == Direction::In {
                crate::store::processing::involvement(db, &d.id, user).await?
            } else {
                Involvement::default()
            };
            Ok(DocumentPolicy::decision_with(user, d, action, involvement))
        }
    }
}

impl DocumentPolicy {
    /// The decision for a signed-in `user` who takes no part in any unit's handling, without
    /// the common prelude: pure.
    pub fn decision(
        user: &User,
        d: &Document,
        action: DocumentAction,
    ) -> Decision<Option<OutgoingRole>> {
        DocumentPolicy::decision_with(user, d, action, Involvement::default())
    }

    /// The decision for a signed-in `user` with their part in the document's assignments.
    pub fn decision_with(
        user: &User,
        d: &Document,
        action: DocumentAction,
        involvement: Involvement,
    ) -> Decision<Option<OutgoingRole>> {
        if !reads(user, d) && !involvement.unit {
            return Err(Refusal::Hidden);
        }
        match action {
            DocumentAction::View => Ok(None),
            DocumentAction::UploadVersion => {
                if d.direction != Direction::Out || d.drafter_id.as_deref() != Some(&user.id) {
                    return Err(Refusal::Forbidden);
                }
                match d.outgoing_state() {
                    Some(s) if outgoing::is_editable(s) => Ok(None),
                    _ => Err(Refusal::Conflict(
                        "Chỉ tải phiên bản mới khi văn bản còn là dự thảo.".into(),
                    )),
                }
            }
            DocumentAction::EditAppendices => {
                if d.direction != Direction::Out || d.drafter_id.as_deref() != Some(&user.id) {
                    return Err(Refusal::Forbidden);
                }
                match d.outgoing_state() {
                    Some(s) if outgoing::is_editable(s) => Ok(None),
                    _ => Err(Refusal::Conflict(
                        "Chỉ thêm hoặc gỡ phụ lục khi văn bản còn là dự thảo; phụ lục của văn bản đã trình duyệt hoặc đã ban hành không thay đổi được.".into(),
                    )),
                }
            }
            DocumentAction::Act(a) => DocumentPolicy::actor(user, d, a).map(Some),
            DocumentAction::ReadLog => {
                let keeps = user.agency_id.as_deref() == Some(d.agency_id.as_str())
                    && (user.has_role(Role::DocumentClerk) || user.has_role(Role::Leader));
                if keeps {
                    Ok(None)
                } else {
                    Err(Refusal::Forbidden)
                }
            }
            DocumentAction::Process(a) => {
                DocumentPolicy::incoming_actor(user, d, a, involvement).map(|_| None)
            }
            DocumentAction::Comment => match d.outgoing_state() {
                Some(s) if outgoing::is_editable(s) || under_review(s) => Ok(None),
                Some(_) => Err(Refusal::Conflict(
                    "Chỉ góp ý khi văn bản còn là dự thảo đang soạn thảo hoặc trình duyệt.".into(),
                )),
                None => Err(Refusal::Conflict(
                    "Chỉ góp ý trên dự thảo văn bản đi.".into(),
                )),
            },
        }
    }

    /// The role in which `user` takes `action` on incoming document `d`, if the state machine
    /// allows it now.
    pub fn incoming_actor(
        user: &User,
        d: &Document,
        action: IncomingAction,
        involvement: Involvement,
    ) -> Decision<IncomingRole> {
        let State::In(state) = d.state else {
            return Err(Refusal::Conflict(
                "Thao tác này chỉ dành cho văn bản đến.".into(),
            ));
        };
        let held = incoming_roles(user, d, involvement);
        if !action.roles().iter().any(|r| held.contains(r)) {
            return Err(Refusal::Forbidden);
        }
        let mut last = IncomingError::WrongRole;
        for role in held {
            match incoming::transition(state, action, role) {
                Ok(_) => return Ok(role),
                Err(e) => last = e,
            }
        }
        Err(match last {
            IncomingError::WrongRole => Refusal::Forbidden,
            other => Refusal::Conflict(other.to_string()),
        })
    }

    /// The role in which `user` takes `action` on outgoing document `d`, if the state machine
    /// allows it now.
    pub fn actor(user: &User, d: &Document, action: OutgoingAction) -> Decision<OutgoingRole> {
        let Some(state) = d.outgoing_state() else {
            return Err(Refusal::Conflict(
                "Thao tác này chỉ dành cho văn bản đi.".into(),
            ));
        };
        let held = roles(user, d);
        if !action.roles().iter().any(|r| held.contains(r)) {
            return Err(Refusal::Forbidden);
        }
        let mut last = OutgoingError::WrongRole;
        for role in held {
            match outgoing::transition(state, action, role) {
                Ok(_) => return Ok(role),
                Err(e) => last = e,
            }
        }
        Err(match last {
            OutgoingError::WrongRole => Refusal::Forbidden,
            other => Refusal::Conflict(other.to_string()),
        })
    }
}

/// The roles `user` holds on outgoing document `d`.
pub fn roles(user: &User, d: &Document) -> Vec<OutgoingRole> {
    let mut held = Vec::new();
    if d.direction != Direction::Out || !user.is_official() {
        return held;
    }
    let agency = user.agency_id.as_deref();
    let of_issuer = agency == Some(d.agency_id.as_str());
    if d.drafter_id.as_deref() == Some(user.id.as_str()) {
        held.push(OutgoingRole::Drafter);
    }
    if user.has_role(Role::Leader) && agency == Some(d.reviewing_unit()) {
        held.push(OutgoingRole::UnitHead);
    }
    if of_issuer && user.has_role(Role::DocumentClerk) {
        held.push(OutgoingRole::FormChecker);
        held.push(OutgoingRole::Clerk);
    }
    if of_issuer && user.has_role(Role::Leader) {
        held.push(OutgoingRole::Signer);
    }
    held
}

/// Whether a draft is on its way to signature (reviewers and the approver comment on it).
fn under_review(s: outgoing::OutgoingState) -> bool {
    use outgoing::OutgoingState as S;
    matches!(s, S::InReview | S::FormCheck | S::AwaitingApproval)
}

/// The roles `user` holds on incoming document `d`: the clerk and the leaders of the agency
/// holding it, and the lead unit's people (`involvement`).
pub fn incoming_roles(user: &User, d: &Document, involvement: Involvement) -> Vec<IncomingRole> {
    let mut held = Vec::new();
    if d.direction != Direction::In || !user.is_official() {
        return held;
    }
    let of_agency = user.agency_id.as_deref() == Some(d.agency_id.as_str());
    if of_agency && user.has_role(Role::DocumentClerk) {
        held.push(IncomingRole::Clerk);
    }
    if of_agency && user.has_role(Role::Leader) {
        held.push(IncomingRole::Leader);
    }
    if involvement.lead {
        held.push(IncomingRole::Handler);
    }
    held
}

/// Whether `user` may read `d` at all: who handles an outgoing document; the people of the
/// agency holding an incoming one.
fn reads(user: &User, d: &Document) -> bool {
    match d.direction {
        Direction::Out => !roles(user, d).is_empty(),
        Direction::In => user.is_official() && user.agency_id.as_deref() == Some(&d.agency_id),
    }
}

/// Whether `user` may draft documents issued by `issuer_id`, from `unit_id` (a unit of the
/// issuer, or the issuer itself): a specialist or leader working in that unit.
pub fn may_draft(user: &User, issuer_id: &str, unit_id: Option<&str>) -> bool {
    let works_there = user.agency_id.as_deref() == Some(unit_id.unwrap_or(issuer_id))
        || user.agency_id.as_deref() == Some(issuer_id);
    user.is_official()
        && works_there
        && (user.has_role(Role::Specialist) || user.has_role(Role::Leader))
}

/// Whether `user` registers incoming documents and reads the incoming list of their agency:
/// its document clerk (văn thư), and its leaders for the list.
pub fn keeps_incoming(user: &User, register: bool) -> bool {
    user.is_official()
        && user.agency_id.is_some()
        && (user.has_role(Role::DocumentClerk) || (!register && user.has_role(Role::Leader)))
}

/// Loads document `id` and checks that `principal` may take `action` on it; someone who may
/// not read it is told it does not exist.
pub async fn checked(
    state: &Ctx,
    principal: &Principal,
    id: &str,
    action: DocumentAction,
) -> Result<(Document, Option<OutgoingRole>), AppError> {
    let who = Subject::of(principal);
    prelude_of::<DocumentPolicy>(&who, action)?;
    let d = crate::store::by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let grant = check::<DocumentPolicy>(&Cx::from(state), &who, &d, action).await?;
    Ok((d, grant))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tinhso_domain::official_doc::incoming::IncomingState;
    use tinhso_domain::official_doc::outgoing::OutgoingState;
    use tinhso_domain::official_doc::{DocType, Urgency};
    use tinhso_kernel::auth::UserKind;

    fn official(id: &str, agency: &str, roles: &[Role]) -> User {
        User {
            id: id.into(),
            kind: UserKind::Official,
            full_name: id.into(),
            email: None,
            agency_id: Some(agency.into()),
            roles: roles.to_vec(),
            totp_enabled: true,
        }
    }

    fn draft(state: OutgoingState, unit: Option<&str>) -> Document {
        Document {
            id: "d".into(),
            agency_id: "stp".into(),
            direction: Direction::Out,
            state: State::Out(state),
            doc_type: DocType::Decision,
            urgency: Urgency::Normal,
            subject: "S".into(),
            drafting_unit_id: unit.map(Into::into),
            drafter_id: Some("drafter".into()),
            signer_position: String::new(),
            signer_full_name: String::new(),
            authority_prefix: None,
            page_amount: 1,
            issued_amount: 1,
            description: String::new(),
            due_date: None,
            code_number: None,
            code_notation: None,
            issued_date: None,
            organ_id: "000.00.14.H56".into(),
            organ_name: "Sở Tư pháp".into(),
            reg_number: None,
            reg_year: None,
            arrival_date: None,
            source: None,
            origin_id: None,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    #[test]
    fn each_step_has_its_person() {
        use OutgoingAction as A;
        use OutgoingState as S;
        let drafter = official("drafter", "hctp", &[Role::Specialist]);
        let unit_head = official("head", "hctp", &[Role::Leader]);
        let director = official("director", "stp", &[Role::Leader]);
        let clerk = official("clerk", "stp", &[Role::DocumentClerk]);
        let d = |s| draft(s, Some("hctp"));
        let act = |u: &User, s, a| DocumentPolicy::decision(u, &d(s), DocumentAction::Act(a));
        assert_eq!(
            act(&drafter, S::Draft, A::Submit),
            Ok(Some(OutgoingRole::Drafter))
        );
        assert_eq!(
            act(&unit_head, S::InReview, A::ApproveContent),
            Ok(Some(OutgoingRole::UnitHead))
        );
        // The issuing agency's leader is not the drafting unit's head.
        assert_eq!(
            act(&director, S::InReview, A::ApproveContent),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            act(&clerk, S::FormCheck, A::ApproveForm),
            Ok(Some(OutgoingRole::FormChecker))
        );
        assert_eq!(
            act(&director, S::AwaitingApproval, A::Sign),
            Ok(Some(OutgoingRole::Signer))
        );
        assert_eq!(
            act(&clerk, S::Approved, A::Issue),
            Ok(Some(OutgoingRole::Clerk))
        );
        assert_eq!(
            act(&drafter, S::Approved, A::Issue),
            Err(Refusal::Forbidden)
        );
        assert!(matches!(
            act(&clerk, S::Draft, A::Issue),
            Err(Refusal::Conflict(_))
        ));
    }

    #[test]
    fn other_agencies_do_not_see_it() {
        let other_clerk = official("c", "hacthanh", &[Role::DocumentClerk, Role::Leader]);
        let d = draft(OutgoingState::Approved, None);
        assert_eq!(
            DocumentPolicy::decision(&other_clerk, &d, DocumentAction::View),
            Err(Refusal::Hidden)
        );
        assert_eq!(
            DocumentPolicy::decision(&other_clerk, &d, DocumentAction::Act(OutgoingAction::Issue)),
            Err(Refusal::Hidden)
        );
        // A one-stop clerk of the issuing agency handles no document.
        let one_stop = official("o", "stp", &[Role::OneStopClerk]);
        assert_eq!(
            DocumentPolicy::decision(&one_stop, &d, DocumentAction::View),
            Err(Refusal::Hidden)
        );
    }

    #[test]
    fn only_the_drafter_uploads_and_only_to_a_draft() {
        let drafter = official("drafter", "stp", &[Role::Specialist]);
        let leader = official("l", "stp", &[Role::Leader]);
        let d = draft(OutgoingState::Draft, None);
        assert_eq!(
            DocumentPolicy::decision(&drafter, &d, DocumentAction::UploadVersion),
            Ok(None)
        );
        assert_eq!(
            DocumentPolicy::decision(&leader, &d, DocumentAction::UploadVersion),
            Err(Refusal::Forbidden)
        );
        let signed = draft(OutgoingState::Approved, None);
        assert!(matches!(
            DocumentPolicy::decision(&drafter, &signed, DocumentAction::UploadVersion),
            Err(Refusal::Conflict(_))
        ));
    }

    #[test]
    fn appendices_change_as_the_file_does_by_the_drafter_of_a_draft() {
        let drafter = official("drafter", "stp", &[Role::Specialist]);
        let clerk = official("c", "stp", &[Role::DocumentClerk]);
        let outsider = official("x", "other", &[Role::Specialist]);
        let d = draft(OutgoingState::Draft, None);
        let edit = DocumentAction::EditAppendices;
        assert_eq!(DocumentPolicy::decision(&drafter, &d, edit), Ok(None));
        assert_eq!(
            DocumentPolicy::decision(&clerk, &d, edit),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            DocumentPolicy::decision(&outsider, &d, edit),
            Err(Refusal::Hidden),
            "another agency's official does not see it"
        );
        for state in [
            OutgoingState::InReview,
            OutgoingState::Approved,
            OutgoingState::Issued,
        ] {
            assert!(
                matches!(
                    DocumentPolicy::decision(&drafter, &draft(state, None), edit),
                    Err(Refusal::Conflict(ref m)) if m.contains("phụ lục")
                ),
                "{state:?}"
            );
        }
    }

    fn incoming(state: IncomingState) -> Document {
        Document {
            direction: Direction::In,
            state: State::In(state),
            drafter_id: None,
            ..draft(OutgoingState::Draft, None)
        }
    }

    #[test]
    fn the_incoming_flow_has_its_people() {
        use IncomingAction as A;
        use IncomingState as S;
        let clerk = official("clerk", "stp", &[Role::DocumentClerk]);
        let director = official("director", "stp", &[Role::Leader]);
        let unit_head = official("head", "hctp", &[Role::Leader]);
        let none = Involvement::default();
        let lead = Involvement {
            unit: true,
            lead: true,
        };
        let decide = |u: &User, s, a, i| {
            DocumentPolicy::decision_with(u, &incoming(s), DocumentAction::Process(a), i)
        };
        assert_eq!(decide(&clerk, S::Registered, A::Present, none), Ok(None));
        assert_eq!(
            decide(&director, S::Registered, A::Present, none),
            Err(Refusal::Forbidden)
        );
        assert_eq!(decide(&director, S::Presented, A::Direct, none), Ok(None));
        assert_eq!(
            decide(&clerk, S::Presented, A::Direct, none),
            Err(Refusal::Forbidden)
        );
        assert!(matches!(
            decide(&director, S::Registered, A::Direct, none),
            Err(Refusal::Conflict(_))
        ));
        // A unit's head sees the document only once directed to it, and closes it as the lead.
        assert_eq!(
            decide(&unit_head, S::Done, A::Close, none),
            Err(Refusal::Hidden)
        );
        assert_eq!(
            DocumentPolicy::incoming_actor(&unit_head, &incoming(S::Done), A::Close, lead),
            Ok(IncomingRole::Handler)
        );
        assert_eq!(decide(&clerk, S::Done, A::Close, none), Ok(None));
        assert!(matches!(
            decide(&clerk, S::Closed, A::Close, none),
            Err(Refusal::Conflict(_))
        ));
    }

    #[test]
    fn comments_belong_to_the_review() {
        let drafter = official("drafter", "stp", &[Role::Specialist]);
        let one_stop = official("o", "stp", &[Role::OneStopClerk]);
        for s in [
            OutgoingState::Draft,
            OutgoingState::InReview,
            OutgoingState::AwaitingApproval,
        ] {
            assert_eq!(
                DocumentPolicy::decision(&drafter, &draft(s, None), DocumentAction::Comment),
                Ok(None)
            );
        }
        assert!(matches!(
            DocumentPolicy::decision(
                &drafter,
                &draft(OutgoingState::Approved, None),
                DocumentAction::Comment
            ),
            Err(Refusal::Conflict(_))
        ));
        assert_eq!(
            DocumentPolicy::decision(
                &one_stop,
                &draft(OutgoingState::Draft, None),
                DocumentAction::Comment
            ),
            Err(Refusal::Hidden)
        );
    }

    #[test]
    fn drafting_needs_a_specialist_or_leader_of_the_issuer_or_its_unit() {
        assert!(may_draft(
            &official("a", "hctp", &[Role::Specialist]),
            "stp",
            Some("hctp")
        ));
        assert!(may_draft(
            &official("a", "stp", &[Role::Specialist]),
            "stp",
            None
        ));
        assert!(!may_draft(
            &official("a", "stp", &[Role::OneStopClerk]),
            "stp",
            None
        ));
        assert!(!may_draft(
            &official("a", "hacthanh", &[Role::Specialist]),
            "stp",
            None
        ));
    }
}
