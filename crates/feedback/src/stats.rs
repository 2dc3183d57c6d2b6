//! Feedback statistics by agency, category or area over a period: received, answered,
//! answered on time, overdue now, satisfaction; rates are shown with their volume, and rows
//! with too few reports are marked so that agencies are compared only where it is fair.

use crate::policy::{FeedbackStatisticsPolicy, StatisticsAction};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};
use tinhso_kernel::Ctx;
use tinhso_kernel::auth::policy::{Cx, Subject, check};
use tinhso_kernel::db::Db;
use tinhso_kernel::error::{ApiResult, AppError, PageResult};
use tinhso_kernel::extract::{Caller, Json, Query};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::tables;
use tinhso_kernel::web::{Page, sv};
use utoipa_axum::routes;

/// Fewer reports than this in a row: its rates are shown but not ranked against others.
pub const FAIR_VOLUME: i64 = 10;

pub fn routes() -> Routes {
    Routes::new("feedback")
        .get(
            "/office/feedback/statistics",
            Access::Entity("feedback_statistics"),
            page,
        )
        .get(
            "/office/feedback/statistics.csv",
            Access::Entity("feedback_statistics"),
            csv_export,
        )
        .get(
            "/office/feedback/statistics.xlsx",
            Access::Entity("feedback_statistics"),
            xlsx_export,
        )
        .api(Access::Entity("feedback_statistics"), routes!(api))
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, Default, PartialEq, Eq, utoipa::ToSchema)]
#[schema(as = FeedbackGrouping)]
#[serde(rename_all = "snake_case")]
pub enum By {
    #[default]
    Agency,
    Category,
    Area,
}

#[derive(Debug, Clone, Deserialize, Default, utoipa::IntoParams)]
pub struct Filter {
    /// Group rows by agency, category or area (administrative unit).
    #[serde(default)]
    pub by: By,
    /// First day (YYYY-MM-DD, Vietnam time); default 1 January this year.
    pub from: Option<String>,
    /// Last day, inclusive; default today.
    pub to: Option<String>,
}

#[derive(Debug, Clone, Serialize, Default, utoipa::ToSchema)]
#[schema(as = FeedbackStatisticsRow)]
pub struct Row {
    pub key: String,
    pub name: String,
    pub received: i64,
    pub answered: i64,
    pub answered_on_time: i64,
    /// Answered on time ÷ answered, in percent.
    pub on_time_rate: Option<f64>,
    pub open: i64,
    pub overdue: i64,
    pub rated: i64,
    pub satisfied: i64,
    pub satisfaction_rate: Option<f64>,
    /// Whether the row has enough reports to be compared with others.
    pub comparable: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = FeedbackStatistics)]
pub struct Report {
    pub by: By,
    pub from: String,
    pub to: String,
    pub rows: Vec<Row>,
    pub total: Row,
    /// Month by month over the period (Vietnam time), for the trend chart.
    pub months: Vec<Month>,
}

#[derive(Debug, Clone, Serialize, Default, PartialEq, utoipa::ToSchema)]
#[schema(as = FeedbackMonth)]
pub struct Month {
    /// `YYYY-MM`.
    pub month: String,
    pub received: i64,
    pub answered: i64,
    pub answered_on_time: i64,
    /// Bar heights for the chart, in percent of the busiest month.
    pub received_height: f64,
    pub on_time_height: f64,
}

/// Every month from `from` to `to`, with the counts found (months without reports count 0),
/// bars scaled to the busiest month.
fn month_series(
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    received: &std::collections::HashMap<String, i64>,
    answered: &std::collections::HashMap<String, (i64, i64)>,
) -> Vec<Month> {
    use chrono::Datelike;
    let mut months = Vec::new();
    let mut day = from.with_day(1).unwrap_or(from);
    while day <= to {
        let key = day.format("%Y-%m").to_string();
        let (answered, on_time) = answered.get(&key).copied().unwrap_or_default();
        months.push(Month {
            received: received.get(&key).copied().unwrap_or_default(),
            answered,
            answered_on_time: on_time,
            month: key,
            ..Month::default()
        });
        day = day
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(chrono::NaiveDate::MAX);
    }
    let busiest = months
        .iter()
        .map(|m| m.received.max(m.answered))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    for m in &mut months {
        m.received_height = (m.received as f64 * 100.0 / busiest).round();
        m.on_time_height = (m.answered_on_time as f64 * 100.0 / busiest).round();
    }
    months
}

/// Reports received, and answered (on time), per month of the period.
async fn months(
    db: &Db,
    (from, to): (chrono::NaiveDate, chrono::NaiveDate),
    (start, end): (&str, &str),
) -> Result<Vec<Month>, AppError> {
    let received = super::store::received_per_month(db, (start, end))
        .await?
        .into_iter()
        .collect();
    let answered = super::store::answered_per_month(db, (start, end))
        .await?
        .into_iter()
        .map(|m| (m.month, (m.n, m.on_time.unwrap_or(0))))
        .collect();
    Ok(month_series(from, to, &received, &answered))
}

