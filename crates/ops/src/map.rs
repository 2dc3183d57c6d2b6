//! The feedback map of the leader's dashboard (docs/operations-design.md §5): the reports of
//! the viewer's scope received in the dashboard's window, clustered by cell of the grid of
//! `tinhso_domain::ops::map` and drawn server-side as SVG; a cluster's list (`/ops/items?
//! source=feedback.received&cell=z/r/c`); and `GET /api/v1/ops/feedback-clusters` for Grafana
//! and other clients. `ops` knows no module: the reports are counted per cell by the module
//! mapping the source (`Counting::geo`), and listed by its `Counting::list` with an `area`.
//! Only the cells come into memory, never the reports.

use crate::dashboard::{DrillPage, PAGE};
use crate::policy;
use crate::store::dashboard as store;
use axum::extract::State;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tinhso_domain::ops::map::{
    self as grid, BBox, Cell, CellSum, Cells, Cluster, Frame, MapError, VIEW_CELLS,
};
use tinhso_domain::ops::period::Window;
use tinhso_domain::ops::scope::Scope;
use tinhso_kernel::Ctx;
use tinhso_kernel::error::{ApiResult, AppError};
use tinhso_kernel::extract::{Caller, Json, Query};
use tinhso_kernel::module::{Access, DrillQuery, GeoCell, GeoQuery, Routes};
use utoipa_axum::routes;

/// The source the map shows: reports received in the window (not duplicates; and, as the
/// public pages, not hidden, with a position).
pub const SOURCE: &str = "feedback.received";

/// The SVG map's width in pixels (its height follows the area's proportions).
pub const WIDTH: f64 = 480.0;

/// Where a scope's items are: its agencies, everything, or an administrative unit.
struct Places {
    agencies: Vec<String>,
    all: bool,
    unit: Option<String>,
}

async fn places(ctx: &Ctx, scope: &Scope) -> Result<Places, AppError> {
    Ok(match scope {
        Scope::Province => Places {
            agencies: store::all_agencies(&ctx.db).await?,
            all: true,
            unit: None,
        },
        Scope::Agency(id) => Places {
            agencies: crate::store::agency_and_below(&ctx.db, id).await?,
            all: false,
            unit: None,
        },
        Scope::Unit(code) => Places {
            agencies: match store::unit_committee(&ctx.db, code).await?.0 {
                Some(c) => crate::store::agency_and_below(&ctx.db, &c).await?,
                None => Vec::new(),
            },
            all: false,
            unit: Some(code.clone()),
        },
    })
}

/// The cells of `cells` holding mapped reports of the scope, from the module mapping them
/// (none when no module does). The feedback module adds them up from per-span sums it keeps
/// while no report of the span changes (it looks for changed reports at each view), so a
/// report shows on the next view and a view costs the same whatever the history. (A per-node
/// copy of the answer kept 30 s was tried and left out: the map then lagged the figures beside
/// it.)
async fn cell_sums(
    ctx: &Ctx,
    p: &Places,
    window: Window,
    today: NaiveDate,
    cells: Cells,
) -> Result<Arc<Vec<GeoCell>>, AppError> {
    count_cells(ctx, p, window, today, cells)
        .await
        .map(Arc::new)
}

async fn count_cells(
    ctx: &Ctx,
    p: &Places,
    window: Window,
    today: NaiveDate,
    cells: Cells,
) -> Result<Vec<GeoCell>, AppError> {
    let q = GeoQuery {
        source: SOURCE.to_owned(),
        agencies: p.agencies.clone(),
        all: p.all,
        unit: p.unit.clone(),
        from: window.from,
        to: window.to,
        today,
        cells,
    };
    for counting in crate::countings(ctx) {
        let Some(geo) = counting.geo else { continue };
        if !counting.sources.iter().any(|s| s.name == SOURCE) {
            continue;
        }
        if let Some(rows) = geo(ctx, &q).await? {
            return Ok(rows);
        }
    }
    Ok(Vec::new())
}

