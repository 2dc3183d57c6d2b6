//! Local time: Vietnam's wall clock (UTC+7, no daylight saving), the time the working-day
//! calendar counts in and every deadline is set in.

use chrono::NaiveDateTime;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// How a local time is stored and sent: fixed-width ISO text without offset, so that text
/// order is time order (SQL compares deadlines as text on both databases).
pub const TEXT_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

/// How pages and messages show a local time.
pub const DISPLAY_FORMAT: &str = "%d/%m/%Y %H:%M";

/// A moment on Vietnam's wall clock, e.g. a deadline. Stored and serialized as
/// `2026-11-24T16:30:00`, displayed as `24/11/2026 16:30`; compared as times, not as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalDateTime(pub NaiveDateTime);

impl LocalDateTime {
    /// Reads the stored text; `None` for anything else (seconds are required, no offset).
    pub fn parse(text: &str) -> Option<Self> {
        NaiveDateTime::parse_from_str(text, TEXT_FORMAT)
            .ok()
            .map(Self)
    }

    /// The stored text, to the second.
    pub fn to_text(self) -> String {
        self.0.format(TEXT_FORMAT).to_string()
    }

    pub fn naive(self) -> NaiveDateTime {
        self.0
    }
}

impl From<NaiveDateTime> for LocalDateTime {
    fn from(t: NaiveDateTime) -> Self {
        Self(t)
    }
}

impl From<LocalDateTime> for NaiveDateTime {
    fn from(t: LocalDateTime) -> Self {
        t.0
    }
}

/// As people read it: `24/11/2026 16:30`.
impl fmt::Display for LocalDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format(DISPLAY_FORMAT))
    }
}

impl Serialize for LocalDateTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0.format(TEXT_FORMAT))
    }
}

impl<'de> Deserialize<'de> for LocalDateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "“{text}” is not a local time like 2026-11-24T16:30:00"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(d: u32, h: u32, m: u32) -> LocalDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, d)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
            .into()
    }

    #[test]
    fn text_display_and_json_keep_todays_formats() {
        let t = at(4, 9, 5);
        assert_eq!(t.to_text(), "2026-11-04T09:05:00");
        assert_eq!(t.to_string(), "04/11/2026 09:05");
        assert_eq!(serde_json::to_value(t).unwrap(), "2026-11-04T09:05:00");
        assert_eq!(
            serde_json::from_value::<LocalDateTime>("2026-11-04T09:05:00".into()).unwrap(),
            t
        );
        assert_eq!(LocalDateTime::parse(&t.to_text()), Some(t));
        for bad in [
            "",
            "2026-11-04",
            "2026-11-04 09:05:00",
            "2026-11-04T09:05",
            "04/11/2026 09:05",
        ] {
            assert_eq!(LocalDateTime::parse(bad), None, "{bad}");
        }
        assert!(serde_json::from_value::<LocalDateTime>("tomorrow".into()).is_err());
    }

    #[test]
    fn order_is_time_order_as_is_the_stored_texts() {
        let times = [at(4, 9, 5), at(4, 16, 30), at(10, 8, 0), at(30, 7, 59)];
        for pair in times.windows(2) {
            assert!(pair[0] < pair[1]);
            assert!(pair[0].to_text() < pair[1].to_text());
        }
    }
}
