//! Seconds since the Unix epoch to an RFC 3339 UTC timestamp, without a clock.

use std::fmt;

/// A document creation time, whole seconds since 1970-01-01T00:00:00Z, within years 1970..=9999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// A time outside what the formats can write.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("timestamp {seconds} is outside 1970-01-01..9999-12-31")]
#[non_exhaustive]
pub struct TimestampError {
    /// The rejected value.
    pub seconds: i64,
}

/// 9999-12-31T23:59:59Z.
const MAX: i64 = 253_402_300_799;

impl Timestamp {
    /// From seconds since the Unix epoch (what `SOURCE_DATE_EPOCH` holds).
    pub fn from_unix_seconds(seconds: i64) -> Result<Self, TimestampError> {
        if (0..=MAX).contains(&seconds) {
            Ok(Self(seconds))
        } else {
            Err(TimestampError { seconds })
        }
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(self) -> i64 {
        self.0
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

impl fmt::Display for Timestamp {
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(seconds: i64, expect: Result<&str, TimestampError>) {
        assert_eq!(
            Timestamp::from_unix_seconds(seconds).map(|t| t.to_string()),
            expect.map(str::to_owned)
        );
    }

    #[test]
    fn formats_known_instants() {
        check(0, Ok("1970-01-01T00:00:00Z"));
        check(951_782_400, Ok("2000-02-29T00:00:00Z"));
        check(1_700_000_000, Ok("2023-11-14T22:13:20Z"));
        check(4_107_542_399, Ok("2100-02-28T23:59:59Z"));
        check(MAX, Ok("9999-12-31T23:59:59Z"));
        check(-1, Err(TimestampError { seconds: -1 }));
        check(MAX + 1, Err(TimestampError { seconds: MAX + 1 }));
    }

    proptest! {
        #[test]
        fn always_twenty_characters(s in 0i64..=MAX) {
            let t = Timestamp::from_unix_seconds(s).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let text = t.to_string();
            prop_assert_eq!(text.len(), 20);
            // Consecutive days never go backwards.
            let next = Timestamp::from_unix_seconds((s + 86_400).min(MAX)).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(next.to_string() >= text);
        }
    }
}
