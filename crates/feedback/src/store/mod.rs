//! Storage of categories, routing rules and reports. Only SQL lives here (and in the files
//! beside it); validation, policy, audit, events and notices stay with the callers.

mod reports;
mod routing;
mod sample;
mod stats;

pub use reports::*;
pub use routing::*;
pub use sample::*;
pub use stats::*;

use super::{Category, Report};
use serde::Serialize;
use tinhso_domain::attachment::FilePurpose;
use tinhso_domain::text_enum::UnknownValue;
use tinhso_domain::time::LocalDateTime;
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

#[derive(sqlx::FromRow)]
struct CategoryRow {
    code: String,
    name: String,
    description: String,
    deadline_days: i64,
}

pub async fn categories(db: &Db) -> Result<Vec<Category>, AppError> {
    let rows: Vec<CategoryRow> = sqlx::query_as(
        "SELECT * FROM feedback_categories WHERE active = 1 ORDER BY position, code",
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Category {
            code: r.code,
            name: r.name,
            description: r.description,
            deadline_days: r.deadline_days as u32,
        })
        .collect())
}

/// Agencies that receive reports by the routing rules (code, name): the choices of the public
/// list's agency filter, a short list unlike the whole directory.
pub async fn routed_agencies(db: &Db) -> Result<Vec<(String, String)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT a.code, a.name FROM agencies a
         WHERE a.id IN (SELECT agency_id FROM feedback_routes) ORDER BY a.name",
    )
    .fetch_all(&db.pool)
    .await?)
}

pub async fn category(db: &Db, code: &str) -> Result<Option<Category>, AppError> {
    Ok(categories(db).await?.into_iter().find(|c| c.code == code))
}

pub async fn save_category(tx: &mut Conn, c: &Category, position: i64) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO feedback_categories (code, name, description, deadline_days, position) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, description = excluded.description,
            deadline_days = excluded.deadline_days, position = excluded.position",
    )
    .bind(&c.code)
    .bind(&c.name)
    .bind(&c.description)
    .bind(i64::from(c.deadline_days))
    .bind(position)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

pub async fn save_route(
    tx: &mut Conn,
    category: &str,
    unit: Option<&str>,
    agency_id: &str,
) -> Result<(), AppError> {
    sqlx::query("DELETE FROM feedback_routes WHERE category_code = $1 AND admin_unit_code IS NOT DISTINCT FROM $2")
        .bind(category)
        .bind(unit)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO feedback_routes (id, category_code, admin_unit_code, agency_id) VALUES ($1, $2, $3, $4)")
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(category)
        .bind(unit)
        .bind(agency_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// The agency responsible for a category in an area: the rule for the unit or one of its
/// parents (nearest first), else the category's rule for anywhere.
pub async fn route(
    tx: &mut Conn,
    category: &str,
    unit: Option<&str>,
) -> Result<Option<String>, AppError> {
    let row: Option<(String,)> = sqlx::query_as(
        "WITH RECURSIVE up(code, parent_id, depth) AS (
            SELECT code, parent_id, 0 FROM admin_units WHERE code = $2
            UNION ALL
            SELECT u.code, u.parent_id, up.depth + 1 FROM admin_units u JOIN up ON u.id = up.parent_id WHERE up.depth < 8
         )
         SELECT r.agency_id FROM feedback_routes r LEFT JOIN up ON up.code = r.admin_unit_code
         WHERE r.category_code = $1 AND (r.admin_unit_code IS NULL OR up.code IS NOT NULL)
         ORDER BY CASE WHEN r.admin_unit_code IS NULL THEN 1000 ELSE up.depth END LIMIT 1",
    )
    .bind(category)
    .bind(unit.unwrap_or(""))
    .fetch_optional(&mut *tx)
    .await?;
    Ok(row.map(|(agency_id,)| agency_id))
}

const SELECT: &str = "SELECT r.*, c.name AS category_name, a.name AS agency_name
    FROM feedback_reports r JOIN feedback_categories c ON c.code = r.category_code
    LEFT JOIN agencies a ON a.id = r.agency_id";

/// A report as stored, before its text columns are read as what they hold.
#[derive(sqlx::FromRow)]
struct ReportRow {
    id: String,
    code: String,
    category_code: String,
    category_name: String,
    title: String,
    description: String,
    address: String,
    admin_unit_code: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    reporter_id: Option<String>,
    reporter_name: String,
    reporter_email: String,
    reporter_phone: String,
    show_name: i64,
    source: String,
    agency_id: Option<String>,
    agency_name: Option<String>,
    status: String,
    received_local: String,
    due_local: Option<String>,
    answer: Option<String>,
    answered_at: Option<String>,
    reject_reason: Option<String>,
    reopened: i64,
    rating: Option<i64>,
    rating_comment: Option<String>,
    duplicate_of: Option<String>,
    hidden_reason: Option<String>,
    created_at: String,
    updated_at: String,
}

impl TryFrom<ReportRow> for Report {
    type Error = AppError;

    fn try_from(r: ReportRow) -> Result<Report, AppError> {
        let local = |t: &str| {
            LocalDateTime::parse(t).ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!("bad local time “{t}” in a report"))
            })
        };
        Ok(Report {
            status: r
                .status
                .parse()
                .map_err(|e: UnknownValue| AppError::Internal(e.into()))?,
            received_local: local(&r.received_local)?,
            due_local: r.due_local.as_deref().map(local).transpose()?,
            id: r.id,
            code: r.code,
            category_code: r.category_code,
            category_name: r.category_name,
            title: r.title,
            description: r.description,
            address: r.address,
            admin_unit_code: r.admin_unit_code,
            lat: r.lat,
            lon: r.lon,
            reporter_id: r.reporter_id,
            reporter_name: r.reporter_name,
            reporter_email: r.reporter_email,
            reporter_phone: r.reporter_phone,
            show_name: r.show_name != 0,
            source: r.source,
            agency_id: r.agency_id,
            agency_name: r.agency_name,
            answer: r.answer,
            answered_at: r.answered_at,
            reject_reason: r.reject_reason,
            reopened: r.reopened != 0,
            rating: r.rating,
            rating_comment: r.rating_comment,
            duplicate_of: r.duplicate_of,
            hidden_reason: r.hidden_reason,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

pub async fn by_code(db: &Db, code: &str) -> Result<Option<Report>, AppError> {
    let row: Option<ReportRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE r.code = $1")))
            .bind(code)
            .fetch_optional(&db.pool)
            .await?;
    row.map(Report::try_from).transpose()
}

pub async fn for_update(db: &Db, tx: &mut Conn, code: &str) -> Result<Option<Report>, AppError> {
    let lock = db.lock_rows("r");
    let row: Option<ReportRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE r.code = $1{lock}"
    )))
    .bind(code)
    .fetch_optional(&mut *tx)
    .await?;
    row.map(Report::try_from).transpose()
}

