//! Time as sigil reads and writes it: whole seconds since 1970-01-01T00:00:00Z, and RFC 3339
//! text in UTC. The one home of time for every crate (SBOM timestamps, policy expiries, the
//! decision log, signing-config validity windows, provenance times).
//!
//! Calendar arithmetic (leap years, month lengths) is `jiff`'s; this module adds the strict
//! RFC 3339 syntax (`jiff`'s own parser also takes ISO 8601 forms RFC 3339 does not) and the
//! range RFC 3339 can write, years 0000 to 9999. There is no clock here: callers pass the
//! time in.

use std::fmt;

use jiff::civil::DateTime;
use jiff::SignedDuration;

/// A point in time: whole seconds since 1970-01-01T00:00:00Z (leap seconds are not counted).
///
/// Any `i64` compares and subtracts; only [`Timestamp::MIN`]..=[`Timestamp::MAX`] has an
/// RFC 3339 form, and [`Timestamp::from_unix_seconds`] accepts only that range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

/// A time outside what RFC 3339 can write.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("timestamp {seconds} is outside 0000-01-01T00:00:00Z..9999-12-31T23:59:59Z")]
#[non_exhaustive]
pub struct TimestampError {
    /// The rejected value.
    pub seconds: i64,
}

const EPOCH: DateTime = DateTime::constant(1970, 1, 1, 0, 0, 0, 0);

/// The civil time (UTC) of seconds since the epoch; `None` outside years -9999..=9999.
fn civil(seconds: i64) -> Option<DateTime> {
    EPOCH.checked_add(SignedDuration::from_secs(seconds)).ok()
}

impl Timestamp {
    /// 0000-01-01T00:00:00Z.
    pub const MIN: Timestamp = Timestamp(-62_167_219_200);
    /// 9999-12-31T23:59:59Z.
    pub const MAX: Timestamp = Timestamp(253_402_300_799);

