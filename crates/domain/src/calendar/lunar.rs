//! Vietnamese lunisolar calendar (âm lịch), computed astronomically.
//!
//! This is the public algorithm of Hồ Ngọc Đức ("Thuật toán tính âm lịch"): new moons from
//! Jean Meeus' series, the sun's longitude from a low-precision solar theory, month 11 as the
//! month holding the winter solstice, and the first month without a major solar term as the
//! leap month. Everything is evaluated at the meridian of **UTC+7**, the legal time of Vietnam:
//! that is why the Vietnamese calendar occasionally differs from the Chinese one (UTC+8), e.g.
//! Tết 1985 fell on 21 January in Vietnam but on 20 February in China.
//!
//! The conversions accept the years [`MIN_YEAR`]..=[`MAX_YEAR`] and refuse others with
//! [`CalendarError::OutOfRange`]. Checked day by day against Hồ Ngọc Đức's published tables:
//! identical from 1968 to 2053; elsewhere the truncated series occasionally put a new moon
//! that falls close to midnight on the neighbouring day (a few months per century). Historical
//! or far-future holidays that matter can be fixed with a `YearNotice`.

use std::f64::consts::PI;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::CalendarError;

/// First year (solar and lunar) supported by the conversions.
pub const MIN_YEAR: i32 = 1800;
/// Last year (solar and lunar) supported by the conversions.
pub const MAX_YEAR: i32 = 2199;

/// Vietnam's offset from UTC in hours. Vietnam has no daylight-saving time.
pub const VIETNAM_UTC_OFFSET_HOURS: f64 = 7.0;

/// Julian day number of 1899-12-31 12:00 TT roughly; the epoch of the new-moon series.
const EPOCH_JDN: f64 = 2_415_021.076_998_695;
/// Mean length of a synodic month in days.
const SYNODIC_MONTH: f64 = 29.530_588_853;
/// Offset between chrono's "days from CE" and the Julian day number.
const JDN_CE_OFFSET: i64 = 1_721_425;

/// A date of the Vietnamese lunar calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LunarDate {
    /// Lunar year, numbered like the solar year in which its first day (Tết) falls.
    pub year: i32,
    /// Month 1..=12.
    pub month: u8,
    /// Day 1..=30.
    pub day: u8,
    /// True for the intercalary (leap, "nhuận") month that repeats `month`.
    pub leap: bool,
}

impl LunarDate {
    /// A lunar date of a regular (non-leap) month. Not validated until converted.
    pub const fn new(year: i32, month: u8, day: u8) -> Self {
        Self {
            year,
            month,
            day,
            leap: false,
        }
    }

    /// A lunar date of the leap month repeating `month`. Not validated until converted.
    pub const fn new_leap(year: i32, month: u8, day: u8) -> Self {
        Self {
            year,
            month,
            day,
            leap: true,
        }
    }

    /// The lunar date of a solar (Gregorian) date, in Vietnam time.
    pub fn from_solar(date: NaiveDate) -> Result<Self, CalendarError> {
        solar_to_lunar(date)
    }

    /// The solar (Gregorian) date of this lunar date, in Vietnam time.
    pub fn to_solar(self) -> Result<NaiveDate, CalendarError> {
        lunar_to_solar(self)
    }
}

impl std::fmt::Display for LunarDate {
    /// `dd/mm/yyyy` as written in Vietnam, with ` (nhuận)` after a leap month.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}/{:02}/{}", self.day, self.month, self.year)?;
        if self.leap {
            f.write_str(" (nhuận)")?;
        }
        Ok(())
    }
}

/// Solar → lunar, Vietnam time (UTC+7).
pub fn solar_to_lunar(date: NaiveDate) -> Result<LunarDate, CalendarError> {
    solar_to_lunar_at(date, VIETNAM_UTC_OFFSET_HOURS)
}

/// Lunar → solar, Vietnam time (UTC+7). Fails for a day or leap flag that does not exist.
pub fn lunar_to_solar(lunar: LunarDate) -> Result<NaiveDate, CalendarError> {
    lunar_to_solar_at(lunar, VIETNAM_UTC_OFFSET_HOURS)
}

