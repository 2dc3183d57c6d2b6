//! Our XSD (`schema/edxml-tinhso-1.0.xsd` and `schema/xmldsig-tinhso.xsd`) in its runtime form.
//!
//! There is no mature pure-Rust XSD validator, so the schema is written twice: as XSD, which is
//! normative and which `xmllint` reads, and here, as one function per complex type listing its
//! particles in the XSD's order with the same occurrences and facets. `tests/differential.rs`
//! runs both over a corpus and its systematic mutations and requires the same verdict. Change
//! one, change the other.
//!
//! The content models are deterministic (XSD's Unique Particle Attribution), so a greedy match
//! without backtracking decides exactly what the XSD decides.

use crate::dom::{Element, Node, is_xml_space};
use crate::{DS_NS, EDXML_NS, EdxmlError};
use base64::Engine;

/// Decoded size allowed for one attachment (the XSD's `AttachmentContentType` maxLength).
pub const MAX_ATTACHMENT_BYTES: usize = 48 * 1024 * 1024;

pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
pub const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
pub const ECDSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";

const UNBOUNDED: u32 = u32::MAX;

/// A simple type: the lexical space of a text-only element or of an attribute.
#[derive(Clone, Copy)]
enum Simple {
    /// xs:string with minLength/maxLength in characters.
    Text {
        min: usize,
        max: usize,
    },
    /// xs:string with a pattern, described for the message.
    Pattern {
        describe: &'static str,
        matches: fn(&str) -> bool,
    },
    Enumeration(&'static [&'static str]),
    /// xs:base64Binary with octet-length bounds.
    Base64 {
        min: usize,
        max: usize,
    },
}

#[derive(Clone, Copy)]
enum Type {
    Simple(Simple),
    Complex(fn() -> Complex),
}

struct Attr {
    name: &'static str,
    ty: Simple,
}

/// A complex type: its (required) unqualified attributes and its content model.
struct Complex {
    attributes: Vec<Attr>,
    model: Vec<Particle>,
}

enum Particle {
    Element {
        ns: &'static str,
        name: &'static str,
        min: u32,
        max: u32,
        ty: Type,
    },
    /// A choice among sequences, each beginning with a required element.
    Choice {
        min: u32,
        alternatives: Vec<Vec<Particle>>,
    },
}

fn el(name: &'static str, ty: Type) -> Particle {
    Particle::Element {
        ns: EDXML_NS,
        name,
        min: 1,
        max: 1,
        ty,
    }
}

fn opt(name: &'static str, ty: Type) -> Particle {
    Particle::Element {
        ns: EDXML_NS,
        name,
        min: 0,
        max: 1,
        ty,
    }
}

fn many(name: &'static str, ty: Type) -> Particle {
    Particle::Element {
        ns: EDXML_NS,
        name,
        min: 1,
        max: UNBOUNDED,
        ty,
    }
}

fn ds(name: &'static str, min: u32, max: u32, ty: Type) -> Particle {
    Particle::Element {
        ns: DS_NS,
        name,
        min,
        max,
        ty,
    }
}

fn elements(model: Vec<Particle>) -> Complex {
    Complex {
        attributes: Vec::new(),
        model,
    }
}

// ---- simple types, as in the XSD ----

