//! Number and notation (số, ký hiệu) of a document: `12/QĐ-UBND`, `45/UBND-VX`.
//!
//! Decree 30/2020, Appendix I, II.3: the number is the document's order among those the agency
//! issues in the year, in Arabic digits, with a leading zero below 10 (`05`); the notation is
//! the type's abbreviation and the issuer's (`QĐ-BNV`), or, for a công văn, the issuer's and
//! the drafting unit's or the field's (`BNV-VP`, `UBND-VX`); a slash between number and
//! notation, hyphens between the groups of the notation, no spaces. Abbreviations of the agency,
//! its units and fields are set by the head of the agency, short and clear, and the notation is
//! printed in capitals — except the type abbreviations, which Appendix III spells in mixed case
//! (`QyĐ`, `CTr`, `TTr`) and which are kept as spelled.
//!
//! Two directions, two strictnesses: what we issue is built from validated parts
//! ([`DocNumber::outgoing`]) and is always canonical; what we receive is read leniently
//! ([`DocNumber::from_str`]: `Số: 5 / QĐ – UBND`, a year segment as in normative documents
//! `15/2020/QĐ-UBND`, any letter case, other agencies' abbreviations such as `TTg`) and
//! written back canonically. Lengths follow Appendix VI: `CodeNumber` 11 characters,
//! `CodeNotation` 30.

use super::doc_type::{DocType, NotationForm};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Longest notation (`CodeNotation`, Decree 30/2020 Appendix VI).
pub const MAX_NOTATION_CHARS: usize = 30;
/// Longest abbreviation an agency may set for itself, a unit or a field. Our limit, so that
/// issuer + unit stay well within [`MAX_NOTATION_CHARS`].
pub const MAX_ABBREVIATION_CHARS: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotationError {
    #[error("Chưa nhập số, ký hiệu văn bản.")]
    Empty,
    #[error(
        "Số, ký hiệu văn bản có dạng 12/QĐ-UBND hoặc 45/UBND-VX: số, dấu gạch chéo (/), rồi các chữ viết tắt nối với nhau bằng dấu gạch nối (-)."
    )]
    Format,
    #[error("Số văn bản phải là số nguyên dương viết bằng chữ số, ví dụ 01, 15, 120.")]
    Number,
    #[error("Năm trong số, ký hiệu phải có 4 chữ số, ví dụ 15/2020/QĐ-UBND.")]
    Year,
    #[error(
        "Chỉ nghị quyết và quyết định mới có thể là văn bản quy phạm pháp luật của địa phương."
    )]
    NotNormative,
    #[error("Ký hiệu văn bản dài tối đa 30 ký tự.")]
    NotationTooLong,
    #[error(
        "“{0}” không phải nhóm chữ viết tắt hợp lệ trong ký hiệu văn bản: chỉ gồm chữ cái và chữ số."
    )]
    Segment(String),
    #[error("Chưa nhập chữ viết tắt.")]
    AbbreviationEmpty,
    #[error(
        "Chữ viết tắt “{0}” chỉ được gồm chữ cái in hoa tiếng Việt và chữ số, không có dấu cách hay dấu gạch."
    )]
    AbbreviationChars(String),
    #[error("Chữ viết tắt “{0}” dài quá 12 ký tự.")]
    AbbreviationTooLong(String),
    #[error(
        "Ký hiệu công văn gồm chữ viết tắt tên cơ quan ban hành và tên đơn vị soạn thảo, ví dụ UBND-VX: hãy chọn đơn vị soạn thảo."
    )]
    MissingUnit,
    #[error(
        "Ký hiệu của loại văn bản này chỉ gồm chữ viết tắt tên loại và tên cơ quan ban hành, ví dụ QĐ-UBND, không kèm đơn vị soạn thảo."
    )]
    UnexpectedUnit,
    #[error("Ký hiệu “{notation}” không khớp với loại văn bản {type_name}.")]
    TypeMismatch {
        notation: String,
        type_name: &'static str,
    },
}

