//! The platform's working-day calendar: the computed Vietnamese holidays plus each year's
//! official notice, which administrators enter (swapped and extra days off), and the
//! province's own rules: office hours (by season) and when a dossier counts as due soon.
//! A platform service: every module that counts working time reads it through [`load`].

pub mod http;

use crate::audit::{self, Actor, Change};
use crate::db::Db;
use crate::error::AppError;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use tinhso_domain::calendar::{Calendar, DueSoonRule, OfficeSeason, YearNotice};

/// The `settings` key holding [`Rules`] as JSON.
const RULES_KEY: &str = "calendar.rules";

/// The province's calendar rules, kept as data an administrator changes on the calendar page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    /// Office hours by season; empty means the national 8-hour day all year.
    #[serde(default)]
    pub office_seasons: Vec<OfficeSeason>,
    /// When an unfinished dossier counts as due soon.
    #[serde(default)]
    pub due_soon: DueSoonRule,
}

impl Rules {
    /// The calendar of `notices` under these rules, or why the rules do not fit.
    pub fn apply(
        &self,
        notices: Vec<YearNotice>,
    ) -> Result<Calendar, tinhso_domain::calendar::CalendarError> {
        let calendar = Calendar::with_notices(notices)?.with_due_soon_rule(self.due_soon)?;
        if self.office_seasons.is_empty() {
            Ok(calendar)
        } else {
            calendar.with_office_seasons(&self.office_seasons)
        }
    }
}

/// The calendar with every stored notice and the province's rules applied. Read per request:
/// notices change a few times a year and every node must see an edit at once.
pub async fn load(db: &Db) -> Result<Calendar, AppError> {
    let notices = notices(db).await?;
    rules(db)
        .await?
        .apply(notices)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored calendar notices: {e}")))
}

/// The stored rules, or the defaults when none were saved.
pub async fn rules(db: &Db) -> Result<Rules, AppError> {
    let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
        .bind(RULES_KEY)
        .fetch_optional(&db.pool)
        .await?;
    match row {
        Some(row) => serde_json::from_str(&row.try_get::<String, _>("value")?)
            .map_err(|e| AppError::Internal(e.into())),
        None => Ok(Rules::default()),
    }
}

/// Checks the rules against the stored notices and saves them, audited.
pub async fn save_rules(db: &Db, actor: &Actor, new: Rules) -> Result<(), AppError> {
    new.apply(notices(db).await?)
        .map_err(|e| AppError::validation("office_hours", rules_error(&e)))?;
    let before = rules(db).await?;
    let text = serde_json::to_string(&new).map_err(anyhow::Error::from)?;
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(RULES_KEY)
    .bind(&text)
    .execute(&mut *tx)
    .await?;
    audit::record(
        db,
        &mut tx,
        actor,
        Change {
            action: "calendar.rules_saved",
            entity_type: "calendar_rules",
            entity_id: RULES_KEY,
            before: serde_json::to_value(&before).unwrap_or_default(),
            after: serde_json::to_value(&new).unwrap_or_default(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Why a notice does not fit the calendar, in the administrator's words.
fn notice_error(e: &tinhso_domain::calendar::CalendarError) -> String {
    use tinhso_domain::calendar::CalendarError as E;
    match e {
        E::ConflictingNoticeDate(date) => format!(
            "Thông báo làm ngày {} vừa là ngày làm việc vừa là ngày nghỉ.",
            date.format("%d/%m/%Y")
        ),
        E::NoticeDateOutsideYear { year, .. } => format!("Các ngày phải thuộc năm {year}."),
        _ => "Thông báo có ngày nằm ngoài năm hỗ trợ.".to_owned(),
    }
}

/// A rule error in the administrator's words.
fn rules_error(e: &tinhso_domain::calendar::CalendarError) -> String {
    use tinhso_domain::calendar::CalendarError as E;
    match e {
        E::InvalidOfficeHours("every season must have the same working day length") => {
            "Giờ làm việc của các mùa phải có cùng số giờ mỗi ngày.".into()
        }
        E::InvalidOfficeHours("two seasons start on one day") => {
            "Hai mùa không thể bắt đầu cùng một ngày.".into()
        }
        E::InvalidOfficeHours("season starts on no date") => {
            "Ngày bắt đầu mùa không hợp lệ.".into()
        }
        E::InvalidOfficeHours(_) => {
            "Giờ làm việc phải theo thứ tự: vào sáng < tan sáng ≤ vào chiều < tan chiều.".into()
        }
        E::InvalidDueSoonRule(_) => {
            "Tỷ lệ cảnh báo tối đa 100% và mức tối thiểu không được lớn hơn mức tối đa.".into()
        }
        other => other.to_string(),
    }
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
    rules(db)
        .await?
        .apply(all)
        .map_err(|e| AppError::validation("notice", notice_error(&e)))?;
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
