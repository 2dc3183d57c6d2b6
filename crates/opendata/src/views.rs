//! What the public dataset page draws from a resource's data (docs/opendata-design.md §9),
//! pure: a chart (bar, line, pie) of a label column and a value as inline SVG, the largest
//! [`CHART_MAX`] labels and the rest as "Khác"; a map as an SVG plot of points in the data's
//! bounding box (no tiles), grouped on a grid when there are more than [`MAP_DRAW`]; which
//! columns hold latitude and longitude; the points of a GeoJSON document. The page reads the
//! numbers through the datastore; these functions only lay them out.

use serde_json::Value;
use tinhso_domain::text::fold;

/// The most labels a chart shows; the rest are summed as "Khác".
pub const CHART_MAX: usize = 30;
/// The most points a map draws one by one; more are grouped on a grid.
pub const MAP_DRAW: usize = 1_000;
/// The grid a crowded map is grouped on (cells per side).
pub const MAP_GRID: usize = 40;

/// A chart's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    Bar,
    Line,
    Pie,
}

impl ChartKind {
    pub fn parse(s: &str) -> Option<ChartKind> {
        match s {
            "bar" => Some(ChartKind::Bar),
            "line" => Some(ChartKind::Line),
            "pie" => Some(ChartKind::Pie),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ChartKind::Bar => "bar",
            ChartKind::Line => "line",
            ChartKind::Pie => "pie",
        }
    }
}

/// How a label's rows become its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Count,
    Sum,
    Avg,
}

impl Measure {
    pub fn parse(s: &str) -> Option<Measure> {
        match s {
            "count" => Some(Measure::Count),
            "sum" => Some(Measure::Sum),
            "avg" => Some(Measure::Avg),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Count => "count",
            Measure::Sum => "sum",
            Measure::Avg => "avg",
        }
    }
}

/// One label's rows as the database grouped them: how many, and the sum of the value column
/// over those with a value (and how many had one).
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub label: String,
    pub rows: i64,
    pub sum: f64,
    pub valued: i64,
}

/// One slice of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Slice {
    pub label: String,
    pub value: f64,
    /// The rows behind it.
    pub rows: i64,
}

/// The label shown for the rest.
pub const OTHERS: &str = "Khác";

fn measured(m: Measure, rows: i64, sum: f64, valued: i64) -> f64 {
    match m {
        Measure::Count => rows as f64,
        Measure::Sum => sum,
        Measure::Avg if valued > 0 => sum / valued as f64,
        Measure::Avg => 0.0,
    }
}

/// The slices of a chart: `top` are the largest groups (at most [`CHART_MAX`], as the
/// database ordered them), `all` the whole table's rows, sum and valued count; what the
/// top groups leave is one "Khác" slice (not on a line chart, whose labels are an order).
/// A line chart is ordered by label.
/// `others` is the rest's label in the page's language ([`OTHERS`] in Vietnamese).
pub fn slices(kind: ChartKind, m: Measure, top: &[Group], all: &Group, others: &str) -> Vec<Slice> {
    let mut out: Vec<Slice> = top
        .iter()
        .take(CHART_MAX)
        .map(|g| Slice {
            label: g.label.clone(),
            value: measured(m, g.rows, g.sum, g.valued),
            rows: g.rows,
        })
        .collect();
    let shown: i64 = top.iter().take(CHART_MAX).map(|g| g.rows).sum();
    let rest_rows = all.rows - shown;
    if kind == ChartKind::Line {
        out.sort_by(|a, b| a.label.cmp(&b.label));
    } else if rest_rows > 0 {
        let sum: f64 = all.sum - top.iter().take(CHART_MAX).map(|g| g.sum).sum::<f64>();
        let valued = all.valued - top.iter().take(CHART_MAX).map(|g| g.valued).sum::<i64>();
        out.push(Slice {
            label: others.to_owned(),
            value: measured(m, rest_rows, sum, valued),
            rows: rest_rows,
        });
    }
    out
}

/// A number as people read it: at most two decimals, digits grouped (`1.234,5` in
/// Vietnamese, `1,234.5` in English).
pub fn number(v: f64, vietnamese: bool) -> String {
    let (group, point) = if vietnamese { ('.', ',') } else { (',', '.') };
    let rounded = (v * 100.0).round() / 100.0;
    let negative = rounded < 0.0;
    let text = format!("{:.2}", rounded.abs());
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(group);
        }
        grouped.push(ch);
    }
    let frac = frac.trim_end_matches('0');
    let mut out = String::new();
    if negative && (grouped != "0" || !frac.is_empty()) {
        out.push('-');
    }
    out.push_str(&grouped);
    if !frac.is_empty() {
        out.push(point);
        out.push_str(frac);
    }
    out
}

