//! Signature and seal images (Decree 30/2020 Appendix I: the signer's handwritten signature
//! image, the agency's red seal image) read from the PNG or JPEG an official uploads, for a
//! visible stamp's `/Image` XObject. The file is decoded whole, by pure-Rust decoders (`png`,
//! `zune-jpeg`), into 8-bit RGB and, for a PNG with transparency, an 8-bit alpha channel (the
//! stamp's `/SMask`): what goes into the PDF is pixels we wrote, never the uploaded bytes, so a
//! crafted file reaches no PDF viewer. Hostile files are refused, never a panic: the size, the
//! dimensions (read from the header, before any pixel is decoded) and the decoders' own memory
//! limit are bounded, and the decoding runs under `catch_unwind` as a last guard.

use std::io::Cursor;

/// Largest file taken, in bytes (1 MB).
pub const MAX_IMAGE_BYTES: usize = 1024 * 1024;
/// Largest side, in pixels: a signature scanned at 300 dpi is a few hundred pixels high.
pub const MAX_IMAGE_SIDE: u32 = 2000;
/// Smallest side, in pixels: anything smaller is no legible signature.
pub const MIN_IMAGE_SIDE: u32 = 16;

/// Why an image was refused (Vietnamese, shown to the official who uploaded it).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("Ảnh lớn hơn 1 MB: hãy chọn ảnh nhỏ hơn.")]
    TooLarge,
    #[error("Tệp không phải ảnh PNG hoặc JPEG.")]
    NotAnImage,
    #[error(
        "Ảnh phải có mỗi chiều từ {MIN_IMAGE_SIDE} đến {MAX_IMAGE_SIDE} điểm ảnh (ảnh này {0}×{1})."
    )]
    Dimensions(u32, u32),
    #[error("Ảnh {0} bị hỏng hoặc không đọc được.")]
    Corrupt(&'static str),
}

impl ImageError {
    /// A stable code for logs and the API.
    pub fn code(&self) -> &'static str {
        match self {
            ImageError::TooLarge => "image_too_large",
            ImageError::NotAnImage => "image_type",
            ImageError::Dimensions(..) => "image_dimensions",
            ImageError::Corrupt(_) => "image_corrupt",
        }
    }
}

/// The kind of file, by its first bytes (the name and the declared type do not count).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Jpeg,
}

impl ImageKind {
    pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageKind::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageKind::Jpeg)
        } else {
            None
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
        }
    }
}

/// A decoded image: 8-bit RGB, row by row from the top, and its alpha channel when it has
/// any pixel that is not opaque.
#[derive(Clone, PartialEq, Eq)]
pub struct StampImage {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
    alpha: Option<Vec<u8>>,
}

impl std::fmt::Debug for StampImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StampImage")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("alpha", &self.alpha.is_some())
            .finish()
    }
}

impl StampImage {
    /// Decodes a PNG or a JPEG (by content) within the limits above.
    pub fn decode(bytes: &[u8]) -> Result<StampImage, ImageError> {
        if bytes.len() > MAX_IMAGE_BYTES {
            return Err(ImageError::TooLarge);
        }
        let kind = ImageKind::sniff(bytes).ok_or(ImageError::NotAnImage)?;
        let decoded = std::panic::catch_unwind(|| match kind {
            ImageKind::Png => decode_png(bytes),
            ImageKind::Jpeg => decode_jpeg(bytes),
        });
        let what = match kind {
            ImageKind::Png => "PNG",
            ImageKind::Jpeg => "JPEG",
        };
        decoded.unwrap_or(Err(ImageError::Corrupt(what)))
    }

