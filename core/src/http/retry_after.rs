//! The `Retry-After` response header: delta-seconds or an HTTP date (RFC 9110 §10.2.3).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Longest wait a `Retry-After` header can impose.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(300);

const SECONDS_PER_DAY: i64 = 86_400;
const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// How long a `Retry-After` value asks to wait, measured from `now`.
///
/// Accepts delta-seconds and the three HTTP-date formats (IMF-fixdate, RFC 850, asctime).
/// A date in the past gives zero; anything longer than [`RETRY_AFTER_CAP`] is capped.
/// `None` when the value is neither form.
pub fn parse_retry_after(header: &str, now: SystemTime) -> Option<Duration> {
    let text = header.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        // Digits too long for u64 are still "very long", so they cap rather than fail.
        let seconds = text.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(seconds).min(RETRY_AFTER_CAP));
    }
    let at = parse_http_date(text, now)?;
    Some(
        at.duration_since(now)
            .unwrap_or(Duration::ZERO)
            .min(RETRY_AFTER_CAP),
    )
}

/// Parses an HTTP date in any of the three formats of RFC 9110 §5.6.7.
///
/// `now` resolves the two-digit year of the RFC 850 format: a year that would be more than
/// 50 years in the future is taken from the previous century.
pub fn parse_http_date(text: &str, now: SystemTime) -> Option<SystemTime> {
    let text = text.trim();
    let fields = match text.split_once(',') {
        Some((weekday, rest)) => {
            check_weekday(weekday)?;
            match rest.split_whitespace().collect::<Vec<_>>().as_slice() {
                // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
                [day, month, year, time, zone] if year.len() == 4 => {
                    check_gmt(zone)?;
                    Fields::new(year.parse().ok()?, month, day, time)?
                }
                // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
                [date, time, zone] => {
                    check_gmt(zone)?;
                    let mut parts = date.split('-');
                    let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
                    if parts.next().is_some() || year.len() != 2 {
                        return None;
                    }
                    let year = full_year(parse_digits(year)?, now);
                    Fields::new(year, month, day, time)?
                }
                _ => return None,
            }
        }
        // asctime: Sun Nov  6 08:49:37 1994
        None => match text.split_whitespace().collect::<Vec<_>>().as_slice() {
            [weekday, month, day, time, year] if year.len() == 4 => {
                check_weekday(weekday)?;
                Fields::new(year.parse().ok()?, month, day, time)?
            }
            _ => return None,
        },
    };
    fields.to_system_time()
}

struct Fields {
    year: i64,
    month: u32,
    day: u32,
    seconds_of_day: i64,
}

impl Fields {
    fn new(year: i64, month: &str, day: &str, time: &str) -> Option<Self> {
        let month = MONTHS
            .iter()
            .position(|name| name.eq_ignore_ascii_case(month))?;
        let month = u32::try_from(month).ok()? + 1;
        if day.is_empty() || day.len() > 2 {
            return None;
        }
        let day = parse_digits(day)?;
        if day == 0 || day > days_in_month(year, month) {
            return None;
        }
        let mut clock = time.split(':');
        let (hour, minute, second) = (clock.next()?, clock.next()?, clock.next()?);
        if clock.next().is_some() || [hour, minute, second].iter().any(|part| part.len() != 2) {
            return None;
        }
        let (hour, minute, second) = (
            parse_digits(hour)?,
            parse_digits(minute)?,
            parse_digits(second)?,
        );
        // Second 60 is a leap second, which RFC 9110 allows.
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        Some(Fields {
            year,
            month,
            day,
            seconds_of_day: i64::from(hour * 3600 + minute * 60 + second),
        })
    }

    fn to_system_time(&self) -> Option<SystemTime> {
        let seconds = days_from_civil(self.year, self.month, self.day) * SECONDS_PER_DAY
            + self.seconds_of_day;
        // Dates before 1970 are long past; the epoch stands in for them.
        let seconds = u64::try_from(seconds).unwrap_or(0);
        UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
    }
}