/// The first day of the lunar year `year` (Tết Nguyên đán, 1/1 lunar).
pub fn lunar_new_year(year: i32) -> Result<NaiveDate, CalendarError> {
    lunar_to_solar(LunarDate::new(year, 1, 1))
}

/// The month number repeated by the leap month of lunar year `year`, if it has one.
pub fn leap_month(year: i32) -> Result<Option<u8>, CalendarError> {
    check_year(year)?;
    let tz = VIETNAM_UTC_OFFSET_HOURS;
    // Months 1..=10 of lunar year `year` lie between month 11 of `year - 1` and of `year`;
    // months 11 and 12 lie after month 11 of `year`.
    let (a11, b11) = (lunar_month_11(year - 1, tz), lunar_month_11(year, tz));
    let first = if b11 - a11 > 365 {
        leap_number(a11, tz).filter(|m| *m <= 10)
    } else {
        None
    };
    if first.is_some() {
        return Ok(first);
    }
    let c11 = lunar_month_11(year + 1, tz);
    Ok(if c11 - b11 > 365 {
        leap_number(b11, tz).filter(|m| *m >= 11)
    } else {
        None
    })
}

/// Number of days (29 or 30) of a lunar month.
pub fn lunar_month_length(year: i32, month: u8, leap: bool) -> Result<u8, CalendarError> {
    let first = lunar_to_solar(LunarDate {
        year,
        month,
        day: 1,
        leap,
    })?;
    let start = jdn(first);
    let k = ((start as f64 - EPOCH_JDN) / SYNODIC_MONTH).round() as i64;
    let next = new_moon_day(k + 1, VIETNAM_UTC_OFFSET_HOURS);
    u8::try_from(next - start).map_err(|_| CalendarError::OutOfRange)
}

fn check_year(year: i32) -> Result<(), CalendarError> {
    if (MIN_YEAR..=MAX_YEAR).contains(&year) {
        Ok(())
    } else {
        Err(CalendarError::OutOfRange)
    }
}

/// Julian day number of a Gregorian date.
fn jdn(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) + JDN_CE_OFFSET
}

fn from_jdn(jd: i64) -> Result<NaiveDate, CalendarError> {
    i32::try_from(jd - JDN_CE_OFFSET)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .ok_or(CalendarError::OutOfRange)
}

/// Julian day (TT, fractional) of the `k`-th new moon after the one of 1900-01-01.
fn new_moon(k: i64) -> f64 {
    let k = k as f64;
    let t = k / 1236.85;
    let t2 = t * t;
    let t3 = t2 * t;
    let dr = PI / 180.0;
    let mut jd1 = 2_415_020.759_33 + 29.530_588_68 * k + 0.000_117_8 * t2 - 0.000_000_155 * t3;
    jd1 += 0.000_33 * ((166.56 + 132.87 * t - 0.009_173 * t2) * dr).sin();
    let m = 359.2242 + 29.105_356_08 * k - 0.000_033_3 * t2 - 0.000_003_47 * t3;
    let mpr = 306.0253 + 385.816_918_06 * k + 0.010_730_6 * t2 + 0.000_012_36 * t3;
    let f = 21.2964 + 390.670_506_46 * k - 0.001_652_8 * t2 - 0.000_002_39 * t3;
    let mut c1 = (0.1734 - 0.000_393 * t) * (m * dr).sin() + 0.0021 * (2.0 * dr * m).sin();
    c1 = c1 - 0.4068 * (mpr * dr).sin() + 0.0161 * (dr * 2.0 * mpr).sin();
    c1 -= 0.0004 * (dr * 3.0 * mpr).sin();
    c1 = c1 + 0.0104 * (dr * 2.0 * f).sin() - 0.0051 * (dr * (m + mpr)).sin();
    c1 = c1 - 0.0074 * (dr * (m - mpr)).sin() + 0.0004 * (dr * (2.0 * f + m)).sin();
    c1 = c1 - 0.0004 * (dr * (2.0 * f - m)).sin() - 0.0006 * (dr * (2.0 * f + mpr)).sin();
    c1 = c1 + 0.0010 * (dr * (2.0 * f - mpr)).sin() + 0.0005 * (dr * (2.0 * mpr + m)).sin();
    let delta_t = if t < -11.0 {
        0.001 + 0.000_839 * t + 0.000_226_1 * t2 - 0.000_008_45 * t3 - 0.000_000_081 * t * t3
    } else {
        -0.000_278 + 0.000_265 * t + 0.000_262 * t2
    };
    jd1 + c1 - delta_t
}

