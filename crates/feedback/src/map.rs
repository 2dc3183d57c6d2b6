//! The operations centre's feedback map, counted span by span (docs/operations-design.md §5):
//! a closed span's mapped reports are summed once per cell of [`KEPT_ZOOM`] and per agency and
//! place, kept by the node (`tinhso_kernel::periods`), and the map of any coarser zoom and any
//! scope is added up from those sums. A view then reads the cells of its window, not its
//! reports, so it costs the same whatever the history. Open spans (this month) are summed at
//! each view, and finer zooms than [`KEPT_ZOOM`] (a cluster a few kilometres wide) are counted
//! from the reports, as before.
//!
//! Cells nest exactly: the grid's sizes are 360° ÷ 2ᶻ, so the row of a position at zoom `z` is
//! the row at [`KEPT_ZOOM`] divided by 2^(KEPT_ZOOM − z), rounded down. A cell's count, open
//! count, coordinate sums and extent add up from the cells inside it; its overdue count moves
//! with the clock, so each kept cell holds the due times of its open reports and counts those
//! before today at the view.

use std::collections::{BTreeMap, HashMap};
use tinhso_domain::ops::map::Cells;
use tinhso_kernel::module::GeoCell;

/// The zoom the kept sums are counted at: cells of 0.022° (about 2.4 km), three zoom steps
/// (one click) below a province's whole view.
pub const KEPT_ZOOM: u8 = 14;

/// What the map sums of the reports of one cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Sum {
    pub n: i64,
    pub open: i64,
    pub sum_lat: f64,
    pub sum_lon: f64,
    pub south: f64,
    pub west: f64,
    pub north: f64,
    pub east: f64,
    /// The local due times of the open reports, in order (none for an open report without a
    /// deadline: it is never overdue).
    pub dues: Vec<String>,
}

impl Sum {
    fn empty() -> Sum {
        Sum {
            n: 0,
            open: 0,
            sum_lat: 0.0,
            sum_lon: 0.0,
            south: f64::INFINITY,
            west: f64::INFINITY,
            north: f64::NEG_INFINITY,
            east: f64::NEG_INFINITY,
            dues: Vec::new(),
        }
    }

    fn add(&mut self, other: &Sum) {
        self.n += other.n;
        self.open += other.open;
        self.sum_lat += other.sum_lat;
        self.sum_lon += other.sum_lon;
        self.south = self.south.min(other.south);
        self.west = self.west.min(other.west);
        self.north = self.north.max(other.north);
        self.east = self.east.max(other.east);
    }

    /// Open reports due before `today` (`YYYY-MM-DD`): local times of one width compare as
    /// text, as the store's `due_local < today` does.
    pub fn overdue(&self, today: &str) -> i64 {
        self.dues.partition_point(|d| d.as_str() < today) as i64
    }
}

/// Sums per cell (row, column) of [`KEPT_ZOOM`].
pub type CellSums = HashMap<(i64, i64), Sum>;

/// A span's sums, grouped as a scope selects reports (the store's `place_clause`): all of
/// them; by handling agency; by place (administrative unit); and those without a place, by
/// agency.
#[derive(Debug, Default)]
pub struct SpanCells {
    pub all: CellSums,
    pub by_agency: HashMap<String, CellSums>,
    pub by_unit: HashMap<String, CellSums>,
    pub unplaced_by_agency: HashMap<String, CellSums>,
}

/// Where a scope's reports are, as the map's query says it: everything; or the reports of
/// `agencies` — and, with a `unit`, those placed in it, while those placed elsewhere are not.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub all: bool,
    pub agencies: &'a [String],
    pub unit: Option<&'a str>,
}

impl SpanCells {
    /// Adds the sums of the reports of one group: handling agency, place and cell.
    pub fn put(&mut self, agency: Option<&str>, unit: Option<&str>, cell: (i64, i64), sum: &Sum) {
        let into = |sums: &mut CellSums| {
            let kept = sums.entry(cell).or_insert_with(Sum::empty);
            kept.add(sum);
            kept.dues.extend(sum.dues.iter().cloned());
        };
        into(&mut self.all);
        if let Some(a) = agency {
            into(self.by_agency.entry(a.to_owned()).or_default());
            if unit.is_none() {
                into(self.unplaced_by_agency.entry(a.to_owned()).or_default());
            }
        }
        if let Some(u) = unit {
            into(self.by_unit.entry(u.to_owned()).or_default());
        }
    }

