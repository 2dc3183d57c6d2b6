//! What a module declares to the platform, in one value per module ([`Module`]): its routes
//! (each path written once, with the access it needs) and its start-up work; the manifest grows
//! with the hooks of docs/kernel-design.md §4 (jobs and sweeps, event subscriptions,
//! notification topics, menus, demo data, search, KPIs, datasets). The binary lists the modules
//! (`tinhso::app::MODULES`); nothing else knows the list.

pub mod counting;
pub mod dataset;
pub mod gauge;
pub mod kpi;
pub mod link;
pub mod reference;
pub mod routes;
pub mod search;

pub use counting::{Counting, DrillQuery, DrillRow, GeoCell, GeoQuery, Mark, Shape, Source};
pub use dataset::{Column, ColumnKind, Dataset, Value};
pub use gauge::{Gauge, GaugeSource};
pub use kpi::{FigureRow, Figures, Grouping, Kpi};
pub use link::{LinkedRecord, Offered, RecordLink};
pub use reference::{Reference, Referenced, Resolved};
pub use routes::{Access, RouteInfo, Routes};
pub use search::{Found, Hit, Opened, SearchSource};

use crate::ctx::Ctx;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

pub type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Work a module runs with the platform's context, e.g. a one-off upgrade at start-up.
pub type CtxFn = for<'a> fn(&'a Ctx) -> BoxFut<'a, anyhow::Result<()>>;

/// Everything the platform knows about one module. A struct of plain values rather than a
/// trait, so a test can read every module's declarations without starting anything; new hooks
/// get a default in [`Module::EMPTY`] and old modules need no change.
pub struct Module {
    /// Short, stable, snake_case.
    pub name: &'static str,
    /// Modules that must be listed before this one (checked by the binary's tests).
    pub depends_on: &'static [&'static str],
    /// Pages and API, each path written once.
    pub routes: fn() -> Routes,
    /// Runs once per start, after migrations, in module order: upgrades of stored data that
    /// are no-ops once done.
    pub startup: &'static [CtxFn],
    /// Upgrades of stored data that may touch every row (indexing rows written before search
    /// existed), run in batches in the background while the node serves (`crate::backfill`).
    pub backfills: &'static [&'static Backfill],
    /// The tables it owns: only its code writes them (`tests/architecture.rs` checks). Others
    /// read them in their stores, or call its functions.
    pub tables: &'static [&'static str],
    /// Its schema changes, `crates/<module>/migrations/` ([`crate::migrations!`]), recorded
    /// as `module/file` and run after the kernel's baseline in version order (`migrate`).
    pub migrations: crate::migrate::Migrations,
    /// The notification topics it sends on (people choose per topic: inbox, email).
    pub topics: &'static [&'static crate::notify::Topic],
    /// The event subscriptions it runs (each delivered at least once, in order per aggregate).
    pub subscriptions: &'static [&'static crate::events::Subscription],
    /// Periodic work every node's runner does for it.
    pub sweeps: &'static [&'static Sweep],
    /// Its templates and translations ([`crate::assets!`]).
    pub assets: crate::web::assets::Assets,
    /// Its links in the navigation and on the officials' home, each for whom it concerns.
    pub menu: &'static [crate::web::menu::MenuEntry],
    /// Its part of the demo province (`tinhso seed-demo`, the tests' app), run in module order
    /// on an empty database.
    pub demo: Option<CtxFn>,
    /// What the portal's search box finds in it.
    pub search: &'static [&'static SearchSource],
    /// The kinds of background job it queues (`jobs::Job::of`), run by any node's runner.
    pub jobs: &'static [&'static JobKind],
    /// The figures it publishes per agency or field (public statistics, later the operations
    /// centre and reports).
    pub kpis: &'static [&'static Kpi],
    /// The open datasets it publishes about itself (public registers and aggregates).
    pub datasets: &'static [&'static Dataset],
    /// The business figures it adds to `/metrics` for Prometheus.
    pub gauges: &'static [&'static GaugeSource],
    /// The permission policies it holds (`PolicyInfo::of::<P>()`), one per entity kind its
    /// routes name in `Access::Entity`/`Access::Capability`; the token scopes are their union.
    pub policies: &'static [crate::auth::policy::PolicyInfo],
    /// The kinds of its records other modules may refer to (`reference::resolve`).
    pub references: &'static [&'static Reference],
    /// The links it offers on other modules' records (`link::offered`): "Tạo nhiệm vụ" on a
    /// document's page.
    pub links: &'static [&'static RecordLink],
    /// Whether it checks the signatures of PDFs for the others (one module at most).
    pub signature_checker: Option<&'static crate::signing::SignatureChecker>,
    /// Whether it signs PDFs with people's certificates for the others (one module at most).
    pub pdf_signer: Option<&'static crate::signing::PdfSigner>,
    /// Path prefixes (`/pki/`) of machine protocols its routes serve to clients that hold no
    /// session and present no CSRF token (OCSP responders are posted to by validators). The
    /// routes under them must read no cookie credential: the CSRF check is skipped there.
    pub protocol_paths: &'static [&'static str],
}

/// A kind of background job a module queues in its business transaction and runs later, on
/// whichever node claims it (retried with back-off; a job must be safe to run twice, as a node may
/// die after the work and before recording it).
pub struct JobKind {
    /// Short and stable, `module.what`: stored with each queued job, so never renamed.
    pub name: &'static str,
    /// The work, given the payload it was queued with.
    pub run: for<'a> fn(&'a Ctx, serde_json::Value) -> BoxFut<'a, anyhow::Result<()>>,
}

/// Periodic work of a module, run by every node's runner: each must be safe when several nodes
/// run it at once (they claim what they handle by a conditional update).
pub struct Sweep {
    /// Short and stable, for logs: `module.what`.
    pub name: &'static str,
    /// How often, from the configuration; `None` turns it off.
    pub every: fn(&Ctx) -> Option<Duration>,
    /// Whether a node runs it as it starts, or first after one interval.
    pub at_start: bool,
    pub run: CtxFn,
}

/// A background upgrade of stored rows, a batch at a time (`crate::backfill::run`).
pub struct Backfill {
    /// Short and stable, for logs: `module.what`.
    pub name: &'static str,
    /// Does the next batch of at most `limit` rows whose key comes after `after` (the first
    /// batch when `None`) in one transaction, and answers the last key it looked at, or `None`
    /// when no row is left to do. Safe beside another node doing the same (it locks).
    pub step: BackfillStep,
}

pub type BackfillStep =
    for<'a> fn(&'a Ctx, Option<String>, usize) -> BoxFut<'a, anyhow::Result<Option<String>>>;

impl Module {
    pub const EMPTY: Module = Module {
        name: "",
        depends_on: &[],
        routes: || Routes::new(""),
        startup: &[],
        backfills: &[],
        tables: &[],
        migrations: crate::migrate::Migrations::NONE,
        topics: &[],
        subscriptions: &[],
        sweeps: &[],
        assets: crate::web::assets::Assets::NONE,
        menu: &[],
        demo: None,
        search: &[],
        references: &[],
        links: &[],
        jobs: &[],
        kpis: &[],
        datasets: &[],
        gauges: &[],
        policies: &[],
        signature_checker: None,
        pdf_signer: None,
        protocol_paths: &[],
    };
}
