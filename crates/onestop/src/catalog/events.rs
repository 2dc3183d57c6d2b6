//! The events the procedure catalog emits, in the transaction of the change. Stream
//! `procedure:<id>`. Payloads carry ids and codes only.
//!
//! - `procedure.created`: `procedure_id`, `code`.
//! - `procedure.updated`: `procedure_id`, `code` (only when the definition changed: a
//!   re-imported catalog with the same procedures announces nothing).

use tinhso_kernel::events::EventKind;

pub const CREATED: EventKind = EventKind::new("procedure.created", "procedure");
pub const UPDATED: EventKind = EventKind::new("procedure.updated", "procedure");

/// Every kind the catalog emits (what its open dataset refreshes on).
pub const ALL: &[&str] = &[CREATED.name, UPDATED.name];
