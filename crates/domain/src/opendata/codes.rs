//! Codes of the open-data portal: the dataset's slug, the EU vocabularies it is described with
//! (update frequency, file type), the licences offered, and when a dataset is due for review.

use super::OpenDataRuleError;
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// The province's 15 fields (lĩnh vực) that datasets are grouped in (CKAN groups, DCAT
/// themes): code, Vietnamese title.
pub const FIELDS: [(&str, &str); 15] = [
    ("hanh-chinh", "Hành chính công"),
    ("giao-duc", "Giáo dục và đào tạo"),
    ("y-te", "Y tế"),
    ("dat-dai", "Đất đai và tài nguyên"),
    ("moi-truong", "Môi trường"),
    ("nong-nghiep", "Nông nghiệp và nông thôn"),
    ("giao-thong", "Giao thông vận tải"),
    ("xay-dung", "Xây dựng và quy hoạch"),
    ("kinh-te", "Kinh tế và đầu tư"),
    ("tai-chinh", "Tài chính và ngân sách"),
    ("lao-dong", "Lao động và việc làm"),
    ("van-hoa", "Văn hóa, thể thao và du lịch"),
    ("khoa-hoc", "Khoa học và công nghệ"),
    ("xa-hoi", "Dân số và xã hội"),
    ("tu-phap", "Tư pháp và an ninh trật tự"),
];

/// The title of field `code`, if it is one.
pub fn field_title(code: &str) -> Option<&'static str> {
    FIELDS.iter().find(|(c, _)| *c == code).map(|(_, t)| *t)
}

/// The longest slug, in characters (CKAN allows 100 too).
pub const SLUG_MAX: usize = 100;

/// A slug from a title: folded to ASCII (`text::fold`: "Đất đai" → "dat dai"), every run of
/// other characters one hyphen, at most [`SLUG_MAX`] characters, cut at a hyphen when it can
/// be. `None` when nothing usable is left (a title of punctuation only).
pub fn slug_from_title(title: &str) -> Option<String> {
    use unicode_normalization::UnicodeNormalization;
    // Compatibility forms first: "m²" → "m2", "ﬁ" → "fi".
    let compatible: String = title.nfkc().collect();
    let folded = crate::text::fold(&compatible);
    let mut out = String::new();
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out = out.trim_end_matches('-').to_owned();
    if out.len() > SLUG_MAX {
        out.truncate(SLUG_MAX);
        if let Some(cut) = out.rfind('-').filter(|&i| i >= SLUG_MAX / 2) {
            out.truncate(cut);
        }
        out = out.trim_end_matches('-').to_owned();
    }
    (out.len() >= 2).then_some(out)
}

/// Checks a slug typed by hand: lower-case ASCII letters, digits and single inner hyphens,
/// 2 to [`SLUG_MAX`] characters.
pub fn check_slug(slug: &str) -> Result<(), OpenDataRuleError> {
    let ok = (2..=SLUG_MAX).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--");
    if ok {
        Ok(())
    } else {
        Err(OpenDataRuleError::BadSlug)
    }
}

/// A slug not among `taken`: the slug itself, else `-2`, `-3`… (cut so it stays within
/// [`SLUG_MAX`]).
pub fn unique_slug(slug: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(slug) {
        return slug.to_owned();
    }
    (2u32..)
        .map(|n| {
            let tail = format!("-{n}");
            let mut head = slug.to_owned();
            head.truncate(SLUG_MAX - tail.len());
            format!("{}{tail}", head.trim_end_matches('-'))
        })
        .find(|s| !taken(s))
        .expect("some number is free")
}

/// The number of calendar months between periodic reviews (Decree 47/2020/NĐ-CP, Art. 18:
/// the catalogue is reviewed and updated at least every six months).
pub const REVIEW_MONTHS: u32 = 6;

/// When a dataset published or reviewed on `on` is due for review again: six calendar months
/// later, the month's last day when that month is shorter (31 Aug → 28/29 Feb).
pub fn review_due(on: NaiveDate) -> NaiveDate {
    on.checked_add_months(Months::new(REVIEW_MONTHS))
        .unwrap_or(NaiveDate::MAX)
}

/// When the data officers are reminded of a review due on `due`: 14 days before, on the
/// day, then weekly while it stays overdue; the reminder due on `today`, if any.
pub fn review_reminder_on(due: NaiveDate, today: NaiveDate) -> Option<ReviewReminder> {
    let days = (today - due).num_days();
    match days {
        -14 => Some(ReviewReminder::Soon),
        0 => Some(ReviewReminder::Due),
        d if d > 0 && d % 7 == 0 => Some(ReviewReminder::Overdue),
        _ => None,
    }
}

text_enum! {
    /// Which review reminder is sent.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum ReviewReminder {
        Soon = "soon",
        Due = "due",
        /// Leaders are told too.
        Overdue = "overdue",
    }
}

