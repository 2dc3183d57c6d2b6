//! The metadata a document must carry before it is issued or registered, with the lengths of
//! Decree 30/2020, Appendix VI, Part II (outgoing: section I; incoming: section II). Errors
//! name the field by its Appendix VI / edXML name (`Subject`, `SignerInfo.FullName`), so the
//! API reports them per field and pages put them next to the input.
//!
//! Which fields are mandatory is our reading of Art. 8.2 (the main components every document
//! has: number and notation, date, type and summary, signer, recipients) and of the registers'
//! columns (Art. 16, 22; STANDARDS.md §5); the Appendix gives types and lengths only.

use super::notation::{DocNumber, NotationError};
use chrono::NaiveDate;

/// `Subject` (trích yếu).
pub const MAX_SUBJECT_CHARS: usize = 500;
/// `OrganName`.
pub const MAX_ORGAN_NAME_CHARS: usize = 200;
/// `SignerInfo.Position`.
pub const MAX_POSITION_CHARS: usize = 100;
/// `SignerInfo.FullName`.
pub const MAX_FULL_NAME_CHARS: usize = 50;
/// `Description` (ghi chú).
pub const MAX_DESCRIPTION_CHARS: usize = 500;
/// `PageAmount` and `IssuedAmount` are 3-digit numbers.
pub const MAX_AMOUNT: u32 = 999;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    #[error("Thông tin này là bắt buộc.")]
    Required,
    #[error("Tối đa {0} ký tự.")]
    TooLong(usize),
    #[error("Số trang, số bản phải từ 1 đến 999.")]
    Amount,
    #[error("Văn bản phải có ít nhất một nơi nhận.")]
    NoRecipient,
    #[error("Ngày văn bản không thể sau ngày đến.")]
    IssuedAfterArrival,
    #[error(transparent)]
    Notation(#[from] NotationError),
}

/// A problem with one field, named as in Appendix VI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub error: MetadataError,
}

/// What an outgoing document must have before the clerk issues it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutgoingMetadata<'a> {
    pub subject: &'a str,
    pub signer_position: &'a str,
    pub signer_full_name: &'a str,
    /// Recipients (`To`), inside and outside the platform.
    pub recipients: usize,
    pub page_amount: u32,
    pub issued_amount: u32,
    pub description: &'a str,
}

/// What a clerk registering an incoming document must fill in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IncomingMetadata<'a> {
    /// The number and notation as printed (`CodeNumber` + `CodeNotation`).
    pub number: &'a str,
    /// The issuing agency as printed (`OrganName`).
    pub organ_name: &'a str,
    pub subject: &'a str,
    /// `IssuedDate`, the document's own date.
    pub issued_date: Option<NaiveDate>,
    /// `ArrivalDate`.
    pub arrival_date: NaiveDate,
    /// `PageAmount`, when known.
    pub page_amount: Option<u32>,
    pub description: &'a str,
}

struct Checker(Vec<FieldError>);

impl Checker {
    fn fail(&mut self, field: &'static str, error: MetadataError) {
        self.0.push(FieldError { field, error });
    }

    fn text(&mut self, field: &'static str, value: &str, required: bool, max: usize) {
        let value = value.trim();
        if required && value.is_empty() {
            self.fail(field, MetadataError::Required);
        } else if value.chars().count() > max {
            self.fail(field, MetadataError::TooLong(max));
        }
    }

    fn amount(&mut self, field: &'static str, value: u32) {
        if !(1..=MAX_AMOUNT).contains(&value) {
            self.fail(field, MetadataError::Amount);
        }
    }
}

/// Every problem of an outgoing document's metadata, in field order; empty when it may be
/// issued.
pub fn check_outgoing(m: &OutgoingMetadata<'_>) -> Vec<FieldError> {
    let mut c = Checker(Vec::new());
    c.text("Subject", m.subject, true, MAX_SUBJECT_CHARS);
    c.text(
        "SignerInfo.Position",
        m.signer_position,
        true,
        MAX_POSITION_CHARS,
    );
    c.text(
        "SignerInfo.FullName",
        m.signer_full_name,
        true,
        MAX_FULL_NAME_CHARS,
    );
    if m.recipients == 0 {
        c.fail("To", MetadataError::NoRecipient);
    }
    c.amount("PageAmount", m.page_amount);
    c.amount("IssuedAmount", m.issued_amount);
    c.text("Description", m.description, false, MAX_DESCRIPTION_CHARS);
    c.0
}

