//! Storage of the catalog. A procedure is stored as columns for what is searched and filtered,
//! and JSON documents for its definition (fees, papers, form, steps).

use super::{Procedure, validate};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::{AppError, FieldError};

fn json_err(e: serde_json::Error) -> AppError {
    AppError::Internal(e.into())
}

fn json<T: Serialize>(value: &T) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(json_err)
}

async fn agency_codes(conn: &mut Conn, procedure_id: &str) -> Result<Vec<String>, AppError> {
    let rows = sqlx::query(
        "SELECT a.code FROM procedure_agencies pa JOIN agencies a ON a.id = pa.agency_id WHERE pa.procedure_id = $1 ORDER BY a.code",
    )
    .bind(procedure_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get("code"))
        .collect::<Result<_, _>>()?)
}

fn from_row(row: &AnyRow, agencies: Vec<String>) -> Result<Procedure, AppError> {
    let text = |c: &str| row.try_get::<String, _>(c);
    Ok(Procedure {
        code: text("code")?,
        name: text("name")?,
        field_code: text("field_code")?,
        field_name: text("field_name")?,
        level: text("level")?,
        processing: tinhso_domain::calendar::WorkDuration::half_days(
            row.try_get::<i64, _>("processing_half_days")? as u32,
        ),
        online_level: text("online_level")?
            .parse()
            .map_err(|e: tinhso_domain::text_enum::UnknownValue| AppError::Internal(e.into()))?,
        fees: serde_json::from_str(&text("fees")?).map_err(json_err)?,
        papers: serde_json::from_str(&text("papers")?).map_err(json_err)?,
        result: text("result")?,
        legal_basis: serde_json::from_str(&text("legal_basis")?).map_err(json_err)?,
        conditions: serde_json::from_str(&text("conditions")?).map_err(json_err)?,
        templates: serde_json::from_str(&text("templates")?).map_err(json_err)?,
        form: serde_json::from_str(&text("form")?).map_err(json_err)?,
        steps: serde_json::from_str(&text("steps")?).map_err(json_err)?,
        cutoff: row.try_get("cutoff")?,
        agencies,
    })
}

const SELECT: &str = "SELECT p.id, p.code, p.name, p.field_code, f.name AS field_name, p.level, p.processing_half_days,
    p.online_level, p.fees, p.papers, p.result, p.form, p.steps, p.cutoff,
    p.legal_basis, p.conditions, p.templates
    FROM procedures p JOIN procedure_fields f ON f.code = p.field_code";

pub async fn by_code(db: &Db, code: &str) -> Result<Option<Procedure>, AppError> {
    let mut conn = db.pool.acquire().await?;
    let sql = format!("{SELECT} WHERE p.code = $1 AND p.active = 1");
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(code.trim())
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let id: String = row.try_get("id")?;
    let agencies = agency_codes(&mut conn, &id).await?;
    Ok(Some(from_row(&row, agencies)?))
}

