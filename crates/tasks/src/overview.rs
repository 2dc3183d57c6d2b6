//! The assigning office's overview and the units' ranking (docs/tasks-design.md §5, slice 4).
//!
//! - Overview: the tasks an office follows (and, for an authority's leaders, those their
//!   agency assigned) over a period, filtered by authority, unit, field and bucket; per unit the
//!   Government Office's four buckets judged on the period's last day (or today, if sooner)
//!   with `judged_due_on` (`tinhso_domain::task::deadline::bucket`, counted in SQL by
//!   [`crate::store::overview`]), with totals and the assignments as links.
//! - Ranking: a year's tallies per (unit, priority, bucket) scored and ranked by
//!   `tinhso_domain::task::ranking::rank_tallies` with the rules in force on the day judged,
//!   which are printed with it. Rules are data (`task_rules`): the office reads them; a system
//!   administrator or a leader of the office sets new ones from a day on, audited, with an
//!   event.
//! - XLSX (every text cell neutralised against formulas) and PDF (a ruled table) of both, with
//!   the registers' writers (`tinhso_documents`).
//!
//! Who sees what: an official of an office that follows some authority's tasks (its leaders,
//! specialists and document clerks), and the leaders of an authority that assigned tasks or has
//! an office. Anyone else is told the page does not exist.

use crate::events;
use crate::store::overview::{self as db, Filter, RulesRow, Scope};
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tinhso_documents::{Block, Cell, FormDocument};
use tinhso_domain::task::deadline::Bucket;
use tinhso_domain::task::ranking::{self, Priority, RankingRules, Tally};
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::auth::{Role, User};
use tinhso_kernel::error::{AppError, FieldError};
use tinhso_kernel::events::{NewEvent, emit};

/// The four buckets in the Government Office's order (the columns of every table).
pub const BUCKETS: [Bucket; 4] = [
    Bucket::DoneOnTime,
    Bucket::DoneLate,
    Bucket::OpenWithinDeadline,
    Bucket::OpenOverdue,
];

/// The most assignments the overview lists under its table.
pub const LIST_LIMIT: i64 = 200;

/// The longest period, in years.
const MAX_YEARS: u32 = 5;

/// Who is looking, and over whose tasks.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub agency_id: String,
    /// Of an office that follows an authority's tasks.
    pub office: bool,
    /// A leader of an authority that assigns tasks.
    pub leader: bool,
    /// May set new ranking rules.
    pub sets_rules: bool,
}

impl Viewer {
    pub fn scope(&self) -> Scope<'_> {
        Scope {
            agency_id: &self.agency_id,
            office: self.office,
            leader: self.leader,
        }
    }
}

/// The overview's and ranking's viewer, or `None` for everyone else (who get a 404).
pub async fn viewer(ctx: &Ctx, user: &User) -> Result<Option<Viewer>, AppError> {
    let Some(agency) = user.agency_id.as_deref().filter(|_| user.is_official()) else {
        return Ok(None);
    };
    let (is_office, is_authority) = db::roles_of(&ctx.db, agency).await?;
    let office = is_office && crate::policy::follows(user, agency);
    let leader = is_authority && user.has_role(Role::Leader);
    if !office && !leader {
        return Ok(None);
    }
    Ok(Some(Viewer {
        agency_id: agency.to_owned(),
        office,
        leader,
        sets_rules: user.has_role(Role::SystemAdmin) || (office && user.has_role(Role::Leader)),
    }))
}

/// The viewer, or a 404.
pub async fn required(ctx: &Ctx, user: &User) -> Result<Viewer, AppError> {
    viewer(ctx, user).await?.ok_or(AppError::NotFound)
}

/// Whether `user` may read the ranking rules (the overview's viewers and system
/// administrators), and whether they may set new ones.
pub async fn rules_access(ctx: &Ctx, user: &User) -> Result<(bool, bool), AppError> {
    let admin = user.has_role(Role::SystemAdmin);
    match viewer(ctx, user).await? {
        Some(v) => Ok((true, v.sets_rules)),
        None => Ok((admin, admin)),
    }
}

