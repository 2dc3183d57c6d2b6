//! The 29 administrative document types (văn bản hành chính) of Decree 30/2020, Art. 7, with the
//! abbreviations of its Appendix III, section I.
//!
//! Appendix III's table has 27 abbreviations: công văn and thư công have none. A công văn's
//! notation is the issuer's abbreviation and the drafting unit's (`45/UBND-VX`, Appendix I,
//! II.3.b); the Appendix gives no notation rule for a thư công, and we number it like a công
//! văn (our reading, see [`DocType::notation_form`]). The same table lists the copy kinds
//! (SY, TrS, SL), which are not document types: see [`crate::official_doc::numbering`].
//! Legal normative documents (văn bản quy phạm pháp luật) are outside these 29 types.

use serde::{Deserialize, Serialize};

text_enum! {
    /// An administrative document type, in the order of Decree 30/2020, Art. 7.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum DocType {
        /// Nghị quyết (cá biệt), NQ: an individual resolution, not a normative one.
        Resolution = "resolution",
        /// Quyết định (cá biệt), QĐ: an individual decision, not a normative one.
        Decision = "decision",
        /// Chỉ thị, CT.
        Directive = "directive",
        /// Quy chế, QC.
        Statute = "statute",
        /// Quy định, QyĐ.
        Regulation = "regulation",
        /// Thông cáo, TC.
        Communique = "communique",
        /// Thông báo, TB.
        Notice = "notice",
        /// Hướng dẫn, HD.
        Guidance = "guidance",
        /// Chương trình, CTr.
        Programme = "programme",
        /// Kế hoạch, KH.
        Plan = "plan",
        /// Phương án, PA.
        ActionPlan = "action_plan",
        /// Đề án, ĐA.
        Scheme = "scheme",
        /// Dự án, DA.
        Project = "project",
        /// Báo cáo, BC.
        Report = "report",
        /// Biên bản, BB.
        Minutes = "minutes",
        /// Tờ trình, TTr.
        Submission = "submission",
        /// Hợp đồng, HĐ.
        Contract = "contract",
        /// Công văn: no abbreviation; notation = issuer + drafting unit.
        OfficialLetter = "official_letter",
        /// Công điện, CĐ.
        Telegram = "telegram",
        /// Bản ghi nhớ, BGN.
        Memorandum = "memorandum",
        /// Bản thỏa thuận, BTT.
        Agreement = "agreement",
        /// Giấy ủy quyền, GUQ.
        PowerOfAttorney = "power_of_attorney",
        /// Giấy mời, GM.
        Invitation = "invitation",
        /// Giấy giới thiệu, GGT.
        IntroductionLetter = "introduction_letter",
        /// Giấy nghỉ phép, GNP.
        LeavePermit = "leave_permit",
        /// Phiếu gửi, PG.
        DispatchSlip = "dispatch_slip",
        /// Phiếu chuyển, PC.
        TransferSlip = "transfer_slip",
        /// Phiếu báo, PB.
        NotificationSlip = "notification_slip",
        /// Thư công: no abbreviation in Appendix III.
        PublicLetter = "public_letter",
    }
}

/// How a type's notation (ký hiệu) is built (Decree 30/2020, Appendix I, II.3.b).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotationForm {
    /// Type abbreviation + issuer abbreviation: `QĐ-UBND`, `CĐ-UBND`.
    TypeAndIssuer,
    /// Issuer abbreviation + drafting unit (or field) abbreviation: `UBND-VX`.
    IssuerAndUnit,
}

impl DocType {
    /// The position in Decree 30/2020, Art. 7 (1 to 29), for registers and reports that list
    /// types in the Decree's order.
    pub fn ordinal(self) -> u8 {
        // ALL is declared in the Decree's order and has 29 entries.
        Self::ALL.iter().position(|t| *t == self).unwrap_or(0) as u8 + 1
    }

