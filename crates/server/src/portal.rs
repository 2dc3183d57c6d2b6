//! The public front door: the home page and its one search box, which finds procedures first,
//! then agencies and public feedback, and opens a dossier's or a report's page from its code.

use crate::app::AppState;
use crate::error::PageResult;
use crate::extract::Query;
use crate::module::{Access, Module, Routes};
use crate::web::menu::{MenuEntry, Shown};
use crate::web::{Page, sv};
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use tinhso_domain::dossier::DossierCode;

/// The front door, declared as a module: the pages that show several modules at once.
pub const MODULE: Module = Module {
    name: "portal",
    depends_on: &["platform", "directory", "accounts", "onestop", "feedback"],
    routes: || {
        routes()
            .merge(crate::statistics::routes())
            .merge(crate::office::routes())
            .merge(crate::api::routes())
    },
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

/// What a query typed in the search box is.
#[derive(Debug, PartialEq, Eq)]
enum Sought {
    Nothing,
    Dossier(String),
    Feedback(String),
    Words(String),
}

fn classify(query: &str) -> Sought {
    let query = query.trim();
    if query.is_empty() {
        return Sought::Nothing;
    }
    if query.parse::<DossierCode>().is_ok() {
        return Sought::Dossier(query.to_owned());
    }
    if is_feedback_code(query) {
        return Sought::Feedback(query.to_ascii_uppercase());
    }
    Sought::Words(query.chars().take(200).collect())
}

/// `PA-yymmdd-nnnn`, as feedback codes are issued (any case).
fn is_feedback_code(query: &str) -> bool {
    let mut parts = query.split('-');
    let (Some(prefix), Some(day), Some(seq), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    prefix.eq_ignore_ascii_case("PA")
        && day.len() == 6
        && day.bytes().all(|b| b.is_ascii_digit())
        && (4..=6).contains(&seq.len())
        && seq.bytes().all(|b| b.is_ascii_digit())
}

const PROCEDURES_SHOWN: i64 = 10;
const OTHERS_SHOWN: i64 = 5;

async fn search(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<SearchQuery>,
) -> PageResult<Response> {
    let words = match classify(q.q.as_deref().unwrap_or("")) {
        Sought::Nothing => return Ok(Redirect::to("/").into_response()),
        Sought::Dossier(code) => {
            let code: String = form_urlencoded::byte_serialize(code.as_bytes()).collect();
            return Ok(Redirect::to(&format!("/track?code={code}")).into_response());
        }
        Sought::Feedback(code) => {
            if crate::feedback::store::by_code(&state.db, &code)
                .await?
                .is_some_and(|r| r.hidden_reason.is_none())
            {
                return Ok(Redirect::to(&format!("/feedback/{code}")).into_response());
            }
            return Ok(page
                .render(
                    "search.html",
                    context! { q => code, missing_feedback => true },
                )?
                .into_response());
        }
        Sought::Words(words) => words,
    };
    let procedures = crate::catalog::store::search(
        &state.db,
        &crate::catalog::store::Filter {
            q: Some(words.clone()),
            per_page: Some(PROCEDURES_SHOWN),
            ..Default::default()
        },
    )
    .await?;
    let agencies = crate::agencies::store::search(&state.db, &words, None, 1, OTHERS_SHOWN).await?;
    let feedback =
        crate::feedback::store::search_public(&state.db, &words, OTHERS_SHOWN as usize).await?;
    let feedback: Vec<_> = feedback
        .iter()
        .map(|r| context! { code => r.code.clone(), title => r.title.clone(), category => r.category_name.clone(), created_at => r.created_at.clone() })
        .collect();
    Ok(page
        .render(
            "search.html",
            context! { q => words, procedures => sv(&procedures), agencies => sv(&agencies), feedback => feedback },
        )?
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_open_their_pages_and_words_are_searched() {
        assert_eq!(
            classify(" 000.00.14.H56-261128-0001 "),
            Sought::Dossier("000.00.14.H56-261128-0001".into())
        );
        assert_eq!(
            classify("pa-261128-0007"),
            Sought::Feedback("PA-261128-0007".into())
        );
        assert_eq!(classify("khai sinh"), Sought::Words("khai sinh".into()));
        assert_eq!(
            classify("PA-26112-0007"),
            Sought::Words("PA-26112-0007".into())
        );
        assert_eq!(
            classify("PA-261128-0007-1"),
            Sought::Words("PA-261128-0007-1".into())
        );
        assert_eq!(classify("   "), Sought::Nothing);
    }
}
