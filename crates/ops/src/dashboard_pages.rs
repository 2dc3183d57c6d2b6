//! The dashboard's pages (docs/operations-design.md §5): `/ops/dashboard` (the scope the
//! viewer holds, the widest by default; `?wall=1` is the operations room's screen: large type,
//! dark, no navigation) and `/ops/items` (the drill-down behind a figure, in pages of 50).
//! Both decide with [`crate::policy`] first: a scope the viewer does not hold is a 404, as is
//! a source nothing lists. The page refreshes itself every 60 s with `<meta http-equiv=
//! "refresh">` (no script), and answers 304 when the `If-None-Match` it sends holds the ETag.

use crate::dashboard::{self, Drill};
use crate::map;
use crate::policy;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use minijinja::context;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tinhso_domain::ops::map::Cell;
use tinhso_domain::ops::period::Basis;
use tinhso_domain::ops::scope::Scope;
use tinhso_kernel::Ctx;
use tinhso_kernel::error::{AppError, PageResult};
use tinhso_kernel::extract::Query;
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::web::{Page, sv};

pub const DASHBOARD: &str = "/ops/dashboard";
pub const ITEMS: &str = "/ops/items";

/// Seconds between refreshes.
pub const REFRESH_SECONDS: u32 = 60;

pub fn routes() -> Routes {
    Routes::new("ops")
        .get(DASHBOARD, Access::Entity("ops_scope"), dashboard_page)
        .get(ITEMS, Access::Entity("ops_scope"), items_page)
}

#[derive(Debug, Deserialize, Default)]
struct DashboardQuery {
    scope: Option<String>,
    period: Option<String>,
    basis: Option<String>,
    wall: Option<String>,
    refresh: Option<String>,
    /// The map's cell zoomed into (`z/r/c`).
    map: Option<String>,
}

fn filled(v: &Option<String>) -> Option<String> {
    v.clone().filter(|s| !s.is_empty())
}

/// The scope asked for, or the widest the viewer holds; checked (404 when not held or naming
/// nothing).
pub(crate) async fn held_scope(
    ctx: &Ctx,
    page: &Page,
    asked: Option<String>,
) -> Result<Scope, AppError> {
    let user = page.require_user()?.clone();
    let holding = policy::holding_of(&ctx.db, &user).await?;
    let Some(widest) = holding.widest() else {
        return Err(AppError::NotFound);
    };
    let scope = match asked {
        None => widest,
        Some(s) => Scope::parse(&s).ok_or(AppError::NotFound)?,
    };
    policy::checked(ctx, &page.principal(), &scope).await?;
    if !crate::store::index::exists(&ctx.db, &scope).await? {
        return Err(AppError::NotFound);
    }
    Ok(scope)
}

