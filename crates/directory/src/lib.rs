//! The directory of agencies (cơ quan) and administrative units (đơn vị hành chính).

pub mod admin;
pub mod csv_io;
pub mod datasets;
pub mod demo;
pub mod events;
pub mod http;
pub mod index;
pub mod model;
pub mod policy;
pub mod search;
pub mod service;
pub mod store;

pub use model::{Agency, AgencyInput, AgencyKind};
pub use service::find;

use tinhso_kernel::auth::Role;
use tinhso_kernel::web::menu::{MenuEntry, Shown};

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
                .map(|a| context! { code => a.code.to_string(), name => a.name.clone() })
                .collect();
            (!members.is_empty()).then(|| context! { kind => kind.as_str(), agencies => members })
        })
        .collect()
}

/// `root` and the agencies below it, out of `all` (every agency when `root` is `None`): those an
/// agency administrator manages.
pub fn subtree(all: Vec<Agency>, root: Option<&str>) -> Vec<Agency> {
    let Some(root) = root else {
        return all;
    };
    let mut inside: std::collections::HashSet<String> = std::iter::once(root.to_owned()).collect();
    // Parents before children is not guaranteed: widen until nothing changes (depth is small).
    loop {
        let before = inside.len();
        for a in &all {
            if a.parent_id.as_ref().is_some_and(|p| inside.contains(p)) {
                inside.insert(a.id.clone());
            }
        }
        if inside.len() == before {
            break;
        }
    }
    all.into_iter().filter(|a| inside.contains(&a.id)).collect()
}

/// The directory module: agencies and administrative units, the one reference every other
/// module reads.
pub const MODULE: tinhso_kernel::module::Module = tinhso_kernel::module::Module {
    name: "directory",
    routes: || http::routes().merge(admin::routes()),
    assets: tinhso_kernel::assets!(),
    demo: Some(demo::seed),
    search: &[&search::AGENCIES],
    datasets: &[&datasets::AGENCIES],
    policies: &[tinhso_kernel::auth::policy::PolicyInfo::of::<
        policy::AgencyPolicy,
    >()],
    menu: &[
        MenuEntry::main("nav_directory", "/agencies", 20, Shown::Always),
        MenuEntry::office(
            "admin_import",
            "admin_import_text",
            "/admin/agencies/import",
            20,
            Shown::AnyRole(&[Role::SystemAdmin]),
        ),
    ],
    tables: &["agencies", "admin_units"],
    backfills: &[&index::BACKFILL],
    ..tinhso_kernel::module::Module::EMPTY
};

#[cfg(test)]
mod tests {
    use super::*;

    fn agency(id: &str, name: &str, kind: AgencyKind, parent: Option<&str>) -> Agency {
        Agency {
            id: id.into(),
            // These tests go by id and name; every agency may share one well-formed code.
            code: "000.00.00.H56".parse().unwrap(),
            name: name.into(),
            kind,
            parent_code: None,
            admin_unit_code: None,
            address: String::new(),
            phone: String::new(),
            email: String::new(),
            website: String::new(),
            parent_id: parent.map(str::to_owned),
        }
    }

    #[test]
    fn a_subtree_holds_the_root_and_everything_below_it_in_any_order() {
        let all = vec![
            agency("grandchild", "C", AgencyKind::Unit, Some("child")),
            agency("province", "P", AgencyKind::PeoplesCommittee, None),
            agency("child", "B", AgencyKind::Department, Some("root")),
            agency("root", "A", AgencyKind::Department, Some("province")),
            agency("sibling", "S", AgencyKind::Department, Some("province")),
        ];
        let mut ids: Vec<String> = subtree(all.clone(), Some("root"))
            .into_iter()
            .map(|a| a.id)
            .collect();
        ids.sort();
        assert_eq!(ids, ["child", "grandchild", "root"]);
        assert_eq!(subtree(all, None).len(), 5);
    }

    #[test]
    fn choice_lists_group_by_kind_in_the_kinds_order_and_sort_by_name() {
        let groups = grouped_by_kind(vec![
            agency("2", "Sở Y tế", AgencyKind::Department, None),
            agency("1", "UBND xã A", AgencyKind::PeoplesCommittee, None),
            agency("3", "Sở Tư pháp", AgencyKind::Department, None),
        ]);
        let text = format!("{groups:?}");
        assert_eq!(groups.len(), 2);
        let committee = text.find("peoples_committee").unwrap();
        let department = text.find("department").unwrap();
        assert!(committee < department);
        assert!(text.find("Sở Tư pháp").unwrap() < text.find("Sở Y tế").unwrap());
    }
}
