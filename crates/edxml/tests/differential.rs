//! Our validator and `xmllint --schema` must agree on every document of a corpus: valid
//! packages and statuses, and their systematic mutations (each element dropped, duplicated,
//! swapped with its next sibling; each text value emptied, padded, lengthened, or replaced by
//! values at the edges of its facets; each attribute broken). The XSD is normative; this test is
//! what makes `src/schema.rs` its faithful runtime form.
mod common;
use common::*;
use std::process::Command;
use tinhso_edxml::dom::{self, Element, Node};
use tinhso_edxml::*;

fn corpus() -> Vec<(String, Element)> {
    let mut documents = Vec::new();
    let parse = |xml: Vec<u8>| read_valid(&xml, MAX).expect("corpus documents are valid");
    documents.push((
        "minimal".to_string(),
        parse(minimal_package().to_signed_xml(&key()).unwrap()),
    ));
    documents.push((
        "full".to_string(),
        parse(full_package().to_signed_xml(&key()).unwrap()),
    ));
    let mut business = minimal_package();
    business.business = Some(Business {
        spelled_bussiness: false,
        doc_type: 3,
        reason: None,
    });
    documents.push((
        "business".to_string(),
        parse(business.to_signed_xml(&key()).unwrap()),
    ));
    for code in StatusCode::ALL {
        documents.push((
            format!("status-{}", code.code()),
            parse(status(code).to_signed_xml(&key()).unwrap()),
        ));
    }
    let mut bare = status(StatusCode::Arrived);
    bare.description = None;
    bare.staff_info = None;
    documents.push((
        "status-bare".to_string(),
        parse(bare.to_signed_xml(&key()).unwrap()),
    ));
    documents
}

/// Paths (child indexes in `children`) of every element under `root`.
fn element_paths(element: &Element, prefix: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    for (i, child) in element.children.iter().enumerate() {
        if let Node::Element(e) = child {
            prefix.push(i);
            out.push(prefix.clone());
            element_paths(e, prefix, out);
            prefix.pop();
        }
    }
}

fn parent_mut<'a>(root: &'a mut Element, path: &[usize]) -> &'a mut Element {
    let mut current = root;
    for &i in &path[..path.len() - 1] {
        current = match &mut current.children[i] {
            Node::Element(e) => e,
            Node::Text(_) => unreachable!(),
        };
    }
    current
}

fn at<'a>(root: &'a mut Element, path: &[usize]) -> &'a mut Element {
    match &mut parent_mut(root, path).children[*path.last().unwrap()] {
        Node::Element(e) => e,
        Node::Text(_) => unreachable!(),
    }
}

const TEXT_VALUES: &[&str] = &[
    "",
    " ",
    "x",
    "0",
    "4",
    "5",
    "9",
    "01",
    "13",
    "14",
    "1.0",
    "2.0",
    "cid:",
    "cid:a b",
    "cid:ok",
    "a/b",
    "a b/c",
    "AAAA",
    "AAA",
    "AA==",
    "A===",
    "!!!!",
    "000.00.00.H56",
    "000.12.00.H56",
    "000.00.00.H56 ",
    "2026/02/30",
    "2026/13/01",
    "2026/11/30 24:00:00",
    "2026/11/30 23:59:59",
    "000.00.00.H56,2026/11/30,12/AB",
    "000.00.00.H56,2026/11/30,12/A,B",
    "１２",
    "٣",
    "QU=D",
    "QQ==",
    "QR==",
    "Q Q = =",
    "AAAA\nAAAA",
    "=AAA",
    "AAAA====",
    "A\tA\rA\nA",
];

fn mutations(name: &str, root: &Element) -> Vec<(String, Element)> {
    let mut paths = Vec::new();
    element_paths(root, &mut Vec::new(), &mut paths);
    let mut out = Vec::new();
    for path in &paths {
        let tag = format!("{name}{path:?}");
        let mut dropped = root.clone();
        parent_mut(&mut dropped, path)
            .children
            .remove(*path.last().unwrap());
        out.push((format!("{tag}-drop"), dropped));
        let mut duplicated = root.clone();
        let copy = at(&mut duplicated, path).clone();
        parent_mut(&mut duplicated, path)
            .children
            .insert(*path.last().unwrap() + 1, Node::Element(copy));
        out.push((format!("{tag}-dup"), duplicated));
        let mut swapped = root.clone();
        let parent = parent_mut(&mut swapped, path);
        let i = *path.last().unwrap();
        if let Some(j) =
            (i + 1..parent.children.len()).find(|&j| matches!(parent.children[j], Node::Element(_)))
        {
            parent.children.swap(i, j);
            out.push((format!("{tag}-swap"), swapped));
        }
        let mut renamed = root.clone();
        at(&mut renamed, path).local.push('X');
        out.push((format!("{tag}-rename"), renamed));
        let mut stray_attribute = root.clone();
        at(&mut stray_attribute, path)
            .attributes
            .push(dom::Attribute {
                prefix: String::new(),
                local: "lang".into(),
                ns: String::new(),
                value: "vi".into(),
            });
        out.push((format!("{tag}-attr"), stray_attribute));
        let original = at(&mut root.clone(), path).clone();
        let is_leaf = original.elements().next().is_none();
        if is_leaf {
            let text = original.text();
            let mut values: Vec<String> = TEXT_VALUES.iter().map(|s| s.to_string()).collect();
            values.push(format!(" {text}"));
            values.push(format!("{text}x"));
            values.push("x".repeat(251));
            values.push("ư".repeat(500));
            values.push("ư".repeat(501));
            for (k, value) in values.into_iter().enumerate() {
                let mut changed = root.clone();
                at(&mut changed, path).children = if value.is_empty() {
                    vec![]
                } else {
                    vec![Node::Text(value)]
                };
                out.push((format!("{tag}-text{k}"), changed));
            }
            let mut with_child = root.clone();
            at(&mut with_child, path)
                .children
                .push(Node::Element(Element::new("edXML", "X", EDXML_NS)));
            out.push((format!("{tag}-child"), with_child));
        } else {
            let mut with_text = root.clone();
            at(&mut with_text, path)
                .children
                .push(Node::Text("chữ".into()));
            out.push((format!("{tag}-text"), with_text));
        }
        for (k, attribute) in original.attributes.iter().enumerate() {
            for value in ["", "1.0 ", "x", "#id"] {
                let mut changed = root.clone();
                at(&mut changed, path).attributes[k].value = value.into();
                out.push((format!("{tag}-attrval{k}-{value}"), changed));
            }
            let mut removed = root.clone();
            at(&mut removed, path).attributes.remove(k);
            out.push((format!("{tag}-noattr-{}", attribute.local), removed));
        }
    }
    let mut wrong_root = root.clone();
    wrong_root.local = "edXML".into();
    out.push((format!("{name}-root"), wrong_root));
    let mut wrong_ns = root.clone();
    wrong_ns.ns = "urn:khac".into();
    out.push((format!("{name}-rootns"), wrong_ns));
    out
}

