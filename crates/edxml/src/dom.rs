//! A bounded, namespace-aware XML reader that builds a small tree.
//!
//! Everything a peer sends is hostile until read, so this reader accepts far less than XML
//! allows: UTF-8 only, no DOCTYPE at all (hence no external entities and no entity expansion:
//! XXE and billion laughs cannot even start), no entity references beyond the five predefined
//! ones and numeric character references, no comments (no hidden-text tricks under a
//! signature), no processing instructions but the declaration, and hard limits on size,
//! depth, element count, attributes and text. Every refusal is an [`EdxmlError::Xml`] with a
//! Vietnamese message; the reader never panics (see the proptest in `tests/fuzz.rs`).

use crate::EdxmlError;
use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, Event};

/// The namespace the `xml:` prefix is bound to without a declaration.
pub const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
const XMLNS_NS: &str = "http://www.w3.org/2000/xmlns/";

/// How much the reader accepts. [`Limits::new`] sets the package size from the caller and the
/// rest from the design (depth 16, 5,000 elements, 16 attributes, 64 KiB of text).
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_bytes: usize,
    pub max_depth: usize,
    pub max_elements: usize,
    pub max_attributes: usize,
    pub max_text_bytes: usize,
    /// Elements (namespace, local name) whose text is bounded by `max_bytes` only: the base64
    /// content of attachments.
    pub bulk_text: &'static [(&'static str, &'static str)],
}

impl Limits {
    pub fn new(max_bytes: usize) -> Self {
        Limits {
            max_bytes,
            max_depth: 16,
            max_elements: 5_000,
            max_attributes: 16,
            max_text_bytes: 64 * 1024,
            bulk_text: &[],
        }
    }
}

/// One attribute, with its namespace resolved (`ns` is empty for an unprefixed attribute).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub prefix: String,
    pub local: String,
    pub ns: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Element(Element),
    Text(String),
}

/// An element as written (`prefix`, `local`) and as meant (`ns`, the resolved namespace URI,
/// empty when in no namespace). Adjacent text is merged into one [`Node::Text`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub prefix: String,
    pub local: String,
    pub ns: String,
    /// Namespace declarations made on this element, `("", uri)` for the default one.
    pub ns_decls: Vec<(String, String)>,
    pub attributes: Vec<Attribute>,
    pub children: Vec<Node>,
}

impl Element {
    pub fn new(prefix: &str, local: &str, ns: &str) -> Self {
        Element {
            prefix: prefix.to_owned(),
            local: local.to_owned(),
            ns: ns.to_owned(),
            ns_decls: Vec::new(),
            attributes: Vec::new(),
            children: Vec::new(),
        }
    }

    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.ns == ns && self.local == local
    }

    /// Element children, in order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The first element child with this name.
    pub fn child(&self, ns: &str, local: &str) -> Option<&Element> {
        self.elements().find(|e| e.is(ns, local))
    }

    /// All text directly inside this element, concatenated.
    pub fn text(&self) -> String {
        self.children
            .iter()
            .filter_map(|n| match n {
                Node::Text(t) => Some(t.as_str()),
                Node::Element(_) => None,
            })
            .collect()
    }

    /// The value of an unqualified attribute.
    pub fn attribute(&self, local: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.ns.is_empty() && a.local == local)
            .map(|a| a.value.as_str())
    }

    pub fn qname(&self) -> String {
        qualified(&self.prefix, &self.local)
    }
}

pub(crate) fn qualified(prefix: &str, local: &str) -> String {
    if prefix.is_empty() {
        local.to_owned()
    } else {
        format!("{prefix}:{local}")
    }
}

fn refuse(message: impl Into<String>) -> EdxmlError {
    EdxmlError::Xml(message.into())
}

/// Reads `bytes` into a tree, within `limits`.
pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Element, EdxmlError> {
    if bytes.len() > limits.max_bytes {
        return Err(refuse(format!(
            "gói tin dài {} byte, vượt giới hạn {} byte",
            bytes.len(),
            limits.max_bytes
        )));
    }
    if bytes.starts_with(&[0xFE, 0xFF]) || bytes.starts_with(&[0xFF, 0xFE]) {
        return Err(refuse(
            "chỉ nhận tài liệu mã hóa UTF-8 (tài liệu này là UTF-16)",
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        refuse(format!(
            "tài liệu không phải UTF-8 hợp lệ (byte thứ {})",
            e.valid_up_to()
        ))
    })?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    Builder::new(limits).run(text)
}

struct Builder<'l> {
    limits: &'l Limits,
    /// Open elements; the namespace scopes are their `ns_decls`.
    stack: Vec<Element>,
    root: Option<Element>,
    elements: usize,
    seen_anything: bool,
}

