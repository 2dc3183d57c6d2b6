//! The inbox pages (`/inbox`), the notification preferences (`/account/notifications`) and the
//! inbox API (`/api/v1/inbox`). All for the signed-in person only: someone else's item is "not
//! found", like any record they may not see.

use super::{Channels, InboxItem};
use crate::Ctx;
use crate::error::{ApiResult, AppError, PageResult};
use crate::extract::{Caller, Json, Path, Query};
use crate::module::{Access, Routes};
use crate::web::{Page, redirect_local, sv};
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};
use utoipa_axum::routes;

/// Items per inbox page.
const PER_PAGE: i64 = 50;

pub fn routes() -> Routes {
    Routes::new("platform")
        .get("/inbox", Access::SignedIn, inbox)
        .post("/inbox/read-all", Access::SignedIn, read_all)
        .get("/inbox/{id}", Access::SignedIn, open)
        .post("/inbox/{id}/read", Access::SignedIn, read)
        .get("/account/notifications", Access::SignedIn, preferences)
        .post("/account/notifications", Access::SignedIn, save_preferences)
        .api(Access::SignedIn, routes!(api_list))
        .api(Access::SignedIn, routes!(api_read))
}

#[derive(Debug, Deserialize, Default)]
struct InboxQuery {
    page: Option<i64>,
}

async fn inbox(
    State(state): State<Ctx>,
    page: Page,
    Query(q): Query<InboxQuery>,
) -> PageResult<Response> {
    crate::auth::account::own(&state, &page.principal()).await?;
    let user = page.require_user()?;
    let number = q.page.unwrap_or(1).clamp(1, 10_000);
    let mut items =
        super::items(&state.db, &user.id, PER_PAGE + 1, (number - 1) * PER_PAGE).await?;
    let more = items.len() as i64 > PER_PAGE;
    items.truncate(PER_PAGE as usize);
    Ok(page
        .render(
            "inbox.html",
            context! { items => sv(&items), previous => (number > 1).then_some(number - 1),
            next => more.then_some(number + 1) },
        )?
        .into_response())
}

/// Opening an item marks it read and goes to the page it is about (or back to the inbox).
async fn open(
    State(state): State<Ctx>,
    page: Page,
    Path(id): Path<String>,
) -> PageResult<Response> {
    crate::auth::account::own(&state, &page.principal()).await?;
    let user = page.require_user()?;
    let item = super::mark_read(&state.db, &user.id, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(match item.link.as_deref() {
        Some(link) => redirect_local(link).into_response(),
        None => Redirect::to("/inbox").into_response(),
    })
}

async fn read(
    State(state): State<Ctx>,
    page: Page,
    Path(id): Path<String>,
) -> PageResult<Response> {
    crate::auth::account::own(&state, &page.principal()).await?;
    let user = page.require_user()?;
    super::mark_read(&state.db, &user.id, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Redirect::to("/inbox").into_response())
}

async fn read_all(State(state): State<Ctx>, page: Page) -> PageResult<Response> {
    crate::auth::account::own(&state, &page.principal()).await?;
    let user = page.require_user()?;
    super::mark_all_read(&state.db, &user.id).await?;
    Ok(Redirect::to("/inbox").into_response())
}

#[derive(Debug, Deserialize, Default)]
struct SavedQuery {
    saved: Option<String>,
}

async fn preferences(
    State(state): State<Ctx>,
    page: Page,
    Query(q): Query<SavedQuery>,
) -> PageResult<Response> {
    crate::auth::account::own(&state, &page.principal()).await?;
    let user = page.require_user()?;
    let choices = super::choices(&state.db, user, &state.topics).await?;
    Ok(page
        .render(
            "notifications.html",
            context! { choices => sv(&choices), saved => q.saved.is_some() },
        )?
        .into_response())
}

/// The ticked boxes: one `email` and one `inbox` value per topic wanted by that channel.
#[derive(Debug, Deserialize, Default)]
struct PreferencesForm {
    #[serde(default)]
    email: Vec<String>,
    #[serde(default)]
    inbox: Vec<String>,
}

async fn save_preferences(
    State(state): State<Ctx>,
    page: Page,
    axum_extra::extract::Form(form): axum_extra::extract::Form<PreferencesForm>,
) -> PageResult<Response> {
    crate::auth::account::own(&state, &page.principal()).await?;
    let user = page.require_user()?;
    let mut tx = state.db.begin().await?;
    super::save_choices(&mut tx, user, &state.topics, |key| Channels {
        email: form.email.iter().any(|k| k == key),
        inbox: form.inbox.iter().any(|k| k == key),
    })
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/account/notifications?saved=1").into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct InboxParams {
    /// At most this many items (1–100; default 50).
    pub limit: Option<i64>,
    /// Skip this many of the newest items first.
    pub offset: Option<i64>,
}

/// A page of the caller's inbox.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InboxPage {
    /// Unread items in the whole inbox.
    pub unread: i64,
    /// Newest first.
    pub items: Vec<InboxItem>,
}

/// The caller's inbox, newest first, with the number of unread items.
#[utoipa::path(get, path = "/api/v1/inbox", tag = "accounts", params(InboxParams),
    responses((status = 200, body = InboxPage)),
    security(("bearer" = ["account"])))]
pub async fn api_list(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    Query(q): Query<InboxParams>,
) -> ApiResult<Json<InboxPage>> {
    crate::auth::account::own(&state, &auth.principal).await?;
    let user = auth.require_user()?;
    let limit = q.limit.unwrap_or(PER_PAGE).clamp(1, 100);
    let offset = q.offset.unwrap_or(0).max(0);
    Ok(Json(InboxPage {
        unread: super::unread(&state.db, &user.id).await?,
        items: super::items(&state.db, &user.id, limit, offset).await?,
    }))
}

/// Marks one of the caller's inbox items read; returns it.
#[utoipa::path(post, path = "/api/v1/inbox/{id}/read", tag = "accounts",
    params(("id" = String, Path, description = "The inbox item's id")),
    responses((status = 200, body = InboxItem),
        (status = 404, description = "No such item in the caller's inbox", content_type = "application/problem+json")),
    security(("bearer" = ["account"])))]
pub async fn api_read(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<InboxItem>> {
    crate::auth::account::own(&state, &auth.principal).await?;
    let user = auth.require_user()?;
    let item = super::mark_read(&state.db, &user.id, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(item))
}