/// The overview's filters as typed (query string or form); every one optional.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverviewQuery {
    /// The assigning authority's agency code; all in scope when empty.
    #[param(max_length = 64)]
    pub authority: Option<String>,
    /// A unit's agency code; all when empty.
    #[param(max_length = 64)]
    pub unit: Option<String>,
    /// The field (lĩnh vực), exactly as given to the tasks.
    #[param(max_length = 200)]
    pub field: Option<String>,
    /// A year (2000–2100): 1 January to 31 December. Ignored when `from` or `to` is given.
    #[param(pattern = r"^(\d{4})?$")]
    pub year: Option<String>,
    /// Tasks assigned from this day, `YYYY-MM-DD`; 1 January of this year when empty.
    #[param(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub from: Option<String>,
    /// Tasks assigned up to this day, `YYYY-MM-DD` (at most 5 years after `from`); today when
    /// empty. The buckets are judged on this day, or today if sooner.
    #[param(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub to: Option<String>,
    /// One bucket only: `done_on_time`, `done_late`, `open_within_deadline` or `open_overdue`.
    #[param(pattern = "^(done_on_time|done_late|open_within_deadline|open_overdue)?$")]
    pub status: Option<String>,
}

fn text(v: &Option<String>) -> &str {
    v.as_deref().map(str::trim).unwrap_or_default()
}

fn parse_year(text: &str, field: &str) -> Result<i32, AppError> {
    text.parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| AppError::validation(field, "Năm phải từ 2000 đến 2100."))
}

fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default(),
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default(),
    )
}

/// The period asked: `from`/`to`, else a `year`, else this year up to today. Refused when it
/// runs backwards or is longer than five years.
pub fn period(q: &OverviewQuery, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), AppError> {
    let day = |t: &str, field: &str| {
        NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .ok()
            .filter(|d| (2000..=2100).contains(&d.year()))
            .ok_or_else(|| AppError::validation(field, "Ngày có dạng YYYY-MM-DD, năm 2000–2100."))
    };
    let (from_text, to_text) = (text(&q.from), text(&q.to));
    let (from, to) = if from_text.is_empty() && to_text.is_empty() {
        match text(&q.year) {
            "" => (year_bounds(today.year()).0, today),
            y => year_bounds(parse_year(y, "year")?),
        }
    } else {
        let from = match from_text {
            "" => year_bounds(today.year()).0,
            t => day(t, "from")?,
        };
        let to = match to_text {
            "" => today,
            t => day(t, "to")?,
        };
        (from, to)
    };
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
        return Err(AppError::validation("to", "Kỳ tổng hợp tối đa 5 năm."));
    }
    Ok((from, to))
}

/// The overview's filter resolved against the directory, with what it names for the page.
#[derive(Debug, Clone, Serialize)]
pub struct Resolved {
    pub from: String,
    pub to: String,
    pub as_of: String,
    pub authority: Option<String>,
    pub unit: Option<String>,
    pub field: Option<String>,
    pub status: Option<String>,
    #[serde(skip)]
    pub filter: Filter,
}

