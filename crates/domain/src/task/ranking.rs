//! A unit's score and the ranking of units, from rules kept as data and shown on the page.
//!
//! No regulation fixes a province's scoring (STANDARDS.md §11), so every number here is a
//! setting: points per bucket, a weight per priority, and the least number of judged tasks
//! for a unit to be ranked. A unit's score is the weighted share of its judged tasks' points
//! (0–100). Tasks still within their deadline are not judged yet. A unit with fewer judged
//! tasks than the minimum is listed, marked, but not ranked: two tasks are too few to compare
//! with two hundred. Equal scores share a rank.

use super::deadline::Bucket;
use serde::{Deserialize, Serialize};

text_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Priority {
        /// Thường.
        Normal = "normal",
        /// Quan trọng.
        High = "high",
        /// Khẩn / trọng tâm.
        Urgent = "urgent",
    }
}

/// The ranking's rules: stored, edited by the assigning office, printed with every ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankingRules {
    /// Points of a task done on time, done late, and open past its deadline (0–100).
    pub points_on_time: f64,
    pub points_late: f64,
    pub points_overdue: f64,
    /// How much a task of each priority weighs.
    pub weight_normal: f64,
    pub weight_high: f64,
    pub weight_urgent: f64,
    /// Units with fewer judged tasks are marked and left unranked.
    pub min_judged: u32,
}

impl Default for RankingRules {
    fn default() -> Self {
        RankingRules {
            points_on_time: 100.0,
            points_late: 50.0,
            points_overdue: 0.0,
            weight_normal: 1.0,
            weight_high: 2.0,
            weight_urgent: 3.0,
            min_judged: 5,
        }
    }
}

/// Why a set of rules is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    #[error("Điểm mỗi loại phải từ 0 đến 100.")]
    Points,
    #[error("Trọng số phải lớn hơn 0 và không quá 10.")]
    Weight,
}

impl RankingRules {
    pub fn validate(&self) -> Result<(), RulesError> {
        let points = [self.points_on_time, self.points_late, self.points_overdue];
        if points.iter().any(|p| !(0.0..=100.0).contains(p)) {
            return Err(RulesError::Points);
        }
        let weights = [self.weight_normal, self.weight_high, self.weight_urgent];
        if weights.iter().any(|w| !(*w > 0.0 && *w <= 10.0)) {
            return Err(RulesError::Weight);
        }
        Ok(())
    }

    fn weight(&self, p: Priority) -> f64 {
        match p {
            Priority::Normal => self.weight_normal,
            Priority::High => self.weight_high,
            Priority::Urgent => self.weight_urgent,
        }
    }

    /// The bucket's points; `None` for a task not judged yet.
    fn points(&self, b: Bucket) -> Option<f64> {
        match b {
            Bucket::DoneOnTime => Some(self.points_on_time),
            Bucket::DoneLate => Some(self.points_late),
            Bucket::OpenOverdue => Some(self.points_overdue),
            Bucket::OpenWithinDeadline => None,
        }
    }
}

/// One unit's line in a ranking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranked {
    pub unit: String,
    /// Tasks per bucket: on time, late, open within the deadline, open overdue.
    pub counts: [u32; 4],
    pub judged: u32,
    /// 0–100 to one decimal; `None` without judged tasks.
    pub score: Option<f64>,
    /// Fewer judged tasks than the rules' minimum: shown, not ranked.
    pub too_few: bool,
    /// 1 for the best; equal scores share a rank (1, 1, 3).
    pub rank: Option<u32>,
}

/// A unit's score from its tasks' (priority, bucket), to one decimal.
pub fn score(rules: &RankingRules, tasks: &[(Priority, Bucket)]) -> Option<f64> {
    let tallies: Vec<Tally> = tasks.iter().map(|(p, b)| (*p, *b, 1)).collect();
    score_tallies(rules, &tallies)
}

/// How many of a unit's tasks of a priority fell in a bucket: what a store counts in SQL
/// (`GROUP BY unit, priority, bucket`) instead of listing every task.
pub type Tally = (Priority, Bucket, u32);

/// A unit's score from its tallies, to one decimal: the same as [`score`] of the tasks they
/// count.
pub fn score_tallies(rules: &RankingRules, tallies: &[Tally]) -> Option<f64> {
    let (mut points, mut weights) = (0.0, 0.0);
    for (priority, bucket, n) in tallies {
        if let Some(p) = rules.points(*bucket) {
            let w = rules.weight(*priority) * f64::from(*n);
            points += p * w;
            weights += w;
        }
    }
    (weights > 0.0).then(|| (points / weights * 10.0).round() / 10.0)
}

/// The units ranked: the ranked ones best first (equal scores by more judged tasks, then by
/// name), then the unranked, by name.
pub fn rank(rules: &RankingRules, units: &[(String, Vec<(Priority, Bucket)>)]) -> Vec<Ranked> {
    let tallied: Vec<(String, Vec<Tally>)> = units
        .iter()
        .map(|(unit, tasks)| {
            (
                unit.clone(),
                tasks.iter().map(|(p, b)| (*p, *b, 1)).collect(),
            )
        })
        .collect();
    rank_tallies(rules, &tallied)
}

