//! A closed file exported for the archive (Decree 30/2020, Appendix VI: "a work file exports
//! to PDF + XML in chronological order"): one PDF — a cover sheet with the file's code, title,
//! dates and retention and a table of contents, then the stored PDF of every document in
//! chronological order — and an XML file with the metadata of the file and of each document.
//! DOCX files cannot be converted here: they are listed in the contents and noted as not
//! embedded.

use super::pdf;
use super::store::{self as wstore, WorkFile};
use crate::{Direction, Document};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use tinhso_documents::{Block, FormDocument};
use tinhso_domain::official_doc::work_file::{FileCode, roman};
use tinhso_kernel::Ctx;
use tinhso_kernel::error::AppError;

/// Why a document's file is not in the PDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    NoFile,
    Docx,
    Unreadable,
}

/// One document of the file, as exported.
pub struct Entry {
    pub doc: Document,
    pub file_name: Option<String>,
    pub pdf: Option<lopdf::Document>,
    pub missing: Option<Missing>,
}

impl Entry {
    fn pages(&self) -> usize {
        self.pdf.as_ref().map(pdf::pages).unwrap_or(0)
    }

    /// `12/QĐ-STP`, as printed.
    pub fn number(&self) -> String {
        match (&self.doc.code_number, &self.doc.code_notation) {
            (Some(n), Some(t)) => format!("{n}/{t}"),
            (Some(n), None) => n.clone(),
            _ => String::new(),
        }
    }
}

/// Everything the export shows of a file.
pub struct Export {
    pub file: WorkFile,
    pub agency_name: String,
    pub heading: String,
    pub creator: String,
    /// In chronological order.
    pub entries: Vec<Entry>,
}

/// The order of the file: by the document's date, then its arrival, then its number (the
/// export and the file's page list its documents so).
pub fn chronological(a: &Document, b: &Document) -> std::cmp::Ordering {
    let key = |d: &Document| {
        (
            d.issued_date
                .clone()
                .or_else(|| d.arrival_date.clone())
                .unwrap_or_else(|| d.created_at.clone()),
            d.arrival_date.clone(),
            d.reg_number,
            d.id.clone(),
        )
    };
    key(a).cmp(&key(b))
}

/// Loads file `f` with its documents and their stored files.
pub async fn load(state: &Ctx, f: WorkFile) -> Result<Export, AppError> {
    let agency_name = tinhso_directory::store::by_id(&state.db, &f.agency_id)
        .await?
        .map(|a| a.name)
        .unwrap_or_default();
    let heading = wstore::headings(&state.db, &f.list_id)
        .await?
        .into_iter()
        .find(|h| h.id == f.heading_id)
        .map(|h| {
            let n = roman(u32::try_from(h.position).unwrap_or(0)).unwrap_or_default();
            format!("{n}. {}", h.title)
        })
        .unwrap_or_default();
    let creator = match &f.creator_id {
        Some(id) => wstore::full_name(&state.db, id).await?.unwrap_or_default(),
        None => String::new(),
    };
    let mut entries = Vec::new();
    for placed in wstore::placed(&state.db, &f.id).await? {
        let Some(doc) = crate::store::by_id(&state.db, &placed.document_id).await? else {
            continue;
        };
        let version = crate::store::versions(&state.db, &doc.id).await?.pop();
        let (file_name, pdf, missing) = match version {
            None => (None, None, Some(Missing::NoFile)),
            Some(v) if v.media_type != "application/pdf" => {
                (Some(v.file_name), None, Some(Missing::Docx))
            }
            Some(v) => {
                let bytes = tinhso_kernel::storage::get(state.storage.as_ref(), &v.storage_key)
                    .await
                    .map_err(AppError::Internal)?;
                match bytes.as_deref().and_then(pdf::load) {
                    Some(p) => (Some(v.file_name), Some(p), None),
                    None => (Some(v.file_name), None, Some(Missing::Unreadable)),
                }
            }
        };
        entries.push(Entry {
            doc,
            file_name,
            pdf,
            missing,
        });
    }
    entries.sort_by(|a, b| chronological(&a.doc, &b.doc));
    Ok(Export {
        file: f,
        agency_name,
        heading,
        creator,
        entries,
    })
}

