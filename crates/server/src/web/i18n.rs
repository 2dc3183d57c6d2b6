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
