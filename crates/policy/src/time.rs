//! Seconds since the Unix epoch, with the small amount of calendar arithmetic policies and
//! the audit log need (RFC 3339 in UTC). No clock: callers pass the current time in.

use std::fmt;

/// A point in time: whole seconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date for days since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

impl Timestamp {
    /// Builds a timestamp from UTC calendar fields; `None` when a field is out of range.
    pub fn from_utc(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<Self> {
        if !(1..=12).contains(&mo)
            || d == 0
            || d > days_in_month(y, mo)
            || h > 23
            || mi > 59
            || s > 60
        {
            return None;
        }
        let secs = days_from_civil(y, mo, d) * 86_400
            + i64::from(h) * 3600
            + i64::from(mi) * 60
            + i64::from(s.min(59));
        Some(Self(secs))
    }

    /// Parses RFC 3339 (`2026-01-02T03:04:05Z`, `+01:00` offsets, optional fraction, ignored)
    /// or a plain date (`2026-01-02`, midnight UTC).
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let t = s.get(r)?;
            if t.bytes().all(|c| c.is_ascii_digit()) {
                t.parse().ok()
            } else {
                None
            }
        };
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        if b.len() == 10 {
            return Self::from_utc(i64::from(y), mo, d, 0, 0, 0);
        }
        if b.len() < 20 || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let mut rest = &s[19..];
        if let Some(frac) = rest.strip_prefix('.') {
            let n = frac.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 {
                return None;
            }
            rest = &frac[n..];
        }
        let offset = match rest {
            "Z" | "z" => 0,
            _ => {
                let rb = rest.as_bytes();
                if rb.len() != 6 || !matches!(rb[0], b'+' | b'-') || rb[3] != b':' {
                    return None;
                }
                let oh = i64::from(rest.get(1..3)?.parse::<u32>().ok()?);
                let om = i64::from(rest.get(4..6)?.parse::<u32>().ok()?);
                if oh > 23 || om > 59 {
                    return None;
                }
                let o = oh * 3600 + om * 60;
                if rb[0] == b'+' {
                    o
                } else {
                    -o
                }
            }
        };
        let t = Self::from_utc(i64::from(y), mo, d, h, mi, sec)?;
        Some(Self(t.0 - offset))
    }

    /// RFC 3339 in UTC with a `Z`, to the second.
    pub fn to_rfc3339(self) -> String {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(input: &str, expect: Option<&str>) {
        assert_eq!(
            Timestamp::parse_rfc3339(input)
                .map(Timestamp::to_rfc3339)
                .as_deref(),
            expect,
            "{input}"
        );
    }

    #[test]
    fn parses_and_formats() {
        check("1970-01-01T00:00:00Z", Some("1970-01-01T00:00:00Z"));
        check("2024-02-29", Some("2024-02-29T00:00:00Z"));
        check("2023-02-29", None);
        check("2026-03-04T05:06:07.123Z", Some("2026-03-04T05:06:07Z"));
        check("2026-03-04T05:06:07+01:30", Some("2026-03-04T03:36:07Z"));
        check("2026-03-04T05:06:07-00:30", Some("2026-03-04T05:36:07Z"));
        check("1969-12-31T23:59:59Z", Some("1969-12-31T23:59:59Z"));
        check("2026-13-01", None);
        check("2026-1-01", None);
        check("2026-01-01T25:00:00Z", None);
        check("2026-01-01T00:00:00", None);
        check("２０２６-01-01", None);
        assert_eq!(
            Timestamp::parse_rfc3339("2001-09-09T01:46:40Z"),
            Some(Timestamp(1_000_000_000))
        );
    }

    proptest! {
        #[test]
        fn roundtrip(secs in -62_000_000_000i64..250_000_000_000i64) {
            let t = Timestamp(secs);
            let s = t.to_rfc3339();
            if s.len() == 20 {
                prop_assert_eq!(Timestamp::parse_rfc3339(&s), Some(t));
            }
        }

        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = Timestamp::parse_rfc3339(&s);
        }
    }
}
