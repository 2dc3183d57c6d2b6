//! A visible stamp: a framed box with a few lines of Vietnamese text, as a Form XObject for the
//! widget's `/AP /N`. The text keeps its diacritics: it is set in DejaVu Sans (which covers every
//! precomposed Vietnamese letter, U+1EA0–U+1EF9 and Latin-1/Extended-A, so NFC text needs no
//! shaping: one character, one glyph), embedded as a subset (`subsetter`) in a Type 0 font with
//! Identity-H encoding, a CIDFontType2 descendant whose CIDs are the subset's glyph ids, its
//! widths, and a `/ToUnicode` CMap so that text extraction and search find the words.
//!
//! Objects written: the Form XObject (stream), the Type 0 font, the CIDFont, the font descriptor
//! (all indirect, as ISO 32000-1 §9.8.1 requires for the descriptor), the `/FontFile2` stream
//! (Flate) and the `/ToUnicode` stream. New objects nothing old refers to, reached only from the
//! new widget's appearance: a later signature's change analysis allows them.
//!
//! With an image (the signer's signature image or the agency's seal, [`super::image`]), the
//! form also draws an `/Image` XObject (8-bit `/DeviceRGB`, Flate) named after its side
//! ([`ImageSide::resource_name`]), with an `/SMask` (8-bit `/DeviceGray`) when the image has
//! transparency; [`image_rect`] says where it goes, for the drawing and for a later stamp that
//! must sit over it.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::LazyLock;

use flate2::Compression;
use flate2::write::ZlibEncoder;
use sha2::{Digest, Sha256};
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::Metrics;
use skrifa::{FontRef, MetadataProvider};
use subsetter::GlyphRemapper;
use unicode_normalization::UnicodeNormalization;

use super::serialize::{name, write_dict};
use super::{ImageSide, SignError, Stamp, StampStyle};
use crate::pdf::lexer::{Dict, Object};

/// Largest side of a stamp, in points (200 inches: PDF's own limit on a page).
const MAX_SIDE: f64 = 14_400.0;

/// Most lines, and most characters in a line, a stamp takes.
const MAX_LINES: usize = 20;
const MAX_LINE_CHARS: usize = 200;

/// The space between a stamp's frame and what it holds, in points.
const MARGIN: f64 = 3.0;
/// The share of a stamp's inner width the signer's image may take (on the left).
const LEFT_IMAGE_SHARE: f64 = 0.42;

/// Where the image of `width × height` pixels goes in a stamp whose box is `rect` (page
/// space): on the left, within the frame, in at most [`LEFT_IMAGE_SHARE`] of its inner width;
/// or on the right, in a square of the box's height (its right end at the box's). Scaled to
/// fit with its proportions kept, against its side and centred vertically. `None` for a box
/// too small to hold one.
pub fn image_rect(rect: [f64; 4], side: ImageSide, width: u32, height: u32) -> Option<[f64; 4]> {
    let [x1, y1, x2, y2] = rect;
    let (w, h) = (x2 - x1, y2 - y1);
    let (area_x, area_y, area_w, area_h) = match side {
        ImageSide::Left => (
            x1 + MARGIN,
            y1 + MARGIN,
            (w - 2.0 * MARGIN) * LEFT_IMAGE_SHARE,
            h - 2.0 * MARGIN,
        ),
        ImageSide::Right => (x2 - h.min(w), y1, h.min(w), h),
    };
    if !(area_w >= 1.0 && area_h >= 1.0) || width == 0 || height == 0 {
        return None;
    }
    let scale = (area_w / f64::from(width)).min(area_h / f64::from(height));
    let (iw, ih) = (f64::from(width) * scale, f64::from(height) * scale);
    let x = match side {
        ImageSide::Left => area_x,
        ImageSide::Right => area_x + area_w - iw,
    };
    let y = area_y + (area_h - ih) / 2.0;
    Some([x, y, x + iw, y + ih])
}