fn to_clusters(zoom: u8, rows: &[GeoCell]) -> Vec<Cluster> {
    let sums: Vec<CellSum> = rows
        .iter()
        .map(|r| CellSum {
            cell: Cell {
                zoom,
                row: r.row,
                col: r.col,
            },
            n: r.n,
            open: r.open,
            overdue: r.overdue,
            sum_lat: r.sum_lat,
            sum_lon: r.sum_lon,
        })
        .collect();
    grid::clusters(&sums)
}

/// The extent of the scope's mapped reports in the window: one query over the single cell of
/// zoom 0 (and the one of the antimeridian), `None` without any.
async fn extent(
    ctx: &Ctx,
    p: &Places,
    window: Window,
    today: NaiveDate,
) -> Result<Option<BBox>, AppError> {
    let world = Cells {
        zoom: 0,
        rows: (0, 0),
        cols: (0, 1),
    };
    let rows = cell_sums(ctx, p, window, today, world).await?;
    Ok(rows
        .iter()
        .filter(|r| r.n > 0)
        .fold(None, |acc: Option<BBox>, r| {
            let b = BBox {
                west: r.west,
                south: r.south,
                east: r.east,
                north: r.north,
            };
            Some(match acc {
                None => b,
                Some(a) => BBox {
                    west: a.west.min(b.west),
                    south: a.south.min(b.south),
                    east: a.east.max(b.east),
                    north: a.north.max(b.north),
                },
            })
        }))
}

/// A cluster as the SVG map draws it.
#[derive(Debug, Clone, Serialize)]
pub struct Marker {
    #[serde(flatten)]
    pub cluster: Cluster,
    pub x: f64,
    pub y: f64,
    pub r: f64,
    /// Whether a click may zoom closer (below the finest zoom).
    pub closer: bool,
}

/// The dashboard's map panel.
#[derive(Debug, Clone, Serialize)]
pub struct MapView {
    pub area: BBox,
    pub zoom: u8,
    pub frame: Frame,
    pub markers: Vec<Marker>,
    /// Reports on the map.
    pub total: i64,
    /// The cell zoomed into (`z/r/c`), when not the whole scope.
    pub focus: Option<String>,
}

/// The map of `scope` (already checked as held) over `window`: the whole scope's reports, or
/// those of the cell `focus` split into its 8 × 8 cells. `None` when the scope has no mapped
/// report in the window.
pub async fn view(
    ctx: &Ctx,
    scope: &Scope,
    window: Window,
    today: NaiveDate,
    focus: Option<Cell>,
) -> Result<Option<MapView>, AppError> {
    let p = places(ctx, scope).await?;
    let area = match focus {
        Some(c) => c.bbox(),
        None => match extent(ctx, &p, window, today).await? {
            Some(b) => b.padded(0.05, 0.005),
            None => return Ok(None),
        },
    };
    let zoom = match focus {
        Some(c) => c.closer(),
        None => grid::zoom_for(area, VIEW_CELLS),
    };
    let cells = grid::cells_of(area, zoom).map_err(|e| AppError::BadRequest(e.vi().into()))?;
    let clusters = to_clusters(zoom, &cell_sums(ctx, &p, window, today, cells).await?);
    let frame = grid::frame(area, WIDTH);
    let most = clusters.iter().map(|c| c.n).max().unwrap_or(0);
    let markers = clusters
        .into_iter()
        .map(|c| {
            let (x, y) = grid::project(&frame, c.lat, c.lon);
            Marker {
                x,
                y,
                r: grid::radius(c.n, most, 10.0, 34.0),
                closer: c.cell.zoom < grid::MAX_ZOOM,
                cluster: c,
            }
        })
        .collect::<Vec<_>>();
    Ok(Some(MapView {
        area,
        zoom,
        frame,
        total: markers.iter().map(|m| m.cluster.n).sum(),
        markers,
        focus: focus.map(|c| c.key()),
    }))
}

