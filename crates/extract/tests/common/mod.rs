//! Sample documents made here, never shipped: a DOCX written with the zip crate and a PDF from
//! the platform's own renderer (embedded DejaVu subset, Identity-H with a ToUnicode CMap, as
//! word processors write Vietnamese).

#![allow(dead_code)]

use std::io::Write;
use zip::write::SimpleFileOptions;

pub const TITLE: &str = "QUYẾT ĐỊNH";
pub const SUBJECT: &str = "Phê duyệt danh mục thủ tục hành chính được chuẩn hóa";

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;

/// A DOCX package whose body is `body` (the inside of `w:body`).
pub fn docx_with_body(body: &str) -> Vec<u8> {
    package(&[("word/document.xml", body_xml(body).as_bytes())])
}

fn body_xml(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    )
}

/// A zip of the given parts with the package's content types and relationships.
pub fn package(parts: &[(&str, &[u8])]) -> Vec<u8> {
    package_with(parts, zip::CompressionMethod::Deflated)
}

/// As [`package`], with the parts compressed by `method`.
pub fn package_with(parts: &[(&str, &[u8])], method: zip::CompressionMethod) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(method);
    let base: [(&str, &[u8]); 2] = [
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", RELS.as_bytes()),
    ];
    for (name, bytes) in base.iter().chain(parts) {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A typical decision as DOCX: a run split in two (as Word does after an edit), a tab, a line
/// break, an entity, a table, tab stops that are not tabs, a deleted run that is not text.
pub fn decision_docx() -> Vec<u8> {
    docx_with_body(&decision_body())
}

/// The same decision with its parts stored, not deflated: mutations reach the XML.
pub fn decision_docx_stored() -> Vec<u8> {
    package_with(
        &[("word/document.xml", body_xml(&decision_body()).as_bytes())],
        zip::CompressionMethod::Stored,
    )
}

fn decision_body() -> String {
    format!(
        r#"<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr><w:r><w:t>QUYẾT </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>ĐỊNH</w:t></w:r></w:p>
<w:p><w:r><w:t>Số:</w:t><w:tab/><w:t>15/QĐ-UBND</w:t><w:br/><w:t xml:space="preserve">{SUBJECT} &amp; công bố</w:t></w:r><w:del><w:r><w:delText>bản nháp cũ</w:delText></w:r></w:del></w:p>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Nơi nhận</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Giám đốc</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"#
    )
}

/// A typical decision as a PDF of three pages, rendered by the platform.
pub fn decision_pdf() -> Vec<u8> {
    let mut blocks = vec![tinhso_documents::Block::Heading(SUBJECT.into())];
    for i in 1..=28 {
        blocks.push(tinhso_documents::Block::Paragraph(format!(
            "Điều {i}. Giao Sở Tư pháp chủ trì, phối hợp với các sở, ban, ngành và Ủy ban nhân dân cấp huyện triển khai thực hiện quyết định này; báo cáo kết quả trước ngày 31 tháng 12 năm 2026."
        )));
    }
    tinhso_documents::form_pdf(&tinhso_documents::FormDocument {
        issuer_parent: "UBND TỈNH THANH HÓA".into(),
        issuer: "SỞ TƯ PHÁP".into(),
        place_date: "Thanh Hóa, ngày 24 tháng 11 năm 2026".into(),
        title: TITLE.into(),
        blocks,
        signer: Some(tinhso_documents::Signer {
            role: "GIÁM ĐỐC".into(),
            name: "Hoàng Văn Bình".into(),
        }),
        ..Default::default()
    })
    .unwrap()
}

/// Whitespace collapsed, so a check does not depend on where lines break.
pub fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
