//! The events documents emit, in the transaction of the change. Stream `document:<id>`.
//! Payloads carry ids, codes and numbers, never names.
//!
//! - `document.issued` (the outgoing row): `document_id`, `agency_id`, `code_number`,
//!   `code_notation`, `issued_date`, `delivered` (the incoming rows created on the platform),
//!   `dossier_code` (the one-stop dossier it decides, or null) and `file` (the issued file:
//!   `storage_key`, `file_name`, `media_type`, `size_bytes`, `sha256`; null without one).
//! - `document.received` (the incoming row): `document_id`, `agency_id`, `origin_id` (the
//!   outgoing document it came from, null for paper), `source`, `arrival_number`,
//!   `arrival_year`.
//! - `document.replaced` (the replaced outgoing row, when its replacement is issued):
//!   `document_id`, `agency_id`, `replacement_id`.
//! - `document.recalled` (the outgoing row): `document_id`, `agency_id`, `copies` (the
//!   incoming rows withdrawn).
//! - `work_file.closed` (stream `work_file:<id>`): `file_id`, `agency_id`, `code`, `end_date`,
//!   `deposit_due` (null for files kept under 5 years).
//!
//! The incoming flow (the incoming row; the task module subscribes later):
//! - `document.presented`: `document_id`, `agency_id`.
//! - `document.directed`: `document_id`, `agency_id`, `assignments` (each `assignment_id`,
//!   `unit_id`, `role`, `due_local`), `replaced` (assignments a new direction closed).
//! - `document.assignment_passed_down`: `document_id`, `assignment_id`, `unit_id`,
//!   `handler_id`.
//! - `document.progress_reported`: `document_id`, `assignment_id`, `unit_id`.
//! - `document.assignment_closed`: `document_id`, `assignment_id`, `unit_id`, `role`,
//!   `reason` (completed, redirected, document_closed, recalled), `timeliness` (on_time, late,
//!   or null when not completed).
//! - `document.done` (the lead unit closed): `document_id`, `agency_id`.
//! - `document.closed`: `document_id`, `agency_id`, `from` (done, or presented when read for
//!   information only).
//! - `document.returned` (returned to its sender by the clerk): `document_id`, `agency_id`.
//!
//! - `document.commented` (the outgoing draft): `document_id`, `comment_id`, `version`.

use tinhso_kernel::events::EventKind;

pub const ISSUED: EventKind = EventKind::new("document.issued", "document");
pub const RECEIVED: EventKind = EventKind::new("document.received", "document");
pub const RECALLED: EventKind = EventKind::new("document.recalled", "document");
pub const REPLACED: EventKind = EventKind::new("document.replaced", "document");
pub const WORK_FILE_CLOSED: EventKind = EventKind::new("work_file.closed", "work_file");
pub const PRESENTED: EventKind = EventKind::new("document.presented", "document");
pub const DIRECTED: EventKind = EventKind::new("document.directed", "document");
pub const PASSED_DOWN: EventKind = EventKind::new("document.assignment_passed_down", "document");
pub const PROGRESS_REPORTED: EventKind = EventKind::new("document.progress_reported", "document");
pub const ASSIGNMENT_CLOSED: EventKind = EventKind::new("document.assignment_closed", "document");
pub const DONE: EventKind = EventKind::new("document.done", "document");
pub const CLOSED: EventKind = EventKind::new("document.closed", "document");
pub const RETURNED: EventKind = EventKind::new("document.returned", "document");
pub const COMMENTED: EventKind = EventKind::new("document.commented", "document");
