//! Tỉnh Số: the digital-government platform server — the binary that lists the modules
//! (`app::MODULES`), the front door (`portal`: home, search, public statistics, the office
//! landing), the OpenAPI document (`api`), demo data and the command line.
//!
//! The kernel's and modules' own modules are re-exported under their former paths
//! (`tinhso::db`, `tinhso::dossiers`, …) for the binary's code, tests and benchmarks.

pub mod api;
pub mod app;
pub mod cli;
pub mod datasets;
pub mod demo;
pub mod office;
pub mod portal;
pub mod sample_ops;
pub mod statistics;

pub use tinhso_accounts as accounts;
pub use tinhso_directory as agencies;
pub use tinhso_feedback as feedback;
pub use tinhso_kernel::{
    audit, audit_anchor, auth, backfill, calendar, config, ctx, db, error, events, extract, files,
    jobs, keys, mail, migrate, module, net, notify, ops, periods, platform, search, settings,
    storage, tables, time, tokens, web,
};
pub use tinhso_onestop as onestop;
pub use tinhso_onestop::{catalog, dossiers, payments};
pub use tinhso_tasks as tasks;

/// Backups; a restore starts the server on the restored data as `app::start` does.
pub mod backup {
    pub use tinhso_kernel::backup::*;

    pub async fn restore(
        config: &crate::config::Config,
        archive: &std::path::Path,
        force: bool,
    ) -> anyhow::Result<Restored> {
        let migrations = crate::app::migrations();
        tinhso_kernel::backup::restore(config, archive, force, &migrations, |config| {
            Box::pin(crate::app::start(config, None))
        })
        .await
    }
}
