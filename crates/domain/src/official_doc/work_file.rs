//! Work files (hồ sơ công việc): the codes of the yearly file list, retention, the file's life
//! (open → closed → deposited) and the deposit deadline with its notice. Decree 30/2020,
//! Art. 28–31; Appendix V (the file list); Appendix VI (FileCode and the notice).
//!
//! - The file list (danh mục hồ sơ) is approved by the head of the agency at the start of each
//!   year (Art. 28). Its major headings are numbered in Roman numerals ([`roman`]); each has an
//!   abbreviation set by the agency. A file's number and notation is its order number, from
//!   01, and the major heading's abbreviation: `01.TCCB` (Appendix V, I.2, and its sample).
//!   Numbers run either through the whole list or within each major heading ([`FileNumbering`]).
//! - Appendix VI identifies a file by `FileCode` = `OrganId` (13) + `FileCatalog` (the year the
//!   file is formed, 4 digits) + `FileNotation` (20). The Decree lists the three fields but
//!   prints no joined form; we join them with dots, `000.00.00.H56.2026.01.TCCB`, which reads
//!   back unambiguously because the agency code has a fixed length ([`FileCode`]).
//! - Retention is permanent or a number of years (Appendix V, I.4). Files kept 5 years or more
//!   are deposited with the agency archive (Art. 31.3.c) within 1 year of the work ending, or 3
//!   months after the final settlement for capital construction (Art. 30.2); the system warns
//!   30 days before (Appendix VI, III.5.b). A unit may keep a due file back for at most 2 years
//!   with the head's written consent (Art. 31.3.d).

use super::notation::{Abbreviation, pad_number};
use crate::agency_code::AgencyCode;
use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Longest file number and notation (`FileNotation`, Appendix VI).
pub const MAX_FILE_NOTATION_CHARS: usize = 20;
/// Files kept this many years or more are deposited (Art. 31.3.c).
pub const DEPOSIT_FROM_YEARS: u16 = 5;
/// The longest fixed retention we accept, in years. Ours: it only catches typing errors.
pub const MAX_RETENTION_YEARS: u16 = 100;
/// How many days before the deposit deadline the system warns (Appendix VI, III.5.b).
pub const DEPOSIT_NOTICE_DAYS: u64 = 30;
/// The most documents one file numbers (`DocOrdinal`, 3 digits, Appendix VI).
pub const MAX_DOC_ORDINAL: u32 = 999;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error(
        "Số và ký hiệu hồ sơ có dạng 01.TCCB: số thứ tự, dấu chấm, rồi chữ viết tắt của đề mục lớn."
    )]
    NotationFormat,
    #[error("Số và ký hiệu hồ sơ dài tối đa 20 ký tự.")]
    NotationTooLong,
    #[error(
        "Mã hồ sơ có dạng 000.00.00.H56.2026.01.TCCB: mã định danh cơ quan, năm hình thành hồ sơ, số và ký hiệu hồ sơ."
    )]
    CodeFormat,
    #[error("Thời hạn bảo quản là “Vĩnh viễn” hoặc một số năm từ 1 đến 100, ví dụ “20 năm”.")]
    Retention,
    #[error("Ngày kết thúc hồ sơ không được trước ngày bắt đầu.")]
    EndBeforeStart,
    #[error("Hồ sơ có thời hạn bảo quản dưới 5 năm không nộp lưu vào Lưu trữ cơ quan.")]
    NotForDeposit,
    #[error("Chỉ được giữ lại hồ sơ đã đến hạn nộp lưu tối đa 2 năm.")]
    KeepBackTooLong,
    #[error("Không thể thực hiện thao tác này với hồ sơ ở trạng thái hiện tại.")]
    NotAllowedInState,
    #[error("Vai trò của bạn không được thực hiện thao tác này.")]
    WrongRole,
}

