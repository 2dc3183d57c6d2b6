//! The outgoing flow (văn bản đi): from the specialist's draft to the document sent, and its
//! recall or replacement. Decree 30/2020, Art. 10–18 and Appendix VI, III.8.
//!
//! ```text
//! draft ─submit→ in_review ─approve_content→ form_check ─approve_form→ awaiting_approval
//!   ↑  (drafter)      │ (unit head)               │ (form checker)            │ (signer)
//!   └──return─────────┘     in_review ←──return───┴──────────return──────────┘
//!                                                                    sign ↓
//! sent ←send─ issued ←issue─ approved      (clerk: numbers, registers, applies the agency's
//!  │ (clerk)    │    (clerk)                signature only on a signed document, Art. 32.2.d)
//!  └────────────┴─recall→ recalled | replace→ replaced
//! ```
//!
//! - The head of the drafting unit answers for content, a named checker for form (Art. 12);
//!   the competent person approves and signs (Art. 11, 13).
//! - Returns: the unit head sends the draft back to the drafter; the form checker and the
//!   signer send it back to the unit head, who passes it on (Art. 10.3). A clerk who finds a
//!   defect in a signed document before numbering it sends it back to the unit head too: the
//!   signature is dropped and the draft is approved again (Art. 11.2). That arc is our reading.
//! - Recall freezes the document and its metadata (Appendix VI, III.8.a); a document with
//!   errors of content is replaced by one of the same form (Art. 18.3).
//! - A draft may be abandoned while its drafting unit holds it, as a draft or in review
//!   ([`OutgoingAction::Cancel`], ours).

use super::incoming::IncomingState;
use serde::{Deserialize, Serialize};

text_enum! {
    /// Where an outgoing document stands.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum OutgoingState {
        /// With the drafter (dự thảo): versions are uploaded here.
        Draft = "draft",
        /// With the head of the drafting unit, for content.
        InReview = "in_review",
        /// With the person checking form and presentation (văn thư or pháp chế).
        FormCheck = "form_check",
        /// With the competent person, to approve and sign.
        AwaitingApproval = "awaiting_approval",
        /// Signed; with the clerk, to number and issue.
        Approved = "approved",
        /// Numbered, registered and signed by the agency; to be sent the same day.
        Issued = "issued",
        /// Sent to its recipients.
        Sent = "sent",
        /// Recalled (thu hồi): frozen, recipients destroy their copies and confirm.
        Recalled = "recalled",
        /// Replaced by another document (thay thế).
        Replaced = "replaced",
        /// Abandoned before signing.
        Cancelled = "cancelled",
    }
}

text_enum! {
    /// Who acts on an outgoing document, before the agency check the server adds.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum OutgoingRole {
        /// The specialist assigned to draft (chuyên viên soạn thảo).
        Drafter = "drafter",
        /// The head of the drafting unit (lãnh đạo đơn vị chủ trì soạn thảo).
        UnitHead = "unit_head",
        /// The person checking form and presentation (người kiểm tra thể thức).
        FormChecker = "form_checker",
        /// The competent person who signs (người có thẩm quyền ký).
        Signer = "signer",
        /// The agency's document clerk (văn thư cơ quan).
        Clerk = "clerk",
    }
}

text_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum OutgoingAction {
        /// The drafter hands the draft to the unit head.
        Submit = "submit",
        /// The unit head accepts the content.
        ApproveContent = "approve_content",
        /// The form checker accepts form and presentation.
        ApproveForm = "approve_form",
        /// The competent person approves and signs (with an authority prefix).
        Sign = "sign",
        /// Sent back for revision, by whoever holds the document.
        ReturnForRevision = "return_for_revision",
        /// The clerk numbers, registers and signs for the agency.
        Issue = "issue",
        /// The clerk sends it to its recipients.
        Send = "send",
        /// The issuing agency recalls it.
        Recall = "recall",
        /// The issuing agency replaces it with another document.
        Replace = "replace",
        /// The draft is abandoned.
        Cancel = "cancel",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutgoingError {
    #[error("Không thể thực hiện thao tác này khi văn bản đang ở trạng thái hiện tại.")]
    NotAllowedInState,
    #[error("Vai trò của bạn không được thực hiện thao tác này.")]
    WrongRole,
}

/// What the person recalling a document is told first when recipients have already started
/// handling it. The recall still goes ahead once confirmed (docs/documents-design.md §3): the
/// recipients' assignments close with the recall as their reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "{started} nơi nhận đã bắt đầu xử lý văn bản này: thu hồi sẽ chấm dứt việc xử lý đã giao ở đó. Nếu văn bản chỉ sai về nội dung, có thể ban hành văn bản thay thế; nếu sai về thể thức, có thể đính chính bằng công văn."
)]
pub struct RecallWarning {
    /// How many recipients have started handling it.
    pub started: usize,
}

