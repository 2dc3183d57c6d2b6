//! Routing rules as the administrators' page lists and deletes them, and the area codes a
//! rule or a report may name.

use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

/// A routing rule as the administrators' page lists it.
#[derive(Debug, sqlx::FromRow)]
pub struct RouteRow {
    pub id: String,
    pub category_name: String,
    pub unit_name: Option<String>,
    pub agency_code: String,
    pub agency_name: String,
}

pub async fn route_rows(db: &Db) -> Result<Vec<RouteRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT r.id, c.name AS category_name, u.name AS unit_name, a.code AS agency_code, a.name AS agency_name
         FROM feedback_routes r JOIN agencies a ON a.id = r.agency_id
         JOIN feedback_categories c ON c.code = r.category_code
         LEFT JOIN admin_units u ON u.code = r.admin_unit_code
         ORDER BY c.name, u.name",
    )
    .fetch_all(&db.pool)
    .await?)
}

/// What the confirmation step before deleting a rule shows of it.
#[derive(Debug, sqlx::FromRow)]
pub struct RouteFacts {
    pub category: String,
    pub admin_unit_code: Option<String>,
    pub agency_name: String,
}

pub async fn route_facts(db: &Db, id: &str) -> Result<Option<RouteFacts>, AppError> {
    Ok(sqlx::query_as(
        "SELECT c.name AS category, r.admin_unit_code, a.name AS agency_name
         FROM feedback_routes r JOIN agencies a ON a.id = r.agency_id
         JOIN feedback_categories c ON c.code = r.category_code WHERE r.id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?)
}

/// Deletes rule `id`; false when there was none.
pub async fn delete_route(tx: &mut Conn, id: &str) -> Result<bool, AppError> {
    let gone = sqlx::query("DELETE FROM feedback_routes WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(gone.rows_affected() > 0)
}

/// Whether `code` names an administrative unit of the directory.
pub async fn admin_unit_exists(db: &Db, code: &str) -> Result<bool, AppError> {
    let row: Option<(String,)> = sqlx::query_as("SELECT code FROM admin_units WHERE code = $1")
        .bind(code)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.is_some())
}
