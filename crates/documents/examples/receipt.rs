//! Writes a sample receipt form to look at, and times it:
//! `cargo run -p tinhso-documents --release --example receipt -- /tmp/receipt.pdf [paragraphs]`

// The example reports what it wrote on standard output.
#![allow(clippy::print_stdout)]

use std::time::Instant;

use tinhso_documents::{Block, FormDocument, Qr, Signer, form_pdf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "receipt.pdf".to_owned());
    let extra: usize = args.next().map_or(Ok(0), |n| n.parse())?;
    let doc = sample(extra);
    let start = Instant::now();
    let pdf = form_pdf(&doc)?;
    let first = start.elapsed();
    let start = Instant::now();
    let runs = 20;
    for _ in 0..runs {
        form_pdf(&doc)?;
    }
    println!(
        "{} bytes; first render {first:?} (parses the fonts), then {:?} each",
        pdf.len(),
        start.elapsed() / runs
    );
    std::fs::write(&path, pdf)?;
    println!("wrote {path}");
    Ok(())
}

fn sample(extra: usize) -> FormDocument {
    let mut blocks = vec![
        Block::Heading("I. Thông tin hồ sơ".into()),
        Block::Field { label: "Thủ tục".into(), value: "Đăng ký khai sinh".into() },
        Block::Field { label: "Người nộp hồ sơ".into(), value: "Trần Văn Ước, số định danh cá nhân 038090001234".into() },
        Block::Field {
            label: "Địa chỉ".into(),
            value: "Số 12, đường Lê Hoàn, phường Điện Biên, thành phố Thanh Hóa, tỉnh Thanh Hóa".into(),
        },
        Block::Field { label: "Ngày hẹn trả kết quả".into(), value: "08 giờ 00, ngày 27 tháng 11 năm 2026".into() },
        Block::Heading("II. Thành phần hồ sơ".into()),
        Block::List(vec![
            "Tờ khai đăng ký khai sinh theo mẫu (bản chính)".into(),
            "Giấy chứng sinh do cơ sở y tế nơi trẻ sinh ra cấp (bản chính)".into(),
            "Giấy tờ tùy thân của người đi đăng ký khai sinh (xuất trình)".into(),
        ]),
        Block::Paragraph(
            "Ông/bà vui lòng mang theo Giấy tiếp nhận này và giấy tờ tùy thân khi đến nhận kết quả tại \
             Bộ phận Một cửa, hoặc tra cứu tình trạng hồ sơ bằng mã QR bên dưới."
                .into(),
        ),
    ];
    for i in 0..extra {
        blocks.push(Block::Paragraph(format!(
            "Đoạn {i}: nội dung bổ sung để kiểm tra việc ngắt trang của biểu mẫu."
        )));
    }
    FormDocument {
        form_number: "Mẫu số 01".into(),
        issuer_parent: "UBND tỉnh Thanh Hóa".into(),
        issuer: "Sở Tư pháp".into(),
        reference: "Mã hồ sơ: 000.00.60.H56-261124-0001".into(),
        place_date: "Thanh Hóa, ngày 24 tháng 11 năm 2026".into(),
        title: "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ".into(),
        blocks,
        signer: Some(Signer {
            role: "NGƯỜI TIẾP NHẬN HỒ SƠ".into(),
            name: "Nguyễn Thị Hồng Nhung".into(),
        }),
        qr: Some(Qr {
            url: "https://dichvucong.thanhhoa.gov.vn/tra-cuu?ma=000.00.60.H56-261124-0001".into(),
            caption: "Quét mã để tra cứu tình trạng hồ sơ".into(),
        }),
    }
}
