//! The one-stop module (một cửa): the procedure catalog, dossiers, linked procedures and
//! payments, declared to the platform as one module.

use crate::module::{BoxFut, Module, Routes};

pub const MODULE: Module = Module {
    name: "onestop",
    depends_on: &["directory", "accounts"],
    routes,
    startup: &[upgrade_appointments, fold_field_names],
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
    topics: &[
        &crate::dossiers::notices::STATUS,
        &crate::dossiers::notices::ASSIGNED,
    ],
    subscriptions: &[
        &crate::dossiers::notices::NOTIFY_APPLICANT,
        &crate::dossiers::notices::NOTIFY_ASSIGNEE,
    ],
    ..Module::EMPTY
};

fn routes() -> Routes {
    Routes::new("onestop")
        .merge(crate::catalog::http::routes())
        .merge(crate::dossiers::citizen::routes())
        .merge(crate::dossiers::papers::routes())
        .merge(crate::dossiers::office::routes())
        .merge(crate::dossiers::assignment::routes())
        .merge(crate::dossiers::linked::routes())
        .merge(crate::dossiers::stats::routes())
        .merge(crate::dossiers::api::routes())
        .merge(crate::payments::http::routes())
}

fn upgrade_appointments(ctx: &crate::ctx::Ctx) -> BoxFut<'_, anyhow::Result<()>> {
    Box::pin(async move {
        crate::dossiers::appointments::upgrade_legacy_appointments(&ctx.db)
            .await
            .map_err(|e| anyhow::anyhow!("upgrading stored appointments: {e}"))
    })
}

fn fold_field_names(ctx: &crate::ctx::Ctx) -> BoxFut<'_, anyhow::Result<()>> {
    Box::pin(async move { Ok(crate::catalog::store::fold_field_names(&ctx.db).await?) })
}