/// A cell's number as stored, only its decimal point in the reader's style (a year stays
/// `2026`, a coordinate keeps its digits).
pub fn plain(v: f64, vietnamese: bool) -> String {
    let text = v.to_string();
    if vietnamese {
        text.replace('.', ",")
    } else {
        text
    }
}

/// Text made safe inside SVG/XML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A label cut to `n` characters with an ellipsis.
fn short(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(n - 1).collect();
        s.push('…');
        s
    }
}

/// Eight colours that stay apart for most readers (Okabe–Ito, without black).
const COLOURS: [&str; 8] = [
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#999999",
];

fn f(v: f64) -> String {
    format!("{:.1}", v)
}

/// The chart as inline SVG (a title, each mark with its `<title>`); empty when there is
/// nothing to draw.
pub fn chart_svg(kind: ChartKind, slices: &[Slice], title: &str, vietnamese: bool) -> String {
    if slices.is_empty() {
        return String::new();
    }
    match kind {
        ChartKind::Bar => bar_svg(slices, title, vietnamese),
        ChartKind::Line => line_svg(slices, title, vietnamese),
        ChartKind::Pie => pie_svg(slices, title, vietnamese),
    }
}

fn open(width: f64, height: f64, title: &str, kind: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"100%\" role=\"img\" class=\"od-chart\" data-kind=\"{kind}\" font-family=\"sans-serif\" font-size=\"12\"><title>{}</title>",
        escape(title),
        w = f(width),
        h = f(height),
    )
}

fn bar_svg(slices: &[Slice], title: &str, vi: bool) -> String {
    let (row, label_w, bar_w) = (22.0, 200.0, 320.0);
    let height = row * slices.len() as f64 + 10.0;
    let max = slices.iter().map(|s| s.value).fold(0.0_f64, f64::max);
    let mut out = open(label_w + bar_w + 120.0, height, title, "bar");
    for (i, s) in slices.iter().enumerate() {
        let y = 5.0 + row * i as f64;
        let w = if max > 0.0 {
            (s.value.max(0.0) / max) * bar_w
        } else {
            0.0
        };
        let value = number(s.value, vi);
        out.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}: {}</title></rect><text x=\"{}\" y=\"{}\">{}</text>",
            f(label_w - 6.0),
            f(y + 15.0),
            escape(&short(&s.label, 30)),
            f(label_w),
            f(y + 2.0),
            f(w),
            f(row - 6.0),
            COLOURS[0],
            escape(&s.label),
            value,
            f(label_w + w + 4.0),
            f(y + 15.0),
            value,
        ));
    }
    out.push_str("</svg>");
    out
}

fn line_svg(slices: &[Slice], title: &str, vi: bool) -> String {
    let (width, height, left, bottom, top) = (640.0, 300.0, 70.0, 60.0, 15.0);
    let plot_w = width - left - 20.0;
    let plot_h = height - bottom - top;
    let max = slices.iter().map(|s| s.value).fold(0.0_f64, f64::max);
    let min = slices.iter().map(|s| s.value).fold(0.0_f64, f64::min);
    let span = if max > min { max - min } else { 1.0 };
    let step = if slices.len() > 1 {
        plot_w / (slices.len() - 1) as f64
    } else {
        0.0
    };
    let x = |i: usize| left + step * i as f64 + if slices.len() == 1 { plot_w / 2.0 } else { 0.0 };
    let y = |v: f64| top + plot_h - (v - min) / span * plot_h;
    let mut out = open(width, height, title, "line");
    out.push_str(&format!(
        "<line x1=\"{l}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"#666\"/><line x1=\"{l}\" y1=\"{t}\" x2=\"{l}\" y2=\"{b}\" stroke=\"#666\"/><text x=\"{lt}\" y=\"{ty}\" text-anchor=\"end\">{}</text><text x=\"{lt}\" y=\"{by}\" text-anchor=\"end\">{}</text>",
        number(max, vi),
        number(min, vi),
        l = f(left),
        r = f(left + plot_w),
        t = f(top),
        b = f(top + plot_h),
        lt = f(left - 6.0),
        ty = f(top + 4.0),
        by = f(top + plot_h),
    ));
    let points: Vec<String> = slices
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{},{}", f(x(i)), f(y(s.value))))
        .collect();
    out.push_str(&format!(
        "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>",
        points.join(" "),
        COLOURS[0]
    ));
    // Every label when they fit, else about twelve of them.
    let every = slices.len().div_ceil(12).max(1);
    for (i, s) in slices.iter().enumerate() {
        out.push_str(&format!(
            "<circle cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{}\"><title>{}: {}</title></circle>",
            f(x(i)),
            f(y(s.value)),
            COLOURS[1],
            escape(&s.label),
            number(s.value, vi),
        ));
        if i % every == 0 {
            out.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" transform=\"rotate(-35 {} {})\">{}</text>",
                f(x(i)),
                f(top + plot_h + 14.0),
                f(x(i)),
                f(top + plot_h + 14.0),
                escape(&short(&s.label, 14)),
            ));
        }
    }
    out.push_str("</svg>");
    out
}

