//! Which sequence numbers a document, and the checks a register must pass. The store
//! allocates numbers atomically later; here is only what a number is drawn from.
//!
//! Decree 30/2020, Art. 15.1: numbers follow the order of issue within the calendar year,
//! from 01 on 1 January to 31 December, and a number and notation are unique within the year.
//! Separate sequences where the Decree requires them:
//! - each type of legal normative document (Art. 15.1.a): [`SequenceKind::LegalNormative`]
//!   (locally, the council's resolutions and the committee's decisions);
//! - secret documents (Art. 15.2) — refused by the platform altogether
//!   ([`super::marks::refuse_secret`]);
//! - advisory bodies (councils, boards, teams) issuing under the agency's seal (Appendix I,
//!   II.3.a): [`SequenceKind::AdvisoryBody`];
//! - copies (sao y, sao lục, trích sao), one sequence for all kinds (Appendix I, Part II,
//!   II.1.c): [`SequenceKind::Copies`];
//! - incoming documents, whose arrival numbers run per year across paper and electronic
//!   documents (Art. 22.2): [`SequenceKind::Arrival`].
//!
//! For administrative documents the head of the agency decides (Art. 15.1.c): one shared
//! sequence by default, or some types on their own ([`NumberingPolicy`]). Since a notation
//! names its type, a per-type sequence still gives unique number-and-notation pairs.

use super::doc_type::DocType;
use super::notation::Abbreviation;
use crate::agency_code::AgencyCode;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A sequence of numbers within an agency's year.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SequenceKind {
    /// The administrative documents that share one sequence (the default for every type).
    General,
    /// A type the agency numbers on its own.
    Type(DocType),
    /// Legal normative documents of one type (Art. 15.1.a), e.g. a people's committee's
    /// normative decisions, `15/2026/QĐ-UBND`.
    LegalNormative(DocType),
    /// An advisory body issuing under the agency's seal, named by its abbreviation.
    AdvisoryBody(Abbreviation),
    /// Copies of every kind.
    Copies,
    /// Arrival numbers of incoming documents.
    Arrival,
}

impl SequenceKind {
    /// A stable text for counter names: `general`, `type:decision`, `legal:decision`,
    /// `advisory:HĐTĐ`, `copies`, `arrival`.
    pub fn key(&self) -> String {
        match self {
            SequenceKind::General => "general".into(),
            SequenceKind::Type(t) => format!("type:{t}"),
            SequenceKind::LegalNormative(t) => format!("legal:{t}"),
            SequenceKind::AdvisoryBody(a) => format!("advisory:{a}"),
            SequenceKind::Copies => "copies".into(),
            SequenceKind::Arrival => "arrival".into(),
        }
    }
}

/// The head of the agency's choice of sequences (Art. 15.1.c). The default numbers every
/// administrative document in one sequence.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberingPolicy {
    /// Types numbered on their own, each in its own sequence.
    pub separate_types: Vec<DocType>,
}

impl NumberingPolicy {
    /// The sequence a document of `doc_type` draws its number from.
    pub fn sequence_for(&self, doc_type: DocType) -> SequenceKind {
        if self.separate_types.contains(&doc_type) {
            SequenceKind::Type(doc_type)
        } else {
            SequenceKind::General
        }
    }
}

/// The sequence a document of `doc_type` draws its number from under `policy`.
pub fn sequence_for(doc_type: DocType, policy: &NumberingPolicy) -> SequenceKind {
    policy.sequence_for(doc_type)
}

/// One counter: an agency's sequence in a calendar year. Numbers restart at 1 each year.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NumberingKey {
    pub agency: AgencyCode,
    pub year: i32,
    pub sequence: SequenceKind,
}

impl NumberingKey {
    /// The counter numbering a document of `doc_type` issued on `issued_on` (Vietnam local
    /// date) by `agency`.
    pub fn for_document(
        agency: AgencyCode,
        issued_on: NaiveDate,
        doc_type: DocType,
        policy: &NumberingPolicy,
    ) -> Self {
        Self {
            agency,
            year: issued_on.year(),
            sequence: policy.sequence_for(doc_type),
        }
    }

