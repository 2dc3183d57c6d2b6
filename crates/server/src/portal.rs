//! The public front door: the home page and its one search box, which finds procedures first,
//! then agencies and public feedback, and opens a dossier's or a report's page from its code.

use crate::app::AppState;
use crate::error::PageResult;
use crate::extract::Query;
use crate::module::{Access, Module, Opened, Routes};
use crate::web::menu::{MenuEntry, Shown};
use crate::web::{Page, href};
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

/// The front door, declared as a module: the pages that show several modules at once.
pub const MODULE: Module = Module {
    name: "portal",
    depends_on: &["platform", "directory", "accounts", "onestop", "feedback"],
    routes: || {
        routes()
            .merge(crate::statistics::routes())
            .merge(crate::office::routes())
            .merge(crate::api::routes())
            .merge(crate::datasets::routes())
    },
    datasets: &[&crate::datasets::SERVICE_STATISTICS],
    assets: tinhso_kernel::assets!(),
    menu: &[MenuEntry::main(
        "nav_office",
        "/office",
        50,
        Shown::Official,
    )],
    ..Module::EMPTY
};

pub fn routes() -> Routes {
    Routes::new("portal")
        .get("/", Access::Public, home)
        .get("/search", Access::Public, search)
}

async fn home(page: Page) -> PageResult<impl IntoResponse> {
    page.render("home.html", context! {})
}

#[derive(Deserialize, Default)]
struct SearchQuery {
    q: Option<String>,
}

/// The longest query searched: what a person types, never a pasted page.
const QUERY_CHARS: usize = 200;

/// The one search box: a code opens its page (each module recognises its own codes), words are
/// searched in every module that declares a search source, one section each.
async fn search(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<SearchQuery>,
) -> PageResult<Response> {
    let query = q.q.as_deref().unwrap_or("").trim();
    if query.is_empty() {
        return Ok(Redirect::to("/").into_response());
    }
    let sources = crate::app::search_sources();
    for source in &sources {
        let Some(open) = source.open else { continue };
        match open(&state, query).await? {
            Some(Opened::Page(href)) => return Ok(Redirect::to(&href).into_response()),
            Some(Opened::Missing(message)) => {
                return Ok(page
                    .render(
                        "search.html",
                        context! { q => query.to_ascii_uppercase(), missing => message },
                    )?
                    .into_response());
            }
            None => {}
        }
    }
    let words: String = query.chars().take(QUERY_CHARS).collect();
    let mut sections = Vec::new();
    for source in &sources {
        let Some(search) = source.search else {
            continue;
        };
        let found = search(&state, &words, page.lang, source.shown).await?;
        let hits: Vec<_> = found
            .hits
            .iter()
            .map(|h| context! { href => href(&h.href), title => h.title.clone(), detail => h.detail.clone() })
            .collect();
        sections.push(context! {
            kind => source.kind, title => source.title, more => source.more, hits => hits,
            total => found.total, more_href => found.more_href.as_deref().map(href),
        });
    }
    Ok(page
        .render("search.html", context! { q => words, sections => sections })?
        .into_response())
}
