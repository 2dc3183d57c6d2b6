//! A citizen's store of papers ("Kho giấy tờ của tôi"): every paper they uploaded and every
//! result issued to them on their dossiers, so that nothing is uploaded twice.
//!
//! The store is read from `dossier_files`, not copied: reusing a paper gives the new dossier
//! its own row pointing to the same object. Whatever id a form sends is looked up again among
//! the citizen's own papers (`owned`), so an id guessed or copied from someone else is refused.
//! Removing a paper from the store only hides it there (`paper_store_removed`): a dossier keeps
//! every paper it was filed with, which is the agency's record.

use super::store::{self, StoredFile};
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};
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

/// A stored row as the store shows it: what it is, and whether the citizen may remove it.
fn paper(r: store::papers::PaperRow) -> Result<StorePaper, AppError> {
    let purpose: FilePurpose = r
        .purpose
        .parse()
        .map_err(|e: tinhso_domain::text_enum::UnknownValue| sqlx::Error::Decode(e.into()))?;
    Ok(StorePaper {
        id: r.id,
        file_name: r.file_name,
        media_type: r.media_type,
        size_bytes: r.size_bytes,
        sha256: r.sha256,
        deletable: purpose != FilePurpose::Result,
        purpose,
        field_key: r.field_key,
        created_at: r.created_at,
        dossier_id: r.dossier_id,
        dossier_code: r.dossier_code,
        procedure_name: r.procedure_name,
        storage_key: r.storage_key,
    })
}

/// The citizen's papers, newest first, each object once (a reused paper has several rows).
pub async fn list(db: &Db, user_id: &str) -> Result<Vec<StorePaper>, AppError> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for r in store::papers::rows(db, user_id).await? {
        let paper = paper(r)?;
        if seen.insert(paper.storage_key.clone()) {
            out.push(paper);
        }
    }
    out.reverse();
    Ok(out)
}

/// The paper `id` if it is in this citizen's store; `None` for anyone else's.
pub async fn owned(db: &Db, user_id: &str, id: &str) -> Result<Option<StorePaper>, AppError> {
    store::papers::row(db, user_id, id)
        .await?
        .map(paper)
        .transpose()
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
    let now = tinhso_kernel::time::now_text();
    store::papers::remove(&mut tx, &user.id, &paper.storage_key, &now).await?;
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
