//! Hostile XML and signature wrapping: each refused, with a Vietnamese message.
mod common;
use common::*;
use tinhso_edxml::dom::{Element, Node};
use tinhso_edxml::*;

fn signed() -> String {
    String::from_utf8(minimal_package().to_signed_xml(&key()).unwrap()).unwrap()
}

fn refused(xml: &[u8]) -> String {
    match Package::read(xml, MAX, key().verifying_key()) {
        Ok(_) => panic!("accepted:\n{}", String::from_utf8_lossy(xml)),
        Err(e) => e.to_string(),
    }
}

fn body_of(xml: &str) -> &str {
    xml.split_once("?>\n").map(|(_, rest)| rest).unwrap_or(xml)
}

#[test]
fn xxe_is_refused_at_the_doctype() {
    let xml = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n{}",
        body_of(&signed()).replace("Thanh Hóa</edXML:Place>", "&xxe;</edXML:Place>")
    );
    assert!(refused(xml.as_bytes()).contains("DOCTYPE"));
    let external = format!(
        "<!DOCTYPE edXML:edXMLEnvelope SYSTEM \"file:///etc/passwd\">{}",
        body_of(&signed())
    );
    assert!(refused(external.as_bytes()).contains("DOCTYPE"));
}

#[test]
fn billion_laughs_is_refused() {
    let mut dtd = String::from("<!DOCTYPE lolz [<!ENTITY lol \"lol\">");
    for i in 1..10 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        dtd.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">",
            format!("&{prev};").repeat(10)
        ));
    }
    dtd.push_str("]>");
    let xml = format!("<?xml version=\"1.0\"?>{dtd}<lolz>&lol9;</lolz>");
    assert!(refused(xml.as_bytes()).contains("DOCTYPE"));
    // Without the DOCTYPE, the undeclared entity itself is refused.
    let message = refused(
        signed()
            .replace("Thanh Hóa</edXML:Place>", "&lol9;</edXML:Place>")
            .as_bytes(),
    );
    assert!(message.contains("&lol9;"), "{message}");
}

#[test]
fn comments_and_processing_instructions_are_refused() {
    let xml = signed().replace("Công văn", "Công<!-- ẩn -->văn");
    assert!(refused(xml.as_bytes()).contains("chú thích"));
    let xml = signed().replace("<edXML:Subject>", "<?php echo 1; ?><edXML:Subject>");
    assert!(refused(xml.as_bytes()).contains("chỉ thị xử lý"));
}

#[test]
fn predefined_and_numeric_references_are_read() {
    let xml = signed();
    assert!(
        xml.contains("&amp;") && xml.contains("&lt;"),
        "the subject is escaped"
    );
    let package = Package::read(xml.as_bytes(), MAX, key().verifying_key()).unwrap();
    assert_eq!(package.subject, minimal_package().subject);
    let message = refused(
        signed()
            .replace("Thanh Hóa</edXML:Place>", "&#0;</edXML:Place>")
            .as_bytes(),
    );
    assert!(message.contains("tham chiếu ký tự"), "{message}");
}

#[test]
fn an_oversized_package_is_refused_before_parsing() {
    let xml = signed();
    let err = Package::read(xml.as_bytes(), xml.len() - 1, key().verifying_key()).unwrap_err();
    assert!(err.to_string().contains("vượt giới hạn"), "{err}");
}

#[test]
fn an_oversized_attachment_is_refused() {
    let mut package = minimal_package();
    package.attachments[0].content = vec![0u8; schema::MAX_ATTACHMENT_BYTES + 1];
    let mut root = package.to_element();
    dsig::sign(&mut root, &key()).unwrap();
    let xml = write(&root);
    // With the default 64 MiB package limit the reader refuses it first; past that, the schema.
    assert!(refused(&xml).contains("vượt giới hạn"));
    let message = Package::read(&xml, 2 * MAX, key().verifying_key())
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("ContentTransferEncoded")
            && message.contains(&format!("{} byte", schema::MAX_ATTACHMENT_BYTES + 1)),
        "{message}"
    );
}

#[test]
fn long_text_outside_attachments_is_refused() {
    let xml = signed().replace(
        "Thanh Hóa</edXML:Place>",
        &format!("{}</edXML:Place>", "a".repeat(70_000)),
    );
    assert!(refused(xml.as_bytes()).contains("dài quá 65536 byte"));
}

#[test]
fn deep_nesting_and_element_floods_are_refused() {
    let deep = format!("{}{}", "<a>".repeat(10_000), "</a>".repeat(10_000));
    assert!(refused(deep.as_bytes()).contains("lồng sâu quá 16 cấp"));
    let flood = format!("<a>{}</a>", "<b/>".repeat(6_000));
    assert!(refused(flood.as_bytes()).contains("quá 5000 phần tử"));
    let attributes: String = (0..17).map(|i| format!(" a{i}=\"x\"")).collect();
    assert!(refused(format!("<a{attributes}/>").as_bytes()).contains("quá 16 thuộc tính"));
}

