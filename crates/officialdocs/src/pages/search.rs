//! The documents search page ("Tìm văn bản"): words with or without diacritics, ranked hits with
//! their highlighted snippets, facets to narrow by (type, issuing agency, year, status,
//! urgency), and the person's saved searches. The same search as `GET /api/v1/documents/search`
//! (`search::api::find`): only what the searcher may read is found or counted.

use super::{official, section};
use crate::search::api::{self as search_api, DocumentSearch, DocumentSearchResult};
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use serde::Deserialize;
use tinhso_domain::official_doc::DocType;
use tinhso_kernel::Ctx;
use tinhso_kernel::auth::User;
use tinhso_kernel::error::{AppError, PageResult};
use tinhso_kernel::extract::{Form, Path, Query};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::{Page, form_errors, sv};

pub fn routes() -> Routes {
    let entity = Access::Entity("document");
    Routes::new("documents")
        .get("/office/documents/search", entity, search_page)
        .post("/office/documents/search/saved", entity, save)
        .post("/office/documents/search/saved/{id}/delete", entity, forget)
}

/// The facets the page offers, in the order shown.
const FACETS: [&str; 5] = ["type", "organ", "year", "state", "urgency"];

/// `s` as a query string, empty fields left out (for links and saved searches).
fn query_string(s: &DocumentSearch) -> String {
    let pairs: Vec<(&str, String)> = [
        ("q", s.q.clone()),
        ("type", s.doc_type.clone()),
        ("organ", s.organ.clone()),
        ("year", s.year.clone()),
        ("state", s.state.clone()),
        ("urgency", s.urgency.clone()),
        ("page", s.page.filter(|p| *p > 1).map(|p| p.to_string())),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.filter(|v| !v.trim().is_empty()).map(|v| (k, v)))
    .collect();
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// `s` with facet `facet` set to `value` (or cleared with `None`), back on page 1.
fn with_facet(s: &DocumentSearch, facet: &str, value: Option<&str>) -> DocumentSearch {
    let mut next = s.clone();
    let value = value.map(str::to_owned);
    match facet {
        "type" => next.doc_type = value,
        "organ" => next.organ = value,
        "year" => next.year = value,
        "state" => next.state = value,
        _ => next.urgency = value,
    }
    next.page = None;
    next
}

/// The value of facet `facet` chosen in `s`.
fn chosen<'a>(s: &'a DocumentSearch, facet: &str) -> Option<&'a str> {
    match facet {
        "type" => s.doc_type.as_deref(),
        "organ" => s.organ.as_deref(),
        "year" => s.year.as_deref(),
        "state" => s.state.as_deref(),
        _ => s.urgency.as_deref(),
    }
    .filter(|v| !v.is_empty())
}

/// How a facet value reads: a type's name, an agency's name, a year; states and urgencies are
/// named by the template from their codes.
async fn facet_label(state: &Ctx, facet: &str, value: &str) -> Result<String, AppError> {
    Ok(match facet {
        "type" => value
            .parse::<DocType>()
            .map(|t| t.name_vi().to_owned())
            .unwrap_or_else(|_| value.to_owned()),
        "organ" => tinhso_directory::find(&state.db, value)
            .await?
            .map(|a| a.name)
            .unwrap_or_else(|| value.to_owned()),
        _ => value.to_owned(),
    })
}

/// The facets as the page shows them: each value with its count and the link that narrows
/// the search to it (or, for the chosen one, the link that widens it again).
async fn facets(
    state: &Ctx,
    s: &DocumentSearch,
    found: &DocumentSearchResult,
) -> Result<Vec<Value>, AppError> {
    let mut out = Vec::new();
    for facet in FACETS {
        let current = chosen(s, facet);
        let mut values = Vec::new();
        for v in found.facets.get(facet).into_iter().flatten() {
            let selected = current == Some(v.value.as_str());
            let target = with_facet(s, facet, (!selected).then_some(v.value.as_str()));
            values.push(context! {
                value => v.value.clone(),
                label => facet_label(state, facet, &v.value).await?,
                count => v.count,
                selected => selected,
                href => format!("/office/documents/search?{}", query_string(&target)),
            });
        }
        if !values.is_empty() {
            out.push(context! { name => facet, values => values });
        }
    }
    Ok(out)
}

async fn search_page(
    State(state): State<Ctx>,
    page: Page,
    Query(s): Query<DocumentSearch>,
) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    render(&state, &page, &user, &s, &[]).await
}

async fn render(
    state: &Ctx,
    page: &Page,
    user: &User,
    s: &DocumentSearch,
    errors: &[tinhso_kernel::error::FieldError],
) -> PageResult<Response> {
    let asked = s.q.as_deref().is_some_and(|q| !q.trim().is_empty())
        || FACETS.iter().any(|f| chosen(s, f).is_some());
    let found = if asked {
        Some(search_api::find(state, user, s).await?)
    } else {
        None
    };
    let facets = match &found {
        Some(found) => facets(state, s, found).await?,
        None => Vec::new(),
    };
    let pages = found.as_ref().map(|f| {
        let number = f.page.max(1);
        let to = |n: i64| {
            query_string(&DocumentSearch {
                page: Some(n),
                ..s.clone()
            })
        };
        context! {
            previous => (number > 1).then(|| to(number - 1)),
            next => (number * f.per_page < f.total).then(|| to(number + 1)),
            number => number,
        }
    });
    let saved = crate::search::store::saved(&state.db, &user.id).await?;
    let html = page.render(
        "documents_search.html",
        context! {
            q => s.q.clone().unwrap_or_default(), asked => asked, found => sv(&found),
            facets => facets, pages => pages, saved => sv(&saved), query => query_string(s),
            errors => form_errors(errors), section => section(user), tab => "search",
        },
    )?;
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, html).into_response())
}

#[derive(Deserialize)]
struct SaveForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    query: String,
}

async fn save(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Form(form): Form<SaveForm>,
) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    match search_api::save(
        &state,
        &user,
        &super::who(&user, &ip).actor,
        &form.name,
        &form.query,
    )
    .await
    {
        Ok(saved) => {
            Ok(Redirect::to(&format!("/office/documents/search?{}", saved.query)).into_response())
        }
        Err(AppError::Validation(errors)) => {
            let s: DocumentSearch = serde_urlencoded::from_str(&form.query).unwrap_or_default();
            render(&state, &page, &user, &s, &errors).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn forget(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    search_api::forget(&state, &user, &super::who(&user, &ip).actor, &id).await?;
    Ok(Redirect::to("/office/documents/search").into_response())
}
