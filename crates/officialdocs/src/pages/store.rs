//! The statements of the documents pages: one page of the outgoing list as one official may see
//! it, and one page of an agency's incoming register.

use crate::Document;
use crate::store::{SELECT, document};
use tinhso_kernel::db::Db;
use tinhso_kernel::error::AppError;

/// Who is looking at the outgoing list, as far as the list cares: the documents they drafted,
/// those their unit reviews (a leader), and all of their agency's (its clerk or leader).
pub struct OutgoingViewer<'a> {
    pub user_id: &'a str,
    pub agency_id: &'a str,
    /// A leader: reviews what their unit (or their agency directly) drafts, signs their
    /// agency's documents.
    pub leader: bool,
    /// A document clerk: checks the form of and issues their agency's documents.
    pub clerk: bool,
}

/// One page of the outgoing documents `viewer` handles, in `state` if given, latest change
/// first. The same people as `policy::roles` (the page filters with the policy again).
pub async fn outgoing(
    db: &Db,
    viewer: &OutgoingViewer<'_>,
    state: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<Document>, AppError> {
    let mut who = vec!["d.drafter_id = $1"];
    if viewer.leader || viewer.clerk {
        who.push("d.agency_id = $2");
    }
    if viewer.leader {
        who.push("COALESCE(d.drafting_unit_id, d.agency_id) = $2");
    }
    let state_filter = if state.is_some() {
        " AND d.state = $5"
    } else {
        ""
    };
    let sql = format!(
        "{SELECT} WHERE d.direction = 'out' AND ({}){state_filter}
         ORDER BY d.updated_at DESC, d.id DESC LIMIT $3 OFFSET $4",
        who.join(" OR ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(viewer.user_id)
        .bind(viewer.agency_id)
        .bind(limit)
        .bind(offset);
    if let Some(s) = state {
        query = query.bind(s);
    }
    let rows = query.fetch_all(&db.pool).await?;
    rows.iter().map(document).collect()
}

/// One page of an agency's incoming register, newest arrival first.
pub async fn incoming(
    db: &Db,
    agency_id: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<Document>, AppError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE d.agency_id = $1 AND d.direction = 'in'
         ORDER BY d.reg_year DESC, d.reg_number DESC LIMIT $2 OFFSET $3"
    )))
    .bind(agency_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(document).collect()
}

/// The states of the incoming copies delivered on the platform: (copy id, state).
pub async fn copy_states(db: &Db, origin_id: &str) -> Result<Vec<(String, String)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, state FROM documents WHERE origin_id = $1 AND direction = 'in' ORDER BY id",
    )
    .bind(origin_id)
    .fetch_all(&db.pool)
    .await?)
}

/// The full name of a person (a drafter), if they exist.
pub async fn full_name(db: &Db, user_id: &str) -> Result<Option<String>, AppError> {
    let row: Option<(String,)> = sqlx::query_as("SELECT full_name FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|(n,)| n))
}

/// The people of unit `unit_id` a document may be passed down to: its active specialists and
/// leaders, by name.
pub async fn unit_people(db: &Db, unit_id: &str) -> Result<Vec<(String, String)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT DISTINCT u.id, u.full_name FROM users u JOIN user_roles r ON r.user_id = u.id
         WHERE u.agency_id = $1 AND u.kind = 'official' AND u.disabled = 0
         AND r.role IN ('specialist', 'leader') ORDER BY u.full_name, u.id",
    )
    .bind(unit_id)
    .fetch_all(&db.pool)
    .await?)
}
