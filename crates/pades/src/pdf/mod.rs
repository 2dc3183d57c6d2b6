//! A strict PDF revision reader (docs/signatures-design.md §6.1): `startxref` → the newest
//! cross-reference section → `/Prev` …, tables and xref streams, no reconstruction of a broken
//! file. Each section is one revision, which ends at the `%%EOF` that follows it. Objects are
//! read on demand through the merged cross-reference (newest section first).

pub mod lexer;
mod stream;

use lexer::{Dict, Lexer, Object, SyntaxError};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::time::Instant;

/// Bounds for hostile files.
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_sections: usize,
    pub max_stream_bytes: usize,
    pub max_fields: usize,
    pub max_field_depth: usize,
    pub deadline: Instant,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PdfError {
    #[error("không phải tệp PDF")]
    NotPdf,
    #[error("cấu trúc PDF sai: {0}")]
    Syntax(#[from] SyntaxError),
    #[error("cấu trúc PDF sai: {0}")]
    Structure(&'static str),
    #[error("tệp PDF vượt giới hạn xử lý: {0}")]
    Limit(&'static str),
    #[error("quá thời gian cho phép khi đọc tệp PDF")]
    OverBudget,
}

pub type Result<T> = std::result::Result<T, PdfError>;

/// Where an object's bytes are: in the file at an offset, or inside an object stream (whose
/// decoded bytes are not the file's, so no signed byte range can point into them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    File(usize),
    ObjectStream(u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entry {
    Free,
    InUse { offset: usize, generation: u16 },
    Compressed { stream: u32, index: usize },
}

/// One cross-reference section, i.e. one revision of the file.
#[derive(Clone, Debug)]
pub struct Section {
    pub offset: usize,
    /// One past the revision's `%%EOF` and its end-of-line.
    pub end: usize,
    pub is_stream: bool,
    pub trailer: Dict,
    entries: HashMap<u32, Entry>,
}

/// A parsed file: its sections newest first, objects resolved on demand.
pub struct Document<'a> {
    pub bytes: &'a [u8],
    pub sections: Vec<Section>,
    limits: Limits,
    object_streams: RefCell<HashMap<usize, Rc<Vec<u8>>>>,
}

/// An object read through the cross-reference.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub object: Object,
    pub location: Location,
    /// A stream's raw (still encoded) data, as a range of the file.
    pub stream: Option<std::ops::Range<usize>>,
}

impl<'a> Document<'a> {
    /// Reads the cross-reference chain of `bytes`.
    pub fn parse(bytes: &'a [u8], limits: Limits) -> Result<Document<'a>> {
        if !bytes.starts_with(b"%PDF-") {
            return Err(PdfError::NotPdf);
        }
        let mut doc = Document {
            bytes,
            sections: Vec::new(),
            limits,
            object_streams: RefCell::default(),
        };
        let mut next = Some(doc.last_startxref()?);
        let mut seen = HashSet::new();
        while let Some(offset) = next {
            doc.check_budget()?;
            if !seen.insert(offset) {
                return Err(PdfError::Structure("chuỗi /Prev có vòng lặp"));
            }
            if doc.sections.len() >= doc.limits.max_sections {
                return Err(PdfError::Limit("quá nhiều phiên bản"));
            }
            let section = doc.section_at(offset)?;
            next = match section.trailer.get(b"Prev") {
                None => None,
                Some(Object::Int(n)) => Some(offset_in(bytes, *n)?),
                Some(_) => return Err(PdfError::Structure("/Prev sai")),
            };
            doc.sections.push(section);
        }
        Ok(doc)
    }

    fn check_budget(&self) -> Result<()> {
        if Instant::now() > self.limits.deadline {
            Err(PdfError::OverBudget)
        } else {
            Ok(())
        }
    }

    /// The offset named by the last `startxref` in the file's tail.
    fn last_startxref(&self) -> Result<usize> {
        let tail_start = self.bytes.len().saturating_sub(1024);
        let tail = &self.bytes[tail_start..];
        let at = rfind(tail, b"startxref").ok_or(PdfError::Structure("thiếu startxref"))?;
        let mut lexer = Lexer::new(self.bytes, tail_start + at + b"startxref".len());
        let offset = lexer
            .unsigned()
            .ok_or(PdfError::Structure("startxref sai"))?;
        offset_in(self.bytes, i64::try_from(offset).unwrap_or(-1))
    }

    /// The section at `offset`: an `xref` table with its trailer, or an xref stream.
    fn section_at(&self, offset: usize) -> Result<Section> {
        let mut lexer = Lexer::new(self.bytes, offset);
        let (entries, trailer, is_stream, body_end) = if lexer.keyword(b"xref") {
            let mut entries = self.xref_table(&mut lexer)?;
            lexer.expect(b"trailer", "thiếu trailer")?;
            let trailer = lexer.dict(0)?;
            if let Some(at) = trailer.int(b"XRefStm") {
                self.hybrid_entries(at, &mut entries)?;
            }
            (entries, trailer, false, lexer.pos)
        } else {
            let (dict, data, after) = self.indirect_stream_at(offset)?;
            if dict.name(b"Type") != Some(b"XRef") {
                return Err(PdfError::Structure("startxref không trỏ tới bảng xref"));
            }
            let decoded = stream::decode(&dict, data, self.limits.max_stream_bytes)?;
            (stream::xref_entries(&dict, &decoded)?, dict, true, after)
        };
        let end = revision_end(self.bytes, body_end)?;
        Ok(Section {
            offset,
            end,
            is_stream,
            trailer,
            entries,
        })
    }

    /// A hybrid file (as Word writes): the table's `/XRefStm` stream adds the objects the table
    /// leaves out (those in object streams); the table's own entries come first.
    fn hybrid_entries(&self, at: i64, entries: &mut HashMap<u32, Entry>) -> Result<()> {
        let (dict, data, _) = self.indirect_stream_at(offset_in(self.bytes, at)?)?;
        if dict.name(b"Type") != Some(b"XRef") {
            return Err(PdfError::Structure("/XRefStm không trỏ tới xref stream"));
        }
        let decoded = stream::decode(&dict, data, self.limits.max_stream_bytes)?;
        for (number, entry) in stream::xref_entries(&dict, &decoded)? {
            entries.entry(number).or_insert(entry);
        }
        Ok(())
    }

    fn xref_table(&self, lexer: &mut Lexer) -> Result<HashMap<u32, Entry>> {
        let mut entries = HashMap::new();
        while let Some(first) = lexer.unsigned() {
            let count = lexer
                .unsigned()
                .ok_or(PdfError::Structure("bảng xref sai"))?;
            // Each entry takes 20 bytes: a count the file cannot hold is a lie.
            if count > (self.bytes.len() / 18) as u64 {
                return Err(PdfError::Structure("bảng xref sai"));
            }
            for i in 0..count {
                let number = first
                    .checked_add(i)
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or(PdfError::Structure("số đối tượng quá lớn"))?;
                let (Some(offset), Some(generation)) = (lexer.unsigned(), lexer.unsigned()) else {
                    return Err(PdfError::Structure("dòng xref sai"));
                };
                let entry = if lexer.keyword(b"n") {
                    Entry::InUse {
                        offset: usize::try_from(offset).unwrap_or(usize::MAX),
                        generation: u16::try_from(generation).unwrap_or(u16::MAX),
                    }
                } else if lexer.keyword(b"f") {
                    Entry::Free
                } else {
                    return Err(PdfError::Structure("dòng xref sai"));
                };
                entries.insert(number, entry);
            }
        }
        Ok(entries)
    }

    /// `num gen obj << … >> stream … endstream endobj` at `offset`: the dictionary, the raw
    /// stream data and the position after `endobj`.
    fn indirect_stream_at(&self, offset: usize) -> Result<(Dict, &'a [u8], usize)> {
        let (_, _, object, mut lexer) = self.indirect_header(offset)?;
        let Object::Dict(dict) = object else {
            return Err(PdfError::Structure("thiếu từ điển của stream"));
        };
        let data = self.stream_data(&dict, &mut lexer)?;
        lexer.expect(b"endobj", "thiếu endobj")?;
        Ok((dict, data, lexer.pos))
    }

    /// Reads `num gen obj` and the object after it; the lexer is left after the object.
    fn indirect_header(&self, offset: usize) -> Result<(u32, u16, Object, Lexer<'a>)> {
        let mut lexer = Lexer::new(self.bytes, offset);
        let number = lexer.unsigned().and_then(|n| u32::try_from(n).ok());
        let generation = lexer.unsigned().and_then(|n| u16::try_from(n).ok());
        let (Some(number), Some(generation)) = (number, generation) else {
            return Err(PdfError::Structure("xref trỏ sai vị trí đối tượng"));
        };
        lexer.expect(b"obj", "thiếu obj")?;
        let object = lexer.object()?;
        Ok((number, generation, object, lexer))
    }

    /// The raw bytes of a stream whose dictionary was just read; `/Length` must be exact.
    fn stream_data(&self, dict: &Dict, lexer: &mut Lexer<'a>) -> Result<&'a [u8]> {
        lexer.expect(b"stream", "thiếu stream")?;
        let mut start = lexer.pos;
        match self.bytes.get(start..start + 2) {
            Some(b"\r\n") => start += 2,
            Some([b'\n', _]) | Some([b'\r', _]) => start += 1,
            _ => return Err(PdfError::Structure("sau stream phải xuống dòng")),
        }
        let length = match dict.get(b"Length") {
            Some(Object::Int(n)) => *n,
            Some(Object::Ref(num, _)) => self.length_object(*num)?,
            _ => return Err(PdfError::Structure("thiếu /Length")),
        };
        let length = usize::try_from(length).map_err(|_| PdfError::Structure("/Length sai"))?;
        let end = start
            .checked_add(length)
            .filter(|end| *end <= self.bytes.len())
            .ok_or(PdfError::Structure("/Length vượt quá tệp"))?;
        lexer.pos = end;
        lexer.expect(b"endstream", "/Length không khớp endstream")?;
        Ok(&self.bytes[start..end])
    }

    /// An indirect `/Length`: a plain integer object in the file. Not through [`Self::resolve`],
    /// which reads streams, so a length that names its own stream (or an object stream that
    /// holds it) cannot recurse until the stack overflows.
    fn length_object(&self, number: u32) -> Result<i64> {
        let Some(Entry::InUse { offset, generation }) = self.entry(number) else {
            return Err(PdfError::Structure("/Length phải là một số trong tệp"));
        };
        if offset >= self.bytes.len() {
            return Err(PdfError::Structure("xref trỏ ra ngoài tệp"));
        }
        match self.indirect_header(offset)? {
            (n, g, Object::Int(length), _) if (n, g) == (number, generation) => Ok(length),
            _ => Err(PdfError::Structure("/Length phải là một số trong tệp")),
        }
    }

    /// The newest entry for object `number`.
    fn entry(&self, number: u32) -> Option<Entry> {
        self.entry_upto(number, usize::MAX)
    }

    /// The entry for `number` in the revision that ends at `limit` (sections ending later are
    /// ignored).
    fn entry_upto(&self, number: u32, limit: usize) -> Option<Entry> {
        self.sections
            .iter()
            .filter(|s| s.end <= limit)
            .find_map(|s| s.entries.get(&number).copied())
    }

    /// Object `number` through the merged cross-reference; `None` if free or absent.
    pub fn resolve(&self, number: u32) -> Result<Option<Resolved>> {
        self.resolve_upto(number, usize::MAX)
    }

    /// Object `number` as the revision ending at `limit` defines it.
    pub fn resolve_upto(&self, number: u32, limit: usize) -> Result<Option<Resolved>> {
        self.check_budget()?;
        match self.entry_upto(number, limit) {
            None | Some(Entry::Free) => Ok(None),
            Some(Entry::InUse { offset, generation }) => {
                if offset >= self.bytes.len() {
                    return Err(PdfError::Structure("xref trỏ ra ngoài tệp"));
                }
                let (num, generation_read, object, mut lexer) = self.indirect_header(offset)?;
                if (num, generation_read) != (number, generation) {
                    return Err(PdfError::Structure("xref trỏ sai đối tượng"));
                }
                // A stream's data is skipped, checked by its length.
                let mut stream = None;
                if let Object::Dict(dict) = &object
                    && !lexer.keyword(b"endobj")
                {
                    let data = self.stream_data(dict, &mut lexer)?;
                    let start = data.as_ptr() as usize - self.bytes.as_ptr() as usize;
                    stream = Some(start..start + data.len());
                    lexer.expect(b"endobj", "thiếu endobj")?;
                }
                Ok(Some(Resolved {
                    object,
                    location: Location::File(offset),
                    stream,
                }))
            }
            Some(Entry::Compressed { stream, index }) => {
                self.compressed(stream, index, limit).map(|object| {
                    Some(Resolved {
                        object,
                        location: Location::ObjectStream(stream),
                        stream: None,
                    })
                })
            }
        }
    }

    /// The object at `index` in object stream `stream`.
    fn compressed(&self, stream: u32, index: usize, limit: usize) -> Result<Object> {
        let Some(Entry::InUse { offset, .. }) = self.entry_upto(stream, limit) else {
            return Err(PdfError::Structure("object stream không có trong xref"));
        };
        let (dict, data, _) = self.indirect_stream_at(offset)?;
        let decoded = self.object_stream_bytes(offset, &dict, data)?;
        let n = dict.int(b"N").unwrap_or(-1);
        let first = dict.int(b"First").unwrap_or(-1);
        let (Ok(n), Ok(first)) = (usize::try_from(n), usize::try_from(first)) else {
            return Err(PdfError::Structure("object stream thiếu /N hoặc /First"));
        };
        if index >= n || first > decoded.len() {
            return Err(PdfError::Structure("object stream sai"));
        }
        let mut header = Lexer::new(&decoded[..first], 0);
        let mut at = None;
        for i in 0..=index {
            let (Some(_), Some(offset)) = (header.unsigned(), header.unsigned()) else {
                return Err(PdfError::Structure("object stream sai"));
            };
            if i == index {
                at = Some(offset);
            }
        }
        let at = at
            .and_then(|a| usize::try_from(a).ok())
            .and_then(|a| a.checked_add(first))
            .filter(|a| *a < decoded.len())
            .ok_or(PdfError::Structure("object stream sai"))?;
        Ok(Lexer::new(&decoded, at).object()?)
    }

    /// Decoded object streams, by file offset (a later revision may redefine a number).
    fn object_stream_bytes(&self, offset: usize, dict: &Dict, data: &[u8]) -> Result<Rc<Vec<u8>>> {
        if let Some(bytes) = self.object_streams.borrow().get(&offset) {
            return Ok(Rc::clone(bytes));
        }
        let bytes = Rc::new(stream::decode(dict, data, self.limits.max_stream_bytes)?);
        self.object_streams
            .borrow_mut()
            .insert(offset, Rc::clone(&bytes));
        Ok(bytes)
    }

    /// The decoded data of a resolved stream (no filter or Flate only).
    pub fn stream_bytes(&self, resolved: &Resolved) -> Result<Vec<u8>> {
        let (Object::Dict(dict), Some(range)) = (&resolved.object, &resolved.stream) else {
            return Err(PdfError::Structure("không phải stream"));
        };
        stream::decode(
            dict,
            &self.bytes[range.clone()],
            self.limits.max_stream_bytes,
        )
    }

    /// Object numbers that sections ending after `limit` define (or free).
    pub fn numbers_updated_after(&self, limit: usize) -> Vec<u32> {
        let mut numbers: Vec<u32> = self
            .sections
            .iter()
            .filter(|s| s.end > limit)
            .flat_map(|s| s.entries.keys().copied())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        numbers.sort_unstable();
        numbers
    }

    /// The trailer of the revision ending at `limit`.
    pub fn trailer_upto(&self, limit: usize) -> Option<&Dict> {
        self.sections
            .iter()
            .find(|s| s.end <= limit)
            .map(|s| &s.trailer)
    }

    /// `object` itself, or what it refers to (one level).
    pub fn deref(&self, object: &Object) -> Result<Option<Resolved>> {
        match object {
            Object::Ref(num, _) => self.resolve(*num),
            other => Ok(Some(Resolved {
                object: other.clone(),
                location: Location::File(0),
                stream: None,
            })),
        }
    }

    /// The newest trailer.
    pub fn trailer(&self) -> &Dict {
        &self.sections[0].trailer
    }

    /// Every object number in use in the merged cross-reference.
    pub fn object_numbers(&self) -> Vec<u32> {
        let mut numbers: Vec<u32> = self
            .sections
            .iter()
            .flat_map(|s| s.entries.keys().copied())
            .collect::<HashSet<_>>()
            .into_iter()
            .filter(|n| !matches!(self.entry(*n), None | Some(Entry::Free)))
            .collect();
        numbers.sort_unstable();
        numbers
    }

    /// The ends of all revisions, oldest first.
    pub fn revision_ends(&self) -> Vec<usize> {
        let mut ends: Vec<usize> = self.sections.iter().map(|s| s.end).collect();
        ends.sort_unstable();
        ends.dedup();
        ends
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }
}

fn offset_in(bytes: &[u8], offset: i64) -> Result<usize> {
    usize::try_from(offset)
        .ok()
        .filter(|o| *o < bytes.len())
        .ok_or(PdfError::Structure("vị trí xref nằm ngoài tệp"))
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// After a section's body: `startxref N %%EOF` and one end-of-line; returns the position after.
fn revision_end(bytes: &[u8], body_end: usize) -> Result<usize> {
    let mut lexer = Lexer::new(bytes, body_end);
    lexer.expect(b"startxref", "thiếu startxref sau phần xref")?;
    lexer
        .unsigned()
        .ok_or(PdfError::Structure("startxref sai"))?;
    lexer.skip_space_no_comment();
    if bytes.get(lexer.pos..lexer.pos + 5) != Some(b"%%EOF") {
        return Err(PdfError::Structure("thiếu %%EOF sau startxref"));
    }
    let mut end = lexer.pos + 5;
    match bytes.get(end..end + 2) {
        Some(b"\r\n") => end += 2,
        Some([b'\r' | b'\n', ..]) => end += 1,
        _ if bytes.get(end).is_some_and(|b| *b == b'\r' || *b == b'\n') => end += 1,
        _ => {}
    }
    Ok(end)
}

impl Lexer<'_> {
    /// White space only: `%%EOF` is a comment to the lexer but a marker here.
    fn skip_space_no_comment(&mut self) {
        while self
            .buf
            .get(self.pos)
            .is_some_and(|b| lexer::is_whitespace(*b))
        {
            self.pos += 1;
        }
    }
}

/// A signature dictionary found in the document.
#[derive(Clone, Debug)]
pub struct SignatureDictionary {
    pub object: u32,
    /// The field's full name (`/T` of the field and its parents), if it hangs from a field.
    pub field_name: Option<String>,
    pub dict: Dict,
    pub location: Location,
}

/// Every signature dictionary: the `/V` of each `/FT /Sig` field under `/AcroForm /Fields`, and
/// any object of `/Type /Sig` or `/DocTimeStamp` besides.
pub fn signature_dictionaries(doc: &Document) -> Result<Vec<SignatureDictionary>> {
    let mut found = Vec::new();
    let mut walker = FieldWalker {
        doc,
        visited: HashSet::new(),
        found: &mut found,
    };
    walker.walk_catalog()?;
    let known: HashSet<u32> = found.iter().map(|s| s.object).collect();
    for number in doc.object_numbers() {
        if known.contains(&number) {
            continue;
        }
        // One unreadable object elsewhere does not hide the signatures: skip it.
        let resolved = match doc.resolve(number) {
            Ok(Some(resolved)) => resolved,
            Err(PdfError::OverBudget) => return Err(PdfError::OverBudget),
            Ok(None) | Err(_) => continue,
        };
        if let Object::Dict(dict) = &resolved.object
            && matches!(dict.name(b"Type"), Some(b"Sig" | b"DocTimeStamp"))
        {
            found.push(SignatureDictionary {
                object: number,
                field_name: None,
                dict: dict.clone(),
                location: resolved.location,
            });
        }
    }
    Ok(found)
}

struct FieldWalker<'d, 'a> {
    doc: &'d Document<'a>,
    visited: HashSet<u32>,
    found: &'d mut Vec<SignatureDictionary>,
}

impl FieldWalker<'_, '_> {
    fn walk_catalog(&mut self) -> Result<()> {
        let root = self
            .doc
            .trailer()
            .get(b"Root")
            .ok_or(PdfError::Structure("trailer thiếu /Root"))?;
        let catalog = self
            .dict_of(root)?
            .ok_or(PdfError::Structure("/Root sai"))?;
        let Some(form) = catalog.get(b"AcroForm") else {
            return Ok(());
        };
        let Some(form) = self.dict_of(form)? else {
            return Ok(());
        };
        let fields = match form.get(b"Fields") {
            Some(f) => self.doc.deref(f)?.map(|r| r.object),
            None => None,
        };
        if let Some(Object::Array(fields)) = fields {
            for field in &fields {
                self.field(field, None, None, 0)?;
            }
        }
        Ok(())
    }

    fn dict_of(&self, object: &Object) -> Result<Option<Dict>> {
        Ok(self.doc.deref(object)?.and_then(|r| match r.object {
            Object::Dict(d) => Some(d),
            _ => None,
        }))
    }

    fn field(
        &mut self,
        reference: &Object,
        parent_name: Option<&str>,
        inherited_type: Option<&[u8]>,
        depth: usize,
    ) -> Result<()> {
        let limits = self.doc.limits();
        if depth > limits.max_field_depth {
            return Err(PdfError::Limit("cây trường lồng quá sâu"));
        }
        let Object::Ref(number, _) = reference else {
            return Ok(()); // fields are indirect objects; anything else is not a field
        };
        if !self.visited.insert(*number) {
            return Ok(());
        }
        if self.visited.len() > limits.max_fields {
            return Err(PdfError::Limit("quá nhiều trường biểu mẫu"));
        }
        let Some(resolved) = self.doc.resolve(*number)? else {
            return Ok(());
        };
        let Object::Dict(field) = resolved.object else {
            return Ok(());
        };
        let name = self.full_name(&field, parent_name);
        let field_type = field.name(b"FT").or(inherited_type).map(<[u8]>::to_vec);
        if field_type.as_deref() == Some(b"Sig") {
            self.signature_value(&field, *number, resolved.location, name.clone())?;
        }
        if let Some(kids) = field.get(b"Kids") {
            let kids = self.doc.deref(kids)?.map(|r| r.object);
            if let Some(Object::Array(kids)) = kids {
                for kid in &kids {
                    self.field(kid, name.as_deref(), field_type.as_deref(), depth + 1)?;
                }
            }
        }
        Ok(())
    }

    fn full_name(&self, field: &Dict, parent: Option<&str>) -> Option<String> {
        let own = match field.get(b"T") {
            Some(Object::String { bytes, .. }) => Some(text_string(bytes)),
            _ => None,
        };
        match (parent, own) {
            (Some(p), Some(o)) => Some(format!("{p}.{o}")),
            (p, o) => o.or(p.map(str::to_owned)),
        }
    }

    fn signature_value(
        &mut self,
        field: &Dict,
        field_number: u32,
        field_location: Location,
        name: Option<String>,
    ) -> Result<()> {
        let (object, dict, location) = match field.get(b"V") {
            None | Some(Object::Null) => return Ok(()), // an empty signature field
            Some(Object::Dict(d)) => (field_number, d.clone(), field_location),
            Some(Object::Ref(number, _)) => match self.doc.resolve(*number)? {
                Some(Resolved {
                    object: Object::Dict(d),
                    location,
                    ..
                }) => (*number, d, location),
                None
                | Some(Resolved {
                    object: Object::Null,
                    ..
                }) => return Ok(()),
                _ => return Err(PdfError::Structure("/V của trường chữ ký sai")),
            },
            Some(_) => return Err(PdfError::Structure("/V của trường chữ ký sai")),
        };
        if self.found.iter().all(|s| s.object != object) {
            self.found.push(SignatureDictionary {
                object,
                field_name: name,
                dict,
                location,
            });
        }
        Ok(())
    }
}

/// A PDF text string: UTF-16BE with a BOM, UTF-8 with a BOM, else PDFDocEncoding (read as
/// Latin-1, which agrees with it on the printable ASCII names fields use).
pub fn text_string(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xfe, 0xff]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    bytes.iter().map(|b| char::from(*b)).collect()
}
