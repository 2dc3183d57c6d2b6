//! The office landing (`/office`): each official's home, with what waits for them.

use crate::agencies::store;
use crate::app::AppState;
use crate::auth::platform::{PlatformAction, may};
use crate::error::PageResult;
use crate::module::{Access, Routes};
use crate::web::{Page, sv};
use axum::extract::State;
use axum::response::IntoResponse;
use minijinja::context;

pub fn routes() -> Routes {
    Routes::new("portal").get("/office", Access::Entity("platform"), office)
}

async fn office(State(state): State<AppState>, page: Page) -> PageResult<impl IntoResponse> {
    let p = page.principal();
    may(&state, &p, PlatformAction::BackOffice).await?;
    let user = page.require_user()?;
    let agency = match &user.agency_id {
        Some(id) => store::by_id(&state.db, id).await?,
        None => None,
    };
    let roles: Vec<&str> = user.roles.iter().map(|r| r.as_str()).collect();
    let mine = crate::dossiers::assignment::landing(&state, user).await?;
    page.render(
        "office.html",
        context! { agency => sv(&agency), roles => roles, ..mine },
    )
}
