//! Links one module offers on another module's records, without a dependency between them: the
//! tasks module puts "Tạo nhiệm vụ" on an incoming document's page, though the documents
//! module knows nothing of tasks. The module that owns the page names the kind of record and
//! what it may say of it ([`LinkedRecord`]: its id, agency and facets such as `incoming`) and
//! asks [`offered`]; each module that declared a [`RecordLink`] of that kind decides, for the
//! person looking, whether to offer its link and where it goes. Whatever the link leads to
//! checks its own permissions again: a link is an offer, not a grant.

use super::BoxFut;
use crate::auth::User;
use crate::ctx::Ctx;
use crate::error::AppError;

/// Decides the link for `user` on `record`: `None` when it is not for them or not for it.
pub type OfferFn = for<'a> fn(
    &'a Ctx,
    &'a User,
    &'a LinkedRecord<'a>,
) -> BoxFut<'a, Result<Option<Offered>, AppError>>;

/// A link a module offers on records of one kind.
pub struct RecordLink {
    /// The kind of record, as its owner names it (`document`).
    pub kind: &'static str,
    pub offer: OfferFn,
}

/// What the page's owner says of the record a link would go on.
#[derive(Debug, Clone, Copy)]
pub struct LinkedRecord<'a> {
    pub id: &'a str,
    /// The agency holding it.
    pub agency_id: &'a str,
    /// Facts the owner states about it (`incoming`, `outgoing`, …), for offers that depend
    /// on them.
    pub facets: &'a [&'a str],
}

impl LinkedRecord<'_> {
    pub fn has(&self, facet: &str) -> bool {
        self.facets.contains(&facet)
    }
}

/// A link offered: the translation key of its text and where it goes (a path on this site).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Offered {
    pub label_key: &'static str,
    pub href: String,
}

/// The links the modules offer `user` on `record` of `kind`, in module order.
pub async fn offered(
    ctx: &Ctx,
    user: &User,
    kind: &str,
    record: &LinkedRecord<'_>,
) -> Result<Vec<Offered>, AppError> {
    let mut out = Vec::new();
    for link in ctx.links.iter().filter(|l| l.kind == kind) {
        if let Some(o) = (link.offer)(ctx, user, record).await? {
            out.push(o);
        }
    }
    Ok(out)
}
