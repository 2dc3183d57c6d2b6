//! Official documents (văn bản đi, văn bản đến) under Decree 30/2020/NĐ-CP, issue 14: drafts
//! and their versions, the outgoing flow to the numbered, registered and delivered document,
//! and incoming documents (delivered on the platform or registered from paper or a scan).
//! The rules are `tinhso_domain::official_doc`; this crate stores, checks who may act, and
//! serves the API (docs/documents-design.md).

pub mod api;
pub mod appendices;
pub mod appendix_api;
pub mod assignments;
pub mod comments;
pub mod deferred_seal;
pub mod demo;
pub mod events;
pub mod exchange;
pub mod kpi;
pub mod pages;
pub mod policy;
pub mod processing_api;
pub mod reference;
pub mod registers;
pub mod sample;
pub mod search;
pub mod search_hook;
pub mod service;
pub mod setup;
pub mod store;
pub mod text_api;
pub mod texts;
pub mod work_files;

use serde::Serialize;
use tinhso_domain::official_doc::incoming::IncomingState;
use tinhso_domain::official_doc::outgoing::OutgoingState;
use tinhso_domain::official_doc::{DocType, Urgency};
use tinhso_kernel::auth::Role;
use tinhso_kernel::web::menu::{MenuEntry, Shown};

/// Who the "Văn bản" section is for: the officials who draft, review, sign, issue or register.
const HANDLES_DOCUMENTS: Shown =
    Shown::AnyRole(&[Role::Specialist, Role::Leader, Role::DocumentClerk]);

/// Who reads the agency's registers and its handling report: its document clerks and leaders
/// (`work_files::policy::reads_registers`, `assignments::sees_agency_reports`).
const READS_REPORTS: Shown = Shown::AnyRole(&[Role::Leader, Role::DocumentClerk]);

/// Which way a document goes, as the agency holding the row sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Out,
    In,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Out => "out",
            Direction::In => "in",
        }
    }
}

/// Where a document stands: the outgoing or the incoming state machine's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Out(OutgoingState),
    In(IncomingState),
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Out(s) => s.as_str(),
            State::In(s) => s.as_str(),
        }
    }
}

/// A document as one agency holds it (a row of `documents`).
#[derive(Debug, Clone)]
pub struct Document {
    pub id: String,
    /// The agency holding this row: the issuer (outgoing) or the recipient (incoming).
    pub agency_id: String,
    pub direction: Direction,
    pub state: State,
    pub doc_type: DocType,
    pub urgency: Urgency,
    pub subject: String,
    pub drafting_unit_id: Option<String>,
    pub drafter_id: Option<String>,
    pub signer_position: String,
    pub signer_full_name: String,
    pub authority_prefix: Option<String>,
    pub page_amount: i64,
    pub issued_amount: i64,
    pub description: String,
    pub due_date: Option<String>,
    pub code_number: Option<String>,
    pub code_notation: Option<String>,
    pub issued_date: Option<String>,
    pub organ_id: String,
    pub organ_name: String,
    pub reg_number: Option<i64>,
    pub reg_year: Option<i64>,
    pub arrival_date: Option<String>,
    pub source: Option<String>,
    pub origin_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Document {
    /// The outgoing state, if this is an outgoing document.
    pub fn outgoing_state(&self) -> Option<OutgoingState> {
        match self.state {
            State::Out(s) => Some(s),
            State::In(_) => None,
        }
    }

    /// The unit whose head reviews the content: the drafting unit, or the issuing agency
    /// itself when the drafter works there directly.
    pub fn reviewing_unit(&self) -> &str {
        self.drafting_unit_id.as_deref().unwrap_or(&self.agency_id)
    }
}

/// The official documents module (văn bản đi, văn bản đến). Named `documents`; its crate is
/// `tinhso-officialdocs` because `tinhso-documents` renders PDF and XLSX
/// (docs/documents-design.md §1).
pub const MODULE: tinhso_kernel::module::Module = tinhso_kernel::module::Module {
    name: "documents",
    depends_on: &["directory", "accounts"],
    assets: tinhso_kernel::assets!(),
    demo: Some(demo::seed),
    routes: || {
        tinhso_kernel::module::Routes::new("documents")
            .merge(api::routes())
            .merge(search::api::routes())
            .merge(setup::routes())
            .merge(pages::routes())
            .merge(pages::search::routes())
            .merge(work_files::api::routes())
            .merge(exchange::receive::routes())
            .merge(exchange::admin::routes())
    },
    menu: &[
        MenuEntry::main("nav_documents", "/office/documents", 55, HANDLES_DOCUMENTS),
        MenuEntry::office(
            "nav_documents",
            "office_documents_text",
            "/office/documents",
            75,
            HANDLES_DOCUMENTS,
        ),
        MenuEntry::office(
            "exchange_admin_nav",
            "exchange_admin_text",
            exchange::admin::PATH,
            46,
            Shown::AnyRole(&[Role::SystemAdmin]),
        ),
        MenuEntry::office(
            "nav_work_files",
            "office_work_files_text",
            "/office/work-files",
            76,
            HANDLES_DOCUMENTS,
        ),
        MenuEntry::office(
            "doc_registers",
            "office_registers_text",
            "/office/documents/registers",
            77,
            READS_REPORTS,
        ),
        MenuEntry::office(
            "doc_timeliness",
            "office_timeliness_text",
            "/office/documents/timeliness",
            78,
            READS_REPORTS,
        ),
    ],
    tables: &[
        "doc_units",
        "doc_registers",
        "documents",
        "document_versions",
        "document_recipients",
        "document_reads",
        "work_file_lists",
        "work_file_headings",
        "work_files",
        "work_file_documents",
        "document_texts",
        "document_assignments",
        "document_assignment_notes",
        "document_comments",
        "saved_searches",
        "exchange_nonces",
        "exchange_messages",
        "document_arrival_checks",
        "exchange_recall_requests",
        "document_appendices",
        "doc_number_reservations",
    ],
    jobs: &[
        &texts::OCR,
        &exchange::deliver::DELIVER,
        &service::REMOTE_SIGNED,
        &deferred_seal::SEAL_SIGNED,
        &deferred_seal::SEAL_ENDED,
    ],
    // Peers post packages and statuses, authenticated by their request signature.
    protocol_paths: &["/exchange/"],
    backfills: &[&search::BACKFILL],
    migrations: tinhso_kernel::migrations!(),
    kpis: &[&kpi::DOCUMENTS],
    policies: &[
        tinhso_kernel::auth::policy::PolicyInfo::of::<policy::DocumentPolicy>(),
        tinhso_kernel::auth::policy::PolicyInfo::of::<setup::SetupPolicy>(),
        tinhso_kernel::auth::policy::PolicyInfo::of::<work_files::policy::WorkFilePolicy>(),
    ],
    topics: &[
        &work_files::deposits::DEPOSITS,
        &exchange::failures::FAILURES,
        &exchange::answer::RECALL_REQUESTS,
    ],
    sweeps: &[&work_files::DEPOSIT_SWEEP, &exchange::FAILURE_SWEEP],
    references: &[&reference::DOCUMENT, &reference::ISSUED_DOCUMENT],
    ..tinhso_kernel::module::Module::EMPTY
};