/// The number as printed: at least two digits (`01`…`09`, then `10`, `120`).
pub fn pad_number(number: u32) -> String {
    format!("{number:02}")
}

/// Whether `c` is a letter of the Vietnamese alphabet (with or without marks, either case) or
/// of the Latin letters used in abbreviations (F, J, W, Z).
fn is_vietnamese_letter(c: char) -> bool {
    if c.is_ascii_alphabetic() {
        return true;
    }
    if !c.is_alphabetic() {
        return false;
    }
    let folded = crate::text::fold(c.encode_utf8(&mut [0; 4]));
    folded.len() == 1 && folded.bytes().all(|b| b.is_ascii_lowercase())
}

/// An abbreviation an agency sets for itself, one of its units or a field (Appendix I,
/// II.3.b): upper-case Vietnamese letters and digits, at least one letter, no spaces
/// (`UBND`, `VX`, `TTĐT`, `SNV`). Stored NFC.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Abbreviation(String);

impl Abbreviation {
    pub fn new(text: &str) -> Result<Self, NotationError> {
        let text = crate::text::normalize(text);
        if text.is_empty() {
            return Err(NotationError::AbbreviationEmpty);
        }
        let valid = text
            .chars()
            .all(|c| c.is_ascii_digit() || (is_vietnamese_letter(c) && !c.is_lowercase()))
            && text.chars().any(is_vietnamese_letter);
        if !valid {
            return Err(NotationError::AbbreviationChars(text));
        }
        if text.chars().count() > MAX_ABBREVIATION_CHARS {
            return Err(NotationError::AbbreviationTooLong(text));
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Abbreviation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Abbreviation {
    type Err = NotationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl TryFrom<String> for Abbreviation {
    type Error = NotationError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(&s)
    }
}

impl From<Abbreviation> for String {
    fn from(a: Abbreviation) -> String {
        a.0
    }
}

/// A notation (ký hiệu): groups of letters and digits joined by hyphens, `QĐ-UBND`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Notation {
    segments: Vec<String>,
}

impl Notation {
    /// The notation of a document of `doc_type` issued by `issuer`; `unit` is the drafting
    /// unit (or field), required for a công văn and refused for a typed document.
    pub fn for_type(
        doc_type: DocType,
        issuer: &Abbreviation,
        unit: Option<&Abbreviation>,
    ) -> Result<Self, NotationError> {
        let segments = match (doc_type.notation_form(), doc_type.abbreviation(), unit) {
            (NotationForm::TypeAndIssuer, Some(abbr), None) => {
                vec![abbr.to_owned(), issuer.to_string()]
            }
            (NotationForm::TypeAndIssuer, _, Some(_)) => {
                return Err(NotationError::UnexpectedUnit);
            }
            (NotationForm::IssuerAndUnit, _, Some(unit)) => {
                vec![issuer.to_string(), unit.to_string()]
            }
            (NotationForm::IssuerAndUnit, _, None) | (NotationForm::TypeAndIssuer, None, None) => {
                return Err(NotationError::MissingUnit);
            }
        };
        let notation = Self { segments };
        if notation.to_string().chars().count() > MAX_NOTATION_CHARS {
            return Err(NotationError::NotationTooLong);
        }
        Ok(notation)
    }

    /// The groups between hyphens.
    pub fn segments(&self) -> &[String] {
        &self.segments
    }

    /// The type the notation names in its first group (`QĐ-UBND` → quyết định, in any letter
    /// case), if any. A notation without a type abbreviation is a công văn's or a thư công's.
    pub fn doc_type(&self) -> Option<DocType> {
        self.segments
            .first()
            .and_then(|s| DocType::from_abbreviation_any_case(s))
    }

    /// Whether the notation fits a document of `doc_type` (checked when a clerk registers
    /// an incoming document with its type, and on every document we issue).
    pub fn check_for(&self, doc_type: DocType) -> Result<(), NotationError> {
        let fits = match doc_type.notation_form() {
            NotationForm::TypeAndIssuer => {
                self.segments.len() >= 2 && self.doc_type() == Some(doc_type)
            }
            NotationForm::IssuerAndUnit => self.segments.len() >= 2 && self.doc_type().is_none(),
        };
        if fits {
            Ok(())
        } else {
            Err(NotationError::TypeMismatch {
                notation: self.to_string(),
                type_name: doc_type.name_vi(),
            })
        }
    }
}

impl fmt::Display for Notation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.segments.join("-"))
    }
}

