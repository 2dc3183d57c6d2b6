//! The incremental update that carries a signature (docs/signatures-design.md §3.1): every
//! byte of the input is kept and one revision is appended with
//!
//! - the signature field merged with its widget (`/FT /Sig /Subtype /Widget`, `/F 132`:
//!   printed and locked), invisible (`/Rect [0 0 0 0]`) or a stamp with its appearance;
//! - the signature dictionary (`/Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /M`,
//!   optional `/Name /Reason /Location /ContactInfo`), its `/Contents` a run of zeros the CMS
//!   replaces and its `/ByteRange` a fixed-width placeholder patched in place once the file's
//!   length is known;
//! - the page with the widget in `/Annots` (or the `/Annots` array object), the form with the
//!   field in `/Fields` and `/SigFlags 3` (or the `/Fields` array object), the catalog when the
//!   form is new or inline, or when it lacks the ESIC extension (`/Extensions << /ESIC <<
//!   /BaseVersion /1.7 /ExtensionLevel 1 >> >>`, as pyHanko writes for PAdES) or `/Version`
//!   is below 1.7;
//! - a cross-reference section **of the kind the last one is**: a table (with its trailer)
//!   after a table, an xref stream after a stream, with `/Prev`, `/Size`, `/Root`, `/Info` and
//!   `/ID [first new]`.
//!
//! The input is read by the crate's strict reader ([`crate::pdf`]): no repair of broken files.

use super::serialize::{hex_string, name, text_string, write_object};
use super::{Appearance, SignError, SignatureFields};
use crate::crypto::DigestAlgorithm;
use crate::pdf::lexer::{Dict, Object};
use crate::pdf::{self, Document, PdfError};
use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The `/ByteRange` array's contents before they are known: four numbers of up to ten digits
/// fit in its place (files up to 9,999,999,999 bytes).
const BYTE_RANGE_PLACEHOLDER: &[u8] = b"0 0000000000 0000000000 0000000000";

/// Pages looked at while looking for the one to sign on.
const MAX_PAGE_TREE_NODES: usize = 100_000;
/// Depth of the page tree.
const MAX_PAGE_TREE_DEPTH: usize = 64;

/// A PDF with its signature revision appended, waiting for the CMS: the bytes to sign are
/// final (the `/ByteRange` is patched), only the `/Contents` zeros remain to be replaced.
#[derive(Clone)]
pub struct PreparedPdf {
    bytes: Vec<u8>,
    /// The `/Contents` token, `<` and `>` included: the gap the byte range leaves.
    contents: Range<usize>,
    /// Object numbers of the new signature field and dictionary.
    field_object: u32,
    signature_object: u32,
    field_name: String,
    xref_stream: bool,
}

impl std::fmt::Debug for PreparedPdf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedPdf")
            .field("len", &self.bytes.len())
            .field("contents", &self.contents)
            .field("field_name", &self.field_name)
            .finish_non_exhaustive()
    }
}

impl PreparedPdf {
    /// `[0, b, c, d]`: the signed bytes are `[0, b)` and `[c, c + d)`.
    pub fn byte_range(&self) -> [u64; 4] {
        [
            0,
            self.contents.start as u64,
            self.contents.end as u64,
            (self.bytes.len() - self.contents.end) as u64,
        ]
    }

    /// The signed bytes, in their two parts.
    pub fn signed_parts(&self) -> [&[u8]; 2] {
        [
            &self.bytes[..self.contents.start],
            &self.bytes[self.contents.end..],
        ]
    }

    /// SHA-256 of the signed bytes (the CMS message-digest).
    pub fn digest(&self) -> Vec<u8> {
        DigestAlgorithm::Sha256.digest(&self.signed_parts())
    }

    /// How many bytes of CMS the placeholder holds.
    pub fn capacity(&self) -> usize {
        (self.contents.len() - 2) / 2
    }

    /// The prepared file, `/Contents` still zeros.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The signature field's full name.
    pub fn field_name(&self) -> &str {
        &self.field_name
    }

    /// The object numbers of the signature field (merged with its widget) and of the
    /// signature dictionary.
    pub fn objects(&self) -> (u32, u32) {
        (self.field_object, self.signature_object)
    }

    /// Whether the new revision has an xref stream (else a table).
    pub fn uses_xref_stream(&self) -> bool {
        self.xref_stream
    }

