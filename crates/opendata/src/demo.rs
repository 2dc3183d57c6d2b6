//! The demo province's open data: Sở Tư pháp's data officer has published two fictional
//! datasets (approved by the department's leader) and keeps a third as a draft, so the public
//! list, a public dataset page with counted downloads and the back office's flow all show
//! something. Every name and figure here is made up.

use crate::service::{self, Decision, MetadataInput, Upload, UploadInput, Who};
use crate::store;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::auth::{Principal, User};
use tinhso_kernel::module::BoxFut;

/// The department's data officer, and the leader who approves.
pub const OFFICER: &str = "dulieu.tuphap@tinhso.local";
const LEADER: &str = "lanhdao.tuphap@tinhso.local";

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

async fn person(ctx: &Ctx, email: &str) -> anyhow::Result<Option<User>> {
    let Some(id) = store::user_id_by_email(&ctx.db, email).await.map_err(err)? else {
        return Ok(None);
    };
    tinhso_kernel::auth::session::load_user(&ctx.db, &id)
        .await
        .map_err(err)
}

fn metadata(title: &str, notes: &str, field: &str, tags: &str, frequency: &str) -> MetadataInput {
    MetadataInput {
        title: title.into(),
        notes: notes.into(),
        field: field.into(),
        tags: tags.into(),
        licence: "cc-by".into(),
        frequency: frequency.into(),
        temporal_start: "2026-01-01".into(),
        temporal_end: String::new(),
        spatial: "Tỉnh Thanh Hóa (minh họa)".into(),
        contact_name: "Phòng Hành chính tư pháp, Sở Tư pháp".into(),
        contact_email: "dulieu.tuphap@tinhso.local".into(),
        name: String::new(),
    }
}

const NOTARIES: &str = "Mã tổ chức,Tên tổ chức,Loại hình,Địa chỉ,Số công chứng viên,Ngày thành lập
CC-001,Văn phòng công chứng Hạc Thành (minh họa),Văn phòng công chứng,Phường Hạc Thành,3,15/03/2012
CC-002,Văn phòng công chứng Sông Mã (minh họa),Văn phòng công chứng,Phường Hạc Thành,2,02/11/2016
CC-003,Phòng công chứng số 1 (minh họa),Phòng công chứng,Phường Hạc Thành,5,20/08/1998
CC-004,Văn phòng công chứng Hàm Rồng (minh họa),Văn phòng công chứng,Phường Hàm Rồng,2,09/06/2019
";

const BIRTHS: &str = "Tháng,Mã xã,Tên đơn vị,Số trường hợp đăng ký khai sinh,Trong đó đúng hạn
2026-01,00001,Phường Hạc Thành (minh họa),412,398
2026-01,00004,Phường Hàm Rồng (minh họa),236,230
2026-02,00001,Phường Hạc Thành (minh họa),377,370
2026-02,00004,Phường Hàm Rồng (minh họa),214,209
";

const HELPERS: &str = "Họ và tên,Đơn vị,Năm bắt đầu
Nguyễn Văn Minh (minh họa),Trung tâm Trợ giúp pháp lý,2015
Trần Thị Hạnh (minh họa),Trung tâm Trợ giúp pháp lý,2019
";

pub fn seed(ctx: &Ctx) -> BoxFut<'_, anyhow::Result<()>> {
    Box::pin(async move {
        let (Some(officer), Some(leader)) =
            (person(ctx, OFFICER).await?, person(ctx, LEADER).await?)
        else {
            return Ok(());
        };
        let officer_principal = Principal::User(officer.clone());
        let leader_principal = Principal::User(leader.clone());
        let actor = Actor {
            label: "system:seed-demo".into(),
            ip: String::new(),
        };
        let by_officer = Who {
            principal: &officer_principal,
            user: &officer,
            actor: actor.clone(),
        };
        let by_leader = Who {
            principal: &leader_principal,
            user: &leader,
            actor,
        };
        let datasets = [
            (
                metadata(
                    "Danh sách tổ chức hành nghề công chứng (minh họa)",
                    "Các tổ chức hành nghề công chứng trên địa bàn tỉnh: loại hình, địa chỉ, số công chứng viên. Dữ liệu minh họa.",
                    "tu-phap",
                    "công chứng, tổ chức hành nghề",
                    "QUARTERLY",
                ),
                "to-chuc-cong-chung.csv",
                NOTARIES,
                true,
            ),
            (
                metadata(
                    "Số liệu đăng ký khai sinh theo tháng năm 2026 (minh họa)",
                    "Số trường hợp đăng ký khai sinh theo đơn vị hành chính cấp xã và tháng. Dữ liệu minh họa.",
                    "xa-hoi",
                    "hộ tịch, khai sinh",
                    "MONTHLY",
                ),
                "dang-ky-khai-sinh-2026.csv",
                BIRTHS,
                true,
            ),
            (
                metadata(
                    "Danh sách trợ giúp viên pháp lý (minh họa)",
                    "Bản nháp: chưa gửi duyệt.",
                    "tu-phap",
                    "trợ giúp pháp lý",
                    "ANNUAL",
                ),
                "tro-giup-vien.csv",
                HELPERS,
                false,
            ),
        ];
        for (input, file_name, csv, publish) in datasets {
            let id = service::create(ctx, &by_officer, &input)
                .await
                .map_err(err)?;
            let upload = UploadInput {
                name: "Bảng dữ liệu (CSV)".into(),
                file_name: file_name.into(),
                bytes: bytes::Bytes::from_static(csv.as_bytes()),
                resource: None,
            };
            match service::upload(ctx, &by_officer, &id, upload)
                .await
                .map_err(err)?
            {
                Upload::Stored { .. } => {}
                Upload::Refused { report } => {
                    anyhow::bail!("demo file {file_name} refused: {:?}", report.errors)
                }
            }
            if publish {
                service::decide(ctx, &by_officer, &id, &Decision::Submit)
                    .await
                    .map_err(err)?;
                service::decide(ctx, &by_leader, &id, &Decision::Approve)
                    .await
                    .map_err(err)?;
            }
        }
        Ok(())
    })
}
