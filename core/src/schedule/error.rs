//! The validation error every schedule setting reports.

use thiserror::Error;

/// An invalid schedule setting: which workflow key, what is wrong with it and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid `{field}`: {message}")]
pub struct ScheduleError {
    /// The schedule key at fault: `cron`, `timezone`, `catchup`, `catchup_window` or `overlap`.
    pub field: &'static str,
    /// What is wrong, quoting the offending text (e.g. "minute field `61` is out of range 0–59").
    pub message: String,
    /// How to fix it.
    pub help: String,
}

impl ScheduleError {
    /// Builds an error for `field`.
    pub(super) fn new(
        field: &'static str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        Self {
            field,
            message: message.into(),
            help: help.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_field_and_the_problem() {
        let error = ScheduleError::new(
            "timezone",
            "unknown time zone `Mars/Base`",
            "use an IANA name",
        );
        assert_eq!(
            error.to_string(),
            "invalid `timezone`: unknown time zone `Mars/Base`"
        );
        assert_eq!(error.help, "use an IANA name");
    }
}