    /// A prepared file kept while a remote signer answers (the bytes must never be rebuilt):
    /// `bytes` as [`PreparedPdf::bytes`] gave them and the [`PreparedPdf::byte_range`] they
    /// had. Refused unless the gap is still an empty `/Contents` placeholder (`<00…>`).
    pub fn resume(bytes: Vec<u8>, byte_range: [u64; 4]) -> Result<PreparedPdf, SignError> {
        let broken = || SignError::Unsupported("tệp đã chuẩn bị để ký không còn nguyên vẹn");
        let [zero, b, c, d] = byte_range.map(|n| usize::try_from(n).unwrap_or(usize::MAX));
        if zero != 0 || b + 2 > c || c.checked_add(d) != Some(bytes.len()) {
            return Err(broken());
        }
        let gap = &bytes[b..c];
        if gap.first() != Some(&b'<')
            || gap.last() != Some(&b'>')
            || gap[1..gap.len() - 1].iter().any(|&x| x != b'0')
            || !(gap.len() - 2).is_multiple_of(2)
        {
            return Err(broken());
        }
        Ok(PreparedPdf {
            bytes,
            contents: b..c,
            field_object: 0,
            signature_object: 0,
            field_name: String::new(),
            xref_stream: false,
        })
    }

    /// The signed file: `cms` (DER) hex-encoded into the placeholder, zeros after it.
    pub fn embed(mut self, cms: &[u8]) -> Result<Vec<u8>, SignError> {
        let capacity = self.capacity();
        if cms.len() > capacity {
            return Err(SignError::ContentsTooSmall {
                needed: cms.len(),
                capacity,
            });
        }
        let at = self.contents.start + 1;
        let digits = hex::encode(cms);
        self.bytes[at..at + digits.len()].copy_from_slice(digits.as_bytes());
        Ok(self.bytes)
    }
}

/// `pdf` read by the crate's strict reader, within the default limits.
pub(super) fn parse(pdf: &[u8]) -> Result<Document<'_>, SignError> {
    let limits = crate::Limits::default();
    if pdf.len() > limits.max_input_bytes {
        return Err(SignError::TooLarge(limits.max_input_bytes));
    }
    Document::parse(
        pdf,
        pdf::Limits {
            max_sections: limits.max_sections,
            max_stream_bytes: limits.max_stream_bytes,
            max_fields: limits.max_fields,
            max_field_depth: limits.max_field_depth,
            deadline: Instant::now() + limits.budget,
        },
    )
    .map_err(SignError::Unreadable)
}

/// Appends the signature revision to `pdf`, with room for `capacity` bytes of CMS.
pub fn prepare(
    pdf: &[u8],
    fields: &SignatureFields,
    capacity: usize,
) -> Result<PreparedPdf, SignError> {
    let doc = parse(pdf)?;
    Update::new(&doc, fields, capacity)?.write()
}

/// The visible box of each page of `pdf`, in page order (PDF user space, points: `[x1 y1 x2
/// y2]`, normalised so that `x1 < x2` and `y1 < y2`): its `/CropBox`, else its `/MediaBox`,
/// inherited from the page tree as PDF allows; A4 when neither is readable. Lets a caller place
/// a stamp in a corner of a page.
pub fn page_boxes(pdf: &[u8]) -> Result<Vec<[f64; 4]>, SignError> {
    let doc = parse(pdf)?;
    Ok(pages(&doc)?.into_iter().map(|(_, b)| b).collect())
}

/// Each page's object number and visible box, in page order ([`page_boxes`]).
fn pages(doc: &Document<'_>) -> Result<Vec<(u32, [f64; 4])>, SignError> {
    const A4: [f64; 4] = [0.0, 0.0, 595.0, 842.0];
    let trailer = doc.trailer();
    let Some(Object::Ref(root, _)) = trailer.get(b"Root").cloned() else {
        return Err(SignError::Unsupported(
            "/Root của trailer không phải tham chiếu",
        ));
    };
    let dict = |number: u32| match doc.resolve(number).map_err(SignError::Unreadable)? {
        Some(pdf::Resolved {
            object: Object::Dict(dict),
            stream: None,
            ..
        }) => Ok(dict),
        _ => Err(SignError::Unsupported("đối tượng không phải từ điển")),
    };
    let rectangle = |value: Option<&Object>| rectangle(doc, value);
    let catalog = dict(root)?;
    let Some(pages @ Object::Ref(..)) = catalog.get(b"Pages").cloned() else {
        return Err(SignError::Unsupported("/Pages của catalog sai"));
    };
    // Depth-first, in page order, each node with the boxes it inherits.
    let mut stack = vec![(pages, 0usize, None::<[f64; 4]>, None::<[f64; 4]>)];
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    while let Some((node, depth, media, crop)) = stack.pop() {
        let Object::Ref(number, _) = node else {
            return Err(SignError::Unsupported(
                "nút của cây trang không phải tham chiếu",
            ));
        };
        if !seen.insert(number) || seen.len() > MAX_PAGE_TREE_NODES || depth > MAX_PAGE_TREE_DEPTH {
            return Err(SignError::Unsupported("cây trang sai"));
        }
        let node = dict(number)?;
        let media = rectangle(node.get(b"MediaBox")).or(media);
        let crop = rectangle(node.get(b"CropBox")).or(crop);
        match (node.name(b"Type"), node.get(b"Kids")) {
            (Some(b"Page"), _) | (None, None) => out.push((number, crop.or(media).unwrap_or(A4))),
            (_, Some(Object::Array(kids))) => {
                stack.extend(
                    kids.iter()
                        .rev()
                        .map(|k| (k.clone(), depth + 1, media, crop)),
                );
            }
            _ => return Err(SignError::Unsupported("cây trang sai")),
        }
    }
    Ok(out)
}