/// The box of an agency's seal stamp of `height` whose text takes `text_width` on the left
/// of its image square ([`ImageSide::Right`]), placed so that the square ends a third of the
/// way into `signer_image` (page space), centred on it vertically: Decree 30/2020 Appendix I's
/// seal over the left third of the signer's signature image.
pub fn seal_rect_over(signer_image: [f64; 4], height: f64, text_width: f64) -> [f64; 4] {
    let [sx1, sy1, sx2, sy2] = signer_image;
    let right = sx1 + (sx2 - sx1) / 3.0;
    let bottom = (sy1 + sy2) / 2.0 - height / 2.0;
    [right - height - text_width, bottom, right, bottom + height]
}

/// The font files: constants, parsed once per process.
static SANS: LazyLock<Option<FontRef<'static>>> =
    LazyLock::new(|| FontRef::new(dejavu::sans::regular()).ok());
static SERIF: LazyLock<Option<FontRef<'static>>> =
    LazyLock::new(|| FontRef::new(dejavu::serif::regular()).ok());

/// The font of a style: its file, the face parsed, its PostScript name and its descriptor's
/// flags (32 nonsymbolic, plus 2 for a serif).
fn font(
    style: StampStyle,
) -> (
    &'static [u8],
    Option<&'static FontRef<'static>>,
    &'static str,
    i64,
) {
    match style {
        StampStyle::Framed => (dejavu::sans::regular(), SANS.as_ref(), "DejaVuSans", 32),
        StampStyle::Text => (dejavu::serif::regular(), SERIF.as_ref(), "DejaVuSerif", 34),
    }
}

/// One object of the appearance: its number and its body (`<< … >>` or `<< … >> stream … endstream`).
pub type AppearanceObject = (u32, Vec<u8>);

