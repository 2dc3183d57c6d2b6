//! OCR with the real Tesseract and its Vietnamese data (the test command installs the Debian
//! packages tesseract-ocr, tesseract-ocr-vie and poppler-utils): a PDF without a usable text
//! layer is rasterised and read; a missing tool or a hostile image is a clear error.

mod common;

use common::{TITLE, decision_pdf, squeeze};
use std::time::Duration;
use tinhso_extract::ocr::{OcrConfig, OcrError, ScanKind, ocr};

#[tokio::test]
async fn a_scanned_pdf_is_read_in_vietnamese() {
    let config = OcrConfig {
        max_pages: 1,
        ..OcrConfig::default()
    };
    let out = ocr(&decision_pdf(), ScanKind::Pdf, &config).await.unwrap();
    let text = squeeze(&out.text);
    // OCR is fuzzy: the large bold title and the year are what it reliably gets right.
    assert!(text.contains(TITLE), "{text}");
    assert!(text.contains("2026"), "{text}");
    assert!(out.truncated, "only the first of several pages was read");
}

#[tokio::test]
async fn a_missing_tool_is_named_and_not_permanent() {
    let config = OcrConfig {
        pdftoppm: "/nonexistent/pdftoppm".into(),
        ..OcrConfig::default()
    };
    let err = ocr(&decision_pdf(), ScanKind::Pdf, &config)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            OcrError::ToolMissing {
                tool: "pdftoppm",
                ..
            }
        ),
        "{err}"
    );
    assert!(!err.is_permanent());
    assert!(err.to_string().contains("poppler-utils"));
    let config = OcrConfig {
        tesseract: "/nonexistent/tesseract".into(),
        ..OcrConfig::default()
    };
    let err = ocr(PNG_1X1, ScanKind::Png, &config).await.unwrap_err();
    assert!(
        matches!(
            err,
            OcrError::ToolMissing {
                tool: "tesseract",
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn a_missing_language_is_named() {
    let config = OcrConfig {
        language: "xyz".into(),
        ..OcrConfig::default()
    };
    let err = ocr(PNG_1X1, ScanKind::Png, &config).await.unwrap_err();
    assert!(matches!(err, OcrError::LanguageMissing(_)), "{err}");
    assert!(!err.is_permanent());
}

#[tokio::test]
async fn hostile_scans_are_refused_before_any_decoder() {
    let mut huge = PNG_1X1.to_vec();
    // IHDR width and height: 100,000 × 100,000.
    huge[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    huge[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let err = ocr(&huge, ScanKind::Png, &OcrConfig::default())
        .await
        .unwrap_err();
    assert!(err.is_permanent(), "{err}");
    let err = ocr(b"not an image", ScanKind::Jpeg, &OcrConfig::default())
        .await
        .unwrap_err();
    assert!(err.is_permanent(), "{err}");
    let err = ocr(b"%PDF-1.4\ngarbage", ScanKind::Pdf, &OcrConfig::default())
        .await
        .unwrap_err();
    assert!(err.is_permanent(), "{err}");
}

#[tokio::test]
async fn a_tool_over_its_time_is_stopped() {
    let config = OcrConfig {
        step_timeout: Duration::from_millis(1),
        ..OcrConfig::default()
    };
    let err = ocr(&decision_pdf(), ScanKind::Pdf, &config)
        .await
        .unwrap_err();
    assert!(matches!(err, OcrError::Timeout("pdftoppm", _)), "{err}");
}

/// A valid 1 × 1 grey PNG.
const PNG_1X1: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3A, 0x7E, 0x9B,
    0x55, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0x0F, 0x00, 0x01,
    0x01, 0x01, 0x00, 0xB1, 0x38, 0xF6, 0x14, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];
