//! The platform's working-day calendar: the computed Vietnamese holidays plus each year's
//! official notice, which administrators enter (swapped and extra days off).

use crate::audit::{self, Actor, Change};
use crate::db::Db;
use crate::error::AppError;
use sqlx::Row;
use tinhso_domain::calendar::{Calendar, YearNotice};

/// The calendar with every stored notice applied. Read per request: notices change a few
/// times a year and every node must see an edit at once.
pub async fn load(db: &Db) -> Result<Calendar, AppError> {
    let notices = notices(db).await?;
    Calendar::with_notices(notices)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored calendar notices: {e}")))
}

pub async fn notices(db: &Db) -> Result<Vec<YearNotice>, AppError> {
    let rows = sqlx::query("SELECT notice FROM calendar_notices ORDER BY year")
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|r| {
            let text: String = r.try_get("notice")?;
            serde_json::from_str(&text).map_err(|e| AppError::Internal(e.into()))
        })
        .collect()
}

/// Checks a notice against the calendar (dates in range, replacement days in its year) and
/// stores it in place of the year's previous one.
pub async fn save_notice(db: &Db, actor: &Actor, notice: YearNotice) -> Result<(), AppError> {
    let mut all = notices(db).await?;
    all.retain(|n| n.year != notice.year);
    all.push(notice.clone());
    Calendar::with_notices(all).map_err(|e| AppError::validation("notice", e.to_string()))?;
    let text = serde_json::to_string(&notice).map_err(anyhow::Error::from)?;
    let mut tx = db.begin().await?;
    let before = sqlx::query("SELECT notice FROM calendar_notices WHERE year = $1")
        .bind(i64::from(notice.year))
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get::<String, _>("notice"))
        .transpose()?;
    sqlx::query(
        "INSERT INTO calendar_notices (year, notice, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (year) DO UPDATE SET notice = excluded.notice, updated_at = excluded.updated_at",
    )
    .bind(i64::from(notice.year))
    .bind(&text)
    .bind(crate::time::now_text())
    .execute(&mut *tx)
    .await?;
    audit::record(
        db,
        &mut tx,
        actor,
        Change {
            action: "calendar.notice_saved",
            entity_type: "calendar_notice",
            entity_id: &notice.year.to_string(),
            before: before
                .and_then(|b| serde_json::from_str(&b).ok())
                .unwrap_or_default(),
            after: serde_json::to_value(&notice).unwrap_or_default(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
