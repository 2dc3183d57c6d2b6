//! The standard one-stop forms as PDFs, built from a dossier and its timeline: 01 receipt and
//! appointment slip, 02 supplement request, 03 refusal, 04 apology and new appointment,
//! 05 notice of stopping. Generated on request, so they always match the stored dossier.

use super::store::{Event, StoredFile};
use super::{Dossier, LocalDateTime};
use chrono::Datelike;
use tinhso_documents::{Block, FormDocument, Qr};
use tinhso_domain::attachment::FilePurpose;
use tinhso_domain::dossier::Channel;
use tinhso_kernel::error::AppError;
use tinhso_kernel::web::i18n::Lang;

/// The forms a dossier may have, with the action whose event fills them. The receipt and
/// appointment slip (01) exists once the desk accepted the dossier: before that there is no
/// appointment to give, and a refused dossier gets form 03 instead.
pub fn available(d: &Dossier, events: &[Event]) -> Vec<&'static str> {
    let mut out = Vec::new();
    if d.code.is_some() && d.accepted_at.is_some() {
        out.push("01");
    }
    for (form, action) in [
        ("02", "request_supplement"),
        ("03", "refuse"),
        ("04", "apologize"),
        ("05", "stop"),
    ] {
        if events.iter().any(|e| e.action == action) {
            out.push(form);
        }
    }
    out
}

fn latest<'a>(events: &'a [Event], action: &str) -> Result<&'a Event, AppError> {
    events
        .iter()
        .rev()
        .find(|e| e.action == action)
        .ok_or(AppError::NotFound)
}

/// The date line of an administrative document: "Thanh Hóa, ngày 24 tháng 11 năm 2026"
/// (Decree 30/2020: the place name, then the date).
fn place_date(place: &str, at: &str) -> String {
    let local = tinhso_kernel::time::parse(at)
        .map(|t| {
            t.with_timezone(&tinhso_kernel::time::vietnam())
                .date_naive()
        })
        .unwrap_or_else(|| super::local_now().date());
    let date = format!(
        "ngày {:02} tháng {:02} năm {}",
        local.day(),
        local.month(),
        local.year()
    );
    if place.is_empty() {
        date
    } else {
        format!("{place}, {date}")
    }
}

/// The place name of the date line from an administrative unit's name: "Tỉnh Thanh Hóa" is
/// written "Thanh Hóa", "Phường Hạc Thành" "Hạc Thành".
pub fn place_name(unit_name: &str) -> String {
    const KINDS: [&str; 6] = [
        "Thành phố ",
        "Tỉnh ",
        "Phường ",
        "Xã ",
        "Đặc khu ",
        "Thị trấn ",
    ];
    let name = unit_name.trim();
    KINDS
        .iter()
        .find_map(|k| name.strip_prefix(k))
        .unwrap_or(name)
        .to_owned()
}

fn field(label: &str, value: impl Into<String>) -> Block {
    Block::Field {
        label: label.to_owned(),
        value: value.into(),
    }
}

fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Counter => "Trực tiếp tại Bộ phận một cửa",
        Channel::Post => "Qua dịch vụ bưu chính công ích",
        Channel::Online => "Trực tuyến",
    }
}

