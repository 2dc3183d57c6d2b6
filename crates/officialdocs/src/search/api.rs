//! `GET /api/v1/documents/search` and the caller's saved searches
//! (`/api/v1/documents/saved-searches`). Token scope `documents`.

use super::store::{self as saved_store, SavedSearch};
use super::{FACETS, KIND, grants};
use crate::api::{signed_in, who};
use crate::policy::{DocumentAction, DocumentPolicy};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::auth::User;
use tinhso_kernel::error::{ApiResult, AppError};
use tinhso_kernel::extract::{Caller, Json, Path, Query};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::search::{self, Require, Visible};
use utoipa_axum::routes;

pub fn routes() -> Routes {
    Routes::new("documents")
        .api(Access::Entity("document"), routes!(search_documents))
        .api(
            Access::Entity("document"),
            routes!(saved_list, saved_create),
        )
        .api(Access::Entity("document"), routes!(saved_delete))
}

/// Hits per page.
const PER_PAGE: i64 = 20;
/// Saved searches per person.
const MAX_SAVED: i64 = 50;

/// A document search: words (diacritics optional) and facet values.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
pub struct DocumentSearch {
    /// Words of the subject, notation, issuer, signer or text, diacritics optional
    /// (`quyet dinh phe duyet`); every word must match, the last also as a prefix.
    pub q: Option<String>,
    /// The type's code (`decision`).
    #[serde(rename = "type")]
    pub doc_type: Option<String>,
    /// The issuing agency's code (OrganId).
    pub organ: Option<String>,
    pub year: Option<String>,
    pub state: Option<String>,
    /// `normal`, `urgent`, `very_urgent`, `flash`…
    pub urgency: Option<String>,
    /// From 1.
    pub page: Option<i64>,
}

/// One document found.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct DocumentHit {
    pub id: String,
    pub direction: String,
    pub state: String,
    pub organ_id: String,
    pub organ_name: String,
    pub code_number: Option<String>,
    pub code_notation: Option<String>,
    pub issued_date: Option<String>,
    pub type_code: String,
    pub type_name: String,
    pub urgency: String,
    pub subject: String,
    /// The subject, HTML-escaped, the matched words in `<mark>`.
    pub subject_marked: String,
    /// A part of the description and text, HTML-escaped, matched words (as written, with
    /// their diacritics) in `<mark>`.
    pub snippet: String,
    /// Higher is better, within one search.
    pub score: f64,
}

/// One facet value and how many of the documents found (that the caller may read) hold it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct FacetValue {
    pub value: String,
    pub count: i64,
}

/// A page of documents found, best first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct DocumentSearchResult {
    pub items: Vec<DocumentHit>,
    pub total: i64,
    /// Whether `Total` and the facet counts are estimates (past 10,000 matches they are
    /// counted from an even sample, to three significant figures).
    pub total_estimated: bool,
    pub page: i64,
    pub per_page: i64,
    /// Per facet (`type`, `organ`, `year`, `state`, `urgency`), its values with counts.
    pub facets: BTreeMap<String, Vec<FacetValue>>,
}