/// Resolves the filters: unknown agencies and buckets are refused on their field.
pub async fn resolve(ctx: &Ctx, q: &OverviewQuery, today: NaiveDate) -> Result<Resolved, AppError> {
    let mut errors = Vec::new();
    let (from, to) = match period(q, today) {
        Ok(p) => p,
        Err(AppError::Validation(e)) => {
            errors.extend(e);
            (today, today)
        }
        Err(e) => return Err(e),
    };
    let authority = agency(ctx, text(&q.authority), "authority").await?;
    let unit = agency(ctx, text(&q.unit), "unit").await?;
    let (authority, unit) = match (authority, unit) {
        (Ok(a), Ok(u)) => (a, u),
        (a, u) => {
            errors.extend(a.err());
            errors.extend(u.err());
            (None, None)
        }
    };
    let status = text(&q.status);
    if !status.is_empty() && status.parse::<Bucket>().is_err() {
        errors.push(FieldError::new(
            "status",
            "Tình trạng là done_on_time, done_late, open_within_deadline hoặc open_overdue.",
        ));
    }
    let field = text(&q.field);
    if field.chars().count() > 200 {
        errors.push(FieldError::new("field", "Lĩnh vực dài tối đa 200 ký tự."));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let as_of = to.min(today);
    let filter = Filter {
        authority_id: authority.as_ref().map(|a| a.0.clone()).unwrap_or_default(),
        unit_id: unit.as_ref().map(|u| u.0.clone()).unwrap_or_default(),
        field: field.to_owned(),
        from: from.to_string(),
        to: to.to_string(),
        as_of: as_of.to_string(),
        bucket: status.to_owned(),
    };
    Ok(Resolved {
        from: from.to_string(),
        to: to.to_string(),
        as_of: as_of.to_string(),
        authority: authority.map(|a| a.1),
        unit: unit.map(|u| u.1),
        field: Some(field.to_owned()).filter(|f| !f.is_empty()),
        status: Some(status.to_owned()).filter(|s| !s.is_empty()),
        filter,
    })
}

/// The agency with `code` (none when empty), or the field's error when there is no such one.
async fn agency(
    ctx: &Ctx,
    code: &str,
    field: &str,
) -> Result<Result<Option<(String, String)>, FieldError>, AppError> {
    if code.is_empty() {
        return Ok(Ok(None));
    }
    Ok(match db::agency_by_code(&ctx.db, code).await? {
        Some(a) => Ok(Some(a)),
        None => Err(FieldError::new(
            field,
            "Không có cơ quan, đơn vị với mã này.",
        )),
    })
}

/// One unit's line: its counts per bucket (in [`BUCKETS`] order) and their total.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OverviewRow {
    /// The unit's agency code (empty on the total line).
    pub unit: String,
    pub unit_name: String,
    pub done_on_time: i64,
    pub done_late: i64,
    pub open_within_deadline: i64,
    pub open_overdue: i64,
    pub total: i64,
}

impl OverviewRow {
    fn new(unit: &str, name: &str) -> Self {
        OverviewRow {
            unit: unit.to_owned(),
            unit_name: name.to_owned(),
            done_on_time: 0,
            done_late: 0,
            open_within_deadline: 0,
            open_overdue: 0,
            total: 0,
        }
    }

    fn add(&mut self, bucket: Bucket, n: i64) {
        match bucket {
            Bucket::DoneOnTime => self.done_on_time += n,
            Bucket::DoneLate => self.done_late += n,
            Bucket::OpenWithinDeadline => self.open_within_deadline += n,
            Bucket::OpenOverdue => self.open_overdue += n,
        }
        self.total += n;
    }

    pub fn counts(&self) -> [i64; 4] {
        [
            self.done_on_time,
            self.done_late,
            self.open_within_deadline,
            self.open_overdue,
        ]
    }
}

/// The overview: per unit, the total, and the first assignments counted.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub period: Resolved,
    pub rows: Vec<OverviewRow>,
    pub total: OverviewRow,
    pub lines: Vec<db::JudgedLine>,
}

/// Counts the overview for `viewer` (in SQL: one row per unit and bucket).
pub async fn overview(ctx: &Ctx, viewer: &Viewer, period: Resolved) -> Result<Overview, AppError> {
    let scope = viewer.scope();
    let counted = crate::overview_cache::buckets(ctx, &scope, &period.filter).await?;
    let mut rows: Vec<OverviewRow> = Vec::new();
    let mut total = OverviewRow::new("", "Tổng cộng");
    for c in counted {
        let Ok(bucket) = c.bucket.parse::<Bucket>() else {
            continue;
        };
        if rows.last().is_none_or(|r| r.unit != c.code) {
            rows.push(OverviewRow::new(&c.code, &c.name));
        }
        if let Some(row) = rows.last_mut() {
            row.add(bucket, c.n);
        }
        total.add(bucket, c.n);
    }
    let lines = crate::overview_cache::lines(ctx, &scope, &period.filter, LIST_LIMIT).await?;
    Ok(Overview {
        period,
        rows,
        total,
        lines,
    })
}

