//! What a person's account knows about them beyond sign-in (ID number, phone, address, the
//! commune or ward they live in): read by any module that pre-fills a form for them; kept by
//! the accounts module's profile page.

use crate::db::Db;
use crate::error::AppError;
use serde::Serialize;
use std::collections::BTreeMap;
use tinhso_domain::procedure::ProfileFact;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Profile {
    pub full_name: String,
    pub citizen_id: String,
    pub phone: String,
    pub address: String,
    /// Code of the administrative unit (commune, ward) the person lives in.
    pub admin_unit_code: Option<String>,
}

impl Profile {
    /// The facts application forms may be pre-filled with.
    pub fn facts(&self) -> BTreeMap<ProfileFact, String> {
        [
            (ProfileFact::FullName, &self.full_name),
            (ProfileFact::CitizenId, &self.citizen_id),
            (ProfileFact::Phone, &self.phone),
            (ProfileFact::Address, &self.address),
        ]
        .into_iter()
        .map(|(fact, value)| (fact, value.clone()))
        .collect()
    }
}

/// The columns of `users` a profile is made of.
#[derive(sqlx::FromRow)]
struct ProfileRow {
    full_name: String,
    citizen_id: Option<String>,
    phone: Option<String>,
    address: String,
    admin_unit_code: Option<String>,
}

/// The profile of `user_id`; empty for an unknown user.
pub async fn load(db: &Db, user_id: &str) -> Result<Profile, AppError> {
    let row: Option<ProfileRow> = sqlx::query_as(
        "SELECT full_name, citizen_id, phone, address, admin_unit_code FROM users WHERE id = $1",
    )
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(r) = row else {
        return Ok(Profile::default());
    };
    Ok(Profile {
        full_name: r.full_name,
        citizen_id: r.citizen_id.unwrap_or_default(),
        phone: r.phone.unwrap_or_default(),
        address: r.address,
        admin_unit_code: r.admin_unit_code,
    })
}