/// A row of the public catalog list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Summary {
    pub code: String,
    pub name: String,
    pub field_code: String,
    pub field_name: String,
    pub level: String,
    /// Working days, e.g. 1.5.
    pub processing_days: f64,
    pub online_level: String,
}

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct Filter {
    /// Words of the name, diacritics optional ("dang ky khai sinh"), or a code.
    pub q: Option<String>,
    /// Field (lĩnh vực) code.
    pub field: Option<String>,
    /// Code of an agency that carries out the procedure.
    pub agency: Option<String>,
    /// `province` or `commune`.
    pub level: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

pub async fn search(
    db: &Db,
    f: &Filter,
) -> Result<tinhso_directory::store::Page<Summary>, AppError> {
    let terms = tinhso_domain::text::search_terms(f.q.as_deref().unwrap_or(""));
    let per_page = f.per_page.unwrap_or(30).clamp(1, 200);
    let page = f.page.unwrap_or(1).max(1);
    let given = |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).map(str::to_owned);
    if !terms.words.is_empty() {
        // Words: the search index ranks the procedures (kernel::search, catalog/index.rs).
        let filters: Vec<(&str, String)> = [
            ("field", given(&f.field)),
            ("level", given(&f.level)),
            ("agency", given(&f.agency)),
        ]
        .into_iter()
        .filter_map(|(facet, v)| v.map(|v| (facet, v)))
        .collect();
        let (codes, total) =
            super::index::matching(db, &terms.words.join(" "), filters, page, per_page).await?;
        let mut items = summaries(db, &codes).await?;
        items.sort_by_key(|s| codes.iter().position(|c| *c == s.code));
        return Ok(tinhso_directory::store::Page {
            items,
            page,
            per_page,
            total,
        });
    }
    let mut clauses = vec!["p.active = 1".to_owned()];
    let mut binds: Vec<String> = Vec::new();
    if let Some(field) = given(&f.field) {
        binds.push(field);
        clauses.push(format!("p.field_code = ${}", binds.len()));
    }
    if let Some(level) = given(&f.level) {
        binds.push(level);
        clauses.push(format!("p.level = ${}", binds.len()));
    }
    if let Some(agency) = given(&f.agency) {
        binds.push(agency);
        clauses.push(format!(
            "p.id IN (SELECT pa.procedure_id FROM procedure_agencies pa JOIN agencies a ON a.id = pa.agency_id WHERE a.code = ${})",
            binds.len()
        ));
    }
    let filter = clauses.join(" AND ");
    let mut count = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) AS n FROM procedures p WHERE {filter}"
    )));
    for b in &binds {
        count = count.bind(b.clone());
    }
    let total: i64 = count.fetch_one(&db.pool).await?.try_get("n")?;
    // By field and name (a constant would read as a column number).
    let sql = format!(
        "{SUMMARY} WHERE {filter} ORDER BY f.name_folded, f.code, p.name_folded, p.code LIMIT {per_page} OFFSET {}",
        (page - 1).saturating_mul(per_page)
    );
    let mut list = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in &binds {
        list = list.bind(b.clone());
    }
    let items = list
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(summary)
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(tinhso_directory::store::Page {
        items,
        page,
        per_page,
        total,
    })
}

const SUMMARY: &str = "SELECT p.code, p.name, p.field_code, f.name AS field_name, p.level, p.processing_half_days, p.online_level
    FROM procedures p JOIN procedure_fields f ON f.code = p.field_code";

fn summary(r: &AnyRow) -> Result<Summary, sqlx::Error> {
    Ok(Summary {
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        field_code: r.try_get("field_code")?,
        field_name: r.try_get("field_name")?,
        level: r.try_get("level")?,
        processing_days: r.try_get::<i64, _>("processing_half_days")? as f64 / 2.0,
        online_level: r.try_get("online_level")?,
    })
}

/// The active procedures among `codes` (a page of hits), in no particular order.
async fn summaries(db: &Db, codes: &[String]) -> Result<Vec<Summary>, AppError> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=codes.len()).map(|n| format!("${n}")).collect();
    let mut list = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SUMMARY} WHERE p.active = 1 AND p.code IN ({})",
        marks.join(", ")
    )));
    for c in codes {
        list = list.bind(c.as_str());
    }
    Ok(list
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(summary)
        .collect::<Result<Vec<_>, sqlx::Error>>()?)
}

/// An agency that carries out at least one procedure, for the catalog's filter.
#[derive(Debug, Clone, Serialize)]
pub struct AgencyChoice {
    pub code: String,
    pub name: String,
}

