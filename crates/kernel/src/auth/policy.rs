//! One permission decision per entity kind (docs/kernel-design.md §7). A module states what
//! may be done to the kind of object it owns as an `impl Policy`; handlers call `check`, which
//! first does what every decision shares (sign-in, token scope, second factor: `prelude`) and
//! then asks the policy. Pages that list what the person looking
//! may do ask `allowed`, so they offer exactly what `check` would let through.

use super::{Principal, User};
use crate::Ctx;
use crate::db::Db;
use crate::error::AppError;
use std::future::Future;

/// Who asks, as a policy sees it: the principal, plus a capability a request may carry without
/// an account (a feedback reporter's key from the link they were sent).
#[derive(Clone, Copy)]
pub struct Subject<'a> {
    pub principal: &'a Principal,
    pub capability: Option<Capability<'a>>,
}

#[derive(Debug, Clone, Copy)]
pub enum Capability<'a> {
    /// The key proving someone filed a feedback report (checked by the feedback policy).
    ReporterKey(&'a str),
}

impl<'a> Subject<'a> {
    pub fn of(principal: &'a Principal) -> Self {
        Subject {
            principal,
            capability: None,
        }
    }

    pub fn with(principal: &'a Principal, capability: Option<Capability<'a>>) -> Self {
        Subject {
            principal,
            capability,
        }
    }

    /// The person behind the request (a session's user or the user a token acts for).
    pub fn user(&self) -> Option<&'a User> {
        self.principal.user()
    }
}

/// What some decisions must read beyond the object itself: the database (the agency tree) and
/// the server secret (capabilities are MACs under it).
#[derive(Clone, Copy)]
pub struct Cx<'a> {
    pub db: &'a Db,
    pub secret: &'a [u8],
}

impl<'a> From<&'a Ctx> for Cx<'a> {
    fn from(ctx: &'a Ctx) -> Self {
        Cx {
            db: &ctx.db,
            secret: ctx.secret.as_slice(),
        }
    }
}

/// Why a decision says no, as the caller will be answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Nobody signed in: sign in first (401, or the sign-in page).
    SignIn,
    /// An account that must enrol its second factor first.
    SecondFactor,
    /// Known, but not for this caller (403).
    Forbidden,
    /// Not this caller's to know of: answered as if it did not exist (404), so ids cannot be
    /// probed.
    Hidden,
    /// The caller may, but not with the object as it stands (409), with the reason.
    Conflict(String),
}

impl From<Refusal> for AppError {
    fn from(refusal: Refusal) -> AppError {
        match refusal {
            Refusal::SignIn => AppError::Unauthorized,
            Refusal::SecondFactor => AppError::SecondFactorRequired,
            Refusal::Forbidden => AppError::Forbidden,
            Refusal::Hidden => AppError::NotFound,
            Refusal::Conflict(why) => AppError::Conflict(why),
        }
    }
}

/// A decision: what the caller learns when allowed (e.g. the role they act in), or why not.
pub type Decision<G> = Result<G, Refusal>;

/// The permission rules of one kind of object.
pub trait Policy {
    /// The entity kind, as routes name it (`Access::Entity("dossier")`).
    const KIND: &'static str;
    /// The loaded object the decision is about.
    type Entity: ?Sized + Sync;
    type Action: Copy + std::fmt::Debug + Send + Sync;
    /// What an allowed caller learns (e.g. the role they act in), or `()`.
    type Grant: Send;

    /// The API-token scopes its actions check: every value `scope` returns that a token may be
    /// granted. The scopes offered when creating a token are the union of every declared
    /// policy's (`tests/app/architecture.rs` checks it against `authz::SCOPES`).
    const SCOPES: &'static [&'static str];

    /// The API-token scope the action needs.
    fn scope(action: Self::Action) -> &'static str;

    /// Whether the action works without a signed-in user (capabilities, public forms).
    fn anonymous_ok(_action: Self::Action) -> bool {
        false
    }

    /// Whether an account that must still enrol its second factor may take the action.
    fn before_second_factor(_action: Self::Action) -> bool {
        false
    }

    /// The decision proper, after the common prelude. `Err` only when the database fails.
    fn decide(
        cx: &Cx<'_>,
        who: &Subject<'_>,
        entity: &Self::Entity,
        action: Self::Action,
    ) -> impl Future<Output = Result<Decision<Self::Grant>, AppError>> + Send;
}

/// A policy as a module declares it in its manifest (`Module::policies`): the entity kind it
/// decides (routes name it in `Access::Entity`) and the token scopes it checks.
#[derive(Debug, Clone, Copy)]
pub struct PolicyInfo {
    pub kind: &'static str,
    pub scopes: &'static [&'static str],
}

