//! The administrators' calendar page: each year's official notice (Tết days, the day joined to
//! National Day, compensatory days, swapped and extra days off) and the province's rules
//! (office hours by season, when a dossier is due soon), edited as forms with Vietnamese
//! messages; a form with an error comes back as it was typed. Every save is audited.

use super::{self as calendar, Rules};
use crate::Ctx;
use crate::audit::Actor;
use crate::auth::platform::{PlatformAction, may};
use crate::error::{AppError, FieldError, PageResult};
use crate::extract::Query;
use crate::module::{Access, Routes};
use crate::net::ClientIp;
use crate::web::{Page, form_errors, sv};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate, NaiveTime};
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::BTreeMap;
use tinhso_domain::calendar::{
    AdjacentDay, DaySwap, DueSoonRule, NoticeDayOff, OfficeHours, OfficeSeason, YearNotice,
};

/// Form values by field name, as typed.
type Fields = BTreeMap<String, String>;

/// Blank rows offered below the swaps and extra days already entered.
const BLANK_ROWS: usize = 2;
/// Office-hour seasons the form offers (a summer and a winter schedule).
const SEASONS: usize = 2;

pub fn routes() -> Routes {
    Routes::new("platform")
        .get("/admin/calendar", Access::Entity("platform"), calendar_page)
        .post("/admin/calendar", Access::Entity("platform"), notice_save)
        .post(
            "/admin/calendar/rules",
            Access::Entity("platform"),
            rules_save,
        )
}

#[derive(Deserialize, Default)]
struct CalendarQuery {
    year: Option<i32>,
}

async fn calendar_page(
    State(state): State<Ctx>,
    page: Page,
    Query(q): Query<CalendarQuery>,
) -> PageResult<Response> {
    may(&state, &page.principal(), PlatformAction::ManageCalendar).await?;
    let year = q
        .year
        .unwrap_or_else(|| crate::time::local_now().date().year())
        .clamp(
            tinhso_domain::calendar::MIN_YEAR,
            tinhso_domain::calendar::MAX_YEAR,
        );
    render(&state, &page, year, None, None, &[]).await
}

