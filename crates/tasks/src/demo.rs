//! The demo province's tasks: Văn phòng UBND tỉnh follows what the province's People's
//! Committee assigns, and has given four fictional tasks to departments and a ward — one just
//! assigned, one in progress, one reported complete, one accepted — so the board shows every
//! column. Deadlines are working days from the day the demo is loaded, so it never looks stale.

use crate::service::{self, Decision, ReportInput, TaskInput, UnitInput, Who};
use crate::store;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::auth::User;
use tinhso_kernel::module::BoxFut;

const PROVINCE: &str = "000.00.00.H56";
const OFFICE: &str = "000.00.01.H56";
const JUSTICE: &str = "000.00.14.H56";
const HOME_AFFAIRS: &str = "000.00.20.H56";
const WARD: &str = "000.00.60.H56";

/// The office's specialist who assigns, and the units' leaders who report.
pub const ASSIGNER: &str = "chuyenvien.vpubnd@tinhso.local";
const JUSTICE_LEADER: &str = "lanhdao.tuphap@tinhso.local";
const WARD_LEADER: &str = "lanhdao.hacthanh@tinhso.local";

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

async fn person(ctx: &Ctx, email: &str) -> anyhow::Result<User> {
    let id = store::user_id_by_email(&ctx.db, email)
        .await
        .map_err(err)?
        .ok_or_else(|| anyhow::anyhow!("demo account {email} is missing"))?;
    tinhso_kernel::auth::session::load_user(&ctx.db, &id)
        .await
        .map_err(err)?
        .ok_or_else(|| anyhow::anyhow!("demo account {email} is missing"))
}

fn who(user: &User) -> Who<'_> {
    Who {
        user,
        actor: Actor {
            label: "system:seed-demo".into(),
            ip: String::new(),
        },
    }
}

fn unit(agency: &str, role: &str, days: i64) -> UnitInput {
    UnitInput {
        agency: agency.into(),
        role: role.into(),
        working_days: Some(days),
        due_date: None,
    }
}

fn task(
    title: &str,
    content: &str,
    position: &str,
    priority: &str,
    units: Vec<UnitInput>,
) -> TaskInput {
    TaskInput {
        title: title.into(),
        content: content.into(),
        authority: PROVINCE.into(),
        position: position.into(),
        priority: priority.into(),
        field: "Cải cách hành chính".into(),
        source_document: None,
        units,
        recurrence: None,
    }
}

fn tasks() -> [TaskInput; 4] {
    [
        task(
            "Rà soát thủ tục hành chính lĩnh vực tư pháp đề nghị bãi bỏ, đơn giản hóa (minh họa)",
            "Rà soát toàn bộ thủ tục hành chính lĩnh vực tư pháp thuộc thẩm quyền giải quyết của tỉnh; đề xuất phương án bãi bỏ, đơn giản hóa. Nội dung minh họa.",
            "chair",
            "high",
            vec![unit(JUSTICE, "lead", 20), unit(WARD, "supporting", 15)],
        ),
        task(
            "Báo cáo kết quả số hóa hồ sơ, kết quả giải quyết thủ tục hành chính năm 2026 (minh họa)",
            "Tổng hợp số liệu số hóa hồ sơ tại bộ phận một cửa, báo cáo UBND tỉnh. Nội dung minh họa.",
            "vice_chair",
            "normal",
            vec![
                unit(JUSTICE, "lead", 10),
                unit(HOME_AFFAIRS, "supporting", 8),
            ],
        ),
        task(
            "Kiểm tra việc niêm yết công khai thủ tục hành chính tại bộ phận một cửa (minh họa)",
            "Kiểm tra, chấn chỉnh việc niêm yết công khai thủ tục hành chính. Nội dung minh họa.",
            "committee",
            "normal",
            vec![unit(WARD, "lead", 30)],
        ),
        task(
            "Tổng kết công tác phổ biến, giáo dục pháp luật năm 2026 (minh họa)",
            "Xây dựng báo cáo tổng kết, đề xuất khen thưởng. Nội dung minh họa.",
            "vice_chair",
            "urgent",
            vec![unit(JUSTICE, "lead", 25)],
        ),
    ]
}

fn said(kind: &str, percent: Option<i64>, text: &str) -> ReportInput {
    ReportInput {
        kind: kind.into(),
        percent,
        text: text.into(),
    }
}

/// Loads the module's demo data (`Module::demo`).
pub fn seed(ctx: &Ctx) -> BoxFut<'_, anyhow::Result<()>> {
    Box::pin(async move {
        let (Some(province), Some(office)) = (
            tinhso_directory::find(&ctx.db, PROVINCE)
                .await
                .map_err(err)?,
            tinhso_directory::find(&ctx.db, OFFICE).await.map_err(err)?,
        ) else {
            return Ok(());
        };
        let mut tx = ctx.db.begin().await?;
        store::set_office(&mut tx, &province.id, &office.id)
            .await
            .map_err(err)?;
        tx.commit().await?;
        let assigner = person(ctx, ASSIGNER).await?;
        let justice = person(ctx, JUSTICE_LEADER).await?;
        let ward = person(ctx, WARD_LEADER).await?;
        let mut ids = Vec::new();
        for t in tasks() {
            ids.push(
                service::create(ctx, &who(&assigner), &t)
                    .await
                    .map_err(err)?,
            );
        }
        let progress = said(
            "progress",
            Some(40),
            "Đã tổng hợp số liệu của 3/5 đơn vị (minh họa).",
        );
        service::report(ctx, &who(&justice), &ids[1], &progress)
            .await
            .map_err(err)?;
        let done = said(
            "completion",
            None,
            "Đã kiểm tra 12 điểm niêm yết, kết quả kèm theo (minh họa).",
        );
        service::report(ctx, &who(&ward), &ids[2], &done)
            .await
            .map_err(err)?;
        let done = said(
            "completion",
            None,
            "Báo cáo tổng kết đã gửi UBND tỉnh (minh họa).",
        );
        service::report(ctx, &who(&justice), &ids[3], &done)
            .await
            .map_err(err)?;
        service::decide(ctx, &who(&assigner), &ids[3], Decision::Accept, "")
            .await
            .map_err(err)?;
        Ok(())
    })
}
