//! Confirmation of irreversible actions, without JavaScript. The first POST of such an action
//! (withdraw, refuse, stop, forward, return, reject, hide, delete, revoke…) carries no
//! `confirm` field: it changes nothing and answers with a confirmation step saying what will
//! happen, fees already paid included. Only that step's own POST, carrying `confirm=yes`, does
//! the action; a forged or stale one-tap form can therefore never do it.
//!
//! One mechanism for every module: handlers build a [`Confirmation`] and render it; the page is
//! `confirm.html` around the `confirm_step` macro of `macros.html`.

use super::Page;
use super::i18n::Lang;
use crate::error::PageResult;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::Serialize;

/// The form field that says the person saw the confirmation step, and its only accepted value.
pub const FIELD: &str = "confirm";
pub const YES: &str = "yes";

/// Whether a submitted `confirm` value is the explicit confirmation.
pub fn given(value: Option<&str>) -> bool {
    value == Some(YES)
}

/// What a confirmation step shows and where its final POST goes.
#[derive(Debug, Clone, Serialize)]
pub struct Confirmation {
    /// Suffix of its texts: `confirm_<what>_title`, `_text` and `_button` in the locales.
    pub what: &'static str,
    /// Where the confirmed form posts.
    pub action: String,
    /// Where "go back" leads: the page the action was started from.
    pub cancel: String,
    /// Facts shown before the button, as (label key, value).
    pub facts: Vec<(String, String)>,
    /// A fee already paid, formatted in the page's language.
    pub fee_paid: Option<String>,
    /// Which sentence about that fee: `confirm_fee_citizen` or `confirm_fee_office`.
    pub fee_note: &'static str,
    /// Fields posted again unchanged, as hidden inputs.
    pub hidden: Vec<(String, String)>,
    /// File inputs asked on the step itself, as (field name, label key): a file chosen
    /// before the step could not travel through it.
    pub files: Vec<(String, String)>,
    /// Whether the target reads multipart (its CSRF token then travels in the query).
    pub multipart: bool,
}

impl Confirmation {
    pub fn new(what: &'static str, action: impl Into<String>, cancel: impl Into<String>) -> Self {
        Confirmation {
            what,
            action: action.into(),
            cancel: cancel.into(),
            facts: Vec::new(),
            fee_paid: None,
            fee_note: "confirm_fee_citizen",
            hidden: Vec::new(),
            files: Vec::new(),
            multipart: false,
        }
    }

    pub fn fact(mut self, label_key: &str, value: impl Into<String>) -> Self {
        let value = value.into();
        if !value.trim().is_empty() {
            self.facts.push((label_key.to_owned(), value));
        }
        self
    }

    /// Posts `name=value` again with the confirmation (a reason typed before the step).
    pub fn keep(mut self, name: &str, value: impl Into<String>) -> Self {
        let value = value.into();
        if !value.is_empty() && name != FIELD && name != "_csrf" {
            self.hidden.push((name.to_owned(), value));
        }
        self
    }

    /// Says that `paid` đồng were already paid (nothing when none was), in the words for
    /// the citizen or for the official (`office`).
    pub fn fee(mut self, paid: i64, lang: Lang, office: bool) -> Self {
        if paid > 0 {
            self.fee_paid = Some(amount(paid, lang));
            self.fee_note = if office {
                "confirm_fee_office"
            } else {
                "confirm_fee_citizen"
            };
        }
        self
    }

    pub fn file(mut self, name: &str, label_key: &str) -> Self {
        self.files.push((name.to_owned(), label_key.to_owned()));
        self.multipart = true;
        self
    }

    pub fn multipart(mut self) -> Self {
        self.multipart = true;
        self
    }

    /// The confirmation page. 200: asking is a normal answer, nothing failed.
    pub fn render(&self, page: &Page) -> PageResult<Response> {
        Ok(page
            .render("confirm.html", context! { c => super::sv(self) })?
            .into_response())
    }
}

/// An amount of đồng as people read it: "200.000 đ" in Vietnamese, "200,000 VND" in English.
pub fn amount(vnd: i64, lang: Lang) -> String {
    let digits = vnd.unsigned_abs().to_string();
    let sep = match lang {
        Lang::Vi => '.',
        Lang::En => ',',
    };
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(sep);
        }
        grouped.push(c);
    }
    let sign = if vnd < 0 { "-" } else { "" };
    match lang {
        Lang::Vi => format!("{sign}{grouped} đ"),
        Lang::En => format!("{sign}{grouped} VND"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_grouped_by_thousands_in_each_language() {
        assert_eq!(amount(0, Lang::Vi), "0 đ");
        assert_eq!(amount(800, Lang::Vi), "800 đ");
        assert_eq!(amount(8000, Lang::Vi), "8.000 đ");
        assert_eq!(amount(200000, Lang::Vi), "200.000 đ");
        assert_eq!(amount(1234567, Lang::En), "1,234,567 VND");
        assert_eq!(amount(-5000, Lang::Vi), "-5.000 đ");
    }

    #[test]
    fn only_the_explicit_value_confirms() {
        assert!(given(Some("yes")));
        assert!(!given(None));
        assert!(!given(Some("")));
        assert!(!given(Some("1")));
    }

    #[test]
    fn the_csrf_token_and_the_confirmation_are_never_kept_as_hidden_fields() {
        let c = Confirmation::new("withdraw", "/x", "/y")
            .keep("_csrf", "t")
            .keep("confirm", "yes")
            .keep("note", "lý do")
            .keep("empty", "");
        assert_eq!(c.hidden, vec![("note".to_owned(), "lý do".to_owned())]);
    }
}
