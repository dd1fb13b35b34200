//! How fire times are printed: RFC 3339 in the schedule's zone.

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;

/// `t` as RFC 3339 in `zone` with its offset and whole seconds, e.g. `2026-03-08T03:00:00-04:00`.
///
/// UTC prints as `+00:00`, never `Z`, so every line has the same shape whatever the zone.
pub fn format_fire(t: DateTime<Utc>, zone: Tz) -> String {
    t.with_timezone(&zone)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

#[cfg(test)]
mod tests {
    use chrono_tz::America::New_York;
    use chrono_tz::Asia::Kolkata;
    use chrono_tz::Europe::London;

    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("test time")
    }

    #[test]
    fn prints_the_zone_offset_and_seconds() {
        assert_eq!(
            format_fire(at("2026-03-08T07:00:00Z"), New_York),
            "2026-03-08T03:00:00-04:00"
        );
        assert_eq!(
            format_fire(at("2026-03-08T06:45:00Z"), New_York),
            "2026-03-08T01:45:00-05:00"
        );
        assert_eq!(
            format_fire(at("2026-07-01T08:00:00Z"), London),
            "2026-07-01T09:00:00+01:00"
        );
        assert_eq!(
            format_fire(at("2026-07-01T08:00:00Z"), Kolkata),
            "2026-07-01T13:30:00+05:30"
        );
    }

    #[test]
    fn utc_uses_a_numeric_offset_and_drops_fractions() {
        assert_eq!(
            format_fire(at("2026-01-01T00:00:00Z"), Tz::UTC),
            "2026-01-01T00:00:00+00:00"
        );
        assert_eq!(
            format_fire(at("2026-01-01T00:00:00.750Z"), Tz::UTC),
            "2026-01-01T00:00:00+00:00"
        );
    }

    #[test]
    fn the_two_passes_of_a_repeated_hour_differ_by_offset() {
        assert_eq!(
            format_fire(at("2026-11-01T05:30:00Z"), New_York),
            "2026-11-01T01:30:00-04:00"
        );
        assert_eq!(
            format_fire(at("2026-11-01T06:30:00Z"), New_York),
            "2026-11-01T01:30:00-05:00"
        );
    }
}
