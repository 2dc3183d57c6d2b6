//! Task tracking (theo dõi nhiệm vụ, issue 16; docs/tasks-design.md): an authority (the
//! People's Committee, its chair or a vice-chair, a department head) assigns a task to one
//! lead unit and any supporting units, each with its own deadline; the units report progress,
//! the lead unit reports completion, and the authority's office accepts it or returns it with
//! a reason. A unit asks for more time before its deadline and the office grants or refuses
//! it; [`deadlines`] reminds units before their deadlines, escalates overdue ones and mails a
//! daily digest (of a split part's deadline too: [`parts`]), and leaders urge units in writing
//! ([`notices`] tells people). The rules are `tinhso_domain::task` and [`model`]; [`policy`] decides who may do
//! what, [`service`] does each action in one transaction with its audit row and event,
//! [`store`] holds the SQL, [`pages`] and [`api`] are the officials' pages and `/api/v1/tasks`.

pub mod api;
pub mod deadlines;
pub mod demo;
pub mod events;
pub mod feed;
pub mod import;
pub mod kpi;
pub mod model;
pub mod notices;
pub mod overview;
pub mod overview_api;
pub mod overview_cache;
pub mod overview_pages;
pub mod pages;
pub mod parts;
pub mod policy;
pub mod recurrence;
pub mod sample;
pub mod service;
pub mod store;

use serde::Serialize;
use tinhso_domain::task::ranking::Priority;
use tinhso_domain::task::state::{UnitRole, UnitState};
use tinhso_kernel::auth::policy::PolicyInfo;
use tinhso_kernel::web::menu::{MenuEntry, Shown};

/// A task with its units, as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Task {
    pub id: String,
    pub code: String,
    pub title: String,
    pub content: String,
    pub source_kind: model::SourceKind,
    pub source_id: Option<String>,
    pub source_label: Option<String>,
    pub authority_agency_id: String,
    pub authority_code: String,
    pub authority_name: String,
    pub authority_position: model::Position,
    pub office_agency_id: String,
    pub priority: Priority,
    pub field: String,
    /// `YYYY-MM-DD`, Vietnam local.
    pub assigned_on: String,
    /// The lead unit's state.
    pub state: UnitState,
    pub created_by: String,
    pub created_by_name: String,
    pub created_at: String,
    pub units: Vec<TaskUnit>,
    /// The parts the units split theirs into ([`parts`]).
    pub parts: Vec<parts::Part>,
}

impl Task {
    /// The lead unit (every task has exactly one).
    pub fn lead(&self) -> Option<&TaskUnit> {
        self.units.iter().find(|u| u.role == UnitRole::Lead)
    }
}

/// A unit's part in a task.
#[derive(Debug, Clone, Serialize)]
pub struct TaskUnit {
    pub id: String,
    pub agency_id: String,
    pub agency_code: String,
    pub agency_name: String,
    pub role: UnitRole,
    /// The working days the deadline was given in, when it was given so.
    pub due_spec_days: Option<i64>,
    /// `YYYY-MM-DD`: as assigned, as worked to, as judged.
    pub due_on: String,
    pub current_due_on: String,
    pub judged_due_on: String,
    pub state: UnitState,
    pub progress: i64,
    pub finished_on: Option<String>,
}

/// One entry of a task's timeline.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub id: String,
    pub unit_id: String,
    pub unit_name: String,
    pub kind: model::ReportKind,
    pub percent: Option<i64>,
    /// The deadline an extension's request or grant names.
    pub due_on: Option<String>,
    pub body: String,
    pub by_name: String,
    pub created_at: String,
    /// The part reported on, for a part holder's entry ([`parts`]).
    pub part_id: Option<String>,
}

/// A unit's request for more time, and the office's answer once given.
#[derive(Debug, Clone, Serialize)]
pub struct Extension {
    pub id: String,
    pub unit_id: String,
    pub unit_name: String,
    /// `YYYY-MM-DD`: the day asked, the deadline then, the one asked for.
    pub asked_on: String,
    pub old_due: String,
    pub new_due: String,
    pub reason: String,
    pub asked_by_name: String,
    /// `granted` or `refused`; `None` while waiting.
    pub decision: Option<String>,
    pub granted_due: Option<String>,
    pub decision_note: Option<String>,
    pub decided_on: Option<String>,
}

/// The task tracking module.
pub const MODULE: tinhso_kernel::module::Module = tinhso_kernel::module::Module {
    name: "tasks",
    depends_on: &["directory", "accounts"],
    routes: || {
        tinhso_kernel::module::Routes::new("tasks")
            .merge(pages::routes())
            .merge(api::routes())
            .merge(parts::routes())
            .merge(recurrence::routes())
            .merge(feed::routes())
            .merge(import::routes())
            .merge(overview_pages::routes())
            .merge(overview_api::routes())
    },
    tables: &[
        "task_offices",
        "tasks",
        "task_units",
        "task_reports",
        "task_extensions",
        "task_reminders",
        "task_digests",
        "task_parts",
        "task_part_reminders",
        "task_feeds",
        "task_rules",
        "task_generation",
    ],
    topics: &[&notices::DEADLINES, &notices::UPDATES, &notices::DIGEST],
    subscriptions: &[&notices::NOTIFY],
    sweeps: &[&DEADLINE_SWEEP],
    links: &[&CREATE_FROM_DOCUMENT],
    migrations: tinhso_kernel::migrations!(),
    assets: tinhso_kernel::assets!(),
    demo: Some(demo::seed),
    kpis: &[&kpi::TASKS],
    policies: &[PolicyInfo::of::<policy::TaskPolicy>()],
    menu: &[
        MenuEntry::main("nav_tasks", pages::BOARD, 57, Shown::Official),
        MenuEntry::office(
            "nav_tasks",
            "office_tasks_text",
            pages::BOARD,
            74,
            Shown::Official,
        ),
        MenuEntry::account(
            "task_feed_title",
            "task_feed_link",
            feed::PAGE,
            50,
            Shown::Official,
        ),
    ],
    ..tinhso_kernel::module::Module::EMPTY
};

/// Reminders, escalations and the daily digest, every five minutes on every node (each sent
/// once: `deadlines`).
const DEADLINE_SWEEP: tinhso_kernel::module::Sweep = tinhso_kernel::module::Sweep {
    name: "tasks.deadlines",
    every: |_| Some(std::time::Duration::from_secs(300)),
    at_start: true,
    run: |ctx| {
        Box::pin(async move {
            deadlines::sweep(ctx, tinhso_kernel::time::local_now()).await?;
            Ok(())
        })
    },
};

/// "Tạo nhiệm vụ" on an incoming document's page, for those of an assigning office (the new
/// task's page reads the document again and checks who may create).
const CREATE_FROM_DOCUMENT: tinhso_kernel::module::RecordLink = tinhso_kernel::module::RecordLink {
    kind: "document",
    offer: |ctx, user, record| {
        Box::pin(async move {
            if !record.has("incoming") || !policy::may_create(user) {
                return Ok(None);
            }
            let office = user.agency_id.as_deref().unwrap_or_default();
            if store::authorities_of(&ctx.db, office).await?.is_empty() {
                return Ok(None);
            }
            Ok(Some(tinhso_kernel::module::Offered {
                label_key: "task_create_from_document",
                href: format!("{}/new?document={}", pages::BOARD, record.id),
            }))
        })
    },
};
