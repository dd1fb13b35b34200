//! Missed fire times: which run and which are recorded `missed` when the daemon starts.

use chrono::{DateTime, TimeDelta, Utc};

use super::error::ScheduleError;
use super::spec::ScheduleSpec;
use super::suggest::closest;

/// The most missed fires `all` runs at once; older ones are recorded `missed`.
pub const MAX_CATCHUP_RUNS: usize = 1000;

/// The most missed fires a plan lists; older ones are only flagged by `missed_truncated`, so a
/// seconds-level schedule down for a month does not enumerate millions of times.
pub const MAX_LISTED_MISSED: usize = 10_000;

/// The `catchup` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Catchup {
    /// Run none of the missed fires; record them all `missed`.
    None,
    /// Run the newest missed fire once; record the others `missed` (the default).
    #[default]
    Latest,
    /// Run every missed fire within `catchup_window`, oldest first.
    All,
}

impl Catchup {
    const NAMES: [&str; 3] = ["none", "latest", "all"];

    /// Parses the `catchup` setting; `None` means `latest`.
    pub fn parse(text: Option<&str>) -> Result<Self, ScheduleError> {
        match text.map(str::trim) {
            None | Some("latest") => Ok(Self::Latest),
            Some("none") => Ok(Self::None),
            Some("all") => Ok(Self::All),
            Some(other) => {
                let mut help = "use `none`, `latest` (the default) or `all`".to_string();
                if let Some(name) = closest(other, Self::NAMES) {
                    help = format!("did you mean `{name}`? {help}");
                }
                Err(ScheduleError::new(
                    "catchup",
                    format!("unknown catch-up mode `{other}`"),
                    help,
                ))
            }
        }
    }

    /// The setting's spelling in workflow files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Latest => "latest",
            Self::All => "all",
        }
    }
}

/// What to do, on start, with the fire times since a schedule's last recorded fire.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CatchupPlan {
    /// Fire times to run now, oldest first.
    pub run: Vec<DateTime<Utc>>,
    /// Fire times to record as `missed`, oldest first (the newest `MAX_LISTED_MISSED` of them).
    pub missed: Vec<DateTime<Utc>>,
    /// More missed fire times exist before the oldest listed one.
    pub missed_truncated: bool,
}

impl ScheduleSpec {
    /// Whether a fire at `fire` is too late to run at `now`: more than `catchup_window` late.
    pub fn is_too_late(&self, fire: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        now.signed_duration_since(fire) > self.catchup_window()
    }
}