/// xmllint's verdict for each file, in one run.
fn xmllint_verdicts(tool: &str, files: &[std::path::PathBuf]) -> Vec<bool> {
    let mut verdicts = Vec::new();
    for chunk in files.chunks(400) {
        let output = Command::new(tool)
            .args(["--noout", "--nonet", "--schema", &schema_path()])
            .args(chunk)
            .output()
            .expect("xmllint runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        for file in chunk {
            let name = file.display().to_string();
            let ok = stderr.lines().any(|l| l == format!("{name} validates"));
            let failed = stderr
                .lines()
                .any(|l| l == format!("{name} fails to validate"));
            assert!(
                ok != failed,
                "xmllint said nothing clear about {name}:\n{stderr}"
            );
            verdicts.push(ok);
        }
    }
    verdicts
}

#[test]
fn our_validator_agrees_with_xmllint_on_the_corpus_and_its_mutations() {
    let Some(tool) = xmllint() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut cases = Vec::new();
    for (name, root) in corpus() {
        cases.push((name.clone(), root.clone()));
        cases.extend(mutations(&name, &root));
    }
    let mut files = Vec::new();
    let mut ours = Vec::new();
    for (i, (_, root)) in cases.iter().enumerate() {
        let bytes = write(root);
        let file = dir.path().join(format!("{i}.xml"));
        std::fs::write(&file, &bytes).unwrap();
        files.push(file);
        ours.push(read_valid(&bytes, MAX).map_err(|e| e.to_string()));
    }
    let theirs = xmllint_verdicts(tool, &files);
    let mut disagreements = Vec::new();
    for (((name, _), ours), theirs) in cases.iter().zip(&ours).zip(&theirs) {
        if ours.is_ok() != *theirs {
            disagreements.push(format!("{name}: xmllint {theirs}, ours {ours:?}"));
        }
    }
    let valid = theirs.iter().filter(|v| **v).count();
    eprintln!(
        "{} documents, {valid} valid, {} invalid",
        cases.len(),
        cases.len() - valid
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    assert!(
        cases.len() > 1000 && valid > 50,
        "the corpus must exercise both verdicts"
    );
}

#[test]
fn refusals_name_the_element_in_vietnamese() {
    for (name, root) in corpus() {
        for (mutation, changed) in mutations(&name, &root) {
            if let Err(e) = read_valid(&write(&changed), MAX) {
                let message = e.to_string();
                assert!(
                    [
                        "Thiếu",
                        "không",
                        "Giá trị",
                        "Trường",
                        "Thuộc tính",
                        "Phần tử gốc"
                    ]
                    .iter()
                    .any(|w| message.contains(w)),
                    "{mutation}: {message}"
                );
            }
        }
    }
}

#[test]
fn white_space_inside_empty_elements_gets_the_same_verdict() {
    let Some(tool) = xmllint() else { return };
    let xml = String::from_utf8(minimal_package().to_signed_xml(&key()).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let variants = [
        xml.replace(
            "#sha256\"></ds:DigestMethod>",
            "#sha256\"> </ds:DigestMethod>",
        ),
        xml.replace(
            "#sha256\"></ds:DigestMethod>",
            "#sha256\">\n</ds:DigestMethod>",
        ),
        xml.replace("\"></ds:SignatureMethod>", "\">x</ds:SignatureMethod>"),
        xml.replace("<edXML:Subject>", "<edXML:Subject><![CDATA[a]]>"),
        xml.replace("<edXML:Subject>", "<edXML:Subject>&#x1F600;"),
    ];
    let files: Vec<_> = variants
        .iter()
        .enumerate()
        .map(|(i, v)| {
            assert_ne!(v, &xml, "variant {i} changed nothing");
            let file = dir.path().join(format!("{i}.xml"));
            std::fs::write(&file, v).unwrap();
            file
        })
        .collect();
    let theirs = xmllint_verdicts(tool, &files);
    for (i, (variant, theirs)) in variants.iter().zip(theirs).enumerate() {
        assert_eq!(
            read_valid(variant.as_bytes(), MAX).is_ok(),
            theirs,
            "variant {i}"
        );
    }
}