impl<'l> Builder<'l> {
    fn new(limits: &'l Limits) -> Self {
        Builder {
            limits,
            stack: Vec::new(),
            root: None,
            elements: 0,
            seen_anything: false,
        }
    }

    fn run(mut self, text: &str) -> Result<Element, EdxmlError> {
        let mut reader = Reader::from_str(text);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.check_comments = true;
        config.expand_empty_elements = false;
        loop {
            let position = reader.buffer_position();
            let event = reader
                .read_event()
                .map_err(|e| refuse(format!("XML không hợp lệ gần byte {position}: {e}")))?;
            let first = !self.seen_anything;
            self.seen_anything = true;
            match event {
                Event::Decl(decl) => self.declaration(&decl, first)?,
                Event::DocType(_) => {
                    return Err(refuse(
                        "tài liệu có khai báo DOCTYPE: không được phép (chặn thực thể ngoài và bom mở rộng thực thể)",
                    ));
                }
                Event::Comment(_) => {
                    return Err(refuse("tài liệu có chú thích (<!-- -->): không được phép"));
                }
                Event::PI(_) => {
                    return Err(refuse(
                        "tài liệu có chỉ thị xử lý (<?...?>): không được phép",
                    ));
                }
                Event::Start(start) => self.open(&start)?,
                Event::Empty(start) => {
                    self.open(&start)?;
                    self.close(None)?;
                }
                Event::End(end) => self.close(Some(end.name().as_ref()))?,
                Event::Text(t) => self.text(&t.xml10_content())?,
                Event::CData(c) => self.cdata(&c.xml10_content())?,
                Event::GeneralRef(r) => self.reference(&r)?,
                Event::Eof => break,
            }
        }
        if !self.stack.is_empty() {
            return Err(refuse("tài liệu kết thúc khi còn phần tử chưa đóng"));
        }
        self.root
            .ok_or_else(|| refuse("tài liệu không có phần tử gốc"))
    }

    fn declaration(
        &self,
        decl: &quick_xml::events::BytesDecl,
        first: bool,
    ) -> Result<(), EdxmlError> {
        if !first {
            return Err(refuse("khai báo XML chỉ được ở đầu tài liệu"));
        }
        let version = decl
            .version()
            .map_err(|_| refuse("khai báo XML thiếu phiên bản"))?;
        if version != "1.0" {
            return Err(refuse(format!(
                "chỉ nhận XML 1.0 (tài liệu khai báo {version})"
            )));
        }
        if let Some(encoding) = decl.encoding() {
            let encoding = encoding.map_err(|_| refuse("khai báo mã hóa không đọc được"))?;
            if !encoding.eq_ignore_ascii_case("utf-8") {
                return Err(refuse(format!(
                    "chỉ nhận tài liệu mã hóa UTF-8 (tài liệu khai báo {encoding})"
                )));
            }
        }
        Ok(())
    }

