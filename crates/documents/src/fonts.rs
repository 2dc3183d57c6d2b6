//! The embedded DejaVu Sans faces and their metrics.
//!
//! DejaVu Sans covers every precomposed Vietnamese letter (U+1EA0–U+1EF9 and Latin-1/Extended-A),
//! so NFC text needs no shaping: one character maps to one glyph. That lets us measure and place
//! glyphs ourselves with exactly the advances we wrapped with.

use std::sync::LazyLock;

use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::charmap::Charmap;
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider};

use crate::DocumentError;

/// The faces a form uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Face {
    Regular,
    Bold,
    Italic,
}

/// One face: the handle krilla embeds and the tables we measure with.
pub(crate) struct FaceData {
    pub(crate) pdf: Font,
    charmap: Charmap<'static>,
    // Scaled to a 1 pt em, so advances come out as fractions of the font size.
    metrics: GlyphMetrics<'static>,
}

pub(crate) struct Fonts {
    regular: FaceData,
    bold: FaceData,
    italic: FaceData,
}

// Parsed once per process: the font files are constants, not input.
static FONTS: LazyLock<Option<Fonts>> = LazyLock::new(|| {
    Some(Fonts {
        regular: FaceData::load(dejavu::sans::regular())?,
        bold: FaceData::load(dejavu::sans::bold())?,
        italic: FaceData::load(dejavu::sans::oblique())?,
    })
});

impl Fonts {
    pub(crate) fn get() -> Result<&'static Fonts, DocumentError> {
        FONTS.as_ref().ok_or(DocumentError::Font)
    }

    pub(crate) fn face(&self, face: Face) -> &FaceData {
        match face {
            Face::Regular => &self.regular,
            Face::Bold => &self.bold,
            Face::Italic => &self.italic,
        }
    }

    /// Width of `text` at `size` points.
    pub(crate) fn width(&self, face: Face, text: &str, size: f32) -> f32 {
        let data = self.face(face);
        text.chars().map(|c| data.advance(c)).sum::<f32>() * size
    }

    /// Width of one character at `size` points.
    pub(crate) fn char_width(&self, face: Face, c: char, size: f32) -> f32 {
        self.face(face).advance(c) * size
    }
}

impl FaceData {
    fn load(bytes: &'static [u8]) -> Option<FaceData> {
        let font = FontRef::new(bytes).ok()?;
        Some(FaceData {
            pdf: Font::new(bytes.into(), 0)?,
            charmap: font.charmap(),
            metrics: font.glyph_metrics(Size::new(1.0), LocationRef::default()),
        })
    }

    /// A missing character becomes glyph 0 (.notdef), which every font has, so any input draws.
    fn glyph(&self, c: char) -> skrifa::GlyphId {
        self.charmap.map(c).unwrap_or(skrifa::GlyphId::NOTDEF)
    }

    /// Advance of `c` as a fraction of the em.
    fn advance(&self, c: char) -> f32 {
        self.metrics.advance_width(self.glyph(c)).unwrap_or(0.0)
    }

    /// One glyph per character, each carrying its byte range so krilla can write a ToUnicode
    /// map and the text stays extractable and searchable.
    pub(crate) fn glyphs(&self, text: &str) -> Vec<KrillaGlyph> {
        text.char_indices()
            .map(|(at, c)| {
                let id = self.glyph(c);
                let advance = self.metrics.advance_width(id).unwrap_or(0.0);
                let range = at..at + c.len_utf8();
                KrillaGlyph::new(
                    GlyphId::new(id.to_u32()),
                    advance,
                    0.0,
                    0.0,
                    0.0,
                    range,
                    None,
                )
            })
            .collect()
    }
}
