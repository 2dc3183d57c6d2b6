//! The kernel's own declaration: its pages (operations probes, the calendar, the audit trail,
//! the inbox and notification choices, the events' dead letters), its tables and its sweeps.

use crate::auth::Role;
use crate::auth::account::AccountPolicy;
use crate::auth::platform::PlatformPolicy;
use crate::auth::policy::PolicyInfo;
use crate::ctx::Ctx;
use crate::module::{BoxFut, Module, Routes, Sweep};
use crate::web::menu::{MenuEntry, Shown};

const SYSTEM_ADMIN: Shown = Shown::AnyRole(&[Role::SystemAdmin]);
use std::time::Duration;

pub const MODULE: Module = Module {
    sweeps: &[
        &AUDIT_CHECKPOINT,
        &SESSIONS_PURGE,
        &OUTBOX_PURGE,
        &SEARCH_PRUNE,
    ],
    name: "platform",
    routes,
    policies: &[
        PolicyInfo::of::<PlatformPolicy>(),
        PolicyInfo::of::<AccountPolicy>(),
    ],
    assets: crate::assets!(),
    demo: Some(seed_demo),
    menu: &[
        MenuEntry {
            badge: true,
            ..MenuEntry::main("inbox", "/inbox", 60, Shown::SignedIn)
        },
        MenuEntry::office(
            "admin_audit",
            "admin_audit_text",
            "/admin/audit",
            30,
            SYSTEM_ADMIN,
        ),
        MenuEntry::office(
            "admin_events",
            "admin_events_text",
            "/admin/events",
            40,
            SYSTEM_ADMIN,
        ),
        MenuEntry::office(
            "admin_calendar",
            "admin_calendar_text",
            "/admin/calendar",
            60,
            SYSTEM_ADMIN,
        ),
    ],
    tables: &[
        "schema_migrations",
        "settings",
        "sequences",
        "audit_log",
        "jobs",
        "sessions",
        "rate_limits",
        "api_tokens",
        "calendar_notices",
        "inbox_items",
        "notification_prefs",
        "outbox_streams",
        "outbox_events",
        "outbox_deliveries",
        "search_entries",
        "search_readers",
        "search_facets",
        "search_changes",
        "search_epoch",
    ],
    migrations: crate::migrate::Migrations::of::<PlatformMigrations>(),
    ..Module::EMPTY
};

/// The kernel's own schema changes after the frozen baseline (`crates/kernel/migrations/`),
/// recorded as `platform/<file>` like any module's.
#[derive(rust_embed::Embed)]
#[folder = "platform-migrations/"]
struct PlatformMigrations;

fn routes() -> Routes {
    Routes::new("platform")
        .merge(crate::ops::routes())
        .merge(crate::calendar::http::routes())
        .merge(crate::audit::http::routes())
        .merge(crate::notify::http::routes())
        .merge(crate::events::admin::routes())
}

/// Anchors the audit chain outside the database (`audit.checkpoint_minutes`, 0 turns it off).
const AUDIT_CHECKPOINT: Sweep = Sweep {
    name: "audit.checkpoint",
    every: |ctx| {
        let minutes = ctx.config.audit.checkpoint_minutes;
        (minutes > 0).then(|| Duration::from_secs(minutes.saturating_mul(60)))
    },
    at_start: true,
    run: audit_checkpoint,
};

fn audit_checkpoint(ctx: &Ctx) -> BoxFut<'_, anyhow::Result<()>> {
    Box::pin(async move {
        crate::audit_anchor::periodic(ctx).await;
        Ok(())
    })
}

const HOURLY: fn(&Ctx) -> Option<Duration> = |_| Some(Duration::from_secs(3600));

/// The search change log keeps a week (`search::sync::prune`).
const SEARCH_PRUNE: Sweep = Sweep {
    name: "search.prune",
    every: HOURLY,
    at_start: false,
    run: prune_search_changes,
};

fn prune_search_changes(ctx: &Ctx) -> BoxFut<'_, anyhow::Result<()>> {
    Box::pin(async move {
        let removed = crate::search::sync::prune(&ctx.db).await?;
        tracing::debug!(removed, "search change log pruned");
        Ok(())
    })
}

/// Expired sessions leave the table.
const SESSIONS_PURGE: Sweep = Sweep {
    name: "sessions.purge",
    every: HOURLY,
    at_start: false,
    run: purge_sessions,
};

fn purge_sessions(ctx: &Ctx) -> BoxFut<'_, anyhow::Result<()>> {
    Box::pin(async move {
        crate::auth::session::purge_expired(&ctx.db).await?;
        Ok(())
    })
}

/// Delivered events past `events.keep_days` leave the outbox.
const OUTBOX_PURGE: Sweep = Sweep {
    name: "outbox.purge",
    every: HOURLY,
    at_start: false,
    run: purge_outbox,
};

fn purge_outbox(ctx: &Ctx) -> BoxFut<'_, anyhow::Result<()>> {
    Box::pin(async move {
        crate::events::purge(ctx, crate::time::now()).await?;
        Ok(())
    })
}

/// The demo year's holiday notices (`Module::demo`).
fn seed_demo(ctx: &Ctx) -> BoxFut<'_, anyhow::Result<()>> {
    Box::pin(async move {
        let actor = crate::audit::Actor {
            label: "system:seed-demo".into(),
            ip: String::new(),
        };
        for notice in demo_calendar_notices() {
            crate::calendar::save_notice(&ctx.db, &actor, notice)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        Ok(())
    })
}

/// The yearly holiday notices of the demo (`demo/calendar_notices.json`): in 2026 Monday
/// 31 August is off by the year's notice, so the National Day break runs from Saturday
/// 29 August to Wednesday 2 September (1 September being the adjacent day).
pub fn demo_calendar_notices() -> Vec<tinhso_domain::calendar::YearNotice> {
    serde_json::from_str(include_str!("../demo/calendar_notices.json"))
        .expect("the demo calendar notices are valid")
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use tinhso_domain::calendar::Calendar;

    #[test]
    fn the_2026_national_day_break_runs_from_saturday_29_august_to_2_september() {
        let calendar = Calendar::with_notices(super::demo_calendar_notices()).unwrap();
        let day = |d| NaiveDate::from_ymd_opt(2026, 8, d).unwrap();
        assert!(
            calendar.is_working_day(day(28)),
            "Friday 28 August is worked"
        );
        for date in [day(29), day(30), day(31)] {
            assert!(!calendar.is_working_day(date), "{date}");
        }
        for d in [1, 2] {
            assert!(!calendar.is_working_day(NaiveDate::from_ymd_opt(2026, 9, d).unwrap()));
        }
        assert!(calendar.is_working_day(NaiveDate::from_ymd_opt(2026, 9, 3).unwrap()));
    }
}
