//! Open data portal (dữ liệu mở, issue 17; docs/opendata-design.md), slice 2: an agency's
//! data officer drafts a dataset (metadata, resources uploaded or linked, each upload a
//! version with the file check's report from `tinhso-tabular`), submits it; one of the
//! agency's leaders approves it (public) or returns it with a reason, and may unpublish it
//! with a reason. Anyone reads a published dataset without signing in; downloads are counted.
//! [`policy`] decides who may do what, [`service`] does each action in one transaction with
//! its audit row and event, [`store`] holds the SQL, [`pages`] and [`api`] are the pages and
//! `/api/v1/opendata`. [`live`] publishes the platform's own datasets (the modules'
//! declared registers and statistics) and refreshes them from events (slice 6).

pub mod api;
pub mod cache;
pub mod ckan;
pub mod datastore;
pub mod dcat;
pub mod demo;
pub mod events;
pub mod live;
pub mod pages;
pub mod policy;
pub mod preview;
pub mod sample;
pub mod service;
pub mod store;
pub mod views;

use serde::{Deserialize, Serialize};
use tinhso_domain::opendata::codes::{FileFormat, Frequency, Licence};
use tinhso_domain::opendata::state::{DatasetState, RevisionState};
use tinhso_kernel::auth::policy::PolicyInfo;
use tinhso_kernel::web::menu::{MenuEntry, Shown};

/// A dataset's description (DCAT's dataset properties, CKAN's package fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    pub title: String,
    pub notes: String,
    /// One of the province's 15 fields (`tinhso_domain::opendata::codes::FIELDS`).
    pub field: String,
    pub tags: Vec<String>,
    pub licence: Licence,
    pub frequency: Frequency,
    /// `YYYY-MM-DD`, either may be empty.
    pub temporal_start: Option<String>,
    pub temporal_end: Option<String>,
    /// The administrative unit the data covers, as text ("Tỉnh …", "Phường …").
    pub spatial: String,
    pub contact_name: String,
    pub contact_email: String,
}

impl Metadata {
    /// Nothing filled in: CC BY 4.0, frequency unknown.
    pub fn empty() -> Metadata {
        Metadata {
            title: String::new(),
            notes: String::new(),
            field: String::new(),
            tags: Vec::new(),
            licence: Licence::default(),
            frequency: Frequency::Unknown,
            temporal_start: None,
            temporal_end: None,
            spatial: String::new(),
            contact_name: String::new(),
            contact_email: String::new(),
        }
    }
}

/// A dataset as stored.
#[derive(Debug, Clone, Serialize)]
pub struct OpenDataset {
    pub id: String,
    pub name: String,
    pub agency_id: String,
    pub agency_code: String,
    pub agency_name: String,
    pub state: DatasetState,
    pub revision: Option<RevisionState>,
    pub metadata: Metadata,
    pub published_metadata: Option<Metadata>,
    pub issued_at: Option<String>,
    pub modified_at: Option<String>,
    pub review_due_on: Option<String>,
    pub return_reason: Option<String>,
    pub unpublish_reason: Option<String>,
    pub created_at: String,
    /// The platform's own data (`crate::live`): made and refreshed by the platform from a
    /// module's declared dataset, never edited or approved by hand.
    pub live: bool,
}

/// A resource: an uploaded file (with versions) or a link.
#[derive(Debug, Clone, Serialize)]
pub struct Resource {
    pub id: String,
    pub dataset_id: String,
    pub position: i64,
    pub name: String,
    pub format: FileFormat,
    /// `upload` or `link`.
    pub kind: String,
    pub url: Option<String>,
    pub current_version: Option<i64>,
    pub published_version: Option<i64>,
    pub published: bool,
    pub downloads: i64,
}

/// One upload of a resource.
#[derive(Debug, Clone, Serialize)]
pub struct Version {
    pub id: String,
    pub resource_id: String,
    pub n: i64,
    #[serde(skip)]
    pub object_key: String,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub encoding: Option<String>,
    pub report: tinhso_tabular::Report,
    pub row_count: Option<i64>,
    pub created_by_name: String,
    pub created_at: String,
}

/// The open data module.
pub const MODULE: tinhso_kernel::module::Module = tinhso_kernel::module::Module {
    name: "opendata",
    depends_on: &["directory", "accounts"],
    routes: || {
        tinhso_kernel::module::Routes::new("opendata")
            .merge(pages::routes())
            .merge(api::routes())
            .merge(ckan::routes())
            .merge(dcat::routes())
    },
    tables: &[
        "opendata_datasets",
        "opendata_resources",
        "opendata_versions",
        "opendata_downloads",
        "opendata_catalog",
        "opendata_tables",
        "opendata_live",
    ],
    subscriptions: &[&live::MARK_STALE],
    sweeps: &[&live::REFRESH],
    migrations: tinhso_kernel::migrations!(),
    assets: tinhso_kernel::assets!(),
    demo: Some(demo::seed),
    policies: &[PolicyInfo::of::<policy::OpenDatasetPolicy>()],
    menu: &[
        MenuEntry::main("nav_opendata", pages::PUBLIC_LIST, 80, Shown::Always),
        MenuEntry::office(
            "nav_opendata_office",
            "office_opendata_text",
            pages::OFFICE_LIST,
            76,
            Shown::AnyRole(&[
                tinhso_kernel::auth::Role::DataOfficer,
                tinhso_kernel::auth::Role::Leader,
            ]),
        ),
    ],
    ..tinhso_kernel::module::Module::EMPTY
};
