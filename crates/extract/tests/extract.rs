//! Text extraction on real samples (Vietnamese survives PDF and DOCX) and on hostile input:
//! truncated files, zip and stream bombs, deep nesting, random and mutated bytes. Every case
//! ends in text or an error, never a panic, within the time budget.

mod common;

use common::{SUBJECT, TITLE, decision_docx, decision_pdf, docx_with_body, package, squeeze};
use proptest::prelude::*;
use std::time::{Duration, Instant};
use tinhso_extract::{ExtractError, Kind, Limits, extract, extract_with};

#[test]
fn vietnamese_survives_a_docx() {
    let out = extract(&decision_docx(), Kind::Docx).unwrap();
    let lines: Vec<&str> = out.text.lines().collect();
    assert_eq!(lines[0], TITLE, "{}", out.text);
    assert_eq!(lines[1], "Số:\t15/QĐ-UBND");
    assert_eq!(lines[2], format!("{SUBJECT} & công bố"));
    assert!(out.text.contains("Nơi nhận"), "{}", out.text);
    assert!(out.text.contains("Giám đốc"));
    assert!(
        !out.text.contains("bản nháp cũ"),
        "deleted text is not text"
    );
    assert!(!out.truncated);
}

#[test]
fn vietnamese_survives_a_pdf_through_its_tounicode_cmap() {
    let out = extract(&decision_pdf(), Kind::Pdf).unwrap();
    let text = squeeze(&out.text);
    assert!(out.pages >= 2, "{} pages", out.pages);
    for expected in [
        TITLE,
        SUBJECT,
        "Ủy ban nhân dân cấp huyện",
        "Hoàng Văn Bình",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text}");
    }
    assert!(!out.is_scan());
}

#[test]
fn page_and_character_limits_truncate() {
    let pdf = decision_pdf();
    let one_page = Limits {
        max_pages: 1,
        ..Limits::default()
    };
    let out = extract_with(&pdf, Kind::Pdf, &one_page).unwrap();
    assert!(out.truncated);
    assert!(squeeze(&out.text).contains(TITLE));
    let few = Limits {
        max_chars: 20,
        ..Limits::default()
    };
    let out = extract_with(&decision_docx(), Kind::Docx, &few).unwrap();
    assert!(out.truncated);
    assert!(out.text.chars().count() <= 20);
}

#[test]
fn truncated_files_are_errors_or_partial_text() {
    for (bytes, kind) in [(decision_pdf(), Kind::Pdf), (decision_docx(), Kind::Docx)] {
        for cut in [
            0,
            1,
            8,
            100,
            bytes.len() / 3,
            bytes.len() / 2,
            bytes.len() - 1,
        ] {
            let _ = extract(&bytes[..cut], kind);
        }
        // A DOCX cut anywhere loses its central directory: no text, an error.
        if kind == Kind::Docx {
            assert!(matches!(
                extract(&bytes[..bytes.len() / 2], kind),
                Err(ExtractError::Unreadable { .. })
            ));
        }
    }
    assert!(matches!(
        extract(b"", Kind::Pdf),
        Err(ExtractError::Unreadable { .. })
    ));
}

#[test]
fn a_zip_bomb_stops_at_the_decompression_limit() {
    // 8 MB of spaces in the body compress to a few kilobytes.
    let body = format!(
        "<w:p><w:r><w:t>{}</w:t></w:r></w:p>",
        " ".repeat(8 * 1024 * 1024)
    );
    let bomb = docx_with_body(&body);
    assert!(bomb.len() < 100_000, "{} bytes", bomb.len());
    let limits = Limits {
        max_decompressed_bytes: 1024 * 1024,
        ..Limits::default()
    };
    assert_eq!(
        extract_with(&bomb, Kind::Docx, &limits),
        Err(ExtractError::TooLarge(1024 * 1024))
    );
}

