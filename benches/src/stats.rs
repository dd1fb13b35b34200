//! Medians and the other figures the benchmark tables print.

use std::time::Duration;

/// The median of `samples` (the mean of the middle two for an even count); `None` when empty.
pub fn median(samples: &[Duration]) -> Option<Duration> {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

/// The median of plain numbers (peak RSS in KiB, for instance); `None` when empty.
pub fn median_u64(samples: &[u64]) -> Option<u64> {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

/// Extra time per request of `relay` over `base`, in microseconds (negative when faster).
pub fn per_request_overhead_us(relay: Duration, base: Duration, requests: usize) -> f64 {
    let diff = relay.as_secs_f64() - base.as_secs_f64();
    diff * 1e6 / requests.max(1) as f64
}

/// Cost of one more request, from runs with `small` and `large` requests: it removes what
/// does not grow with the request count (process start, planning, printing the summary).
pub fn marginal_us(at_small: Duration, at_large: Duration, small: usize, large: usize) -> f64 {
    let extra = large.saturating_sub(small).max(1) as f64;
    (at_large.as_secs_f64() - at_small.as_secs_f64()) * 1e6 / extra
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn median_of_odd_count_is_the_middle_sample() {
        assert_eq!(median(&[ms(9), ms(1), ms(5)]), Some(ms(5)));
    }

    #[test]
    fn median_of_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&[ms(4), ms(1), ms(10), ms(2)]), Some(ms(3)));
        assert_eq!(median_u64(&[4, 1, 10, 2]), Some(3));
    }

    #[test]
    fn median_of_nothing_is_none() {
        assert_eq!(median(&[]), None);
        assert_eq!(median_u64(&[]), None);
    }

    #[test]
    fn overhead_is_spread_over_the_requests() {
        let us = per_request_overhead_us(ms(130), ms(100), 2_000);
        assert!((us - 15.0).abs() < 1e-9, "{us}");
        assert!(per_request_overhead_us(ms(90), ms(100), 1_000) < 0.0);
    }

    #[test]
    fn marginal_cost_ignores_the_fixed_part() {
        // 10 ms of start-up plus 50 µs a request.
        let one = ms(10) + Duration::from_micros(50);
        let many = ms(10) + Duration::from_micros(50 * 2_001);
        assert!((marginal_us(one, many, 1, 2_001) - 50.0).abs() < 1e-6);
    }
}
