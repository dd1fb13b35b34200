//! What one action execution produced.

use crate::event::Event;
use crate::workflow::LinkKind;

/// How an execution ended, as progress output shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    Failed,
    /// A trigger whose rules did not match.
    NoMatch,
    /// A disabled action.
    Skipped,
}

/// The result of one execution: the events it emits, along which kind of link.
#[derive(Debug)]
pub struct Outcome {
    pub status: Status,
    pub emits: Vec<(LinkKind, Event)>,
    /// The cause, when the execution failed.
    pub error: Option<String>,
    /// A one-line summary for progress output (`GET https://… → 200`).
    pub detail: Option<String>,
}

impl Outcome {
    /// Success, emitting `events` along default links.
    pub fn emit(events: Vec<Event>) -> Outcome {
        Outcome {
            status: Status::Ok,
            emits: events.into_iter().map(|e| (LinkKind::Default, e)).collect(),
            error: None,
            detail: None,
        }
    }

    /// Failure: `event` (already carrying the failed result) goes along failure links only.
    pub fn failed(event: Event, error: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::Failed,
            emits: vec![(LinkKind::Failure, event)],
            error: Some(error.into()),
            detail: None,
        }
    }

    /// A trigger that did not match: `event` goes along `no_match` links, if any.
    pub fn no_match(event: Event) -> Outcome {
        Outcome {
            status: Status::NoMatch,
            emits: vec![(LinkKind::NoMatch, event)],
            error: None,
            detail: None,
        }
    }

    pub fn skipped() -> Outcome {
        Outcome {
            status: Status::Skipped,
            emits: Vec::new(),
            error: None,
            detail: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Outcome {
        self.detail = Some(detail.into());
        self
    }
}
