//! Wall-clock time as the rules use it: whole epoch seconds. Handlers take a [`Clock`] so tests
//! can move time (expiry, cooldowns) without sleeping.

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;

pub type Clock = fn() -> i64;

pub fn system_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// RFC 3339 UTC, e.g. `2026-11-22T09:30:00Z`.
pub fn rfc3339(epoch: i64) -> String {
    DateTime::from_secs(epoch)
        .fmt(Format::DateTime)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

/// The calendar date (UTC) of `epoch`, `YYYY-MM-DD`: how reservations spell their days.
pub fn date(epoch: i64) -> String {
    rfc3339(epoch).get(..10).unwrap_or("1970-01-01").to_owned()
}

/// The calendar year (UTC) of `epoch`.
pub fn year(epoch: i64) -> i32 {
    rfc3339(epoch)
        .get(..4)
        .and_then(|y| y.parse().ok())
        .unwrap_or(1970)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339_utc_and_year() {
        assert_eq!(rfc3339(1_795_000_000), "2026-11-18T11:06:40Z");
        assert_eq!(year(1_795_000_000), 2026);
        assert_eq!(date(1_795_000_000), "2026-11-18");
        assert_eq!(year(1_767_225_599), 2025);
        assert_eq!(year(1_767_225_600), 2026);
    }
}
