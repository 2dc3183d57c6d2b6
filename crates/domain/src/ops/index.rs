//! An index version (Decision 766/QĐ-TTg's five groups, 100 points; docs/operations-design.md
//! §2) as data: groups, their indicators with weights and one formula each, constants, validity
//! dates and the rule for an indicator without data. [`validate`] checks a version whole and
//! lists every error; [`score`] computes the points of a checked version from source values and
//! declared values.

use super::formula::{self, Env, Expr, FormulaError, Values};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What an indicator without data scores.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WhenEmpty {
    /// It is left out: its group is scaled over the indicators that have data.
    #[default]
    Exclude,
    Zero,
    Full,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    pub code: String,
    pub title: String,
    #[serde(default)]
    pub legal_basis: String,
    pub valid_from: NaiveDate,
    #[serde(default)]
    pub valid_to: Option<NaiveDate>,
    /// Weights not yet checked against the decision's appendix ("trọng số tạm").
    #[serde(default)]
    pub provisional: bool,
    #[serde(default)]
    pub when_empty: WhenEmpty,
    #[serde(default)]
    pub constants: BTreeMap<String, f64>,
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub key: String,
    pub title: String,
    pub weight: f64,
    pub indicators: Vec<Indicator>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub key: String,
    pub title: String,
    pub weight: f64,
    /// Entered by an official with evidence, rather than measured.
    #[serde(default)]
    pub declared: bool,
    pub formula: String,
    /// Where the figures come from (a module's sources, or who declares it).
    #[serde(default)]
    pub source: String,
    /// The text the indicator rests on.
    #[serde(default)]
    pub legal_basis: String,
    #[serde(default)]
    pub provisional: bool,
}

/// The points the groups share.
pub const TOTAL: f64 = 100.0;
const EPSILON: f64 = 1e-9;

/// One problem in a version, at a path such as `groups[1].indicators[0].formula`.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionError {
    pub path: String,
    pub kind: VersionErrorKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum VersionErrorKind {
    Empty,
    /// The end of validity before its start.
    Validity,
    /// The groups' weights, and their sum.
    GroupsSum(f64),
    /// A group's weight, and the sum of its indicators'.
    IndicatorsSum(f64, f64),
    /// Not a positive finite number.
    Weight,
    DuplicateKey(String),
    Constant,
    Formula(FormulaError),
    /// Another version (its code) valid on some of the same days.
    Overlap(String),
}

impl VersionError {
    pub fn en(&self) -> String {
        let at = &self.path;
        match &self.kind {
            VersionErrorKind::Empty => format!("{at}: must not be empty"),
            VersionErrorKind::Validity => format!("{at}: valid_to is before valid_from"),
            VersionErrorKind::GroupsSum(s) => {
                format!("{at}: the groups' weights sum to {s}, not {TOTAL}")
            }
            VersionErrorKind::IndicatorsSum(w, s) => {
                format!("{at}: the indicators' weights sum to {s}, not the group's {w}")
            }
            VersionErrorKind::Weight => format!("{at}: the weight must be a positive number"),
            VersionErrorKind::DuplicateKey(k) => format!("{at}: the key {k} is used twice"),
            VersionErrorKind::Constant => format!("{at}: the constant must be a finite number"),
            VersionErrorKind::Formula(e) => format!("{at}: {}", e.en()),
            VersionErrorKind::Overlap(c) => {
                format!("{at}: the validity overlaps that of version {c}")
            }
        }
    }

    pub fn vi(&self) -> String {
        let at = &self.path;
        match &self.kind {
            VersionErrorKind::Empty => format!("{at}: không được để trống."),
            VersionErrorKind::Validity => {
                format!("{at}: ngày hết hiệu lực trước ngày bắt đầu hiệu lực.")
            }
            VersionErrorKind::GroupsSum(s) => {
                format!("{at}: tổng trọng số các nhóm là {s}, phải bằng {TOTAL}.")
            }
            VersionErrorKind::IndicatorsSum(w, s) => format!(
                "{at}: tổng trọng số các chỉ số thành phần là {s}, phải bằng trọng số nhóm {w}."
            ),
            VersionErrorKind::Weight => format!("{at}: trọng số phải là số dương."),
            VersionErrorKind::DuplicateKey(k) => format!("{at}: mã {k} bị trùng."),
            VersionErrorKind::Constant => format!("{at}: hằng số phải là một số hữu hạn."),
            VersionErrorKind::Formula(e) => format!("{at}: {}", e.vi()),
            VersionErrorKind::Overlap(c) => {
                format!("{at}: thời gian hiệu lực trùng với phiên bản {c}.")
            }
        }
    }
}