impl OutgoingAction {
    /// The roles that may take the action in some state.
    pub fn roles(self) -> &'static [OutgoingRole] {
        use OutgoingRole::*;
        match self {
            OutgoingAction::Submit => &[Drafter],
            OutgoingAction::ApproveContent => &[UnitHead],
            OutgoingAction::ApproveForm => &[FormChecker],
            OutgoingAction::Sign => &[Signer],
            OutgoingAction::ReturnForRevision => &[UnitHead, FormChecker, Signer, Clerk],
            OutgoingAction::Issue | OutgoingAction::Send => &[Clerk],
            OutgoingAction::Recall | OutgoingAction::Replace => &[Signer, Clerk],
            OutgoingAction::Cancel => &[Drafter, UnitHead],
        }
    }

    /// Whether pages should confirm first: the action cannot be undone.
    pub fn is_irreversible(self) -> bool {
        matches!(
            self,
            OutgoingAction::Issue
                | OutgoingAction::Send
                | OutgoingAction::Recall
                | OutgoingAction::Replace
                | OutgoingAction::Cancel
        )
    }
}

/// The role that holds a document in `state`, whose "my work" list shows it.
pub fn holder(state: OutgoingState) -> Option<OutgoingRole> {
    use OutgoingState::*;
    match state {
        Draft => Some(OutgoingRole::Drafter),
        InReview => Some(OutgoingRole::UnitHead),
        FormCheck => Some(OutgoingRole::FormChecker),
        AwaitingApproval => Some(OutgoingRole::Signer),
        Approved | Issued => Some(OutgoingRole::Clerk),
        Sent | Recalled | Replaced | Cancelled => None,
    }
}

/// The next state after `action` by `role`, or why not. Agencies, people and versions are
/// the server's checks around it.
pub fn transition(
    from: OutgoingState,
    action: OutgoingAction,
    role: OutgoingRole,
) -> Result<OutgoingState, OutgoingError> {
    use OutgoingAction as A;
    use OutgoingState::*;
    let (to, roles): (OutgoingState, &[OutgoingRole]) = match (from, action) {
        (Draft, A::Submit) => (InReview, action.roles()),
        (InReview, A::ApproveContent) => (FormCheck, action.roles()),
        (FormCheck, A::ApproveForm) => (AwaitingApproval, action.roles()),
        (AwaitingApproval, A::Sign) => (Approved, action.roles()),
        (InReview, A::ReturnForRevision) => (Draft, &[OutgoingRole::UnitHead]),
        (FormCheck, A::ReturnForRevision) => (InReview, &[OutgoingRole::FormChecker]),
        (AwaitingApproval, A::ReturnForRevision) => (InReview, &[OutgoingRole::Signer]),
        (Approved, A::ReturnForRevision) => (InReview, &[OutgoingRole::Clerk]),
        (Approved, A::Issue) => (Issued, action.roles()),
        (Issued, A::Send) => (Sent, action.roles()),
        (Issued | Sent, A::Recall) => (Recalled, action.roles()),
        (Issued | Sent, A::Replace) => (Replaced, action.roles()),
        (Draft | InReview, A::Cancel) => (Cancelled, action.roles()),
        _ => return Err(OutgoingError::NotAllowedInState),
    };
    if roles.contains(&role) {
        Ok(to)
    } else {
        Err(OutgoingError::WrongRole)
    }
}

/// Whether the document can still change: new versions and metadata edits are taken only
/// while it is a draft. From signing on its content is fixed, from issue its number, and a
/// recalled or replaced document's metadata are frozen for good (Appendix VI, III.8.a).
pub fn is_editable(state: OutgoingState) -> bool {
    state == OutgoingState::Draft
}

