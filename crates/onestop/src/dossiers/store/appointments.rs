//! Stored appointments, for their one-off upgrade to the end-of-day convention
//! (`dossiers::appointments`).

use tinhso_domain::time::LocalDateTime;
use tinhso_kernel::db::Conn;
use tinhso_kernel::error::AppError;

/// A dossier with an appointment, and what its outcome was counted from.
#[derive(Debug, sqlx::FromRow)]
pub struct AppointmentRow {
    pub id: String,
    pub due_local: String,
    pub finished_local: Option<String>,
    pub outcome: Option<String>,
    pub apologised: i64,
    pub supplement_requests: i64,
}

/// Every dossier with an appointment.
pub async fn with_appointment(tx: &mut Conn) -> Result<Vec<AppointmentRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, due_local, finished_local, outcome, apologised, supplement_requests
         FROM dossiers WHERE due_local IS NOT NULL",
    )
    .fetch_all(&mut *tx)
    .await?)
}

/// Moves a dossier's appointment to `due_local`, and its outcome to `outcome` when given.
pub async fn set_appointment(
    tx: &mut Conn,
    id: &str,
    due_local: LocalDateTime,
    outcome: Option<&str>,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE dossiers SET due_local = $2, outcome = COALESCE($3, outcome) WHERE id = $1",
    )
    .bind(id)
    .bind(due_local.to_text())
    .bind(outcome)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