/// A major heading's number in Roman numerals (I, II, … MMMCMXCIX), or `None` for 0 and
/// numbers above 3999.
pub fn roman(n: u32) -> Option<String> {
    if !(1..=3999).contains(&n) {
        return None;
    }
    const TABLE: [(u32, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut rest = n;
    let mut out = String::new();
    for (value, letters) in TABLE {
        while rest >= value {
            out.push_str(letters);
            rest -= value;
        }
    }
    Some(out)
}

/// The number a Roman numeral stands for, accepting only the canonical spelling [`roman`]
/// writes (so `IIII` and `IC` are refused).
pub fn from_roman(text: &str) -> Option<u32> {
    let text = text.trim().to_ascii_uppercase();
    let mut total = 0u32;
    let mut chars = text.chars().peekable();
    let value = |c: char| match c {
        'I' => Some(1),
        'V' => Some(5),
        'X' => Some(10),
        'L' => Some(50),
        'C' => Some(100),
        'D' => Some(500),
        'M' => Some(1000),
        _ => None,
    };
    while let Some(c) = chars.next() {
        let v = value(c)?;
        match chars.peek().and_then(|n| value(*n)) {
            Some(next) if next > v => {
                total += next - v;
                chars.next();
            }
            _ => total += v,
        }
    }
    (roman(total).as_deref() == Some(text.as_str())).then_some(total)
}

/// How the file list numbers its files (Appendix V, I.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileNumbering {
    /// One run through the whole list, from 01.
    WholeList,
    /// A run within each major heading, from 01.
    PerHeading,
}

impl FileNumbering {
    /// The counter a new file of the list of `agency` for `year` under `heading` draws its
    /// number from.
    pub fn counter_name(self, agency: &AgencyCode, year: i32, heading: &Abbreviation) -> String {
        match self {
            FileNumbering::WholeList => format!("work_file:{agency}:{year}"),
            FileNumbering::PerHeading => format!("work_file:{agency}:{year}:{heading}"),
        }
    }
}

/// A file's number and notation in the file list: `01.TCCB`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileNotation {
    pub number: u32,
    /// The major heading's abbreviation.
    pub heading: Abbreviation,
}

impl FileNotation {
    pub fn new(number: u32, heading: Abbreviation) -> Result<Self, FileError> {
        if number == 0 {
            return Err(FileError::NotationFormat);
        }
        let notation = Self { number, heading };
        if notation.to_string().chars().count() > MAX_FILE_NOTATION_CHARS {
            return Err(FileError::NotationTooLong);
        }
        Ok(notation)
    }
}

impl fmt::Display for FileNotation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", pad_number(self.number), self.heading)
    }
}

impl FromStr for FileNotation {
    type Err = FileError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (number, heading) = s.trim().split_once('.').ok_or(FileError::NotationFormat)?;
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FileError::NotationFormat);
        }
        let number = number.parse().map_err(|_| FileError::NotationFormat)?;
        let heading = Abbreviation::new(heading).map_err(|_| FileError::NotationFormat)?;
        Self::new(number, heading)
    }
}

/// A file's identifier (`FileCode`, Appendix VI): agency, year the file is formed, number
/// and notation. Written `000.00.00.H56.2026.01.TCCB` (the joined form is ours).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileCode {
    pub agency: AgencyCode,
    /// `FileCatalog`: the year the file is formed, the year of its file list.
    pub year: i32,
    pub notation: FileNotation,
}

impl fmt::Display for FileCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:04}.{}", self.agency, self.year, self.notation)
    }
}

impl FromStr for FileCode {
    type Err = FileError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        // The agency code is 13 ASCII characters, then ".", 4 digits, ".".
        let agency = s.get(..13).ok_or(FileError::CodeFormat)?;
        let rest = s.get(13..).ok_or(FileError::CodeFormat)?;
        let agency: AgencyCode = agency.parse().map_err(|_| FileError::CodeFormat)?;
        let rest = rest.strip_prefix('.').ok_or(FileError::CodeFormat)?;
        let (year, notation) = rest.split_once('.').ok_or(FileError::CodeFormat)?;
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FileError::CodeFormat);
        }
        Ok(Self {
            agency,
            year: year.parse().map_err(|_| FileError::CodeFormat)?,
            notation: notation.parse()?,
        })
    }
}

