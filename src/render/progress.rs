//! The run observer of the CLI: one line per finished execution on stderr, a progress bar on
//! terminals while many executions wait, ndjson events and dry-run requests on stdout.

use std::sync::Arc;
use std::time::Duration;

use relay_core::engine::{EmitStatus, ExecutionReport, Observer, RequestPreview, Status};
use relay_core::event::Event;

use super::json_stream::JsonStream;
use super::{events, preview};
use crate::cli::OutputFormat;
use crate::output::{Output, Style};

/// Waiting executions above which a terminal shows a progress bar.
const BAR_THRESHOLD: usize = 50;

pub struct Progress {
    pub out: Arc<Output>,
    pub format: OutputFormat,
    /// Where leaf events go as they are released (`--output json`), if printing as they come.
    pub stream: Option<JsonStream>,
}

impl Observer for Progress {
    fn execution(&self, r: &ExecutionReport<'_>) {
        let (mark, style) = match r.status {
            Status::Ok => ("✓", Style::Ok),
            Status::Failed => ("✗", Style::Error),
            Status::NoMatch => ("·", Style::Dim),
            Status::Skipped => ("-", Style::Dim),
        };
        let mut line = String::with_capacity(80);
        self.out.paint_into(&mut line, style, mark);
        line.push(' ');
        line.push_str(r.action);
        match (r.status, r.detail) {
            (Status::Skipped, _) => line.push_str("  skipped (disabled)"),
            (Status::NoMatch, _) => line.push_str("  no match"),
            (_, Some(detail)) => {
                line.push_str("  ");
                line.push_str(detail);
            }
            _ => {}
        }
        if r.status != Status::Skipped {
            line.push_str("  ");
            self.out
                .paint_into(&mut line, Style::Dim, &duration(r.duration));
        }
        if let (Status::Failed, Some(error)) = (r.status, r.error) {
            if r.detail.is_none_or(|d| !error.contains(d))
                || !error.starts_with(r.detail.unwrap_or_default())
            {
                line.push_str(&format!("\n    {}", error));
            }
        }
        self.out.stderr_line(&line);
    }

    fn emitted(&self, run_id: &str, action: &str, status: EmitStatus, event: &Event) {
        if self.format == OutputFormat::Ndjson {
            self.out
                .stdout(&events::ndjson_line(run_id, action, status, event));
        }
    }

    fn output(&self, event: &Event) {
        if let Some(stream) = &self.stream {
            stream.push(event);
        }
    }

    fn preview(&self, request: &RequestPreview) {
        let text = match self.format {
            OutputFormat::Pretty => preview::http_message(request),
            OutputFormat::Json | OutputFormat::Ndjson => preview::json(request),
        };
        self.out.stdout(&text);
    }

    fn progress(&self, done: usize, waiting: usize) {
        if waiting >= BAR_THRESHOLD {
            self.out.progress(done, done + waiting);
        } else if waiting == 0 {
            self.out.clear_progress();
        }
    }
}

/// `84 ms`, `1.9 s`, `2 min 3 s`.
pub fn duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000)
    }
}
