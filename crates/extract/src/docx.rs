//! DOCX text: the body part `word/document.xml`, streamed (never held whole), read within the
//! decompression limit. Paragraphs end lines, `w:t` runs are the text, `w:tab` is a tab and
//! `w:br`/`w:cr` break lines; deleted text (`w:delText`), field codes (`w:instrText`) and tab
//! stop definitions are not text.

use crate::{Collector, ExtractError, Extracted, Kind, Limits};
use quick_xml::Reader;
use quick_xml::events::{BytesRef, Event};
use std::cell::Cell;
use std::io::{BufReader, Cursor, Read};
use std::rc::Rc;

const BODY: &str = "word/document.xml";
/// A real document has a few dozen parts; a zip of thousands is not a document.
const MAX_ENTRIES: usize = 10_000;
/// Elements nested deeper than this are not a word processor's (tables in tables go a few
/// dozen deep at most).
const MAX_DEPTH: usize = 1_000;

pub(crate) fn extract(bytes: &[u8], limits: &Limits) -> Result<Extracted, ExtractError> {
    let unreadable = |e: &dyn std::fmt::Display| ExtractError::unreadable(Kind::Docx, e);
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    if archive.len() > MAX_ENTRIES {
        return Err(unreadable(&"too many parts"));
    }
    let body = archive
        .by_name(BODY)
        .map_err(|_| unreadable(&"no word/document.xml"))?;
    // The declared size may lie; the reader counts what actually comes out.
    let over = Rc::new(Cell::new(false));
    let bounded = Bounded {
        inner: body,
        left: limits.max_decompressed_bytes,
        over: over.clone(),
    };
    let mut xml = Reader::from_reader(BufReader::new(bounded));
    xml.config_mut().check_end_names = false;
    let mut text = Collector::new(limits);
    let mut walk = Walk::default();
    let mut buf = Vec::new();
    let mut events: u32 = 0;
    loop {
        events = events.wrapping_add(1);
        if events.is_multiple_of(4096) {
            text.check_time()?;
        }
        let event = match xml.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(_) if over.get() => {
                return Err(ExtractError::TooLarge(limits.max_decompressed_bytes));
            }
            Err(e) => return Err(unreadable(&e)),
        };
        match event {
            Event::Start(e) => {
                walk.depth += 1;
                if walk.depth > MAX_DEPTH {
                    return Err(unreadable(&"elements nested too deeply"));
                }
                walk.open(e.local_name().as_ref(), &mut text);
            }
            Event::Empty(e) => walk.empty(e.local_name().as_ref(), &mut text),
            Event::End(e) => {
                walk.depth = walk.depth.saturating_sub(1);
                walk.close(e.local_name().as_ref(), &mut text);
            }
            Event::Text(t) if walk.in_text => text.push(&t.xml10_content()),
            Event::CData(t) if walk.in_text => text.push(&t),
            Event::GeneralRef(r) if walk.in_text => {
                if let Some(c) = reference(&r) {
                    text.push_char(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        if text.is_full() {
            text.mark_truncated();
            break;
        }
        buf.clear();
    }
    Ok(text.finish(1))
}

/// Where the walk through the body is.
#[derive(Default)]
struct Walk {
    depth: usize,
    /// Inside `w:t`: its text is the document's.
    in_text: bool,
    /// Inside `w:tabs` (tab stop definitions, whose `w:tab` are not tabs).
    in_tab_stops: bool,
}

impl Walk {
    fn open(&mut self, name: &str, text: &mut Collector) {
        match name {
            "t" => self.in_text = true,
            "tabs" => self.in_tab_stops = true,
            _ => self.empty(name, text),
        }
    }

    fn empty(&mut self, name: &str, text: &mut Collector) {
        match name {
            "tab" if !self.in_tab_stops => text.push("\t"),
            "br" | "cr" => text.push("\n"),
            "noBreakHyphen" => text.push("-"),
            _ => {}
        }
    }

    fn close(&mut self, name: &str, text: &mut Collector) {
        match name {
            "t" => self.in_text = false,
            "tabs" => self.in_tab_stops = false,
            "p" => text.push("\n"),
            // Table cells side by side, rows on their own lines.
            "tc" => text.push("\t"),
            "tr" => text.push("\n"),
            _ => {}
        }
    }
}

/// `&amp;`, `&#7897;`…: the character it stands for, if any.
fn reference(r: &BytesRef<'_>) -> Option<char> {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return Some(c);
    }
    match r.as_ref() {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    }
}

/// A reader that fails once more than `left` bytes came out of it, noting why.
struct Bounded<R> {
    inner: R,
    left: usize,
    over: Rc<Cell<bool>>,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > self.left {
            self.over.set(true);
            return Err(std::io::Error::other("decompressed size limit exceeded"));
        }
        self.left -= n;
        Ok(n)
    }
}
