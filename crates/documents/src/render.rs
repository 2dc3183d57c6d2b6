//! Draws laid-out pages with krilla.

use krilla::Document;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::surface::Surface;

use crate::DocumentError;
use crate::fonts::Fonts;
use crate::layout::{Op, PAGE_HEIGHT, PAGE_WIDTH};

pub(crate) fn render(
    fonts: &Fonts,
    pages: &[Vec<Op>],
    title: &str,
) -> Result<Vec<u8>, DocumentError> {
    let mut document = Document::new();
    // Title and language help screen readers and document management systems.
    document.set_metadata(
        Metadata::new()
            .title(title.to_owned())
            .language("vi".to_owned()),
    );
    for ops in pages {
        let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
            .ok_or_else(|| DocumentError::Pdf("invalid page size".to_owned()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        draw(&mut surface, fonts, ops);
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| DocumentError::Pdf(e.to_string()))
}

fn draw(surface: &mut Surface, fonts: &Fonts, ops: &[Op]) {
    surface.set_fill(Some(Fill::default()));
    let mut rects = PathBuilder::new();
    for op in ops {
        match op {
            Op::Text {
                x,
                y,
                face,
                size,
                text,
            } if !text.is_empty() => {
                let face = fonts.face(*face);
                let glyphs = face.glyphs(text);
                surface.draw_glyphs(
                    Point::from_xy(*x, *y),
                    &glyphs,
                    face.pdf.clone(),
                    text,
                    *size,
                    false,
                );
            }
            Op::Text { .. } => {}
            Op::Rect { x, y, w, h } => {
                if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                    rects.push_rect(rect);
                }
            }
        }
    }
    // All rectangles of a page (rules, QR modules) go out as one path: a QR code is hundreds.
    if let Some(path) = rects.finish() {
        surface.draw_path(&path);
    }
}
