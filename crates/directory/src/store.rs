//! Storage of agencies and administrative units. Only SQL lives here: the rules that keep the
//! directory consistent (parent exists, code unique) and its audit are in `service.rs`.

use super::model::{Agency, AgencyKind, ValidAgency};
use serde::Serialize;
use tinhso_domain::agency_code::AgencyCode;
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

const SELECT: &str = "SELECT a.id, a.code, a.name, a.kind, a.parent_id, p.code AS parent_code,
    u.code AS admin_unit_code, a.address, a.phone, a.email, a.website
    FROM agencies a
    LEFT JOIN agencies p ON p.id = a.parent_id
    LEFT JOIN admin_units u ON u.id = a.admin_unit_id";

/// A row of `SELECT`, as the database gives it.
#[derive(Debug, sqlx::FromRow)]
struct AgencyRow {
    id: String,
    code: String,
    name: String,
    kind: String,
    parent_id: Option<String>,
    parent_code: Option<String>,
    admin_unit_code: Option<String>,
    address: String,
    phone: String,
    email: String,
    website: String,
}

impl TryFrom<AgencyRow> for Agency {
    type Error = AppError;

    fn try_from(row: AgencyRow) -> Result<Self, AppError> {
        let code = |text: &str| {
            text.parse::<AgencyCode>().map_err(|e| {
                AppError::Internal(anyhow::anyhow!(
                    "agency {}: stored code {text:?}: {e}",
                    row.id
                ))
            })
        };
        Ok(Agency {
            code: code(&row.code)?,
            parent_code: row.parent_code.as_deref().map(code).transpose()?,
            id: row.id,
            name: row.name,
            kind: row.kind.trim().parse().unwrap_or(AgencyKind::Other),
            parent_id: row.parent_id,
            admin_unit_code: row.admin_unit_code,
            address: row.address,
            phone: row.phone,
            email: row.email,
            website: row.website,
        })
    }
}

fn agencies(rows: Vec<AgencyRow>) -> Result<Vec<Agency>, AppError> {
    rows.into_iter().map(Agency::try_from).collect()
}

pub async fn by_code(db: &Db, code: &AgencyCode) -> Result<Option<Agency>, AppError> {
    let row: Option<AgencyRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE a.code = $1")))
            .bind(code.to_string())
            .fetch_optional(&db.pool)
            .await?;
    row.map(Agency::try_from).transpose()
}

/// [`by_code`] inside the caller's transaction, which sees the rows it wrote.
pub async fn by_code_in(tx: &mut Conn, code: &AgencyCode) -> Result<Option<Agency>, AppError> {
    let row: Option<AgencyRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE a.code = $1")))
            .bind(code.to_string())
            .fetch_optional(&mut *tx)
            .await?;
    row.map(Agency::try_from).transpose()
}

pub async fn by_id(db: &Db, id: &str) -> Result<Option<Agency>, AppError> {
    let row: Option<AgencyRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE a.id = $1")))
            .bind(id)
            .fetch_optional(&db.pool)
            .await?;
    row.map(Agency::try_from).transpose()
}

/// How many agencies the directory holds.
pub async fn count(db: &Db) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM agencies")
        .fetch_one(&db.pool)
        .await?)
}

pub async fn all(db: &Db) -> Result<Vec<Agency>, AppError> {
    let rows = sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} ORDER BY a.code")))
        .fetch_all(&db.pool)
        .await?;
    agencies(rows)
}

/// The top two levels of the tree (the provincial committee, its departments and communes):
/// what the directory page shows, without reading the whole directory.
pub async fn top_two_levels(db: &Db) -> Result<Vec<Agency>, AppError> {
    let sql = format!(
        "{SELECT} WHERE a.parent_id IS NULL
            OR a.parent_id IN (SELECT id FROM agencies WHERE parent_id IS NULL)
         ORDER BY a.code"
    );
    let rows = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(&db.pool)
        .await?;
    agencies(rows)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
}

/// Diacritic-insensitive search by name words ("so tu phap" finds "Sở Tư pháp") or by code,
/// through the search index (best match first); with no words, every agency (under `parent`)
/// by code.
pub async fn search(
    db: &Db,
    query: &str,
    parent: Option<&str>,
    page: i64,
    per_page: i64,
) -> Result<Page<Agency>, AppError> {
    let per_page = per_page.clamp(1, 200);
    let page = page.max(1);
    if !tinhso_kernel::search::Terms::parse(query).is_empty() {
        let (ids, total) = crate::index::matching(db, query, parent, page, per_page).await?;
        let mut items = by_ids(db, &ids).await?;
        items.sort_by_key(|a| ids.iter().position(|id| *id == a.id));
        return Ok(Page {
            items,
            page,
            per_page,
            total,
        });
    }
    let (filter, binds) = match parent {
        Some(parent) => ("WHERE p.code = $1", vec![parent.to_owned()]),
        None => ("", Vec::new()),
    };
    let count_sql = format!(
        "SELECT COUNT(*) FROM agencies a LEFT JOIN agencies p ON p.id = a.parent_id {filter}"
    );
    let mut count = sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql));
    for b in &binds {
        count = count.bind(b.clone());
    }
    let total: i64 = count.fetch_one(&db.pool).await?;
    let list_sql = format!(
        "{SELECT} {filter} ORDER BY a.code LIMIT {per_page} OFFSET {}",
        (page - 1).saturating_mul(per_page)
    );
    let mut list = sqlx::query_as(sqlx::AssertSqlSafe(list_sql));
    for b in &binds {
        list = list.bind(b.clone());
    }
    let rows: Vec<AgencyRow> = list.fetch_all(&db.pool).await?;
    Ok(Page {
        items: agencies(rows)?,
        page,
        per_page,
        total,
    })
}

