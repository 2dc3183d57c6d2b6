//! Storage of agencies and administrative units, and the write operations that keep the
//! directory consistent (parent exists, code unique) and audited.

use super::model::{Agency, AgencyInput, AgencyKind, ValidAgency, validate};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::{AppError, FieldError};

const SELECT: &str = "SELECT a.id, a.code, a.name, a.kind, a.parent_id, p.code AS parent_code,
    u.code AS admin_unit_code, a.address, a.phone, a.email, a.website
    FROM agencies a
    LEFT JOIN agencies p ON p.id = a.parent_id
    LEFT JOIN admin_units u ON u.id = a.admin_unit_id";

fn from_row(row: &AnyRow) -> Result<Agency, sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    Ok(Agency {
        id: row.try_get("id")?,
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        kind: kind.trim().parse().unwrap_or(AgencyKind::Other),
        parent_id: row.try_get("parent_id")?,
        parent_code: row.try_get("parent_code")?,
        admin_unit_code: row.try_get("admin_unit_code")?,
        address: row.try_get("address")?,
        phone: row.try_get("phone")?,
        email: row.try_get("email")?,
        website: row.try_get("website")?,
    })
}

pub async fn by_code<'e, E>(executor: E, code: &str) -> Result<Option<Agency>, AppError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("{SELECT} WHERE a.code = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(code.trim())
        .fetch_optional(executor)
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