fn pie_svg(slices: &[Slice], title: &str, vi: bool) -> String {
    let (cx, cy, r) = (130.0_f64, 130.0_f64, 120.0_f64);
    let legend_row = 18.0;
    let height = (2.0 * cy).max(legend_row * slices.len() as f64 + 10.0);
    let total: f64 = slices.iter().map(|s| s.value.max(0.0)).sum();
    let mut out = open(640.0, height, title, "pie");
    let mut angle = 0.0_f64;
    for (i, s) in slices.iter().enumerate() {
        let share = if total > 0.0 {
            s.value.max(0.0) / total
        } else {
            0.0
        };
        let colour = COLOURS[i % COLOURS.len()];
        let label = format!(
            "{}: {} ({}%)",
            escape(&s.label),
            number(s.value, vi),
            number(share * 100.0, vi)
        );
        if share >= 0.999_999 {
            out.push_str(&format!(
                "<circle class=\"slice\" cx=\"{cx}\" cy=\"{cy}\" r=\"{r}\" fill=\"{colour}\"><title>{label}</title></circle>"
            ));
        } else if share > 0.0 {
            let end = angle + share * std::f64::consts::TAU;
            let (x1, y1) = (cx + r * angle.sin(), cy - r * angle.cos());
            let (x2, y2) = (cx + r * end.sin(), cy - r * end.cos());
            let large = u8::from(share > 0.5);
            out.push_str(&format!(
                "<path class=\"slice\" d=\"M{cx},{cy} L{},{} A{r},{r} 0 {large} 1 {},{} Z\" fill=\"{colour}\"><title>{label}</title></path>",
                f(x1),
                f(y1),
                f(x2),
                f(y2),
            ));
            angle = end;
        }
        let ly = 5.0 + legend_row * i as f64;
        out.push_str(&format!(
            "<rect x=\"280\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{colour}\"/><text x=\"298\" y=\"{}\">{}</text>",
            f(ly),
            f(ly + 11.0),
            escape(&format!(
                "{}: {} ({}%)",
                short(&s.label, 30),
                number(s.value, vi),
                number(share * 100.0, vi)
            )),
        ));
    }
    out.push_str("</svg>");
    out
}

// ---------------------------------------------------------------- maps

/// A column's name as compared: folded, letters and digits only ("Vĩ độ" → "vido").
fn bare(name: &str) -> String {
    fold(name).chars().filter(|c| c.is_alphanumeric()).collect()
}

const LATITUDE: [&str; 4] = ["lat", "latitude", "vido", "y"];
const LONGITUDE: [&str; 6] = ["lon", "lng", "long", "longitude", "kinhdo", "x"];

/// The latitude and longitude columns among `names` (each numeric, `numeric[i]`): by name —
/// lat, latitude, vĩ độ (and `vi_do`); lon, lng, longitude, kinh độ — first the exact names,
/// `x`/`y` only when nothing else matched.
pub fn lat_lon(names: &[&str], numeric: &[bool]) -> Option<(usize, usize)> {
    let find = |wanted: &[&str]| {
        // The explicit names first, `x`/`y` last.
        wanted.iter().find_map(|w| {
            names
                .iter()
                .enumerate()
                .find(|(i, n)| numeric.get(*i).copied().unwrap_or(false) && bare(n) == *w)
                .map(|(i, _)| i)
        })
    };
    let lat = find(&LATITUDE)?;
    let lon = find(&LONGITUDE)?;
    (lat != lon).then_some((lat, lon))
}

/// A point on the map: longitude, latitude, and what it stands for (a label, or a count when
/// grouped).
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub lon: f64,
    pub lat: f64,
    pub label: String,
}

/// Whether a latitude/longitude pair is on the Earth.
pub fn in_range(lat: f64, lon: f64) -> bool {
    lat.is_finite()
        && lon.is_finite()
        && (-90.0..=90.0).contains(&lat)
        && (-180.0..=180.0).contains(&lon)
}

