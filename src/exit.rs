//! Exit codes (cli.md), and the error type commands return.

use std::fmt;

/// How the process ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    RunFailed = 1,
    Usage = 2,
    Invalid = 65,
    NoInput = 66,
    Unavailable = 69,
    Internal = 70,
    Interrupted = 130,
}

/// A command that could not do its job: what to print, and the exit code.
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
}

impl Failure {
    pub fn new(exit: Exit, message: impl Into<String>) -> Failure {
        Failure {
            exit,
            message: message.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<relay_core::workflow::LoadError> for Failure {
    fn from(e: relay_core::workflow::LoadError) -> Failure {
        Failure::new(Exit::NoInput, e.to_string())
    }
}
