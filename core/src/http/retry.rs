//! Retry policy of an `http_request`: which statuses retry, how often, and how long to wait.

use std::fmt;
use std::time::{Duration, SystemTime};

use minijinja::Value;
use minijinja::value::ValueKind;

use super::status_set::{StatusSet, StatusSetError, shown};

pub use super::retry_after::{RETRY_AFTER_CAP, parse_retry_after};

/// Backoff ceiling of the first retry; doubled for each later one.
pub const BACKOFF_BASE: Duration = Duration::from_secs(1);
/// Largest backoff ceiling.
pub const BACKOFF_CAP: Duration = Duration::from_secs(60);
/// Most retries a request may be given.
pub const MAX_RETRIES_LIMIT: u32 = 25;
/// Retries when `retry_on_status` is set and `max_retries` is not.
pub const DEFAULT_MAX_RETRIES: u32 = 5;

/// Full-jitter exponential backoff before retry number `attempt` (1 = first retry).
///
/// The ceiling is 1 s for the first retry, doubled each time, at most 60 s; the wait is
/// `ceiling × rng()`, so `rng` must return a value in `[0, 1]` (values outside are clamped,
/// NaN counts as 0). Attempt 0 is treated as 1.
pub fn backoff(attempt: u32, rng: &mut impl FnMut() -> f64) -> Duration {
    let doublings = attempt.saturating_sub(1).min(6);
    let ceiling = (BACKOFF_BASE * 2u32.pow(doublings)).min(BACKOFF_CAP);
    let fraction = rng();
    let fraction = if fraction.is_nan() {
        0.0
    } else {
        fraction.clamp(0.0, 1.0)
    };
    ceiling.mul_f64(fraction)
}

/// When and how often a request is retried.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Statuses that trigger a retry (`0` = transport error or timeout).
    pub on: StatusSet,
    /// Retries after the first attempt.
    pub max_retries: u32,
}

impl RetryPolicy {
    /// A policy from parsed parts; `max_retries` defaults to 5 when `on` is non-empty, else 0.
    pub fn new(on: StatusSet, max_retries: Option<u32>) -> Result<Self, RetryConfigError> {
        let max_retries = match max_retries {
            Some(count) if count > MAX_RETRIES_LIMIT => {
                return Err(RetryConfigError::MaxRetries(count.to_string()));
            }
            Some(count) => count,
            None if on.is_empty() => 0,
            None => DEFAULT_MAX_RETRIES,
        };
        Ok(Self { on, max_retries })
    }

    /// A policy from the rendered `retry_on_status` and `max_retries` option values.
    ///
    /// `max_retries` may be an integer or a string of digits (a rendered formula).
    pub fn from_options(
        retry_on_status: Option<&Value>,
        max_retries: Option<&Value>,
    ) -> Result<Self, RetryConfigError> {
        let on = match retry_on_status {
            Some(value) => StatusSet::from_option(value).map_err(RetryConfigError::Status)?,
            None => StatusSet::default(),
        };
        let max_retries = max_retries
            .filter(|value| !value.is_none() && !value.is_undefined())
            .map(parse_count)
            .transpose()?;
        RetryPolicy::new(on, max_retries)
    }

    /// How long to wait before retry number `attempt` (1 = first retry) after `status`,
    /// or `None` when the request must not be retried. Uses the clock and a random jitter.
    pub fn delay_for(
        &self,
        attempt: u32,
        status: u16,
        retry_after_header: Option<&str>,
    ) -> Option<Duration> {
        self.delay_for_with(
            attempt,
            status,
            retry_after_header,
            SystemTime::now(),
            &mut fastrand::f64,
        )
    }

    /// [`delay_for`](Self::delay_for) with the clock and the random source given.
    ///
    /// A parseable `Retry-After` wins over backoff (already capped at 300 s).
    pub fn delay_for_with(
        &self,
        attempt: u32,
        status: u16,
        retry_after_header: Option<&str>,
        now: SystemTime,
        rng: &mut impl FnMut() -> f64,
    ) -> Option<Duration> {
        if attempt == 0 || attempt > self.max_retries || !self.on.contains(status) {
            return None;
        }
        let honoured = retry_after_header.and_then(|header| parse_retry_after(header, now));
        Some(honoured.unwrap_or_else(|| backoff(attempt, rng)))
    }
}

fn parse_count(value: &Value) -> Result<u32, RetryConfigError> {
    let parsed = match value.kind() {
        ValueKind::Number if value.is_integer() => {
            value.as_i64().and_then(|n| u32::try_from(n).ok())
        }
        ValueKind::String => value
            .as_str()
            .and_then(|text| text.trim().parse::<u32>().ok()),
        _ => None,
    };
    parsed
        .filter(|count| *count <= MAX_RETRIES_LIMIT)
        .ok_or_else(|| RetryConfigError::MaxRetries(shown(value)))
}

/// An invalid `retry_on_status` or `max_retries` option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryConfigError {
    /// A bad entry in `retry_on_status`.
    Status(StatusSetError),
    /// A `max_retries` that is not a whole number from 0 to 25 (the value as given).
    MaxRetries(String),
}