/// Reads a report by id inside a transaction without locking it (an event handler reads what
/// it needs to tell its followers).
pub async fn in_tx(tx: &mut Conn, id: &str) -> Result<Option<Report>, AppError> {
    let row: Option<ReportRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE r.id = $1")))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    row.map(Report::try_from).transpose()
}

/// The note written with timeline row `id` (an event's `timeline_id`), if the row exists.
pub async fn event_note(tx: &mut Conn, id: &str) -> Result<Option<String>, AppError> {
    let row: Option<(String,)> = sqlx::query_as("SELECT note FROM feedback_events WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    Ok(row.map(|(note,)| note))
}

/// Filters of the public list and of Open311's GET requests.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Filter {
    pub category: Option<String>,
    pub status: Option<String>,
    pub agency: Option<String>,
    pub unit: Option<String>,
    /// RFC 3339 bounds on the report's creation.
    pub start: Option<String>,
    pub end: Option<String>,
    pub agency_id: Option<String>,
    /// Only what the public may see (not hidden).
    pub public: bool,
    pub limit: i64,
    pub offset: i64,
}

pub async fn list(db: &Db, f: &Filter) -> Result<Vec<Report>, AppError> {
    let mut clauses = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    let mut bind = |clause: &str, value: String, clauses: &mut Vec<String>| {
        binds.push(value);
        clauses.push(clause.replace('?', &format!("${}", binds.len())));
    };
    if let Some(c) = f.category.as_deref().filter(|c| !c.is_empty()) {
        bind("r.category_code = ?", c.to_owned(), &mut clauses);
    }
    match f.status.as_deref() {
        Some("open") => clauses.push("r.status IN ('received', 'assigned', 'in_progress')".into()),
        Some("closed") => {
            clauses.push("r.status NOT IN ('received', 'assigned', 'in_progress')".into())
        }
        Some(s) if !s.is_empty() => bind("r.status = ?", s.to_owned(), &mut clauses),
        _ => {}
    }
    if let Some(a) = f.agency.as_deref().filter(|a| !a.is_empty()) {
        bind("a.code = ?", a.to_owned(), &mut clauses);
    }
    if let Some(a) = f.agency_id.as_deref() {
        bind("r.agency_id = ?", a.to_owned(), &mut clauses);
    }
    if let Some(u) = f.unit.as_deref().filter(|u| !u.is_empty()) {
        bind("r.admin_unit_code = ?", u.to_owned(), &mut clauses);
    }
    if let Some(s) = &f.start {
        bind("r.created_at >= ?", s.clone(), &mut clauses);
    }
    if let Some(e) = &f.end {
        bind("r.created_at <= ?", e.clone(), &mut clauses);
    }
    if f.public {
        clauses.push("r.hidden_reason IS NULL".into());
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    };
    let sql = format!(
        "{SELECT}{filter} ORDER BY r.created_at DESC LIMIT {} OFFSET {}",
        f.limit.clamp(1, 1000),
        f.offset.clamp(0, 100_000)
    );
    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
    for b in &binds {
        query = query.bind(b);
    }
    let rows: Vec<ReportRow> = query.fetch_all(&db.pool).await?;
    rows.into_iter().map(Report::try_from).collect()
}