/// Plans the fire times in `(last_recorded_fire, now]`.
///
/// With no recorded fire (the schedule's first start) nothing is caught up: the schedule starts
/// with its next fire time, instead of running for a past it never had.
pub fn plan_catchup(
    spec: &ScheduleSpec,
    last_recorded_fire: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> CatchupPlan {
    let Some(last) = last_recorded_fire else {
        return CatchupPlan::default();
    };
    // Walk back from now, so the work is bounded by what is listed, not by the downtime.
    let mut newest_first = Vec::new();
    let mut missed_truncated = false;
    let mut cursor = now
        .checked_add_signed(TimeDelta::nanoseconds(1))
        .unwrap_or(now);
    while let Some(fire) = spec.prev_before(cursor) {
        if fire <= last {
            break;
        }
        if newest_first.len() == MAX_CATCHUP_RUNS + MAX_LISTED_MISSED {
            missed_truncated = true;
            break;
        }
        newest_first.push(fire);
        cursor = fire;
    }

    let in_window = |fire: &DateTime<Utc>| !spec.is_too_late(*fire, now);
    let runnable = match spec.catchup() {
        Catchup::None => 0,
        Catchup::Latest => newest_first
            .iter()
            .take(1)
            .filter(|fire| in_window(fire))
            .count(),
        Catchup::All => newest_first
            .iter()
            .take(MAX_CATCHUP_RUNS)
            .take_while(|fire| in_window(fire))
            .count(),
    };
    let mut run: Vec<_> = newest_first[..runnable].to_vec();
    let mut missed: Vec<_> = newest_first[runnable..]
        .iter()
        .take(MAX_LISTED_MISSED)
        .copied()
        .collect();
    missed_truncated |= newest_first.len() - runnable > MAX_LISTED_MISSED;
    run.reverse();
    missed.reverse();
    CatchupPlan {
        run,
        missed,
        missed_truncated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("test time")
            .with_timezone(&Utc)
    }

    fn spec(cron: &str, catchup: &str, window: &str) -> ScheduleSpec {
        ScheduleSpec::new(cron, None, Some(catchup), Some(window), None).expect("valid schedule")
    }

    const WEEK_AGO: &str = "2026-06-01T00:00:00Z";
    const NOW: &str = "2026-06-08T00:00:00Z";

    #[test]
    fn parses_modes_and_defaults_to_latest() {
        assert_eq!(Catchup::parse(None), Ok(Catchup::Latest));
        assert_eq!(Catchup::parse(Some("none")), Ok(Catchup::None));
        assert_eq!(Catchup::parse(Some("all")), Ok(Catchup::All));
        let error = Catchup::parse(Some("lastest")).expect_err("typo");
        assert_eq!(error.field, "catchup");
        assert_eq!(error.message, "unknown catch-up mode `lastest`");
        assert!(
            error.help.starts_with("did you mean `latest`?"),
            "{}",
            error.help
        );
        assert_eq!(Catchup::All.as_str(), "all");
    }

    #[test]
    fn none_records_a_week_of_fires_as_missed() {
        let plan = plan_catchup(
            &spec("*/15 * * * *", "none", "24h"),
            Some(at(WEEK_AGO)),
            at(NOW),
        );
        assert!(plan.run.is_empty());
        assert_eq!(plan.missed.len(), 7 * 96);
        assert_eq!(plan.missed.first(), Some(&at("2026-06-01T00:15:00Z")));
        assert_eq!(plan.missed.last(), Some(&at(NOW)));
        assert!(!plan.missed_truncated);
    }

    #[test]
    fn latest_runs_the_newest_once() {
        let plan = plan_catchup(
            &spec("*/15 * * * *", "latest", "24h"),
            Some(at(WEEK_AGO)),
            at(NOW),
        );
        assert_eq!(plan.run, [at(NOW)]);
        assert_eq!(plan.missed.len(), 7 * 96 - 1);
        assert_eq!(plan.missed.last(), Some(&at("2026-06-07T23:45:00Z")));
    }

    #[test]
    fn all_runs_what_is_inside_the_window_oldest_first() {
        let plan = plan_catchup(
            &spec("*/15 * * * *", "all", "24h"),
            Some(at(WEEK_AGO)),
            at(NOW),
        );
        // Exactly 24h late still runs: 06-07T00:00 through 06-08T00:00.
        assert_eq!(plan.run.len(), 97);
        assert_eq!(plan.run.first(), Some(&at("2026-06-07T00:00:00Z")));
        assert_eq!(plan.run.last(), Some(&at(NOW)));
        assert!(plan.run.windows(2).all(|pair| pair[0] < pair[1]));
        assert_eq!(plan.missed.len(), 7 * 96 - 97);
        assert_eq!(plan.missed.last(), Some(&at("2026-06-06T23:45:00Z")));
    }

    #[test]
    fn all_runs_at_most_a_thousand() {
        let plan = plan_catchup(
            &spec("*/5 * * * *", "all", "7d"),
            Some(at(WEEK_AGO)),
            at(NOW),
        );
        assert_eq!(plan.run.len(), MAX_CATCHUP_RUNS);
        assert_eq!(plan.run.first(), Some(&at("2026-06-04T12:45:00Z")));
        assert_eq!(plan.run.last(), Some(&at(NOW)));
        assert_eq!(plan.missed.len(), 7 * 288 - MAX_CATCHUP_RUNS);
        assert_eq!(plan.missed.last(), Some(&at("2026-06-04T12:40:00Z")));
    }

    #[test]
    fn latest_is_missed_when_it_is_older_than_the_window() {
        let plan = plan_catchup(
            &spec("0 0 * * *", "latest", "1h"),
            Some(at(WEEK_AGO)),
            at("2026-06-08T05:00:00Z"),
        );
        assert!(plan.run.is_empty());
        assert_eq!(plan.missed.len(), 7);
        let in_time = plan_catchup(
            &spec("0 0 * * *", "latest", "1h"),
            Some(at(WEEK_AGO)),
            at("2026-06-08T01:00:00Z"),
        );
        assert_eq!(in_time.run, [at(NOW)]);
        assert_eq!(in_time.missed.len(), 6);
    }

    #[test]
    fn first_start_catches_nothing_up() {
        for mode in ["none", "latest", "all"] {
            assert_eq!(
                plan_catchup(&spec("*/15 * * * *", mode, "24h"), None, at(NOW)),
                CatchupPlan::default()
            );
        }
    }

    #[test]
    fn nothing_is_due_when_the_last_fire_is_now_or_later() {
        let spec = spec("*/15 * * * *", "all", "24h");
        assert_eq!(
            plan_catchup(&spec, Some(at(NOW)), at(NOW)),
            CatchupPlan::default()
        );
        // The clock went back: nothing is replayed.
        assert_eq!(
            plan_catchup(&spec, Some(at(NOW)), at(WEEK_AGO)),
            CatchupPlan::default()
        );
    }

    #[test]
    fn huge_backlogs_are_listed_only_up_to_the_cap() {
        let plan = plan_catchup(
            &spec("* * * * * *", "none", "24h"),
            Some(at(WEEK_AGO)),
            at(NOW),
        );
        assert_eq!(plan.missed.len(), MAX_LISTED_MISSED);
        assert!(plan.missed_truncated);
        // The newest are the ones listed.
        assert_eq!(plan.missed.last(), Some(&at(NOW)));
        assert_eq!(plan.missed.first(), Some(&at("2026-06-07T21:13:21Z")));
    }

    #[test]
    fn catchup_follows_the_dst_rules() {
        let spec = ScheduleSpec::new(
            "30 2 * * *",
            Some("America/New_York"),
            Some("all"),
            Some("2d"),
            None,
        )
        .expect("valid schedule");
        let plan = plan_catchup(
            &spec,
            Some(at("2026-03-07T02:30:00-05:00")),
            at("2026-03-08T12:00:00-04:00"),
        );
        assert_eq!(plan.run, [at("2026-03-08T03:00:00-04:00")]);
        assert!(plan.missed.is_empty());
    }

    #[test]
    fn lateness_is_measured_against_the_window() {
        let spec = spec("0 * * * *", "latest", "90m");
        assert!(!spec.is_too_late(at("2026-06-08T00:00:00Z"), at("2026-06-08T01:30:00Z")));
        assert!(spec.is_too_late(at("2026-06-08T00:00:00Z"), at("2026-06-08T01:30:01Z")));
    }
}
