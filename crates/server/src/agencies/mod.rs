//! The directory of agencies (cơ quan) and administrative units (đơn vị hành chính).

pub mod csv_io;
pub mod http;
pub mod model;
pub mod store;

pub use model::{Agency, AgencyInput, AgencyKind};
