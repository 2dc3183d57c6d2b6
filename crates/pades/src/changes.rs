//! What the revisions after a signature change (docs/signatures-design.md §6.5): every object
//! a later section defines is compared with its definition in the signed revision. Allowed,
//! as pyHanko's default policy: new signature fields and widgets with their appearances (a
//! page's `/Annots` and the form's `/Fields` gaining them), signing an empty signature field,
//! filling fields that existed, `/AcroForm` `/Fields /SigFlags /DA /DR`, the catalog's
//! `/AcroForm /DSS /Extensions /Version /Metadata`, the DSS, document timestamps, `/Info` and
//! XMP metadata, xref and object streams. Anything else (content streams, fonts, resources,
//! new non-signature annotations, redefined objects, deletions) is listed.
//!
//! DocMDP: P=1 allows only the DSS, document timestamps and metadata, P=2 the list above, P=3
//! new annotations too. New objects nothing old refers to are harmless by themselves: they show
//! only through a changed object, which is what is judged.

use crate::pdf::lexer::{Dict, Object};
use crate::pdf::{Document, PdfError, Resolved};
use serde::Serialize;
use std::collections::HashSet;

/// What a later revision did, allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Allowed {
    Signature,
    DocumentTimestamp,
    Dss,
    FormFilling,
    Annotation,
    Metadata,
    Catalog,
}

/// The kind of an object changed in a way that is not allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    Catalog,
    Page,
    Pages,
    AcroForm,
    Field,
    Annotation,
    Stream,
    Array,
    Other,
    Deleted,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChangedObject {
    pub object: u32,
    pub kind: ObjectKind,
}

/// The changes part of a report.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ChangesReport {
    /// Revisions after the signed one.
    pub later_revisions: usize,
    pub allowed: Vec<Allowed>,
    /// Objects changed in ways not allowed ("Văn bản đã bị sửa đổi sau khi ký").
    pub disallowed: Vec<ChangedObject>,
    /// The certification signature's DocMDP permission, if any.
    pub docmdp: Option<u8>,
    /// The comparison could not be made (a later revision does not read).
    pub unchecked: bool,
}

impl ChangesReport {
    pub fn modified(&self) -> bool {
        !self.disallowed.is_empty()
    }
}

/// Compares the revision ending at `signed_end` with the whole file under DocMDP `docmdp`.
pub fn analyse(doc: &Document, signed_end: usize, docmdp: Option<u8>) -> ChangesReport {
    let mut report = ChangesReport {
        later_revisions: doc
            .revision_ends()
            .iter()
            .filter(|e| **e > signed_end)
            .count(),
        docmdp,
        ..ChangesReport::default()
    };
    if report.later_revisions == 0 {
        return report;
    }
    let mut diff = Diff {
        doc,
        signed_end,
        permission: docmdp.unwrap_or(2),
        allowed: HashSet::new(),
        disallowed: Vec::new(),
    };
    if diff.run().is_err() {
        report.unchecked = true;
    }
    report.allowed = diff.allowed.into_iter().collect();
    report.allowed.sort();
    report.disallowed = diff.disallowed;
    report
}

struct Diff<'d, 'a> {
    doc: &'d Document<'a>,
    signed_end: usize,
    permission: u8,
    allowed: HashSet<Allowed>,
    disallowed: Vec<ChangedObject>,
}

