//! Whether a word is a Vietnamese syllable (onset, rhyme, tone), and how much of a text is.
//! A file's encoding is decided by this (docs/opendata-design.md §5): the same bytes read as
//! windows-1258 and as TCVN3 give text of which only the right reading is mostly syllables
//! ("Tên đơn vị" against "Tªn ®¬n vÞ").
//!
//! The rules, from the written language (Quốc ngữ) rather than a word list:
//! - the onset is one of the 27 written consonant clusters, or none; `gh`, `ngh` and `k` come
//!   only before `e ê i y`, and `c`, `g`, `ng` never before those (`gi` is an onset of its own);
//! - the rhyme is a vowel cluster of the language and a coda among `c ch m n ng nh p t`;
//!   `ă` and `â` need a coda;
//! - one tone mark at most; a syllable closed by `c ch p t` takes only the sắc or nặng tone.

use unicode_normalization::UnicodeNormalization;

const ONSETS: &[&str] = &[
    "ngh", "ch", "gh", "gi", "kh", "ng", "nh", "ph", "qu", "th", "tr", "b", "c", "d", "đ", "g",
    "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x",
];

/// Vowel clusters, toneless.
const NUCLEI: &[&str] = &[
    "a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "ai", "ao", "au", "ay", "âu", "ây",
    "eo", "êu", "ia", "iê", "iu", "oa", "oă", "oe", "oi", "ôi", "ơi", "oo", "ua", "uâ", "uê", "ui",
    "uô", "uơ", "uy", "ưa", "ưi", "ươ", "ưu", "yê", "iêu", "oai", "oao", "oay", "oeo", "uây",
    "uôi", "uya", "uyê", "uyu", "ươi", "ươu", "yêu", "oong", "ôô",
];

/// Clusters that end in a semivowel (`i y o u`) and so take no coda.
const OPEN_ONLY: &[&str] = &[
    "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iu", "oi", "ôi", "ơi", "ua", "ui", "ưa",
    "ưi", "ưu", "iêu", "oai", "oao", "oay", "oeo", "uây", "uôi", "uya", "uyu", "ươi", "ươu", "yêu",
];

/// Clusters that need a coda.
const CLOSED_ONLY: &[&str] = &[
    "ă", "â", "iê", "oă", "uâ", "uô", "ươ", "yê", "uyê", "oo", "ôô",
];

const CODAS: &[&str] = &["", "c", "ch", "m", "n", "ng", "nh", "p", "t"];

const TONES: [char; 5] = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];
const SAC: char = '\u{301}';
const NANG: char = '\u{323}';

fn is_vowel(c: char) -> bool {
    "aăâeêioôơuưy".contains(c)
}

/// Whether `word` (any case, NFC or not) is one Vietnamese syllable.
pub fn is_syllable(word: &str) -> bool {
    let lower: String = word.chars().flat_map(char::to_lowercase).collect();
    let mut tone = None;
    let mut base = String::with_capacity(lower.len());
    for c in lower.nfd() {
        if TONES.contains(&c) {
            if tone.is_some() {
                return false;
            }
            tone = Some(c);
        } else {
            base.push(c);
        }
    }
    let base: String = base.nfc().collect();
    if base.is_empty() || base.chars().count() > 7 {
        return false;
    }
    // Try each onset that fits (longest first), and none: "gìn" is g + in, "gia" is gi + a.
    let onsets = ONSETS
        .iter()
        .copied()
        .filter(|o| base.starts_with(o))
        .chain(std::iter::once(""));
    for onset in onsets {
        let rhyme = &base[onset.len()..];
        if rhyme_fits(onset, rhyme, tone) {
            return true;
        }
    }
    false
}

