//! The Tỉnh Số kernel: what every module uses and nothing that names a module. The database and
//! its migrations, configuration, errors, sessions, CSRF and tokens, the permission interface,
//! audit, jobs and the events outbox, stored files, the working-day calendar, notifications
//! (email and the in-app inbox), pages (templates, translations, the page extractor), tables and
//! exports, time — and the [`module::Module`] manifest through which modules plug in.

pub mod audit;
pub mod audit_anchor;
pub mod auth;
pub mod backfill;
pub mod backup;
pub mod calendar;
pub mod change;
pub mod config;
pub mod ctx;
pub mod db;
pub mod error;
pub mod events;
pub mod extract;
pub mod files;
pub mod jobs;
pub mod keys;
pub mod mail;
pub mod migrate;
pub mod module;
pub mod net;
pub mod notify;
pub mod ops;
pub mod periods;
pub mod platform;
pub mod search;
pub mod settings;
pub mod signing;
pub mod storage;
pub mod tables;
pub mod time;
pub mod tokens;
pub mod web;

pub use ctx::Ctx;

// `assets!` expands in module crates to paths starting `::tinhso_kernel`; this makes the same
// paths work inside the kernel.
extern crate self as tinhso_kernel;