/// Search the documents the caller may read: words without or with diacritics, ranked (the
/// subject above the text), with highlighted snippets and facet counts over what the caller
/// may read only. Any text is a valid query.
#[utoipa::path(get, path = "/api/v1/documents/search", tag = "documents",
    params(DocumentSearch),
    responses((status = 200, body = DocumentSearchResult),
        (status = 401, description = "Not signed in", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn search_documents(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    Query(s): Query<DocumentSearch>,
) -> ApiResult<Json<DocumentSearchResult>> {
    let user = signed_in(&auth)?;
    Ok(Json(find(&state, user, &s).await?))
}

/// Runs search `s` for `user`: what the API answers and the search page shows.
pub async fn find(
    state: &Ctx,
    user: &User,
    s: &DocumentSearch,
) -> Result<DocumentSearchResult, AppError> {
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let filters: Vec<(&str, String)> = [
        ("type", given(&s.doc_type)),
        ("organ", given(&s.organ)),
        ("year", given(&s.year)),
        ("state", given(&s.state)),
        ("urgency", given(&s.urgency)),
    ]
    .into_iter()
    .filter_map(|(f, v)| v.map(|v| (f, v)))
    .collect();
    let mut found = search::query(
        &state.db,
        &search::Query {
            kinds: &[KIND],
            text: s.q.as_deref().unwrap_or_default(),
            require: Require::All,
            filters,
            count: &FACETS,
            visible: Visible {
                public: false,
                grants: grants(user),
            },
            page: s.page.unwrap_or(1),
            per_page: PER_PAGE,
            snippet_chars: 200,
            // The documents' rows bring their entries' bodies: one statement for the page.
            texts: search::Texts::Caller,
        },
    )
    .await?;
    let ids: Vec<&str> = found.hits.iter().map(|h| h.id.as_str()).collect();
    let mut documents: std::collections::HashMap<String, (crate::Document, String)> =
        crate::store::by_ids_with_search_body(&state.db, &ids)
            .await?
            .into_iter()
            .map(|(d, body)| (d.id.clone(), (d, body)))
            .collect();
    let mut items = Vec::with_capacity(found.hits.len());
    let hits = std::mem::take(&mut found.hits);
    for mut hit in hits {
        // The index mirrors the policy; the policy still has the last word on each document.
        let Some((d, body)) = documents.remove(&hit.id) else {
            continue;
        };
        if DocumentPolicy::decision(user, &d, DocumentAction::View).is_err() {
            continue;
        }
        found.mark(&mut hit, &d.subject, &body);
        items.push(DocumentHit {
            id: d.id,
            direction: d.direction.as_str().to_owned(),
            state: d.state.as_str().to_owned(),
            organ_id: d.organ_id,
            organ_name: d.organ_name,
            code_number: d.code_number,
            code_notation: d.code_notation,
            issued_date: d.issued_date,
            type_code: d.doc_type.as_str().to_owned(),
            type_name: d.doc_type.name_vi().to_owned(),
            urgency: d.urgency.as_str().to_owned(),
            subject: d.subject,
            subject_marked: hit.title_marked,
            snippet: hit.snippet,
            score: hit.score,
        });
    }
    let mut facets: BTreeMap<String, Vec<FacetValue>> = FACETS
        .iter()
        .map(|f| ((*f).to_owned(), Vec::new()))
        .collect();
    for c in found.facets {
        facets.entry(c.facet).or_default().push(FacetValue {
            value: c.value,
            count: c.count,
        });
    }
    Ok(DocumentSearchResult {
        items,
        total: found.total,
        total_estimated: found.estimated,
        page: found.page,
        per_page: found.per_page,
        facets,
    })
}

/// The caller's saved searches, oldest first.
#[utoipa::path(get, path = "/api/v1/documents/saved-searches", tag = "documents",
    responses((status = 200, body = [SavedSearch]),
        (status = 401, description = "Not signed in", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn saved_list(
    State(state): State<Ctx>,
    Caller(auth): Caller,
) -> ApiResult<Json<Vec<SavedSearch>>> {
    let user = signed_in(&auth)?;
    Ok(Json(saved_store::saved(&state.db, &user.id).await?))
}

/// A search to save.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct NewSavedSearch {
    /// 1 to 100 characters.
    pub name: String,
    /// The search's query string (`q=quyet+dinh&type=decision`), up to 2,000 characters.
    pub query: String,
}

/// Save a search for the caller (up to 50).
#[utoipa::path(post, path = "/api/v1/documents/saved-searches", tag = "documents",
    request_body = NewSavedSearch,
    responses((status = 201, body = SavedSearch),
        (status = 401, description = "Not signed in", content_type = "application/problem+json"),
        (status = 422, description = "No name, too long, or too many saved", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn saved_create(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Json(input): Json<NewSavedSearch>,
) -> ApiResult<(StatusCode, Json<SavedSearch>)> {
    let user = signed_in(&auth)?;
    let saved = save(
        &state,
        user,
        &who(&auth, &ip)?.actor,
        &input.name,
        &input.query,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

/// Saves search `query` under `name` for `user` (up to 50), audited.
pub async fn save(
    state: &Ctx,
    user: &User,
    actor: &Actor,
    name: &str,
    query: &str,
) -> Result<SavedSearch, AppError> {
    let name = tinhso_domain::text::normalize(name);
    let query = query.trim().trim_start_matches('?').to_owned();
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(tinhso_kernel::error::FieldError::new(
            "Name",
            "Đặt tên cho tìm kiếm (tối đa 100 ký tự).",
        ));
    }
    if query.chars().count() > 2000 {
        errors.push(tinhso_kernel::error::FieldError::new(
            "Query",
            "Câu tìm kiếm dài quá 2.000 ký tự.",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let saved = SavedSearch {
        id: uuid::Uuid::now_v7().to_string(),
        name,
        query,
        created_at: tinhso_kernel::time::now_text(),
    };
    let mut tx = state.db.begin().await?;
    if saved_store::count_saved(&mut tx, &user.id).await? >= MAX_SAVED {
        return Err(AppError::validation(
            "Name",
            "Mỗi người lưu tối đa 50 tìm kiếm; hãy xóa bớt tìm kiếm cũ.",
        ));
    }
    saved_store::insert_saved(&mut tx, &user.id, &saved).await?;
    audit::record(
        &state.db,
        &mut tx,
        actor,
        Change {
            action: "document.saved_search.create",
            entity_type: "saved_search",
            entity_id: &saved.id,
            before: json!(null),
            after: json!({ "name": saved.name, "query": saved.query }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(saved)
}

/// Delete one of the caller's saved searches (someone else's is not found).
#[utoipa::path(delete, path = "/api/v1/documents/saved-searches/{id}", tag = "documents",
    params(("id" = String, Path, description = "Saved search id")),
    responses((status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in", content_type = "application/problem+json"),
        (status = 404, description = "No such saved search of the caller's", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn saved_delete(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let user = signed_in(&auth)?;
    forget(&state, user, &who(&auth, &ip)?.actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes `user`'s saved search `id` (someone else's is not found), audited.
pub async fn forget(state: &Ctx, user: &User, actor: &Actor, id: &str) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    if !saved_store::delete_saved(&mut tx, &user.id, id).await? {
        return Err(AppError::NotFound);
    }
    audit::record(
        &state.db,
        &mut tx,
        actor,
        Change {
            action: "document.saved_search.delete",
            entity_type: "saved_search",
            entity_id: id,
            before: json!(null),
            after: json!(null),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