fn parse_digits(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn check_weekday(text: &str) -> Option<()> {
    let text = text.trim();
    (text.len() >= 3 && text.chars().all(|c| c.is_ascii_alphabetic())).then_some(())
}

fn check_gmt(zone: &str) -> Option<()> {
    zone.eq_ignore_ascii_case("GMT").then_some(())
}

/// Expands a two-digit RFC 850 year to the one within 50 years of `now`.
fn full_year(two_digits: u32, now: SystemTime) -> i64 {
    let current = current_year(now);
    let mut year = current.div_euclid(100) * 100 + i64::from(two_digits);
    if year > current + 50 {
        year -= 100;
    } else if year <= current - 50 {
        year += 100;
    }
    year
}

fn current_year(now: SystemTime) -> i64 {
    let seconds = now
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    year_from_days(seconds / SECONDS_PER_DAY)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The year containing the given day since 1970-01-01 (inverse of [`days_from_civil`]).
fn year_from_days(days: i64) -> i64 {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let year = year_of_era + era * 400;
    // Months are counted from March, so January and February belong to the next year.
    if month_index >= 10 { year + 1 } else { year }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1994-11-06 08:49:37 UTC, the RFC's example instant.
    const EXAMPLE: u64 = 784_111_777;

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn delta_seconds_are_used_and_capped() {
        let now = at(EXAMPLE);
        assert_eq!(parse_retry_after("0", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("300", now),
            Some(Duration::from_secs(300))
        );
        assert_eq!(parse_retry_after("301", now), Some(RETRY_AFTER_CAP));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(RETRY_AFTER_CAP)
        );
    }

    #[test]
    fn all_three_date_formats_give_the_same_instant() {
        let now = at(EXAMPLE - 90);
        for header in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "sun, 06 nov 1994 08:49:37 gmt",
        ] {
            assert_eq!(parse_http_date(header, now), Some(at(EXAMPLE)), "{header}");
            assert_eq!(
                parse_retry_after(header, now),
                Some(Duration::from_secs(90)),
                "{header}"
            );
        }
    }

    #[test]
    fn past_dates_give_zero_and_far_dates_are_capped() {
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", at(EXAMPLE + 5)),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT", at(EXAMPLE)),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("Mon, 07 Nov 1994 08:49:37 GMT", at(EXAMPLE)),
            Some(RETRY_AFTER_CAP)
        );
    }

    #[test]
    fn dates_across_leap_days_and_year_ends_are_exact() {
        let now = at(0);
        // 2024-02-29 12:00:00 UTC and 2000-12-31 23:59:59 UTC.
        assert_eq!(
            parse_http_date("Thu, 29 Feb 2024 12:00:00 GMT", now),
            Some(at(1_709_208_000))
        );
        assert_eq!(
            parse_http_date("Sun, 31 Dec 2000 23:59:59 GMT", now),
            Some(at(978_307_199))
        );
        assert_eq!(parse_http_date("Thu, 29 Feb 2023 12:00:00 GMT", now), None);
    }

    #[test]
    fn rfc850_years_are_read_within_fifty_years_of_now() {
        // now = 2026-01-01; "30" is 2030, "94" is 1994.
        let now = at(1_767_225_600);
        assert_eq!(
            parse_http_date("Tuesday, 01-Jan-30 00:00:00 GMT", now),
            Some(at(1_893_456_000))
        );
        assert_eq!(
            parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", now),
            Some(at(EXAMPLE))
        );
        assert_eq!(full_year(76, now), 2076);
        assert_eq!(full_year(77, now), 1977);
    }

    #[test]
    fn garbage_is_rejected() {
        let now = at(EXAMPLE);
        for header in [
            "",
            "-5",
            "1.5",
            "soon",
            "Sun, 06 Nov 1994 08:49:37 PST",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 94 08:49:37 GMT",
            "Sunday, 06-Nov-1994 08:49:37 GMT",
            "Sun Nov  6 08:49 1994",
            "Sun, 06 Nov 1994 08:49:37",
        ] {
            assert_eq!(parse_retry_after(header, now), None, "{header:?}");
        }
    }
}
