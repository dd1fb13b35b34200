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
    /// stderr lines not yet written. Off a terminal, progress lines are written in blocks: a
    /// write per line costs more than the request it reports (100,000 of them in a big explode).
    pending: Mutex<Vec<u8>>,
}

/// Buffered stderr is written once it holds this much.
const PENDING_LIMIT: usize = 64 * 1024;

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
            pending: Mutex::new(Vec::new()),
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

    /// Writes `value` as JSON (pretty or compact, then a newline) to stdout, streamed through
    /// the redactor: a big run's output is never held as one string.
    pub fn stdout_json<T: serde::Serialize>(&self, value: &T, pretty: bool) {
        let stdout = std::io::stdout().lock();
        // serde writes token by token: buffer before the redactor, so it scans large blocks.
        let redacting =
            relay_core::credentials::RedactingWriter::new(stdout, self.redactor.clone());
        let mut writer = std::io::BufWriter::with_capacity(64 * 1024, redacting);
        let written = if pretty {
            serde_json::to_writer_pretty(&mut writer, value)
        } else {
            relay_core::value::with_verbatim_bodies(|| serde_json::to_writer(&mut writer, value))
        };
        if let Err(e) = written {
            // A closed pipe (`relay run … | head`) is not worth more than a note.
            if !e.is_io() {
                let _ = writeln!(
                    writer,
                    "{{\"error\": \"cannot print the output as JSON: {e}\"}}"
                );
            }
        }
        let _ = writer.write_all(b"\n");
        let _ = writer.flush();
    }

    /// Writes one line (redacted) to stderr, above the progress bar if there is one.
    pub fn stderr_line(&self, line: &str) {
        let line = self.redactor.redact(line);
        let bar = self.bar.lock().unwrap_or_else(|p| p.into_inner());
        match bar.as_ref() {
            Some(b) => b.println(line.as_ref()),
            None if self.stderr_is_terminal => {
                let mut text = String::with_capacity(line.len() + 1);
                text.push_str(&line);
                text.push('\n');
                let _ = std::io::stderr().lock().write_all(text.as_bytes());
            }
            None => {
                let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
                pending.extend_from_slice(line.as_bytes());
                pending.push(b'\n');
                if pending.len() >= PENDING_LIMIT {
                    let _ = std::io::stderr().lock().write_all(&pending);
                    pending.clear();
                }
            }
        }
    }

    /// Writes buffered stderr lines out (before exiting, or when a long wait follows).
    pub fn flush(&self) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        if !pending.is_empty() {
            let _ = std::io::stderr().lock().write_all(&pending);
            pending.clear();
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
        let mut painted = String::new();
        self.paint_into(&mut painted, style, text);
        painted
    }

    /// [`paint`](Self::paint) appending to `line`: a progress line is built in one buffer.
    pub fn paint_into(&self, line: &mut String, style: Style, text: &str) {
        if !self.color {
            line.push_str(text);
            return;
        }
        let code = match style {
            Style::Error => "1;31",
            Style::Ok => "32",
            Style::Dim => "2",
            Style::Bold => "1",
            Style::Help => "36",
        };
        line.push_str("\x1b[");
        line.push_str(code);
        line.push('m');
        line.push_str(text);
        line.push_str("\x1b[0m");
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