/// What the search matches a report by: its title, description and address, folded.
pub fn search_text(title: &str, description: &str, address: &str) -> String {
    tinhso_domain::text::fold(&format!("{title} {description} {address}"))
}

/// Public reports whose title, description or address hold every word of `query`, best match
/// first, found through the search index; a report hidden since it was indexed is left out here
/// too.
pub async fn search_public(db: &Db, query: &str, limit: usize) -> Result<Vec<Report>, AppError> {
    let limit = limit.clamp(1, 50);
    let ids = crate::index::matching(db, query, limit).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "{SELECT} WHERE r.hidden_reason IS NULL AND r.id IN ({})",
        marks.join(", ")
    );
    let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
    for id in &ids {
        q = q.bind(id.as_str());
    }
    let rows: Vec<ReportRow> = q.fetch_all(&db.pool).await?;
    let mut found = rows
        .into_iter()
        .map(Report::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    found.sort_by_key(|r| ids.iter().position(|id| *id == r.id));
    Ok(found)
}

/// A report the search backfill must mend: its search text not folded yet, or public and
/// missing from the search index.
#[derive(sqlx::FromRow)]
pub struct Unsearchable {
    pub id: String,
    pub title: String,
    pub description: String,
    pub address: String,
    pub category_code: String,
    pub public: i64,
    pub folded: i64,
    pub indexed: i64,
}

/// The next `limit` reports after the id `after` that the search backfill must mend, in id
/// order, read and locked in its transaction (a report hidden meanwhile waits, then leaves the
/// index after the batch put it there).
pub async fn unsearchable(
    db: &Db,
    tx: &mut Conn,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<Unsearchable>, AppError> {
    let from = if after.is_some() {
        "t.id > $2"
    } else {
        "$2 IS NULL"
    };
    let entry = "EXISTS (SELECT 1 FROM search_entries e WHERE e.kind = $1 AND e.entry_id = t.id)";
    let sql = format!(
        "SELECT t.id, t.title, t.description, t.address, t.category_code,
                CAST(CASE WHEN t.hidden_reason IS NULL THEN 1 ELSE 0 END AS BIGINT) AS public,
                CAST(CASE WHEN t.search_folded IS NULL THEN 0 ELSE 1 END AS BIGINT) AS folded,
                CAST(CASE WHEN {entry} THEN 1 ELSE 0 END AS BIGINT) AS indexed
           FROM feedback_reports t
          WHERE {from} AND (t.search_folded IS NULL OR (t.hidden_reason IS NULL AND NOT {entry}))
          ORDER BY t.id LIMIT {limit}{}",
        db.lock_rows("t")
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(crate::index::KIND)
        .bind(after)
        .fetch_all(&mut *tx)
        .await?)
}

/// Keeps a report's folded search text (one filed before it was kept).
pub async fn save_search_text(tx: &mut Conn, r: &Unsearchable) -> Result<(), AppError> {
    sqlx::query("UPDATE feedback_reports SET search_folded = $1 WHERE id = $2")
        .bind(search_text(&r.title, &r.description, &r.address))
        .bind(&r.id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct Photo {
    pub id: String,
    pub purpose: FilePurpose,
    pub file_name: String,
    pub media_type: String,
    #[serde(skip)]
    pub storage_key: String,
    pub hidden: bool,
}

#[derive(sqlx::FromRow)]
struct PhotoRow {
    id: String,
    purpose: String,
    file_name: String,
    media_type: String,
    storage_key: String,
    hidden: i64,
}

pub async fn photos(db: &Db, report_id: &str) -> Result<Vec<Photo>, AppError> {
    let rows: Vec<PhotoRow> =
        sqlx::query_as("SELECT * FROM feedback_files WHERE report_id = $1 ORDER BY created_at, id")
            .bind(report_id)
            .fetch_all(&db.pool)
            .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Photo {
                id: r.id,
                purpose: r
                    .purpose
                    .parse()
                    .map_err(|e: UnknownValue| AppError::Internal(e.into()))?,
                file_name: r.file_name,
                media_type: r.media_type,
                storage_key: r.storage_key,
                hidden: r.hidden != 0,
            })
        })
        .collect()
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Event {
    pub at: String,
    pub actor_name: String,
    pub action: String,
    pub to_status: String,
    pub note: String,
}

pub async fn events(db: &Db, report_id: &str) -> Result<Vec<Event>, AppError> {
    Ok(
        sqlx::query_as("SELECT * FROM feedback_events WHERE report_id = $1 ORDER BY at, id")
            .bind(report_id)
            .fetch_all(&db.pool)
            .await?,
    )
}

pub async fn followers(tx: &mut Conn, report_id: &str) -> Result<Vec<String>, AppError> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT email FROM feedback_followers WHERE report_id = $1")
            .bind(report_id)
            .fetch_all(&mut *tx)
            .await?;
    Ok(rows.into_iter().map(|(email,)| email).collect())
}

pub async fn follow(tx: &mut Conn, report_id: &str, email: &str) -> Result<(), AppError> {
    if email.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO feedback_followers (report_id, email) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(report_id)
    .bind(email)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