/// A version that passed [`validate`], with its formulas parsed.
#[derive(Debug, Clone)]
pub struct Checked {
    pub definition: Definition,
    /// One per indicator, in the definition's order (groups, then indicators).
    formulas: Vec<Vec<Expr>>,
}

/// Checks a version whole against the sources the modules declare; every error is listed.
pub fn validate(def: Definition, sources: &[&str]) -> Result<Checked, Vec<VersionError>> {
    let mut errors = Vec::new();
    let mut err = |path: String, kind| errors.push(VersionError { path, kind });
    for (path, v) in [("code", &def.code), ("title", &def.title)] {
        if v.trim().is_empty() {
            err(path.to_owned(), VersionErrorKind::Empty);
        }
    }
    if def.valid_to.is_some_and(|to| to < def.valid_from) {
        err("valid_to".to_owned(), VersionErrorKind::Validity);
    }
    for (name, v) in &def.constants {
        if !v.is_finite() {
            err(format!("constants.{name}"), VersionErrorKind::Constant);
        }
    }
    if def.groups.is_empty() {
        err("groups".to_owned(), VersionErrorKind::Empty);
    }
    let sum: f64 = def.groups.iter().map(|g| g.weight).sum();
    if !def.groups.is_empty() && (sum - TOTAL).abs() > EPSILON {
        err("groups".to_owned(), VersionErrorKind::GroupsSum(sum));
    }
    let mut group_keys = BTreeSet::new();
    let mut indicator_keys = BTreeSet::new();
    let mut formulas = Vec::new();
    for (gi, g) in def.groups.iter().enumerate() {
        let gp = format!("groups[{gi}]");
        if g.key.trim().is_empty() {
            err(format!("{gp}.key"), VersionErrorKind::Empty);
        } else if !group_keys.insert(g.key.as_str()) {
            err(
                format!("{gp}.key"),
                VersionErrorKind::DuplicateKey(g.key.clone()),
            );
        }
        if !(g.weight.is_finite() && g.weight > 0.0) {
            err(format!("{gp}.weight"), VersionErrorKind::Weight);
        }
        if g.indicators.is_empty() {
            err(format!("{gp}.indicators"), VersionErrorKind::Empty);
        }
        let isum: f64 = g.indicators.iter().map(|i| i.weight).sum();
        if !g.indicators.is_empty() && (isum - g.weight).abs() > EPSILON {
            err(
                format!("{gp}.indicators"),
                VersionErrorKind::IndicatorsSum(g.weight, isum),
            );
        }
        let mut parsed = Vec::new();
        for (ii, ind) in g.indicators.iter().enumerate() {
            let ip = format!("{gp}.indicators[{ii}]");
            if ind.key.trim().is_empty() {
                err(format!("{ip}.key"), VersionErrorKind::Empty);
            } else if !indicator_keys.insert(ind.key.as_str()) {
                err(
                    format!("{ip}.key"),
                    VersionErrorKind::DuplicateKey(ind.key.clone()),
                );
            }
            if !(ind.weight.is_finite() && ind.weight > 0.0) {
                err(format!("{ip}.weight"), VersionErrorKind::Weight);
            }
            let env = Env {
                sources,
                constants: &def.constants,
                declared: ind.declared,
            };
            match formula::parse(&ind.formula).and_then(|e| formula::check(&e, &env).map(|()| e)) {
                Ok(e) => parsed.push(e),
                Err(e) => err(format!("{ip}.formula"), VersionErrorKind::Formula(e)),
            }
        }
        formulas.push(parsed);
    }
    if errors.is_empty() {
        Ok(Checked {
            definition: def,
            formulas,
        })
    } else {
        Err(errors)
    }
}

/// Whether two validity periods share a day (an open end runs for ever).
pub fn overlaps(a: (NaiveDate, Option<NaiveDate>), b: (NaiveDate, Option<NaiveDate>)) -> bool {
    let ends_before = |x: Option<NaiveDate>, start: NaiveDate| x.is_some_and(|e| e < start);
    !(ends_before(a.1, b.0) || ends_before(b.1, a.0))
}