    /// From seconds since the Unix epoch (what `SOURCE_DATE_EPOCH` holds), within
    /// [`Timestamp::MIN`]..=[`Timestamp::MAX`].
    pub fn from_unix_seconds(seconds: i64) -> Result<Self, TimestampError> {
        if (Self::MIN.0..=Self::MAX.0).contains(&seconds) {
            Ok(Self(seconds))
        } else {
            Err(TimestampError { seconds })
        }
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(self) -> i64 {
        self.0
    }

    /// From UTC calendar fields; `None` when a field is out of range (year 0 to 9999, the
    /// month's real length, second 60 read as 59).
    pub fn from_utc(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<Self> {
        if !(0..=9999).contains(&y) || s > 60 {
            return None;
        }
        let field = |v: u32| i8::try_from(v).ok();
        let dt = DateTime::new(
            i16::try_from(y).ok()?,
            field(mo)?,
            field(d)?,
            field(h)?,
            field(mi)?,
            field(s.min(59))?,
            0,
        )
        .ok()?;
        Some(Self(dt.duration_since(EPOCH).as_secs()))
    }

    /// Parses an RFC 3339 `date-time` (`2026-01-02T03:04:05Z`; `t` or a space for `T`, `z` for
    /// `Z`, `+01:00` offsets; a fraction is allowed and dropped) or a `full-date`
    /// (`2026-01-02`, midnight UTC). Anything else, such as ISO 8601's basic format, is `None`.
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        if s.len() == 10 {
            let (y, mo, d) = date(s)?;
            return Self::from_utc(y, mo, d, 0, 0, 0);
        }
        Self::parse_date_time(s)
    }

    /// Parses an RFC 3339 `date-time` only, as [`Timestamp::parse_rfc3339`] does, without the
    /// plain date (protobuf JSON timestamps, for example).
    pub fn parse_date_time(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() < 20 || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let (y, mo, d) = date(s.get(..10)?)?;
        let (h, mi, sec) = (digits(s, 11..13)?, digits(s, 14..16)?, digits(s, 17..19)?);
        let mut rest = s.get(19..)?;
        if let Some(frac) = rest.strip_prefix('.') {
            let n = frac.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 {
                return None;
            }
            rest = frac.get(n..)?;
        }
        let offset = match rest {
            "Z" | "z" => 0,
            _ => {
                let rb = rest.as_bytes();
                if rb.len() != 6 || !matches!(rb[0], b'+' | b'-') || rb[3] != b':' {
                    return None;
                }
                let (oh, om) = (digits(rest, 1..3)?, digits(rest, 4..6)?);
                if oh > 23 || om > 59 {
                    return None;
                }
                let o = i64::from(oh * 3600 + om * 60);
                if rb[0] == b'+' {
                    o
                } else {
                    -o
                }
            }
        };
        let t = Self::from_utc(y, mo, d, h, mi, sec)?;
        Some(Self(t.0 - offset))
    }

    /// RFC 3339 in UTC with a `Z`, to the second: always 20 characters. A value outside
    /// [`Timestamp::MIN`]..=[`Timestamp::MAX`] is written as the nearer bound.
    pub fn to_rfc3339(self) -> String {
        self.to_string()
    }
}

/// `YYYY-MM-DD`, ASCII digits only.
fn date(s: &str) -> Option<(i64, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    Some((
        i64::from(digits(s, 0..4)?),
        digits(s, 5..7)?,
        digits(s, 8..10)?,
    ))
}

/// The number written in `s[r]`, when it is all ASCII digits.
fn digits(s: &str, r: std::ops::Range<usize>) -> Option<u32> {
    let t = s.get(r)?;
    if t.bytes().all(|c| c.is_ascii_digit()) {
        t.parse().ok()
    } else {
        None
    }
}

impl fmt::Display for Timestamp {
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0.clamp(Self::MIN.0, Self::MAX.0);
        // Within MIN..=MAX, which lies inside jiff's civil range, so this is always `Some`.
        let dt = civil(secs).unwrap_or(DateTime::MAX);
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            dt.year(),
            dt.month(),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second()
        )
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
    fn parses_and_formats_rfc3339() {
        check("1970-01-01T00:00:00Z", Some("1970-01-01T00:00:00Z"));
        check("2026-03-04T05:06:07.123Z", Some("2026-03-04T05:06:07Z"));
        check("2026-03-04t05:06:07z", Some("2026-03-04T05:06:07Z"));
        check("2026-03-04 05:06:07Z", Some("2026-03-04T05:06:07Z"));
        check("1969-12-31T23:59:59Z", Some("1969-12-31T23:59:59Z"));
        check("0000-01-01T00:00:00Z", Some("0000-01-01T00:00:00Z"));
        check("9999-12-31T23:59:59Z", Some("9999-12-31T23:59:59Z"));
        // A leap second is read as the second before it.
        check("2016-12-31T23:59:60Z", Some("2016-12-31T23:59:59Z"));
        assert_eq!(
            Timestamp::parse_rfc3339("2001-09-09T01:46:40Z"),
            Some(Timestamp(1_000_000_000))
        );
    }

    #[test]
    fn offsets_are_subtracted() {
        check("2026-03-04T05:06:07+01:30", Some("2026-03-04T03:36:07Z"));
        check("2026-03-04T05:06:07-00:30", Some("2026-03-04T05:36:07Z"));
        check("2026-01-01T00:30:00+01:00", Some("2025-12-31T23:30:00Z"));
        check("2026-03-04T05:06:07+24:00", None);
        check("2026-03-04T05:06:07+01:60", None);
        check("2026-03-04T05:06:07+0100", None);
        check("2026-03-04T05:06:07+01", None);
    }

