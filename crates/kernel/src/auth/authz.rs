//! The one authorization layer. Every handler states what it is about to do as an `Action`
//! and calls `authorize`, which answers from the principal's kind, roles, agency (and the
//! agency tree) and, for API tokens, the token's scopes. Nothing is allowed by default.

use super::{Principal, Role, User};
use crate::db::Db;
use crate::error::AppError;
use sqlx::Row;

#[derive(Debug, Clone, Copy)]
pub enum Action<'a> {
    /// Create or edit an agency placed under `parent` (`None`: a top-level agency).
    ManageAgency { parent: Option<&'a str> },
    /// Import or export the agency directory as a whole.
    ManageDirectory,
    /// Create officials and set roles in `agency`.
    ManageOfficials { agency: &'a str },
    /// Create, edit, import the procedure catalog.
    ManageCatalog,
    /// Read or change one's own account.
    OwnAccount,
    /// Submit, read and act on dossiers; which dossier and which action is checked per dossier
    /// by the one-stop service (applicant, or official of the holding agency in a fitting role).
    Dossiers,
}

impl Action<'_> {
    /// The API-token scope an action needs.
    fn scope(&self) -> &'static str {
        match self {
            Action::OwnAccount => "account",
            Action::ManageAgency { .. } | Action::ManageDirectory => "directory:write",
            Action::ManageOfficials { .. } => "users:write",
            Action::ManageCatalog => "catalog:write",
            Action::Dossiers => "dossiers",
        }
    }
}

pub const SCOPES: [&str; 8] = [
    "dossiers",
    "documents",
    "open311",
    "account",
    "directory:write",
    "users:write",
    "audit:read",
    "catalog:write",
];

/// The scopes a token of `user` can usefully carry: those whose actions the user may take
/// somewhere (mirrors `allowed`). Other scopes are neither offered nor granted.
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
        "directory:write" | "users:write" => user.has_role(Role::AgencyAdmin),
        _ => false,
    }
}

pub async fn authorize(db: &Db, principal: &Principal, action: Action<'_>) -> Result<(), AppError> {
    super::policy::prelude(
        principal,
        action.scope(),
        false,
        matches!(action, Action::OwnAccount),
    )?;
    let user = principal.user().ok_or(AppError::Unauthorized)?;
    if allowed(db, user, action).await? {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

async fn allowed(db: &Db, user: &User, action: Action<'_>) -> Result<bool, AppError> {
    if user.has_role(Role::SystemAdmin) {
        return Ok(true);
    }
    Ok(match action {
        Action::OwnAccount | Action::Dossiers => true,
        Action::ManageDirectory | Action::ManageCatalog => false,
        Action::ManageAgency { parent: None } => false,
        Action::ManageAgency {
            parent: Some(parent),
        } => user.has_role(Role::AgencyAdmin) && within_own_agency(db, user, parent).await?,
        Action::ManageOfficials { agency } => {
            user.has_role(Role::AgencyAdmin) && within_own_agency(db, user, agency).await?
        }
    })
}

/// Whether `agency` is the user's own agency or one of its sub-agencies.
async fn within_own_agency(db: &Db, user: &User, agency: &str) -> Result<bool, AppError> {
    let Some(own) = user.agency_id.as_deref() else {
        return Ok(false);
    };
    is_within(db, agency, own).await
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
