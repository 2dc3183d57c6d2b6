//! Lays out a [`FormDocument`] as rows: header, title, body, signature and QR.

use unicode_normalization::UnicodeNormalization;

use crate::fonts::{Face, Fonts};
use crate::layout::{
    Align, BASELINE, CONTENT_WIDTH, Column, LEADING, MARGIN_LEFT, Op, PAGE_HEIGHT, Row, rule_row,
    side_by_side, text_rows,
};
use crate::qr::qr_row;
use crate::wrap::Span;
use crate::{Block, DocumentError, FormDocument, Qr, Signer};

const MOTTO: &str = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
const MOTTO_SUB: &str = "Độc lập - Tự do - Hạnh phúc";

const BODY: f32 = 11.0;
const HEADER: f32 = 10.5;
const TITLE: f32 = 13.0;
const SMALL: f32 = 9.0;
const CAPTION: f32 = 8.0;
const QR_SIDE: f32 = 85.0; // 30 mm: scannable from a printed page
const SIGNATURE_SPACE: f32 = 60.0; // room for a hand signature and a seal

// The header's issuer column takes about 40 % of the width and the motto column the rest, as
// in the Decree 30/2020 templates.
const LEFT: Column = Column {
    x: MARGIN_LEFT,
    width: CONTENT_WIDTH * 0.4,
};
const RIGHT: Column = Column {
    x: MARGIN_LEFT + CONTENT_WIDTH * 0.4 + 6.0,
    width: CONTENT_WIDTH * 0.6 - 6.0,
};
const SIGNER: Column = Column {
    x: MARGIN_LEFT + CONTENT_WIDTH * 0.45,
    width: CONTENT_WIDTH * 0.55,
};

