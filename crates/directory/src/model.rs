//! Agencies as data, and the pure rules for accepting one: no I/O here.

use serde::{Deserialize, Serialize};
use tinhso_domain::agency_code::AgencyCode;
use tinhso_kernel::error::FieldError;

tinhso_domain::text_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum AgencyKind {
        /// Ủy ban nhân dân.
        PeoplesCommittee = "peoples_committee",
        /// Hội đồng nhân dân.
        PeoplesCouncil = "peoples_council",
        /// Sở, ban, ngành.
        Department = "department",
        /// Phòng, chi cục, đơn vị sự nghiệp.
        Unit = "unit",
        Other = "other",
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Agency {
    pub id: String,
    /// Electronic identifier code, e.g. `000.00.14.H56`.
    #[schema(value_type = String)]
    pub code: AgencyCode,
    pub name: String,
    pub kind: AgencyKind,
    #[schema(value_type = Option<String>)]
    pub parent_code: Option<AgencyCode>,
    pub admin_unit_code: Option<String>,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub website: String,
    #[serde(skip)]
    pub parent_id: Option<String>,
}

/// What a form, the API or a CSV row gives for an agency.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct AgencyInput {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub parent_code: Option<String>,
    #[serde(default)]
    pub admin_unit_code: Option<String>,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub website: String,
}

/// An input that passed every rule that needs no database.
#[derive(Debug, Clone)]
pub struct ValidAgency {
    pub code: AgencyCode,
    pub name: String,
    pub kind: AgencyKind,
    pub parent_code: Option<AgencyCode>,
    pub admin_unit_code: Option<String>,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub website: String,
}

fn blank_to_none(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Checks the fields and the code's consistency with the declared parent code.
pub fn validate(input: &AgencyInput) -> Result<ValidAgency, Vec<FieldError>> {
    let mut errors = Vec::new();
    let code = input.code.trim().parse::<AgencyCode>();
    if let Err(e) = &code {
        errors.push(FieldError::new("code", e.to_string()));
    }
    let parent_code = match blank_to_none(&input.parent_code).map(|p| p.parse::<AgencyCode>()) {
        Some(Err(e)) => {
            errors.push(FieldError::new(
                "parent_code",
                format!("Mã cơ quan cha: {e}"),
            ));
            None
        }
        Some(Ok(p)) => Some(p),
        None => None,
    };
    if let Ok(code) = &code
        && (blank_to_none(&input.parent_code).is_none() || parent_code.is_some())
        && let Err(e) = code.check_parent(parent_code.as_ref())
    {
        errors.push(FieldError::new("parent_code", e.to_string()));
    }
    let name = tinhso_domain::text::normalize(&input.name);
    if name.is_empty() {
        errors.push(FieldError::new("name", "Vui lòng nhập tên cơ quan."));
    } else if name.chars().count() > 255 {
        errors.push(FieldError::new("name", "Tên cơ quan dài tối đa 255 ký tự."));
    }
    let kind = input.kind.trim().parse::<AgencyKind>().ok();
    if kind.is_none() {
        errors.push(FieldError::new("kind", "Loại cơ quan không hợp lệ."));
    }
    let email = input.email.trim();
    if !email.is_empty() && tinhso_domain::identity::email(email).is_err() {
        errors.push(FieldError::new("email", "Email cơ quan không hợp lệ."));
    }
    for (field, value, max) in [
        ("address", &input.address, 500),
        ("phone", &input.phone, 50),
        ("website", &input.website, 255),
    ] {
        if value.chars().count() > max {
            errors.push(FieldError::new(field, format!("Tối đa {max} ký tự.")));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ValidAgency {
        code: code.expect("checked above"),
        name,
        kind: kind.expect("checked above"),
        parent_code,
        admin_unit_code: blank_to_none(&input.admin_unit_code),
        address: input.address.trim().to_owned(),
        phone: input.phone.trim().to_owned(),
        email: email.to_lowercase(),
        website: input.website.trim().to_owned(),
    })
}

/// A node of the agency tree, for the directory page and the API.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TreeNode {
    #[schema(value_type = String)]
    pub code: AgencyCode,
    pub name: String,
    pub kind: AgencyKind,
    #[schema(no_recursion)]
    pub children: Vec<TreeNode>,
}

/// Nests agencies under their parents, down to `max_depth` levels (deeper agencies are reached
/// from their parent's page, which keeps the directory page small on a phone).
pub fn build_tree(agencies: &[Agency], max_depth: usize) -> Vec<TreeNode> {
    let mut by_parent: std::collections::HashMap<Option<&str>, Vec<&Agency>> =
        std::collections::HashMap::new();
    for a in agencies {
        by_parent.entry(a.parent_id.as_deref()).or_default().push(a);
    }
    fn nest(
        by_parent: &std::collections::HashMap<Option<&str>, Vec<&Agency>>,
        parent: Option<&str>,
        depth: usize,
    ) -> Vec<TreeNode> {
        if depth == 0 {
            return Vec::new();
        }
        by_parent
            .get(&parent)
            .map(|children| {
                children
                    .iter()
                    .map(|a| TreeNode {
                        code: a.code,
                        name: a.name.clone(),
                        kind: a.kind,
                        children: nest(by_parent, Some(&a.id), depth - 1),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
    nest(&by_parent, None, max_depth)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agency_kind_text_is_its_json() {
        for k in AgencyKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
            assert_eq!(k.as_str().parse::<AgencyKind>(), Ok(k));
        }
    }

    fn input(code: &str, parent: Option<&str>) -> AgencyInput {
        AgencyInput {
            code: code.into(),
            name: "Sở Tư pháp".into(),
            kind: "department".into(),
            parent_code: parent.map(str::to_owned),
            ..Default::default()
        }
    }

    #[test]
    fn accepts_a_department_under_the_province() {
        let v = validate(&input("000.00.14.H56", Some("000.00.00.H56"))).unwrap();
        assert_eq!(v.code.to_string(), "000.00.14.H56");
    }

    #[test]
    fn reports_every_bad_field() {
        let mut bad = input("000.00.14.H5", Some("000.00.00.H56"));
        bad.name = "  ".into();
        bad.kind = "ministry".into();
        bad.email = "not-an-email".into();
        let fields: Vec<_> = validate(&bad)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["code", "name", "kind", "email"]);
    }

    #[test]
    fn refuses_a_code_inconsistent_with_its_parent() {
        let errors = validate(&input("000.00.14.H56", Some("000.00.15.H56"))).unwrap_err();
        assert_eq!(errors[0].field, "parent_code");
        assert!(validate(&input("000.00.14.H56", None)).is_err());
    }
}
