//! Signing keys in a hardware security module or a token, through PKCS#11
//! (docs/signatures-design.md §4, slice 7): an agency's HSM key, set in
//! `signatures.agency_keys`, signs PDFs like a demo software key does, through
//! [`tinhso_pades::sign::Signer`].
//!
//! ```text
//! Module::load(path)              the vendor's .so, loaded and C_Initialize'd once per process
//!   .open_token(label, &pin)      the token by label, logged in (a session pool, see `token`)
//!   .key(&KeySelector)            the private key by CKA_ID / label, and its certificate
//!   .signer(algorithm)            RSASSA-PSS, RSA PKCS#1 v1.5 or ECDSA P-256, all SHA-256
//! ```
//!
//! The bindings are the `cryptoki` crate (pure Rust, prebuilt bindings, the module opened at
//! run time with `libloading`). Everything here blocks (a token may take tens of
//! milliseconds, a network HSM longer): async callers use `spawn_blocking`. Tested against
//! SoftHSM2 (`tests/`), measured in `benches/signatures.rs`.

mod error;
mod key;
mod module;
mod token;

pub use error::Pkcs11Error;
pub use key::{Hashing, KeyKind, KeySelector, Pkcs11Key, Pkcs11Signer, ecdsa_der};
pub use module::Module;
pub use token::{Pin, Token, TokenOptions};
