//! The counters the operations centre keeps (docs/operations-design.md §3): each mark an item
//! makes (a dossier finished on time on a day, for an agency and its ancestors, its commune and
//! the province) counts once per scope in three grains: the day (key `*`), the calendar month
//! and the Decree 09 month (each with key `*` and with the mark's own key, such as a field).
//!
//! Counting is state-based: the stored marks of an item are replaced by its current ones and
//! only the [`diff`] is written, so applying the same state twice, late or out of order
//! changes nothing.

use super::period::decree09_month_of;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One thing an item counts for: `source` on `day`, in each of `scopes` (`p`, `a:<agency id>`,
/// `u:<unit code>`), broken down by `key` when it has one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Mark {
    pub source: String,
    pub day: NaiveDate,
    pub scopes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// How long a counter's period is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Grain {
    Day,
    /// Calendar month.
    Month,
    /// Decree 09 month.
    Decree09Month,
}

impl Grain {
    /// As stored: `d`, `m`, `r`.
    pub fn code(self) -> &'static str {
        match self {
            Grain::Day => "d",
            Grain::Month => "m",
            Grain::Decree09Month => "r",
        }
    }

    pub fn of_code(s: &str) -> Option<Grain> {
        match s {
            "d" => Some(Grain::Day),
            "m" => Some(Grain::Month),
            "r" => Some(Grain::Decree09Month),
            _ => None,
        }
    }
}

/// The key every mark also counts under.
pub const ALL_KEYS: &str = "*";

/// A counter's identity, ordered as the table's primary key (scope, grain, key, period, source),
/// so writing deltas in this order takes row locks in one order everywhere.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CounterKey {
    pub scope: String,
    pub grain: Grain,
    pub key: String,
    /// `YYYY-MM-DD` for days, `YYYY-MM` for months (a Decree 09 month is named by the month
    /// it ends in).
    pub period: String,
    pub source: String,
}

/// The counts a set of marks adds up to.
pub fn expand(marks: &[Mark]) -> BTreeMap<CounterKey, i64> {
    let mut out = BTreeMap::new();
    for m in marks {
        add(&mut out, m, 1);
    }
    out
}

fn add(out: &mut BTreeMap<CounterKey, i64>, m: &Mark, n: i64) {
    let (ry, rm) = decree09_month_of(m.day);
    let day = m.day.format("%Y-%m-%d").to_string();
    let month = format!("{:04}-{:02}", m.day.year(), m.day.month());
    let decree = format!("{ry:04}-{rm:02}");
    let mut keys = vec![ALL_KEYS];
    if let Some(k) = m.key.as_deref().filter(|k| *k != ALL_KEYS) {
        keys.push(k);
    }
    let mut scopes: Vec<&str> = m.scopes.iter().map(String::as_str).collect();
    scopes.sort_unstable();
    scopes.dedup();
    for scope in scopes {
        let mut put = |grain, key: &str, period: &str| {
            *out.entry(CounterKey {
                scope: scope.to_owned(),
                grain,
                key: key.to_owned(),
                period: period.to_owned(),
                source: m.source.clone(),
            })
            .or_insert(0) += n;
        };
        put(Grain::Day, ALL_KEYS, &day);
        for key in &keys {
            put(Grain::Month, key, &month);
            put(Grain::Decree09Month, key, &decree);
        }
    }
}

/// What to add to the counters when an item's marks change from `old` to `new`: the non-zero
/// deltas, in key order.
pub fn diff(old: &[Mark], new: &[Mark]) -> BTreeMap<CounterKey, i64> {
    let mut out = BTreeMap::new();
    for m in old {
        add(&mut out, m, -1);
    }
    for m in new {
        add(&mut out, m, 1);
    }
    out.retain(|_, n| *n != 0);
    out
}

