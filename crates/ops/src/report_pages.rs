//! The periodic reports' pages (docs/operations-design.md §6): `/ops/reports` (choose the
//! kind and the period of a scope the viewer holds; the report's main figures and its files)
//! and `/ops/reports/file` (the report as DOCX, PDF or XLSX). Both decide as the dashboard
//! does: a scope the viewer does not hold is a 404; a period that does not exist is said on
//! the page with what was typed (a 422 for the file). Under the report, the scope's schedules
//! ([`crate::report::schedule`]): a leader of the scope sets one (`POST /ops/reports/schedules`)
//! or ends one (`POST /ops/reports/schedules/{id}/end`); the reports they made are listed and
//! downloaded from `/ops/reports/runs/{id}/{format}`.

use crate::dashboard_pages::held_scope;
use crate::policy::{self, OpsAction};
use crate::report::rules::{KINDS, Kind, ReportPeriod};
use crate::report::{self, Format, schedule};
use crate::store::report_schedules as schedules;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};
use tinhso_domain::ops::scope::Scope;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::error::{AppError, FieldError, PageResult};
use tinhso_kernel::extract::{Form, Path, Query};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::{Page, sv};

pub const REPORTS: &str = "/ops/reports";
pub const FILE: &str = "/ops/reports/file";
pub const SCHEDULES: &str = "/ops/reports/schedules";

pub fn routes() -> Routes {
    let e = Access::Entity("ops_scope");
    Routes::new("ops")
        .get(REPORTS, e, reports_page)
        .get(FILE, e, report_file)
        .post(SCHEDULES, e, schedule_submit)
        .post("/ops/reports/schedules/{id}/end", e, schedule_end)
        .get("/ops/reports/runs/{id}/{format}", e, run_file)
}

/// What the schedule form sends.
#[derive(Debug, Deserialize, Default)]
struct ScheduleForm {
    scope: Option<String>,
    kind: Option<String>,
    recipients: Option<String>,
}

/// What the form sends (every field may be empty).
#[derive(Debug, Deserialize, Serialize, Default, Clone)]
pub struct ReportForm {
    pub scope: Option<String>,
    pub kind: Option<String>,
    pub year: Option<String>,
    pub number: Option<String>,
    #[serde(skip_serializing)]
    pub format: Option<String>,
}

fn filled(v: &Option<String>) -> Option<String> {
    v.clone().filter(|s| !s.is_empty())
}

async fn reports_page(
    State(ctx): State<Ctx>,
    page: Page,
    Query(q): Query<ReportForm>,
) -> PageResult<Response> {
    let scope = held_scope(&ctx, &page, filled(&q.scope)).await?;
    render(
        &ctx,
        &page,
        scope,
        q,
        Vec::new(),
        String::new(),
        StatusCode::OK,
    )
    .await
}

/// The page: the form, the report asked for, the scope's schedules and the reports they made.
async fn render(
    ctx: &Ctx,
    page: &Page,
    scope: Scope,
    q: ReportForm,
    schedule_errors: Vec<FieldError>,
    typed_recipients: String,
    status: StatusCode,
) -> PageResult<Response> {
    let ctx = ctx.clone();
    let today = tinhso_kernel::time::local_now().date();
    // Nothing chosen yet: the last quarter closed, as a suggestion.
    let suggested = ReportPeriod::last_closed(Kind::Quarter, today);
    let typed = match filled(&q.kind) {
        Some(_) => q.clone(),
        None => ReportForm {
            scope: Some(scope.key()),
            kind: Some("quarter".into()),
            year: suggested.map(|p| p.year.to_string()),
            number: suggested.map(|p| p.number.to_string()),
            format: None,
        },
    };
    let (report, errors) = if filled(&q.kind).is_none() {
        (None, Vec::new())
    } else {
        match report::read_period(
            q.kind.as_deref(),
            q.year.as_deref(),
            q.number.as_deref().filter(|_| {
                Kind::parse(q.kind.as_deref().unwrap_or("")).is_none_or(Kind::numbered)
            }),
            today,
        ) {
            Ok(period) => (
                Some(report::build(&ctx, &scope, period, today).await?),
                Vec::new(),
            ),
            Err(AppError::Validation(errors)) => (None, errors),
            Err(e) => return Err(e.into()),
        }
    };
    let errors: Vec<_> = errors
        .iter()
        .map(|e| context! { field => e.field.clone(), message => e.message.clone() })
        .collect();
    let query = serde_urlencoded::to_string(ReportForm {
        scope: Some(scope.key()),
        ..typed.clone()
    })
    .unwrap_or_default();
    let scope_name = crate::dashboard::scope_name(&ctx, &scope).await?;
    let kinds: Vec<&str> = KINDS.iter().map(|k| k.as_str()).collect();
    let may_schedule = policy::checked_for(&ctx, &page.principal(), &scope, OpsAction::Declare)
        .await
        .is_ok();
    let live: Vec<schedule::ScheduleView> = schedules::of_scope(&ctx.db, &scope.key())
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    let runs: Vec<_> = schedules::runs_of_scope(&ctx.db, &scope.key(), 20)
        .await?
        .into_iter()
        .map(
            |r| context! { id => r.id, period => r.period, title => r.title, made_at => r.made_at },
        )
        .collect();
    let schedule_errors: Vec<_> = schedule_errors
        .iter()
        .map(|e| context! { field => e.field.clone(), message => e.message.clone() })
        .collect();
    let html = page.render(
        "ops_reports.html",
        context! {
            r => report.as_ref().map(sv),
            errors => errors,
            typed => sv(&typed),
            scope => scope.key(),
            scope_name => scope_name,
            kinds => kinds,
            query => query,
            may_schedule => may_schedule,
            schedules => sv(&live),
            runs => runs,
            schedule_errors => schedule_errors,
            typed_recipients => typed_recipients,
        },
    )?;
    Ok((status, html).into_response())
}