impl Diff<'_, '_> {
    fn run(&mut self) -> Result<(), PdfError> {
        let old_trailer = self
            .doc
            .trailer_upto(self.signed_end)
            .ok_or(PdfError::Structure("thiếu trailer"))?;
        let old_root = ref_number(old_trailer.get(b"Root"));
        let new_root = ref_number(self.doc.trailer().get(b"Root"));
        let info = [
            ref_number(old_trailer.get(b"Info")),
            ref_number(self.doc.trailer().get(b"Info")),
        ];
        if old_root != new_root {
            self.refuse(new_root.unwrap_or(0), ObjectKind::Catalog);
        }
        let dss = self.dss_numbers(new_root)?;
        for number in self.doc.numbers_updated_after(self.signed_end) {
            let before = self.doc.resolve_upto(number, self.signed_end)?;
            let after = self.doc.resolve(number)?;
            match (before, after) {
                (None, _) => {} // new: judged where something old refers to it
                (Some(_), None) => self.refuse(number, ObjectKind::Deleted),
                (Some(before), Some(after)) => {
                    if !self.same(&before, &after) {
                        let context = Context {
                            number,
                            is_root: Some(number) == old_root,
                            is_info: info.contains(&Some(number)),
                            in_dss: dss.contains(&number),
                        };
                        self.judge(&context, &before.object, &after.object)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn refuse(&mut self, object: u32, kind: ObjectKind) {
        self.disallowed.push(ChangedObject { object, kind });
    }

    fn allow(&mut self, what: Allowed) {
        self.allowed.insert(what);
    }

    /// The same object, ignoring where it sits; streams with the same data.
    fn same(&self, before: &Resolved, after: &Resolved) -> bool {
        let data = |r: &Resolved| r.stream.clone().map(|range| &self.doc.bytes[range]);
        same_object(&before.object, &after.object) && data(before) == data(after)
    }

    /// The DSS dictionary and the arrays and dictionaries it refers to directly.
    fn dss_numbers(&self, root: Option<u32>) -> Result<HashSet<u32>, PdfError> {
        let mut numbers = HashSet::new();
        let Some(catalog) = self.dict_of(root)? else {
            return Ok(numbers);
        };
        let Some(dss) = catalog.get(b"DSS") else {
            return Ok(numbers);
        };
        numbers.extend(ref_number(Some(dss)));
        if let Some(Resolved {
            object: Object::Dict(dss),
            ..
        }) = self.doc.deref(dss)?
        {
            for key in [&b"Certs"[..], b"OCSPs", b"CRLs", b"VRI"] {
                numbers.extend(ref_number(dss.get(key)));
            }
        }
        Ok(numbers)
    }

    fn dict_of(&self, number: Option<u32>) -> Result<Option<Dict>, PdfError> {
        let Some(number) = number else {
            return Ok(None);
        };
        Ok(match self.doc.resolve(number)? {
            Some(Resolved {
                object: Object::Dict(d),
                ..
            }) => Some(d),
            _ => None,
        })
    }

    /// An existing object that changed.
    fn judge(&mut self, at: &Context, before: &Object, after: &Object) -> Result<(), PdfError> {
        let type_name = after.as_dict().and_then(|d| d.name(b"Type")).unwrap_or(b"");
        if at.in_dss || type_name == b"DSS" {
            self.allow(Allowed::Dss);
            return Ok(());
        }
        if matches!(type_name, b"XRef" | b"ObjStm") {
            return Ok(());
        }
        if at.is_info || type_name == b"Metadata" {
            return self.metadata();
        }
        match (before, after) {
            (Object::Dict(b), Object::Dict(a)) => self.judge_dict(at, b, a),
            (Object::Array(b), Object::Array(a)) => self.grown_array(at.number, b, a),
            _ => {
                self.refuse(at.number, ObjectKind::Other);
                Ok(())
            }
        }
    }

    /// `/Info` and XMP metadata: allowed at every DocMDP level, as pyHanko does (its writer
    /// updates `/ModDate` with each DSS or timestamp update); they change nothing shown.
    fn metadata(&mut self) -> Result<(), PdfError> {
        self.allow(Allowed::Metadata);
        Ok(())
    }

    fn judge_dict(&mut self, at: &Context, before: &Dict, after: &Dict) -> Result<(), PdfError> {
        let changed = changed_keys(before, after);
        if at.is_root {
            return self.catalog(at.number, &changed, before, after);
        }
        if before.name(b"Type") == Some(b"Page") {
            return self.page(at.number, &changed, before, after);
        }
        if before.get(b"Fields").is_some() {
            return self.acroform(at.number, &changed, before, after);
        }
        if before.get(b"FT").is_some() || before.name(b"Subtype") == Some(b"Widget") {
            return self.field(at.number, &changed, before);
        }
        let kind = if before.name(b"Type") == Some(b"Pages") {
            ObjectKind::Pages
        } else if before.get(b"Subtype").is_some() && before.get(b"Rect").is_some() {
            ObjectKind::Annotation
        } else if before.get(b"Length").is_some() {
            ObjectKind::Stream
        } else {
            ObjectKind::Other
        };
        self.refuse(at.number, kind);
        Ok(())
    }

    fn catalog(
        &mut self,
        number: u32,
        changed: &[Vec<u8>],
        before: &Dict,
        after: &Dict,
    ) -> Result<(), PdfError> {
        const KEYS: [&[u8]; 5] = [b"AcroForm", b"DSS", b"Extensions", b"Version", b"Metadata"];
        if !changed.iter().all(|k| KEYS.contains(&k.as_slice())) {
            self.refuse(number, ObjectKind::Catalog);
            return Ok(());
        }
        for key in changed {
            self.allow(match key.as_slice() {
                b"DSS" => Allowed::Dss,
                b"Metadata" => Allowed::Metadata,
                _ => Allowed::Catalog,
            });
        }
        if changed.iter().any(|k| k == b"AcroForm") {
            return self.replaced_acroform(number, before.get(b"AcroForm"), after.get(b"AcroForm"));
        }
        Ok(())
    }

    /// The catalog's `/AcroForm` changed value (inline, or pointing elsewhere): the form as
    /// signed against the form now. A form that is the same object changed in place is judged
    /// as that object.
    fn replaced_acroform(
        &mut self,
        number: u32,
        before: Option<&Object>,
        after: Option<&Object>,
    ) -> Result<(), PdfError> {
        let old = self.dict_at(before, self.signed_end)?.unwrap_or_default();
        let Some(new) = self.dict_at(after, usize::MAX)? else {
            self.refuse(number, ObjectKind::AcroForm);
            return Ok(());
        };
        let keys = changed_keys(&old, &new);
        self.acroform(number, &keys, &old, &new)
    }

    fn acroform(
        &mut self,
        number: u32,
        changed: &[Vec<u8>],
        before: &Dict,
        after: &Dict,
    ) -> Result<(), PdfError> {
        const KEYS: [&[u8]; 4] = [b"Fields", b"SigFlags", b"DA", b"DR"];
        if !changed.iter().all(|k| KEYS.contains(&k.as_slice())) {
            self.refuse(number, ObjectKind::AcroForm);
            return Ok(());
        }
        if changed.iter().any(|k| k == b"Fields") {
            return self.replaced_array(number, before.get(b"Fields"), after.get(b"Fields"));
        }
        Ok(())
    }

    fn page(
        &mut self,
        number: u32,
        changed: &[Vec<u8>],
        before: &Dict,
        after: &Dict,
    ) -> Result<(), PdfError> {
        if changed.iter().any(|k| k != b"Annots") {
            self.refuse(number, ObjectKind::Page);
            return Ok(());
        }
        self.replaced_array(number, before.get(b"Annots"), after.get(b"Annots"))
    }

    /// An `/Annots` or `/Fields` value that changed (inline, or another array object): the
    /// array as signed against the array now.
    fn replaced_array(
        &mut self,
        number: u32,
        before: Option<&Object>,
        after: Option<&Object>,
    ) -> Result<(), PdfError> {
        let old = self.array_at(before, self.signed_end)?.unwrap_or_default();
        match self.array_at(after, usize::MAX)? {
            Some(new) => self.grown_array(number, &old, &new),
            None => {
                self.refuse(number, ObjectKind::Array);
                Ok(())
            }
        }
    }

    /// `value` (inline or a reference) as an array, in the revision ending at `limit`.
    fn array_at(
        &self,
        value: Option<&Object>,
        limit: usize,
    ) -> Result<Option<Vec<Object>>, PdfError> {
        Ok(match self.value_at(value, limit)? {
            Some(Object::Array(items)) => Some(items),
            _ => None,
        })
    }

    fn dict_at(&self, value: Option<&Object>, limit: usize) -> Result<Option<Dict>, PdfError> {
        Ok(match self.value_at(value, limit)? {
            Some(Object::Dict(d)) => Some(d),
            _ => None,
        })
    }

    fn value_at(&self, value: Option<&Object>, limit: usize) -> Result<Option<Object>, PdfError> {
        Ok(match value {
            None => None,
            Some(Object::Ref(n, _)) => self.doc.resolve_upto(*n, limit)?.map(|r| r.object),
            Some(other) => Some(other.clone()),
        })
    }

    /// An existing field or widget: signing an empty signature field, or filling a field.
    fn field(&mut self, number: u32, changed: &[Vec<u8>], before: &Dict) -> Result<(), PdfError> {
        const KEYS: [&[u8]; 5] = [b"V", b"AP", b"AS", b"MK", b"F"];
        let is_signature = before.name(b"FT") == Some(b"Sig");
        let was_empty = matches!(before.get(b"V"), None | Some(Object::Null));
        if !changed.iter().all(|k| KEYS.contains(&k.as_slice()))
            || (is_signature && !was_empty)
            || (!is_signature && self.permission == 1)
        {
            self.refuse(number, ObjectKind::Field);
            return Ok(());
        }
        self.allow(if is_signature {
            Allowed::Signature
        } else {
            Allowed::FormFilling
        });
        Ok(())
    }

    /// An array (`/Annots`, `/Fields`) that keeps every old entry and gains only signature
    /// fields or widgets (any annotation under P=3).
    fn grown_array(
        &mut self,
        number: u32,
        before: &[Object],
        after: &[Object],
    ) -> Result<(), PdfError> {
        if !before
            .iter()
            .all(|old| after.iter().any(|new| same_object(old, new)))
        {
            self.refuse(number, ObjectKind::Array);
            return Ok(());
        }
        for added in after
            .iter()
            .filter(|new| !before.iter().any(|old| same_object(old, new)))
        {
            match self.new_entry(added)? {
                Some(what) => self.allow(what),
                None => self.refuse(
                    ref_number(Some(added)).unwrap_or(number),
                    ObjectKind::Annotation,
                ),
            }
        }
        Ok(())
    }

    /// What a new `/Annots` or `/Fields` entry is, when allowed.
    fn new_entry(&self, entry: &Object) -> Result<Option<Allowed>, PdfError> {
        let Some(Resolved {
            object: Object::Dict(dict),
            ..
        }) = self.doc.deref(entry)?
        else {
            return Ok(None);
        };
        if let Some(kind) = self.signature_kind(&dict)? {
            let allowed = self.permission > 1 || kind == Allowed::DocumentTimestamp;
            return Ok(allowed.then_some(kind));
        }
        let annotation = dict.get(b"Subtype").is_some() && dict.get(b"FT").is_none();
        Ok((annotation && self.permission == 3).then_some(Allowed::Annotation))
    }

    /// A signature field or its widget: a signature, or a document timestamp by its value.
    fn signature_kind(&self, dict: &Dict) -> Result<Option<Allowed>, PdfError> {
        let field = if dict.name(b"FT").is_some() {
            Some(dict.clone())
        } else {
            match dict.get(b"Parent") {
                Some(parent) => match self.doc.deref(parent)? {
                    Some(Resolved {
                        object: Object::Dict(d),
                        ..
                    }) => Some(d),
                    _ => None,
                },
                None => None,
            }
        };
        let Some(field) = field.filter(|f| f.name(b"FT") == Some(b"Sig")) else {
            return Ok(None);
        };
        let value_type = match field.get(b"V") {
            Some(v) => match self.doc.deref(v)? {
                Some(Resolved {
                    object: Object::Dict(d),
                    ..
                }) => d.name(b"Type").map(<[u8]>::to_vec),
                _ => None,
            },
            None => None,
        };
        Ok(Some(if value_type.as_deref() == Some(b"DocTimeStamp") {
            Allowed::DocumentTimestamp
        } else {
            Allowed::Signature
        }))
    }
}

/// Where a changed object sits.
struct Context {
    number: u32,
    is_root: bool,
    is_info: bool,
    in_dss: bool,
}

fn ref_number(object: Option<&Object>) -> Option<u32> {
    match object {
        Some(Object::Ref(n, _)) => Some(*n),
        _ => None,
    }
}

/// Keys added, removed or with another value.
fn changed_keys(before: &Dict, after: &Dict) -> Vec<Vec<u8>> {
    let mut keys: Vec<Vec<u8>> = Vec::new();
    for (key, value) in &before.0 {
        if !after.get(key).is_some_and(|v| same_object(v, value)) {
            keys.push(key.clone());
        }
    }
    for (key, _) in &after.0 {
        if before.get(key).is_none() {
            keys.push(key.clone());
        }
    }
    keys
}

/// Structural equality, ignoring where strings were in the file.
pub fn same_object(a: &Object, b: &Object) -> bool {
    match (a, b) {
        (Object::String { bytes: x, .. }, Object::String { bytes: y, .. }) => x == y,
        (Object::Array(x), Object::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_object(p, q))
        }
        (Object::Dict(x), Object::Dict(y)) => {
            x.0.len() == y.0.len()
                && x.0
                    .iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_object(v, w)))
        }
        _ => a == b,
    }
}

/// The certification signature's `/P` (DocMDP), from the catalog's `/Perms /DocMDP`.
pub fn docmdp_permission(doc: &Document) -> Option<u8> {
    let root = doc.trailer().get(b"Root")?;
    let catalog = doc.deref(root).ok()??.object;
    let perms = doc.deref(catalog.as_dict()?.get(b"Perms")?).ok()??.object;
    let signature = doc.deref(perms.as_dict()?.get(b"DocMDP")?).ok()??.object;
    let Some(Object::Array(references)) = signature.as_dict()?.get(b"Reference") else {
        return Some(2);
    };
    for reference in references {
        let reference = doc.deref(reference).ok()??.object;
        let reference = reference.as_dict()?;
        if reference.name(b"TransformMethod") != Some(b"DocMDP") {
            continue;
        }
        let params = reference
            .get(b"TransformParams")
            .and_then(|p| doc.deref(p).ok().flatten())
            .map(|r| r.object);
        let p = params
            .as_ref()
            .and_then(|p| p.as_dict())
            .and_then(|p| p.int(b"P"))
            .unwrap_or(2);
        return u8::try_from(p).ok().filter(|p| (1..=3).contains(p));
    }
    Some(2)
}
