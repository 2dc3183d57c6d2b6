//! The index of a scope over a window (docs/operations-design.md §2, §3 "Reading"): the version
//! valid on the window's last day, each source it reads summed from the counters of the
//! window's buckets (whole months plus edge days: ~sources × 12 rows, whatever the volume),
//! and the points `tinhso_domain::ops::index::score` gives. Never a scan of the items.

use crate::versions;
use chrono::{Days, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;
use tinhso_domain::ops::formula;
use tinhso_domain::ops::index::{Score, score};
use tinhso_domain::ops::period::{Basis, Period, Window};
use tinhso_domain::ops::scope::Scope;
use tinhso_kernel::Ctx;
use tinhso_kernel::error::{AppError, FieldError};
use tinhso_kernel::module::counting::Shape;

/// One source an indicator reads, and its value over the window.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SourceValue {
    pub name: String,
    pub value: i64,
}

/// A declared value as the index shows it: what was declared, for which period, on what
/// evidence.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeclaredValue {
    pub id: String,
    pub value: f64,
    /// The period it was declared for (it may cover a wider window than the one computed).
    pub period: String,
    pub basis: String,
    pub note: String,
    /// The issued document's id and how people name it.
    pub evidence_document: String,
    pub evidence_label: String,
    pub declared_at: String,
}

impl DeclaredValue {
    pub fn of(d: &crate::store::declarations::Declaration) -> DeclaredValue {
        DeclaredValue {
            id: d.id.clone(),
            value: d.value,
            period: d.period.clone(),
            basis: d.basis.clone(),
            note: d.note.clone(),
            evidence_document: d.evidence_document.clone(),
            evidence_label: d.evidence_label.clone(),
            declared_at: d.declared_at.clone(),
        }
    }
}

/// One indicator's result, with what it rests on.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IndicatorView {
    pub key: String,
    pub title: String,
    pub weight: f64,
    pub formula: String,
    /// Where the figures come from.
    pub source: String,
    pub legal_basis: String,
    /// Its weight or name is not verified against the decision ("trọng số tạm").
    pub provisional: bool,
    /// Entered by officials ("tự khai") rather than measured.
    pub declared: bool,
    /// The live declared value the indicator read, with its evidence (declared indicators).
    pub declaration: Option<DeclaredValue>,
    /// The formula's value before clamping; absent when empty.
    pub value: Option<f64>,
    /// Clamped to [0, weight], 2 decimals; absent when empty and left out.
    pub points: Option<f64>,
    /// Clamping changed the value ("vượt khung").
    pub clamped: bool,
    pub sources: Vec<SourceValue>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GroupView {
    pub key: String,
    pub title: String,
    pub weight: f64,
    /// Absent when no indicator of the group has data.
    pub points: Option<f64>,
    pub indicators: Vec<IndicatorView>,
}

/// The index of a scope over a window.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IndexView {
    /// `p`, `a:<agency id>` or `u:<unit code>`.
    pub scope: String,
    pub period: String,
    /// `calendar` or `decree09`.
    pub basis: String,
    /// `YYYY-MM-DD`, both included.
    pub from: String,
    pub to: String,
    pub version: String,
    pub version_title: String,
    /// The version's weights are not verified ("trọng số tạm").
    pub provisional: bool,
    /// The groups' points summed (groups without data add nothing).
    pub total: f64,
    /// Every group had data.
    pub complete: bool,
    pub groups: Vec<GroupView>,
}

/// A period's name read, or the 422 naming the field (Vietnamese message).
pub fn window_of(period: &str, basis: Basis) -> Result<Window, AppError> {
    Period::parse(period)
        .map(|p| p.window(basis))
        .map_err(|e| AppError::Validation(vec![FieldError::new("period", e.vi())]))
}

/// What a version reads: each indicator's sources, and the sources by how they are summed.
struct Plan {
    read: BTreeMap<String, Vec<String>>,
    flow: Vec<&'static str>,
    open: Vec<&'static str>,
}

fn plan(ctx: &Ctx, checked: &tinhso_domain::ops::index::Checked) -> Plan {
    let def = &checked.definition;
    // Every source the version reads, by shape.
    let shapes: BTreeMap<&'static str, Shape> = crate::countings(ctx)
        .flat_map(|c| c.sources.iter().map(|s| (s.name, s.shape)))
        .collect();
    let mut read: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for ind in def.groups.iter().flat_map(|g| &g.indicators) {
        let names = formula::parse(&ind.formula)
            .map(|e| formula::sources(&e))
            .unwrap_or_default();
        read.insert(ind.key.clone(), names);
    }
    let mut flow: Vec<&'static str> = Vec::new();
    let mut open: Vec<&'static str> = Vec::new();
    for name in read.values().flatten() {
        let Some((known, shape)) = shapes.get_key_value(name.as_str()) else {
            continue;
        };
        let list = match shape {
            Shape::OpenByDue => &mut open,
            Shape::Flow => &mut flow,
            // No module declares these yet (docs/operations-design.md §11, slice 2).
            Shape::Snapshot | Shape::Distinct => continue,
        };
        if !list.contains(known) {
            list.push(known);
        }
    }
    Plan { read, flow, open }
}

/// One scope's place in a ranking: its total and how many dossiers it finished (the volume).
#[derive(Debug, Clone, Serialize)]
pub struct Ranked {
    pub scope: String,
    /// `None` when no group had data.
    pub total: Option<f64>,
    pub volume: i64,
}

