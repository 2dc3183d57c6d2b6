//! What the portal's search box finds in the one-stop module: procedures by their words, and a
//! dossier's tracking page from its code.

use crate::catalog::store::{self, Filter};
use tinhso_domain::dossier::DossierCode;
use tinhso_kernel::Ctx;
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::{BoxFut, Found, Hit, Opened, SearchSource};
use tinhso_kernel::web::format::working_days;
use tinhso_kernel::web::i18n::Lang;

pub const PROCEDURES: SearchSource = SearchSource {
    kind: "procedures",
    title: "nav_procedures",
    more: "search_all_procedures",
    order: 10,
    shown: 10,
    search: Some(procedures),
    open: None,
};

/// A dossier code opens its tracking page (the tracking page asks for the applicant's proof).
pub const DOSSIERS: SearchSource = SearchSource {
    kind: "dossiers",
    title: "",
    more: "",
    order: 5,
    shown: 0,
    search: None,
    open: Some(dossier_code),
};

fn procedures<'a>(
    ctx: &'a Ctx,
    words: &'a str,
    lang: Lang,
    shown: usize,
) -> BoxFut<'a, Result<Found, AppError>> {
    Box::pin(async move {
        let filter = Filter {
            q: Some(words.to_owned()),
            per_page: Some(shown as i64),
            ..Default::default()
        };
        let page = store::search(&ctx.db, &filter).await?;
        let hits: Vec<Hit> = page
            .items
            .iter()
            .map(|p| Hit {
                href: format!("/procedures/{}", p.code),
                title: p.name.clone(),
                detail: format!(
                    "{} · {}",
                    p.field_name,
                    working_days(lang, (p.processing_days * 2.0) as u32)
                ),
            })
            .collect();
        let more_href =
            (page.total > hits.len() as i64).then(|| format!("/procedures?q={}", encoded(words)));
        Ok(Found {
            hits,
            total: page.total,
            more_href,
        })
    })
}

fn dossier_code<'a>(_: &'a Ctx, query: &'a str) -> BoxFut<'a, Result<Option<Opened>, AppError>> {
    Box::pin(async move {
        Ok(query
            .parse::<DossierCode>()
            .is_ok()
            .then(|| Opened::Page(format!("/track?code={}", encoded(query)))))
    })
}

fn encoded(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
