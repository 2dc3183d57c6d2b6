//! Agency electronic identifier codes (mã định danh điện tử), QCVN 102:2016 and
//! Decision 20/2020/QĐ-TTg: `V1V2V3.Z1Z2.Y1Y2.MX1X2`, read right to left.
//!
//! Level 1 is the `MX1X2` block (e.g. `H56`, UBND tỉnh Thanh Hóa), level 2 is `Y1Y2`, level 3
//! `Z1Z2`, level 4 `V1V2V3`. Unused levels are zeros, and a child's code keeps every non-zero
//! segment of its parent and sets exactly one more level.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AgencyCode {
    level4: u16,
    level3: u8,
    level2: u8,
    group: char,
    level1: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgencyCodeError {
    #[error("mã định danh phải có dạng 000.00.00.H56 (3 số, 2 số, 2 số, một chữ in hoa và 2 số)")]
    Format,
    #[error(
        "mã {child} không thuộc cơ quan cha {parent}: mã con phải giữ các cấp của cha và thêm đúng một cấp"
    )]
    NotAChildOf { child: String, parent: String },
    #[error("mã {0} là mã cấp 1 nên không thể có cơ quan cha")]
    TopLevelWithParent(String),
    #[error("mã {0} không phải mã cấp 1 nên phải có cơ quan cha")]
    MissingParent(String),
}

impl AgencyCode {
    /// Depth in the hierarchy: 1 for `000.00.00.H56`, 2 for `000.00.14.H56`, and so on.
    pub fn level(&self) -> u8 {
        if self.level4 != 0 {
            4
        } else if self.level3 != 0 {
            3
        } else if self.level2 != 0 {
            2
        } else {
            1
        }
    }

    /// The code one level up, or `None` for a level-1 code.
    pub fn parent_code(&self) -> Option<AgencyCode> {
        let mut parent = *self;
        match self.level() {
            4 => parent.level4 = 0,
            3 => parent.level3 = 0,
            2 => parent.level2 = 0,
            _ => return None,
        }
        Some(parent)
    }

    /// Whether `self` is a direct child of `parent` under the "one more level" rule. Gaps are
    /// not allowed: a level-3 code needs a non-zero level 2.
    pub fn is_child_of(&self, parent: &AgencyCode) -> bool {
        self.is_well_nested() && self.parent_code().as_ref() == Some(parent)
    }

    /// A level may only be set when every level above it is set (no `000.12.00.H56`).
    pub fn is_well_nested(&self) -> bool {
        !(self.level3 != 0 && self.level2 == 0 || self.level4 != 0 && self.level3 == 0)
    }

    /// The level-1 block (`H56`): which province or central body the code belongs to.
    pub fn root(&self) -> String {
        format!("{}{:02}", self.group, self.level1)
    }

    /// Checks the code against its declared parent (or lack of one).
    pub fn check_parent(&self, parent: Option<&AgencyCode>) -> Result<(), AgencyCodeError> {
        match (self.level(), parent) {
            (1, Some(_)) => Err(AgencyCodeError::TopLevelWithParent(self.to_string())),
            (1, None) => Ok(()),
            (_, None) => Err(AgencyCodeError::MissingParent(self.to_string())),
            (_, Some(parent)) if self.is_child_of(parent) => Ok(()),
            (_, Some(parent)) => Err(AgencyCodeError::NotAChildOf {
                child: self.to_string(),
                parent: parent.to_string(),
            }),
        }
    }
}

fn digits<T: FromStr>(segment: &str, len: usize) -> Result<T, AgencyCodeError> {
    if segment.len() != len || !segment.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AgencyCodeError::Format);
    }
    segment.parse().map_err(|_| AgencyCodeError::Format)
}

