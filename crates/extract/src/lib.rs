//! The text of official documents: born-digital PDF (lopdf's text extraction, which reads
//! ToUnicode CMaps, so Vietnamese set in embedded fonts comes back as Unicode) and DOCX
//! (`word/document.xml` streamed: paragraphs, `w:t` runs, tabs and breaks), and scans read by
//! Tesseract with its Vietnamese data ([`ocr`]).
//!
//! Every file is hostile until read: input size, decompressed size (zip and stream bombs),
//! pages, characters and time are bounded ([`Limits`]), the work runs on its own thread with a
//! deadline, and a panic inside a parser is caught and reported as [`ExtractError::Crashed`]
//! instead of taking the caller down. This is a leaf crate: its parsers are heavy to compile and
//! nothing here touches the database or the network.

mod docx;
pub mod ocr;
mod pdf;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use unicode_normalization::UnicodeNormalization;

/// What a file is, as its content said (the upload check reads the magic bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pdf,
    Docx,
}

impl Kind {
    /// The kind of a stored file from its checked media type; `None` for what has no text layer
    /// to read (an image is for [`ocr`]).
    pub fn from_media_type(media_type: &str) -> Option<Kind> {
        match media_type {
            "application/pdf" => Some(Kind::Pdf),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => {
                Some(Kind::Docx)
            }
            _ => None,
        }
    }
}

/// How much work one file may cost.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Larger input is refused before parsing (the platform takes 10 MB uploads).
    pub max_input_bytes: usize,
    /// No single stream (a PDF content or font stream, the DOCX body) may inflate beyond this.
    pub max_decompressed_bytes: usize,
    /// Pages read; the rest of a longer PDF is left out and the text marked truncated.
    pub max_pages: u32,
    /// Characters kept; the rest is left out and the text marked truncated.
    pub max_chars: usize,
    /// Wall time for one file; past it the extraction stops with [`ExtractError::OverBudget`].
    pub budget: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: 16 * 1024 * 1024,
            max_decompressed_bytes: 64 * 1024 * 1024,
            max_pages: 500,
            max_chars: 2_000_000,
            budget: Duration::from_secs(5),
        }
    }
}

/// The text read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// NFC-normalised, without control characters other than newline and tab (PostgreSQL
    /// refuses NUL in text).
    pub text: String,
    /// Pages in the file (a DOCX counts as one: its pagination is the word processor's).
    pub pages: u32,
    /// Whether pages or characters beyond the limits were left out.
    pub truncated: bool,
}

impl Extracted {
    /// A PDF whose pages carry (almost) no text is a scan: fewer than 16 letters or digits per
    /// page on average. It is for OCR.
    pub fn is_scan(&self) -> bool {
        let letters = self.text.chars().filter(|c| c.is_alphanumeric()).count();
        letters < 16 * self.pages.max(1) as usize
    }
}

/// Why no text came out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    #[error("the file cannot be read as {kind}: {reason}")]
    Unreadable { kind: &'static str, reason: String },
    #[error("the PDF is encrypted")]
    Encrypted,
    #[error("the file is too large, or inflates beyond {0} bytes")]
    TooLarge(usize),
    #[error("reading the text took longer than {0:?}")]
    OverBudget(Duration),
    #[error("the parser failed on this file (a bug in the parser, caught)")]
    Crashed,
}

impl ExtractError {
    fn unreadable(kind: Kind, reason: impl ToString) -> ExtractError {
        ExtractError::Unreadable {
            kind: match kind {
                Kind::Pdf => "PDF",
                Kind::Docx => "DOCX",
            },
            reason: reason.to_string(),
        }
    }
}

/// The text of `bytes` as `kind`, with the default [`Limits`].
pub fn extract(bytes: &[u8], kind: Kind) -> Result<Extracted, ExtractError> {
    extract_with(bytes, kind, &Limits::default())
}

/// Parsers recurse; a hostile file must not overflow a small thread stack (an overflow aborts
/// the process, which no `catch_unwind` can stop).
const PARSER_STACK_BYTES: usize = 32 * 1024 * 1024;

/// The text of `bytes` as `kind` within `limits`. Runs on a thread of its own with a large
/// stack; the caller waits at most the budget (and a little more) for it. A thread still busy
/// then is left to stop at its next budget check; its result is dropped.
pub fn extract_with(bytes: &[u8], kind: Kind, limits: &Limits) -> Result<Extracted, ExtractError> {
    if bytes.len() > limits.max_input_bytes {
        return Err(ExtractError::TooLarge(limits.max_input_bytes));
    }
    let input = bytes.to_vec();
    let worker_limits = limits.clone();
    let (tx, rx) = mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name("tinhso-extract".into())
        .stack_size(PARSER_STACK_BYTES)
        .spawn(move || {
            // The last resort: a parser's panic becomes an error, not a dead request or job.
            let result = catch_unwind(AssertUnwindSafe(|| run(&input, kind, &worker_limits)))
                .unwrap_or(Err(ExtractError::Crashed));
            let _ = tx.send(result);
        });
    if spawned.is_err() {
        // No thread to be had (the process is at its limit): read here, still guarded.
        return catch_unwind(AssertUnwindSafe(|| run(bytes, kind, limits)))
            .unwrap_or(Err(ExtractError::Crashed));
    }
    let grace = Duration::from_millis(250);
    match rx.recv_timeout(limits.budget + grace) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(ExtractError::OverBudget(limits.budget)),
        // The thread ended without a word: it died in a way catch_unwind did not see.
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(ExtractError::Crashed),
    }
}

