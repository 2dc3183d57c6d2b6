//! Our XMLDSig profile: one enveloped signature, the last child of `edXMLHeader`, over the
//! whole document (`Reference URI=""`), transforms exactly [enveloped-signature, exclusive
//! C14N], SHA-256, ECDSA P-256 (r‖s, 64 bytes, as RFC 4050/6931 write it).
//!
//! Verification takes the key from the peer's configuration, never from the document (a
//! `KeyInfo` is allowed and ignored), and refuses signature wrapping by construction: only
//! `URI=""` (no ID lookup at all), exactly one `Signature` anywhere in the tree, exactly one
//! Reference with exactly our transforms, and the digest is computed over the very tree the
//! fields are later read from.

use crate::dom::{Attribute, Element, Node};
use crate::schema::{ECDSA_SHA256, ENVELOPED, EXC_C14N, SHA256, base64_octets};
use crate::{DS_NS, EDXML_NS, EdxmlError, c14n};
use base64::Engine;
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

fn refuse(message: impl Into<String>) -> EdxmlError {
    EdxmlError::Signature(message.into())
}

fn ds(local: &str) -> Element {
    Element::new("ds", local, DS_NS)
}

fn with_algorithm(local: &str, algorithm: &str) -> Element {
    let mut element = ds(local);
    element.attributes.push(Attribute {
        prefix: String::new(),
        local: "Algorithm".into(),
        ns: String::new(),
        value: algorithm.into(),
    });
    element
}

fn with_children(mut element: Element, children: Vec<Element>) -> Element {
    element
        .children
        .extend(children.into_iter().map(Node::Element));
    element
}

fn with_text(mut element: Element, text: String) -> Element {
    element.children.push(Node::Text(text));
    element
}

fn is_signature(element: &Element) -> bool {
    element.is(DS_NS, "Signature")
}

/// The SHA-256 of the exclusive canonical form of the document without its signature.
fn document_digest(root: &Element, signature: Option<&Element>) -> [u8; 32] {
    let mut hasher = Sha256::new();
    let skip = |e: &Element| signature.is_some_and(|s| std::ptr::eq(e, s));
    c14n::canonicalize(root, &skip, &mut |chunk| hasher.update(chunk));
    hasher.finalize().into()
}

/// Signs the document: adds `ds:Signature` as the last child of `edXMLHeader`.
pub fn sign(root: &mut Element, key: &SigningKey) -> Result<(), EdxmlError> {
    if count_signatures(root) != 0 {
        return Err(refuse("tài liệu đã có chữ ký"));
    }
    let digest = document_digest(root, None);
    let b64 = &base64::engine::general_purpose::STANDARD;
    let mut reference = with_children(
        ds("Reference"),
        vec![
            with_children(
                ds("Transforms"),
                vec![
                    with_algorithm("Transform", ENVELOPED),
                    with_algorithm("Transform", EXC_C14N),
                ],
            ),
            with_algorithm("DigestMethod", SHA256),
            with_text(ds("DigestValue"), b64.encode(digest)),
        ],
    );
    reference.attributes.push(Attribute {
        prefix: String::new(),
        local: "URI".into(),
        ns: String::new(),
        value: String::new(),
    });
    let signed_info = with_children(
        ds("SignedInfo"),
        vec![
            with_algorithm("CanonicalizationMethod", EXC_C14N),
            with_algorithm("SignatureMethod", ECDSA_SHA256),
            reference,
        ],
    );
    let signature: Signature = key.sign(&c14n::to_bytes(&signed_info, &|_| false));
    let mut element = with_children(
        ds("Signature"),
        vec![
            signed_info,
            with_text(ds("SignatureValue"), b64.encode(signature.to_bytes())),
        ],
    );
    element.ns_decls.push(("ds".into(), DS_NS.into()));
    let header = root
        .children
        .iter_mut()
        .find_map(|n| match n {
            Node::Element(e) if e.is(EDXML_NS, "edXMLHeader") => Some(e),
            _ => None,
        })
        .ok_or_else(|| refuse("không tìm thấy edXMLHeader để đặt chữ ký"))?;
    header.children.push(Node::Element(element));
    Ok(())
}

fn count_signatures(element: &Element) -> usize {
    usize::from(is_signature(element)) + element.elements().map(count_signatures).sum::<usize>()
}