/// Whether the competent person may sign the document digitally in `state`: from the time it
/// awaits approval until the clerk issues it. A signing session still waiting on a document
/// that leaves these states (returned for revision, issued) has nothing left to sign.
pub fn is_signable(state: OutgoingState) -> bool {
    matches!(
        state,
        OutgoingState::AwaitingApproval | OutgoingState::Approved
    )
}

/// Whether the document carries its number (it was issued, whatever happened since).
pub fn is_numbered(state: OutgoingState) -> bool {
    matches!(
        state,
        OutgoingState::Issued
            | OutgoingState::Sent
            | OutgoingState::Recalled
            | OutgoingState::Replaced
    )
}

/// Whether nothing more can happen to the document.
pub fn is_final(state: OutgoingState) -> bool {
    matches!(
        state,
        OutgoingState::Recalled | OutgoingState::Replaced | OutgoingState::Cancelled
    )
}

/// The warning a recall deserves, given where each recipient inside the platform stands
/// (issue 14 lists "a recall after the recipient has started handling it" among bad input). A
/// recipient that has only registered, presented or been directed to the document destroys
/// its copy (Art. 18.4.b) and loses no work; one that has started handling it loses that work,
/// and a replacement (Art. 18.3) may serve better.
pub fn recall_warning(recipients: &[IncomingState]) -> Option<RecallWarning> {
    let started = recipients.iter().filter(|s| s.handling_started()).count();
    (started > 0).then_some(RecallWarning { started })
}

#[cfg(test)]
mod tests {
    use super::*;
    use OutgoingAction as A;
    use OutgoingRole as R;
    use OutgoingState::*;

    #[test]
    fn signing_is_open_from_approval_to_issue() {
        let signable = [AwaitingApproval, Approved];
        for state in [
            Draft,
            InReview,
            FormCheck,
            AwaitingApproval,
            Approved,
            Issued,
            Sent,
            Recalled,
            Replaced,
            Cancelled,
        ] {
            assert_eq!(is_signable(state), signable.contains(&state), "{state:?}");
        }
        // Every way out of a signable state leaves signing behind, but the approval itself.
        assert_eq!(
            transition(AwaitingApproval, A::Sign, R::Signer),
            Ok(Approved)
        );
        for (from, action, role) in [
            (AwaitingApproval, A::ReturnForRevision, R::Signer),
            (Approved, A::ReturnForRevision, R::Clerk),
            (Approved, A::Issue, R::Clerk),
        ] {
            assert!(
                !is_signable(transition(from, action, role).unwrap()),
                "{action:?}"
            );
        }
    }

    #[test]
    fn a_decision_from_draft_to_sent() {
        let steps = [
            (A::Submit, R::Drafter, InReview),
            (A::ApproveContent, R::UnitHead, FormCheck),
            (A::ApproveForm, R::FormChecker, AwaitingApproval),
            (A::Sign, R::Signer, Approved),
            (A::Issue, R::Clerk, Issued),
            (A::Send, R::Clerk, Sent),
        ];
        let mut state = Draft;
        for (action, role, next) in steps {
            assert_eq!(holder(state), Some(role), "{state:?}");
            state = transition(state, action, role).unwrap();
            assert_eq!(state, next);
        }
        assert!(is_numbered(state) && !is_final(state) && holder(state).is_none());
    }

    #[test]
    fn returns_go_back_one_level_and_only_by_the_holder() {
        assert_eq!(
            transition(InReview, A::ReturnForRevision, R::UnitHead),
            Ok(Draft)
        );
        assert_eq!(
            transition(FormCheck, A::ReturnForRevision, R::FormChecker),
            Ok(InReview)
        );
        assert_eq!(
            transition(AwaitingApproval, A::ReturnForRevision, R::Signer),
            Ok(InReview)
        );
        assert_eq!(
            transition(Approved, A::ReturnForRevision, R::Clerk),
            Ok(InReview)
        );
        assert_eq!(
            transition(FormCheck, A::ReturnForRevision, R::Signer),
            Err(OutgoingError::WrongRole)
        );
        assert_eq!(
            transition(InReview, A::ReturnForRevision, R::Drafter),
            Err(OutgoingError::WrongRole)
        );
        for s in [Draft, Issued, Sent, Recalled, Replaced, Cancelled] {
            assert_eq!(
                transition(s, A::ReturnForRevision, R::Signer),
                Err(OutgoingError::NotAllowedInState),
                "{s:?}"
            );
        }
    }

