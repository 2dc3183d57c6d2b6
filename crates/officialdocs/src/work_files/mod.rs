//! Work files (hồ sơ công việc) of Decree 30/2020, Art. 28–31: each agency's yearly file list
//! (danh mục hồ sơ) with its major headings and planned files, drafted by the document clerk
//! and approved by a leader (frozen after approval except through an amendment); files opened
//! from the approved list, documents of the agency placed in them by reference (one document
//! may be in several files, never copied), files closed with their retention and end date
//! fixed, a closed file exported as one PDF plus XML metadata, and the notice to the clerks 30
//! days before a file is due at the agency archive. The rules are
//! `tinhso_domain::official_doc::work_file`.

pub mod api;
pub mod demo;
pub mod deposits;
pub mod export;
pub mod pdf;
pub mod policy;
pub mod service;
pub mod store;

/// The daily sweep that sends the deposit notices due today.
pub const DEPOSIT_SWEEP: tinhso_kernel::module::Sweep = tinhso_kernel::module::Sweep {
    name: "documents.work_file_deposits",
    every: |_| Some(std::time::Duration::from_secs(24 * 60 * 60)),
    at_start: true,
    run: |ctx| {
        Box::pin(async move {
            deposits::sweep(ctx, tinhso_kernel::time::local_now().date()).await?;
            Ok(())
        })
    },
};
