//! Tasks imported from an XLSX workbook (docs/tasks-design.md §5, slice 5), for an assigning
//! office that has many to give at once: the template's columns ([`COLUMNS`]), one task a row,
//! every row checked by the same rules as a task typed in (`service::check_new`), then all
//! created in one transaction, each with its audit row and `task.assigned` — or, if any row is
//! refused, none, with a report naming every refused row and why. The workbook is read with
//! `tinhso_tabular::xlsx_rows` (zip bombs, huge sheets and formula cells without a value are
//! refused before anything is read).

use crate::service::{self, TaskInput, UnitInput, Who};
use serde::Serialize;
use tinhso_kernel::Ctx;
use tinhso_kernel::error::{AppError, FieldError};

/// The page and the template's address.
pub const PAGE: &str = "/office/tasks/import";
pub const TEMPLATE: &str = "/office/tasks/import/template.xlsx";
/// The XLSX media type.
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// The largest workbook taken.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// The most tasks one workbook may hold.
pub const MAX_ROWS: usize = 500;

/// The template's columns, in order: (key of the report, header as the template writes it).
pub const COLUMNS: [(&str, &str); 9] = [
    ("title", "Tên nhiệm vụ"),
    ("content", "Nội dung"),
    ("authority", "Mã cơ quan giao"),
    (
        "position",
        "Người giao (committee, chair, vice_chair, head)",
    ),
    ("lead", "Mã đơn vị chủ trì"),
    ("supporting", "Mã đơn vị phối hợp (cách nhau bởi dấu phẩy)"),
    (
        "deadline",
        "Thời hạn (ngày YYYY-MM-DD hoặc số ngày làm việc)",
    ),
    ("priority", "Mức độ ưu tiên (normal, high, urgent)"),
    ("field", "Lĩnh vực"),
];

/// The template's headers.
pub fn headers() -> Vec<&'static str> {
    COLUMNS.iter().map(|(_, h)| *h).collect()
}

/// One mistake of a row: the column it is in (a key of [`COLUMNS`], or `units` for the units
/// together), the field the rules name (`unit_<code>` for one unit) and the message.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskImportRowError {
    /// `title`, `content`, `authority`, `position`, `lead`, `supporting`, `deadline`,
    /// `priority`, `field` or `units`.
    pub column: String,
    /// The field the rule names: as `column`, or `unit_<agency code>` for one unit.
    pub field: String,
    /// The unit's agency code, when the mistake is about one unit.
    pub unit: Option<String>,
    /// In Vietnamese.
    pub message: String,
}

/// One row of the workbook and what became of it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskImportRow {
    /// The row's number as Excel shows it (the header is row 1).
    pub row: u64,
    pub ok: bool,
    pub errors: Vec<TaskImportRowError>,
    /// The task created from it, once created.
    pub task_id: Option<String>,
    pub code: Option<String>,
}

/// What an import did: every row, and whether the tasks were created (all) or not (none).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskImportReport {
    /// True when every row was good and all were created.
    pub created: bool,
    /// Tasks created.
    pub tasks: usize,
    /// Rows refused.
    pub refused: usize,
    pub rows: Vec<TaskImportRow>,
}

const NOT_TEMPLATE: &str = "Tệp không theo mẫu: dòng đầu phải là tiêu đề các cột của mẫu nhập nhiệm vụ (tải mẫu ở trang nhập).";
const NO_ROWS: &str = "Tệp không có dòng nhiệm vụ nào dưới dòng tiêu đề.";

/// The cells of a row, by column.
fn cell(cells: &[String], column: usize) -> &str {
    cells.get(column).map(|c| c.trim()).unwrap_or_default()
}