    /// An image from pixels (tests, and images the platform draws itself): `rgb` holds
    /// `width × height × 3` bytes, `alpha` (if any) `width × height`.
    pub fn from_pixels(
        width: u32,
        height: u32,
        rgb: Vec<u8>,
        alpha: Option<Vec<u8>>,
    ) -> Result<StampImage, ImageError> {
        check_dimensions(width, height)?;
        let pixels = width as usize * height as usize;
        if rgb.len() != pixels * 3 || alpha.as_ref().is_some_and(|a| a.len() != pixels) {
            return Err(ImageError::Corrupt("RGB"));
        }
        Ok(StampImage {
            width,
            height,
            alpha: alpha.filter(|a| a.iter().any(|v| *v != 255)),
            rgb,
        })
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    /// Whether some pixel is not opaque (the XObject then has an `/SMask`).
    pub fn has_alpha(&self) -> bool {
        self.alpha.is_some()
    }

    pub(crate) fn rgb(&self) -> &[u8] {
        &self.rgb
    }

    pub(crate) fn alpha(&self) -> Option<&[u8]> {
        self.alpha.as_deref()
    }
}

fn check_dimensions(width: u32, height: u32) -> Result<(), ImageError> {
    let side = MIN_IMAGE_SIDE..=MAX_IMAGE_SIDE;
    if side.contains(&width) && side.contains(&height) {
        Ok(())
    } else {
        Err(ImageError::Dimensions(width, height))
    }
}

/// The decoders may not allocate more than this: the largest image's RGBA at 16 bits, twice.
const DECODER_BYTES: usize = (MAX_IMAGE_SIDE as usize).pow(2) * 8 * 2;

fn decode_png(bytes: &[u8]) -> Result<StampImage, ImageError> {
    let corrupt = |_| ImageError::Corrupt("PNG");
    let mut decoder = png::Decoder::new_with_limits(
        Cursor::new(bytes),
        png::Limits {
            bytes: DECODER_BYTES,
        },
    );
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(corrupt)?;
    let (width, height) = reader.info().size();
    check_dimensions(width, height)?;
    let size = reader
        .output_buffer_size()
        .ok_or(ImageError::Corrupt("PNG"))?;
    let mut buffer = vec![0; size];
    let frame = reader.next_frame(&mut buffer).map_err(corrupt)?;
    if frame.bit_depth != png::BitDepth::Eight {
        return Err(ImageError::Corrupt("PNG"));
    }
    let pixels = width as usize * height as usize;
    let channels = frame.color_type.samples();
    let stride = frame.line_size;
    let mut rgb = Vec::with_capacity(pixels * 3);
    let mut alpha = Vec::with_capacity(pixels);
    for row in buffer.chunks(stride).take(height as usize) {
        for pixel in row.chunks_exact(channels).take(width as usize) {
            match frame.color_type {
                png::ColorType::Grayscale => {
                    rgb.extend_from_slice(&[pixel[0]; 3]);
                    alpha.push(255);
                }
                png::ColorType::GrayscaleAlpha => {
                    rgb.extend_from_slice(&[pixel[0]; 3]);
                    alpha.push(pixel[1]);
                }
                png::ColorType::Rgb => {
                    rgb.extend_from_slice(&pixel[..3]);
                    alpha.push(255);
                }
                png::ColorType::Rgba => {
                    rgb.extend_from_slice(&pixel[..3]);
                    alpha.push(pixel[3]);
                }
                // Expanded away by the transformations.
                png::ColorType::Indexed => return Err(ImageError::Corrupt("PNG")),
            }
        }
    }
    StampImage::from_pixels(width, height, rgb, Some(alpha))
}

fn decode_jpeg(bytes: &[u8]) -> Result<StampImage, ImageError> {
    use zune_jpeg::zune_core::bytestream::ZCursor;
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    use zune_jpeg::zune_core::options::DecoderOptions;
    let corrupt = |_| ImageError::Corrupt("JPEG");
    let options = DecoderOptions::default()
        .set_max_width(MAX_IMAGE_SIDE as usize)
        .set_max_height(MAX_IMAGE_SIDE as usize)
        .jpeg_set_out_colorspace(ColorSpace::RGB);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    decoder.decode_headers().map_err(|_| {
        // A header larger than the limits says so in its own words; ours are clearer.
        ImageError::Corrupt("JPEG")
    })?;
    let info = decoder.info().ok_or(ImageError::Corrupt("JPEG"))?;
    check_dimensions(u32::from(info.width), u32::from(info.height))?;
    let rgb = decoder.decode().map_err(corrupt)?;
    StampImage::from_pixels(u32::from(info.width), u32::from(info.height), rgb, None)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A PNG of `width × height`, RGBA, a transparent background with a dark stroke.
    pub(crate) fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, width, height);
            encoder.set_color(png::ColorType::Rgba);
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = encoder.write_header().unwrap();
            let mut data = vec![0u8; (width * height * 4) as usize];
            for y in 0..height {
                let x = y * width / height;
                let i = ((y * width + x) * 4) as usize;
                data[i..i + 4].copy_from_slice(&[0, 0, 120, 255]);
            }
            writer.write_image_data(&data).unwrap();
        }
        out
    }

    #[test]
    fn a_png_decodes_with_its_alpha() {
        let image = StampImage::decode(&png(40, 20)).unwrap();
        assert_eq!((image.width(), image.height()), (40, 20));
        assert!(image.has_alpha());
        assert_eq!(image.rgb().len(), 40 * 20 * 3);
    }

    #[test]
    fn a_jpeg_decodes_to_rgb() {
        // 120 × 40, baseline, drawn by Chromium's canvas (tests/data/signature.jpg).
        let jpeg = include_bytes!("../../tests/data/signature.jpg");
        let image = StampImage::decode(jpeg).unwrap();
        assert_eq!((image.width(), image.height()), (120, 40));
        assert!(!image.has_alpha());
        // A white background, a dark stroke.
        assert!(image.rgb()[..3].iter().all(|v| *v > 240));
        assert!(image.rgb().chunks(3).any(|p| p.iter().all(|v| *v < 100)));
        for cut in [3, 20, 200, jpeg.len() / 2, jpeg.len() - 2] {
            let _ = StampImage::decode(&jpeg[..cut]);
        }
    }

    #[test]
    fn an_opaque_image_has_no_alpha() {
        let image =
            StampImage::from_pixels(16, 16, vec![200; 16 * 16 * 3], Some(vec![255; 256])).unwrap();
        assert!(!image.has_alpha());
    }

    #[test]
    fn hostile_files_are_refused_without_a_panic() {
        let good = png(64, 32);
        assert_eq!(
            StampImage::decode(b"hello, I am text"),
            Err(ImageError::NotAnImage)
        );
        assert_eq!(
            StampImage::decode(&vec![0x89; MAX_IMAGE_BYTES + 1]),
            Err(ImageError::TooLarge)
        );
        // Truncated at every length short of the final `IEND` chunk (12 bytes: without it
        // every pixel is still there): an error each time, never a panic.
        for cut in 8..good.len() - 12 {
            assert!(StampImage::decode(&good[..cut]).is_err(), "cut at {cut}");
        }
        // Bytes flipped in the pixel data and the header.
        for i in 8..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x5A;
            let _ = StampImage::decode(&bad);
        }
        // A header claiming 60000 × 60000 pixels: refused before any pixel is decoded.
        let mut huge = good.clone();
        huge[16..20].copy_from_slice(&60_000u32.to_be_bytes());
        huge[20..24].copy_from_slice(&60_000u32.to_be_bytes());
        assert!(StampImage::decode(&huge).is_err());
        assert_eq!(
            StampImage::decode(&png(8, 8)),
            Err(ImageError::Dimensions(8, 8))
        );
        // A JPEG start with garbage after it.
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
        jpeg.extend_from_slice(&[0x13; 200]);
        assert_eq!(StampImage::decode(&jpeg), Err(ImageError::Corrupt("JPEG")));
    }
}
