//! Photos attached to reports: JPEG or PNG recognised by content, at most 5 of 5 MB, and every
//! metadata block that can hold a location (EXIF, XMP, IPTC, comments, PNG text chunks) removed
//! unless the reporter chose to keep it. Only what draws the picture is kept: the removal is a
//! list of what stays, so a metadata format we have not heard of goes too.

use bytes::Bytes;
use img_parts::{jpeg::Jpeg, png::Png};
use tinhso_domain::attachment::FileKind;
use tinhso_kernel::error::FieldError;

pub const MAX_PHOTOS: usize = 5;
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;

/// Checks one photo and returns its bytes without EXIF (unless `keep_exif`) and its type.
pub fn prepare(
    file_name: &str,
    bytes: &Bytes,
    keep_exif: bool,
) -> Result<(Bytes, &'static str), FieldError> {
    let bad = |m: String| FieldError::new("photos", m);
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(bad(format!("Ảnh “{file_name}” lớn hơn 5 MB.")));
    }
    let kind =
        tinhso_domain::attachment::check(file_name, bytes).map_err(|e| bad(e.to_string()))?;
    let not_image = || {
        bad(format!(
            "Tệp “{file_name}” không phải ảnh JPEG hoặc PNG hợp lệ."
        ))
    };
    match kind {
        FileKind::Jpeg => {
            let mut jpeg = Jpeg::from_bytes(bytes.clone()).map_err(|_| not_image())?;
            if !keep_exif {
                jpeg.segments_mut()
                    .retain(|s| jpeg_segment_draws(s.marker()));
            }
            Ok((jpeg.encoder().bytes(), kind.media_type()))
        }
        FileKind::Png => {
            let mut png = Png::from_bytes(bytes.clone()).map_err(|_| not_image())?;
            if !keep_exif {
                png.chunks_mut().retain(|c| png_chunk_draws(&c.kind()));
            }
            Ok((png.encoder().bytes(), kind.media_type()))
        }
        _ => Err(not_image()),
    }
}

/// JPEG segments kept: everything that is not an application segment or a comment, plus APP0
/// (JFIF), APP2 (the ICC colour profile) and APP14 (Adobe colour transform). APP1 (EXIF, XMP),
/// APP13 (IPTC), the other APPn and COM go.
fn jpeg_segment_draws(marker: u8) -> bool {
    const APP0: u8 = 0xE0;
    const APP2: u8 = 0xE2;
    const APP14: u8 = 0xEE;
    const COM: u8 = 0xFE;
    match marker {
        APP0 | APP2 | APP14 => true,
        0xE0..=0xEF | COM => false,
        _ => true,
    }
}

/// PNG chunks kept: the critical ones, transparency, colour and pixel-size chunks, and the
/// animation chunks of APNG. Text (`tEXt`, `zTXt`, `iTXt`, where XMP lives), `eXIf`, `tIME` and
/// anything else go.
fn png_chunk_draws(kind: &[u8; 4]) -> bool {
    const KEPT: [&[u8; 4]; 15] = [
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
        b"bKGD", b"pHYs", b"acTL", b"fcTL", b"fdAT",
    ];
    KEPT.contains(&kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal JPEG: SOI, an APP1 Exif segment, EOI.
    fn jpeg_with_exif() -> Bytes {
        let exif = b"Exif\0\0MM\0*\0\0\0\x08\0\0GPS-SECRET";
        let mut v = vec![0xFF, 0xD8, 0xFF, 0xE1];
        v.extend(((exif.len() + 2) as u16).to_be_bytes());
        v.extend_from_slice(exif);
        v.extend([0xFF, 0xDA, 0x00, 0x02, 0x00, 0xFF, 0xD9]);
        Bytes::from(v)
    }

    fn jpeg_segment(marker: u8, contents: &[u8]) -> Vec<u8> {
        let mut v = vec![0xFF, marker];
        v.extend(((contents.len() + 2) as u16).to_be_bytes());
        v.extend_from_slice(contents);
        v
    }

    fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let chunk = img_parts::png::PngChunk::new(*kind, Bytes::copy_from_slice(data));
        chunk.encoder().bytes().to_vec()
    }

    const XMP_GPS: &[u8] =
        b"<x:xmpmeta><rdf:Description exif:GPSLatitude=\"19,48.4N\"/></x:xmpmeta>";

    #[test]
    fn location_in_xmp_iptc_and_comments_of_a_jpeg_is_removed() {
        let mut v = vec![0xFF, 0xD8];
        v.extend(jpeg_segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
        let mut xmp = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
        xmp.extend_from_slice(XMP_GPS);
        v.extend(jpeg_segment(0xE1, &xmp));
        v.extend(jpeg_segment(0xED, b"Photoshop 3.0\0GPSLatitude-IPTC"));
        v.extend(jpeg_segment(0xFE, b"GPSLatitude in a comment"));
        v.extend(jpeg_segment(0xE2, b"ICC_PROFILE\0\x01\x01colour"));
        v.extend([0xFF, 0xDA, 0x00, 0x02, 0x00, 0xFF, 0xD9]);
        let photo = Bytes::from(v);
        let (clean, _) = prepare("anh.jpg", &photo, false).unwrap();
        assert!(!clean.windows(11).any(|w| w == b"GPSLatitude"));
        assert!(clean.windows(4).any(|w| w == b"JFIF"), "JFIF header kept");
        assert!(
            clean.windows(11).any(|w| w == b"ICC_PROFILE"),
            "colour kept"
        );
        let (kept, _) = prepare("anh.jpg", &photo, true).unwrap();
        assert!(kept.windows(11).any(|w| w == b"GPSLatitude"));
    }

    #[test]
    fn location_in_png_text_chunks_is_removed() {
        let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
        v.extend(png_chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]));
        let mut itxt = b"XML:com.adobe.xmp\0\0\0\0\0".to_vec();
        itxt.extend_from_slice(XMP_GPS);
        v.extend(png_chunk(b"iTXt", &itxt));
        v.extend(png_chunk(b"tEXt", b"Comment\0GPSLatitude 19.8"));
        v.extend(png_chunk(b"zTXt", b"GPSLatitude\0\0x"));
        v.extend(png_chunk(b"eXIf", b"MM\0*GPSLatitude"));
        v.extend(png_chunk(b"IDAT", b"pixels"));
        v.extend(png_chunk(b"IEND", b""));
        let photo = Bytes::from(v);
        let (clean, media) = prepare("anh.png", &photo, false).unwrap();
        assert_eq!(media, "image/png");
        assert!(!clean.windows(11).any(|w| w == b"GPSLatitude"));
        assert!(clean.windows(6).any(|w| w == b"pixels"), "image data kept");
        let (kept, _) = prepare("anh.png", &photo, true).unwrap();
        assert!(kept.windows(11).any(|w| w == b"GPSLatitude"));
    }

    #[test]
    fn the_camera_location_is_removed_unless_kept() {
        let photo = jpeg_with_exif();
        let (stripped, media) = prepare("anh.jpg", &photo, false).unwrap();
        assert_eq!(media, "image/jpeg");
        assert!(!stripped.windows(10).any(|w| w == b"GPS-SECRET"));
        let (kept, _) = prepare("anh.jpg", &photo, true).unwrap();
        assert!(kept.windows(10).any(|w| w == b"GPS-SECRET"));
        assert!(prepare("anh.pdf", &Bytes::from_static(b"%PDF-1.4\n%%EOF"), false).is_err());
        assert!(
            prepare("anh.png", &photo, false).is_err(),
            "name and content disagree"
        );
    }
}