impl FromStr for Notation {
    type Err = NotationError;

    /// Reads a notation leniently: spaces dropped, dashes of any kind taken as hyphens, any
    /// letter case kept as written.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let cleaned = clean(s);
        if cleaned.is_empty() {
            return Err(NotationError::Empty);
        }
        if cleaned.chars().count() > MAX_NOTATION_CHARS {
            return Err(NotationError::NotationTooLong);
        }
        let segments: Vec<String> = cleaned.split('-').map(str::to_owned).collect();
        for segment in &segments {
            let valid = !segment.is_empty()
                && segment
                    .chars()
                    .all(|c| c.is_ascii_digit() || is_vietnamese_letter(c));
            if !valid {
                return Err(if segment.is_empty() {
                    NotationError::Format
                } else {
                    NotationError::Segment(segment.clone())
                });
            }
        }
        Ok(Self { segments })
    }
}

/// NFC, no whitespace, every dash a hyphen-minus.
fn clean(s: &str) -> String {
    crate::text::normalize(s)
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2212}' => '-',
            other => other,
        })
        .collect()
}

/// A document's number and notation: `12/QĐ-UBND`; for normative documents received from
/// elsewhere, with the year between them (`15/2020/QĐ-UBND`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DocNumber {
    /// From 1; printed with at least two digits.
    pub number: u32,
    /// The year group of normative documents; never set on what we issue (administrative
    /// documents carry no year in their notation).
    pub year: Option<i32>,
    pub notation: Notation,
}

impl DocNumber {
    /// The number and notation of a document we issue.
    pub fn outgoing(
        doc_type: DocType,
        number: u32,
        issuer: &Abbreviation,
        unit: Option<&Abbreviation>,
    ) -> Result<Self, NotationError> {
        if number == 0 {
            return Err(NotationError::Number);
        }
        Ok(Self {
            number,
            year: None,
            notation: Notation::for_type(doc_type, issuer, unit)?,
        })
    }

    /// The number of a legal normative document: number, year, type and issuer,
    /// `15/2026/QĐ-UBND` (the form of the Law on the Promulgation of Legal Documents, not of
    /// Decree 30). Locally only the people's council's resolutions and the people's committee's
    /// decisions are normative.
    pub fn legal_normative(
        doc_type: DocType,
        number: u32,
        year: i32,
        issuer: &Abbreviation,
    ) -> Result<Self, NotationError> {
        if !matches!(doc_type, DocType::Resolution | DocType::Decision) {
            return Err(NotationError::NotNormative);
        }
        if !(1000..=9999).contains(&year) {
            return Err(NotationError::Year);
        }
        let mut n = Self::outgoing(doc_type, number, issuer, None)?;
        n.year = Some(year);
        Ok(n)
    }

    /// `CodeNumber` of edXML and Appendix VI: the number as printed (`05`).
    pub fn code_number(&self) -> String {
        pad_number(self.number)
    }

    /// `CodeNotation` of edXML and Appendix VI: the notation, after the year group when there
    /// is one (`2020/QĐ-UBND`; where the year goes in `CodeNotation` is our reading).
    pub fn code_notation(&self) -> String {
        match self.year {
            Some(year) => format!("{year}/{}", self.notation),
            None => self.notation.to_string(),
        }
    }
}

impl fmt::Display for DocNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", pad_number(self.number), self.code_notation())
    }
}

impl FromStr for DocNumber {
    type Err = NotationError;

