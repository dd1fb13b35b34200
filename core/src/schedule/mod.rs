//! Cron schedules: validation, fire times under Relay's DST rules, human descriptions,
//! catch-up after downtime, overlap decisions and an injectable clock.
//!
//! Everything here is pure: no I/O, no sleeping, and "now" is always passed in or read from a
//! [`Clock`].

mod catchup;
mod clock;
mod cron_expr;
mod cron_field;
mod describe;
mod error;
mod fire_times;
mod format;
mod overlap;
mod spec;
mod suggest;
mod timezone;
mod wall_clock;
mod window;

pub use catchup::{Catchup, CatchupPlan, MAX_CATCHUP_RUNS, MAX_LISTED_MISSED, plan_catchup};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::ScheduleError;
pub use format::format_fire;
pub use overlap::{Overlap, OverlapDecision, decide_overlap};
pub use spec::ScheduleSpec;
pub use window::DEFAULT_CATCHUP_WINDOW;