/// A set of ranking rules as shown: the numbers, from when, by whom.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RulesView {
    pub id: String,
    #[schema(value_type = Object)]
    pub rules: RankingRules,
    /// `YYYY-MM-DD`: the first day they judge.
    pub valid_from: String,
    pub note: String,
    /// Who set them; absent for the platform's default.
    pub set_by: Option<String>,
    pub set_at: String,
}

fn rules_view(r: RulesRow) -> Result<RulesView, AppError> {
    let rules: RankingRules = serde_json::from_str(&r.rules)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("task_rules {}: {e}", r.id)))?;
    Ok(RulesView {
        id: r.id,
        rules,
        valid_from: r.valid_from,
        note: r.note,
        set_by: r.set_by_name,
        set_at: r.set_at,
    })
}

/// The rules in force on `day` (the platform's default when none is stored).
pub async fn rules_on(ctx: &Ctx, day: &str) -> Result<RulesView, AppError> {
    match db::rules_on(&ctx.db, day).await? {
        Some(r) => rules_view(r),
        None => Ok(RulesView {
            id: "default".into(),
            rules: RankingRules::default(),
            valid_from: "2000-01-01".into(),
            note: String::new(),
            set_by: None,
            set_at: String::new(),
        }),
    }
}

/// The rules set so far, the latest valid first.
pub async fn rules_history(ctx: &Ctx) -> Result<Vec<RulesView>, AppError> {
    db::rules_history(&ctx.db, 50)
        .await?
        .into_iter()
        .map(rules_view)
        .collect()
}

/// The most judged tasks the rules may ask of a unit before ranking it.
pub const MAX_MIN_JUDGED: u32 = 1000;

/// New rules as typed: the numbers, the first day they judge, a note.
#[derive(Debug, Clone)]
pub struct RulesInput {
    pub rules: RankingRules,
    pub valid_from: String,
    pub note: String,
}

/// Sets new ranking rules from `valid_from` (today or later, within five years): checked by
/// the domain's rules, stored as a new row, audited (`task.rules_set`) with an event
/// (`task.rules_set`) in one transaction. For a system administrator or a leader of an
/// assigning office.
pub async fn set_rules(
    ctx: &Ctx,
    user: &User,
    actor: &Actor,
    input: &RulesInput,
    today: NaiveDate,
) -> Result<RulesView, AppError> {
    let (reads, sets) = rules_access(ctx, user).await?;
    if !reads {
        return Err(AppError::NotFound);
    }
    if !sets {
        return Err(AppError::Forbidden);
    }
    let mut errors = Vec::new();
    let r = &input.rules;
    if let Err(e) = r.validate() {
        let field = match e {
            ranking::RulesError::Points => "points",
            ranking::RulesError::Weight => "weights",
        };
        errors.push(FieldError::new(field, e.to_string()));
    }
    if r.min_judged > MAX_MIN_JUDGED {
        errors.push(FieldError::new(
            "min_judged",
            "Số nhiệm vụ tối thiểu để xếp hạng từ 0 đến 1000.",
        ));
    }
    let valid_from = NaiveDate::parse_from_str(input.valid_from.trim(), "%Y-%m-%d").ok();
    match valid_from {
        None => errors.push(FieldError::new(
            "valid_from",
            "Nhập ngày áp dụng dạng YYYY-MM-DD.",
        )),
        Some(d) if d < today => errors.push(FieldError::new(
            "valid_from",
            "Ngày áp dụng không được trước hôm nay: bảng xếp hạng đã công bố giữ tiêu chí cũ.",
        )),
        Some(d) if d > today + chrono::Days::new(5 * 366) => errors.push(FieldError::new(
            "valid_from",
            "Ngày áp dụng không quá 5 năm kể từ hôm nay.",
        )),
        Some(_) => {}
    }
    let note = input.note.trim();
    if note.chars().count() > 500 {
        errors.push(FieldError::new("note", "Ghi chú dài tối đa 500 ký tự."));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let valid_from = valid_from.unwrap_or(today).to_string();
    let id = uuid::Uuid::now_v7().to_string();
    let json = serde_json::to_string(r).map_err(|e| AppError::Internal(e.into()))?;
    let now = tinhso_kernel::time::now_text();
    let before = rules_on(ctx, &valid_from).await?;
    let mut tx = ctx.db.begin().await?;
    db::insert_rules(&mut tx, &id, &json, &valid_from, note, &user.id, &now).await?;
    db::bump_generation(&mut tx).await?;
    audit::record(
        &ctx.db,
        &mut tx,
        actor,
        Change {
            action: "task.rules_set",
            entity_type: "task_rules",
            entity_id: &id,
            before: json!({ "id": before.id, "rules": before.rules }),
            after: json!({ "rules": r, "valid_from": valid_from, "note": note }),
        },
    )
    .await?;
    emit(
        ctx,
        &mut tx,
        NewEvent {
            kind: &events::RULES_SET,
            aggregate_id: &id,
            payload: json!({ "rules_id": id, "valid_from": valid_from }),
            actor,
        },
    )
    .await?;
    tx.commit().await?;
    tinhso_kernel::events::committed(ctx);
    let stored = db::rules_history(&ctx.db, 50)
        .await?
        .into_iter()
        .find(|x| x.id == id)
        .ok_or(AppError::NotFound)?;
    rules_view(stored)
}

/// One unit's line in the ranking.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RankLine {
    /// 1 for the best; equal scores share a rank; absent when unranked.
    pub rank: Option<u32>,
    pub unit: String,
    pub unit_name: String,
    /// 0–100 to one decimal; absent without judged tasks.
    pub score: Option<f64>,
    /// Tasks judged (done on time, done late, open overdue): the volume behind the score.
    pub judged: u32,
    pub done_on_time: u32,
    pub done_late: u32,
    pub open_within_deadline: u32,
    pub open_overdue: u32,
    /// Fewer judged tasks than the rules' minimum: listed, not ranked.
    pub too_few: bool,
}

