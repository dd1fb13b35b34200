//! What to do when a fire time comes while the previous run from the same schedule is going.

use super::error::ScheduleError;
use super::suggest::closest;

/// The `overlap` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Overlap {
    /// Record the new fire as `skipped` (the default).
    #[default]
    Skip,
    /// Start the new fire when the running one ends; at most one waits.
    Queue,
    /// Start the new fire at once, alongside the running one.
    Allow,
}

/// What the daemon does with a fire time, given the runs of its schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OverlapDecision {
    /// Start a run now.
    Start,
    /// Hold the fire and start it when the running run ends.
    Queue,
    /// Do not run it; record the fire as `skipped`.
    Skip,
}

impl Overlap {
    const NAMES: [&str; 3] = ["skip", "queue", "allow"];

    /// Parses the `overlap` setting; `None` means `skip`.
    pub fn parse(text: Option<&str>) -> Result<Self, ScheduleError> {
        match text.map(str::trim) {
            None | Some("skip") => Ok(Self::Skip),
            Some("queue") => Ok(Self::Queue),
            Some("allow") => Ok(Self::Allow),
            Some(other) => {
                let mut help = "use `skip` (the default), `queue` or `allow`".to_string();
                if let Some(name) = closest(other, Self::NAMES) {
                    help = format!("did you mean `{name}`? {help}");
                }
                Err(ScheduleError::new(
                    "overlap",
                    format!("unknown overlap mode `{other}`"),
                    help,
                ))
            }
        }
    }

    /// The setting's spelling in workflow files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Skip => "skip",
            Self::Queue => "queue",
            Self::Allow => "allow",
        }
    }
}

/// Decides a fire given how many runs of the same schedule are `running` and `queued` (waiting).
pub fn decide_overlap(overlap: Overlap, running: usize, queued: usize) -> OverlapDecision {
    // A waiting run counts as busy: it is about to start, and the new fire must not jump it.
    let busy = running > 0 || queued > 0;
    match overlap {
        Overlap::Allow => OverlapDecision::Start,
        _ if !busy => OverlapDecision::Start,
        Overlap::Skip => OverlapDecision::Skip,
        // The queue holds one: a third fire while one runs and one waits is skipped, keeping the
        // older waiting fire (its time was claimed first).
        Overlap::Queue if queued == 0 => OverlapDecision::Queue,
        Overlap::Queue => OverlapDecision::Skip,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_modes_and_defaults_to_skip() {
        assert_eq!(Overlap::parse(None), Ok(Overlap::Skip));
        assert_eq!(Overlap::parse(Some("queue")), Ok(Overlap::Queue));
        assert_eq!(Overlap::parse(Some("allow")), Ok(Overlap::Allow));
        let error = Overlap::parse(Some("alow")).expect_err("typo");
        assert_eq!(error.field, "overlap");
        assert_eq!(error.message, "unknown overlap mode `alow`");
        assert!(
            error.help.starts_with("did you mean `allow`?"),
            "{}",
            error.help
        );
        assert_eq!(Overlap::Queue.as_str(), "queue");
    }

    #[test]
    fn idle_schedules_start_in_every_mode() {
        for mode in [Overlap::Skip, Overlap::Queue, Overlap::Allow] {
            assert_eq!(
                decide_overlap(mode, 0, 0),
                OverlapDecision::Start,
                "{mode:?}"
            );
        }
    }

    #[test]
    fn skip_skips_while_running() {
        assert_eq!(decide_overlap(Overlap::Skip, 1, 0), OverlapDecision::Skip);
        assert_eq!(decide_overlap(Overlap::Skip, 3, 0), OverlapDecision::Skip);
    }

    #[test]
    fn queue_holds_at_most_one() {
        assert_eq!(decide_overlap(Overlap::Queue, 1, 0), OverlapDecision::Queue);
        assert_eq!(decide_overlap(Overlap::Queue, 1, 1), OverlapDecision::Skip);
        // Between the end of one run and the start of the waiting one, the queue is still full.
        assert_eq!(decide_overlap(Overlap::Queue, 0, 1), OverlapDecision::Skip);
    }

    #[test]
    fn allow_always_starts() {
        assert_eq!(decide_overlap(Overlap::Allow, 5, 0), OverlapDecision::Start);
    }
}