fn normalized(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A position as typed: its code or its Vietnamese name.
fn position(text: &str) -> String {
    match normalized(text).as_str() {
        "ủy ban nhân dân" | "uỷ ban nhân dân" | "ubnd" => "committee".into(),
        "chủ tịch" => "chair".into(),
        "phó chủ tịch" => "vice_chair".into(),
        "thủ trưởng" | "giám đốc" => "head".into(),
        other => other.to_owned(),
    }
}

/// A priority as typed: its code or its Vietnamese name; empty is `normal`.
fn priority(text: &str) -> String {
    match normalized(text).as_str() {
        "" | "thường" => "normal".into(),
        "quan trọng" => "high".into(),
        "khẩn" | "hỏa tốc" => "urgent".into(),
        other => other.to_owned(),
    }
}

/// The deadline cell as the service takes it: a whole number is working days; a date as
/// `YYYY-MM-DD` (an Excel date cell reads so) or `DD/MM/YYYY`.
fn deadline(text: &str) -> (Option<i64>, Option<String>) {
    let text = text.trim();
    if text.is_empty() {
        return (None, None);
    }
    if let Ok(n) = text.parse::<i64>() {
        return (Some(n), None);
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%d/%m/%Y") {
        return (None, Some(d.to_string()));
    }
    (None, Some(text.to_owned()))
}

/// A row as a new task: the lead unit and each supporting unit with the row's deadline.
fn input_of(cells: &[String]) -> TaskInput {
    let (working_days, due_date) = deadline(cell(cells, 6));
    let unit = |agency: &str, role: &str| UnitInput {
        agency: agency.to_owned(),
        role: role.to_owned(),
        working_days,
        due_date: due_date.clone(),
    };
    let mut units = Vec::new();
    let lead = cell(cells, 4);
    if !lead.is_empty() {
        units.push(unit(lead, "lead"));
    }
    for code in cell(cells, 5)
        .split([',', ';', '\n'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        units.push(unit(code, "supporting"));
    }
    TaskInput {
        title: cell(cells, 0).to_owned(),
        content: cell(cells, 1).to_owned(),
        authority: cell(cells, 2).to_owned(),
        position: position(cell(cells, 3)),
        priority: priority(cell(cells, 7)),
        field: cell(cells, 8).to_owned(),
        source_document: None,
        units,
        // The template has no recurrence columns: each row is one task.
        recurrence: None,
    }
}

/// The column of a rule's field in row `cells`.
fn column_of(field: &str, cells: &[String]) -> String {
    match field.strip_prefix("unit_") {
        Some(code) if code == cell(cells, 4) => "lead".into(),
        Some(_) => "supporting".into(),
        None => field.to_owned(),
    }
}

/// Whether the first row is the template's header.
fn is_header(cells: &[String]) -> bool {
    COLUMNS
        .iter()
        .enumerate()
        .all(|(i, (_, h))| normalized(cell(cells, i)) == normalized(h))
}

/// Reads workbook `bytes` into rows (line, cells), the header checked and left out. Refused
/// with a message on `file` when it is not an XLSX workbook of the template.
pub fn rows_of(bytes: &[u8]) -> Result<Vec<(u64, Vec<String>)>, AppError> {
    let limits = tinhso_tabular::Limits {
        max_columns: 50,
        max_uncompressed_bytes: 64 << 20,
        max_sheet_cells: 200_000,
        max_sheet_text_bytes: 32 << 20,
        ..tinhso_tabular::Limits::default()
    };
    let mut rows = tinhso_tabular::xlsx_rows(std::io::Cursor::new(bytes), &limits)
        .map_err(|issue| AppError::validation("file", issue.message))?;
    if rows.is_empty() || !is_header(&rows[0].1) {
        return Err(AppError::validation("file", NOT_TEMPLATE));
    }
    rows.remove(0);
    if rows.is_empty() {
        return Err(AppError::validation("file", NO_ROWS));
    }
    if rows.len() > MAX_ROWS {
        return Err(AppError::validation(
            "file",
            format!("Mỗi lần nhập tối đa {MAX_ROWS} nhiệm vụ."),
        ));
    }
    Ok(rows)
}

/// Imports workbook `bytes` for `who`: every row checked; if all are good, all created in one
/// transaction (each with its audit row and event), else none. A file that is not the
/// template's XLSX is refused as a whole (`AppError::Validation` on `file`).
pub async fn import(ctx: &Ctx, who: &Who<'_>, bytes: &[u8]) -> Result<TaskImportReport, AppError> {
    if !crate::policy::may_create(who.user) {
        return Err(AppError::Forbidden);
    }
    let owned = bytes.to_vec();
    let rows = tokio_blocking(move || rows_of(&owned)).await?;
    let mut report = TaskImportReport {
        created: false,
        tasks: 0,
        refused: 0,
        rows: Vec::new(),
    };
    let mut plans = Vec::new();
    for (line, cells) in &rows {
        let input = input_of(cells);
        match service::check_new(ctx, who.user, &input).await {
            Ok(plan) => {
                plans.push(plan);
                report.rows.push(TaskImportRow {
                    row: *line,
                    ok: true,
                    errors: Vec::new(),
                    task_id: None,
                    code: None,
                });
            }
            Err(AppError::Validation(errors)) => {
                report.refused += 1;
                report.rows.push(TaskImportRow {
                    row: *line,
                    ok: false,
                    errors: errors
                        .into_iter()
                        .map(|e: FieldError| TaskImportRowError {
                            column: column_of(&e.field, cells),
                            unit: e.field.strip_prefix("unit_").map(str::to_owned),
                            field: e.field,
                            message: e.message,
                        })
                        .collect(),
                    task_id: None,
                    code: None,
                });
            }
            Err(e) => return Err(e),
        }
    }
    if report.refused > 0 {
        return Ok(report);
    }
    let mut tx = ctx.db.begin().await?;
    let mut made = Vec::new();
    for plan in &plans {
        made.push(service::create_planned(ctx, &mut tx, who, plan).await?);
    }
    tx.commit().await?;
    tinhso_kernel::events::committed(ctx);
    for (row, (id, code)) in report.rows.iter_mut().zip(made) {
        row.task_id = Some(id);
        row.code = Some(code);
    }
    report.created = true;
    report.tasks = report.rows.len();
    Ok(report)
}

/// Runs the workbook's reading off the async threads (it is CPU work on up to 5 MB).
async fn tokio_blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("import: {e}")))?
}