/// The page, with its ETag; 304 when the browser holds it already.
fn with_etag(headers: &HeaderMap, html: String) -> Response {
    let etag = format!(
        "\"{}\"",
        &hex::encode(Sha256::digest(html.as_bytes()))[..32]
    );
    let cache = [
        (header::ETAG, etag.clone()),
        (header::CACHE_CONTROL, "private, no-cache".to_owned()),
    ];
    let held = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    if held {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (cache, axum::response::Html(html)).into_response()
}

/// The dashboard and its map panel.
async fn with_map(
    ctx: &Ctx,
    scope: &Scope,
    period: &str,
    basis: Basis,
    today: NaiveDate,
    focus: Option<Cell>,
) -> Result<(dashboard::Dashboard, Option<map::MapView>), AppError> {
    let d = dashboard::build(ctx, scope, period, basis, today).await?;
    let window = crate::index::window_of(period, basis)?;
    let m = map::view(ctx, scope, window, today, focus).await?;
    Ok((d, m))
}

async fn dashboard_page(
    State(ctx): State<Ctx>,
    page: Page,
    headers: HeaderMap,
    Query(q): Query<DashboardQuery>,
) -> PageResult<Response> {
    let scope = held_scope(&ctx, &page, filled(&q.scope)).await?;
    let today = tinhso_kernel::time::local_now().date();
    let query = crate::api::IndexQuery {
        scope: Some(scope.key()),
        period: filled(&q.period),
        basis: filled(&q.basis),
    };
    let wall = q.wall.as_deref() == Some("1");
    let refresh = q.refresh.as_deref() != Some("0");
    let typed = context! {
        period => q.period.clone().unwrap_or_default(),
        basis => q.basis.clone().unwrap_or_default(),
    };
    let outcome = match crate::api::parse_query(&query, today) {
        Ok((scope, period, basis)) => {
            // A cell that names nothing shows the whole scope.
            let focus = filled(&q.map).and_then(|c| Cell::parse(&c));
            with_map(&ctx, &scope, &period, basis, today, focus).await
        }
        Err(e) => Err(e),
    };
    let (view, map_view, errors) = match outcome {
        Ok((d, m)) => (Some(d), m, Vec::new()),
        Err(AppError::Validation(errors)) => (None, None, errors),
        Err(e) => return Err(e.into()),
    };
    let errors: Vec<_> = errors
        .iter()
        .map(|e| context! { field => e.field.clone(), message => e.message.clone() })
        .collect();
    let html = page.render(
        "ops_dashboard.html",
        context! {
            d => view.as_ref().map(sv),
            map => map_view.as_ref().map(sv),
            errors => errors,
            typed => typed,
            scope => scope.key(),
            wall => wall,
            refresh => refresh,
            refresh_seconds => REFRESH_SECONDS,
        },
    )?;
    Ok(with_etag(&headers, html.0))
}

#[derive(Debug, Deserialize, Default)]
struct ItemsQuery {
    scope: Option<String>,
    source: Option<String>,
    period: Option<String>,
    basis: Option<String>,
    key: Option<String>,
    overdue: Option<String>,
    after: Option<String>,
    /// A map cluster's cell (`z/r/c`), with `source=feedback.received`.
    cell: Option<String>,
}

async fn items_page(
    State(ctx): State<Ctx>,
    page: Page,
    Query(q): Query<ItemsQuery>,
) -> PageResult<Response> {
    let scope = held_scope(&ctx, &page, filled(&q.scope)).await?;
    let source = filled(&q.source).ok_or(AppError::NotFound)?;
    if source.len() > 64 || !dashboard::listed(&ctx, &source) {
        return Err(AppError::NotFound.into());
    }
    let today = tinhso_kernel::time::local_now().date();
    let overdue = q.overdue.as_deref() == Some("1");
    let query = crate::api::IndexQuery {
        scope: Some(scope.key()),
        period: filled(&q.period),
        basis: filled(&q.basis),
    };
    let (_, period, basis) = crate::api::parse_query(&query, today)?;
    let window = if overdue {
        dashboard::overdue_window(today)
    } else {
        crate::index::window_of(&period, basis)?
    };
    let key = filled(&q.key).filter(|k| k.len() <= 64);
    let after = filled(&q.after).filter(|a| a.len() <= 64);
    // A map cluster's list: its cell, of the map's source; a cell holding none of the scope's
    // reports is a 404.
    let cell = match filled(&q.cell) {
        Some(c) => {
            let cell = Cell::parse(&c).ok_or(AppError::NotFound)?;
            if source != map::SOURCE || overdue || key.is_some() {
                return Err(AppError::NotFound.into());
            }
            Some(cell)
        }
        None => None,
    };
    let found = match cell {
        Some(cell) => map::drill(&ctx, &scope, window, today, cell, after).await?,
        None => {
            let drill = Drill {
                source: source.clone(),
                window,
                overdue,
                key: key.clone(),
                after,
            };
            dashboard::drill(&ctx, &scope, &drill).await?
        }
    };
    let Some(list) = found else {
        return Err(AppError::NotFound.into());
    };
    // The field's name, for a figure of one field.
    let key_name = match &key {
        Some(k) if source.starts_with("dossier.") => {
            crate::store::dashboard::field_names(&ctx.db, std::slice::from_ref(k))
                .await?
                .remove(k)
        }
        _ => None,
    };
    let more = |after: &str| {
        let mut pairs = vec![("scope", scope.key()), ("source", source.clone())];
        if overdue {
            pairs.push(("overdue", "1".to_owned()));
        } else {
            pairs.push(("period", period.clone()));
            pairs.push((
                "basis",
                query.basis.clone().unwrap_or_else(|| "calendar".to_owned()),
            ));
        }
        if let Some(k) = &key {
            pairs.push(("key", k.clone()));
        }
        if let Some(c) = &cell {
            pairs.push(("cell", c.key()));
        }
        if !after.is_empty() {
            pairs.push(("after", after.to_owned()));
        }
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    };
    let next = list.next.as_deref().map(|a| format!("{ITEMS}?{}", more(a)));
    let first = format!("{ITEMS}?{}", more(""));
    let scope_name = dashboard::scope_name(&ctx, &scope).await?;
    Ok(page
        .render(
            "ops_items.html",
            context! {
                list => sv(&list),
                source => source,
                scope => scope.key(),
                scope_name => scope_name,
                overdue => overdue,
                period => period,
                from => window.from.to_string(),
                to => window.to.to_string(),
                key => key,
                key_name => key_name,
                cell => cell.map(|c| context! { key => c.key(), bbox => sv(c.bbox()) }),
                next => next,
                first => first,
                paged => q.after.is_some(),
            },
        )?
        .into_response())
}
