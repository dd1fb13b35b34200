//! The source of "now", injectable so that tests run in milliseconds without sleeping.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, TimeDelta, Utc};

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> DateTime<Utc> {
        (**self).now()
    }
}

/// The real system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to (for tests).
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    /// Moves the clock to `t` (backwards too, to test clock jumps).
    pub fn set(&self, t: DateTime<Utc>) {
        // A poisoned lock still holds a valid time; a test that panicked elsewhere should not
        // turn every later read into a second panic.
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = t;
    }

    /// Moves the clock by `by` (saturating at chrono's range) and returns the new time.
    pub fn advance(&self, by: TimeDelta) -> DateTime<Utc> {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        let limit = if by < TimeDelta::zero() {
            DateTime::<Utc>::MIN_UTC
        } else {
            DateTime::<Utc>::MAX_UTC
        };
        *now = now.checked_add_signed(by).unwrap_or(limit);
        *now
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("test time")
    }

    #[test]
    fn manual_clock_stands_still_until_moved() {
        let clock = ManualClock::new(at("2026-03-08T06:00:00Z"));
        assert_eq!(clock.now(), at("2026-03-08T06:00:00Z"));
        assert_eq!(
            clock.advance(TimeDelta::minutes(90)),
            at("2026-03-08T07:30:00Z")
        );
        assert_eq!(clock.now(), at("2026-03-08T07:30:00Z"));
        clock.set(at("2026-01-01T00:00:00Z"));
        assert_eq!(clock.now(), at("2026-01-01T00:00:00Z"));
    }

    #[test]
    fn advance_saturates_instead_of_panicking() {
        let clock = ManualClock::new(DateTime::<Utc>::MAX_UTC - TimeDelta::seconds(1));
        assert_eq!(clock.advance(TimeDelta::days(1)), DateTime::<Utc>::MAX_UTC);
    }

    #[test]
    fn shared_clocks_work_through_arc_dyn() {
        let manual = Arc::new(ManualClock::new(at("2026-01-01T00:00:00Z")));
        let shared: Arc<dyn Clock> = manual.clone();
        manual.advance(TimeDelta::seconds(5));
        assert_eq!(shared.now(), at("2026-01-01T00:00:05Z"));
        let system = SystemClock.now();
        assert!(system > at("2020-01-01T00:00:00Z"));
    }
}
