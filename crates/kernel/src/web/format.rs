//! Numbers, money, durations, remaining time and months as the page's language writes them:
//! "200.000 đ", "1,5 ngày làm việc", "100,0%", "Th1/2026" in Vietnamese; "200,000 VND",
//! "1.5 working days", "100.0%", "Jan 2026" in English. Registered as template filters that
//! read the page's `lang`, and callable from Rust for emails and generated documents.

use super::i18n::Lang;
use minijinja::{State, Value};
use tinhso_domain::calendar::Remaining;
use tinhso_domain::numbers::{self, NumberStyle};

fn style(lang: Lang) -> NumberStyle {
    match lang {
        Lang::Vi => NumberStyle::Vietnamese,
        Lang::En => NumberStyle::English,
    }
}

/// The language of the page being rendered (Vietnamese when the page set none).
fn page_lang(state: &State) -> Lang {
    Lang::from_cookie(state.lookup("lang").as_ref().and_then(Value::as_str))
}

/// `200.000` / `200,000`.
pub fn number(lang: Lang, n: i64) -> String {
    numbers::integer(n, style(lang))
}

/// `200.000 đ` / `200,000 VND`.
pub fn money(lang: Lang, amount: i64) -> String {
    match lang {
        Lang::Vi => format!("{} đ", number(lang, amount)),
        Lang::En => format!("{} VND", number(lang, amount)),
    }
}

/// An amount on an official paper (receipt, form 01), always Vietnamese, with the amount in
/// words as receipts write it: "200.000 đồng (Hai trăm nghìn đồng)".
pub fn amount_on_paper(amount: i64) -> String {
    format!(
        "{} đồng ({})",
        number(Lang::Vi, amount),
        numbers::dong_in_words(amount.unsigned_abs())
    )
}

/// `100,0%` / `100.0%`, one decimal, as the statistics compute them.
pub fn percent(lang: Lang, value: f64) -> String {
    format!("{}%", numbers::decimal(value, 1, style(lang)))
}

/// A duration of half working days: `1 ngày làm việc`, `1,5 ngày làm việc` / `1 working
/// day`, `1.5 working days`.
pub fn working_days(lang: Lang, half_days: u32) -> String {
    let n = numbers::halves(half_days, style(lang));
    match lang {
        Lang::Vi => format!("{n} ngày làm việc"),
        Lang::En if half_days == 2 => format!("{n} working day"),
        Lang::En => format!("{n} working days"),
    }
}

/// "còn 2 ngày 3 giờ làm việc" / "2 working days 3 hours left"; "quá hạn 1 giờ làm việc" /
/// "1 working hour overdue". Minutes only within the last day, where they matter.
pub fn remaining(lang: Lang, r: &Remaining) -> String {
    let mut parts = Vec::new();
    let (days, hours, minutes) = (r.days, r.hours, r.minutes);
    let plural = |n: u32, one: &str, many: &str| {
        if n == 1 {
            format!("{n} {one}")
        } else {
            format!("{n} {many}")
        }
    };
    match lang {
        Lang::Vi => {
            if days > 0 {
                parts.push(format!("{days} ngày"));
            }
            if hours > 0 {
                parts.push(format!("{hours} giờ"));
            }
            if days == 0 && (minutes > 0 || hours == 0) {
                parts.push(format!("{minutes} phút"));
            }
            let span = parts.join(" ");
            if r.overdue {
                format!("quá hạn {span} làm việc")
            } else {
                format!("còn {span} làm việc")
            }
        }
        Lang::En => {
            if days > 0 {
                parts.push(plural(days, "working day", "working days"));
            }
            if hours > 0 {
                parts.push(plural(hours, "hour", "hours"));
            }
            if days == 0 && (minutes > 0 || hours == 0) {
                parts.push(plural(minutes, "minute", "minutes"));
            }
            let span = parts.join(" ");
            if r.overdue {
                format!("{span} overdue")
            } else {
                format!("{span} left")
            }
        }
    }
}

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn parse_month(text: &str) -> Option<(i32, usize)> {
    text.split_once('-')
        .and_then(|(y, m)| Some((y.parse::<i32>().ok()?, m.parse::<usize>().ok()?)))
        .filter(|(_, m)| (1..=12).contains(m))
}

/// A month `2026-01` as `Th1/2026` / `Jan 2026`; anything else unchanged.
pub fn month(lang: Lang, text: &str) -> String {
    match (parse_month(text), lang) {
        (Some((y, m)), Lang::Vi) => format!("Th{m}/{y}"),
        (Some((y, m)), Lang::En) => format!("{} {y}", MONTHS_EN[m - 1]),
        (None, _) => text.to_owned(),
    }
}