const TEXT250: Type = Type::Simple(Simple::Text { min: 1, max: 250 });
const SUBJECT: Type = Type::Simple(Simple::Text { min: 1, max: 500 });
const CONTENT_TEXT: Type = Type::Simple(Simple::Text {
    min: 0,
    max: 16_000,
});
const ORGAN_ID: Type = pattern("mã định danh dạng 000.00.00.H56", is_organ_id);
const DATE: Type = pattern("ngày dạng yyyy/MM/dd", is_date);
const TIMESTAMP: Type = pattern("thời điểm dạng yyyy/MM/dd HH:mm:ss", is_timestamp);
const DOCUMENT_ID: Type = pattern(
    "mã văn bản dạng <mã cơ quan>,<yyyy/MM/dd>,<số>/<ký hiệu>",
    is_document_id,
);
const CODE_NUMBER: Type = pattern("1 đến 10 chữ số", |s| digits(s, 1, 10));
const CODE_NOTATION: Type = pattern(
    "1 đến 100 ký tự, không có khoảng trắng hay dấu phẩy",
    is_notation,
);
const PRIORITY: Type = pattern("một chữ số từ 0 đến 4", |s| {
    one_digit_up_to(s, b'4')
});
const COUNT: Type = pattern("1 đến 6 chữ số", |s| digits(s, 1, 6));
const STEERING: Type = pattern("một chữ số", |s| one_digit_up_to(s, b'9'));
const BUSSINESS_DOC_TYPE: Type = pattern("một chữ số từ 0 đến 3", |s| {
    one_digit_up_to(s, b'3')
});
const STATUS_CODE: Type = Type::Simple(Simple::Enumeration(&[
    "01", "02", "03", "04", "05", "06", "13", "15", "16",
]));
const CONTENT_ID: Type = pattern(
    "cid: rồi 1 đến 200 ký tự không có khoảng trắng",
    is_content_id,
);
const MEDIA_TYPE: Type = pattern("kiểu nội dung dạng loại/kiểu con", is_media_type);
const ATTACHMENT: Type = Type::Simple(Simple::Base64 {
    min: 0,
    max: MAX_ATTACHMENT_BYTES,
});
const MANIFEST_VERSION: Simple = Simple::Enumeration(&["1.0"]);

const fn pattern(describe: &'static str, matches: fn(&str) -> bool) -> Type {
    Type::Simple(Simple::Pattern { describe, matches })
}

fn digits(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

fn one_digit_up_to(s: &str, max: u8) -> bool {
    matches!(s.as_bytes(), [d] if (b'0'..=max).contains(d))
}

fn two_digits_in(s: &str, min: u32, max: u32) -> bool {
    digits(s, 2, 2) && s.parse::<u32>().is_ok_and(|n| (min..=max).contains(&n))
}

/// `(000\.00\.[0-9]{2}|000\.NZ\.NZ|NZ3\.NZ\.NZ)\.[A-Z][0-9]{2}`: a level only under a set level.
fn is_organ_id(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    let [v, z, y, m] = parts.as_slice() else {
        return false;
    };
    let shaped = digits(v, 3, 3)
        && digits(z, 2, 2)
        && digits(y, 2, 2)
        && matches!(m.as_bytes(), [g, a, b] if g.is_ascii_uppercase() && a.is_ascii_digit() && b.is_ascii_digit());
    shaped && (*z == "00" || *y != "00") && (*v == "000" || *z != "00")
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'/'
        && b[7] == b'/'
        && digits(&s[..4], 4, 4)
        && two_digits_in(&s[5..7], 1, 12)
        && two_digits_in(&s[8..10], 1, 31)
}

fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 19
        && is_date(&s[..10])
        && b[10] == b' '
        && b[13] == b':'
        && b[16] == b':'
        && two_digits_in(&s[11..13], 0, 23)
        && two_digits_in(&s[14..16], 0, 59)
        && two_digits_in(&s[17..19], 0, 59)
}

/// `[^\s,]{1,100}`, counted in characters.
fn is_notation(s: &str) -> bool {
    (1..=100).contains(&s.chars().count()) && !s.chars().any(|c| is_xml_space(c) || c == ',')
}