impl fmt::Display for RetryConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RetryConfigError::Status(err) => write!(f, "retry_on_status: {err}"),
            RetryConfigError::MaxRetries(given) => write!(
                f,
                "invalid max_retries `{given}`: expected a whole number from 0 to {MAX_RETRIES_LIMIT}"
            ),
        }
    }
}

impl std::error::Error for RetryConfigError {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn json(text: &str) -> Value {
        serde_json::from_str(text).expect("test JSON")
    }

    fn policy(on: &str, max: Option<&str>) -> RetryPolicy {
        let max = max.map(json);
        RetryPolicy::from_options(Some(&json(on)), max.as_ref()).unwrap()
    }

    #[test]
    fn backoff_ceiling_doubles_from_one_second_to_sixty() {
        let mut top = || 1.0;
        let ceilings: Vec<u64> = (1..=9).map(|n| backoff(n, &mut top).as_secs()).collect();
        assert_eq!(ceilings, vec![1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(backoff(u32::MAX, &mut top), BACKOFF_CAP);
        assert_eq!(backoff(0, &mut top), BACKOFF_BASE);
    }

    #[test]
    fn backoff_is_full_jitter_over_the_ceiling() {
        assert_eq!(backoff(3, &mut || 0.0), Duration::ZERO);
        assert_eq!(backoff(3, &mut || 0.5), Duration::from_secs(2));
        assert_eq!(backoff(10, &mut || 0.25), Duration::from_secs(15));
        assert_eq!(backoff(3, &mut || 7.0), Duration::from_secs(4));
        assert_eq!(backoff(3, &mut || -1.0), Duration::ZERO);
        assert_eq!(backoff(3, &mut || f64::NAN), Duration::ZERO);
    }

    #[test]
    fn real_jitter_stays_within_bounds() {
        for attempt in 1..=10 {
            let ceiling = backoff(attempt, &mut || 1.0);
            for _ in 0..50 {
                assert!(backoff(attempt, &mut fastrand::f64) <= ceiling);
            }
        }
    }

    #[test]
    fn max_retries_defaults_and_limits() {
        assert_eq!(policy(r#"["429"]"#, None).max_retries, 5);
        assert_eq!(
            RetryPolicy::from_options(None, None).unwrap().max_retries,
            0
        );
        assert_eq!(policy("[]", None).max_retries, 0);
        assert_eq!(policy(r#"["5xx"]"#, Some("25")).max_retries, 25);
        assert_eq!(policy(r#"["5xx"]"#, Some(r#""3""#)).max_retries, 3);
        assert_eq!(policy(r#"["5xx"]"#, Some("null")).max_retries, 5);
        for (bad, given) in [
            ("26", "26"),
            ("-1", "-1"),
            ("2.5", "2.5"),
            (r#""x""#, "x"),
            ("true", "true"),
        ] {
            let err =
                RetryPolicy::from_options(Some(&json(r#"["5xx"]"#)), Some(&json(bad))).unwrap_err();
            assert_eq!(err, RetryConfigError::MaxRetries(given.to_owned()), "{bad}");
            assert!(err.to_string().contains("from 0 to 25"), "{err}");
        }
        assert!(RetryPolicy::new(StatusSet::default(), Some(26)).is_err());
    }

    #[test]
    fn bad_status_entries_are_reported() {
        let err = RetryPolicy::from_options(Some(&json(r#"["4xx","nope"]"#)), None).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("retry_on_status: invalid status `nope`"),
            "{err}"
        );
    }

    #[test]
    fn delay_only_for_listed_statuses_within_the_retry_budget() {
        let retry = policy(r#"["429","5xx","0"]"#, Some("2"));
        let now = UNIX_EPOCH;
        let mut half = || 0.5;
        assert_eq!(
            retry.delay_for_with(1, 503, None, now, &mut half),
            Some(Duration::from_millis(500))
        );
        assert_eq!(
            retry.delay_for_with(2, 0, None, now, &mut half),
            Some(Duration::from_secs(1))
        );
        assert_eq!(retry.delay_for_with(3, 503, None, now, &mut half), None);
        assert_eq!(retry.delay_for_with(1, 404, None, now, &mut half), None);
        assert_eq!(retry.delay_for_with(1, 200, None, now, &mut half), None);
        assert_eq!(retry.delay_for_with(0, 503, None, now, &mut half), None);
        assert_eq!(RetryPolicy::default().delay_for(1, 503, None), None);
    }

    #[test]
    fn retry_after_wins_over_backoff_and_bad_values_fall_back() {
        let retry = policy(r#"["429"]"#, None);
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777 - 7);
        let mut never = || panic!("jitter must not be drawn when Retry-After applies");
        assert_eq!(
            retry.delay_for_with(1, 429, Some("12"), now, &mut never),
            Some(Duration::from_secs(12))
        );
        assert_eq!(
            retry.delay_for_with(
                1,
                429,
                Some("Sun, 06 Nov 1994 08:49:37 GMT"),
                now,
                &mut never
            ),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry.delay_for_with(1, 429, Some("3600"), now, &mut never),
            Some(RETRY_AFTER_CAP)
        );
        assert_eq!(
            retry.delay_for_with(4, 429, Some("whenever"), now, &mut || 1.0),
            Some(Duration::from_secs(8))
        );
    }
}
