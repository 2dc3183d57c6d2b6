//! Who may change the directory (the kernel's `Policy`, docs/kernel-design.md §7): system
//! administrators change anything; an agency administrator creates and edits agencies placed
//! within their own agency's subtree; only system administrators place an agency at the top or
//! import and export the directory as a whole.

use tinhso_kernel::Ctx;
use tinhso_kernel::auth::authz::is_within;
use tinhso_kernel::auth::policy::{Cx, Decision, Policy, Refusal, Subject, check};
use tinhso_kernel::auth::{Principal, Role, User};
use tinhso_kernel::error::AppError;

/// Where an agency stands, or will once saved: under the agency with id `parent`, or at the top.
#[derive(Debug, Clone, Default)]
pub struct Placement {
    pub parent: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgencyAction {
    /// Create or edit the agency placed there.
    Manage,
    /// Import or export the whole directory (the placement is the top).
    ImportExport,
}

pub struct AgencyPolicy;

impl Policy for AgencyPolicy {
    const KIND: &'static str = "agency";
    const SCOPES: &'static [&'static str] = &["directory:write"];
    type Entity = Placement;
    type Action = AgencyAction;
    type Grant = ();

    fn scope(_action: AgencyAction) -> &'static str {
        "directory:write"
    }

    async fn decide(
        cx: &Cx<'_>,
        who: &Subject<'_>,
        placement: &Placement,
        action: AgencyAction,
    ) -> Result<Decision<()>, AppError> {
        let Some(user) = who.user() else {
            return Ok(Err(Refusal::SignIn));
        };
        // The tree is read only when it can change the answer.
        let within_own = match (&placement.parent, user.agency_id.as_deref()) {
            (Some(parent), Some(own)) if user.has_role(Role::AgencyAdmin) => {
                is_within(cx.db, parent, own).await?
            }
            _ => false,
        };
        Ok(AgencyPolicy::decision(user, action, within_own))
    }
}

impl AgencyPolicy {
    /// The decision, given whether the placement lies within the user's own agency: pure.
    pub fn decision(user: &User, action: AgencyAction, within_own: bool) -> Decision<()> {
        let allowed = user.has_role(Role::SystemAdmin)
            || (action == AgencyAction::Manage && user.has_role(Role::AgencyAdmin) && within_own);
        if allowed {
            Ok(())
        } else {
            Err(Refusal::Forbidden)
        }
    }
}

/// Checks that `principal` may create or edit an agency placed under `parent` (an agency id).
pub async fn may_manage(
    state: &Ctx,
    principal: &Principal,
    parent: Option<&str>,
) -> Result<(), AppError> {
    let placement = Placement {
        parent: parent.map(str::to_owned),
    };
    check::<AgencyPolicy>(
        &Cx::from(state),
        &Subject::of(principal),
        &placement,
        AgencyAction::Manage,
    )
    .await
}

/// Checks that `principal` may import or export the whole directory.
pub async fn may_import_export(state: &Ctx, principal: &Principal) -> Result<(), AppError> {
    check::<AgencyPolicy>(
        &Cx::from(state),
        &Subject::of(principal),
        &Placement::default(),
        AgencyAction::ImportExport,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::{AgencyAction, AgencyPolicy};
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
    fn agency_administrators_manage_their_own_subtree_only() {
        let admin = official(&[Role::AgencyAdmin]);
        assert_eq!(
            AgencyPolicy::decision(&admin, AgencyAction::Manage, true),
            Ok(())
        );
        assert_eq!(
            AgencyPolicy::decision(&admin, AgencyAction::Manage, false),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            AgencyPolicy::decision(&admin, AgencyAction::ImportExport, true),
            Err(Refusal::Forbidden)
        );
        let clerk = official(&[Role::OneStopClerk]);
        assert_eq!(
            AgencyPolicy::decision(&clerk, AgencyAction::Manage, true),
            Err(Refusal::Forbidden)
        );
    }

    #[test]
    fn system_administrators_manage_the_whole_directory() {
        let admin = official(&[Role::SystemAdmin]);
        for action in [AgencyAction::Manage, AgencyAction::ImportExport] {
            assert_eq!(AgencyPolicy::decision(&admin, action, false), Ok(()));
        }
    }
}
