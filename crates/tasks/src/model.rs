//! The module's own pure rules, beside `tinhso_domain::task` (deadlines, states, ranking):
//! the assigning authority's position, where a task comes from, what a timeline entry is, a
//! task's code, which units a task may be assigned to, and what accepting a task closes.

use serde::{Deserialize, Serialize};
use tinhso_domain::task::state::{UnitRole, UnitState};

tinhso_domain::text_enum! {
    /// Who in the authority assigns: the People's Committee as a body, its chair, a vice-chair,
    /// or the head of a department or unit.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Position {
        Committee = "committee",
        Chair = "chair",
        ViceChair = "vice_chair",
        Head = "head",
    }
}

impl Position {
    pub fn label_vi(self) -> &'static str {
        match self {
            Position::Committee => "Ủy ban nhân dân",
            Position::Chair => "Chủ tịch",
            Position::ViceChair => "Phó Chủ tịch",
            Position::Head => "Thủ trưởng cơ quan",
        }
    }

    /// Whether an agency assigns in this position: a People's Committee as a body, through its
    /// chair or a vice-chair; any other agency through its head.
    pub fn fits(self, peoples_committee: bool) -> bool {
        match self {
            Position::Committee | Position::Chair | Position::ViceChair => peoples_committee,
            Position::Head => !peoples_committee,
        }
    }
}

tinhso_domain::text_enum! {
    /// Where a task comes from (directions and meetings come in later slices).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum SourceKind {
        Typed = "typed",
        Document = "document",
    }
}

tinhso_domain::text_enum! {
    /// One entry of a task's timeline: what a unit reported or asked, what the office
    /// decided, or a leader's written reminder.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum ReportKind {
        Progress = "progress",
        Completion = "completion",
        Accept = "accept",
        Return = "return",
        /// A unit asks for more time (`due_on`: the deadline asked for).
        ExtensionRequest = "extension_request",
        /// The office grants it (`due_on`: the deadline granted).
        ExtensionGrant = "extension_grant",
        /// The office refuses it, saying why.
        ExtensionRefuse = "extension_refuse",
        /// A leader's written reminder to a unit (đôn đốc).
        Urge = "urge",
    }
}

/// The longest title, content and report, in characters. Ours.
pub const MAX_TITLE_CHARS: usize = 500;
pub const MAX_CONTENT_CHARS: usize = 10_000;
pub const MAX_FIELD_CHARS: usize = 200;
pub const MAX_REPORT_CHARS: usize = 4_000;
/// The most units one task goes to.
pub const MAX_UNITS: usize = 50;

/// A task's code: `NV-<year>-<seq>`, the sequence per authority agency and year, four digits
/// at least so that codes sort as they were given.
pub fn code(year: i32, seq: i64) -> String {
    format!("NV-{year}-{seq:04}")
}

/// Why the units of a new task are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitsError {
    #[error("Nhiệm vụ phải có đúng một đơn vị chủ trì.")]
    OneLead,
    #[error("Mỗi đơn vị chỉ được giao một lần trong một nhiệm vụ.")]
    Twice,
    #[error("Một nhiệm vụ giao tối đa 50 đơn vị.")]
    TooMany,
    #[error("Cơ quan giao nhiệm vụ không tự giao cho chính mình.")]
    SelfAssigned,
}

/// Whether `units` (agency id and role) may make one task of `authority_id`: one lead unit,
/// each unit once, not the authority itself, at most [`MAX_UNITS`]. Whether each unit lies
/// under the authority is the directory's to say (the service asks it).
pub fn check_units(units: &[(&str, UnitRole)], authority_id: &str) -> Result<(), UnitsError> {
    if units.len() > MAX_UNITS {
        return Err(UnitsError::TooMany);
    }
    if units.iter().filter(|(_, r)| *r == UnitRole::Lead).count() != 1 {
        return Err(UnitsError::OneLead);
    }
    if units.iter().any(|(id, _)| *id == authority_id) {
        return Err(UnitsError::SelfAssigned);
    }
    let mut ids: Vec<&str> = units.iter().map(|(id, _)| *id).collect();
    ids.sort_unstable();
    if ids.windows(2).any(|w| w[0] == w[1]) {
        return Err(UnitsError::Twice);
    }
    Ok(())
}