#[test]
fn a_pdf_stream_bomb_stops_at_the_decompression_limit() {
    use lopdf::{Document, Object, Stream, dictionary};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let mut content = Stream::new(dictionary! {}, vec![b' '; 8 * 1024 * 1024]);
    content.compress().unwrap();
    let content_id = doc.add_object(content);
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Contents" => content_id,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => vec![page_id.into()],
            "Count" => 1,
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    assert!(bytes.len() < 100_000, "{} bytes", bytes.len());
    let limits = Limits {
        max_decompressed_bytes: 1024 * 1024,
        ..Limits::default()
    };
    assert_eq!(
        extract_with(&bytes, Kind::Pdf, &limits),
        Err(ExtractError::TooLarge(1024 * 1024))
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let depth = 200_000;
    let nested = format!("{}{}", "<w:p>".repeat(depth), "</w:p>".repeat(depth));
    assert!(matches!(
        extract(&docx_with_body(&nested), Kind::Docx),
        Err(ExtractError::Unreadable { .. })
    ));
    let arrays = format!(
        "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R /X {}{} >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let started = Instant::now();
    let _ = extract(arrays.as_bytes(), Kind::Pdf);
    let dictionaries = format!(
        "%PDF-1.4\n1 0 obj\n{}{}\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n",
        "<< /A ".repeat(depth),
        ">>".repeat(depth)
    );
    let _ = extract(dictionaries.as_bytes(), Kind::Pdf);
    assert!(started.elapsed() < Duration::from_secs(15));
}

#[test]
fn a_docx_without_a_body_or_a_zip_of_anything_is_unreadable() {
    let no_body = package(&[("word/styles.xml", b"<w:styles/>")]);
    assert!(matches!(
        extract(&no_body, Kind::Docx),
        Err(ExtractError::Unreadable { .. })
    ));
    // A PDF handed in as DOCX and the reverse.
    assert!(extract(&decision_pdf(), Kind::Docx).is_err());
    assert!(extract(&decision_docx(), Kind::Pdf).is_err());
    // Not UTF-8 inside w:t.
    let latin1 = package(&[(
        "word/document.xml",
        b"<w:document><w:body><w:p><w:r><w:t>\xe9\xff</w:t></w:r></w:p></w:body></w:document>",
    )]);
    let _ = extract(&latin1, Kind::Docx);
}

#[test]
fn the_budget_bounds_the_time() {
    // A budget already spent: the work stops at its first check.
    let none = Limits {
        budget: Duration::ZERO,
        ..Limits::default()
    };
    let started = Instant::now();
    let result = extract_with(&decision_pdf(), Kind::Pdf, &none);
    assert!(
        matches!(result, Err(ExtractError::OverBudget(_))),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// The longest any single hostile case may take (the default budget and its grace).
const BOUND: Duration = Duration::from_secs(6);

fn no_panic_within_bound(bytes: &[u8], kind: Kind) {
    let started = Instant::now();
    let result = extract(bytes, kind);
    assert!(
        !matches!(result, Err(ExtractError::Crashed)),
        "the parser panicked on {} bytes: {:?}",
        bytes.len(),
        &bytes[..bytes.len().min(64)]
    );
    assert!(started.elapsed() < BOUND);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        no_panic_within_bound(&bytes, Kind::Pdf);
        no_panic_within_bound(&bytes, Kind::Docx);
        let mut pdf = b"%PDF-1.7\n".to_vec();
        pdf.extend_from_slice(&bytes);
        no_panic_within_bound(&pdf, Kind::Pdf);
    }

    #[test]
    fn mutated_samples_never_panic(
        mutations in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..24),
        cut in any::<prop::sample::Index>(),
    ) {
        for (sample, kind) in [(pdf_sample(), Kind::Pdf), (docx_sample(), Kind::Docx)] {
            let mut bytes = sample.to_vec();
            for (at, byte) in &mutations {
                let i = at.index(bytes.len());
                bytes[i] = *byte;
            }
            no_panic_within_bound(&bytes, kind);
            let end = cut.index(bytes.len());
            no_panic_within_bound(&bytes[..end], kind);
        }
    }
}

/// The PDF's text layer streams deflated: mutating them mostly breaks the checksum. This
/// sample keeps its streams plain, so mutations reach the content and CMap parsers.
fn pdf_sample() -> &'static [u8] {
    static SAMPLE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    SAMPLE.get_or_init(|| {
        let mut doc = lopdf::Document::load_mem(&decision_pdf()).unwrap();
        doc.decompress();
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).unwrap();
        bytes
    })
}

fn docx_sample() -> &'static [u8] {
    static SAMPLE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    SAMPLE.get_or_init(common::decision_docx_stored)
}

#[test]
fn the_plain_sample_still_reads_as_vietnamese() {
    let out = extract(pdf_sample(), Kind::Pdf).unwrap();
    assert!(squeeze(&out.text).contains(SUBJECT), "{}", out.text);
}
