//! The demo province's part of the documents module: the abbreviations its agencies and units
//! use in notations, a draft decision of Sở Tư pháp waiting for review, and a paper document
//! its clerk registered. Nothing is issued, so the first document the demo issues is number 01.

use crate::service::{self, Arrival, Draft, RecipientInput, Who};
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
        let clerk = person(ctx, "vanthu.tuphap@tinhso.local").await?;
        service::register_incoming(
            ctx,
            &Who {
                user: &clerk,
                actor,
            },
            Arrival {
                code_number: "125/UBND-NC".into(),
                organ_id: Some("000.00.00.H56".into()),
                organ_name: "Ủy ban nhân dân tỉnh Thanh Hóa".into(),
                subject:
                    "Về việc triển khai công tác phổ biến, giáo dục pháp luật (văn bản minh họa)"
                        .into(),
                issued_date: Some(tinhso_kernel::time::local_now().date().to_string()),
                source: Some("paper".into()),
                ..Arrival::default()
            },
            None,
        )
        .await
        .map_err(|e| anyhow::anyhow!("demo incoming document: {e}"))?;
        Ok(())
    })
}
