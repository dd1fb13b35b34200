//! The only way the CLI writes to stdout and stderr: everything passes the redactor first.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};

use indicatif::ProgressBar;
use relay_core::credentials::Redactor;

use crate::cli::ColorChoice;

/// Redacting stdout/stderr, and what the terminal can show.
pub struct Output {
    pub redactor: Arc<Redactor>,
    pub stdout_is_terminal: bool,
    pub stderr_is_terminal: bool,
    /// Colour on stderr.
    pub color: bool,
    /// The progress bar currently on stderr (lines are printed above it).
    bar: Mutex<Option<ProgressBar>>,
}

impl Output {
    pub fn new(color: ColorChoice, redactor: Arc<Redactor>) -> Output {
        let stderr_is_terminal = std::io::stderr().is_terminal();
        let color = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                stderr_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        Output {
            redactor,
            stdout_is_terminal: std::io::stdout().is_terminal(),
            stderr_is_terminal,
            color,
            bar: Mutex::new(None),
        }
    }

    /// Writes `text` (redacted) to stdout.
    pub fn stdout(&self, text: &str) {
        let text = self.redactor.redact(text);
        let mut out = std::io::stdout().lock();
        // A closed pipe (e.g. `relay run … | head`) is not an error worth a panic.
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }

    /// Writes one line (redacted) to stderr, above the progress bar if there is one.
    pub fn stderr_line(&self, line: &str) {
        let line = self.redactor.redact(line);
        let bar = self.bar.lock().unwrap_or_else(|p| p.into_inner());
        match bar.as_ref() {
            Some(b) => b.println(line.as_ref()),
            None => {
                let mut err = std::io::stderr().lock();
                let _ = writeln!(err, "{line}");
            }
        }
    }

    /// Shows (or updates) the progress bar: `done` of `total` executions. Terminals only.
    pub fn progress(&self, done: usize, total: usize) {
        if !self.stderr_is_terminal {
            return;
        }
        let mut bar = self.bar.lock().unwrap_or_else(|p| p.into_inner());
        let b = bar.get_or_insert_with(|| {
            let b = ProgressBar::new(total as u64);
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} executions")
            {
                b.set_style(style);
            }
            b
        });
        b.set_length(total as u64);
        b.set_position(done as u64);
    }

    pub fn clear_progress(&self) {
        if let Some(b) = self.bar.lock().unwrap_or_else(|p| p.into_inner()).take() {
            b.finish_and_clear();
        }
    }

    /// `text` in the given ANSI style when colour is on.
    pub fn paint(&self, style: Style, text: &str) -> String {
        if !self.color {
            return text.to_owned();
        }
        let code = match style {
            Style::Error => "1;31",
            Style::Ok => "32",
            Style::Dim => "2",
            Style::Bold => "1",
            Style::Help => "36",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }
}

/// What a painted piece of text means.
#[derive(Clone, Copy)]
pub enum Style {
    Error,
    Ok,
    Dim,
    Bold,
    Help,
}