/// The points of a GeoJSON document (a FeatureCollection, a Feature or a bare geometry): a
/// point for each Point (and each of a MultiPoint's), the centre of the bounding box of any
/// other geometry; labelled by a feature's `name`/`ten`/`title` property when it has one. At
/// most `max` points; the count of geometries is returned too.
pub fn geojson_points(doc: &Value, max: usize) -> (Vec<Point>, usize) {
    let mut out = Vec::new();
    let mut seen = 0usize;
    for (g, label) in features(doc) {
        for (lon, lat) in geometry_points(g) {
            if !in_range(lat, lon) {
                continue;
            }
            seen += 1;
            if out.len() < max {
                out.push(Point {
                    lon,
                    lat,
                    label: label.clone(),
                });
            }
        }
    }
    (out, seen)
}

/// A line or an area of a GeoJSON document, drawn as it is: its parts (a LineString's line, a
/// Polygon's rings, each part of a Multi…) as positions (longitude, latitude), and its label.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    pub parts: Vec<Vec<(f64, f64)>>,
    /// An area (rings, filled) rather than a line.
    pub area: bool,
    pub label: String,
}

/// The most positions of a document's shapes a map keeps: past it, the rest of the shapes are
/// shown by their centres only (a province's commune boundaries fit; a survey's detail does not).
pub const SHAPE_POSITIONS_MAX: usize = 200_000;

/// The lines and areas of a GeoJSON document (LineString, Polygon and their Multi… forms, also
/// inside a GeometryCollection), at most [`SHAPE_POSITIONS_MAX`] positions in all; positions off
/// the Earth leave their shape out.
pub fn geojson_shapes(doc: &Value) -> Vec<Shape> {
    let mut out = Vec::new();
    let mut budget = SHAPE_POSITIONS_MAX;
    for (geometry, label) in features(doc) {
        let mut found = Vec::new();
        geometry_shapes(geometry, &mut found);
        for (parts, area) in found {
            let n: usize = parts.iter().map(Vec::len).sum();
            let on_earth = parts.iter().flatten().all(|&(lon, lat)| in_range(lat, lon));
            if n == 0 || !on_earth || n > budget {
                continue;
            }
            budget -= n;
            out.push(Shape {
                parts,
                area,
                label: label.clone(),
            });
        }
    }
    out
}

/// A document's geometries with their features' labels.
fn features(doc: &Value) -> Vec<(&Value, String)> {
    let list: Vec<&Value> = match doc.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => doc
            .get("features")
            .and_then(Value::as_array)
            .map(|f| f.iter().collect())
            .unwrap_or_default(),
        _ => vec![doc],
    };
    list.into_iter()
        .filter_map(|feature| {
            if feature.get("type").and_then(Value::as_str) == Some("Feature") {
                let props = feature.get("properties");
                let label = ["name", "ten", "tên", "title", "Name", "Tên"]
                    .iter()
                    .find_map(|k| props.and_then(|p| p.get(*k)).and_then(Value::as_str))
                    .unwrap_or_default()
                    .to_owned();
                feature.get("geometry").map(|g| (g, label))
            } else {
                Some((feature, String::new()))
            }
        })
        .collect()
}

/// A line's positions; `None` when any is not a pair of numbers.
fn line(v: &Value) -> Option<Line> {
    v.as_array()?.iter().map(pair).collect()
}

fn lines(v: &Value) -> Option<Vec<Line>> {
    v.as_array()?.iter().map(line).collect()
}

/// Positions (longitude, latitude) along a line or a ring.
type Line = Vec<(f64, f64)>;

/// The shapes of one geometry: (parts, area).
fn geometry_shapes(g: &Value, out: &mut Vec<(Vec<Line>, bool)>) {
    let c = g.get("coordinates");
    match (g.get("type").and_then(Value::as_str), c) {
        (Some("LineString"), Some(c)) => out.extend(line(c).map(|l| (vec![l], false))),
        (Some("MultiLineString"), Some(c)) => out.extend(lines(c).map(|l| (l, false))),
        (Some("Polygon"), Some(c)) => out.extend(lines(c).map(|r| (r, true))),
        (Some("MultiPolygon"), Some(c)) => {
            for polygon in c.as_array().into_iter().flatten() {
                out.extend(lines(polygon).map(|r| (r, true)));
            }
        }
        (Some("GeometryCollection"), _) => {
            for inner in g
                .get("geometries")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                geometry_shapes(inner, out);
            }
        }
        _ => {}
    }
}

fn pair(v: &Value) -> Option<(f64, f64)> {
    let a = v.as_array()?;
    Some((a.first()?.as_f64()?, a.get(1)?.as_f64()?))
}

/// Every position nested in `coordinates`.
fn positions(v: &Value, out: &mut Vec<(f64, f64)>) {
    if let Some(p) = pair(v) {
        out.push(p);
    } else if let Some(list) = v.as_array() {
        for item in list {
            positions(item, out);
        }
    }
}

