//! The translations of every crate, read as the pages read them: each crate's locale files and
//! templates are merged at start (`web::assets`), so these checks look at all crates at once —
//! a key or template two crates define, a message a handler shows without English, English left
//! behind by a rewording, an audit action without a label.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tinhso::audit::http::audit_action_label;
use tinhso::web::i18n::{Lang, message, table};

fn setup() {
    tinhso::app::install_assets();
}

/// `sub` (`src`, `locales`, `templates`) of every crate of the workspace.
fn crate_dirs(sub: &str) -> Vec<PathBuf> {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&crates)
        .unwrap()
        .flatten()
        .map(|e| e.path().join(sub))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn every_source() -> Vec<String> {
    let mut files = Vec::new();
    for dir in crate_dirs("src") {
        sources(&dir, &mut files);
    }
    assert!(files.len() > 50, "the sources were read");
    files
}

/// Each crate's entries of the locale file `name`.
fn locale_of_each_crate(name: &str) -> Vec<(PathBuf, HashMap<String, String>)> {
    crate_dirs("locales")
        .into_iter()
        .map(|dir| dir.join(name))
        .filter(|file| file.exists())
        .map(|file| {
            let text = std::fs::read_to_string(&file).unwrap();
            let table = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            (file, table)
        })
        .collect()
}

fn merged_locale(name: &str) -> HashMap<String, String> {
    locale_of_each_crate(name)
        .into_iter()
        .flat_map(|(_, table)| table)
        .collect()
}

#[test]
fn both_languages_have_the_same_keys() {
    setup();
    let mut vi: Vec<_> = table(Lang::Vi).keys().collect();
    let mut en: Vec<_> = table(Lang::En).keys().collect();
    vi.sort();
    en.sort();
    assert!(vi.len() > 500, "every crate's texts are installed");
    assert_eq!(vi, en);
}

/// A key, message or template two crates both bring would show whichever loads first.
#[test]
fn no_key_message_or_template_is_defined_by_two_crates() {
    for name in ["vi.toml", "en.toml", "messages.en.toml"] {
        let mut seen: HashMap<String, PathBuf> = HashMap::new();
        for (file, table) in locale_of_each_crate(name) {
            for key in table.keys() {
                if let Some(first) = seen.insert(key.clone(), file.clone()) {
                    panic!("{key} is in {} and {}", first.display(), file.display());
                }
            }
        }
    }
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    for dir in crate_dirs("templates") {
        let mut stack = vec![dir.clone()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let name = path
                        .strip_prefix(&dir)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned();
                    if let Some(first) = seen.insert(name.clone(), dir.clone()) {
                        panic!(
                            "template {name} is in {} and {}",
                            first.display(),
                            dir.display()
                        );
                    }
                }
            }
        }
    }
    assert!(seen.len() > 40, "the templates were read");
}

#[test]
fn translates_fixed_and_patterned_messages() {
    setup();
    assert_eq!(
        message(Lang::En, "Mật khẩu nhập lại không khớp."),
        "The two passwords do not match."
    );
    assert_eq!(
        message(
            Lang::En,
            "Mã định danh 000.00.14.H56 đã được dùng cho “Sở Tư pháp”."
        ),
        "Identifier code 000.00.14.H56 is already used by “Sở Tư pháp”."
    );
    assert_eq!(
        message(
            Lang::En,
            "Bạn thao tác quá nhiều lần. Vui lòng thử lại sau 15 phút."
        ),
        "Too many attempts. Please try again in 15 minutes."
    );
    assert_eq!(
        message(Lang::Vi, "Mật khẩu nhập lại không khớp."),
        "Mật khẩu nhập lại không khớp."
    );
    assert_eq!(
        message(Lang::En, "Một câu chưa dịch."),
        "Một câu chưa dịch."
    );
}

fn sources(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            out.push(without_test_items(&text));
        }
    }
}

/// The source without its `#[cfg(test)]` items (test modules hold sample messages, not
/// shown ones), wherever in the file they stand.
fn without_test_items(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim() != "#[cfg(test)]" {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        match lines.next() {
            Some(item) if item.trim_end().ends_with(';') => {}
            Some(_) => {
                for inside in lines.by_ref() {
                    if inside == "}" {
                        break;
                    }
                }
            }
            None => {}
        }
    }
    out
}