/// The index totals of many scopes over one window, computed as [`compute`] computes each
/// (the same version, sources, open items cut at yesterday, declared values), with one
/// counters query per shape for all of them, and the volume `dossier.finished`.
pub async fn rank(
    ctx: &Ctx,
    scopes: &[String],
    period: &str,
    basis: Basis,
    today: NaiveDate,
) -> Result<Vec<Ranked>, AppError> {
    let window = window_of(period, basis)?;
    let mut tx = ctx.db.begin().await?;
    let Some(version) = versions::active_on(&mut tx, window.to).await? else {
        return Ok(Vec::new());
    };
    let checked = version.checked(ctx)?;
    let Plan { flow, open, .. } = plan(ctx, &checked);
    let mut flow_and_volume = flow.clone();
    if !flow_and_volume.contains(&VOLUME) {
        flow_and_volume.push(VOLUME);
    }
    let mut values =
        crate::store::dashboard::sum_many(&mut tx, scopes, window, &flow_and_volume).await?;
    let yesterday = today.checked_sub_days(Days::new(1)).unwrap_or(today);
    if window.from <= yesterday {
        let upto = Window {
            from: window.from,
            to: window.to.min(yesterday),
        };
        values.extend(crate::store::dashboard::sum_many(&mut tx, scopes, upto, &open).await?);
    }
    let mut out = Vec::with_capacity(scopes.len());
    for scope in scopes {
        let declared =
            crate::declarations::for_window(&mut tx, &version.code, scope, window).await?;
        let get = |name: &str| -> Option<i64> {
            if flow.iter().chain(&open).any(|f| *f == name) {
                Some(
                    values
                        .get(&(scope.clone(), name.to_owned()))
                        .copied()
                        .unwrap_or(0),
                )
            } else {
                None
            }
        };
        let s = score(
            &checked,
            &|name| get(name).map(|n| n as f64),
            &|indicator| declared.get(indicator).map(|d| d.value),
        );
        out.push(Ranked {
            scope: scope.clone(),
            total: s
                .groups
                .iter()
                .any(|g| g.points.is_some())
                .then_some(s.total + 0.0),
            volume: values
                .get(&(scope.clone(), VOLUME.to_owned()))
                .copied()
                .unwrap_or(0),
        });
    }
    tx.commit().await?;
    Ok(out)
}

/// The volume a ranking shows beside each total.
pub const VOLUME: &str = "dossier.finished";

/// The index of `scope` over `window`. `today` bounds the "open by due day" sources: only due
/// days before it count (overdue now). No active version valid on the window's last day is a
/// 422 on `period`.
pub async fn compute(
    ctx: &Ctx,
    scope: &Scope,
    period: &str,
    basis: Basis,
    today: NaiveDate,
) -> Result<IndexView, AppError> {
    let window = window_of(period, basis)?;
    let mut tx = ctx.db.begin().await?;
    let version = versions::active_on(&mut tx, window.to)
        .await?
        .ok_or_else(|| {
            AppError::Validation(vec![FieldError::new(
                "period",
                "Chưa có phiên bản bộ chỉ số nào áp dụng cho kỳ này.",
            )])
        })?;
    let checked = version.checked(ctx)?;
    let def = &checked.definition;
    let Plan { read, flow, open } = plan(ctx, &checked);
    let key = scope.key();
    let mut values = crate::store::index::sum_sources(&mut tx, &key, window, &flow).await?;
    // Open items count on their due days up to yesterday.
    let yesterday = today.checked_sub_days(Days::new(1)).unwrap_or(today);
    if window.from <= yesterday {
        let upto = Window {
            from: window.from,
            to: window.to.min(yesterday),
        };
        values.extend(crate::store::index::sum_sources(&mut tx, &key, upto, &open).await?);
    } else {
        values.extend(open.iter().map(|s| ((*s).to_owned(), 0)));
    }
    let declared = crate::declarations::for_window(&mut tx, &version.code, &key, window).await?;
    tx.commit().await?;
    let s: Score = score(
        &checked,
        &|name| values.get(name).map(|n| *n as f64),
        &|indicator| declared.get(indicator).map(|d| d.value),
    );
    let groups = def
        .groups
        .iter()
        .zip(s.groups)
        .map(|(g, gs)| GroupView {
            key: g.key.clone(),
            title: g.title.clone(),
            weight: g.weight,
            points: gs.points,
            indicators: g
                .indicators
                .iter()
                .zip(gs.indicators)
                .map(|(ind, is)| IndicatorView {
                    key: ind.key.clone(),
                    title: ind.title.clone(),
                    weight: ind.weight,
                    formula: ind.formula.clone(),
                    source: ind.source.clone(),
                    legal_basis: ind.legal_basis.clone(),
                    provisional: ind.provisional || def.provisional,
                    declared: ind.declared,
                    declaration: declared.get(&ind.key).map(DeclaredValue::of),
                    value: is.value,
                    points: is.points,
                    clamped: is.clamped,
                    sources: read
                        .get(&ind.key)
                        .into_iter()
                        .flatten()
                        .map(|n| SourceValue {
                            name: n.clone(),
                            value: values.get(n).copied().unwrap_or(0),
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    Ok(IndexView {
        scope: key,
        period: period.to_owned(),
        basis: match basis {
            Basis::Calendar => "calendar",
            Basis::Decree09 => "decree09",
        }
        .to_owned(),
        from: window.from.to_string(),
        to: window.to.to_string(),
        version: version.code.clone(),
        version_title: def.title.clone(),
        provisional: def.provisional,
        // An empty sum of f64 is −0.
        total: s.total + 0.0,
        complete: s.complete,
        groups,
    })
}
