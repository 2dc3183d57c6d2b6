//! One-stop statistics: received (by channel), share online, processed early / on time /
//! late, pending, overdue now, the national on-time rate and satisfaction, by agency, field
//! or procedure over a period; as a page with bar charts, CSV, XLSX and the API.

use super::policy::{DossierStatisticsPolicy, StatisticsAction};
use super::{local_now, local_text, store};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tinhso_kernel::Ctx;
use tinhso_kernel::auth::Role;
use tinhso_kernel::auth::policy::{Cx, Subject, check};
use tinhso_kernel::db::Db;
use tinhso_kernel::error::{ApiResult, AppError, PageResult};
use tinhso_kernel::extract::{Caller, Json, Query};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::periods::{self, Span};
use tinhso_kernel::tables;
use tinhso_kernel::web::{Page, sv};
use utoipa_axum::routes;

pub fn routes() -> Routes {
    Routes::new("onestop")
        .get(
            "/office/statistics",
            Access::Entity("dossier_statistics"),
            page,
        )
        .get(
            "/office/statistics.csv",
            Access::Entity("dossier_statistics"),
            csv_export,
        )
        .get(
            "/office/statistics.xlsx",
            Access::Entity("dossier_statistics"),
            xlsx_export,
        )
        .api(Access::Entity("dossier_statistics"), routes!(api))
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, Default, PartialEq, Eq, utoipa::ToSchema)]
#[schema(as = DossierGrouping)]
#[serde(rename_all = "snake_case")]
pub enum By {
    #[default]
    Agency,
    Field,
    Procedure,
}

#[derive(Debug, Clone, Deserialize, Default, utoipa::IntoParams)]
pub struct Filter {
    /// Group rows by agency, field or procedure.
    #[serde(default)]
    pub by: By,
    /// First day of the period (YYYY-MM-DD, Vietnam time); default 1 January this year.
    pub from: Option<String>,
    /// Last day of the period, inclusive; default today.
    pub to: Option<String>,
}

#[derive(Debug, Clone, Serialize, Default, utoipa::ToSchema)]
#[schema(as = DossierStatisticsRow)]
pub struct Row {
    pub key: String,
    pub name: String,
    pub received: i64,
    pub online: i64,
    pub counter: i64,
    pub post: i64,
    /// Percent of received dossiers submitted online.
    pub online_share: Option<f64>,
    pub early: i64,
    pub on_time: i64,
    pub late: i64,
    pub processed: i64,
    /// (early + on time) ÷ processed, in percent: the national indicator.
    pub on_time_rate: Option<f64>,
    pub pending: i64,
    pub overdue: i64,
    pub rated: i64,
    pub satisfied: i64,
    pub satisfaction_rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = DossierStatistics)]
pub struct Report {
    pub by: By,
    pub from: String,
    pub to: String,
    pub rows: Vec<Row>,
    pub total: Row,
}

impl Row {
    fn finish(mut self) -> Row {
        self.processed = self.early + self.on_time + self.late;
        self.online_share = tables::percent(self.online, self.received);
        self.on_time_rate = tinhso_domain::dossier::on_time_rate(
            self.early as u64,
            self.on_time as u64,
            self.late as u64,
        )
        .map(|r| (r * 10.0).round() / 10.0);
        self.satisfaction_rate = tables::percent(self.satisfied, self.rated);
        self
    }

    fn add(&mut self, o: &Row) {
        self.received += o.received;
        self.online += o.online;
        self.counter += o.counter;
        self.post += o.post;
        self.early += o.early;
        self.on_time += o.on_time;
        self.late += o.late;
        self.pending += o.pending;
        self.overdue += o.overdue;
        self.rated += o.rated;
        self.satisfied += o.satisfied;
    }
}

/// The agencies whose figures the user may see: every one for system administrators, else
/// the user's agency and those below it.
async fn scope(db: &Db, user: &tinhso_kernel::auth::User) -> Result<Option<Vec<String>>, AppError> {
    if user.has_role(Role::SystemAdmin) {
        return Ok(None);
    }
    let own = user.agency_id.clone().ok_or(AppError::Forbidden)?;
    Ok(Some(store::stats::agency_and_below(db, &own).await?))
}

