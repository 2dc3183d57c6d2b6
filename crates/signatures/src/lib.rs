//! The signatures module (chữ ký số): checks the digital signatures of PDFs (PAdES) against
//! the trust anchors the province configures, with `tinhso-pades` doing the work. Anyone may
//! check a file on its page; programs through the API; the other modules through the kernel's
//! [`tinhso_kernel::signing`] (the documents module shows each version's signatures). With the
//! demo province it runs a demo certificate authority (`pki`, `demo`): OCSP, CRLs, timestamps
//! and its certificates under `/pki` (`pki_http`), managed at `/admin/signatures` (`admin`),
//! its root trusted while the setting says so. A certificate whose file carries no revocation
//! answer is asked about online, through a guard against request forgery (`online`). An official
//! signs a PDF with their own demo certificate (`sign`, PAdES B-T, timestamped by the demo TSA
//! in process, then B-LT with the validation data in a DSS: `lt`), for the documents module through
//! the kernel's signing port. An agency's seal may be a key in a hardware security module, opened
//! through PKCS#11 at start (`hsm`). A person may also sign remotely, confirming on a phone
//! (`remote`: sessions polled by the sweep `signatures.poll_remote`, followed on
//! `remote_http`'s page), with the test provider (`test_provider`) for the demo and tests; or
//! with a USB token at their desk (`desk`: the server prepares, `tinhso desk-sign` signs on
//! the desk through PKCS#11 — `desk_tool` — and posts the raw signature, which completes it);
//! for the demo, the demo CA certifies a key generated on such a token (`enrol`). An official's
//! signature image and an agency's seal image (`images`) are drawn in their visible signatures.

pub mod admin;
pub mod check;
pub mod demo;
pub mod desk;
pub mod desk_tool;
pub mod enrol;
pub mod hsm;
pub mod http;
pub mod images;
pub mod lt;
pub mod online;
pub mod pki;
pub mod pki_http;
pub mod register;
pub mod register_http;
pub mod remote;
pub mod remote_http;
pub mod service;
pub mod sign;
pub mod store;
pub mod test_provider;
pub mod tsa;

use tinhso_kernel::auth::Role;
use tinhso_kernel::web::menu::{MenuEntry, Shown};

pub const MODULE: tinhso_kernel::module::Module = tinhso_kernel::module::Module {
    name: "signatures",
    depends_on: &["directory", "accounts"],
    routes: || {
        http::routes()
            .merge(pki_http::routes())
            .merge(admin::routes())
            .merge(remote_http::routes())
            .merge(test_provider::routes())
            .merge(images::routes())
            .merge(register_http::routes())
    },
    // Opens the agencies' HSM keys (`signatures.agency_keys`): a failure stops the start.
    startup: &[hsm::open_configured],
    tables: &[
        "pki_authorities",
        "pki_certificates",
        "revocation_cache",
        "signing_sessions",
        "test_remote_requests",
        "stamp_images",
    ],
    migrations: tinhso_kernel::migrations!(),
    assets: tinhso_kernel::assets!(),
    demo: Some(demo::seed),
    menu: &[
        MenuEntry::office(
            "sig_verify_nav",
            "sig_verify_text",
            "/signatures/verify",
            79,
            Shown::Official,
        ),
        MenuEntry::office(
            "sig_image_nav",
            "sig_image_text",
            images::MY_PATH,
            80,
            Shown::Official,
        ),
        MenuEntry::office(
            "pki_mine_nav",
            "pki_mine_text",
            register_http::OWN_PATH,
            80,
            Shown::Official,
        ),
        MenuEntry::office(
            "sig_seal_image_nav",
            "sig_seal_image_text",
            images::SEAL_PATH,
            81,
            Shown::AnyRole(&[Role::AgencyAdmin]),
        ),
        MenuEntry::office(
            "pki_admin_nav",
            "pki_admin_text",
            admin::PATH,
            45,
            Shown::AnyRole(&[Role::SystemAdmin]),
        ),
    ],
    signature_checker: Some(&service::CHECKER),
    pdf_signer: Some(&sign::SIGNER),
    sweeps: &[&REVOCATION_CACHE_PURGE, &CRL_REFRESH, &POLL_REMOTE],
    // OCSP and timestamp requests are posted by validators and signing tools without a session;
    // the test remote-signing provider's API by the platform's nodes with their client key.
    protocol_paths: &["/pki/", "/test-remote-signing/"],
    ..tinhso_kernel::module::Module::EMPTY
};

/// Forgets revocation answers past their nextUpdate, hourly ([`store::purge_answers`]).
const REVOCATION_CACHE_PURGE: tinhso_kernel::module::Sweep = tinhso_kernel::module::Sweep {
    name: "signatures.revocation_cache",
    every: |_| Some(std::time::Duration::from_secs(3600)),
    at_start: false,
    run: |ctx| {
        Box::pin(async move {
            store::purge_answers(&ctx.db).await?;
            Ok(())
        })
    },
};

/// Asks the remote-signing providers about the pending signing sessions, every 3 seconds on
/// every node; each session is leased to one node per poll ([`remote::poll_due`]).
const POLL_REMOTE: tinhso_kernel::module::Sweep = tinhso_kernel::module::Sweep {
    name: "signatures.poll_remote",
    every: |_| Some(std::time::Duration::from_secs(3)),
    at_start: true,
    run: |ctx| {
        Box::pin(async move {
            remote::poll_due(ctx).await?;
            Ok(())
        })
    },
};

/// Keeps the demo CA's CRLs current, every half hour and at start ([`pki::crl`] rebuilds one
/// within an hour of its nextUpdate): a signing reads the kept CRLs for its DSS without
/// writing ([`lt`]).
const CRL_REFRESH: tinhso_kernel::module::Sweep = tinhso_kernel::module::Sweep {
    name: "signatures.crl_refresh",
    every: |_| Some(std::time::Duration::from_secs(1800)),
    at_start: true,
    run: |ctx| {
        Box::pin(async move {
            for ca in [
                tinhso_pades::ca::certs::Ca::Root,
                tinhso_pades::ca::certs::Ca::Issuing,
            ] {
                pki::crl(ctx, ca).await?;
            }
            Ok(())
        })
    },
};
