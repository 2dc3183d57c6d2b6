//! Administrative procedures (thủ tục hành chính) as data: the application form, the
//! processing steps and their time budgets, and the rules that check a citizen's answers.

use crate::calendar::WorkDuration;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

text_enum! {
    /// Online service level (Decree 42/2022).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    #[serde(rename_all = "snake_case")]
    pub enum OnlineLevel {
        /// Toàn trình: everything online.
        Full = "full",
        /// Một phần: part of it online.
        Partial = "partial",
        /// Information only.
        Information = "information",
    }
}

/// What a form field takes; `type` names the kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FieldKind {
    Text {
        #[cfg_attr(feature = "openapi", schema(maximum = 4_294_967_295_u64))]
        max_length: Option<usize>,
    },
    Number {
        min: Option<f64>,
        max: Option<f64>,
    },
    Date,
    Choice {
        options: Vec<String>,
    },
    CitizenId,
    /// An address: free text plus an administrative-unit code.
    Address,
    /// A paper to attach (PDF, JPEG, PNG, DOCX).
    File,
}

/// One field of a procedure's application form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormField {
    pub key: String,
    pub label: String,
    #[serde(flatten)]
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    /// What the applicant's account knows that answers this field, pre-filled on a new form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill: Option<ProfileFact>,
}

/// A fact an account may know about its holder, used to pre-fill application forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProfileFact {
    FullName,
    CitizenId,
    Address,
    Phone,
}

/// The answers a new form starts with: each field that declares a fact the account knows.
pub fn prefill(fields: &[FormField], facts: &BTreeMap<ProfileFact, String>) -> Answers {
    fields
        .iter()
        .filter_map(|f| {
            let value = facts.get(&f.prefill?)?.trim();
            (!value.is_empty()).then(|| (f.key.clone(), value.to_owned()))
        })
        .collect()
}

/// One answer as people read it: the field's label and the value, dates as dd/mm/yyyy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShownAnswer {
    pub key: String,
    pub label: String,
    pub value: String,
}

/// The answers in the form's order (not the storage's alphabetical one), dates written the
/// Vietnamese way; answers to fields the form no longer has come last, under their key.
pub fn shown_answers(fields: &[FormField], answers: &Answers) -> Vec<ShownAnswer> {
    let mut out: Vec<ShownAnswer> = fields
        .iter()
        .filter_map(|f| {
            let value = answers.get(&f.key)?;
            Some(ShownAnswer {
                key: f.key.clone(),
                label: f.label.clone(),
                value: match f.kind {
                    FieldKind::Date => display_date(value),
                    _ => value.clone(),
                },
            })
        })
        .collect();
    for (key, value) in answers {
        if !fields.iter().any(|f| &f.key == key) {
            out.push(ShownAnswer {
                key: key.clone(),
                label: key.clone(),
                value: value.clone(),
            });
        }
    }
    out
}

/// `2026-11-20` as `20/11/2026`; anything else unchanged.
pub fn display_date(value: &str) -> String {
    chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_else(|_| value.to_owned())
}

/// One processing step (tiếp nhận, thẩm định, phê duyệt, trả kết quả) and its time budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Step {
    pub name: String,
    /// Who holds the dossier during the step: `one_stop_clerk`, `specialist` or `leader`.
    pub role: String,
    pub budget: WorkDuration,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DefinitionError {
    #[error("Tổng thời gian các bước ({steps} ngày) phải bằng thời hạn giải quyết ({total} ngày).")]
    BudgetMismatch { steps: String, total: String },
    #[error("Quy trình cần ít nhất ba bước: tiếp nhận, xử lý, phê duyệt.")]
    TooFewSteps,
    #[error("Trường “{0}” bị khai báo hai lần.")]
    DuplicateField(String),
    #[error("Trường lựa chọn “{0}” cần ít nhất một phương án.")]
    EmptyChoice(String),
    #[error("Vai trò “{0}” không dùng được cho một bước xử lý.")]
    UnknownRole(String),
}

