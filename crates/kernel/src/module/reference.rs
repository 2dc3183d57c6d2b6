//! References from one module to another's records without a dependency between them: a
//! module declares the kinds of record others may point at (`dossier`) and how to look one up
//! for a person ([`Reference`]); another module checks a reference a person types with
//! [`resolve`] before storing it as plain text. What happens to the record later travels by
//! events (e.g. the documents module's `document.issued` carries the dossier's code and the
//! one-stop module attaches the decision to it).

use super::BoxFut;
use crate::auth::User;
use crate::ctx::Ctx;
use crate::error::AppError;

/// A kind of record a module lets others refer to.
pub struct Reference {
    /// Stable, e.g. `dossier`.
    pub kind: &'static str,
    /// Looks `id` up for `user`: the record if it exists and `user` may refer to it now,
    /// otherwise why not, in words for that person. A record `user` may not see reads as
    /// missing.
    pub resolve: for<'a> fn(&'a Ctx, &'a User, &'a str) -> BoxFut<'a, Result<Resolved, AppError>>,
}

/// What a lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    Found(Referenced),
    /// Why it cannot be referred to (missing, hidden, or in a state that takes no reference).
    Refused(String),
}

/// A record that may be referred to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referenced {
    /// Its canonical identifier, as stored by the referring module.
    pub id: String,
    /// How people name it, e.g. `Hồ sơ 000.00.20.H56-261128-0001 — Đăng ký khai sinh`.
    pub label: String,
    /// Its own title or subject, to prefill what refers to it (a task from a document).
    pub title: String,
    /// The agency holding it.
    pub agency_id: String,
}

/// Looks up `id` of `kind` for `user`. A kind no module of this deployment declares is refused
/// with `missing` (a platform without the one-stop module has no dossiers to refer to).
pub async fn resolve(
    ctx: &Ctx,
    kind: &str,
    id: &str,
    user: &User,
    missing: &str,
) -> Result<Resolved, AppError> {
    match ctx.references.iter().find(|r| r.kind == kind) {
        Some(reference) => (reference.resolve)(ctx, user, id).await,
        None => Ok(Resolved::Refused(missing.to_owned())),
    }
}
