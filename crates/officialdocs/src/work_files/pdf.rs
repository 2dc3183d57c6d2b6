//! Joins PDF files into one with lopdf: the pages of each part in order, under one new page
//! tree. Pure, no I/O.

use lopdf::{Dictionary, Document, Object, ObjectId};
use std::collections::HashSet;

/// Page attributes a page may inherit from its page tree (ISO 32000-1, 7.7.3.4): copied onto
/// the page before it moves to the new tree.
const INHERITED: [&[u8]; 4] = [b"Resources", b"MediaBox", b"CropBox", b"Rotate"];

/// A PDF that can be embedded: it parses, is not encrypted and has pages.
pub fn load(bytes: &[u8]) -> Option<Document> {
    let doc = Document::load_mem(bytes).ok()?;
    (!doc.is_encrypted() && !doc.get_pages().is_empty()).then_some(doc)
}

/// The number of pages of a loaded PDF.
pub fn pages(doc: &Document) -> usize {
    doc.get_pages().len()
}

/// The pages of every part, in order, as one PDF.
pub fn merge(parts: Vec<Document>) -> Result<Vec<u8>, lopdf::Error> {
    let mut out = Document::with_version("1.7");
    let tree = out.new_object_id();
    let mut kids = Vec::new();
    for mut doc in parts {
        doc.renumber_objects_with(out.max_id + 1);
        let page_ids: Vec<ObjectId> = doc.get_pages().into_values().collect();
        let mut pages = Vec::with_capacity(page_ids.len());
        for id in &page_ids {
            let mut page = doc.get_dictionary(*id)?.clone();
            for key in INHERITED {
                if !page.has(key)
                    && let Some(value) = inherited(&doc, *id, key)
                {
                    page.set(key, value);
                }
            }
            page.set("Parent", Object::Reference(tree));
            pages.push((*id, page));
        }
        out.max_id = out.max_id.max(doc.max_id);
        let skip: HashSet<ObjectId> = page_ids.iter().copied().collect();
        for (id, object) in doc.objects {
            // The part's own catalog and page tree (and stream containers the reader already
            // unpacked) are replaced by the new ones.
            let structural = matches!(
                object.type_name().unwrap_or_default(),
                b"Catalog" | b"Pages" | b"ObjStm" | b"XRef" | b"Outlines"
            );
            if !structural && !skip.contains(&id) {
                out.objects.insert(id, object);
            }
        }
        for (id, page) in pages {
            out.objects.insert(id, Object::Dictionary(page));
            kids.push(id);
        }
    }
    let mut tree_dict = Dictionary::new();
    tree_dict.set("Type", Object::Name(b"Pages".to_vec()));
    tree_dict.set("Count", Object::Integer(kids.len() as i64));
    tree_dict.set(
        "Kids",
        Object::Array(kids.into_iter().map(Object::Reference).collect()),
    );
    out.objects.insert(tree, Object::Dictionary(tree_dict));
    let mut catalog = Dictionary::new();
    catalog.set("Type", Object::Name(b"Catalog".to_vec()));
    catalog.set("Pages", Object::Reference(tree));
    let catalog = out.add_object(Object::Dictionary(catalog));
    out.trailer.set("Root", Object::Reference(catalog));
    let mut bytes = Vec::new();
    out.save_to(&mut bytes)?;
    Ok(bytes)
}

/// The value of `key` the page inherits from its nearest ancestor that sets it.
fn inherited(doc: &Document, page: ObjectId, key: &[u8]) -> Option<Object> {
    let mut seen = HashSet::new();
    let mut node = doc.get_dictionary(page).ok()?;
    loop {
        let parent = node.get(b"Parent").ok()?.as_reference().ok()?;
        if !seen.insert(parent) {
            return None; // a broken tree with a cycle
        }
        node = doc.get_dictionary(parent).ok()?;
        if let Ok(value) = node.get(key) {
            return Some(value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_page_form(title: &str) -> Vec<u8> {
        let long = (0..120)
            .map(|i| format!("Dòng số {i} của văn bản."))
            .collect::<Vec<_>>();
        tinhso_documents::form_pdf(&tinhso_documents::FormDocument {
            title: title.into(),
            blocks: vec![tinhso_documents::Block::List(long)],
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn parts_are_joined_page_by_page_in_order() {
        let a = load(&two_page_form("A")).unwrap();
        let b = load(&two_page_form("B")).unwrap();
        let (pa, pb) = (pages(&a), pages(&b));
        assert!(pa >= 2);
        let merged = merge(vec![a, b]).unwrap();
        let back = Document::load_mem(&merged).unwrap();
        assert_eq!(back.get_pages().len(), pa + pb);
        let first = back.extract_text(&[1]).unwrap_or_default();
        assert!(first.contains("Dòng số 0"), "{first}");
    }

    #[test]
    fn what_is_not_a_pdf_is_not_loaded() {
        assert!(load(b"not a pdf").is_none());
        assert!(load(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n").is_none());
    }
}
