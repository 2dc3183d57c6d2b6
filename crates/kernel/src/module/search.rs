//! What a module lets the portal's one search box find (`Module::search`): a section of hits
//! for the words typed, and — when the query is one of its codes — the page it opens. The portal
//! asks every module's sources; it knows none of them.

use crate::Ctx;
use crate::error::AppError;
use crate::module::BoxFut;
use crate::web::i18n::Lang;

/// One kind of thing found (procedures, agencies, public feedback…).
pub struct SearchSource {
    /// Short and stable: the section's anchor is `found-<kind>`.
    pub kind: &'static str,
    /// Locale key of the section's heading.
    pub title: &'static str,
    /// Locale key of the link to every result, when more were found than shown.
    pub more: &'static str,
    /// Position of the section, smaller first.
    pub order: u16,
    /// How many hits the section shows.
    pub shown: usize,
    /// The hits for the words (at most `shown`), described in the reader's language; `None`
    /// for a source that only opens codes.
    pub search: Option<SearchFn>,
    /// If the query is one of this module's codes, where it leads.
    pub open: Option<OpenFn>,
}

pub type SearchFn =
    for<'a> fn(&'a Ctx, &'a str, Lang, usize) -> BoxFut<'a, Result<Found, AppError>>;
pub type OpenFn = for<'a> fn(&'a Ctx, &'a str) -> BoxFut<'a, Result<Option<Opened>, AppError>>;

/// A section's hits.
#[derive(Debug, Default, serde::Serialize)]
pub struct Found {
    pub hits: Vec<Hit>,
    /// Everything that matched (more than `hits` when the section is cut).
    pub total: i64,
    /// The module's own list of every result, when it has one.
    pub more_href: Option<String>,
}

#[derive(Debug, serde::Serialize)]
pub struct Hit {
    pub href: String,
    pub title: String,
    /// What follows the title (field, deadline, category…), already in the reader's language.
    pub detail: String,
}

/// Where a code typed in the search box leads.
#[derive(Debug, PartialEq, Eq)]
pub enum Opened {
    /// Straight to its page.
    Page(String),
    /// A code of this module, but nothing public answers to it: the locale key saying so.
    Missing(&'static str),
}
