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
//! - `document.recalled` (the outgoing row): `document_id`, `agency_id`, `copies` (the
//!   incoming rows withdrawn).
//! - `work_file.closed` (stream `work_file:<id>`): `file_id`, `agency_id`, `code`, `end_date`,
//!   `deposit_due` (null for files kept under 5 years).

use tinhso_kernel::events::EventKind;

pub const ISSUED: EventKind = EventKind::new("document.issued", "document");
pub const RECEIVED: EventKind = EventKind::new("document.received", "document");
pub const RECALLED: EventKind = EventKind::new("document.recalled", "document");
pub const WORK_FILE_CLOSED: EventKind = EventKind::new("work_file.closed", "work_file");
