//! Documents per second for the text of a typical three-page decision, as a born-digital PDF
//! (rendered by the platform: embedded subset font, ToUnicode CMap) and as a DOCX, through the
//! public `extract` (its own thread, limits and all); and seconds per page for OCR of the same
//! PDF printed and scanned (pdftoppm + Tesseract `vie`, one thread). Decides whether text is
//! read inline at upload or in the job queue (docs/benchmarks.md, "Documents: ingest").
//!
//! Run: `cargo bench -p tinhso-extract --bench ingest`.

// A benchmark reports its figures on standard output.
#![allow(clippy::print_stdout)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};
use tinhso_extract::ocr::{OcrConfig, ScanKind, ocr};
use tinhso_extract::{Kind, extract};

const RUN: Duration = Duration::from_secs(5);

fn measure(name: &str, bytes: &[u8], kind: Kind) {
    let sample = extract(bytes, kind).expect("the sample reads");
    for _ in 0..3 {
        extract(bytes, kind).unwrap();
    }
    let mut times = Vec::new();
    let started = Instant::now();
    while started.elapsed() < RUN {
        let one = Instant::now();
        extract(bytes, kind).unwrap();
        times.push(one.elapsed());
    }
    times.sort();
    let total = started.elapsed().as_secs_f64();
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    println!(
        "| {name} | {} KB | {} | {} | {} | {:.0} | {:.2} | {:.2} |",
        bytes.len() / 1024,
        sample.pages,
        sample.text.chars().count(),
        times.len(),
        times.len() as f64 / total,
        pct(0.5).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
    );
}

/// About three pages of a decision as DOCX: ~1,300 words in 45 paragraphs.
fn three_page_docx() -> Vec<u8> {
    let mut body = String::from(
        "<w:p><w:r><w:t>QUYẾT ĐỊNH</w:t></w:r></w:p><w:p><w:r><w:t>Phê duyệt danh mục thủ tục hành chính được chuẩn hóa</w:t></w:r></w:p>",
    );
    for i in 1..=45 {
        body.push_str(&format!(
            "<w:p><w:r><w:t xml:space=\"preserve\">Điều {i}. Giao Sở Tư pháp chủ trì, </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>phối hợp với các sở, ban, ngành và Ủy ban nhân dân cấp huyện triển khai thực hiện quyết định này; báo cáo kết quả trước ngày 31 tháng 12 năm 2026.</w:t></w:r></w:p>"
        ));
    }
    common::docx_with_body(&body)
}

fn main() {
    let pdf = common::decision_pdf();
    let docx = three_page_docx();
    println!("| file | size | pages | characters | runs | documents/s | p50 ms | p99 ms |");
    println!("|---|---|---|---|---|---|---|---|");
    measure("decision, PDF (platform-rendered)", &pdf, Kind::Pdf);
    measure("decision, DOCX", &docx, Kind::Docx);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let config = OcrConfig {
        max_pages: 1,
        ..OcrConfig::default()
    };
    let mut times = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let out = runtime
            .block_on(ocr(&pdf, ScanKind::Pdf, &config))
            .expect("Tesseract reads the page");
        times.push(started.elapsed());
        assert!(out.text.contains("QUYẾT ĐỊNH"));
    }
    times.sort();
    println!(
        "\nOCR of one A4 page (pdftoppm at {} px + tesseract -l vie, OMP_THREAD_LIMIT=1): median {:.2} s, worst {:.2} s of 3",
        config.page_pixels,
        times[1].as_secs_f64(),
        times[2].as_secs_f64()
    );
}