/// A cluster's list: the scope's mapped reports in `cell` over `window`, the figure being
/// their number. `None` (a 404) when the cell holds none of the scope's reports: a cell
/// outside the scope lists nothing, as a scope not held does.
pub async fn drill(
    ctx: &Ctx,
    scope: &Scope,
    window: Window,
    today: NaiveDate,
    cell: Cell,
    after: Option<String>,
) -> Result<Option<DrillPage>, AppError> {
    let p = places(ctx, scope).await?;
    let figure: i64 = count_cells(ctx, &p, window, today, cell.window())
        .await?
        .iter()
        .map(|r| r.n)
        .sum();
    if figure == 0 {
        return Ok(None);
    }
    let q = DrillQuery {
        source: SOURCE.to_owned(),
        agencies: p.agencies,
        all: p.all,
        unit: p.unit,
        from: window.from,
        to: window.to,
        key: None,
        after,
        limit: PAGE as i64 + 1,
        area: Some(cell.window()),
    };
    for counting in crate::countings(ctx) {
        let Some(list) = counting.list else { continue };
        if !counting.sources.iter().any(|s| s.name == SOURCE) {
            continue;
        }
        let Some(mut rows) = list(ctx, &q).await? else {
            return Ok(None);
        };
        let next = (rows.len() > PAGE).then(|| {
            rows.truncate(PAGE);
            rows.last().map(|r| r.id.clone())
        });
        return Ok(Some(DrillPage {
            figure,
            rows,
            next: next.flatten(),
        }));
    }
    Ok(None)
}

pub fn routes() -> Routes {
    Routes::new("ops").api(Access::Entity("ops_scope"), routes!(feedback_clusters))
}

/// The map's area and zoom, with the index's scope and window.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClustersQuery {
    /// As for `/api/v1/ops/index`; `p` when absent.
    #[param(pattern = r"^(p|a:[A-Za-z0-9_-]{1,64}|u:[A-Za-z0-9._-]{1,32})$")]
    pub scope: Option<String>,
    /// As for `/api/v1/ops/index`; the current year when absent.
    #[param(
        pattern = r"^([0-9]{4}-(M[0-9]{2}|Q[0-9]|H[0-9]|9M|Y)|[0-9]{4}-[0-9]{2}-[0-9]{2}\.\.[0-9]{4}-[0-9]{2}-[0-9]{2})$"
    )]
    pub period: Option<String>,
    #[param(pattern = "^(calendar|decree09)$")]
    pub basis: Option<String>,
    /// `west,south,east,north` in degrees (WGS 84); the extent of the scope's reports when
    /// absent.
    pub bbox: Option<String>,
    /// 0 to 24: cells of 360 / 2^zoom degrees. The zoom that fits the bbox in 8 × 8 cells
    /// when absent; at most 4096 cells in all.
    pub zoom: Option<String>,
}

/// One cluster: the scope's reports in one cell of the grid.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClusterView {
    /// `zoom/row/col`: row `floor((lat + 90) / size)`, column `floor((lon + 180) / size)`,
    /// size `360 / 2^zoom` degrees.
    pub cell: String,
    pub zoom: u8,
    pub row: i64,
    pub col: i64,
    /// Reports, open ones (received, assigned, in progress), open ones due before today.
    pub count: i64,
    pub open: i64,
    pub overdue: i64,
    /// The mean of the reports' coordinates.
    pub lat: f64,
    pub lon: f64,
    /// The cell: `[west, south, east, north]`.
    pub bbox: Vec<f64>,
    /// The page listing these reports.
    pub items: String,
}

/// The clusters of an area.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClustersView {
    pub scope: String,
    pub period: String,
    pub basis: String,
    /// The window's local days, both included.
    pub from: String,
    pub to: String,
    /// The area asked for (or the scope's extent), `[west, south, east, north]`; empty
    /// without reports and without a bbox.
    pub bbox: Vec<f64>,
    pub zoom: u8,
    pub total: i64,
    /// The largest first.
    pub clusters: Vec<ClusterView>,
}

/// A bbox or zoom the schema admits (any text) but the grid cannot take: 422 on its field,
/// like every other well-formed request whose values are refused.
fn bad(e: MapError) -> AppError {
    let field = match e {
        MapError::BadBox => "bbox",
        MapError::BadZoom | MapError::TooManyCells => "zoom",
    };
    AppError::validation(field, e.vi())
}

