//! Time: the one calendar palisade uses. [`Timestamp`] is a UTC instant in Unix seconds with
//! RFC 3339 parsing and formatting; [`Date`] is a calendar day (waiver expiry). No date-time
//! dependency: the proleptic Gregorian conversions are Howard Hinnant's.
//!
//! Every decision that depends on time reads one [`Timestamp`] (`--at`, default now): waiver
//! expiry, `context.now`, and the validity of certificates in key and CA bundles.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// A UTC instant, in whole seconds since the Unix epoch.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(i64);

/// A text that is not a time or a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// Not RFC 3339.
    #[error("{0:?} is not an RFC 3339 time (e.g. 2026-11-25T12:00:00Z or 2026-11-25)")]
    NotRfc3339(String),
    /// Not a `YYYY-MM-DD` date.
    #[error("{0:?} is not a date (YYYY-MM-DD, e.g. 2027-01-31)")]
    NotDate(String),
    /// Outside the years 0000–9999.
    #[error("{0:?} is out of range (years 0000 to 9999)")]
    OutOfRange(String),
}

impl Timestamp {
    /// The instant `seconds` after the Unix epoch.
    pub const fn from_unix(seconds: i64) -> Self {
        Timestamp(seconds)
    }

    /// Seconds since the Unix epoch.
    pub const fn unix(self) -> i64 {
        self.0
    }

    /// The current time (whole seconds).
    pub fn now() -> Self {
        Self::from_system_time(SystemTime::now())
    }

    /// A `SystemTime`, rounded down to whole seconds.
    pub fn from_system_time(time: SystemTime) -> Self {
        match time.duration_since(UNIX_EPOCH) {
            Ok(after) => Timestamp(i64::try_from(after.as_secs()).unwrap_or(i64::MAX)),
            Err(before) => {
                let secs = before.duration().as_secs_f64().ceil();
                Timestamp(-(secs as i64))
            }
        }
    }

    /// The same instant as a `SystemTime`.
    pub fn to_system_time(self) -> SystemTime {
        if self.0 >= 0 {
            UNIX_EPOCH + Duration::from_secs(self.0.unsigned_abs())
        } else {
            UNIX_EPOCH - Duration::from_secs(self.0.unsigned_abs())
        }
    }

    /// The calendar day (UTC) this instant falls on.
    pub fn date(self) -> Date {
        Date::from_days(self.0.div_euclid(DAY))
    }

    /// `self + seconds`, saturating.
    pub fn plus(self, seconds: i64) -> Self {
        Timestamp(self.0.saturating_add(seconds))
    }

    /// Parses RFC 3339: `2026-11-25T19:18:18Z`, fractional seconds (dropped) and `±HH:MM`
    /// offsets allowed, or a bare date `2026-11-25` meaning midnight UTC. Only ASCII is
    /// accepted, so no slice can fall inside a multi-byte character.
    pub fn parse_rfc3339(text: &str) -> Result<Self, TimeError> {
        let bad = || TimeError::NotRfc3339(text.chars().take(80).collect());
        if !text.is_ascii() {
            return Err(bad());
        }
        let bytes = text.as_bytes();
        if bytes.len() < 10 {
            return Err(bad());
        }
        let date = Date::parse(&text[..10]).map_err(|_| bad())?;
        let day_start = date.unix_seconds();
        if bytes.len() == 10 {
            return Ok(Timestamp(day_start));
        }
        if bytes.len() < 20
            || !matches!(bytes[10], b'T' | b't' | b' ')
            || bytes[13] != b':'
            || bytes[16] != b':'
        {
            return Err(bad());
        }
        let hour = digits(&bytes[11..13]).ok_or_else(bad)?;
        let minute = digits(&bytes[14..16]).ok_or_else(bad)?;
        let second = digits(&bytes[17..19]).ok_or_else(bad)?;
        if hour > 23 || minute > 59 || second > 60 {
            return Err(bad());
        }
        let mut rest = &bytes[19..];
        if let Some(fraction) = rest.strip_prefix(b".") {
            let count = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
            if count == 0 {
                return Err(bad());
            }
            rest = &fraction[count..];
        }
        let offset = match rest {
            b"Z" | b"z" => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let h = digits(&[*h1, *h2]).ok_or_else(bad)?;
                let m = digits(&[*m1, *m2]).ok_or_else(bad)?;
                if h > 23 || m > 59 {
                    return Err(bad());
                }
                let sign = if *sign == b'-' { -1 } else { 1 };
                sign * (h * 3600 + m * 60)
            }
            _ => return Err(bad()),
        };
        // A leap second is read as the last second of its minute.
        Ok(Timestamp(
            day_start + hour * 3600 + minute * 60 + second.min(59) - offset,
        ))
    }
}

impl fmt::Display for Timestamp {
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0.rem_euclid(DAY);
        write!(
            f,
            "{}T{:02}:{:02}:{:02}Z",
            self.date(),
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        )
    }
}

impl FromStr for Timestamp {
    type Err = TimeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Timestamp::parse_rfc3339(text)
    }
}

