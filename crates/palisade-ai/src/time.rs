//! Timestamps as the tools write them: ISO 8601 with or without a zone (garak writes its local
//! time with no zone; promptfoo writes UTC with `Z`). No date-time dependency.

use serde::Serialize;

/// When a tool says something happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timestamp {
    /// The text as the tool wrote it.
    pub text: String,
    /// Seconds since the Unix epoch. When the text has no zone ([`Timestamp::zone_known`] is
    /// false) it is read as UTC, so it may be off by the producer's UTC offset (up to ±14 h).
    pub unix_seconds: i64,
    /// Whether the text carried `Z` or a `±HH:MM` offset.
    pub zone_known: bool,
}

impl Timestamp {
    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM]` (a space may stand for `T`). Returns
    /// `None` for anything else, including impossible dates.
    pub fn parse(text: &str) -> Option<Timestamp> {
        let bytes = text.as_bytes();
        if bytes.len() < 19
            || bytes[4] != b'-'
            || bytes[7] != b'-'
            || !matches!(bytes[10], b'T' | b't' | b' ')
            || bytes[13] != b':'
            || bytes[16] != b':'
        {
            return None;
        }
        let num = |range: std::ops::Range<usize>| -> Option<i64> {
            let part = text.get(range)?;
            if part.bytes().all(|b| b.is_ascii_digit()) {
                part.parse().ok()
            } else {
                None
            }
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 60
        {
            return None;
        }
        let mut rest = &text[19..];
        if let Some(fraction) = rest.strip_prefix('.') {
            let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            rest = &fraction[digits..];
        }
        let (offset, zone_known) = match rest {
            "" => (0, false),
            "Z" | "z" => (0, true),
            _ if rest.len() == 6 && matches!(&rest[..1], "+" | "-") && &rest[3..4] == ":" => {
                let digits = |part: &str| -> Option<i64> {
                    if part.bytes().all(|b| b.is_ascii_digit()) {
                        part.parse().ok()
                    } else {
                        None
                    }
                };
                let (h, m) = (digits(rest.get(1..3)?)?, digits(rest.get(4..6)?)?);
                if h > 23 || m > 59 {
                    return None;
                }
                let sign = if rest.starts_with('-') { -1 } else { 1 };
                (sign * (h * 3600 + m * 60), true)
            }
            _ => return None,
        };
        let unix_seconds =
            days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second.min(59)
                - offset;
        Some(Timestamp {
            text: text.to_owned(),
            unix_seconds,
            zone_known,
        })
    }
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_the_tools_write() {
        // promptfoo: UTC with milliseconds.
        let t = Timestamp::parse("2026-12-01T14:06:08.846Z").unwrap();
        assert_eq!(t.unix_seconds, 1_796_133_968);
        assert!(t.zone_known);
        // garak: local time, microseconds, no zone.
        let t = Timestamp::parse("2026-12-01T14:08:45.494556").unwrap();
        assert_eq!(t.unix_seconds, 1_796_134_125);
        assert!(!t.zone_known);
        let t = Timestamp::parse("2026-12-01T16:08:45+02:00").unwrap();
        assert_eq!(t.unix_seconds, 1_796_134_125);
        let t = Timestamp::parse("1970-01-01 00:00:00-00:30").unwrap();
        assert_eq!(t.unix_seconds, 1800);
    }

    #[test]
    fn refuses_what_is_not_a_time() {
        for text in [
            "",
            "2026-12-01",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-12-01T24:00:00Z",
            "2026-12-01T00:00:00.Z",
            "2026-12-01T00:00:00+2:00",
            "2026-12-01T00:00:00+0x:00",
            "2026-12-01T00:00:00 UTC",
            "２０２６-12-01T00:00:00Z",
        ] {
            assert_eq!(Timestamp::parse(text), None, "{text}");
        }
        assert!(Timestamp::parse("2024-02-29T00:00:00Z").is_some());
    }
}
