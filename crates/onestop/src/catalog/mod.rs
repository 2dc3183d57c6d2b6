//! The procedure catalog: every public service a citizen can apply for, as data that
//! administrators edit live and import or export as JSON and CSV.
//!
//! The demo catalog (`demo/procedures.json`) uses codes in the national format; check them
//! against the national procedure database before relying on them in production.

pub mod events;
pub mod http;
pub mod index;
pub mod policy;
pub mod store;

use serde::{Deserialize, Serialize};
use tinhso_domain::calendar::WorkDuration;
use tinhso_domain::procedure::{FormField, OnlineLevel, Step, check_definition};
use tinhso_kernel::error::FieldError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Fee {
    pub name: String,
    pub amount_vnd: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Paper {
    pub name: String,
    /// An original (bản chính) rather than a copy.
    pub original: bool,
    #[schema(maximum = 4_294_967_295_u64)]
    pub copies: u32,
}

/// A form template (mẫu đơn, tờ khai) citizens download to fill in: a file shipped with the
/// demo catalog or put in the file store under `procedure-templates/<file>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Template {
    /// What the form is, e.g. "Tờ khai đăng ký khai sinh (mẫu TP/HT-2020-KS.1)".
    pub name: String,
    /// File name: lower-case letters, digits and dashes, ending in `.docx` or `.pdf`.
    pub file: String,
}

impl Template {
    /// A name that is safe as a path segment and a storage key, of a kind people can open.
    pub fn file_is_valid(file: &str) -> bool {
        let stem = file
            .strip_suffix(".docx")
            .or_else(|| file.strip_suffix(".pdf"));
        stem.is_some_and(|s| {
            !s.is_empty()
                && s.len() <= 100
                && s.bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        })
    }

    pub fn media_type(&self) -> &'static str {
        if self.file.ends_with(".pdf") {
            "application/pdf"
        } else {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        }
    }
}

/// A procedure as administrators write it and the API serves it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Procedure {
    /// National procedure code, e.g. `1.001193`.
    pub code: String,
    pub name: String,
    pub field_code: String,
    pub field_name: String,
    /// `province` or `commune`.
    pub level: String,
    /// Statutory processing time, counted in half working days.
    pub processing: WorkDuration,
    pub online_level: OnlineLevel,
    #[serde(default)]
    pub fees: Vec<Fee>,
    #[serde(default)]
    pub papers: Vec<Paper>,
    pub result: String,
    /// Legal basis (căn cứ pháp lý): the laws, decrees and circulars it rests on.
    #[serde(default)]
    pub legal_basis: Vec<String>,
    /// Requirements and conditions (yêu cầu, điều kiện) the applicant must meet.
    #[serde(default)]
    pub conditions: Vec<String>,
    /// Form templates to download (mẫu đơn, tờ khai).
    #[serde(default)]
    pub templates: Vec<Template>,
    pub form: Vec<FormField>,
    pub steps: Vec<Step>,
    /// Receipts after this time (`HH:MM`) count from the next working day.
    #[serde(default)]
    pub cutoff: Option<String>,
    /// Codes of the agencies that carry out the procedure.
    pub agencies: Vec<String>,
}

impl Procedure {
    /// The localised code at one agency: national code + agency code.
    pub fn local_code(&self, agency_code: &str) -> String {
        format!("{}.{agency_code}", self.code)
    }
}

fn is_national_code(code: &str) -> bool {
    let mut parts = code.split('.');
    matches!((parts.next(), parts.next(), parts.next()), (Some(a), Some(b), None)
        if a.len() == 1 && b.len() == 6 && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit()))
}

