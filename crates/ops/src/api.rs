//! The operations centre's API under `/api/v1/ops` (token scope `ops:read`): the index of a
//! scope over a period. Errors are problem+json; a scope the caller does not hold is a 404, a
//! period that does not exist a 422 on `period`.

use crate::index::{self, IndexView};
use crate::policy;
use axum::extract::State;
use serde::Deserialize;
use tinhso_domain::ops::period::Basis;
use tinhso_domain::ops::scope::Scope;
use tinhso_kernel::Ctx;
use tinhso_kernel::error::{ApiResult, AppError};
use tinhso_kernel::extract::{Caller, Json, Query};
use tinhso_kernel::module::{Access, Routes};
use utoipa_axum::routes;

pub fn routes() -> Routes {
    Routes::new("ops").api(Access::Entity("ops_scope"), routes!(read_index))
}

/// The index's scope and window.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IndexQuery {
    /// `p` (the province), `a:<agency id>` (the agency and those below it) or `u:<unit code>`
    /// (an administrative unit); `p` when absent.
    #[param(pattern = r"^(p|a:[A-Za-z0-9_-]{1,64}|u:[A-Za-z0-9._-]{1,32})$")]
    pub scope: Option<String>,
    /// `2027-M03`, `2027-Q1`, `2027-H1`, `2027-9M`, `2027-Y` or `2026-12-01..2027-02-10`
    /// (years 2000–2100, at most ten years); the current year when absent.
    #[param(
        pattern = r"^([0-9]{4}-(M[0-9]{2}|Q[0-9]|H[0-9]|9M|Y)|[0-9]{4}-[0-9]{2}-[0-9]{2}\.\.[0-9]{4}-[0-9]{2}-[0-9]{2})$"
    )]
    pub period: Option<String>,
    /// `calendar` (the default) or `decree09` (the 15th to the 14th, Decree 09/2019).
    #[param(pattern = "^(calendar|decree09)$")]
    pub basis: Option<String>,
}

/// Reads the query: scope, period and basis, each refused with its field (an empty value
/// too: the page drops its empty fields first).
pub fn parse_query(
    q: &IndexQuery,
    today: chrono::NaiveDate,
) -> Result<(Scope, String, Basis), AppError> {
    let bad = |field: &str, message: &str| {
        AppError::Validation(vec![tinhso_kernel::error::FieldError::new(field, message)])
    };
    let scope = match q.scope.as_deref() {
        None => Scope::Province,
        Some(s) => Scope::parse(s).ok_or_else(|| {
            bad(
                "scope",
                "Phạm vi cần dạng p, a:<mã cơ quan> hoặc u:<mã đơn vị hành chính>.",
            )
        })?,
    };
    let period = match q.period.as_deref() {
        Some(p) => p.to_owned(),
        None => format!("{}-Y", chrono::Datelike::year(&today)),
    };
    let basis = match q.basis.as_deref() {
        None => Basis::Calendar,
        Some(b) => Basis::parse(b)
            .ok_or_else(|| bad("basis", "Cách tính kỳ là calendar hoặc decree09."))?,
    };
    Ok((scope, period, basis))
}

/// The Decision 766 index of a scope over a period: the total, the five groups, and each
/// indicator with its formula, the sources it reads and their values, its points, and whether
/// it is measured or declared. Weights marked provisional are not verified against the
/// decision's appendix.
#[utoipa::path(get, path = "/api/v1/ops/index", tag = "ops", params(IndexQuery),
    responses(
        (status = 200, body = IndexView),
        (status = 404, description = "A scope the caller does not hold, or that does not exist"),
        (status = 422, description = "A period that does not exist, or a malformed scope or basis"),
    ),
    security(("bearer" = ["ops:read"])))]
pub async fn read_index(
    State(ctx): State<Ctx>,
    Caller(auth): Caller,
    Query(q): Query<IndexQuery>,
) -> ApiResult<Json<IndexView>> {
    let today = tinhso_kernel::time::local_now().date();
    let (scope, period, basis) = parse_query(&q, today)?;
    policy::checked(&ctx, &auth.principal, &scope).await?;
    if !crate::store::index::exists(&ctx.db, &scope).await? {
        return Err(AppError::NotFound.into());
    }
    Ok(Json(
        index::compute(&ctx, &scope, &period, basis, today).await?,
    ))
}
