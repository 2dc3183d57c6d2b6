//! The directory of agencies (cơ quan) and administrative units (đơn vị hành chính).

pub mod csv_io;
pub mod http;
pub mod model;
pub mod store;

pub use model::{Agency, AgencyInput, AgencyKind};

/// Agencies for a choice list people read: by name, grouped by kind (committees, departments,
/// units…), so that nobody has to know an agency's code to pick it.
pub fn grouped_by_kind(mut agencies: Vec<Agency>) -> Vec<minijinja::Value> {
    use minijinja::context;
    agencies.sort_by(|a, b| a.name.cmp(&b.name));
    AgencyKind::ALL
        .into_iter()
        .filter_map(|kind| {
            let members: Vec<minijinja::Value> = agencies
                .iter()
                .filter(|a| a.kind == kind)
                .map(|a| context! { code => a.code.clone(), name => a.name.clone() })
                .collect();
            (!members.is_empty()).then(|| context! { kind => kind.as_str(), agencies => members })
        })
        .collect()
}