/// How long a file is kept (`Maintenance`, Appendix V, I.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Retention {
    /// Vĩnh viễn.
    Permanent,
    /// A number of years, 1 to [`MAX_RETENTION_YEARS`].
    Years(u16),
}

impl Retention {
    pub fn years(years: u16) -> Result<Self, FileError> {
        if (1..=MAX_RETENTION_YEARS).contains(&years) {
            Ok(Retention::Years(years))
        } else {
            Err(FileError::Retention)
        }
    }

    /// Whether the file goes to the agency archive: kept permanently or 5 years or more.
    pub fn must_deposit(self) -> bool {
        match self {
            Retention::Permanent => true,
            Retention::Years(y) => y >= DEPOSIT_FROM_YEARS,
        }
    }
}

impl fmt::Display for Retention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Retention::Permanent => f.write_str("Vĩnh viễn"),
            Retention::Years(y) => write!(f, "{y} năm"),
        }
    }
}

impl FromStr for Retention {
    type Err = FileError;

    /// "Vĩnh viễn" (any case, with or without marks), "20 năm", "20".
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let folded = crate::text::fold(s);
        if folded == "vinh vien" {
            return Ok(Retention::Permanent);
        }
        let years = folded.strip_suffix("nam").map(str::trim).unwrap_or(&folded);
        if years.is_empty() || !years.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FileError::Retention);
        }
        Retention::years(years.parse().map_err(|_| FileError::Retention)?)
    }
}

impl TryFrom<String> for Retention {
    type Error = FileError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Retention> for String {
    fn from(r: Retention) -> String {
        r.to_string()
    }
}

text_enum! {
    /// Where a work file stands.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum FileState {
        /// Opened by the person handling the work; documents are added to it.
        Open = "open",
        /// Closed: drafts and duplicates removed, retention confirmed, end date set.
        Closed = "closed",
        /// Handed to the agency archive.
        Deposited = "deposited",
    }
}

text_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum FileRole {
        /// The person who keeps the file (người lập hồ sơ).
        Creator = "creator",
        /// The agency archive (Lưu trữ cơ quan).
        Archivist = "archivist",
    }
}

text_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum FileAction {
        Close = "close",
        /// Opened again before deposit, for a document that came late (ours: the Decree
        /// neither provides nor forbids it).
        Reopen = "reopen",
        Deposit = "deposit",
    }
}

/// The next state of a file with `retention` after `action` by `role`, or why not.
pub fn transition(
    from: FileState,
    action: FileAction,
    role: FileRole,
    retention: Retention,
) -> Result<FileState, FileError> {
    use FileState::*;
    let (to, who) = match (from, action) {
        (Open, FileAction::Close) => (Closed, FileRole::Creator),
        (Closed, FileAction::Reopen) => (Open, FileRole::Creator),
        (Closed, FileAction::Deposit) => (Deposited, FileRole::Archivist),
        _ => return Err(FileError::NotAllowedInState),
    };
    if role != who {
        return Err(FileError::WrongRole);
    }
    if to == Deposited && !retention.must_deposit() {
        return Err(FileError::NotForDeposit);
    }
    Ok(to)
}

/// Whether documents may be added to (or removed from) the file.
pub fn accepts_documents(state: FileState) -> bool {
    state == FileState::Open
}

/// Checks a closing's dates: the work cannot end before the file began.
pub fn check_dates(start: NaiveDate, end: NaiveDate) -> Result<(), FileError> {
    if end < start {
        Err(FileError::EndBeforeStart)
    } else {
        Ok(())
    }
}

