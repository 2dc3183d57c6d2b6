//! The signatures module (chữ ký số): checks the digital signatures of PDFs (PAdES) against
//! the trust anchors the province configures, with `tinhso-pades` doing the work. Anyone may
//! check a file on its page; programs through the API; the other modules through the kernel's
//! [`tinhso_kernel::signing`] (the documents module shows each version's signatures). Signing
//! comes in the next slices (docs/signatures-design.md §10).

pub mod check;
pub mod http;
pub mod service;

use tinhso_kernel::web::menu::{MenuEntry, Shown};

pub const MODULE: tinhso_kernel::module::Module = tinhso_kernel::module::Module {
    name: "signatures",
    routes: http::routes,
    assets: tinhso_kernel::assets!(),
    menu: &[MenuEntry::office(
        "sig_verify_nav",
        "sig_verify_text",
        "/signatures/verify",
        79,
        Shown::Official,
    )],
    signature_checker: Some(&service::CHECKER),
    ..tinhso_kernel::module::Module::EMPTY
};
