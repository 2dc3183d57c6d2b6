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
//! - `task.extension_requested`: `task_id`, `unit_id`, `agency_id`, `extension_id`,
//!   `old_due`, `new_due`.
//! - `task.extension_granted`: `task_id`, `unit_id`, `agency_id`, `extension_id`,
//!   `current_due_on`, `judged_due_on` (the unit's deadlines after it).
//! - `task.extension_refused`: `task_id`, `unit_id`, `agency_id`, `extension_id`.
//! - `task.urged`: `task_id`, `unit_id`, `agency_id`, `report_id` (the written reminder).
//! - `task.split`: `task_id`, `unit_id`, `agency_id`, `part_id`, `holder_agency_id` or
//!   `holder_user_id`, `due_on` (a unit gives part of its part to a sub-unit or an official).
//! - `task.part_progress`: `task_id`, `unit_id`, `agency_id`, `part_id`, `percent` (the part's),
//!   `unit_percent` (the unit's, rolled up).
//! - `task.cancelled`: `task_id`, `units` (each `unit_id`, `agency_id`: those cancelled),
//!   `series_from` (the occurrence after which the office cancelled the rest of a series).
//! - `task.reminded`, `task.escalated`: `task_id`, `unit_id`, `agency_id`, `due_on` (sent by
//!   the deadline sweep, once per unit and deadline).
//! - `task.part_reminded`, `task.part_escalated`: `task_id`, `unit_id`, `agency_id` (the unit
//!   that split it), `part_id`, `due_on` (once per part and deadline).

use tinhso_kernel::events::EventKind;

pub const ASSIGNED: EventKind = EventKind::new("task.assigned", "task");
pub const PROGRESS: EventKind = EventKind::new("task.progress", "task");
pub const COMPLETION_REPORTED: EventKind = EventKind::new("task.completion_reported", "task");
pub const ACCEPTED: EventKind = EventKind::new("task.accepted", "task");
pub const RETURNED: EventKind = EventKind::new("task.returned", "task");
pub const EXTENSION_REQUESTED: EventKind = EventKind::new("task.extension_requested", "task");
pub const EXTENSION_GRANTED: EventKind = EventKind::new("task.extension_granted", "task");
pub const EXTENSION_REFUSED: EventKind = EventKind::new("task.extension_refused", "task");
pub const URGED: EventKind = EventKind::new("task.urged", "task");
pub const SPLIT: EventKind = EventKind::new("task.split", "task");
pub const PART_PROGRESS: EventKind = EventKind::new("task.part_progress", "task");
pub const CANCELLED: EventKind = EventKind::new("task.cancelled", "task");
pub const PART_REMINDED: EventKind = EventKind::new("task.part_reminded", "task");
pub const PART_ESCALATED: EventKind = EventKind::new("task.part_escalated", "task");
pub const REMINDED: EventKind = EventKind::new("task.reminded", "task");
pub const ESCALATED: EventKind = EventKind::new("task.escalated", "task");
/// New ranking rules: `rules_id`, `valid_from`. Stream `task_rules:<id>`.
pub const RULES_SET: EventKind = EventKind::new("task.rules_set", "task_rules");
