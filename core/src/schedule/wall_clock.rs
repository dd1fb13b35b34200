//! Mapping a wall-clock time in a zone onto real time, including across DST changes.

use chrono::{DateTime, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

/// Where one wall-clock time of a zone falls in real time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WallTime {
    /// The wall time happens once, or (fall back) this is the first of its two occurrences.
    At(DateTime<Utc>),
    /// The wall time does not exist: the clock jumps over it (spring forward).
    InGap(Gap),
}

/// A range of wall times a spring-forward change skips.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Gap {
    /// The first wall time that does not exist (e.g. 02:00).
    pub start_wall: NaiveDateTime,
    /// The first wall time after the gap (e.g. 03:00).
    pub end_wall: NaiveDateTime,
    /// The first instant after the gap: the moment the clock changed.
    pub end: DateTime<Utc>,
    /// The zone's UTC offset just before the gap.
    pub offset_before: TimeDelta,
}

/// The zone's UTC offset at `instant`.
fn offset_at(zone: Tz, instant: DateTime<Utc>) -> TimeDelta {
    let seconds = zone
        .offset_from_utc_datetime(&instant.naive_utc())
        .fix()
        .local_minus_utc();
    TimeDelta::seconds(i64::from(seconds))
}

/// Resolves `wall` in `zone`; `None` only at the edges of chrono's range.
pub(super) fn resolve(zone: Tz, wall: NaiveDateTime) -> Option<WallTime> {
    match zone.from_local_datetime(&wall) {
        chrono::LocalResult::Single(at) => Some(WallTime::At(at.with_timezone(&Utc))),
        chrono::LocalResult::Ambiguous(first, second) => {
            Some(WallTime::At(first.min(second).with_timezone(&Utc)))
        }
        chrono::LocalResult::None => gap_around(zone, wall).map(WallTime::InGap),
    }
}

/// Finds the gap that swallows `wall`.
fn gap_around(zone: Tz, wall: NaiveDateTime) -> Option<Gap> {
    let wall_of = |seconds: i64| -> Option<NaiveDateTime> {
        let instant = DateTime::<Utc>::from_timestamp(seconds, 0)?;
        instant
            .naive_utc()
            .checked_add_signed(offset_at(zone, instant))
    };
    // No zone is more than about 16 hours from UTC, so two days either side of `wall` read as
    // UTC bracket the change.
    let margin = 2 * 86_400;
    let center = wall.and_utc().timestamp();
    let (mut before, mut after) = (center.checked_sub(margin)?, center.checked_add(margin)?);
    if wall_of(before)? > wall || wall_of(after)? <= wall {
        return None;
    }
    // The change is the first instant whose wall time is past `wall`; zone changes fall on
    // whole seconds, so bisecting seconds finds it exactly.
    while after - before > 1 {
        let middle = before + (after - before) / 2;
        if wall_of(middle)? > wall {
            after = middle;
        } else {
            before = middle;
        }
    }
    let end = DateTime::<Utc>::from_timestamp(after, 0)?;
    let offset_before = offset_at(zone, end.checked_sub_signed(TimeDelta::seconds(1))?);
    Some(Gap {
        start_wall: end.naive_utc().checked_add_signed(offset_before)?,
        end_wall: wall_of(after)?,
        end,
        offset_before,
    })
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use chrono_tz::America::New_York;
    use chrono_tz::Europe::London;

    use super::*;

    fn wall(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|date| date.and_hms_opt(h, mi, 0))
            .expect("test date")
    }

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("test time")
    }

    #[test]
    fn ordinary_times_resolve_once() {
        assert_eq!(
            resolve(New_York, wall(2026, 6, 1, 9, 0)),
            Some(WallTime::At(at("2026-06-01T13:00:00Z")))
        );
    }

    #[test]
    fn repeated_times_resolve_to_their_first_occurrence() {
        // 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST).
        assert_eq!(
            resolve(New_York, wall(2026, 11, 1, 1, 30)),
            Some(WallTime::At(at("2026-11-01T05:30:00Z")))
        );
        assert_eq!(
            resolve(London, wall(2026, 10, 25, 1, 30)),
            Some(WallTime::At(at("2026-10-25T00:30:00Z")))
        );
    }

    #[test]
    fn skipped_times_report_their_gap() {
        let expected = Gap {
            start_wall: wall(2026, 3, 8, 2, 0),
            end_wall: wall(2026, 3, 8, 3, 0),
            end: at("2026-03-08T07:00:00Z"),
            offset_before: TimeDelta::hours(-5),
        };
        assert_eq!(
            resolve(New_York, wall(2026, 3, 8, 2, 30)),
            Some(WallTime::InGap(expected))
        );
        assert_eq!(
            resolve(New_York, wall(2026, 3, 8, 2, 0)),
            Some(WallTime::InGap(expected))
        );
        let london = Gap {
            start_wall: wall(2026, 3, 29, 1, 0),
            end_wall: wall(2026, 3, 29, 2, 0),
            end: at("2026-03-29T01:00:00Z"),
            offset_before: TimeDelta::zero(),
        };
        assert_eq!(
            resolve(London, wall(2026, 3, 29, 1, 59)),
            Some(WallTime::InGap(london))
        );
    }
}
