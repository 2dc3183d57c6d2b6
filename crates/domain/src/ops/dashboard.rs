//! The leader's dashboard's pure rules (docs/operations-design.md §5): which months a trend
//! shows, how scopes are ranked (those with too few dossiers are listed, not ranked), the split
//! of finished dossiers by outcome, and the geometry of the small server-drawn charts.

use super::period::{Basis, Window, decree09_month_of};
use chrono::{Datelike, NaiveDate};

/// Dossiers finished below which a scope is listed "chưa đủ số liệu" rather than ranked
/// (the default of `tinhso_domain::disclosure`'s small counts).
pub const MIN_VOLUME: i64 = 5;

/// The months a trend shows for a window: the months of `basis` from the window's first to
/// its last, none starting after `today`, the last `max` of them, as period names
/// (`2026-M03`).
pub fn trend_months(w: Window, basis: Basis, today: NaiveDate, max: usize) -> Vec<String> {
    let end = w.to.min(today);
    if end < w.from {
        return Vec::new();
    }
    let month_of = |d: NaiveDate| match basis {
        Basis::Calendar => (d.year(), d.month()),
        Basis::Decree09 => decree09_month_of(d),
    };
    let (mut y, mut m) = month_of(w.from);
    let last = month_of(end);
    let mut out = Vec::new();
    while (y, m) <= last {
        out.push(format!("{y:04}-M{m:02}"));
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    let skip = out.len().saturating_sub(max);
    out.split_off(skip)
}

/// A scope's place: `Some(n)` when ranked (places shared by equal totals, "1, 1, 3"), `None`
/// when its volume is below `min_volume` or it has no total.
#[derive(Debug, Clone, PartialEq)]
pub struct Place<T> {
    pub place: Option<usize>,
    pub item: T,
    pub total: Option<f64>,
    pub volume: i64,
}

/// Ranks `(item, total, volume)` rows: ranked rows first, by total (highest first), then
/// volume (largest first), then as given; then the unranked ones, as given.
pub fn rank<T>(rows: Vec<(T, Option<f64>, i64)>, min_volume: i64) -> Vec<Place<T>> {
    let (mut ranked, unranked): (Vec<_>, Vec<_>) = rows
        .into_iter()
        .enumerate()
        .partition(|(_, (_, total, volume))| total.is_some() && *volume >= min_volume);
    ranked.sort_by(|(ia, (_, ta, va)), (ib, (_, tb, vb))| {
        tb.unwrap_or(0.0)
            .total_cmp(&ta.unwrap_or(0.0))
            .then(vb.cmp(va))
            .then(ia.cmp(ib))
    });
    let mut out = Vec::new();
    let mut previous: Option<(f64, usize)> = None;
    for (i, (_, (item, total, volume))) in ranked.into_iter().enumerate() {
        let t = total.unwrap_or(0.0);
        let place = match previous {
            Some((pt, pp)) if pt == t => pp,
            _ => i + 1,
        };
        previous = Some((t, place));
        out.push(Place {
            place: Some(place),
            item,
            total,
            volume,
        });
    }
    out.extend(
        unranked
            .into_iter()
            .map(|(_, (item, total, volume))| Place {
                place: None,
                item,
                total,
                volume,
            }),
    );
    out
}

/// Finished dossiers by outcome. The counters keep "on time" including the early ones
/// (`dossier.finished_on_time`); the dashboard shows the three apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Outcomes {
    pub early: i64,
    pub on_time: i64,
    pub late: i64,
}

impl Outcomes {
    pub fn of(early: i64, on_time_with_early: i64, late: i64) -> Outcomes {
        Outcomes {
            early,
            on_time: (on_time_with_early - early).max(0),
            late,
        }
    }

    pub fn total(&self) -> i64 {
        self.early + self.on_time + self.late
    }

    /// Each part's share in per cent of the total, one decimal (all 0 for none).
    pub fn shares(&self) -> [f64; 3] {
        let t = self.total();
        if t == 0 {
            return [0.0; 3];
        }
        [self.early, self.on_time, self.late].map(|n| (n as f64 * 1000.0 / t as f64).round() / 10.0)
    }
}

/// A point of a line chart, in the chart's pixels (y down), with its value.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartPoint {
    pub x: f64,
    pub y: f64,
    pub value: f64,
}