fn vn_date(iso: Option<&str>) -> String {
    iso.and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_default()
}

fn cover(x: &Export, starts: &[Option<usize>]) -> FormDocument {
    let f = &x.file;
    let field = |label: &str, value: String| Block::Field {
        label: label.into(),
        value,
    };
    let items = x
        .entries
        .iter()
        .zip(starts)
        .enumerate()
        .map(|(i, (e, start))| {
            let what = format!(
                "{} {}, ngày {}: {} – {}",
                e.doc.doc_type.name_vi(),
                e.number(),
                vn_date(e.doc.issued_date.as_deref()),
                e.doc.subject,
                e.doc.organ_name
            );
            let place = match (start, e.missing) {
                (Some(p), _) => format!("trang {p}"),
                (None, Some(Missing::Docx)) => {
                    "tệp DOCX, không nhúng được vào bản PDF (xem bản gốc trên hệ thống)".into()
                }
                (None, Some(Missing::Unreadable)) => "tệp PDF không đọc được, không nhúng".into(),
                (None, _) => "chưa có tệp văn bản".into(),
            };
            format!("{:03}. {what} ({place})", i + 1)
        })
        .collect();
    let pages: usize = x.entries.iter().map(Entry::pages).sum();
    FormDocument {
        issuer: x.agency_name.clone(),
        reference: format!("Mã hồ sơ: {}", f.code),
        title: "HỒ SƠ".into(),
        blocks: vec![
            Block::Heading(f.title.clone()),
            field("Mã hồ sơ", f.code.clone()),
            field("Số và ký hiệu hồ sơ", f.notation.clone()),
            field("Đề mục", x.heading.clone()),
            field(
                "Thời gian",
                format!(
                    "từ ngày {} đến ngày {}",
                    vn_date(f.start_date.as_deref()),
                    vn_date(f.end_date.as_deref())
                ),
            ),
            field("Thời hạn bảo quản", f.retention.clone()),
            field("Người lập hồ sơ", x.creator.clone()),
            field("Số lượng văn bản", x.entries.len().to_string()),
            field("Số trang văn bản nhúng", pages.to_string()),
            Block::Heading("MỤC LỤC VĂN BẢN".into()),
            Block::List(items),
        ],
        ..FormDocument::default()
    }
}

/// The file as one PDF: cover and contents, then the documents in chronological order.
pub fn pdf(x: Export) -> Result<Vec<u8>, AppError> {
    let render = |starts: &[Option<usize>]| {
        tinhso_documents::form_pdf(&cover(&x, starts)).map_err(|e| AppError::Internal(e.into()))
    };
    // The contents name the page each document starts on, which depends on the length of
    // the cover itself: render until the cover's page count settles (twice at most in practice).
    let mut cover_pages = 1;
    let mut bytes = Vec::new();
    for _ in 0..4 {
        let mut next = cover_pages + 1;
        let starts: Vec<Option<usize>> = x
            .entries
            .iter()
            .map(|e| {
                e.pdf.as_ref().map(|p| {
                    let at = next;
                    next += pdf::pages(p);
                    at
                })
            })
            .collect();
        bytes = render(&starts)?;
        let rendered = pdf::load(&bytes).map(|d| pdf::pages(&d)).unwrap_or(1);
        if rendered == cover_pages {
            break;
        }
        cover_pages = rendered;
    }
    let cover = pdf::load(&bytes)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the cover does not parse")))?;
    let mut parts = vec![cover];
    parts.extend(x.entries.into_iter().filter_map(|e| e.pdf));
    pdf::merge(parts).map_err(|e| AppError::Internal(anyhow::anyhow!("merge: {e}")))
}

/// Text as XML 1.0 allows it: control characters other than tab and line breaks dropped
/// (escaping of `<`, `&` and quotes is the writer's).
fn clean(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

type Xml = Writer<Vec<u8>>;

fn leaf(w: &mut Xml, name: &str, value: &str) -> std::io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(&clean(value)))?;
    Ok(())
}

/// The metadata of the file and its documents (Appendix VI names), documents in chronological
/// order with their ordinal in the file.
pub fn xml(x: &Export) -> Result<Vec<u8>, AppError> {
    write_xml(x).map_err(|e| AppError::Internal(e.into()))
}

