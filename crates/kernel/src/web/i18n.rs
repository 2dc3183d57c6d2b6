//! Translations: every UI string lives in `locales/<lang>.toml` of the crate that shows it (the
//! installed crates' files read as one table, `web::assets`). Vietnamese is the default; English
//! is one click away (a `lang` cookie).

use minijinja::Value;
use minijinja::value::{Object, ObjectRepr};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

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

/// The entries of every installed crate's locale file `name`; a key two crates define keeps
/// the first (the test of the translations refuses such a pair).
fn load(name: &str) -> Table {
    let mut table = Table::new();
    for text in super::assets::locale_files(name) {
        let entries: Table = toml::from_str(&text).expect("locale file is valid TOML of strings");
        for (key, value) in entries {
            table.entry(key).or_insert(value);
        }
    }
    table
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
    let messages = MESSAGES.get_or_init(|| load("messages.en.toml").into_iter().collect());
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
