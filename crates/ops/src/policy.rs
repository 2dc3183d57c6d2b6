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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpsAction {
    /// Read a scope's figures.
    View,
}

pub struct OpsPolicy;

impl Policy for OpsPolicy {
    const KIND: &'static str = "ops_scope";
    type Entity = Scope;
    type Action = OpsAction;
    type Grant = ();
    const SCOPES: &'static [&'static str] = &[SCOPE];

    fn scope(_action: OpsAction) -> &'static str {
        SCOPE
    }

    fn decide(
        cx: &Cx<'_>,
        who: &Subject<'_>,
        scope: &Scope,
        _action: OpsAction,
    ) -> impl Future<Output = Result<Decision<()>, AppError>> + Send {
        let db = cx.db;
        let user = who.user();
        let scope = scope.clone();
        async move {
            let Some(user) = user else {
                return Ok(Err(Refusal::SignIn));
            };
            let h = holding_of(db, user).await?;
            Ok(if h.holds(&scope) {
                Ok(())
            } else {
                Err(Refusal::Hidden)
            })
        }
    }
}

/// The scopes `user` holds.
pub async fn holding_of(db: &Db, user: &User) -> Result<Holding, AppError> {
    let admin = user.has_role(Role::SystemAdmin);
    let leader = user.is_official() && user.has_role(Role::Leader);
    let Some(agency) = user.agency_id.as_deref().filter(|_| leader && !admin) else {
        return Ok(holding(admin, false, Vec::new(), None));
    };
    let subtree = crate::store::agency_and_below(db, agency).await?;
    let unit = crate::store::committee_unit(db, agency).await?;
    Ok(holding(false, true, subtree, unit))
}

/// Checks that `principal` may read `scope`'s figures: the prelude (signed in, token scope),
/// then the holding. A scope not held is a 404.
pub async fn checked(ctx: &Ctx, principal: &Principal, scope: &Scope) -> Result<(), AppError> {
    let who = Subject::of(principal);
    check::<OpsPolicy>(&Cx::from(ctx), &who, scope, OpsAction::View).await
}
