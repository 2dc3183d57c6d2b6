//! The operations centre's API under `/api/v1/ops` (token scope `ops:read`): the index of a
//! scope over a period. Errors are problem+json; a scope the caller does not hold is a 404, a
//! period that does not exist a 422 on `period`.

use crate::declarations::{self, DeclarationInput};
use crate::index::{self, IndexView};
use crate::policy::{self, OpsAction};
use crate::store::declarations::Declaration;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tinhso_domain::ops::period::Basis;
use tinhso_domain::ops::scope::Scope;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::error::{ApiResult, AppError};
use tinhso_kernel::extract::{Caller, Json, Path, Query};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use utoipa_axum::routes;

pub fn routes() -> Routes {
    Routes::new("ops")
        .api(Access::Entity("ops_scope"), routes!(read_index))
        .api(
            Access::Entity("ops_scope"),
            routes!(list_declarations, declare),
        )
        .api(Access::Entity("ops_scope"), routes!(withdraw))
        .api(Access::Entity("ops_scope"), routes!(read_report))
        .api(
            Access::Entity("ops_scope"),
            routes!(list_schedules, create_schedule),
        )
        .api(Access::Entity("ops_scope"), routes!(end_schedule))
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

/// The field error of a malformed query value.
fn bad(field: &str, message: &str) -> AppError {
    AppError::Validation(vec![tinhso_kernel::error::FieldError::new(field, message)])
}

/// Reads a scope (`p` when absent), refused with its field when malformed (an empty value
/// too: the pages drop their empty fields first).
pub fn parse_scope(scope: Option<&str>) -> Result<Scope, AppError> {
    match scope {
        None => Ok(Scope::Province),
        Some(s) => Scope::parse(s).ok_or_else(|| {
            bad(
                "scope",
                "Phạm vi cần dạng p, a:<mã cơ quan> hoặc u:<mã đơn vị hành chính>.",
            )
        }),
    }
}

/// Reads the query: scope, period and basis, each refused with its field.
pub fn parse_query(
    q: &IndexQuery,
    today: chrono::NaiveDate,
) -> Result<(Scope, String, Basis), AppError> {
    let scope = parse_scope(q.scope.as_deref())?;
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

/// A declared value with its record: who declared it is kept in the audit trail, not here.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeclarationView {
    pub id: String,
    /// The index version and the declared indicator (`1.1`).
    pub version: String,
    pub indicator: String,
    pub scope: String,
    pub period: String,
    pub basis: String,
    /// `YYYY-MM-DD`, both included.
    pub from: String,
    pub to: String,
    pub value: f64,
    pub note: String,
    pub evidence_document: String,
    pub evidence_label: String,
    /// `declared` (live), `replaced` or `withdrawn`.
    pub state: String,
    pub declared_at: String,
    pub ended_at: Option<String>,
    pub end_reason: Option<String>,
}

impl From<Declaration> for DeclarationView {
    fn from(d: Declaration) -> Self {
        DeclarationView {
            id: d.id,
            version: d.version,
            indicator: d.indicator,
            scope: d.scope,
            period: d.period,
            basis: d.basis,
            from: d.window_from,
            to: d.window_to,
            value: d.value,
            note: d.note,
            evidence_document: d.evidence_document,
            evidence_label: d.evidence_label,
            state: d.state,
            declared_at: d.declared_at,
            ended_at: d.ended_at,
            end_reason: d.end_reason,
        }
    }
}

/// A value to declare.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DeclarationNew {
    /// A declared indicator of the version in force for the period (`1.1`).
    #[schema(pattern = r"^[0-9A-Za-z._-]{1,16}$", example = "1.1")]
    pub indicator: String,
    /// `p`, `a:<agency id>` or `u:<unit code>`: a scope the leader holds.
    #[schema(
        pattern = r"^(p|a:[A-Za-z0-9_-]{1,64}|u:[A-Za-z0-9._-]{1,32})$",
        example = "p"
    )]
    pub scope: String,
    /// As for the index: `2026-Y`, `2026-Q1`, `2026-M03`…
    #[schema(
        pattern = r"^([0-9]{4}-(M[0-9]{2}|Q[0-9]|H[0-9]|9M|Y)|[0-9]{4}-[0-9]{2}-[0-9]{2}\.\.[0-9]{4}-[0-9]{2}-[0-9]{2})$",
        example = "2026-Y"
    )]
    pub period: String,
    /// `calendar` (the default) or `decree09`.
    #[schema(pattern = "^(calendar|decree09)$")]
    #[serde(default)]
    pub basis: Option<String>,
    /// A share from 0 to 1.
    #[schema(minimum = 0.0, maximum = 1.0, example = 0.95)]
    pub value: f64,
    /// Up to 2000 characters.
    #[schema(max_length = 2000)]
    #[serde(default)]
    pub note: String,
    /// The id of an issued document (văn bản đi đã ban hành) the caller may read.
    #[schema(max_length = 64)]
    pub evidence_document: String,
}

