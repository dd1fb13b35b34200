//! Fire times of a schedule in its zone, with Relay's DST rules.
//!
//! croner walks the wall clock (on `NaiveDateTime`, so it never sees a zone); each wall time it
//! matches is then placed in real time here:
//! - a wall time that happens twice (fall back) fires once, at its first occurrence — for every
//!   expression, including `*/15` and seconds-level ones, so the repeated hour fires nothing;
//! - a wall time that does not exist (spring forward) fires once, at the first instant after
//!   the gap, unless the expression already fires between the end of the gap and the moment that
//!   wall time would have been without the change: then that regular fire stands for it. This is
//!   what keeps interval expressions on their wall-clock grid: `*/15` goes 01:45 → 03:00 and
//!   `15 * * * *` goes 01:15 → 03:15, while `30 2 * * *` moves to 03:00.
//!
//! croner's own zoned search differs: interval expressions fire in both passes of a repeated
//! hour, and only single-value times are carried over a gap (so `30 2,14 * * *` would lose its
//! 02:30 run). Hence the wall-clock walk and the mapping here.

use chrono::{DateTime, LocalResult, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc};

use super::spec::ScheduleSpec;
use super::wall_clock::{Gap, WallTime, resolve};

/// Wall times one search may pass over before giving up: a full day of seconds, more than any
/// repeated range of wall times.
const MAX_CANDIDATES: usize = 100_000;