    /// The Vietnamese name as written in lists and registers ("Quyết định"); the title printed
    /// on the document is its upper-case form.
    pub fn name_vi(self) -> &'static str {
        use DocType::*;
        match self {
            Resolution => "Nghị quyết",
            Decision => "Quyết định",
            Directive => "Chỉ thị",
            Statute => "Quy chế",
            Regulation => "Quy định",
            Communique => "Thông cáo",
            Notice => "Thông báo",
            Guidance => "Hướng dẫn",
            Programme => "Chương trình",
            Plan => "Kế hoạch",
            ActionPlan => "Phương án",
            Scheme => "Đề án",
            Project => "Dự án",
            Report => "Báo cáo",
            Minutes => "Biên bản",
            Submission => "Tờ trình",
            Contract => "Hợp đồng",
            OfficialLetter => "Công văn",
            Telegram => "Công điện",
            Memorandum => "Bản ghi nhớ",
            Agreement => "Bản thỏa thuận",
            PowerOfAttorney => "Giấy ủy quyền",
            Invitation => "Giấy mời",
            IntroductionLetter => "Giấy giới thiệu",
            LeavePermit => "Giấy nghỉ phép",
            DispatchSlip => "Phiếu gửi",
            TransferSlip => "Phiếu chuyển",
            NotificationSlip => "Phiếu báo",
            PublicLetter => "Thư công",
        }
    }

    /// The abbreviation of Appendix III (`QĐ`, `QyĐ`, `TTr`), or `None` for công văn and thư
    /// công. The mixed case is the Appendix's own spelling and is kept as such in notations.
    pub fn abbreviation(self) -> Option<&'static str> {
        use DocType::*;
        Some(match self {
            Resolution => "NQ",
            Decision => "QĐ",
            Directive => "CT",
            Statute => "QC",
            Regulation => "QyĐ",
            Communique => "TC",
            Notice => "TB",
            Guidance => "HD",
            Programme => "CTr",
            Plan => "KH",
            ActionPlan => "PA",
            Scheme => "ĐA",
            Project => "DA",
            Report => "BC",
            Minutes => "BB",
            Submission => "TTr",
            Contract => "HĐ",
            Telegram => "CĐ",
            Memorandum => "BGN",
            Agreement => "BTT",
            PowerOfAttorney => "GUQ",
            Invitation => "GM",
            IntroductionLetter => "GGT",
            LeavePermit => "GNP",
            DispatchSlip => "PG",
            TransferSlip => "PC",
            NotificationSlip => "PB",
            OfficialLetter | PublicLetter => return None,
        })
    }

    /// The type whose abbreviation is exactly `abbreviation` (case matters: `DA` is a dự án,
    /// `ĐA` an đề án). Input is NFC-normalised first, so a decomposed `Đ` still matches.
    pub fn from_abbreviation(abbreviation: &str) -> Option<DocType> {
        let nfc = crate::text::normalize(abbreviation);
        Self::ALL
            .into_iter()
            .find(|t| t.abbreviation() == Some(nfc.as_str()))
    }

    /// The type whose abbreviation is `abbreviation` in any letter case (`qđ`, `QYĐ`, `TTR`),
    /// as other agencies and clerks type them. Unambiguous: the 27 abbreviations stay distinct
    /// in capitals. Diacritics still count: `HD` is a hướng dẫn, `HĐ` a hợp đồng.
    pub fn from_abbreviation_any_case(abbreviation: &str) -> Option<DocType> {
        let upper = crate::text::normalize(abbreviation).to_uppercase();
        Self::ALL
            .into_iter()
            .find(|t| t.abbreviation().map(str::to_uppercase).as_deref() == Some(upper.as_str()))
    }

    /// How the notation is built. A thư công has no abbreviation and the Decree shows no
    /// notation for it; we number it like a công văn (issuer + unit), which keeps every
    /// issued document numbered and registered. This is our choice, not the Decree's.
    pub fn notation_form(self) -> NotationForm {
        match self.abbreviation() {
            Some(_) => NotationForm::TypeAndIssuer,
            None => NotationForm::IssuerAndUnit,
        }
    }

    /// The type whose Vietnamese name is `name`, compared folded (case and diacritics
    /// ignored): "quyet dinh", "QUYẾT ĐỊNH" and "Quyết định" all give [`DocType::Decision`].
    /// "Nghị quyết (cá biệt)" and "Quyết định (cá biệt)", the Appendix's full names, match too.
    pub fn from_name_vi(name: &str) -> Option<DocType> {
        let folded = crate::text::fold(name);
        let folded = folded
            .strip_suffix("(ca biet)")
            .map(str::trim_end)
            .unwrap_or(&folded);
        Self::ALL
            .into_iter()
            .find(|t| crate::text::fold(t.name_vi()) == folded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn there_are_29_types_in_the_order_of_article_7() {
        assert_eq!(DocType::ALL.len(), 29);
        assert_eq!(DocType::Resolution.ordinal(), 1);
        assert_eq!(DocType::OfficialLetter.ordinal(), 18);
        assert_eq!(DocType::PublicLetter.ordinal(), 29);
        let names: Vec<&str> = DocType::ALL.iter().map(|t| t.name_vi()).collect();
        assert_eq!(
            names.join(", "),
            "Nghị quyết, Quyết định, Chỉ thị, Quy chế, Quy định, Thông cáo, Thông báo, \
             Hướng dẫn, Chương trình, Kế hoạch, Phương án, Đề án, Dự án, Báo cáo, Biên bản, \
             Tờ trình, Hợp đồng, Công văn, Công điện, Bản ghi nhớ, Bản thỏa thuận, \
             Giấy ủy quyền, Giấy mời, Giấy giới thiệu, Giấy nghỉ phép, Phiếu gửi, \
             Phiếu chuyển, Phiếu báo, Thư công"
        );
    }

    #[test]
    fn appendix_iii_gives_27_distinct_abbreviations() {
        let abbreviations: Vec<&str> = DocType::ALL
            .iter()
            .filter_map(|t| t.abbreviation())
            .collect();
        assert_eq!(abbreviations.len(), 27);
        assert_eq!(abbreviations.iter().collect::<HashSet<_>>().len(), 27);
        assert_eq!(DocType::Decision.abbreviation(), Some("QĐ"));
        assert_eq!(DocType::Resolution.abbreviation(), Some("NQ"));
        assert_eq!(DocType::Regulation.abbreviation(), Some("QyĐ"));
        assert_eq!(DocType::Submission.abbreviation(), Some("TTr"));
        assert_eq!(DocType::OfficialLetter.abbreviation(), None);
        assert_eq!(DocType::PublicLetter.abbreviation(), None);
    }

    #[test]
    fn abbreviations_read_back_exactly() {
        for t in DocType::ALL {
            if let Some(a) = t.abbreviation() {
                assert_eq!(DocType::from_abbreviation(a), Some(t), "{a}");
            }
        }
        assert_eq!(DocType::from_abbreviation("DA"), Some(DocType::Project));
        assert_eq!(DocType::from_abbreviation("ĐA"), Some(DocType::Scheme));
        // The Appendix's mixed case is significant.
        assert_eq!(DocType::from_abbreviation("QyĐ"), Some(DocType::Regulation));
        assert_eq!(DocType::from_abbreviation("QYĐ"), None);
        assert_eq!(DocType::from_abbreviation("qđ"), None);
        assert_eq!(DocType::from_abbreviation("CV"), None);
        assert_eq!(DocType::from_abbreviation(""), None);
    }

    #[test]
    fn abbreviations_stay_distinct_in_capitals_but_not_without_marks() {
        let upper: HashSet<String> = DocType::ALL
            .iter()
            .filter_map(|t| t.abbreviation())
            .map(str::to_uppercase)
            .collect();
        assert_eq!(upper.len(), 27);
        assert_eq!(
            DocType::from_abbreviation_any_case("QYĐ"),
            Some(DocType::Regulation)
        );
        assert_eq!(
            DocType::from_abbreviation_any_case("qđ"),
            Some(DocType::Decision)
        );
        assert_eq!(
            DocType::from_abbreviation_any_case("ttr"),
            Some(DocType::Submission)
        );
        assert_eq!(
            DocType::from_abbreviation_any_case("HD"),
            Some(DocType::Guidance)
        );
        assert_eq!(
            DocType::from_abbreviation_any_case("HĐ"),
            Some(DocType::Contract)
        );
        assert_eq!(DocType::from_abbreviation_any_case("QD"), None);
        for t in DocType::ALL {
            if let Some(a) = t.abbreviation() {
                assert_eq!(DocType::from_abbreviation_any_case(a), Some(t));
                assert_eq!(
                    DocType::from_abbreviation_any_case(&a.to_lowercase()),
                    Some(t)
                );
            }
        }
    }

    #[test]
    fn notation_form_follows_the_abbreviation() {
        assert_eq!(
            DocType::Decision.notation_form(),
            NotationForm::TypeAndIssuer
        );
        assert_eq!(
            DocType::Telegram.notation_form(),
            NotationForm::TypeAndIssuer
        );
        assert_eq!(
            DocType::OfficialLetter.notation_form(),
            NotationForm::IssuerAndUnit
        );
        assert_eq!(
            DocType::PublicLetter.notation_form(),
            NotationForm::IssuerAndUnit
        );
    }

    #[test]
    fn names_are_found_folded() {
        assert_eq!(DocType::from_name_vi("quyet dinh"), Some(DocType::Decision));
        assert_eq!(DocType::from_name_vi("QUYẾT ĐỊNH"), Some(DocType::Decision));
        assert_eq!(
            DocType::from_name_vi("Nghị quyết (cá biệt)"),
            Some(DocType::Resolution)
        );
        assert_eq!(
            DocType::from_name_vi("  Giấy   uỷ quyền "),
            Some(DocType::PowerOfAttorney)
        );
        assert_eq!(DocType::from_name_vi("Thông tư"), None);
        for t in DocType::ALL {
            assert_eq!(DocType::from_name_vi(t.name_vi()), Some(t));
        }
    }

    #[test]
    fn doc_type_text_is_its_json() {
        crate::text_enum::assert_text_is_json(&DocType::ALL, DocType::as_str);
    }
}