/// The string literal that starts right after `from` in `text`, if any.
fn literal_at(text: &str) -> Option<String> {
    let rest = text.trim_start().strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => out.push(chars.next()?),
            c => out.push(c),
        }
    }
    None
}

/// Messages shown to people: the second argument of `FieldError::new` and
/// `AppError::validation`, the argument of `BadRequest`/`Conflict`, and `#[error]` texts.
fn messages_in(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for marker in ["FieldError::new(", "AppError::validation("] {
        for (at, _) in source.match_indices(marker) {
            let args = &source[at + marker.len()..];
            let Some(comma) = args.find(',') else {
                continue;
            };
            if let Some(m) = literal_at(&args[comma + 1..]) {
                found.push(m);
            }
        }
    }
    for marker in ["BadRequest(", "Conflict(", "#[error("] {
        for (at, _) in source.match_indices(marker) {
            if let Some(m) = literal_at(&source[at + marker.len()..]) {
                found.push(m);
            }
        }
    }
    found
        .into_iter()
        .filter(|m| !m.is_ascii())
        .map(|m| placeholders_as_braces(&m))
        .collect()
}

/// `{name}` and `{0}` become `{}`, as the message file writes its patterns.
fn placeholders_as_braces(message: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in message.chars() {
        match (c, inside) {
            ('{', false) => {
                inside = true;
                out.push_str("{}");
            }
            ('}', true) => inside = false,
            (_, true) => {}
            (c, false) => out.push(c),
        }
    }
    out
}

/// Every string literal of a source, unescaped.
fn literals(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find('"') {
        let after = &rest[at..];
        match literal_at(after) {
            Some(l) => {
                // Skip past the closing quote: the literal plus its escapes.
                let mut chars = after[1..].char_indices();
                let mut end = after.len();
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => {
                            end = i + 2;
                            break;
                        }
                        _ => {}
                    }
                }
                out.push(l);
                rest = &after[end..];
            }
            None => break,
        }
    }
    out
}

/// An entry of the message file that no source shows any more is English that a
/// rewording left behind: the new Vietnamese sentence then lacks it (the other test says
/// which), and this one names the old entry, so the translation is carried over, not lost.
#[test]
fn every_english_message_still_has_its_vietnamese_in_the_source() {
    let files = every_source();
    let shown: Vec<String> = files.iter().flat_map(|f| literals(f)).collect();
    let table = merged_locale("messages.en.toml");
    let mut stale: Vec<&String> = table
        .keys()
        .filter(|vi| {
            let longest = vi.split("{}").max_by_key(|p| p.len()).unwrap_or_default();
            !shown.iter().any(|l| l.contains(longest))
        })
        .collect();
    stale.sort();
    assert!(
        stale.is_empty(),
        "entries of a crate's locales/messages.en.toml whose Vietnamese no source shows:\n{}",
        stale
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// English mode is complete for what the server says: every message a handler or a domain rule
/// can show (field errors, refusals, `#[error]` texts) has its English in its crate's
/// `messages.en.toml`. The messages are read from the source itself, so a new one without
/// English fails here.
#[test]
fn every_server_message_has_english() {
    let files = every_source();
    let mut missing: Vec<String> = files
        .iter()
        .flat_map(|f| messages_in(f))
        .filter(|m| { setup(); message(Lang::En, m) } == *m)
        .collect();
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "messages without English in the locales/messages.en.toml of their crate:\n{}",
        missing.join("\n")
    );
}

/// Every action the platform writes to the audit trail (`grep 'action: "'` and the dossier
/// and feedback actions), in both languages.
#[test]
fn every_audit_action_has_a_label() {
    // Every `action: "…"` the source writes, read from the source so a new one cannot be
    // forgotten here.
    let mut fixed = Vec::new();
    setup();
    let mut dirs = crate_dirs("src");
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for (at, _) in text.match_indices("action: \"") {
                    let rest = &text[at + 9..];
                    let action = &rest[..rest.find('"').unwrap()];
                    let plain = action
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.');
                    if plain && action.contains('.') {
                        fixed.push(action.to_owned());
                    }
                }
            }
        }
    }
    assert!(fixed.iter().any(|a| a == "user.register"), "{fixed:?}");
    fixed.extend(
        [
            "feedback.assign",
            "feedback.accept",
            "feedback.answer",
            "feedback.reject",
            "feedback.reopen",
            "feedback.rate",
            "feedback.mark_duplicate",
            "feedback.remind",
            "feedback.escalate",
            "procedure.create",
            "procedure.update",
            "session.password_ok",
        ]
        .map(str::to_owned),
    );
    let dossier = [
        "submit",
        "accept",
        "refuse",
        "request_supplement",
        "supplement",
        "complete_step",
        "approve",
        "return_result",
        "stop",
        "withdraw",
        "forward",
        "apologize",
    ];
    // Every dossier action the domain knows, so a new one cannot go without a label either.
    let every_dossier_action = tinhso_domain::dossier::Action::ALL.map(|a| a.as_str());
    let actions = fixed
        .iter()
        .map(|a| a.to_string())
        .chain(dossier.iter().map(|v| format!("dossier.{v}")))
        .chain(every_dossier_action.map(|v| format!("dossier.{v}")));
    for action in actions {
        for lang in [Lang::Vi, Lang::En] {
            let label = audit_action_label(lang, &action);
            assert_ne!(label, action, "{action} has no label in {lang:?}");
        }
    }
    assert_eq!(
        audit_action_label(Lang::Vi, "dossier.accept"),
        "Hồ sơ: Tiếp nhận hồ sơ"
    );
}

