//! What a module gives the operations centre to count (docs/operations-design.md §3): the
//! named sources it feeds, the event kinds after which one of its items may count differently,
//! and the item's marks read from its stored row. The counting module (`ops`) knows no module:
//! it finds every [`Counting`] through `Ctx::kpis`, re-reads an item's marks when one of these
//! events is delivered, and writes only the difference from what it counted before.

use crate::Ctx;
use crate::db::Conn;
use crate::error::AppError;
use crate::events::Event;
use crate::module::BoxFut;
use chrono::NaiveDate;
use tinhso_domain::ops::map::Cells;

/// How a source's value over a window is read from its counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Summed over the window by the day it happened.
    Flow,
    /// Open items by due day: summed over due days before today is "overdue now".
    OpenByDue,
    /// A value at the window's end.
    Snapshot,
    /// Distinct keys over the window.
    Distinct,
}

/// A named counter a module feeds, such as `dossier.finished_on_time`.
#[derive(Debug)]
pub struct Source {
    /// `<item>.<what>`, stable: index versions' formulas name it.
    pub name: &'static str,
    /// A locale key for its title.
    pub title: &'static str,
    pub shape: Shape,
    /// What its marks' key is (`field`, `category`), when they have one.
    pub breakdown: Option<&'static str>,
}

impl Source {
    /// A source whose marks are keyed by `breakdown` (a module keys all its sources alike).
    pub const fn keyed(
        name: &'static str,
        title: &'static str,
        shape: Shape,
        breakdown: &'static str,
    ) -> Source {
        Source {
            name,
            title,
            shape,
            breakdown: Some(breakdown),
        }
    }
}

/// The day of a stored Vietnam local time (`YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS`).
pub fn local_day(t: Option<&str>) -> Option<NaiveDate> {
    t.and_then(|t| t.get(..10))
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

/// One thing an item counts for: `source` on `day`, for an agency (and, through the directory,
/// its ancestors and the province) and an administrative unit, under a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub source: &'static str,
    /// Vietnam local day.
    pub day: NaiveDate,
    pub agency_id: Option<String>,
    /// An administrative unit's code (a commune's), when the item has its own.
    pub unit: Option<String>,
    pub key: Option<String>,
}

/// An item's marks: a pure function of its stored rows, never of the clock. `None` when the
/// item does not exist (it then counts for nothing).
pub type FactsFn =
    for<'a> fn(&'a Ctx, &'a mut Conn, &'a str) -> BoxFut<'a, Result<Option<Vec<Mark>>, AppError>>;

/// The ids of items after `after` (in id order), at most `limit`: how a rebuild walks them all.
pub type ScanFn = for<'a> fn(
    &'a Ctx,
    &'a mut Conn,
    Option<&'a str>,
    i64,
) -> BoxFut<'a, Result<Vec<String>, AppError>>;

/// What a drill-down asks (docs/operations-design.md §5): the items behind one source's figure
/// for a scope over local days `from..=to`, as the source's marks place them. The operations
/// centre has checked the viewer holds the scope; `agencies` is the scope's agencies (every
/// agency for the province, with `all` set: items with no agency count there too), `unit` an
/// administrative unit's code for a unit's scope. Keyset pages in id order.
#[derive(Debug, Clone)]
pub struct DrillQuery {
    pub source: String,
    pub agencies: Vec<String>,
    pub all: bool,
    pub unit: Option<String>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The breakdown key (a field's code), when the figure was one key's.
    pub key: Option<String>,
    /// The last id of the previous page.
    pub after: Option<String>,
    pub limit: i64,
    /// Only the items placed in these cells of the map's grid (a map cluster's list; only
    /// sources a module maps, see [`GeoFn`]).
    pub area: Option<Cells>,
}

/// What a map asks (docs/operations-design.md §5): the items of one source, for a scope (as in
/// [`DrillQuery`]) over local days `from..=to`, counted per cell of the grid
/// ([`tinhso_domain::ops::map`]) within `cells`. `today` decides what is overdue (due before
/// it). Items without a position, or not shown to the public, are left out.
#[derive(Debug, Clone)]
pub struct GeoQuery {
    pub source: String,
    pub agencies: Vec<String>,
    pub all: bool,
    pub unit: Option<String>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub today: NaiveDate,
    pub cells: Cells,
}

/// What one cell of the grid holds: items, open and overdue ones, the sums of their
/// coordinates (the centroid is sum ÷ n) and their extent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoCell {
    pub row: i64,
    pub col: i64,
    pub n: i64,
    pub open: i64,
    pub overdue: i64,
    pub sum_lat: f64,
    pub sum_lon: f64,
    pub south: f64,
    pub west: f64,
    pub north: f64,
    pub east: f64,
}

/// A source's items per cell of the grid, one aggregate query (never the items themselves), or
/// `None` when the module maps no such source.
pub type GeoFn =
    for<'a> fn(&'a Ctx, &'a GeoQuery) -> BoxFut<'a, Result<Option<Vec<GeoCell>>, AppError>>;

/// One item of a drill-down: no personal data (no applicant names), a link to the item's own
/// page, where its module's policy decides again.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DrillRow {
    pub id: String,
    pub code: String,
    pub title: String,
    pub agency: String,
    /// The local day it counts on (finished, due…), `YYYY-MM-DD`.
    pub day: String,
    pub state: String,
    pub href: String,
}

/// The items behind a source's figure, or `None` when the module lists none for that source.
pub type ListFn =
    for<'a> fn(&'a Ctx, &'a DrillQuery) -> BoxFut<'a, Result<Option<Vec<DrillRow>>, AppError>>;

/// The usual `Counting::item_of`: an event is about the item of its stream (its aggregate).
pub fn stream_item(e: &Event) -> Option<String> {
    Some(e.aggregate_id.clone()).filter(|id| !id.is_empty())
}

/// A module's counting declaration (`Kpi::counting`).
pub struct Counting {
    /// The kind of item, stored with its counted marks (`dossier`, `feedback`).
    pub item: &'static str,
    pub sources: &'static [Source],
    /// The event kinds after which an item may count differently.
    pub events: &'static [&'static str],
    /// The item an event is about (a dossier's event names its dossier).
    pub item_of: fn(&Event) -> Option<String>,
    pub facts: FactsFn,
    pub scan: ScanFn,
    /// The drill-down lists, for the sources it has one for.
    pub list: Option<ListFn>,
    /// The map's cells, for the sources it places on a map.
    pub geo: Option<GeoFn>,
}
