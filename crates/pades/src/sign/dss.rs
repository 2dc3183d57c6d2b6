//! PAdES B-LT (docs/signatures-design.md §3.5, ETSI EN 319 142-1 §5.4): the validation data of
//! a signed PDF's signatures embedded in a new incremental update, every earlier byte kept.
//!
//! The update holds the catalog's Document Security Store:
//!
//! ```text
//! /DSS << /Certs [..] /OCSPs [..] /CRLs [..]
//!         /VRI << /<SHA-1 of a signature's /Contents, upper hex> << /Cert [..] /OCSP [..] /CRL [..] >> >> >>
//! ```
//!
//! Each certificate, OCSP response and CRL is an unfiltered stream of its DER. An existing DSS
//! is extended (its entries kept, what it already holds not repeated, its VRI entries kept);
//! every signature of the file without a VRI entry gets one naming all of the store's data
//! (the signer's and the timestamp's chains share most of it). The cross-reference section is
//! of the kind the last one is, as for a signature ([`super::update`]).
//!
//! Refused: what the strict reader cannot read, encrypted files, files without a signature,
//! and empty data. DocMDP P=1 does not refuse: it permits DSS updates (ISO 32000-2 §12.8.2.2).

use super::SignError;
use super::serialize::{name, write_dict, write_object};
use super::update::{document_id, parse, set, xref_stream, xref_table};
use crate::crypto::DigestAlgorithm;
use crate::pdf::lexer::{Dict, Object};
use crate::pdf::{self, Document};
use std::collections::{BTreeMap, HashSet};

/// At most this many entries of each kind are written or kept.
const MAX_ENTRIES: usize = 500;
/// One entry's largest size (a CRL may be large).
const MAX_ENTRY_BYTES: usize = 16 * 1024 * 1024;

/// What a verifier needs offline: the certificates of the paths (signer's and TSA's), and
/// the OCSP responses (DER `OCSPResponse`) and CRLs (DER `CertificateList`) about them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ValidationData {
    pub certificates: Vec<Vec<u8>>,
    pub ocsp_responses: Vec<Vec<u8>>,
    pub crls: Vec<Vec<u8>>,
}

impl ValidationData {
    pub fn is_empty(&self) -> bool {
        self.certificates.is_empty() && self.ocsp_responses.is_empty() && self.crls.is_empty()
    }
}

/// The VRI key of a signature whose `/Contents` string holds `contents` (its bytes, padding
/// included): the uppercase hex SHA-1.
pub fn vri_key(contents: &[u8]) -> String {
    hex::encode_upper(DigestAlgorithm::Sha1.digest(&[contents]))
}

/// `pdf` with `data` added to its DSS in a new incremental update.
pub fn add_dss(pdf: &[u8], data: &ValidationData) -> Result<Vec<u8>, SignError> {
    if data.is_empty() {
        return Err(SignError::Unsupported("không có dữ liệu kiểm tra để thêm"));
    }
    let too_many = [&data.certificates, &data.ocsp_responses, &data.crls]
        .iter()
        .any(|list| list.len() > MAX_ENTRIES || list.iter().any(|e| e.len() > MAX_ENTRY_BYTES));
    if too_many {
        return Err(SignError::Unsupported("dữ liệu kiểm tra quá lớn"));
    }
    let doc = parse(pdf)?;
    DssUpdate::new(&doc)?.write(data)
}

/// One of the DSS's three arrays: the entries' references and their bytes (to skip repeats).
#[derive(Default)]
struct Entries {
    refs: Vec<Object>,
    known: HashSet<Vec<u8>>,
}

struct DssUpdate<'d, 'a> {
    doc: &'d Document<'a>,
    next_number: u32,
    objects: BTreeMap<u32, (u16, Vec<u8>)>,
}

impl<'d, 'a> DssUpdate<'d, 'a> {
    fn new(doc: &'d Document<'a>) -> Result<DssUpdate<'d, 'a>, SignError> {
        let trailer = doc.trailer();
        if trailer.get(b"Encrypt").is_some() {
            return Err(SignError::Encrypted);
        }
        let size = trailer
            .int(b"Size")
            .and_then(|s| u32::try_from(s).ok())
            .filter(|s| (1..8_000_000).contains(s))
            .ok_or(SignError::Unsupported("/Size của trailer sai"))?;
        Ok(DssUpdate {
            doc,
            next_number: size,
            objects: BTreeMap::new(),
        })
    }

    fn allocate(&mut self) -> u32 {
        let number = self.next_number;
        self.next_number += 1;
        number
    }

    /// A dictionary or array, inline or referred to.
    fn direct(&self, object: Option<&Object>) -> Result<Option<Object>, SignError> {
        match object {
            None | Some(Object::Null) => Ok(None),
            Some(Object::Ref(n, _)) => Ok(self
                .doc
                .resolve(*n)
                .map_err(SignError::Unreadable)?
                .map(|r| r.object)),
            Some(other) => Ok(Some(other.clone())),
        }
    }

    /// The existing entries of one DSS array.
    fn existing(&self, dss: &Dict, key: &[u8]) -> Result<Entries, SignError> {
        let mut entries = Entries::default();
        let items = match self.direct(dss.get(key))? {
            None => return Ok(entries),
            Some(Object::Array(items)) => items,
            Some(_) => return Err(SignError::Unsupported("mảng của /DSS sai")),
        };
        for item in items.into_iter().take(MAX_ENTRIES) {
            if let Ok(Some(resolved)) = self.doc.deref(&item)
                && resolved.stream.is_some()
                && let Ok(bytes) = self.doc.stream_bytes(&resolved)
            {
                entries.known.insert(bytes);
            }
            entries.refs.push(item);
        }
        Ok(entries)
    }