/// The versions among `others` (code, from, to) whose validity overlaps `def`'s, as errors.
pub fn overlapping(
    def: &Definition,
    others: &[(String, NaiveDate, Option<NaiveDate>)],
) -> Vec<VersionError> {
    others
        .iter()
        .filter(|(code, from, to)| {
            *code != def.code && overlaps((def.valid_from, def.valid_to), (*from, *to))
        })
        .map(|(code, _, _)| VersionError {
            path: "valid_from".to_owned(),
            kind: VersionErrorKind::Overlap(code.clone()),
        })
        .collect()
}

/// One indicator's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorScore {
    pub key: String,
    pub weight: f64,
    /// The formula's value before clamping; `None` when empty.
    pub value: Option<f64>,
    /// Clamped to [0, weight] and rounded to 2 decimals; `None` when empty and excluded.
    pub points: Option<f64>,
    /// Clamping changed the value ("vượt khung").
    pub clamped: bool,
    pub declared: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupScore {
    pub key: String,
    pub weight: f64,
    /// `None` when no indicator has data and the version excludes empty ones.
    pub points: Option<f64>,
    pub indicators: Vec<IndicatorScore>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    /// The sum of the groups' points (empty groups add nothing).
    pub total: f64,
    /// Whether every group had data.
    pub complete: bool,
    pub groups: Vec<GroupScore>,
}

/// Rounds half away from zero to 2 decimals.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

struct Reader<'a> {
    source: &'a dyn Fn(&str) -> Option<f64>,
    constants: &'a BTreeMap<String, f64>,
    declared: Option<f64>,
}

impl Values for Reader<'_> {
    fn source(&self, name: &str) -> Option<f64> {
        (self.source)(name)
    }
    fn constant(&self, name: &str) -> Option<f64> {
        self.constants.get(name).copied()
    }
    fn declared(&self) -> Option<f64> {
        self.declared
    }
}