/// The page, with the notice form holding `notice` and the rules form `rules` when given
/// (a form sent back with errors), else the stored values.
async fn render(
    state: &Ctx,
    page: &Page,
    year: i32,
    notice: Option<Fields>,
    rules: Option<Fields>,
    errors: &[FieldError],
) -> PageResult<Response> {
    let loaded = calendar::load(&state.db).await?;
    let notice = match notice {
        Some(fields) => fields,
        None => notice_fields(
            &calendar::notices(&state.db)
                .await?
                .into_iter()
                .find(|n| n.year == year)
                .unwrap_or_else(|| YearNotice::new(year)),
        ),
    };
    let rules = match rules {
        Some(fields) => fields,
        None => rules_fields(&calendar::rules(&state.db).await?),
    };
    let holidays: Vec<Value> = loaded
        .holidays(year)
        .unwrap_or_default()
        .into_iter()
        .map(|h| {
            context! {
                date => h.date.format("%d/%m/%Y").to_string(),
                weekday => h.date.weekday().number_from_monday(),
                kind => sv(h.kind),
            }
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = page.render(
        "admin/calendar.html",
        context! {
            year => year, holidays => holidays, errors => form_errors(errors),
            notice => sv(&notice), rules => sv(&rules),
            swap_rows => rows(&notice, "swap_worked_"), extra_rows => rows(&notice, "extra_date_"),
            seasons => (0..SEASONS).collect::<Vec<_>>(),
        },
    )?;
    Ok((status, html).into_response())
}

/// Row indexes for a repeated group: up to the last one filled in (by any of its fields),
/// plus `BLANK_ROWS` blank ones.
fn rows(fields: &Fields, prefix: &str) -> Vec<usize> {
    let group = prefix.split('_').next().unwrap_or(prefix);
    let used = fields
        .iter()
        .filter(|(k, v)| k.starts_with(group) && !v.trim().is_empty())
        .filter_map(|(k, _)| k.rsplit('_').next()?.parse::<usize>().ok())
        .map(|i| i + 1)
        .max()
        .unwrap_or(0);
    (0..used + BLANK_ROWS).collect()
}

fn actor(page: &Page, ip: String) -> Actor {
    Actor {
        label: page.principal().actor_label(),
        ip,
    }
}

async fn notice_save(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    may(&state, &page.principal(), PlatformAction::ManageCalendar).await?;
    let fields: Fields = form.into_iter().filter(|(k, _)| k != "_csrf").collect();
    let year = fields
        .get("year")
        .and_then(|y| y.parse::<i32>().ok())
        .filter(|y| {
            (tinhso_domain::calendar::MIN_YEAR..=tinhso_domain::calendar::MAX_YEAR).contains(y)
        })
        .ok_or_else(|| AppError::BadRequest("Năm không hợp lệ.".into()))?;
    let result = match notice_from_fields(year, &fields) {
        Ok(notice) => calendar::save_notice(&state.db, &actor(&page, ip), notice).await,
        Err(errors) => Err(AppError::Validation(errors)),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/admin/calendar?year={year}&saved=1")).into_response()),
        Err(AppError::Validation(errors)) => {
            render(&state, &page, year, Some(fields), None, &errors).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn rules_save(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    may(&state, &page.principal(), PlatformAction::ManageCalendar).await?;
    let fields: Fields = form.into_iter().filter(|(k, _)| k != "_csrf").collect();
    let year = fields
        .get("year")
        .and_then(|y| y.parse::<i32>().ok())
        .unwrap_or_else(|| crate::time::local_now().date().year());
    let result = match rules_from_fields(&fields) {
        Ok(rules) => calendar::save_rules(&state.db, &actor(&page, ip), rules).await,
        Err(errors) => Err(AppError::Validation(errors)),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/admin/calendar?year={year}&saved=1")).into_response()),
        Err(AppError::Validation(errors)) => {
            render(&state, &page, year, None, Some(fields), &errors).await
        }
        Err(e) => Err(e.into()),
    }
}

// ------------------------------------------------------------------ notice <-> form

fn date_text(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// A date as people type it: `dd/mm/yyyy` (also `d/m/yyyy`), or `yyyy-mm-dd` from a date picker.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y-%m-%d"))
        .ok()
}

/// A comma-separated list of dates; `Ok(None)` when blank (the computed default applies).
fn date_list(fields: &Fields, name: &str, errors: &mut Vec<FieldError>) -> Option<Vec<NaiveDate>> {
    let text = fields.get(name).map(|s| s.trim()).unwrap_or("");
    if text.is_empty() {
        return None;
    }
    let mut dates = Vec::new();
    for part in text
        .split([',', ';', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        match parse_date(part) {
            Some(d) => dates.push(d),
            None => {
                errors.push(FieldError::new(
                    name,
                    format!("“{part}” không phải ngày hợp lệ (ngày/tháng/năm)."),
                ));
                return None;
            }
        }
    }
    Some(dates)
}

fn notice_fields(notice: &YearNotice) -> Fields {
    let mut f = Fields::new();
    f.insert("year".into(), notice.year.to_string());
    f.insert(
        "reference".into(),
        notice.reference.clone().unwrap_or_default(),
    );
    let list = |days: &Option<Vec<NaiveDate>>| {
        days.as_ref()
            .map(|d| {
                d.iter()
                    .map(|x| date_text(*x))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    f.insert("tet_days".into(), list(&notice.tet_days));
    f.insert("compensatory_days".into(), list(&notice.compensatory_days));
    let adjacent = match notice.national_day_adjacent {
        None => "",
        Some(AdjacentDay::Before) => "before",
        Some(AdjacentDay::After) => "after",
    };
    f.insert("national_day_adjacent".into(), adjacent.into());
    for (i, swap) in notice.swaps.iter().enumerate() {
        f.insert(format!("swap_worked_{i}"), date_text(swap.worked));
        f.insert(format!("swap_off_{i}"), date_text(swap.off));
    }
    for (i, extra) in notice.extra_days_off.iter().enumerate() {
        f.insert(format!("extra_date_{i}"), date_text(extra.date));
        f.insert(
            format!("extra_reason_{i}"),
            extra.reason.clone().unwrap_or_default(),
        );
    }
    f
}

/// The notice the form describes, or every field's error in Vietnamese.
pub fn notice_from_fields(year: i32, fields: &Fields) -> Result<YearNotice, Vec<FieldError>> {
    let mut errors = Vec::new();
    let get = |k: &str| fields.get(k).map(|s| s.trim()).unwrap_or("");
    let mut notice = YearNotice::new(year);
    notice.reference = Some(get("reference").to_owned()).filter(|r| !r.is_empty());
    notice.tet_days = date_list(fields, "tet_days", &mut errors);
    notice.compensatory_days = date_list(fields, "compensatory_days", &mut errors);
    for (name, days) in [
        ("tet_days", &notice.tet_days),
        ("compensatory_days", &notice.compensatory_days),
    ] {
        if days.iter().flatten().any(|d| d.year() != year) {
            errors.push(FieldError::new(
                name,
                format!("Các ngày phải thuộc năm {year}."),
            ));
        }
    }
    notice.national_day_adjacent = match get("national_day_adjacent") {
        "before" => Some(AdjacentDay::Before),
        "after" => Some(AdjacentDay::After),
        _ => None,
    };
    for i in rows(fields, "swap_worked_") {
        let (worked_key, off_key) = (format!("swap_worked_{i}"), format!("swap_off_{i}"));
        let (worked, off) = (get(&worked_key), get(&off_key));
        if worked.is_empty() && off.is_empty() {
            continue;
        }
        match (parse_date(worked), parse_date(off)) {
            (Some(worked), Some(off)) if worked == off => errors.push(FieldError::new(
                &off_key,
                "Ngày làm bù và ngày nghỉ hoán đổi phải khác nhau.",
            )),
            (Some(worked), Some(off)) => notice.swaps.push(DaySwap { worked, off }),
            (None, _) => errors.push(FieldError::new(
                &worked_key,
                "Ngày làm bù không hợp lệ (ngày/tháng/năm).",
            )),
            (_, None) => errors.push(FieldError::new(
                &off_key,
                "Ngày nghỉ hoán đổi không hợp lệ (ngày/tháng/năm).",
            )),
        }
    }
    for i in rows(fields, "extra_date_") {
        let key = format!("extra_date_{i}");
        let (date, reason) = (get(&key), get(&format!("extra_reason_{i}")));
        if date.is_empty() && reason.is_empty() {
            continue;
        }
        match parse_date(date) {
            Some(date) => notice.extra_days_off.push(NoticeDayOff {
                date,
                reason: Some(reason.to_owned()).filter(|r| !r.is_empty()),
            }),
            None => errors.push(FieldError::new(
                &key,
                "Ngày nghỉ không hợp lệ (ngày/tháng/năm).",
            )),
        }
    }
    if errors.is_empty() {
        Ok(notice)
    } else {
        Err(errors)
    }
}

// ------------------------------------------------------------------ rules <-> form

const TIMES: [&str; 4] = [
    "morning_start",
    "morning_end",
    "afternoon_start",
    "afternoon_end",
];

fn rules_fields(rules: &Rules) -> Fields {
    let mut f = Fields::new();
    let seasons = if rules.office_seasons.is_empty() {
        vec![OfficeSeason {
            from_month: 1,
            from_day: 1,
            hours: OfficeHours::default(),
        }]
    } else {
        rules.office_seasons.clone()
    };
    for (i, season) in seasons.iter().enumerate() {
        f.insert(
            format!("season_{i}_from"),
            format!("{:02}/{:02}", season.from_day, season.from_month),
        );
        let h = season.hours;
        for (name, time) in TIMES.iter().zip([
            h.morning_start,
            h.morning_end,
            h.afternoon_start,
            h.afternoon_end,
        ]) {
            f.insert(
                format!("season_{i}_{name}"),
                time.format("%H:%M").to_string(),
            );
        }
    }
    f.insert(
        "due_soon_percent".into(),
        rules.due_soon.percent.to_string(),
    );
    f.insert(
        "due_soon_floor".into(),
        rules.due_soon.floor_minutes.to_string(),
    );
    f.insert(
        "due_soon_cap".into(),
        rules.due_soon.cap_minutes.to_string(),
    );
    f
}

/// The rules the form describes, or every field's error in Vietnamese. A season whose
/// fields are all blank is left out; the first is required.
pub fn rules_from_fields(fields: &Fields) -> Result<Rules, Vec<FieldError>> {
    let mut errors = Vec::new();
    let get = |k: &str| fields.get(k).map(|s| s.trim()).unwrap_or("");
    let mut seasons = Vec::new();
    for i in 0..SEASONS {
        let from_key = format!("season_{i}_from");
        let blank = get(&from_key).is_empty()
            && TIMES
                .iter()
                .all(|n| get(&format!("season_{i}_{n}")).is_empty());
        if blank && i > 0 {
            continue;
        }
        let from = get(&from_key)
            .split_once('/')
            .and_then(|(d, m)| Some((d.trim().parse::<u32>().ok()?, m.trim().parse::<u32>().ok()?)))
            .filter(|(d, m)| NaiveDate::from_ymd_opt(2000, *m, *d).is_some());
        if from.is_none() {
            errors.push(FieldError::new(
                &from_key,
                "Ngày bắt đầu phải có dạng ngày/tháng, ví dụ 15/04.",
            ));
        }
        let mut times = Vec::new();
        for name in TIMES {
            let key = format!("season_{i}_{name}");
            match NaiveTime::parse_from_str(get(&key), "%H:%M") {
                Ok(t) => times.push(t),
                Err(_) => errors.push(FieldError::new(
                    &key,
                    "Giờ phải có dạng giờ:phút, ví dụ 07:30.",
                )),
            }
        }
        if let (Some((day, month)), [a, b, c, d]) = (from, times.as_slice()) {
            match OfficeHours::new(*a, *b, *c, *d) {
                Ok(hours) => seasons.push(OfficeSeason {
                    from_month: month,
                    from_day: day,
                    hours,
                }),
                Err(_) => errors.push(FieldError::new(
                    &format!("season_{i}_morning_start"),
                    "Giờ làm việc phải theo thứ tự: vào sáng < tan sáng ≤ vào chiều < tan chiều.",
                )),
            }
        }
    }
    let number = |key: &str, errors: &mut Vec<FieldError>, max: u32| -> u32 {
        match get(key).parse::<u32>() {
            Ok(n) if n <= max => n,
            _ => {
                errors.push(FieldError::new(
                    key,
                    format!("Nhập một số nguyên từ 0 đến {max}."),
                ));
                0
            }
        }
    };
    let due_soon = DueSoonRule {
        percent: number("due_soon_percent", &mut errors, 100) as u8,
        floor_minutes: number("due_soon_floor", &mut errors, 100_000),
        cap_minutes: number("due_soon_cap", &mut errors, 100_000),
    };
    if errors.is_empty() && due_soon.validate().is_err() {
        errors.push(FieldError::new(
            "due_soon_floor",
            "Mức tối thiểu không được lớn hơn mức tối đa.",
        ));
    }
    if errors.is_empty() {
        Ok(Rules {
            office_seasons: seasons,
            due_soon,
        })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_notice_round_trips_through_the_form() {
        let notice = YearNotice {
            year: 2026,
            reference: Some("TB 2026".into()),
            tet_days: Some(vec![NaiveDate::from_ymd_opt(2026, 2, 16).unwrap()]),
            national_day_adjacent: Some(AdjacentDay::Before),
            compensatory_days: None,
            swaps: vec![DaySwap {
                worked: NaiveDate::from_ymd_opt(2026, 8, 22).unwrap(),
                off: NaiveDate::from_ymd_opt(2026, 8, 31).unwrap(),
            }],
            extra_days_off: vec![NoticeDayOff {
                date: NaiveDate::from_ymd_opt(2026, 5, 19).unwrap(),
                reason: Some("Quốc tang".into()),
            }],
        };
        let f = notice_fields(&notice);
        assert_eq!(f["swap_off_0"], "31/08/2026");
        assert_eq!(notice_from_fields(2026, &f).unwrap(), notice);
    }

    #[test]
    fn notice_errors_are_per_field_and_in_vietnamese() {
        let f = fields(&[
            ("tet_days", "16/02/2026, 31/02/2026"),
            ("compensatory_days", "02/01/2027"),
            ("swap_worked_0", "22/08/2026"),
            ("swap_off_0", ""),
            ("extra_date_1", "hôm qua"),
        ]);
        let errors = notice_from_fields(2026, &f).unwrap_err();
        let by: BTreeMap<_, _> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.message.as_str()))
            .collect();
        assert!(by["tet_days"].contains("31/02/2026"));
        assert_eq!(by["compensatory_days"], "Các ngày phải thuộc năm 2026.");
        assert!(by["swap_off_0"].contains("Ngày nghỉ hoán đổi"));
        assert!(by["extra_date_1"].contains("ngày/tháng/năm"));
        // Blank rows are ignored.
        assert_eq!(
            notice_from_fields(2026, &Fields::new()).unwrap(),
            YearNotice::new(2026)
        );
    }

    #[test]
    fn blank_rows_do_not_pile_up() {
        let f = fields(&[
            ("swap_worked_0", "22/08/2026"),
            ("swap_off_0", ""),
            ("swap_worked_1", ""),
            ("swap_off_1", ""),
            ("swap_worked_2", ""),
            ("swap_off_2", "  "),
            ("extra_reason_1", "Quốc tang"),
        ]);
        assert_eq!(rows(&f, "swap_worked_"), [0, 1, 2]);
        assert_eq!(rows(&f, "extra_date_"), [0, 1, 2, 3]);
        assert_eq!(rows(&Fields::new(), "swap_worked_"), [0, 1]);
    }

    #[test]
    fn rules_from_the_form() {
        let mut f = rules_fields(&Rules::default());
        assert_eq!(f["season_0_afternoon_start"], "13:00");
        assert_eq!(rules_from_fields(&f).unwrap().office_seasons.len(), 1);
        for (k, v) in [
            ("season_1_from", "15/10"),
            ("season_1_morning_start", "07:30"),
            ("season_1_morning_end", "12:00"),
            ("season_1_afternoon_start", "13:00"),
            ("season_1_afternoon_end", "16:30"),
            ("season_0_from", "15/04"),
        ] {
            f.insert(k.into(), v.into());
        }
        let rules = rules_from_fields(&f).unwrap();
        assert_eq!(rules.office_seasons.len(), 2);
        assert_eq!(rules.office_seasons[1].from_month, 10);
        f.insert("season_1_afternoon_end".into(), "5 giờ".into());
        f.insert("due_soon_percent".into(), "150".into());
        let errors = rules_from_fields(&f).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["season_1_afternoon_end", "due_soon_percent"]);
    }
}
