//! Who may use the platform's own back office (the kernel's `Policy` for the entity kind
//! `platform`): any official enters the back office; only system administrators read the audit
//! trail, set the year's working calendar, operate the events' dead letters and run the demo
//! certificate authority.

use super::policy::{Cx, Decision, Policy, Refusal, Subject, check};
use super::{Principal, Role, User};
use crate::Ctx;
use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlatformAction {
    /// Enter the back office (the officials' home and queues).
    BackOffice,
    /// Read the audit trail.
    ReadAudit,
    /// Enter the year's holiday notice and the office-hours rules.
    ManageCalendar,
    /// Operate the platform: retry or skip dead letters of the events outbox, revoke the demo
    /// CA's certificates and say whether its root is trusted (pages only: no token scope
    /// grants it).
    Operate,
}

pub struct PlatformPolicy;

impl Policy for PlatformPolicy {
    const KIND: &'static str = "platform";
    /// `Operate`'s scope is left out: no token may be granted it.
    const SCOPES: &'static [&'static str] = &["account", "audit:read", "catalog:write"];
    type Entity = ();
    type Action = PlatformAction;
    type Grant = ();

    fn scope(action: PlatformAction) -> &'static str {
        match action {
            PlatformAction::BackOffice => "account",
            PlatformAction::ReadAudit => "audit:read",
            // The calendar was managed with the catalog's scope; tokens keep working.
            PlatformAction::ManageCalendar => "catalog:write",
            // Not in `authz::SCOPES`: no token carries it.
            PlatformAction::Operate => "platform",
        }
    }

    async fn decide(
        _cx: &Cx<'_>,
        who: &Subject<'_>,
        _platform: &(),
        action: PlatformAction,
    ) -> Result<Decision<()>, AppError> {
        Ok(match who.user() {
            Some(user) => PlatformPolicy::decision(user, action),
            None => Err(Refusal::SignIn),
        })
    }
}

impl PlatformPolicy {
    pub fn decision(user: &User, action: PlatformAction) -> Decision<()> {
        let allowed = user.has_role(Role::SystemAdmin)
            || (action == PlatformAction::BackOffice && user.is_official());
        if allowed {
            Ok(())
        } else {
            Err(Refusal::Forbidden)
        }
    }
}

/// Checks that `principal` may take the platform `action`.
pub async fn may(
    state: &Ctx,
    principal: &Principal,
    action: PlatformAction,
) -> Result<(), AppError> {
    check::<PlatformPolicy>(&Cx::from(state), &Subject::of(principal), &(), action).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::UserKind;

    fn person(kind: UserKind, roles: &[Role]) -> User {
        User {
            id: "u".into(),
            kind,
            full_name: "Người dùng".into(),
            email: None,
            agency_id: None,
            roles: roles.to_vec(),
            totp_enabled: true,
        }
    }

    #[test]
    fn officials_enter_the_back_office_and_only_system_administrators_run_the_platform() {
        use PlatformAction::*;
        let admin = person(UserKind::Official, &[Role::SystemAdmin]);
        let leader = person(UserKind::Official, &[Role::Leader, Role::AgencyAdmin]);
        let citizen = person(UserKind::Citizen, &[]);
        for action in [BackOffice, ReadAudit, ManageCalendar, Operate] {
            assert!(
                PlatformPolicy::decision(&admin, action).is_ok(),
                "{action:?}"
            );
        }
        assert!(PlatformPolicy::decision(&leader, BackOffice).is_ok());
        for action in [ReadAudit, ManageCalendar, Operate] {
            assert_eq!(
                PlatformPolicy::decision(&leader, action),
                Err(Refusal::Forbidden)
            );
        }
        assert_eq!(
            PlatformPolicy::decision(&citizen, BackOffice),
            Err(Refusal::Forbidden)
        );
    }

    #[test]
    fn every_scope_it_checks_is_declared_but_the_operators() {
        use PlatformAction::*;
        for action in [BackOffice, ReadAudit, ManageCalendar] {
            let scope = PlatformPolicy::scope(action);
            assert!(PlatformPolicy::SCOPES.contains(&scope), "{action:?}");
        }
        // No token may be granted the dead letters' operation.
        assert!(!PlatformPolicy::SCOPES.contains(&PlatformPolicy::scope(Operate)));
        assert!(!crate::auth::authz::SCOPES.contains(&PlatformPolicy::scope(Operate)));
    }
}