    /// Puts each cell's due times in order, once all are added.
    pub fn seal(&mut self) {
        let groups = std::iter::once(&mut self.all)
            .chain(self.by_agency.values_mut())
            .chain(self.by_unit.values_mut())
            .chain(self.unplaced_by_agency.values_mut());
        for sums in groups {
            for sum in sums.values_mut() {
                sum.dues.sort_unstable();
            }
        }
    }

    /// The groups of sums a place's reports are in, each report in exactly one.
    fn of<'s>(&'s self, place: Place<'_>) -> Vec<&'s CellSums> {
        if place.all {
            return vec![&self.all];
        }
        let by = match place.unit {
            Some(_) => &self.unplaced_by_agency,
            None => &self.by_agency,
        };
        let mut out: Vec<&CellSums> = place.agencies.iter().filter_map(|a| by.get(a)).collect();
        if let Some(u) = place.unit.and_then(|u| self.by_unit.get(u)) {
            out.push(u);
        }
        out
    }
}

/// The cells of `cells` (a zoom no finer than [`KEPT_ZOOM`]) holding reports of `place` in the
/// spans `kept`, with their overdue counts at `today`, in row then column order (as the store's
/// `geo_cells` answers).
pub fn add_up<'a>(
    kept: impl IntoIterator<Item = &'a SpanCells>,
    place: Place<'_>,
    cells: &Cells,
    today: &str,
) -> Vec<GeoCell> {
    let shift = u32::from(KEPT_ZOOM.saturating_sub(cells.zoom));
    let mut out: BTreeMap<(i64, i64), (Sum, i64)> = BTreeMap::new();
    for span in kept {
        for group in span.of(place) {
            for (&(row, col), sum) in group {
                let (row, col) = (row >> shift, col >> shift);
                if row < cells.rows.0 || row > cells.rows.1 {
                    continue;
                }
                if col < cells.cols.0 || col > cells.cols.1 {
                    continue;
                }
                let (cell, overdue) = out.entry((row, col)).or_insert_with(|| (Sum::empty(), 0));
                cell.add(sum);
                *overdue += sum.overdue(today);
            }
        }
    }
    out.into_iter()
        .map(|((row, col), (s, overdue))| GeoCell {
            row,
            col,
            n: s.n,
            open: s.open,
            overdue,
            sum_lat: s.sum_lat,
            sum_lon: s.sum_lon,
            south: s.south,
            west: s.west,
            north: s.north,
            east: s.east,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tinhso_domain::ops::map::{Cell, cell_size};

    /// A report as the map sees it: agency, unit, position, open and its due day.
    #[derive(Debug, Clone)]
    struct Report {
        agency: Option<String>,
        unit: Option<String>,
        lat: f64,
        lon: f64,
        due: Option<String>,
        open: bool,
    }

    fn report() -> impl Strategy<Value = Report> {
        (
            proptest::option::of(0..3u8),
            proptest::option::of(0..3u8),
            19.0..21.0f64,
            105.0..107.0f64,
            proptest::option::of(1..28u8),
            any::<bool>(),
        )
            .prop_map(|(a, u, lat, lon, due, open)| Report {
                agency: a.map(|a| format!("a{a}")),
                unit: u.map(|u| format!("u{u}")),
                lat,
                lon,
                due: due.map(|d| format!("2025-05-{d:02}T17:00:00")),
                open,
            })
    }

    fn in_place(r: &Report, place: Place<'_>) -> bool {
        if place.all {
            return true;
        }
        let by_agency = r
            .agency
            .as_ref()
            .is_some_and(|a| place.agencies.contains(a));
        match place.unit {
            Some(u) => r.unit.as_deref() == Some(u) || (r.unit.is_none() && by_agency),
            None => by_agency,
        }
    }

    /// The map counted straight from the reports, as the store's `geo_cells` does.
    fn direct(reports: &[Report], place: Place<'_>, cells: &Cells, today: &str) -> Vec<GeoCell> {
        let mut out: BTreeMap<(i64, i64), GeoCell> = BTreeMap::new();
        for r in reports.iter().filter(|r| in_place(r, place)) {
            let c = Cell::of(r.lat, r.lon, cells.zoom);
            if c.row < cells.rows.0 || c.row > cells.rows.1 {
                continue;
            }
            if c.col < cells.cols.0 || c.col > cells.cols.1 {
                continue;
            }
            let g = out.entry((c.row, c.col)).or_insert(GeoCell {
                row: c.row,
                col: c.col,
                n: 0,
                open: 0,
                overdue: 0,
                sum_lat: 0.0,
                sum_lon: 0.0,
                south: f64::INFINITY,
                west: f64::INFINITY,
                north: f64::NEG_INFINITY,
                east: f64::NEG_INFINITY,
            });
            g.n += 1;
            g.open += i64::from(r.open);
            g.overdue += i64::from(r.open && r.due.as_deref().is_some_and(|d| d < today));
            g.sum_lat += r.lat;
            g.sum_lon += r.lon;
            g.south = g.south.min(r.lat);
            g.west = g.west.min(r.lon);
            g.north = g.north.max(r.lat);
            g.east = g.east.max(r.lon);
        }
        out.into_values().collect()
    }

    /// The kept sums of some reports, one report a group (the store groups more, which adds
    /// the same).
    fn kept(reports: &[Report]) -> SpanCells {
        let mut span = SpanCells::default();
        for r in reports {
            let c = Cell::of(r.lat, r.lon, KEPT_ZOOM);
            let sum = Sum {
                n: 1,
                open: i64::from(r.open),
                sum_lat: r.lat,
                sum_lon: r.lon,
                south: r.lat,
                west: r.lon,
                north: r.lat,
                east: r.lon,
                dues: if r.open {
                    r.due.iter().cloned().collect()
                } else {
                    Vec::new()
                },
            };
            span.put(r.agency.as_deref(), r.unit.as_deref(), (c.row, c.col), &sum);
        }
        span.seal();
        span
    }

    fn same(a: &[GeoCell], b: &[GeoCell]) -> bool {
        let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * x.abs().max(1.0);
        a.len() == b.len()
            && a.iter().zip(b).all(|(a, b)| {
                (a.row, a.col, a.n, a.open, a.overdue) == (b.row, b.col, b.n, b.open, b.overdue)
                    && close(a.sum_lat, b.sum_lat)
                    && close(a.sum_lon, b.sum_lon)
                    && (a.south, a.west, a.north, a.east) == (b.south, b.west, b.north, b.east)
            })
    }

    proptest! {
        /// Added up from kept sums, split into spans any way, the map of every coarser zoom
        /// and every kind of scope equals the map counted from the reports.
        #[test]
        fn kept_sums_add_up_to_the_direct_count(
            reports in proptest::collection::vec(report(), 0..60),
            split in 0usize..60,
            zoom in 0u8..=KEPT_ZOOM,
            scope in 0u8..4,
        ) {
            let cut = split.min(reports.len());
            let spans = [kept(&reports[..cut]), kept(&reports[cut..])];
            let agencies = vec!["a0".to_owned(), "a2".to_owned()];
            let place = match scope {
                0 => Place { all: true, agencies: &[], unit: None },
                1 => Place { all: false, agencies: &agencies, unit: None },
                2 => Place { all: false, agencies: &agencies, unit: Some("u1") },
                _ => Place { all: false, agencies: &[], unit: Some("u0") },
            };
            // The view's window: a few cells around the reports' area at that zoom, or all.
            let size = cell_size(zoom);
            let cells = Cells {
                zoom,
                rows: (((19.5 + 90.0) / size) as i64, ((21.0 + 90.0) / size) as i64),
                cols: (0, (360.0 / size) as i64),
            };
            let today = "2025-05-14";
            let got = add_up(spans.iter(), place, &cells, today);
            let want = direct(&reports, place, &cells, today);
            prop_assert!(same(&got, &want), "{got:?} ≠ {want:?}");
        }
    }

    #[test]
    fn overdue_counts_the_dues_before_today() {
        let sum = Sum {
            dues: vec!["2025-05-01T17:00:00".into(), "2025-05-20T17:00:00".into()],
            ..Sum::empty()
        };
        assert_eq!(sum.overdue("2025-05-01"), 0);
        assert_eq!(sum.overdue("2025-05-02"), 1);
        assert_eq!(sum.overdue("2025-05-21"), 2);
    }
}
