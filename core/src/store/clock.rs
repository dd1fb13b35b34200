//! Times as stored: milliseconds since the Unix epoch in a signed 64-bit integer.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The current time as stored.
pub(super) fn now_millis() -> i64 {
    to_millis(SystemTime::now())
}

/// A time as stored, saturating at the ends of the `i64` range.
pub(super) fn to_millis(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_millis()).map_or(i64::MIN, |ms| -ms),
    }
}

/// A stored time back as a `SystemTime`, saturating at the epoch on overflow.
pub(super) fn from_millis(millis: i64) -> SystemTime {
    let offset = Duration::from_millis(millis.unsigned_abs());
    let time = if millis >= 0 {
        UNIX_EPOCH.checked_add(offset)
    } else {
        UNIX_EPOCH.checked_sub(offset)
    };
    time.unwrap_or(UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millis_round_trip_before_and_after_the_epoch() {
        for millis in [0, 1, 1_767_225_600_123, -86_400_000] {
            assert_eq!(to_millis(from_millis(millis)), millis);
        }
    }

    #[test]
    fn now_is_after_2024() {
        assert!(now_millis() > 1_704_067_200_000);
    }
}
