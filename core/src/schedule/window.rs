//! Parsing the `catchup_window` duration: `24h`, `90m`, `7d`, `30s`, `1h30m`.

use chrono::TimeDelta;

use super::error::ScheduleError;

const FIELD: &str = "catchup_window";
const HELP: &str =
    "write a duration such as `24h`, `90m`, `7d`, `30s` or `1h30m` (units d, h, m, s)";

/// The window used when the setting is absent.
pub const DEFAULT_CATCHUP_WINDOW: TimeDelta = TimeDelta::hours(24);

/// Parses the `catchup_window` setting; `None` means 24 hours.
pub(super) fn parse_window(text: Option<&str>) -> Result<TimeDelta, ScheduleError> {
    let Some(text) = text else {
        return Ok(DEFAULT_CATCHUP_WINDOW);
    };
    let trimmed = text.trim();
    let fail = |message: String| Err(ScheduleError::new(FIELD, message, HELP));
    if trimmed.is_empty() {
        return fail("the duration is empty".to_string());
    }
    let mut total: i64 = 0;
    let mut number = String::new();
    // Units must come largest first, each at most once, as in `1d12h`.
    let mut previous_rank = usize::MAX;
    for ch in trimmed.chars() {
        if ch.is_ascii_digit() {
            number.push(ch);
            continue;
        }
        let Some((rank, seconds)) = unit(ch) else {
            return fail(format!("`{trimmed}` has an unknown unit `{ch}`"));
        };
        if number.is_empty() {
            return fail(format!("`{trimmed}`: unit `{ch}` has no number before it"));
        }
        if rank >= previous_rank {
            return fail(format!(
                "`{trimmed}`: units must go from largest to smallest, each once"
            ));
        }
        previous_rank = rank;
        let Some(part) = number
            .parse::<i64>()
            .ok()
            .and_then(|n| n.checked_mul(seconds))
        else {
            return fail(format!("`{trimmed}` is too long"));
        };
        let Some(sum) = total.checked_add(part) else {
            return fail(format!("`{trimmed}` is too long"));
        };
        total = sum;
        number.clear();
    }
    if !number.is_empty() {
        return fail(format!("`{trimmed}` ends in a number without a unit"));
    }
    if total == 0 {
        return Err(ScheduleError::new(
            FIELD,
            format!("`{trimmed}` is zero"),
            "a fire is always a little late, so a zero window would miss every run; use `catchup: none` to skip missed runs",
        ));
    }
    match TimeDelta::try_seconds(total) {
        Some(window) => Ok(window),
        None => fail(format!("`{trimmed}` is too long")),
    }
}

/// A unit's rank (larger units rank higher) and its length in seconds.
fn unit(ch: char) -> Option<(usize, i64)> {
    match ch {
        'd' => Some((3, 86_400)),
        'h' => Some((2, 3_600)),
        'm' => Some((1, 60)),
        's' => Some((0, 1)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(text: &str) -> String {
        let error = parse_window(Some(text)).expect_err("should be rejected");
        assert_eq!(error.field, "catchup_window");
        error.message
    }

    #[test]
    fn parses_single_and_compound_durations() {
        assert_eq!(parse_window(None), Ok(TimeDelta::hours(24)));
        assert_eq!(parse_window(Some("24h")), Ok(TimeDelta::hours(24)));
        assert_eq!(parse_window(Some("90m")), Ok(TimeDelta::minutes(90)));
        assert_eq!(parse_window(Some("7d")), Ok(TimeDelta::days(7)));
        assert_eq!(parse_window(Some("30s")), Ok(TimeDelta::seconds(30)));
        assert_eq!(parse_window(Some("1h30m")), Ok(TimeDelta::minutes(90)));
        assert_eq!(
            parse_window(Some("1d2h3m4s")),
            Ok(TimeDelta::seconds(86_400 + 7_200 + 180 + 4))
        );
    }

    #[test]
    fn rejects_malformed_durations_specifically() {
        assert_eq!(message("24"), "`24` ends in a number without a unit");
        assert_eq!(message("24x"), "`24x` has an unknown unit `x`");
        assert_eq!(message("h"), "`h`: unit `h` has no number before it");
        assert_eq!(
            message("30m1h"),
            "`30m1h`: units must go from largest to smallest, each once"
        );
        assert_eq!(
            message("1h1h"),
            "`1h1h`: units must go from largest to smallest, each once"
        );
        assert_eq!(message("0h"), "`0h` is zero");
        assert_eq!(
            message("99999999999999999999d"),
            "`99999999999999999999d` is too long"
        );
        assert_eq!(message("-1h"), "`-1h` has an unknown unit `-`");
        assert_eq!(message(""), "the duration is empty");
    }
}
