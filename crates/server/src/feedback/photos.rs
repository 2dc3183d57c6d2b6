//! Photos attached to reports: JPEG or PNG recognised by content, at most 5 of 5 MB, and the
//! location the camera wrote (EXIF) removed unless the reporter chose to keep it.

use crate::error::FieldError;
use bytes::Bytes;
use img_parts::{ImageEXIF, jpeg::Jpeg, png::Png};
use tinhso_domain::attachment::FileKind;

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
                jpeg.set_exif(None);
            }
            Ok((jpeg.encoder().bytes(), kind.media_type()))
        }
        FileKind::Png => {
            let mut png = Png::from_bytes(bytes.clone()).map_err(|_| not_image())?;
            if !keep_exif {
                png.set_exif(None);
            }
            Ok((png.encoder().bytes(), kind.media_type()))
        }
        _ => Err(not_image()),
    }
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
