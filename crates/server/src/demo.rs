//! The demo province: a provincial People's Committee with departments and communes, and one
//! account per role. Every person here is fictional.

use crate::accounts::OfficialInput;
use crate::agencies::model::AgencyInput;
use crate::agencies::service;
use crate::agencies::store::AdminUnit;
use crate::app::AppState;
use crate::audit::Actor;
use crate::auth::UserKind;

/// Password of every demo account (listed in the README).
pub const DEMO_PASSWORD: &str = "TinhSo@2026";

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

/// (email, full name, agency, roles)
pub const OFFICIALS: &[(&str, &str, &str, &[&str])] = &[
    (
        "admin@tinhso.local",
        "Trần Quản Trị",
        "000.01.12.H56",
        &["system_admin"],
    ),
    (
        "quantri.tuphap@tinhso.local",
        "Phạm Minh Khoa",
        "000.00.14.H56",
        &["agency_admin"],
    ),
    (
        "motcua.tuphap@tinhso.local",
        "Đỗ Thu Hà",
        "000.00.14.H56",
        &["one_stop_clerk"],
    ),
    (
        "chuyenvien.tuphap@tinhso.local",
        "Vũ Đức Long",
        "000.00.14.H56",
        &["specialist"],
    ),
    (
        "lanhdao.tuphap@tinhso.local",
        "Hoàng Văn Bình",
        "000.00.14.H56",
        &["leader"],
    ),
    (
        "vanthu.tuphap@tinhso.local",
        "Ngô Thị Lan",
        "000.00.14.H56",
        &["document_clerk"],
    ),
    (
        "motcua.hacthanh@tinhso.local",
        "Lương Thị Hoa",
        "000.00.60.H56",
        &["one_stop_clerk"],
    ),
    (
        "chuyenvien.hacthanh@tinhso.local",
        "Trịnh Văn Tuấn",
        "000.00.60.H56",
        &["specialist"],
    ),
    (
        "lanhdao.hacthanh@tinhso.local",
        "Mai Thị Thu",
        "000.00.60.H56",
        &["leader"],
    ),
    (
        "quantri.hacthanh@tinhso.local",
        "Bùi Quang Hưng",
        "000.00.60.H56",
        &["agency_admin"],
    ),
];

/// (email, full name, kind, citizen id / tax code)
pub const PUBLIC_USERS: &[(&str, &str, UserKind, &str)] = &[
    (
        "congdan@tinhso.local",
        "Nguyễn Văn An",
        UserKind::Citizen,
        "038090000111",
    ),
    (
        "congdan2@tinhso.local",
        "Lê Thị Bích",
        UserKind::Citizen,
        "038190000222",
    ),
    (
        "doanhnghiep@tinhso.local",
        "Công ty TNHH Ánh Dương Xanh",
        UserKind::Business,
        "2800000001",
    ),
];

pub async fn is_empty(state: &AppState) -> anyhow::Result<bool> {
    let agencies = crate::agencies::store::count(&state.db)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(agencies == 0)
}

pub async fn seed(state: &AppState) -> anyhow::Result<()> {
    let actor = Actor {
        label: "system:seed-demo".into(),
        ip: String::new(),
    };
    let db = &state.db;
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
        service::upsert(db, &mut tx, &actor, &input, false)
            .await
            .map_err(|e| anyhow::anyhow!("{code}: {e}"))?;
    }
    tx.commit().await?;
    for (email, name, agency, roles) in OFFICIALS {
        let input = OfficialInput {
            agency_code: (*agency).into(),
            full_name: (*name).into(),
            email: (*email).into(),
            phone: String::new(),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            password: Some(DEMO_PASSWORD.into()),
        };
        crate::accounts::create_official(state, &actor, None, &input)
            .await
            .map_err(|e| anyhow::anyhow!("{email}: {e}"))?;
    }
    let report = crate::catalog::store::import(db, &actor, &crate::catalog::demo_procedures())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    anyhow::ensure!(
        report.errors.is_empty(),
        "demo catalog: {:?}",
        report.errors.first()
    );
    let (categories, routes) = crate::feedback::demo();
    let mut tx = db.begin().await?;
    for (i, c) in categories.iter().enumerate() {
        crate::feedback::store::save_category(&mut tx, c, i as i64)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    for (category, unit, agency) in &routes {
        let code = agency
            .parse()
            .map_err(|e| anyhow::anyhow!("{agency}: {e}"))?;
        let id = crate::agencies::store::by_code_in(&mut tx, &code)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .ok_or_else(|| anyhow::anyhow!("demo route to unknown agency {agency}"))?
            .id;
        crate::feedback::store::save_route(&mut tx, category, unit.as_deref(), &id)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    tx.commit().await?;
    for service in crate::dossiers::linked::demo() {
        crate::dossiers::linked::upsert(db, &actor, &service)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    for (email, name, kind, number) in PUBLIC_USERS {
        crate::accounts::insert_demo_public_user(state, email, name, *kind, number, DEMO_PASSWORD)
            .await?;
    }
    for notice in demo_calendar_notices() {
        crate::calendar::save_notice(db, &actor, notice)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(())
}

/// The yearly holiday notices of the demo (`demo/calendar_notices.json`): in 2026 Monday
/// 31 August is off by the year's notice, so the National Day break runs from Saturday
/// 29 August to Wednesday 2 September (1 September being the adjacent day).
pub fn demo_calendar_notices() -> Vec<tinhso_domain::calendar::YearNotice> {
    serde_json::from_str(include_str!("../demo/calendar_notices.json"))
        .expect("the demo calendar notices are valid")
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use tinhso_domain::calendar::Calendar;

    #[test]
    fn the_2026_national_day_break_runs_from_saturday_29_august_to_2_september() {
        let calendar = Calendar::with_notices(super::demo_calendar_notices()).unwrap();
        let day = |d| NaiveDate::from_ymd_opt(2026, 8, d).unwrap();
        assert!(
            calendar.is_working_day(day(28)),
            "Friday 28 August is worked"
        );
        for date in [day(29), day(30), day(31)] {
            assert!(!calendar.is_working_day(date), "{date}");
        }
        for d in [1, 2] {
            assert!(!calendar.is_working_day(NaiveDate::from_ymd_opt(2026, 9, d).unwrap()));
        }
        assert!(calendar.is_working_day(NaiveDate::from_ymd_opt(2026, 9, 3).unwrap()));
    }
}
