//! The operations centre's feedback map (docs/operations-design.md §5): a fixed grid of cells
//! by zoom level, geohash-style, that reports are counted into (the counting itself is one
//! `GROUP BY` in the owning module's SQL, with the same arithmetic as [`Cell::of`]); the
//! clusters made of those cells; the window of cells a bounding box spans, bounded; and the
//! equirectangular projection the server-drawn SVG map uses. No I/O, deterministic.
//!
//! The grid: at zoom `z` a cell is `360 / 2^z` degrees on each side, counted from (−90, −180):
//! row `floor((lat + 90) / size)`, column `floor((lon + 180) / size)`. A cell of zoom `z`
//! holds exactly the 8 × 8 cells of zoom `z + 3` ([`ZOOM_STEP`]), so clicking a cluster shows
//! the same reports split finer. Sizes are powers of two, exact in binary floating point.

use serde::Serialize;

/// The finest zoom (a cell of about 2 m).
pub const MAX_ZOOM: u8 = 24;
/// Zoom levels a click on a cluster goes down: a cell splits into 8 × 8.
pub const ZOOM_STEP: u8 = 3;
/// Cells a query may span at most (64 × 64): the query and its answer stay bounded.
pub const MAX_CELLS: i64 = 4096;
/// Cells across the dashboard's map, at most, on its longer side.
pub const VIEW_CELLS: i64 = 8;

/// Why a bounding box or a zoom is refused, in Vietnamese ([`MapError::vi`]) and English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    #[error("bbox is west,south,east,north in degrees, west < east, south < north")]
    BadBox,
    #[error("zoom is a whole number from 0 to 24")]
    BadZoom,
    #[error("this zoom divides the bbox into more than 4096 cells")]
    TooManyCells,
}

impl MapError {
    pub fn vi(&self) -> &'static str {
        match self {
            MapError::BadBox => {
                "Khung bản đồ (bbox) cần dạng tây,nam,đông,bắc theo độ, tây < đông, nam < bắc."
            }
            MapError::BadZoom => "Mức phóng (zoom) là số nguyên từ 0 đến 24.",
            MapError::TooManyCells => {
                "Mức phóng này chia khung bản đồ thành quá 4096 ô; hãy chọn khung nhỏ hơn hoặc mức phóng thấp hơn."
            }
        }
    }
}

/// A bounding box in degrees (WGS 84).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BBox {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

impl BBox {
    /// `west,south,east,north` (the order of OGC and Grafana), each finite and in range,
    /// west < east and south < north.
    pub fn parse(s: &str) -> Result<BBox, MapError> {
        let parts: Vec<f64> = s
            .split(',')
            .map(|p| p.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| MapError::BadBox)?;
        let &[west, south, east, north] = parts.as_slice() else {
            return Err(MapError::BadBox);
        };
        let b = BBox {
            west,
            south,
            east,
            north,
        };
        let lon = -180.0..=180.0;
        let lat = -90.0..=90.0;
        let ok = [west, south, east, north].iter().all(|v| v.is_finite())
            && lon.contains(&west)
            && lon.contains(&east)
            && lat.contains(&south)
            && lat.contains(&north)
            && west < east
            && south < north;
        if ok { Ok(b) } else { Err(MapError::BadBox) }
    }

    pub fn param(&self) -> String {
        format!("{},{},{},{}", self.west, self.south, self.east, self.north)
    }

    /// The box grown by `share` of its size on every side, at least `min` degrees on each
    /// side of its centre, kept within the world.
    pub fn padded(&self, share: f64, min: f64) -> BBox {
        let grow = |lo: f64, hi: f64| {
            let pad = (hi - lo) * share;
            let (mut lo, mut hi) = (lo - pad, hi + pad);
            if hi - lo < 2.0 * min {
                let mid = (lo + hi) / 2.0;
                (lo, hi) = (mid - min, mid + min);
            }
            (lo, hi)
        };
        let (west, east) = grow(self.west, self.east);
        let (south, north) = grow(self.south, self.north);
        BBox {
            west: west.max(-180.0),
            south: south.max(-90.0),
            east: east.min(180.0),
            north: north.min(90.0),
        }
    }
}

