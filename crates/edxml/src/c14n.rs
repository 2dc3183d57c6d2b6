//! Exclusive XML Canonicalization 1.0 without comments (W3C, 2002), over our tree.
//!
//! The reader already refused what makes C14N hard (DTDs, entities, comments, PIs), and it kept
//! every element's resolved namespace, so exclusive C14N reduces to: render each namespace an
//! element visibly uses (its own prefix, its attributes' prefixes) unless the nearest rendered
//! ancestor already declared it with the same value; sort declarations by prefix and attributes
//! by (namespace, local name); escape text and attributes as the spec says. The same function
//! writes our documents, so what we send is already canonical.

use crate::dom::{Element, Node};
use std::collections::BTreeMap;

/// Writes the canonical form of `element` into `out`, leaving out any element for which `skip`
/// is true (the enveloped-signature transform).
pub fn canonicalize(
    element: &Element,
    skip: &dyn Fn(&Element) -> bool,
    out: &mut dyn FnMut(&[u8]),
) {
    write_element(element, &BTreeMap::new(), skip, out);
}

/// The canonical form as bytes.
pub fn to_bytes(element: &Element, skip: &dyn Fn(&Element) -> bool) -> Vec<u8> {
    let mut bytes = Vec::new();
    canonicalize(element, skip, &mut |chunk| bytes.extend_from_slice(chunk));
    bytes
}

fn write_element(
    element: &Element,
    rendered: &BTreeMap<String, String>,
    skip: &dyn Fn(&Element) -> bool,
    out: &mut dyn FnMut(&[u8]),
) {
    let mut used: BTreeMap<&str, &str> = BTreeMap::new();
    used.insert(&element.prefix, &element.ns);
    for attribute in &element.attributes {
        if !attribute.prefix.is_empty() && attribute.prefix != "xml" {
            used.insert(&attribute.prefix, &attribute.ns);
        }
    }
    let mut in_output = rendered.clone();
    let mut declarations = Vec::new();
    for (prefix, uri) in used {
        let current = rendered.get(prefix).map(String::as_str);
        let same = if prefix.is_empty() {
            current.unwrap_or("") == uri
        } else {
            current == Some(uri)
        };
        if !same {
            declarations.push((prefix, uri));
            in_output.insert(prefix.to_owned(), uri.to_owned());
        }
    }
    out(b"<");
    out(element.qname().as_bytes());
    for (prefix, uri) in declarations {
        out(if prefix.is_empty() {
            b" xmlns=\""
        } else {
            b" xmlns:"
        });
        if !prefix.is_empty() {
            out(prefix.as_bytes());
            out(b"=\"");
        }
        escape_attribute(uri, out);
        out(b"\"");
    }
    let mut attributes: Vec<_> = element.attributes.iter().collect();
    attributes.sort_by(|a, b| (&a.ns, &a.local).cmp(&(&b.ns, &b.local)));
    for attribute in attributes {
        out(b" ");
        out(crate::dom::qualified(&attribute.prefix, &attribute.local).as_bytes());
        out(b"=\"");
        escape_attribute(&attribute.value, out);
        out(b"\"");
    }
    out(b">");
    for child in &element.children {
        match child {
            Node::Text(text) => escape_text(text, out),
            Node::Element(e) if skip(e) => {}
            Node::Element(e) => write_element(e, &in_output, skip, out),
        }
    }
    out(b"</");
    out(element.qname().as_bytes());
    out(b">");
}

fn escape_text(text: &str, out: &mut dyn FnMut(&[u8])) {
    escape(text, out, |c| match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '\r' => Some("&#xD;"),
        _ => None,
    });
}

fn escape_attribute(text: &str, out: &mut dyn FnMut(&[u8])) {
    escape(text, out, |c| match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '"' => Some("&quot;"),
        '\t' => Some("&#x9;"),
        '\n' => Some("&#xA;"),
        '\r' => Some("&#xD;"),
        _ => None,
    });
}

/// Writes `text` with each character `replace` names swapped, in runs to keep calls few.
fn escape(text: &str, out: &mut dyn FnMut(&[u8]), replace: impl Fn(char) -> Option<&'static str>) {
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if let Some(entity) = replace(c) {
            out(&text.as_bytes()[start..i]);
            out(entity.as_bytes());
            start = i + c.len_utf8();
        }
    }
    out(&text.as_bytes()[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dom::{Limits, parse};

    fn c14n(xml: &str) -> String {
        let root = parse(xml.as_bytes(), &Limits::new(1 << 20)).unwrap();
        String::from_utf8(to_bytes(&root, &|_| false)).unwrap()
    }

    #[test]
    fn renders_only_visibly_used_namespaces() {
        assert_eq!(
            c14n(r#"<a:r xmlns:a="urn:a" xmlns:b="urn:b"><b:x/><c xmlns="urn:c"><d/></c></a:r>"#),
            r#"<a:r xmlns:a="urn:a"><b:x xmlns:b="urn:b"></b:x><c xmlns="urn:c"><d></d></c></a:r>"#
        );
    }

    #[test]
    fn undeclares_the_default_namespace_when_needed() {
        assert_eq!(
            c14n(r#"<r xmlns="urn:r"><x xmlns=""/></r>"#),
            r#"<r xmlns="urn:r"><x xmlns=""></x></r>"#
        );
    }

    #[test]
    fn escapes_and_sorts() {
        assert_eq!(
            c14n(
                "<?xml version=\"1.0\"?>\n<r b=\"&#9;&quot;\" a='x&#10;y'>&lt;&amp;&gt;\"'&#13;</r>"
            ),
            "<r a=\"x&#xA;y\" b=\"&#x9;&quot;\">&lt;&amp;&gt;\"'&#xD;</r>"
        );
    }
}