/// Counts per (agency, procedure) pair (see `store::stats::counts`).
async fn counts(
    db: &Db,
    start: &str,
    end: &str,
    now: &str,
    agencies: Option<&[String]>,
) -> Result<Vec<(String, String, Row)>, AppError> {
    let rows = store::stats::counts(db, start, end, now, agencies).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let n = |v: Option<i64>| v.unwrap_or(0);
            (
                r.agency_id,
                r.procedure_code,
                Row {
                    received: n(r.received),
                    online: n(r.online),
                    counter: n(r.counter),
                    post: n(r.post),
                    early: n(r.early),
                    on_time: n(r.on_time),
                    late: n(r.late),
                    pending: n(r.pending),
                    overdue: n(r.overdue),
                    rated: n(r.rated),
                    satisfied: n(r.satisfied),
                    ..Row::default()
                },
            )
        })
        .collect())
}

/// Names of what rows are grouped by: agency id → (code, name), procedure code → (name,
/// field code, field name).
async fn names(db: &Db) -> Result<Names, AppError> {
    let agencies = store::stats::agency_names(db)
        .await?
        .into_iter()
        .map(|a| (a.id, (a.code, a.name)))
        .collect();
    let procedures = store::stats::procedure_names(db)
        .await?
        .into_iter()
        .map(|p| (p.code, (p.name, p.field_code, p.field_name)))
        .collect();
    Ok((agencies, procedures))
}

/// Names of what rows are grouped by (see [`names`]).
type Names = (
    BTreeMap<String, (String, String)>,
    BTreeMap<String, (String, String, String)>,
);

/// The row key and name a dossier of `agency_id` and `procedure_code` counts under.
fn group_of(
    by: By,
    (agencies, procedures): &Names,
    agency_id: &str,
    procedure_code: &str,
) -> (String, String) {
    match by {
        By::Agency => agencies
            .get(agency_id)
            .cloned()
            .unwrap_or((agency_id.to_owned(), String::new())),
        By::Field => procedures
            .get(procedure_code)
            .map(|(_, code, name)| (code.clone(), name.clone()))
            .unwrap_or_default(),
        By::Procedure => {
            let name = procedures
                .get(procedure_code)
                .map(|p| p.0.clone())
                .unwrap_or_default();
            (procedure_code.to_owned(), name)
        }
    }
}

/// The report of grouped rows: each finished (rates), in key order, and their total.
fn assemble(by: By, (from, to): (NaiveDate, NaiveDate), grouped: BTreeMap<String, Row>) -> Report {
    let mut total = Row {
        key: String::new(),
        name: "Tổng cộng".into(),
        ..Row::default()
    };
    let mut out = Vec::new();
    for row in grouped.into_values() {
        total.add(&row);
        out.push(row.finish());
    }
    Report {
        by,
        from: from.to_string(),
        to: to.to_string(),
        rows: out,
        total: total.finish(),
    }
}

pub async fn report(
    db: &Db,
    filter: &Filter,
    agencies: Option<&[String]>,
) -> Result<Report, AppError> {
    let (from, to) = tables::period(filter.from.as_deref(), filter.to.as_deref())?;
    let (start, end) = tables::utc_bounds(from, to);
    let now = local_text(local_now());
    let counts = counts(db, &start, &end, &now, agencies).await?;
    let names = names(db).await?;
    let mut grouped: BTreeMap<String, Row> = BTreeMap::new();
    for (agency_id, procedure_code, row) in counts {
        let (key, name) = group_of(filter.by, &names, &agency_id, &procedure_code);
        let entry = grouped.entry(key.clone()).or_insert_with(|| Row {
            key,
            name,
            ..Row::default()
        });
        entry.add(&row);
    }
    Ok(assemble(filter.by, (from, to), grouped))
}

/// What the kept figures of dossiers are filed under (`periods::Kept`).
const KEPT: &str = "onestop.dossier_figures";

/// One span's figures by agency and by procedure (`store::stats::span_counts`): what the
/// published statistics read, and what a node keeps of a closed span.
#[derive(Debug, Default)]
struct SpanFigures {
    by_agency: BTreeMap<String, Row>,
    by_procedure: BTreeMap<String, Row>,
}

