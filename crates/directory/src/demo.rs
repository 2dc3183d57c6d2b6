//! The demo province's agencies and administrative units. Every contact here is made up.

use crate::model::AgencyInput;
use crate::service;
use crate::store::AdminUnit;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::module::BoxFut;

const UNITS: &[(&str, &str, &str, Option<&str>)] = &[
    ("38", "Tỉnh Thanh Hóa", "province", None),
    ("14932", "Phường Hạc Thành", "ward", Some("38")),
    ("14935", "Phường Quảng Phú", "ward", Some("38")),
    ("15001", "Xã Bá Thước", "commune", Some("38")),
    ("15010", "Xã Mường Lát", "commune", Some("38")),
    ("15100", "Xã Nga Sơn", "commune", Some("38")),
];

/// Made-up contacts for a demo agency (addresses marked as examples, mail on a reserved
/// `.example` domain), so that agency pages show what a citizen needs to get there.
fn demo_contact(code: &str) -> AgencyInput {
    let number = code.split('.').nth(2).unwrap_or("00");
    AgencyInput {
        address: format!(
            "Số {number} đường Hạc Thành, phường Hạc Thành, tỉnh Thanh Hóa (địa chỉ minh họa)"
        ),
        phone: format!("0237 3900 0{number}"),
        email: format!("vanphong.{number}@thanhhoa.tinhso.example"),
        ..Default::default()
    }
}

/// (code, name, kind, parent code, administrative unit)
const AGENCIES: &[(&str, &str, &str, Option<&str>, &str)] = &[
    (
        "000.00.00.H56",
        "Ủy ban nhân dân tỉnh Thanh Hóa",
        "peoples_committee",
        None,
        "38",
    ),
    (
        "000.00.01.H56",
        "Văn phòng Ủy ban nhân dân tỉnh",
        "department",
        Some("000.00.00.H56"),
        "38",
    ),
    (
        "000.00.03.H56",
        "Sở Tài chính",
        "department",
        Some("000.00.00.H56"),
        "38",
    ),
    (
        "000.00.05.H56",
        "Sở Xây dựng",
        "department",
        Some("000.00.00.H56"),
        "38",
    ),
    (
        "000.00.08.H56",
        "Sở Nông nghiệp và Môi trường",
        "department",
        Some("000.00.00.H56"),
        "38",
    ),
    (
        "000.00.12.H56",
        "Sở Khoa học và Công nghệ",
        "department",
        Some("000.00.00.H56"),
        "38",
    ),
    (
        "000.00.14.H56",
        "Sở Tư pháp",
        "department",
        Some("000.00.00.H56"),
        "38",
    ),
    (
        "000.00.16.H56",
        "Sở Y tế",
        "department",
        Some("000.00.00.H56"),
        "38",
    ),
    (
        "000.00.17.H56",
        "Sở Giáo dục và Đào tạo",
        "department",
        Some("000.00.00.H56"),
        "38",
    ),
    (
        "000.00.20.H56",
        "Sở Nội vụ",
        "department",
        Some("000.00.00.H56"),
        "38",
    ),
    (
        "000.01.14.H56",
        "Trung tâm Trợ giúp pháp lý nhà nước",
        "unit",
        Some("000.00.14.H56"),
        "38",
    ),
    (
        "000.02.14.H56",
        "Phòng Hành chính tư pháp",
        "unit",
        Some("000.00.14.H56"),
        "38",
    ),
    (
        "000.01.12.H56",
        "Trung tâm Công nghệ thông tin và Truyền thông",
        "unit",
        Some("000.00.12.H56"),
        "38",
    ),
    (
        "000.00.60.H56",
        "Ủy ban nhân dân phường Hạc Thành",
        "peoples_committee",
        Some("000.00.00.H56"),
        "14932",
    ),
    (
        "000.01.60.H56",
        "Phòng Văn hóa - Xã hội",
        "unit",
        Some("000.00.60.H56"),
        "14932",
    ),
    (
        "000.00.61.H56",
        "Ủy ban nhân dân phường Quảng Phú",
        "peoples_committee",
        Some("000.00.00.H56"),
        "14935",
    ),
    (
        "000.00.62.H56",
        "Ủy ban nhân dân xã Bá Thước",
        "peoples_committee",
        Some("000.00.00.H56"),
        "15001",
    ),
    (
        "000.00.63.H56",
        "Ủy ban nhân dân xã Mường Lát",
        "peoples_committee",
        Some("000.00.00.H56"),
        "15010",
    ),
    (
        "000.00.64.H56",
        "Ủy ban nhân dân xã Nga Sơn",
        "peoples_committee",
        Some("000.00.00.H56"),
        "15100",
    ),
];

/// Loads the demo directory (`Module::demo`).
pub fn seed(ctx: &Ctx) -> BoxFut<'_, anyhow::Result<()>> {
    Box::pin(async move {
        let actor = Actor {
            label: "system:seed-demo".into(),
            ip: String::new(),
        };
        let db = &ctx.db;
        let mut tx = db.begin().await?;
        for (code, name, kind, parent) in UNITS {
            let unit = AdminUnit {
                code: (*code).into(),
                name: (*name).into(),
                kind: (*kind).into(),
                parent_code: parent.map(str::to_owned),
            };
            service::insert_admin_unit(db, &mut tx, &actor, &unit)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        for (code, name, kind, parent, unit) in AGENCIES {
            let input = AgencyInput {
                code: (*code).into(),
                name: (*name).into(),
                kind: (*kind).into(),
                parent_code: parent.map(str::to_owned),
                admin_unit_code: Some((*unit).into()),
                ..demo_contact(code)
            };
            service::upsert(ctx, &mut tx, &actor, &input, false)
                .await
                .map_err(|e| anyhow::anyhow!("{code}: {e}"))?;
        }
        tx.commit().await?;
        Ok(())
    })
}