/// The stamp's objects; `form` is the Form XObject's number (the widget's `/AP /N`), and
/// `allocate` gives the numbers of the others.
pub fn objects(
    stamp: &Stamp,
    form: u32,
    allocate: &mut dyn FnMut() -> u32,
) -> Result<Vec<AppearanceObject>, SignError> {
    let [x1, y1, x2, y2] = stamp.rect;
    let (width, height) = (x2 - x1, y2 - y1);
    let sensible = |v: f64| v.is_finite() && v.abs() <= MAX_SIDE * 10.0;
    if !stamp.rect.iter().all(|v| sensible(*v))
        || !(1.0..=MAX_SIDE).contains(&width)
        || !(1.0..=MAX_SIDE).contains(&height)
        || stamp.lines.len() > MAX_LINES
    {
        return Err(SignError::Stamp);
    }
    let (font_file, face, font_name, flags) = font(stamp.style);
    let face = face.ok_or(SignError::Stamp)?;
    let metrics = Metrics::new(face, Size::unscaled(), LocationRef::default());
    let units = f64::from(metrics.units_per_em.max(1));
    let charmap = face.charmap();
    let advances = face.glyph_metrics(Size::unscaled(), LocationRef::default());
    let fallback = charmap.map('?').ok_or(SignError::Stamp)?;

    // Each line as the subset's glyph ids; per new id its advance (1/1000 em) and text.
    let mut remapper = GlyphRemapper::new();
    let mut glyphs: BTreeMap<u16, (f64, String)> = BTreeMap::new();
    glyphs.insert(0, (0.0, String::new()));
    let mut lines: Vec<Vec<u16>> = Vec::new();
    // Each line's width in em, for right alignment.
    let mut widths: Vec<f64> = Vec::new();
    let mut longest = 1.0f64;
    for line in &stamp.lines {
        let mut ids = Vec::new();
        let mut em = 0.0;
        for c in line.nfc().take(MAX_LINE_CHARS) {
            let c = if c.is_control() { ' ' } else { c };
            let (glyph, text) = match charmap.map(c) {
                Some(g) if g.to_u32() != 0 => (g, c.to_string()),
                _ => (fallback, "?".to_string()),
            };
            let old = u16::try_from(glyph.to_u32()).map_err(|_| SignError::Stamp)?;
            let new = remapper.remap(old);
            let advance = f64::from(advances.advance_width(glyph).unwrap_or(0.0)) / units;
            glyphs.entry(new).or_insert((advance * 1000.0, text));
            em += advance;
            ids.push(new);
        }
        longest = longest.max(em);
        widths.push(em);
        lines.push(ids);
    }
    let subset = subsetter::subset(font_file, 0, &remapper).map_err(|_| SignError::Stamp)?;

    // The image, in the form's space, and the room left for the text beside it.
    let placed = match &stamp.image {
        Some((side, image)) => {
            let [ix1, iy1, ix2, iy2] = image_rect(stamp.rect, *side, image.width(), image.height())
                .ok_or(SignError::Stamp)?;
            Some((*side, image, [ix1 - x1, iy1 - y1, ix2 - x1, iy2 - y1]))
        }
        None => None,
    };
    let (text_left, text_right) = match &placed {
        None => (MARGIN, width - MARGIN),
        Some((ImageSide::Left, _, [_, _, ix2, _])) => (ix2 + 4.0, width - MARGIN),
        Some((ImageSide::Right, _, _)) => (MARGIN, width - height.min(width) - MARGIN),
    };
    if text_right - text_left < 1.0 {
        return Err(SignError::Stamp);
    }
    // The layout: the largest size up to 10 pt that fits every line in the frame.
    let count = lines.len().max(1) as f64;
    let size = 10.0f64
        .min((height - 6.0) / (count * 1.25))
        .min((text_right - text_left) / longest)
        .max(2.0);
    let leading = size * 1.25;
    let hex = |ids: &[u16]| -> Vec<u8> {
        let mut out = vec![b'<'];
        for id in ids {
            out.extend_from_slice(format!("{id:04X}").as_bytes());
        }
        out.extend_from_slice(b"> Tj\n");
        out
    };
    let mut content = Vec::new();
    if let Some((side, _, [ix1, iy1, ix2, iy2])) = &placed {
        content.extend_from_slice(
            format!(
                "q\n{:.2} 0 0 {:.2} {ix1:.2} {iy1:.2} cm\n/{} Do\nQ\n",
                ix2 - ix1,
                iy2 - iy1,
                String::from_utf8_lossy(side.resource_name())
            )
            .as_bytes(),
        );
    }
    // The frame holds the text, and the signer's image on its left; a seal's image stays out.
    let frame_width = match &placed {
        Some((ImageSide::Right, _, _)) => text_right + MARGIN,
        _ => width,
    };
    match stamp.style {
        StampStyle::Framed => {
            content.extend_from_slice(
                format!(
                    "q\n0 0 0.55 RG 0.8 w\n0.4 0.4 {:.2} {:.2} re S\nBT\n/F1 {size:.2} Tf\n0 0 0.55 rg\n{:.2} {:.2} Td\n{leading:.2} TL\n",
                    frame_width - 0.8,
                    height - 0.8,
                    text_left,
                    height - 3.0 - size
                )
                .as_bytes(),
            );
            for (i, ids) in lines.iter().enumerate() {
                if i > 0 {
                    content.extend_from_slice(b"T* ");
                }
                content.extend_from_slice(&hex(ids));
            }
        }
        StampStyle::Text => {
            // Black, no frame; each line placed on its own, its right end on the box's.
            content.extend_from_slice(format!("q\nBT\n/F1 {size:.2} Tf\n0 g\n").as_bytes());
            for (i, (ids, em)) in lines.iter().zip(&widths).enumerate() {
                let x = (text_right - em * size).max(text_left);
                let y = height - 3.0 - size - leading * i as f64;
                content.extend_from_slice(format!("1 0 0 1 {x:.2} {y:.2} Tm ").as_bytes());
                content.extend_from_slice(&hex(ids));
            }
        }
    }
    content.extend_from_slice(b"ET\nQ");

    // A subset's name: six capitals from its glyphs, then the font's PostScript name.
    let digest = Sha256::digest(&subset);
    let tag: String = digest[..6]
        .iter()
        .map(|b| char::from(b'A' + b % 26))
        .collect();
    let base_font = format!("{tag}+{font_name}");

    let type0 = allocate();
    let cid_font = allocate();
    let descriptor = allocate();
    let font_file = allocate();
    let to_unicode = allocate();
    let image_objects = match &placed {
        Some((side, image, _)) => {
            let number = allocate();
            let smask = if image.has_alpha() {
                Some(allocate())
            } else {
                None
            };
            Some((*side, *image, number, smask))
        }
        None => None,
    };
    let mut out = Vec::new();

    // The Form XObject.
    let fonts = Dict(vec![(b"F1".to_vec(), Object::Ref(type0, 0))]);
    let mut resources = Dict(vec![(b"Font".to_vec(), Object::Dict(fonts))]);
    if let Some((side, _, number, _)) = &image_objects {
        resources.0.push((
            b"XObject".to_vec(),
            Object::Dict(Dict(vec![(
                side.resource_name().to_vec(),
                Object::Ref(*number, 0),
            )])),
        ));
    }
    let bbox = [0.0, 0.0, width, height]
        .into_iter()
        .map(Object::Real)
        .collect();
    let dict = Dict(vec![
        (b"Type".to_vec(), name("XObject")),
        (b"Subtype".to_vec(), name("Form")),
        (b"BBox".to_vec(), Object::Array(bbox)),
        (b"Resources".to_vec(), Object::Dict(resources)),
        (b"Length".to_vec(), Object::Int(content.len() as i64)),
    ]);
    out.push((form, stream(&dict, &content)));

    // The Type 0 font and its CIDFont.
    out.push((
        type0,
        plain(&Dict(vec![
            (b"Type".to_vec(), name("Font")),
            (b"Subtype".to_vec(), name("Type0")),
            (b"BaseFont".to_vec(), name(&base_font)),
            (b"Encoding".to_vec(), name("Identity-H")),
            (
                b"DescendantFonts".to_vec(),
                Object::Array(vec![Object::Ref(cid_font, 0)]),
            ),
            (b"ToUnicode".to_vec(), Object::Ref(to_unicode, 0)),
        ])),
    ));
    let widths = glyphs
        .values()
        .map(|(w, _)| Object::Int(w.round() as i64))
        .collect();
    let system_info = Dict(vec![
        (b"Registry".to_vec(), literal("Adobe")),
        (b"Ordering".to_vec(), literal("Identity")),
        (b"Supplement".to_vec(), Object::Int(0)),
    ]);
    out.push((
        cid_font,
        plain(&Dict(vec![
            (b"Type".to_vec(), name("Font")),
            (b"Subtype".to_vec(), name("CIDFontType2")),
            (b"BaseFont".to_vec(), name(&base_font)),
            (b"CIDSystemInfo".to_vec(), Object::Dict(system_info)),
            (b"FontDescriptor".to_vec(), Object::Ref(descriptor, 0)),
            (
                b"W".to_vec(),
                Object::Array(vec![Object::Int(0), Object::Array(widths)]),
            ),
            (b"CIDToGIDMap".to_vec(), name("Identity")),
        ])),
    ));

    // The descriptor, in 1/1000 em.
    let scale = |v: f32| Object::Int((f64::from(v) * 1000.0 / units).round() as i64);
    let bounds = metrics.bounds.unwrap_or_default();
    out.push((
        descriptor,
        plain(&Dict(vec![
            (b"Type".to_vec(), name("FontDescriptor")),
            (b"FontName".to_vec(), name(&base_font)),
            (b"Flags".to_vec(), Object::Int(flags)),
            (
                b"FontBBox".to_vec(),
                Object::Array(vec![
                    scale(bounds.x_min),
                    scale(bounds.y_min),
                    scale(bounds.x_max),
                    scale(bounds.y_max),
                ]),
            ),
            (b"ItalicAngle".to_vec(), Object::Int(0)),
            (b"Ascent".to_vec(), scale(metrics.ascent)),
            (b"Descent".to_vec(), scale(metrics.descent)),
            (
                b"CapHeight".to_vec(),
                scale(metrics.cap_height.unwrap_or(metrics.ascent)),
            ),
            (b"StemV".to_vec(), Object::Int(80)),
            (b"FontFile2".to_vec(), Object::Ref(font_file, 0)),
        ])),
    ));

    // The font program, compressed.
    let packed = deflate(&subset)?;
    out.push((
        font_file,
        stream(
            &Dict(vec![
                (b"Length".to_vec(), Object::Int(packed.len() as i64)),
                (b"Length1".to_vec(), Object::Int(subset.len() as i64)),
                (b"Filter".to_vec(), name("FlateDecode")),
            ]),
            &packed,
        ),
    ));

    // The CMap from CIDs back to text.
    let cmap = to_unicode_cmap(&glyphs);
    out.push((
        to_unicode,
        stream(
            &Dict(vec![(b"Length".to_vec(), Object::Int(cmap.len() as i64))]),
            &cmap,
        ),
    ));

    // The image and its soft mask: pixels, Flate.
    if let Some((_, image, number, smask)) = image_objects {
        let samples = |data: &[u8], colour: &str| -> Result<(Dict, Vec<u8>), SignError> {
            let packed = deflate(data)?;
            Ok((
                Dict(vec![
                    (b"Type".to_vec(), name("XObject")),
                    (b"Subtype".to_vec(), name("Image")),
                    (b"Width".to_vec(), Object::Int(i64::from(image.width()))),
                    (b"Height".to_vec(), Object::Int(i64::from(image.height()))),
                    (b"ColorSpace".to_vec(), name(colour)),
                    (b"BitsPerComponent".to_vec(), Object::Int(8)),
                    (b"Filter".to_vec(), name("FlateDecode")),
                    (b"Length".to_vec(), Object::Int(packed.len() as i64)),
                ]),
                packed,
            ))
        };
        let (mut dict, packed) = samples(image.rgb(), "DeviceRGB")?;
        if let Some(smask) = smask {
            dict.0.push((b"SMask".to_vec(), Object::Ref(smask, 0)));
        }
        out.push((number, stream(&dict, &packed)));
        if let (Some(smask), Some(alpha)) = (smask, image.alpha()) {
            let (dict, packed) = samples(alpha, "DeviceGray")?;
            out.push((smask, stream(&dict, &packed)));
        }
    }
    Ok(out)
}

