//! What the permission policies (`super::policy`) share beyond the prelude: the API-token
//! scopes a person may grant a token, and the agency tree. Every decision itself is a policy's,
//! one per entity kind; nothing is allowed by default.

use super::{Role, User};
use crate::db::Db;
use crate::error::AppError;
use sqlx::Row;

/// Every scope a token may carry, in the order the token form shows them: exactly the union of
/// the scopes the modules' policies declare (`Policy::SCOPES`; `tests/app/architecture.rs`
/// fails when a policy checks a scope missing here, or a scope here is checked by none).
pub const SCOPES: [&str; 12] = [
    "dossiers",
    "documents",
    "tasks",
    "open311",
    "account",
    "directory:write",
    "users:write",
    "audit:read",
    "catalog:write",
    "opendata",
    "ops:read",
    "ops:write",
];

/// The scopes a token of `user` can usefully carry: those whose actions the user may take
/// somewhere (as their policies decide). Other scopes are neither offered nor granted.
pub fn grantable_scopes(user: &User) -> Vec<&'static str> {
    SCOPES
        .iter()
        .copied()
        .filter(|scope| can_use_scope(user, scope))
        .collect()
}

fn can_use_scope(user: &User, scope: &str) -> bool {
    if user.has_role(Role::SystemAdmin) {
        return true;
    }
    match scope {
        "account" | "dossiers" | "open311" => true,
        // Official documents: their policy decides per document; only officials handle them.
        "documents" => user.is_official(),
        // Tasks: their policy decides per task; only officials take part in them.
        "tasks" => user.is_official(),
        // Open data: an agency's data officers and leaders draft and approve its datasets.
        "opendata" => {
            user.is_official() && (user.has_role(Role::DataOfficer) || user.has_role(Role::Leader))
        }
        "directory:write" | "users:write" => user.has_role(Role::AgencyAdmin),
        // The operations centre's figures: leaders, for the scopes its policy says.
        // The operations centre's figures, and the values declared for them: leaders, for the
        // scopes its policy says.
        "ops:read" | "ops:write" => user.is_official() && user.has_role(Role::Leader),
        _ => false,
    }
}

/// Whether `agency` equals `ancestor` or lies below it in the agency tree.
pub async fn is_within(db: &Db, agency: &str, ancestor: &str) -> Result<bool, AppError> {
    let row = sqlx::query(
        "WITH RECURSIVE up(id, parent_id, depth) AS (
            SELECT id, parent_id, 0 FROM agencies WHERE id = $1
            UNION ALL
            SELECT a.id, a.parent_id, up.depth + 1 FROM agencies a JOIN up ON a.id = up.parent_id
            WHERE up.depth < 16
         )
         SELECT COUNT(*) AS n FROM up WHERE id = $2",
    )
    .bind(agency)
    .bind(ancestor)
    .fetch_one(&db.pool)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}