/// Day number (local civil day at `tz`) of the `k`-th new moon.
fn new_moon_day(k: i64, tz: f64) -> i64 {
    (new_moon(k) + 0.5 + tz / 24.0).floor() as i64
}

/// Apparent longitude of the sun in radians, normalised to [0, 2π), at Julian day `jd`.
fn sun_longitude(jd: f64) -> f64 {
    let t = (jd - 2_451_545.0) / 36_525.0;
    let t2 = t * t;
    let dr = PI / 180.0;
    let m = 357.529_10 + 35_999.050_30 * t - 0.000_155_9 * t2 - 0.000_000_48 * t * t2;
    let l0 = 280.466_45 + 36_000.769_83 * t + 0.000_303_2 * t2;
    let mut dl = (1.914_600 - 0.004_817 * t - 0.000_014 * t2) * (dr * m).sin();
    dl = dl + (0.019_993 - 0.000_101 * t) * (dr * 2.0 * m).sin() + 0.000_290 * (dr * 3.0 * m).sin();
    let l = (l0 + dl) * dr;
    l - 2.0 * PI * (l / (2.0 * PI)).floor()
}

/// Sector 0..=11 (of 30° each) of the sun's longitude at the start of local day `day`.
fn sun_sector(day: i64, tz: f64) -> i64 {
    (sun_longitude(day as f64 - 0.5 - tz / 24.0) / PI * 6.0).floor() as i64
}

/// Estimate of the index `k` of the new moon that starts the lunar month containing day
/// number `day` (may be off by one; callers correct).
fn month_index(day: i64) -> i64 {
    ((day as f64 - EPOCH_JDN) / SYNODIC_MONTH).floor() as i64
}

/// Day number of the first day of lunar month 11 that contains the winter solstice of `year`.
fn lunar_month_11(year: i32, tz: f64) -> i64 {
    let dec31 = NaiveDate::from_ymd_opt(year, 12, 31).map_or(0, jdn);
    let off = dec31 as f64 - 2_415_021.0;
    let k = (off / SYNODIC_MONTH).floor() as i64;
    let nm = new_moon_day(k, tz);
    if sun_sector(nm, tz) >= 9 {
        new_moon_day(k - 1, tz)
    } else {
        nm
    }
}

/// Position (1..=13) after month 11 starting at `a11` of the leap month of a 13-month year:
/// the first month during which the sun does not enter a new sector (no major solar term).
fn leap_month_offset(a11: i64, tz: f64) -> i64 {
    let k = ((a11 as f64 - EPOCH_JDN) / SYNODIC_MONTH + 0.5).floor() as i64;
    let mut i = 1;
    let mut arc = sun_sector(new_moon_day(k + i, tz), tz);
    loop {
        let last = arc;
        i += 1;
        arc = sun_sector(new_moon_day(k + i, tz), tz);
        if arc == last || i >= 14 {
            break;
        }
    }
    i - 1
}

/// Number (1..=12) of the month repeated by the leap month of the year starting at `a11`.
fn leap_number(a11: i64, tz: f64) -> Option<u8> {
    let off = leap_month_offset(a11, tz);
    let n = (off + 9).rem_euclid(12) + 1; // month (11 + off - 1), wrapped to 1..=12
    u8::try_from(n).ok()
}