    fn open(&mut self, start: &BytesStart) -> Result<(), EdxmlError> {
        if self.root.is_some() {
            return Err(refuse("tài liệu có nhiều hơn một phần tử gốc"));
        }
        self.elements += 1;
        if self.elements > self.limits.max_elements {
            return Err(refuse(format!(
                "tài liệu có quá {} phần tử",
                self.limits.max_elements
            )));
        }
        if self.stack.len() >= self.limits.max_depth {
            return Err(refuse(format!(
                "tài liệu lồng sâu quá {} cấp",
                self.limits.max_depth
            )));
        }
        let name = start.name();
        let (prefix, local) = split_name(name.as_ref())?;
        let mut element = Element::new(prefix, local, "");
        let mut raw_attributes = Vec::new();
        for attribute in start.attributes().with_checks(true) {
            let attribute = attribute.map_err(|e| {
                refuse(format!(
                    "thuộc tính không hợp lệ trong <{}>: {e}",
                    element.qname()
                ))
            })?;
            if raw_attributes.len() + element.ns_decls.len() >= self.limits.max_attributes {
                return Err(refuse(format!(
                    "phần tử <{}> có quá {} thuộc tính",
                    element.qname(),
                    self.limits.max_attributes
                )));
            }
            let name = attribute.key.as_ref();
            let value = attribute_value(&attribute.value, self.limits.max_text_bytes)?;
            match namespace_declaration(name)? {
                Some(declared) => element
                    .ns_decls
                    .push((declared.to_owned(), check_declaration(declared, value)?)),
                None => raw_attributes.push((name.to_owned(), value)),
            }
        }
        self.stack.push(element);
        let element = self
            .stack
            .last()
            .map(|e| (e.prefix.clone(), e.qname()))
            .unwrap_or_default();
        let ns = self.resolve(&element.0)?;
        let mut attributes = Vec::with_capacity(raw_attributes.len());
        for (name, value) in raw_attributes {
            let (prefix, local) = split_name(&name)?;
            let ns = if prefix.is_empty() {
                String::new()
            } else {
                self.resolve(prefix)?
            };
            if attributes
                .iter()
                .any(|a: &Attribute| a.ns == ns && a.local == local)
            {
                return Err(refuse(format!(
                    "thuộc tính {name} lặp lại trong <{}>",
                    element.1
                )));
            }
            attributes.push(Attribute {
                prefix: prefix.to_owned(),
                local: local.to_owned(),
                ns,
                value,
            });
        }
        if let Some(top) = self.stack.last_mut() {
            top.ns = ns;
            top.attributes = attributes;
        }
        Ok(())
    }

    /// The namespace bound to `prefix` in the open elements ("" for the default namespace,
    /// which may be unbound).
    fn resolve(&self, prefix: &str) -> Result<String, EdxmlError> {
        if prefix == "xml" {
            return Ok(XML_NS.to_owned());
        }
        for element in self.stack.iter().rev() {
            if let Some((_, uri)) = element.ns_decls.iter().find(|(p, _)| p == prefix) {
                return Ok(uri.clone());
            }
        }
        if prefix.is_empty() {
            Ok(String::new())
        } else {
            Err(refuse(format!(
                "tiền tố {prefix}: chưa được khai báo không gian tên"
            )))
        }
    }

    fn close(&mut self, name: Option<&str>) -> Result<(), EdxmlError> {
        let element = self
            .stack
            .pop()
            .ok_or_else(|| refuse("thẻ đóng không có thẻ mở tương ứng"))?;
        if let Some(name) = name
            && name != element.qname()
        {
            return Err(refuse(format!(
                "thẻ đóng </{name}> không khớp với <{}>",
                element.qname()
            )));
        }
        match self.stack.last_mut() {
            Some(parent) => parent.children.push(Node::Element(element)),
            None => self.root = Some(element),
        }
        Ok(())
    }

    fn text(&mut self, text: &str) -> Result<(), EdxmlError> {
        check_chars(text)?;
        if text.contains("]]>") {
            return Err(refuse("văn bản chứa chuỗi ]]> không được phép"));
        }
        self.append_text(text)
    }

    fn cdata(&mut self, text: &str) -> Result<(), EdxmlError> {
        check_chars(text)?;
        if self.stack.is_empty() {
            return Err(refuse("có dữ liệu CDATA ngoài phần tử gốc"));
        }
        self.append_text(text)
    }

    fn reference(&mut self, reference: &BytesRef) -> Result<(), EdxmlError> {
        let resolved = resolve_reference(&reference.xml10_content())?;
        if self.stack.is_empty() {
            return Err(refuse("có tham chiếu ký tự ngoài phần tử gốc"));
        }
        self.append_text(resolved.encode_utf8(&mut [0; 4]))
    }

    fn append_text(&mut self, text: &str) -> Result<(), EdxmlError> {
        let Some(top) = self.stack.last_mut() else {
            if text.chars().all(is_xml_space) {
                return Ok(());
            }
            return Err(refuse("có văn bản ngoài phần tử gốc"));
        };
        let bulk = self
            .limits
            .bulk_text
            .iter()
            .any(|(ns, local)| top.ns == *ns && top.local == *local);
        let length = match top.children.last_mut() {
            Some(Node::Text(existing)) => {
                existing.push_str(text);
                existing.len()
            }
            _ => {
                top.children.push(Node::Text(text.to_owned()));
                text.len()
            }
        };
        if !bulk && length > self.limits.max_text_bytes {
            return Err(refuse(format!(
                "nội dung của <{}> dài quá {} byte",
                top.qname(),
                self.limits.max_text_bytes
            )));
        }
        Ok(())
    }
}