pub async fn by_id(db: &Db, id: &str) -> Result<Option<Agency>, AppError> {
    let sql = format!("{SELECT} WHERE a.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

pub async fn all(db: &Db) -> Result<Vec<Agency>, AppError> {
    let sql = format!("{SELECT} ORDER BY a.code");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// The top two levels of the tree (the provincial committee, its departments and communes):
/// what the directory page shows, without reading the whole directory.
pub async fn top_two_levels(db: &Db) -> Result<Vec<Agency>, AppError> {
    let sql = format!(
        "{SELECT} WHERE a.parent_id IS NULL
            OR a.parent_id IN (SELECT id FROM agencies WHERE parent_id IS NULL)
         ORDER BY a.code"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
}

/// Diacritic-insensitive search by name words ("so tu phap" finds "Sở Tư pháp") or by code.
pub async fn search(
    db: &Db,
    query: &str,
    parent: Option<&str>,
    page: i64,
    per_page: i64,
) -> Result<Page<Agency>, AppError> {
    let folded = tinhso_domain::text::fold(query);
    let words: Vec<&str> = folded
        .split(' ')
        .filter(|w| !w.is_empty())
        .take(8)
        .collect();
    let mut clauses = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    for word in &words {
        binds.push(format!("%{}%", word.replace(['%', '_'], "")));
        clauses.push(format!(
            "(a.name_folded LIKE ${n} OR a.code LIKE ${n})",
            n = binds.len()
        ));
    }
    if let Some(parent) = parent {
        binds.push(parent.to_owned());
        clauses.push(format!("p.code = ${}", binds.len()));
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let per_page = per_page.clamp(1, 200);
    let page = page.max(1);
    let count_sql = format!(
        "SELECT COUNT(*) AS n FROM agencies a LEFT JOIN agencies p ON p.id = a.parent_id {filter}"
    );
    let mut count = sqlx::query(sqlx::AssertSqlSafe(count_sql));
    for b in &binds {
        count = count.bind(b.clone());
    }
    let total: i64 = count.fetch_one(&db.pool).await?.try_get("n")?;
    let list_sql = format!(
        "{SELECT} {filter} ORDER BY a.code LIMIT {per_page} OFFSET {}",
        (page - 1).saturating_mul(per_page)
    );
    let mut list = sqlx::query(sqlx::AssertSqlSafe(list_sql));
    for b in &binds {
        list = list.bind(b.clone());
    }
    let rows = list.fetch_all(&db.pool).await?;
    Ok(Page {
        items: rows.iter().map(from_row).collect::<Result<_, _>>()?,
        page,
        per_page,
        total,
    })
}

/// Creates the agency, or updates it when `update_existing` and the code exists.
/// Everything happens in the caller's transaction, with its audit row.
pub async fn upsert(
    db: &Db,
    tx: &mut Conn,
    actor: &Actor,
    input: &AgencyInput,
    update_existing: bool,
) -> Result<Agency, AppError> {
    let valid = validate(input).map_err(AppError::Validation)?;
    let parent = match &valid.parent_code {
        Some(code) => Some(by_code(&mut *tx, &code.to_string()).await?.ok_or_else(|| {
            AppError::validation(
                "parent_code",
                format!("Không có cơ quan cha mang mã {code}."),
            )
        })?),
        None => None,
    };
    let admin_unit_id = match &valid.admin_unit_code {
        Some(code) => Some(admin_unit_id(tx, code).await?.ok_or_else(|| {
            AppError::validation(
                "admin_unit_code",
                format!("Không có đơn vị hành chính mã {code}."),
            )
        })?),
        None => None,
    };
    let existing = by_code(&mut *tx, &valid.code.to_string()).await?;
    match existing {
        Some(old) if update_existing => {
            update_row(
                tx,
                &old.id,
                &valid,
                parent.as_ref(),
                admin_unit_id.as_deref(),
            )
            .await?;
            let new = by_code(&mut *tx, &old.code)
                .await?
                .ok_or(AppError::NotFound)?;
            audit_change(db, tx, actor, "agency.update", &old.code, Some(&old), &new).await?;
            Ok(new)
        }
        Some(old) => Err(AppError::Validation(vec![FieldError::new(
            "code",
            format!("Mã định danh {} đã được dùng cho “{}”.", old.code, old.name),
        )])),
        None => {
            let id = uuid::Uuid::now_v7().to_string();
            insert_row(tx, &id, &valid, parent.as_ref(), admin_unit_id.as_deref()).await?;
            let new = by_code(&mut *tx, &valid.code.to_string())
                .await?
                .ok_or(AppError::NotFound)?;
            audit_change(db, tx, actor, "agency.create", &new.code, None, &new).await?;
            Ok(new)
        }
    }
}

async fn audit_change(
    db: &Db,
    tx: &mut Conn,
    actor: &Actor,
    action: &str,
    code: &str,
    before: Option<&Agency>,
    after: &Agency,
) -> Result<(), AppError> {
    let to_json = |a: &Agency| serde_json::to_value(a).unwrap_or_default();
    audit::record(
        db,
        tx,
        actor,
        Change {
            action,
            entity_type: "agency",
            entity_id: code,
            before: before.map(to_json).unwrap_or_default(),
            after: to_json(after),
        },
    )
    .await
}

async fn insert_row(
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
    Ok(())
}

async fn update_row(
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
    Ok(())
}

async fn admin_unit_id(tx: &mut Conn, code: &str) -> Result<Option<String>, AppError> {
    let row = sqlx::query("SELECT id FROM admin_units WHERE code = $1")
        .bind(code)
        .fetch_optional(&mut *tx)
        .await?;
    Ok(row.map(|r| r.try_get("id")).transpose()?)
}

// ---- Administrative units ----

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AdminUnit {
    pub code: String,
    pub name: String,
    /// e.g. `province`, `commune`, `ward`, `special_zone`.
    pub kind: String,
    pub parent_code: Option<String>,
}

/// The name of an administrative unit ("Phường Hạc Thành"), from its code.
pub async fn admin_unit_name(db: &Db, code: &str) -> Result<Option<String>, AppError> {
    let row = sqlx::query("SELECT name FROM admin_units WHERE code = $1")
        .bind(code)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|r| r.try_get("name")).transpose()?)
}

pub async fn admin_units(db: &Db) -> Result<Vec<AdminUnit>, AppError> {
    let rows = sqlx::query(
        "SELECT u.code, u.name, u.kind, p.code AS parent_code FROM admin_units u
         LEFT JOIN admin_units p ON p.id = u.parent_id ORDER BY u.code",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AdminUnit {
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                kind: r.try_get("kind")?,
                parent_code: r.try_get("parent_code")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

pub async fn insert_admin_unit(
    db: &Db,
    tx: &mut Conn,
    actor: &Actor,
    unit: &AdminUnit,
) -> Result<(), AppError> {
    let parent_id = match &unit.parent_code {
        Some(code) => Some(admin_unit_id(tx, code).await?.ok_or(AppError::NotFound)?),
        None => None,
    };
    sqlx::query("INSERT INTO admin_units (id, code, name, name_folded, kind, parent_id) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(&unit.code)
        .bind(&unit.name)
        .bind(tinhso_domain::text::fold(&unit.name))
        .bind(&unit.kind)
        .bind(parent_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        db,
        tx,
        actor,
        Change {
            action: "admin_unit.create",
            entity_type: "admin_unit",
            entity_id: &unit.code,
            before: serde_json::Value::Null,
            after: serde_json::to_value(unit).unwrap_or_default(),
        },
    )
    .await
}

/// A node of the agency tree, for the directory page and the API.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TreeNode {
    pub code: String,
    pub name: String,
    pub kind: AgencyKind,
    #[schema(no_recursion)]
    pub children: Vec<TreeNode>,
}

/// Nests agencies under their parents, down to `max_depth` levels (deeper agencies are reached
/// from their parent's page, which keeps the directory page small on a phone).
pub fn build_tree(agencies: &[Agency], max_depth: usize) -> Vec<TreeNode> {
    let mut by_parent: std::collections::HashMap<Option<&str>, Vec<&Agency>> =
        std::collections::HashMap::new();
    for a in agencies {
        by_parent.entry(a.parent_id.as_deref()).or_default().push(a);
    }
    fn nest(
        by_parent: &std::collections::HashMap<Option<&str>, Vec<&Agency>>,
        parent: Option<&str>,
        depth: usize,
    ) -> Vec<TreeNode> {
        if depth == 0 {
            return Vec::new();
        }
        by_parent
            .get(&parent)
            .map(|children| {
                children
                    .iter()
                    .map(|a| TreeNode {
                        code: a.code.clone(),
                        name: a.name.clone(),
                        kind: a.kind,
                        children: nest(by_parent, Some(&a.id), depth - 1),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
    nest(&by_parent, None, max_depth)
}