fn is_document_id(s: &str) -> bool {
    let mut parts = s.splitn(3, ',');
    let (Some(organ), Some(date), Some(code)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let Some((number, notation)) = code.split_once('/') else {
        return false;
    };
    is_organ_id(organ) && is_date(date) && digits(number, 1, 10) && is_notation(notation)
}

fn is_content_id(s: &str) -> bool {
    s.strip_prefix("cid:")
        .is_some_and(|id| (1..=200).contains(&id.chars().count()) && !id.chars().any(is_xml_space))
}

fn is_media_type(s: &str) -> bool {
    let token = |t: &str| {
        (1..=127).contains(&t.len())
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+.-".contains(&b))
    };
    s.split_once('/').is_some_and(|(a, b)| token(a) && token(b))
}

/// The octets of an xs:base64Binary value: white space anywhere is ignored, padding only at
/// the end, unused bits zero.
pub(crate) fn base64_octets(s: &str) -> Option<Vec<u8>> {
    let compact: String = s.chars().filter(|c| !is_xml_space(*c)).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()
}

/// The decoded size of a valid base64 value, without decoding it.
fn base64_length(s: &str) -> Option<usize> {
    let mut symbols = 0usize;
    let mut padding = 0usize;
    for b in s.bytes() {
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => {}
            b'=' => padding += 1,
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' if padding == 0 => symbols += 1,
            _ => return None,
        }
    }
    let total = symbols + padding;
    if !total.is_multiple_of(4) || padding > 2 || (padding > 0 && total == 0) {
        return None;
    }
    Some(total / 4 * 3 - padding)
}

fn check_base64(s: &str, min: usize, max: usize) -> Result<(), String> {
    let length = base64_length(s).ok_or("không phải dữ liệu base64 hợp lệ")?;
    // Small values are decoded fully, which also checks the unused bits of the last symbol.
    if length <= 4096 && base64_octets(s).is_none() {
        return Err("không phải dữ liệu base64 hợp lệ".into());
    }
    if length < min || length > max {
        return Err(format!(
            "dữ liệu dài {length} byte, phải từ {min} đến {max} byte"
        ));
    }
    Ok(())
}

fn check_simple(ty: Simple, value: &str) -> Result<(), String> {
    match ty {
        Simple::Text { min, max } => {
            let length = value.chars().count();
            if length < min {
                return Err("không được để trống".into());
            }
            if length > max {
                return Err(format!("dài {length} ký tự, tối đa {max}"));
            }
            Ok(())
        }
        Simple::Pattern { describe, matches } => {
            if matches(value) {
                Ok(())
            } else {
                Err(format!("phải là {describe}"))
            }
        }
        Simple::Enumeration(values) => {
            if values.contains(&value) {
                Ok(())
            } else {
                Err(format!("phải là một trong: {}", values.join(", ")))
            }
        }
        Simple::Base64 { min, max } => check_base64(value, min, max),
    }
}

// ---- complex types, in the XSD's order ----

fn envelope() -> Complex {
    elements(vec![
        el("edXMLHeader", Type::Complex(header)),
        el("edXMLBody", Type::Complex(body)),
        opt("AttachmentEncoded", Type::Complex(attachment_encoded)),
    ])
}

fn header() -> Complex {
    elements(vec![
        Particle::Choice {
            min: 1,
            alternatives: vec![
                vec![
                    el("MessageHeader", Type::Complex(message_header)),
                    el("TraceHeaderList", Type::Complex(trace_header_list)),
                ],
                vec![el("Status", Type::Complex(status))],
            ],
        },
        ds("Signature", 1, 1, Type::Complex(signature)),
    ])
}

fn organ() -> Complex {
    elements(vec![
        el("OrganId", ORGAN_ID),
        opt("OrganizationInCharge", TEXT250),
        el("OrganName", TEXT250),
        opt("OrganAdd", TEXT250),
        opt("Email", TEXT250),
        opt("Telephone", TEXT250),
        opt("Fax", TEXT250),
        opt("Website", TEXT250),
    ])
}

