//! Halo's rate limit (about 300 requests per 5 minutes): pace requests before sending, and
//! back off when Halo answers 429 anyway (another client may share the budget).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use relay_plugin_sdk::{Error, Host, HttpRequest, HttpResponse};

/// Requests Halo allows per [`WINDOW`].
const BUDGET: usize = 300;
const WINDOW: Duration = Duration::from_secs(300);
/// Longest single wait after a 429.
const MAX_WAIT: Duration = Duration::from_secs(60);
/// Retries after a 429 unless the options say otherwise.
pub const DEFAULT_RETRIES: u32 = 3;

/// When the last requests were sent, to keep under the budget.
#[derive(Default)]
pub struct RateLimiter {
    sent: Mutex<VecDeque<Instant>>,
}

impl RateLimiter {
    /// How long to wait before one more request may go at `now` (zero: at once).
    fn wait_at(&self, now: Instant) -> Duration {
        let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
        while sent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            sent.pop_front();
        }
        if sent.len() < BUDGET {
            return Duration::ZERO;
        }
        sent.front()
            .map(|oldest| WINDOW.saturating_sub(now.duration_since(*oldest)))
            .unwrap_or(Duration::ZERO)
    }

    fn record(&self, at: Instant) {
        self.sent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_back(at);
    }

    /// Sends `request`, pacing first and retrying after 429 (waiting `Retry-After`, else
    /// 1, 2, 4… s), saying so in the log each time. `what` names the request in messages.
    pub fn send(
        &self,
        host: &Host<'_>,
        request: &HttpRequest,
        max_retries: u32,
        what: &str,
    ) -> Result<HttpResponse, Error> {
        let mut attempt = 0;
        loop {
            let pause = self.wait_at(Instant::now());
            if !pause.is_zero() {
                host.warn(&format!(
                    "sent {BUDGET} requests to Halo in the last 5 minutes (its limit): waiting {} s before {what}",
                    pause.as_secs().max(1)
                ));
                std::thread::sleep(pause);
            }
            self.record(Instant::now());
            let response = host.http(request)?;
            if response.status != 429 {
                return Ok(response);
            }
            if attempt >= max_retries {
                return Err(Error::new(format!(
                    "Halo is rate limiting {what} (HTTP 429 Too Many Requests, {} attempt{}; it allows about {BUDGET} requests per 5 minutes): try again in a few minutes",
                    attempt + 1,
                    if attempt == 0 { "" } else { "s" }
                )));
            }
            attempt += 1;
            let wait = backoff(response.retry_after(), attempt);
            host.warn(&format!(
                "Halo answered 429 Too Many Requests to {what} (it allows about {BUDGET} requests per 5 minutes): waiting {} s, then retry {attempt} of {max_retries}",
                wait.as_secs()
            ));
            std::thread::sleep(wait);
        }
    }
}

/// `Retry-After` when Halo sends it, else 1, 2, 4… seconds; never more than a minute.
fn backoff(retry_after: Option<u64>, attempt: u32) -> Duration {
    let seconds = retry_after.unwrap_or_else(|| 1u64 << attempt.saturating_sub(1).min(6));
    Duration::from_secs(seconds).min(MAX_WAIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_spent_then_refilled_as_the_window_moves() {
        let limiter = RateLimiter::default();
        let start = Instant::now();
        for i in 0..BUDGET {
            assert_eq!(limiter.wait_at(start), Duration::ZERO, "request {i}");
            limiter.record(start + Duration::from_millis(i as u64));
        }
        let later = start + Duration::from_secs(100);
        assert_eq!(limiter.wait_at(later), Duration::from_secs(200));
        assert_eq!(
            limiter.wait_at(start + WINDOW + Duration::from_millis(1)),
            Duration::ZERO
        );
    }

    #[test]
    fn backoff_prefers_retry_after_and_is_capped() {
        assert_eq!(backoff(Some(7), 1), Duration::from_secs(7));
        assert_eq!(backoff(Some(0), 1), Duration::ZERO);
        assert_eq!(backoff(None, 1), Duration::from_secs(1));
        assert_eq!(backoff(None, 3), Duration::from_secs(4));
        assert_eq!(backoff(Some(3600), 1), MAX_WAIT);
        assert_eq!(backoff(None, 30), MAX_WAIT);
    }
}
