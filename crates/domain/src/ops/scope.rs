//! Scopes of the operations centre (docs/operations-design.md §1, §5): the province `p`, an
//! agency's subtree `a:<agency id>`, an administrative unit `u:<unit code>`; and which scopes a
//! viewer holds. A leader holds their agency's subtree, and, when that agency is a People's
//! Committee, the unit it governs (the province's committee: the province and every unit).
//! Anything else is not theirs (the caller answers 404).

/// A scope, as counters are kept under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Province,
    Agency(String),
    Unit(String),
}

/// The pattern the API declares for a scope.
pub const PATTERN: &str = r"^(p|a:[A-Za-z0-9_-]{1,64}|u:[A-Za-z0-9._-]{1,32})$";

impl Scope {
    /// Reads `p`, `a:<id>` or `u:<code>`.
    pub fn parse(s: &str) -> Option<Scope> {
        let ok = |v: &str, max: usize, extra: &[char]| {
            !v.is_empty()
                && v.len() <= max
                && v.chars().all(|c| {
                    c.is_ascii_alphanumeric() || c == '-' || c == '_' || extra.contains(&c)
                })
        };
        match s.split_once(':') {
            None if s == "p" => Some(Scope::Province),
            Some(("a", id)) if ok(id, 64, &[]) => Some(Scope::Agency(id.to_owned())),
            Some(("u", code)) if ok(code, 32, &['.']) => Some(Scope::Unit(code.to_owned())),
            _ => None,
        }
    }

    /// As stored in the counters.
    pub fn key(&self) -> String {
        match self {
            Scope::Province => "p".to_owned(),
            Scope::Agency(id) => format!("a:{id}"),
            Scope::Unit(code) => format!("u:{code}"),
        }
    }
}

/// The scopes a viewer holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Holding {
    /// Every scope: system administrators, the province's People's Committee's leaders.
    pub all: bool,
    /// Agencies whose figures they see (their agency and those below it).
    pub agencies: Vec<String>,
    /// Administrative units whose figures they see (the one their committee governs).
    pub units: Vec<String>,
}

impl Holding {
    pub fn holds(&self, scope: &Scope) -> bool {
        self.all
            || match scope {
                Scope::Province => false,
                Scope::Agency(id) => self.agencies.iter().any(|a| a == id),
                Scope::Unit(code) => self.units.iter().any(|u| u == code),
            }
    }

    /// Whether it holds any scope at all.
    pub fn any(&self) -> bool {
        self.all || !self.agencies.is_empty() || !self.units.is_empty()
    }

    /// The widest scope held: the province, the unit governed, or the viewer's own agency (the
    /// first of `agencies`).
    pub fn widest(&self) -> Option<Scope> {
        if self.all {
            Some(Scope::Province)
        } else if let Some(u) = self.units.first() {
            Some(Scope::Unit(u.clone()))
        } else {
            self.agencies.first().map(|a| Scope::Agency(a.clone()))
        }
    }
}

/// The viewer's holding from what they are: a system administrator; a leader of an agency
/// (`subtree`: it and those below it), which may be a People's Committee governing `unit`,
/// `province` when that unit is the province.
pub fn holding(
    system_admin: bool,
    leader: bool,
    subtree: Vec<String>,
    committee_unit: Option<(String, bool)>,
) -> Holding {
    if system_admin {
        return Holding {
            all: true,
            ..Holding::default()
        };
    }
    if !leader {
        return Holding::default();
    }
    match committee_unit {
        Some((_, true)) => Holding {
            all: true,
            ..Holding::default()
        },
        Some((unit, false)) => Holding {
            all: false,
            agencies: subtree,
            units: vec![unit],
        },
        None => Holding {
            all: false,
            agencies: subtree,
            units: Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_and_print() {
        for (text, want) in [
            ("p", Some(Scope::Province)),
            ("a:7f3e-91", Some(Scope::Agency("7f3e-91".into()))),
            ("u:14932", Some(Scope::Unit("14932".into()))),
            ("u:000.00.60.H56", Some(Scope::Unit("000.00.60.H56".into()))),
            ("", None),
            ("q", None),
            ("a:", None),
            ("a:x y", None),
            ("a:x.y", None),
            ("u:'--", None),
            ("p:1", None),
        ] {
            assert_eq!(Scope::parse(text), want, "{text:?}");
            if let Some(s) = want {
                assert_eq!(s.key(), text);
            }
        }
    }

    #[test]
    fn who_holds_what() {
        let sub = || vec!["ward".to_owned(), "ward-culture".to_owned()];
        let p = Scope::Province;
        let ward = Scope::Agency("ward".into());
        let culture = Scope::Agency("ward-culture".into());
        let justice = Scope::Agency("justice".into());
        let unit = Scope::Unit("14932".into());
        let other_unit = Scope::Unit("15001".into());
        // (who, holding, [p, ward, culture, justice, unit, other unit])
        let rows: [(&str, Holding, [bool; 6]); 6] = [
            (
                "system administrator",
                holding(true, false, vec![], None),
                [true; 6],
            ),
            (
                "province committee leader",
                holding(false, true, sub(), Some(("38".into(), true))),
                [true; 6],
            ),
            (
                "ward committee leader",
                holding(false, true, sub(), Some(("14932".into(), false))),
                [false, true, true, false, true, false],
            ),
            (
                "a ward office's leader",
                holding(false, true, vec!["ward-culture".into()], None),
                [false, false, true, false, false, false],
            ),
            (
                "a ward specialist",
                holding(false, false, sub(), Some(("14932".into(), false))),
                [false; 6],
            ),
            ("nobody", Holding::default(), [false; 6]),
        ];
        for (who, h, want) in rows {
            let got = [&p, &ward, &culture, &justice, &unit, &other_unit].map(|s| h.holds(s));
            assert_eq!(got, want, "{who}");
            assert_eq!(h.any(), want.iter().any(|x| *x), "{who}");
        }
        assert_eq!(
            holding(false, true, sub(), Some(("14932".into(), false))).widest(),
            Some(unit)
        );
        assert_eq!(holding(true, false, vec![], None).widest(), Some(p));
    }
}