/// The agencies among `ids` (a page of hits), in no particular order.
async fn by_ids(db: &Db, ids: &[String]) -> Result<Vec<Agency>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
    let mut list = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE a.id IN ({})",
        marks.join(", ")
    )));
    for id in ids {
        list = list.bind(id.as_str());
    }
    let rows: Vec<AgencyRow> = list.fetch_all(&db.pool).await?;
    agencies(rows)
}

pub async fn insert_agency(
    tx: &mut Conn,
    id: &str,
    v: &ValidAgency,
    parent: Option<&Agency>,
    admin_unit_id: Option<&str>,
) -> Result<(), AppError> {
    let now = tinhso_kernel::time::now_text();
    sqlx::query(
        "INSERT INTO agencies (id, code, name, name_folded, kind, parent_id, admin_unit_id, address, phone, email, website, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
    )
    .bind(id)
    .bind(v.code.to_string())
    .bind(&v.name)
    .bind(tinhso_domain::text::fold(&v.name))
    .bind(v.kind.as_str())
    .bind(parent.map(|p| p.id.clone()))
    .bind(admin_unit_id.map(str::to_owned))
    .bind(&v.address)
    .bind(&v.phone)
    .bind(&v.email)
    .bind(&v.website)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    crate::index::written(tx, id, v, parent).await?;
    Ok(())
}

/// Overwrites everything but the code (an agency's identity) of agency `id`.
pub async fn update_agency(
    tx: &mut Conn,
    id: &str,
    v: &ValidAgency,
    parent: Option<&Agency>,
    admin_unit_id: Option<&str>,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE agencies SET name = $1, name_folded = $2, kind = $3, parent_id = $4, admin_unit_id = $5,
            address = $6, phone = $7, email = $8, website = $9, updated_at = $10 WHERE id = $11",
    )
    .bind(&v.name)
    .bind(tinhso_domain::text::fold(&v.name))
    .bind(v.kind.as_str())
    .bind(parent.map(|p| p.id.clone()))
    .bind(admin_unit_id.map(str::to_owned))
    .bind(&v.address)
    .bind(&v.phone)
    .bind(&v.email)
    .bind(&v.website)
    .bind(tinhso_kernel::time::now_text())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    crate::index::written(tx, id, v, parent).await?;
    Ok(())
}

pub async fn admin_unit_id(tx: &mut Conn, code: &str) -> Result<Option<String>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM admin_units WHERE code = $1")
            .bind(code)
            .fetch_optional(&mut *tx)
            .await?,
    )
}

// ---- Administrative units ----

#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct AdminUnit {
    pub code: String,
    pub name: String,
    /// e.g. `province`, `commune`, `ward`, `special_zone`.
    pub kind: String,
    pub parent_code: Option<String>,
}

/// The name of an administrative unit ("Phường Hạc Thành"), from its code.
pub async fn admin_unit_name(db: &Db, code: &str) -> Result<Option<String>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT name FROM admin_units WHERE code = $1")
            .bind(code)
            .fetch_optional(&db.pool)
            .await?,
    )
}

pub async fn admin_units(db: &Db) -> Result<Vec<AdminUnit>, AppError> {
    Ok(sqlx::query_as(
        "SELECT u.code, u.name, u.kind, p.code AS parent_code FROM admin_units u
         LEFT JOIN admin_units p ON p.id = u.parent_id ORDER BY u.code",
    )
    .fetch_all(&db.pool)
    .await?)
}

/// Inserts `unit` under the unit with id `parent_id`.
pub async fn insert_admin_unit(
    tx: &mut Conn,
    unit: &AdminUnit,
    parent_id: Option<&str>,
) -> Result<(), AppError> {
    sqlx::query("INSERT INTO admin_units (id, code, name, name_folded, kind, parent_id) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(&unit.code)
        .bind(&unit.name)
        .bind(tinhso_domain::text::fold(&unit.name))
        .bind(&unit.kind)
        .bind(parent_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}