fn write_xml(x: &Export) -> std::io::Result<Vec<u8>> {
    let f = &x.file;
    let code: Option<FileCode> = f.code.parse().ok();
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let pages: usize = x
        .entries
        .iter()
        .map(|e| {
            e.pdf
                .as_ref()
                .map(pdf::pages)
                .unwrap_or(usize::try_from(e.doc.page_amount).unwrap_or(0))
        })
        .sum();
    w.create_element("File").write_inner_content(|w| {
        w.create_element("FileCode").write_inner_content(|w| {
            leaf(
                w,
                "OrganId",
                &code
                    .as_ref()
                    .map(|c| c.agency.to_string())
                    .unwrap_or_default(),
            )?;
            leaf(
                w,
                "FileCatalog",
                &code
                    .as_ref()
                    .map(|c| c.year.to_string())
                    .unwrap_or_default(),
            )?;
            leaf(w, "FileNotation", &f.notation)?;
            Ok(())
        })?;
        leaf(w, "Code", &f.code)?;
        leaf(w, "Title", &f.title)?;
        leaf(w, "Maintenance", &f.retention)?;
        // Documents of a file are read only inside the agency.
        leaf(w, "Rights", "Hạn chế")?;
        leaf(w, "Creator", &x.creator)?;
        leaf(w, "Language", "Tiếng Việt")?;
        leaf(w, "StartDate", f.start_date.as_deref().unwrap_or_default())?;
        leaf(w, "EndDate", f.end_date.as_deref().unwrap_or_default())?;
        leaf(w, "DocTotal", &x.entries.len().to_string())?;
        leaf(w, "PageTotal", &pages.to_string())?;
        leaf(w, "Description", &f.description)?;
        w.create_element("Documents").write_inner_content(|w| {
            for (i, e) in x.entries.iter().enumerate() {
                document(w, i + 1, e)?;
            }
            Ok(())
        })?;
        Ok(())
    })?;
    let mut bytes = w.into_inner();
    bytes.push(b'\n');
    Ok(bytes)
}

fn document(w: &mut Xml, ordinal: usize, e: &Entry) -> std::io::Result<()> {
    let d = &e.doc;
    w.create_element("Document").write_inner_content(|w| {
        leaf(w, "DocOrdinal", &ordinal.to_string())?;
        leaf(w, "Id", &d.id)?;
        leaf(w, "Direction", d.direction.as_str())?;
        leaf(w, "TypeName", d.doc_type.name_vi())?;
        leaf(
            w,
            "CodeNumber",
            d.code_number.as_deref().unwrap_or_default(),
        )?;
        leaf(
            w,
            "CodeNotation",
            d.code_notation.as_deref().unwrap_or_default(),
        )?;
        leaf(
            w,
            "IssuedDate",
            d.issued_date.as_deref().unwrap_or_default(),
        )?;
        leaf(w, "OrganId", &d.organ_id)?;
        leaf(w, "OrganName", &d.organ_name)?;
        leaf(w, "Subject", &d.subject)?;
        leaf(w, "Language", "Tiếng Việt")?;
        leaf(w, "PageAmount", &d.page_amount.to_string())?;
        leaf(w, "Description", &d.description)?;
        w.create_element("SignerInfo").write_inner_content(|w| {
            leaf(w, "Position", &d.signer_position)?;
            leaf(w, "FullName", &d.signer_full_name)?;
            Ok(())
        })?;
        leaf(w, "Priority", &d.urgency.edxml_priority().to_string())?;
        leaf(w, "IssuedAmount", &d.issued_amount.to_string())?;
        leaf(w, "DueDate", d.due_date.as_deref().unwrap_or_default())?;
        if d.direction == Direction::In {
            leaf(
                w,
                "ArrivalDate",
                d.arrival_date.as_deref().unwrap_or_default(),
            )?;
            leaf(
                w,
                "ArrivalNumber",
                &d.reg_number.map(|n| n.to_string()).unwrap_or_default(),
            )?;
        }
        leaf(w, "FileName", e.file_name.as_deref().unwrap_or_default())?;
        leaf(
            w,
            "Embedded",
            if e.pdf.is_some() { "true" } else { "false" },
        )?;
        Ok(())
    })?;
    Ok(())
}
