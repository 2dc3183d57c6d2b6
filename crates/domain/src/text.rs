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
    fn normalizes_decomposed_input() {
        let decomposed: String = "Hóa".nfd().collect();
        assert_eq!(normalize(&decomposed), "Hóa");
    }
}
