//! Pure domain rules of Tỉnh Số. Nothing in this crate performs I/O: every rule here is a
//! function of its inputs, so it can be tested exhaustively and reused by every module.

#[macro_use]
pub mod text_enum;

pub mod agency_code;
pub mod attachment;
pub mod audit_anchor;
pub mod audit_chain;
pub mod calendar;
pub mod disclosure;
pub mod dossier;
pub mod feedback;
pub mod identity;
pub mod numbers;
pub mod official_doc;
pub mod opendata;
pub mod ops;
pub mod procedure;
pub mod sample;
pub mod spreadsheet;
pub mod task;
pub mod text;
pub mod time;
