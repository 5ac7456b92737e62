//! Timestamp parsing for every form Entra logs use.
//!
//! Seen in the wild (../shared/reference/entra-log-formats.md §0.3, §3.3, §4.2):
//! ISO 8601 with 0 to 9 fractional digits and `Z` or an offset (`+00:00`, `-05:00`), with an
//! unpadded hour (`2022-09-09T9:59:27.958Z`), with no zone at all (taken as UTC), with a space
//! for the `T`; US-locale strings `8/22/2022 6:11:52 PM`, `9/19/2023, 1:45:17.287 PM` (Log
//! Analytics CSV), `01/09/2007 09:41:00` (24-hour), `1/9/2007 10:41:00 AM +01:00`; and the
//! German `05.01.2024 10:11:12` (day first). Slash dates are read month first, as every
//! Microsoft export writes them; a file re-saved in a day-first locale is ambiguous and is
//! read month first unless the first number cannot be a month.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};

/// Parses a timestamp in any supported form into UTC.
pub fn parse_timestamp(raw: &str) -> Option<DateTime<Utc>> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    // Fast path: canonical RFC 3339 (Event Hub, Graph).
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let b = s.as_bytes();
    if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
        return parse_iso_loose(s);
    }
    parse_locale(s)
}

/// ISO dates with loose time parts: unpadded hour, no zone, space separator.
fn parse_iso_loose(s: &str) -> Option<DateTime<Utc>> {
    let date = NaiveDate::parse_from_str(&s[..10], "%Y-%m-%d").ok()?;
    let rest = s[10..].trim_start_matches(['T', ' ']);
    let (time_part, offset) = split_zone(rest)?;
    let time = if time_part.is_empty() {
        NaiveTime::MIN
    } else {
        parse_clock(time_part)?
    };
    Some(to_utc(date.and_time(time), offset))
}

/// US (`M/D/YYYY[,] h:mm:ss[.fff] [AM|PM] [+hh:mm]`) and dotted day-first forms.
fn parse_locale(s: &str) -> Option<DateTime<Utc>> {
    let (date_part, rest) = match s.find([' ', ',']) {
        Some(i) => (&s[..i], s[i..].trim_start_matches([',', ' '])),
        None => (s, ""),
    };
    let date = parse_numeric_date(date_part)?;
    let mut words = rest.split_whitespace();
    let clock = words.next().unwrap_or("");
    let mut time = if clock.is_empty() {
        NaiveTime::MIN
    } else {
        parse_clock(clock)?
    };
    let mut offset_secs = 0i64;
    for w in words {
        if w.eq_ignore_ascii_case("PM") || w.eq_ignore_ascii_case("AM") {
            time = apply_meridiem(time, w.eq_ignore_ascii_case("PM"))?;
        } else {
            offset_secs = parse_offset(w)?;
        }
    }
    Some(to_utc(date.and_time(time), offset_secs))
}

fn parse_numeric_date(s: &str) -> Option<NaiveDate> {
    let (sep, month_first) = if s.contains('/') {
        ('/', true)
    } else if s.contains('.') {
        ('.', false)
    } else {
        return None;
    };
    let mut it = s.split(sep);
    let a: u32 = it.next()?.parse().ok()?;
    let b: u32 = it.next()?.parse().ok()?;
    let y: i32 = it.next()?.parse().ok()?;
    if it.next().is_some() || !(1000..=9999).contains(&y) {
        return None;
    }
    let (m, d) = if month_first && a <= 12 {
        (a, b)
    } else {
        (b, a)
    };
    NaiveDate::from_ymd_opt(y, m, d)
}

/// `h:mm[:ss[.fraction]]` with a 1- or 2-digit hour.
fn parse_clock(s: &str) -> Option<NaiveTime> {
    let mut it = s.splitn(3, ':');
    let h: u32 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let (sec, nanos) = match it.next() {
        None => (0, 0),
        Some(sec) => match sec.split_once('.') {
            None => (sec.parse().ok()?, 0),
            Some((whole, frac)) => (whole.parse().ok()?, parse_fraction(frac)?),
        },
    };
    NaiveTime::from_hms_nano_opt(h, m, sec, nanos)
}

fn parse_fraction(frac: &str) -> Option<u32> {
    if frac.is_empty() || !frac.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let digits = &frac[..frac.len().min(9)];
    let n: u32 = digits.parse().ok()?;
    Some(n * 10u32.pow(9 - digits.len() as u32))
}

