//! Numbers as people read them: digit grouping and decimal commas by language, and amounts of
//! money in Vietnamese words for receipts ("Hai trăm nghìn đồng").
//!
//! Vietnamese groups thousands with a dot and writes decimals with a comma (200.000; 100,0 %);
//! English does the opposite (200,000; 100.0 %). Pages, exports and generated documents all
//! print numbers through these functions so a page never mixes the two.

/// Which convention to print numbers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberStyle {
    /// `1.005.000`, `99,5`.
    Vietnamese,
    /// `1,005,000`, `99.5`.
    English,
}

impl NumberStyle {
    const fn group(self) -> char {
        match self {
            Self::Vietnamese => '.',
            Self::English => ',',
        }
    }

    const fn decimal(self) -> char {
        match self {
            Self::Vietnamese => ',',
            Self::English => '.',
        }
    }
}

/// An integer with its thousands grouped: `1.005.000` or `1,005,000`.
pub fn integer(n: i64, style: NumberStyle) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(style.group());
        }
        out.push(c);
    }
    out
}

/// A number with exactly `places` decimals, grouped: `1.234,5` or `1,234.5`.
pub fn decimal(x: f64, places: u32, style: NumberStyle) -> String {
    let scale = 10_i64.pow(places);
    // Rounded once, to the shown precision, so 99.95 with one place prints 100,0 not 99,10.
    let scaled = (x * scale as f64).round() as i64;
    let whole = integer(scaled / scale, style);
    let sign = if scaled < 0 && scaled / scale == 0 {
        "-"
    } else {
        ""
    };
    if places == 0 {
        return format!("{sign}{whole}");
    }
    let frac = (scaled % scale).unsigned_abs();
    format!(
        "{sign}{whole}{}{frac:0width$}",
        style.decimal(),
        width = places as usize
    )
}

/// A number of half units with the fraction only when there is one: `1`, `1,5` / `1.5`.
pub fn halves(half: u32, style: NumberStyle) -> String {
    let whole = integer(i64::from(half / 2), style);
    if half.is_multiple_of(2) {
        whole
    } else {
        format!("{whole}{}5", style.decimal())
    }
}

const DIGITS: [&str; 10] = [
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
];

/// Reads a group of three digits (0..=999). `full` when a higher group precedes it, so that
/// zeros are read out ("một triệu không trăm linh năm nghìn").
fn group_in_words(n: u64, full: bool) -> Vec<&'static str> {
    let (hundreds, tens, units) = (
        (n / 100) as usize,
        (n / 10 % 10) as usize,
        (n % 10) as usize,
    );
    let mut words = Vec::new();
    if hundreds > 0 || full {
        words.extend([DIGITS[hundreds], "trăm"]);
    }
    match tens {
        0 if units > 0 && (hundreds > 0 || full) => words.push("linh"),
        0 => {}
        1 => words.push("mười"),
        t => words.extend([DIGITS[t], "mươi"]),
    }
    match units {
        0 => {}
        1 if tens > 1 => words.push("mốt"),
        4 if tens > 1 => words.push("tư"),
        5 if tens > 0 => words.push("lăm"),
        u => words.push(DIGITS[u]),
    }
    words
}

/// A whole number in Vietnamese words, lower case: `1005000` → "một triệu không trăm linh năm
/// nghìn". Groups above a billion repeat "tỷ" (nghìn tỷ, triệu tỷ), as accountants write them.
pub fn vietnamese_words(n: u64) -> String {
    if n == 0 {
        return DIGITS[0].to_owned();
    }
    const UNITS: [&str; 4] = ["", "nghìn", "triệu", "tỷ"];
    // Split into groups of three digits, least significant first.
    let mut groups = Vec::new();
    let mut rest = n;
    while rest > 0 {
        groups.push(rest % 1000);
        rest /= 1000;
    }
    let mut words: Vec<&str> = Vec::new();
    let top = groups.len() - 1;
    for (i, group) in groups.iter().enumerate().rev() {
        if *group == 0 {
            // An empty billion group still names its unit when lower groups follow a higher
            // one (1.000.000.000.000 = "một nghìn tỷ").
            if i % 3 == 0 && i > 0 && i < top && words.last() != Some(&"tỷ") {
                words.push("tỷ");
            }
            continue;
        }
        words.extend(group_in_words(*group, i < top));
        let unit = match i {
            0 => "",
            i if i % 3 == 0 => "tỷ",
            i => UNITS[i % 3],
        };
        if !unit.is_empty() {
            words.push(unit);
        }
    }
    words.join(" ")
}

/// An amount of đồng in words for a receipt, capitalised: "Hai trăm nghìn đồng".
pub fn dong_in_words(amount: u64) -> String {
    let words = format!("{} đồng", vietnamese_words(amount));
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use NumberStyle::{English, Vietnamese};

    #[test]
    fn grouping() {
        assert_eq!(integer(0, Vietnamese), "0");
        assert_eq!(integer(999, Vietnamese), "999");
        assert_eq!(integer(1000, Vietnamese), "1.000");
        assert_eq!(integer(200_000, Vietnamese), "200.000");
        assert_eq!(integer(1_005_000, English), "1,005,000");
        assert_eq!(integer(-15_000, Vietnamese), "-15.000");
        assert_eq!(integer(i64::MIN, English), "-9,223,372,036,854,775,808");
    }

    #[test]
    fn decimals() {
        assert_eq!(decimal(100.0, 1, Vietnamese), "100,0");
        assert_eq!(decimal(100.0, 1, English), "100.0");
        assert_eq!(decimal(99.95, 1, Vietnamese), "100,0");
        assert_eq!(decimal(1234.5, 1, Vietnamese), "1.234,5");
        assert_eq!(decimal(4.25, 2, English), "4.25");
        assert_eq!(decimal(-0.5, 1, English), "-0.5");
        assert_eq!(decimal(7.0, 0, English), "7");
        assert_eq!(halves(2, Vietnamese), "1");
        assert_eq!(halves(3, Vietnamese), "1,5");
        assert_eq!(halves(3, English), "1.5");
    }

    #[test]
    fn amounts_in_words() {
        let cases = [
            (0, "không"),
            (1, "một"),
            (10, "mười"),
            (15, "mười lăm"),
            (21, "hai mươi mốt"),
            (25, "hai mươi lăm"),
            (105, "một trăm linh năm"),
            (114, "một trăm mười bốn"),
            (1_000, "một nghìn"),
            (15_000, "mười lăm nghìn"),
            (24_000, "hai mươi tư nghìn"),
            (200_000, "hai trăm nghìn"),
            (1_005_000, "một triệu không trăm linh năm nghìn"),
            (1_000_001, "một triệu không trăm linh một"),
            (2_050_000, "hai triệu không trăm năm mươi nghìn"),
            (200_000_000, "hai trăm triệu"),
            (1_000_000_000, "một tỷ"),
            (1_200_000_000, "một tỷ hai trăm triệu"),
            (1_000_000_000_000, "một nghìn tỷ"),
        ];
        for (n, words) in cases {
            assert_eq!(vietnamese_words(n), words, "{n}");
        }
        assert_eq!(dong_in_words(200_000), "Hai trăm nghìn đồng");
        assert_eq!(dong_in_words(0), "Không đồng");
        assert_eq!(
            dong_in_words(1_005_000),
            "Một triệu không trăm linh năm nghìn đồng"
        );
    }
}
