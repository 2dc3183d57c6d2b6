//! The registers of Decree 30/2020 (sổ đăng ký văn bản đi, sổ đăng ký văn bản đến) of the
//! caller's agency for a period, as PDF and XLSX, with the columns of the Decree's appendix:
//! outgoing — number and notation, date, type and summary, signer, recipients, the unit keeping
//! the filed copy, copies, date sent, receipt signature, notes; incoming — arrival date,
//! arrival number, author, number and notation, date, type and summary, unit or person
//! handling, date passed on, receipt signature, notes. For the agency's document clerks and
//! leaders. The PDF sets the columns as a ruled table; every text cell of the workbook is
//! neutralised against formulas.

pub mod store;

use crate::{Direction, Document, State};
use axum::extract::State as AxumState;
use axum::response::Response;
use chrono::{Datelike, Months, NaiveDate};
use serde::Deserialize;
use tinhso_documents::{Block, Cell, FormDocument};
use tinhso_domain::official_doc::Urgency;
use tinhso_domain::official_doc::incoming::IncomingState;
use tinhso_domain::official_doc::outgoing::OutgoingState;
use tinhso_kernel::Ctx;
use tinhso_kernel::auth::policy::prelude;
use tinhso_kernel::error::{ApiResult, AppError};
use tinhso_kernel::extract::{Caller, Path, Query};

/// The longest period a register covers.
pub const MAX_YEARS: u32 = 5;
/// The most entries one export holds: a longer register is asked for in shorter periods.
pub const MAX_ENTRIES: i64 = 20_000;

pub const OUT_HEADERS: [&str; 10] = [
    "Số, ký hiệu văn bản",
    "Ngày tháng văn bản",
    "Tên loại và trích yếu nội dung văn bản",
    "Người ký",
    "Nơi nhận văn bản",
    "Đơn vị, người nhận bản lưu",
    "Số lượng bản",
    "Ngày chuyển",
    "Ký nhận",
    "Ghi chú",
];

pub const IN_HEADERS: [&str; 10] = [
    "Ngày đến",
    "Số đến",
    "Tác giả",
    "Số, ký hiệu",
    "Ngày tháng",
    "Tên loại và trích yếu nội dung",
    "Đơn vị hoặc người nhận",
    "Ngày chuyển",
    "Ký nhận",
    "Ghi chú",
];

