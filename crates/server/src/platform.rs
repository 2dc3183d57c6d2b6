//! The platform's own declaration: the pages no module owns (home and search, operations
//! probes, public statistics, the calendar, the back office and the platform's API).

use crate::module::{Module, Routes};

pub const MODULE: Module = Module {
    name: "platform",
    routes,
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
    ],
    ..Module::EMPTY
};

fn routes() -> Routes {
    Routes::new("platform")
        .merge(crate::ops::routes())
        .merge(crate::portal::routes())
        .merge(crate::statistics::routes())
        .merge(crate::calendar::http::routes())
        .merge(crate::admin::routes())
        .merge(crate::api::routes())
        .merge(crate::notify::http::routes())
        .merge(crate::events::admin::routes())
}
