//! Who sees the operations centre's figures (docs/operations-design.md §5), the one place the
//! module decides it: system administrators see every scope; a leader sees their agency's
//! subtree and, for a People's Committee, the unit it governs (the province's: everything).
//! A scope the caller does not hold does not exist for them (404). Tokens need `ops:read`.

use std::future::Future;
use tinhso_domain::ops::scope::{Holding, Scope, holding};
use tinhso_kernel::Ctx;
use tinhso_kernel::auth::policy::{Cx, Decision, Policy, Refusal, Subject, check};
use tinhso_kernel::auth::{Principal, Role, User};
use tinhso_kernel::db::Db;
use tinhso_kernel::error::AppError;

/// The token scope of the operations centre's API.
pub const SCOPE: &str = "ops:read";
/// The token scope of declaring values.
pub const WRITE_SCOPE: &str = "ops:write";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpsAction {
    /// Read a scope's figures.
    View,
    /// Declare or withdraw a value the platform cannot measure (tự khai): a leader holding
    /// the scope; a system administrator reads every scope but declares for none.
    Declare,
}

pub struct OpsPolicy;

impl Policy for OpsPolicy {
    const KIND: &'static str = "ops_scope";
    type Entity = Scope;
    type Action = OpsAction;
    type Grant = ();
    const SCOPES: &'static [&'static str] = &[SCOPE, WRITE_SCOPE];

    fn scope(action: OpsAction) -> &'static str {
        match action {
            OpsAction::View => SCOPE,
            OpsAction::Declare => WRITE_SCOPE,
        }
    }

    fn decide(
        cx: &Cx<'_>,
        who: &Subject<'_>,
        scope: &Scope,
        action: OpsAction,
    ) -> impl Future<Output = Result<Decision<()>, AppError>> + Send {
        let db = cx.db;
        let user = who.user();
        let scope = scope.clone();
        async move {
            let Some(user) = user else {
                return Ok(Err(Refusal::SignIn));
            };
            let h = holding_of(db, user).await?;
            if !h.holds(&scope) {
                return Ok(Err(Refusal::Hidden));
            }
            if action == OpsAction::View {
                return Ok(Ok(()));
            }
            // Declaring is a leader's, for the scopes their own post holds (a system
            // administrator's reading of every scope grants nothing here).
            Ok(if leader_holding(db, user).await?.holds(&scope) {
                Ok(())
            } else {
                Err(Refusal::Forbidden)
            })
        }
    }
}

/// The scopes `user` holds.
pub async fn holding_of(db: &Db, user: &User) -> Result<Holding, AppError> {
    if user.has_role(Role::SystemAdmin) {
        return Ok(holding(true, false, Vec::new(), None));
    }
    leader_holding(db, user).await
}

/// The scopes `user` holds as a leader: their agency's subtree and the unit its People's
/// Committee governs; none for anyone else.
async fn leader_holding(db: &Db, user: &User) -> Result<Holding, AppError> {
    let leader = user.is_official() && user.has_role(Role::Leader);
    let Some(agency) = user.agency_id.as_deref().filter(|_| leader) else {
        return Ok(holding(false, false, Vec::new(), None));
    };
    let subtree = crate::store::agency_and_below(db, agency).await?;
    let unit = crate::store::committee_unit(db, agency).await?;
    Ok(holding(false, true, subtree, unit))
}

/// Checks that `principal` may read `scope`'s figures: the prelude (signed in, token scope),
/// then the holding. A scope not held is a 404.
pub async fn checked(ctx: &Ctx, principal: &Principal, scope: &Scope) -> Result<(), AppError> {
    checked_for(ctx, principal, scope, OpsAction::View).await
}

/// Checks that `principal` may do `action` on `scope` (404 for a scope not held).
pub async fn checked_for(
    ctx: &Ctx,
    principal: &Principal,
    scope: &Scope,
    action: OpsAction,
) -> Result<(), AppError> {
    let who = Subject::of(principal);
    check::<OpsPolicy>(&Cx::from(ctx), &who, scope, action).await
}