fn geometry_points(g: &Value) -> Vec<(f64, f64)> {
    let coords = g.get("coordinates");
    match (g.get("type").and_then(Value::as_str), coords) {
        (Some("Point"), Some(c)) => pair(c).into_iter().collect(),
        (Some("MultiPoint"), Some(c)) => c
            .as_array()
            .map(|l| l.iter().filter_map(pair).collect())
            .unwrap_or_default(),
        (Some("GeometryCollection"), _) => g
            .get("geometries")
            .and_then(Value::as_array)
            .map(|l| l.iter().flat_map(geometry_points).collect())
            .unwrap_or_default(),
        (Some(_), Some(c)) => {
            let mut all = Vec::new();
            positions(c, &mut all);
            bbox(all.iter().copied())
                .map(|b| vec![b.centre()])
                .unwrap_or_default()
        }
        _ => Vec::new(),
    }
}

/// A bounding box in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBox {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

impl BBox {
    fn centre(&self) -> (f64, f64) {
        (
            (self.west + self.east) / 2.0,
            (self.south + self.north) / 2.0,
        )
    }
}

fn bbox(points: impl Iterator<Item = (f64, f64)>) -> Option<BBox> {
    let mut b: Option<BBox> = None;
    for (lon, lat) in points {
        b = Some(match b {
            None => BBox {
                west: lon,
                south: lat,
                east: lon,
                north: lat,
            },
            Some(b) => BBox {
                west: b.west.min(lon),
                south: b.south.min(lat),
                east: b.east.max(lon),
                north: b.north.max(lat),
            },
        });
    }
    b
}

/// A mark on the map: where, how many points it stands for, and its label.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub lon: f64,
    pub lat: f64,
    pub count: usize,
    pub label: String,
}

/// The marks for `points`: one each when at most [`MAP_DRAW`], else grouped on a
/// [`MAP_GRID`]² grid over their bounding box (a mark at the mean of its cell's points).
pub fn marks(points: &[Point]) -> Vec<Mark> {
    if points.len() <= MAP_DRAW {
        return points
            .iter()
            .map(|p| Mark {
                lon: p.lon,
                lat: p.lat,
                count: 1,
                label: p.label.clone(),
            })
            .collect();
    }
    let Some(b) = bbox(points.iter().map(|p| (p.lon, p.lat))) else {
        return Vec::new();
    };
    let n = MAP_GRID as f64;
    let cell = |v: f64, lo: f64, hi: f64| -> usize {
        if hi > lo {
            (((v - lo) / (hi - lo)) * n).floor().clamp(0.0, n - 1.0) as usize
        } else {
            0
        }
    };
    let mut cells: std::collections::BTreeMap<(usize, usize), (f64, f64, usize)> =
        std::collections::BTreeMap::new();
    for p in points {
        let key = (cell(p.lon, b.west, b.east), cell(p.lat, b.south, b.north));
        let e = cells.entry(key).or_insert((0.0, 0.0, 0));
        e.0 += p.lon;
        e.1 += p.lat;
        e.2 += 1;
    }
    cells
        .into_values()
        .map(|(lon, lat, count)| Mark {
            lon: lon / count as f64,
            lat: lat / count as f64,
            count,
            label: String::new(),
        })
        .collect()
}