/// The template: the header row only, bold and frozen.
pub fn template() -> Result<Response, AppError> {
    tinhso_kernel::tables::xlsx("Nhiệm vụ", "mau-nhap-nhiem-vu", &headers(), &[])
}

// ---- HTTP: the page, the template, the API ----

use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::auth::User;
use tinhso_kernel::auth::platform::PlatformAction;
use tinhso_kernel::error::{ApiResult, PageResult};
use tinhso_kernel::extract::{Caller, Json};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::{Page, form_errors, read_upload, sv};

pub fn routes() -> Routes {
    let entity = Access::Entity("task");
    Routes::new("tasks")
        .get(PAGE, entity, import_form)
        .post(PAGE, entity, import_submit)
        .get(TEMPLATE, entity, template_download)
        .api(entity, utoipa_axum::routes!(import_api))
}

/// Someone of an assigning office that follows at least one authority's tasks; anyone else
/// is told the page does not exist.
async fn importer(ctx: &Ctx, page: &Page) -> Result<User, AppError> {
    tinhso_kernel::auth::platform::may(ctx, &page.principal(), PlatformAction::BackOffice).await?;
    let user = page.require_user()?.clone();
    importer_of(ctx, &user).await?;
    Ok(user)
}

async fn importer_of(ctx: &Ctx, user: &User) -> Result<(), AppError> {
    let office = user.agency_id.as_deref().unwrap_or_default();
    if !crate::policy::may_create(user)
        || crate::store::authorities_of(&ctx.db, office)
            .await?
            .is_empty()
    {
        return Err(AppError::NotFound);
    }
    Ok(())
}

fn render(
    page: &Page,
    status: StatusCode,
    report: Option<&TaskImportReport>,
    errors: Option<&[FieldError]>,
) -> PageResult<Response> {
    let lang = tinhso_kernel::web::i18n::current();
    let report = report.map(|r| {
        let mut r = r.clone();
        for row in &mut r.rows {
            for e in &mut row.errors {
                e.message = tinhso_kernel::web::i18n::message(lang, &e.message);
            }
        }
        r
    });
    let errors = errors.map(form_errors);
    Ok((
        status,
        page.render(
            "tasks_import.html",
            context! { report => report.as_ref().map(sv), errors => errors, columns => COLUMNS.iter().map(|(k, _)| *k).collect::<Vec<_>>() },
        )?,
    )
        .into_response())
}

/// "Nhập nhiệm vụ từ tệp XLSX": the template's link, its columns, the upload form.
async fn import_form(State(ctx): State<Ctx>, page: Page) -> PageResult<Response> {
    importer(&ctx, &page).await?;
    render(&page, StatusCode::OK, None, None)
}

/// The template to fill in.
async fn template_download(State(ctx): State<Ctx>, page: Page) -> PageResult<Response> {
    importer(&ctx, &page).await?;
    Ok(template()?)
}

/// The upload: the report of every row, 422 when nothing was created.
async fn import_submit(
    State(ctx): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    multipart: Multipart,
) -> PageResult<Response> {
    let user = importer(&ctx, &page).await?;
    let who = Who {
        user: &user,
        actor: Actor {
            label: format!("user:{}", user.id),
            ip,
        },
    };
    let outcome = match read_upload(multipart, MAX_BYTES, &[".xlsx"], "XLSX").await {
        Ok(upload) => import(&ctx, &who, &upload.bytes).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(report) if report.created => render(&page, StatusCode::OK, Some(&report), None),
        Ok(report) => render(&page, StatusCode::UNPROCESSABLE_ENTITY, Some(&report), None),
        Err(AppError::Validation(errors)) => {
            render(&page, StatusCode::UNPROCESSABLE_ENTITY, None, Some(&errors))
        }
        Err(e) => Err(e.into()),
    }
}