/// Every problem of an incoming registration, in field order, and the number read from it
/// when it is well formed.
pub fn check_incoming(m: &IncomingMetadata<'_>) -> (Option<DocNumber>, Vec<FieldError>) {
    let mut c = Checker(Vec::new());
    let number = match m.number.parse::<DocNumber>() {
        Ok(n) => Some(n),
        Err(NotationError::Empty) => {
            c.fail("CodeNumber", MetadataError::Required);
            None
        }
        Err(e) => {
            c.fail("CodeNumber", e.into());
            None
        }
    };
    c.text("OrganName", m.organ_name, true, MAX_ORGAN_NAME_CHARS);
    c.text("Subject", m.subject, true, MAX_SUBJECT_CHARS);
    match m.issued_date {
        None => c.fail("IssuedDate", MetadataError::Required),
        Some(d) if d > m.arrival_date => c.fail("IssuedDate", MetadataError::IssuedAfterArrival),
        Some(_) => {}
    }
    if let Some(pages) = m.page_amount {
        c.amount("PageAmount", pages);
    }
    c.text("Description", m.description, false, MAX_DESCRIPTION_CHARS);
    (number, c.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn outgoing() -> OutgoingMetadata<'static> {
        OutgoingMetadata {
            subject: "Về việc phê duyệt kế hoạch chuyển đổi số năm 2027",
            signer_position: "Phó Chủ tịch",
            signer_full_name: "Nguyễn Văn A",
            recipients: 3,
            page_amount: 2,
            issued_amount: 5,
            description: "",
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<&'static str> {
        errors.iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_complete_outgoing_document_passes() {
        assert!(check_outgoing(&outgoing()).is_empty());
    }

    #[test]
    fn every_missing_or_oversized_field_is_named() {
        let long = "a".repeat(501);
        let m = OutgoingMetadata {
            subject: "   ",
            signer_position: "",
            signer_full_name: &long,
            recipients: 0,
            page_amount: 0,
            issued_amount: 1_000,
            description: &long,
        };
        let errors = check_outgoing(&m);
        assert_eq!(
            fields(&errors),
            [
                "Subject",
                "SignerInfo.Position",
                "SignerInfo.FullName",
                "To",
                "PageAmount",
                "IssuedAmount",
                "Description"
            ]
        );
        assert_eq!(errors[0].error, MetadataError::Required);
        assert_eq!(errors[2].error, MetadataError::TooLong(50));
        assert_eq!(errors[2].error.to_string(), "Tối đa 50 ký tự.");
        assert_eq!(errors[3].error, MetadataError::NoRecipient);
        let exactly = "á".repeat(500);
        let m = OutgoingMetadata {
            subject: &exactly,
            ..outgoing()
        };
        assert!(check_outgoing(&m).is_empty());
    }

    #[test]
    fn incoming_registration() {
        let m = IncomingMetadata {
            number: "Số: 05/QĐ-UBND",
            organ_name: "Ủy ban nhân dân tỉnh Thanh Hóa",
            subject: "Về việc giao chỉ tiêu",
            issued_date: Some(day(2026, 11, 20)),
            arrival_date: day(2026, 11, 23),
            page_amount: Some(3),
            description: "",
        };
        let (number, errors) = check_incoming(&m);
        assert!(errors.is_empty());
        assert_eq!(number.unwrap().to_string(), "05/QĐ-UBND");

        let m = IncomingMetadata {
            number: "",
            organ_name: "",
            subject: "",
            issued_date: None,
            page_amount: Some(0),
            ..m
        };
        let (number, errors) = check_incoming(&m);
        assert!(number.is_none());
        assert_eq!(
            fields(&errors),
            [
                "CodeNumber",
                "OrganName",
                "Subject",
                "IssuedDate",
                "PageAmount"
            ]
        );
        assert!(
            errors[..4]
                .iter()
                .all(|e| e.error == MetadataError::Required)
        );
    }

    #[test]
    fn incoming_dates_and_numbers_are_checked() {
        let m = IncomingMetadata {
            number: "QĐ-UBND",
            organ_name: "Sở Tư pháp",
            subject: "Về việc",
            issued_date: Some(day(2026, 11, 24)),
            arrival_date: day(2026, 11, 23),
            page_amount: None,
            description: "",
        };
        let (_, errors) = check_incoming(&m);
        assert_eq!(
            errors,
            [
                FieldError {
                    field: "CodeNumber",
                    error: MetadataError::Notation(NotationError::Format)
                },
                FieldError {
                    field: "IssuedDate",
                    error: MetadataError::IssuedAfterArrival
                }
            ]
        );
        // A transparent notation error shows the notation's own message.
        assert_eq!(
            errors[0].error.to_string(),
            NotationError::Format.to_string()
        );
    }
}