/// A year's ranking with the rules it used.
#[derive(Debug, Clone, Serialize)]
pub struct Ranking {
    pub year: i32,
    pub as_of: String,
    pub rules: RulesView,
    pub lines: Vec<RankLine>,
}

/// The year asked (this year when empty), 2000–2100.
pub fn ranking_year(year: Option<&str>, today: NaiveDate) -> Result<i32, AppError> {
    match year.map(str::trim).filter(|y| !y.is_empty()) {
        None => Ok(today.year()),
        Some(y) => parse_year(y, "year"),
    }
}

/// Ranks the units on the tasks in `viewer`'s scope assigned in `year`, judged on 31 December
/// (or today, if sooner) with the rules in force that day.
pub async fn ranking(
    ctx: &Ctx,
    viewer: &Viewer,
    year: i32,
    today: NaiveDate,
) -> Result<Ranking, AppError> {
    let (from, to) = year_bounds(year);
    let as_of = to.min(today).max(from);
    let rules = rules_on(ctx, &as_of.to_string()).await?;
    let filter = Filter {
        from: from.to_string(),
        to: to.to_string(),
        as_of: as_of.to_string(),
        ..Filter::default()
    };
    let tallies = crate::overview_cache::tallies(ctx, &viewer.scope(), &filter).await?;
    let mut units: Vec<(String, Vec<Tally>)> = Vec::new();
    let mut names: Vec<(String, String)> = Vec::new();
    for t in tallies {
        let (Ok(p), Ok(b)) = (t.priority.parse::<Priority>(), t.bucket.parse::<Bucket>()) else {
            continue;
        };
        if units.last().is_none_or(|(code, _)| *code != t.code) {
            units.push((t.code.clone(), Vec::new()));
            names.push((t.code.clone(), t.name.clone()));
        }
        if let Some((_, list)) = units.last_mut() {
            list.push((p, b, u32::try_from(t.n).unwrap_or(u32::MAX)));
        }
    }
    let lines = ranking::rank_tallies(&rules.rules, &units)
        .into_iter()
        .map(|r| RankLine {
            rank: r.rank,
            unit_name: names
                .iter()
                .find(|(c, _)| *c == r.unit)
                .map(|(_, n)| n.clone())
                .unwrap_or_default(),
            unit: r.unit,
            score: r.score,
            judged: r.judged,
            done_on_time: r.counts[0],
            done_late: r.counts[1],
            open_within_deadline: r.counts[2],
            open_overdue: r.counts[3],
            too_few: r.too_few,
        })
        .collect();
    Ok(Ranking {
        year,
        as_of: as_of.to_string(),
        rules,
        lines,
    })
}