/// `/ToUnicode` for the subset: one `bfchar` per glyph that stands for text (at most 100 a block).
fn to_unicode_cmap(glyphs: &BTreeMap<u16, (f64, String)>) -> Vec<u8> {
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let mapped: Vec<_> = glyphs.iter().filter(|(_, (_, t))| !t.is_empty()).collect();
    for chunk in mapped.chunks(100) {
        cmap.push_str(&format!("{} beginbfchar\n", chunk.len()));
        for (id, (_, text)) in chunk {
            let utf16: String = text.encode_utf16().map(|u| format!("{u:04X}")).collect();
            cmap.push_str(&format!("<{id:04X}> <{utf16}>\n"));
        }
        cmap.push_str("endbfchar\n");
    }
    cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend");
    cmap.into_bytes()
}

fn deflate(data: &[u8]) -> Result<Vec<u8>, SignError> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(data).map_err(|_| SignError::Stamp)?;
    encoder.finish().map_err(|_| SignError::Stamp)
}

fn literal(text: &str) -> Object {
    Object::String {
        bytes: text.as_bytes().to_vec(),
        hex: false,
        span: 0..0,
    }
}

fn plain(dict: &Dict) -> Vec<u8> {
    let mut body = Vec::new();
    write_dict(&mut body, dict);
    body
}

