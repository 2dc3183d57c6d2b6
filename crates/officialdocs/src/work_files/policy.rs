//! Who may do what to an agency's work files (hồ sơ công việc) and file lists: the one place the
//! documents module decides it for them. The agency's document clerk (văn thư) keeps the list
//! and the files; a leader of the agency approves the list; the person responsible for a file
//! (its creator, người lập hồ sơ) opens, fills and closes it too; every official of the agency
//! reads them. To anyone else they do not exist (404).

use super::store::{self, FileList, WorkFile};
use std::future::{Future, ready};
use tinhso_kernel::Ctx;
use tinhso_kernel::auth::policy::{Cx, Decision, Policy, Refusal, Subject, check, prelude_of};
use tinhso_kernel::auth::{Principal, Role, User};
use tinhso_kernel::error::AppError;

use crate::policy::SCOPE;

/// What a decision about work files looks at: the agency that keeps them and, for one file,
/// the person responsible for it.
#[derive(Debug, Clone)]
pub struct Keeping {
    pub agency_id: String,
    pub creator_id: Option<String>,
}

/// What is done to a file list or a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkFileAction {
    /// Read the list, a file, its documents, its export.
    View,
    /// Draft or amend the list: headings and planned files (the clerk).
    ManageList,
    /// Approve the list (a leader).
    Approve,
    /// Open, fill and close a file (the clerk, or the person responsible for it).
    Handle,
}

pub struct WorkFilePolicy;

impl Policy for WorkFilePolicy {
    const KIND: &'static str = "work_file";
    type Entity = Keeping;
    type Action = WorkFileAction;
    type Grant = ();
    const SCOPES: &'static [&'static str] = &[SCOPE];

    fn scope(_action: WorkFileAction) -> &'static str {
        SCOPE
    }

    fn decide(
        _cx: &Cx<'_>,
        who: &Subject<'_>,
        k: &Keeping,
        action: WorkFileAction,
    ) -> impl Future<Output = Result<Decision<()>, AppError>> + Send {
        ready(Ok(match who.user() {
            Some(user) => WorkFilePolicy::decision(user, k, action),
            None => Err(Refusal::SignIn),
        }))
    }
}

impl WorkFilePolicy {
    /// The decision for a signed-in `user`, without the common prelude: pure.
    pub fn decision(user: &User, k: &Keeping, action: WorkFileAction) -> Decision<()> {
        if !(user.is_official() && user.agency_id.as_deref() == Some(k.agency_id.as_str())) {
            return Err(Refusal::Hidden);
        }
        let clerk = user.has_role(Role::DocumentClerk);
        let allowed = match action {
            WorkFileAction::View => true,
            WorkFileAction::ManageList => clerk,
            WorkFileAction::Approve => user.has_role(Role::Leader),
            WorkFileAction::Handle => clerk || k.creator_id.as_deref() == Some(user.id.as_str()),
        };
        if allowed {
            Ok(())
        } else {
            Err(Refusal::Forbidden)
        }
    }
}

async fn decided(
    state: &Ctx,
    principal: &Principal,
    k: &Keeping,
    action: WorkFileAction,
) -> Result<(), AppError> {
    let subject = Subject::of(principal);
    check::<WorkFilePolicy>(&Cx::from(state), &subject, k, action).await?;
    Ok(())
}

/// Loads list `id` and checks that `principal` may take `action` on it (the API and the pages
/// alike); someone outside its agency is told it does not exist.
pub async fn checked_list(
    state: &Ctx,
    principal: &Principal,
    id: &str,
    action: WorkFileAction,
) -> Result<FileList, AppError> {
    prelude_of::<WorkFilePolicy>(&Subject::of(principal), action)?;
    let l = store::list(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let k = Keeping {
        agency_id: l.agency_id.clone(),
        creator_id: None,
    };
    decided(state, principal, &k, action).await?;
    Ok(l)
}

/// Loads file `id` and checks that `principal` may take `action` on it.
pub async fn checked_file(
    state: &Ctx,
    principal: &Principal,
    id: &str,
    action: WorkFileAction,
) -> Result<WorkFile, AppError> {
    prelude_of::<WorkFilePolicy>(&Subject::of(principal), action)?;
    let f = store::file(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    decided(
        state,
        principal,
        &super::service::keeping_of_file(&f),
        action,
    )
    .await?;
    Ok(f)
}

/// The caller's own agency, checked for `action` on its lists.
pub async fn own_agency(
    state: &Ctx,
    principal: &Principal,
    action: WorkFileAction,
) -> Result<String, AppError> {
    prelude_of::<WorkFilePolicy>(&Subject::of(principal), action)?;
    let user = principal.user().ok_or(AppError::Unauthorized)?;
    let agency_id = user.agency_id.clone().ok_or(AppError::Forbidden)?;
    let k = Keeping {
        agency_id: agency_id.clone(),
        creator_id: None,
    };
    decided(state, principal, &k, action)
        .await
        .map_err(|e| match e {
            // Someone with no agency of their own is refused, not told of a missing list.
            AppError::NotFound => AppError::Forbidden,
            other => other,
        })?;
    Ok(agency_id)
}

/// Whether `user` may read the registers of their agency: its document clerks and leaders.
pub fn reads_registers(user: &User) -> bool {
    crate::policy::keeps_incoming(user, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tinhso_kernel::auth::UserKind;

    fn official(id: &str, agency: &str, roles: &[Role]) -> User {
        User {
            id: id.into(),
            kind: UserKind::Official,
            full_name: id.into(),
            email: None,
            agency_id: Some(agency.into()),
            roles: roles.to_vec(),
            totp_enabled: true,
        }
    }

    #[test]
    fn clerk_keeps_leader_approves_officials_read_others_see_nothing() {
        let k = Keeping {
            agency_id: "stp".into(),
            creator_id: Some("keeper".into()),
        };
        let clerk = official("c", "stp", &[Role::DocumentClerk]);
        let leader = official("l", "stp", &[Role::Leader]);
        let keeper = official("keeper", "stp", &[Role::Specialist]);
        let other = official("o", "hacthanh", &[Role::DocumentClerk, Role::Leader]);
        let d = WorkFilePolicy::decision;
        use WorkFileAction::*;
        assert_eq!(d(&clerk, &k, ManageList), Ok(()));
        assert_eq!(d(&clerk, &k, Approve), Err(Refusal::Forbidden));
        assert_eq!(d(&leader, &k, Approve), Ok(()));
        assert_eq!(d(&leader, &k, ManageList), Err(Refusal::Forbidden));
        assert_eq!(d(&keeper, &k, Handle), Ok(()));
        assert_eq!(d(&keeper, &k, View), Ok(()));
        assert_eq!(d(&keeper, &k, ManageList), Err(Refusal::Forbidden));
        assert_eq!(d(&leader, &k, Handle), Err(Refusal::Forbidden));
        for a in [View, ManageList, Approve, Handle] {
            assert_eq!(d(&other, &k, a), Err(Refusal::Hidden));
        }
    }
}
