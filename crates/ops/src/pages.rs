//! The operations centre's page `/ops` (docs/operations-design.md §5; the dashboards of slice 4
//! build on it): the Decision 766 index of a scope over a period, its groups and indicators with
//! values, points, measured or declared, and the version, server-rendered, Vietnamese first.
//! It decides with [`crate::policy`], as the API does; a scope the viewer does not hold is a
//! 404, a period that does not exist is said on the page with what was typed.

use crate::api::{IndexQuery, parse_query};
use crate::index;
use crate::policy;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use tinhso_kernel::Ctx;
use tinhso_kernel::error::{AppError, PageResult};
use tinhso_kernel::extract::Query;
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::web::{Page, sv};

pub const OPS: &str = "/ops";

pub fn routes() -> Routes {
    Routes::new("ops").get(OPS, Access::Entity("ops_scope"), ops_page)
}

async fn ops_page(
    State(ctx): State<Ctx>,
    page: Page,
    Query(q): Query<IndexQuery>,
) -> PageResult<Response> {
    let user = page.require_user()?.clone();
    let holding = policy::holding_of(&ctx.db, &user).await?;
    let Some(widest) = holding.widest() else {
        return Err(AppError::NotFound.into());
    };
    let today = tinhso_kernel::time::local_now().date();
    let typed = context! {
        scope => q.scope.clone().unwrap_or_default(),
        period => q.period.clone().unwrap_or_default(),
        basis => q.basis.clone().unwrap_or_default(),
    };
    let query = IndexQuery {
        scope: q
            .scope
            .clone()
            .filter(|s| !s.is_empty())
            .or(Some(widest.key())),
        ..q
    };
    let outcome = match parse_query(&query, today) {
        Ok((scope, period, basis)) => {
            policy::checked(&ctx, &page.principal(), &scope).await?;
            if !crate::store::index::exists(&ctx.db, &scope).await? {
                return Err(AppError::NotFound.into());
            }
            index::compute(&ctx, &scope, &period, basis, today).await
        }
        Err(e) => Err(e),
    };
    let (view, errors) = match outcome {
        Ok(v) => (Some(v), Vec::new()),
        Err(AppError::Validation(errors)) => (None, errors),
        Err(e) => return Err(e.into()),
    };
    let errors: Vec<_> = errors
        .iter()
        .map(|e| context! { field => e.field.clone(), message => e.message.clone() })
        .collect();
    Ok(page
        .render(
            "ops_index.html",
            context! { index => view.as_ref().map(sv), errors => errors, typed => typed, scope => query.scope },
        )?
        .into_response())
}