/// A rectangle `[x1 y1 x2 y2]` (inline or indirect), normalised; `None` when it is not one or
/// is under a point wide or high.
fn rectangle(doc: &Document<'_>, value: Option<&Object>) -> Option<[f64; 4]> {
    let items = match value? {
        Object::Array(items) => items.clone(),
        Object::Ref(n, _) => match doc.resolve(*n).ok()?? {
            pdf::Resolved {
                object: Object::Array(items),
                ..
            } => items,
            _ => return None,
        },
        _ => return None,
    };
    let numbers: Vec<f64> = items
        .iter()
        .filter_map(|o| match o {
            Object::Int(i) => Some(*i as f64),
            Object::Real(r) if r.is_finite() => Some(*r),
            _ => None,
        })
        .collect();
    let [a, b, c, d] = numbers.as_slice() else {
        return None;
    };
    let r = [a.min(*c), b.min(*d), a.max(*c), b.max(*d)];
    (r[2] - r[0] >= 1.0 && r[3] - r[1] >= 1.0).then_some(r)
}

/// A visible signature found on a page: its widget's box and, when its appearance carries an
/// image this crate drew ([`super::ImageSide`]), where that image sits on the page.
#[derive(Clone, Debug, PartialEq)]
pub struct PlacedStamp {
    pub rect: [f64; 4],
    pub image: Option<(super::ImageSide, [f64; 4])>,
}

