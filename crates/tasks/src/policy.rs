//! Who may do what to a task (docs/tasks-design.md §6), the one place the module decides it.
//! The authority's office (its leaders, specialists and document clerks) creates tasks,
//! accepts or returns them and decides extensions; a unit's leader reports for the unit and
//! asks for more time; the office's leaders and the authority's leaders urge the units in
//! writing (đôn đốc); a unit's leader splits the unit's part among its sub-units and officials
//! (giao tiếp), and each part's holder reads the task and reports on its part only; a unit's
//! officials and the authority's leaders read the task. Who reads which parts and the rest of
//! the task's page is [`reads_part`] and [`reads_whole`]. To anyone else it does not exist (404). Handlers call
//! `check::<TaskPolicy>` after loading the task; the service decides again on the row it
//! locked.

use crate::Task;
use std::future::Future;
use tinhso_kernel::Ctx;
use tinhso_kernel::auth::policy::{Cx, Decision, Policy, Refusal, Subject, check, prelude_of};
use tinhso_kernel::auth::{Principal, Role, User};
use tinhso_kernel::error::AppError;

/// The token scope of the tasks API.
pub const SCOPE: &str = "tasks";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskAction {
    /// Read it: its units, deadlines and timeline.
    View,
    /// Report progress or completion for one's unit.
    Report,
    /// Accept the lead unit's completion, or return it.
    Decide,
    /// Ask for more time for one's unit.
    AskExtension,
    /// Grant or refuse a unit's request for more time.
    DecideExtension,
    /// Send a unit a written reminder (đôn đốc).
    Urge,
    /// Split one's unit's part among its sub-units and officials (giao tiếp): a leader of a
    /// unit of the task; the grant is the unit row.
    Split,
    /// Report progress on a part one holds (which part: `crate::parts::may_report`).
    ReportPart,
}

pub struct TaskPolicy;

impl Policy for TaskPolicy {
    const KIND: &'static str = "task";
    type Entity = Task;
    type Action = TaskAction;
    /// For `Report`, `AskExtension` and `Split`, the unit row the caller acts for.
    type Grant = Option<String>;
    const SCOPES: &'static [&'static str] = &[SCOPE];

    fn scope(_action: TaskAction) -> &'static str {
        SCOPE
    }

    fn decide(
        _cx: &Cx<'_>,
        who: &Subject<'_>,
        task: &Task,
        action: TaskAction,
    ) -> impl Future<Output = Result<Decision<Option<String>>, AppError>> + Send {
        let decision = match who.user() {
            Some(user) => decision(user, task, action),
            None => Err(Refusal::SignIn),
        };
        async move { Ok(decision) }
    }
}

/// Whether `user` works in the office that follows the tasks of `office_agency_id`'s
/// authorities: its leaders, specialists and document clerks.
pub fn follows(user: &User, office_agency_id: &str) -> bool {
    user.is_official()
        && user.agency_id.as_deref() == Some(office_agency_id)
        && [Role::Leader, Role::Specialist, Role::DocumentClerk]
            .iter()
            .any(|r| user.has_role(*r))
}

/// Whether `user` may create tasks at all: someone of an assigning office (which authorities
/// they assign for is the directory's and the office table's to say).
pub fn may_create(user: &User) -> bool {
    user.agency_id
        .as_deref()
        .is_some_and(|agency| follows(user, agency))
}

/// The decision for a signed-in `user`, without the common prelude: pure.
pub fn decision(user: &User, task: &Task, action: TaskAction) -> Decision<Option<String>> {
    if !user.is_official() {
        return Err(Refusal::Hidden);
    }
    let agency = user.agency_id.as_deref();
    let office = follows(user, &task.office_agency_id);
    let authority_leader =
        agency == Some(task.authority_agency_id.as_str()) && user.has_role(Role::Leader);
    let unit = task
        .units
        .iter()
        .find(|u| agency == Some(u.agency_id.as_str()));
    let holds_part = task.parts.iter().any(|p| crate::parts::holds(user, p));
    if !office && !authority_leader && unit.is_none() && !holds_part {
        return Err(Refusal::Hidden);
    }
    let leader = user.has_role(Role::Leader);
    match action {
        TaskAction::View => Ok(None),
        TaskAction::Report | TaskAction::AskExtension | TaskAction::Split => match unit {
            Some(u) if leader => Ok(Some(u.id.clone())),
            _ => Err(Refusal::Forbidden),
        },
        TaskAction::ReportPart if task.parts.iter().any(|p| crate::parts::may_report(user, p)) => {
            Ok(None)
        }
        TaskAction::ReportPart => Err(Refusal::Forbidden),
        TaskAction::Decide | TaskAction::DecideExtension if office => Ok(None),
        TaskAction::Urge if authority_leader || (office && leader) => Ok(None),
        TaskAction::Decide | TaskAction::DecideExtension | TaskAction::Urge => {
            Err(Refusal::Forbidden)
        }
    }
}