/// The map as inline SVG: the marks in their bounding box (longitude scaled by the cosine of
/// the middle latitude, so shapes keep their proportions), a grouped mark's size by its count.
/// `points` names a grouped mark's count ("điểm", "points").
pub fn map_svg(
    marks: &[Mark],
    shapes: &[Shape],
    title: &str,
    points: &str,
    vietnamese: bool,
) -> String {
    let every = marks.iter().map(|m| (m.lon, m.lat)).chain(
        shapes
            .iter()
            .flat_map(|s| s.parts.iter().flatten().copied()),
    );
    let Some(b) = bbox(every) else {
        return String::new();
    };
    // A single place, or points on a line, still get an area around them.
    let pad_lon = ((b.east - b.west) * 0.05).max(0.01);
    let pad_lat = ((b.north - b.south) * 0.05).max(0.01);
    let (west, east) = (b.west - pad_lon, b.east + pad_lon);
    let (south, north) = (b.south - pad_lat, b.north + pad_lat);
    let k = ((south + north) / 2.0).to_radians().cos().max(0.05);
    let span_x = (east - west) * k;
    let span_y = north - south;
    let width = 600.0;
    let height = (width * span_y / span_x).clamp(200.0, 700.0);
    let sx = width / span_x;
    let sy = height / span_y;
    let most = marks.iter().map(|m| m.count).max().unwrap_or(1) as f64;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"100%\" role=\"img\" class=\"od-map\" font-family=\"sans-serif\" font-size=\"11\"><title>{}</title><rect width=\"{w}\" height=\"{h}\" fill=\"#eef3f7\" stroke=\"#99a\"/>",
        escape(title),
        w = f(width),
        h = f(height),
    );
    let at = |lon: f64, lat: f64| ((lon - west) * k * sx, (north - lat) * sy);
    for shape in shapes {
        out.push_str(&shape_path(shape, &at));
    }
    for m in marks {
        let (x, y) = at(m.lon, m.lat);
        let r = if m.count > 1 {
            3.0 + 9.0 * (m.count as f64 / most).sqrt()
        } else {
            3.5
        };
        let what = if m.count > 1 {
            format!("{} {points}", number(m.count as f64, vietnamese))
        } else if m.label.is_empty() {
            format!("{:.5}, {:.5}", m.lat, m.lon)
        } else {
            format!("{} ({:.5}, {:.5})", m.label, m.lat, m.lon)
        };
        out.push_str(&format!(
            "<circle class=\"pt\" cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"#d55e00\" fill-opacity=\"0.75\" stroke=\"#fff\" stroke-width=\"0.8\" data-count=\"{}\"><title>{}</title></circle>",
            f(x),
            f(y),
            f(r),
            m.count,
            escape(&what),
        ));
    }
    out.push_str(&format!(
        "<text x=\"4\" y=\"{}\" fill=\"#445\">{:.4}°, {:.4}° – {:.4}°, {:.4}°</text></svg>",
        f(height - 4.0),
        b.south,
        b.west,
        b.north,
        b.east
    ));
    out
}

