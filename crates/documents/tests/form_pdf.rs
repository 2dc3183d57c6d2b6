//! End-to-end checks of the PDF: read back with an independent PDF parser.

use std::time::Instant;

use lopdf::Document;
use proptest::prelude::*;
use tinhso_documents::{Block, DocumentError, FormDocument, Qr, Signer, form_pdf};

fn receipt(blocks: Vec<Block>) -> FormDocument {
    FormDocument {
        form_number: "Mẫu số 01".into(),
        issuer_parent: "UBND tỉnh Thanh Hóa".into(),
        issuer: "Sở Tư pháp".into(),
        reference: "Mã hồ sơ: 000.00.60.H56-261124-0001".into(),
        place_date: "Thanh Hóa, ngày 24 tháng 11 năm 2026".into(),
        title: "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ".into(),
        blocks,
        signer: Some(Signer {
            role: "NGƯỜI TIẾP NHẬN".into(),
            name: "Nguyễn Thị Hồng Nhung".into(),
        }),
        qr: Some(Qr {
            url: "https://dichvucong.thanhhoa.gov.vn/tra-cuu?ma=000.00.60.H56-261124-0001".into(),
            caption: "Quét mã để tra cứu hồ sơ".into(),
        }),
    }
}

fn short_body() -> Vec<Block> {
    vec![
        Block::Heading("Thông tin hồ sơ".into()),
        Block::Field {
            label: "Thủ tục".into(),
            value: "Đăng ký khai sinh".into(),
        },
        Block::Field {
            label: "Người nộp".into(),
            value: "Trần Văn Ước".into(),
        },
        Block::Paragraph("Ông/bà vui lòng mang theo giấy tờ tùy thân khi đến nhận kết quả.".into()),
        Block::List(vec![
            "Tờ khai đăng ký khai sinh".into(),
            "Giấy chứng sinh".into(),
        ]),
    ]
}

fn long_body() -> Vec<Block> {
    let mut blocks = short_body();
    for i in 0..60 {
        blocks.push(Block::Paragraph(format!(
            "Đoạn {i}: Ủy ban nhân dân xã đã tiếp nhận đầy đủ thành phần hồ sơ theo quy định; \
             kết quả giải quyết sẽ được trả trực tuyến hoặc tại Bộ phận Một cửa."
        )));
    }
    blocks
}

fn text_of(pdf: &[u8]) -> (usize, String) {
    let doc = Document::load_mem(pdf).expect("a PDF lopdf can parse");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text = doc.extract_text(&pages).expect("extractable text");
    (pages.len(), text)
}

#[test]
fn one_page_form_has_extractable_vietnamese() {
    let pdf = form_pdf(&receipt(short_body())).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let (pages, text) = text_of(&pdf);
    assert_eq!(pages, 1);
    for expected in [
        "Đăng ký khai sinh",
        "Nguyễn Thị Hồng Nhung",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "UBND TỈNH THANH HÓA",
        "SỞ TƯ PHÁP",
        "Thủ tục:",
        "Trần Văn Ước",
        "1.",
        "Tờ khai đăng ký khai sinh",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in {text}");
    }
}

#[test]
fn long_body_paginates_and_numbers_pages() {
    let pdf = form_pdf(&receipt(long_body())).unwrap();
    let (pages, text) = text_of(&pdf);
    assert!(pages > 1, "{pages} pages");
    assert!(text.contains(&format!("Trang 1/{pages}")));
    assert!(text.contains("Đoạn 59"));
    assert!(text.contains("Nguyễn Thị Hồng Nhung"));
}

#[test]
fn decomposed_input_is_normalised() {
    // "ế" typed as e + U+0302 + U+0301, as some keyboards and macOS file names produce.
    let doc = receipt(vec![Block::Paragraph(
        "Ke\u{0302}\u{0301}t qua\u{0309}".into(),
    )]);
    let (_, text) = text_of(&form_pdf(&doc).unwrap());
    assert!(text.contains("Kết quả"), "{text:?}");
}

#[test]
fn empty_form_renders() {
    let pdf = form_pdf(&FormDocument::default()).unwrap();
    assert_eq!(text_of(&pdf).0, 1);
}

#[test]
fn overlong_qr_data_is_an_error() {
    let mut doc = receipt(Vec::new());
    doc.qr = Some(Qr {
        url: "x".repeat(5000),
        caption: String::new(),
    });
    assert!(matches!(form_pdf(&doc), Err(DocumentError::Qr(_))));
}

/// Not an assertion on speed (debug builds and busy CI vary), just the numbers to report.
#[test]
fn size_and_time_of_a_typical_page() {
    let doc = receipt(short_body());
    form_pdf(&doc).unwrap(); // warm the font cache
    let start = Instant::now();
    let runs = 5;
    let mut size = 0;
    for _ in 0..runs {
        size = form_pdf(&doc).unwrap().len();
    }
    eprintln!(
        "one-page form: {size} bytes, {:?} per render",
        start.elapsed() / runs
    );
    assert!(size < 200_000, "fonts are subset: {size} bytes");
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-zA-Zàáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ \n]{0,300}",
        "[^ ]{0,400}",
    ]
}

fn block() -> impl Strategy<Value = Block> {
    prop_oneof![
        text().prop_map(Block::Heading),
        text().prop_map(Block::Paragraph),
        (text(), text()).prop_map(|(label, value)| Block::Field { label, value }),
        prop::collection::vec(text(), 0..5).prop_map(Block::List),
    ]
}

prop_compose! {
    fn document()(
        header in prop::collection::vec(text(), 6),
        blocks in prop::collection::vec(block(), 0..12),
        signer in prop::option::of((text(), text())),
        qr in prop::option::of((text(), text())),
    ) -> FormDocument {
        FormDocument {
            form_number: header[0].clone(),
            issuer_parent: header[1].clone(),
            issuer: header[2].clone(),
            reference: header[3].clone(),
            place_date: header[4].clone(),
            title: header[5].clone(),
            blocks,
            signer: signer.map(|(role, name)| Signer { role, name }),
            qr: qr.map(|(url, caption)| Qr { url, caption }),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn any_text_renders_without_panic(doc in document()) {
        // URLs of a few hundred characters always fit a QR code, so this must succeed.
        let pdf = form_pdf(&doc).unwrap();
        prop_assert!(pdf.starts_with(b"%PDF"));
    }
}
