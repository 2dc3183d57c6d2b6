//! The operations centre (trung tâm điều hành, issue 18; docs/operations-design.md). This slice
//! counts: the modules declare named sources and the marks each of their items makes
//! (`Kpi::counting`); [`count`] keeps counters per scope, day and month up to date from their
//! events, state-based (an item's marks are re-read and only the difference is written, in the
//! delivery's transaction); [`rebuild`] recounts everything from the items themselves, or checks
//! the counters against such a recount. `ops` knows no module: it finds the declarations
//! through `Ctx::kpis`. The rules (periods, formulas, scoring, the diff) are
//! `tinhso_domain::ops`; [`store`] holds the SQL.

pub mod api;
pub mod bulk;
pub mod count;
pub mod dashboard;
pub mod dashboard_pages;
pub mod declarations;
pub mod gauges;
pub mod index;
pub mod map;
pub mod pages;
pub mod policy;
pub mod rebuild;
pub mod report;
pub mod report_pages;
pub mod store;
pub mod versions;

use tinhso_kernel::Ctx;
use tinhso_kernel::auth::Role;
use tinhso_kernel::module::Counting;
use tinhso_kernel::web::menu::{MenuEntry, Shown};

/// Who the navigation offers the dashboard to: those who may hold a scope (the page still
/// decides, and answers 404 to a leader who holds none).
const LEADERS: &[Role] = &[Role::Leader, Role::SystemAdmin];

/// The counting declarations of the installed modules.
pub fn countings(ctx: &Ctx) -> impl Iterator<Item = &'static Counting> + '_ {
    ctx.kpis.iter().filter_map(|k| k.counting)
}

/// The operations centre module.
pub const MODULE: tinhso_kernel::module::Module = tinhso_kernel::module::Module {
    name: "ops",
    depends_on: &["directory"],
    routes: || {
        tinhso_kernel::module::Routes::new("ops")
            .merge(pages::routes())
            .merge(dashboard_pages::routes())
            .merge(report_pages::routes())
            .merge(api::routes())
            .merge(map::routes())
    },
    assets: tinhso_kernel::assets!(),
    policies: &[tinhso_kernel::auth::policy::PolicyInfo::of::<
        policy::OpsPolicy,
    >()],
    tables: &[
        "ops_items",
        "ops_counters",
        "ops_state",
        "ops_index_versions",
        "ops_declarations",
        "ops_report_schedules",
        "ops_report_runs",
    ],
    migrations: tinhso_kernel::migrations!(),
    subscriptions: &[&count::COUNT],
    jobs: &[&rebuild::REBUILD],
    sweeps: &[&report::schedule::SWEEP],
    topics: &[&report::schedule::TOPIC],
    gauges: &[&gauges::INDEX],
    startup: &[rebuild::first_build, versions::seed],
    menu: &[
        MenuEntry::main(
            "nav_ops",
            dashboard_pages::DASHBOARD,
            58,
            Shown::AnyRole(LEADERS),
        ),
        MenuEntry::office(
            "nav_ops",
            "office_ops_text",
            dashboard_pages::DASHBOARD,
            76,
            Shown::AnyRole(LEADERS),
        ),
    ],
    ..tinhso_kernel::module::Module::EMPTY
};