fn rhyme_fits(onset: &str, rhyme: &str, tone: Option<char>) -> bool {
    let vowels_end = rhyme
        .char_indices()
        .find(|(_, c)| !is_vowel(*c))
        .map_or(rhyme.len(), |(i, _)| i);
    let (nucleus, coda) = rhyme.split_at(vowels_end);
    // "oong" (xoong) and "ôông" spell a long o before ng; they are kept as nuclei "oo", "ôô".
    if nucleus.is_empty() || !NUCLEI.contains(&nucleus) || !CODAS.contains(&coda) {
        return false;
    }
    if coda.is_empty() && CLOSED_ONLY.contains(&nucleus) {
        return false;
    }
    if !coda.is_empty() && OPEN_ONLY.contains(&nucleus) {
        return false;
    }
    if matches!(coda, "c" | "ch" | "p" | "t") && !matches!(tone, Some(SAC) | Some(NANG)) {
        return false;
    }
    // "qu" is followed by a vowel other than u ("quốc", "quy"); "q" is never alone.
    if onset == "qu" && nucleus.starts_with('u') {
        return false;
    }
    let front = nucleus.starts_with(['e', 'ê', 'i', 'y']);
    match onset {
        "k" | "gh" | "ngh" => front,
        "c" | "ng" => !front,
        "g" => !nucleus.starts_with(['e', 'ê']) || nucleus == "i",
        "gi" => !nucleus.starts_with('i'),
        "" => true,
        _ => true,
    }
}

/// How many of `text`'s words carry a letter outside ASCII, and how many of those are
/// Vietnamese syllables. Only such words tell encodings apart: plain ASCII reads the same in
/// every encoding tried. A word is a run of letters; digits and punctuation split words.
pub fn syllable_share(text: &str) -> (usize, usize) {
    let mut words = 0;
    let mut syllables = 0;
    for word in text.split(|c: char| !c.is_alphabetic() && !is_mark(c)) {
        if word.is_ascii() {
            continue;
        }
        words += 1;
        if is_syllable(word) {
            syllables += 1;
        }
    }
    (words, syllables)
}

fn is_mark(c: char) -> bool {
    unicode_normalization::char::is_combining_mark(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_syllables_pass() {
        for w in [
            "Tên",
            "đơn",
            "vị",
            "trường",
            "học",
            "nghiêng",
            "quốc",
            "gia",
            "gì",
            "giữ",
            "khuya",
            "người",
            "Ủy",
            "ban",
            "nhân",
            "dân",
            "tỉnh",
            "huyện",
            "xã",
            "phường",
            "thị",
            "trấn",
            "số",
            "lượng",
            "năm",
            "tháng",
            "ngày",
            "kế",
            "ghế",
            "nghề",
            "của",
            "chuyện",
            "oái",
            "khoảng",
            "ĐẤT",
            "Đai",
            "uống",
            "yêu",
            "ấy",
            "ông",
            "xoong",
            "quyết",
            "toán",
            "giếng",
            "gìn",
            "ngoéo",
            "hoặc",
            "khuỷu",
            "tuần",
        ] {
            assert!(is_syllable(w), "{w}");
        }
        // Decomposed input (as windows-1258 decodes) passes too.
        assert!(is_syllable("tie\u{302}\u{301}ng"));
    }

    #[test]
    fn mojibake_and_foreign_words_fail() {
        for w in [
            "Tªn",
            "®¬n",
            "vÞ",
            "Æ",
            "Ä‘Æ¡n",
            "hoc\u{300}",
            "kà",
            "ca\u{302}",
            "cé",
            "ghà",
            "ngi",
            "ăn\u{301}\u{300}",
            "Straße",
            "tat",
            "hoàc",
            "aaa",
            "bcd",
            "ǎ",
        ] {
            assert!(!is_syllable(w), "{w}");
        }
    }

    #[test]
    fn shares_count_only_words_outside_ascii() {
        assert_eq!(syllable_share("Tên đơn vị, Mã số 123, ID"), (5, 5));
        // "®" and "¬" are not letters: "®¬n" leaves only "n".
        assert_eq!(syllable_share("Tªn ®¬n vÞ"), (2, 0));
        assert_eq!(syllable_share("plain ascii only"), (0, 0));
    }
}
