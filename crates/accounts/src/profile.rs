//! What a citizen's account knows about them beyond sign-in (ID number, phone, address, the
//! commune or ward they live in), kept by them on their account page so that applications are
//! pre-filled and their own commune's agency is offered first.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::db::Db;
use tinhso_kernel::error::{AppError, FieldError, PageResult};
use tinhso_kernel::extract::Form;
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::Page;

pub use tinhso_kernel::auth::profile::{Profile, load};

/// The administrative units a person may live in (communes, wards, special zones), by name.
pub async fn home_units(db: &Db) -> Result<Vec<tinhso_directory::store::AdminUnit>, AppError> {
    let mut units: Vec<_> = tinhso_directory::store::admin_units(db)
        .await?
        .into_iter()
        .filter(|u| u.parent_code.is_some())
        .collect();
    units.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(units)
}

#[derive(Debug, Deserialize, Serialize)]
pub struct ProfileForm {
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub admin_unit_code: String,
}

/// The profile form's fields from top to bottom, for its error summary.
pub const FORM_ORDER: [&str; 3] = ["phone", "address", "admin_unit_code"];

/// A Vietnamese phone number as people write it: 10 digits from 0, or +84 and 9 digits;
/// spaces, dots and dashes are dropped.
fn clean_phone(raw: &str) -> Option<String> {
    let digits: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-'))
        .collect();
    let national = match digits.strip_prefix("+84") {
        Some(rest) => format!("0{rest}"),
        None => digits,
    };
    (national.len() == 10
        && national.starts_with('0')
        && national.bytes().all(|b| b.is_ascii_digit()))
    .then_some(national)
}

/// Checks the form against the known units; the cleaned values or every problem, in form order.
fn check(
    form: &ProfileForm,
    units: &[tinhso_directory::store::AdminUnit],
) -> Result<(Option<String>, String, Option<String>), Vec<FieldError>> {
    let mut errors = Vec::new();
    let phone = match form.phone.trim() {
        "" => None,
        raw => clean_phone(raw).or_else(|| {
            errors.push(FieldError::new(
                "phone",
                "Số điện thoại không hợp lệ (10 chữ số, bắt đầu bằng 0).",
            ));
            None
        }),
    };
    let address = tinhso_domain::text::normalize(form.address.trim());
    if address.chars().count() > 500 {
        errors.push(FieldError::new("address", "Địa chỉ tối đa 500 ký tự."));
    }
    let unit = match form.admin_unit_code.trim() {
        "" => None,
        code if units.iter().any(|u| u.code == code) => Some(code.to_owned()),
        _ => {
            errors.push(FieldError::new(
                "admin_unit_code",
                "Vui lòng chọn xã, phường trong danh sách.",
            ));
            None
        }
    };
    if errors.is_empty() {
        Ok((phone, address, unit))
    } else {
        Err(errors)
    }
}

/// `POST /account/profile`: saves the contact details, audited; a phone number another account
/// uses is refused with the form kept.
pub async fn save(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Form(form): Form<ProfileForm>,
) -> PageResult<Response> {
    let user = page.require_user()?.clone();
    let units = home_units(&state.db).await?;
    let (phone, address, unit) = match check(&form, &units) {
        Ok(clean) => clean,
        Err(errors) => return super::http::profile_again(&state, &page, &form, errors).await,
    };
    let mut tx = state.db.begin().await?;
    if let Some(phone) = &phone
        && crate::store::phone_taken_by_other(&mut tx, phone, &user.id).await?
    {
        let errors = vec![FieldError::new(
            "phone",
            "Số điện thoại này đã được đăng ký.",
        )];
        return super::http::profile_again(&state, &page, &form, errors).await;
    }
    let before = load(&state.db, &user.id).await?;
    crate::store::update_contact(
        &mut tx,
        &user.id,
        phone.as_deref(),
        &address,
        unit.as_deref(),
        &tinhso_kernel::time::now_text(),
    )
    .await?;
    let actor = Actor {
        label: format!("user:{}", user.id),
        ip,
    };
    let change = Change {
        action: "user.profile",
        entity_type: "user",
        entity_id: &user.id,
        before: serde_json::json!({"phone": before.phone, "address": before.address, "admin_unit_code": before.admin_unit_code}),
        after: serde_json::json!({"phone": phone, "address": address, "admin_unit_code": unit}),
    };
    audit::record(&state.db, &mut tx, &actor, change).await?;
    tx.commit().await?;
    Ok(Redirect::to("/account?profile=saved#profile").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_written_the_national_way() {
        assert_eq!(clean_phone("0912 345 678").as_deref(), Some("0912345678"));
        assert_eq!(
            clean_phone("+84 912.345.678").as_deref(),
            Some("0912345678")
        );
        for bad in ["12345", "09123456789", "091234567a", "1912345678"] {
            assert_eq!(clean_phone(bad), None, "{bad}");
        }
    }
}
