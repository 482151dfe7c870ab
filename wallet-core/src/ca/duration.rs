//! Durations as Fabric CA's configuration writes them (`8760h`, `90m`), plus days and weeks
//! (`90d`, `2w`): one way to give a validity on every command.

use super::CaError;
use std::time::Duration;

/// Parse a duration: one or more `NUMBER UNIT` parts, units `s`, `m`, `h`, `d` (24 h), `w`
/// (7 d) and `y` (365 d), as in `8760h`, `90d` or `1d12h`. Zero is refused.
pub fn parse_duration(text: &str) -> Result<Duration, CaError> {
    let bad = |detail: &str| CaError::InvalidParameter {
        what: format!("duration {text:?}"),
        detail: format!("{detail}; write a number and a unit (s, m, h, d, w, y), as in 90d, 8760h or 1d12h"),
    };
    let mut total: u64 = 0;
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(bad("it is empty"));
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return Err(bad("a number is missing"));
        }
        let number: u64 = rest[..digits].parse().map_err(|_| bad("the number is too large"))?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let seconds = match &rest[..unit_len] {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            "w" => 7 * 86_400,
            "y" => 365 * 86_400,
            "" => return Err(bad("the unit is missing")),
            _ => return Err(bad("unknown unit")),
        };
        rest = &rest[unit_len..];
        total = number.checked_mul(seconds).and_then(|s| total.checked_add(s)).ok_or_else(|| bad("it is too long"))?;
    }
    if total == 0 {
        return Err(bad("it is zero"));
    }
    Ok(Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fabric_ca_and_day_durations() {
        let h = |n: u64| Duration::from_secs(n * 3600);
        assert_eq!(parse_duration("8760h").unwrap(), h(8760));
        assert_eq!(parse_duration("90d").unwrap(), h(90 * 24));
        assert_eq!(parse_duration("1d12h").unwrap(), h(36));
        assert_eq!(parse_duration("2w").unwrap(), h(14 * 24));
        assert_eq!(parse_duration("1y").unwrap(), h(365 * 24));
        assert_eq!(parse_duration("30m").unwrap(), Duration::from_secs(1800));
        for bad in ["", "90", "d", "90x", "0d", "-1d", "99999999999999999999d"] {
            let e = parse_duration(bad).unwrap_err().to_string();
            assert!(e.contains("duration"), "{bad}: {e}");
        }
    }
}
