//! Greedy line breaking over styled runs, measured with the font's real advances.

use crate::fonts::{Face, Fonts};

/// A run of text in one face.
pub(crate) struct Span<'a> {
    pub(crate) face: Face,
    pub(crate) text: &'a str,
}

impl<'a> Span<'a> {
    pub(crate) fn new(face: Face, text: &'a str) -> Self {
        Span { face, text }
    }
}

/// Text in one face placed `x` points from the start of its line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Piece {
    pub(crate) face: Face,
    pub(crate) text: String,
    pub(crate) x: f32,
}

/// One laid-out line.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Line {
    pub(crate) pieces: Vec<Piece>,
    pub(crate) width: f32,
}

enum Token<'a> {
    Word(Face, &'a str),
    Break,
}

/// Breaks `spans` into lines no wider than `max_width`. Words are separated by one space; a
/// newline in the text forces a break; a word wider than the line is cut between characters.
pub(crate) fn wrap(fonts: &Fonts, spans: &[Span], size: f32, max_width: f32) -> Vec<Line> {
    let mut breaker = Breaker {
        fonts,
        size,
        max_width,
        lines: Vec::new(),
        line: Line::default(),
    };
    for token in tokens(spans) {
        match token {
            Token::Break => breaker.flush(),
            Token::Word(face, word) => breaker.word(face, word),
        }
    }
    // A trailing newline should not leave a blank line behind.
    if !breaker.line.pieces.is_empty() {
        breaker.flush();
    }
    breaker.lines
}

fn tokens<'a>(spans: &'a [Span<'a>]) -> impl Iterator<Item = Token<'a>> {
    spans.iter().flat_map(|span| {
        span.text
            .split('\n')
            .enumerate()
            .flat_map(move |(i, part)| {
                let brk = (i > 0).then_some(Token::Break);
                brk.into_iter().chain(
                    part.split_whitespace()
                        .map(move |w| Token::Word(span.face, w)),
                )
            })
    })
}

struct Breaker<'f> {
    fonts: &'f Fonts,
    size: f32,
    max_width: f32,
    lines: Vec<Line>,
    line: Line,
}

impl Breaker<'_> {
    fn flush(&mut self) {
        self.lines.push(std::mem::take(&mut self.line));
    }

    fn word(&mut self, face: Face, word: &str) {
        let width = self.fonts.width(face, word, self.size);
        if !self.line.pieces.is_empty() {
            let space = self.fonts.width(face, " ", self.size);
            if self.line.width + space + width <= self.max_width {
                self.append(face, word, width, space);
                return;
            }
            self.flush();
        }
        if width <= self.max_width {
            self.append(face, word, width, 0.0);
        } else {
            self.cut(face, word);
        }
    }

    /// Adds `word` to the current line. The separating space goes into the previous piece, so
    /// extracted text keeps its word boundaries even where the face changes.
    fn append(&mut self, face: Face, word: &str, width: f32, space: f32) {
        let line = &mut self.line;
        if space > 0.0
            && let Some(last) = line.pieces.last_mut()
        {
            last.text.push(' ');
            if last.face == face {
                last.text.push_str(word);
                line.width += space + width;
                return;
            }
        }
        let x = line.width + space;
        line.pieces.push(Piece {
            face,
            text: word.to_owned(),
            x,
        });
        line.width = x + width;
    }

    /// Cuts an over-long word (a URL, an identifier) into line-sized chunks. Every chunk holds
    /// at least one character, so this always makes progress whatever the width.
    fn cut(&mut self, face: Face, word: &str) {
        let mut chunk = String::new();
        let mut width = 0.0;
        for c in word.chars() {
            let w = self.fonts.char_width(face, c, self.size);
            // Zero-width characters (combining marks) stay with the character before them.
            if !chunk.is_empty() && w > 0.0 && width + w > self.max_width {
                self.append(face, &chunk, width, 0.0);
                self.flush();
                chunk.clear();
                width = 0.0;
            }
            chunk.push(c);
            width += w;
        }
        if !chunk.is_empty() {
            self.append(face, &chunk, width, 0.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str, max: f32) -> Vec<String> {
        let fonts = Fonts::get().unwrap();
        wrap(fonts, &[Span::new(Face::Regular, text)], 10.0, max)
            .into_iter()
            .map(|l| l.pieces.iter().map(|p| p.text.as_str()).collect())
            .collect()
    }

    #[test]
    fn empty_text_has_no_lines() {
        assert!(lines("", 100.0).is_empty());
        assert!(lines("   ", 100.0).is_empty());
    }

    #[test]
    fn words_wrap_at_the_measured_width() {
        let fonts = Fonts::get().unwrap();
        let text = "Đăng ký khai sinh cho trẻ em sinh ra tại Thanh Hóa";
        for line in wrap(fonts, &[Span::new(Face::Regular, text)], 10.0, 80.0) {
            assert!(line.width <= 80.0, "{line:?}");
            let drawn: f32 = line
                .pieces
                .iter()
                .map(|p| fonts.width(p.face, &p.text, 10.0))
                .sum();
            assert!(
                (drawn - line.width).abs() < 0.01,
                "measured and placed widths agree"
            );
        }
        assert_eq!(lines(text, 10_000.0), vec![text.to_owned()]);
    }

    #[test]
    fn long_words_are_cut() {
        let long = "x".repeat(500);
        let out = lines(&long, 50.0);
        assert!(out.len() > 1);
        assert_eq!(out.concat(), long);
    }

    #[test]
    fn tiny_width_still_progresses() {
        assert_eq!(lines("abc", 0.0), vec!["a", "b", "c"]);
    }

    #[test]
    fn newlines_force_breaks() {
        assert_eq!(lines("a\n\nb", 100.0), vec!["a", "", "b"]);
    }

    #[test]
    fn face_change_keeps_the_space() {
        let fonts = Fonts::get().unwrap();
        let spans = [
            Span::new(Face::Bold, "Họ và tên:"),
            Span::new(Face::Regular, "Nhung"),
        ];
        let out = wrap(fonts, &spans, 10.0, 1000.0);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].pieces[0].text, "Họ và tên: ");
        assert_eq!(out[0].pieces[1].text, "Nhung");
    }
}