/// The rules in words, as printed above a ranking.
pub fn rules_text(r: &RankingRules) -> String {
    format!(
        "Điểm: hoàn thành đúng hạn {}, hoàn thành quá hạn {}, chưa hoàn thành quá hạn {} \
         (nhiệm vụ còn trong hạn chưa tính). Trọng số: thường {}, quan trọng {}, khẩn {}. \
         Đơn vị có dưới {} nhiệm vụ được đánh giá không xếp hạng.",
        r.points_on_time,
        r.points_late,
        r.points_overdue,
        r.weight_normal,
        r.weight_high,
        r.weight_urgent,
        r.min_judged
    )
}

const PDF: &str = "application/pdf";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A file to download.
pub struct Export {
    pub media_type: &'static str,
    pub name: String,
    pub bytes: Vec<u8>,
}

fn safe(text: &str) -> Cell {
    Cell::Text(tinhso_domain::spreadsheet::neutralize(text).into_owned())
}

fn vn(day: &str) -> String {
    NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_else(|_| day.to_owned())
}

fn overview_headers() -> Vec<&'static str> {
    let mut h = vec!["Mã đơn vị", "Đơn vị"];
    h.extend(BUCKETS.iter().map(|b| b.label_vi()));
    h.push("Tổng số");
    h
}

fn overview_description(o: &Overview) -> String {
    let p = &o.period;
    let mut parts = vec![format!(
        "Nhiệm vụ giao từ ngày {} đến ngày {}, tình hình tại ngày {}.",
        vn(&p.from),
        vn(&p.to),
        vn(&p.as_of)
    )];
    if let Some(a) = &p.authority {
        parts.push(format!("Cơ quan giao: {a}."));
    }
    if let Some(u) = &p.unit {
        parts.push(format!("Đơn vị: {u}."));
    }
    if let Some(f) = &p.field {
        parts.push(format!("Lĩnh vực: {f}."));
    }
    if let Some(s) = p.status.as_deref().and_then(|s| s.parse::<Bucket>().ok()) {
        parts.push(format!("Tình trạng: {}.", s.label_vi()));
    }
    parts.join(" ")
}

/// The overview as `xlsx` or `pdf` (any other name is a 404).
pub async fn overview_file(
    ctx: &Ctx,
    viewer: &Viewer,
    o: &Overview,
    ext: &str,
) -> Result<Export, AppError> {
    let name = format!("tong-hop-nhiem-vu-{}-{}.{ext}", o.period.from, o.period.to);
    let mut all = o.rows.clone();
    all.push(o.total.clone());
    match ext {
        "xlsx" => {
            let rows: Vec<Vec<Cell>> = all
                .iter()
                .map(|r| {
                    let mut cells = vec![safe(&r.unit), safe(&r.unit_name)];
                    cells.extend(r.counts().iter().map(|n| Cell::Number(*n as f64)));
                    cells.push(Cell::Number(r.total as f64));
                    cells
                })
                .collect();
            let bytes = tinhso_documents::xlsx("Tổng hợp nhiệm vụ", &overview_headers(), &rows)
                .map_err(|e| AppError::Internal(e.into()))?;
            Ok(Export {
                media_type: XLSX,
                name,
                bytes,
            })
        }
        "pdf" => {
            let rows = all
                .iter()
                .map(|r| {
                    let mut cells = vec![r.unit.clone(), r.unit_name.clone()];
                    cells.extend(r.counts().iter().map(i64::to_string));
                    cells.push(r.total.to_string());
                    cells
                })
                .collect();
            let bytes = pdf(
                ctx,
                viewer,
                "TỔNG HỢP TÌNH HÌNH THỰC HIỆN NHIỆM VỤ",
                vec![overview_description(o)],
                overview_headers(),
                rows,
            )
            .await?;
            Ok(Export {
                media_type: PDF,
                name,
                bytes,
            })
        }
        _ => Err(AppError::NotFound),
    }
}