/// Checks that a procedure's definition is usable: the steps' budgets add up to the statutory
/// time, the first step is the one-stop desk's, fields are unique.
pub fn check_definition(
    fields: &[FormField],
    steps: &[Step],
    statutory: WorkDuration,
) -> Result<(), DefinitionError> {
    let mut seen = std::collections::HashSet::new();
    for f in fields {
        if !seen.insert(f.key.as_str()) {
            return Err(DefinitionError::DuplicateField(f.key.clone()));
        }
        if let FieldKind::Choice { options } = &f.kind
            && options.is_empty()
        {
            return Err(DefinitionError::EmptyChoice(f.key.clone()));
        }
    }
    if steps.len() < 3 {
        return Err(DefinitionError::TooFewSteps);
    }
    if let Some(s) = steps
        .iter()
        .find(|s| !matches!(s.role.as_str(), "one_stop_clerk" | "specialist" | "leader"))
    {
        return Err(DefinitionError::UnknownRole(s.role.clone()));
    }
    let sum = steps.iter().map(|s| s.budget.as_half_days()).sum::<u32>();
    if sum != statutory.as_half_days() {
        return Err(DefinitionError::BudgetMismatch {
            steps: WorkDuration::half_days(sum).to_string(),
            total: statutory.to_string(),
        });
    }
    Ok(())
}

/// A checked answer to a form.
pub type Answers = BTreeMap<String, String>;

/// Years a date answer may fall in.
pub const DATE_YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;
/// The longest text answer, whatever a form declares.
pub const MAX_TEXT_CHARS: usize = 5000;

/// What a draft keeps of the answers sent: only the form's own (non-file) fields, each at most
/// `MAX_TEXT_CHARS` long. Anything else was never typed into the form.
pub fn draft_answers(fields: &[FormField], raw: &BTreeMap<String, String>) -> Answers {
    fields
        .iter()
        .filter(|f| !matches!(f.kind, FieldKind::File))
        .filter_map(|f| {
            let value = raw.get(&f.key)?;
            let kept: String = value.chars().take(MAX_TEXT_CHARS).collect();
            Some((f.key.clone(), kept))
        })
        .collect()
}

/// Checks a citizen's answers against the form; files are checked separately (by content).
/// Returns the cleaned answers or every problem, keyed by field.
pub fn check_answers(
    fields: &[FormField],
    raw: &BTreeMap<String, String>,
) -> Result<Answers, Vec<(String, String)>> {
    let mut clean = Answers::new();
    let mut errors = Vec::new();
    for field in fields.iter().filter(|f| !matches!(f.kind, FieldKind::File)) {
        let value = raw.get(&field.key).map(|v| v.trim()).unwrap_or("");
        if value.is_empty() {
            if field.required {
                errors.push((
                    field.key.clone(),
                    format!("Vui lòng nhập “{}”.", field.label),
                ));
            }
            continue;
        }
        match check_value(&field.kind, value) {
            Ok(v) => {
                clean.insert(field.key.clone(), v);
            }
            Err(message) => errors.push((field.key.clone(), format!("{}: {message}", field.label))),
        }
    }
    if errors.is_empty() {
        Ok(clean)
    } else {
        Err(errors)
    }
}