/// The period asked for.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Period {
    /// First day, `YYYY-MM-DD`; 1 January of this year when empty.
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD`; today when empty.
    pub to: Option<String>,
}

/// The period `from`..=`to`: refused when it runs backwards or is longer than 5 years.
pub fn period(p: &Period, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), AppError> {
    let parse = |text: Option<&str>, field: &str, default: NaiveDate| match text
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        None => Ok(default),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .ok()
            .filter(|d| (1900..=9999).contains(&d.year()))
            .ok_or_else(|| AppError::validation(field, "Ngày có dạng YYYY-MM-DD.")),
    };
    let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    let from = parse(p.from.as_deref(), "from", year_start)?;
    let to = parse(p.to.as_deref(), "to", today)?;
    if to < from {
        return Err(AppError::validation(
            "to",
            "Ngày cuối của kỳ không được trước ngày đầu.",
        ));
    }
    let limit = from
        .checked_add_months(Months::new(12 * MAX_YEARS))
        .unwrap_or(NaiveDate::MAX);
    if to >= limit {
        return Err(AppError::validation(
            "to",
            "Sổ đăng ký văn bản in cho kỳ tối đa 5 năm.",
        ));
    }
    Ok((from, to))
}

fn vn_date(iso: Option<&str>) -> String {
    iso.and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_default()
}

fn number(d: &Document) -> String {
    match (&d.code_number, &d.code_notation) {
        (Some(n), Some(t)) => format!("{n}/{t}"),
        (Some(n), None) => n.clone(),
        _ => String::new(),
    }
}

fn type_and_subject(d: &Document) -> String {
    format!("{}: {}", d.doc_type.name_vi(), d.subject)
}

fn urgency_note(d: &Document) -> Option<&'static str> {
    match d.urgency {
        Urgency::Normal => None,
        Urgency::Urgent => Some("Khẩn"),
        Urgency::VeryUrgent => Some("Thượng khẩn"),
        Urgency::Flash => Some("Hỏa tốc"),
    }
}

/// The notes column: the urgency, a recall or replacement, how an arrival came.
fn note(d: &Document) -> String {
    let mut notes: Vec<&str> = urgency_note(d).into_iter().collect();
    match d.state {
        State::Out(OutgoingState::Recalled) | State::In(IncomingState::Recalled) => {
            notes.push("Đã thu hồi")
        }
        State::Out(OutgoingState::Replaced) => notes.push("Đã được thay thế"),
        _ => {}
    }
    if d.direction == Direction::In {
        notes.push(match d.source.as_deref() {
            Some("platform") => "Nhận qua hệ thống",
            Some("email") => "Nhận qua thư điện tử",
            Some("scan") => "Bản quét",
            _ => "Bản giấy",
        });
    }
    notes.join("; ")
}

/// One line of the register, as texts in the columns' order (numbers kept apart for XLSX).
#[derive(Debug, Clone)]
pub struct Line {
    pub cells: Vec<String>,
    /// Columns written as numbers in the workbook: (column, value).
    pub numbers: Vec<(usize, f64)>,
}

/// The Vietnam date of a stored UTC time.
fn local_date(utc: &str) -> String {
    tinhso_kernel::time::parse(utc)
        .map(|t| {
            t.with_timezone(&tinhso_kernel::time::vietnam())
                .date_naive()
        })
        .map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_default()
}

async fn out_line(state: &Ctx, d: &Document) -> Result<Line, AppError> {
    let recipients = crate::store::recipients(&state.db, &d.id).await?;
    let sent = recipients
        .iter()
        .filter_map(|r| r.delivered_at.as_deref())
        .min()
        .map(local_date)
        .unwrap_or_default();
    let to = recipients
        .iter()
        .map(|r| r.name.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    let keeper = match d.drafting_unit_id.as_deref() {
        Some(unit) => tinhso_directory::store::by_id(&state.db, unit)
            .await?
            .map(|a| a.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let signer = [d.signer_position.as_str(), d.signer_full_name.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Line {
        cells: vec![
            number(d),
            vn_date(d.issued_date.as_deref()),
            type_and_subject(d),
            signer,
            to,
            keeper,
            d.issued_amount.to_string(),
            sent,
            String::new(),
            note(d),
        ],
        numbers: vec![(6, d.issued_amount as f64)],
    })
}

fn in_line(d: &Document) -> Line {
    let arrival = d.reg_number.unwrap_or_default();
    Line {
        cells: vec![
            vn_date(d.arrival_date.as_deref()),
            arrival.to_string(),
            d.organ_name.clone(),
            number(d),
            vn_date(d.issued_date.as_deref()),
            type_and_subject(d),
            String::new(),
            String::new(),
            String::new(),
            note(d),
        ],
        numbers: vec![(1, arrival as f64)],
    }
}

/// A register ready to render.
pub struct Register {
    pub direction: Direction,
    pub agency_name: String,
    pub parent_name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub lines: Vec<Line>,
}

impl Register {
    fn title(&self) -> &'static str {
        match self.direction {
            Direction::Out => "SỔ ĐĂNG KÝ VĂN BẢN ĐI",
            Direction::In => "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN",
        }
    }

    fn headers(&self) -> &'static [&'static str; 10] {
        match self.direction {
            Direction::Out => &OUT_HEADERS,
            Direction::In => &IN_HEADERS,
        }
    }

    /// The register as an A4 PDF: the Decree's columns as a ruled table, one row per entry.
    pub fn pdf(&self) -> Result<Vec<u8>, AppError> {
        let mut blocks = vec![Block::Paragraph(format!(
            "Từ ngày {} đến ngày {}. Số văn bản: {}.",
            self.from.format("%d/%m/%Y"),
            self.to.format("%d/%m/%Y"),
            self.lines.len()
        ))];
        blocks.push(Block::Table {
            headers: self.headers().iter().map(|h| (*h).to_owned()).collect(),
            rows: self.lines.iter().map(|l| l.cells.clone()).collect(),
        });
        if self.lines.is_empty() {
            blocks.push(Block::Paragraph("Không có văn bản nào trong kỳ.".into()));
        }
        tinhso_documents::form_pdf(&FormDocument {
            issuer_parent: self.parent_name.clone(),
            issuer: self.agency_name.clone(),
            title: self.title().into(),
            blocks,
            ..FormDocument::default()
        })
        .map_err(|e| AppError::Internal(e.into()))
    }

    /// The register as a one-sheet workbook, every text cell neutralised against formulas.
    pub fn xlsx(&self) -> Result<Vec<u8>, AppError> {
        let rows: Vec<Vec<Cell>> = self
            .lines
            .iter()
            .map(|line| {
                line.cells
                    .iter()
                    .enumerate()
                    .map(
                        |(i, text)| match line.numbers.iter().find(|(c, _)| *c == i) {
                            Some((_, n)) => Cell::Number(*n),
                            None => Cell::Text(
                                tinhso_domain::spreadsheet::neutralize(text).into_owned(),
                            ),
                        },
                    )
                    .collect()
            })
            .collect();
        let sheet = match self.direction {
            Direction::Out => "Sổ văn bản đi",
            Direction::In => "Sổ văn bản đến",
        };
        tinhso_documents::xlsx(sheet, self.headers(), &rows)
            .map_err(|e| AppError::Internal(e.into()))
    }
}

/// Builds the register of `agency_id` for the period.
pub async fn build(
    state: &Ctx,
    agency_id: &str,
    direction: Direction,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Register, AppError> {
    let (f, t) = (from.to_string(), to.to_string());
    let docs = match direction {
        Direction::Out => store::issued(&state.db, agency_id, &f, &t, MAX_ENTRIES + 1).await?,
        Direction::In => store::received(&state.db, agency_id, &f, &t, MAX_ENTRIES + 1).await?,
    };
    if docs.len() as i64 > MAX_ENTRIES {
        return Err(AppError::validation(
            "from",
            "Kỳ này có quá nhiều văn bản cho một tệp: hãy chọn kỳ ngắn hơn.",
        ));
    }
    let mut lines = Vec::with_capacity(docs.len());
    for d in &docs {
        lines.push(match direction {
            Direction::Out => out_line(state, d).await?,
            Direction::In => in_line(d),
        });
    }
    let agency = tinhso_directory::store::by_id(&state.db, agency_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let parent_name = match agency.parent_id.as_deref() {
        Some(p) => tinhso_directory::store::by_id(&state.db, p)
            .await?
            .map(|a| a.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok(Register {
        direction,
        agency_name: agency.name,
        parent_name,
        from,
        to,
        lines,
    })
}

const PDF: &str = "application/pdf";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The outgoing (`out`) or incoming (`in`) register of the caller's agency for a period, as
/// `out.pdf`, `out.xlsx`, `in.pdf` or `in.xlsx`: the documents numbered (issued) or registered
/// (arrived) from `from` to `to` (at most 5 years), in the order of their numbers. For the
/// agency's document clerks and leaders.
#[utoipa::path(get, path = "/api/v1/documents/registers/{file}", tag = "documents",
    params(("file" = String, Path, description = "`out.pdf`, `out.xlsx`, `in.pdf` or `in.xlsx`"), Period),
    responses((status = 200, description = "The register",
            content(("application/pdf"), ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 403, description = "Not a document clerk or leader of an agency", content_type = "application/problem+json"),
        (status = 404, description = "No such register file", content_type = "application/problem+json"),
        (status = 422, description = "Invalid period: not a date, backwards, or longer than 5 years", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn register_file(
    AxumState(state): AxumState<Ctx>,
    Caller(auth): Caller,
    Path(file): Path<String>,
    Query(p): Query<Period>,
) -> ApiResult<Response> {
    prelude(&auth.principal, crate::policy::SCOPE, false, false)?;
    let user = auth.require_user()?;
    let f = file_for(&state, user, &file, &p).await?;
    Ok(tinhso_kernel::web::download(f.media_type, &f.name, f.bytes))
}

/// A register rendered for download.
pub struct RegisterFile {
    pub media_type: &'static str,
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The register `file` (`out.pdf`, `out.xlsx`, `in.pdf` or `in.xlsx`) of `user`'s agency for
/// the period: for its document clerks and leaders (the API and the registers page).
pub async fn file_for(
    state: &Ctx,
    user: &tinhso_kernel::auth::User,
    file: &str,
    p: &Period,
) -> Result<RegisterFile, AppError> {
    if !crate::work_files::policy::reads_registers(user) {
        return Err(AppError::Forbidden);
    }
    let (direction, media_type) = match file {
        "out.pdf" => (Direction::Out, PDF),
        "out.xlsx" => (Direction::Out, XLSX),
        "in.pdf" => (Direction::In, PDF),
        "in.xlsx" => (Direction::In, XLSX),
        _ => return Err(AppError::NotFound),
    };
    let (from, to) = period(p, tinhso_kernel::time::local_now().date())?;
    let agency = user.agency_id.as_deref().ok_or(AppError::Forbidden)?;
    let register = build(state, agency, direction, from, to).await?;
    let bytes = if media_type == PDF {
        register.pdf()?
    } else {
        register.xlsx()?
    };
    let stem = match direction {
        Direction::Out => "so-van-ban-di",
        Direction::In => "so-van-ban-den",
    };
    let ext = if media_type == PDF { "pdf" } else { "xlsx" };
    Ok(RegisterFile {
        media_type,
        name: format!("{stem}-{from}-{to}.{ext}"),
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn p(from: &str, to: &str) -> Period {
        Period {
            from: Some(from.into()),
            to: Some(to.into()),
        }
    }

    fn sample(direction: Direction, n: usize) -> Register {
        let lines = (1..=n)
            .map(|i| Line {
                cells: vec![
                    format!("{i:02}/QĐ-STP"),
                    "28/11/2026".into(),
                    format!("Quyết định: Quyết định số {i} về việc phê duyệt kế hoạch phổ biến, giáo dục pháp luật năm 2027"),
                    "Giám đốc Hoàng Văn Bình".into(),
                    "Ủy ban nhân dân phường Hạc Thành; Lưu: VT, HCTP".into(),
                    "Phòng Hành chính tư pháp".into(),
                    "1".into(),
                    "28/11/2026".into(),
                    String::new(),
                    "Khẩn".into(),
                ],
                numbers: vec![(6, 1.0)],
            })
            .collect();
        Register {
            direction,
            agency_name: "Sở Tư pháp".into(),
            parent_name: "Ủy ban nhân dân tỉnh Thanh Hóa".into(),
            from: day(2026, 1, 1),
            to: day(2026, 11, 28),
            lines,
        }
    }

    #[test]
    fn a_register_renders_as_a_table_and_a_workbook() {
        let register = sample(Direction::Out, 40);
        let pdf = register.pdf().unwrap();
        let doc = lopdf::Document::load_mem(&pdf).unwrap();
        let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
        assert!(pages.len() > 1, "40 entries run over pages");
        let text = doc.extract_text(&pages).unwrap();
        for expected in [
            "SỔ ĐĂNG KÝ VĂN BẢN ĐI",
            "Người ký",
            "01/QĐ-STP",
            "40/QĐ-STP",
        ] {
            assert!(text.contains(expected), "{expected}");
        }
        let xlsx = register.xlsx().unwrap();
        assert!(xlsx.starts_with(b"PK"));
        assert!(sample(Direction::In, 0).pdf().is_ok());
    }

    #[test]
    fn periods_run_forward_and_at_most_five_years() {
        let today = day(2026, 11, 28);
        assert_eq!(
            period(&Period::default(), today).unwrap(),
            (day(2026, 1, 1), today)
        );
        assert_eq!(
            period(&p("2021-11-29", "2026-11-28"), today).unwrap(),
            (day(2021, 11, 29), today)
        );
        assert!(period(&p("2021-11-28", "2026-11-28"), today).is_err());
        assert!(period(&p("2026-11-02", "2026-11-01"), today).is_err());
        assert!(period(&p("2026-13-01", "2026-11-01"), today).is_err());
        assert!(period(&p("2026-11-01", "2026-11-01"), today).is_ok());
    }
}