/// The side of a cell at `zoom`, in degrees.
pub fn cell_size(zoom: u8) -> f64 {
    360.0 / f64::from(1u32 << zoom.min(MAX_ZOOM))
}

pub fn parse_zoom(s: &str) -> Result<u8, MapError> {
    s.trim()
        .parse::<u8>()
        .ok()
        .filter(|z| *z <= MAX_ZOOM)
        .ok_or(MapError::BadZoom)
}

/// One cell of the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Cell {
    pub zoom: u8,
    pub row: i64,
    pub col: i64,
}

impl Cell {
    /// The cell a point falls in (a point on a cell's south or west edge is in it).
    pub fn of(lat: f64, lon: f64, zoom: u8) -> Cell {
        let size = cell_size(zoom);
        Cell {
            zoom: zoom.min(MAX_ZOOM),
            row: ((lat + 90.0) / size).floor() as i64,
            col: ((lon + 180.0) / size).floor() as i64,
        }
    }

    /// `zoom/row/col`, as links carry it.
    pub fn key(&self) -> String {
        format!("{}/{}/{}", self.zoom, self.row, self.col)
    }

    /// A cell named by [`Cell::key`], inside the world; `None` otherwise.
    pub fn parse(s: &str) -> Option<Cell> {
        let mut parts = s.split('/');
        let zoom = parse_zoom(parts.next()?).ok()?;
        let row: i64 = parts.next()?.parse().ok()?;
        let col: i64 = parts.next()?.parse().ok()?;
        if parts.next().is_some() {
            return None;
        }
        let cols = 1i64 << zoom;
        let rows = (cols + 1) / 2;
        ((0..rows).contains(&row) && (0..cols).contains(&col)).then_some(Cell { zoom, row, col })
    }

    pub fn bbox(&self) -> BBox {
        let size = cell_size(self.zoom);
        BBox {
            west: self.col as f64 * size - 180.0,
            south: self.row as f64 * size - 90.0,
            east: (self.col + 1) as f64 * size - 180.0,
            north: ((self.row + 1) as f64 * size - 90.0).min(90.0),
        }
    }

    /// The zoom a click on this cell shows: its 8 × 8 cells.
    pub fn closer(&self) -> u8 {
        (self.zoom + ZOOM_STEP).min(MAX_ZOOM)
    }

    /// The window of this one cell.
    pub fn window(&self) -> Cells {
        Cells {
            zoom: self.zoom,
            rows: (self.row, self.row),
            cols: (self.col, self.col),
        }
    }
}

/// The cells of one zoom whose rows and columns lie in two ranges (both ends included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Cells {
    pub zoom: u8,
    pub rows: (i64, i64),
    pub cols: (i64, i64),
}

impl Cells {
    pub fn count(&self) -> i64 {
        (self.rows.1 - self.rows.0 + 1) * (self.cols.1 - self.cols.0 + 1)
    }

    pub fn contains(&self, c: Cell) -> bool {
        c.zoom == self.zoom
            && (self.rows.0..=self.rows.1).contains(&c.row)
            && (self.cols.0..=self.cols.1).contains(&c.col)
    }
}

/// The cells of `zoom` a box touches (a box ending on a cell's edge does not touch the next
/// cell), refused when more than [`MAX_CELLS`].
pub fn cells_of(b: BBox, zoom: u8) -> Result<Cells, MapError> {
    if zoom > MAX_ZOOM {
        return Err(MapError::BadZoom);
    }
    let size = cell_size(zoom);
    let last = |hi: f64, origin: f64, lo_index: i64| {
        let x = (hi + origin) / size;
        let i = x.floor() as i64;
        // A box ending exactly on an edge stops before it.
        if x == x.floor() && i > lo_index {
            i - 1
        } else {
            i
        }
    };
    let lo = Cell::of(b.south, b.west, zoom);
    let cols_max = (1i64 << zoom) - 1;
    let rows_max = ((1i64 << zoom) + 1) / 2 - 1;
    let c = Cells {
        zoom,
        rows: (
            lo.row.clamp(0, rows_max),
            last(b.north, 90.0, lo.row).clamp(0, rows_max),
        ),
        cols: (
            lo.col.clamp(0, cols_max),
            last(b.east, 180.0, lo.col).clamp(0, cols_max),
        ),
    };
    if c.count() > MAX_CELLS {
        return Err(MapError::TooManyCells);
    }
    Ok(c)
}

