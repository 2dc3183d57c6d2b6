//! A citizen's store of papers ("Kho giấy tờ của tôi"): every paper they uploaded and every
//! result issued to them on their dossiers, so that nothing is uploaded twice.
//!
//! The store is read from `dossier_files`, not copied: reusing a paper gives the new dossier
//! its own row pointing to the same object. Whatever id a form sends is looked up again among
//! the citizen's own papers (`owned`), so an id guessed or copied from someone else is refused.
//! Removing a paper from the store only hides it there (`paper_store_removed`): a dossier keeps
//! every paper it was filed with, which is the agency's record.

use super::store::StoredFile;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use tinhso_domain::attachment::FilePurpose;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::db::Db;
use tinhso_kernel::error::{AppError, PageResult};
use tinhso_kernel::extract::{Path, Query};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::{Page, sv};

pub fn routes() -> Routes {
    Routes::new("onestop")
        .get("/account/papers", Access::SignedIn, store_page)
        .get("/account/papers/{id}", Access::SignedIn, download)
        .get(
            "/account/papers/{id}/delete",
            Access::SignedIn,
            confirm_delete,
        )
        .post("/account/papers/{id}/delete", Access::SignedIn, delete)
}

/// One paper of a citizen's store.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StorePaper {
    /// The id of the first `dossier_files` row that holds the object.
    pub id: String,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    /// `paper`, `supplement` (uploaded by the citizen) or `result` (issued to them).
    #[schema(value_type = String)]
    pub purpose: FilePurpose,
    /// The form field it was first attached to, to offer it first for the same paper.
    pub field_key: String,
    pub created_at: String,
    pub dossier_id: String,
    pub dossier_code: Option<String>,
    pub procedure_name: String,
    /// Only what the citizen uploaded may be removed; results are the agency's documents.
    pub deletable: bool,
    #[serde(skip)]
    pub storage_key: String,
}

/// Rows of the store: the citizen's own uploads and the results of their dossiers, minus what
/// they removed. `$1` is the citizen's id.
const STORE_SQL: &str = "SELECT f.id, f.purpose, f.field_key, f.file_name, f.media_type,
        f.size_bytes, f.sha256, f.storage_key, f.created_at, d.id AS dossier_id,
        d.code AS dossier_code, d.procedure_name
    FROM dossier_files f JOIN dossiers d ON d.id = f.dossier_id
    WHERE d.applicant_id = $1
      AND ((f.purpose IN ('paper', 'supplement') AND f.uploaded_by = $1) OR f.purpose = 'result')
      AND NOT EXISTS (SELECT 1 FROM paper_store_removed r
                      WHERE r.user_id = $1 AND r.storage_key = f.storage_key)";

fn from_row(r: &sqlx::any::AnyRow) -> Result<StorePaper, sqlx::Error> {
    let purpose: FilePurpose = r
        .try_get::<String, _>("purpose")?
        .parse()
        .map_err(|e: tinhso_domain::text_enum::UnknownValue| sqlx::Error::Decode(e.into()))?;
    Ok(StorePaper {
        id: r.try_get("id")?,
        file_name: r.try_get("file_name")?,
        media_type: r.try_get("media_type")?,
        size_bytes: r.try_get("size_bytes")?,
        sha256: r.try_get("sha256")?,
        deletable: purpose != FilePurpose::Result,
        purpose,
        field_key: r.try_get("field_key")?,
        created_at: r.try_get("created_at")?,
        dossier_id: r.try_get("dossier_id")?,
        dossier_code: r.try_get("dossier_code")?,
        procedure_name: r.try_get("procedure_name")?,
        storage_key: r.try_get("storage_key")?,
    })
}

/// The citizen's papers, newest first, each object once (a reused paper has several rows).
pub async fn list(db: &Db, user_id: &str) -> Result<Vec<StorePaper>, AppError> {
    let sql = format!("{STORE_SQL} ORDER BY f.created_at, f.id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user_id)
        .fetch_all(&db.pool)
        .await?;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for r in &rows {
        let paper = from_row(r)?;
        if seen.insert(paper.storage_key.clone()) {
            out.push(paper);
        }
    }
    out.reverse();
    Ok(out)
}

/// The paper `id` if it is in this citizen's store; `None` for anyone else's.
pub async fn owned(db: &Db, user_id: &str, id: &str) -> Result<Option<StorePaper>, AppError> {
    let sql = format!("{STORE_SQL} AND f.id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user_id)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// A new dossier's row for a paper taken from the store: its own id, the same object.
pub fn reuse(paper: &StorePaper, dossier_id: &str, field_key: &str) -> StoredFile {
    StoredFile {
        id: uuid::Uuid::now_v7().to_string(),
        dossier_id: dossier_id.to_owned(),
        purpose: FilePurpose::Paper,
        field_key: field_key.to_owned(),
        file_name: paper.file_name.clone(),
        media_type: paper.media_type.clone(),
        size_bytes: paper.size_bytes,
        sha256: paper.sha256.clone(),
        storage_key: paper.storage_key.clone(),
        created_at: tinhso_kernel::time::now_text(),
    }
}

#[derive(Deserialize, Default)]
struct StoreQuery {
    removed: Option<String>,
}

async fn store_page(
    State(state): State<Ctx>,
    page: Page,
    Query(q): Query<StoreQuery>,
) -> PageResult<Response> {
    let user = page.require_user()?;
    let papers = list(&state.db, &user.id).await?;
    Ok(page
        .render(
            "papers.html",
            context! { papers => sv(&papers), removed => q.removed.is_some() },
        )?
        .into_response())
}

async fn download(
    State(state): State<Ctx>,
    page: Page,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let user = page.require_user()?;
    let paper = owned(&state.db, &user.id, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let bytes = tinhso_kernel::storage::get(state.storage.as_ref(), &paper.storage_key)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(tinhso_kernel::web::download(
        &paper.media_type,
        &paper.file_name,
        bytes.to_vec(),
    ))
}

/// A paper the citizen may remove from their store, or "not found" for anything else.
async fn removable(state: &Ctx, page: &Page, id: &str) -> Result<StorePaper, AppError> {
    let user = page.require_user()?;
    owned(&state.db, &user.id, id)
        .await?
        .filter(|p| p.deletable)
        .ok_or(AppError::NotFound)
}

/// The confirmation step, a page of its own so that it works without JavaScript.
async fn confirm_delete(
    State(state): State<Ctx>,
    page: Page,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let paper = removable(&state, &page, &id).await?;
    Ok(page
        .render("paper_delete.html", context! { paper => sv(&paper) })?
        .into_response())
}

async fn delete(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let paper = removable(&state, &page, &id).await?;
    let user = page.require_user()?;
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "INSERT INTO paper_store_removed (user_id, storage_key, removed_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, storage_key) DO NOTHING",
    )
    .bind(&user.id)
    .bind(&paper.storage_key)
    .bind(tinhso_kernel::time::now_text())
    .execute(&mut *tx)
    .await?;
    let actor = Actor {
        label: format!("user:{}", user.id),
        ip,
    };
    let change = Change {
        action: "paper_store.remove",
        entity_type: "dossier_file",
        entity_id: &paper.id,
        before: serde_json::json!({"file_name": paper.file_name, "sha256": paper.sha256}),
        after: serde_json::Value::Null,
    };
    audit::record(&state.db, &mut tx, &actor, change).await?;
    tx.commit().await?;
    Ok(Redirect::to("/account/papers?removed=1").into_response())
}