fn message_header() -> Complex {
    elements(vec![
        el("From", Type::Complex(organ)),
        many("To", Type::Complex(organ)),
        el("DocumentId", DOCUMENT_ID),
        el(
            "Code",
            Type::Complex(|| {
                elements(vec![
                    el("CodeNumber", CODE_NUMBER),
                    el("CodeNotation", CODE_NOTATION),
                ])
            }),
        ),
        el(
            "PromulgationInfo",
            Type::Complex(|| elements(vec![el("Place", TEXT250), el("PromulgationDate", DATE)])),
        ),
        el(
            "DocumentType",
            Type::Complex(|| {
                elements(vec![
                    el("Type", COUNT),
                    el("TypeDetail", COUNT),
                    el("TypeName", TEXT250),
                ])
            }),
        ),
        el("Subject", SUBJECT),
        opt("Content", CONTENT_TEXT),
        el(
            "SignerInfo",
            Type::Complex(|| {
                elements(vec![
                    el("Competence", TEXT250),
                    el("Position", TEXT250),
                    el("FullName", TEXT250),
                ])
            }),
        ),
        opt("DueDate", DATE),
        el("OtherInfo", Type::Complex(other_info)),
        opt("SteeringType", STEERING),
        opt(
            "ToPlaces",
            Type::Complex(|| elements(vec![many("Place", TEXT250)])),
        ),
        opt("ResponseFor", Type::Complex(response_for)),
    ])
}

fn other_info() -> Complex {
    elements(vec![
        el("Priority", PRIORITY),
        opt("SphereOfPromulgation", TEXT250),
        opt("TyperNotation", TEXT250),
        opt("PromulgationAmount", COUNT),
        opt("PageAmount", COUNT),
        opt("Direction", TEXT250),
        opt(
            "Appendixes",
            Type::Complex(|| elements(vec![many("Appendix", TEXT250)])),
        ),
    ])
}

fn response_for() -> Complex {
    elements(vec![
        el("OrganId", ORGAN_ID),
        el("Code", TEXT250),
        el("PromulgationDate", DATE),
        el("DocumentId", DOCUMENT_ID),
    ])
}

fn trace_header_list() -> Complex {
    let business = || {
        elements(vec![
            el("BussinessDocType", BUSSINESS_DOC_TYPE),
            opt("BussinessDocReason", TEXT250),
        ])
    };
    elements(vec![
        many(
            "TraceHeader",
            Type::Complex(|| elements(vec![el("OrganId", ORGAN_ID), el("Timestamp", TIMESTAMP)])),
        ),
        Particle::Choice {
            min: 0,
            alternatives: vec![
                vec![el("Bussiness", Type::Complex(business))],
                vec![el("Business", Type::Complex(business))],
            ],
        },
    ])
}

fn status() -> Complex {
    elements(vec![
        el("ResponseFor", Type::Complex(response_for)),
        el("From", Type::Complex(organ)),
        el("StatusCode", STATUS_CODE),
        opt("Description", TEXT250),
        el("Timestamp", TIMESTAMP),
        opt(
            "StaffInfo",
            Type::Complex(|| {
                elements(vec![
                    opt("Department", TEXT250),
                    opt("Staff", TEXT250),
                    opt("Mobile", TEXT250),
                    opt("Email", TEXT250),
                ])
            }),
        ),
    ])
}

fn body() -> Complex {
    elements(vec![opt("edXMLManifest", Type::Complex(manifest))])
}

fn manifest() -> Complex {
    Complex {
        attributes: vec![Attr {
            name: "version",
            ty: MANIFEST_VERSION,
        }],
        model: vec![many(
            "Reference",
            Type::Complex(|| {
                elements(vec![
                    el("ContentId", CONTENT_ID),
                    el("ContentType", MEDIA_TYPE),
                    opt("Description", TEXT250),
                    el("AttachmentName", TEXT250),
                ])
            }),
        )],
    }
}

fn attachment_encoded() -> Complex {
    elements(vec![many(
        "Attachment",
        Type::Complex(|| {
            elements(vec![
                el("ContentId", CONTENT_ID),
                el("AttachmentName", TEXT250),
                opt("Description", TEXT250),
                el("ContentType", MEDIA_TYPE),
                el("ContentTransferEncoded", ATTACHMENT),
            ])
        }),
    )])
}

// ---- xmldsig-tinhso.xsd ----

/// An empty element whose only content is a required `Algorithm` attribute from `values`.
fn algorithm(values: &'static [&'static str]) -> Complex {
    Complex {
        attributes: vec![Attr {
            name: "Algorithm",
            ty: Simple::Enumeration(values),
        }],
        model: vec![],
    }
}