/// The finest zoom at which `b` spans at most `across` cells on each side (0 at least).
pub fn zoom_for(b: BBox, across: i64) -> u8 {
    let mut best = 0;
    for z in 0..=MAX_ZOOM {
        match cells_of(b, z) {
            Ok(c) if c.rows.1 - c.rows.0 < across && c.cols.1 - c.cols.0 < across => best = z,
            _ => break,
        }
    }
    best
}

/// What one cell holds, as the owning module sums it: reports, open ones, overdue ones, the
/// sums of their coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellSum {
    pub cell: Cell,
    pub n: i64,
    pub open: i64,
    pub overdue: i64,
    pub sum_lat: f64,
    pub sum_lon: f64,
}

/// A point to count (the reference the SQL `GROUP BY` follows; tests use it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub lat: f64,
    pub lon: f64,
    pub open: bool,
    pub overdue: bool,
}

/// Points summed per cell of `zoom`, in cell order.
pub fn sum_points(points: &[Point], zoom: u8) -> Vec<CellSum> {
    let mut cells: std::collections::BTreeMap<Cell, CellSum> = Default::default();
    for p in points {
        let cell = Cell::of(p.lat, p.lon, zoom);
        let s = cells.entry(cell).or_insert(CellSum {
            cell,
            n: 0,
            open: 0,
            overdue: 0,
            sum_lat: 0.0,
            sum_lon: 0.0,
        });
        s.n += 1;
        s.open += i64::from(p.open);
        s.overdue += i64::from(p.overdue);
        s.sum_lat += p.lat;
        s.sum_lon += p.lon;
    }
    cells.into_values().collect()
}

/// A cluster: the reports of one cell, drawn at their centroid.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cluster {
    pub cell: Cell,
    /// `zoom/row/col`.
    pub key: String,
    pub n: i64,
    pub open: i64,
    pub overdue: i64,
    /// The centroid (mean of the reports' coordinates), to 6 decimals.
    pub lat: f64,
    pub lon: f64,
    pub bbox: BBox,
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The clusters of some cell sums: empty cells dropped, sums of one cell merged, the largest
/// first and then by cell (deterministic whatever order the sums come in).
pub fn clusters(sums: &[CellSum]) -> Vec<Cluster> {
    let mut merged: std::collections::BTreeMap<Cell, CellSum> = Default::default();
    for s in sums.iter().filter(|s| s.n > 0) {
        merged
            .entry(s.cell)
            .and_modify(|m| {
                m.n += s.n;
                m.open += s.open;
                m.overdue += s.overdue;
                m.sum_lat += s.sum_lat;
                m.sum_lon += s.sum_lon;
            })
            .or_insert(*s);
    }
    let mut out: Vec<Cluster> = merged
        .into_values()
        .map(|s| Cluster {
            cell: s.cell,
            key: s.cell.key(),
            n: s.n,
            open: s.open,
            overdue: s.overdue,
            lat: round6(s.sum_lat / s.n as f64),
            lon: round6(s.sum_lon / s.n as f64),
            bbox: s.cell.bbox(),
        })
        .collect();
    out.sort_by(|a, b| b.n.cmp(&a.n).then(a.cell.cmp(&b.cell)));
    out
}

/// Where a box is drawn: `width` × `height` pixels, equirectangular, with longitude shrunk by
/// the cosine of the middle latitude so shapes keep their proportions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Frame {
    pub bbox: BBox,
    pub width: f64,
    pub height: f64,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The frame of `b` at `width` pixels; its height follows the box's proportions, kept between
/// a quarter of and twice the width.
pub fn frame(b: BBox, width: f64) -> Frame {
    let mid = ((b.south + b.north) / 2.0).to_radians().cos().max(0.01);
    let ratio = (b.north - b.south) / ((b.east - b.west) * mid);
    Frame {
        bbox: b,
        width,
        height: round1(width * ratio.clamp(0.25, 2.0)),
    }
}

