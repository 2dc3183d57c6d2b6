//! Who may do what to an open dataset (docs/opendata-design.md §4), the one place the module
//! decides it. Anyone reads a published dataset, signed in or not. The agency's data officers
//! draft it, upload, link and submit; the agency's leaders read it and approve, return or
//! unpublish it; a system administrator may unpublish any public dataset (personal data put
//! out by mistake). A dataset that is not public does not exist for anyone else (404). The
//! platform's own datasets (`OpenDataset::live`) change only by the platform's refresh: nobody
//! edits or decides them, and only a system administrator unpublishes one and republishes it.

use crate::OpenDataset;
use std::future::Future;
use tinhso_kernel::Ctx;
use tinhso_kernel::auth::policy::{Cx, Decision, Policy, Refusal, Subject, check, prelude_of};
use tinhso_kernel::auth::{Principal, Role, User};
use tinhso_kernel::error::AppError;

/// The token scope of the open data API's officials' actions.
pub const SCOPE: &str = "opendata";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatasetAction {
    /// Read it: published for anyone, else inside its agency.
    View,
    /// Open its office page, which shows the open revision, every resource and version and
    /// their check reports (cell values among them): the agency's data officers and leaders, and
    /// a system administrator for a public dataset (to unpublish it). Anyone else, even an
    /// official of another agency, is told it does not exist: the public page is theirs.
    Manage,
    /// Change metadata, upload, link, submit: the agency's data officers.
    Edit,
    /// Approve or return a submitted revision: the agency's leaders.
    Decide,
    /// Take a public dataset down: the agency's leaders, a system administrator.
    Unpublish,
    /// Make one of the platform's own datasets public again after it was taken down: a
    /// system administrator (agencies' datasets go back through approval instead).
    Republish,
}

pub struct OpenDatasetPolicy;

impl Policy for OpenDatasetPolicy {
    const KIND: &'static str = "dataset";
    type Entity = OpenDataset;
    type Action = DatasetAction;
    type Grant = ();
    const SCOPES: &'static [&'static str] = &[SCOPE];

    fn scope(_action: DatasetAction) -> &'static str {
        SCOPE
    }

    fn anonymous_ok(action: DatasetAction) -> bool {
        action == DatasetAction::View
    }

    fn decide(
        _cx: &Cx<'_>,
        who: &Subject<'_>,
        dataset: &OpenDataset,
        action: DatasetAction,
    ) -> impl Future<Output = Result<Decision<()>, AppError>> + Send {
        let decision = decision(who.user(), dataset, action);
        async move { Ok(decision) }
    }
}

/// Whether `user` is an official of `agency_id` holding `role`.
fn of_agency(user: &User, agency_id: &str, role: Role) -> bool {
    user.is_official() && user.agency_id.as_deref() == Some(agency_id) && user.has_role(role)
}

/// Whether `user` may create datasets for their agency: its data officers.
pub fn may_create(user: &User) -> bool {
    user.agency_id
        .as_deref()
        .is_some_and(|agency| of_agency(user, agency, Role::DataOfficer))
}

/// The decision for `user` (none: not signed in), pure.
pub fn decision(user: Option<&User>, d: &OpenDataset, action: DatasetAction) -> Decision<()> {
    let officer = user.is_some_and(|u| of_agency(u, &d.agency_id, Role::DataOfficer));
    let leader = user.is_some_and(|u| of_agency(u, &d.agency_id, Role::Leader));
    let admin = user.is_some_and(|u| u.has_role(Role::SystemAdmin));
    let inside = officer || leader;
    // A system administrator keeps the platform's own datasets in hand, taken down or not.
    if d.live && admin {
        return match action {
            DatasetAction::View | DatasetAction::Manage => Ok(()),
            DatasetAction::Unpublish | DatasetAction::Republish => Ok(()),
            _ => Err(Refusal::Forbidden),
        };
    }
    if !d.state.is_public() && !inside {
        return Err(Refusal::Hidden);
    }
    let refused = || {
        if user.is_none() {
            Refusal::SignIn
        } else {
            Refusal::Forbidden
        }
    };
    if d.live {
        return match action {
            DatasetAction::View => Ok(()),
            DatasetAction::Manage if inside => Ok(()),
            DatasetAction::Manage => Err(Refusal::Hidden),
            _ => Err(refused()),
        };
    }
    match action {
        DatasetAction::View => Ok(()),
        DatasetAction::Manage if inside || admin => Ok(()),
        DatasetAction::Manage => Err(Refusal::Hidden),
        DatasetAction::Edit if officer => Ok(()),
        DatasetAction::Decide if leader => Ok(()),
        DatasetAction::Unpublish if leader || admin => Ok(()),
        _ => Err(refused()),
    }
}