    #[test]
    fn leap_years_and_month_lengths() {
        check("2024-02-29", Some("2024-02-29T00:00:00Z"));
        check("2000-02-29T00:00:00Z", Some("2000-02-29T00:00:00Z"));
        check("2023-02-29", None);
        check("1900-02-29T00:00:00Z", None);
        check("2100-02-29T00:00:00Z", None);
        check("2026-04-31T00:00:00Z", None);
        check("2026-02-31T00:00:00Z", None);
        check("2026-12-31T00:00:00Z", Some("2026-12-31T00:00:00Z"));
        assert_eq!(Timestamp(951_782_400).to_string(), "2000-02-29T00:00:00Z");
        assert_eq!(Timestamp(4_107_542_399).to_string(), "2100-02-28T23:59:59Z");
    }

    #[test]
    fn refuses_what_rfc3339_does_not_allow() {
        for bad in [
            "",
            "2026-13-01",
            "2026-00-01",
            "2026-01-00",
            "2026-1-01",
            "2026-01-01T25:00:00Z",
            "2026-01-01T00:60:00Z",
            "2026-01-01T00:00:61Z",
            "2026-01-01T00:00:00",
            "2026-01-01T00:00Z",
            "2026-01-01T00:00:00.Z",
            "2026-01-01T00:00:00ZZ",
            "20260101T000000Z",
            "+2026-01-01T00:00:00Z",
            "２０２６-01-01",
            "2026-01-01X00:00:00Z",
        ] {
            assert_eq!(Timestamp::parse_rfc3339(bad), None, "{bad:?}");
        }
        assert_eq!(Timestamp::parse_date_time("2026-01-01"), None);
        assert_eq!(
            Timestamp::parse_date_time("2026-01-01T00:00:00Z"),
            Timestamp::parse_rfc3339("2026-01-01")
        );
    }

    #[test]
    fn bounds() {
        assert_eq!(Timestamp::from_unix_seconds(0), Ok(Timestamp(0)));
        assert_eq!(
            Timestamp::from_unix_seconds(Timestamp::MAX.0),
            Ok(Timestamp::MAX)
        );
        assert_eq!(
            Timestamp::from_unix_seconds(Timestamp::MIN.0),
            Ok(Timestamp::MIN)
        );
        assert_eq!(
            Timestamp::from_unix_seconds(Timestamp::MAX.0 + 1),
            Err(TimestampError {
                seconds: Timestamp::MAX.0 + 1
            })
        );
        assert_eq!(
            Timestamp::from_unix_seconds(Timestamp::MIN.0 - 1).map_err(|e| e.to_string()),
            Err(
                "timestamp -62167219201 is outside 0000-01-01T00:00:00Z..9999-12-31T23:59:59Z"
                    .to_owned()
            )
        );
        assert_eq!(Timestamp::MAX.to_string(), "9999-12-31T23:59:59Z");
        assert_eq!(Timestamp::MIN.to_string(), "0000-01-01T00:00:00Z");
        assert_eq!(Timestamp(i64::MAX).to_string(), "9999-12-31T23:59:59Z");
        assert_eq!(Timestamp(i64::MIN).to_string(), "0000-01-01T00:00:00Z");
        assert_eq!(Timestamp::from_utc(10_000, 1, 1, 0, 0, 0), None);
        assert_eq!(Timestamp::from_utc(-1, 1, 1, 0, 0, 0), None);
        assert_eq!(
            Timestamp(1_700_000_000).to_rfc3339(),
            "2023-11-14T22:13:20Z"
        );
    }

    proptest! {
        #[test]
        fn formats_round_trip(secs in Timestamp::MIN.0..=Timestamp::MAX.0) {
            let t = Timestamp(secs);
            let s = t.to_rfc3339();
            prop_assert_eq!(s.len(), 20);
            prop_assert_eq!(Timestamp::parse_rfc3339(&s), Some(t));
            // Later instants never format earlier.
            let next = Timestamp((secs + 86_399).min(Timestamp::MAX.0));
            prop_assert!(next.to_rfc3339() >= s);
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,40}") {
            let _ = Timestamp::parse_rfc3339(&s);
        }
    }
}
