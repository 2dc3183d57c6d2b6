//! A dataset's life and the revision that carries each round of edits:
//!
//! ```text
//! dataset:  draft ──approve──→ published ──unpublish (reason)──→ unpublished
//!                                  ↑______________approve____________|
//! revision: editing ─submit→ submitted ─approve→ approved
//!              ↑__________return (reason)___|
//! ```
//!
//! A dataset has at most one open revision (editing or submitted). Editing a published dataset
//! opens a new revision; the public keeps seeing the approved one until a leader approves again.
//! Only approval makes a dataset public, so a draft never leaks, and unpublishing keeps every
//! file and version (a later approval publishes again).

use super::OpenDataRuleError;
use serde::{Deserialize, Serialize};

text_enum! {
    /// What the public sees of a dataset.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum DatasetState {
        /// Bản nháp: never approved, seen only inside its agency.
        Draft = "draft",
        /// Công khai.
        Published = "published",
        /// Đã gỡ công khai (with a reason).
        Unpublished = "unpublished",
    }
}

impl DatasetState {
    pub fn is_public(self) -> bool {
        self == DatasetState::Published
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            DatasetState::Draft => "Bản nháp",
            DatasetState::Published => "Công khai",
            DatasetState::Unpublished => "Đã gỡ công khai",
        }
    }
}

text_enum! {
    /// A round of edits to a dataset's metadata and resources.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum RevisionState {
        /// Đang soạn (also after a return: the officer fixes it and submits again).
        Editing = "editing",
        /// Chờ duyệt.
        Submitted = "submitted",
        /// Đã duyệt: what the public sees.
        Approved = "approved",
    }
}

impl RevisionState {
    pub fn is_open(self) -> bool {
        self != RevisionState::Approved
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            RevisionState::Editing => "Đang soạn",
            RevisionState::Submitted => "Chờ duyệt",
            RevisionState::Approved => "Đã duyệt",
        }
    }
}

/// What someone does to a dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action<'a> {
    /// The data officer sends the open revision to the agency's leaders.
    Submit { resources: usize },
    /// A leader approves the submitted revision: it becomes what the public sees.
    Approve,
    /// A leader sends the submitted revision back, saying why.
    Return { reason: &'a str },
    /// A leader (or a system administrator) takes a public dataset down, saying why.
    Unpublish { reason: &'a str },
}

/// Where a dataset and its open revision stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub dataset: DatasetState,
    /// The open revision, if any (`None` when every revision is approved).
    pub revision: Option<RevisionState>,
}

/// The standing after `action`, or why not. The revision's `Approved` leaves it closed, so
/// the result's `revision` is then `Some(Approved)` for the store to record and close.
pub fn act(from: Standing, action: &Action<'_>) -> Result<Standing, OpenDataRuleError> {
    use RevisionState::*;
    match action {
        Action::Submit { resources } => match from.revision {
            Some(Editing) if *resources == 0 => Err(OpenDataRuleError::NoResource),
            Some(Editing) => Ok(Standing {
                revision: Some(Submitted),
                ..from
            }),
            _ => Err(OpenDataRuleError::WrongState),
        },
        Action::Approve => match from.revision {
            Some(Submitted) => Ok(Standing {
                dataset: DatasetState::Published,
                revision: Some(Approved),
            }),
            _ => Err(OpenDataRuleError::WrongState),
        },
        Action::Return { reason } if reason.trim().is_empty() => {
            Err(OpenDataRuleError::ReturnWithoutReason)
        }
        Action::Return { .. } => match from.revision {
            Some(Submitted) => Ok(Standing {
                revision: Some(Editing),
                ..from
            }),
            _ => Err(OpenDataRuleError::WrongState),
        },
        Action::Unpublish { reason } if reason.trim().is_empty() => {
            Err(OpenDataRuleError::UnpublishWithoutReason)
        }
        Action::Unpublish { .. } => match from.dataset {
            DatasetState::Published => Ok(Standing {
                dataset: DatasetState::Unpublished,
                ..from
            }),
            _ => Err(OpenDataRuleError::WrongState),
        },
    }
}

