//! GeoJSON (RFC 7946): a FeatureCollection is read feature by feature (serde's streaming
//! sequence access: one feature in memory at a time), each checked — geometry types, finite
//! coordinates within ±180/±90, lines of two positions or more, closed rings of four or more —
//! and its properties counted as a table's columns. Positions outside Vietnam's mainland and
//! islands (Hoàng Sa and Trường Sa included) are warned, as a swapped latitude/longitude
//! would put them. A document that is not GeoJSON fails with the feature's number.

use crate::infer::ColumnStats;
use crate::{FileFormat, Issue, Report, json_error_vi};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;
use std::io::Read;

const FORMAT: FileFormat = FileFormat::GeoJson;
/// Property columns kept in the report (a feature with thousands of keys is not a table).
const MAX_PROPERTIES: usize = 200;
/// Vietnam's bounding box with its islands: longitude, latitude.
const VIETNAM: ((f64, f64), (f64, f64)) = ((102.0, 118.0), (6.0, 23.5));

const GEOMETRIES: [&str; 7] = [
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
];

#[derive(Default)]
struct State {
    features: u64,
    outside_vietnam: u64,
    names: Vec<String>,
    columns: Vec<ColumnStats>,
    error: Option<String>,
    kind: Option<String>,
}

pub(crate) fn check<R: Read>(input: R) -> Report {
    let mut state = State::default();
    let mut de = serde_json::Deserializer::from_reader(std::io::BufReader::new(input));
    let result = (&mut de)
        .deserialize_map(TopVisitor { state: &mut state })
        .and_then(|()| de.end());
    let mut report = Report::default();
    match (result, state.error.take()) {
        (_, Some(problem)) => {
            report.errors.push(Issue::new("geojson", None, problem));
            return report;
        }
        (Err(e), None) => {
            report.errors.push(Issue::malformed(
                FORMAT,
                Some(e.line() as u64),
                &json_error_vi(&e),
            ));
            return report;
        }
        (Ok(()), None) => {}
    }
    match state.kind.as_deref() {
        Some("FeatureCollection") | Some("Feature") => {}
        Some(k) if GEOMETRIES.contains(&k) => {}
        Some(_) | None => {
            report.errors.push(Issue::new(
                "geojson",
                None,
                "Tệp không phải GeoJSON: thiếu “type” là FeatureCollection, Feature hoặc một kiểu hình học.".to_owned(),
            ));
            return report;
        }
    }
    report.features = Some(state.features);
    report.rows = state.features;
    if state.outside_vietnam > 0 {
        report.warnings.push(Issue::new(
            "outside",
            None,
            format!(
                "{} đối tượng có tọa độ ngoài lãnh thổ Việt Nam (có thể bị đảo kinh độ và vĩ độ).",
                state.outside_vietnam
            ),
        ));
    }
    report.columns = state
        .names
        .iter()
        .zip(&state.columns)
        .map(|(name, stats)| stats.report(name))
        .collect();
    report
}

struct TopVisitor<'a> {
    state: &'a mut State,
}