fn ranking_headers() -> Vec<&'static str> {
    let mut h = vec![
        "Hạng",
        "Mã đơn vị",
        "Đơn vị",
        "Điểm",
        "Số nhiệm vụ được đánh giá",
    ];
    h.extend(BUCKETS.iter().map(|b| b.label_vi()));
    h.push("Ghi chú");
    h
}

const TOO_FEW: &str = "Chưa đủ số nhiệm vụ để xếp hạng";

/// The ranking as `xlsx` or `pdf`, with its rules (any other name is a 404).
pub async fn ranking_file(
    ctx: &Ctx,
    viewer: &Viewer,
    r: &Ranking,
    ext: &str,
) -> Result<Export, AppError> {
    let name = format!("xep-hang-nhiem-vu-{}.{ext}", r.year);
    let note = |l: &RankLine| if l.too_few { TOO_FEW } else { "" };
    let counts = |l: &RankLine| {
        [
            l.done_on_time,
            l.done_late,
            l.open_within_deadline,
            l.open_overdue,
        ]
    };
    match ext {
        "xlsx" => {
            let rows: Vec<Vec<Cell>> = r
                .lines
                .iter()
                .map(|l| {
                    let mut cells = vec![
                        l.rank.map_or(safe(""), |n| Cell::Number(f64::from(n))),
                        safe(&l.unit),
                        safe(&l.unit_name),
                        l.score.map_or(safe(""), Cell::Number),
                        Cell::Number(f64::from(l.judged)),
                    ];
                    cells.extend(counts(l).iter().map(|n| Cell::Number(f64::from(*n))));
                    cells.push(safe(note(l)));
                    cells
                })
                .collect();
            let bytes = tinhso_documents::xlsx("Xếp hạng", &ranking_headers(), &rows)
                .map_err(|e| AppError::Internal(e.into()))?;
            Ok(Export {
                media_type: XLSX,
                name,
                bytes,
            })
        }
        "pdf" => {
            let rows = r
                .lines
                .iter()
                .map(|l| {
                    let mut cells = vec![
                        l.rank.map(|n| n.to_string()).unwrap_or_default(),
                        l.unit.clone(),
                        l.unit_name.clone(),
                        l.score.map(|s| format!("{s:.1}")).unwrap_or_default(),
                        l.judged.to_string(),
                    ];
                    cells.extend(counts(l).iter().map(u32::to_string));
                    cells.push(note(l).to_owned());
                    cells
                })
                .collect();
            let bytes = pdf(
                ctx,
                viewer,
                &format!("XẾP HẠNG ĐƠN VỊ THỰC HIỆN NHIỆM VỤ NĂM {}", r.year),
                vec![
                    format!("Tình hình tại ngày {}.", vn(&r.as_of)),
                    format!(
                        "Tiêu chí áp dụng từ ngày {}: {}",
                        vn(&r.rules.valid_from),
                        rules_text(&r.rules.rules)
                    ),
                ],
                ranking_headers(),
                rows,
            )
            .await?;
            Ok(Export {
                media_type: PDF,
                name,
                bytes,
            })
        }
        _ => Err(AppError::NotFound),
    }
}

async fn pdf(
    ctx: &Ctx,
    viewer: &Viewer,
    title: &str,
    paragraphs: Vec<String>,
    headers: Vec<&str>,
    rows: Vec<Vec<String>>,
) -> Result<Vec<u8>, AppError> {
    let (issuer, parent) = db::names(&ctx.db, &viewer.agency_id).await?;
    let empty = rows.is_empty();
    let mut blocks: Vec<Block> = paragraphs.into_iter().map(Block::Paragraph).collect();
    blocks.push(Block::Table {
        headers: headers.iter().map(|h| (*h).to_owned()).collect(),
        rows,
    });
    if empty {
        blocks.push(Block::Paragraph("Không có nhiệm vụ nào trong kỳ.".into()));
    }
    tinhso_documents::form_pdf(&FormDocument {
        issuer_parent: parent,
        issuer,
        title: title.to_owned(),
        blocks,
        ..FormDocument::default()
    })
    .map_err(|e| AppError::Internal(e.into()))
}
