//! The events tasks emit, in the transaction of the change. Stream `task:<id>`. Payloads carry
//! ids and codes, never names (the KPI module, issue 18, counts from them).
//!
//! - `task.assigned`: `task_id`, `code`, `authority_agency_id`, `office_agency_id`, `units`
//!   (each `unit_id`, `agency_id`, `role`, `due_on`), `source_kind`, `source_id`.
//! - `task.progress`: `task_id`, `unit_id`, `agency_id`, `percent`.
//! - `task.completion_reported`: `task_id`, `unit_id`, `agency_id`.
//! - `task.accepted`: `task_id`, `finished_on`, `units` (each `unit_id`, `agency_id`,
//!   `judged_due_on`).
//! - `task.returned`: `task_id`, `unit_id`, `agency_id`.

use tinhso_kernel::events::EventKind;

pub const ASSIGNED: EventKind = EventKind::new("task.assigned", "task");
pub const PROGRESS: EventKind = EventKind::new("task.progress", "task");
pub const COMPLETION_REPORTED: EventKind = EventKind::new("task.completion_reported", "task");
pub const ACCEPTED: EventKind = EventKind::new("task.accepted", "task");
pub const RETURNED: EventKind = EventKind::new("task.returned", "task");