/// The kernel's audit labels name no module: every module's actions are labelled in that
/// module's own locales.
#[test]
fn the_kernel_labels_only_its_own_audit_actions() {
    let kernel = Path::new(env!("CARGO_MANIFEST_DIR")).join("../kernel");
    let modules = [
        "audit_dossier",
        "audit_feedback",
        "audit_payment",
        "audit_procedure",
        "audit_agency",
        "audit_actor_payment",
    ];
    let mut read = 0;
    for (file, table) in locale_of_each_crate("vi.toml") {
        if !file.starts_with(&kernel) {
            continue;
        }
        read += 1;
        for key in table.keys() {
            let module = modules.iter().find(|m| key.starts_with(*m));
            assert!(module.is_none(), "{key} belongs to a module's locales");
        }
    }
    assert_eq!(read, 1, "the kernel's locales were read");
}

/// Every menu entry a module declares has its text (and its card sentence) in both languages.
#[test]
fn every_menu_entry_is_translated() {
    setup();
    let mut missing = Vec::new();
    for module in tinhso::app::MODULES {
        for entry in module.menu {
            for key in [entry.key, entry.text]
                .into_iter()
                .filter(|k| !k.is_empty())
            {
                for lang in [Lang::Vi, Lang::En] {
                    if !table(lang).contains_key(key) {
                        missing.push(format!("{} {key} ({lang:?})", module.name));
                    }
                }
            }
        }
    }
    assert!(missing.is_empty(), "menu entries without text: {missing:?}");
}

/// Every search section a module declares has its heading and its "all results" link in both
/// languages.
#[test]
fn every_search_section_is_translated() {
    setup();
    let mut missing = Vec::new();
    for source in tinhso::app::search_sources() {
        for key in [source.title, source.more]
            .into_iter()
            .filter(|k| !k.is_empty())
        {
            for lang in [Lang::Vi, Lang::En] {
                if !table(lang).contains_key(key) {
                    missing.push(format!("{} {key} ({lang:?})", source.kind));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "search sections without text: {missing:?}"
    );
}

/// Every published table a module declares has its heading, column and note in both languages.
#[test]
fn every_published_figure_is_translated() {
    setup();
    let mut missing = Vec::new();
    for kpi in tinhso::app::kpis() {
        for key in [kpi.title, kpi.processed, kpi.note]
            .into_iter()
            .filter(|k| !k.is_empty())
        {
            for lang in [Lang::Vi, Lang::En] {
                if !table(lang).contains_key(key) {
                    missing.push(format!("{} {key} ({lang:?})", kpi.kind));
                }
            }
        }
    }
    assert!(missing.is_empty(), "figures without text: {missing:?}");
}