pub(crate) fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn check_chars(text: &str) -> Result<(), EdxmlError> {
    match text.chars().find(|c| !is_xml_char(*c)) {
        Some(c) => Err(refuse(format!(
            "tài liệu chứa ký tự không được phép trong XML (U+{:04X})",
            c as u32
        ))),
        None => Ok(()),
    }
}

fn split_name(name: &str) -> Result<(&str, &str), EdxmlError> {
    let (prefix, local) = match name.split_once(':') {
        Some((p, l)) => (p, l),
        None => ("", name),
    };
    let valid = |part: &str| {
        let mut chars = part.chars();
        matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
            && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
    };
    if (!prefix.is_empty() || name.contains(':')) && !valid(prefix) || !valid(local) {
        return Err(refuse(format!("tên không hợp lệ: {name:?}")));
    }
    Ok((prefix, local))
}

/// `Some(prefix)` when the attribute named `name` declares a namespace (`""` for `xmlns`).
fn namespace_declaration(name: &str) -> Result<Option<&str>, EdxmlError> {
    if name == "xmlns" {
        return Ok(Some(""));
    }
    match name.strip_prefix("xmlns:") {
        Some(prefix) => {
            split_name(prefix)?;
            Ok(Some(prefix))
        }
        None => Ok(None),
    }
}

fn check_declaration(prefix: &str, uri: String) -> Result<String, EdxmlError> {
    if prefix == "xml" || prefix == "xmlns" || uri == XML_NS || uri == XMLNS_NS {
        return Err(refuse(format!(
            "không được khai báo lại không gian tên dành riêng ({prefix})"
        )));
    }
    if !prefix.is_empty() && uri.is_empty() {
        return Err(refuse(format!(
            "tiền tố {prefix} được khai báo với không gian tên rỗng"
        )));
    }
    Ok(uri)
}

/// The character a reference (`lt`, `#233`, `#xE9`) stands for; anything else is refused.
fn resolve_reference(name: &str) -> Result<char, EdxmlError> {
    let predefined = match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => None,
    };
    if let Some(c) = predefined {
        return Ok(c);
    }
    let number = match name.strip_prefix("#x") {
        Some(hex)
            if !hex.is_empty() && hex.len() <= 8 && hex.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            u32::from_str_radix(hex, 16).ok()
        }
        Some(_) => None,
        None => name
            .strip_prefix('#')
            .filter(|d| !d.is_empty() && d.len() <= 10 && d.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|d| d.parse().ok()),
    };
    if !name.starts_with('#') {
        return Err(refuse(format!(
            "tham chiếu thực thể &{name}; không được phép (chỉ nhận 5 thực thể định sẵn và tham chiếu ký tự)"
        )));
    }
    number
        .and_then(char::from_u32)
        .filter(|c| is_xml_char(*c))
        .ok_or_else(|| refuse(format!("tham chiếu ký tự &{name}; không hợp lệ")))
}

/// An attribute value as XML 1.0 reads it: line ends normalised, each literal white space
/// turned into a space, references resolved (a `&#10;` stays a line feed).
fn attribute_value(raw: &str, max_bytes: usize) -> Result<String, EdxmlError> {
    if raw.len() > max_bytes {
        return Err(refuse(format!(
            "giá trị thuộc tính dài quá {max_bytes} byte"
        )));
    }
    check_chars(raw)?;
    let mut value = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => return Err(refuse("giá trị thuộc tính chứa ký tự <")),
            '&' => {
                let end = rest
                    .find(';')
                    .ok_or_else(|| refuse("tham chiếu trong thuộc tính thiếu dấu ;"))?;
                value.push(resolve_reference(&rest[1..end])?);
                rest = &rest[end + 1..];
                continue;
            }
            '\r' => {
                value.push(' ');
                if rest[1..].starts_with('\n') {
                    rest = &rest[1..];
                }
            }
            '\t' | '\n' => value.push(' '),
            other => value.push(other),
        }
        rest = &rest[c.len_utf8()..];
    }
    Ok(value)
}