    /// New stream objects for the entries of `new` not already there.
    fn add(&mut self, entries: &mut Entries, new: &[Vec<u8>]) {
        for der in new {
            if entries.refs.len() >= MAX_ENTRIES || !entries.known.insert(der.clone()) {
                continue;
            }
            let number = self.allocate();
            let mut body = format!("<< /Length {} >>\nstream\n", der.len()).into_bytes();
            body.extend_from_slice(der);
            body.extend_from_slice(b"\nendstream");
            self.objects.insert(number, (0, body));
            entries.refs.push(Object::Ref(number, 0));
        }
    }

    fn write(mut self, data: &ValidationData) -> Result<Vec<u8>, SignError> {
        let doc = self.doc;
        let trailer = doc.trailer().clone();
        let Some(Object::Ref(root_number, root_generation)) = trailer.get(b"Root").cloned() else {
            return Err(SignError::Unsupported(
                "/Root của trailer không phải tham chiếu",
            ));
        };
        let mut catalog = match doc.resolve(root_number).map_err(SignError::Unreadable)? {
            Some(pdf::Resolved {
                object: Object::Dict(dict),
                stream: None,
                ..
            }) => dict,
            _ => return Err(SignError::Unsupported("catalog không phải từ điển")),
        };

        // The signatures the VRI names.
        let signatures = pdf::signature_dictionaries(doc).map_err(SignError::Unreadable)?;
        let keys: Vec<String> = signatures
            .iter()
            .filter_map(|s| match s.dict.get(b"Contents") {
                Some(Object::String { bytes, .. }) if !bytes.is_empty() => Some(vri_key(bytes)),
                _ => None,
            })
            .collect();
        if keys.is_empty() {
            return Err(SignError::Unsupported("văn bản chưa có chữ ký số"));
        }

        // The store as it is.
        let (dss_place, mut dss) = match catalog.get(b"DSS").cloned() {
            None | Some(Object::Null) => (None, Dict::default()),
            Some(Object::Ref(n, g)) => match self.direct(Some(&Object::Ref(n, g)))? {
                Some(Object::Dict(d)) => (Some((n, g)), d),
                _ => return Err(SignError::Unsupported("/DSS sai")),
            },
            Some(Object::Dict(d)) => (None, d),
            Some(_) => return Err(SignError::Unsupported("/DSS sai")),
        };
        let mut certs = self.existing(&dss, b"Certs")?;
        let mut ocsps = self.existing(&dss, b"OCSPs")?;
        let mut crls = self.existing(&dss, b"CRLs")?;
        let mut vri = match self.direct(dss.get(b"VRI"))? {
            None => Dict::default(),
            Some(Object::Dict(d)) => d,
            Some(_) => return Err(SignError::Unsupported("/VRI sai")),
        };

        self.add(&mut certs, &data.certificates);
        self.add(&mut ocsps, &data.ocsp_responses);
        self.add(&mut crls, &data.crls);

        for key in keys {
            if vri.get(key.as_bytes()).is_some() {
                continue;
            }
            let mut entry = Dict::default();
            for (name_key, entries) in [
                (&b"Cert"[..], &certs),
                (&b"OCSP"[..], &ocsps),
                (&b"CRL"[..], &crls),
            ] {
                if !entries.refs.is_empty() {
                    set(&mut entry, name_key, Object::Array(entries.refs.clone()));
                }
            }
            set(&mut entry, b"Type", name("VRI"));
            set(&mut vri, key.as_bytes(), Object::Dict(entry));
        }

        set(&mut dss, b"Type", name("DSS"));
        for (key, entries) in [
            (&b"Certs"[..], &certs),
            (&b"OCSPs"[..], &ocsps),
            (&b"CRLs"[..], &crls),
        ] {
            if !entries.refs.is_empty() {
                set(&mut dss, key, Object::Array(entries.refs.clone()));
            }
        }
        set(&mut dss, b"VRI", Object::Dict(vri));

        let mut body = Vec::new();
        write_dict(&mut body, &dss);
        match dss_place {
            Some((number, generation)) => {
                self.objects.insert(number, (generation, body));
            }
            None => {
                let number = self.allocate();
                self.objects.insert(number, (0, body));
                set(&mut catalog, b"DSS", Object::Ref(number, 0));
                let mut body = Vec::new();
                write_object(&mut body, &Object::Dict(catalog));
                self.objects.insert(root_number, (root_generation, body));
            }
        }
        Ok(self.assemble(&trailer))
    }

    /// The input, the objects, and the cross-reference section of the last one's kind.
    fn assemble(mut self, trailer: &Dict) -> Vec<u8> {
        let input = self.doc.bytes;
        let objects = std::mem::take(&mut self.objects);
        let mut out = Vec::with_capacity(
            input.len() + objects.values().map(|(_, b)| b.len() + 32).sum::<usize>() + 1024,
        );
        out.extend_from_slice(input);
        if !matches!(out.last(), Some(b'\n' | b'\r')) {
            out.push(b'\n');
        }
        let mut offsets: BTreeMap<u32, (usize, u16)> = BTreeMap::new();
        for (number, (generation, body)) in &objects {
            offsets.insert(*number, (out.len(), *generation));
            out.extend_from_slice(format!("{number} {generation} obj\n").as_bytes());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
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
        out
    }
}