pub(crate) fn solar_to_lunar_at(date: NaiveDate, tz: f64) -> Result<LunarDate, CalendarError> {
    check_year(date.year())?;
    let yy = date.year();
    let day_number = jdn(date);
    // The mean-month estimate can be off by one either way when the true new moon strays far
    // from the mean one; step until new moon k starts the month holding `day_number`.
    let mut k = month_index(day_number);
    while new_moon_day(k, tz) > day_number {
        k -= 1;
    }
    while new_moon_day(k + 1, tz) <= day_number {
        k += 1;
    }
    let month_start = new_moon_day(k, tz);
    let mut a11 = lunar_month_11(yy, tz);
    let mut b11 = a11;
    let mut lunar_year;
    if a11 >= month_start {
        lunar_year = yy;
        a11 = lunar_month_11(yy - 1, tz);
    } else {
        lunar_year = yy + 1;
        b11 = lunar_month_11(yy + 1, tz);
    }
    let lunar_day = day_number - month_start + 1;
    let diff = (month_start - a11).div_euclid(29);
    let mut leap = false;
    let mut lunar_month = diff + 11;
    if b11 - a11 > 365 {
        let leap_diff = leap_month_offset(a11, tz);
        if diff >= leap_diff {
            lunar_month = diff + 10;
            if diff == leap_diff {
                leap = true;
            }
        }
    }
    if lunar_month > 12 {
        lunar_month -= 12;
    }
    if lunar_month >= 11 && diff < 4 {
        lunar_year -= 1;
    }
    Ok(LunarDate {
        year: lunar_year,
        month: u8::try_from(lunar_month).map_err(|_| CalendarError::OutOfRange)?,
        day: u8::try_from(lunar_day).map_err(|_| CalendarError::OutOfRange)?,
        leap,
    })
}

