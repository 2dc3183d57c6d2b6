//! Periodic reports (issue 18 item 3, docs/operations-design.md §6): a scope's report over a
//! Decree 09 window ([`rules`]), its figures read the way the dashboard reads them (the index
//! and its groups, finished dossiers by outcome and by field, the ranking of the agencies
//! below, overdue now: [`crate::dashboard::build`]) plus the counters the report adds
//! (dossiers received, feedback, documents' and tasks' assignments), and the same figures
//! written out as DOCX, PDF and XLSX ([`render`]).

pub mod render;
pub mod rules;
pub mod schedule;

use crate::dashboard::{self, RankRow, Tile};
use crate::index::IndexView;
use crate::store::reports as store;
use chrono::{Datelike, NaiveDate};
use render::{Doc, Part, Value};
use rules::{Kind, ReportError, ReportPeriod};
use serde::Serialize;
use std::collections::BTreeMap;
use tinhso_domain::ops::period::{Basis, Bucket, decompose};
use tinhso_domain::ops::scope::Scope;
use tinhso_kernel::Ctx;
use tinhso_kernel::error::{AppError, FieldError};

/// The counters the report sums over the window for its scope, besides the dashboard's.
const SOURCES: &[&str] = &[
    "dossier.received",
    "dossier.received_online",
    "dossier.finished",
    "feedback.received",
    "feedback.answered",
    "feedback.on_time",
    "feedback.answered_late",
    "feedback.dissatisfied",
    "document.assignment_on_time",
    "document.assignment_late",
    "task.unit_assigned",
    "task.unit_done_on_time",
    "task.unit_done_late",
];

/// One procedure field's dossiers over the window.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldFigures {
    pub code: String,
    pub name: String,
    pub received: i64,
    pub finished: i64,
    pub early: i64,
    /// On time but not early.
    pub on_time: i64,
    pub late: i64,
}

/// A report's figures.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub scope: String,
    pub scope_name: String,
    /// `month`, `quarter`, `6m`, `9m` or `12m`.
    pub kind: String,
    pub year: i32,
    pub number: u32,
    /// `2027-Q2`.
    pub slug: String,
    /// "quý II năm 2027".
    pub title: String,
    /// The Decree 09 window, `YYYY-MM-DD`, both included.
    pub from: String,
    pub to: String,
    /// The day the report was made, and whether the window had closed by then.
    pub made_on: String,
    pub closed: bool,
    pub index: IndexView,
    /// The scope's sums over the window, by source (the [`SOURCES`]).
    pub sums: BTreeMap<String, i64>,
    /// Finished dossiers: early, on time but not early, late, all.
    pub early: i64,
    pub on_time: i64,
    pub late: i64,
    pub finished: i64,
    pub fields: Vec<FieldFigures>,
    pub ranking: Vec<RankRow>,
    pub overdue: Vec<Tile>,
    /// Who issues it and where: the agency and its parent, the province's name.
    pub issuer: String,
    pub issuer_parent: String,
    pub place: String,
}

/// A period's kind, year and number as typed (a page or the API), read into a report period
/// or the 422 naming the field.
pub fn read_period(
    kind: Option<&str>,
    year: Option<&str>,
    number: Option<&str>,
    today: NaiveDate,
) -> Result<ReportPeriod, AppError> {
    let bad = |e: ReportError| AppError::Validation(vec![FieldError::new(e.field(), e.vi())]);
    let kind = Kind::parse(kind.unwrap_or("")).ok_or_else(|| bad(ReportError::Kind))?;
    let year: i32 = match year.filter(|y| !y.is_empty()) {
        None => today.year(),
        Some(y) => y.parse().map_err(|_| {
            AppError::Validation(vec![FieldError::new(
                "year",
                "Năm cần là một số, ví dụ 2027.",
            )])
        })?,
    };
    let number = match number.filter(|n| !n.is_empty()) {
        None => None,
        Some(n) => Some(n.parse::<u32>().map_err(|_| {
            AppError::Validation(vec![FieldError::new(
                "number",
                "Tháng hoặc quý cần là một số.",
            )])
        })?),
    };
    ReportPeriod::new(kind, year, number, today).map_err(bad)
}

