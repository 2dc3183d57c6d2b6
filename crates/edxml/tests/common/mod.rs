//! Shared fixtures: a full and a minimal package, a status, a fixed exchange key.
#![allow(dead_code)]

use tinhso_edxml::*;

pub const MAX: usize = 64 * 1024 * 1024;

/// A fixed P-256 key, so fixtures and failures are reproducible.
pub fn key() -> SigningKey {
    SigningKey::from_slice(&[7u8; 32]).expect("a valid scalar")
}

pub fn other_key() -> SigningKey {
    SigningKey::from_slice(&[9u8; 32]).expect("a valid scalar")
}

pub fn organ(code: &str, name: &str) -> Organ {
    Organ {
        organ_id: code.parse().expect("a valid code"),
        organization_in_charge: None,
        organ_name: name.into(),
        organ_add: None,
        email: None,
        telephone: None,
        fax: None,
        website: None,
    }
}

pub fn minimal_package() -> Package {
    Package {
        from: organ("000.00.00.H56", "Ủy ban nhân dân tỉnh Thanh Hóa"),
        to: vec![organ("000.00.00.G22", "Văn phòng Chính phủ")],
        document_id: "000.00.00.H56,2026/11/30,1234/UBND-VX".into(),
        code_number: "1234".into(),
        code_notation: "UBND-VX".into(),
        place: "Thanh Hóa".into(),
        promulgation_date: "2026/11/30".into(),
        document_type: "1".into(),
        type_detail: "2".into(),
        type_name: "Công văn".into(),
        subject: "V/v triển khai chữ ký số & trao đổi văn bản <điện tử>".into(),
        content: None,
        signer: SignerInfo {
            competence: "TM. UBND".into(),
            position: "Chủ tịch".into(),
            full_name: "Nguyễn Văn An".into(),
        },
        due_date: None,
        other_info: OtherInfo::default(),
        steering_type: None,
        to_places: vec![],
        response_for: None,
        trace_headers: vec![TraceHeader {
            organ_id: "000.00.00.H56".parse().unwrap(),
            timestamp: "2026/11/30 08:15:00".into(),
        }],
        business: None,
        references: vec![ManifestReference {
            content_id: "cid:van-ban-1".into(),
            content_type: "application/pdf".into(),
            description: None,
            attachment_name: "1234-UBND-VX.pdf".into(),
        }],
        attachments: vec![Attachment {
            content_id: "cid:van-ban-1".into(),
            attachment_name: "1234-UBND-VX.pdf".into(),
            description: None,
            content_type: "application/pdf".into(),
            content: b"%PDF-1.7\n% not a real PDF\n".to_vec(),
        }],
    }
}

pub fn full_package() -> Package {
    let mut p = minimal_package();
    let mut to = organ("000.17.22.H56", "Sở Tư pháp");
    to.organization_in_charge = Some("UBND tỉnh Thanh Hóa".into());
    to.organ_add = Some("15 Hạc Thành, Thanh Hóa".into());
    to.email = Some("stp@thanhhoa.gov.vn".into());
    to.telephone = Some("0237 3852 000".into());
    to.fax = Some("0237 3852 001".into());
    to.website = Some("https://stp.thanhhoa.gov.vn".into());
    p.to.push(to);
    p.content = Some("Nội dung tóm tắt\ncó xuống dòng\tvà tab.".into());
    p.due_date = Some("2026/12/15".into());
    p.other_info = OtherInfo {
        priority: 3,
        sphere_of_promulgation: Some("Toàn tỉnh".into()),
        typer_notation: Some("NVA".into()),
        promulgation_amount: Some(20),
        page_amount: Some(3),
        direction: Some("1".into()),
        appendixes: vec!["Phụ lục I".into(), "Phụ lục II".into()],
    };
    p.steering_type = Some(1);
    p.to_places = vec!["Như trên".into(), "Lưu: VT".into()];
    p.response_for = Some(ResponseFor {
        organ_id: "000.00.00.G22".parse().unwrap(),
        code: "7816/VPCP-TTĐT".into(),
        promulgation_date: "2015/09/30".into(),
        document_id: "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT".into(),
    });
    p.trace_headers.push(TraceHeader {
        organ_id: "000.00.00.G22".parse().unwrap(),
        timestamp: "2026/11/30 09:00:00".into(),
    });
    p.business = Some(Business {
        spelled_bussiness: true,
        doc_type: 0,
        reason: Some("Văn bản mới".into()),
    });
    p.references[0].description = Some("Văn bản chính".into());
    p.references.push(ManifestReference {
        content_id: "cid:phu-luc".into(),
        content_type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            .into(),
        description: None,
        attachment_name: "phu-luc.docx".into(),
    });
    p.attachments[0].description = Some("Văn bản chính".into());
    p.attachments.push(Attachment {
        content_id: "cid:phu-luc".into(),
        attachment_name: "phu-luc.docx".into(),
        description: None,
        content_type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            .into(),
        content: (0..=255u8).collect(),
    });
    p
}

pub fn status(code: StatusCode) -> Status {
    Status {
        response_for: ResponseFor {
            organ_id: "000.00.00.H56".parse().unwrap(),
            code: "1234/UBND-VX".into(),
            promulgation_date: "2026/11/30".into(),
            document_id: "000.00.00.H56,2026/11/30,1234/UBND-VX".into(),
        },
        from: organ("000.00.00.G22", "Văn phòng Chính phủ"),
        status_code: code,
        description: Some(code.label().into()),
        timestamp: "2026/11/30 10:00:00".into(),
        staff_info: Some(StaffInfo {
            department: Some("Văn thư".into()),
            staff: Some("Trần Thị Bình".into()),
            mobile: None,
            email: Some("vanthu@chinhphu.vn".into()),
        }),
    }
}

/// xmllint, or `None` when it is absent and CI does not require it.
pub fn xmllint() -> Option<&'static str> {
    let present = std::process::Command::new("xmllint")
        .arg("--version")
        .output()
        .is_ok();
    if present {
        return Some("xmllint");
    }
    if std::env::var("CI_REQUIRE_XMLLINT").as_deref() == Ok("1") {
        panic!("xmllint (Debian libxml2-utils) is required: CI_REQUIRE_XMLLINT=1");
    }
    eprintln!("xmllint absent: differential test skipped (install libxml2-utils)");
    None
}

pub fn schema_path() -> String {
    format!("{}/schema/edxml-tinhso-1.0.xsd", env!("CARGO_MANIFEST_DIR"))
}