/// Declare a value the platform cannot measure (tự khai), for a declared indicator of the
/// version in force, a scope the caller leads and a period, with an issued document as
/// evidence; it replaces the live value of the same indicator, scope and window. A scope not
/// held is a 404; a holder who is not its leader a 403; each bad field a 422 naming it.
#[utoipa::path(post, path = "/api/v1/ops/declarations", tag = "ops", request_body = DeclarationNew,
    responses(
        (status = 201, body = DeclarationView),
        (status = 403, description = "Not a leader of the scope", content_type = "application/problem+json"),
        (status = 404, description = "A scope the caller does not hold", content_type = "application/problem+json"),
        (status = 422, description = "A field breaks a rule", content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ops:write"])))]
pub async fn declare(
    State(ctx): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Json(body): Json<DeclarationNew>,
) -> ApiResult<(StatusCode, Json<DeclarationView>)> {
    let today = tinhso_kernel::time::local_now().date();
    let (scope, period, basis) = parse_query(
        &IndexQuery {
            scope: Some(body.scope),
            period: Some(body.period),
            basis: body.basis,
        },
        today,
    )?;
    // `declarations::declare` checks Declare on the scope (the prelude, then the holding).
    let user = auth.require_user()?;
    let actor = Actor {
        label: auth.principal.actor_label(),
        ip,
    };
    let input = DeclarationInput {
        indicator: body.indicator,
        scope,
        period,
        basis,
        value: body.value,
        note: body.note,
        evidence_document: body.evidence_document,
    };
    let d = declarations::declare(&ctx, &auth.principal, user, &actor, input).await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

/// The scope whose declarations are listed.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeclarationsQuery {
    /// `p`, `a:<agency id>` or `u:<unit code>`; `p` when absent.
    #[param(pattern = r"^(p|a:[A-Za-z0-9_-]{1,64}|u:[A-Za-z0-9._-]{1,32})$")]
    pub scope: Option<String>,
}

/// The values declared for a scope, live, replaced and withdrawn, the newest first (500 at
/// most).
#[utoipa::path(get, path = "/api/v1/ops/declarations", tag = "ops", params(DeclarationsQuery),
    responses(
        (status = 200, body = Vec<DeclarationView>),
        (status = 404, description = "A scope the caller does not hold", content_type = "application/problem+json"),
        (status = 422, description = "A malformed scope", content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ops:read"])))]
pub async fn list_declarations(
    State(ctx): State<Ctx>,
    Caller(auth): Caller,
    Query(q): Query<DeclarationsQuery>,
) -> ApiResult<Json<Vec<DeclarationView>>> {
    let scope = parse_scope(q.scope.as_deref())?;
    policy::checked(&ctx, &auth.principal, &scope).await?;
    let rows = crate::store::declarations::of_scope(&ctx.db, &scope.key(), 500).await?;
    Ok(Json(rows.into_iter().map(DeclarationView::from).collect()))
}

/// Why a value is withdrawn.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct WithdrawalNew {
    /// Up to 2000 characters, not empty.
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// Withdraw a live declared value, with a reason: the index then reads none for its window
/// (or the value of a wider window). Already replaced or withdrawn is a 409.
#[utoipa::path(post, path = "/api/v1/ops/declarations/{id}/withdraw", tag = "ops",
    params(("id" = String, Path, description = "Declaration id")), request_body = WithdrawalNew,
    responses(
        (status = 200, body = DeclarationView),
        (status = 403, description = "Not a leader of the scope", content_type = "application/problem+json"),
        (status = 404, description = "No such declaration in a scope the caller holds", content_type = "application/problem+json"),
        (status = 409, description = "Already replaced or withdrawn", content_type = "application/problem+json"),
        (status = 422, description = "No reason", content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ops:write"])))]
pub async fn withdraw(
    State(ctx): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Json(body): Json<WithdrawalNew>,
) -> ApiResult<Json<DeclarationView>> {
    let user = auth.require_user()?;
    let actor = Actor {
        label: auth.principal.actor_label(),
        ip,
    };
    let d = declarations::withdraw(&ctx, &auth.principal, user, &actor, &id, &body.reason).await?;
    Ok(Json(d.into()))
}

/// A periodic report's scope and period.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// `p` (the province), `a:<agency id>` or `u:<unit code>`; `p` when absent.
    #[param(pattern = r"^(p|a:[A-Za-z0-9_-]{1,64}|u:[A-Za-z0-9._-]{1,32})$")]
    pub scope: Option<String>,
    /// `month`, `quarter`, `6m`, `9m` or `12m`.
    #[param(pattern = "^(month|quarter|6m|9m|12m)$")]
    pub kind: String,
    /// 2000–2100; the current year when absent.
    pub year: Option<String>,
    /// The month (1–12) of a monthly report or the quarter (1–4) of a quarterly one; absent
    /// for the others.
    pub number: Option<String>,
}

/// A periodic report (Decree 09/2019 windows: the 15th of the previous month to the 14th) of
/// a scope the caller holds, as `docx`, `pdf` or `xlsx`: the Decision 766 index and its groups,
/// dossiers received and finished by outcome and by field, feedback, documents' and tasks'
/// assignments, the agencies below ranked, and what is overdue on the day it is made.
#[utoipa::path(get, path = "/api/v1/ops/reports/{format}", tag = "ops",
    params(("format" = String, Path, description = "`docx`, `pdf` or `xlsx`"), ReportQuery),
    responses(
        (status = 200, description = "The report file", content_type = "application/octet-stream"),
        (status = 404, description = "A scope the caller does not hold, or an unknown format", content_type = "application/problem+json"),
        (status = 422, description = "A period that does not exist or has not started", content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ops:read"])))]
pub async fn read_report(
    State(ctx): State<Ctx>,
    Caller(auth): Caller,
    Path(format): Path<String>,
    Query(q): Query<ReportQuery>,
) -> ApiResult<axum::response::Response> {
    let today = tinhso_kernel::time::local_now().date();
    let format = crate::report::Format::parse(&format).ok_or(AppError::NotFound)?;
    let scope = parse_scope(q.scope.as_deref())?;
    policy::checked(&ctx, &auth.principal, &scope).await?;
    if !crate::store::index::exists(&ctx.db, &scope).await? {
        return Err(AppError::NotFound.into());
    }
    let period =
        crate::report::read_period(Some(&q.kind), q.year.as_deref(), q.number.as_deref(), today)?;
    let r = crate::report::build(&ctx, &scope, period, today).await?;
    let bytes = crate::report::write(&r, format)?;
    Ok(tinhso_kernel::web::download(
        format.media_type(),
        &crate::report::file_name(&r, format),
        bytes,
    ))
}

/// A schedule to set.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ScheduleNew {
    /// `p`, `a:<agency id>` or `u:<unit code>`.
    #[schema(pattern = r"^(p|a:[A-Za-z0-9_-]{1,64}|u:[A-Za-z0-9._-]{1,32})$")]
    pub scope: String,
    /// `month`, `quarter`, `6m`, `9m` or `12m`.
    #[schema(pattern = "^(month|quarter|6m|9m|12m)$")]
    pub kind: String,
    /// 1 to 20 email addresses.
    #[schema(min_items = 1, max_items = 20)]
    pub recipients: Vec<String>,
}

/// The live report schedules of a scope.
#[utoipa::path(get, path = "/api/v1/ops/report-schedules", tag = "ops", params(DeclarationsQuery),
    responses(
        (status = 200, body = Vec<crate::report::schedule::ScheduleView>),
        (status = 404, description = "A scope the caller does not hold", content_type = "application/problem+json"),
        (status = 422, description = "A malformed scope", content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ops:read"])))]
pub async fn list_schedules(
    State(ctx): State<Ctx>,
    Caller(auth): Caller,
    Query(q): Query<DeclarationsQuery>,
) -> ApiResult<Json<Vec<crate::report::schedule::ScheduleView>>> {
    let scope = parse_scope(q.scope.as_deref())?;
    policy::checked(&ctx, &auth.principal, &scope).await?;
    // The addresses are for those who manage the schedules (a system administrator reads the
    // scope but sets none).
    let manages = policy::checked_for(&ctx, &auth.principal, &scope, OpsAction::Declare)
        .await
        .is_ok();
    let rows = crate::store::report_schedules::of_scope(&ctx.db, &scope.key()).await?;
    Ok(Json(
        rows.into_iter()
            .map(|s| {
                let mut view = crate::report::schedule::ScheduleView::from(s);
                if !manages {
                    view.recipients.clear();
                }
                view
            })
            .collect(),
    ))
}

/// Schedule a periodic report of a scope (a leader of the scope): made the day after each
/// window of its kind closes, kept for download, and emailed to the recipients; once per
/// window. Audited.
#[utoipa::path(post, path = "/api/v1/ops/report-schedules", tag = "ops", request_body = ScheduleNew,
    responses(
        (status = 201, body = crate::report::schedule::ScheduleView),
        (status = 403, description = "Not a leader of the scope", content_type = "application/problem+json"),
        (status = 404, description = "A scope the caller does not hold", content_type = "application/problem+json"),
        (status = 422, description = "A field breaks a rule", content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ops:write"])))]
pub async fn create_schedule(
    State(ctx): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Json(body): Json<ScheduleNew>,
) -> ApiResult<(StatusCode, Json<crate::report::schedule::ScheduleView>)> {
    let scope = parse_scope(Some(&body.scope))?;
    let user = auth.require_user()?;
    let actor = Actor {
        label: auth.principal.actor_label(),
        ip,
    };
    let s = crate::report::schedule::create(
        &ctx,
        &auth.principal,
        user,
        &actor,
        &scope,
        &body.kind,
        &body.recipients.join("\n"),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(s)))
}

/// End a report schedule (a leader of its scope). Audited.
#[utoipa::path(delete, path = "/api/v1/ops/report-schedules/{id}", tag = "ops",
    params(("id" = String, Path, description = "Schedule id")),
    responses(
        (status = 204, description = "Ended"),
        (status = 403, description = "Not a leader of the scope", content_type = "application/problem+json"),
        (status = 404, description = "No live schedule in a scope the caller holds", content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ops:write"])))]
pub async fn end_schedule(
    State(ctx): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let user = auth.require_user()?;
    let actor = Actor {
        label: auth.principal.actor_label(),
        ip,
    };
    crate::report::schedule::end(&ctx, &auth.principal, user, &actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