text_enum! {
    /// How often a dataset is updated: the EU "frequency" authority table's codes
    /// (dct:accrualPeriodicity), the subset that fits a province.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub enum Frequency {
        #[serde(rename = "UPDATE_CONT")]
        Continuous = "UPDATE_CONT",
        #[serde(rename = "DAILY")]
        Daily = "DAILY",
        #[serde(rename = "WEEKLY")]
        Weekly = "WEEKLY",
        #[serde(rename = "MONTHLY")]
        Monthly = "MONTHLY",
        #[serde(rename = "QUARTERLY")]
        Quarterly = "QUARTERLY",
        #[serde(rename = "ANNUAL_2")]
        Biannual = "ANNUAL_2",
        #[serde(rename = "ANNUAL")]
        Annual = "ANNUAL",
        #[serde(rename = "IRREG")]
        Irregular = "IRREG",
        #[serde(rename = "NEVER")]
        Never = "NEVER",
        #[serde(rename = "UNKNOWN")]
        Unknown = "UNKNOWN",
    }
}

impl Frequency {
    pub fn label_vi(self) -> &'static str {
        match self {
            Frequency::Continuous => "Liên tục",
            Frequency::Daily => "Hằng ngày",
            Frequency::Weekly => "Hằng tuần",
            Frequency::Monthly => "Hằng tháng",
            Frequency::Quarterly => "Hằng quý",
            Frequency::Biannual => "Sáu tháng một lần",
            Frequency::Annual => "Hằng năm",
            Frequency::Irregular => "Không định kỳ",
            Frequency::Never => "Không cập nhật",
            Frequency::Unknown => "Chưa xác định",
        }
    }

    /// The concept's address in the EU vocabulary (for DCAT).
    pub fn uri(self) -> String {
        format!(
            "http://publications.europa.eu/resource/authority/frequency/{}",
            self.as_str()
        )
    }
}

text_enum! {
    /// A resource's file type: the EU "file-type" codes of the formats the portal accepts.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "UPPERCASE")]
    pub enum FileFormat {
        Csv = "CSV",
        Xlsx = "XLSX",
        Json = "JSON",
        GeoJson = "GEOJSON",
        Pdf = "PDF",
    }
}

impl FileFormat {
    /// The IANA media type served with the file.
    pub fn media_type(self) -> &'static str {
        match self {
            FileFormat::Csv => "text/csv",
            FileFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileFormat::Json => "application/json",
            FileFormat::GeoJson => "application/geo+json",
            FileFormat::Pdf => "application/pdf",
        }
    }

    /// The file name's extension, lower case.
    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Csv => "csv",
            FileFormat::Xlsx => "xlsx",
            FileFormat::Json => "json",
            FileFormat::GeoJson => "geojson",
            FileFormat::Pdf => "pdf",
        }
    }

    /// The format a file name says (`.tsv` and `.txt` are read as CSV), if any.
    pub fn from_file_name(name: &str) -> Option<FileFormat> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "tsv" | "txt" => Some(FileFormat::Csv),
            "xlsx" => Some(FileFormat::Xlsx),
            "json" => Some(FileFormat::Json),
            "geojson" => Some(FileFormat::GeoJson),
            "pdf" => Some(FileFormat::Pdf),
            _ => None,
        }
    }

    /// Whether the file is a table the check reads row by row.
    pub fn is_tabular(self) -> bool {
        matches!(self, FileFormat::Csv | FileFormat::Xlsx)
    }
}

text_enum! {
    /// The licences offered, named as CKAN names them (its `license_id`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "kebab-case")]
    pub enum Licence {
        CcBy = "cc-by",
        CcZero = "cc-zero",
        OdcBy = "odc-by",
        OdcOdbl = "odc-odbl",
        OtherOpen = "other-open",
    }
}

impl Default for Licence {
    /// CC BY 4.0: no Vietnamese open-data licence exists (design §15).
    fn default() -> Self {
        Licence::CcBy
    }
}

