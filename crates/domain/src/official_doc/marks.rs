//! The marks a document carries besides its number: urgency (độ khẩn), secrecy (độ mật),
//! circulation (phạm vi lưu hành), and the authority prefix of the signature (quyền hạn của
//! người ký). Decree 30/2020, Appendix I, II.7.b and III.2; edXML `Priority` (QCVN 102:2016).

use serde::{Deserialize, Serialize};

text_enum! {
    /// How fast a document must travel and be handled (Appendix I, III.2.b): the drafter
    /// proposes it, the signer decides. Ordered from least to most urgent.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Urgency {
        /// Thường: no mark.
        Normal = "normal",
        /// KHẨN.
        Urgent = "urgent",
        /// THƯỢNG KHẨN.
        VeryUrgent = "very_urgent",
        /// HỎA TỐC.
        Flash = "flash",
    }
}

impl Urgency {
    /// The stamp's text, or `None` for an ordinary document.
    pub fn mark(self) -> Option<&'static str> {
        match self {
            Urgency::Normal => None,
            Urgency::Urgent => Some("KHẨN"),
            Urgency::VeryUrgent => Some("THƯỢNG KHẨN"),
            Urgency::Flash => Some("HỎA TỐC"),
        }
    }

    /// The level's name in lists ("Thường", "Khẩn"…).
    pub fn label_vi(self) -> &'static str {
        match self {
            Urgency::Normal => "Thường",
            Urgency::Urgent => "Khẩn",
            Urgency::VeryUrgent => "Thượng khẩn",
            Urgency::Flash => "Hỏa tốc",
        }
    }

    /// Any mark: the document is issued and sent right after signing (Art. 18.1), presented
    /// and passed on right after receipt (Art. 23.1) and handled at once (Art. 24.2), instead
    /// of "the same day, at the latest the next working day".
    pub fn is_urgent(self) -> bool {
        self != Urgency::Normal
    }

    /// edXML `Priority`: 0 normal, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc (STANDARDS.md §2, M).
    pub fn edxml_priority(self) -> u8 {
        match self {
            Urgency::Normal => 0,
            Urgency::Urgent => 1,
            Urgency::VeryUrgent => 2,
            Urgency::Flash => 3,
        }
    }

    /// The level of an edXML `Priority`. 4, "hỏa tốc hẹn giờ" (flash at a set time), reads as
    /// hỏa tốc: the Decree knows three marks, and the set time travels in the document.
    pub fn from_edxml_priority(priority: u8) -> Option<Urgency> {
        Some(match priority {
            0 => Urgency::Normal,
            1 => Urgency::Urgent,
            2 => Urgency::VeryUrgent,
            3 | 4 => Urgency::Flash,
            _ => return None,
        })
    }

    /// The level a stamp or a typed label names, folded ("HOẢ TỐC", "hoa toc", "Thượng
    /// khẩn"); an empty text or "thường" is [`Urgency::Normal`].
    pub fn from_mark(text: &str) -> Option<Urgency> {
        Some(match crate::text::fold(text).as_str() {
            "" | "thuong" => Urgency::Normal,
            "khan" => Urgency::Urgent,
            "thuong khan" => Urgency::VeryUrgent,
            "hoa toc" => Urgency::Flash,
            _ => return None,
        })
    }
}

text_enum! {
    /// A state-secret level (Law on the Protection of State Secrets 2018; marks of Appendix I,
    /// III.2.a). Such documents are never accepted here: see [`refuse_secret`].
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Secrecy {
        /// MẬT.
        Confidential = "confidential",
        /// TỐI MẬT.
        Secret = "secret",
        /// TUYỆT MẬT.
        TopSecret = "top_secret",
    }
}

impl Secrecy {
    /// The stamp's text.
    pub fn mark(self) -> &'static str {
        match self {
            Secrecy::Confidential => "MẬT",
            Secrecy::Secret => "TỐI MẬT",
            Secrecy::TopSecret => "TUYỆT MẬT",
        }
    }

    /// The level a stamp or label names, folded ("Tối mật", "TUYET MAT", "độ mật: mật").
    pub fn from_mark(text: &str) -> Option<Secrecy> {
        let folded = crate::text::fold(text);
        let folded = folded
            .strip_prefix("do mat")
            .map(|rest| rest.trim_start_matches([':', ' ']))
            .unwrap_or(&folded);
        match folded {
            "mat" => Some(Secrecy::Confidential),
            "toi mat" => Some(Secrecy::Secret),
            "tuyet mat" => Some(Secrecy::TopSecret),
            _ => None,
        }
    }
}

/// A document marked secret was offered to the platform.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Văn bản mang dấu {mark} là văn bản mật: không được soạn thảo, tiếp nhận hay lưu trên hệ thống này vì hệ thống có kết nối mạng. Hãy xử lý văn bản mật theo quy định về bảo vệ bí mật nhà nước."
)]
pub struct SecrecyRefused {
    /// The stamp's text, `MẬT`, `TỐI MẬT` or `TUYỆT MẬT`.
    pub mark: &'static str,
}

