//! The one-stop module (một cửa): the procedure catalog, dossiers, linked procedures and
//! payments, declared to the platform as one module.

pub mod catalog;
pub mod datasets;
pub mod dossiers;
pub mod kpi;
pub mod payments;
pub mod sample;
pub mod search;

use tinhso_kernel::auth::Role;
use tinhso_kernel::auth::policy::PolicyInfo;
use tinhso_kernel::module::{BoxFut, Module, Routes};
use tinhso_kernel::web::menu::{MenuEntry, Shown};

pub const MODULE: Module = Module {
    name: "onestop",
    depends_on: &["directory", "accounts"],
    routes,
    assets: tinhso_kernel::assets!(),
    demo: Some(seed_demo),
    search: &[&search::DOSSIERS, &search::PROCEDURES],
    kpis: &[&kpi::DOSSIERS],
    datasets: &[&datasets::PROCEDURES, &datasets::MONTHLY_STATISTICS],
    policies: &[
        PolicyInfo::of::<dossiers::policy::DossierPolicy>(),
        PolicyInfo::of::<dossiers::policy::DossierQueuePolicy>(),
        PolicyInfo::of::<dossiers::policy::DossierStatisticsPolicy>(),
        PolicyInfo::of::<catalog::policy::ProcedurePolicy>(),
    ],
    menu: &[
        MenuEntry::main("nav_procedures", "/procedures", 10, Shown::Always),
        MenuEntry::main("nav_track", "/track", 30, Shown::Always),
        MenuEntry::main("my_dossiers", "/dossiers", 50, Shown::Public),
        MenuEntry::office(
            "admin_catalog",
            "admin_catalog_text",
            "/admin/procedures/import",
            50,
            Shown::AnyRole(&[Role::SystemAdmin]),
        ),
        MenuEntry::office(
            "work_queue",
            "work_queue_text",
            "/office/dossiers",
            80,
            Shown::Official,
        ),
        MenuEntry::office(
            "statistics",
            "statistics_text",
            "/office/statistics",
            90,
            Shown::Official,
        ),
    ],
    startup: &[upgrade_appointments, fold_field_names],
    backfills: &[&catalog::index::BACKFILL],
    tables: &[
        "procedures",
        "procedure_fields",
        "procedure_agencies",
        "linked_services",
        "dossiers",
        "dossier_events",
        "dossier_files",
        "dossier_pauses",
        "paper_store_removed",
        "payments",
    ],
    topics: &[&dossiers::notices::STATUS, &dossiers::notices::ASSIGNED],
    subscriptions: &[
        &dossiers::notices::NOTIFY_APPLICANT,
        &dossiers::notices::NOTIFY_ASSIGNEE,
        &dossiers::decision::ATTACH_DECISION,
    ],
    references: &[&dossiers::decision::REFERENCE],
    migrations: tinhso_kernel::migrations!(),
    ..Module::EMPTY
};

fn routes() -> Routes {
    Routes::new("onestop")
        .merge(catalog::http::routes())
        .merge(dossiers::citizen::routes())
        .merge(dossiers::papers::routes())
        .merge(dossiers::office::routes())
        .merge(dossiers::assignment::routes())
        .merge(dossiers::linked::routes())
        .merge(dossiers::stats::routes())
        .merge(dossiers::api::routes())
        .merge(payments::http::routes())
}

fn upgrade_appointments(ctx: &tinhso_kernel::ctx::Ctx) -> BoxFut<'_, anyhow::Result<()>> {
    Box::pin(async move {
        dossiers::appointments::upgrade_legacy_appointments(&ctx.db)
            .await
            .map_err(|e| anyhow::anyhow!("upgrading stored appointments: {e}"))
    })
}

fn fold_field_names(ctx: &tinhso_kernel::ctx::Ctx) -> BoxFut<'_, anyhow::Result<()>> {
    Box::pin(async move { Ok(catalog::store::fold_field_names(&ctx.db).await?) })
}

/// The demo catalog and its linked procedures (`Module::demo`).
fn seed_demo(ctx: &tinhso_kernel::Ctx) -> BoxFut<'_, anyhow::Result<()>> {
    Box::pin(async move {
        let actor = tinhso_kernel::audit::Actor {
            label: "system:seed-demo".into(),
            ip: String::new(),
        };
        let report = catalog::store::import(ctx, &actor, &catalog::demo_procedures())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        anyhow::ensure!(
            report.errors.is_empty(),
            "demo catalog: {:?}",
            report.errors.first()
        );
        for service in dossiers::linked::demo() {
            dossiers::linked::upsert(&ctx.db, &actor, &service)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        Ok(())
    })
}