/// Whether `user` reads the task above their parts: the office, the authority's leaders and
/// a unit's officials read its timeline and extensions; one who only holds a part (a
/// sub-unit's official) reads the task, its units and their own parts, not the rest.
pub fn reads_whole(user: &User, task: &Task) -> bool {
    let agency = user.agency_id.as_deref();
    user.is_official()
        && (follows(user, &task.office_agency_id)
            || (agency == Some(task.authority_agency_id.as_str()) && user.has_role(Role::Leader))
            || task
                .units
                .iter()
                .any(|u| agency == Some(u.agency_id.as_str())))
}

/// Whether `user` reads part `part` of `task`: the office and the authority's leaders read
/// every part, a unit's officials the parts their unit split, a holder the parts they hold.
pub fn reads_part(user: &User, task: &Task, part: &crate::parts::Part) -> bool {
    if !user.is_official() {
        return false;
    }
    let agency = user.agency_id.as_deref();
    follows(user, &task.office_agency_id)
        || (agency == Some(task.authority_agency_id.as_str()) && user.has_role(Role::Leader))
        || task
            .units
            .iter()
            .any(|u| u.id == part.unit_id && agency == Some(u.agency_id.as_str()))
        || crate::parts::holds(user, part)
}

/// Loads task `id` and checks that `principal` may take `action` on it; someone who may not
/// read it is told it does not exist.
pub async fn checked(
    ctx: &Ctx,
    principal: &Principal,
    id: &str,
    action: TaskAction,
) -> Result<(Task, Option<String>), AppError> {
    let who = Subject::of(principal);
    prelude_of::<TaskPolicy>(&who, action)?;
    let task = crate::store::by_id(&ctx.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let grant = check::<TaskPolicy>(&Cx::from(ctx), &who, &task, action).await?;
    Ok((task, grant))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Position, SourceKind};
    use crate::parts::Part;
    use crate::{Task, TaskUnit};
    use tinhso_domain::task::ranking::Priority;
    use tinhso_domain::task::state::{UnitRole, UnitState};
    use tinhso_kernel::auth::UserKind;

    fn user(kind: UserKind, agency: Option<&str>, roles: &[Role]) -> User {
        User {
            id: "u".into(),
            kind,
            full_name: "Người thử".into(),
            email: None,
            agency_id: agency.map(str::to_owned),
            roles: roles.to_vec(),
            totp_enabled: false,
        }
    }

    fn unit(id: &str, agency: &str, role: UnitRole) -> TaskUnit {
        TaskUnit {
            id: id.into(),
            agency_id: agency.into(),
            agency_code: String::new(),
            agency_name: String::new(),
            role,
            due_spec_days: None,
            due_on: "2026-12-31".into(),
            current_due_on: "2026-12-31".into(),
            judged_due_on: "2026-12-31".into(),
            state: UnitState::Assigned,
            progress: 0,
            finished_on: None,
        }
    }

    fn part(id: &str, unit: &str, agency: Option<&str>, official: Option<&str>) -> Part {
        Part {
            id: id.into(),
            unit_id: unit.into(),
            holder_agency_id: agency.map(str::to_owned),
            holder_user_id: official.map(str::to_owned),
            holder_code: None,
            holder_name: String::new(),
            note: String::new(),
            due_on: "2026-12-20".into(),
            progress: 0,
            last_report: None,
            updated_at: String::new(),
        }
    }

    fn task() -> Task {
        Task {
            id: "t".into(),
            code: "NV-2026-0001".into(),
            title: String::new(),
            content: String::new(),
            source_kind: SourceKind::Typed,
            source_id: None,
            source_label: None,
            authority_agency_id: "ubnd".into(),
            authority_code: String::new(),
            authority_name: String::new(),
            authority_position: Position::Chair,
            office_agency_id: "vp".into(),
            priority: Priority::Normal,
            field: String::new(),
            assigned_on: "2026-12-01".into(),
            state: UnitState::Assigned,
            created_by: "c".into(),
            created_by_name: String::new(),
            created_at: String::new(),
            units: vec![
                unit("u-lead", "stp", UnitRole::Lead),
                unit("u-sup", "phuong", UnitRole::Supporting),
            ],
            parts: vec![
                part("p-sub", "u-lead", Some("hctp"), None),
                part("p-off", "u-lead", None, Some("chuyenvien")),
            ],
        }
    }

    #[test]
    fn each_person_gets_what_the_table_says() {
        use TaskAction::*;
        use UserKind::{Citizen, Official};
        let t = task();
        let hidden = Err(Refusal::Hidden);
        let forbidden = Err(Refusal::Forbidden);
        let cases: Vec<(User, TaskAction, Decision<Option<String>>)> = vec![
            (user(Citizen, None, &[]), View, hidden.clone()),
            (
                user(Official, Some("other"), &[Role::Leader]),
                View,
                hidden.clone(),
            ),
            (
                user(Official, Some("vp"), &[Role::OneStopClerk]),
                View,
                hidden.clone(),
            ),
            (
                user(Official, Some("vp"), &[Role::Specialist]),
                View,
                Ok(None),
            ),
            (
                user(Official, Some("vp"), &[Role::Specialist]),
                Decide,
                Ok(None),
            ),
            (
                user(Official, Some("vp"), &[Role::Specialist]),
                Report,
                forbidden.clone(),
            ),
            (
                user(Official, Some("ubnd"), &[Role::Leader]),
                View,
                Ok(None),
            ),
            (
                user(Official, Some("ubnd"), &[Role::Leader]),
                Decide,
                forbidden.clone(),
            ),
            (
                user(Official, Some("ubnd"), &[Role::Specialist]),
                View,
                hidden.clone(),
            ),
            (
                user(Official, Some("stp"), &[Role::OneStopClerk]),
                View,
                Ok(None),
            ),
            (
                user(Official, Some("stp"), &[Role::OneStopClerk]),
                Report,
                forbidden.clone(),
            ),
            (
                user(Official, Some("stp"), &[Role::Leader]),
                Report,
                Ok(Some("u-lead".into())),
            ),
            (
                user(Official, Some("stp"), &[Role::Leader]),
                Decide,
                forbidden.clone(),
            ),
            (
                user(Official, Some("phuong"), &[Role::Leader]),
                Report,
                Ok(Some("u-sup".into())),
            ),
            (
                user(Official, Some("phuong"), &[Role::Leader]),
                AskExtension,
                Ok(Some("u-sup".into())),
            ),
            (
                user(Official, Some("stp"), &[Role::Specialist]),
                AskExtension,
                forbidden.clone(),
            ),
            (
                user(Official, Some("stp"), &[Role::Leader]),
                DecideExtension,
                forbidden.clone(),
            ),
            (
                user(Official, Some("vp"), &[Role::Specialist]),
                DecideExtension,
                Ok(None),
            ),
            (
                user(Official, Some("vp"), &[Role::Specialist]),
                AskExtension,
                forbidden.clone(),
            ),
            // Urging: the office's leaders and the authority's leaders, not a unit's.
            (user(Official, Some("vp"), &[Role::Leader]), Urge, Ok(None)),
            (
                user(Official, Some("ubnd"), &[Role::Leader]),
                Urge,
                Ok(None),
            ),
            (
                user(Official, Some("vp"), &[Role::Specialist]),
                Urge,
                forbidden.clone(),
            ),
            (
                user(Official, Some("stp"), &[Role::Leader]),
                Urge,
                forbidden.clone(),
            ),
            // Splitting: a unit's leader, for its unit; a part's holder reports on it only.
            (
                user(Official, Some("stp"), &[Role::Leader]),
                Split,
                Ok(Some("u-lead".into())),
            ),
            (
                user(Official, Some("stp"), &[Role::Specialist]),
                Split,
                forbidden.clone(),
            ),
            (
                user(Official, Some("vp"), &[Role::Specialist]),
                Split,
                forbidden.clone(),
            ),
            (
                user(Official, Some("hctp"), &[Role::Specialist]),
                View,
                Ok(None),
            ),
            (
                user(Official, Some("hctp"), &[Role::Specialist]),
                ReportPart,
                forbidden.clone(),
            ),
            (
                user(Official, Some("hctp"), &[Role::Leader]),
                ReportPart,
                Ok(None),
            ),
            (
                user(Official, Some("hctp"), &[Role::Leader]),
                Report,
                forbidden.clone(),
            ),
            (
                user(Official, Some("hctp"), &[Role::Leader]),
                Split,
                forbidden.clone(),
            ),
            (
                user(Official, Some("hctp"), &[Role::Leader]),
                Decide,
                forbidden.clone(),
            ),
            (user(Official, Some("tgpl"), &[Role::Leader]), View, hidden),
            (
                user(Official, Some("stp"), &[Role::Leader]),
                ReportPart,
                forbidden,
            ),
        ];
        for (u, action, expected) in cases {
            assert_eq!(
                decision(&u, &t, action),
                expected,
                "{:?} {:?} {action:?}",
                u.agency_id,
                u.roles
            );
        }
    }

    #[test]
    fn an_official_holding_a_part_reads_and_reports_on_it_only() {
        let t = task();
        let mut holder = user(UserKind::Official, Some("stp"), &[Role::Specialist]);
        holder.id = "chuyenvien".into();
        assert_eq!(decision(&holder, &t, TaskAction::View), Ok(None));
        assert_eq!(decision(&holder, &t, TaskAction::ReportPart), Ok(None));
        assert_eq!(
            decision(&holder, &t, TaskAction::Report),
            Err(Refusal::Forbidden)
        );
        holder.agency_id = Some("other".into());
        assert_eq!(decision(&holder, &t, TaskAction::View), Ok(None));
        holder.id = "someone".into();
        assert_eq!(
            decision(&holder, &t, TaskAction::View),
            Err(Refusal::Hidden)
        );
    }

    #[test]
    fn a_holder_reads_their_own_part_and_a_unit_its_own_parts() {
        let mut t = task();
        t.parts
            .push(part("p-ward", "u-sup", Some("to-dan-pho"), None));
        let readable = |u: &User| -> Vec<String> {
            t.parts
                .iter()
                .filter(|p| reads_part(u, &t, p))
                .map(|p| p.id.clone())
                .collect()
        };
        let sub = user(UserKind::Official, Some("hctp"), &[Role::Specialist]);
        assert_eq!(readable(&sub), ["p-sub"]);
        assert!(
            !reads_whole(&sub, &t),
            "a sub-unit's official holds, no more"
        );
        let mut named = user(UserKind::Official, Some("stp"), &[Role::Specialist]);
        named.id = "chuyenvien".into();
        assert_eq!(
            readable(&named),
            ["p-sub", "p-off"],
            "of the unit that split"
        );
        assert!(reads_whole(&named, &t));
        let ward = user(UserKind::Official, Some("phuong"), &[Role::Leader]);
        assert_eq!(
            readable(&ward),
            ["p-ward"],
            "a unit reads its own parts only"
        );
        let office = user(UserKind::Official, Some("vp"), &[Role::Specialist]);
        assert_eq!(readable(&office).len(), 3);
        let authority = user(UserKind::Official, Some("ubnd"), &[Role::Leader]);
        assert_eq!(readable(&authority).len(), 3);
        let other = user(UserKind::Official, Some("tgpl"), &[Role::Leader]);
        assert!(readable(&other).is_empty() && !reads_whole(&other, &t));
        let citizen = user(UserKind::Citizen, Some("hctp"), &[]);
        assert!(readable(&citizen).is_empty());
    }

    #[test]
    fn only_an_office_creates() {
        assert!(may_create(&user(
            UserKind::Official,
            Some("vp"),
            &[Role::DocumentClerk]
        )));
        assert!(!may_create(&user(
            UserKind::Official,
            Some("vp"),
            &[Role::OneStopClerk]
        )));
        assert!(!may_create(&user(
            UserKind::Official,
            None,
            &[Role::Leader]
        )));
        assert!(!may_create(&user(
            UserKind::Citizen,
            Some("vp"),
            &[Role::Leader]
        )));
    }
}
