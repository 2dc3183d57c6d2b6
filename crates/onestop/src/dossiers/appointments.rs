//! Stored appointments under the end-of-day convention: a one-off upgrade of dossiers whose
//! deadline was written as the next opening instead of the closing time it stood for.

use super::{LocalDateTime, store};
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::db::Db;
use tinhso_kernel::error::AppError;

/// The `settings` key marking that stored appointments follow the end-of-day convention.
const END_OF_DAY_KEY: &str = "calendar.appointments_end_of_day";

/// Once per database, at start-up: appointments stored when a deadline running out at closing
/// time was written as the next opening (07:30 of the next working day, possibly days later
/// across Tết; 13:30 for a morning's end) become the end they stood for, and the outcome of
/// dossiers finished on that due day is counted again (on time, not early). One audit row
/// records how many changed. Several nodes starting at once upgrade once: the marker is
/// claimed in the same transaction.
pub async fn upgrade_legacy_appointments(db: &Db) -> Result<(), AppError> {
    use tinhso_domain::calendar::OfficeHours;
    let calendar = tinhso_kernel::calendar::load(db).await?;
    let hm = |h, m| chrono::NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default();
    let legacy = OfficeHours::new(hm(7, 30), hm(11, 30), hm(13, 30), hm(17, 0))
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    let mut tx = db.begin().await?;
    if !tinhso_kernel::settings::claim(&mut tx, END_OF_DAY_KEY, &tinhso_kernel::time::now_text())
        .await?
    {
        return Ok(());
    }
    let rows = store::appointments::with_appointment(&mut tx).await?;
    let mut changed = 0_i64;
    for row in rows {
        let Some(due) = LocalDateTime::parse(&row.due_local) else {
            continue;
        };
        let new_due: LocalDateTime = calendar
            .due_from_legacy(&legacy, due.naive())
            .map_or(due, LocalDateTime::from);
        if new_due == due {
            continue;
        }
        let finished = row.finished_local.as_deref().and_then(LocalDateTime::parse);
        let had_outcome = row.outcome.is_some();
        let outcome = match finished {
            Some(at) if had_outcome && row.apologised == 0 => {
                let requests = row.supplement_requests;
                let status = calendar.finished_status(new_due.naive(), at.naive());
                Some(
                    tinhso_domain::dossier::outcome(
                        status,
                        u32::try_from(requests).unwrap_or(u32::MAX),
                    )
                    .as_str(),
                )
            }
            _ => None,
        };
        store::appointments::set_appointment(&mut tx, &row.id, new_due, outcome).await?;
        changed += 1;
    }
    if changed > 0 {
        audit::record(
            db,
            &mut tx,
            &Actor::system(),
            Change {
                action: "calendar.appointments_upgraded",
                entity_type: "dossiers",
                entity_id: END_OF_DAY_KEY,
                before: serde_json::Value::Null,
                after: serde_json::json!({ "dossiers": changed }),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
