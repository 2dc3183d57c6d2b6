//! A dossier's timeline (`dossier_events`) and its clock stops (`dossier_pauses`), re-exported
//! by the dossier store.

use super::LocalDateTime;
use serde::Serialize;
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub at: String,
    pub actor_name: String,
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub step: i64,
    pub note: String,
    pub detail: serde_json::Value,
}

pub async fn insert_event(
    tx: &mut Conn,
    dossier_id: &str,
    actor_id: Option<&str>,
    event: &Event,
) -> Result<String, AppError> {
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO dossier_events (id, dossier_id, at, actor_id, actor_name, action, from_state, to_state, step, note, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&id)
    .bind(dossier_id)
    .bind(&event.at)
    .bind(actor_id)
    .bind(&event.actor_name)
    .bind(&event.action)
    .bind(&event.from_state)
    .bind(&event.to_state)
    .bind(event.step)
    .bind(&event.note)
    .bind(event.detail.to_string())
    .execute(&mut *tx)
    .await?;
    Ok(id)
}

/// The note written with timeline row `id` (an event's `timeline_id`), if the row exists.
pub async fn event_note(tx: &mut Conn, id: &str) -> Result<Option<String>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT note FROM dossier_events WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?,
    )
}

/// A timeline row as stored (its detail as JSON text).
#[derive(Debug, sqlx::FromRow)]
struct EventRow {
    at: String,
    actor_name: String,
    action: String,
    from_state: String,
    to_state: String,
    step: i64,
    note: String,
    detail: String,
}

impl From<EventRow> for Event {
    fn from(r: EventRow) -> Event {
        Event {
            at: r.at,
            actor_name: r.actor_name,
            action: r.action,
            from_state: r.from_state,
            to_state: r.to_state,
            step: r.step,
            note: r.note,
            detail: serde_json::from_str(&r.detail).unwrap_or_default(),
        }
    }
}

pub async fn events(db: &Db, dossier_id: &str) -> Result<Vec<Event>, AppError> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT at, actor_name, action, from_state, to_state, step, note, detail
         FROM dossier_events WHERE dossier_id = $1 ORDER BY at, id",
    )
    .bind(dossier_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(Event::from).collect())
}

pub async fn start_pause(
    tx: &mut Conn,
    dossier_id: &str,
    at: LocalDateTime,
) -> Result<(), AppError> {
    sqlx::query("INSERT INTO dossier_pauses (id, dossier_id, started_local) VALUES ($1, $2, $3)")
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(dossier_id)
        .bind(at.to_text())
        .execute(&mut *tx)
        .await?;
    Ok(())
}

pub async fn end_pause(tx: &mut Conn, dossier_id: &str, at: LocalDateTime) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE dossier_pauses SET ended_local = $2 WHERE dossier_id = $1 AND ended_local IS NULL",
    )
    .bind(dossier_id)
    .bind(at.to_text())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The dossier's finished clock stops.
pub async fn pauses(
    tx: &mut Conn,
    dossier_id: &str,
) -> Result<Vec<tinhso_domain::calendar::Pause>, AppError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT started_local, ended_local FROM dossier_pauses WHERE dossier_id = $1 AND ended_local IS NOT NULL",
    )
    .bind(dossier_id)
    .fetch_all(&mut *tx)
    .await?;
    let mut out = Vec::new();
    for (start, end) in rows {
        if let (Some(start), Some(end)) = (LocalDateTime::parse(&start), LocalDateTime::parse(&end))
        {
            out.push(tinhso_domain::calendar::Pause::new(
                start.naive(),
                end.naive(),
            ));
        }
    }
    Ok(out)
}