/// The pixel of a point in a frame (x from the west, y from the north), to 0.1 px.
pub fn project(f: &Frame, lat: f64, lon: f64) -> (f64, f64) {
    let b = f.bbox;
    (
        round1((lon - b.west) / (b.east - b.west) * f.width),
        round1((b.north - lat) / (b.north - b.south) * f.height),
    )
}

/// A circle's radius for `n` of at most `max`: its area grows with `n`, from `min` to `most`.
pub fn radius(n: i64, max: i64, min: f64, most: f64) -> f64 {
    if max <= 0 || n <= 0 {
        return min;
    }
    let share = (n.min(max) as f64 / max as f64).sqrt();
    round1(min + (most - min) * share)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// First and last row, first and last column.
    type Span = (i64, i64, i64, i64);
    /// Count, open, overdue, latitude, longitude.
    type Counted = (i64, i64, i64, f64, f64);

    fn b(west: f64, south: f64, east: f64, north: f64) -> BBox {
        BBox {
            west,
            south,
            east,
            north,
        }
    }

    #[test]
    fn bounding_boxes_parse_or_are_refused() {
        let rows: &[(&str, Result<BBox, MapError>)] = &[
            ("105.5,19.5,106,20", Ok(b(105.5, 19.5, 106.0, 20.0))),
            (" -180 , -90 ,180,90", Ok(b(-180.0, -90.0, 180.0, 90.0))),
            ("105.5,19.5,106", Err(MapError::BadBox)),
            ("105.5,19.5,106,20,1", Err(MapError::BadBox)),
            ("106,19.5,105.5,20", Err(MapError::BadBox)),
            ("105.5,20,106,20", Err(MapError::BadBox)),
            ("105.5,19.5,181,20", Err(MapError::BadBox)),
            ("105.5,-91,106,20", Err(MapError::BadBox)),
            ("a,b,c,d", Err(MapError::BadBox)),
            ("NaN,19.5,106,20", Err(MapError::BadBox)),
            ("105.5,19.5,inf,20", Err(MapError::BadBox)),
            ("", Err(MapError::BadBox)),
        ];
        for (s, want) in rows {
            assert_eq!(&BBox::parse(s), want, "{s}");
        }
    }

    #[test]
    fn zooms_parse_from_0_to_24() {
        for (s, want) in [
            ("0", Ok(0)),
            ("24", Ok(24)),
            ("25", Err(MapError::BadZoom)),
            ("-1", Err(MapError::BadZoom)),
            ("8.5", Err(MapError::BadZoom)),
            ("", Err(MapError::BadZoom)),
        ] {
            assert_eq!(parse_zoom(s), want, "{s}");
        }
    }

    #[test]
    fn points_fall_in_the_cells_of_the_grid() {
        // zoom 8: cells of 1.40625°.
        let rows: &[(f64, f64, u8, (i64, i64))] = &[
            (-90.0, -180.0, 0, (0, 0)),
            (89.9, 179.9, 0, (0, 0)),
            (0.0, 0.0, 1, (0, 1)),
            (19.8, 105.78, 8, (78, 203)),
            // On a cell's south-west corner: that cell.
            (
                -90.0 + 78.0 * 1.40625,
                -180.0 + 203.0 * 1.40625,
                8,
                (78, 203),
            ),
            // Just below it: the cells south and west.
            (
                -90.0 + 78.0 * 1.40625 - 1e-9,
                -180.0 + 203.0 * 1.40625 - 1e-9,
                8,
                (77, 202),
            ),
            (19.8, 105.78, 11, (624, 1625)),
        ];
        for (lat, lon, zoom, (row, col)) in rows {
            let c = Cell::of(*lat, *lon, *zoom);
            assert_eq!((c.row, c.col), (*row, *col), "{lat},{lon} at {zoom}");
            let bb = c.bbox();
            assert!(bb.south <= *lat && *lat < bb.north.max(bb.south + 1e-12));
            assert!(bb.west <= *lon && *lon < bb.east);
        }
    }

    #[test]
    fn a_cell_holds_exactly_its_eight_by_eight_children() {
        let parent = Cell::of(19.8, 105.78, 8);
        let children = cells_of(parent.bbox(), parent.closer()).unwrap();
        assert_eq!(children.count(), 64);
        let inside = [(19.8, 105.78), (19.69, 105.47), (20.9, 106.8)];
        let outside = [(21.2, 105.78), (19.6, 105.78), (19.8, 106.9)];
        for (lat, lon) in inside.into_iter().chain(outside) {
            let inner = Cell::of(lat, lon, parent.closer());
            assert_eq!(
                children.contains(inner),
                inside.contains(&(lat, lon)),
                "{lat},{lon}"
            );
            assert_eq!(
                Cell::of(lat, lon, 8) == parent,
                inside.contains(&(lat, lon))
            );
        }
    }

    #[test]
    fn cell_keys_round_trip_and_stay_inside_the_world() {
        let c = Cell {
            zoom: 11,
            row: 630,
            col: 1625,
        };
        assert_eq!(c.key(), "11/630/1625");
        assert_eq!(Cell::parse("11/630/1625"), Some(c));
        for bad in [
            "",
            "11",
            "11/630",
            "11/630/1625/1",
            "25/0/0",
            "1/1/0",
            "1/0/2",
            "2/-1/0",
            "x/0/0",
            "0/0/0/",
        ] {
            assert_eq!(Cell::parse(bad), None, "{bad}");
        }
        assert_eq!(
            Cell::parse("0/0/0").unwrap().bbox(),
            b(-180.0, -90.0, 180.0, 90.0)
        );
    }

    #[test]
    fn a_box_spans_a_bounded_window_of_cells() {
        let rows: &[(BBox, u8, Result<Span, MapError>)] = &[
            (b(-180.0, -90.0, 180.0, 90.0), 0, Ok((0, 0, 0, 0))),
            (b(-180.0, -90.0, 180.0, 90.0), 1, Ok((0, 0, 0, 1))),
            // Ending on an edge does not touch the next cell.
            (b(0.0, 0.0, 90.0, 45.0), 3, Ok((2, 2, 4, 5))),
            (b(0.0, 0.0, 90.1, 45.1), 3, Ok((2, 3, 4, 6))),
            (b(105.0, 19.0, 106.0, 20.0), 8, Ok((77, 78, 202, 203))),
            (
                b(105.0, 19.0, 106.0, 20.0),
                14,
                Ok((4960, 5006, 12970, 13016)),
            ),
            (b(105.0, 19.0, 106.0, 20.0), 15, Err(MapError::TooManyCells)),
            (b(105.0, 19.0, 106.0, 20.0), 25, Err(MapError::BadZoom)),
        ];
        for (bb, zoom, want) in rows {
            let got = cells_of(*bb, *zoom).map(|c| (c.rows.0, c.rows.1, c.cols.0, c.cols.1));
            assert_eq!(&got, want, "{bb:?} at {zoom}");
        }
    }

    #[test]
    fn the_view_zoom_fits_the_box_in_eight_cells() {
        let rows: &[(BBox, u8)] = &[
            (b(-180.0, -90.0, 180.0, 90.0), 3),
            // A province of about a degree and a half.
            (b(104.4, 19.3, 106.1, 20.7), 10),
            // A ward of a few kilometres.
            (b(105.74, 19.77, 105.82, 19.83), 15),
            (Cell::of(19.8, 105.78, 8).bbox(), 11),
        ];
        for (bb, want) in rows {
            let z = zoom_for(*bb, VIEW_CELLS);
            assert_eq!(z, *want, "{bb:?}");
            let c = cells_of(*bb, z).unwrap();
            assert!(c.rows.1 - c.rows.0 < VIEW_CELLS && c.cols.1 - c.cols.0 < VIEW_CELLS);
            if z < MAX_ZOOM {
                let too_fine = match cells_of(*bb, z + 1) {
                    Err(e) => e == MapError::TooManyCells,
                    Ok(f) => f.rows.1 - f.rows.0 >= VIEW_CELLS || f.cols.1 - f.cols.0 >= VIEW_CELLS,
                };
                assert!(too_fine, "{bb:?}: zoom {} fits too", z + 1);
            }
        }
    }

    fn p(lat: f64, lon: f64, open: bool, overdue: bool) -> Point {
        Point {
            lat,
            lon,
            open,
            overdue,
        }
    }

    #[test]
    fn points_cluster_by_cell_with_counts_and_centroids() {
        // Three reports in Thanh Hóa city, one in Sầm Sơn, one in Hà Nội: all in one cell at
        // zoom 8 (1.40625°), three cells at zoom 11 (0.17578125°).
        let points = [
            p(19.80, 105.78, true, true),
            p(19.81, 105.77, true, false),
            p(19.79, 105.79, false, false),
            p(19.74, 105.90, true, false),
            p(21.03, 105.85, false, false),
        ];
        let cases: &[(u8, &[Counted])] = &[
            (8, &[(5, 3, 1, 20.034, 105.818)]),
            (
                11,
                &[
                    (3, 2, 1, 19.8, 105.78),
                    (1, 1, 0, 19.74, 105.9),
                    (1, 0, 0, 21.03, 105.85),
                ],
            ),
            (0, &[(5, 3, 1, 20.034, 105.818)]),
        ];
        for (zoom, want) in cases {
            let got: Vec<Counted> = clusters(&sum_points(&points, *zoom))
                .iter()
                .map(|c| (c.n, c.open, c.overdue, c.lat, c.lon))
                .collect();
            assert_eq!(&got, want, "zoom {zoom}");
        }
    }

    #[test]
    fn clusters_are_the_same_whatever_the_order_or_split_of_the_sums() {
        let points = [
            p(19.80, 105.78, true, true),
            p(19.74, 105.90, true, false),
            p(21.03, 105.85, false, false),
            p(19.81, 105.77, false, false),
        ];
        let whole = clusters(&sum_points(&points, 11));
        let mut split = sum_points(&points[..2], 11);
        split.extend(sum_points(&points[2..], 11));
        split.reverse();
        split.push(CellSum {
            cell: Cell::of(0.0, 0.0, 11),
            n: 0,
            open: 0,
            overdue: 0,
            sum_lat: 0.0,
            sum_lon: 0.0,
        });
        assert_eq!(clusters(&split), whole);
        // Equal counts go by cell: south first.
        let ones = clusters(&sum_points(&points[1..3], 11));
        assert!(ones[0].cell < ones[1].cell);
    }

    #[test]
    fn the_projection_puts_corners_on_the_frame_and_keeps_proportions() {
        let f = frame(b(105.0, 19.0, 107.0, 21.0), 400.0);
        // cos(20°) ≈ 0.9397: the frame is a little taller than wide.
        assert_eq!(f.height, 425.7);
        let rows: &[(f64, f64, (f64, f64))] = &[
            (21.0, 105.0, (0.0, 0.0)),
            (19.0, 107.0, (400.0, 425.7)),
            (20.5, 106.5, (300.0, 106.4)),
            (19.5, 105.5, (100.0, 319.3)),
        ];
        for (lat, lon, want) in rows {
            assert_eq!(project(&f, *lat, *lon), *want, "{lat},{lon}");
        }
        // A thin strip is kept within a quarter and twice the width.
        assert_eq!(frame(b(0.0, 0.0, 10.0, 0.1), 400.0).height, 100.0);
        assert_eq!(frame(b(0.0, 0.0, 0.1, 10.0), 400.0).height, 800.0);
    }

    #[test]
    fn circles_grow_with_the_square_root_of_the_count() {
        for (n, max, want) in [
            (0, 10, 8.0),
            (1, 1, 30.0),
            (25, 100, 19.0),
            (100, 100, 30.0),
            (200, 100, 30.0),
            (3, 0, 8.0),
        ] {
            assert_eq!(radius(n, max, 8.0, 30.0), want, "{n}/{max}");
        }
    }

    #[test]
    fn padding_keeps_a_single_point_visible() {
        let one = b(105.78, 19.8, 105.78 + 1e-9, 19.8 + 1e-9).padded(0.05, 0.01);
        assert!((one.east - one.west - 0.02).abs() < 1e-6);
        assert!(one.south < 19.8 && 19.8 < one.north);
        let world = b(-180.0, -90.0, 180.0, 90.0).padded(0.1, 0.0);
        assert_eq!(world, b(-180.0, -90.0, 180.0, 90.0));
    }
}
