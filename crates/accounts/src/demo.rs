//! The demo accounts: one official per role and a citizen and a business. Every person here is
//! fictional.

use crate::OfficialInput;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::auth::UserKind;
use tinhso_kernel::module::BoxFut;

/// Password of every demo account (listed in the README).
pub const DEMO_PASSWORD: &str = "TinhSo@2026";

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
        "dulieu.tuphap@tinhso.local",
        "Phan Thị Mai",
        "000.00.14.H56",
        &["data_officer"],
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
        "vanthu.hacthanh@tinhso.local",
        "Đinh Thị Nga",
        "000.00.60.H56",
        &["document_clerk"],
    ),
    (
        "lanhdao.vhxh.hacthanh@tinhso.local",
        "Lê Văn Hải",
        "000.01.60.H56",
        &["leader"],
    ),
    (
        "chuyenvien.vhxh.hacthanh@tinhso.local",
        "Cao Thị Mai",
        "000.01.60.H56",
        &["specialist"],
    ),
    (
        "quantri.hacthanh@tinhso.local",
        "Bùi Quang Hưng",
        "000.00.60.H56",
        &["agency_admin"],
    ),
    // The office that follows the tasks the province's People's Committee assigns.
    (
        "chuyenvien.vpubnd@tinhso.local",
        "Trương Thị Hằng",
        "000.00.01.H56",
        &["specialist"],
    ),
    // The province's People's Committee: a vice-chair who steers from the operations centre and
    // assigns tasks, and the văn thư of its office, who registers the province's documents.
    (
        "lanhdao.ubnd@tinhso.local",
        "Lê Minh Quang",
        "000.00.00.H56",
        &["leader"],
    ),
    (
        "vanthu.vpubnd@tinhso.local",
        "Hà Thị Yến",
        "000.00.01.H56",
        &["document_clerk"],
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

/// Creates the demo accounts (`Module::demo`).
pub fn seed(ctx: &Ctx) -> BoxFut<'_, anyhow::Result<()>> {
    Box::pin(async move {
        let actor = Actor {
            label: "system:seed-demo".into(),
            ip: String::new(),
        };
        for (email, name, agency, roles) in OFFICIALS {
            let input = OfficialInput {
                agency_code: (*agency).into(),
                full_name: (*name).into(),
                email: (*email).into(),
                phone: String::new(),
                roles: roles.iter().map(|r| (*r).to_owned()).collect(),
                password: Some(DEMO_PASSWORD.into()),
            };
            crate::create_official(ctx, &actor, None, &input)
                .await
                .map_err(|e| anyhow::anyhow!("{email}: {e}"))?;
        }
        for (email, name, kind, number) in PUBLIC_USERS {
            crate::insert_demo_public_user(ctx, email, name, *kind, number, DEMO_PASSWORD).await?;
        }
        Ok(())
    })
}