impl ScheduleSpec {
    /// The first fire time strictly after `t`, or `None` if the schedule never fires again.
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        // Every wall time before `t`'s own maps to an instant at or before `t` (the mapping only
        // moves forward), so the walk starts there.
        let mut cursor = t.with_timezone(&self.timezone).naive_local();
        for _ in 0..MAX_CANDIDATES {
            let wall = self.cron.find_next_occurrence(&cursor, false).ok()?;
            match resolve(self.timezone, wall)? {
                WallTime::At(fire) if fire > t => return Some(fire),
                WallTime::At(_) => cursor = wall,
                WallTime::InGap(gap) => {
                    if let Some(fire) = self.gap_fire(&gap)
                        && fire > t
                    {
                        return Some(fire);
                    }
                    // Every match in the gap gives that same fire (or none): resume after it.
                    cursor = gap.end_wall.checked_sub_signed(TimeDelta::seconds(1))?;
                }
            }
        }
        None
    }

    /// The last fire time strictly before `t`, or `None` if there is none.
    pub fn prev_before(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        // Wall times up to `t`'s own fire at or before `t`. After a fall back, so do later wall
        // times of the first pass (01:45 EDT precedes 01:30 EST): reading `t` with the larger of
        // its wall time's two offsets covers them.
        let own_wall = t.with_timezone(&self.timezone).naive_local();
        let widest = match self.timezone.from_local_datetime(&own_wall) {
            LocalResult::Ambiguous(first, second) => first
                .offset()
                .fix()
                .local_minus_utc()
                .max(second.offset().fix().local_minus_utc()),
            _ => t
                .with_timezone(&self.timezone)
                .offset()
                .fix()
                .local_minus_utc(),
        };
        let seconds = TimeDelta::seconds(i64::from(widest));
        let mut cursor = t.naive_utc().checked_add_signed(seconds)?;
        let mut inclusive = true;
        for _ in 0..MAX_CANDIDATES {
            let wall = self
                .cron
                .find_previous_occurrence(&cursor, inclusive)
                .ok()?;
            inclusive = false;
            match resolve(self.timezone, wall)? {
                WallTime::At(fire) if fire < t => return Some(fire),
                WallTime::At(_) => cursor = wall,
                WallTime::InGap(gap) => {
                    if let Some(fire) = self.gap_fire(&gap)
                        && fire < t
                    {
                        return Some(fire);
                    }
                    cursor = gap.start_wall;
                }
            }
        }
        None
    }

    /// Fire times in `(after, until]`, oldest first, at most `limit`.
    pub fn fires_between(
        &self,
        after: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Vec<DateTime<Utc>> {
        let mut fires = Vec::new();
        let mut cursor = after;
        while fires.len() < limit {
            match self.next_after(cursor) {
                Some(fire) if fire <= until => {
                    fires.push(fire);
                    cursor = fire;
                }
                _ => break,
            }
        }
        fires
    }

    /// The single fire a spring-forward gap produces, if any (see the module docs).
    fn gap_fire(&self, gap: &Gap) -> Option<DateTime<Utc>> {
        let first_in_gap: NaiveDateTime =
            self.cron.find_next_occurrence(&gap.start_wall, true).ok()?;
        if first_in_gap >= gap.end_wall {
            return None;
        }
        let would_have_been = first_in_gap
            .checked_sub_signed(gap.offset_before)?
            .and_utc();
        let next_regular = self
            .cron
            .find_next_occurrence(&gap.end_wall, true)
            .ok()
            .and_then(|wall| match resolve(self.timezone, wall)? {
                WallTime::At(fire) => Some(fire),
                WallTime::InGap(_) => None,
            });
        match next_regular {
            Some(regular) if regular <= would_have_been => None,
            _ => Some(gap.end),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::FixedOffset;

    use super::super::format::format_fire;
    use super::*;

    fn spec(cron: &str, zone: &str) -> ScheduleSpec {
        ScheduleSpec::new(cron, Some(zone), None, None, None).expect("valid schedule")
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::<FixedOffset>::parse_from_rfc3339(text)
            .expect("test time")
            .with_timezone(&Utc)
    }

    /// The next `n` fire times strictly after `from`, printed in the schedule's zone.
    fn next(cron: &str, zone: &str, from: &str, n: usize) -> Vec<String> {
        let spec = spec(cron, zone);
        let mut cursor = at(from);
        let mut out = Vec::new();
        for _ in 0..n {
            let Some(fire) = spec.next_after(cursor) else {
                break;
            };
            out.push(format_fire(fire, spec.timezone()));
            cursor = fire;
        }
        out
    }

    const NY: &str = "America/New_York";
    const LONDON: &str = "Europe/London";

    #[test]
    fn new_york_spring_forward_daily_time_in_the_gap_moves_to_03_00() {
        assert_eq!(
            next("30 2 * * *", NY, "2026-03-07T00:00:00-05:00", 3),
            [
                "2026-03-07T02:30:00-05:00",
                "2026-03-08T03:00:00-04:00",
                "2026-03-09T02:30:00-04:00"
            ]
        );
        // A time list keeps its gap run too (croner alone would drop it).
        assert_eq!(
            next("30 2,14 * * *", NY, "2026-03-08T00:00:00-05:00", 2),
            ["2026-03-08T03:00:00-04:00", "2026-03-08T14:30:00-04:00"]
        );
        // Every minute of 02:xx collapses into one fire after the gap.
        assert_eq!(
            next("* 2 * * *", NY, "2026-03-08T00:00:00-05:00", 2),
            ["2026-03-08T03:00:00-04:00", "2026-03-09T02:00:00-04:00"]
        );
    }

    #[test]
    fn new_york_spring_forward_intervals_stay_on_the_wall_clock_grid() {
        assert_eq!(
            next("*/15 * * * *", NY, "2026-03-08T01:30:00-05:00", 3),
            [
                "2026-03-08T01:45:00-05:00",
                "2026-03-08T03:00:00-04:00",
                "2026-03-08T03:15:00-04:00"
            ]
        );
        assert_eq!(
            next("0 * * * *", NY, "2026-03-08T00:30:00-05:00", 3),
            [
                "2026-03-08T01:00:00-05:00",
                "2026-03-08T03:00:00-04:00",
                "2026-03-08T04:00:00-04:00"
            ]
        );
        assert_eq!(
            next("15 * * * *", NY, "2026-03-08T01:00:00-05:00", 2),
            ["2026-03-08T01:15:00-05:00", "2026-03-08T03:15:00-04:00"]
        );
        assert_eq!(
            next("*/1 * * * * *", NY, "2026-03-08T01:59:58-05:00", 3),
            [
                "2026-03-08T01:59:59-05:00",
                "2026-03-08T03:00:00-04:00",
                "2026-03-08T03:00:01-04:00"
            ]
        );
    }

    #[test]
    fn new_york_fall_back_fires_only_in_the_first_pass() {
        assert_eq!(
            next("30 1 * * *", NY, "2026-10-31T12:00:00-04:00", 2),
            ["2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"]
        );
        assert_eq!(
            next("*/15 * * * *", NY, "2026-11-01T00:45:00-04:00", 6),
            [
                "2026-11-01T01:00:00-04:00",
                "2026-11-01T01:15:00-04:00",
                "2026-11-01T01:30:00-04:00",
                "2026-11-01T01:45:00-04:00",
                "2026-11-01T02:00:00-05:00",
                "2026-11-01T02:15:00-05:00",
            ]
        );
        assert_eq!(
            next("0 * * * *", NY, "2026-10-31T23:30:00-04:00", 4),
            [
                "2026-11-01T00:00:00-04:00",
                "2026-11-01T01:00:00-04:00",
                "2026-11-01T02:00:00-05:00",
                "2026-11-01T03:00:00-05:00",
            ]
        );
        assert_eq!(
            next("*/1 * * * * *", NY, "2026-11-01T01:59:58-04:00", 3),
            [
                "2026-11-01T01:59:59-04:00",
                "2026-11-01T02:00:00-05:00",
                "2026-11-01T02:00:01-05:00"
            ]
        );
    }

    #[test]
    fn searching_from_inside_the_repeated_hour_skips_its_second_pass() {
        assert_eq!(
            next("*/15 * * * *", NY, "2026-11-01T01:20:00-05:00", 1),
            ["2026-11-01T02:00:00-05:00"]
        );
        assert_eq!(
            next("30 1 * * *", NY, "2026-11-01T01:00:00-05:00", 1),
            ["2026-11-02T01:30:00-05:00"]
        );
        assert_eq!(
            next("*/1 * * * * *", NY, "2026-11-01T01:00:00-05:00", 1),
            ["2026-11-01T02:00:00-05:00"]
        );
    }

    #[test]
    fn london_spring_forward() {
        assert_eq!(
            next("30 1 * * *", LONDON, "2026-03-28T12:00:00+00:00", 3),
            [
                "2026-03-29T02:00:00+01:00",
                "2026-03-30T01:30:00+01:00",
                "2026-03-31T01:30:00+01:00"
            ]
        );
        assert_eq!(
            next("*/15 * * * *", LONDON, "2026-03-29T00:30:00+00:00", 3),
            [
                "2026-03-29T00:45:00+00:00",
                "2026-03-29T02:00:00+01:00",
                "2026-03-29T02:15:00+01:00"
            ]
        );
        assert_eq!(
            next("0 * * * *", LONDON, "2026-03-28T23:30:00+00:00", 3),
            [
                "2026-03-29T00:00:00+00:00",
                "2026-03-29T02:00:00+01:00",
                "2026-03-29T03:00:00+01:00"
            ]
        );
    }

    #[test]
    fn london_fall_back() {
        assert_eq!(
            next("30 1 * * *", LONDON, "2026-10-24T12:00:00+01:00", 2),
            ["2026-10-25T01:30:00+01:00", "2026-10-26T01:30:00+00:00"]
        );
        assert_eq!(
            next("*/15 * * * *", LONDON, "2026-10-25T00:45:00+01:00", 5),
            [
                "2026-10-25T01:00:00+01:00",
                "2026-10-25T01:15:00+01:00",
                "2026-10-25T01:30:00+01:00",
                "2026-10-25T01:45:00+01:00",
                "2026-10-25T02:00:00+00:00",
            ]
        );
        assert_eq!(
            next("0 * * * *", LONDON, "2026-10-24T23:30:00+01:00", 4),
            [
                "2026-10-25T00:00:00+01:00",
                "2026-10-25T01:00:00+01:00",
                "2026-10-25T02:00:00+00:00",
                "2026-10-25T03:00:00+00:00",
            ]
        );
    }

    #[test]
    fn special_day_syntax_and_names() {
        assert_eq!(
            next("0 0 L * *", "UTC", "2026-01-15T00:00:00+00:00", 3),
            [
                "2026-01-31T00:00:00+00:00",
                "2026-02-28T00:00:00+00:00",
                "2026-03-31T00:00:00+00:00"
            ]
        );
        // 15 Aug 2026 is a Saturday, 15 Nov a Sunday.
        assert_eq!(
            next("0 0 15W * *", "UTC", "2026-08-01T00:00:00+00:00", 4),
            [
                "2026-08-14T00:00:00+00:00",
                "2026-09-15T00:00:00+00:00",
                "2026-10-15T00:00:00+00:00",
                "2026-11-16T00:00:00+00:00",
            ]
        );
        assert_eq!(
            next("0 10 * * 5#2", "UTC", "2026-01-01T00:00:00+00:00", 3),
            [
                "2026-01-09T10:00:00+00:00",
                "2026-02-13T10:00:00+00:00",
                "2026-03-13T10:00:00+00:00"
            ]
        );
        assert_eq!(
            next("0 9 * jan,JUL Mon", "UTC", "2026-06-01T00:00:00+00:00", 5),
            [
                "2026-07-06T09:00:00+00:00",
                "2026-07-13T09:00:00+00:00",
                "2026-07-20T09:00:00+00:00",
                "2026-07-27T09:00:00+00:00",
                "2027-01-04T09:00:00+00:00",
            ]
        );
        // 0 and 7 are both Sunday.
        assert_eq!(
            next("0 0 * * 7", "UTC", "2026-03-01T00:00:00+00:00", 1),
            ["2026-03-08T00:00:00+00:00"]
        );
        assert_eq!(
            next("0 0 * * 0", "UTC", "2026-03-01T00:00:00+00:00", 1),
            ["2026-03-08T00:00:00+00:00"]
        );
    }

    #[test]
    fn daily_shortcut_fires_at_local_midnight() {
        assert_eq!(
            next("@daily", NY, "2026-01-01T12:00:00-05:00", 2),
            ["2026-01-02T00:00:00-05:00", "2026-01-03T00:00:00-05:00"]
        );
        let spec = spec("@daily", NY);
        assert_eq!(
            spec.next_after(at("2026-01-01T12:00:00-05:00")),
            Some(at("2026-01-02T05:00:00Z"))
        );
    }

    #[test]
    fn seconds_level_expressions_tick_every_second() {
        assert_eq!(
            next("*/1 * * * * *", "UTC", "2026-01-01T00:00:00.500+00:00", 3),
            [
                "2026-01-01T00:00:01+00:00",
                "2026-01-01T00:00:02+00:00",
                "2026-01-01T00:00:03+00:00"
            ]
        );
    }

    #[test]
    fn next_after_is_strict() {
        let spec = spec("0 * * * *", "UTC");
        assert_eq!(
            spec.next_after(at("2026-01-01T10:00:00Z")),
            Some(at("2026-01-01T11:00:00Z"))
        );
        assert_eq!(
            spec.next_after(at("2026-01-01T09:59:59.999Z")),
            Some(at("2026-01-01T10:00:00Z"))
        );
    }

    #[test]
    fn prev_before_mirrors_next_after_across_dst() {
        for (cron, zone, from, to) in [
            (
                "*/15 * * * *",
                NY,
                "2026-11-01T00:00:00-04:00",
                "2026-11-01T03:00:00-05:00",
            ),
            (
                "*/15 * * * *",
                NY,
                "2026-03-08T00:00:00-05:00",
                "2026-03-08T04:00:00-04:00",
            ),
            (
                "30 2 * * *",
                NY,
                "2026-03-05T00:00:00-05:00",
                "2026-03-11T00:00:00-04:00",
            ),
            (
                "30 1 * * *",
                LONDON,
                "2026-10-22T00:00:00+01:00",
                "2026-10-28T00:00:00+00:00",
            ),
            (
                "*/1 * * * * *",
                NY,
                "2026-11-01T01:59:00-04:00",
                "2026-11-01T02:01:00-05:00",
            ),
        ] {
            let spec = spec(cron, zone);
            let forward = spec.fires_between(at(from), at(to), 1000);
            let mut backward = Vec::new();
            let mut cursor = at(to);
            while let Some(fire) = spec.prev_before(cursor) {
                if fire <= at(from) {
                    break;
                }
                backward.push(fire);
                cursor = fire;
            }
            backward.reverse();
            // `to` itself may be a fire: fires_between includes it, prev_before(to) does not.
            let forward_before_to: Vec<_> = forward
                .iter()
                .copied()
                .filter(|fire| *fire < at(to))
                .collect();
            assert!(!forward.is_empty(), "{cron} in {zone}");
            assert_eq!(backward, forward_before_to, "{cron} in {zone}");
        }
    }

    #[test]
    fn prev_before_from_the_second_pass_finds_the_first_pass() {
        let quarters = spec("*/15 * * * *", NY);
        assert_eq!(
            quarters.prev_before(at("2026-11-01T01:20:00-05:00")),
            Some(at("2026-11-01T01:45:00-04:00"))
        );
        let daily = spec("30 2 * * *", NY);
        assert_eq!(
            daily.prev_before(at("2026-03-08T03:00:01-04:00")),
            Some(at("2026-03-08T03:00:00-04:00"))
        );
    }

    #[test]
    fn fires_between_is_half_open_and_limited() {
        let spec = spec("0 * * * *", "UTC");
        let fires = spec.fires_between(at("2026-01-01T00:00:00Z"), at("2026-01-01T03:00:00Z"), 10);
        assert_eq!(
            fires,
            [
                at("2026-01-01T01:00:00Z"),
                at("2026-01-01T02:00:00Z"),
                at("2026-01-01T03:00:00Z")
            ]
        );
        assert_eq!(
            spec.fires_between(at("2026-01-01T00:00:00Z"), at("2026-01-02T00:00:00Z"), 2)
                .len(),
            2
        );
        assert!(
            spec.fires_between(at("2026-01-01T03:00:00Z"), at("2026-01-01T00:00:00Z"), 10)
                .is_empty()
        );
    }

    #[test]
    fn a_year_of_new_york_hours_has_one_fewer_and_no_doubles() {
        // Spring forward loses the 02:00 hour; fall back does not repeat 01:00.
        let spec = spec("0 * * * *", NY);
        let fires = spec.fires_between(
            at("2026-01-01T00:00:00-05:00"),
            at("2027-01-01T00:00:00-05:00"),
            10_000,
        );
        assert_eq!(fires.len(), 365 * 24 - 1);
        assert!(fires.windows(2).all(|pair| pair[0] < pair[1]));
    }
}