fn signature() -> Complex {
    elements(vec![
        ds("SignedInfo", 1, 1, Type::Complex(signed_info)),
        ds(
            "SignatureValue",
            1,
            1,
            Type::Simple(Simple::Base64 { min: 64, max: 64 }),
        ),
        ds("KeyInfo", 0, 1, Type::Complex(key_info)),
    ])
}

fn signed_info() -> Complex {
    elements(vec![
        ds(
            "CanonicalizationMethod",
            1,
            1,
            Type::Complex(|| algorithm(&[EXC_C14N])),
        ),
        ds(
            "SignatureMethod",
            1,
            1,
            Type::Complex(|| algorithm(&[ECDSA_SHA256])),
        ),
        ds("Reference", 1, 1, Type::Complex(reference)),
    ])
}

fn reference() -> Complex {
    Complex {
        attributes: vec![Attr {
            name: "URI",
            ty: Simple::Text { min: 0, max: 0 },
        }],
        model: vec![
            ds(
                "Transforms",
                1,
                1,
                Type::Complex(|| {
                    elements(vec![ds(
                        "Transform",
                        2,
                        2,
                        Type::Complex(|| algorithm(&[ENVELOPED, EXC_C14N])),
                    )])
                }),
            ),
            ds("DigestMethod", 1, 1, Type::Complex(|| algorithm(&[SHA256]))),
            ds(
                "DigestValue",
                1,
                1,
                Type::Simple(Simple::Base64 { min: 32, max: 32 }),
            ),
        ],
    }
}

fn key_info() -> Complex {
    elements(vec![ds(
        "X509Data",
        1,
        1,
        Type::Complex(|| {
            elements(vec![ds(
                "X509Certificate",
                1,
                4,
                Type::Simple(Simple::Base64 {
                    min: 1,
                    max: 16_384,
                }),
            )])
        }),
    )])
}

// ---- the matcher ----

fn invalid(message: String) -> EdxmlError {
    EdxmlError::Invalid(message)
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}/{name}")
    }
}

/// Validates a whole edXML document (package or status) against our XSD.
pub fn validate(root: &Element) -> Result<(), EdxmlError> {
    if !root.is(EDXML_NS, "edXMLEnvelope") {
        return Err(invalid(format!(
            "Phần tử gốc phải là edXMLEnvelope trong không gian tên {EDXML_NS} (tài liệu có {{{}}}{})",
            root.ns, root.local
        )));
    }
    check_complex(root, &envelope(), "")
}

fn check_element(element: &Element, ty: Type, path: &str) -> Result<(), EdxmlError> {
    match ty {
        Type::Simple(simple) => {
            check_attributes(element, &[], path)?;
            if element.elements().next().is_some() {
                return Err(invalid(format!(
                    "Trường {path} chỉ được chứa văn bản, không chứa phần tử con"
                )));
            }
            check_simple(simple, &element.text())
                .map_err(|reason| invalid(format!("Giá trị của {path} không hợp lệ: {reason}")))
        }
        Type::Complex(complex) => check_complex(element, &complex(), path),
    }
}

fn check_attributes(element: &Element, declared: &[Attr], path: &str) -> Result<(), EdxmlError> {
    for attribute in &element.attributes {
        let known = attribute.ns.is_empty() && declared.iter().any(|d| d.name == attribute.local);
        if !known {
            return Err(invalid(format!(
                "Thuộc tính {} không được phép trên {path}",
                crate::dom::qualified(&attribute.prefix, &attribute.local)
            )));
        }
    }
    for attr in declared {
        let value = element
            .attribute(attr.name)
            .ok_or_else(|| invalid(format!("Thiếu thuộc tính bắt buộc {path}/@{}", attr.name)))?;
        check_simple(attr.ty, value).map_err(|reason| {
            invalid(format!(
                "Giá trị của {path}/@{} không hợp lệ: {reason}",
                attr.name
            ))
        })?;
    }
    Ok(())
}

