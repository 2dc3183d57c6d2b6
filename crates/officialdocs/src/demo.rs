//! The demo province's part of the documents module: the abbreviations its agencies and units
//! use in notations, and two drafts of Sở Tư pháp (a decision, and a công văn of one of its
//! units). Nothing is issued or received, so the demo emits no event and the first document
//! the demo issues is number 01. Sở Tư pháp also has an approved 2026 file list
//! (`work_files::demo`).

use crate::service::{self, Draft, RecipientInput, Who};
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::module::BoxFut;

/// (agency code, abbreviation): issuers and their units.
pub const ABBREVIATIONS: &[(&str, &str)] = &[
    ("000.00.00.H56", "UBND"),
    ("000.00.01.H56", "VP"),
    ("000.00.03.H56", "STC"),
    ("000.00.05.H56", "SXD"),
    ("000.00.08.H56", "SNNMT"),
    ("000.00.12.H56", "SKHCN"),
    ("000.00.14.H56", "STP"),
    ("000.01.14.H56", "TGPL"),
    ("000.02.14.H56", "HCTP"),
    ("000.01.12.H56", "CNTT"),
    ("000.00.16.H56", "SYT"),
    ("000.00.17.H56", "SGDĐT"),
    ("000.00.20.H56", "SNV"),
    ("000.00.60.H56", "UBND"),
    ("000.00.61.H56", "UBND"),
    ("000.00.62.H56", "UBND"),
    ("000.00.63.H56", "UBND"),
    ("000.00.64.H56", "UBND"),
];

async fn person(ctx: &Ctx, email: &str) -> anyhow::Result<tinhso_kernel::auth::User> {
    let id = crate::store::user_id_by_email(&ctx.db, email)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .ok_or_else(|| anyhow::anyhow!("demo account {email} is missing"))?;
    tinhso_kernel::auth::session::load_user(&ctx.db, &id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .ok_or_else(|| anyhow::anyhow!("demo account {email} is missing"))
}

/// Loads the module's demo data (`Module::demo`).
pub fn seed(ctx: &Ctx) -> BoxFut<'_, anyhow::Result<()>> {
    Box::pin(async move {
        let now = tinhso_kernel::time::now_text();
        let mut tx = ctx.db.begin().await?;
        for (code, abbreviation) in ABBREVIATIONS {
            let Some(agency) = tinhso_directory::find(&ctx.db, code)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
            else {
                continue;
            };
            crate::store::set_abbreviation(&mut tx, &agency.id, abbreviation, &now)
                .await
                .map_err(|e| anyhow::anyhow!("{code}: {e}"))?;
        }
        tx.commit().await?;
        let actor = Actor {
            label: "system:seed-demo".into(),
            ip: String::new(),
        };
        let drafter = person(ctx, "chuyenvien.tuphap@tinhso.local").await?;
        service::create(
            ctx,
            &Who {
                user: &drafter,
                actor: actor.clone(),
            },
            Draft {
                type_name: "decision".into(),
                subject:
                    "Quyết định công nhận báo cáo viên pháp luật tỉnh năm 2026 (dự thảo minh họa)"
                        .into(),
                signer_position: "Giám đốc".into(),
                signer_full_name: "Hoàng Văn Bình".into(),
                to: vec![
                    RecipientInput {
                        organ_id: Some("000.00.60.H56".into()),
                        organ_name: None,
                    },
                    RecipientInput {
                        organ_id: None,
                        organ_name: Some("Lưu: VT, PBGDPL".into()),
                    },
                ],
                ..Draft::default()
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("demo draft: {e}"))?;
        // A công văn drafted for Phòng Hành chính tư pháp: its notation will read STP-HCTP.
        service::create(
            ctx,
            &Who {
                user: &drafter,
                actor,
            },
            Draft {
                type_name: "official_letter".into(),
                subject:
                    "Về việc góp ý dự thảo quy chế phối hợp quản lý hộ tịch (dự thảo minh họa)"
                        .into(),
                drafting_unit: Some("000.02.14.H56".into()),
                signer_position: "Phó Giám đốc".into(),
                signer_full_name: "Hoàng Văn Bình".into(),
                authority_prefix: Some("KT.".into()),
                to: vec![RecipientInput {
                    organ_id: Some("000.00.20.H56".into()),
                    organ_name: None,
                }],
                ..Draft::default()
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("demo letter: {e}"))?;
        let clerk = person(ctx, "vanthu.tuphap@tinhso.local").await?;
        let leader = person(ctx, "lanhdao.tuphap@tinhso.local").await?;
        let system = Actor {
            label: "system:seed-demo".into(),
            ip: String::new(),
        };
        crate::work_files::demo::seed(ctx, &clerk, &leader, &system).await?;
        Ok(())
    })
}