    /// The counter numbering a legal normative document of `doc_type` issued on `issued_on`.
    pub fn for_legal_normative(
        agency: AgencyCode,
        issued_on: NaiveDate,
        doc_type: DocType,
    ) -> Self {
        Self {
            agency,
            year: issued_on.year(),
            sequence: SequenceKind::LegalNormative(doc_type),
        }
    }

    /// The counter of arrival numbers for a document received on `received_on`.
    pub fn for_arrival(agency: AgencyCode, received_on: NaiveDate) -> Self {
        Self {
            agency,
            year: received_on.year(),
            sequence: SequenceKind::Arrival,
        }
    }

    /// The counter's name, unique per agency, year and sequence:
    /// `official_doc:000.00.00.H56:2026:administrative`.
    pub fn name(&self) -> String {
        format!(
            "official_doc:{}:{}:{}",
            self.agency,
            self.year,
            self.sequence.key()
        )
    }
}

impl fmt::Display for NumberingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// The number after `last` in a sequence (`None`: the year's first, 1), printed with
/// [`super::notation::pad_number`].
pub fn next_number(last: Option<u32>) -> Option<u32> {
    match last {
        None => Some(1),
        Some(n) => n.checked_add(1),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegisterError {
    #[error("Sổ văn bản thiếu số: sau số {after} là số {next}.")]
    Gap { after: u32, next: u32 },
    #[error("Số {0} được cấp hai lần trong cùng một sổ văn bản.")]
    Duplicate(u32),
}

/// Checks the numbers of one sequence (in any order): 1, 2, 3… with no gap and no number twice,
/// as Art. 15.1 and 22.2 require. Reports the first problem in number order.
pub fn check_register(numbers: &[u32]) -> Result<(), RegisterError> {
    let mut sorted = numbers.to_vec();
    sorted.sort_unstable();
    let mut last = 0;
    for n in sorted {
        if n == last && n != 0 {
            return Err(RegisterError::Duplicate(n));
        }
        if n != last + 1 {
            return Err(RegisterError::Gap {
                after: last,
                next: n,
            });
        }
        last = n;
    }
    Ok(())
}

text_enum! {
    /// A copy's kind (Art. 25; abbreviations of Appendix III).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum CopyKind {
        /// Sao y, SY: a faithful copy of the original.
        Exact = "exact",
        /// Sao lục, SL: a copy made from a sao y.
        Transcript = "transcript",
        /// Trích sao, TrS: an extract.
        Extract = "extract",
    }
}

impl CopyKind {
    pub fn abbreviation(self) -> &'static str {
        match self {
            CopyKind::Exact => "SY",
            CopyKind::Transcript => "SL",
            CopyKind::Extract => "TrS",
        }
    }

    /// The words printed on the copy: `SAO Y`, `SAO LỤC`, `TRÍCH SAO`.
    pub fn mark(self) -> &'static str {
        match self {
            CopyKind::Exact => "SAO Y",
            CopyKind::Transcript => "SAO LỤC",
            CopyKind::Extract => "TRÍCH SAO",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h56() -> AgencyCode {
        "000.00.00.H56".parse().unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn one_shared_sequence_by_default() {
        let policy = NumberingPolicy::default();
        for t in DocType::ALL {
            assert_eq!(sequence_for(t, &policy), SequenceKind::General);
        }
        let key = NumberingKey::for_document(h56(), day(2026, 3, 5), DocType::Decision, &policy);
        assert_eq!(key.name(), "official_doc:000.00.00.H56:2026:general");
        assert_eq!(
            key,
            NumberingKey::for_document(h56(), day(2026, 12, 31), DocType::OfficialLetter, &policy)
        );
    }

    #[test]
    fn the_head_may_give_some_types_their_own_sequence() {
        let policy = NumberingPolicy {
            separate_types: vec![DocType::Decision, DocType::OfficialLetter],
        };
        assert_eq!(
            sequence_for(DocType::Decision, &policy),
            SequenceKind::Type(DocType::Decision)
        );
        assert_eq!(
            sequence_for(DocType::Report, &policy),
            SequenceKind::General
        );
        let key = NumberingKey::for_document(h56(), day(2026, 1, 1), DocType::Decision, &policy);
        assert_eq!(
            key.to_string(),
            "official_doc:000.00.00.H56:2026:type:decision"
        );
    }

    #[test]
    fn sequences_restart_each_calendar_year_and_differ_by_agency() {
        let policy = NumberingPolicy::default();
        let dec31 = NumberingKey::for_document(h56(), day(2025, 12, 31), DocType::Plan, &policy);
        let jan1 = NumberingKey::for_document(h56(), day(2026, 1, 1), DocType::Plan, &policy);
        assert_ne!(dec31.name(), jan1.name());
        let other: AgencyCode = "000.00.14.H56".parse().unwrap();
        let other = NumberingKey::for_document(other, day(2026, 1, 1), DocType::Plan, &policy);
        assert_ne!(other.name(), jan1.name());
        let legal = NumberingKey::for_legal_normative(h56(), day(2026, 1, 1), DocType::Decision);
        assert_eq!(
            legal.name(),
            "official_doc:000.00.00.H56:2026:legal:decision"
        );
        assert_ne!(legal.name(), jan1.name());
        let arrival = NumberingKey::for_arrival(h56(), day(2026, 1, 1));
        assert_eq!(arrival.name(), "official_doc:000.00.00.H56:2026:arrival");
    }

    #[test]
    fn separate_sequences_have_distinct_names() {
        let kinds = [
            SequenceKind::General,
            SequenceKind::Type(DocType::Decision),
            SequenceKind::Type(DocType::Directive),
            SequenceKind::LegalNormative(DocType::Decision),
            SequenceKind::AdvisoryBody(Abbreviation::new("HĐTĐ").unwrap()),
            SequenceKind::Copies,
            SequenceKind::Arrival,
        ];
        let keys: std::collections::HashSet<String> = kinds.iter().map(|k| k.key()).collect();
        assert_eq!(keys.len(), kinds.len());
        assert!(keys.contains("advisory:HĐTĐ"));
    }

    #[test]
    fn next_numbers() {
        assert_eq!(next_number(None), Some(1));
        assert_eq!(next_number(Some(9)), Some(10));
        assert_eq!(next_number(Some(u32::MAX)), None);
        assert_eq!(
            crate::official_doc::notation::pad_number(next_number(None).unwrap()),
            "01"
        );
    }

    #[test]
    fn registers_have_no_gap_and_no_duplicate() {
        assert_eq!(check_register(&[]), Ok(()));
        assert_eq!(check_register(&[3, 1, 2]), Ok(()));
        assert_eq!(
            check_register(&[2, 3]),
            Err(RegisterError::Gap { after: 0, next: 2 })
        );
        assert_eq!(
            check_register(&[1, 2, 4]),
            Err(RegisterError::Gap { after: 2, next: 4 })
        );
        assert_eq!(
            check_register(&[1, 2, 2, 3]),
            Err(RegisterError::Duplicate(2))
        );
        assert_eq!(
            check_register(&[0, 1]),
            Err(RegisterError::Gap { after: 0, next: 0 })
        );
        assert_eq!(
            RegisterError::Gap { after: 2, next: 4 }.to_string(),
            "Sổ văn bản thiếu số: sau số 2 là số 4."
        );
    }

    #[test]
    fn copies() {
        assert_eq!(CopyKind::Exact.abbreviation(), "SY");
        assert_eq!(CopyKind::Extract.abbreviation(), "TrS");
        assert_eq!(CopyKind::Transcript.mark(), "SAO LỤC");
        crate::text_enum::assert_text_is_json(&CopyKind::ALL, CopyKind::as_str);
    }

    #[test]
    fn sequence_kind_json() {
        assert_eq!(
            serde_json::to_value(SequenceKind::Type(DocType::Decision)).unwrap(),
            serde_json::json!({"type": "decision"})
        );
        assert_eq!(
            serde_json::to_value(SequenceKind::General).unwrap(),
            "general"
        );
    }
}
