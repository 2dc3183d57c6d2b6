//! The overview and ranking API (docs/tasks-design.md §5, slice 4), token scope `tasks`:
//! `GET /api/v1/tasks/overview` (the four buckets per unit with totals), `GET
//! /api/v1/tasks/ranking?year=` (the units ranked with the rules they were ranked by), `GET`
//! and `PUT /api/v1/tasks/ranking-rules` (the rules in force and set so far; new rules). The
//! same decisions as the pages ([`crate::overview`]): anyone else gets 404, a reader who may
//! not set rules 403. Errors are problem+json.

use crate::overview::{self, OverviewQuery, OverviewRow, RankLine, RulesInput, RulesView};
use axum::extract::State;
use serde::{Deserialize, Serialize};
use tinhso_domain::task::ranking::RankingRules;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::auth::User;
use tinhso_kernel::auth::policy::prelude;
use tinhso_kernel::auth::session::Auth;
use tinhso_kernel::error::{ApiResult, AppError};
use tinhso_kernel::extract::{Caller, Json, Query};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use utoipa_axum::routes;

pub fn routes() -> Routes {
    let entity = Access::Entity("task");
    Routes::new("tasks")
        .api(entity, routes!(overview_read))
        .api(entity, routes!(ranking_read))
        .api(entity, routes!(rules_read, rules_set))
}

fn today() -> chrono::NaiveDate {
    tinhso_kernel::time::local_now().date()
}

fn signed_in(auth: &Auth) -> Result<&User, AppError> {
    prelude(&auth.principal, crate::policy::SCOPE, false, false)?;
    auth.require_user()
}

/// The overview: the period counted and judged, one row per unit and the total.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OverviewBody {
    /// `YYYY-MM-DD`: tasks assigned from `from` to `to`, judged on `as_of`.
    pub from: String,
    pub to: String,
    pub as_of: String,
    pub rows: Vec<OverviewRow>,
    pub total: OverviewRow,
}

/// The four buckets per unit (done on time, done late, not done within the deadline, not done
/// overdue) over the tasks the caller's office follows, or their agency assigned, in a period;
/// each unit judged by its judged deadline on the period's last day (or today, if sooner). For
/// the office's officials and the authority's leaders; others get 404.
#[utoipa::path(get, path = "/api/v1/tasks/overview", tag = "tasks", params(OverviewQuery),
    responses((status = 200, body = OverviewBody),
        (status = 404, description = "Not an assigning office or an authority's leader", content_type = "application/problem+json"),
        (status = 422, description = "A filter breaks a rule: unknown agency, period backwards or over 5 years", content_type = "application/problem+json")),
    security(("bearer" = ["tasks"])))]
pub async fn overview_read(
    State(ctx): State<Ctx>,
    Caller(auth): Caller,
    Query(q): Query<OverviewQuery>,
) -> ApiResult<Json<OverviewBody>> {
    let user = signed_in(&auth)?;
    let viewer = overview::required(&ctx, user).await?;
    let period = overview::resolve(&ctx, &q, today()).await?;
    let o = overview::overview(&ctx, &viewer, period).await?;
    Ok(Json(OverviewBody {
        from: o.period.from,
        to: o.period.to,
        as_of: o.period.as_of,
        rows: o.rows,
        total: o.total,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RankingQuery {
    /// The year (2000–2100); this year when empty.
    #[param(pattern = r"^(\d{4})?$")]
    pub year: Option<String>,
}

/// The ranking rules' numbers.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RulesNumbers {
    /// Points of a task done on time, done late, open past its deadline.
    #[schema(minimum = 0, maximum = 100)]
    pub points_on_time: f64,
    #[schema(minimum = 0, maximum = 100)]
    pub points_late: f64,
    #[schema(minimum = 0, maximum = 100)]
    pub points_overdue: f64,
    /// How much a task of each priority weighs: above 0, at most 10.
    #[schema(exclusive_minimum = 0, maximum = 10)]
    pub weight_normal: f64,
    #[schema(exclusive_minimum = 0, maximum = 10)]
    pub weight_high: f64,
    #[schema(exclusive_minimum = 0, maximum = 10)]
    pub weight_urgent: f64,
    /// Units with fewer judged tasks are listed, not ranked.
    #[schema(minimum = 0, maximum = 1000)]
    pub min_judged: u32,
}

impl From<&RankingRules> for RulesNumbers {
    fn from(r: &RankingRules) -> Self {
        RulesNumbers {
            points_on_time: r.points_on_time,
            points_late: r.points_late,
            points_overdue: r.points_overdue,
            weight_normal: r.weight_normal,
            weight_high: r.weight_high,
            weight_urgent: r.weight_urgent,
            min_judged: r.min_judged,
        }
    }
}

/// A set of rules: the numbers, from when, by whom.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RulesBody {
    pub id: String,
    pub rules: RulesNumbers,
    /// `YYYY-MM-DD`: the first day they judge.
    pub valid_from: String,
    pub note: String,
    /// Who set them; absent for the platform's default.
    pub set_by: Option<String>,
    pub set_at: String,
}

fn rules_body(r: RulesView) -> RulesBody {
    RulesBody {
        rules: RulesNumbers::from(&r.rules),
        id: r.id,
        valid_from: r.valid_from,
        note: r.note,
        set_by: r.set_by,
        set_at: r.set_at,
    }
}

/// A year's ranking and the rules it used.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RankingBody {
    pub year: i32,
    /// `YYYY-MM-DD`: the day judged (31 December, or today if sooner).
    pub as_of: String,
    /// The rules in force that day.
    pub rules: RulesBody,
    /// The ranked units best first, then the unranked ones.
    pub lines: Vec<RankLine>,
}

/// The units ranked on the tasks assigned in a year (those the caller's office follows or their
/// agency assigned): a score 0–100 from the rules in force on the day judged (points per bucket,
/// weights per priority), the volume judged beside it; units below the rules' minimum are
/// listed, marked and unranked. For the office's officials and the authority's leaders.
#[utoipa::path(get, path = "/api/v1/tasks/ranking", tag = "tasks", params(RankingQuery),
    responses((status = 200, body = RankingBody),
        (status = 404, description = "Not an assigning office or an authority's leader", content_type = "application/problem+json"),
        (status = 422, description = "The year is not 2000–2100", content_type = "application/problem+json")),
    security(("bearer" = ["tasks"])))]