/// The number of the next document placed in a file (`DocOrdinal`), or `None` past 999.
pub fn next_doc_ordinal(last: Option<u32>) -> Option<u32> {
    let next = last.map_or(1, |n| n.saturating_add(1));
    (next <= MAX_DOC_ORDINAL).then_some(next)
}

/// What the deposit deadline counts from (Art. 30.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DepositClock {
    /// Most files: 1 year from the day the work ended.
    WorkEnded(NaiveDate),
    /// Capital construction: 3 months from the final settlement of the works.
    ConstructionSettled(NaiveDate),
}

/// The last day to deposit the file with the agency archive. A year or months later on the
/// same day of the month, or the month's last day when it has none (29 February → 28 February).
pub fn deposit_due(clock: DepositClock) -> NaiveDate {
    let (from, months) = match clock {
        DepositClock::WorkEnded(d) => (d, 12),
        DepositClock::ConstructionSettled(d) => (d, 3),
    };
    from.checked_add_months(Months::new(months)).unwrap_or(from)
}

/// The day the system warns that the file is due for deposit: 30 days before `due`.
pub fn deposit_notice_date(due: NaiveDate) -> NaiveDate {
    due.checked_sub_days(Days::new(DEPOSIT_NOTICE_DAYS))
        .unwrap_or(due)
}

/// Where a file stands with regard to deposit, seen on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DepositStatus {
    /// Not deposited at all (kept under 5 years), open, or already deposited.
    NotApplicable,
    /// Before the notice date.
    NotYet,
    /// Within the 30 days before the deadline: the notice is due.
    NoticeDue,
    /// The deadline has passed.
    Overdue,
}

/// The file's deposit status on `today`; `kept_until` is a keep-back the head approved.
pub fn deposit_status(
    state: FileState,
    retention: Retention,
    due: NaiveDate,
    kept_until: Option<NaiveDate>,
    today: NaiveDate,
) -> DepositStatus {
    if state != FileState::Closed || !retention.must_deposit() {
        return DepositStatus::NotApplicable;
    }
    let due = kept_until.map_or(due, |k| k.max(due));
    if today > due {
        DepositStatus::Overdue
    } else if today >= deposit_notice_date(due) {
        DepositStatus::NoticeDue
    } else {
        DepositStatus::NotYet
    }
}