/// Loads dataset `id` and checks that `principal` may take `action` on it; someone who may
/// not read it is told it does not exist.
pub async fn checked(
    ctx: &Ctx,
    principal: &Principal,
    id: &str,
    action: DatasetAction,
) -> Result<OpenDataset, AppError> {
    let who = Subject::of(principal);
    prelude_of::<OpenDatasetPolicy>(&who, action)?;
    let dataset = crate::store::by_id(&ctx.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    check::<OpenDatasetPolicy>(&Cx::from(ctx), &who, &dataset, action).await?;
    Ok(dataset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Metadata;
    use tinhso_domain::opendata::state::DatasetState;
    use tinhso_kernel::auth::UserKind;

    fn person(kind: UserKind, agency: Option<&str>, roles: &[Role]) -> User {
        User {
            id: "u".into(),
            kind,
            full_name: "Người thử".into(),
            email: None,
            agency_id: agency.map(str::to_owned),
            roles: roles.to_vec(),
            totp_enabled: true,
        }
    }

    fn dataset(state: DatasetState) -> OpenDataset {
        OpenDataset {
            id: "d".into(),
            name: "truong-hoc".into(),
            agency_id: "stp".into(),
            agency_code: "000.00.14.H56".into(),
            agency_name: "Sở Tư pháp".into(),
            state,
            revision: None,
            metadata: Metadata::empty(),
            published_metadata: None,
            issued_at: None,
            modified_at: None,
            review_due_on: None,
            return_reason: None,
            unpublish_reason: None,
            created_at: String::new(),
            live: false,
        }
    }

    #[test]
    fn the_permission_table() {
        use DatasetAction::*;
        use DatasetState::*;
        let official = UserKind::Official;
        let officer = person(official, Some("stp"), &[Role::DataOfficer]);
        let leader = person(official, Some("stp"), &[Role::Leader]);
        let clerk = person(official, Some("stp"), &[Role::Specialist]);
        let other = person(official, Some("ubnd"), &[Role::DataOfficer, Role::Leader]);
        let admin = person(official, Some("cntt"), &[Role::SystemAdmin]);
        let citizen = person(UserKind::Citizen, None, &[]);
        let h = Err(Refusal::Hidden);
        let f = Err(Refusal::Forbidden);
        let s = Err(Refusal::SignIn);
        let cases: &[(Option<&User>, DatasetState, DatasetAction, Decision<()>)] = &[
            (None, Published, View, Ok(())),
            (None, Draft, View, h.clone()),
            (None, Unpublished, View, h.clone()),
            (None, Published, Unpublish, s.clone()),
            (Some(&citizen), Published, View, Ok(())),
            (Some(&citizen), Draft, View, h.clone()),
            (Some(&officer), Draft, View, Ok(())),
            (Some(&officer), Draft, Edit, Ok(())),
            (Some(&officer), Draft, Decide, f.clone()),
            (Some(&officer), Published, Unpublish, f.clone()),
            (Some(&leader), Draft, View, Ok(())),
            (Some(&leader), Draft, Edit, f.clone()),
            (Some(&leader), Draft, Decide, Ok(())),
            (Some(&leader), Published, Unpublish, Ok(())),
            (Some(&clerk), Draft, View, h.clone()),
            (Some(&clerk), Published, Edit, f.clone()),
            (Some(&other), Draft, View, h.clone()),
            (Some(&other), Unpublished, Decide, h.clone()),
            (Some(&other), Published, Decide, f.clone()),
            (Some(&admin), Draft, View, h.clone()),
            (Some(&admin), Published, Unpublish, Ok(())),
            (None, Published, Manage, h.clone()),
            (Some(&citizen), Published, Manage, h.clone()),
            (Some(&officer), Draft, Manage, Ok(())),
            (Some(&officer), Published, Manage, Ok(())),
            (Some(&leader), Published, Manage, Ok(())),
            (Some(&clerk), Published, Manage, h.clone()),
            (Some(&other), Published, Manage, h.clone()),
            (Some(&admin), Published, Manage, Ok(())),
            (Some(&admin), Draft, Manage, h.clone()),
        ];
        for (user, state, action, expected) in cases {
            let got = decision(*user, &dataset(*state), *action);
            assert_eq!(&got, expected, "{user:?} {state:?} {action:?}");
        }
        assert!(may_create(&officer) && !may_create(&leader) && !may_create(&citizen));
    }

    #[test]
    fn the_platforms_own_datasets_change_only_by_the_platform() {
        use DatasetAction::*;
        let official = UserKind::Official;
        let officer = person(official, Some("stp"), &[Role::DataOfficer]);
        let leader = person(official, Some("stp"), &[Role::Leader]);
        let admin = person(official, Some("cntt"), &[Role::SystemAdmin]);
        let live = OpenDataset {
            live: true,
            ..dataset(DatasetState::Published)
        };
        let f = Err(Refusal::Forbidden);
        let cases: &[(Option<&User>, DatasetAction, Decision<()>)] = &[
            (None, View, Ok(())),
            (None, Edit, Err(Refusal::SignIn)),
            (Some(&officer), Manage, Ok(())),
            (Some(&officer), Edit, f.clone()),
            (Some(&leader), Decide, f.clone()),
            (Some(&leader), Unpublish, f.clone()),
            (Some(&admin), Edit, f.clone()),
            (Some(&admin), Manage, Ok(())),
            (Some(&admin), Unpublish, Ok(())),
            (Some(&admin), Republish, Ok(())),
            (Some(&leader), Republish, f.clone()),
            (None, Republish, Err(Refusal::SignIn)),
        ];
        for (user, action, expected) in cases {
            assert_eq!(
                &decision(*user, &live, *action),
                expected,
                "{user:?} {action:?}"
            );
        }
        // Taken down: hidden from everyone but the system administrator, who republishes it.
        let down = OpenDataset {
            live: true,
            ..dataset(DatasetState::Unpublished)
        };
        let h = Err(Refusal::Hidden);
        for (user, action, expected) in [
            (None, View, h.clone()),
            (Some(&leader), Manage, Ok(())),
            (Some(&leader), Republish, f.clone()),
            (Some(&admin), Manage, Ok(())),
            (Some(&admin), Republish, Ok(())),
            (Some(&admin), Edit, f.clone()),
        ] {
            assert_eq!(
                decision(user, &down, action),
                expected,
                "{user:?} {action:?}"
            );
        }
        // Agencies' datasets are never republished this way.
        assert_eq!(
            decision(Some(&admin), &dataset(DatasetState::Published), Republish),
            f
        );
    }
}