/// Feedback reports of a scope on a map, clustered by cell of a fixed grid: for each cell of
/// the area holding reports received in the period (duplicates, hidden reports and reports
/// without a position left out), their number, how many are open and overdue, their centroid,
/// and the page listing them. The cells are counted in the database; at most 4096.
#[utoipa::path(get, path = "/api/v1/ops/feedback-clusters", tag = "ops", params(ClustersQuery),
    responses(
        (status = 200, body = ClustersView),
        (status = 404, description = "A scope the caller does not hold, or that does not exist"),
        (status = 422, description = "A period that does not exist, a malformed scope or basis, a malformed bbox or zoom, or a zoom dividing the bbox into more than 4096 cells"),
    ),
    security(("bearer" = ["ops:read"])))]
pub async fn feedback_clusters(
    State(ctx): State<Ctx>,
    Caller(auth): Caller,
    Query(q): Query<ClustersQuery>,
) -> ApiResult<Json<ClustersView>> {
    let today = tinhso_kernel::time::local_now().date();
    let index_q = crate::api::IndexQuery {
        scope: q.scope.clone(),
        period: q.period.clone(),
        basis: q.basis.clone(),
    };
    let (scope, period, basis) = crate::api::parse_query(&index_q, today)?;
    let bbox = q
        .bbox
        .as_deref()
        .map(BBox::parse)
        .transpose()
        .map_err(bad)?;
    let zoom = q
        .zoom
        .as_deref()
        .map(grid::parse_zoom)
        .transpose()
        .map_err(bad)?;
    if let (Some(b), Some(z)) = (bbox, zoom) {
        grid::cells_of(b, z).map_err(bad)?;
    }
    policy::checked(&ctx, &auth.principal, &scope).await?;
    if !crate::store::index::exists(&ctx.db, &scope).await? {
        return Err(AppError::NotFound.into());
    }
    let window = crate::index::window_of(&period, basis)?;
    let p = places(&ctx, &scope).await?;
    let area = match bbox {
        Some(b) => Some(b),
        None => extent(&ctx, &p, window, today)
            .await?
            .map(|b| b.padded(0.05, 0.005)),
    };
    let basis_name = q.basis.clone().unwrap_or_else(|| "calendar".to_owned());
    let mut view = ClustersView {
        scope: scope.key(),
        period: period.clone(),
        basis: basis_name.clone(),
        from: window.from.to_string(),
        to: window.to.to_string(),
        bbox: Vec::new(),
        zoom: zoom.unwrap_or(0),
        total: 0,
        clusters: Vec::new(),
    };
    let Some(area) = area else {
        return Ok(Json(view));
    };
    let zoom = zoom.unwrap_or_else(|| grid::zoom_for(area, VIEW_CELLS));
    let cells = grid::cells_of(area, zoom).map_err(bad)?;
    let clusters = to_clusters(zoom, &cell_sums(&ctx, &p, window, today, cells).await?);
    let base = serde_urlencoded::to_string([
        ("scope", scope.key()),
        ("source", SOURCE.to_owned()),
        ("period", period),
        ("basis", basis_name),
    ])
    .unwrap_or_default();
    view.bbox = vec![area.west, area.south, area.east, area.north];
    view.zoom = zoom;
    view.total = clusters.iter().map(|c| c.n).sum();
    view.clusters = clusters
        .into_iter()
        .map(|c| ClusterView {
            items: format!("{}?{base}&cell={}", crate::dashboard_pages::ITEMS, c.key),
            cell: c.key,
            zoom: c.cell.zoom,
            row: c.cell.row,
            col: c.cell.col,
            count: c.n,
            open: c.open,
            overdue: c.overdue,
            lat: c.lat,
            lon: c.lon,
            bbox: vec![c.bbox.west, c.bbox.south, c.bbox.east, c.bbox.north],
        })
        .collect();
    Ok(Json(view))
}
