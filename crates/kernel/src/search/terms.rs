//! What a typed query becomes: folded words of letters and digits only, which is all either
//! database's full-text syntax ever sees. Quotes, `*`, `NEAR`, `-`, `:` and the like are
//! separators here, so no input can form an operator; the expression is then rendered for
//! FTS5 (`"word"` phrases) or `to_tsquery` (`'word'` lexemes) by this module alone.

use tinhso_domain::text::fold;

/// At most this much of a query is read (a longer one is cut, not refused).
const MAX_QUERY_CHARS: usize = 400;
/// At most this many words are matched.
const MAX_WORDS: usize = 12;
/// A longer "word" is no word a person types: it is cut to this many characters.
const MAX_WORD_CHARS: usize = 40;

/// The words of a text as they are indexed and matched: folded (`Quyết` → `quyet`), split on
/// anything that is not a letter or a digit.
pub fn words(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The text stored for the index: its words, one space apart.
pub fn indexed_text(text: &str) -> String {
    words(text).join(" ")
}

/// Adjacent words run together (`khai sinh` → `khaisinh`): people type a name's words joined,
/// and the index holds these pairs for titles so such a query still matches.
pub fn joined_pairs(text: &str) -> String {
    let words = words(text);
    words
        .windows(2)
        .map(|w| format!("{}{}", w[0], w[1]))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The grant every public entry carries (no module's grant starts with a NUL).
pub const PUBLIC: &str = "\0public";

/// The opaque word that stands for a grant in the index: `zq` and 24 hex digits of its
/// SHA-256, letters and digits only, so both databases keep it as one word and a typed word
/// never means a grant by accident.
pub fn grant_token(grant: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(grant.as_bytes());
    format!("zq{}", &hex::encode(digest)[..24])
}

/// The FTS5 expression of an optional word expression limited to entries carrying one of
/// `grants`: `(words) AND ("zq…" OR "zq…")`.
pub fn fts5_scoped(words: Option<String>, grants: &[String]) -> String {
    let scope: Vec<String> = grants
        .iter()
        .map(|g| format!("\"{}\"", grant_token(g)))
        .collect();
    let scope = format!("({})", scope.join(" OR "));
    match words {
        Some(words) => format!("({words}) AND {scope}"),
        None => scope,
    }
}

/// The `to_tsquery` text of the same: `(words) & ('zq…' | 'zq…')`.
pub fn tsquery_scoped(words: Option<String>, grants: &[String]) -> String {
    let scope: Vec<String> = grants
        .iter()
        .map(|g| format!("'{}'", grant_token(g)))
        .collect();
    let scope = format!("({})", scope.join(" | "));
    match words {
        Some(words) => format!("({words}) & {scope}"),
        None => scope,
    }
}

/// How many of a query's words an entry must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Require {
    /// Every word (the default).
    #[default]
    All,
    /// Every word for one or two words; from three on, one may be missing (the catalog: a word
    /// the name does not use, "giấy khai sinh", must not hide the right answer).
    AllButOneFromThree,
}

/// A query reduced to its words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub words: Vec<String>,
    /// Whether the last word also matches as a prefix (`phe duy` finds `phê duyệt`).
    pub prefix_last: bool,
}

impl Terms {
    pub fn parse(query: &str) -> Terms {
        let mut cut: String = query.chars().take(MAX_QUERY_CHARS).collect();
        if cut.len() < query.len() {
            // Cut inside a word: that word is not what was typed, leave it out.
            let whole = cut.rfind(char::is_whitespace).unwrap_or(0);
            cut.truncate(whole);
        }
        let mut words: Vec<String> = words(&cut)
            .into_iter()
            .map(|w| w.chars().take(MAX_WORD_CHARS).collect::<String>())
            .collect();
        let mut seen = std::collections::BTreeSet::new();
        words.retain(|w| seen.insert(w.clone()));
        words.truncate(MAX_WORDS);
        // A one-letter prefix matches half the index: only a longer last word is a prefix.
        let prefix_last = words.last().is_some_and(|w| w.chars().count() >= 2);
        Terms { words, prefix_last }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The alternatives an entry may satisfy, each a list of words it must all hold (with
    /// whether each is a prefix).
    pub fn groups(&self, require: Require) -> Vec<Vec<(&str, bool)>> {
        let last = self.words.len().saturating_sub(1);
        let all: Vec<(&str, bool)> = self
            .words
            .iter()
            .enumerate()
            .map(|(i, w)| (w.as_str(), self.prefix_last && i == last))
            .collect();
        match require {
            Require::AllButOneFromThree if all.len() >= 3 => (0..all.len())
                .map(|skip| {
                    all.iter()
                        .enumerate()
                        .filter(|(i, _)| *i != skip)
                        .map(|(_, t)| *t)
                        .collect()
                })
                .collect(),
            _ => vec![all],
        }
    }

    /// The FTS5 `MATCH` expression: `"quyet" "dinh" "phe"*`, groups joined by `OR`.
    pub fn fts5(&self, require: Require) -> String {
        let groups: Vec<String> = self
            .groups(require)
            .into_iter()
            .map(|group| {
                let words: Vec<String> = group
                    .into_iter()
                    .map(|(w, prefix)| format!("\"{w}\"{}", if prefix { "*" } else { "" }))
                    .collect();
                format!("({})", words.join(" AND "))
            })
            .collect();
        groups.join(" OR ")
    }

    /// The `to_tsquery('simple', …)` text: `'quyet' & 'dinh' & 'phe':*`, groups joined by `|`.
    pub fn tsquery(&self, require: Require) -> String {
        let groups: Vec<String> = self
            .groups(require)
            .into_iter()
            .map(|group| {
                let words: Vec<String> = group
                    .into_iter()
                    .map(|(w, prefix)| format!("'{w}'{}", if prefix { ":*" } else { "" }))
                    .collect();
                format!("({})", words.join(" & "))
            })
            .collect();
        groups.join(" | ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_folded_and_split_on_anything_but_letters_and_digits() {
        assert_eq!(
            words("Quyết định phê duyệt 12/QĐ-UBND"),
            ["quyet", "dinh", "phe", "duyet", "12", "qd", "ubnd"]
        );
        assert_eq!(indexed_text("  Sở  Tư pháp! "), "so tu phap");
        assert_eq!(joined_pairs("Đăng ký khai sinh"), "dangky kykhai khaisinh");
        assert_eq!(joined_pairs("Một"), "");
    }

    #[test]
    fn a_query_without_diacritics_and_one_with_them_are_the_same_words() {
        let plain = Terms::parse("quyet dinh phe duyet");
        assert_eq!(plain, Terms::parse("Quyết ĐỊNH phê duyệt"));
        assert_eq!(plain.words, ["quyet", "dinh", "phe", "duyet"]);
        assert!(plain.prefix_last);
        assert_eq!(
            plain.fts5(Require::All),
            "(\"quyet\" AND \"dinh\" AND \"phe\" AND \"duyet\"*)"
        );
        assert_eq!(
            plain.tsquery(Require::All),
            "('quyet' & 'dinh' & 'phe' & 'duyet':*)"
        );
    }

    #[test]
    fn operators_quotes_and_stars_are_only_separators() {
        for hostile in [
            "\"quyet\" OR dinh*",
            "quyet NEAR(dinh, 2)",
            "'quyet' & !dinh | (phe:*)",
            "quyet -dinh ^phe {col}: x",
            "\\\"); DROP TABLE documents; --",
        ] {
            let t = Terms::parse(hostile);
            for w in &t.words {
                assert!(w.chars().all(char::is_alphanumeric), "{hostile}: {w}");
            }
            let fts = t.fts5(Require::All);
            assert_eq!(
                fts.matches('"').count(),
                2 * t.words.len(),
                "{hostile}: {fts}"
            );
            let ts = t.tsquery(Require::All);
            assert_eq!(ts.matches('\'').count(), 2 * t.words.len(), "{hostile}");
        }
        // Operator words become plain (lower-case) words, which FTS5 reads as text when quoted.
        assert_eq!(
            Terms::parse("a NEAR b AND c").words,
            ["a", "near", "b", "and", "c"]
        );
    }

    #[test]
    fn empty_long_and_repeated_queries_are_bounded() {
        assert!(Terms::parse("").is_empty());
        assert!(Terms::parse("*** \"\" ()").is_empty());
        let long = "từ ".repeat(10_000);
        assert_eq!(Terms::parse(&long).words, ["tu"], "repeats collapse");
        let many: String = (0..100).map(|i| format!("w{i} ")).collect();
        assert_eq!(Terms::parse(&many).words.len(), MAX_WORDS);
        let giant = "a".repeat(300);
        assert_eq!(Terms::parse(&giant).words[0].len(), MAX_WORD_CHARS);
        assert!(
            Terms::parse(&"a".repeat(5_000)).is_empty(),
            "one word cut is no word"
        );
        assert!(
            !Terms::parse("quyet d").prefix_last,
            "one letter is no prefix"
        );
    }

    #[test]
    fn grants_are_opaque_words_matched_with_the_words() {
        let token = grant_token("agency:stp");
        assert_eq!(token.len(), 26);
        assert!(token.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(token, grant_token("agency:stq"));
        assert_eq!(
            words(&token),
            std::slice::from_ref(&token),
            "one word to the index"
        );
        let grants = ["agency:stp".to_owned(), PUBLIC.to_owned()];
        let t = Terms::parse("ho tich");
        assert_eq!(
            fts5_scoped(Some(t.fts5(Require::All)), &grants),
            format!(
                "((\"ho\" AND \"tich\"*)) AND (\"{token}\" OR \"{}\")",
                grant_token(PUBLIC)
            )
        );
        assert_eq!(tsquery_scoped(None, &grants[..1]), format!("('{token}')"));
    }

    #[test]
    fn all_but_one_is_every_group_that_leaves_one_word_out() {
        let t = Terms::parse("dang ky khai");
        assert_eq!(
            t.fts5(Require::AllButOneFromThree),
            "(\"ky\" AND \"khai\"*) OR (\"dang\" AND \"khai\"*) OR (\"dang\" AND \"ky\")"
        );
        let two = Terms::parse("khai sinh");
        assert_eq!(
            two.tsquery(Require::AllButOneFromThree),
            "('khai' & 'sinh':*)"
        );
    }
}
