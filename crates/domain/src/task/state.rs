//! A unit's part in a task (đơn vị chủ trì or phối hợp) and its life:
//!
//! ```text
//! assigned ─progress→ in_progress ─completion (lead only)→ completion_reported ─accept→ completed
//!    └──────────completion (lead only)──────────↗                 └─return (reason)→ in_progress
//! any open state ─cancel→ cancelled
//! ```
//!
//! Supporting units report their part as progress; the task is complete when the assigning
//! office accepts the lead unit's completion report.

use super::TaskRuleError;
use serde::{Deserialize, Serialize};

text_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum UnitRole {
        /// Đơn vị chủ trì: reports completion.
        Lead = "lead",
        /// Đơn vị phối hợp: reports its part.
        Supporting = "supporting",
    }
}

text_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum UnitState {
        /// Giao, chưa triển khai.
        Assigned = "assigned",
        /// Đang thực hiện.
        InProgress = "in_progress",
        /// Đã báo cáo hoàn thành, chờ đánh giá.
        CompletionReported = "completion_reported",
        /// Hoàn thành (accepted by the assigning office).
        Completed = "completed",
        /// Hủy (the assigner withdrew the task).
        Cancelled = "cancelled",
    }
}

impl UnitState {
    pub fn is_finished(self) -> bool {
        matches!(self, UnitState::Completed | UnitState::Cancelled)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            UnitState::Assigned => "Mới giao",
            UnitState::InProgress => "Đang thực hiện",
            UnitState::CompletionReported => "Chờ đánh giá kết quả",
            UnitState::Completed => "Hoàn thành",
            UnitState::Cancelled => "Đã hủy",
        }
    }
}

/// What someone does to a unit's part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitAction<'a> {
    /// The unit reports progress (a percentage and a note).
    Progress { percent: u8 },
    /// The lead unit reports the task complete, with its evidence.
    Completion,
    /// The assigning office accepts the completion.
    Accept,
    /// The assigning office returns it, saying why.
    Return { reason: &'a str },
    /// The assigner withdraws the task.
    Cancel,
}

/// The unit's state after `action`, or why not.
pub fn act(
    from: UnitState,
    role: UnitRole,
    action: &UnitAction<'_>,
) -> Result<UnitState, TaskRuleError> {
    use UnitState::*;
    if from.is_finished() {
        return Err(TaskRuleError::Finished);
    }
    match action {
        UnitAction::Progress { percent } if *percent > 100 => {
            Err(TaskRuleError::ProgressOutOfRange)
        }
        UnitAction::Progress { .. } => match from {
            Assigned | InProgress => Ok(InProgress),
            _ => Err(TaskRuleError::WrongState),
        },
        UnitAction::Completion if role == UnitRole::Supporting => {
            Err(TaskRuleError::CompletionBySupportingUnit)
        }
        UnitAction::Completion => match from {
            Assigned | InProgress => Ok(CompletionReported),
            _ => Err(TaskRuleError::WrongState),
        },
        UnitAction::Accept => match from {
            CompletionReported => Ok(Completed),
            _ => Err(TaskRuleError::WrongState),
        },
        UnitAction::Return { reason } if reason.trim().is_empty() => {
            Err(TaskRuleError::ReturnWithoutReason)
        }
        UnitAction::Return { .. } => match from {
            CompletionReported => Ok(InProgress),
            _ => Err(TaskRuleError::WrongState),
        },
        UnitAction::Cancel => Ok(Cancelled),
    }
}

/// A unit's progress from the parts it split among its sub-units or officials (each 0–100,
/// equal weight), rounded down: 100 only when every part is.
pub fn rolled_up(parts: &[u8]) -> u8 {
    if parts.is_empty() {
        return 0;
    }
    let sum: u32 = parts.iter().map(|p| u32::from((*p).min(100))).sum();
    (sum / parts.len() as u32) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use UnitState::*;

    #[test]
    fn a_units_part_moves_as_the_table_says() {
        let lead = UnitRole::Lead;
        let support = UnitRole::Supporting;
        let back = UnitAction::Return {
            reason: "Thiếu báo cáo số liệu quý IV",
        };
        let cases: &[(
            UnitState,
            UnitRole,
            UnitAction<'_>,
            Result<UnitState, TaskRuleError>,
        )] = &[
            (
                Assigned,
                lead,
                UnitAction::Progress { percent: 30 },
                Ok(InProgress),
            ),
            (
                InProgress,
                support,
                UnitAction::Progress { percent: 100 },
                Ok(InProgress),
            ),
            (
                InProgress,
                lead,
                UnitAction::Progress { percent: 101 },
                Err(TaskRuleError::ProgressOutOfRange),
            ),
            (
                InProgress,
                lead,
                UnitAction::Completion,
                Ok(CompletionReported),
            ),
            (
                Assigned,
                lead,
                UnitAction::Completion,
                Ok(CompletionReported),
            ),
            (
                InProgress,
                support,
                UnitAction::Completion,
                Err(TaskRuleError::CompletionBySupportingUnit),
            ),
            (
                CompletionReported,
                lead,
                UnitAction::Progress { percent: 90 },
                Err(TaskRuleError::WrongState),
            ),
            (CompletionReported, lead, UnitAction::Accept, Ok(Completed)),
            (CompletionReported, lead, back.clone(), Ok(InProgress)),
            (
                CompletionReported,
                lead,
                UnitAction::Return { reason: " " },
                Err(TaskRuleError::ReturnWithoutReason),
            ),
            (
                InProgress,
                lead,
                UnitAction::Accept,
                Err(TaskRuleError::WrongState),
            ),
            (InProgress, lead, back, Err(TaskRuleError::WrongState)),
            (InProgress, support, UnitAction::Cancel, Ok(Cancelled)),
            (
                Completed,
                lead,
                UnitAction::Cancel,
                Err(TaskRuleError::Finished),
            ),
            (
                Cancelled,
                lead,
                UnitAction::Progress { percent: 10 },
                Err(TaskRuleError::Finished),
            ),
        ];
        for (from, role, action, expected) in cases {
            assert_eq!(
                &act(*from, *role, action),
                expected,
                "{from:?} {role:?} {action:?}"
            );
        }
    }

    #[test]
    fn progress_rolls_up_from_the_parts() {
        assert_eq!(rolled_up(&[]), 0);
        assert_eq!(rolled_up(&[100, 100]), 100);
        assert_eq!(rolled_up(&[100, 99]), 99);
        assert_eq!(rolled_up(&[50, 0, 100]), 50);
        // A stray value above 100 counts as 100.
        assert_eq!(rolled_up(&[255, 0]), 50);
    }
}