/// Import tasks from an XLSX workbook of the template (`/office/tasks/import/template.xlsx`;
/// one task a row: title, content, authority, position, lead unit code, supporting unit
/// codes, deadline as a date or N working days, priority, field), sent as the raw body. Every
/// row is checked as a typed task is; if all are good all are created in one transaction
/// (201), else none (422, the report names every refused row). A body that is not the
/// template's XLSX is refused (415 or 400, problem+json).
#[utoipa::path(post, path = "/api/v1/tasks/import", tag = "tasks",
    request_body(content = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        description = "The workbook, at most 5 MB and 500 rows"),
    responses(
        (status = 201, body = TaskImportReport, description = "Every row created"),
        (status = 422, body = TaskImportReport, description = "Nothing created: the refused rows"),
        (status = 400, description = "Not the template, no rows or too many", content_type = "application/problem+json"),
        (status = 415, description = "Not an XLSX workbook", content_type = "application/problem+json"),
        (status = 413, description = "Larger than 5 MB", content_type = "application/problem+json"),
    ),
    security(("bearer" = ["tasks"])))]
pub async fn import_api(
    State(ctx): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<TaskImportReport>)> {
    tinhso_kernel::auth::policy::prelude(&auth.principal, crate::policy::SCOPE, false, false)?;
    let user: &User = auth.require_user()?;
    if !crate::policy::may_create(user) {
        return Err(AppError::Forbidden.into());
    }
    importer_of(&ctx, user)
        .await
        .map_err(|_| AppError::Forbidden)?;
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let not_xlsx = "Gửi tệp XLSX theo mẫu (Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet).";
    if !(media.starts_with(XLSX_TYPE) || media.starts_with("application/octet-stream")) {
        return Err(AppError::UnsupportedMediaType(not_xlsx.into()).into());
    }
    if body.len() > MAX_BYTES {
        return Err(AppError::PayloadTooLarge.into());
    }
    if !body.starts_with(b"PK\x03\x04") {
        return Err(AppError::UnsupportedMediaType(not_xlsx.into()).into());
    }
    let who = Who {
        user,
        actor: Actor {
            label: auth.principal.actor_label(),
            ip,
        },
    };
    let report = match import(&ctx, &who, &body).await {
        Ok(r) => r,
        Err(AppError::Validation(errors)) => {
            let message = errors
                .into_iter()
                .map(|e| e.message)
                .collect::<Vec<_>>()
                .join(" ");
            return Err(AppError::BadRequest(message).into());
        }
        Err(e) => return Err(e.into()),
    };
    let status = if report.created {
        StatusCode::CREATED
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(report)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn a_row_becomes_a_task_with_its_units() {
        let input = input_of(&row(&[
            "Rà soát",
            "Nội dung",
            "000.00.00.H56",
            "Chủ tịch",
            "000.00.14.H56",
            "000.00.60.H56; 000.00.03.H56",
            "31/12/2026",
            "Khẩn",
            "Tư pháp",
        ]));
        assert_eq!(input.position, "chair");
        assert_eq!(input.priority, "urgent");
        let units: Vec<(&str, &str, Option<&str>)> = input
            .units
            .iter()
            .map(|u| (u.agency.as_str(), u.role.as_str(), u.due_date.as_deref()))
            .collect();
        assert_eq!(
            units,
            [
                ("000.00.14.H56", "lead", Some("2026-12-31")),
                ("000.00.60.H56", "supporting", Some("2026-12-31")),
                ("000.00.03.H56", "supporting", Some("2026-12-31")),
            ]
        );
        let input = input_of(&row(&["x", "", "a", "head", "b", "", "15", "", ""]));
        assert_eq!(input.units[0].working_days, Some(15));
        assert_eq!(input.priority, "normal");
        assert_eq!(column_of("unit_b", &row(&["", "", "", "", "b"])), "lead");
        assert_eq!(
            column_of("unit_c", &row(&["", "", "", "", "b"])),
            "supporting"
        );
    }

    #[test]
    fn the_header_must_be_the_templates() {
        let header: Vec<String> = headers().iter().map(|h| h.to_uppercase()).collect();
        assert!(is_header(&header));
        assert!(!is_header(&row(&["title", "content"])));
    }
}
