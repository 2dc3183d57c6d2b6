//! What a module declares to the platform. Today: its routes, each path written once, with the
//! access it needs (`routes`). The module manifest grows here (docs/kernel-design.md §4).

pub mod routes;

pub use routes::{Access, RouteInfo, Routes};
