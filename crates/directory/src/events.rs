//! The events the directory emits, in the transaction of the change. Stream `agency:<id>`.
//! Payloads carry ids and codes, never names or contact details.
//!
//! - `agency.created`: `agency_id`, `code`, `parent_code`.
//! - `agency.updated`: `agency_id`, `code`, `parent_code` (only when something changed: a
//!   re-imported file with the same rows announces nothing).

use tinhso_kernel::events::EventKind;

pub const CREATED: EventKind = EventKind::new("agency.created", "agency");
pub const UPDATED: EventKind = EventKind::new("agency.updated", "agency");

/// Every kind the directory emits (what its open dataset refreshes on).
pub const ALL: &[&str] = &[CREATED.name, UPDATED.name];