impl Licence {
    pub fn title(self) -> &'static str {
        match self {
            Licence::CcBy => "Creative Commons Attribution 4.0 (CC BY 4.0)",
            Licence::CcZero => "Creative Commons CC0 1.0",
            Licence::OdcBy => "Open Data Commons Attribution License 1.0",
            Licence::OdcOdbl => "Open Data Commons Open Database License 1.0",
            Licence::OtherOpen => "Giấy phép mở khác",
        }
    }

    pub fn url(self) -> Option<&'static str> {
        match self {
            Licence::CcBy => Some("https://creativecommons.org/licenses/by/4.0/"),
            Licence::CcZero => Some("https://creativecommons.org/publicdomain/zero/1.0/"),
            Licence::OdcBy => Some("https://opendatacommons.org/licenses/by/1-0/"),
            Licence::OdcOdbl => Some("https://opendatacommons.org/licenses/odbl/1-0/"),
            Licence::OtherOpen => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn slugs_come_from_titles() {
        let cases: &[(&str, Option<&str>)] = &[
            ("Danh sách trường học", Some("danh-sach-truong-hoc")),
            ("Đất đai 2025 — quy hoạch", Some("dat-dai-2025-quy-hoach")),
            ("  Giá   đất (VNĐ/m²)  ", Some("gia-dat-vnd-m2")),
            ("Ưu đãi đầu tư", Some("uu-dai-dau-tu")),
            ("!!!", None),
            ("A", None),
            ("", None),
        ];
        for (title, slug) in cases {
            assert_eq!(slug_from_title(title).as_deref(), *slug, "{title}");
        }
        let long = "Số liệu ".repeat(40);
        let s = slug_from_title(&long).unwrap();
        assert!(s.len() <= SLUG_MAX && !s.ends_with('-'), "{s}");
        assert!(check_slug(&s).is_ok());
    }

    #[test]
    fn fields_are_fifteen_slugs() {
        for (code, _) in FIELDS {
            assert_eq!(check_slug(code), Ok(()), "{code}");
        }
        let mut codes: Vec<_> = FIELDS.iter().map(|(c, _)| c).collect();
        codes.dedup();
        assert_eq!(codes.len(), 15);
        assert_eq!(field_title("y-te"), Some("Y tế"));
        assert_eq!(field_title("khac"), None);
    }

    #[test]
    fn typed_slugs_are_checked() {
        for good in ["ab", "truong-hoc-2025", "a1"] {
            assert_eq!(check_slug(good), Ok(()), "{good}");
        }
        for bad in [
            "a",
            "-ab",
            "ab-",
            "a--b",
            "Truong",
            "trường",
            "a b",
            "a_b",
            &"a".repeat(101),
        ] {
            assert_eq!(check_slug(bad), Err(OpenDataRuleError::BadSlug), "{bad}");
        }
    }

    #[test]
    fn a_taken_slug_gets_a_number() {
        let taken = ["truong-hoc", "truong-hoc-2"];
        assert_eq!(unique_slug("dat-dai", |s| taken.contains(&s)), "dat-dai");
        assert_eq!(
            unique_slug("truong-hoc", |s| taken.contains(&s)),
            "truong-hoc-3"
        );
        let long = "a".repeat(SLUG_MAX);
        let next = unique_slug(&long, |s| s == long);
        assert_eq!(next.len(), SLUG_MAX);
        assert!(next.ends_with("-2"));
    }

    #[test]
    fn reviews_fall_six_calendar_months_later() {
        let cases = [
            (d(2026, 1, 15), d(2026, 7, 15)),
            (d(2026, 8, 31), d(2027, 2, 28)),
            (d(2027, 8, 31), d(2028, 2, 29)),
            (d(2026, 12, 31), d(2027, 6, 30)),
            (d(2026, 6, 30), d(2026, 12, 30)),
        ];
        for (on, due) in cases {
            assert_eq!(review_due(on), due, "{on}");
        }
    }

    #[test]
    fn review_reminders_come_before_on_and_weekly_after() {
        let due = d(2026, 7, 15);
        let cases = [
            (d(2026, 7, 1), Some(ReviewReminder::Soon)),
            (d(2026, 7, 2), None),
            (d(2026, 7, 14), None),
            (due, Some(ReviewReminder::Due)),
            (d(2026, 7, 16), None),
            (d(2026, 7, 22), Some(ReviewReminder::Overdue)),
            (d(2026, 7, 29), Some(ReviewReminder::Overdue)),
            (d(2026, 7, 30), None),
        ];
        for (today, reminder) in cases {
            assert_eq!(review_reminder_on(due, today), reminder, "{today}");
        }
    }

    #[test]
    fn codes_and_their_texts() {
        crate::text_enum::assert_text_is_json(&Frequency::ALL, Frequency::as_str);
        crate::text_enum::assert_text_is_json(&FileFormat::ALL, FileFormat::as_str);
        crate::text_enum::assert_text_is_json(&Licence::ALL, Licence::as_str);
        crate::text_enum::assert_text_is_json(&ReviewReminder::ALL, ReviewReminder::as_str);
        assert_eq!(Licence::default(), Licence::CcBy);
        assert_eq!(
            Frequency::Monthly.uri(),
            "http://publications.europa.eu/resource/authority/frequency/MONTHLY"
        );
        let names = [
            ("so-lieu.CSV", Some(FileFormat::Csv)),
            ("a.tsv", Some(FileFormat::Csv)),
            ("bang.xlsx", Some(FileFormat::Xlsx)),
            ("ranh-gioi.geojson", Some(FileFormat::GeoJson)),
            ("x.json", Some(FileFormat::Json)),
            ("bao-cao.pdf", Some(FileFormat::Pdf)),
            ("bang.xls", None),
            ("noextension", None),
            ("a.exe", None),
        ];
        for (name, format) in names {
            assert_eq!(FileFormat::from_file_name(name), format, "{name}");
        }
        assert!(FileFormat::Csv.is_tabular() && !FileFormat::Pdf.is_tabular());
    }
}
