//! Timestamps are stored as RFC 3339 UTC text with a fixed width, so that text order is time
//! order on both databases. Vietnam is UTC+7 without daylight saving.

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
pub use tinhso_domain::time::LocalDateTime;

pub fn now() -> DateTime<Utc> {
    Utc::now()
}

pub fn to_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn now_text() -> String {
    to_text(now())
}

pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

pub fn vietnam() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset")
}

/// `24/11/2026 19:05` in Vietnam time, as pages show it.
pub fn display(text: &str) -> String {
    parse(text)
        .map(|t| {
            t.with_timezone(&vietnam())
                .format("%d/%m/%Y %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// Now, in Vietnam's local time: the calendar's clock.
pub fn local_now() -> chrono::NaiveDateTime {
    now().with_timezone(&vietnam()).naive_local()
}

/// Now, in Vietnam's local time, typed as deadlines are.
pub fn local_now_typed() -> LocalDateTime {
    local_now().into()
}

/// The stored text of a local time (`LocalDateTime::to_text`).
pub fn local_text(t: chrono::NaiveDateTime) -> String {
    LocalDateTime(t).to_text()
}

/// Reads a stored local time (`LocalDateTime::parse`).
pub fn parse_local(s: &str) -> Option<chrono::NaiveDateTime> {
    LocalDateTime::parse(s).map(LocalDateTime::naive)
}

/// `24/11/2026 16:30`, as forms and pages show local times (`LocalDateTime`'s `Display`).
pub fn display_local(t: chrono::NaiveDateTime) -> String {
    LocalDateTime(t).to_string()
}
