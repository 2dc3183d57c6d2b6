//! What the portal's search box finds in the directory: agencies by their words.

use tinhso_kernel::Ctx;
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::{BoxFut, Found, Hit, SearchSource};
use tinhso_kernel::web::i18n::Lang;

pub const AGENCIES: SearchSource = SearchSource {
    kind: "agencies",
    title: "nav_directory",
    more: "search_all_agencies",
    order: 20,
    shown: 5,
    search: Some(agencies),
    open: None,
};

fn agencies<'a>(
    ctx: &'a Ctx,
    words: &'a str,
    _: Lang,
    shown: usize,
) -> BoxFut<'a, Result<Found, AppError>> {
    Box::pin(async move {
        let page = crate::store::search(&ctx.db, words, None, 1, shown as i64).await?;
        let hits: Vec<Hit> = page
            .items
            .iter()
            .map(|a| Hit {
                href: format!("/agencies/{}", a.code),
                title: a.name.clone(),
                detail: String::new(),
            })
            .collect();
        let more_href = (page.total > hits.len() as i64).then(|| {
            let q: String = form_urlencoded::byte_serialize(words.as_bytes()).collect();
            format!("/agencies?q={q}")
        });
        Ok(Found {
            hits,
            total: page.total,
            more_href,
        })
    })
}
