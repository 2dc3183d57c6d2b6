//! Text folding for search: "so tu phap" must find "Sở Tư pháp". Vietnamese letters are
//! decomposed (NFD) and their marks dropped; đ/Đ has no decomposition, so it is mapped by hand.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower-cased, diacritic-free form used for search keys and comparisons.
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether every word of `query` appears, folded, in `haystack`.
pub fn matches_all_words(haystack_folded: &str, query: &str) -> bool {
    fold(query)
        .split(' ')
        .filter(|w| !w.is_empty())
        .all(|word| haystack_folded.contains(word))
}

/// Words people add to a search that procedure names rarely carry ("giấy khai sinh",
/// "thủ tục đăng ký kết hôn", "làm sổ đỏ"): dropped unless nothing else is left.
const FILLER_WORDS: [&str; 8] = ["giay", "thu", "tuc", "xin", "lam", "muon", "can", "o"];

/// What a catalog search looks for: folded words, and how many of them a name must contain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerms {
    pub words: Vec<String>,
    /// Every word for short queries; one may be missing from three words on, so that a word
    /// the name does not use ("giấy khai sinh") does not hide the right answer.
    pub min_hits: usize,
}

pub fn search_terms(query: &str) -> SearchTerms {
    let folded = fold(query);
    let all: Vec<String> = folded
        .split(' ')
        .map(|w| w.replace(['%', '_'], ""))
        .filter(|w| !w.is_empty())
        .take(8)
        .collect();
    let meaningful: Vec<String> = all
        .iter()
        .filter(|w| !FILLER_WORDS.contains(&w.as_str()))
        .cloned()
        .collect();
    let words = if meaningful.is_empty() {
        all
    } else {
        meaningful
    };
    let min_hits = if words.len() <= 2 {
        words.len()
    } else {
        words.len() - 1
    };
    SearchTerms { words, min_hits }
}

/// `text` with the local part of every email address masked (`***@example.vn`): error texts
/// from mail servers name recipients, and logs travel further than the database.
pub fn mask_emails(text: &str) -> String {
    let is_local = |c: char| c.is_alphanumeric() || "._%+-".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        match word.split_once('@') {
            Some((local, domain)) if !local.is_empty() && domain.contains('.') => {
                out.push_str("***@");
                out.push_str(domain);
            }
            _ => out.push_str(word),
        }
        word.clear();
    };
    for c in text.chars() {
        if is_local(c) || c == '@' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// NFC form: what we store, so that the same word typed on two keyboards compares equal.
pub fn normalize(text: &str) -> String {
    text.trim().nfc().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("Sở Tư pháp"), "so tu phap");
        assert_eq!(fold("ĐĂNG KÝ KHAI SINH"), "dang ky khai sinh");
        assert_eq!(fold("  Ủy ban   nhân dân  "), "uy ban nhan dan");
        assert_eq!(fold("Thanh Hóa"), fold("Thanh Hoá"));
    }

    #[test]
    fn matches_words_in_any_order() {
        let hay = fold("Sở Tư pháp tỉnh Thanh Hóa");
        assert!(matches_all_words(&hay, "so tu phap"));
        assert!(matches_all_words(&hay, "thanh hoa tư"));
        assert!(!matches_all_words(&hay, "so xay dung"));
    }

    #[test]
    fn search_terms_drop_filler_and_tolerate_one_missing_word() {
        let t = search_terms("Giấy khai sinh");
        assert_eq!(t.words, ["khai", "sinh"]);
        assert_eq!(t.min_hits, 2);
        let t = search_terms("thủ tục đăng ký kết hôn");
        assert_eq!(t.words, ["dang", "ky", "ket", "hon"]);
        assert_eq!(t.min_hits, 3);
        assert_eq!(search_terms("khaisinh").words, ["khaisinh"]);
        // Only filler: kept, rather than matching everything.
        assert_eq!(search_terms("thủ tục").words, ["thu", "tuc"]);
        assert!(search_terms("  ").words.is_empty());
        assert_eq!(search_terms("100%_x").words, ["100x"]);
    }

    #[test]
    fn email_addresses_are_masked_in_log_text() {
        assert_eq!(
            mask_emails("550 5.1.1 <kin.ten@example.com>: Recipient address rejected"),
            "550 5.1.1 <***@example.com>: Recipient address rejected"
        );
        assert_eq!(
            mask_emails("to a@b.vn, c.d@e.f.vn"),
            "to ***@b.vn, ***@e.f.vn"
        );
        assert_eq!(
            mask_emails("no address @ here, v1.2"),
            "no address @ here, v1.2"
        );
        assert_eq!(mask_emails(""), "");
    }

    #[test]
    fn normalizes_decomposed_input() {
        let decomposed: String = "Hóa".nfd().collect();
        assert_eq!(normalize(&decomposed), "Hóa");
    }
}
