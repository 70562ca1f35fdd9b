//! Durations in pipeline files (`summary_max_age = "30d"`).

/// Seconds in `"<number><unit>"`, unit one of `s`, `m`, `h`, `d`, `w`.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| "no unit: write e.g. \"30d\", \"12h\" or \"90m\"".to_string())?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| "expected a number before the unit".to_string())?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        other => return Err(format!("unknown unit {other:?}: use s, m, h, d or w")),
    };
    number
        .checked_mul(scale)
        .ok_or_else(|| "too long".to_string())
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn units_scale_to_seconds() {
        assert_eq!(parse_duration("30d"), Ok(30 * 86_400));
        assert_eq!(parse_duration("12h"), Ok(12 * 3_600));
        assert_eq!(parse_duration("90m"), Ok(5_400));
        assert_eq!(parse_duration("2w"), Ok(14 * 86_400));
        assert_eq!(parse_duration("3600s"), Ok(3_600));
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            "30",
            "d",
            "30 days",
            "-1d",
            "1.5h",
            "30D",
            "99999999999999999999d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
