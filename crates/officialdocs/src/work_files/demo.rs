//! The demo's work files: Sở Tư pháp's approved 2026 file list with three major headings and
//! a few files, one of them open (fictional, like every demo record).

use super::service::{self, FileInput, FileStep, HeadingInput, ListAction};
use crate::service::Who;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::auth::User;

const HEADINGS: &[(&str, &str)] = &[
    ("TH", "Tổng hợp, kế hoạch, báo cáo"),
    ("PBGDPL", "Phổ biến, giáo dục pháp luật"),
    ("HCTP", "Hành chính tư pháp"),
];

/// (heading, title, retention)
const FILES: &[(&str, &str, &str)] = &[
    ("TH", "Kế hoạch công tác tư pháp năm 2026", "20 năm"),
    (
        "TH",
        "Báo cáo tổng kết công tác tư pháp năm 2026",
        "Vĩnh viễn",
    ),
    (
        "PBGDPL",
        "Hồ sơ công nhận báo cáo viên pháp luật tỉnh năm 2026",
        "10 năm",
    ),
    (
        "HCTP",
        "Hướng dẫn nghiệp vụ hộ tịch cho cấp xã năm 2026",
        "10 năm",
    ),
];

fn err(what: &str) -> impl Fn(tinhso_kernel::error::AppError) -> anyhow::Error + '_ {
    move |e| anyhow::anyhow!("demo work files, {what}: {e}")
}

/// Sở Tư pháp's 2026 list, approved, with its first file open.
pub async fn seed(ctx: &Ctx, clerk: &User, leader: &User, actor: &Actor) -> anyhow::Result<()> {
    let as_clerk = Who {
        user: clerk,
        actor: actor.clone(),
    };
    let headings = HEADINGS
        .iter()
        .map(|(a, t)| HeadingInput {
            abbreviation: (*a).into(),
            title: (*t).into(),
        })
        .collect();
    let list = service::create_list(ctx, &as_clerk, 2026, None, headings)
        .await
        .map_err(err("list"))?;
    let mut first = None;
    for (heading, title, retention) in FILES {
        let id = service::add_file(
            ctx,
            &as_clerk,
            &list,
            FileInput {
                heading: Some((*heading).into()),
                title: (*title).into(),
                retention: (*retention).into(),
                ..FileInput::default()
            },
        )
        .await
        .map_err(err("file"))?;
        first.get_or_insert(id);
    }
    let as_leader = Who {
        user: leader,
        actor: actor.clone(),
    };
    service::list_action(ctx, &as_leader, &list, ListAction::Approve, "")
        .await
        .map_err(err("approval"))?;
    if let Some(id) = first {
        service::file_action(
            ctx,
            &as_clerk,
            &id,
            FileStep {
                action: "open".into(),
                start_date: Some("2026-01-05".into()),
                ..FileStep::default()
            },
        )
        .await
        .map_err(err("open"))?;
    }
    Ok(())
}
