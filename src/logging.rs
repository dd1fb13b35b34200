//! Logs on stderr through the redactor, pretty or JSON, filtered by `-v` or `RELAY_LOG`.

use std::io::Write;
use std::sync::Arc;

use relay_core::credentials::Redactor;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::cli::LogFormat;

pub fn init(verbose: u8, format: LogFormat, color: bool, redactor: Arc<Redactor>) {
    let default = match verbose {
        0 => "warn",
        1 => "relay=info,relay_core=info",
        _ => "relay=debug,relay_core=debug",
    };
    let filter = match std::env::var("RELAY_LOG") {
        Ok(spec) if !spec.trim().is_empty() => EnvFilter::try_new(&spec).unwrap_or_else(|e| {
            eprintln!(
                "warning: RELAY_LOG={spec:?} is not a valid filter ({e}); using the default. Write e.g. RELAY_LOG=debug or RELAY_LOG=relay_core=debug"
            );
            EnvFilter::new(default)
        }),
        _ => EnvFilter::new(default),
    };
    let writer = RedactingStderr { redactor };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_target(false);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Pretty => builder.with_ansi(color).try_init(),
    };
}

/// Buffers one log record and writes it redacted, in one piece.
struct RedactingStderr {
    redactor: Arc<Redactor>,
}

struct Record {
    redactor: Arc<Redactor>,
    buf: Vec<u8>,
}

impl<'a> MakeWriter<'a> for RedactingStderr {
    type Writer = Record;
    fn make_writer(&'a self) -> Record {
        Record {
            redactor: self.redactor.clone(),
            buf: Vec::new(),
        }
    }
}

impl Write for Record {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Record {
    fn drop(&mut self) {
        let text = self.redactor.redact_bytes(&self.buf);
        let _ = std::io::stderr().lock().write_all(&text);
    }
}
