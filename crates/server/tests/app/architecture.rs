//! The platform's boundaries, checked by reading the source (no database): every table has one
//! owning module, and a module writes only the tables it owns — it reacts to events or calls
//! the owner's functions for the rest.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use tinhso::app::MODULES;

/// The module a source file belongs to: the module of its crate (paths are relative to
/// `crates/`).
fn module_of(relative: &str) -> &'static str {
    match relative.split('/').next().unwrap_or_default() {
        "kernel" => "platform",
        "directory" => "directory",
        "accounts" => "accounts",
        "onestop" => "onestop",
        "feedback" => "feedback",
        "officialdocs" => "documents",
        "signatures" => "signatures",
        "tasks" => "tasks",
        "ops" => "ops",
        "opendata" => "opendata",
        "server" => "portal",
        other => panic!("{relative}: crate {other} has no module"),
    }
}

/// The `src` folder of every crate that holds a module (the pure crates write no table).
fn module_sources() -> Vec<(String, String)> {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for name in [
        "kernel",
        "directory",
        "accounts",
        "onestop",
        "feedback",
        "officialdocs",
        "signatures",
        "tasks",
        "ops",
        "opendata",
        "server",
    ] {
        sources(&crates.join(name).join("src"), &crates, &mut files);
    }
    files
}

/// The source of each file under `dir`, without test items (tests may write anything).
fn sources(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            let shown = text.split("#[cfg(test)]").next().unwrap_or_default();
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            out.push((relative, shown.to_owned()));
        }
    }
}

/// The tables a piece of SQL writes.
fn written_tables(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    for verb in ["INSERT INTO ", "UPDATE ", "DELETE FROM "] {
        for (at, _) in source.match_indices(verb) {
            let name: String = source[at + verb.len()..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push(name);
            }
        }
    }
    out
}

fn owners() -> BTreeMap<&'static str, &'static str> {
    let mut owners = BTreeMap::new();
    for m in MODULES {
        for table in m.tables {
            let before = owners.insert(*table, m.name);
            assert!(before.is_none(), "table {table} has two owners");
        }
    }
    owners
}

/// The SQL of every crate's migrations, in the order they run: the kernel's baseline by name,
/// then the modules' files by version.
fn migrations() -> Vec<String> {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let (mut baseline, mut modules) = (Vec::new(), Vec::new());
    for entry in std::fs::read_dir(&crates).unwrap().flatten() {
        // The kernel's own files after the baseline run as a module's (`platform/…`).
        for folder in ["migrations", "platform-migrations"] {
            let Ok(files) = std::fs::read_dir(entry.path().join(folder)) else {
                continue;
            };
            for file in files.flatten() {
                let name = file.file_name().to_string_lossy().into_owned();
                let sql = std::fs::read_to_string(file.path()).unwrap();
                if entry.file_name() == "kernel" && folder == "migrations" {
                    baseline.push((name, sql));
                } else {
                    modules.push((name, sql));
                }
            }
        }
    }
    baseline.sort();
    modules.sort();
    baseline
        .into_iter()
        .chain(modules)
        .map(|(_, sql)| sql)
        .collect()
}

/// The lower-case name that starts `text`.
fn table_name(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_ascii_lowercase() || *c == '_')
        .collect()
}

/// The tables the migrations leave: `CREATE TABLE` adds one, `ALTER TABLE … RENAME TO`
/// renames it.
fn created_tables() -> BTreeSet<String> {
    let mut tables = BTreeSet::new();
    for file in migrations() {
        let sql: String = file
            .lines()
            .map(|line| line.split("--").next().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n");
        let mut statements: Vec<(usize, &str)> = sql.match_indices("CREATE TABLE ").collect();
        statements.extend(sql.match_indices("ALTER TABLE "));
        statements.sort();
        for (at, verb) in statements {
            let rest = sql[at + verb.len()..].trim_start_matches("IF NOT EXISTS ");
            let name = table_name(rest);
            if verb == "CREATE TABLE " {
                tables.insert(name);
            } else if let Some(to) = rest[name.len()..].trim_start().strip_prefix("RENAME TO ") {
                tables.remove(&name);
                tables.insert(table_name(to.trim_start()));
            }
        }
    }
    tables
}

#[test]
fn every_table_has_one_owning_module() {
    let owners = owners();
    let created = created_tables();
    let unowned: Vec<_> = created
        .iter()
        .filter(|t| !owners.contains_key(t.as_str()))
        .collect();
    assert!(unowned.is_empty(), "tables no module declares: {unowned:?}");
    assert!(created.len() >= 30, "the migrations were read");
    assert!(
        created.contains("feedback_files") && !created.contains("feedback_photos"),
        "a module's migrations are read after the baseline, renames included"
    );
    // `schema_migrations` is made by the runner itself, before any migration.
    let gone: Vec<_> = owners
        .keys()
        .filter(|t| **t != "schema_migrations" && !created.contains(**t))
        .collect();
    assert!(
        gone.is_empty(),
        "declared tables no migration creates: {gone:?}"
    );
}

#[test]
fn a_module_writes_only_the_tables_it_owns() {
    let owners = owners();
    let files = module_sources();
    assert!(files.len() > 80, "the sources were read");
    let mut trespass = Vec::new();
    for (file, source) in &files {
        let module = module_of(file);
        for table in written_tables(source) {
            match owners.get(table.as_str()) {
                Some(owner) if *owner == module => {}
                Some(owner) => {
                    trespass.push(format!("{file} ({module}) writes {table} of {owner}"))
                }
                None => trespass.push(format!("{file} writes {table}, which no module owns")),
            }
        }
    }
    assert!(trespass.is_empty(), "{}", trespass.join("\n"));
}

/// The platform's crates that a crate's manifest depends on.
fn platform_dependencies(name: &str) -> Vec<String> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(name)
        .join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let dependencies = text
        .split("[dependencies]")
        .nth(1)
        .unwrap_or_default()
        .split("\n[")
        .next()
        .unwrap_or_default();
    dependencies
        .lines()
        .filter_map(|line| line.split(['.', ' ', '=']).next())
        .filter(|dep| dep.starts_with("tinhso-"))
        .map(str::to_owned)
        .collect()
}