/// The report of `scope` (already checked as held) for `period`, made on `today`.
pub async fn build(
    ctx: &Ctx,
    scope: &Scope,
    period: ReportPeriod,
    today: NaiveDate,
) -> Result<Report, AppError> {
    let window = period.window();
    let name = period.period().to_string();
    let d = dashboard::build(ctx, scope, &name, Basis::Decree09, today).await?;
    let key = scope.key();
    let mut tx = ctx.db.begin().await?;
    let sums = crate::store::index::sum_sources(&mut tx, &key, window, SOURCES).await?;
    tx.commit().await?;

    // Received and finished by field, over the window's Decree 09 months.
    let months: Vec<(&'static str, String)> = decompose(window)
        .into_iter()
        .filter(|b| !matches!(b, Bucket::Day(_)))
        .map(crate::store::dashboard::bucket_key)
        .collect();
    let mut by_field: BTreeMap<String, [i64; 2]> = BTreeMap::new();
    for (field, source, n) in crate::store::dashboard::by_key(
        &ctx.db,
        &key,
        &months,
        &["dossier.received", "dossier.finished"],
    )
    .await?
    {
        let e = by_field.entry(field).or_default();
        if source == "dossier.received" {
            e[0] += n;
        } else {
            e[1] += n;
        }
    }
    for f in &d.fields {
        by_field.entry(f.key.clone()).or_default();
    }
    let names = store::field_names(&ctx.db).await?;
    let fields = by_field
        .into_iter()
        .map(|(code, [received, finished])| {
            let o = d.fields.iter().find(|f| f.key == code).map(|f| &f.outcomes);
            FieldFigures {
                name: names.get(&code).cloned().unwrap_or_default(),
                received,
                finished,
                early: o.map_or(0, |o| o.early),
                on_time: o.map_or(0, |o| o.on_time),
                late: o.map_or(0, |o| o.late),
                code,
            }
        })
        .filter(|f| f.received + f.finished + f.early + f.on_time + f.late > 0)
        .collect();

    let (issuer, issuer_parent) = match scope {
        Scope::Agency(id) => store::agency_names(&ctx.db, id).await?,
        Scope::Unit(code) => match crate::store::dashboard::unit_committee(&ctx.db, code)
            .await?
            .0
        {
            Some(c) => store::agency_names(&ctx.db, &c).await?,
            None => (d.scope_name.clone(), String::new()),
        },
        Scope::Province => match store::top_agency(&ctx.db).await? {
            Some(top) => store::agency_names(&ctx.db, &top).await?,
            None => (d.scope_name.clone(), String::new()),
        },
    };
    let place = store::province_name(&ctx.db)
        .await?
        .map(|p| {
            p.trim_start_matches("Tỉnh ")
                .trim_start_matches("Thành phố ")
                .to_owned()
        })
        .unwrap_or_default();
    Ok(Report {
        scope: key,
        scope_name: d.scope_name,
        kind: period.kind.as_str().to_owned(),
        year: period.year,
        number: period.number,
        slug: period.slug(),
        title: period.title_vi(),
        from: window.from.to_string(),
        to: window.to.to_string(),
        made_on: today.to_string(),
        closed: period.closed(today),
        index: d.index,
        sums,
        early: d.outcomes.early,
        on_time: d.outcomes.on_time,
        late: d.outcomes.late,
        finished: d.outcomes.total,
        fields,
        ranking: d.ranking,
        overdue: d.overdue,
        issuer,
        issuer_parent,
        place,
    })
}

/// `2027-06-14` as `14/06/2027`.
fn vn(day: &str) -> String {
    NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_else(|_| day.to_owned())
}

/// A share in per cent with two decimals, `None` without a denominator.
fn share(n: i64, of: i64) -> Option<f64> {
    (of > 0).then(|| (n as f64 * 10000.0 / of as f64).round() / 100.0)
}

fn int(n: i64) -> Value {
    Value::Int(n)
}

fn text(s: impl Into<String>) -> Value {
    Value::Text(s.into())
}

/// How the overdue tiles are named in the report.
fn overdue_name(source: &str) -> &'static str {
    match source {
        "dossier.open" => "Hồ sơ thủ tục hành chính",
        "feedback.open" => "Phản ánh, kiến nghị",
        "document.assignment_open" => "Văn bản đến được giao xử lý",
        "task.unit_open" => "Nhiệm vụ được giao",
        _ => "Khác",
    }
}

