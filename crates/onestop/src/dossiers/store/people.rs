//! The people and places a dossier's notices and forms name: accounts and agencies, read.

use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

/// An account's name and address, as a notice to it needs them.
#[derive(Debug, sqlx::FromRow)]
pub struct PersonRow {
    pub full_name: String,
    pub email: Option<String>,
}

/// The account `user_id`, read in the caller's transaction.
pub async fn person(tx: &mut Conn, user_id: &str) -> Result<Option<PersonRow>, AppError> {
    Ok(
        sqlx::query_as("SELECT full_name, email FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?,
    )
}

/// The administrative unit an agency sits in, and the unit above it (if any).
#[derive(Debug, sqlx::FromRow)]
pub struct PlaceRow {
    pub name: String,
    pub parent_name: Option<String>,
}

/// Where the agency `agency_code` sits; `None` for an unknown agency.
pub async fn place_of(db: &Db, agency_code: &str) -> Result<Option<PlaceRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT u.name AS name, p.name AS parent_name FROM agencies a
         JOIN admin_units u ON u.id = a.admin_unit_id
         LEFT JOIN admin_units p ON p.id = u.parent_id WHERE a.code = $1",
    )
    .bind(agency_code)
    .fetch_optional(&db.pool)
    .await?)
}

/// The addresses of the active system administrators who have one.
pub async fn system_admin_emails(tx: &mut Conn) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT u.email FROM users u JOIN user_roles r ON r.user_id = u.id
         WHERE r.role = 'system_admin' AND u.disabled = 0 AND u.email IS NOT NULL",
    )
    .fetch_all(&mut *tx)
    .await?)
}