/// The form `number` of the dossier as a PDF.
pub fn render(
    number: &str,
    d: &Dossier,
    events: &[Event],
    files: &[StoredFile],
    tracking_url: &str,
    issuer_parent: &str,
    place: &str,
) -> Result<Vec<u8>, AppError> {
    let code = d.code.map(|c| c.to_string()).ok_or(AppError::NotFound)?;
    if !available(d, events).contains(&number) {
        return Err(AppError::NotFound);
    }
    let (title, blocks, at) = match number {
        "01" => receipt(d, files),
        "02" => {
            let e = latest(events, "request_supplement")?;
            (
                "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
                vec![
                    Block::Paragraph(format!("Bộ phận tiếp nhận và trả kết quả đã nhận hồ sơ của: {}.", d.applicant_name)),
                    field("Thủ tục", d.procedure_name.clone()),
                    Block::Heading("Yêu cầu bổ sung, hoàn thiện hồ sơ với nội dung sau:".into()),
                    Block::Paragraph(e.note.clone()),
                    Block::Paragraph("Thời gian chờ bổ sung không tính vào thời hạn giải quyết. Ông/bà vui lòng bổ sung trực tuyến tại cổng dịch vụ công hoặc tại Bộ phận một cửa.".into()),
                ],
                e.at.clone(),
            )
        }
        "03" => {
            let e = latest(events, "refuse")?;
            (
                "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
                vec![
                    Block::Paragraph(format!(
                        "Bộ phận tiếp nhận và trả kết quả đã nhận hồ sơ của: {}.",
                        d.applicant_name
                    )),
                    field("Thủ tục", d.procedure_name.clone()),
                    Block::Heading("Hồ sơ không đủ điều kiện tiếp nhận vì lý do sau:".into()),
                    Block::Paragraph(e.note.clone()),
                    Block::Paragraph("Xin thông báo để ông/bà biết và thực hiện.".into()),
                ],
                e.at.clone(),
            )
        }
        "04" => {
            let e = latest(events, "apologize")?;
            let new_due = e.detail["new_due"]
                .as_str()
                .and_then(LocalDateTime::parse)
                .map(|t| t.to_string())
                .unwrap_or_default();
            let old_due = e.detail["previous_due"]
                .as_str()
                .and_then(LocalDateTime::parse)
                .map(|t| t.to_string())
                .unwrap_or_default();
            (
                "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
                vec![
                    Block::Paragraph(format!(
                        "Ngày hẹn trả kết quả hồ sơ “{}” của ông/bà {} là {old_due}. Tuy nhiên đến nay hồ sơ chưa giải quyết xong.",
                        d.procedure_name, d.applicant_name
                    )),
                    field("Lý do", e.note.clone()),
                    Block::Paragraph(format!(
                        "Cơ quan thành thật xin lỗi ông/bà và hẹn trả kết quả vào {new_due}."
                    )),
                ],
                e.at.clone(),
            )
        }
        "05" => {
            let e = latest(events, "stop")?;
            (
                "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ",
                vec![
                    field("Thủ tục", d.procedure_name.clone()),
                    field("Người nộp", d.applicant_name.clone()),
                    Block::Heading("Hồ sơ được dừng giải quyết vì lý do sau:".into()),
                    Block::Paragraph(e.note.clone()),
                ],
                e.at.clone(),
            )
        }
        _ => return Err(AppError::NotFound),
    };
    let doc = FormDocument {
        form_number: format!("Mẫu số {number}"),
        issuer_parent: issuer_parent.to_uppercase(),
        issuer: d.agency_name.to_uppercase(),
        reference: format!("Mã hồ sơ: {code}"),
        place_date: place_date(place, &at),
        title: title.to_owned(),
        blocks,
        signer: Some(tinhso_documents::Signer {
            role: "NGƯỜI TIẾP NHẬN".into(),
            name: String::new(),
        }),
        qr: Some(Qr {
            url: tracking_url.to_owned(),
            caption: "Quét mã để tra cứu hồ sơ".into(),
        }),
    };
    tinhso_documents::form_pdf(&doc)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("form {number}: {e}")))
}

fn receipt(d: &Dossier, files: &[StoredFile]) -> (&'static str, Vec<Block>, String) {
    let mut blocks = vec![
        field(
            "Mã hồ sơ",
            d.code.map(|c| c.to_string()).unwrap_or_default(),
        ),
        field("Người nộp", d.applicant_name.clone()),
        field(
            "Thủ tục",
            format!("{} ({})", d.procedure_name, d.procedure_code),
        ),
        field("Hình thức nộp", channel_name(d.channel)),
        field(
            "Thời gian nộp",
            d.submitted_at
                .as_deref()
                .map(tinhso_kernel::time::display)
                .unwrap_or_default(),
        ),
    ];
    let phone_or_email = [d.applicant_phone.as_str(), d.applicant_email.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
    if !phone_or_email.is_empty() {
        blocks.push(field("Liên hệ", phone_or_email));
    }
    let papers: Vec<String> = files
        .iter()
        .filter(|f| f.purpose == FilePurpose::Paper)
        .map(|f| f.file_name.clone())
        .collect();
    if !papers.is_empty() {
        blocks.push(Block::Heading("Thành phần hồ sơ đã nhận:".into()));
        blocks.push(Block::List(papers));
    }
    blocks.push(match d.due {
        Some(due) => field("Ngày hẹn trả kết quả", due.to_string()),
        None => Block::Paragraph(format!(
            "Thời hạn giải quyết: {} kể từ khi hồ sơ được tiếp nhận.",
            tinhso_kernel::web::format::working_days(Lang::Vi, d.processing.as_half_days())
        )),
    });
    if d.fee_due > 0 {
        blocks.push(field(
            "Phí, lệ phí",
            tinhso_kernel::web::format::amount_on_paper(d.fee_due),
        ));
    }
    blocks.push(Block::Paragraph(
        "Khi đến nhận kết quả, ông/bà mang theo giấy tờ tùy thân và giấy tiếp nhận này. Tra cứu tình trạng hồ sơ bằng mã QR hoặc mã hồ sơ tại cổng dịch vụ công.".into(),
    ));
    let at = d
        .accepted_at
        .clone()
        .or(d.submitted_at.clone())
        .unwrap_or_default();
    ("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", blocks, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_date_line_starts_with_the_place() {
        assert_eq!(place_name("Tỉnh Thanh Hóa"), "Thanh Hóa");
        assert_eq!(place_name("Phường Hạc Thành"), "Hạc Thành");
        assert_eq!(place_name("Huế"), "Huế");
        let line = place_date("Thanh Hóa", "2026-11-24T03:00:00Z");
        assert_eq!(line, "Thanh Hóa, ngày 24 tháng 11 năm 2026");
        assert_eq!(
            place_date("", "2026-11-24T03:00:00Z"),
            "ngày 24 tháng 11 năm 2026"
        );
    }
}