impl FromStr for AgencyCode {
    type Err = AgencyCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.trim().split('.').collect();
        let [v, z, y, m] = parts.as_slice() else {
            return Err(AgencyCodeError::Format);
        };
        let mut m_chars = m.chars();
        let group = m_chars.next().ok_or(AgencyCodeError::Format)?;
        if !group.is_ascii_uppercase() {
            return Err(AgencyCodeError::Format);
        }
        let code = AgencyCode {
            level4: digits(v, 3)?,
            level3: digits(z, 2)?,
            level2: digits(y, 2)?,
            group,
            level1: digits(m_chars.as_str(), 2)?,
        };
        if !code.is_well_nested() {
            return Err(AgencyCodeError::Format);
        }
        Ok(code)
    }
}

impl fmt::Display for AgencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:03}.{:02}.{:02}.{}{:02}",
            self.level4, self.level3, self.level2, self.group, self.level1
        )
    }
}

impl TryFrom<String> for AgencyCode {
    type Error = AgencyCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<AgencyCode> for String {
    fn from(code: AgencyCode) -> Self {
        code.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(s: &str) -> AgencyCode {
        s.parse().unwrap()
    }

    #[test]
    fn parses_the_thanh_hoa_committee() {
        let c = code("000.00.00.H56");
        assert_eq!(c.level(), 1);
        assert_eq!(c.root(), "H56");
        assert_eq!(c.parent_code(), None);
    }

    #[test]
    fn levels_are_read_right_to_left() {
        assert_eq!(code("000.00.14.H56").level(), 2);
        assert_eq!(code("000.17.22.H56").level(), 3);
        assert_eq!(code("001.17.22.H56").level(), 4);
        assert_eq!(
            code("000.17.22.H56").parent_code(),
            Some(code("000.00.22.H56"))
        );
    }

    #[test]
    fn rejects_malformed_codes() {
        for bad in [
            "",
            "000.00.00.h56",
            "000.00.00.H5",
            "00.00.00.H56",
            "000.00.00.56H",
            "000.0a.00.H56",
            "000.00.00.H56.1",
            "000-00-00-H56",
            "000.12.00.H56",
            "001.00.14.H56",
            "000.00.00.Ư56",
            "+00.00.00.H56",
        ] {
            assert_eq!(
                bad.parse::<AgencyCode>(),
                Err(AgencyCodeError::Format),
                "{bad}"
            );
        }
    }

    #[test]
    fn child_sets_exactly_one_more_level() {
        let province = code("000.00.00.H56");
        let department = code("000.00.14.H56");
        assert!(department.check_parent(Some(&province)).is_ok());
        assert!(
            code("000.03.14.H56")
                .check_parent(Some(&department))
                .is_ok()
        );
        // Two levels down, another province, a sibling: all refused.
        assert!(code("000.03.14.H56").check_parent(Some(&province)).is_err());
        assert!(code("000.00.14.H41").check_parent(Some(&province)).is_err());
        assert!(
            code("000.00.15.H56")
                .check_parent(Some(&department))
                .is_err()
        );
        assert_eq!(
            province.check_parent(Some(&department)),
            Err(AgencyCodeError::TopLevelWithParent("000.00.00.H56".into()))
        );
        assert!(department.check_parent(None).is_err());
    }

    proptest! {
        #[test]
        fn display_round_trips(v in 0u16..1000, z in 0u8..100, y in 0u8..100, g in b'A'..=b'Z', x in 0u8..100) {
            let text = format!("{v:03}.{z:02}.{y:02}.{}{x:02}", g as char);
            match text.parse::<AgencyCode>() {
                Ok(c) => prop_assert_eq!(c.to_string(), text),
                Err(_) => prop_assert!(z != 0 && y == 0 || v != 0 && z == 0),
            }
        }

        #[test]
        fn parser_never_panics(s in "\\PC{0,40}") {
            let _ = s.parse::<AgencyCode>();
        }

        #[test]
        fn parent_of_a_code_is_its_parent(y in 1u8..100, z in 1u8..100) {
            let child = code(&format!("000.{z:02}.{y:02}.H56"));
            let parent = child.parent_code().unwrap();
            prop_assert!(child.is_child_of(&parent));
            prop_assert_eq!(parent.level(), 2);
        }
    }
}