/// Dependencies go one way: the kernel knows no module, and a module knows the kernel and the
/// directory (the one reference every module shares), never another module — it reacts to
/// their events instead. Only the binary lists them all.
#[test]
fn the_kernel_knows_no_module_and_a_module_no_other_but_the_directory() {
    // Leaf crates with no platform dependency (beyond the rules of tinhso-domain): rules,
    // rendering, text extraction, the embedded search index, edXML and its XML signatures, PAdES,
    // the open data file check, keys on PKCS#11 tokens.
    let pure = [
        "tinhso-domain",
        "tinhso-documents",
        "tinhso-extract",
        "tinhso-searchindex",
        "tinhso-edxml",
        "tinhso-pades",
        "tinhso-pkcs11",
        "tinhso-tabular",
        "tinhso-dcat",
    ];
    for leaf in pure {
        let deps = platform_dependencies(leaf.trim_start_matches("tinhso-"));
        assert!(
            deps.iter().all(|d| pure.contains(&d.as_str())),
            "the leaf crate {leaf} depends on {deps:?}"
        );
    }
    let kernel = platform_dependencies("kernel");
    assert!(
        kernel.iter().all(|d| pure.contains(&d.as_str())),
        "the kernel depends on {kernel:?}"
    );
    for module in [
        "directory",
        "accounts",
        "onestop",
        "feedback",
        "officialdocs",
        "signatures",
        "tasks",
        "ops",
        "opendata",
    ] {
        let deps = platform_dependencies(module);
        assert!(
            deps.contains(&"tinhso-kernel".to_owned()),
            "{module}: {deps:?}"
        );
        let others: Vec<_> = deps
            .iter()
            .filter(|d| !pure.contains(&d.as_str()))
            .filter(|d| *d != "tinhso-kernel" && *d != "tinhso-directory")
            .collect();
        assert!(others.is_empty(), "module {module} depends on {others:?}");
    }
    let binary = platform_dependencies("server");
    for module in MODULES
        .iter()
        .filter(|m| !["platform", "portal"].contains(&m.name))
    {
        // The documents module's crate is `tinhso-officialdocs`: `tinhso-documents` renders
        // PDF and XLSX (docs/documents-design.md §1).
        let name = match module.name {
            "documents" => "tinhso-officialdocs".to_owned(),
            other => format!("tinhso-{other}"),
        };
        assert!(binary.contains(&name), "the binary lists {name}");
    }
}

/// Files of the module crates that still run SQL outside a store. The list may only shrink:
/// a file leaves it when its statements move to its store (§9.1 of docs/kernel-design.md).
const NOT_YET: &[&str] = &[];

/// Whether a source file is a store: `store.rs`, or any file in a `store/` folder.
fn is_store(file: &str) -> bool {
    file.ends_with("/store.rs") || file.contains("/store/")
}

fn runs_sql(source: &str) -> bool {
    source.contains("sqlx::query") || source.contains("sqlx::raw_sql")
}