/// The report laid out as a provincial report (Decree 30/2020 header, tables, charts).
pub fn document(r: &Report) -> Doc {
    let s = |name: &str| r.sums.get(name).copied().unwrap_or(0);
    let made = NaiveDate::parse_from_str(&r.made_on, "%Y-%m-%d").ok();
    let place_date = match made {
        Some(d) => format!(
            "{}, ngày {} tháng {} năm {}",
            if r.place.is_empty() { "…" } else { &r.place },
            d.day(),
            d.month(),
            d.year()
        ),
        None => String::new(),
    };
    let mut parts = vec![Part::Paragraph(format!(
        "Phạm vi báo cáo: {}. Số liệu từ ngày {} đến ngày {} (kỳ báo cáo theo Nghị định số 09/2019/NĐ-CP), tổng hợp từ hệ thống Tỉnh Số.",
        r.scope_name,
        vn(&r.from),
        vn(&r.to)
    ))];
    if !r.closed {
        parts.push(Part::Paragraph(format!(
            "Kỳ báo cáo chưa kết thúc: số liệu tính đến ngày {}.",
            vn(&r.made_on)
        )));
    }

    // I. The index.
    parts.push(Part::Heading(
        "I. CHỈ SỐ PHỤC VỤ NGƯỜI DÂN, DOANH NGHIỆP (Quyết định số 766/QĐ-TTg)".into(),
    ));
    parts.push(Part::Paragraph(format!(
        "Tổng điểm: {} / 100 điểm ({}).",
        Value::Num(Some(r.index.total)).text(),
        r.index.version_title
    )));
    parts.push(Part::Table {
        sheet: "Chỉ số".into(),
        headers: vec![
            "Nhóm chỉ số".into(),
            "Điểm tối đa".into(),
            "Điểm đạt".into(),
            "Tỷ lệ đạt (%)".into(),
        ],
        rows: r
            .index
            .groups
            .iter()
            .map(|g| {
                vec![
                    text(&g.title),
                    Value::Num(Some(g.weight)),
                    Value::Num(g.points),
                    Value::Num(g.points.map(|p| (p * 10000.0 / g.weight).round() / 100.0)),
                ]
            })
            .collect(),
    });
    parts.push(Part::Chart {
        label_header: "Nhóm chỉ số".into(),
        value_header: "Tỷ lệ đạt (%)".into(),
        bars: r
            .index
            .groups
            .iter()
            .map(|g| {
                let p = g.points.unwrap_or(0.0);
                (g.title.clone(), (p * 10000.0 / g.weight).round() / 100.0)
            })
            .collect(),
        max: 100.0,
    });

    // II. Dossiers.
    parts.push(Part::Heading(
        "II. TIẾP NHẬN VÀ GIẢI QUYẾT HỒ SƠ THỦ TỤC HÀNH CHÍNH".into(),
    ));
    let in_time = r.early + r.on_time;
    parts.push(Part::Table {
        sheet: "Hồ sơ".into(),
        headers: vec!["Chỉ tiêu".into(), "Số hồ sơ".into()],
        rows: vec![
            vec![text("Hồ sơ tiếp nhận"), int(s("dossier.received"))],
            vec![
                text("Trong đó: tiếp nhận trực tuyến"),
                int(s("dossier.received_online")),
            ],
            vec![text("Hồ sơ đã giải quyết"), int(r.finished)],
            vec![text("Giải quyết trước hạn"), int(r.early)],
            vec![text("Giải quyết đúng hạn"), int(r.on_time)],
            vec![text("Giải quyết quá hạn"), int(r.late)],
            vec![
                text("Tỷ lệ giải quyết trước và đúng hạn (%)"),
                Value::Num(share(in_time, r.finished)),
            ],
        ],
    });
    parts.push(Part::Paragraph("Hồ sơ theo lĩnh vực:".into()));
    parts.push(Part::Table {
        sheet: "Theo lĩnh vực".into(),
        headers: vec![
            "Mã lĩnh vực".into(),
            "Lĩnh vực".into(),
            "Tiếp nhận".into(),
            "Đã giải quyết".into(),
            "Trước hạn".into(),
            "Đúng hạn".into(),
            "Quá hạn".into(),
        ],
        rows: r
            .fields
            .iter()
            .map(|f| {
                vec![
                    text(&f.code),
                    text(&f.name),
                    int(f.received),
                    int(f.finished),
                    int(f.early),
                    int(f.on_time),
                    int(f.late),
                ]
            })
            .collect(),
    });

    // III. Feedback; IV. documents and tasks.
    parts.push(Part::Heading(
        "III. TIẾP NHẬN, XỬ LÝ PHẢN ÁNH, KIẾN NGHỊ".into(),
    ));
    parts.push(Part::Table {
        sheet: "Phản ánh".into(),
        headers: vec!["Chỉ tiêu".into(), "Số lượng".into()],
        rows: vec![
            vec![
                text("Phản ánh, kiến nghị tiếp nhận"),
                int(s("feedback.received")),
            ],
            vec![text("Đã trả lời"), int(s("feedback.answered"))],
            vec![text("Trả lời đúng hạn"), int(s("feedback.on_time"))],
            vec![text("Trả lời quá hạn"), int(s("feedback.answered_late"))],
            vec![
                text("Người phản ánh không hài lòng"),
                int(s("feedback.dissatisfied")),
            ],
        ],
    });
    parts.push(Part::Heading(
        "IV. XỬ LÝ VĂN BẢN VÀ THỰC HIỆN NHIỆM VỤ".into(),
    ));
    parts.push(Part::Table {
        sheet: "Văn bản, nhiệm vụ".into(),
        headers: vec![
            "Chỉ tiêu".into(),
            "Đúng hạn".into(),
            "Quá hạn".into(),
            "Tổng".into(),
        ],
        rows: vec![
            vec![
                text("Văn bản đến được giao xử lý, đã hoàn thành"),
                int(s("document.assignment_on_time")),
                int(s("document.assignment_late")),
                int(s("document.assignment_on_time") + s("document.assignment_late")),
            ],
            vec![
                text("Nhiệm vụ được giao, đã hoàn thành"),
                int(s("task.unit_done_on_time")),
                int(s("task.unit_done_late")),
                int(s("task.unit_done_on_time") + s("task.unit_done_late")),
            ],
        ],
    });
    parts.push(Part::Paragraph(format!(
        "Nhiệm vụ được giao trong kỳ: {}.",
        s("task.unit_assigned")
    )));

    // V. The ranking; VI. overdue now.
    if !r.ranking.is_empty() {
        parts.push(Part::Heading(
            "V. XẾP HẠNG CÁC CƠ QUAN, ĐƠN VỊ TRỰC THUỘC".into(),
        ));
        parts.push(Part::Table {
            sheet: "Xếp hạng".into(),
            headers: vec![
                "Hạng".into(),
                "Mã".into(),
                "Cơ quan, đơn vị".into(),
                "Điểm chỉ số".into(),
                "Hồ sơ đã giải quyết".into(),
            ],
            rows: r
                .ranking
                .iter()
                .map(|x| {
                    vec![
                        text(match x.place {
                            Some(p) => p.to_string(),
                            None if x.small => "Chưa đủ số liệu".to_owned(),
                            None => "–".to_owned(),
                        }),
                        text(&x.code),
                        text(&x.name),
                        Value::Num(x.total),
                        int(x.volume),
                    ]
                })
                .collect(),
        });
        let ranked: Vec<(String, f64)> = r
            .ranking
            .iter()
            .filter(|x| x.place.is_some())
            .map(|x| (x.name.clone(), x.total.unwrap_or(0.0)))
            .collect();
        if !ranked.is_empty() {
            parts.push(Part::Chart {
                label_header: "Cơ quan, đơn vị".into(),
                value_header: "Điểm chỉ số".into(),
                bars: ranked,
                max: 100.0,
            });
        }
    }
    parts.push(Part::Heading(format!(
        "VI. VIỆC QUÁ HẠN TẠI NGÀY {}",
        vn(&r.made_on)
    )));
    parts.push(Part::Table {
        sheet: "Quá hạn".into(),
        headers: vec!["Loại việc".into(), "Số việc quá hạn".into()],
        rows: r
            .overdue
            .iter()
            .map(|t| vec![text(overdue_name(&t.source)), int(t.n)])
            .collect(),
    });

    Doc {
        issuer_parent: r.issuer_parent.clone(),
        issuer: r.issuer.clone(),
        number: "Số:      /BC".into(),
        place_date,
        title: "BÁO CÁO".into(),
        subtitle: format!(
            "Kết quả giải quyết thủ tục hành chính và phục vụ người dân, doanh nghiệp {}",
            r.title
        ),
        parts,
    }
}

/// The formats a report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Docx,
    Pdf,
    Xlsx,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "docx" => Some(Format::Docx),
            "pdf" => Some(Format::Pdf),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    pub fn ext(self) -> &'static str {
        match self {
            Format::Docx => "docx",
            Format::Pdf => "pdf",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            Format::Pdf => "application/pdf",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// The report's file name: `bao-cao-2027-Q2-p.docx`.
pub fn file_name(r: &Report, f: Format) -> String {
    let scope: String = r
        .scope
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("bao-cao-{}-{scope}.{}", r.slug, f.ext())
}

/// The report written in `format`.
pub fn write(r: &Report, format: Format) -> Result<Vec<u8>, AppError> {
    let doc = document(r);
    match format {
        Format::Docx => render::docx(&doc),
        Format::Pdf => render::pdf(&doc),
        Format::Xlsx => render::xlsx(&doc),
    }
    .map_err(AppError::Internal)
}