    #[test]
    fn wrong_roles_and_skipped_steps_are_refused() {
        assert_eq!(
            transition(Draft, A::Submit, R::Clerk),
            Err(OutgoingError::WrongRole)
        );
        assert_eq!(
            transition(AwaitingApproval, A::Sign, R::UnitHead),
            Err(OutgoingError::WrongRole)
        );
        assert_eq!(
            transition(Approved, A::Issue, R::Signer),
            Err(OutgoingError::WrongRole)
        );
        // Form check cannot be skipped, and only a signed document is numbered.
        assert_eq!(
            transition(InReview, A::Sign, R::Signer),
            Err(OutgoingError::NotAllowedInState)
        );
        assert_eq!(
            transition(AwaitingApproval, A::Issue, R::Clerk),
            Err(OutgoingError::NotAllowedInState)
        );
        assert_eq!(
            transition(Approved, A::Send, R::Clerk),
            Err(OutgoingError::NotAllowedInState)
        );
    }

    #[test]
    fn recall_and_replacement_end_an_issued_document() {
        for from in [Issued, Sent] {
            assert_eq!(transition(from, A::Recall, R::Signer), Ok(Recalled));
            assert_eq!(transition(from, A::Recall, R::Clerk), Ok(Recalled));
            assert_eq!(transition(from, A::Replace, R::Clerk), Ok(Replaced));
            assert_eq!(
                transition(from, A::Recall, R::Drafter),
                Err(OutgoingError::WrongRole)
            );
        }
        for from in [Draft, AwaitingApproval, Approved] {
            assert_eq!(
                transition(from, A::Recall, R::Signer),
                Err(OutgoingError::NotAllowedInState)
            );
        }
        assert!(is_numbered(Recalled) && is_numbered(Replaced));
        assert!(!is_editable(Recalled) && !is_editable(Approved) && is_editable(Draft));
    }

    #[test]
    fn a_draft_can_be_abandoned_until_it_leaves_its_unit() {
        assert_eq!(transition(Draft, A::Cancel, R::Drafter), Ok(Cancelled));
        assert_eq!(transition(InReview, A::Cancel, R::UnitHead), Ok(Cancelled));
        assert_eq!(
            transition(AwaitingApproval, A::Cancel, R::UnitHead),
            Err(OutgoingError::NotAllowedInState)
        );
        assert!(!is_numbered(Cancelled));
    }

    #[test]
    fn final_states_take_no_action() {
        for s in [Recalled, Replaced, Cancelled] {
            assert!(is_final(s));
            for a in OutgoingAction::ALL {
                for r in OutgoingRole::ALL {
                    assert_eq!(transition(s, a, r), Err(OutgoingError::NotAllowedInState));
                }
            }
        }
    }

    #[test]
    fn every_transition_is_taken_by_a_role_the_action_lists() {
        for s in OutgoingState::ALL {
            for a in OutgoingAction::ALL {
                for r in OutgoingRole::ALL {
                    if transition(s, a, r).is_ok() {
                        assert!(a.roles().contains(&r), "{s:?} {a:?} {r:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn recall_warns_once_a_recipient_handles_the_document() {
        use IncomingState as I;
        assert_eq!(recall_warning(&[]), None);
        assert_eq!(
            recall_warning(&[I::Registered, I::Presented, I::Directed]),
            None
        );
        let warning = recall_warning(&[I::Registered, I::InProgress, I::Done]).unwrap();
        assert_eq!(warning.started, 2);
        assert!(
            warning
                .to_string()
                .starts_with("2 nơi nhận đã bắt đầu xử lý văn bản này")
        );
    }

    #[test]
    fn outgoing_texts_are_their_json() {
        crate::text_enum::assert_text_is_json(&OutgoingState::ALL, OutgoingState::as_str);
        crate::text_enum::assert_text_is_json(&OutgoingRole::ALL, OutgoingRole::as_str);
        crate::text_enum::assert_text_is_json(&OutgoingAction::ALL, OutgoingAction::as_str);
    }
}