/// The reports page of a scope.
fn scope_url(scope: &str) -> String {
    format!(
        "{REPORTS}?{}",
        serde_urlencoded::to_string([("scope", scope)]).unwrap_or_default()
    )
}

fn actor(page: &Page, ip: String) -> Actor {
    Actor {
        label: page.principal().actor_label(),
        ip,
    }
}

async fn schedule_submit(
    State(ctx): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Form(f): Form<ScheduleForm>,
) -> PageResult<Response> {
    let scope = held_scope(&ctx, &page, filled(&f.scope)).await?;
    let user = page.require_user()?.clone();
    let recipients = f.recipients.clone().unwrap_or_default();
    let result = schedule::create(
        &ctx,
        &page.principal(),
        &user,
        &actor(&page, ip),
        &scope,
        f.kind.as_deref().unwrap_or(""),
        &recipients,
    )
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&scope_url(&scope.key())).into_response()),
        Err(AppError::Validation(errors)) => {
            render(
                &ctx,
                &page,
                scope,
                ReportForm::default(),
                errors,
                recipients,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn schedule_end(
    State(ctx): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let user = page.require_user()?.clone();
    let mut tx = ctx.db.begin().await?;
    let scope = schedules::by_id(&mut tx, &id)
        .await?
        .map(|s| s.scope)
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    schedule::end(&ctx, &page.principal(), &user, &actor(&page, ip), &id).await?;
    Ok(Redirect::to(&scope_url(&scope)).into_response())
}

async fn run_file(
    State(ctx): State<Ctx>,
    page: Page,
    Path((id, format)): Path<(String, String)>,
) -> PageResult<Response> {
    page.require_user()?;
    let format = Format::parse(&format).ok_or(AppError::NotFound)?;
    let (name, bytes) = schedule::stored_file(&ctx, &page.principal(), &id, format).await?;
    Ok(tinhso_kernel::web::download(
        format.media_type(),
        &name,
        bytes,
    ))
}

async fn report_file(
    State(ctx): State<Ctx>,
    page: Page,
    Query(q): Query<ReportForm>,
) -> PageResult<Response> {
    let scope = held_scope(&ctx, &page, filled(&q.scope)).await?;
    let format = Format::parse(q.format.as_deref().unwrap_or("")).ok_or(AppError::NotFound)?;
    let today = tinhso_kernel::time::local_now().date();
    let number = q
        .number
        .as_deref()
        .filter(|_| Kind::parse(q.kind.as_deref().unwrap_or("")).is_none_or(Kind::numbered));
    let period = report::read_period(q.kind.as_deref(), q.year.as_deref(), number, today)?;
    let r = report::build(&ctx, &scope, period, today).await?;
    let bytes = report::write(&r, format)?;
    Ok(tinhso_kernel::web::download(
        format.media_type(),
        &report::file_name(&r, format),
        bytes,
    ))
}