fn run(bytes: &[u8], kind: Kind, limits: &Limits) -> Result<Extracted, ExtractError> {
    match kind {
        Kind::Pdf => pdf::extract(bytes, limits),
        Kind::Docx => docx::extract(bytes, limits),
    }
}

/// Text as it is read, within the character limit and the time budget.
pub(crate) struct Collector {
    text: String,
    chars: usize,
    max_chars: usize,
    truncated: bool,
    deadline: Instant,
    budget: Duration,
}

impl Collector {
    pub(crate) fn new(limits: &Limits) -> Collector {
        Collector {
            text: String::new(),
            chars: 0,
            max_chars: limits.max_chars,
            truncated: false,
            deadline: Instant::now() + limits.budget,
            budget: limits.budget,
        }
    }

    /// Appends `s` without control characters (newline and tab kept), up to the limit.
    pub(crate) fn push(&mut self, s: &str) {
        for c in s.chars() {
            if self.chars >= self.max_chars {
                self.truncated = true;
                return;
            }
            let c = match c {
                // Lines end with \n alone (CRLF from some producers).
                '\r' => continue,
                '\n' | '\t' => c,
                c if c.is_control() => continue,
                // Private-use code points are what a font without a usable ToUnicode gives.
                '\u{E000}'..='\u{F8FF}' | '\u{FFFD}' => continue,
                c => c,
            };
            self.text.push(c);
            self.chars += 1;
        }
    }

    pub(crate) fn push_char(&mut self, c: char) {
        let mut buf = [0u8; 4];
        self.push(c.encode_utf8(&mut buf));
    }

    pub(crate) fn mark_truncated(&mut self) {
        self.truncated = true;
    }

    pub(crate) fn is_full(&self) -> bool {
        self.chars >= self.max_chars
    }

    pub(crate) fn check_time(&self) -> Result<(), ExtractError> {
        if Instant::now() > self.deadline {
            Err(ExtractError::OverBudget(self.budget))
        } else {
            Ok(())
        }
    }

    pub(crate) fn finish(self, pages: u32) -> Extracted {
        Extracted {
            text: tidy(&self.text),
            pages,
            truncated: self.truncated,
        }
    }
}

/// NFC, trailing spaces off each line, at most one empty line in a row.
pub fn tidy(text: &str) -> String {
    let nfc: String = text.nfc().collect();
    let mut out = String::with_capacity(nfc.len());
    let mut blank_run = 0;
    for line in nfc.lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            blank_run += 1;
            if blank_run > 1 || out.is_empty() {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    while out.ends_with('\n') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_collector_drops_controls_and_stops_at_the_limit() {
        let limits = Limits {
            max_chars: 13,
            ..Limits::default()
        };
        let mut c = Collector::new(&limits);
        c.push("Quyết\0 định\u{E001}\r\nsố 12 và còn nữa");
        let out = c.finish(1);
        assert_eq!(out.text, "Quyết định\nsố");
        assert!(out.truncated);
    }

    #[test]
    fn tidy_normalises_to_nfc_and_squeezes_blank_lines() {
        // "Quyết" with the combining marks apart (NFD), as some word processors store it.
        let decomposed = "Quye\u{302}\u{301}t   \n\n\n\ndi\u{323}nh\n\n";
        assert_eq!(tidy(decomposed), "Quyết\n\ndịnh");
    }

    #[test]
    fn a_pdf_with_almost_no_letters_is_a_scan() {
        let scan = Extracted {
            text: " \n 1 \n".into(),
            pages: 2,
            truncated: false,
        };
        assert!(scan.is_scan());
        let born_digital = Extracted {
            text: "Quyết định phê duyệt danh mục thủ tục hành chính".into(),
            pages: 1,
            truncated: false,
        };
        assert!(!born_digital.is_scan());
    }

    #[test]
    fn media_types_name_the_kinds() {
        assert_eq!(Kind::from_media_type("application/pdf"), Some(Kind::Pdf));
        assert_eq!(
            Kind::from_media_type(
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            ),
            Some(Kind::Docx)
        );
        assert_eq!(Kind::from_media_type("image/png"), None);
    }
}
