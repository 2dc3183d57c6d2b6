//! Translations: every UI string lives in `locales/<lang>.toml`. Vietnamese is the default;
//! English is one click away (a `lang` cookie).

use minijinja::Value;
use minijinja::value::{Object, ObjectRepr};
use rust_embed::Embed;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

#[derive(Embed)]
#[folder = "locales/"]
struct LocaleFiles;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Vi,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }

    pub fn from_cookie(value: Option<&str>) -> Lang {
        match value {
            Some("en") => Lang::En,
            _ => Lang::Vi,
        }
    }
}

type Table = HashMap<String, String>;

pub fn table(lang: Lang) -> &'static Table {
    static TABLES: OnceLock<(Table, Table)> = OnceLock::new();
    let (vi, en) = TABLES.get_or_init(|| (load("vi.toml"), load("en.toml")));
    match lang {
        Lang::Vi => vi,
        Lang::En => en,
    }
}

fn load(name: &str) -> Table {
    let file = LocaleFiles::get(name).expect("locale file is embedded");
    let text = String::from_utf8_lossy(&file.data);
    toml::from_str(&text).expect("locale file is valid TOML of strings")
}

/// The translation of `key`; a missing key shows itself, so it is noticed (and a test fails).
pub fn text(lang: Lang, key: &str) -> String {
    table(lang)
        .get(key)
        .or_else(|| table(Lang::Vi).get(key))
        .cloned()
        .unwrap_or_else(|| format!("[{key}]"))
}

#[derive(Debug)]
struct Translator(Lang);

impl Object for Translator {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        Some(Value::from(text(self.0, key.as_str()?)))
    }
}

/// The `t` object templates use: `{{ t.sign_in }}`.
pub fn translator(lang: Lang) -> Value {
    Value::from_object(Translator(lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let mut vi: Vec<_> = table(Lang::Vi).keys().collect();
        let mut en: Vec<_> = table(Lang::En).keys().collect();
        vi.sort();
        en.sort();
        assert_eq!(vi, en);
    }
}

/// English for a message written in Vietnamese by the server (gettext style). Patterns with
/// `{}` match messages that carry a code or a number. Unknown messages stay Vietnamese.
pub fn message(lang: Lang, text: &str) -> String {
    if lang == Lang::Vi {
        return text.to_owned();
    }
    static MESSAGES: OnceLock<Vec<(String, String)>> = OnceLock::new();
    let messages = MESSAGES.get_or_init(|| {
        let file = LocaleFiles::get("messages.en.toml").expect("message file is embedded");
        let table: HashMap<String, String> =
            toml::from_str(&String::from_utf8_lossy(&file.data)).expect("valid TOML");
        table.into_iter().collect()
    });
    messages
        .iter()
        .find_map(|(vi, en)| fill(en, &capture(vi, text)?))
        .unwrap_or_else(|| text.to_owned())
}

/// The parts of `text` that stand where `pattern` has `{}`, if the rest matches exactly.
fn capture(pattern: &str, text: &str) -> Option<Vec<String>> {
    let pieces: Vec<&str> = pattern.split("{}").collect();
    let mut rest = text.strip_prefix(pieces[0])?;
    let mut parts = Vec::new();
    for (i, piece) in pieces.iter().enumerate().skip(1) {
        let last = i == pieces.len() - 1;
        let end = if last {
            if !rest.ends_with(piece) {
                return None;
            }
            rest.len() - piece.len()
        } else {
            rest.find(piece)?
        };
        parts.push(rest[..end].to_owned());
        rest = &rest[end + piece.len()..];
    }
    if pieces.len() == 1 && !rest.is_empty() {
        return None;
    }
    Some(parts)
}

fn fill(pattern: &str, parts: &[String]) -> Option<String> {
    let mut out = String::new();
    let mut parts = parts.iter();
    for (i, piece) in pattern.split("{}").enumerate() {
        if i > 0 {
            out.push_str(parts.next()?);
        }
        out.push_str(piece);
    }
    Some(out)
}

tokio::task_local! {
    /// The language of the request being served, for messages rendered far from the handler.
    pub static REQUEST_LANG: Lang;
}

/// The current request's language (Vietnamese outside a request).
pub fn current() -> Lang {
    REQUEST_LANG.try_with(|l| *l).unwrap_or(Lang::Vi)
}

/// Layer that records the language chosen by the `lang` cookie for the whole request.
pub async fn middleware(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let jar = axum_extra::extract::cookie::CookieJar::from_headers(req.headers());
    let lang = Lang::from_cookie(jar.get("lang").map(|c| c.value()));
    REQUEST_LANG.scope(lang, next.run(req)).await
}

#[cfg(test)]
mod message_tests {
    use super::*;

    #[test]
    fn translates_fixed_and_patterned_messages() {
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
}

/// English mode is complete for what the server says: every message a handler or a domain rule
/// can show (field errors, refusals, `#[error]` texts) has its English in `messages.en.toml`.
/// The messages are read from the source itself, so a new one without English fails here.
#[cfg(test)]
mod completeness {
    use super::*;
    use std::path::Path;

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
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        sources(&root.join("src"), &mut files);
        sources(&root.join("../domain/src"), &mut files);
        let shown: Vec<String> = files.iter().flat_map(|f| literals(f)).collect();
        let file = LocaleFiles::get("messages.en.toml").expect("message file is embedded");
        let table: HashMap<String, String> =
            toml::from_str(&String::from_utf8_lossy(&file.data)).expect("valid TOML");
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
            "entries of locales/messages.en.toml whose Vietnamese no source shows:\n{}",
            stale
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    #[test]
    fn every_server_message_has_english() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        sources(&root.join("src"), &mut files);
        sources(&root.join("../domain/src"), &mut files);
        let mut missing: Vec<String> = files
            .iter()
            .flat_map(|f| messages_in(f))
            .filter(|m| message(Lang::En, m) == *m)
            .collect();
        missing.sort();
        missing.dedup();
        assert!(
            missing.is_empty(),
            "messages without English in locales/messages.en.toml:\n{}",
            missing.join("\n")
        );
    }
}
