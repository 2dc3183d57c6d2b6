//! Scenario tests and properties of the working-day calendar.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Weekday};
use proptest::prelude::*;

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn dt(y: i32, m: u32, day: u32, h: u32, min: u32) -> NaiveDateTime {
    d(y, m, day).and_hms_opt(h, min, 0).unwrap()
}

fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn days_of(calendar: &Calendar, year: i32, kind: HolidayKind) -> Vec<NaiveDate> {
    calendar
        .holidays(year)
        .unwrap()
        .into_iter()
        .filter(|h| h.kind == kind)
        .map(|h| h.date)
        .collect()
}

fn notice_2025() -> YearNotice {
    YearNotice {
        reference: Some("swap of 2 May 2025".into()),
        swaps: vec![DaySwap {
            worked: d(2025, 4, 26),
            off: d(2025, 5, 2),
        }],
        ..YearNotice::new(2025)
    }
}

// ---------------------------------------------------------------- holidays

#[test]
fn holidays_2025_default() {
    use HolidayKind::*;
    let calendar = Calendar::vietnam_default();
    let expected = vec![
        (d(2025, 1, 1), NewYear),
        (d(2025, 1, 28), LunarNewYear),
        (d(2025, 1, 29), LunarNewYear),
        (d(2025, 1, 30), LunarNewYear),
        (d(2025, 1, 31), LunarNewYear),
        (d(2025, 2, 1), LunarNewYear), // Saturday
        (d(2025, 2, 3), Compensatory), // Monday after
        (d(2025, 4, 7), HungKings),
        (d(2025, 4, 30), ReunificationDay),
        (d(2025, 5, 1), LabourDay),
        (d(2025, 9, 1), NationalDay),
        (d(2025, 9, 2), NationalDay),
    ];
    let got: Vec<_> = calendar
        .holidays(2025)
        .unwrap()
        .into_iter()
        .map(|h| (h.date, h.kind))
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn holidays_2026_default() {
    use HolidayKind::*;
    let calendar = Calendar::vietnam_default();
    assert_eq!(
        days_of(&calendar, 2026, LunarNewYear),
        (16..=20).map(|day| d(2026, 2, day)).collect::<Vec<_>>()
    );
    // Hùng Kings' day 2026 is a Sunday: compensatory Monday.
    assert_eq!(days_of(&calendar, 2026, HungKings), vec![d(2026, 4, 26)]);
    assert_eq!(days_of(&calendar, 2026, Compensatory), vec![d(2026, 4, 27)]);
    assert_eq!(
        calendar.day_kind(d(2026, 4, 26)),
        DayKind::Holiday(HungKings)
    );
    assert_eq!(calendar.holidays(2026).unwrap().len(), 12);
    for day in 16..=20 {
        assert!(!calendar.is_working_day(d(2026, 2, day)));
    }
    assert!(calendar.is_working_day(d(2026, 2, 23)));
    assert!(calendar.is_working_day(d(2026, 2, 13)));
}

#[test]
fn tet_eve_is_day_29_after_a_short_twelfth_month() {
    // 2025: the 12th month of Giáp Thìn had 29 days; its last day is 28 January.
    let eve = solar_to_lunar(d(2025, 1, 28)).unwrap();
    assert_eq!(eve, LunarDate::new(2024, 12, 29));
    let calendar = Calendar::vietnam_default();
    assert_eq!(
        calendar.day_kind(d(2025, 1, 28)),
        DayKind::Holiday(HolidayKind::LunarNewYear)
    );
}

#[test]
fn national_day_2023_on_saturday_gives_compensatory_days() {
    use HolidayKind::*;
    // Default adjacent day: Friday 1 September; Saturday 2 September → Monday 4.
    let calendar = Calendar::vietnam_default();
    assert_eq!(
        days_of(&calendar, 2023, NationalDay),
        vec![d(2023, 9, 1), d(2023, 9, 2)]
    );
    let september = |calendar: &Calendar| -> Vec<NaiveDate> {
        days_of(calendar, 2023, Compensatory)
            .into_iter()
            .filter(|date| date.month() == 9)
            .collect()
    };
    assert_eq!(september(&calendar), vec![d(2023, 9, 4)]);
    assert!(calendar.is_working_day(d(2023, 9, 5)));
    // Adjacent day after: Saturday 2 and Sunday 3 → Monday 4 and Tuesday 5.
    let calendar = Calendar::with_notices(vec![YearNotice {
        national_day_adjacent: Some(AdjacentDay::After),
        ..YearNotice::new(2023)
    }])
    .unwrap();
    assert_eq!(
        days_of(&calendar, 2023, NationalDay),
        vec![d(2023, 9, 2), d(2023, 9, 3)]
    );
    assert_eq!(september(&calendar), vec![d(2023, 9, 4), d(2023, 9, 5)]);
    // The rest of 2023: Sunday 1 January → 2 January; Tết eve Saturday 21 and Tết Sunday 22
    // January → 26 and 27; Hùng Kings Saturday 29 April and Sunday 30 April → 2 and 3 May.
    assert_eq!(
        days_of(&Calendar::vietnam_default(), 2023, Compensatory),
        vec![
            d(2023, 1, 2),
            d(2023, 1, 26),
            d(2023, 1, 27),
            d(2023, 5, 2),
            d(2023, 5, 3),
            d(2023, 9, 4)
        ]
    );
    // A 1-day deadline from Thursday 31 August lands after the break.
    let calendar = Calendar::vietnam_default();
    assert_eq!(
        calendar
            .add_working_time(dt(2023, 8, 31, 9, 0), WorkDuration::days(1))
            .unwrap(),
        dt(2023, 9, 5, 9, 0)
    );
}

#[test]
fn national_day_adjacent_after_2024() {
    let calendar = Calendar::with_notices(vec![YearNotice {
        national_day_adjacent: Some(AdjacentDay::After),
        ..YearNotice::new(2024)
    }])
    .unwrap();
    assert_eq!(
        days_of(&calendar, 2024, HolidayKind::NationalDay),
        vec![d(2024, 9, 2), d(2024, 9, 3)]
    );
    assert!(calendar.is_working_day(d(2024, 9, 4)));
}

#[test]
fn before_labour_code_2019_national_day_is_one_day() {
    let calendar = Calendar::vietnam_default();
    assert_eq!(
        days_of(&calendar, 2020, HolidayKind::NationalDay),
        vec![d(2020, 9, 2)]
    );
    assert!(calendar.is_working_day(d(2020, 9, 1)));
    assert_eq!(
        days_of(&calendar, 2021, HolidayKind::NationalDay),
        vec![d(2021, 9, 1), d(2021, 9, 2)]
    );
}

#[test]
fn compensatory_days_2022() {
    // 2022: 1 January a Saturday → Monday 3; Hùng Kings' day Sunday 10 April → Monday 11;
    // 30 April and 1 May a weekend → Monday 2 and Tuesday 3 May.
    let calendar = Calendar::vietnam_default();
    assert_eq!(
        days_of(&calendar, 2022, HolidayKind::Compensatory),
        vec![d(2022, 1, 3), d(2022, 4, 11), d(2022, 5, 2), d(2022, 5, 3)]
    );
    // Tết 2022: 31 January .. 4 February.
    assert_eq!(
        days_of(&calendar, 2022, HolidayKind::LunarNewYear),
        (0..5)
            .map(|i| d(2022, 1, 31) + TimeDelta::days(i))
            .collect::<Vec<_>>()
    );
}

#[test]
fn swap_2025_saturday_worked_friday_off() {
    let plain = Calendar::vietnam_default();
    let calendar = Calendar::with_notices(vec![notice_2025()]).unwrap();
    assert_eq!(calendar.day_kind(d(2025, 4, 26)), DayKind::NoticeWorkingDay);
    assert!(calendar.is_working_day(d(2025, 4, 26)));
    assert_eq!(
        calendar.day_kind(d(2025, 5, 2)),
        DayKind::Holiday(HolidayKind::SwappedDayOff)
    );
    assert!(!plain.is_working_day(d(2025, 4, 26)));
    assert!(plain.is_working_day(d(2025, 5, 2)));
    assert!(calendar.holidays(2025).unwrap().contains(&Holiday {
        date: d(2025, 5, 2),
        kind: HolidayKind::SwappedDayOff
    }));

    // Friday 25 April 09:00 + 2 days: Saturday 26 counts, then Monday 28.
    let start = dt(2025, 4, 25, 9, 0);
    assert_eq!(
        calendar
            .add_working_time(start, WorkDuration::days(2))
            .unwrap(),
        dt(2025, 4, 28, 9, 0)
    );
    assert_eq!(
        plain
            .add_working_time(start, WorkDuration::days(2))
            .unwrap(),
        dt(2025, 4, 29, 9, 0)
    );
    // + 4 days: 26, 28, 29, then 30/4–4/5 off → Monday 5 May.
    assert_eq!(
        calendar
            .add_working_time(start, WorkDuration::days(4))
            .unwrap(),
        dt(2025, 5, 5, 9, 0)
    );
    // + 3 days: Tuesday 29 April with the swap; without it, Friday 2 May is worked.
    assert_eq!(
        calendar
            .add_working_time(start, WorkDuration::days(3))
            .unwrap(),
        dt(2025, 4, 29, 9, 0)
    );
    assert_eq!(
        plain
            .add_working_time(start, WorkDuration::days(3))
            .unwrap(),
        dt(2025, 5, 2, 9, 0)
    );
}

#[test]
fn notice_replaces_tet_days_and_compensatory_days() {
    let notice = YearNotice {
        tet_days: Some((27..=31).map(|day| d(2025, 1, day)).collect()),
        compensatory_days: Some(vec![]),
        extra_days_off: vec![NoticeDayOff {
            date: d(2025, 12, 31),
            reason: Some("example".into()),
        }],
        ..YearNotice::new(2025)
    };
    let calendar = Calendar::with_notices(vec![notice]).unwrap();
    assert_eq!(
        days_of(&calendar, 2025, HolidayKind::LunarNewYear),
        (27..=31).map(|day| d(2025, 1, day)).collect::<Vec<_>>()
    );
    assert!(days_of(&calendar, 2025, HolidayKind::Compensatory).is_empty());
    assert!(calendar.is_working_day(d(2025, 2, 3)));
    assert_eq!(
        calendar.day_kind(d(2025, 12, 31)),
        DayKind::Holiday(HolidayKind::NoticeDayOff)
    );
    assert!(calendar.notice(2025).is_some());
    assert!(calendar.notice(2024).is_none());
}

#[test]
fn notice_validation() {
    assert_eq!(
        Calendar::with_notices(vec![YearNotice::new(2025), YearNotice::new(2025)]).unwrap_err(),
        CalendarError::DuplicateNotice(2025)
    );
    let outside = YearNotice {
        tet_days: Some(vec![d(2024, 12, 31)]),
        ..YearNotice::new(2025)
    };
    assert!(matches!(
        Calendar::with_notices(vec![outside]),
        Err(CalendarError::NoticeDateOutsideYear { year: 2025, .. })
    ));
    let conflicting = YearNotice {
        extra_days_off: vec![NoticeDayOff {
            date: d(2025, 4, 26),
            reason: None,
        }],
        ..YearNotice::new(2024)
    };
    assert_eq!(
        Calendar::with_notices(vec![notice_2025(), conflicting]).unwrap_err(),
        CalendarError::ConflictingNoticeDate(d(2025, 4, 26))
    );
    let same_day = YearNotice {
        swaps: vec![DaySwap {
            worked: d(2025, 4, 26),
            off: d(2025, 4, 26),
        }],
        ..YearNotice::new(2025)
    };
    assert!(Calendar::with_notices(vec![same_day]).is_err());
    assert_eq!(
        Calendar::with_notices(vec![YearNotice::new(2300)]).unwrap_err(),
        CalendarError::OutOfRange
    );
}

#[test]
fn notice_swap_may_cross_the_year() {
    // Like the new-year swaps: Monday 31 December off, Saturday 5 January worked.
    let notice = YearNotice {
        swaps: vec![DaySwap {
            worked: d(2029, 1, 5),
            off: d(2028, 12, 31),
        }],
        ..YearNotice::new(2029)
    };
    let calendar = Calendar::with_notices(vec![notice]).unwrap();
    assert!(!calendar.is_working_day(d(2028, 12, 31)));
    assert!(calendar.is_working_day(d(2029, 1, 5)));
}

#[test]
fn notice_json_shape() {
    let json = r#"{
        "year": 2025,
        "reference": "TB 2025",
        "swaps": [{"worked": "2025-04-26", "off": "2025-05-02"}],
        "national_day_adjacent": "before"
    }"#;
    let notice: YearNotice = serde_json::from_str(json).unwrap();
    assert_eq!(notice.swaps, notice_2025().swaps);
    assert_eq!(notice.national_day_adjacent, Some(AdjacentDay::Before));
    assert!(notice.tet_days.is_none());
    let back: YearNotice = serde_json::from_str(&serde_json::to_string(&notice).unwrap()).unwrap();
    assert_eq!(back, notice);

    let duration: WorkDuration = serde_json::from_str(r#"{"half_days":3}"#).unwrap();
    assert_eq!(duration, WorkDuration::half_days(3));
    let hours: OfficeHours = serde_json::from_str(
        r#"{"morning_start":"07:30:00","morning_end":"11:30:00",
            "afternoon_start":"13:00:00","afternoon_end":"17:00:00"}"#,
    )
    .unwrap();
    assert_eq!(hours, OfficeHours::default());
    let cutoff: CutoffRule = serde_json::from_str(r#"{"after":"15:00:00"}"#).unwrap();
    assert_eq!(cutoff, CutoffRule::default());
    assert_eq!(
        serde_json::to_string(&DeadlineStatus::DueSoon).unwrap(),
        r#""due_soon""#
    );
    assert_eq!(
        serde_json::to_string(&DayKind::Holiday(HolidayKind::LunarNewYear)).unwrap(),
        r#"{"type":"holiday","holiday":"lunar_new_year"}"#
    );
}

#[test]
fn weekly_rest_days_are_configurable() {
    let calendar = Calendar::vietnam_default()
        .with_weekly_rest_days(&[Weekday::Sun])
        .unwrap();
    assert!(calendar.is_working_day(d(2025, 3, 1))); // Saturday
    assert!(!calendar.is_working_day(d(2025, 3, 2)));
    // Saturday 1 February 2025 (Tết) is no longer a rest day: no compensatory day.
    assert!(days_of(&calendar, 2025, HolidayKind::Compensatory).is_empty());
    assert_eq!(
        Calendar::vietnam_default()
            .with_weekly_rest_days(&[
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
                Weekday::Sat,
                Weekday::Sun
            ])
            .unwrap_err(),
        CalendarError::NoWorkingWeekday
    );
}

#[test]
fn out_of_range_years() {
    let calendar = Calendar::vietnam_default();
    assert_eq!(calendar.holidays(1799), Err(CalendarError::OutOfRange));
    assert_eq!(
        calendar.add_working_time(dt(2199, 12, 31, 9, 0), WorkDuration::days(1)),
        Err(CalendarError::OutOfRange)
    );
    assert_eq!(
        calendar.add_working_time(dt(1700, 1, 4, 9, 0), WorkDuration::days(1)),
        Err(CalendarError::OutOfRange)
    );
    // Outside the lunar range only solar holidays are known.
    assert!(!calendar.is_working_day(d(2300, 1, 1)));
    assert_eq!(
        calendar.add_working_time(dt(2025, 1, 2, 9, 0), WorkDuration::half_days(u32::MAX)),
        Err(CalendarError::OutOfRange)
    );
}

// ---------------------------------------------------------------- working time

#[test]
fn one_day_is_same_time_next_working_day() {
    let calendar = Calendar::vietnam_default();
    // Monday 3 March 2025.
    assert_eq!(
        calendar
            .add_working_time(dt(2025, 3, 3, 9, 0), WorkDuration::days(1))
            .unwrap(),
        dt(2025, 3, 4, 9, 0)
    );
    // Friday → Monday.
    assert_eq!(
        calendar
            .add_working_days(dt(2025, 3, 7, 16, 20), WorkDuration::days(1))
            .unwrap(),
        dt(2025, 3, 10, 16, 20)
    );
    // Opening time + 1 day → the same day's closing time: the day is used up then, and the
    // appointment is the end of that working day, not the next opening.
    assert_eq!(
        calendar
            .add_working_time(dt(2025, 3, 3, 7, 30), WorkDuration::days(1))
            .unwrap(),
        dt(2025, 3, 3, 17, 0)
    );
    // Friday opening + 1 day → Friday closing, not Monday morning.
    assert_eq!(
        calendar
            .add_working_time(dt(2025, 3, 7, 7, 30), WorkDuration::days(1))
            .unwrap(),
        dt(2025, 3, 7, 17, 0)
    );
    // Zero duration only normalises.
    assert_eq!(
        calendar
            .add_working_time(dt(2025, 3, 3, 9, 0), WorkDuration::ZERO)
            .unwrap(),
        dt(2025, 3, 3, 9, 0)
    );
}

#[test]
fn outside_office_hours_counts_from_next_session() {
    let calendar = Calendar::vietnam_default();
    let one = WorkDuration::days(1);
    // Lunch break → counts from the afternoon start, runs out when the next morning ends.
    assert_eq!(
        calendar
            .add_working_time(dt(2025, 3, 3, 12, 0), one)
            .unwrap(),
        dt(2025, 3, 4, 11, 30)
    );
    // End of the morning session is the start of the afternoon one.
    assert_eq!(
        calendar
            .add_working_time(dt(2025, 3, 3, 11, 30), one)
            .unwrap(),
        dt(2025, 3, 4, 11, 30)
    );
    // Evening → next working day's opening; + 1 day → that day's closing.
    assert_eq!(
        calendar
            .add_working_time(dt(2025, 3, 3, 18, 0), one)
            .unwrap(),
        dt(2025, 3, 4, 17, 0)
    );
    // Early morning → same day's opening, used up at its closing.
    assert_eq!(
        calendar
            .add_working_time(dt(2025, 3, 3, 6, 0), one)
            .unwrap(),
        dt(2025, 3, 3, 17, 0)
    );
    // Saturday → Monday opening, + 1 → Monday closing.
    assert_eq!(
        calendar
            .add_working_time(dt(2025, 3, 8, 10, 0), one)
            .unwrap(),
        dt(2025, 3, 10, 17, 0)
    );
    assert_eq!(
        calendar.count_start(dt(2025, 3, 8, 10, 0), None).unwrap(),
        dt(2025, 3, 10, 7, 30)
    );
}

#[test]
fn half_day_durations() {
    let calendar = Calendar::vietnam_default();
    let half = WorkDuration::half_days(1);
    // Half a day is 4 h of office time with the default 8-hour day: one session.
    assert_eq!(
        half.working_time(calendar.office_hours()),
        TimeDelta::minutes(240)
    );
    assert_eq!(
        calendar
            .add_working_time(dt(2025, 3, 3, 9, 0), half)
            .unwrap(),
        dt(2025, 3, 3, 14, 30)
    );
    // A morning used up ends at the end of the morning, not at the afternoon's start.
    assert_eq!(
        calendar
            .add_working_time(dt(2025, 3, 3, 7, 30), half)
            .unwrap(),
        dt(2025, 3, 3, 11, 30)
    );
    assert_eq!(
        calendar
            .add_working_time(dt(2025, 3, 3, 13, 0), half)
            .unwrap(),
        dt(2025, 3, 3, 17, 0)
    );
    // 1.5 days.
    assert_eq!(
        calendar
            .add_working_time(dt(2025, 3, 3, 9, 0), WorkDuration::half_days(3))
            .unwrap(),
        dt(2025, 3, 4, 14, 30)
    );
    // Two halves make a day.
    let twice = calendar
        .add_working_time(
            calendar
                .add_working_time(dt(2025, 3, 3, 9, 0), half)
                .unwrap(),
            half,
        )
        .unwrap();
    assert_eq!(twice, dt(2025, 3, 4, 9, 0));
    // Unequal sessions (7.5 h): half a day is 3 h 45.
    let uneven = OfficeHours::new(t(7, 30), t(11, 30), t(13, 30), t(17, 0)).unwrap();
    let calendar = Calendar::vietnam_default()
        .with_office_hours(uneven)
        .unwrap();
    assert_eq!(
        calendar
            .add_working_time(dt(2025, 3, 3, 7, 30), half)
            .unwrap(),
        dt(2025, 3, 3, 11, 15)
    );
    assert_eq!(
        calendar
            .add_working_time(dt(2025, 3, 3, 9, 0), half)
            .unwrap(),
        dt(2025, 3, 3, 14, 45)
    );
    assert_eq!(
        calendar
            .add_working_time(dt(2025, 3, 3, 13, 30), half)
            .unwrap(),
        dt(2025, 3, 4, 7, 45)
    );
}

#[test]
fn work_duration_basics() {
    assert_eq!(WorkDuration::days(2).as_half_days(), 4);
    assert_eq!(WorkDuration::half_days(3).as_days(), 1.5);
    assert_eq!(WorkDuration::half_days(3).to_string(), "1.5");
    assert_eq!(WorkDuration::days(10).to_string(), "10");
    assert_eq!(
        WorkDuration::days(1) + WorkDuration::half_days(1),
        WorkDuration::half_days(3)
    );
    assert_eq!(
        WorkDuration::half_days(u32::MAX).checked_add(WorkDuration::half_days(1)),
        None
    );
    assert_eq!(
        WorkDuration::days(1).working_time(&OfficeHours::default()),
        TimeDelta::minutes(480)
    );
}

#[test]
fn office_hours_validation() {
    assert!(OfficeHours::new(t(8, 0), t(7, 0), t(13, 0), t(17, 0)).is_err());
    assert!(OfficeHours::new(t(7, 0), t(12, 0), t(11, 0), t(17, 0)).is_err());
    assert!(OfficeHours::new(t(7, 0), t(11, 0), t(17, 0), t(17, 0)).is_err());
    // No lunch break is allowed.
    let continuous = OfficeHours::new(t(8, 0), t(12, 0), t(12, 0), t(16, 0)).unwrap();
    let calendar = Calendar::vietnam_default()
        .with_office_hours(continuous)
        .unwrap();
    assert_eq!(
        calendar
            .add_working_time(dt(2025, 3, 3, 11, 0), WorkDuration::half_days(1))
            .unwrap(),
        dt(2025, 3, 3, 15, 0)
    );
    assert!(
        Calendar::vietnam_default()
            .with_office_hours(OfficeHours {
                morning_start: t(9, 0),
                ..OfficeHours::default()
            })
            .is_ok()
    );
    assert!(
        Calendar::vietnam_default()
            .with_office_hours(OfficeHours {
                morning_start: t(12, 0),
                ..OfficeHours::default()
            })
            .is_err()
    );
    let hours = OfficeHours::default();
    assert!(hours.contains(t(7, 30)));
    assert!(!hours.contains(t(11, 30)));
    assert!(!hours.contains(t(17, 0)));
    assert_eq!(hours.working_day(), TimeDelta::minutes(480));
}

#[test]
fn receipt_after_cutoff_moves_to_next_working_day() {
    let calendar = Calendar::vietnam_default();
    let cutoff = CutoffRule::default();
    assert_eq!(cutoff.after, t(15, 0));
    let one = WorkDuration::days(1);
    // Monday 15:30: counts from Tuesday 07:30 → due at Tuesday's closing.
    assert_eq!(
        calendar
            .count_start(dt(2025, 3, 3, 15, 30), Some(&cutoff))
            .unwrap(),
        dt(2025, 3, 4, 7, 30)
    );
    assert_eq!(
        calendar
            .due(dt(2025, 3, 3, 15, 30), one, Some(&cutoff))
            .unwrap(),
        dt(2025, 3, 4, 17, 0)
    );
    // Without the rule: Tuesday 15:30.
    assert_eq!(
        calendar.due(dt(2025, 3, 3, 15, 30), one, None).unwrap(),
        dt(2025, 3, 4, 15, 30)
    );
    // Exactly 15:00 is not after the cutoff.
    assert_eq!(
        calendar
            .due(dt(2025, 3, 3, 15, 0), one, Some(&cutoff))
            .unwrap(),
        dt(2025, 3, 4, 15, 0)
    );
    // Friday 16:00 → Monday 07:30; Saturday → Monday 07:30 as well.
    assert_eq!(
        calendar
            .count_start(dt(2025, 3, 7, 16, 0), Some(&cutoff))
            .unwrap(),
        dt(2025, 3, 10, 7, 30)
    );
    assert_eq!(
        calendar
            .count_start(dt(2025, 3, 8, 16, 0), Some(&cutoff))
            .unwrap(),
        dt(2025, 3, 10, 7, 30)
    );
    // Before a holiday: Tuesday 29 April 2025 16:00 → Friday 2 May (no swap notice).
    assert_eq!(
        calendar
            .count_start(dt(2025, 4, 29, 16, 0), Some(&cutoff))
            .unwrap(),
        dt(2025, 5, 2, 7, 30)
    );
    // A custom cutoff.
    let noon = CutoffRule::new(t(11, 0));
    assert_eq!(
        calendar
            .count_start(dt(2025, 3, 3, 11, 15), Some(&noon))
            .unwrap(),
        dt(2025, 3, 4, 7, 30)
    );
}

#[test]
fn five_day_deadline_spanning_tet_2026() {
    let calendar = Calendar::vietnam_default();
    // Thursday 12 February 2026, 09:00. Working days: Fri 13; Tết 16–20 and both weekends
    // off; Mon 23, Tue 24, Wed 25, Thu 26.
    let received = dt(2026, 2, 12, 9, 0);
    let due = calendar.due(received, WorkDuration::days(5), None).unwrap();
    assert_eq!(due, dt(2026, 2, 26, 9, 0));
    assert_eq!(
        calendar.working_minutes_between(received, due).unwrap(),
        5 * 480
    );
    // Received on the eve of Tết (a holiday) → counts from Monday 23 February, used up at
    // its closing.
    assert_eq!(
        calendar
            .due(dt(2026, 2, 16, 9, 0), WorkDuration::days(1), None)
            .unwrap(),
        dt(2026, 2, 23, 17, 0)
    );
}

#[test]
fn supplement_wait_across_a_holiday() {
    let calendar = Calendar::vietnam_default();
    // Wednesday 2 April 2025, 09:00, 3 days. Monday 7 April is Hùng Kings' day.
    let received = dt(2025, 4, 2, 9, 0);
    let three = WorkDuration::days(3);
    let due = calendar.due(received, three, None).unwrap();
    assert_eq!(due, dt(2025, 4, 8, 9, 0));
    // Waiting for a supplement from Friday 16:00 to Tuesday 10:00: 60 + 150 working minutes
    // (the weekend and the holiday do not count).
    let pause = Pause::new(dt(2025, 4, 4, 16, 0), dt(2025, 4, 8, 10, 0));
    assert_eq!(
        calendar
            .working_minutes_between(pause.start, pause.end)
            .unwrap(),
        210
    );
    let extended = calendar
        .due_with_pauses(received, three, None, &[pause])
        .unwrap();
    assert_eq!(extended, dt(2025, 4, 8, 14, 0));
    assert_eq!(
        calendar.working_minutes_between(due, extended).unwrap(),
        210
    );
    // Overlapping and duplicated pauses count once.
    let inner = Pause::new(dt(2025, 4, 7, 8, 0), dt(2025, 4, 8, 9, 0));
    assert_eq!(
        calendar
            .due_with_pauses(received, three, None, &[inner, pause, pause])
            .unwrap(),
        extended
    );
    // Two separate pauses add up.
    let second = Pause::new(dt(2025, 4, 8, 13, 30), dt(2025, 4, 8, 14, 0));
    assert_eq!(
        calendar
            .due_with_pauses(received, three, None, &[second, pause])
            .unwrap(),
        dt(2025, 4, 8, 14, 30)
    );
}

#[test]
fn pauses_outside_the_running_clock_change_nothing() {
    let calendar = Calendar::vietnam_default();
    let received = dt(2025, 3, 3, 9, 0);
    let one = WorkDuration::days(1);
    let due = calendar.due(received, one, None).unwrap();
    // Before the count start.
    let before = Pause::new(dt(2025, 3, 1, 9, 0), dt(2025, 3, 3, 8, 0));
    // After the deadline passed: no excuse for lateness.
    let after = Pause::new(dt(2025, 3, 5, 9, 0), dt(2025, 3, 6, 9, 0));
    // Starting exactly at the deadline.
    let at = Pause::new(due, dt(2025, 3, 6, 9, 0));
    // Empty.
    let empty = Pause::new(dt(2025, 3, 3, 10, 0), dt(2025, 3, 3, 10, 0));
    assert_eq!(
        calendar
            .due_with_pauses(received, one, None, &[before, after, at, empty])
            .unwrap(),
        due
    );
    // A pause over the receipt moment shifts the start.
    let over = Pause::new(dt(2025, 3, 3, 8, 0), dt(2025, 3, 3, 10, 0));
    assert_eq!(
        calendar
            .due_with_pauses(received, one, None, &[over])
            .unwrap(),
        dt(2025, 3, 4, 10, 0)
    );
    let reversed = Pause::new(dt(2025, 3, 3, 10, 0), dt(2025, 3, 3, 9, 0));
    assert_eq!(
        calendar.due_with_pauses(received, one, None, &[reversed]),
        Err(CalendarError::InvalidPause)
    );
}

#[test]
fn working_time_between_moments() {
    let calendar = Calendar::vietnam_default();
    // Across lunch: 30 + 60 minutes.
    assert_eq!(
        calendar
            .working_minutes_between(dt(2025, 3, 3, 11, 0), dt(2025, 3, 3, 14, 0))
            .unwrap(),
        90
    );
    // Reversed is negative.
    assert_eq!(
        calendar
            .working_minutes_between(dt(2025, 3, 3, 14, 0), dt(2025, 3, 3, 11, 0))
            .unwrap(),
        -90
    );
    // Over a weekend: Friday 16:00 → Monday 08:00.
    assert_eq!(
        calendar
            .working_minutes_between(dt(2025, 3, 7, 16, 0), dt(2025, 3, 10, 8, 0))
            .unwrap(),
        90
    );
    // Entirely outside office hours.
    assert_eq!(
        calendar
            .working_minutes_between(dt(2025, 3, 8, 9, 0), dt(2025, 3, 9, 16, 0))
            .unwrap(),
        0
    );
    // A working week.
    assert_eq!(
        calendar
            .working_time_between(dt(2025, 3, 3, 7, 30), dt(2025, 3, 10, 7, 30))
            .unwrap(),
        TimeDelta::minutes(5 * 480)
    );
    // Seconds are kept; minutes are truncated.
    let a = dt(2025, 3, 3, 9, 0);
    let b = a + TimeDelta::seconds(90);
    assert_eq!(
        calendar.working_time_between(a, b).unwrap(),
        TimeDelta::seconds(90)
    );
    assert_eq!(calendar.working_minutes_between(a, b).unwrap(), 1);
    assert_eq!(
        calendar
            .add_office_time(dt(2025, 3, 3, 11, 0), TimeDelta::minutes(90))
            .unwrap(),
        dt(2025, 3, 3, 14, 0)
    );
    assert_eq!(
        calendar.add_office_time(a, TimeDelta::minutes(-1)),
        Err(CalendarError::NegativeDuration)
    );
    assert!(calendar.is_office_time(dt(2025, 3, 3, 9, 0)));
    assert!(!calendar.is_office_time(dt(2025, 3, 3, 12, 0)));
    assert!(!calendar.is_office_time(dt(2025, 3, 8, 9, 0)));
}

#[test]
fn deadline_statuses() {
    let calendar = Calendar::vietnam_default();
    let due = dt(2025, 3, 4, 9, 0); // Tuesday
    assert_eq!(
        calendar.finished_status(due, dt(2025, 3, 3, 16, 0)),
        DeadlineStatus::Early
    );
    assert_eq!(
        calendar.finished_status(due, dt(2025, 3, 4, 8, 0)),
        DeadlineStatus::OnTime
    );
    assert_eq!(calendar.finished_status(due, due), DeadlineStatus::OnTime);
    assert_eq!(
        calendar.finished_status(due, dt(2025, 3, 4, 9, 1)),
        DeadlineStatus::Late
    );
    assert!(DeadlineStatus::Early.is_in_time());
    assert!(!DeadlineStatus::Late.is_in_time());

    // Due soon follows the dossier's own budget (default rule: a fifth of it, at least an
    // hour, at most two days). One day is 480 minutes: due soon within its last 96.
    let one = WorkDuration::days(1);
    // Monday 16:00: 60 + 90 minutes left, more than 96.
    assert_eq!(
        calendar
            .pending_status(due, dt(2025, 3, 3, 16, 0), one)
            .unwrap(),
        DeadlineStatus::OnTrack
    );
    // Tuesday 07:30: 90 minutes left.
    assert_eq!(
        calendar
            .pending_status(due, dt(2025, 3, 4, 7, 30), one)
            .unwrap(),
        DeadlineStatus::DueSoon
    );
    // Exactly the threshold counts as due soon: Monday 16:54 is 6 + 90 minutes before.
    assert_eq!(
        calendar
            .pending_status(due, dt(2025, 3, 3, 16, 53), one)
            .unwrap(),
        DeadlineStatus::OnTrack
    );
    assert_eq!(
        calendar
            .pending_status(due, dt(2025, 3, 3, 16, 54), one)
            .unwrap(),
        DeadlineStatus::DueSoon
    );
    // The same moment is "due soon" for a dossier of ten days (threshold capped at two).
    assert_eq!(
        calendar
            .pending_status(due, dt(2025, 3, 3, 16, 0), WorkDuration::days(10))
            .unwrap(),
        DeadlineStatus::DueSoon
    );
    assert_eq!(
        calendar
            .pending_status(due, dt(2025, 3, 4, 10, 0), one)
            .unwrap(),
        DeadlineStatus::Overdue
    );
    assert_eq!(
        calendar
            .deadline_status(due, Some(dt(2025, 3, 5, 9, 0)), dt(2025, 3, 6, 9, 0), one)
            .unwrap(),
        DeadlineStatus::Late
    );
    assert_eq!(
        calendar
            .deadline_status(due, None, dt(2025, 3, 3, 9, 0), WorkDuration::half_days(1))
            .unwrap(),
        DeadlineStatus::OnTrack
    );
}

#[test]
fn a_one_day_dossier_just_accepted_is_not_due_soon() {
    let calendar = Calendar::vietnam_default();
    // Accepted Monday 10:00 with 1 working day: due Tuesday 10:00.
    let accepted = dt(2025, 3, 3, 10, 0);
    let one = WorkDuration::days(1);
    let due = calendar.due(accepted, one, None).unwrap();
    assert_eq!(due, dt(2025, 3, 4, 10, 0));
    for (now, expected) in [
        (accepted, DeadlineStatus::OnTrack),
        (dt(2025, 3, 3, 11, 0), DeadlineStatus::OnTrack), // 7 working hours left
        (dt(2025, 3, 4, 8, 0), DeadlineStatus::OnTrack),  // 2 hours left
        (dt(2025, 3, 4, 8, 30), DeadlineStatus::DueSoon), // 90 minutes left
        (dt(2025, 3, 4, 10, 1), DeadlineStatus::Overdue),
    ] {
        assert_eq!(
            calendar.pending_status(due, now, one).unwrap(),
            expected,
            "{now}"
        );
    }
}

#[test]
fn due_soon_rule_threshold_floor_and_cap() {
    let rule = DueSoonRule::default();
    let hours = OfficeHours::default();
    let minutes = |d: WorkDuration| rule.threshold(d.working_time(&hours)).num_minutes();
    // Half a day (240 min): a fifth is 48 minutes, raised to the one-hour floor.
    assert_eq!(minutes(WorkDuration::half_days(1)), 60);
    assert_eq!(minutes(WorkDuration::days(1)), 96);
    assert_eq!(minutes(WorkDuration::days(5)), 480);
    // Sixty days: capped at two days.
    assert_eq!(minutes(WorkDuration::days(60)), 960);
    assert!(
        DueSoonRule {
            percent: 101,
            ..rule
        }
        .validate()
        .is_err()
    );
    assert!(
        DueSoonRule {
            floor_minutes: 100,
            cap_minutes: 50,
            ..rule
        }
        .validate()
        .is_err()
    );
    // A province's stricter rule, carried by the calendar.
    let strict = DueSoonRule {
        percent: 50,
        floor_minutes: 0,
        cap_minutes: 10_000,
    };
    let calendar = Calendar::vietnam_default()
        .with_due_soon_rule(strict)
        .unwrap();
    assert_eq!(calendar.due_soon_rule(), &strict);
    let due = dt(2025, 3, 4, 10, 0);
    assert_eq!(
        calendar
            .pending_status(due, dt(2025, 3, 3, 16, 0), WorkDuration::days(1))
            .unwrap(),
        DeadlineStatus::DueSoon
    );
    assert!(
        Calendar::vietnam_default()
            .with_due_soon_rule(DueSoonRule {
                percent: 200,
                ..rule
            })
            .is_err()
    );
}

#[test]
fn remaining_time_in_working_days_and_hours() {
    let calendar = Calendar::vietnam_default();
    // Monday 09:00 to Wednesday 12:00 (lunch): 2 days (to Wed 09:00) and 2 h 30.
    assert_eq!(
        calendar
            .remaining(dt(2025, 3, 3, 9, 0), dt(2025, 3, 5, 12, 0))
            .unwrap(),
        Remaining {
            days: 2,
            hours: 2,
            minutes: 30,
            overdue: false
        }
    );
    // Past the due moment: nothing left.
    let late = calendar
        .remaining(dt(2025, 3, 6, 9, 0), dt(2025, 3, 5, 12, 0))
        .unwrap();
    assert!(late.overdue);
    assert_eq!((late.days, late.hours, late.minutes), (0, 0, 0));
}

/// The working day `n` working days before `date` (0 = `date` itself).
fn working_days_before(calendar: &Calendar, date: NaiveDate, n: u32) -> NaiveDate {
    let mut day = date;
    let mut left = n;
    while left > 0 {
        day = day.pred_opt().unwrap();
        if calendar.is_working_day(day) {
            left -= 1;
        }
    }
    day
}

#[test]
fn appointment_is_the_end_of_the_due_day_even_before_tet() {
    let calendar = Calendar::vietnam_default();
    let thursday = d(2027, 2, 4);
    assert!(calendar.is_working_day(thursday));
    // Tết 2027 follows: the next working day is eight days later.
    assert_eq!(calendar.next_working_day(thursday).unwrap(), d(2027, 2, 12));
    // 48 working days from an opening, running out at closing on Thursday 4 February.
    let start = working_days_before(&calendar, thursday, 47)
        .and_hms_opt(7, 30, 0)
        .unwrap();
    let due = calendar.due(start, WorkDuration::days(48), None).unwrap();
    assert_eq!(due, dt(2027, 2, 4, 17, 0));
    assert_ne!(due, dt(2027, 2, 12, 7, 30));
    // Finished on the due day: on time, not early; the day before: early; after: late.
    assert_eq!(
        calendar.finished_status(due, dt(2027, 2, 4, 16, 59)),
        DeadlineStatus::OnTime
    );
    assert_eq!(
        calendar.finished_status(due, dt(2027, 2, 3, 10, 0)),
        DeadlineStatus::Early
    );
    assert_eq!(
        calendar.finished_status(due, dt(2027, 2, 12, 7, 31)),
        DeadlineStatus::Late
    );
    // Just before closing on the due day it is due soon, not overdue; just after, overdue.
    let budget = WorkDuration::days(48);
    assert_eq!(
        calendar
            .pending_status(due, dt(2027, 2, 4, 16, 0), budget)
            .unwrap(),
        DeadlineStatus::DueSoon
    );
    assert_eq!(
        calendar
            .pending_status(due, dt(2027, 2, 4, 17, 1), budget)
            .unwrap(),
        DeadlineStatus::Overdue
    );
    // A deadline ending in the middle of the day keeps the clock time.
    let mid = calendar
        .due(dt(2027, 2, 3, 10, 0), WorkDuration::days(1), None)
        .unwrap();
    assert_eq!(mid, dt(2027, 2, 4, 10, 0));
}

fn summer_winter() -> Calendar {
    let summer = OfficeHours::new(t(7, 0), t(11, 30), t(13, 30), t(17, 0)).unwrap();
    let winter = OfficeHours::new(t(7, 30), t(12, 0), t(13, 0), t(16, 30)).unwrap();
    Calendar::vietnam_default()
        .with_office_seasons(&[
            OfficeSeason {
                from_month: 10,
                from_day: 15,
                hours: winter,
            },
            OfficeSeason {
                from_month: 4,
                from_day: 15,
                hours: summer,
            },
        ])
        .unwrap()
}

#[test]
fn seasonal_office_hours() {
    let calendar = summer_winter();
    // Winter wraps over the new year.
    assert_eq!(
        calendar.office_hours_on(d(2026, 1, 5)).morning_start,
        t(7, 30)
    );
    assert_eq!(
        calendar.office_hours_on(d(2026, 4, 14)).morning_start,
        t(7, 30)
    );
    assert_eq!(
        calendar.office_hours_on(d(2026, 4, 15)).morning_start,
        t(7, 0)
    );
    assert_eq!(
        calendar.office_hours_on(d(2026, 10, 15)).morning_start,
        t(7, 30)
    );
    assert!(calendar.is_office_time(dt(2026, 6, 1, 7, 10)));
    assert!(!calendar.is_office_time(dt(2026, 1, 5, 7, 10)));
    // Across the change (Tuesday 14 → Wednesday 15 April 2026): one day from the winter
    // opening ends at the winter closing; a day from 09:00 (90 minutes in) ends 90 minutes
    // into the summer day.
    assert_eq!(
        calendar
            .due(dt(2026, 4, 14, 7, 30), WorkDuration::days(1), None)
            .unwrap(),
        dt(2026, 4, 14, 16, 30)
    );
    assert_eq!(
        calendar
            .due(dt(2026, 4, 14, 9, 0), WorkDuration::days(1), None)
            .unwrap(),
        dt(2026, 4, 15, 8, 30)
    );
    // Receipts before a season's opening count from that season's opening.
    assert_eq!(
        calendar.count_start(dt(2026, 6, 1, 6, 0), None).unwrap(),
        dt(2026, 6, 1, 7, 0)
    );
    // Seasons must keep the length of a working day.
    let short = OfficeHours::new(t(7, 30), t(11, 30), t(13, 30), t(16, 30)).unwrap();
    assert!(
        Calendar::vietnam_default()
            .with_office_seasons(&[
                OfficeSeason {
                    from_month: 1,
                    from_day: 1,
                    hours: OfficeHours::default(),
                },
                OfficeSeason {
                    from_month: 6,
                    from_day: 1,
                    hours: short,
                },
            ])
            .is_err()
    );
    assert!(
        Calendar::vietnam_default()
            .with_office_seasons(&[OfficeSeason {
                from_month: 2,
                from_day: 30,
                hours: OfficeHours::default(),
            }])
            .is_err()
    );
    assert!(
        Calendar::vietnam_default()
            .with_office_seasons(&[])
            .is_err()
    );
}

#[test]
fn calendar_is_shareable() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Calendar>();
    let calendar = Calendar::with_notices(vec![notice_2025()]).unwrap();
    let copy = calendar.clone();
    assert_eq!(copy.day_kind(d(2025, 4, 26)), DayKind::NoticeWorkingDay);
    assert_eq!(Calendar::default().holidays(2025).unwrap().len(), 12);
}

