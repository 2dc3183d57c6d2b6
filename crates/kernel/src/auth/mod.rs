//! Who is asking: sessions (cookies), API tokens (bearer), passwords, second factor, and the
//! one authorization layer every handler goes through (`authz`, and per entity kind `policy`).

pub mod account;
pub mod authz;
pub mod csrf;
pub mod password;
pub mod platform;
pub mod policy;
pub mod profile;
pub mod session;
pub mod throttle;
pub mod totp;

use serde::{Deserialize, Serialize};

tinhso_domain::text_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Role {
        SystemAdmin = "system_admin",
        AgencyAdmin = "agency_admin",
        OneStopClerk = "one_stop_clerk",
        Specialist = "specialist",
        Leader = "leader",
        DocumentClerk = "document_clerk",
        /// Cán bộ đầu mối dữ liệu: drafts and submits the agency's open datasets.
        DataOfficer = "data_officer",
    }
}

impl Role {
    /// Administrators must use a second factor.
    pub fn requires_totp(self) -> bool {
        matches!(self, Role::SystemAdmin | Role::AgencyAdmin)
    }
}

tinhso_domain::text_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum UserKind {
        Citizen = "citizen",
        Business = "business",
        Official = "official",
    }
}

/// The account the platform acts as when it records work no person did (the open-data
/// portal's own datasets): disabled, with no email, phone or password, so nobody signs in as
/// it. The accounts module makes it at start.
pub const PLATFORM_ACCOUNT: &str = "00000000-0000-7000-8000-000000000001";

/// A signed-in person (or the person an API token acts for).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: String,
    pub kind: UserKind,
    pub full_name: String,
    pub email: Option<String>,
    pub agency_id: Option<String>,
    pub roles: Vec<Role>,
    pub totp_enabled: bool,
}

impl User {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn is_official(&self) -> bool {
        self.kind == UserKind::Official
    }

    pub fn needs_totp_enrolment(&self) -> bool {
        !self.totp_enabled && self.roles.iter().any(|r| r.requires_totp())
    }
}

/// Who is making the request, as every permission check sees it.
#[derive(Debug, Clone)]
pub enum Principal {
    Anonymous,
    User(User),
    /// An API token: the user it belongs to, narrowed to the token's scopes.
    Token {
        user: User,
        scopes: Vec<String>,
    },
}

impl Principal {
    pub fn user(&self) -> Option<&User> {
        match self {
            Principal::Anonymous => None,
            Principal::User(u) | Principal::Token { user: u, .. } => Some(u),
        }
    }

    pub fn actor_label(&self) -> String {
        match self {
            Principal::Anonymous => "anonymous".into(),
            Principal::User(u) => format!("user:{}", u.id),
            Principal::Token { user, .. } => format!("token:{}", user.id),
        }
    }
}

/// Random bytes as URL-safe text, for tokens and secrets.
pub fn random_token(bytes: usize) -> String {
    use base64::Engine;
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the operating system provides randomness");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// Tokens are stored as their SHA-256, so a copy of the database cannot be replayed.
pub fn token_hash(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::{Role, UserKind};

    #[test]
    fn role_text_is_its_json() {
        for r in Role::ALL {
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
    }

    #[test]
    fn user_kind_text_is_its_json() {
        for k in UserKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
            assert_eq!(k.as_str().parse::<UserKind>(), Ok(k));
        }
    }
}