pub(crate) fn lunar_to_solar_at(lunar: LunarDate, tz: f64) -> Result<NaiveDate, CalendarError> {
    check_year(lunar.year)?;
    let LunarDate {
        year,
        month,
        day,
        leap,
    } = lunar;
    if !(1..=12).contains(&month) || !(1..=30).contains(&day) {
        return Err(CalendarError::InvalidLunarDate(lunar));
    }
    let (a11, b11) = if month < 11 {
        (lunar_month_11(year - 1, tz), lunar_month_11(year, tz))
    } else {
        (lunar_month_11(year, tz), lunar_month_11(year + 1, tz))
    };
    let k = ((a11 as f64 - EPOCH_JDN) / SYNODIC_MONTH + 0.5).floor() as i64;
    let mut off = i64::from(month) - 11;
    if off < 0 {
        off += 12;
    }
    if b11 - a11 > 365 {
        let leap_off = leap_month_offset(a11, tz);
        let mut leap_month = leap_off - 2;
        if leap_month < 0 {
            leap_month += 12;
        }
        if leap && i64::from(month) != leap_month {
            return Err(CalendarError::InvalidLunarDate(lunar));
        }
        if leap || off >= leap_off {
            off += 1;
        }
    } else if leap {
        return Err(CalendarError::InvalidLunarDate(lunar));
    }
    let month_start = new_moon_day(k + off, tz);
    let next_start = new_moon_day(k + off + 1, tz);
    let result = month_start + i64::from(day) - 1;
    if result >= next_start {
        return Err(CalendarError::InvalidLunarDate(lunar));
    }
    from_jdn(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn tet_dates() {
        assert_eq!(lunar_new_year(2024).unwrap(), d(2024, 2, 10));
        assert_eq!(lunar_new_year(2025).unwrap(), d(2025, 1, 29));
        assert_eq!(lunar_new_year(2026).unwrap(), d(2026, 2, 17));
        assert_eq!(lunar_new_year(2027).unwrap(), d(2027, 2, 6));
        // The new moon of 2 February 2030 falls at 23:07 in Vietnam, 00:07 in China.
        assert_eq!(lunar_new_year(2030).unwrap(), d(2030, 2, 2));
        assert_eq!(
            lunar_to_solar_at(LunarDate::new(2030, 1, 1), 8.0).unwrap(),
            d(2030, 2, 3)
        );
    }

    #[test]
    fn hung_kings_day() {
        assert_eq!(
            lunar_to_solar(LunarDate::new(2025, 3, 10)).unwrap(),
            d(2025, 4, 7)
        );
        assert_eq!(
            lunar_to_solar(LunarDate::new(2026, 3, 10)).unwrap(),
            d(2026, 4, 26)
        );
    }

    #[test]
    fn tet_1985_differs_between_vietnam_and_china() {
        assert_eq!(lunar_new_year(1985).unwrap(), d(1985, 1, 21));
        assert_eq!(
            lunar_to_solar_at(LunarDate::new(1985, 1, 1), 8.0).unwrap(),
            d(1985, 2, 20)
        );
        assert_eq!(
            solar_to_lunar(d(1985, 1, 21)).unwrap(),
            LunarDate::new(1985, 1, 1)
        );
        assert_eq!(
            solar_to_lunar_at(d(1985, 2, 20), 8.0).unwrap(),
            LunarDate::new(1985, 1, 1)
        );
    }

    #[test]
    fn tet_1968_was_a_day_earlier_in_the_north() {
        // North Vietnam moved to UTC+7 in 1968; China celebrated on 30 January.
        assert_eq!(lunar_new_year(1968).unwrap(), d(1968, 1, 29));
        assert_eq!(
            lunar_to_solar_at(LunarDate::new(1968, 1, 1), 8.0).unwrap(),
            d(1968, 1, 30)
        );
    }

    #[test]
    fn leap_months() {
        assert_eq!(leap_month(2020).unwrap(), Some(4));
        assert_eq!(leap_month(2023).unwrap(), Some(2));
        assert_eq!(leap_month(2024).unwrap(), None);
        assert_eq!(leap_month(2025).unwrap(), Some(6));
        assert_eq!(
            lunar_to_solar(LunarDate::new_leap(2023, 2, 1)).unwrap(),
            d(2023, 3, 22)
        );
        assert_eq!(
            lunar_to_solar(LunarDate::new_leap(2025, 6, 1)).unwrap(),
            d(2025, 7, 25)
        );
        assert_eq!(
            solar_to_lunar(d(2020, 5, 23)).unwrap(),
            LunarDate::new_leap(2020, 4, 1)
        );
        assert!(matches!(
            lunar_to_solar(LunarDate::new_leap(2024, 6, 1)),
            Err(CalendarError::InvalidLunarDate(_))
        ));
        assert!(matches!(
            lunar_to_solar(LunarDate::new_leap(2025, 5, 1)),
            Err(CalendarError::InvalidLunarDate(_))
        ));
    }

    #[test]
    fn invalid_and_out_of_range() {
        assert!(lunar_to_solar(LunarDate::new(2025, 13, 1)).is_err());
        assert!(lunar_to_solar(LunarDate::new(2025, 0, 1)).is_err());
        assert!(lunar_to_solar(LunarDate::new(2025, 1, 31)).is_err());
        assert_eq!(
            solar_to_lunar(d(1799, 12, 31)),
            Err(CalendarError::OutOfRange)
        );
        assert_eq!(
            lunar_to_solar(LunarDate::new(2200, 1, 1)),
            Err(CalendarError::OutOfRange)
        );
        // A 29-day month has no day 30.
        for month in 1..=12 {
            let len = lunar_month_length(2025, month, false).unwrap();
            assert!(len == 29 || len == 30);
            let day30 = lunar_to_solar(LunarDate::new(2025, month, 30));
            assert_eq!(day30.is_ok(), len == 30, "month {month}");
        }
    }

    #[test]
    fn last_day_of_lunar_year_is_eve_of_tet() {
        for year in 2000..2100 {
            let tet = lunar_new_year(year).unwrap();
            let eve = tet.pred_opt().unwrap();
            let lunar = solar_to_lunar(eve).unwrap();
            assert_eq!((lunar.year, lunar.month, lunar.leap), (year - 1, 12, false));
            assert!(lunar.day == 29 || lunar.day == 30);
        }
    }

    #[test]
    fn round_trip_every_day_2000_to_2060() {
        let mut date = d(2000, 1, 1);
        let mut previous = solar_to_lunar(date).unwrap();
        while date < d(2060, 1, 1) {
            date = date.succ_opt().unwrap();
            let lunar = solar_to_lunar(date).unwrap();
            assert_eq!(lunar_to_solar(lunar).unwrap(), date, "{lunar} / {date}");
            if lunar.day == 1 {
                assert!(previous.day == 29 || previous.day == 30, "{previous}");
            } else {
                assert_eq!(lunar.day, previous.day + 1);
                assert_eq!(
                    (lunar.year, lunar.month, lunar.leap),
                    (previous.year, previous.month, previous.leap)
                );
            }
            previous = lunar;
        }
    }

    #[test]
    fn display() {
        assert_eq!(LunarDate::new(2025, 3, 10).to_string(), "10/03/2025");
        assert_eq!(
            LunarDate::new_leap(2025, 6, 1).to_string(),
            "01/06/2025 (nhuận)"
        );
    }
}