/// Marks in one canonical order (sorted, scopes sorted), so equal states compare equal.
pub fn canonical(mut marks: Vec<Mark>) -> Vec<Mark> {
    for m in &mut marks {
        m.scopes.sort_unstable();
        m.scopes.dedup();
    }
    marks.sort();
    marks
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn mark(source: &str, day: &str, scopes: &[&str], key: Option<&str>) -> Mark {
        Mark {
            source: source.into(),
            day: d(day),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            key: key.map(str::to_owned),
        }
    }

    fn k(scope: &str, grain: Grain, key: &str, period: &str, source: &str) -> CounterKey {
        CounterKey {
            scope: scope.into(),
            grain,
            key: key.into(),
            period: period.into(),
            source: source.into(),
        }
    }

    #[test]
    fn one_mark_counts_in_every_grain_and_scope() {
        let m = mark(
            "dossier.finished",
            "2026-12-20",
            &["p", "a:1", "p"],
            Some("f1"),
        );
        let got = expand(&[m]);
        let want: BTreeMap<_, _> = ["a:1", "p"]
            .iter()
            .flat_map(|s| {
                [
                    k(s, Grain::Day, "*", "2026-12-20", "dossier.finished"),
                    k(s, Grain::Month, "*", "2026-12", "dossier.finished"),
                    k(s, Grain::Month, "f1", "2026-12", "dossier.finished"),
                    k(s, Grain::Decree09Month, "*", "2027-01", "dossier.finished"),
                    k(s, Grain::Decree09Month, "f1", "2027-01", "dossier.finished"),
                ]
            })
            .map(|key| (key, 1))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn diffs() {
        let a = mark("dossier.received", "2027-03-14", &["p", "a:1"], None);
        let b = mark("dossier.finished", "2027-03-15", &["p", "a:1"], None);
        let moved = mark("dossier.received", "2027-03-14", &["p", "a:2"], None);
        // The same state: nothing.
        assert!(diff(&[a.clone(), b.clone()], &[b.clone(), a.clone()]).is_empty());
        // From nothing: every counter +1.
        assert!(
            diff(&[], std::slice::from_ref(&a))
                .values()
                .all(|n| *n == 1)
        );
        // Gone: every counter −1.
        assert!(
            diff(std::slice::from_ref(&a), &[])
                .values()
                .all(|n| *n == -1)
        );
        // Another agency: the province's rows cancel out.
        let dd = diff(std::slice::from_ref(&a), &[moved]);
        assert!(dd.keys().all(|k| k.scope != "p"));
        assert_eq!(
            dd.get(&k("a:1", Grain::Day, "*", "2027-03-14", "dossier.received")),
            Some(&-1)
        );
        assert_eq!(
            dd.get(&k("a:2", Grain::Day, "*", "2027-03-14", "dossier.received")),
            Some(&1)
        );
        // 14 and 15 March are in different Decree 09 months, the same calendar month.
        let e = expand(&[a, b]);
        assert_eq!(
            e.get(&k("p", Grain::Month, "*", "2027-03", "dossier.received")),
            Some(&1)
        );
        assert_eq!(
            e.get(&k(
                "p",
                Grain::Decree09Month,
                "*",
                "2027-04",
                "dossier.finished"
            )),
            Some(&1)
        );
    }

    #[derive(Debug, Clone)]
    enum Step {
        /// Item `i` changes to the marks of `state`.
        Change(usize, usize),
        /// A delivery for item `i` runs (a first, a late or a repeated one).
        Deliver(usize),
    }

    fn states() -> Vec<Vec<Mark>> {
        vec![
            vec![],
            vec![mark("s.received", "2027-01-10", &["p", "a:1"], Some("x"))],
            vec![
                mark("s.received", "2027-01-10", &["p", "a:1"], Some("x")),
                mark("s.finished", "2027-01-20", &["p", "a:1"], Some("x")),
            ],
            vec![
                mark("s.received", "2027-01-10", &["p", "a:2", "u:9"], Some("y")),
                mark("s.late", "2027-02-14", &["p", "a:2", "u:9"], None),
            ],
            vec![mark("s.received", "2027-01-15", &["p"], None)],
        ]
    }

    proptest! {
        /// Random items and changes, delivered in random order with duplicates and stale
        /// re-deliveries: once every item's last change has been delivered, the counters equal
        /// the fold of the final marks.
        #[test]
        fn incremental_equals_the_fold(
            steps in prop::collection::vec(
                prop_oneof![
                    (0usize..6, 0usize..5).prop_map(|(i, s)| Step::Change(i, s)),
                    (0usize..6).prop_map(Step::Deliver),
                ],
                0..60,
            ),
        ) {
            let states = states();
            let mut truth = vec![0usize; 6];
            let mut counted: Vec<Vec<Mark>> = vec![vec![]; 6];
            let mut counters: BTreeMap<CounterKey, i64> = BTreeMap::new();
            let mut deliver = |i: usize, truth: &[usize], counted: &mut Vec<Vec<Mark>>| {
                let now = canonical(states[truth[i]].clone());
                for (key, n) in diff(&counted[i], &now) {
                    *counters.entry(key).or_insert(0) += n;
                }
                counted[i] = now;
            };
            for s in &steps {
                match *s {
                    Step::Change(i, st) => truth[i] = st,
                    Step::Deliver(i) => deliver(i, &truth, &mut counted),
                }
            }
            // Each change's own delivery eventually comes (at least once).
            for i in 0..6 {
                deliver(i, &truth, &mut counted);
                deliver(i, &truth, &mut counted);
            }
            counters.retain(|_, n| *n != 0);
            let all: Vec<Mark> = truth.iter().flat_map(|s| states[*s].clone()).collect();
            prop_assert_eq!(counters, expand(&all));
        }
    }
}