/// The month alone, for a chart's axis: `Th1` / `Jan`.
pub fn month_short(lang: Lang, text: &str) -> String {
    match (parse_month(text), lang) {
        (Some((_, m)), Lang::Vi) => format!("Th{m}"),
        (Some((_, m)), Lang::En) => MONTHS_EN[m - 1].to_owned(),
        (None, _) => text.to_owned(),
    }
}

/// Registers the filters: `number`, `money`, `percent`, `working_days`, `remaining`, `month`,
/// `month_short`.
pub fn register(env: &mut minijinja::Environment<'static>) {
    env.add_filter("number", |state: &State, n: i64| {
        number(page_lang(state), n)
    });
    env.add_filter("money", |state: &State, n: i64| money(page_lang(state), n));
    env.add_filter("percent", |state: &State, v: Value| {
        // A rate of nothing measured (None) prints as a dash, not 0 %.
        match f64::try_from(v) {
            Ok(x) => percent(page_lang(state), x),
            Err(_) => "—".to_owned(),
        }
    });
    env.add_filter("working_days", |state: &State, half_days: u32| {
        working_days(page_lang(state), half_days)
    });
    env.add_filter("remaining", |state: &State, v: Value| {
        let field = |name: &str| {
            v.get_attr(name)
                .ok()
                .and_then(|x| u32::try_from(x).ok())
                .unwrap_or(0)
        };
        let r = Remaining {
            days: field("days"),
            hours: field("hours"),
            minutes: field("minutes"),
            overdue: v.get_attr("overdue").is_ok_and(|x| x.is_true()),
        };
        remaining(page_lang(state), &r)
    });
    env.add_filter("month", |state: &State, text: String| {
        month(page_lang(state), &text)
    });
    env.add_filter("month_short", |state: &State, text: String| {
        month_short(page_lang(state), &text)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_numbers_and_percentages_by_language() {
        assert_eq!(money(Lang::Vi, 200_000), "200.000 đ");
        assert_eq!(money(Lang::En, 200_000), "200,000 VND");
        assert_eq!(number(Lang::Vi, 1_005_000), "1.005.000");
        assert_eq!(percent(Lang::Vi, 100.0), "100,0%");
        assert_eq!(percent(Lang::En, 100.0), "100.0%");
        assert_eq!(percent(Lang::Vi, 66.7), "66,7%");
        assert_eq!(
            amount_on_paper(200_000),
            "200.000 đồng (Hai trăm nghìn đồng)"
        );
    }

    #[test]
    fn durations_without_a_stray_decimal() {
        assert_eq!(working_days(Lang::Vi, 2), "1 ngày làm việc");
        assert_eq!(working_days(Lang::Vi, 3), "1,5 ngày làm việc");
        assert_eq!(working_days(Lang::En, 2), "1 working day");
        assert_eq!(working_days(Lang::En, 20), "10 working days");
        assert_eq!(working_days(Lang::En, 1), "0.5 working days");
    }

    #[test]
    fn remaining_time_in_days_and_hours() {
        let r = |days, hours, minutes, overdue| Remaining {
            days,
            hours,
            minutes,
            overdue,
        };
        assert_eq!(
            remaining(Lang::Vi, &r(2, 3, 0, false)),
            "còn 2 ngày 3 giờ làm việc"
        );
        assert_eq!(
            remaining(Lang::Vi, &r(0, 7, 0, false)),
            "còn 7 giờ làm việc"
        );
        assert_eq!(
            remaining(Lang::Vi, &r(0, 7, 59, false)),
            "còn 7 giờ 59 phút làm việc"
        );
        assert_eq!(
            remaining(Lang::Vi, &r(1, 0, 59, false)),
            "còn 1 ngày làm việc"
        );
        assert_eq!(
            remaining(Lang::Vi, &r(0, 0, 20, false)),
            "còn 20 phút làm việc"
        );
        assert_eq!(
            remaining(Lang::Vi, &r(1, 0, 0, true)),
            "quá hạn 1 ngày làm việc"
        );
        assert_eq!(
            remaining(Lang::En, &r(1, 1, 0, false)),
            "1 working day 1 hour left"
        );
        assert_eq!(remaining(Lang::En, &r(0, 2, 0, true)), "2 hours overdue");
    }

    #[test]
    fn month_labels() {
        assert_eq!(month(Lang::Vi, "2026-01"), "Th1/2026");
        assert_eq!(month(Lang::En, "2026-01"), "Jan 2026");
        assert_eq!(month(Lang::En, "2026-12"), "Dec 2026");
        assert_eq!(month(Lang::Vi, "tổng"), "tổng");
        assert_eq!(month_short(Lang::Vi, "2026-11"), "Th11");
        assert_eq!(month_short(Lang::En, "2026-11"), "Nov");
    }
}
