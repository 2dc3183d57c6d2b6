//! The registers and the handling report on the officials' pages: "Sổ đăng ký văn bản" (the
//! outgoing or incoming register of Decree 30/2020 for a period, downloaded as PDF or XLSX by
//! the same function as the API, `registers::file_for`) and "Tình hình xử lý văn bản đến" (per
//! unit: completed on time, late, and still open past the deadline, from
//! `assignments::timeliness_for`, as the API). For the agency's document clerks and leaders.

use super::{official, section};
use crate::assignments;
use crate::registers::{self, Period};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use minijinja::context;
use serde::Deserialize;
use tinhso_kernel::Ctx;
use tinhso_kernel::error::{AppError, FieldError, PageResult};
use tinhso_kernel::extract::Query;
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::web::{Page, form_errors_in};

pub fn routes() -> Routes {
    let entity = Access::Entity("document");
    Routes::new("documents")
        .get("/office/documents/registers", entity, registers_page)
        .get("/office/documents/timeliness", entity, timeliness_page)
}

/// 1 January of this year and today: the period both forms start with.
fn this_year() -> (String, String) {
    let today = tinhso_kernel::time::local_now().date();
    let january = chrono::NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    (january.to_string(), today.to_string())
}

#[derive(Deserialize, Default)]
struct RegistersQuery {
    /// `out` (sổ đăng ký văn bản đi) or `in` (văn bản đến).
    register: Option<String>,
    /// `pdf` or `xlsx`: the download asked for; the form alone without it.
    format: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// The registers page: the form, or the register's file when a format is asked for (a wrong
/// period comes back on the form, in the page's language, with what was chosen).
async fn registers_page(
    State(state): State<Ctx>,
    page: Page,
    Query(q): Query<RegistersQuery>,
) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    if !crate::work_files::policy::reads_registers(&user) {
        return Err(AppError::Forbidden.into());
    }
    let register = q.register.clone().unwrap_or_else(|| "out".into());
    let mut errors = Vec::new();
    if let Some(format) = q.format.as_deref() {
        let p = Period {
            from: q.from.clone(),
            to: q.to.clone(),
        };
        // Anything but the four files is not a register: said on the form, not as a 404.
        let file = format!("{register}.{format}");
        match registers::file_for(&state, &user, &file, &p).await {
            Ok(f) => return Ok(tinhso_kernel::web::download(f.media_type, &f.name, f.bytes)),
            Err(AppError::Validation(e)) => errors = e,
            Err(AppError::NotFound) => {
                errors.push(FieldError::new(
                    "register",
                    "Chọn sổ văn bản đi hoặc sổ văn bản đến, tệp PDF hoặc XLSX.",
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let (january, today) = this_year();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = page.render(
        "documents_registers.html",
        context! {
            register => register,
            from => q.from.clone().filter(|f| !f.is_empty()).unwrap_or(january),
            to => q.to.clone().filter(|t| !t.is_empty()).unwrap_or(today),
            errors => form_errors_in(&errors, &["register", "from", "to"]),
            max_years => registers::MAX_YEARS, section => section(&user), tab => "registers",
        },
    )?;
    Ok((status, html).into_response())
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct TimelinessQuery {
    from: Option<String>,
    to: Option<String>,
}

/// Per unit of the agency (or unit) of a clerk or leader: handled on time, late, and still open
/// past the deadline in the period.
async fn timeliness_page(
    State(state): State<Ctx>,
    page: Page,
    Query(q): Query<TimelinessQuery>,
) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    let (rows, errors) = match assignments::timeliness_for(
        &state,
        &user,
        q.from.as_deref(),
        q.to.as_deref(),
    )
    .await
    {
        Ok(rows) => (rows, Vec::new()),
        Err(AppError::Validation(errors)) => (Vec::new(), errors),
        Err(e) => return Err(e.into()),
    };
    let total = |f: fn(&crate::store::processing::UnitTimeliness) -> i64| -> i64 {
        rows.iter().map(f).sum()
    };
    let totals = context! {
        on_time => total(|r| r.on_time), late => total(|r| r.late),
        open_overdue => total(|r| r.open_overdue),
    };
    let rows: Vec<_> = rows
        .iter()
        .map(|r| {
            context! {
                code => r.unit_code.clone(), name => r.unit_name.clone(), on_time => r.on_time,
                late => r.late, open_overdue => r.open_overdue,
            }
        })
        .collect();
    let (january, today) = this_year();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = page.render(
        "documents_timeliness.html",
        context! {
            rows => rows, totals => totals,
            from => q.from.clone().filter(|f| !f.is_empty()).unwrap_or(january),
            to => q.to.clone().filter(|t| !t.is_empty()).unwrap_or(today),
            errors => form_errors_in(&errors, &["From", "To"]),
            section => section(&user), tab => "timeliness",
        },
    )?;
    Ok((status, html).into_response())
}
