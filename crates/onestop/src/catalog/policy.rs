//! Who may change the procedure catalog (the kernel's `Policy`, docs/kernel-design.md §7): its
//! procedures are the province's legal texts made operational, so only system administrators
//! create, edit, import or export them; everyone reads the published catalog without a check.

use tinhso_kernel::Ctx;
use tinhso_kernel::auth::policy::{Cx, Decision, Policy, Refusal, Subject, check};
use tinhso_kernel::auth::{Principal, Role, User};
use tinhso_kernel::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcedureAction {
    /// Create, edit, import or export procedures.
    Manage,
}

pub struct ProcedurePolicy;

impl Policy for ProcedurePolicy {
    const KIND: &'static str = "procedure";
    const SCOPES: &'static [&'static str] = &["catalog:write"];
    type Entity = ();
    type Action = ProcedureAction;
    type Grant = ();

    fn scope(_action: ProcedureAction) -> &'static str {
        "catalog:write"
    }

    async fn decide(
        _cx: &Cx<'_>,
        who: &Subject<'_>,
        _catalog: &(),
        action: ProcedureAction,
    ) -> Result<Decision<()>, AppError> {
        Ok(match who.user() {
            Some(user) => ProcedurePolicy::decision(user, action),
            None => Err(Refusal::SignIn),
        })
    }
}

impl ProcedurePolicy {
    pub fn decision(user: &User, _action: ProcedureAction) -> Decision<()> {
        if user.has_role(Role::SystemAdmin) {
            Ok(())
        } else {
            Err(Refusal::Forbidden)
        }
    }
}

/// Checks that `principal` may change the catalog.
pub async fn may_manage(state: &Ctx, principal: &Principal) -> Result<(), AppError> {
    check::<ProcedurePolicy>(
        &Cx::from(state),
        &Subject::of(principal),
        &(),
        ProcedureAction::Manage,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use tinhso_kernel::auth::UserKind;

    fn official(roles: &[Role]) -> User {
        User {
            id: "u".into(),
            kind: UserKind::Official,
            full_name: "Cán bộ".into(),
            email: None,
            agency_id: Some("a".into()),
            roles: roles.to_vec(),
            totp_enabled: true,
        }
    }

    #[test]
    fn only_system_administrators_change_the_catalog() {
        let manage = ProcedureAction::Manage;
        assert!(ProcedurePolicy::decision(&official(&[Role::SystemAdmin]), manage).is_ok());
        for role in [
            Role::AgencyAdmin,
            Role::Leader,
            Role::OneStopClerk,
            Role::Specialist,
        ] {
            assert_eq!(
                ProcedurePolicy::decision(&official(&[role]), manage),
                Err(Refusal::Forbidden),
                "{role:?}"
            );
        }
    }
}