impl PolicyInfo {
    pub const fn of<P: Policy>() -> PolicyInfo {
        PolicyInfo {
            kind: P::KIND,
            scopes: P::SCOPES,
        }
    }
}

/// What every decision shares: nobody signed in is
/// sent to sign in (unless the action works anonymously), a token must carry the action's
/// scope, and an account that must enrol its second factor does that first.
pub fn prelude(
    principal: &Principal,
    scope: &str,
    anonymous_ok: bool,
    before_second_factor: bool,
) -> Result<(), Refusal> {
    let user = match principal {
        Principal::Anonymous if anonymous_ok => return Ok(()),
        Principal::Anonymous => return Err(Refusal::SignIn),
        Principal::User(user) => user,
        Principal::Token { user, scopes } => {
            if !scopes.iter().any(|s| s == scope) {
                return Err(Refusal::Forbidden);
            }
            user
        }
    };
    if user.needs_totp_enrolment() && !before_second_factor {
        return Err(Refusal::SecondFactor);
    }
    Ok(())
}

/// The common prelude for `P`'s `action`.
pub fn prelude_of<P: Policy>(who: &Subject<'_>, action: P::Action) -> Result<(), Refusal> {
    prelude(
        who.principal,
        P::scope(action),
        P::anonymous_ok(action),
        P::before_second_factor(action),
    )
}

/// The one entry point handlers call: the common prelude, then `P`'s decision.
pub async fn check<P: Policy>(
    cx: &Cx<'_>,
    who: &Subject<'_>,
    entity: &P::Entity,
    action: P::Action,
) -> Result<P::Grant, AppError> {
    prelude_of::<P>(who, action)?;
    Ok(P::decide(cx, who, entity, action).await??)
}

/// The actions of `actions` that `check` would allow now, in the given order: what a page
/// offers. Has no side effects.
pub async fn allowed<P: Policy>(
    cx: &Cx<'_>,
    who: &Subject<'_>,
    entity: &P::Entity,
    actions: &[P::Action],
) -> Result<Vec<P::Action>, AppError> {
    let mut found = Vec::new();
    for action in actions {
        if prelude_of::<P>(who, *action).is_ok()
            && P::decide(cx, who, entity, *action).await?.is_ok()
        {
            found.push(*action);
        }
    }
    Ok(found)
}

/// Whether `check` would allow the one action.
pub async fn may<P: Policy>(
    cx: &Cx<'_>,
    who: &Subject<'_>,
    entity: &P::Entity,
    action: P::Action,
) -> Result<bool, AppError> {
    Ok(!allowed::<P>(cx, who, entity, &[action]).await?.is_empty())
}

#[cfg(test)]
mod tests {
    use super::{Refusal, prelude};
    use crate::auth::{Principal, Role, User, UserKind};

    fn user(roles: Vec<Role>, totp: bool) -> User {
        User {
            id: "u".into(),
            kind: UserKind::Official,
            full_name: "U".into(),
            email: None,
            agency_id: Some("a".into()),
            roles,
            totp_enabled: totp,
        }
    }

    #[test]
    fn anonymous_signs_in_unless_the_action_works_without() {
        assert_eq!(
            prelude(&Principal::Anonymous, "x", false, false),
            Err(Refusal::SignIn)
        );
        assert_eq!(prelude(&Principal::Anonymous, "x", true, false), Ok(()));
    }

    #[test]
    fn a_token_needs_the_scope() {
        let token = |scopes: &[&str]| Principal::Token {
            user: user(vec![], false),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
        };
        assert_eq!(
            prelude(&token(&["account"]), "dossiers", false, false),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            prelude(&token(&["dossiers"]), "dossiers", false, false),
            Ok(())
        );
        // A scope is needed even for what works anonymously on pages.
        assert_eq!(
            prelude(&token(&[]), "open311", true, false),
            Err(Refusal::Forbidden)
        );
    }

    #[test]
    fn an_administrator_enrols_the_second_factor_first() {
        let admin = Principal::User(user(vec![Role::SystemAdmin], false));
        assert_eq!(
            prelude(&admin, "x", false, false),
            Err(Refusal::SecondFactor)
        );
        assert_eq!(prelude(&admin, "x", false, true), Ok(()));
        let enrolled = Principal::User(user(vec![Role::SystemAdmin], true));
        assert_eq!(prelude(&enrolled, "x", false, false), Ok(()));
        let clerk = Principal::User(user(vec![Role::OneStopClerk], false));
        assert_eq!(prelude(&clerk, "x", false, false), Ok(()));
    }
}