impl<'de> Visitor<'de> for TopVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a GeoJSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut single = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => self.state.kind = Some(map.next_value()?),
                "features" => map.next_value_seed(Features {
                    state: &mut *self.state,
                })?,
                "geometry" | "properties" | "coordinates" | "geometries" => {
                    let v: Value = map.next_value()?;
                    single.insert(key, v);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            if self.state.error.is_some() {
                return Err(de::Error::custom("stopped"));
            }
        }
        let kind = self.state.kind.clone().unwrap_or_default();
        if GEOMETRIES.contains(&kind.as_str()) {
            single.insert("type".to_owned(), Value::String(kind));
            if let Err(why) = geometry(&Value::Object(single), 0, &mut self.state.outside_vietnam) {
                self.state.error = Some(format!("Hình học không hợp lệ: {why}"));
                return Err(de::Error::custom("stopped"));
            }
            return Ok(());
        }
        if kind == "Feature" {
            single.insert("type".to_owned(), Value::String("Feature".to_owned()));
            feature(self.state, &Value::Object(single));
            if self.state.error.is_some() {
                return Err(de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

struct Features<'a> {
    state: &'a mut State,
}

impl<'de> DeserializeSeed<'de> for Features<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Features<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of features")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(value) = seq.next_element::<Value>()? {
            feature(self.state, &value);
            if self.state.error.is_some() {
                return Err(de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

fn feature(state: &mut State, value: &Value) {
    state.features += 1;
    let n = state.features;
    let fail = |state: &mut State, why: &str| {
        state.error = Some(format!("Đối tượng thứ {n} không hợp lệ: {why}"));
    };
    if value.get("type").and_then(Value::as_str) != Some("Feature") {
        return fail(state, "thiếu “type”: “Feature”.");
    }
    match value.get("geometry") {
        None => return fail(state, "thiếu “geometry”."),
        Some(Value::Null) => {}
        Some(g) => {
            if let Err(why) = geometry(g, 0, &mut state.outside_vietnam) {
                return fail(state, &why);
            }
        }
    }
    match value.get("properties") {
        None | Some(Value::Null) => {
            for c in &mut state.columns {
                c.add_missing();
            }
        }
        Some(Value::Object(props)) => {
            for (i, name) in state.names.iter().enumerate() {
                match props.get(name) {
                    Some(v) => state.columns[i].add(&property_text(v)),
                    None => state.columns[i].add_missing(),
                }
            }
            for (key, v) in props {
                if state.names.len() >= MAX_PROPERTIES || state.names.contains(key) {
                    continue;
                }
                let mut stats = ColumnStats::default();
                for _ in 1..n {
                    stats.add_missing();
                }
                stats.add(&property_text(v));
                state.names.push(key.clone());
                state.columns.push(stats);
            }
        }
        Some(_) => fail(state, "“properties” phải là một đối tượng hoặc null."),
    }
}

fn property_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn geometry(g: &Value, depth: usize, outside: &mut u64) -> Result<(), String> {
    let kind = g
        .get("type")
        .and_then(Value::as_str)
        .ok_or("hình học thiếu “type”.")?;
    if kind == "GeometryCollection" {
        if depth > 4 {
            return Err("GeometryCollection lồng nhau quá sâu.".to_owned());
        }
        let parts = g
            .get("geometries")
            .and_then(Value::as_array)
            .ok_or("GeometryCollection thiếu “geometries”.")?;
        return parts
            .iter()
            .try_for_each(|p| geometry(p, depth + 1, outside));
    }
    let coords = g
        .get("coordinates")
        .ok_or_else(|| format!("{kind} thiếu “coordinates”."))?;
    let mut out = false;
    match kind {
        "Point" => position(coords, &mut out)?,
        "MultiPoint" => positions(coords, 0, &mut out)?,
        "LineString" => positions(coords, 2, &mut out)?,
        "MultiLineString" => each(coords, |l| positions(l, 2, &mut out))?,
        "Polygon" => rings(coords, &mut out)?,
        "MultiPolygon" => each(coords, |p| rings(p, &mut out))?,
        other => return Err(format!("kiểu hình học “{other}” không có trong GeoJSON.")),
    }
    if out {
        *outside += 1;
    }
    Ok(())
}

fn each(v: &Value, mut f: impl FnMut(&Value) -> Result<(), String>) -> Result<(), String> {
    v.as_array()
        .ok_or("tọa độ phải là một mảng.")?
        .iter()
        .try_for_each(&mut f)
}

fn position(v: &Value, outside: &mut bool) -> Result<(), String> {
    let a = v
        .as_array()
        .ok_or("một vị trí phải là mảng [kinh độ, vĩ độ].")?;
    if !(2..=3).contains(&a.len()) {
        return Err("một vị trí có 2 hoặc 3 số.".to_owned());
    }
    let nums: Vec<f64> = a.iter().filter_map(Value::as_f64).collect();
    if nums.len() != a.len() || nums.iter().any(|x| !x.is_finite()) {
        return Err("tọa độ phải là số.".to_owned());
    }
    let (lon, lat) = (nums[0], nums[1]);
    if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
        return Err(format!(
            "tọa độ [{lon}, {lat}] ngoài phạm vi (kinh độ ±180, vĩ độ ±90)."
        ));
    }
    let ((lon0, lon1), (lat0, lat1)) = VIETNAM;
    if !(lon0..=lon1).contains(&lon) || !(lat0..=lat1).contains(&lat) {
        *outside = true;
    }
    Ok(())
}

fn positions(v: &Value, min: usize, outside: &mut bool) -> Result<(), String> {
    let a = v.as_array().ok_or("tọa độ phải là một mảng.")?;
    if a.len() < min {
        return Err(format!("một đường cần ít nhất {min} vị trí."));
    }
    a.iter().try_for_each(|p| position(p, outside))
}

fn rings(v: &Value, outside: &mut bool) -> Result<(), String> {
    let rings = v.as_array().ok_or("tọa độ phải là một mảng.")?;
    if rings.is_empty() {
        return Err("đa giác cần ít nhất một vòng.".to_owned());
    }
    for ring in rings {
        positions(ring, 4, outside)?;
        let a = ring.as_array().ok_or("tọa độ phải là một mảng.")?;
        if a.first() != a.last() {
            return Err(
                "vòng của đa giác phải khép kín (vị trí cuối trùng vị trí đầu).".to_owned(),
            );
        }
    }
    Ok(())
}