impl Row {
    pub(crate) fn finish(mut self) -> Row {
        self.on_time_rate = tables::percent(self.answered_on_time, self.answered);
        self.satisfaction_rate = tables::percent(self.satisfied, self.rated);
        self.comparable = self.received >= FAIR_VOLUME;
        self
    }
}

pub async fn report(db: &Db, filter: &Filter) -> Result<Report, AppError> {
    let (from, to) = tables::period(filter.from.as_deref(), filter.to.as_deref())?;
    let (start, end) = tables::utc_bounds(from, to);
    let now = tinhso_kernel::time::local_text(tinhso_kernel::time::local_now());
    let rows = super::store::group_counts(db, filter.by, (&start, &end), &now).await?;
    let mut total = Row {
        name: "Tổng cộng".into(),
        ..Row::default()
    };
    let mut out = Vec::new();
    for r in rows {
        let row = Row {
            key: r.key,
            name: r.name.unwrap_or_else(|| "Chưa phân công".into()),
            received: r.received.unwrap_or(0),
            answered: r.answered.unwrap_or(0),
            answered_on_time: r.on_time.unwrap_or(0),
            open: r.open.unwrap_or(0),
            overdue: r.overdue.unwrap_or(0),
            rated: r.rated.unwrap_or(0),
            satisfied: r.satisfied.unwrap_or(0),
            ..Row::default()
        };
        total.received += row.received;
        total.answered += row.answered;
        total.answered_on_time += row.answered_on_time;
        total.open += row.open;
        total.overdue += row.overdue;
        total.rated += row.rated;
        total.satisfied += row.satisfied;
        out.push(row.finish());
    }
    Ok(Report {
        by: filter.by,
        from: from.to_string(),
        to: to.to_string(),
        rows: out,
        total: total.finish(),
        months: months(db, (from, to), (&start, &end)).await?,
    })
}

async fn checked(
    state: &Ctx,
    principal: &tinhso_kernel::auth::Principal,
    filter: &Filter,
) -> Result<Report, AppError> {
    check::<FeedbackStatisticsPolicy>(
        &Cx::from(state),
        &Subject::of(principal),
        &(),
        StatisticsAction::Read,
    )
    .await?;
    report(&state.db, filter).await
}

async fn page(
    State(state): State<Ctx>,
    page: Page,
    Query(filter): Query<Filter>,
) -> PageResult<Response> {
    let report = checked(&state, &page.principal(), &filter).await?;
    let query = serde_urlencoded::to_string([
        ("by", sv(report.by).to_string()),
        ("from", report.from.clone()),
        ("to", report.to.clone()),
    ])
    .map_err(anyhow::Error::from)?;
    Ok(page
        .render(
            "feedback_statistics.html",
            context! { report => sv(&report), query => query, fair => FAIR_VOLUME },
        )?
        .into_response())
}

const HEADERS: [&str; 10] = [
    "Mã",
    "Tên",
    "Tiếp nhận",
    "Đã trả lời",
    "Trả lời đúng hạn",
    "Tỉ lệ đúng hạn (%)",
    "Đang xử lý",
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
        n(r.answered),
        n(r.answered_on_time),
        p(r.on_time_rate),
        n(r.open),
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
    let report = checked(&state, &page.principal(), &filter).await?;
    let stem = format!("phan-anh-{}-{}", report.from, report.to);
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
    let report = checked(&state, &page.principal(), &filter).await?;
    let stem = format!("phan-anh-{}-{}", report.from, report.to);
    Ok(tables::xlsx(
        "Phản ánh",
        &stem,
        &HEADERS,
        &tables::with_total(&report.rows, &report.total, cells),
    )?)
}

/// Feedback statistics for a period, grouped by agency, category or area.
#[utoipa::path(get, path = "/api/v1/statistics/feedback", tag = "feedback", params(Filter),
    responses((status = 200, body = Report), (status = 422, description = "Invalid period", content_type = "application/problem+json")),
    security(("bearer" = ["dossiers"])))]
pub async fn api(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    Query(filter): Query<Filter>,
) -> ApiResult<Json<Report>> {
    Ok(Json(checked(&state, &auth.principal, &filter).await?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn every_month_of_the_period_is_charted_against_the_busiest() {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        let received = [("2026-01".to_owned(), 40), ("2026-03".to_owned(), 10)].into();
        let answered = [("2026-01".to_owned(), (20, 15))].into();
        let months = month_series(day(1, 15), day(3, 2), &received, &answered);
        let names: Vec<&str> = months.iter().map(|m| m.month.as_str()).collect();
        assert_eq!(names, ["2026-01", "2026-02", "2026-03"]);
        assert_eq!(
            (months[0].received_height, months[0].on_time_height),
            (100.0, 38.0)
        );
        assert_eq!((months[1].received, months[1].received_height), (0, 0.0));
        assert_eq!(months[2].received_height, 25.0);
    }
}
