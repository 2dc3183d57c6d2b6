//! The platform's boundaries, checked by reading the source (no database): every table has one
//! owning module, and a module writes only the tables it owns — it reacts to events or calls
//! the owner's functions for the rest.

use std::collections::BTreeMap;
use std::path::Path;
use tinhso::app::MODULES;

/// The module a source file belongs to, by its top folder under `src/` — until each module is
/// its own crate, when the crate is the answer.
fn module_of(relative: &str) -> &'static str {
    match relative.split(['/', '.']).next().unwrap_or_default() {
        "agencies" => "directory",
        "accounts" => "accounts",
        "catalog" | "dossiers" | "payments" | "onestop" => "onestop",
        "feedback" => "feedback",
        _ => "platform",
    }
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

#[test]
fn every_table_has_one_owning_module() {
    let owners = owners();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut created = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let sql = std::fs::read_to_string(entry.path()).unwrap();
        for (at, _) in sql.match_indices("CREATE TABLE ") {
            let rest = sql[at + 13..].trim_start_matches("IF NOT EXISTS ");
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            created.push(name);
        }
    }
    let unowned: Vec<_> = created
        .iter()
        .filter(|t| !owners.contains_key(t.as_str()))
        .collect();
    assert!(unowned.is_empty(), "tables no module declares: {unowned:?}");
    assert!(created.len() >= 30, "the migrations were read");
}

#[test]
fn a_module_writes_only_the_tables_it_owns() {
    let owners = owners();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &root, &mut files);
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
