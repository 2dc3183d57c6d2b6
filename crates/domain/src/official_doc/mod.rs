//! Official documents (văn bản) and work files (hồ sơ công việc) under Decree 30/2020/NĐ-CP on
//! clerical work: the rules of issue 14 that need no storage. Pure functions and types only;
//! the registers, the atomic number allocation, search and the pages live in the module crate.
//!
//! # Where the facts come from
//! - **Decree 30/2020/NĐ-CP** (5 March 2020), cited by article: Art. 7 (the 29 administrative
//!   document types), Art. 10–13 (drafting, review, form check, signing), Art. 15 (numbering),
//!   Art. 18 (issue, replacement, recall), Art. 21–24 (incoming documents), Art. 28–31 (work
//!   files and deposit); Appendix I (number and notation layout, authority prefixes, urgency,
//!   secrecy and circulation marks), Appendix III (type abbreviations), Appendix V (the yearly
//!   file list, file notation `01.TCCB`, retention), Appendix VI (the document-management
//!   system's functions and metadata field lengths).
//! - **QCVN 102:2016/BTTTT** (edXML) for the exchange codes (`Priority`).
//! - The project's digest of both: `shared/STANDARDS.md` §2, §5 and §9.
//! - docs/documents-design.md, the module's design (recall warns rather than refuses; the
//!   register sequences `general` and `legal`).
//!
//! Where a rule is ours rather than the law's (a choice the Decree leaves to the agency, or a
//! reading of an unclear passage), the item's documentation says so.
//!
//! # Map
//! - [`doc_type`]: the 29 types, their Vietnamese names and abbreviations.
//! - [`notation`]: number and notation (`12/QĐ-UBND`, `45/UBND-VX`), abbreviations.
//! - [`marks`]: urgency, secrecy (refused), circulation marks, authority prefixes.
//! - [`outgoing`]: the drafting-to-sending state machine, recall and replacement.
//! - [`incoming`]: registration to closing, the leader's direction, the duplicate key.
//! - [`assignment`]: a unit's part in handling it: pass down, report, close, on time or late.
//! - [`metadata`]: the mandatory fields before issue and at registration, per field.
//! - [`numbering`]: which sequence numbers a document, per agency and calendar year.
//! - [`timing`]: when the clerk's steps are due (same day, next working day, at once).
//! - [`work_file`]: the yearly file list's codes, retention, closing and deposit notices.

pub mod assignment;
pub mod doc_type;
pub mod incoming;
pub mod marks;
pub mod metadata;
pub mod notation;
pub mod numbering;
pub mod outgoing;
pub mod timing;
pub mod work_file;

pub use doc_type::{DocType, NotationForm};
pub use marks::{AuthorityPrefix, CirculationMark, Secrecy, SecrecyRefused, Urgency};
pub use notation::{Abbreviation, DocNumber, Notation, NotationError};
pub use numbering::{NumberingKey, NumberingPolicy, SequenceKind};