/// The points of a checked version, given each source's value and each declared indicator's
/// value (by indicator key).
pub fn score(
    v: &Checked,
    source: &dyn Fn(&str) -> Option<f64>,
    declared: &dyn Fn(&str) -> Option<f64>,
) -> Score {
    let def = &v.definition;
    let mut groups = Vec::new();
    for (g, exprs) in def.groups.iter().zip(&v.formulas) {
        let mut indicators = Vec::new();
        for (ind, e) in g.indicators.iter().zip(exprs) {
            let reader = Reader {
                source,
                constants: &def.constants,
                declared: if ind.declared {
                    declared(&ind.key)
                } else {
                    None
                },
            };
            let value = formula::eval(e, &reader);
            let (points, clamped) = match value {
                Some(x) => {
                    let c = x.max(0.0).min(ind.weight);
                    (Some(round2(c)), c != x)
                }
                None => match def.when_empty {
                    WhenEmpty::Exclude => (None, false),
                    WhenEmpty::Zero => (Some(0.0), false),
                    WhenEmpty::Full => (Some(round2(ind.weight)), false),
                },
            };
            indicators.push(IndicatorScore {
                key: ind.key.clone(),
                weight: ind.weight,
                value,
                points,
                clamped,
                declared: ind.declared,
            });
        }
        let with_data: f64 = indicators
            .iter()
            .filter(|i| i.points.is_some())
            .map(|i| i.weight)
            .sum();
        let sum: f64 = indicators.iter().filter_map(|i| i.points).sum();
        let points = if with_data <= 0.0 {
            None
        } else if (with_data - g.weight).abs() <= EPSILON {
            Some(round2(sum))
        } else {
            Some(round2(sum * g.weight / with_data))
        };
        groups.push(GroupScore {
            key: g.key.clone(),
            weight: g.weight,
            points,
            indicators,
        });
    }
    Score {
        total: round2(groups.iter().filter_map(|g| g.points).sum()),
        complete: groups.iter().all(|g| g.points.is_some()),
        groups,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SOURCES: &[&str] = &["d.finished", "d.on_time", "f.received", "f.bad"];

    fn ind(key: &str, weight: f64, formula: &str) -> Indicator {
        Indicator {
            key: key.into(),
            title: key.into(),
            weight,
            declared: false,
            formula: formula.into(),
            source: String::new(),
            legal_basis: String::new(),
            provisional: true,
        }
    }

    fn fixture() -> Definition {
        Definition {
            code: "766-test".into(),
            title: "Thử".into(),
            legal_basis: "766/QĐ-TTg".into(),
            valid_from: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            valid_to: None,
            provisional: true,
            when_empty: WhenEmpty::Exclude,
            constants: BTreeMap::from([("target".into(), 0.8)]),
            groups: vec![
                Group {
                    key: "publicity".into(),
                    title: "Công khai".into(),
                    weight: 20.0,
                    indicators: vec![Indicator {
                        declared: true,
                        ..ind("1.1", 20.0, "20 * clamp(declared, 0, 1)")
                    }],
                },
                Group {
                    key: "progress".into(),
                    title: "Tiến độ".into(),
                    weight: 50.0,
                    indicators: vec![
                        ind("2.1", 30.0, "30 * ratio(d.on_time, d.finished)"),
                        ind(
                            "2.2",
                            20.0,
                            "20 * ratio(d.on_time, d.finished) / const.target",
                        ),
                    ],
                },
                Group {
                    key: "satisfaction".into(),
                    title: "Hài lòng".into(),
                    weight: 30.0,
                    indicators: vec![
                        ind("5.1", 10.0, "10 * ratio(f.received - f.bad, f.received)"),
                        ind("5.2", 20.0, "20 - f.bad"),
                    ],
                },
            ],
        }
    }

    fn values(pairs: &[(&str, f64)]) -> impl Fn(&str) -> Option<f64> {
        let m: BTreeMap<String, f64> = pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
        move |name| m.get(name).copied()
    }

    #[test]
    fn a_hand_computed_score() {
        let v = validate(fixture(), SOURCES).unwrap();
        let s = score(
            &v,
            &values(&[
                ("d.finished", 3.0),
                ("d.on_time", 2.0),
                ("f.received", 0.0),
                ("f.bad", 25.0),
            ]),
            &|k| (k == "1.1").then_some(0.5),
        );
        // 1.1: 20 × 0.5 = 10. 2.1: 30 × 2/3 = 20. 2.2: 20 × 0.6667 / 0.8 = 16.67 (rounded).
        // 5.1: empty (no feedback) → excluded; 5.2: 20 − 25 < 0 → 0, clamped. Group 5 is
        // scaled over 5.2 alone: 0 × 30/20 = 0.
        let points: Vec<_> = s
            .groups
            .iter()
            .flat_map(|g| {
                g.indicators
                    .iter()
                    .map(|i| (i.key.as_str(), i.points, i.clamped))
            })
            .collect();
        assert_eq!(
            points,
            vec![
                ("1.1", Some(10.0), false),
                ("2.1", Some(20.0), false),
                ("2.2", Some(16.67), false),
                ("5.1", None, false),
                ("5.2", Some(0.0), true),
            ]
        );
        let groups: Vec<_> = s.groups.iter().map(|g| g.points).collect();
        assert_eq!(groups, vec![Some(10.0), Some(36.67), Some(0.0)]);
        assert_eq!(s.total, 46.67);
        assert!(s.complete);

        // Scaling: 5.1 with data, 5.2 empty through a division by zero.
        let mut def = fixture();
        def.groups[2].indicators[1].formula = "20 * ratio(f.bad, f.received)".into();
        let v = validate(def.clone(), SOURCES).unwrap();
        let vals = values(&[("f.received", 4.0), ("f.bad", 1.0)]);
        let s = score(&v, &vals, &|_| None);
        // 5.1 = 7.5 of 10 with data; 5.2 = 5 of 20: the whole group has data: 12.5.
        assert_eq!(s.groups[2].points, Some(12.5));
        // Nothing declared, no dossiers: groups 1 and 2 are empty under `exclude`.
        assert_eq!((s.groups[0].points, s.groups[1].points), (None, None));
        assert!(!s.complete);
        assert_eq!(s.total, 12.5);
        let vals = values(&[("f.received", 0.0), ("f.bad", 0.0)]);
        let s = score(&v, &vals, &|_| None);
        assert_eq!(s.groups[2].points, None);
        // `zero` and `full`.
        for (rule, want) in [(WhenEmpty::Zero, 0.0), (WhenEmpty::Full, 100.0)] {
            let mut d = def.clone();
            d.when_empty = rule;
            let v = validate(d, SOURCES).unwrap();
            assert_eq!(score(&v, &vals, &|_| None).total, want, "{rule:?}");
        }
        // Scaled group: 5.1 has data (8 of 10), 5.2 is empty → 8 × 30 / 10 = 24.
        let vals = values(&[("f.received", 5.0), ("f.bad", 1.0)]);
        let mut d = fixture();
        d.groups[2].indicators[1].formula = "coalesce(declared * 0, ratio(1, 0))".into();
        d.groups[2].indicators[1].declared = true;
        let v = validate(d, SOURCES).unwrap();
        assert_eq!(score(&v, &vals, &|_| None).groups[2].points, Some(24.0));
    }

    #[test]
    fn validation_lists_every_error() {
        let mut d = fixture();
        d.code = " ".into();
        d.valid_to = NaiveDate::from_ymd_opt(2026, 1, 1);
        d.groups[0].weight = 25.0;
        d.groups[1].indicators[1].key = "2.1".into();
        d.groups[1].indicators[0].formula = "30 * ratio(d.ontime, d.finished)".into();
        d.groups[2].indicators[1].weight = -1.0;
        d.groups[2].indicators[0].formula = "10 * declared".into();
        d.constants.insert("bad".into(), f64::NAN);
        let errors = validate(d, SOURCES).unwrap_err();
        let mut paths: Vec<_> = errors.iter().map(|e| e.path.as_str()).collect();
        paths.sort_unstable();
        assert_eq!(
            paths,
            vec![
                "code",
                "constants.bad",
                "groups",
                "groups[0].indicators",
                "groups[1].indicators[0].formula",
                "groups[1].indicators[1].key",
                "groups[2].indicators",
                "groups[2].indicators[0].formula",
                "groups[2].indicators[1].weight",
                "valid_to",
            ]
        );
        let unknown = errors
            .iter()
            .find(|e| e.path == "groups[1].indicators[0].formula")
            .unwrap();
        assert!(matches!(
            &unknown.kind,
            VersionErrorKind::Formula(f) if f.kind == formula::ErrorKind::UnknownSource("d.ontime".into(), Some("d.on_time".into()))
        ));
        assert!(unknown.vi().contains("không có nguồn số liệu d.ontime"));
        assert!(
            errors
                .iter()
                .any(|e| e.kind == VersionErrorKind::GroupsSum(105.0))
        );
        assert!(validate(fixture(), SOURCES).is_ok());
    }

    #[test]
    fn overlapping_validity() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let cases = [
            (
                (day(2027, 1, 1), None),
                (day(2020, 1, 1), Some(day(2026, 12, 31))),
                false,
            ),
            (
                (day(2027, 1, 1), None),
                (day(2020, 1, 1), Some(day(2027, 1, 1))),
                true,
            ),
            ((day(2027, 1, 1), None), (day(2030, 1, 1), None), true),
            (
                (day(2027, 1, 1), Some(day(2027, 6, 30))),
                (day(2027, 7, 1), None),
                false,
            ),
            (
                (day(2027, 1, 1), Some(day(2027, 6, 30))),
                (day(2027, 3, 1), Some(day(2027, 3, 2))),
                true,
            ),
        ];
        for (a, b, want) in cases {
            assert_eq!(overlaps(a, b), want, "{a:?} {b:?}");
            assert_eq!(overlaps(b, a), want, "{b:?} {a:?}");
        }
        let others = vec![
            ("766-2022".to_owned(), day(2022, 6, 23), None),
            ("766-test".to_owned(), day(2027, 1, 1), None),
        ];
        let e = overlapping(&fixture(), &others);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].kind, VersionErrorKind::Overlap("766-2022".into()));
    }

    proptest! {
        /// Whatever the sources hold, every indicator's points stay within [0, weight] and the
        /// total within [0, 100].
        #[test]
        fn points_stay_within_their_weights(
            vals in prop::collection::vec(prop::option::of(-1e9f64..1e9), 4),
            declared in prop::option::of(-10f64..10.0),
        ) {
            let v = validate(fixture(), SOURCES).unwrap();
            let src = |name: &str| SOURCES.iter().position(|s| *s == name).and_then(|i| vals[i]);
            let s = score(&v, &src, &|_| declared);
            for g in &s.groups {
                for i in &g.indicators {
                    if let Some(p) = i.points {
                        prop_assert!((0.0..=i.weight).contains(&p), "{} {}", i.key, p);
                    }
                }
                if let Some(p) = g.points {
                    prop_assert!((0.0..=g.weight + 1e-6).contains(&p), "{} {}", g.key, p);
                }
            }
            prop_assert!((0.0..=100.0 + 1e-6).contains(&s.total));
        }
    }
}