/// A calendar date written `2027-01-31` (proleptic Gregorian, years 0000–9999).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u8,
    /// Day of month, valid for the month and year.
    pub day: u8,
}

impl Date {
    /// A date, if the day exists.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Self> {
        ((0..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month))
        .then_some(Date { year, month, day })
    }

    /// Parses exactly `YYYY-MM-DD` (ASCII digits).
    pub fn parse(text: &str) -> Result<Self, TimeError> {
        let bad = || TimeError::NotDate(text.chars().take(40).collect());
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad());
        }
        let year = digits(&b[0..4]).ok_or_else(bad)?;
        let month = digits(&b[5..7]).ok_or_else(bad)?;
        let day = digits(&b[8..10]).ok_or_else(bad)?;
        Date::new(
            i32::try_from(year).map_err(|_| bad())?,
            u8::try_from(month).map_err(|_| bad())?,
            u8::try_from(day).map_err(|_| bad())?,
        )
        .ok_or_else(bad)
    }

    /// Days since 1970-01-01.
    pub fn days_since_epoch(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let d = i64::from(self.day);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` days after 1970-01-01.
    pub fn from_days(days: i64) -> Self {
        let z = days + 719_468;
        let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = if m <= 2 { y + 1 } else { y };
        Date {
            year: i32::try_from(y).unwrap_or(i32::MAX),
            month: u8::try_from(m).unwrap_or(1),
            day: u8::try_from(d).unwrap_or(1),
        }
    }

    /// Seconds since the Unix epoch at 00:00:00 UTC of this date.
    pub fn unix_seconds(self) -> i64 {
        self.days_since_epoch() * DAY
    }

    /// The first instant of this day (UTC).
    pub fn start(self) -> Timestamp {
        Timestamp(self.unix_seconds())
    }

    /// The first instant of the next day (UTC): a waiver that expires on this date covers
    /// every instant before it.
    pub fn end(self) -> Timestamp {
        Timestamp(self.unix_seconds() + DAY)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for Date {
    type Err = TimeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Date::parse(text)
    }
}

fn digits(bytes: &[u8]) -> Option<i64> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(bytes.iter().fold(0i64, |n, b| n * 10 + i64::from(b - b'0')))
}

/// Days in `month` (1–12) of `year` (proleptic Gregorian).
pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let t = Timestamp::parse_rfc3339("2026-11-25T19:18:18Z").unwrap();
        assert_eq!(t.unix(), 1_795_634_298);
        assert_eq!(t.to_string(), "2026-11-25T19:18:18Z");
        assert_eq!(
            Timestamp::parse_rfc3339("2026-11-25T20:18:18+01:00").unwrap(),
            t
        );
        assert_eq!(
            Timestamp::parse_rfc3339("2026-11-25T19:18:18.123Z").unwrap(),
            t
        );
        assert_eq!(
            Timestamp::parse_rfc3339("2027-01-31").unwrap().unix(),
            1_801_353_600
        );
        assert_eq!(
            Timestamp::from_unix(1_801_353_600).date().to_string(),
            "2027-01-31"
        );
        assert_eq!(
            Timestamp::from_system_time(t.to_system_time()),
            t,
            "SystemTime round trip"
        );
        assert_eq!(Timestamp::from_unix(-1).to_string(), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn rejects_nonsense_without_panicking() {
        for bad in [
            "",
            "2026",
            "2026-13-01T00:00:00Z",
            "2026-02-30",
            "2026-11-25T25:00:00Z",
            "2026-11-25T10:00:00",
            "yesterday",
            // A multi-byte character where the offset's colon goes: sliced by bytes, this
            // used to panic (not a char boundary).
            "2026-01-01T00:00:00+0\u{2000}0",
            "2026-01-01T00:00:00+\u{e9}0:00",
            "\u{e9}026-01-01",
            "2026-01-01T00:00:00.Z",
            "2026-01-01T00:00:00+24:00",
        ] {
            assert!(Timestamp::parse_rfc3339(bad).is_err(), "{bad:?}");
        }
    }

    /// Every day of four centuries converts both ways.
    #[test]
    fn calendar_round_trips_every_day() {
        let start = Date::new(1900, 1, 1).unwrap().days_since_epoch();
        let end = Date::new(2300, 12, 31).unwrap().days_since_epoch();
        let mut previous = Date::from_days(start - 1);
        for days in start..=end {
            let date = Date::from_days(days);
            assert_eq!(date.days_since_epoch(), days);
            assert_eq!(Date::parse(&date.to_string()).unwrap(), date);
            assert!(date > previous);
            previous = date;
        }
        assert!(Date::new(2100, 2, 29).is_none());
        assert!(Date::new(2000, 2, 29).is_some());
    }

    #[test]
    fn a_day_ends_at_the_next_midnight() {
        let date = Date::parse("2027-01-31").unwrap();
        assert_eq!(date.end().to_string(), "2027-02-01T00:00:00Z");
        assert_eq!(date.start().date(), date);
        assert_eq!(date.end().plus(-1).date(), date);
    }
}
