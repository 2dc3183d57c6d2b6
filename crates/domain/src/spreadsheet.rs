//! Cells written to CSV files that people open in spreadsheet programs. A cell beginning with
//! `=`, `+`, `-`, `@`, a tab or a carriage return is read there as a formula, so a name typed by
//! anyone (a sub-agency called `=HYPERLINK(...)`) could run when an official opens an export
//! (CSV injection, OWASP). Such cells are written with a leading apostrophe, which spreadsheet
//! programs show as text; importers take it off again.

use std::borrow::Cow;

const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The cell as it is safe to write. Plain numbers (`-12.5`) stay as they are.
pub fn neutralize(cell: &str) -> Cow<'_, str> {
    let risky = cell.starts_with(FORMULA_STARTS);
    let number = cell.parse::<f64>().is_ok_and(f64::is_finite);
    if risky && !number {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The cell as typed, from one written by `neutralize` (an export read back by an import).
pub fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_written_as_text() {
        for bad in [
            "=HYPERLINK(\"http://x\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\r=1",
        ] {
            let safe = neutralize(bad);
            assert!(safe.starts_with('\''), "{bad:?} neutralised");
            assert_eq!(restore(&safe), bad, "round trip of {bad:?}");
        }
    }

    #[test]
    fn ordinary_text_and_numbers_are_untouched() {
        for fine in ["Sở Tư pháp", "12", "-12.5", "", "a=b", "'quoted"] {
            assert_eq!(neutralize(fine), fine);
            assert_eq!(restore(fine), fine);
        }
    }
}