/// The agencies that carry out procedures, by name as people read it (diacritics folded, so
/// "Ủy ban…" sorts among the U's and not after every plain letter).
pub async fn agencies_with_procedures(db: &Db) -> Result<Vec<AgencyChoice>, AppError> {
    let rows = sqlx::query(
        "SELECT DISTINCT a.code, a.name FROM procedure_agencies pa
         JOIN agencies a ON a.id = pa.agency_id JOIN procedures p ON p.id = pa.procedure_id
         WHERE p.active = 1",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut out = rows
        .iter()
        .map(|r| {
            Ok(AgencyChoice {
                code: r.try_get("code")?,
                name: r.try_get("name")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    out.sort_by_cached_key(|a| (tinhso_domain::text::fold(&a.name), a.code.clone()));
    Ok(out)
}

/// Folds the names of fields stored before `name_folded` existed, so the catalog's order holds.
pub async fn fold_field_names(db: &Db) -> Result<(), AppError> {
    let rows = sqlx::query("SELECT code, name FROM procedure_fields WHERE name_folded = ''")
        .fetch_all(&db.pool)
        .await?;
    for r in rows {
        let name: String = r.try_get("name")?;
        sqlx::query("UPDATE procedure_fields SET name_folded = $1 WHERE code = $2")
            .bind(tinhso_domain::text::fold(&name))
            .bind(r.try_get::<String, _>("code")?)
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldInfo {
    pub code: String,
    pub name: String,
    pub procedures: i64,
}

pub async fn fields(db: &Db) -> Result<Vec<FieldInfo>, AppError> {
    let rows = sqlx::query(
        "SELECT f.code, f.name, COUNT(p.id) AS n FROM procedure_fields f
         LEFT JOIN procedures p ON p.field_code = f.code AND p.active = 1
         GROUP BY f.code, f.name, f.name_folded ORDER BY f.name_folded, f.code",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(FieldInfo {
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                procedures: r.try_get("n")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Creates or replaces a procedure (by national code) inside the caller's transaction, audited,
/// with its event when it is new or changed (the caller calls `events::committed` after
/// committing).
pub async fn upsert(
    ctx: &tinhso_kernel::Ctx,
    tx: &mut Conn,
    actor: &Actor,
    p: &Procedure,
) -> Result<(), AppError> {
    let db = &ctx.db;
    validate(p).map_err(AppError::Validation)?;
    let mut agency_ids = Vec::new();
    for code in &p.agencies {
        let row = sqlx::query("SELECT id FROM agencies WHERE code = $1")
            .bind(code)
            .fetch_optional(&mut *tx)
            .await?;
        match row {
            Some(r) => agency_ids.push(r.try_get::<String, _>("id")?),
            None => {
                return Err(AppError::validation(
                    "agencies",
                    format!("Không có cơ quan mang mã {code}."),
                ));
            }
        }
    }
    sqlx::query(
        "INSERT INTO procedure_fields (code, name, name_folded) VALUES ($1, $2, $3)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_folded = excluded.name_folded",
    )
    .bind(&p.field_code)
    .bind(&p.field_name)
    .bind(tinhso_domain::text::fold(&p.field_name))
    .execute(&mut *tx)
    .await?;
    let before = existing(tx, &p.code).await?;
    let id = before
        .as_ref()
        .map(|(id, _)| id.clone())
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    sqlx::query(
        "INSERT INTO procedures (id, code, name, name_folded, field_code, level, processing_half_days, online_level,
            fees, papers, result, form, steps, cutoff, active, updated_at, legal_basis, conditions, templates)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, $15, $16, $17, $18)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_folded = excluded.name_folded,
            field_code = excluded.field_code, level = excluded.level,
            processing_half_days = excluded.processing_half_days, online_level = excluded.online_level,
            fees = excluded.fees, papers = excluded.papers, result = excluded.result, form = excluded.form,
            steps = excluded.steps, cutoff = excluded.cutoff, active = 1, updated_at = excluded.updated_at,
            legal_basis = excluded.legal_basis, conditions = excluded.conditions, templates = excluded.templates",
    )
    .bind(&id)
    .bind(&p.code)
    .bind(tinhso_domain::text::normalize(&p.name))
    .bind(tinhso_domain::text::fold(&p.name))
    .bind(&p.field_code)
    .bind(&p.level)
    .bind(i64::from(p.processing.as_half_days()))
    .bind(p.online_level.as_str())
    .bind(json(&p.fees)?)
    .bind(json(&p.papers)?)
    .bind(&p.result)
    .bind(json(&p.form)?)
    .bind(json(&p.steps)?)
    .bind(&p.cutoff)
    .bind(tinhso_kernel::time::now_text())
    .bind(json(&p.legal_basis)?)
    .bind(json(&p.conditions)?)
    .bind(json(&p.templates)?)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM procedure_agencies WHERE procedure_id = $1")
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    for agency_id in agency_ids {
        sqlx::query("INSERT INTO procedure_agencies (procedure_id, agency_id) VALUES ($1, $2)")
            .bind(&id)
            .bind(agency_id)
            .execute(&mut *tx)
            .await?;
    }
    super::index::procedure(tx, p).await?;
    let after = serde_json::to_value(p).map_err(json_err)?;
    let kind = match &before {
        None => Some(&super::events::CREATED),
        Some((_, old)) if *old != after => Some(&super::events::UPDATED),
        Some(_) => None,
    };
    let change = Change {
        action: if before.is_some() {
            "procedure.update"
        } else {
            "procedure.create"
        },
        entity_type: "procedure",
        entity_id: &p.code,
        before: before.map(|(_, v)| v).unwrap_or_default(),
        after,
    };
    audit::record(db, tx, actor, change).await?;
    if let Some(kind) = kind {
        tinhso_kernel::events::emit(
            ctx,
            tx,
            tinhso_kernel::events::NewEvent {
                kind,
                aggregate_id: &id,
                payload: serde_json::json!({"procedure_id": id, "code": p.code}),
                actor,
            },
        )
        .await?;
    }
    Ok(())
}

/// The stored id and definition of a procedure, for updates and their audit row.
async fn existing(
    tx: &mut Conn,
    code: &str,
) -> Result<Option<(String, serde_json::Value)>, AppError> {
    let sql = format!("{SELECT} WHERE p.code = $1");
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(code)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(None);
    };
    let id: String = row.try_get("id")?;
    let agencies = agency_codes(tx, &id).await?;
    let p = from_row(&row, agencies)?;
    Ok(Some((id, serde_json::to_value(p).map_err(json_err)?)))
}

/// Result of a JSON import: all-or-nothing, with every bad procedure listed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub procedures: usize,
    pub imported: usize,
    pub errors: Vec<ImportError>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportError {
    /// Position in the array, from 1.
    pub index: usize,
    pub code: String,
    pub field: String,
    pub message: String,
}

pub async fn import(
    ctx: &tinhso_kernel::Ctx,
    actor: &Actor,
    procedures: &[Procedure],
) -> Result<ImportReport, AppError> {
    let mut errors = Vec::new();
    let mut tx = ctx.db.begin().await?;
    for (i, p) in procedures.iter().enumerate() {
        let mut savepoint = sqlx::Connection::begin(&mut *tx).await?;
        match upsert(ctx, &mut savepoint, actor, p).await {
            Ok(()) => savepoint.commit().await?,
            Err(AppError::Validation(fields)) => {
                savepoint.rollback().await?;
                errors.extend(fields.into_iter().map(|FieldError { field, message }| {
                    ImportError {
                        index: i + 1,
                        code: p.code.clone(),
                        field,
                        message,
                    }
                }));
            }
            Err(e) => return Err(e),
        }
    }
    let imported = if errors.is_empty() {
        tx.commit().await?;
        tinhso_kernel::events::committed(ctx);
        procedures.len()
    } else {
        tx.rollback().await?;
        0
    };
    Ok(ImportReport {
        procedures: procedures.len(),
        imported,
        errors,
    })
}

pub async fn export_all(db: &Db) -> Result<Vec<Procedure>, AppError> {
    let rows = sqlx::query("SELECT code FROM procedures WHERE active = 1 ORDER BY code")
        .fetch_all(&db.pool)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let code: String = r.try_get("code")?;
        if let Some(p) = by_code(db, &code).await? {
            out.push(p);
        }
    }
    Ok(out)
}

/// One line per procedure and agency: the localised code, as the national portal lists them.
pub async fn export_csv(db: &Db) -> Result<Vec<u8>, AppError> {
    let mut w = tinhso_kernel::tables::SafeCsv::new();
    w.record([
        "code",
        "local_code",
        "name",
        "field",
        "level",
        "processing_days",
        "online_level",
        "agency_code",
    ])?;
    for p in export_all(db).await? {
        for agency in &p.agencies {
            w.record([
                p.code.as_str(),
                &p.local_code(agency),
                &p.name,
                &p.field_name,
                &p.level,
                &p.processing.to_string(),
                p.online_level.as_str(),
                agency,
            ])?;
        }
    }
    w.finish()
}