fn apply_meridiem(t: NaiveTime, pm: bool) -> Option<NaiveTime> {
    use chrono::Timelike;
    let h = t.hour();
    if h == 0 || h > 12 {
        return None;
    }
    let h24 = match (h, pm) {
        (12, false) => 0,
        (12, true) => 12,
        (h, false) => h,
        (h, true) => h + 12,
    };
    t.with_hour(h24)
}

/// Splits `09:41:00.5+02:00` / `09:41:00Z` into the clock and the zone offset in seconds.
fn split_zone(s: &str) -> Option<(&str, i64)> {
    if let Some(clock) = s.strip_suffix(['Z', 'z']) {
        return Some((clock.trim_end(), 0));
    }
    // An offset starts at the last '+' or '-' (the clock part has neither).
    match s.rfind(['+', '-']) {
        Some(i) => Some((s[..i].trim_end(), parse_offset(&s[i..])?)),
        None => Some((s.trim_end(), 0)),
    }
}

/// `+01:00`, `-0500`, `+01`.
fn parse_offset(s: &str) -> Option<i64> {
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = s[1..].chars().filter(|c| *c != ':').collect();
    if digits.len() != 2 && digits.len() != 4 {
        return None;
    }
    let h: i64 = digits[..2].parse().ok()?;
    let m: i64 = if digits.len() == 4 {
        digits[2..].parse().ok()?
    } else {
        0
    };
    if h > 18 || m > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

fn to_utc(local: NaiveDateTime, offset_secs: i64) -> DateTime<Utc> {
    (local - Duration::seconds(offset_secs)).and_utc()
}

/// Formats a timestamp the way Graph does: RFC 3339, UTC, `Z`, 7 fractional digits trimmed
/// to what is needed (at least whole seconds). Output is byte-stable for the same instant.
pub fn format_timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(s: &str) -> String {
        format_timestamp(parse_timestamp(s).unwrap_or_else(|| panic!("failed on {s:?}")))
    }

    #[test]
    fn every_documented_form() {
        assert_eq!(
            iso("2022-01-24T05:10:08.6816663Z"),
            "2022-01-24T05:10:08.681666300Z"
        );
        assert_eq!(
            iso("2022-01-24T05:10:08.6816663+00:00"),
            "2022-01-24T05:10:08.681666300Z"
        );
        assert_eq!(iso("2024-07-23T15:19:52Z"), "2024-07-23T15:19:52Z");
        assert_eq!(iso("2024-07-23T10:19:52-05:00"), "2024-07-23T15:19:52Z");
        assert_eq!(iso("2022-09-09T9:59:27.958Z"), "2022-09-09T09:59:27.958Z");
        assert_eq!(iso("2007-01-09T09:41:00"), "2007-01-09T09:41:00Z");
        assert_eq!(iso("2007-01-09T11:41:00+02:00"), "2007-01-09T09:41:00Z");
        assert_eq!(
            iso("2007-01-09 09:41:00.535404056Z"),
            "2007-01-09T09:41:00.535404056Z"
        );
        assert_eq!(iso("8/22/2022 6:11:52 PM"), "2022-08-22T18:11:52Z");
        assert_eq!(iso("11/14/2025 1:48:53 AM"), "2025-11-14T01:48:53Z");
        assert_eq!(iso("9/19/2023, 1:45:17.287 PM"), "2023-09-19T13:45:17.287Z");
        assert_eq!(iso("6/15/2026, 3:54:19.200 PM"), "2026-06-15T15:54:19.200Z");
        assert_eq!(iso("12/1/2025 12:05:00 AM"), "2025-12-01T00:05:00Z");
        assert_eq!(iso("12/1/2025 12:05:00 PM"), "2025-12-01T12:05:00Z");
        assert_eq!(iso("01/09/2007 09:41:00"), "2007-01-09T09:41:00Z");
        assert_eq!(iso("1/9/2007 10:41:00 AM +01:00"), "2007-01-09T09:41:00Z");
        assert_eq!(iso("05.01.2024 10:11:12"), "2024-01-05T10:11:12Z");
        assert_eq!(iso("25/01/2024 10:11:12"), "2024-01-25T10:11:12Z");
    }

    #[test]
    fn rejects_nonsense() {
        for s in [
            "",
            "yesterday",
            "13/45/2020 1:00 PM",
            "2020-02-30T00:00:00Z",
            "1/1/20 1:00",
            "0:00 PM",
        ] {
            assert!(parse_timestamp(s).is_none(), "{s:?} should not parse");
        }
    }
}