fn check_complex(element: &Element, complex: &Complex, path: &str) -> Result<(), EdxmlError> {
    check_attributes(
        element,
        &complex.attributes,
        if path.is_empty() {
            &element.local
        } else {
            path
        },
    )?;
    let stray_text = element.children.iter().any(|n| match n {
        Node::Text(t) => complex.model.is_empty() || !t.chars().all(is_xml_space),
        Node::Element(_) => false,
    });
    if stray_text {
        return Err(invalid(format!(
            "Trường {} không được chứa văn bản",
            display(path, element)
        )));
    }
    let children: Vec<&Element> = element.elements().collect();
    let next = match_sequence(&complex.model, &children, 0, path)?;
    match children.get(next) {
        None => Ok(()),
        Some(extra) => Err(invalid(format!(
            "Trường {} không được phép ở vị trí này (thừa, lặp lại hoặc sai thứ tự)",
            join(path, &extra.local)
        ))),
    }
}

fn display<'a>(path: &'a str, element: &'a Element) -> &'a str {
    if path.is_empty() {
        &element.local
    } else {
        path
    }
}

/// Matches `particles` against `children[start..]`; returns the index of the first child left.
fn match_sequence(
    particles: &[Particle],
    children: &[&Element],
    start: usize,
    path: &str,
) -> Result<usize, EdxmlError> {
    let mut next = start;
    for particle in particles {
        match particle {
            Particle::Element {
                ns,
                name,
                min,
                max,
                ty,
            } => {
                let mut count = 0u32;
                while count < *max && children.get(next).is_some_and(|c| c.is(ns, name)) {
                    check_element(children[next], *ty, &join(path, name))?;
                    next += 1;
                    count += 1;
                }
                if count < *min {
                    return Err(invalid(format!(
                        "Thiếu trường bắt buộc {}",
                        join(path, name)
                    )));
                }
            }
            Particle::Choice { min, alternatives } => {
                let chosen = alternatives.iter().find(|alternative| {
                    matches!(alternative.first(), Some(Particle::Element { ns, name, .. })
                        if children.get(next).is_some_and(|c| c.is(ns, name)))
                });
                match chosen {
                    Some(alternative) => next = match_sequence(alternative, children, next, path)?,
                    None if *min == 0 => {}
                    None => {
                        let names: Vec<String> = alternatives
                            .iter()
                            .filter_map(|a| match a.first() {
                                Some(Particle::Element { name, .. }) => Some(join(path, name)),
                                _ => None,
                            })
                            .collect();
                        return Err(invalid(format!(
                            "Thiếu trường bắt buộc {}",
                            names.join(" hoặc ")
                        )));
                    }
                }
            }
        }
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organ_ids_follow_the_nesting_rule() {
        for ok in [
            "000.00.00.H56",
            "000.00.14.H56",
            "000.17.22.H56",
            "001.17.22.H56",
            "000.00.00.G22",
        ] {
            assert!(is_organ_id(ok), "{ok}");
        }
        for bad in [
            "000.12.00.H56",
            "001.00.14.H56",
            "000.00.00.h56",
            "000.00.00.H5",
            " 000.00.00.H56",
            "000.00.00.H56 ",
        ] {
            assert!(!is_organ_id(bad), "{bad}");
        }
    }

    #[test]
    fn document_ids_and_dates() {
        assert!(is_document_id("000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"));
        assert!(!is_document_id("000.00.00.G22,2015/13/30,7816/VPCP-TTĐT"));
        assert!(!is_document_id("000.00.00.G22,2015/09/30,7816/VPCP,TTĐT"));
        assert!(is_timestamp("2026/11/30 23:59:59"));
        assert!(!is_timestamp("2026/11/30 24:00:00"));
    }

    #[test]
    fn base64_lengths_count_octets() {
        assert_eq!(base64_length("QUJD"), Some(3));
        assert_eq!(base64_length("QUI="), Some(2));
        assert_eq!(base64_length("QQ=="), Some(1));
        assert_eq!(base64_length("Q U\nJ D"), Some(3));
        assert_eq!(base64_length("QU=D"), None);
        assert_eq!(base64_length("QUJ"), None);
        assert_eq!(base64_length(""), Some(0));
    }
}