/// Everything about a procedure that can be checked without the database.
pub fn validate(p: &Procedure) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    if !is_national_code(&p.code) {
        errors.push(FieldError::new("code", "Mã thủ tục có dạng 1.001193."));
    }
    if p.name.trim().is_empty() || p.name.chars().count() > 500 {
        errors.push(FieldError::new("name", "Tên thủ tục từ 1 đến 500 ký tự."));
    }
    if p.field_code.trim().is_empty() || p.field_name.trim().is_empty() {
        errors.push(FieldError::new(
            "field_code",
            "Thủ tục phải thuộc một lĩnh vực (mã và tên).",
        ));
    }
    if !matches!(p.level.as_str(), "province" | "commune") {
        errors.push(FieldError::new(
            "level",
            "Cấp thực hiện là province hoặc commune.",
        ));
    }
    if p.processing.as_half_days() == 0 {
        errors.push(FieldError::new(
            "processing",
            "Thời hạn giải quyết phải lớn hơn 0.",
        ));
    }
    if p.agencies.is_empty() {
        errors.push(FieldError::new(
            "agencies",
            "Thủ tục cần ít nhất một cơ quan thực hiện.",
        ));
    }
    if p.fees.iter().any(|f| f.amount_vnd < 0) {
        errors.push(FieldError::new(
            "fees",
            "Số tiền phí, lệ phí không được âm.",
        ));
    }
    if let Some(cutoff) = &p.cutoff
        && chrono::NaiveTime::parse_from_str(cutoff, "%H:%M").is_err()
    {
        errors.push(FieldError::new(
            "cutoff",
            "Giờ tiếp nhận muộn nhất có dạng HH:MM.",
        ));
    }
    if p.templates
        .iter()
        .any(|t| !Template::file_is_valid(&t.file) || t.name.trim().is_empty())
    {
        errors.push(FieldError::new(
            "templates",
            "Mỗi mẫu đơn cần tên và tệp .docx hoặc .pdf (chữ thường, số, dấu gạch ngang).",
        ));
    }
    if let Err(e) = check_definition(&p.form, &p.steps, p.processing) {
        errors.push(FieldError::new("steps", e.to_string()));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The demo catalog shipped with the binary.
pub fn demo_procedures() -> Vec<Procedure> {
    serde_json::from_str(include_str!("../../demo/procedures.json"))
        .expect("the demo catalog is valid JSON")
}

#[derive(rust_embed::Embed)]
#[folder = "demo/templates/"]
struct DemoTemplates;

/// A form template shipped with the demo catalog.
pub fn demo_template(file: &str) -> Option<Vec<u8>> {
    DemoTemplates::get(file).map(|f| f.data.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_catalog_is_valid() {
        let all = demo_procedures();
        assert!(all.len() >= 20);
        for p in &all {
            assert_eq!(validate(p), Ok(()), "{}", p.code);
        }
        let fields: std::collections::BTreeSet<_> =
            all.iter().map(|p| p.field_code.as_str()).collect();
        assert!(fields.len() >= 9, "covers many fields: {fields:?}");
        for p in &all {
            assert!(
                !p.legal_basis.is_empty(),
                "{} cites its legal basis",
                p.code
            );
            assert!(!p.conditions.is_empty(), "{} states its conditions", p.code);
            for t in &p.templates {
                let bytes = demo_template(&t.file)
                    .unwrap_or_else(|| panic!("{}: template {} is shipped", p.code, t.file));
                assert!(
                    tinhso_domain::attachment::check(&t.file, &bytes).is_ok(),
                    "{} is a real DOCX or PDF",
                    t.file
                );
            }
        }
        assert!(all.iter().filter(|p| !p.templates.is_empty()).count() >= 10);
    }

    #[test]
    fn template_files_are_plain_names() {
        for good in ["to-khai-khai-sinh.docx", "mau-01.pdf"] {
            assert!(Template::file_is_valid(good), "{good}");
        }
        for bad in [
            "../x.docx",
            "a.exe",
            ".docx",
            "To-Khai.docx",
            "a/b.pdf",
            "x.docx.sh",
        ] {
            assert!(!Template::file_is_valid(bad), "{bad}");
        }
    }

    #[test]
    fn bad_definitions_are_explained() {
        let mut p = demo_procedures().remove(0);
        p.code = "1001193".into();
        p.agencies.clear();
        p.steps.truncate(2);
        let fields: Vec<_> = validate(&p)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["code", "agencies", "steps"]);
        assert_eq!(p.local_code("000.00.60.H56"), "1001193.000.00.60.H56");
    }
}