/// [`rank`] from each unit's tallies.
pub fn rank_tallies(rules: &RankingRules, units: &[(String, Vec<Tally>)]) -> Vec<Ranked> {
    let mut lines: Vec<Ranked> = units
        .iter()
        .map(|(unit, tallies)| {
            let mut counts = [0_u32; 4];
            for (_, b, n) in tallies {
                counts[bucket_index(*b)] += n;
            }
            let judged = counts[0] + counts[1] + counts[3];
            Ranked {
                unit: unit.clone(),
                counts,
                judged,
                score: score_tallies(rules, tallies),
                too_few: judged < rules.min_judged,
                rank: None,
            }
        })
        .collect();
    lines.sort_by(|a, b| {
        let ranked = |r: &Ranked| !r.too_few && r.score.is_some();
        ranked(b)
            .cmp(&ranked(a))
            .then_with(|| {
                if ranked(a) && ranked(b) {
                    b.score
                        .partial_cmp(&a.score)
                        .unwrap_or(std::cmp::Ordering::Equal)
                        .then(b.judged.cmp(&a.judged))
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .then_with(|| a.unit.cmp(&b.unit))
    });
    let mut previous: Option<(f64, u32)> = None;
    for (i, line) in lines.iter_mut().enumerate() {
        let Some(score) = line.score.filter(|_| !line.too_few) else {
            break;
        };
        let rank = match previous {
            Some((s, r)) if s == score => r,
            _ => i as u32 + 1,
        };
        line.rank = Some(rank);
        previous = Some((score, rank));
    }
    lines
}

/// A bucket's place in [`Ranked::counts`].
pub fn bucket_index(b: Bucket) -> usize {
    match b {
        Bucket::DoneOnTime => 0,
        Bucket::DoneLate => 1,
        Bucket::OpenWithinDeadline => 2,
        Bucket::OpenOverdue => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Bucket::*;
    use Priority::*;

    fn unit(name: &str, tasks: &[(Priority, Bucket)]) -> (String, Vec<(Priority, Bucket)>) {
        (name.to_owned(), tasks.to_vec())
    }

    #[test]
    fn scores_weigh_priorities_and_ignore_what_is_not_due() {
        let rules = RankingRules::default();
        type Case<'a> = (&'a [(Priority, Bucket)], Option<f64>);
        let cases: &[Case<'_>] = &[
            (&[], None),
            (&[(Normal, OpenWithinDeadline)], None),
            (&[(Normal, DoneOnTime)], Some(100.0)),
            (&[(Normal, DoneOnTime), (Normal, DoneLate)], Some(75.0)),
            // An urgent task overdue weighs three times a normal one done on time.
            (&[(Normal, DoneOnTime), (Urgent, OpenOverdue)], Some(25.0)),
            (
                &[
                    (High, DoneLate),
                    (Normal, OpenOverdue),
                    (Normal, OpenWithinDeadline),
                ],
                Some(33.3),
            ),
        ];
        for (tasks, expected) in cases {
            assert_eq!(score(&rules, tasks), *expected, "{tasks:?}");
        }
    }

    #[test]
    fn ranks_are_shared_and_small_counts_are_marked() {
        let rules = RankingRules {
            min_judged: 2,
            ..RankingRules::default()
        };
        let lines = rank(
            &rules,
            &[
                unit("Sở Xây dựng", &[(Normal, DoneLate), (Normal, DoneLate)]),
                unit("Sở Tư pháp", &[(Normal, DoneOnTime), (Normal, DoneOnTime)]),
                unit(
                    "Sở Y tế",
                    &[
                        (Normal, DoneOnTime),
                        (Normal, DoneOnTime),
                        (Normal, DoneOnTime),
                    ],
                ),
                unit("UBND xã Nam Tiến", &[(Normal, DoneOnTime)]),
                unit("Sở Nội vụ", &[(Normal, OpenWithinDeadline)]),
            ],
        );
        let summary: Vec<(&str, Option<u32>, bool)> = lines
            .iter()
            .map(|l| (l.unit.as_str(), l.rank, l.too_few))
            .collect();
        assert_eq!(
            summary,
            [
                // Equal scores share the rank; the one with more judged tasks is listed first.
                ("Sở Y tế", Some(1), false),
                ("Sở Tư pháp", Some(1), false),
                ("Sở Xây dựng", Some(3), false),
                ("Sở Nội vụ", None, true),
                ("UBND xã Nam Tiến", None, true),
            ]
        );
        assert_eq!(lines[0].counts, [3, 0, 0, 0]);
        assert_eq!(lines[3].judged, 0);
    }

    #[test]
    fn tallies_rank_as_the_tasks_they_count() {
        let rules = RankingRules {
            min_judged: 3,
            ..RankingRules::default()
        };
        let tasks = vec![
            (Normal, DoneOnTime),
            (Normal, DoneOnTime),
            (Urgent, OpenOverdue),
            (High, DoneLate),
            (Normal, OpenWithinDeadline),
        ];
        let tallies = vec![
            (Normal, DoneOnTime, 2),
            (Urgent, OpenOverdue, 1),
            (High, DoneLate, 1),
            (Normal, OpenWithinDeadline, 1),
        ];
        assert_eq!(score(&rules, &tasks), score_tallies(&rules, &tallies));
        assert_eq!(
            rank(&rules, &[("A".into(), tasks)]),
            rank_tallies(&rules, &[("A".into(), tallies)])
        );
    }

    #[test]
    fn rules_outside_their_bounds_are_refused() {
        assert_eq!(RankingRules::default().validate(), Ok(()));
        let bad_points = RankingRules {
            points_late: 120.0,
            ..RankingRules::default()
        };
        assert_eq!(bad_points.validate(), Err(RulesError::Points));
        for w in [0.0, -1.0, 11.0, f64::NAN] {
            let bad = RankingRules {
                weight_high: w,
                ..RankingRules::default()
            };
            assert_eq!(bad.validate(), Err(RulesError::Weight), "{w}");
        }
    }
}