/// Refuses any secret mark. The platform is networked, and state secrets may only be handled
/// on systems built for them (Decree 30/2020 leaves secret documents to the law on state
/// secrets, Art. 15.2, 16.3, 22.4; issue 14 asks for a clear refusal). Call it on what a
/// drafter declares, on what a clerk registers and on the `Priority` of every edXML package.
pub fn refuse_secret(secrecy: Option<Secrecy>) -> Result<(), SecrecyRefused> {
    match secrecy {
        None => Ok(()),
        Some(level) => Err(SecrecyRefused { mark: level.mark() }),
    }
}

/// [`refuse_secret`] on each mark a form or an envelope carries as text: refuses the first
/// that names a secrecy level, ignores the others (urgency, circulation).
pub fn refuse_secret_marks<'a>(
    marks: impl IntoIterator<Item = &'a str>,
) -> Result<(), SecrecyRefused> {
    marks
        .into_iter()
        .try_for_each(|m| refuse_secret(Secrecy::from_mark(m)))
}

text_enum! {
    /// A restriction printed on a document whose readers are limited (Appendix I, III.2.c).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum CirculationMark {
        /// XEM XONG TRẢ LẠI: to be returned after reading.
        ReturnAfterReading = "return_after_reading",
        /// LƯU HÀNH NỘI BỘ: internal circulation only.
        InternalOnly = "internal_only",
    }
}

impl CirculationMark {
    /// The framed text on the document.
    pub fn mark(self) -> &'static str {
        match self {
            CirculationMark::ReturnAfterReading => "XEM XONG TRẢ LẠI",
            CirculationMark::InternalOnly => "LƯU HÀNH NỘI BỘ",
        }
    }
}

text_enum! {
    /// How the signer holds the authority to sign (Decree 30/2020, Art. 13; Appendix I,
    /// II.7.b). Printed before the title, in capitals: `KT. CHỦ TỊCH`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum AuthorityPrefix {
        /// TM. (thay mặt): on behalf of a collective body, before its name (`TM. ỦY BAN NHÂN
        /// DÂN`), in agencies led collectively (Art. 13.2).
        OnBehalfOf = "on_behalf_of",
        /// Q. (quyền): an acting head, before the head's title (`Q. GIÁM ĐỐC`).
        Acting = "acting",
        /// KT. (ký thay): a deputy signing for the head, before the head's title (`KT. CHỦ
        /// TỊCH`); also a deputy put in charge (Art. 13.1).
        ForTheHead = "for_the_head",
        /// TL. (thừa lệnh): the head of a unit signing by order, as the working rules allow
        /// (Art. 13.4); the unit head may pass it to a deputy.
        ByOrder = "by_order",
        /// TUQ. (thừa ủy quyền): by written delegation, limited in time and content, not
        /// delegable again, under the delegating agency's seal (Art. 13.3).
        ByDelegation = "by_delegation",
    }
}

impl AuthorityPrefix {
    /// The abbreviation with its full stop: `TM.`, `Q.`, `KT.`, `TL.`, `TUQ.`.
    pub fn abbreviation(self) -> &'static str {
        match self {
            AuthorityPrefix::OnBehalfOf => "TM.",
            AuthorityPrefix::Acting => "Q.",
            AuthorityPrefix::ForTheHead => "KT.",
            AuthorityPrefix::ByOrder => "TL.",
            AuthorityPrefix::ByDelegation => "TUQ.",
        }
    }

    /// The meaning in Vietnamese, for the signer's choice on the approval page.
    pub fn meaning_vi(self) -> &'static str {
        match self {
            AuthorityPrefix::OnBehalfOf => "Thay mặt tập thể lãnh đạo, cơ quan",
            AuthorityPrefix::Acting => "Quyền (được giao quyền cấp trưởng)",
            AuthorityPrefix::ForTheHead => "Ký thay người đứng đầu",
            AuthorityPrefix::ByOrder => "Thừa lệnh người đứng đầu",
            AuthorityPrefix::ByDelegation => "Thừa ủy quyền người đứng đầu",
        }
    }

    /// Whether signing this way needs a written act of the head naming the signer: a
    /// delegation (TUQ., limited in time and content) or the working rules (TL.).
    pub fn needs_written_delegation(self) -> bool {
        matches!(
            self,
            AuthorityPrefix::ByDelegation | AuthorityPrefix::ByOrder
        )
    }

    /// The prefix a signature line starts with (`KT. CHỦ TỊCH` → KT.), and the rest; lines
    /// without a prefix are the head signing in person.
    pub fn split_line(line: &str) -> (Option<AuthorityPrefix>, &str) {
        let line = line.trim_start();
        for p in AuthorityPrefix::ALL {
            if let Some(rest) = line.strip_prefix(p.abbreviation()) {
                return (Some(p), rest.trim_start());
            }
        }
        (None, line)
    }
}