/// The last page of `pdf` (0-based) and the visible signature widgets on it, in `/Annots`
/// order: where a later stamp (the agency's seal over the signer's image) should go. Widgets
/// this crate did not draw are reported with their box alone.
pub fn last_page_stamps(pdf: &[u8]) -> Result<(usize, Vec<PlacedStamp>), SignError> {
    /// Widgets looked at on the page.
    const MAX_ANNOTS: usize = 1000;
    let doc = parse(pdf)?;
    let pages = pages(&doc)?;
    let Some(&(page, _)) = pages.last() else {
        return Err(SignError::PageNotFound(1));
    };
    let resolve = |object: Option<&Object>| -> Option<(Object, bool)> {
        match object? {
            Object::Ref(n, _) => doc
                .resolve(*n)
                .ok()?
                .map(|r| (r.object, r.stream.is_some())),
            other => Some((other.clone(), false)),
        }
    };
    let dict_of = |object: Option<&Object>| match resolve(object) {
        Some((Object::Dict(d), _)) => Some(d),
        _ => None,
    };
    let page_dict = dict_of(Some(&Object::Ref(page, 0)))
        .ok_or(SignError::Unsupported("trang cuối không phải từ điển"))?;
    let annots = match resolve(page_dict.get(b"Annots")) {
        Some((Object::Array(items), _)) => items,
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for annot in annots.iter().take(MAX_ANNOTS) {
        let Some(widget) = dict_of(Some(annot)) else {
            continue;
        };
        if widget.name(b"Subtype") != Some(b"Widget") || widget.name(b"FT") != Some(b"Sig") {
            continue;
        }
        let Some(rect) = rectangle(&doc, widget.get(b"Rect")) else {
            continue;
        };
        let image = (|| {
            let form = dict_of(dict_of(widget.get(b"AP"))?.get(b"N"))?;
            let xobjects = dict_of(dict_of(form.get(b"Resources"))?.get(b"XObject"))?;
            super::ImageSide::ALL.into_iter().find_map(|side| {
                let image = dict_of(xobjects.get(side.resource_name()))?;
                let width = u32::try_from(image.int(b"Width")?).ok()?;
                let height = u32::try_from(image.int(b"Height")?).ok()?;
                Some((
                    side,
                    super::appearance::image_rect(rect, side, width, height)?,
                ))
            })
        })();
        out.push(PlacedStamp { rect, image });
    }
    Ok((pages.len() - 1, out))
}

/// What [`check_signable`] found in a PDF that can be signed.
#[derive(Clone, Debug, PartialEq)]
pub struct Signable {
    /// Its pages' visible boxes, in order (at least one).
    pub pages: Vec<[f64; 4]>,
}

/// Parsers recurse; a hostile file must not overflow a small thread stack.
const CHECK_STACK_BYTES: usize = 32 * 1024 * 1024;

/// Whether `pdf` can be signed later, checked as a signature would check it and thrown away:
/// read by the crate's strict reader (no repair), its pages found, not encrypted, not certified
/// against any change (DocMDP P=1), and an invisible signature revision prepared on its first
/// page. For an upload that must be signable when it is needed (an appendix the agency signs
/// at issue). Every file is hostile: the work runs on its own thread with a large stack and the
/// default [`crate::Limits`]' deadline, and a panic is caught and reported as an error.
pub fn check_signable(pdf: &[u8]) -> Result<Signable, SignError> {
    let budget = crate::Limits::default().budget;
    let bytes = pdf.to_vec();
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name("tinhso-pades-check".into())
        .stack_size(CHECK_STACK_BYTES)
        .spawn(move || {
            let result = std::panic::catch_unwind(|| signable_here(&bytes)).unwrap_or(Err(
                SignError::Unsupported("lỗi nội bộ khi đọc tệp (đã được chặn lại)"),
            ));
            let _ = tx.send(result);
        });
    if spawned.is_err() {
        return Err(SignError::Unsupported("không tạo được luồng để đọc tệp"));
    }
    match rx.recv_timeout(budget + Duration::from_millis(250)) {
        Ok(result) => result,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            Err(SignError::Unreadable(PdfError::OverBudget))
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(SignError::Unsupported(
            "lỗi nội bộ khi đọc tệp (đã được chặn lại)",
        )),
    }
}

/// [`check_signable`]'s work, on its thread.
fn signable_here(pdf: &[u8]) -> Result<Signable, SignError> {
    if !pdf.starts_with(b"%PDF-") {
        return Err(SignError::Unreadable(PdfError::NotPdf));
    }
    let pages = page_boxes(pdf)?;
    if pages.is_empty() {
        return Err(SignError::PageNotFound(1));
    }
    prepare(pdf, &SignatureFields::new(UNIX_EPOCH), 16)?;
    Ok(Signable { pages })
}

/// Where a dictionary or array value lives.
enum Place<T> {
    Missing,
    Inline(T),
    Indirect(u32, u16, T),
}

/// The update being assembled.
struct Update<'d, 'a> {
    doc: &'d Document<'a>,
    fields: &'d SignatureFields,
    capacity: usize,
    next_number: u32,
    /// Changed or new objects (not the signature dictionary, written by hand), by number.
    objects: BTreeMap<u32, (u16, Vec<u8>)>,
}

impl<'d, 'a> Update<'d, 'a> {
    fn new(
        doc: &'d Document<'a>,
        fields: &'d SignatureFields,
        capacity: usize,
    ) -> Result<Update<'d, 'a>, SignError> {
        let trailer = doc.trailer();
        if trailer.get(b"Encrypt").is_some() {
            return Err(SignError::Encrypted);
        }
        if crate::changes::docmdp_permission(doc) == Some(1) {
            return Err(SignError::DocMdpForbids);
        }
        let size = trailer
            .int(b"Size")
            .and_then(|s| u32::try_from(s).ok())
            .filter(|s| (1..8_000_000).contains(s))
            .ok_or(SignError::Unsupported("/Size của trailer sai"))?;
        if !(1..=1 << 20).contains(&capacity) {
            return Err(SignError::Unsupported("kích thước chỗ dành cho chữ ký sai"));
        }
        Ok(Update {
            doc,
            fields,
            capacity,
            next_number: size,
            objects: BTreeMap::new(),
        })
    }

    fn allocate(&mut self) -> u32 {
        let number = self.next_number;
        self.next_number += 1;
        number
    }

    fn resolve_dict(&self, number: u32) -> Result<Dict, SignError> {
        match self.doc.resolve(number).map_err(SignError::Unreadable)? {
            Some(pdf::Resolved {
                object: Object::Dict(dict),
                stream: None,
                ..
            }) => Ok(dict),
            _ => Err(SignError::Unsupported("đối tượng không phải từ điển")),
        }
    }

    fn resolve_array(&self, number: u32) -> Result<Vec<Object>, SignError> {
        match self.doc.resolve(number).map_err(SignError::Unreadable)? {
            Some(pdf::Resolved {
                object: Object::Array(items),
                ..
            }) => Ok(items),
            _ => Err(SignError::Unsupported("đối tượng không phải mảng")),
        }
    }

    /// Records object `number` as `object`.
    fn put(&mut self, number: u32, generation: u16, object: &Object) {
        let mut body = Vec::new();
        write_object(&mut body, object);
        self.objects.insert(number, (generation, body));
    }

    fn write(mut self) -> Result<PreparedPdf, SignError> {
        let trailer = self.doc.trailer().clone();
        let Some(Object::Ref(root_number, root_generation)) = trailer.get(b"Root").cloned() else {
            return Err(SignError::Unsupported(
                "/Root của trailer không phải tham chiếu",
            ));
        };
        let mut catalog = self.resolve_dict(root_number)?;
        let (page_number, page_generation, mut page) = self.page(&catalog)?;
        let mut catalog_changed = false;

        // The form and the field's name.
        let form = match catalog.get(b"AcroForm") {
            None | Some(Object::Null) => Place::Missing,
            Some(Object::Dict(d)) => Place::Inline(d.clone()),
            Some(Object::Ref(n, g)) => Place::Indirect(*n, *g, self.resolve_dict(*n)?),
            Some(_) => return Err(SignError::Unsupported("/AcroForm sai")),
        };
        let form_dict = match &form {
            Place::Missing => Dict::default(),
            Place::Inline(d) | Place::Indirect(_, _, d) => d.clone(),
        };
        let mut field_list = match form_dict.get(b"Fields") {
            None | Some(Object::Null) => Place::Missing,
            Some(Object::Array(items)) => Place::Inline(items.clone()),
            Some(Object::Ref(n, g)) => Place::Indirect(*n, *g, self.resolve_array(*n)?),
            Some(_) => return Err(SignError::Unsupported("/Fields sai")),
        };
        let existing = match &field_list {
            Place::Missing => Vec::new(),
            Place::Inline(items) | Place::Indirect(_, _, items) => items.clone(),
        };
        let field_name = self.field_name(&existing)?;

        // New objects.
        let field_number = self.allocate();
        let signature_number = self.allocate();
        let appearance_number = match &self.fields.appearance {
            Appearance::Invisible => None,
            Appearance::Stamp(_) => Some(self.allocate()),
        };

        // The field in the form.
        let field_ref = Object::Ref(field_number, 0);
        let mut new_form = form_dict.clone();
        let mut form_changed = false;
        match &mut field_list {
            Place::Indirect(n, g, items) => {
                items.push(field_ref.clone());
                let (n, g, array) = (*n, *g, Object::Array(items.clone()));
                self.put(n, g, &array);
            }
            Place::Inline(items) => {
                items.push(field_ref.clone());
                set(&mut new_form, b"Fields", Object::Array(items.clone()));
                form_changed = true;
            }
            Place::Missing => {
                set(
                    &mut new_form,
                    b"Fields",
                    Object::Array(vec![field_ref.clone()]),
                );
                form_changed = true;
            }
        }
        let sig_flags = new_form.int(b"SigFlags").unwrap_or(0);
        if sig_flags & 3 != 3 {
            set(&mut new_form, b"SigFlags", Object::Int(sig_flags | 3));
            form_changed = true;
        }
        match &form {
            Place::Missing => {
                let number = self.allocate();
                self.put(number, 0, &Object::Dict(new_form));
                set(&mut catalog, b"AcroForm", Object::Ref(number, 0));
                catalog_changed = true;
            }
            Place::Inline(_) => {
                if form_changed {
                    set(&mut catalog, b"AcroForm", Object::Dict(new_form));
                    catalog_changed = true;
                }
            }
            Place::Indirect(n, g, _) => {
                if form_changed {
                    let (n, g) = (*n, *g);
                    self.put(n, g, &Object::Dict(new_form));
                }
            }
        }

        // The widget on its page.
        match page.get(b"Annots").cloned() {
            None | Some(Object::Null) => {
                set(&mut page, b"Annots", Object::Array(vec![field_ref.clone()]));
                self.put(page_number, page_generation, &Object::Dict(page.clone()));
            }
            Some(Object::Array(mut items)) => {
                items.push(field_ref.clone());
                set(&mut page, b"Annots", Object::Array(items));
                self.put(page_number, page_generation, &Object::Dict(page.clone()));
            }
            Some(Object::Ref(n, g)) => {
                let mut items = self.resolve_array(n)?;
                items.push(field_ref.clone());
                self.put(n, g, &Object::Array(items));
            }
            Some(_) => return Err(SignError::Unsupported("/Annots của trang sai")),
        }

        catalog_changed |= self.catalog_extensions(&mut catalog);
        if catalog_changed {
            self.put(root_number, root_generation, &Object::Dict(catalog));
        }

        // The field merged with its widget, and its appearance.
        let mut widget = Dict::default();
        set(&mut widget, b"Type", name("Annot"));
        set(&mut widget, b"Subtype", name("Widget"));
        set(&mut widget, b"FT", name("Sig"));
        set(&mut widget, b"T", text_string(&field_name));
        set(&mut widget, b"V", Object::Ref(signature_number, 0));
        set(&mut widget, b"P", Object::Ref(page_number, page_generation));
        set(&mut widget, b"F", Object::Int(132));
        match (&self.fields.appearance, appearance_number) {
            (Appearance::Stamp(stamp), Some(number)) => {
                let rect = stamp.rect.iter().map(|v| Object::Real(*v)).collect();
                set(&mut widget, b"Rect", Object::Array(rect));
                let mut ap = Dict::default();
                set(&mut ap, b"N", Object::Ref(number, 0));
                set(&mut widget, b"AP", Object::Dict(ap));
                let stamp = stamp.clone();
                let objects = super::appearance::objects(&stamp, number, &mut || self.allocate())?;
                for (object, body) in objects {
                    self.objects.insert(object, (0, body));
                }
            }
            _ => {
                let zero = vec![Object::Int(0); 4];
                set(&mut widget, b"Rect", Object::Array(zero));
            }
        }
        self.put(field_number, 0, &Object::Dict(widget));

        self.assemble(&trailer, signature_number, field_number, field_name)
    }

    /// The page to sign on (0-based `fields.page`), with its object number and generation.
    fn page(&self, catalog: &Dict) -> Result<(u32, u16, Dict), SignError> {
        let wanted = self.fields.page;
        let Some(root @ Object::Ref(..)) = catalog.get(b"Pages") else {
            return Err(SignError::Unsupported("/Pages của catalog sai"));
        };
        // Depth-first, in page order: the stack holds the kids still to visit, last first.
        let mut stack = vec![(root.clone(), 0usize)];
        let mut seen = HashSet::new();
        let mut index = 0usize;
        while let Some((node, depth)) = stack.pop() {
            let Object::Ref(number, generation) = node else {
                return Err(SignError::Unsupported(
                    "nút của cây trang không phải tham chiếu",
                ));
            };
            if !seen.insert(number)
                || seen.len() > MAX_PAGE_TREE_NODES
                || depth > MAX_PAGE_TREE_DEPTH
            {
                return Err(SignError::Unsupported("cây trang sai"));
            }
            let dict = self.resolve_dict(number)?;
            match (dict.name(b"Type"), dict.get(b"Kids")) {
                (Some(b"Page"), _) | (None, None) => {
                    if index == wanted {
                        return Ok((number, generation, dict));
                    }
                    index += 1;
                }
                (_, Some(Object::Array(kids))) => {
                    stack.extend(kids.iter().rev().map(|k| (k.clone(), depth + 1)));
                }
                _ => return Err(SignError::Unsupported("cây trang sai")),
            }
        }
        Err(SignError::PageNotFound(wanted + 1))
    }

    /// The requested name if free, else `Signature<n>` with the first free `n`.
    fn field_name(&self, fields: &[Object]) -> Result<String, SignError> {
        let mut taken = HashSet::new();
        for field in fields {
            if let Ok(Some(pdf::Resolved {
                object: Object::Dict(d),
                ..
            })) = self.doc.deref(field)
                && let Some(Object::String { bytes, .. }) = d.get(b"T")
            {
                taken.insert(pdf::text_string(bytes));
            }
        }
        match &self.fields.field_name {
            Some(wanted) => {
                if wanted.is_empty() || wanted.contains('.') || wanted.chars().count() > 100 {
                    return Err(SignError::FieldName(wanted.clone()));
                }
                if taken.contains(wanted) {
                    return Err(SignError::FieldExists(wanted.clone()));
                }
                Ok(wanted.clone())
            }
            None => Ok((1..)
                .map(|n| format!("Signature{n}"))
                .find(|n| !taken.contains(n))
                .unwrap_or_default()),
        }
    }

    /// Adds the ESIC extension and `/Version /1.7` where missing; whether the catalog changed.
    fn catalog_extensions(&self, catalog: &mut Dict) -> bool {
        let mut changed = false;
        let mut esic = Dict::default();
        set(&mut esic, b"BaseVersion", name("1.7"));
        set(&mut esic, b"ExtensionLevel", Object::Int(1));
        match catalog.get(b"Extensions").cloned() {
            None => {
                let mut extensions = Dict::default();
                set(&mut extensions, b"ESIC", Object::Dict(esic));
                set(catalog, b"Extensions", Object::Dict(extensions));
                changed = true;
            }
            Some(Object::Dict(mut extensions)) if extensions.get(b"ESIC").is_none() => {
                set(&mut extensions, b"ESIC", Object::Dict(esic));
                set(catalog, b"Extensions", Object::Dict(extensions));
                changed = true;
            }
            _ => {}
        }
        let header = version(self.doc.bytes.get(5..8).unwrap_or_default());
        let declared = catalog.name(b"Version").and_then(version);
        let effective = header.max(declared);
        if effective < Some((1, 7)) {
            set(catalog, b"Version", name("1.7"));
            changed = true;
        }
        changed
    }

    /// The new revision's bytes: the objects, the signature dictionary, the cross-reference
    /// section and trailer; then the byte range patched.
    fn assemble(
        mut self,
        trailer: &Dict,
        signature_number: u32,
        field_number: u32,
        field_name: String,
    ) -> Result<PreparedPdf, SignError> {
        let input = self.doc.bytes;
        let mut out = Vec::with_capacity(input.len() + 2 * self.capacity + 8192);
        out.extend_from_slice(input);
        if !matches!(out.last(), Some(b'\n' | b'\r')) {
            out.push(b'\n');
        }
        let mut offsets: BTreeMap<u32, (usize, u16)> = BTreeMap::new();
        let objects = std::mem::take(&mut self.objects);
        let mut byte_range_at = 0;
        let mut contents = 0..0;
        let mut signature_written = false;
        let mut write_signature = |out: &mut Vec<u8>, offsets: &mut BTreeMap<u32, (usize, u16)>| {
            offsets.insert(signature_number, (out.len(), 0));
            out.extend_from_slice(format!("{signature_number} 0 obj\n").as_bytes());
            let (dict, range_at, contents_at) = self.signature_dictionary();
            byte_range_at = out.len() + range_at;
            contents = out.len() + contents_at.start..out.len() + contents_at.end;
            out.extend_from_slice(&dict);
            out.extend_from_slice(b"\nendobj\n");
        };
        for (number, (generation, body)) in &objects {
            if *number > signature_number && !signature_written {
                write_signature(&mut out, &mut offsets);
                signature_written = true;
            }
            offsets.insert(*number, (out.len(), *generation));
            out.extend_from_slice(format!("{number} {generation} obj\n").as_bytes());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
        }
        if !signature_written {
            write_signature(&mut out, &mut offsets);
        }

        let previous = self.doc.sections[0].offset;
        let is_stream = self.doc.sections[0].is_stream;
        let id = document_id(trailer, input);
        if is_stream {
            let number = self.allocate();
            xref_stream(&mut out, &mut offsets, trailer, number, previous, &id);
        } else {
            xref_table(&mut out, &offsets, trailer, self.next_number, previous, &id);
        }

        // The byte range, now that the length is known.
        let text = format!(
            "0 {} {} {}",
            contents.start,
            contents.end,
            out.len() - contents.end
        );
        if text.len() > BYTE_RANGE_PLACEHOLDER.len() {
            return Err(SignError::TooLarge(9_999_999_999));
        }
        let padded = format!("{text:<width$}", width = BYTE_RANGE_PLACEHOLDER.len());
        out[byte_range_at..byte_range_at + padded.len()].copy_from_slice(padded.as_bytes());
        Ok(PreparedPdf {
            bytes: out,
            contents,
            field_object: field_number,
            signature_object: signature_number,
            field_name,
            xref_stream: is_stream,
        })
    }

    /// The signature dictionary's bytes, where its byte range's numbers start and where its
    /// `/Contents` token is (relative to the dictionary).
    fn signature_dictionary(&self) -> (Vec<u8>, usize, Range<usize>) {
        let f = self.fields;
        let mut out = Vec::new();
        out.extend_from_slice(
            b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /M ",
        );
        write_object(&mut out, &text_string(&pdf_date(f.signing_time)));
        for (key, value) in [
            (&b"Name"[..], &f.signer_name),
            (&b"Reason"[..], &f.reason),
            (&b"Location"[..], &f.location),
            (&b"ContactInfo"[..], &f.contact_info),
        ] {
            if let Some(value) = value {
                out.push(b' ');
                super::serialize::write_name(&mut out, key);
                out.push(b' ');
                write_object(&mut out, &text_string(value));
            }
        }
        out.extend_from_slice(b" /ByteRange [");
        let range_at = out.len();
        out.extend_from_slice(BYTE_RANGE_PLACEHOLDER);
        out.extend_from_slice(b"] /Contents ");
        let start = out.len();
        out.push(b'<');
        out.resize(out.len() + 2 * self.capacity, b'0');
        out.push(b'>');
        let end = out.len();
        out.extend_from_slice(b" >>");
        (out, range_at, start..end)
    }
}

/// Sets `key` (replacing its value, or appended).
pub(super) fn set(dict: &mut Dict, key: &[u8], value: Object) {
    match dict.0.iter_mut().find(|(k, _)| k == key) {
        Some((_, v)) => *v = value,
        None => dict.0.push((key.to_vec(), value)),
    }
}

/// `1.7` → (1, 7).
fn version(text: &[u8]) -> Option<(u8, u8)> {
    match text {
        [major @ b'0'..=b'9', b'.', minor @ b'0'..=b'9'] => Some((major - b'0', minor - b'0')),
        _ => None,
    }
}

/// The first `/ID` string as it was (a new random one if none), and a new second one.
pub(super) fn document_id(trailer: &Dict, input: &[u8]) -> [Vec<u8>; 2] {
    let fresh = || {
        let mut seed = crate::ca::random_bytes(16).unwrap_or_default();
        seed.extend_from_slice(&(input.len() as u64).to_be_bytes());
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        seed.extend_from_slice(&nanos.to_be_bytes());
        DigestAlgorithm::Sha256.digest(&[&seed])[..16].to_vec()
    };
    let first = match trailer.get(b"ID") {
        Some(Object::Array(items)) => match items.first() {
            Some(Object::String { bytes, .. }) if !bytes.is_empty() => bytes.clone(),
            _ => fresh(),
        },
        _ => fresh(),
    };
    [first, fresh()]
}

/// `/Root`, `/Info` and `/ID` for the new trailer.
fn trailer_entries(trailer: &Dict, id: &[Vec<u8>; 2], out: &mut Vec<u8>) {
    for key in [&b"Root"[..], &b"Info"[..]] {
        if let Some(value @ Object::Ref(..)) = trailer.get(key) {
            out.push(b' ');
            super::serialize::write_name(out, key);
            out.push(b' ');
            write_object(out, value);
        }
    }
    out.extend_from_slice(b" /ID [");
    hex_string(out, &id[0]);
    out.push(b' ');
    hex_string(out, &id[1]);
    out.push(b']');
}

/// Runs of consecutive object numbers: `(first, count)`.
fn runs(numbers: impl Iterator<Item = u32>) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for n in numbers {
        match out.last_mut() {
            Some((first, count)) if *first + *count == n => *count += 1,
            _ => out.push((n, 1)),
        }
    }
    out
}

