//! The events open data emits, in the transaction of the change. Stream `dataset:<id>`.
//! Payloads carry ids and codes, never names.
//!
//! - `dataset.created`: `dataset_id`, `name`, `agency_id`.
//! - `dataset.version_added`: `dataset_id`, `resource_id`, `version`, `format`, `rows`.
//! - `dataset.submitted`: `dataset_id`, `agency_id`.
//! - `dataset.published`: `dataset_id`, `name`, `agency_id`, `first` (the first approval).
//! - `dataset.returned`: `dataset_id`, `agency_id`.
//! - `dataset.unpublished`: `dataset_id`, `name`, `agency_id`.

use tinhso_kernel::events::EventKind;

pub const CREATED: EventKind = EventKind::new("dataset.created", "dataset");
pub const VERSION_ADDED: EventKind = EventKind::new("dataset.version_added", "dataset");
pub const SUBMITTED: EventKind = EventKind::new("dataset.submitted", "dataset");
pub const PUBLISHED: EventKind = EventKind::new("dataset.published", "dataset");
pub const RETURNED: EventKind = EventKind::new("dataset.returned", "dataset");
pub const UNPUBLISHED: EventKind = EventKind::new("dataset.unpublished", "dataset");