/// The authority line of a signature block: `KT. CHỦ TỊCH`, `TM. ỦY BAN NHÂN DÂN`, or the
/// title alone, in capitals (Appendix I, II.7.đ).
pub fn authority_line(prefix: Option<AuthorityPrefix>, title: &str) -> String {
    let title = crate::text::normalize(title).to_uppercase();
    match prefix {
        Some(p) => format!("{} {title}", p.abbreviation()),
        None => title,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urgency_marks_and_order() {
        assert_eq!(Urgency::Normal.mark(), None);
        assert_eq!(Urgency::Flash.mark(), Some("HỎA TỐC"));
        assert!(Urgency::Flash > Urgency::VeryUrgent && Urgency::VeryUrgent > Urgency::Urgent);
        assert!(!Urgency::Normal.is_urgent() && Urgency::Urgent.is_urgent());
        for u in Urgency::ALL {
            assert_eq!(Urgency::from_edxml_priority(u.edxml_priority()), Some(u));
            assert_eq!(Urgency::from_mark(u.label_vi()), Some(u));
            if let Some(m) = u.mark() {
                assert_eq!(Urgency::from_mark(m), Some(u));
            }
        }
        assert_eq!(Urgency::from_edxml_priority(4), Some(Urgency::Flash));
        assert_eq!(Urgency::from_edxml_priority(5), None);
        // The older tone placement on the stamp ("HOẢ") reads the same.
        assert_eq!(Urgency::from_mark("HOẢ TỐC"), Some(Urgency::Flash));
        assert_eq!(Urgency::from_mark(""), Some(Urgency::Normal));
        assert_eq!(Urgency::from_mark("rất khẩn"), None);
    }

    #[test]
    fn every_secret_mark_is_refused_with_a_clear_message() {
        assert_eq!(refuse_secret(None), Ok(()));
        for s in Secrecy::ALL {
            let err = refuse_secret(Some(s)).unwrap_err();
            assert_eq!(err.mark, s.mark());
            assert!(
                err.to_string()
                    .starts_with(&format!("Văn bản mang dấu {} là văn bản mật", s.mark()))
            );
            assert_eq!(Secrecy::from_mark(s.mark()), Some(s));
        }
        assert_eq!(Secrecy::from_mark("tuyet mat"), Some(Secrecy::TopSecret));
        assert_eq!(Secrecy::from_mark("Độ mật: Tối mật"), Some(Secrecy::Secret));
        assert_eq!(Secrecy::from_mark("mật khẩu"), None);
        assert_eq!(Secrecy::from_mark("bí mật"), None);
        assert_eq!(refuse_secret_marks(["KHẨN", "LƯU HÀNH NỘI BỘ"]), Ok(()));
        assert_eq!(
            refuse_secret_marks(["KHẨN", "MẬT"]),
            Err(SecrecyRefused { mark: "MẬT" })
        );
    }

    #[test]
    fn authority_prefixes() {
        let abbreviations: Vec<&str> = AuthorityPrefix::ALL
            .iter()
            .map(|p| p.abbreviation())
            .collect();
        assert_eq!(abbreviations, ["TM.", "Q.", "KT.", "TL.", "TUQ."]);
        assert_eq!(
            authority_line(Some(AuthorityPrefix::ForTheHead), "Chủ tịch"),
            "KT. CHỦ TỊCH"
        );
        assert_eq!(
            authority_line(Some(AuthorityPrefix::OnBehalfOf), "Ủy ban nhân dân"),
            "TM. ỦY BAN NHÂN DÂN"
        );
        assert_eq!(authority_line(None, "Giám đốc"), "GIÁM ĐỐC");
        for p in AuthorityPrefix::ALL {
            let line = authority_line(Some(p), "Giám đốc");
            assert_eq!(AuthorityPrefix::split_line(&line), (Some(p), "GIÁM ĐỐC"));
            assert!(!p.meaning_vi().is_empty());
        }
        // A title that merely starts with Q is not the "Q." prefix.
        assert_eq!(
            AuthorityPrefix::split_line("QUYỀN GIÁM ĐỐC"),
            (None, "QUYỀN GIÁM ĐỐC")
        );
        assert!(AuthorityPrefix::ByDelegation.needs_written_delegation());
        assert!(!AuthorityPrefix::ForTheHead.needs_written_delegation());
    }

    #[test]
    fn circulation_marks() {
        assert_eq!(CirculationMark::InternalOnly.mark(), "LƯU HÀNH NỘI BỘ");
        assert_eq!(
            CirculationMark::ReturnAfterReading.mark(),
            "XEM XONG TRẢ LẠI"
        );
    }

    #[test]
    fn marks_text_is_their_json() {
        crate::text_enum::assert_text_is_json(&Urgency::ALL, Urgency::as_str);
        crate::text_enum::assert_text_is_json(&Secrecy::ALL, Secrecy::as_str);
        crate::text_enum::assert_text_is_json(&CirculationMark::ALL, CirculationMark::as_str);
        crate::text_enum::assert_text_is_json(&AuthorityPrefix::ALL, AuthorityPrefix::as_str);
    }
}
