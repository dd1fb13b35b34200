//! Injected faults: rate limiting, server errors, revoked tokens and slow responses on demand.

use std::collections::VecDeque;
use std::time::Duration;

/// A misbehaviour applied to the next `times` matching requests, in injection order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer 429, with a `Retry-After` header when `retry_after` is set (sent verbatim).
    TooManyRequests {
        /// How many requests get it.
        times: u32,
        /// Header value, e.g. `"2"` or an HTTP date; `None` sends no header.
        retry_after: Option<String>,
    },
    /// Answer `status` (a 5xx, e.g. 503); an invalid status code becomes 500.
    ServerError {
        /// The status code to answer.
        status: u16,
        /// How many requests get it.
        times: u32,
    },
    /// Answer 401 `invalid_token` even to a valid token, as if it had been revoked.
    Unauthorized {
        /// How many requests get it.
        times: u32,
    },
    /// Wait `delay`, then handle the request normally.
    Delay {
        /// How long to wait before handling.
        delay: Duration,
        /// How many requests get it.
        times: u32,
    },
}

impl Fault {
    fn times(&self) -> u32 {
        match self {
            Fault::TooManyRequests { times, .. }
            | Fault::ServerError { times, .. }
            | Fault::Unauthorized { times }
            | Fault::Delay { times, .. } => *times,
        }
    }

    fn set_times(&mut self, n: u32) {
        match self {
            Fault::TooManyRequests { times, .. }
            | Fault::ServerError { times, .. }
            | Fault::Unauthorized { times }
            | Fault::Delay { times, .. } => *times = n,
        }
    }
}

/// Pending faults for one group of endpoints, consumed one request at a time.
#[derive(Debug, Default)]
pub struct FaultQueue {
    pending: VecDeque<Fault>,
}

impl FaultQueue {
    /// Queues `fault` behind those already pending; a fault with `times: 0` is ignored.
    pub fn push(&mut self, fault: Fault) {
        if fault.times() > 0 {
            self.pending.push_back(fault);
        }
    }

    /// Takes one application of the oldest pending fault (its `times` field is then 1).
    pub fn take(&mut self) -> Option<Fault> {
        let front = self.pending.front_mut()?;
        let left = front.times() - 1;
        let mut one = front.clone();
        one.set_times(1);
        if left == 0 {
            self.pending.pop_front();
        } else {
            front.set_times(left);
        }
        Some(one)
    }

    /// Drops every pending fault.
    pub fn clear(&mut self) {
        self.pending.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_apply_in_order_and_run_out() {
        let mut q = FaultQueue::default();
        q.push(Fault::TooManyRequests {
            times: 2,
            retry_after: Some("3".into()),
        });
        q.push(Fault::ServerError {
            status: 503,
            times: 0,
        });
        q.push(Fault::Unauthorized { times: 1 });
        let expected_429 = Fault::TooManyRequests {
            times: 1,
            retry_after: Some("3".into()),
        };
        assert_eq!(q.take(), Some(expected_429.clone()));
        assert_eq!(q.take(), Some(expected_429));
        assert_eq!(q.take(), Some(Fault::Unauthorized { times: 1 }));
        assert_eq!(q.take(), None);
    }

    #[test]
    fn clear_drops_pending() {
        let mut q = FaultQueue::default();
        q.push(Fault::Delay {
            delay: Duration::from_millis(5),
            times: 4,
        });
        q.clear();
        assert_eq!(q.take(), None);
    }
}