// ---------------------------------------------------------------- properties

fn any_moment() -> impl Strategy<Value = NaiveDateTime> {
    // 2020..2031, any minute of the day.
    (0i64..(11 * 366), 0u32..(24 * 60)).prop_map(|(day, minute)| {
        d(2020, 1, 1)
            .and_hms_opt(minute / 60, minute % 60, 0)
            .unwrap()
            + TimeDelta::days(day)
    })
}

fn any_duration() -> impl Strategy<Value = WorkDuration> {
    (0u32..80).prop_map(WorkDuration::half_days)
}

fn any_pauses() -> impl Strategy<Value = Vec<(i64, i64)>> {
    // (start offset, length) in minutes relative to the start moment.
    prop::collection::vec((-3000i64..30_000, 0i64..10_000), 0..4)
}

fn calendars() -> Vec<Calendar> {
    vec![
        Calendar::vietnam_default(),
        Calendar::with_notices(vec![notice_2025()]).unwrap(),
        Calendar::vietnam_default()
            .with_office_hours(OfficeHours::new(t(8, 0), t(12, 0), t(13, 0), t(16, 45)).unwrap())
            .unwrap(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn due_is_never_before_start(start in any_moment(), duration in any_duration(), which in 0usize..3) {
        let calendar = &calendars()[which];
        let due = calendar.add_working_time(start, duration).unwrap();
        prop_assert!(due >= start);
    }

    #[test]
    fn due_is_in_office_hours_of_a_working_day(start in any_moment(), duration in any_duration(), which in 0usize..3) {
        let calendar = &calendars()[which];
        let due = calendar.add_working_time(start, duration).unwrap();
        prop_assert!(calendar.is_working_day(due.date()));
        // In a session, or at the end of one (an appointment ends with its working day).
        let hours = calendar.office_hours_on(due.date());
        prop_assert!(
            calendar.is_office_time(due)
                || (duration > WorkDuration::ZERO
                    && (due.time() == hours.morning_end || due.time() == hours.afternoon_end))
        );
    }

    #[test]
    fn adding_is_additive(start in any_moment(), a in any_duration(), b in any_duration(), which in 0usize..3) {
        let calendar = &calendars()[which];
        let at_once = calendar.add_working_time(start, a + b).unwrap();
        let first = calendar.add_working_time(start, a).unwrap();
        let in_steps = calendar.add_working_time(first, b).unwrap();
        // The same instant of working time: a closing time and the next opening are one.
        prop_assert_eq!(calendar.working_time_between(at_once, in_steps).unwrap(), TimeDelta::zero());
        if b > WorkDuration::ZERO {
            prop_assert_eq!(at_once, in_steps);
        }
    }

    #[test]
    fn full_days_keep_the_clock_time(start in any_moment(), days in 0u32..40) {
        let calendar = Calendar::vietnam_default();
        prop_assume!(calendar.is_office_time(start));
        let due = calendar.add_working_time(start, WorkDuration::days(days)).unwrap();
        let hours = calendar.office_hours();
        if start.time() == hours.morning_start && days > 0 {
            // From an opening, N days run out at the closing of the N-th day.
            prop_assert_eq!(due.time(), hours.afternoon_end);
        } else if start.time() == hours.afternoon_start && days > 0 {
            // From the afternoon's start, they run out when the N-th day's morning ends.
            prop_assert_eq!(due.time(), hours.morning_end);
        } else {
            prop_assert_eq!(due.time(), start.time());
        }
    }

    #[test]
    fn working_time_measures_the_duration(start in any_moment(), duration in any_duration(), which in 0usize..3) {
        let calendar = &calendars()[which];
        let due = calendar.add_working_time(start, duration).unwrap();
        prop_assert_eq!(
            calendar.working_time_between(start, due).unwrap(),
            duration.working_time(calendar.office_hours())
        );
    }

    #[test]
    fn working_time_is_additive_and_antisymmetric(a in any_moment(), b in any_moment(), c in any_moment()) {
        let calendar = Calendar::vietnam_default();
        let ab = calendar.working_time_between(a, b).unwrap();
        let bc = calendar.working_time_between(b, c).unwrap();
        let ac = calendar.working_time_between(a, c).unwrap();
        prop_assert_eq!(ab + bc, ac);
        prop_assert_eq!(calendar.working_time_between(b, a).unwrap(), -ab);
        prop_assert!(ab.abs() <= (b - a).abs());
    }

    #[test]
    fn pauses_never_shorten_the_deadline(
        start in any_moment(),
        duration in any_duration(),
        pauses in any_pauses(),
        cut in any::<bool>(),
    ) {
        let calendar = Calendar::with_notices(vec![notice_2025()]).unwrap();
        let cutoff = cut.then(CutoffRule::default);
        let pauses: Vec<Pause> = pauses
            .into_iter()
            .map(|(offset, len)| {
                let s = start + TimeDelta::minutes(offset);
                Pause::new(s, s + TimeDelta::minutes(len))
            })
            .collect();
        let due = calendar.due(start, duration, cutoff.as_ref()).unwrap();
        let extended = calendar.due_with_pauses(start, duration, cutoff.as_ref(), &pauses).unwrap();
        prop_assert!(extended >= due);
        prop_assert!(calendar.is_working_day(extended.date()));
        // The extension never exceeds the working time of all pauses together.
        let total: TimeDelta = pauses
            .iter()
            .map(|p| calendar.working_time_between(p.start, p.end).unwrap())
            .sum();
        prop_assert!(calendar.working_time_between(due, extended).unwrap() <= total);
        // Adding a pause never makes the deadline earlier.
        if let Some((last, rest)) = pauses.split_last() {
            let fewer = calendar.due_with_pauses(start, duration, cutoff.as_ref(), rest).unwrap();
            prop_assert!(extended >= fewer, "{last:?}");
        }
    }

    #[test]
    fn cutoff_never_makes_the_deadline_earlier(start in any_moment(), duration in any_duration()) {
        let calendar = Calendar::vietnam_default();
        let plain = calendar.due(start, duration, None).unwrap();
        let cut = calendar.due(start, duration, Some(&CutoffRule::default())).unwrap();
        prop_assert!(cut >= plain);
    }

    #[test]
    fn status_is_consistent(due in any_moment(), at in any_moment()) {
        let calendar = Calendar::vietnam_default();
        let finished = calendar.finished_status(due, at);
        prop_assert_eq!(finished == DeadlineStatus::Late, at > due);
        let pending = calendar.pending_status(due, at, WorkDuration::days(1)).unwrap();
        prop_assert_eq!(pending == DeadlineStatus::DueSoon, at <= due && calendar.working_time_between(at, due).unwrap() <= TimeDelta::minutes(96));
        prop_assert_eq!(pending == DeadlineStatus::Overdue, at > due);
    }

    #[test]
    fn lunar_round_trip(day in 0i64..(399 * 365)) {
        let date = d(1800, 3, 1) + TimeDelta::days(day);
        let lunar = solar_to_lunar(date).unwrap();
        prop_assert_eq!(lunar_to_solar(lunar).unwrap(), date);
        prop_assert!((1..=30).contains(&lunar.day) && (1..=12).contains(&lunar.month));
    }

    #[test]
    fn every_year_has_five_tet_days_and_the_list_is_sorted(year in 2021i32..2100) {
        let calendar = Calendar::vietnam_default();
        let holidays = calendar.holidays(year).unwrap();
        let tet = holidays.iter().filter(|h| h.kind == HolidayKind::LunarNewYear).count();
        prop_assert_eq!(tet, 5);
        prop_assert!(holidays.windows(2).all(|w| w[0].date < w[1].date));
        // Every statutory holiday on a rest day has its compensatory day, so as many weekdays
        // are off as there are statutory holiday dates (11 unless two coincide).
        let statutory = holidays.iter().filter(|h| h.kind.is_statutory()).count();
        let weekdays_off = (0..366)
            .filter_map(|i| NaiveDate::from_ymd_opt(year, 1, 1).unwrap().checked_add_days(chrono::Days::new(i)))
            .filter(|date| date.year() == year)
            .filter(|date| !calendar.is_weekly_rest_day(date.weekday()) && !calendar.is_working_day(*date))
            .count();
        prop_assert_eq!(weekdays_off, statutory);
    }
}

#[test]
fn legacy_due_moments_become_the_end_they_stood_for() {
    let calendar = Calendar::vietnam_default();
    let legacy = OfficeHours::new(t(7, 30), t(11, 30), t(13, 30), t(17, 0)).unwrap();
    // "12/02/2027 07:30" after Tết stood for Thursday 4 February's closing.
    assert_eq!(
        calendar
            .due_from_legacy(&legacy, dt(2027, 2, 12, 7, 30))
            .unwrap(),
        dt(2027, 2, 4, 17, 0)
    );
    // After lunch: the morning's end.
    assert_eq!(
        calendar
            .due_from_legacy(&legacy, dt(2027, 2, 3, 13, 30))
            .unwrap(),
        dt(2027, 2, 3, 11, 30)
    );
    // Anything else stays.
    for due in [dt(2027, 2, 3, 9, 15), dt(2027, 2, 3, 17, 0)] {
        assert_eq!(calendar.due_from_legacy(&legacy, due).unwrap(), due);
    }
}

#[test]
fn deadline_status_text_is_its_json() {
    crate::text_enum::assert_text_is_json(&DeadlineStatus::ALL, DeadlineStatus::as_str);
}