impl SpanFigures {
    /// By agency id, or by procedure code (for fields and procedures).
    fn groups(&self, by: By) -> &BTreeMap<String, Row> {
        match by {
            By::Agency => &self.by_agency,
            By::Field | By::Procedure => &self.by_procedure,
        }
    }
}

/// Counts `span`; settled when none of its dossiers may still be forwarded (which moves its
/// figures to another agency: the one way the workflow changes a closed span's figures).
async fn count_span(db: &Db, span: Span) -> Result<(SpanFigures, bool), AppError> {
    let (start, end) = span.utc_bounds();
    let mut figures = SpanFigures::default();
    let mut movable = 0;
    for r in store::stats::span_counts(db, &start, &end).await? {
        let n = |v: Option<i64>| v.unwrap_or(0);
        let row = Row {
            received: n(r.received),
            online: n(r.online),
            counter: n(r.counter),
            post: n(r.post),
            early: n(r.early),
            on_time: n(r.on_time),
            late: n(r.late),
            rated: n(r.rated),
            satisfied: n(r.satisfied),
            ..Row::default()
        };
        movable += n(r.movable);
        figures.by_agency.entry(r.agency_id).or_default().add(&row);
        figures
            .by_procedure
            .entry(r.procedure_code)
            .or_default()
            .add(&row);
    }
    Ok((figures, movable == 0))
}

/// The figures of `spans`: kept copies of the closed ones, the rest counted now.
async fn span_figures(
    ctx: &Ctx,
    spans: &[Span],
    today: NaiveDate,
) -> Result<Vec<std::sync::Arc<SpanFigures>>, AppError> {
    periods::each(&ctx.kept, KEPT, spans, today, |span| {
        count_span(&ctx.db, span)
    })
    .await
}

/// The spans every submitted dossier falls in: from the first year with one to today (or the
/// last submission, if a node's clock ran ahead). `None` when a stored time does not read.
async fn history(db: &Db, today: NaiveDate) -> Result<Option<Vec<Span>>, AppError> {
    let Some((first, last)) = store::stats::submitted_between(db).await? else {
        return Ok(Some(Vec::new()));
    };
    let local = |t: &str| {
        tinhso_kernel::time::parse(t).map(|t| {
            t.with_timezone(&tinhso_kernel::time::vietnam())
                .date_naive()
        })
    };
    let (Some(first), Some(last)) = (local(&first), local(&last)) else {
        return Ok(None);
    };
    Ok(Some(periods::pieces(
        Span::year(first.year()).first,
        last.max(today),
        today,
    )))
}

/// The published figures of `from`..=`to` (the open datasets, the public statistics page):
/// those of [`report`] for every agency, with no pending or overdue count (figures of now,
/// which nothing published shows). Counted span by span ([`periods::pieces`]): closed years
/// and months from the node's kept copies, the open ones by index ranges of their days. With
/// `every_group`, a row for each group that ever had a dossier, as [`report`] lists them
/// (zeros where the period had none): the union of every span's groups since the first
/// dossier, kept too.
pub async fn published(
    ctx: &Ctx,
    by: By,
    (from, to): (NaiveDate, NaiveDate),
    every_group: bool,
) -> Result<Report, AppError> {
    periods::one_read(async {
        let today = local_now().date();
        let mut counted: BTreeMap<String, Row> = BTreeMap::new();
        for figures in span_figures(ctx, &periods::pieces(from, to, today), today).await? {
            for (id, row) in figures.groups(by) {
                counted.entry(id.clone()).or_default().add(row);
            }
        }
        if every_group {
            let Some(history) = history(&ctx.db, today).await? else {
                let filter = Filter {
                    by,
                    from: Some(from.to_string()),
                    to: Some(to.to_string()),
                };
                return report(&ctx.db, &filter, None).await;
            };
            for figures in span_figures(ctx, &history, today).await? {
                for id in figures.groups(by).keys() {
                    counted.entry(id.clone()).or_default();
                }
            }
        }
        let names = names(&ctx.db).await?;
        let mut grouped: BTreeMap<String, Row> = BTreeMap::new();
        for (id, row) in counted {
            let (key, name) = match by {
                By::Agency => group_of(by, &names, &id, ""),
                By::Field | By::Procedure => group_of(by, &names, "", &id),
            };
            let entry = grouped.entry(key.clone()).or_insert_with(|| Row {
                key,
                name,
                ..Row::default()
            });
            entry.add(&row);
        }
        Ok(assemble(by, (from, to), grouped))
    })
    .await
}

