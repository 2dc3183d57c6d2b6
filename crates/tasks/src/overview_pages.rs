//! The overview and ranking pages (docs/tasks-design.md §5, slice 4):
//! `/office/tasks/overview` (filters, the four buckets per unit with totals, the assignments
//! as links; `.xlsx` and `.pdf`), `/office/tasks/ranking?year=` (the rules in force printed
//! above the table; `.xlsx` and `.pdf`) and `/office/tasks/ranking/rules` (the rules set so
//! far and, for those who may, the form for new ones). Decided by [`crate::overview`], as the
//! API is; anyone outside its viewers gets 404.

use crate::overview::{self, OverviewQuery, RulesInput, Viewer};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use std::collections::BTreeMap;
use tinhso_domain::task::ranking::RankingRules;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::auth::User;
use tinhso_kernel::auth::platform::PlatformAction;
use tinhso_kernel::error::{AppError, FieldError, PageResult};
use tinhso_kernel::extract::{Form, Query};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::{Page, form_errors_in, sv};

pub const OVERVIEW: &str = "/office/tasks/overview";
pub const RANKING: &str = "/office/tasks/ranking";
pub const RULES: &str = "/office/tasks/ranking/rules";

pub fn routes() -> Routes {
    let entity = Access::Entity("task");
    Routes::new("tasks")
        .get(OVERVIEW, entity, overview_page)
        .get("/office/tasks/overview.xlsx", entity, overview_xlsx)
        .get("/office/tasks/overview.pdf", entity, overview_pdf)
        .get(RANKING, entity, ranking_page)
        .get("/office/tasks/ranking.xlsx", entity, ranking_xlsx)
        .get("/office/tasks/ranking.pdf", entity, ranking_pdf)
        .get(RULES, entity, rules_page)
        .post(RULES, entity, rules_submit)
}

fn today() -> chrono::NaiveDate {
    tinhso_kernel::time::local_now().date()
}

/// The signed-in official who may see the overview, or a 404.
async fn viewer(ctx: &Ctx, page: &Page) -> Result<(User, Viewer), AppError> {
    tinhso_kernel::auth::platform::may(ctx, &page.principal(), PlatformAction::BackOffice).await?;
    let user = page.require_user()?.clone();
    let viewer = overview::required(ctx, &user).await?;
    Ok((user, viewer))
}

/// The query string again, for the export links.
fn query_string(q: &OverviewQuery) -> String {
    serde_urlencoded::to_string(q).unwrap_or_default()
}