/// The states of a task's units once the office accepts the lead unit's completion: the task
/// is done, so the lead unit and every supporting unit still open are completed with it (a
/// supporting unit never reports completion itself); finished ones stay as they were.
pub fn after_accept(units: &[(UnitRole, UnitState)]) -> Vec<UnitState> {
    units
        .iter()
        .map(|(_, s)| {
            if s.is_finished() {
                *s
            } else {
                UnitState::Completed
            }
        })
        .collect()
}

/// Text typed into a form, trimmed, or why not: required and not longer than `max`.
pub fn text(value: &str, max: usize, required: bool) -> Result<String, TextError> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(TextError::Missing);
    }
    if value.chars().count() > max {
        return Err(TextError::TooLong(max));
    }
    Ok(value.to_owned())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("Thông tin này là bắt buộc.")]
    Missing,
    #[error("Nội dung dài tối đa {0} ký tự.")]
    TooLong(usize),
}

#[cfg(test)]
mod tests {
    use super::*;
    use UnitRole::{Lead, Supporting};

    #[test]
    fn codes_sort_as_given() {
        assert_eq!(code(2026, 1), "NV-2026-0001");
        assert_eq!(code(2026, 12345), "NV-2026-12345");
        assert!(code(2026, 9) < code(2026, 10));
    }

    #[test]
    fn a_committee_assigns_as_a_body_or_its_chairs_and_others_through_their_head() {
        let cases = [
            (Position::Committee, true, true),
            (Position::Chair, true, true),
            (Position::ViceChair, true, true),
            (Position::Head, true, false),
            (Position::Chair, false, false),
            (Position::Head, false, true),
        ];
        for (position, committee, fits) in cases {
            assert_eq!(position.fits(committee), fits, "{position:?} {committee}");
        }
    }

    #[test]
    fn units_of_a_task_as_the_table_says() {
        type Units<'a> = &'a [(&'a str, UnitRole)];
        let cases: &[(Units<'_>, Result<(), UnitsError>)] = &[
            (&[("a", Lead)], Ok(())),
            (&[("a", Lead), ("b", Supporting), ("c", Supporting)], Ok(())),
            (&[], Err(UnitsError::OneLead)),
            (&[("a", Supporting)], Err(UnitsError::OneLead)),
            (&[("a", Lead), ("b", Lead)], Err(UnitsError::OneLead)),
            (&[("a", Lead), ("a", Supporting)], Err(UnitsError::Twice)),
            (&[("p", Lead)], Err(UnitsError::SelfAssigned)),
        ];
        for (units, expected) in cases {
            assert_eq!(&check_units(units, "p"), expected, "{units:?}");
        }
        let many: Vec<(&str, UnitRole)> = std::iter::once(("x", Lead))
            .chain(std::iter::repeat_n(("y", Supporting), MAX_UNITS))
            .collect();
        assert_eq!(check_units(&many, "p"), Err(UnitsError::TooMany));
    }

    #[test]
    fn accepting_closes_every_open_unit_and_leaves_finished_ones() {
        use UnitState::*;
        let units = [
            (Lead, CompletionReported),
            (Supporting, InProgress),
            (Supporting, Assigned),
            (Supporting, Cancelled),
        ];
        assert_eq!(
            after_accept(&units),
            vec![Completed, Completed, Completed, Cancelled]
        );
    }

    #[test]
    fn text_is_trimmed_required_and_bounded() {
        assert_eq!(text("  a ", 5, true), Ok("a".into()));
        assert_eq!(text("  ", 5, true), Err(TextError::Missing));
        assert_eq!(text("", 5, false), Ok(String::new()));
        assert_eq!(text("ấấấấấấ", 5, false), Err(TextError::TooLong(5)));
        assert_eq!(text("ấấấấấ", 5, false), Ok("ấấấấấ".into()));
    }

    #[test]
    fn enum_text_is_its_json() {
        for p in Position::ALL {
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
        for k in ReportKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        for k in SourceKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
    }
}