/// The points of a line chart of `values` (one per slot, evenly spaced; empty slots draw
/// nothing) scaled from 0..`max` into a `width` × `height` box with `pad` pixels around.
pub fn line(
    values: &[Option<f64>],
    max: f64,
    width: f64,
    height: f64,
    pad: f64,
) -> Vec<ChartPoint> {
    let n = values.len();
    let inner_w = (width - 2.0 * pad).max(0.0);
    let inner_h = (height - 2.0 * pad).max(0.0);
    let step = if n > 1 { inner_w / (n - 1) as f64 } else { 0.0 };
    let max = if max > 0.0 { max } else { 1.0 };
    values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            v.map(|v| {
                let x = if n > 1 {
                    pad + step * i as f64
                } else {
                    width / 2.0
                };
                let y = pad + inner_h * (1.0 - (v / max).clamp(0.0, 1.0));
                ChartPoint {
                    x: (x * 10.0).round() / 10.0,
                    y: (y * 10.0).round() / 10.0,
                    value: v,
                }
            })
        })
        .collect()
}

/// `points` as an SVG `points` attribute.
pub fn polyline(points: &[ChartPoint]) -> String {
    points
        .iter()
        .map(|p| format!("{},{}", p.x, p.y))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_trend_shows_the_months_begun_by_today() {
        let year = Window {
            from: d(2026, 1, 1),
            to: d(2026, 12, 31),
        };
        let cases: &[(Window, Basis, NaiveDate, usize, &[&str])] = &[
            (
                year,
                Basis::Calendar,
                d(2026, 3, 10),
                12,
                &["2026-M01", "2026-M02", "2026-M03"],
            ),
            (year, Basis::Calendar, d(2025, 3, 10), 12, &[]),
            (
                year,
                Basis::Calendar,
                d(2027, 3, 10),
                2,
                &["2026-M11", "2026-M12"],
            ),
            // Decree 09: 20 December 2025 is in January 2026's month.
            (
                Window {
                    from: d(2025, 12, 15),
                    to: d(2026, 3, 14),
                },
                Basis::Decree09,
                d(2026, 2, 20),
                12,
                &["2026-M01", "2026-M02", "2026-M03"],
            ),
            (
                Window {
                    from: d(2025, 11, 20),
                    to: d(2026, 1, 31),
                },
                Basis::Calendar,
                d(2026, 6, 1),
                12,
                &["2025-M11", "2025-M12", "2026-M01"],
            ),
        ];
        for (w, basis, today, max, want) in cases {
            assert_eq!(
                trend_months(*w, *basis, *today, *max),
                *want,
                "{w:?} {today}"
            );
        }
    }

    #[test]
    fn small_volumes_are_listed_unranked_and_equal_totals_share_a_place() {
        let rows = vec![
            ("a", Some(50.0), 10),
            ("b", Some(90.0), 4),
            ("c", Some(70.0), 5),
            ("d", Some(50.0), 20),
            ("e", None, 30),
            ("f", Some(50.0), 10),
            ("g", Some(10.0), 6),
        ];
        let got: Vec<(Option<usize>, &str)> = rank(rows, MIN_VOLUME)
            .into_iter()
            .map(|p| (p.place, p.item))
            .collect();
        assert_eq!(
            got,
            vec![
                (Some(1), "c"),
                (Some(2), "d"),
                (Some(2), "a"),
                (Some(2), "f"),
                (Some(5), "g"),
                (None, "b"),
                (None, "e"),
            ]
        );
    }

    #[test]
    fn outcomes_split_the_early_from_on_time() {
        let o = Outcomes::of(2, 7, 3);
        assert_eq!(
            o,
            Outcomes {
                early: 2,
                on_time: 5,
                late: 3
            }
        );
        assert_eq!(o.total(), 10);
        assert_eq!(o.shares(), [20.0, 50.0, 30.0]);
        assert_eq!(Outcomes::default().shares(), [0.0; 3]);
        assert_eq!(Outcomes::of(1, 2, 0).shares(), [50.0, 50.0, 0.0]);
    }

    #[test]
    fn a_line_scales_into_its_box_and_skips_empty_slots() {
        let pts = line(
            &[Some(0.0), None, Some(100.0), Some(50.0)],
            100.0,
            320.0,
            120.0,
            10.0,
        );
        assert_eq!(
            pts,
            vec![
                ChartPoint {
                    x: 10.0,
                    y: 110.0,
                    value: 0.0
                },
                ChartPoint {
                    x: 210.0,
                    y: 10.0,
                    value: 100.0
                },
                ChartPoint {
                    x: 310.0,
                    y: 60.0,
                    value: 50.0
                },
            ]
        );
        assert_eq!(polyline(&pts), "10,110 210,10 310,60");
        // Out of range values stay in the box; one slot is centred.
        let one = line(&[Some(150.0)], 100.0, 100.0, 50.0, 5.0);
        assert_eq!(
            one,
            vec![ChartPoint {
                x: 50.0,
                y: 5.0,
                value: 150.0
            }]
        );
    }
}
