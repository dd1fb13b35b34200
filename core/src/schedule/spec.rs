//! A validated schedule: its cron, time zone and catch-up and overlap policies.

use chrono::TimeDelta;
use chrono_tz::Tz;
use croner::Cron;

use super::catchup::Catchup;
use super::cron_expr::parse_cron;
use super::error::ScheduleError;
use super::overlap::Overlap;
use super::timezone::parse_timezone;
use super::window::parse_window;

/// One validated `schedule` entry of a workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleSpec {
    text: String,
    pub(super) cron: Cron,
    pub(super) timezone: Tz,
    catchup: Catchup,
    catchup_window: TimeDelta,
    overlap: Overlap,
}

impl ScheduleSpec {
    /// Validates a schedule's settings, as written in the workflow; `None` takes the default
    /// (UTC, catch-up `latest`, window 24h, overlap `skip`). The first invalid setting is
    /// reported; [`ScheduleSpec::problems`] lists them all.
    pub fn new(
        cron: &str,
        timezone: Option<&str>,
        catchup: Option<&str>,
        catchup_window: Option<&str>,
        overlap: Option<&str>,
    ) -> Result<Self, ScheduleError> {
        Ok(Self {
            text: cron.trim().to_string(),
            cron: parse_cron(cron)?,
            timezone: parse_timezone(timezone)?,
            catchup: Catchup::parse(catchup)?,
            catchup_window: parse_window(catchup_window)?,
            overlap: Overlap::parse(overlap)?,
        })
    }

    /// Every invalid setting, not only the first (for `relay validate`, which reports all).
    pub fn problems(
        cron: &str,
        timezone: Option<&str>,
        catchup: Option<&str>,
        catchup_window: Option<&str>,
        overlap: Option<&str>,
    ) -> Vec<ScheduleError> {
        [
            parse_cron(cron).err(),
            parse_timezone(timezone).err(),
            Catchup::parse(catchup).err(),
            parse_window(catchup_window).err(),
            Overlap::parse(overlap).err(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// The cron expression as written (trimmed).
    pub fn cron(&self) -> &str {
        &self.text
    }

    /// The zone fire times are computed in.
    pub fn timezone(&self) -> Tz {
        self.timezone
    }

    /// What happens to fire times missed while the daemon was down.
    pub fn catchup(&self) -> Catchup {
        self.catchup
    }

    /// How late a fire may be and still run.
    pub fn catchup_window(&self) -> TimeDelta {
        self.catchup_window
    }

    /// What happens when a fire comes while the previous run is still going.
    pub fn overlap(&self) -> Overlap {
        self.overlap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_when_settings_are_absent() {
        let spec = ScheduleSpec::new(" 0 9 * * 1-5 ", None, None, None, None).expect("valid");
        assert_eq!(spec.cron(), "0 9 * * 1-5");
        assert_eq!(spec.timezone(), Tz::UTC);
        assert_eq!(spec.catchup(), Catchup::Latest);
        assert_eq!(spec.catchup_window(), TimeDelta::hours(24));
        assert_eq!(spec.overlap(), Overlap::Skip);
    }

    #[test]
    fn every_setting_is_read() {
        let spec = ScheduleSpec::new(
            "*/15 * * * *",
            Some("Europe/London"),
            Some("all"),
            Some("1h30m"),
            Some("queue"),
        )
        .expect("valid");
        assert_eq!(spec.timezone(), Tz::Europe__London);
        assert_eq!(spec.catchup(), Catchup::All);
        assert_eq!(spec.catchup_window(), TimeDelta::minutes(90));
        assert_eq!(spec.overlap(), Overlap::Queue);
    }

    #[test]
    fn problems_lists_every_invalid_setting() {
        let fields: Vec<&str> = ScheduleSpec::problems(
            "0 * * * *",
            Some("Europe/Londn"),
            Some("sometimes"),
            Some("forever"),
            Some("never"),
        )
        .into_iter()
        .map(|e| e.field)
        .collect();
        assert_eq!(fields, ["timezone", "catchup", "catchup_window", "overlap"]);
        assert!(ScheduleSpec::problems("0 * * * *", None, None, None, None).is_empty());
    }

    #[test]
    fn each_invalid_setting_names_its_field() {
        let field =
            |result: Result<ScheduleSpec, ScheduleError>| result.expect_err("invalid").field;
        assert_eq!(
            field(ScheduleSpec::new("61 * * * *", None, None, None, None)),
            "cron"
        );
        assert_eq!(
            field(ScheduleSpec::new(
                "* * * * *",
                Some("Europe/Londn"),
                None,
                None,
                None
            )),
            "timezone"
        );
        assert_eq!(
            field(ScheduleSpec::new(
                "* * * * *",
                None,
                Some("lastest"),
                None,
                None
            )),
            "catchup"
        );
        assert_eq!(
            field(ScheduleSpec::new("* * * * *", None, None, Some("24"), None)),
            "catchup_window"
        );
        assert_eq!(
            field(ScheduleSpec::new(
                "* * * * *",
                None,
                None,
                None,
                Some("wait")
            )),
            "overlap"
        );
    }
}
