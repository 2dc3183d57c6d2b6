//! What the portal's search box finds in feedback: public reports by their words, and a
//! report's page from its code (`PA-yymmdd-nnnn`) unless it was hidden.

use tinhso_kernel::Ctx;
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::{BoxFut, Found, Hit, Opened, SearchSource};
use tinhso_kernel::web::i18n::Lang;

pub const REPORTS: SearchSource = SearchSource {
    kind: "feedback",
    title: "nav_feedback",
    more: "",
    order: 30,
    shown: 5,
    search: Some(reports),
    open: Some(report_code),
};

fn reports<'a>(
    ctx: &'a Ctx,
    words: &'a str,
    _: Lang,
    shown: usize,
) -> BoxFut<'a, Result<Found, AppError>> {
    Box::pin(async move {
        let found = crate::store::search_public(&ctx.db, words, shown).await?;
        let hits: Vec<Hit> = found
            .into_iter()
            .map(|r| Hit {
                href: format!("/feedback/{}", r.code),
                title: r.title,
                detail: r.category_name,
            })
            .collect();
        Ok(Found {
            total: hits.len() as i64,
            hits,
            more_href: None,
        })
    })
}

fn report_code<'a>(ctx: &'a Ctx, query: &'a str) -> BoxFut<'a, Result<Option<Opened>, AppError>> {
    Box::pin(async move {
        if !is_report_code(query) {
            return Ok(None);
        }
        let code = query.to_ascii_uppercase();
        let public = crate::store::by_code(&ctx.db, &code)
            .await?
            .is_some_and(|r| r.hidden_reason.is_none());
        Ok(Some(if public {
            Opened::Page(format!("/feedback/{code}"))
        } else {
            Opened::Missing("search_no_feedback_code")
        }))
    })
}

/// `PA-yymmdd-nnnn`, as feedback codes are issued (any case).
fn is_report_code(query: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::is_report_code;

    #[test]
    fn report_codes_are_recognised_in_any_case_and_nothing_else() {
        assert!(is_report_code("PA-261128-0007"));
        assert!(is_report_code("pa-261128-0007"));
        assert!(!is_report_code("PA-26112-0007"));
        assert!(!is_report_code("PA-261128-0007-1"));
        assert!(!is_report_code("khai sinh"));
        assert!(!is_report_code("000.00.14.H56-261128-0001"));
    }
}