#[test]
fn non_utf8_is_refused() {
    let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>Thanh H\xf3a</a>";
    assert!(refused(latin1).contains("UTF-8"));
    let declared = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>x</a>";
    assert!(refused(declared.as_bytes()).contains("UTF-8"));
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("<a/>".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    assert!(refused(&utf16).contains("UTF-8"));
}

// ---- signature wrapping and tampering ----

#[test]
fn a_changed_field_breaks_the_signature() {
    let xml = signed().replace("Chủ tịch", "Phó Chủ tịch");
    assert!(refused(xml.as_bytes()).contains("đã bị thay đổi sau khi ký"));
}

#[test]
fn a_changed_attachment_breaks_the_signature() {
    let mut package = minimal_package();
    let original = package.to_signed_xml(&key()).unwrap();
    package.attachments[0].content = b"%PDF-1.7\n% another file\n".to_vec();
    let mut other = String::from_utf8(package.to_signed_xml(&key()).unwrap()).unwrap();
    let text = String::from_utf8(original).unwrap();
    let start = text.find("<edXML:ContentTransferEncoded>").unwrap();
    let end = text.find("</edXML:ContentTransferEncoded>").unwrap();
    let ostart = other.find("<edXML:ContentTransferEncoded>").unwrap();
    let oend = other.find("</edXML:ContentTransferEncoded>").unwrap();
    other.replace_range(ostart..oend, &text[start..end]);
    assert_ne!(other.as_bytes(), text.as_bytes());
    assert!(refused(other.as_bytes()).contains("đã bị thay đổi"));
}

#[test]
fn a_signature_by_another_key_is_refused() {
    let xml = minimal_package().to_signed_xml(&other_key()).unwrap();
    assert!(refused(&xml).contains("khóa công khai đã cấu hình"));
}

/// Edits the signed tree and writes it back.
fn edit(f: impl FnOnce(&mut Element)) -> Vec<u8> {
    let mut root = read_valid(signed().as_bytes(), MAX).unwrap();
    f(&mut root);
    write(&root)
}

fn header(root: &mut Element) -> &mut Element {
    root.children
        .iter_mut()
        .find_map(|n| match n {
            Node::Element(e) if e.local == "edXMLHeader" => Some(e),
            _ => None,
        })
        .unwrap()
}

fn signature(root: &mut Element) -> &mut Element {
    header(root)
        .children
        .iter_mut()
        .find_map(|n| match n {
            Node::Element(e) if e.local == "Signature" => Some(e),
            _ => None,
        })
        .unwrap()
}

fn reference(root: &mut Element) -> &mut Element {
    let signed_info = signature(root).children.iter_mut().find_map(|n| match n {
        Node::Element(e) if e.local == "SignedInfo" => Some(e),
        _ => None,
    });
    signed_info
        .unwrap()
        .children
        .iter_mut()
        .find_map(|n| match n {
            Node::Element(e) if e.local == "Reference" => Some(e),
            _ => None,
        })
        .unwrap()
}

#[test]
fn a_second_signature_is_refused() {
    let xml = edit(|root| {
        let copy = signature(root).clone();
        header(root).children.push(Node::Element(copy));
    });
    assert!(!refused(&xml).is_empty());
    // Even where the schema would not look: the verifier counts every ds:Signature.
    let mut root = read_valid(signed().as_bytes(), MAX).unwrap();
    let copy = signature(&mut root).clone();
    header(&mut root).children.insert(0, Node::Element(copy));
    let err = dsig::verify(&root, key().verifying_key()).unwrap_err();
    assert!(err.to_string().contains("2 chữ ký"), "{err}");
}

#[test]
fn a_moved_signature_is_refused() {
    let mut root = read_valid(signed().as_bytes(), MAX).unwrap();
    let sig = header(&mut root).children.pop().unwrap();
    root.children.push(sig);
    let err = dsig::verify(&root, key().verifying_key()).unwrap_err();
    assert!(
        err.to_string().contains("phần tử cuối của edXMLHeader"),
        "{err}"
    );
    assert!(!refused(&write(&root)).is_empty());
}

#[test]
fn another_reference_uri_is_refused() {
    for uri in ["#x", "#xpointer(/)", "http://example.com/"] {
        let xml = edit(|root| reference(root).attributes[0].value = uri.into());
        let message = refused(&xml);
        assert!(message.contains("URI"), "{uri}: {message}");
        // And the verifier alone refuses it too.
        let mut root = read_valid(signed().as_bytes(), MAX).unwrap();
        reference(&mut root).attributes[0].value = uri.into();
        let err = dsig::verify(&root, key().verifying_key()).unwrap_err();
        assert!(err.to_string().contains("URI=\"\""), "{err}");
    }
}

#[test]
fn extra_or_reordered_transforms_are_refused() {
    let transforms = |root: &mut Element| -> Vec<Node> {
        match &reference(root).children[0] {
            Node::Element(t) => t.children.clone(),
            Node::Text(_) => unreachable!(),
        }
    };
    let mut root = read_valid(signed().as_bytes(), MAX).unwrap();
    let mut list = transforms(&mut root);
    list.reverse();
    if let Node::Element(t) = &mut reference(&mut root).children[0] {
        t.children = list;
    }
    let err = dsig::verify(&root, key().verifying_key()).unwrap_err();
    assert!(err.to_string().contains("Transforms"), "{err}");

    let mut root = read_valid(signed().as_bytes(), MAX).unwrap();
    let mut list = transforms(&mut root);
    list.push(list[1].clone());
    if let Node::Element(t) = &mut reference(&mut root).children[0] {
        t.children = list;
    }
    assert!(
        dsig::verify(&root, key().verifying_key())
            .unwrap_err()
            .to_string()
            .contains("Transforms")
    );
    assert!(refused(&write(&root)).contains("Transforms"));
}

#[test]
fn an_unsigned_package_is_refused() {
    let xml = write(&minimal_package().to_element());
    assert!(refused(&xml).contains("Thiếu trường bắt buộc edXMLHeader/Signature"));
}
