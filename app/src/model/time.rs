//! Time as the store keeps it (whole seconds since 1970, UTC) and as the screens show it.

/// Seconds since 1970-01-01T00:00:00Z.
pub type UnixTime = i64;

/// `2026-11-23 09:05 UTC`: unambiguous for admins in any time zone.
pub fn format_utc(t: UnixTime) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60
    )
}

/// `Tue, 24 Nov 2026 09:05:07 +0000`: the date format of mail headers (RFC 5322 §3.3).
pub fn format_rfc5322(t: UnixTime) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{}, {d} {} {y:04} {:02}:{:02}:{:02} +0000",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(m - 1) as usize],
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// `YYYY-MM-DD` (as a date input sends it) to midnight UTC of that day.
/// From (inclusive) and to (exclusive), each bound optional.
pub type DayRange = (Option<UnixTime>, Option<UnixTime>);

/// A filter's first and last day (`YYYY-MM-DD`, UTC, either empty for no bound) as the
/// instants from the first midnight to the midnight after the last day; or the field
/// (`since`, `until`) that is wrong and why.
pub fn day_range(since: &str, until: &str) -> Result<DayRange, (&'static str, String)> {
    let date = |field: &'static str, text: &str| {
        let text = text.trim();
        (!text.is_empty())
            .then(|| parse_date(text).map_err(|r| (field, r)))
            .transpose()
    };
    let since = date("since", since)?;
    let until = date("until", until)?.map(|day| day + 86_400);
    if let (Some(s), Some(u)) = (since, until) {
        if s >= u {
            return Err(("until", "The last day is before the first day.".into()));
        }
    }
    Ok((since, until))
}

pub fn parse_date(text: &str) -> Result<UnixTime, String> {
    let bad = || format!("“{text}” is not a date like 2027-01-31.");
    let mut parts = text.trim().splitn(3, '-');
    let mut next = |digits: usize| -> Result<i64, String> {
        let p = parts.next().ok_or_else(bad)?;
        if p.len() != digits || !p.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        p.parse().map_err(|_| bad())
    };
    let (y, m, d) = (next(4)?, next(2)?, next(2)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(bad());
    }
    let days = days_from_civil(y, m as u32, d as u32);
    // A day that does not exist (31 April) comes back as another date.
    if civil_from_days(days) != (y, m as u32, d as u32) {
        return Err(bad());
    }
    Ok(days * 86_400)
}

/// Howard Hinnant's civil-to-days algorithm.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(format_utc(1_795_425_900), "2026-11-23 09:25 UTC");
        assert_eq!(format_rfc5322(0), "Thu, 1 Jan 1970 00:00:00 +0000");
        assert_eq!(
            format_rfc5322(1_795_425_907),
            "Mon, 23 Nov 2026 09:25:07 +0000"
        );
    }

    #[test]
    fn dates_parse_to_midnight_utc() {
        assert_eq!(parse_date("1970-01-01"), Ok(0));
        assert_eq!(parse_date("2000-02-29"), Ok(951_782_400));
        assert!(parse_date("2001-02-29").is_err());
        assert!(parse_date("2027-13-01").is_err());
        assert!(parse_date("27-01-01").is_err());
    }
}