/// Checks a keep-back (giữ lại): at most 2 years past the deposit deadline (Art. 31.3.d).
pub fn check_keep_back(due: NaiveDate, until: NaiveDate) -> Result<(), FileError> {
    let limit = due.checked_add_months(Months::new(24)).unwrap_or(due);
    if until > limit {
        Err(FileError::KeepBackTooLong)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn tccb() -> Abbreviation {
        Abbreviation::new("TCCB").unwrap()
    }

    #[test]
    fn roman_headings() {
        assert_eq!(roman(1).as_deref(), Some("I"));
        assert_eq!(roman(4).as_deref(), Some("IV"));
        assert_eq!(roman(9).as_deref(), Some("IX"));
        assert_eq!(roman(14).as_deref(), Some("XIV"));
        assert_eq!(roman(1994).as_deref(), Some("MCMXCIV"));
        assert_eq!(roman(0), None);
        assert_eq!(roman(4000), None);
        for n in 1..=3999 {
            assert_eq!(from_roman(&roman(n).unwrap()), Some(n));
        }
        assert_eq!(from_roman("xiv"), Some(14));
        for bad in ["", "IIII", "IC", "VX", "ABC", "MMMM"] {
            assert_eq!(from_roman(bad), None, "{bad}");
        }
    }

    #[test]
    fn file_notation_follows_appendix_v() {
        let n = FileNotation::new(1, tccb()).unwrap();
        assert_eq!(n.to_string(), "01.TCCB");
        assert_eq!("01.TCCB".parse::<FileNotation>().unwrap(), n);
        assert_eq!("1.TCCB".parse::<FileNotation>().unwrap(), n);
        assert_eq!(
            "12.VP".parse::<FileNotation>().unwrap().to_string(),
            "12.VP"
        );
        for bad in [
            "", "TCCB", "01TCCB", "0.TCCB", ".TCCB", "01.", "01.tccb", "a1.TCCB",
        ] {
            assert_eq!(
                bad.parse::<FileNotation>(),
                Err(FileError::NotationFormat),
                "{bad}"
            );
        }
        let long = Abbreviation::new("ABCDEFGHIJKL").unwrap();
        assert_eq!(
            FileNotation::new(123_456_789, long),
            Err(FileError::NotationTooLong)
        );
    }

    #[test]
    fn file_code_joins_appendix_vi_fields() {
        let code = FileCode {
            agency: "000.00.00.H56".parse().unwrap(),
            year: 2026,
            notation: FileNotation::new(1, tccb()).unwrap(),
        };
        assert_eq!(code.to_string(), "000.00.00.H56.2026.01.TCCB");
        assert_eq!(code.to_string().parse::<FileCode>().unwrap(), code);
        for bad in [
            "",
            "000.00.00.H56",
            "000.00.00.H56.26.01.TCCB",
            "000.00.00.H56-2026.01.TCCB",
            "00.00.00.H56.2026.01.TCCB",
            "000.00.00.H56.2026.01",
            "ĐĐĐĐĐĐĐĐĐĐĐĐĐĐ",
        ] {
            assert!(bad.parse::<FileCode>().is_err(), "{bad}");
        }
    }

    #[test]
    fn file_numbering_counters() {
        let h56: AgencyCode = "000.00.00.H56".parse().unwrap();
        assert_eq!(
            FileNumbering::WholeList.counter_name(&h56, 2026, &tccb()),
            "work_file:000.00.00.H56:2026"
        );
        assert_eq!(
            FileNumbering::PerHeading.counter_name(&h56, 2026, &tccb()),
            "work_file:000.00.00.H56:2026:TCCB"
        );
    }

    #[test]
    fn retention_reads_and_decides_deposit() {
        assert_eq!("Vĩnh viễn".parse(), Ok(Retention::Permanent));
        assert_eq!("VINH VIEN".parse(), Ok(Retention::Permanent));
        assert_eq!("20 năm".parse(), Ok(Retention::Years(20)));
        assert_eq!("20nam".parse(), Ok(Retention::Years(20)));
        assert_eq!("5".parse(), Ok(Retention::Years(5)));
        for bad in ["", "0", "0 năm", "101 năm", "hai năm", "-5", "năm"] {
            assert_eq!(bad.parse::<Retention>(), Err(FileError::Retention), "{bad}");
        }
        assert_eq!(Retention::Years(20).to_string(), "20 năm");
        assert_eq!(Retention::Permanent.to_string(), "Vĩnh viễn");
        assert!(Retention::Permanent.must_deposit());
        assert!(Retention::Years(5).must_deposit());
        assert!(!Retention::Years(4).must_deposit());
        let json = serde_json::to_value(Retention::Years(10)).unwrap();
        assert_eq!(json, "10 năm");
        assert_eq!(
            serde_json::from_value::<Retention>(json).unwrap(),
            Retention::Years(10)
        );
        assert!(serde_json::from_value::<Retention>("0 năm".into()).is_err());
    }

    #[test]
    fn a_file_is_closed_then_deposited() {
        let r = Retention::Years(10);
        let s = transition(FileState::Open, FileAction::Close, FileRole::Creator, r).unwrap();
        assert_eq!(s, FileState::Closed);
        assert!(!accepts_documents(s) && accepts_documents(FileState::Open));
        assert_eq!(
            transition(s, FileAction::Reopen, FileRole::Creator, r),
            Ok(FileState::Open)
        );
        assert_eq!(
            transition(s, FileAction::Deposit, FileRole::Creator, r),
            Err(FileError::WrongRole)
        );
        assert_eq!(
            transition(s, FileAction::Deposit, FileRole::Archivist, r),
            Ok(FileState::Deposited)
        );
        assert_eq!(
            transition(
                s,
                FileAction::Deposit,
                FileRole::Archivist,
                Retention::Years(2)
            ),
            Err(FileError::NotForDeposit)
        );
        assert_eq!(
            transition(FileState::Open, FileAction::Deposit, FileRole::Archivist, r),
            Err(FileError::NotAllowedInState)
        );
        for a in FileAction::ALL {
            for role in FileRole::ALL {
                assert!(transition(FileState::Deposited, a, role, r).is_err());
            }
        }
        assert_eq!(check_dates(day(2026, 1, 5), day(2026, 1, 5)), Ok(()));
        assert_eq!(
            check_dates(day(2026, 1, 5), day(2026, 1, 4)),
            Err(FileError::EndBeforeStart)
        );
    }

    #[test]
    fn documents_in_a_file_are_numbered_to_999() {
        assert_eq!(next_doc_ordinal(None), Some(1));
        assert_eq!(next_doc_ordinal(Some(998)), Some(999));
        assert_eq!(next_doc_ordinal(Some(999)), None);
    }

    #[test]
    fn deposit_deadline_and_its_notice() {
        let due = deposit_due(DepositClock::WorkEnded(day(2026, 3, 15)));
        assert_eq!(due, day(2027, 3, 15));
        assert_eq!(deposit_notice_date(due), day(2027, 2, 13));
        assert_eq!(
            deposit_due(DepositClock::WorkEnded(day(2028, 2, 29))),
            day(2029, 2, 28)
        );
        assert_eq!(
            deposit_due(DepositClock::ConstructionSettled(day(2026, 11, 30))),
            day(2027, 2, 28)
        );
        let closed = FileState::Closed;
        let r = Retention::Permanent;
        assert_eq!(
            deposit_status(closed, r, due, None, day(2027, 2, 12)),
            DepositStatus::NotYet
        );
        assert_eq!(
            deposit_status(closed, r, due, None, day(2027, 2, 13)),
            DepositStatus::NoticeDue
        );
        assert_eq!(
            deposit_status(closed, r, due, None, due),
            DepositStatus::NoticeDue
        );
        assert_eq!(
            deposit_status(closed, r, due, None, day(2027, 3, 16)),
            DepositStatus::Overdue
        );
        // A keep-back moves the deadline; files kept under 5 years, open or deposited files
        // are never due.
        assert_eq!(
            deposit_status(closed, r, due, Some(day(2028, 3, 15)), day(2027, 3, 16)),
            DepositStatus::NotYet
        );
        assert_eq!(
            deposit_status(closed, Retention::Years(3), due, None, day(2028, 1, 1)),
            DepositStatus::NotApplicable
        );
        assert_eq!(
            deposit_status(FileState::Open, r, due, None, day(2028, 1, 1)),
            DepositStatus::NotApplicable
        );
        assert_eq!(
            deposit_status(FileState::Deposited, r, due, None, day(2028, 1, 1)),
            DepositStatus::NotApplicable
        );
    }

    #[test]
    fn keep_back_is_at_most_two_years() {
        let due = day(2027, 3, 15);
        assert_eq!(check_keep_back(due, day(2029, 3, 15)), Ok(()));
        assert_eq!(
            check_keep_back(due, day(2029, 3, 16)),
            Err(FileError::KeepBackTooLong)
        );
    }

    #[test]
    fn work_file_texts_are_their_json() {
        crate::text_enum::assert_text_is_json(&FileState::ALL, FileState::as_str);
        crate::text_enum::assert_text_is_json(&FileRole::ALL, FileRole::as_str);
        crate::text_enum::assert_text_is_json(&FileAction::ALL, FileAction::as_str);
    }
}