async fn user_report(
    state: &Ctx,
    principal: &tinhso_kernel::auth::Principal,
    filter: &Filter,
) -> Result<Report, AppError> {
    check::<DossierStatisticsPolicy>(
        &Cx::from(state),
        &Subject::of(principal),
        &(),
        StatisticsAction::Read,
    )
    .await?;
    let user = principal.user().ok_or(AppError::Unauthorized)?;
    let agencies = scope(&state.db, user).await?;
    report(&state.db, filter, agencies.as_deref()).await
}

async fn page(
    State(state): State<Ctx>,
    page: Page,
    Query(filter): Query<Filter>,
) -> PageResult<Response> {
    let report = user_report(&state, &page.principal(), &filter).await?;
    let query = serde_urlencoded::to_string([
        ("by", sv(report.by).to_string()),
        ("from", report.from.clone()),
        ("to", report.to.clone()),
    ])
    .map_err(anyhow::Error::from)?;
    Ok(page
        .render(
            "statistics.html",
            context! { report => sv(&report), query => query },
        )?
        .into_response())
}

const HEADERS: [&str; 16] = [
    "Mã",
    "Tên",
    "Tiếp nhận",
    "Trực tuyến",
    "Tại quầy",
    "Bưu chính",
    "Tỉ lệ trực tuyến (%)",
    "Trước hạn",
    "Đúng hạn",
    "Trễ hạn",
    "Đã giải quyết",
    "Tỉ lệ đúng hạn (%)",
    "Đang giải quyết",
    "Quá hạn",
    "Lượt đánh giá",
    "Tỉ lệ hài lòng (%)",
];

fn cells(r: &Row) -> Vec<tinhso_documents::Cell> {
    use tinhso_documents::Cell::{Number, Text};
    let n = |v: i64| Number(v as f64);
    let p = |v: Option<f64>| v.map(Number).unwrap_or(Text(String::new()));
    vec![
        Text(r.key.clone()),
        Text(r.name.clone()),
        n(r.received),
        n(r.online),
        n(r.counter),
        n(r.post),
        p(r.online_share),
        n(r.early),
        n(r.on_time),
        n(r.late),
        n(r.processed),
        p(r.on_time_rate),
        n(r.pending),
        n(r.overdue),
        n(r.rated),
        p(r.satisfaction_rate),
    ]
}

async fn csv_export(
    State(state): State<Ctx>,
    page: Page,
    Query(filter): Query<Filter>,
) -> PageResult<Response> {
    let report = user_report(&state, &page.principal(), &filter).await?;
    let stem = format!("thong-ke-ho-so-{}-{}", report.from, report.to);
    Ok(tables::csv(
        &stem,
        &HEADERS,
        &tables::with_total(&report.rows, &report.total, cells),
    )?)
}

async fn xlsx_export(
    State(state): State<Ctx>,
    page: Page,
    Query(filter): Query<Filter>,
) -> PageResult<Response> {
    let report = user_report(&state, &page.principal(), &filter).await?;
    let stem = format!("thong-ke-ho-so-{}-{}", report.from, report.to);
    Ok(tables::xlsx(
        "Thống kê",
        &stem,
        &HEADERS,
        &tables::with_total(&report.rows, &report.total, cells),
    )?)
}

/// One-stop statistics for a period, grouped by agency, field or procedure.
#[utoipa::path(get, path = "/api/v1/statistics/dossiers", tag = "dossiers", params(Filter),
    responses((status = 200, body = Report), (status = 422, description = "Invalid period", content_type = "application/problem+json")),
    security(("bearer" = ["dossiers"])))]
pub async fn api(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    Query(filter): Query<Filter>,
) -> ApiResult<Json<Report>> {
    Ok(Json(user_report(&state, &auth.principal, &filter).await?))
}