/// A classic `xref` section with its trailer.
pub(super) fn xref_table(
    out: &mut Vec<u8>,
    offsets: &BTreeMap<u32, (usize, u16)>,
    trailer: &Dict,
    size: u32,
    previous: usize,
    id: &[Vec<u8>; 2],
) {
    let at = out.len();
    out.extend_from_slice(b"xref\n");
    for (first, count) in runs(offsets.keys().copied()) {
        out.extend_from_slice(format!("{first} {count}\n").as_bytes());
        for number in first..first + count {
            let (offset, generation) = offsets[&number];
            out.extend_from_slice(format!("{offset:010} {generation:05} n \n").as_bytes());
        }
    }
    let size = size.max(offsets.keys().last().map_or(0, |n| n + 1));
    out.extend_from_slice(format!("trailer\n<< /Size {size}").as_bytes());
    trailer_entries(trailer, id, out);
    out.extend_from_slice(format!(" /Prev {previous} >>\nstartxref\n{at}\n%%EOF\n").as_bytes());
}

/// An xref stream (object `number`, unfiltered: `/W [1 n 2]`), then `startxref`.
pub(super) fn xref_stream(
    out: &mut Vec<u8>,
    offsets: &mut BTreeMap<u32, (usize, u16)>,
    trailer: &Dict,
    number: u32,
    previous: usize,
    id: &[Vec<u8>; 2],
) {
    let at = out.len();
    offsets.insert(number, (at, 0));
    let width = (at.max(1).ilog2() as usize / 8 + 1).max(4);
    let mut data = Vec::new();
    for (offset, generation) in offsets.values() {
        data.push(1);
        data.extend_from_slice(&(*offset as u64).to_be_bytes()[8 - width..]);
        data.extend_from_slice(&generation.to_be_bytes());
    }
    let index: Vec<String> = runs(offsets.keys().copied())
        .iter()
        .map(|(first, count)| format!("{first} {count}"))
        .collect();
    let mut dict = format!(
        "{number} 0 obj\n<< /Type /XRef /Size {} /W [1 {width} 2] /Index [{}]",
        number + 1,
        index.join(" ")
    )
    .into_bytes();
    trailer_entries(trailer, id, &mut dict);
    dict.extend_from_slice(
        format!(" /Prev {previous} /Length {} >>\nstream\n", data.len()).as_bytes(),
    );
    out.extend_from_slice(&dict);
    out.extend_from_slice(&data);
    out.extend_from_slice(format!("\nendstream\nendobj\nstartxref\n{at}\n%%EOF\n").as_bytes());
}

/// `D:YYYYMMDDHHmmSS+07'00'`: the time in Vietnam (UTC+7 all year), as signers read it.
pub fn pdf_date(at: SystemTime) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let local = Duration::from_secs(since.as_secs() + 7 * 3600);
    match der::DateTime::from_unix_duration(local) {
        Ok(d) => format!(
            "D:{:04}{:02}{:02}{:02}{:02}{:02}+07'00'",
            d.year(),
            d.month(),
            d.day(),
            d.hour(),
            d.minutes(),
            d.seconds()
        ),
        Err(_) => "D:19700101070000+07'00'".to_owned(),
    }
}

impl From<PdfError> for SignError {
    fn from(error: PdfError) -> SignError {
        SignError::Unreadable(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_vietnam_time() {
        // 2026-11-29T01:15:30Z is 08:15:30 in Hà Nội.
        let at = UNIX_EPOCH + Duration::from_secs(1_795_914_930);
        assert_eq!(pdf_date(at), "D:20261129081530+07'00'");
    }

    #[test]
    fn runs_group_consecutive_numbers() {
        assert_eq!(
            runs([1, 2, 3, 7, 9, 10].into_iter()),
            vec![(1, 3), (7, 1), (9, 2)]
        );
    }
}