    /// Reads a number and notation as clerks type them or as other agencies print them:
    /// an optional leading "Số:", spaces anywhere, any dash, `5` or `05`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut text = clean(s);
        if let Some((head, rest)) = text.split_once(':')
            && crate::text::fold(head) == "so"
        {
            text = rest.to_owned();
        }
        if text.is_empty() {
            return Err(NotationError::Empty);
        }
        let parts: Vec<&str> = text.split('/').collect();
        let (number, year, notation) = match parts.as_slice() {
            [number, notation] => (*number, None, *notation),
            [number, year, notation] => (*number, Some(*year), *notation),
            _ => return Err(NotationError::Format),
        };
        if number.is_empty() || notation.is_empty() {
            return Err(NotationError::Format);
        }
        if !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NotationError::Number);
        }
        let number: u32 = number
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or(NotationError::Number)?;
        let year = match year {
            None => None,
            Some(y) if y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()) => {
                Some(y.parse().map_err(|_| NotationError::Year)?)
            }
            Some(_) => return Err(NotationError::Year),
        };
        Ok(Self {
            number,
            year,
            notation: notation.parse()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn abbr(s: &str) -> Abbreviation {
        Abbreviation::new(s).unwrap()
    }

    #[test]
    fn numbers_have_at_least_two_digits() {
        assert_eq!(pad_number(1), "01");
        assert_eq!(pad_number(9), "09");
        assert_eq!(pad_number(10), "10");
        assert_eq!(pad_number(120), "120");
        assert_eq!(pad_number(4_294_967_295), "4294967295");
    }

    #[test]
    fn abbreviations_are_upper_case_vietnamese_letters_and_digits() {
        for ok in [
            "UBND", "VX", "TTĐT", "SNV", "VPCP", "ƯB", "HĐND", "K54", "A",
        ] {
            assert_eq!(abbr(ok).as_str(), ok);
        }
        assert_eq!(abbr("  UBND ").as_str(), "UBND");
        assert_eq!(Abbreviation::new(""), Err(NotationError::AbbreviationEmpty));
        for bad in [
            "ubnd", "Ubnd", "UB ND", "UB-ND", "UB/ND", "123", "UB.ND", "ЖК", "Đ!",
        ] {
            assert!(
                matches!(
                    Abbreviation::new(bad),
                    Err(NotationError::AbbreviationChars(_))
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            Abbreviation::new("ABCDEFGHIJKLM"),
            Err(NotationError::AbbreviationTooLong(_))
        ));
        // Decomposed input is stored composed.
        assert_eq!(abbr("U\u{31B}B").as_str(), "ƯB");
    }

    #[test]
    fn outgoing_numbers_follow_appendix_i() {
        let ubnd = abbr("UBND");
        let n = DocNumber::outgoing(DocType::Decision, 12, &ubnd, None).unwrap();
        assert_eq!(n.to_string(), "12/QĐ-UBND");
        let n = DocNumber::outgoing(DocType::Decision, 5, &abbr("BNV"), None).unwrap();
        assert_eq!(n.to_string(), "05/QĐ-BNV");
        assert_eq!(n.code_number(), "05");
        assert_eq!(n.code_notation(), "QĐ-BNV");
        let cv = DocNumber::outgoing(DocType::OfficialLetter, 45, &ubnd, Some(&abbr("VX")));
        assert_eq!(cv.unwrap().to_string(), "45/UBND-VX");
        let tt = DocNumber::outgoing(DocType::Submission, 3, &ubnd, None).unwrap();
        assert_eq!(tt.to_string(), "03/TTr-UBND");
        assert_eq!(
            DocNumber::outgoing(DocType::OfficialLetter, 45, &ubnd, None),
            Err(NotationError::MissingUnit)
        );
        assert_eq!(
            DocNumber::outgoing(DocType::PublicLetter, 2, &ubnd, None),
            Err(NotationError::MissingUnit)
        );
        assert_eq!(
            DocNumber::outgoing(DocType::Decision, 12, &ubnd, Some(&abbr("VX"))),
            Err(NotationError::UnexpectedUnit)
        );
        assert_eq!(
            DocNumber::outgoing(DocType::Decision, 0, &ubnd, None),
            Err(NotationError::Number)
        );
        let long = abbr("ABCDEFGHIJKL");
        assert_eq!(
            DocNumber::outgoing(DocType::OfficialLetter, 1, &long, Some(&long))
                .unwrap()
                .to_string()
                .len(),
            28
        );
    }

    #[test]
    fn legal_normative_numbers_carry_their_year() {
        let ubnd = abbr("UBND");
        let n = DocNumber::legal_normative(DocType::Decision, 15, 2026, &ubnd).unwrap();
        assert_eq!(n.to_string(), "15/2026/QĐ-UBND");
        assert_eq!(n.to_string().parse::<DocNumber>().unwrap(), n);
        let nq = DocNumber::legal_normative(DocType::Resolution, 3, 2026, &abbr("HĐND"));
        assert_eq!(nq.unwrap().to_string(), "03/2026/NQ-HĐND");
        assert_eq!(
            DocNumber::legal_normative(DocType::Plan, 1, 2026, &ubnd),
            Err(NotationError::NotNormative)
        );
        assert_eq!(
            DocNumber::legal_normative(DocType::Decision, 1, 26, &ubnd),
            Err(NotationError::Year)
        );
    }

    #[test]
    fn every_issued_number_reads_back_as_itself() {
        let ubnd = abbr("UBND");
        let vx = abbr("VX");
        for t in DocType::ALL {
            let unit = (t.abbreviation().is_none()).then_some(&vx);
            for number in [1, 9, 10, 99, 100, 12_345] {
                let n = DocNumber::outgoing(t, number, &ubnd, unit).unwrap();
                let back: DocNumber = n.to_string().parse().unwrap();
                assert_eq!(back, n);
                assert_eq!(back.notation.check_for(t), Ok(()), "{n}");
                if t.abbreviation().is_some() {
                    assert_eq!(back.notation.doc_type(), Some(t));
                }
            }
        }
    }

    #[test]
    fn received_numbers_are_read_leniently() {
        let n: DocNumber = "Số: 5 / QĐ – UBND".parse().unwrap();
        assert_eq!(n.to_string(), "05/QĐ-UBND");
        let n: DocNumber = "số:15/QĐ-BNV".parse().unwrap();
        assert_eq!(n.number, 15);
        let n: DocNumber = "7816/VPCP-TTĐT".parse().unwrap();
        assert_eq!(n.notation.doc_type(), None);
        assert_eq!(n.notation.check_for(DocType::OfficialLetter), Ok(()));
        let n: DocNumber = "15/2020/QĐ-UBND".parse().unwrap();
        assert_eq!((n.number, n.year), (15, Some(2020)));
        assert_eq!(n.code_notation(), "2020/QĐ-UBND");
        assert_eq!(n.to_string(), "15/2020/QĐ-UBND");
        let n: DocNumber = "30/2020/NĐ-CP".parse().unwrap();
        assert_eq!(n.notation.segments(), ["NĐ", "CP"]);
        let n: DocNumber = "1234/QĐ-TTg".parse().unwrap();
        assert_eq!(n.notation.to_string(), "QĐ-TTg");
        let n: DocNumber = "005/BC-UBND".parse().unwrap();
        assert_eq!(n.to_string(), "05/BC-UBND");
    }

    #[test]
    fn malformed_numbers_say_what_is_wrong() {
        assert_eq!("".parse::<DocNumber>(), Err(NotationError::Empty));
        assert_eq!("  Số: ".parse::<DocNumber>(), Err(NotationError::Empty));
        assert_eq!("QĐ-UBND".parse::<DocNumber>(), Err(NotationError::Format));
        assert_eq!("12/".parse::<DocNumber>(), Err(NotationError::Format));
        assert_eq!("/QĐ-UBND".parse::<DocNumber>(), Err(NotationError::Format));
        assert_eq!("1/2/3/4".parse::<DocNumber>(), Err(NotationError::Format));
        assert_eq!("0/QĐ-UBND".parse::<DocNumber>(), Err(NotationError::Number));
        assert_eq!(
            "00/QĐ-UBND".parse::<DocNumber>(),
            Err(NotationError::Number)
        );
        assert_eq!(
            "1a/QĐ-UBND".parse::<DocNumber>(),
            Err(NotationError::Number)
        );
        assert_eq!(
            "99999999999/QĐ-UBND".parse::<DocNumber>(),
            Err(NotationError::Number)
        );
        assert_eq!(
            "15/20/QĐ-UBND".parse::<DocNumber>(),
            Err(NotationError::Year)
        );
        assert_eq!(
            "12/QĐ--UBND".parse::<DocNumber>(),
            Err(NotationError::Format)
        );
        assert_eq!(
            "12/QĐ-UBND-".parse::<DocNumber>(),
            Err(NotationError::Format)
        );
        assert_eq!(
            "12/QĐ-UB.ND".parse::<DocNumber>(),
            Err(NotationError::Segment("UB.ND".into()))
        );
        assert_eq!(
            format!("12/{}", "A".repeat(31)).parse::<DocNumber>(),
            Err(NotationError::NotationTooLong)
        );
    }

    #[test]
    fn notation_must_match_the_declared_type() {
        let n: DocNumber = "12/QĐ-UBND".parse().unwrap();
        assert_eq!(n.notation.check_for(DocType::Decision), Ok(()));
        let err = n.notation.check_for(DocType::Report).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Ký hiệu “QĐ-UBND” không khớp với loại văn bản Báo cáo."
        );
        assert!(n.notation.check_for(DocType::OfficialLetter).is_err());
        let cv: DocNumber = "45/UBND-VX".parse().unwrap();
        assert!(cv.notation.check_for(DocType::Decision).is_err());
        // Received in lower case, still a decision; HD and HĐ are different types.
        let lower: DocNumber = "12/qđ-ubnd".parse().unwrap();
        assert_eq!(lower.notation.check_for(DocType::Decision), Ok(()));
        let hd: Notation = "HD-UBND".parse().unwrap();
        assert_eq!(hd.doc_type(), Some(DocType::Guidance));
        assert!(hd.check_for(DocType::Contract).is_err());
        let lone: Notation = "UBND".parse().unwrap();
        assert!(lone.check_for(DocType::OfficialLetter).is_err());
    }

    #[test]
    fn messages_are_for_a_clerk() {
        assert_eq!(
            NotationError::AbbreviationChars("ub nd".into()).to_string(),
            "Chữ viết tắt “ub nd” chỉ được gồm chữ cái in hoa tiếng Việt và chữ số, không có dấu cách hay dấu gạch."
        );
        assert!(NotationError::Format.to_string().contains("12/QĐ-UBND"));
    }

    #[test]
    fn abbreviation_serde_validates() {
        let a: Abbreviation = serde_json::from_value("VX".into()).unwrap();
        assert_eq!(serde_json::to_value(&a).unwrap(), "VX");
        assert!(serde_json::from_value::<Abbreviation>("vx".into()).is_err());
    }

    proptest! {
        #[test]
        fn parser_never_panics(s in "\\PC{0,40}") {
            let _ = s.parse::<DocNumber>();
            let _ = Abbreviation::new(&s);
        }

        #[test]
        fn canonical_text_is_a_fixed_point(number in 1u32..100_000, issuer in "[A-ZĐ]{1,6}", unit in "[A-Z]{1,4}") {
            let n = DocNumber::outgoing(DocType::OfficialLetter, number, &abbr(&issuer), Some(&abbr(&unit))).unwrap();
            let text = n.to_string();
            prop_assert_eq!(text.parse::<DocNumber>().unwrap().to_string(), text);
        }
    }
}