/// Text as the fonts expect it: NFC (so each Vietnamese letter is one glyph), tabs as spaces,
/// other control characters dropped.
pub(crate) fn clean(text: &str) -> String {
    text.nfc()
        .filter_map(|c| match c {
            '\t' => Some(' '),
            '\n' => Some('\n'),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// How a single-face piece of text is set.
#[derive(Clone, Copy)]
struct Style {
    face: Face,
    size: f32,
    align: Align,
}

const fn style(face: Face, size: f32, align: Align) -> Style {
    Style { face, size, align }
}

const FORM_NUMBER: Style = style(Face::Regular, SMALL, Align::Right);
const ISSUER_PARENT: Style = style(Face::Regular, HEADER, Align::Center);
const ISSUER: Style = style(Face::Bold, HEADER, Align::Center);
const PLACE_DATE: Style = style(Face::Italic, HEADER, Align::Center);
const TITLE_STYLE: Style = style(Face::Bold, TITLE, Align::Center);
const HEADING: Style = style(Face::Bold, BODY, Align::Left);
const PARAGRAPH: Style = style(Face::Regular, BODY, Align::Left);
const SIGNATURE: Style = style(Face::Bold, BODY, Align::Center);
const QR_CAPTION: Style = style(Face::Italic, CAPTION, Align::Center);

/// Rows of `text` (cleaned first) in one style.
fn set(fonts: &Fonts, text: &str, style: Style, column: Column) -> Vec<Row> {
    let text = clean(text);
    text_rows(
        fonts,
        &[Span::new(style.face, &text)],
        style.size,
        column,
        style.align,
    )
}

pub(crate) fn form_rows(fonts: &Fonts, doc: &FormDocument) -> Result<Vec<Row>, DocumentError> {
    let mut rows = set(fonts, &doc.form_number, FORM_NUMBER, Column::FULL);
    rows.extend(side_by_side(
        issuer_column(fonts, doc),
        motto_column(fonts, doc),
    ));
    rows.push(Row::spacer(18.0));
    rows.extend(set(fonts, &doc.title, TITLE_STYLE, Column::FULL));
    rows.push(Row::spacer(10.0));
    for block in &doc.blocks {
        rows.extend(block_rows(fonts, block));
    }
    rows.extend(closing(fonts, doc.signer.as_ref(), doc.qr.as_ref())?);
    Ok(rows)
}

/// Top left: the parent body, the issuing body in bold with a short rule under it, then the
/// reference. Both names are upper case on official forms.
fn issuer_column(fonts: &Fonts, doc: &FormDocument) -> Vec<Row> {
    let issuer = clean(&doc.issuer).to_uppercase();
    let mut rows = set(
        fonts,
        &doc.issuer_parent.to_uppercase(),
        ISSUER_PARENT,
        LEFT,
    );
    let issuer_rows = set(fonts, &issuer, ISSUER, LEFT);
    if !issuer_rows.is_empty() {
        rows.extend(issuer_rows);
        let width = fonts
            .width(ISSUER.face, &issuer, ISSUER.size)
            .min(LEFT.width);
        rows.push(rule_row(LEFT, (width * 0.4).max(30.0)));
    }
    rows.push(Row::spacer(3.0));
    rows.extend(set(fonts, &doc.reference, ISSUER_PARENT, LEFT));
    rows
}

/// Top right: the national motto with the rule under its second line, then place and date.
fn motto_column(fonts: &Fonts, doc: &FormDocument) -> Vec<Row> {
    // Each motto line must stay on one line, so it is set as large as the column allows.
    let fit = |text: &str, max: f32| {
        let size = (RIGHT.width / fonts.width(Face::Bold, text, 1.0)).min(max);
        style(Face::Bold, size, Align::Center)
    };
    let (motto, sub) = (fit(MOTTO, HEADER), fit(MOTTO_SUB, HEADER + 0.5));
    let mut rows = set(fonts, MOTTO, motto, RIGHT);
    rows.extend(set(fonts, MOTTO_SUB, sub, RIGHT));
    rows.push(rule_row(RIGHT, fonts.width(sub.face, MOTTO_SUB, sub.size)));
    rows.push(Row::spacer(3.0));
    rows.extend(set(fonts, &doc.place_date, PLACE_DATE, RIGHT));
    rows
}

fn block_rows(fonts: &Fonts, block: &Block) -> Vec<Row> {
    match block {
        Block::Heading(text) => {
            // A heading is never left alone at the bottom of a page.
            let lines = set(fonts, text, HEADING, Column::FULL);
            let kept = lines.into_iter().map(|row| Row {
                keep_with_next: true,
                ..row
            });
            std::iter::once(Row::spacer(6.0)).chain(kept).collect()
        }
        Block::Paragraph(text) => with_space(set(fonts, text, PARAGRAPH, Column::FULL), 4.0),
        Block::Field { label, value } => with_space(field(fonts, label, value), 3.0),
        Block::List(items) => with_space(list(fonts, items), 2.0),
        Block::Table { headers, rows } => {
            with_space(crate::table::table_rows(fonts, headers, rows), 4.0)
        }
    }
}

fn with_space(mut rows: Vec<Row>, after: f32) -> Vec<Row> {
    rows.push(Row::spacer(after));
    rows
}

/// "Label: value" with the label bold, wrapped as one paragraph.
fn field(fonts: &Fonts, label: &str, value: &str) -> Vec<Row> {
    let (label, value) = (clean(label), clean(value));
    let label = if label.is_empty() {
        label
    } else {
        format!("{label}:")
    };
    let spans = [
        Span::new(Face::Bold, &label),
        Span::new(PARAGRAPH.face, &value),
    ];
    text_rows(fonts, &spans, BODY, Column::FULL, Align::Left)
}

/// A numbered list with a hanging indent wide enough for the largest number.
fn list(fonts: &Fonts, items: &[String]) -> Vec<Row> {
    let widest = format!("{}. ", items.len());
    let indent = fonts.width(PARAGRAPH.face, &widest, BODY) + 4.0;
    let column = Column::new(MARGIN_LEFT + indent, CONTENT_WIDTH - indent);
    let mut rows = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let mut item_rows = set(fonts, item, PARAGRAPH, column);
        let number = Op::Text {
            x: MARGIN_LEFT,
            y: BODY * BASELINE,
            face: PARAGRAPH.face,
            size: BODY,
            text: format!("{}.", i + 1),
        };
        match item_rows.first_mut() {
            // First, so the number precedes its item in extracted text.
            Some(first) => first.ops.insert(0, number),
            None => item_rows.push(Row {
                height: BODY * LEADING,
                ops: vec![number],
                ..Row::default()
            }),
        }
        rows.extend(with_space(item_rows, 2.0));
    }
    rows
}

/// Bottom: the QR code with its caption on the left, the signer on the right.
fn closing(
    fonts: &Fonts,
    signer: Option<&Signer>,
    qr: Option<&Qr>,
) -> Result<Vec<Row>, DocumentError> {
    if signer.is_none() && qr.is_none() {
        return Ok(Vec::new());
    }
    let left = match qr {
        Some(qr) => qr_column(fonts, qr)?,
        None => Vec::new(),
    };
    let right = signer.map(|s| signer_column(fonts, s)).unwrap_or_default();
    let mut rows = vec![Row::spacer(16.0)];
    rows.extend(side_by_side(left, right));
    Ok(rows)
}

fn qr_column(fonts: &Fonts, qr: &Qr) -> Result<Vec<Row>, DocumentError> {
    let x = LEFT.x + (LEFT.width - QR_SIDE) / 2.0;
    let mut rows = vec![qr_row(&qr.url, x, QR_SIDE)?];
    rows.extend(set(fonts, &qr.caption, QR_CAPTION, LEFT));
    Ok(rows)
}

fn signer_column(fonts: &Fonts, signer: &Signer) -> Vec<Row> {
    let mut rows = set(fonts, &signer.role, SIGNATURE, SIGNER);
    rows.push(Row::spacer(SIGNATURE_SPACE));
    rows.extend(set(fonts, &signer.name, SIGNATURE, SIGNER));
    rows
}

/// "Trang 2/3" at the foot of every page of a multi-page form, so a loose page can be placed.
pub(crate) fn number_pages(fonts: &Fonts, pages: &mut [Vec<Op>]) {
    let total = pages.len();
    if total < 2 {
        return;
    }
    for (i, ops) in pages.iter_mut().enumerate() {
        let text = format!("Trang {}/{}", i + 1, total);
        let width = fonts.width(Face::Regular, &text, CAPTION);
        let x = MARGIN_LEFT + (CONTENT_WIDTH - width) / 2.0;
        ops.push(Op::Text {
            x,
            y: PAGE_HEIGHT - 30.0,
            face: Face::Regular,
            size: CAPTION,
            text,
        });
    }
}