/// Whether the data officer may change metadata or resources now: only in an editing
/// revision (a submitted one waits for the leader; without one, editing opens one).
pub fn may_edit(revision: Option<RevisionState>) -> bool {
    !matches!(revision, Some(RevisionState::Submitted))
}

#[cfg(test)]
mod tests {
    use super::*;
    use DatasetState::*;
    use RevisionState::*;

    fn s(dataset: DatasetState, revision: Option<RevisionState>) -> Standing {
        Standing { dataset, revision }
    }

    #[test]
    fn a_dataset_moves_as_the_table_says() {
        let one = Action::Submit { resources: 1 };
        let none = Action::Submit { resources: 0 };
        let back = Action::Return {
            reason: "Thiếu phạm vi thời gian",
        };
        let down = Action::Unpublish {
            reason: "Có dữ liệu cá nhân",
        };
        let blank_back = Action::Return { reason: "  " };
        let blank_down = Action::Unpublish { reason: "" };
        let wrong = Err(OpenDataRuleError::WrongState);
        let cases: &[(Standing, &Action<'_>, Result<Standing, OpenDataRuleError>)] = &[
            (s(Draft, Some(Editing)), &one, Ok(s(Draft, Some(Submitted)))),
            (
                s(Draft, Some(Editing)),
                &none,
                Err(OpenDataRuleError::NoResource),
            ),
            (s(Draft, Some(Submitted)), &one, wrong.clone()),
            (s(Published, None), &one, wrong.clone()),
            (
                s(Draft, Some(Submitted)),
                &Action::Approve,
                Ok(s(Published, Some(Approved))),
            ),
            (
                s(Unpublished, Some(Submitted)),
                &Action::Approve,
                Ok(s(Published, Some(Approved))),
            ),
            (s(Draft, Some(Editing)), &Action::Approve, wrong.clone()),
            (s(Published, None), &Action::Approve, wrong.clone()),
            (
                s(Draft, Some(Submitted)),
                &back,
                Ok(s(Draft, Some(Editing))),
            ),
            (
                s(Published, Some(Submitted)),
                &back,
                Ok(s(Published, Some(Editing))),
            ),
            (s(Draft, Some(Editing)), &back, wrong.clone()),
            (
                s(Draft, Some(Submitted)),
                &blank_back,
                Err(OpenDataRuleError::ReturnWithoutReason),
            ),
            (s(Published, None), &down, Ok(s(Unpublished, None))),
            (
                s(Published, Some(Editing)),
                &down,
                Ok(s(Unpublished, Some(Editing))),
            ),
            (s(Draft, Some(Editing)), &down, wrong.clone()),
            (s(Unpublished, None), &down, wrong.clone()),
            (
                s(Published, None),
                &blank_down,
                Err(OpenDataRuleError::UnpublishWithoutReason),
            ),
        ];
        for (from, action, expected) in cases {
            assert_eq!(&act(*from, action), expected, "{from:?} {action:?}");
        }
    }

    #[test]
    fn only_a_submitted_revision_is_frozen() {
        assert!(may_edit(None));
        assert!(may_edit(Some(Editing)));
        assert!(!may_edit(Some(Submitted)));
        assert!(may_edit(Some(Approved)));
    }

    #[test]
    fn states_are_their_json() {
        crate::text_enum::assert_text_is_json(&DatasetState::ALL, DatasetState::as_str);
        crate::text_enum::assert_text_is_json(&RevisionState::ALL, RevisionState::as_str);
        assert!(Published.is_public() && !Draft.is_public() && !Unpublished.is_public());
        assert!(Editing.is_open() && Submitted.is_open() && !Approved.is_open());
    }
}