/// SQL only in stores: in the module crates, statements are run by the store files alone, so
/// the rest of a module (rules, audit, events, pages) reads and writes through named functions.
#[test]
fn sql_only_in_stores() {
    let modules = [
        "directory/",
        "accounts/",
        "onestop/",
        "feedback/",
        "officialdocs/",
        "signatures/",
        "tasks/",
        "ops/",
    ];
    let files: Vec<_> = module_sources()
        .into_iter()
        .filter(|(file, _)| modules.iter().any(|m| file.starts_with(m)))
        .collect();
    assert!(files.len() > 40, "the module sources were read");
    let outside: Vec<&str> = files
        .iter()
        .filter(|(file, source)| !is_store(file) && runs_sql(source))
        .map(|(file, _)| file.as_str())
        .filter(|file| !NOT_YET.contains(file))
        .collect();
    assert!(
        outside.is_empty(),
        "SQL outside a store (move it to the module's store.rs): {outside:?}"
    );
    let moved: Vec<&str> = NOT_YET
        .iter()
        .copied()
        .filter(|listed| {
            !files
                .iter()
                .any(|(file, source)| file == listed && runs_sql(source))
        })
        .collect();
    assert!(
        moved.is_empty(),
        "no SQL left in {moved:?}: take them off NOT_YET"
    );
}

/// The policies the modules declare: entity kind → the token scopes they check.
fn declared_policies() -> BTreeMap<&'static str, BTreeSet<&'static str>> {
    let mut kinds: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for m in MODULES {
        for p in m.policies {
            kinds.entry(p.kind).or_default().extend(p.scopes);
        }
    }
    kinds
}

/// The union of the scopes the declared policies check.
pub fn policy_scopes() -> BTreeSet<&'static str> {
    declared_policies().into_values().flatten().collect()
}

#[test]
fn token_scopes_are_the_union_of_the_policies_scopes() {
    use tinhso::auth::{Role, User, UserKind, authz};
    let declared = policy_scopes();
    let listed: BTreeSet<&str> = authz::SCOPES.into_iter().collect();
    assert_eq!(
        listed, declared,
        "authz::SCOPES (what a token may carry) must be the union of the policies' SCOPES"
    );
    // A system administrator may pick every one of them for a token, and nothing else.
    let admin = User {
        id: "admin".into(),
        kind: UserKind::Official,
        full_name: "Quản trị".into(),
        email: None,
        agency_id: None,
        roles: vec![Role::SystemAdmin],
        totp_enabled: true,
    };
    let grantable: BTreeSet<&str> = authz::grantable_scopes(&admin).into_iter().collect();
    assert_eq!(grantable, declared);
}

#[test]
fn every_entity_a_route_names_has_a_policy() {
    use tinhso::module::Access;
    let kinds = declared_policies();
    let missing: Vec<String> = tinhso::app::route_table()
        .into_iter()
        .filter_map(|r| match r.access {
            Access::Entity(kind) | Access::Capability(kind) if !kinds.contains_key(kind) => {
                Some(format!("{} {} ({kind})", r.method, r.path))
            }
            _ => None,
        })
        .collect();
    assert!(
        missing.is_empty(),
        "routes naming an entity kind no module's policy decides: {missing:#?}"
    );
    // Every declared policy decides some route's entity, but the account's: its routes are
    // `SignedIn` (any signed-in person, about their own account).
    let routed: BTreeSet<&str> = tinhso::app::route_table()
        .into_iter()
        .filter_map(|r| match r.access {
            Access::Entity(kind) | Access::Capability(kind) => Some(kind),
            _ => None,
        })
        .collect();
    let unrouted: Vec<&str> = kinds
        .keys()
        .copied()
        .filter(|k| !routed.contains(k))
        .collect();
    assert_eq!(unrouted, ["account"], "policies no route names");
}

/// The operations centre's subscription wants exactly the event kinds the modules say their
/// items count differently after (`Kpi::counting`), and the sources they declare have one
/// owner each, named after the item they count.
#[test]
fn ops_counts_after_exactly_the_kinds_the_modules_declare() {
    let countings: Vec<_> = tinhso::app::kpis()
        .into_iter()
        .filter_map(|k| k.counting)
        .collect();
    assert!(countings.len() >= 2, "one-stop and feedback count");
    let declared: BTreeSet<&str> = countings
        .iter()
        .flat_map(|c| c.events.iter().copied())
        .collect();
    let wanted: BTreeSet<&str> = tinhso_ops::count::KINDS.iter().copied().collect();
    assert_eq!(
        wanted, declared,
        "ops::count::KINDS = the union of counting.events"
    );
    assert_eq!(
        wanted.len(),
        tinhso_ops::count::KINDS.len(),
        "no kind twice"
    );
    let mut sources = BTreeSet::new();
    for c in &countings {
        for s in c.sources {
            assert!(sources.insert(s.name), "source {} declared twice", s.name);
            assert!(
                s.name.starts_with(&format!("{}.", c.item)),
                "source {} of {} items",
                s.name,
                c.item
            );
        }
    }
}
