//! Highlighted snippets on the ORIGINAL text, diacritics kept: each word of the text is folded
//! on its own (as `tinhso_domain::text::fold` folds) and compared with the query's words, so `quyet dinh` marks `Quyết định`. The
//! same code serves both databases (neither `ts_headline` nor FTS5 `snippet` could mark the
//! original, because they only hold the folded text). The output is HTML: the text escaped,
//! matched words inside `<mark>`.

use super::terms::Terms;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The characters of a long text that are scanned for the best window (extracted text may be large).
const SCANNED_CHARS: usize = 200_000;

/// A word of the text: its byte range, and whether it matches a query word.
struct Word {
    start: usize,
    end: usize,
    /// The index of the query word it matches.
    hit: Option<usize>,
}

/// One word folded as [`fold`] folds text (a word holds no space to collapse), into `out`
/// (reused from word to word: a long text has tens of thousands).
fn fold_word(word: &str, out: &mut String) {
    out.clear();
    if word.is_ascii() {
        out.extend(word.chars().map(|c| c.to_ascii_lowercase()));
        return;
    }
    out.extend(
        word.nfd()
            .filter(|c| !is_combining_mark(*c))
            .map(|c| if c == 'đ' || c == 'Đ' { 'd' } else { c })
            .flat_map(char::to_lowercase),
    );
}

fn matched(word: &str, terms: &Terms, folded: &mut String) -> Option<usize> {
    fold_word(word, folded);
    let last = terms.words.len().checked_sub(1)?;
    terms
        .words
        .iter()
        .enumerate()
        .find(|(i, w)| {
            **w == *folded || (terms.prefix_last && *i == last && folded.starts_with(*w))
        })
        .map(|(i, _)| i)
}

fn scan(text: &str, terms: &Terms) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start = None;
    let mut folded = String::new();
    for (at, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        let in_word = at < text.len() && c.is_alphanumeric();
        match (in_word, start) {
            (true, None) => start = Some(at),
            (false, Some(s)) => {
                out.push(Word {
                    start: s,
                    end: at,
                    hit: matched(&text[s..at], terms, &mut folded),
                });
                start = None;
            }
            _ => {}
        }
    }
    out
}

fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
}

/// `text[from..to]` escaped, with the matched words marked.
fn render(text: &str, words: &[Word], from: usize, to: usize) -> String {
    let mut out = String::new();
    let mut at = from;
    for w in words
        .iter()
        .filter(|w| w.hit.is_some() && w.start >= from && w.end <= to)
    {
        escape(&text[at..w.start], &mut out);
        out.push_str("<mark>");
        escape(&text[w.start..w.end], &mut out);
        out.push_str("</mark>");
        at = w.end;
    }
    escape(&text[at..to], &mut out);
    out
}

/// The whole of a (short) text with its matched words marked: for titles.
pub fn highlight(text: &str, terms: &Terms) -> String {
    let words = scan(text, terms);
    render(text, &words, 0, text.len())
}

/// About `max_chars` of `text` around the window holding the most query words, marked, with
/// `…` where it was cut. A text with no match gives its beginning.
pub fn snippet(text: &str, terms: &Terms, max_chars: usize) -> String {
    let scanned = match text.char_indices().nth(SCANNED_CHARS) {
        Some((end, _)) if end < text.len() => &text[..end],
        _ => text,
    };
    let words = scan(scanned, terms);
    let hits: Vec<&Word> = words.iter().filter(|w| w.hit.is_some()).collect();
    let window = max_chars.max(20);
    // The window starting at a hit that holds the most distinct query words (then most hits).
    let mut best = (0usize, 0usize, 0usize); // (distinct, count, index of first hit)
    let mut j = 0;
    for i in 0..hits.len() {
        j = j.max(i);
        while j + 1 < hits.len() && chars_between(scanned, hits[i].start, hits[j + 1].end) <= window
        {
            j += 1;
        }
        let mut seen: Vec<usize> = hits[i..=j].iter().filter_map(|w| w.hit).collect();
        seen.sort_unstable();
        seen.dedup();
        let score = (seen.len(), j + 1 - i);
        if score > (best.0, best.1) {
            best = (score.0, score.1, i);
        }
    }
    let anchor = hits.get(best.2).map_or(0, |w| w.start);
    // Some context before the first hit, starting at a word.
    let before = window / 5;
    let at = words.partition_point(|w| w.start < anchor);
    let from = words[..at]
        .iter()
        .rev()
        .map(|w| w.start)
        .take_while(|s| chars_between(scanned, *s, anchor) <= before)
        .last()
        .unwrap_or(anchor);
    let from = if anchor == 0 { 0 } else { from };
    // Up to `window` characters, ending after a whole word.
    let limit = scanned[from..]
        .char_indices()
        .nth(window)
        .map_or(scanned.len(), |(at, _)| from + at);
    let to = if limit >= scanned.len() {
        scanned.len()
    } else {
        let past = words.partition_point(|w| w.end <= limit);
        words[..past]
            .last()
            .map(|w| w.end)
            .filter(|end| *end > from)
            .unwrap_or(limit)
    };
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    out.push_str(render(scanned, &words, from, to).trim());
    if to < text.len() {
        out.push('…');
    }
    out
}

fn chars_between(text: &str, from: usize, to: usize) -> usize {
    text.get(from..to).map_or(0, |s| s.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_query_marks_the_original_words() {
        let t = Terms::parse("quyet dinh phe duyet");
        assert_eq!(
            highlight("Quyết định phê duyệt quy hoạch", &t),
            "<mark>Quyết</mark> <mark>định</mark> <mark>phê</mark> <mark>duyệt</mark> quy hoạch"
        );
        let prefix = Terms::parse("phe duy");
        assert_eq!(
            highlight("Phê duyệt", &prefix),
            "<mark>Phê</mark> <mark>duyệt</mark>"
        );
    }

    #[test]
    fn text_is_escaped_and_the_window_is_around_the_matches() {
        let t = Terms::parse("ngan sach");
        let body = format!(
            "{} Kế hoạch <b>ngân sách</b> năm 2027 & các khoản chi. {}",
            "Mở đầu dài dòng. ".repeat(30),
            "Phần cuối. ".repeat(30)
        );
        let s = snippet(&body, &t, 80);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(
            s.contains("&lt;b&gt;<mark>ngân</mark> <mark>sách</mark>&lt;/b&gt;"),
            "{s}"
        );
        assert!(s.contains("&amp;"), "{s}");
        assert!(s.chars().count() < 200, "{s}");
    }

    #[test]
    fn no_match_gives_the_beginning_and_short_texts_stay_whole() {
        let t = Terms::parse("khong co");
        assert_eq!(snippet("Văn bản ngắn", &t, 100), "Văn bản ngắn");
        let long = "Từ ".repeat(100);
        let s = snippet(&long, &t, 30);
        assert!(s.starts_with("Từ") && s.ends_with('…'), "{s}");
        assert_eq!(snippet("", &t, 30), "");
    }
}
