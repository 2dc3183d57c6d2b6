//! Official documents of Tỉnh Số rendered to bytes: A4 PDF forms in the Vietnamese
//! administrative layout (Decree 30/2020) and one-sheet XLSX workbooks.
//!
//! Nothing here performs I/O. The fonts (DejaVu Sans, which covers every Vietnamese letter) are
//! compiled in, so output is the same on every machine. This is a leaf crate because PDF
//! writing and font subsetting are slow to compile; keep everyday crates from depending on its
//! internals.

mod fonts;
mod form;
mod layout;
mod qr;
mod render;
mod table;
mod wrap;
mod xlsx;

pub use xlsx::{Cell, xlsx};

/// One block of a form's body.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A bold line.
    Heading(String),
    /// Wrapped text.
    Paragraph(String),
    /// "label: value", the label bold, the whole wrapped.
    Field { label: String, value: String },
    /// A numbered list, "1. …", each item wrapped with a hanging indent.
    List(Vec<String>),
    /// A ruled table in small type: a bold header row, then the rows; columns are sized to
    /// their content and cells wrap (registers and other listings).
    Table {
        headers: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

/// An official form: the Decree 30/2020 header, a title, the body and the signature area.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FormDocument {
    /// For example "Mẫu số 01", small at the top right.
    pub form_number: String,
    /// For example "UBND TỈNH THANH HÓA", top left, first line; set in upper case.
    pub issuer_parent: String,
    /// For example "SỞ TƯ PHÁP", top left, bold second line; set in upper case.
    pub issuer: String,
    /// For example "Mã hồ sơ: 000.00.60.H56-261124-0001", under the issuer.
    pub reference: String,
    /// For example "Thanh Hóa, ngày 24 tháng 11 năm 2026", under the motto, italic.
    pub place_date: String,
    /// Centred and bold, for example "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ".
    pub title: String,
    pub blocks: Vec<Block>,
    /// Bottom right: the role in bold, room for the signature, then the name.
    pub signer: Option<Signer>,
    /// Bottom left: a QR code of the URL with a caption under it.
    pub qr: Option<Qr>,
}

/// Who signs the form.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Signer {
    pub role: String,
    pub name: String,
}

/// A QR code printed on the form, typically a link to look the dossier up.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Qr {
    pub url: String,
    pub caption: String,
}

/// Why a document could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// The compiled-in fonts could not be read; a build problem, not a data problem.
    #[error("the embedded fonts could not be loaded")]
    Font,
    /// The QR data does not fit in a QR code (more than about 2,300 bytes).
    #[error("cannot make a QR code: {0}")]
    Qr(String),
    /// The PDF writer failed.
    #[error("cannot write the PDF: {0}")]
    Pdf(String),
    /// The workbook writer refused the data, for example more than 1,048,576 rows or a cell
    /// longer than 32,767 characters.
    #[error("cannot write the workbook: {0}")]
    Xlsx(String),
}

/// Renders `doc` as an A4 PDF, on as many pages as the body needs.
///
/// Text is normalised to NFC and wrapped with the font's real advances; words too long for a
/// line are cut. Any text is accepted; the only data error is a QR URL too long to encode.
pub fn form_pdf(doc: &FormDocument) -> Result<Vec<u8>, DocumentError> {
    let fonts = fonts::Fonts::get()?;
    let rows = form::form_rows(fonts, doc)?;
    let mut pages = layout::paginate(rows);
    form::number_pages(fonts, &mut pages);
    render::render(fonts, &pages, &form::clean(&doc.title))
}