fn check_value(kind: &FieldKind, value: &str) -> Result<String, String> {
    match kind {
        FieldKind::Text { max_length } => {
            let max = max_length.unwrap_or(MAX_TEXT_CHARS).min(MAX_TEXT_CHARS);
            if value.chars().count() > max {
                Err(format!("tối đa {max} ký tự"))
            } else {
                Ok(crate::text::normalize(value))
            }
        }
        FieldKind::Number { min, max } => {
            let n: f64 = value
                .replace(',', ".")
                .parse()
                .map_err(|_| "phải là một số".to_owned())?;
            if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) || !n.is_finite() {
                return Err("nằm ngoài giới hạn cho phép".into());
            }
            Ok(n.to_string())
        }
        FieldKind::Date => {
            let date = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .or_else(|_| chrono::NaiveDate::parse_from_str(value, "%d/%m/%Y"))
                .map_err(|_| "ngày không hợp lệ (dd/mm/yyyy)".to_owned())?;
            // A birth date in year 1 or an event in 9999 is a typing slip, not a date.
            if !DATE_YEARS.contains(&chrono::Datelike::year(&date)) {
                return Err(format!(
                    "năm phải từ {} đến {}",
                    DATE_YEARS.start(),
                    DATE_YEARS.end()
                ));
            }
            Ok(date.format("%Y-%m-%d").to_string())
        }
        FieldKind::Choice { options } => {
            if options.iter().any(|o| o == value) {
                Ok(value.to_owned())
            } else {
                Err("lựa chọn không hợp lệ".into())
            }
        }
        FieldKind::CitizenId => {
            crate::identity::citizen_id(value).map_err(|_| "phải gồm đúng 12 chữ số".into())
        }
        FieldKind::Address => {
            if value.chars().count() > 500 {
                Err("tối đa 500 ký tự".into())
            } else {
                Ok(crate::text::normalize(value))
            }
        }
        FieldKind::File => Ok(value.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn online_level_text_is_its_json() {
        crate::text_enum::assert_text_is_json(&OnlineLevel::ALL, OnlineLevel::as_str);
    }

    #[test]
    fn dates_and_texts_stay_within_sense() {
        assert!(check_value(&FieldKind::Date, "0001-01-01").is_err());
        assert!(check_value(&FieldKind::Date, "9999-12-31").is_err());
        assert_eq!(
            check_value(&FieldKind::Date, "20/11/2026").unwrap(),
            "2026-11-20"
        );
        let long = "a".repeat(MAX_TEXT_CHARS + 1);
        assert!(check_value(&FieldKind::Text { max_length: None }, &long).is_err());
        let fields = vec![field("ho_ten", FieldKind::Text { max_length: None }, true)];
        let raw: BTreeMap<String, String> = [
            ("ho_ten".to_owned(), long.clone()),
            ("khong_co".to_owned(), "x".repeat(1_500_000)),
        ]
        .into();
        let kept = draft_answers(&fields, &raw);
        assert_eq!(kept.len(), 1, "undeclared keys are dropped");
        assert_eq!(kept["ho_ten"].chars().count(), MAX_TEXT_CHARS);
    }

    fn field(key: &str, kind: FieldKind, required: bool) -> FormField {
        FormField {
            key: key.into(),
            label: key.into(),
            kind,
            required,
            prefill: None,
        }
    }

    #[test]
    fn answers_are_shown_in_form_order_with_vietnamese_dates() {
        let fields = vec![
            field("ten_tre", FieldKind::Text { max_length: None }, true),
            field("ngay_sinh", FieldKind::Date, true),
            field("cccd", FieldKind::CitizenId, true),
        ];
        let answers: Answers = [
            ("cccd".to_owned(), "038090000111".to_owned()),
            ("ngay_sinh".to_owned(), "2026-11-20".to_owned()),
            ("ten_tre".to_owned(), "Minh".to_owned()),
            ("cu".to_owned(), "giá trị cũ".to_owned()),
        ]
        .into();
        let shown = shown_answers(&fields, &answers);
        let keys: Vec<_> = shown.iter().map(|a| a.key.as_str()).collect();
        assert_eq!(keys, ["ten_tre", "ngay_sinh", "cccd", "cu"]);
        assert_eq!(shown[1].value, "20/11/2026");
        assert_eq!(display_date("không rõ"), "không rõ");
    }

    #[test]
    fn a_new_form_is_prefilled_from_what_the_account_knows() {
        let mut name = field("ho_ten", FieldKind::Text { max_length: None }, true);
        name.prefill = Some(ProfileFact::FullName);
        let mut phone = field("dien_thoai", FieldKind::Text { max_length: None }, false);
        phone.prefill = Some(ProfileFact::Phone);
        let child = field("ten_tre", FieldKind::Text { max_length: None }, true);
        let facts: BTreeMap<ProfileFact, String> = [
            (ProfileFact::FullName, "Nguyễn Văn An".to_owned()),
            (ProfileFact::Phone, " ".to_owned()),
        ]
        .into();
        let answers = prefill(&[name, phone, child], &facts);
        assert_eq!(
            answers.len(),
            1,
            "unknown or blank facts leave a field empty"
        );
        assert_eq!(answers["ho_ten"], "Nguyễn Văn An");
    }

    fn steps(budgets: &[u32]) -> Vec<Step> {
        let roles = ["one_stop_clerk", "specialist", "leader", "one_stop_clerk"];
        budgets
            .iter()
            .enumerate()
            .map(|(i, b)| Step {
                name: format!("b{i}"),
                role: roles[i % 4].into(),
                budget: WorkDuration::half_days(*b),
            })
            .collect()
    }

    #[test]
    fn step_budgets_must_add_up() {
        let fields = [field(
            "ho_ten",
            FieldKind::Text {
                max_length: Some(100),
            },
            true,
        )];
        assert!(check_definition(&fields, &steps(&[1, 4, 2, 1]), WorkDuration::days(4)).is_ok());
        assert!(matches!(
            check_definition(&fields, &steps(&[1, 4, 2]), WorkDuration::days(4)),
            Err(DefinitionError::BudgetMismatch { .. })
        ));
        assert_eq!(
            check_definition(&fields, &steps(&[4, 4]), WorkDuration::days(4)),
            Err(DefinitionError::TooFewSteps)
        );
        let dup = [fields[0].clone(), fields[0].clone()];
        assert!(matches!(
            check_definition(&dup, &steps(&[1, 4, 2, 1]), WorkDuration::days(4)),
            Err(DefinitionError::DuplicateField(_))
        ));
    }

    #[test]
    fn answers_are_checked_and_cleaned() {
        let fields = vec![
            field(
                "ho_ten",
                FieldKind::Text {
                    max_length: Some(10),
                },
                true,
            ),
            field("ngay_sinh", FieldKind::Date, true),
            field("cccd", FieldKind::CitizenId, false),
            field(
                "gioi_tinh",
                FieldKind::Choice {
                    options: vec!["Nam".into(), "Nữ".into()],
                },
                true,
            ),
            field(
                "so_ban",
                FieldKind::Number {
                    min: Some(1.0),
                    max: Some(10.0),
                },
                false,
            ),
            field("to_khai", FieldKind::File, true),
        ];
        let mut raw = BTreeMap::new();
        raw.insert("ho_ten".to_string(), " Lê Na ".to_string());
        raw.insert("ngay_sinh".to_string(), "05/01/2026".to_string());
        raw.insert("gioi_tinh".to_string(), "Nữ".to_string());
        let ok = check_answers(&fields, &raw).unwrap();
        assert_eq!(ok["ho_ten"], "Lê Na");
        assert_eq!(ok["ngay_sinh"], "2026-01-05");
        raw.insert("ngay_sinh".to_string(), "31/02/2026".to_string());
        raw.insert("cccd".to_string(), "123".to_string());
        raw.insert("gioi_tinh".to_string(), "Khác".to_string());
        raw.insert("so_ban".to_string(), "99".to_string());
        raw.remove("ho_ten");
        let keys: Vec<String> = check_answers(&fields, &raw)
            .unwrap_err()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys, ["ho_ten", "ngay_sinh", "cccd", "gioi_tinh", "so_ban"]);
    }

    #[test]
    fn definitions_round_trip_as_json() {
        let f = field(
            "gioi_tinh",
            FieldKind::Choice {
                options: vec!["Nam".into()],
            },
            true,
        );
        let json = serde_json::to_string(&f).unwrap();
        assert!(json.contains("\"type\":\"choice\""));
        assert_eq!(serde_json::from_str::<FormField>(&json).unwrap(), f);
    }
}