/// A shape as an SVG path in the map's pixels (`at`), a position kept only when it moves at
/// least half a pixel from the last kept one: a detailed boundary costs the page what the
/// screen can show, not what the survey measured.
fn shape_path(shape: &Shape, at: &impl Fn(f64, f64) -> (f64, f64)) -> String {
    let mut d = String::new();
    for part in &shape.parts {
        let mut last: Option<(f64, f64)> = None;
        for (i, &(lon, lat)) in part.iter().enumerate() {
            let (x, y) = at(lon, lat);
            let end = i + 1 == part.len();
            if let Some((lx, ly)) = last
                && !end
                && (x - lx).abs() < 0.5
                && (y - ly).abs() < 0.5
            {
                continue;
            }
            d.push_str(&format!(
                "{}{} {}",
                if last.is_none() { 'M' } else { 'L' },
                f(x),
                f(y)
            ));
            last = Some((x, y));
        }
        if shape.area {
            d.push('Z');
        }
    }
    let (fill, opacity) = if shape.area {
        ("#0072b2", "0.18")
    } else {
        ("none", "0")
    };
    let title = if shape.label.is_empty() {
        String::new()
    } else {
        format!("<title>{}</title>", escape(&shape.label))
    };
    format!(
        "<path class=\"shape\" d=\"{d}\" fill=\"{fill}\" fill-opacity=\"{opacity}\" fill-rule=\"evenodd\" stroke=\"#0072b2\" stroke-width=\"1\">{title}</path>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn g(label: &str, rows: i64, sum: f64) -> Group {
        Group {
            label: label.into(),
            rows,
            sum,
            valued: rows,
        }
    }

    #[test]
    fn numbers_as_people_read_them() {
        for (v, vi, en) in [
            (0.0, "0", "0"),
            (1234567.0, "1.234.567", "1,234,567"),
            (12.5, "12,5", "12.5"),
            (-1000.256, "-1.000,26", "-1,000.26"),
            (999.999, "1.000", "1,000"),
            (-0.001, "0", "0"),
        ] {
            assert_eq!(number(v, true), vi, "{v}");
            assert_eq!(number(v, false), en, "{v}");
        }
        assert_eq!(plain(2026.0, true), "2026");
        assert_eq!(plain(105.505, true), "105,505");
        assert_eq!(plain(-0.5, false), "-0.5");
    }

    #[test]
    fn the_rest_becomes_khac_and_sums_stay_whole() {
        let top = vec![g("A", 5, 50.0), g("B", 3, 60.0)];
        let all = g("", 10, 130.0);
        let sum = slices(ChartKind::Bar, Measure::Sum, &top, &all, OTHERS);
        let values: Vec<(&str, f64)> = sum.iter().map(|s| (s.label.as_str(), s.value)).collect();
        assert_eq!(values, vec![("A", 50.0), ("B", 60.0), ("Khác", 20.0)]);
        let count = slices(ChartKind::Pie, Measure::Count, &top, &all, OTHERS);
        assert_eq!(count.iter().map(|s| s.value).sum::<f64>(), 10.0);
        let avg = slices(ChartKind::Bar, Measure::Avg, &top, &all, OTHERS);
        assert_eq!(avg[0].value, 10.0);
        assert_eq!(avg[2].value, 10.0, "(130 - 110) / (10 - 8)");
        // Nothing left: no "Khác"; a line chart never has one and is in label order.
        let exact = slices(
            ChartKind::Bar,
            Measure::Count,
            &top,
            &g("", 8, 110.0),
            OTHERS,
        );
        assert_eq!(exact.len(), 2);
        let line = slices(
            ChartKind::Line,
            Measure::Sum,
            &[g("2025", 1, 1.0), g("2023", 1, 2.0)],
            &all,
            OTHERS,
        );
        assert_eq!(
            line.iter().map(|s| s.label.as_str()).collect::<Vec<_>>(),
            ["2023", "2025"]
        );
        // More groups than a chart shows: only the first CHART_MAX, the rest counted in Khác.
        let many: Vec<Group> = (0..40).map(|i| g(&format!("L{i}"), 1, 1.0)).collect();
        let cut = slices(
            ChartKind::Bar,
            Measure::Count,
            &many,
            &g("", 40, 40.0),
            OTHERS,
        );
        assert_eq!(cut.len(), CHART_MAX + 1);
        assert_eq!(cut.last().unwrap().value, 10.0);
    }

    #[test]
    fn charts_draw_one_mark_per_slice_with_its_number() {
        let s = vec![
            Slice {
                label: "Đông Sơn".into(),
                value: 1200.5,
                rows: 3,
            },
            Slice {
                label: "<b>".into(),
                value: 300.0,
                rows: 1,
            },
            Slice {
                label: OTHERS.into(),
                value: 100.0,
                rows: 1,
            },
        ];
        let bar = chart_svg(ChartKind::Bar, &s, "Số ca", true);
        assert_eq!(bar.matches("<rect").count(), 3);
        assert!(bar.contains("Đông Sơn: 1.200,5"), "{bar}");
        assert!(bar.contains("&lt;b&gt;") && !bar.contains("<b>"));
        assert!(bar.starts_with("<svg") && bar.ends_with("</svg>"));
        let line = chart_svg(ChartKind::Line, &s, "Số ca", false);
        assert_eq!(line.matches("<circle").count(), 3);
        assert!(line.contains("<polyline"));
        assert!(line.contains("Đông Sơn: 1,200.5"));
        let pie = chart_svg(ChartKind::Pie, &s, "Số ca", true);
        assert_eq!(pie.matches("class=\"slice\"").count(), 3);
        // Shares: 1200.5 / 1600.5 = 75.01 %.
        assert!(pie.contains("(75,01%)"), "{pie}");
        let whole = chart_svg(ChartKind::Pie, &s[..1], "x", true);
        assert!(whole.contains("<circle class=\"slice\""));
        assert_eq!(chart_svg(ChartKind::Bar, &[], "x", true), "");
        assert_eq!(ChartKind::parse("pie"), Some(ChartKind::Pie));
        assert_eq!(ChartKind::parse("scatter"), None);
        assert_eq!(Measure::parse("avg"), Some(Measure::Avg));
    }

    #[test]
    fn latitude_and_longitude_columns_are_found_by_name() {
        let yes = [true; 4];
        for (names, want) in [
            (vec!["Tên", "Vĩ độ", "Kinh độ"], Some((1, 2))),
            (vec!["lon", "lat"], Some((1, 0))),
            (vec!["Latitude", "Longitude"], Some((0, 1))),
            (vec!["vi_do", "kinh_do"], Some((0, 1))),
            (vec!["LAT", "LNG"], Some((0, 1))),
            (vec!["x", "y", "lat", "lon"], Some((2, 3))),
            (vec!["x", "y"], Some((1, 0))),
            (vec!["lat"], None),
            (vec!["Tên", "Địa chỉ"], None),
        ] {
            assert_eq!(lat_lon(&names, &yes), want, "{names:?}");
        }
        // Not numeric: not a coordinate.
        assert_eq!(lat_lon(&["lat", "lon"], &[false, true]), None);
    }

    #[test]
    fn geojson_lines_and_areas_are_drawn_lightly() {
        let ring: Vec<Value> = (0..=20_000)
            .map(|i| {
                let a = i as f64 / 20_000.0 * std::f64::consts::TAU;
                json!([105.0 + a.cos() * 0.1, 19.0 + a.sin() * 0.1])
            })
            .collect();
        let doc = json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"name": "Đường"}, "geometry": {"type": "LineString", "coordinates": [[105.0, 19.0], [105.2, 19.1]]}},
            {"type": "Feature", "properties": {}, "geometry": {"type": "MultiPolygon", "coordinates": [[ring]]}},
            {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[[500.0, 19.0], [105.0, 19.0], [105.0, 20.0]]]}},
            {"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": [[105.0, "x"]]}}
        ]});
        let shapes = geojson_shapes(&doc);
        assert_eq!(
            shapes.len(),
            2,
            "off the Earth and broken shapes are left out"
        );
        assert!(!shapes[0].area && shapes[1].area);
        assert_eq!(shapes[0].label, "Đường");
        let svg = map_svg(&[], &shapes, "t", "p", true);
        assert!(svg.contains("fill=\"none\""), "the line is not filled");
        // 20,001 positions round a circle of a few hundred pixels: drawn with far fewer.
        let drawn = svg.matches('L').count();
        assert!(drawn < 4_000, "{drawn} segments");
        assert!(drawn > 500, "{drawn} segments: the circle is still round");
    }

    #[test]
    fn geojson_points_and_centres() {
        let doc = json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"name": "Chợ"}, "geometry": {"type": "Point", "coordinates": [105.8, 19.8]}},
            {"type": "Feature", "properties": {}, "geometry": {"type": "MultiPoint", "coordinates": [[105.0, 19.0], [106.0, 20.0]]}},
            {"type": "Feature", "properties": {"ten": "Xã"}, "geometry": {"type": "Polygon", "coordinates": [[[105.0, 19.0], [107.0, 19.0], [107.0, 21.0], [105.0, 19.0]]]}},
            {"type": "Feature", "properties": {}, "geometry": null},
            {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [500.0, 19.0]}}
        ]});
        let (points, seen) = geojson_points(&doc, 100);
        assert_eq!(seen, 4);
        assert_eq!(
            points[0],
            Point {
                lon: 105.8,
                lat: 19.8,
                label: "Chợ".into()
            }
        );
        assert_eq!(
            (points[3].lon, points[3].lat, points[3].label.as_str()),
            (106.0, 20.0, "Xã")
        );
        let (few, seen) = geojson_points(&doc, 2);
        assert_eq!((few.len(), seen), (2, 4));
        let bare = json!({"type": "Point", "coordinates": [105.5, 19.5]});
        assert_eq!(geojson_points(&bare, 10).0.len(), 1);
        // The polygon is also a shape, drawn as a closed path with its label.
        let shapes = geojson_shapes(&doc);
        assert_eq!(shapes.len(), 1);
        assert!(shapes[0].area);
        assert_eq!(shapes[0].label, "Xã");
        assert_eq!(shapes[0].parts[0].len(), 4);
        let svg = map_svg(&[], &shapes, "Bản đồ", "điểm", true);
        assert_eq!(svg.matches("<path class=\"shape\"").count(), 1, "{svg}");
        assert!(
            svg.contains("Z\"") && svg.contains("<title>Xã</title>"),
            "{svg}"
        );
    }

    #[test]
    fn maps_draw_each_point_or_group_them() {
        let points: Vec<Point> = (0..10)
            .map(|i| Point {
                lon: 105.0 + i as f64 * 0.1,
                lat: 19.0 + i as f64 * 0.05,
                label: format!("Điểm {i}"),
            })
            .collect();
        let m = marks(&points);
        assert_eq!(m.len(), 10);
        let svg = map_svg(&m, &[], "Bản đồ", "điểm", true);
        assert_eq!(svg.matches("class=\"pt\"").count(), 10);
        assert!(svg.contains("Điểm 3 (19.15000, 105.30000)"));
        let many: Vec<Point> = (0..5000)
            .map(|i| Point {
                lon: 105.0 + (i % 100) as f64 * 0.01,
                lat: 19.0 + (i / 100) as f64 * 0.01,
                label: String::new(),
            })
            .collect();
        let grouped = marks(&many);
        assert!(grouped.len() <= MAP_GRID * MAP_GRID && grouped.len() < 5000);
        assert_eq!(grouped.iter().map(|m| m.count).sum::<usize>(), 5000);
        let svg = map_svg(&grouped, &[], "x", "điểm", true);
        assert_eq!(svg.matches("class=\"pt\"").count(), grouped.len());
        assert_eq!(map_svg(&[], &[], "x", "điểm", true), "");
        // One place only still draws.
        let one = marks(&points[..1]);
        assert_eq!(
            map_svg(&one, &[], "x", "điểm", true)
                .matches("class=\"pt\"")
                .count(),
            1
        );
        assert!(in_range(-90.0, 180.0) && !in_range(91.0, 0.0) && !in_range(f64::NAN, 0.0));
    }
}