/// Verifies the document's signature with the peer's key. Call after [`crate::schema::validate`].
pub fn verify(root: &Element, peer_key: &VerifyingKey) -> Result<(), EdxmlError> {
    let signature = locate_signature(root)?;
    let signed_info = only_child(signature, "SignedInfo", "Signature")?;
    check_algorithm(
        only_child(signed_info, "CanonicalizationMethod", "SignedInfo")?,
        EXC_C14N,
    )?;
    check_algorithm(
        only_child(signed_info, "SignatureMethod", "SignedInfo")?,
        ECDSA_SHA256,
    )?;
    let reference = only_child(signed_info, "Reference", "SignedInfo")?;
    check_reference(reference)?;
    let claimed = base64_octets(&only_child(reference, "DigestValue", "Reference")?.text())
        .ok_or_else(|| refuse("DigestValue không phải base64"))?;
    if claimed != document_digest(root, Some(signature)) {
        return Err(refuse(
            "nội dung tài liệu đã bị thay đổi sau khi ký (giá trị băm không khớp)",
        ));
    }
    let value = base64_octets(&only_child(signature, "SignatureValue", "Signature")?.text())
        .ok_or_else(|| refuse("SignatureValue không phải base64"))?;
    let value = Signature::from_slice(&value)
        .map_err(|_| refuse("SignatureValue không phải chữ ký ECDSA P-256 (r‖s)"))?;
    let value = value.normalize_s();
    peer_key
        .verify(&c14n::to_bytes(signed_info, &|_| false), &value)
        .map_err(|_| refuse("chữ ký không khớp với khóa công khai đã cấu hình cho bên gửi"))
}

/// The one `ds:Signature`, which must be the last element of `edXMLHeader`.
fn locate_signature(root: &Element) -> Result<&Element, EdxmlError> {
    match count_signatures(root) {
        0 => return Err(refuse("tài liệu không có chữ ký (ds:Signature)")),
        1 => {}
        n => return Err(refuse(format!("tài liệu có {n} chữ ký; chỉ nhận đúng một"))),
    }
    root.child(EDXML_NS, "edXMLHeader")
        .and_then(|header| header.elements().last())
        .filter(|e| is_signature(e))
        .ok_or_else(|| refuse("chữ ký phải là phần tử cuối của edXMLHeader"))
}

fn only_child<'a>(
    parent: &'a Element,
    local: &str,
    parent_name: &str,
) -> Result<&'a Element, EdxmlError> {
    let mut found = parent.elements().filter(|e| e.is(DS_NS, local));
    match (found.next(), found.next()) {
        (Some(one), None) => Ok(one),
        (None, _) => Err(refuse(format!("thiếu {parent_name}/{local}"))),
        (Some(_), Some(_)) => Err(refuse(format!("{parent_name} có nhiều hơn một {local}"))),
    }
}

fn check_algorithm(element: &Element, expected: &str) -> Result<(), EdxmlError> {
    match element.attribute("Algorithm") {
        Some(a) if a == expected && element.children.is_empty() => Ok(()),
        other => Err(refuse(format!(
            "{} phải dùng thuật toán {expected} (tài liệu dùng {})",
            element.local,
            other.unwrap_or("không rõ")
        ))),
    }
}

/// Exactly `URI=""` and exactly [enveloped-signature, exc-c14n], in that order.
fn check_reference(reference: &Element) -> Result<(), EdxmlError> {
    if reference.attribute("URI") != Some("") {
        return Err(refuse(
            "Reference phải có URI=\"\" (toàn bộ tài liệu); không nhận tham chiếu khác",
        ));
    }
    let transforms: Vec<&Element> = only_child(reference, "Transforms", "Reference")?
        .elements()
        .collect();
    let algorithms: Vec<Option<&str>> = transforms
        .iter()
        .map(|t| t.attribute("Algorithm"))
        .collect();
    if algorithms != [Some(ENVELOPED), Some(EXC_C14N)]
        || transforms.iter().any(|t| !t.children.is_empty())
    {
        return Err(refuse(
            "Transforms phải đúng là enveloped-signature rồi exc-c14n, không thêm biến đổi nào",
        ));
    }
    check_algorithm(only_child(reference, "DigestMethod", "Reference")?, SHA256)
}
