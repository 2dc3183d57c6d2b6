//! Who may manage officials (the kernel's `Policy`, docs/kernel-design.md §7): system
//! administrators everywhere; an agency administrator the officials of their own agency and of
//! the agencies below it (create, change roles, disable, list). Only a system administrator
//! makes (or unmakes) another one.

use tinhso_kernel::Ctx;
use tinhso_kernel::auth::authz::is_within;
use tinhso_kernel::auth::policy::{Cx, Decision, Policy, Refusal, Subject, check};
use tinhso_kernel::auth::{Principal, Role, User};
use tinhso_kernel::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfficialAction {
    /// Create, edit the roles of, disable or list the officials of the agency.
    Manage,
    /// Give an official of the agency the system-administrator role, or take it away. Its
    /// scope is the directory's, as it always was.
    GrantSystemAdmin,
}

/// Decides on the officials of an agency: the entity is the agency's id.
pub struct OfficialPolicy;

impl Policy for OfficialPolicy {
    const KIND: &'static str = "official";
    const SCOPES: &'static [&'static str] = &["users:write", "directory:write"];
    type Entity = str;
    type Action = OfficialAction;
    type Grant = ();

    fn scope(action: OfficialAction) -> &'static str {
        match action {
            OfficialAction::Manage => "users:write",
            OfficialAction::GrantSystemAdmin => "directory:write",
        }
    }

    async fn decide(
        cx: &Cx<'_>,
        who: &Subject<'_>,
        agency_id: &str,
        action: OfficialAction,
    ) -> Result<Decision<()>, AppError> {
        let Some(user) = who.user() else {
            return Ok(Err(Refusal::SignIn));
        };
        if action == OfficialAction::GrantSystemAdmin {
            return Ok(OfficialPolicy::granting_system_admin(user));
        }
        // The tree is read only when it can change the answer.
        let within_own = match user.agency_id.as_deref() {
            Some(own) if user.has_role(Role::AgencyAdmin) => {
                is_within(cx.db, agency_id, own).await?
            }
            _ => false,
        };
        Ok(OfficialPolicy::decision(user, within_own))
    }
}

impl OfficialPolicy {
    /// The decision, given whether the agency lies within the user's own: pure.
    pub fn decision(user: &User, within_own: bool) -> Decision<()> {
        if user.has_role(Role::SystemAdmin) || (user.has_role(Role::AgencyAdmin) && within_own) {
            Ok(())
        } else {
            Err(Refusal::Forbidden)
        }
    }

    /// Whether `user` may give or take the system-administrator role: only one of them: pure.
    pub fn granting_system_admin(user: &User) -> Decision<()> {
        if user.has_role(Role::SystemAdmin) {
            Ok(())
        } else {
            Err(Refusal::Forbidden)
        }
    }
}

/// Checks that `principal` may manage the officials of the agency `agency_id`.
pub async fn may_manage(
    state: &Ctx,
    principal: &Principal,
    agency_id: &str,
) -> Result<(), AppError> {
    may(state, principal, agency_id, OfficialAction::Manage).await
}

/// Checks that `principal` may take `action` on the officials of the agency `agency_id`.
pub async fn may(
    state: &Ctx,
    principal: &Principal,
    agency_id: &str,
    action: OfficialAction,
) -> Result<(), AppError> {
    check::<OfficialPolicy>(&Cx::from(state), &Subject::of(principal), agency_id, action).await
}

#[cfg(test)]
mod tests {
    use super::{OfficialAction, OfficialPolicy};
    use tinhso_kernel::auth::policy::Policy;
    use tinhso_kernel::auth::policy::Refusal;
    use tinhso_kernel::auth::{Role, User, UserKind};

    fn official(roles: &[Role]) -> User {
        User {
            id: "u".into(),
            kind: UserKind::Official,
            full_name: "U".into(),
            email: None,
            agency_id: Some("own".into()),
            roles: roles.to_vec(),
            totp_enabled: true,
        }
    }

    #[test]
    fn agency_administrators_manage_officials_below_them_only() {
        let admin = official(&[Role::AgencyAdmin]);
        assert_eq!(OfficialPolicy::decision(&admin, true), Ok(()));
        assert_eq!(
            OfficialPolicy::decision(&admin, false),
            Err(Refusal::Forbidden)
        );
        let leader = official(&[Role::Leader]);
        assert_eq!(
            OfficialPolicy::decision(&leader, true),
            Err(Refusal::Forbidden)
        );
        let system = official(&[Role::SystemAdmin]);
        assert_eq!(OfficialPolicy::decision(&system, false), Ok(()));
    }

    #[test]
    fn every_scope_it_checks_is_declared() {
        for action in [OfficialAction::Manage, OfficialAction::GrantSystemAdmin] {
            let scope = OfficialPolicy::scope(action);
            assert!(OfficialPolicy::SCOPES.contains(&scope), "{action:?}");
        }
    }

    #[test]
    fn only_system_administrators_make_system_administrators() {
        let system = official(&[Role::SystemAdmin]);
        assert_eq!(OfficialPolicy::granting_system_admin(&system), Ok(()));
        let admin = official(&[Role::AgencyAdmin, Role::Leader]);
        assert_eq!(
            OfficialPolicy::granting_system_admin(&admin),
            Err(Refusal::Forbidden)
        );
    }
}