fn stream(dict: &Dict, data: &[u8]) -> Vec<u8> {
    let mut body = plain(dict);
    body.extend_from_slice(b"\nstream\n");
    body.extend_from_slice(data);
    body.extend_from_slice(b"\nendstream");
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(body: &[u8]) -> String {
        String::from_utf8_lossy(body).into_owned()
    }

    #[test]
    fn a_stamp_embeds_a_subset_with_vietnamese_text() {
        let stamp = Stamp {
            rect: [300.0, 100.0, 540.0, 148.0],
            lines: vec![
                "Ký bởi: Nguyễn Thị Hằng".into(),
                // Decomposed marks come out as the precomposed letters.
                "Gia\u{0301}m đốc (Sở)".into(),
            ],
            style: StampStyle::Framed,
            image: None,
        };
        let mut next = 11;
        let objects = objects(&stamp, 10, &mut || {
            next += 1;
            next - 1
        })
        .unwrap();
        let numbers: Vec<u32> = objects.iter().map(|(n, _)| *n).collect();
        assert_eq!(numbers, [10, 11, 12, 13, 14, 15]);
        let form = text(&objects[0].1);
        assert!(form.contains("/Subtype /Form"), "{form}");
        assert!(form.contains("/F1 11 0 R"), "{form}");
        assert!(form.contains("> Tj"), "{form}");
        let type0 = text(&objects[1].1);
        assert!(type0.contains("/Identity-H") && type0.contains("/ToUnicode 15 0 R"));
        let file = &objects[4].1;
        assert!(text(file).contains("/Filter /FlateDecode"));
        // The CMap gives back the letters with their marks.
        let cmap = text(&objects[5].1);
        for c in ['ý', 'ở', 'ễ', 'ị', 'ằ', 'á', 'đ', 'ố'] {
            let utf16 = format!("{:04X}>", c as u32);
            assert!(cmap.contains(&utf16), "{c}: {cmap}");
        }
        // The same text, the same bytes.
        let mut again = 11;
        let twice = super::objects(&stamp, 10, &mut || {
            again += 1;
            again - 1
        })
        .unwrap();
        assert_eq!(objects, twice);
    }

    #[test]
    fn odd_boxes_and_text_are_refused_or_replaced() {
        let bad = Stamp {
            rect: [0.0, 0.0, f64::NAN, 10.0],
            lines: vec![],
            style: StampStyle::Framed,
            image: None,
        };
        assert!(objects(&bad, 1, &mut || 2).is_err());
        let many = Stamp {
            rect: [0.0, 0.0, 100.0, 100.0],
            lines: vec!["x".into(); MAX_LINES + 1],
            style: StampStyle::Text,
            image: None,
        };
        assert!(objects(&many, 1, &mut || 2).is_err());
        // A character the font lacks becomes '?', control characters a space.
        let odd = Stamp {
            rect: [0.0, 0.0, 100.0, 40.0],
            lines: vec!["\u{10FFFD}\u{7}a".into()],
            style: StampStyle::Framed,
            image: None,
        };
        let mut next = 2;
        let objects = objects(&odd, 1, &mut || {
            next += 1;
            next - 1
        })
        .unwrap();
        let cmap = text(&objects[5].1);
        assert!(cmap.contains("<003F>") && cmap.contains("<0020>") && cmap.contains("<0061>"));
    }

    #[test]
    fn the_text_style_is_black_serif_10_pt_right_aligned_without_a_frame() {
        let stamp = Stamp {
            rect: [330.0, 790.0, 570.0, 838.0],
            lines: vec!["01/QĐ-UBND".into(), "2026-11-29T08:15:30+07:00".into()],
            style: StampStyle::Text,
            image: None,
        };
        let mut next = 2;
        let objects = objects(&stamp, 1, &mut || {
            next += 1;
            next - 1
        })
        .unwrap();
        let form = text(&objects[0].1);
        assert!(!form.contains(" re S"), "no frame: {form}");
        assert!(
            form.contains("/F1 10.00 Tf") && form.contains("0 g"),
            "{form}"
        );
        assert!(!form.contains("rg"), "black: {form}");
        let type0 = text(&objects[1].1);
        assert!(type0.contains("+DejaVuSerif"), "{type0}");
        assert!(text(&objects[3].1).contains("/Flags 34"));
        // Both lines end at the box's right edge less the margin: the shorter starts further right.
        let xs: Vec<f64> = form
            .lines()
            .filter_map(|l| l.strip_prefix("1 0 0 1 "))
            .map(|l| l.split(' ').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(xs.len(), 2, "{form}");
        assert!(xs[0] > xs[1] && xs[1] > 0.0, "{xs:?}");
        // Vietnamese letters are in the serif face too.
        let cmap = text(&objects[5].1);
        assert!(cmap.contains(&format!("{:04X}>", 'Đ' as u32)), "{cmap}");
    }

    fn image(width: u32, height: u32, alpha: bool) -> std::sync::Arc<crate::sign::StampImage> {
        let pixels = (width * height) as usize;
        std::sync::Arc::new(
            crate::sign::StampImage::from_pixels(
                width,
                height,
                vec![30; pixels * 3],
                alpha.then(|| vec![128; pixels]),
            )
            .unwrap(),
        )
    }

    #[test]
    fn a_signature_image_is_an_image_xobject_with_its_soft_mask() {
        let stamp = Stamp {
            rect: [333.0, 6.0, 573.0, 54.0],
            lines: vec!["Ký bởi: Nguyễn Thị Hằng".into(), "Giám đốc".into()],
            style: StampStyle::Framed,
            image: Some((ImageSide::Left, image(300, 100, true))),
        };
        let mut next = 2;
        let objects = objects(&stamp, 1, &mut || {
            next += 1;
            next - 1
        })
        .unwrap();
        // Form, 5 font objects, the image and its mask.
        assert_eq!(objects.len(), 8);
        let form = text(&objects[0].1);
        assert!(form.contains("/XObject << /ImL 7 0 R >>"), "{form}");
        assert!(form.contains("/ImL Do"), "{form}");
        let xobject = text(&objects[6].1);
        for entry in [
            "/Subtype /Image",
            "/Width 300",
            "/Height 100",
            "/ColorSpace /DeviceRGB",
            "/BitsPerComponent 8",
            "/SMask 8 0 R",
        ] {
            assert!(xobject.contains(entry), "{entry}: {xobject}");
        }
        let mask = text(&objects[7].1);
        assert!(mask.contains("/ColorSpace /DeviceGray") && !mask.contains("/SMask"));
        // The image is 3:1 in a 98.28 × 42 area: 126 wide would not fit, so 98.28 × 32.76,
        // against the left margin, centred vertically; the text starts to its right.
        let [x1, y1, x2, y2] = image_rect(stamp.rect, ImageSide::Left, 300, 100).unwrap();
        assert!((x1 - 336.0).abs() < 1e-9 && (x2 - x1 - 98.28).abs() < 1e-9);
        assert!(((y1 + y2) / 2.0 - 30.0).abs() < 1e-9);
        assert!(form.contains("98.28 0 0 32.76 3.00 7.62 cm"), "{form}");
        assert!(form.contains("105.28 "), "the text after the image: {form}");
        // An opaque image has no mask.
        let opaque = Stamp {
            image: Some((ImageSide::Left, image(300, 100, false))),
            ..stamp
        };
        let objects = super::objects(&opaque, 1, &mut || {
            next += 1;
            next - 1
        })
        .unwrap();
        assert_eq!(objects.len(), 7);
        assert!(!text(&objects[6].1).contains("/SMask"));
    }

    #[test]
    fn the_seal_covers_the_left_third_of_the_signers_image() {
        let signer_box = [333.0, 6.0, 573.0, 54.0];
        let signer = image_rect(signer_box, ImageSide::Left, 300, 100).unwrap();
        let seal_box = seal_rect_over(signer, 48.0, 180.0);
        let seal = image_rect(seal_box, ImageSide::Right, 200, 200).unwrap();
        let third = signer[0] + (signer[2] - signer[0]) / 3.0;
        // The seal ends exactly a third of the way in and starts left of the signature: it
        // overlaps the left third and nothing more.
        assert!((seal[2] - third).abs() < 1e-9, "{seal:?} {signer:?}");
        assert!(seal[0] < signer[0]);
        assert!(
            seal[1] < signer[3] && seal[3] > signer[1],
            "vertical overlap"
        );
        // Its text stays left of its image, its frame around the text only.
        let stamp = Stamp {
            rect: seal_box,
            lines: vec![
                "Ủy ban nhân dân tỉnh".into(),
                "Số, ký hiệu: 01/QĐ-UBND".into(),
            ],
            style: StampStyle::Framed,
            image: Some((ImageSide::Right, image(200, 200, true))),
        };
        let mut next = 2;
        let objects = objects(&stamp, 1, &mut || {
            next += 1;
            next - 1
        })
        .unwrap();
        let form = text(&objects[0].1);
        assert!(form.contains("/ImR Do"), "{form}");
        assert!(form.contains("0.4 0.4 179.20 47.20 re S"), "{form}");
        // A box too narrow for text beside its square is refused.
        let narrow = Stamp {
            rect: [0.0, 0.0, 50.0, 48.0],
            ..stamp
        };
        assert!(super::objects(&narrow, 1, &mut || 2).is_err());
    }
}