pub async fn ranking_read(
    State(ctx): State<Ctx>,
    Caller(auth): Caller,
    Query(q): Query<RankingQuery>,
) -> ApiResult<Json<RankingBody>> {
    let user = signed_in(&auth)?;
    let viewer = overview::required(&ctx, user).await?;
    let today = today();
    let year = overview::ranking_year(q.year.as_deref(), today)?;
    let r = overview::ranking(&ctx, &viewer, year, today).await?;
    Ok(Json(RankingBody {
        year: r.year,
        as_of: r.as_of,
        rules: rules_body(r.rules),
        lines: r.lines,
    }))
}

/// The rules in force today and every set so far.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RulesList {
    pub in_force: RulesBody,
    /// The latest valid first.
    pub history: Vec<RulesBody>,
}

/// The ranking rules in force today and those set before (or set to come). For the overview's
/// readers and system administrators; others get 404.
#[utoipa::path(get, path = "/api/v1/tasks/ranking-rules", tag = "tasks",
    responses((status = 200, body = RulesList),
        (status = 404, description = "Not a reader of the ranking", content_type = "application/problem+json")),
    security(("bearer" = ["tasks"])))]
pub async fn rules_read(
    State(ctx): State<Ctx>,
    Caller(auth): Caller,
) -> ApiResult<Json<RulesList>> {
    let user = signed_in(&auth)?;
    let (reads, _) = overview::rules_access(&ctx, user).await?;
    if !reads {
        return Err(AppError::NotFound.into());
    }
    let in_force = overview::rules_on(&ctx, &today().to_string()).await?;
    let history = overview::rules_history(&ctx).await?;
    Ok(Json(RulesList {
        in_force: rules_body(in_force),
        history: history.into_iter().map(rules_body).collect(),
    }))
}

/// New ranking rules.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RulesNew {
    pub rules: RulesNumbers,
    /// `YYYY-MM-DD`, today or later (at most five years ahead): the first day they judge.
    #[schema(pattern = r"^\d{4}-\d{2}-\d{2}$")]
    pub valid_from: String,
    /// Why, up to 500 characters.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: String,
}

/// Set new ranking rules from a day on (a new row; earlier rankings keep theirs), audited
/// (`task.rules_set`). For a system administrator or a leader of an assigning office; another
/// reader gets 403, anyone else 404.
#[utoipa::path(put, path = "/api/v1/tasks/ranking-rules", tag = "tasks", request_body = RulesNew,
    responses((status = 200, body = RulesBody),
        (status = 403, description = "May read the rules but not set them", content_type = "application/problem+json"),
        (status = 404, description = "Not a reader of the ranking", content_type = "application/problem+json"),
        (status = 422, description = "A number out of its range, or the day in the past", content_type = "application/problem+json")),
    security(("bearer" = ["tasks"])))]
pub async fn rules_set(
    State(ctx): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Json(body): Json<RulesNew>,
) -> ApiResult<Json<RulesBody>> {
    let user = signed_in(&auth)?;
    let n = body.rules;
    let input = RulesInput {
        rules: RankingRules {
            points_on_time: n.points_on_time,
            points_late: n.points_late,
            points_overdue: n.points_overdue,
            weight_normal: n.weight_normal,
            weight_high: n.weight_high,
            weight_urgent: n.weight_urgent,
            min_judged: n.min_judged,
        },
        valid_from: body.valid_from,
        note: body.note,
    };
    let actor = Actor {
        label: auth.principal.actor_label(),
        ip,
    };
    let view = overview::set_rules(&ctx, user, &actor, &input, today()).await?;
    Ok(Json(rules_body(view)))
}