async fn overview_page(
    State(ctx): State<Ctx>,
    page: Page,
    Query(q): Query<OverviewQuery>,
) -> PageResult<Response> {
    let (_, viewer) = viewer(&ctx, &page).await?;
    let authorities = crate::store::overview::authorities(&ctx.db, &viewer.scope()).await?;
    let (status, overview, errors) = match overview::resolve(&ctx, &q, today()).await {
        Ok(period) => (
            StatusCode::OK,
            Some(overview::overview(&ctx, &viewer, period).await?),
            Vec::new(),
        ),
        Err(AppError::Validation(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, None, errors),
        Err(e) => return Err(e.into()),
    };
    let html = page.render(
        "tasks_overview.html",
        context! {
            q => sv(&q), query => query_string(&q), overview => sv(&overview),
            authorities => sv(&authorities),
            buckets => overview::BUCKETS.iter().map(|b| context! { key => b.as_str(), label => b.label_vi() }).collect::<Vec<_>>(),
            errors => form_errors_in(&errors, &["authority", "unit", "field", "year", "from", "to", "status"]),
            limit => overview::LIST_LIMIT,
        },
    )?;
    Ok((status, html).into_response())
}

async fn overview_export(
    ctx: &Ctx,
    page: &Page,
    q: &OverviewQuery,
    ext: &str,
) -> PageResult<Response> {
    let (_, viewer) = viewer(ctx, page).await?;
    let period = overview::resolve(ctx, q, today()).await?;
    let o = overview::overview(ctx, &viewer, period).await?;
    let f = overview::overview_file(ctx, &viewer, &o, ext).await?;
    Ok(tinhso_kernel::web::download(f.media_type, &f.name, f.bytes))
}

async fn overview_xlsx(
    State(ctx): State<Ctx>,
    page: Page,
    Query(q): Query<OverviewQuery>,
) -> PageResult<Response> {
    overview_export(&ctx, &page, &q, "xlsx").await
}

async fn overview_pdf(
    State(ctx): State<Ctx>,
    page: Page,
    Query(q): Query<OverviewQuery>,
) -> PageResult<Response> {
    overview_export(&ctx, &page, &q, "pdf").await
}

#[derive(Debug, Default, Deserialize)]
struct YearQuery {
    year: Option<String>,
}

async fn ranking_page(
    State(ctx): State<Ctx>,
    page: Page,
    Query(q): Query<YearQuery>,
) -> PageResult<Response> {
    let (_, viewer) = viewer(&ctx, &page).await?;
    let today = today();
    let year = overview::ranking_year(q.year.as_deref(), today)?;
    let ranking = overview::ranking(&ctx, &viewer, year, today).await?;
    let this_year = chrono::Datelike::year(&today);
    let years: Vec<i32> = (this_year - 4..=this_year).rev().collect();
    Ok(page
        .render(
            "tasks_ranking.html",
            context! {
                ranking => sv(&ranking), rules_text => overview::rules_text(&ranking.rules.rules),
                years => years, sets_rules => viewer.sets_rules,
            },
        )?
        .into_response())
}

async fn ranking_export(ctx: &Ctx, page: &Page, q: &YearQuery, ext: &str) -> PageResult<Response> {
    let (_, viewer) = viewer(ctx, page).await?;
    let today = today();
    let year = overview::ranking_year(q.year.as_deref(), today)?;
    let r = overview::ranking(ctx, &viewer, year, today).await?;
    let f = overview::ranking_file(ctx, &viewer, &r, ext).await?;
    Ok(tinhso_kernel::web::download(f.media_type, &f.name, f.bytes))
}

async fn ranking_xlsx(
    State(ctx): State<Ctx>,
    page: Page,
    Query(q): Query<YearQuery>,
) -> PageResult<Response> {
    ranking_export(&ctx, &page, &q, "xlsx").await
}

async fn ranking_pdf(
    State(ctx): State<Ctx>,
    page: Page,
    Query(q): Query<YearQuery>,
) -> PageResult<Response> {
    ranking_export(&ctx, &page, &q, "pdf").await
}

/// The rules page's reader: a viewer of the overview or a system administrator.
async fn rules_reader(ctx: &Ctx, page: &Page) -> Result<(User, bool), AppError> {
    tinhso_kernel::auth::platform::may(ctx, &page.principal(), PlatformAction::BackOffice).await?;
    let user = page.require_user()?.clone();
    let (reads, sets) = overview::rules_access(ctx, &user).await?;
    if !reads {
        return Err(AppError::NotFound);
    }
    Ok((user, sets))
}

async fn render_rules(
    ctx: &Ctx,
    page: &Page,
    sets: bool,
    status: StatusCode,
    values: BTreeMap<String, String>,
    errors: Vec<FieldError>,
    done: bool,
) -> PageResult<Response> {
    let today = today();
    let in_force = overview::rules_on(ctx, &today.to_string()).await?;
    let history = overview::rules_history(ctx).await?;
    let values = if values.is_empty() {
        let r = &in_force.rules;
        BTreeMap::from([
            ("points_on_time".to_owned(), r.points_on_time.to_string()),
            ("points_late".to_owned(), r.points_late.to_string()),
            ("points_overdue".to_owned(), r.points_overdue.to_string()),
            ("weight_normal".to_owned(), r.weight_normal.to_string()),
            ("weight_high".to_owned(), r.weight_high.to_string()),
            ("weight_urgent".to_owned(), r.weight_urgent.to_string()),
            ("min_judged".to_owned(), r.min_judged.to_string()),
            ("valid_from".to_owned(), today.to_string()),
        ])
    } else {
        values
    };
    let history: Vec<_> = history
        .iter()
        .map(|h| context! { rules => sv(h), text => overview::rules_text(&h.rules) })
        .collect();
    let html = page.render(
        "tasks_rules.html",
        context! {
            in_force => sv(&in_force), in_force_text => overview::rules_text(&in_force.rules),
            history => history, sets => sets, values => values, done => done,
            errors => form_errors_in(&errors, &RULE_FIELDS),
        },
    )?;
    Ok((status, html).into_response())
}

const RULE_FIELDS: [&str; 11] = [
    "points_on_time",
    "points_late",
    "points_overdue",
    "points",
    "weight_normal",
    "weight_high",
    "weight_urgent",
    "weights",
    "min_judged",
    "valid_from",
    "note",
];

#[derive(Debug, Default, Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

async fn rules_page(
    State(ctx): State<Ctx>,
    page: Page,
    Query(q): Query<DoneQuery>,
) -> PageResult<Response> {
    let (_, sets) = rules_reader(&ctx, &page).await?;
    render_rules(
        &ctx,
        &page,
        sets,
        StatusCode::OK,
        BTreeMap::new(),
        Vec::new(),
        q.done.is_some(),
    )
    .await
}

/// The numbers of the rules form: each a number (`,` as a decimal point is accepted), or its
/// field's error.
pub fn rules_from_form(form: &BTreeMap<String, String>) -> Result<RankingRules, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut number = |name: &str| {
        let text = form
            .get(name)
            .map(|v| v.trim().replace(',', "."))
            .unwrap_or_default();
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() => n,
            _ => {
                errors.push(FieldError::new(name, "Nhập một số."));
                0.0
            }
        }
    };
    let rules = RankingRules {
        points_on_time: number("points_on_time"),
        points_late: number("points_late"),
        points_overdue: number("points_overdue"),
        weight_normal: number("weight_normal"),
        weight_high: number("weight_high"),
        weight_urgent: number("weight_urgent"),
        min_judged: 0,
    };
    let min = form.get("min_judged").map(|v| v.trim()).unwrap_or_default();
    let min_judged = match min.parse::<u32>() {
        Ok(n) => n,
        Err(_) => {
            errors.push(FieldError::new(
                "min_judged",
                "Số nhiệm vụ tối thiểu để xếp hạng từ 0 đến 1000.",
            ));
            0
        }
    };
    if errors.is_empty() {
        Ok(RankingRules {
            min_judged,
            ..rules
        })
    } else {
        Err(errors)
    }
}

async fn rules_submit(
    State(ctx): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult<Response> {
    let (user, sets) = rules_reader(&ctx, &page).await?;
    if !sets {
        return Err(AppError::Forbidden.into());
    }
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let result = match rules_from_form(&form) {
        Ok(rules) => {
            let input = RulesInput {
                rules,
                valid_from: get("valid_from"),
                note: get("note"),
            };
            let actor = Actor {
                label: format!("user:{}", user.id),
                ip,
            };
            overview::set_rules(&ctx, &user, &actor, &input, today()).await
        }
        Err(errors) => Err(AppError::Validation(errors)),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("{RULES}?done=1")).into_response()),
        Err(AppError::Validation(errors)) => {
            let mut values = form.clone();
            values.remove("_csrf");
            render_rules(
                &ctx,
                &page,
                sets,
                StatusCode::UNPROCESSABLE_ENTITY,
                values,
                errors,
                false,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
