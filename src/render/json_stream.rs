//! `--output json` written while the run goes: the leaf events are serialized on a thread of
//! their own as they are released, so a run that is busy on one core (a 64-wide fan-out) does
//! not also pay for printing its output after the last response (~7 % of its CPU). The bytes are
//! those of printing the whole array at the end: `[`, the events joined by `,`, `]`, a newline.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use relay_core::credentials::{RedactingWriter, Redactor};
use relay_core::event::Event;

/// Events handed over per wake-up of the writer: waking it for each one cost the run more
/// (a futex call per event) than the printing it took off the run's thread.
const BATCH: usize = 256;

pub struct JsonStream {
    shared: Arc<Shared>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

#[derive(Default)]
struct Shared {
    pending: Mutex<Pending>,
    ready: Condvar,
}

#[derive(Default)]
struct Pending {
    events: Vec<Event>,
    closed: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl JsonStream {
    /// Starts the writer thread; `None` if it cannot start (print the array at the end then).
    pub fn start(redactor: Arc<Redactor>) -> Option<JsonStream> {
        let shared = Arc::new(Shared::default());
        let theirs = shared.clone();
        let writer = std::thread::Builder::new()
            .name("relay-output".into())
            .spawn(move || write_array(&theirs, redactor))
            .ok()?;
        Some(JsonStream {
            shared,
            writer: Mutex::new(Some(writer)),
        })
    }

    /// Queues a leaf event for printing.
    pub fn push(&self, event: &Event) {
        let mut pending = self.shared.lock();
        pending.events.push(event.clone());
        if pending.events.len() >= BATCH {
            self.shared.ready.notify_one();
        }
    }

    /// Closes the array and waits until everything is written.
    pub fn finish(&self) {
        self.shared.lock().closed = true;
        self.shared.ready.notify_one();
        if let Some(writer) = self.writer.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = writer.join();
        }
    }
}

/// Standard output without `Stdout`'s line buffer, which searched every chunk of the array
/// (no newline until its end) for a newline before passing it on: 3 M instructions of a
/// 2,000-event fan-out. Nothing else prints to stdout during a run whose output is `json`.
fn unbuffered_stdout() -> Box<dyn Write + Send> {
    let _ = std::io::stdout().flush();
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        if let Ok(fd) = std::io::stdout().as_fd().try_clone_to_owned() {
            return Box::new(std::fs::File::from(fd));
        }
    }
    Box::new(std::io::stdout())
}

fn write_array(shared: &Shared, redactor: Arc<Redactor>) {
    let redacting = RedactingWriter::new(unbuffered_stdout(), redactor);
    let mut out = std::io::BufWriter::with_capacity(16 * 1024, redacting);
    let _ = out.write_all(b"[");
    let mut first = true;
    relay_core::value::with_verbatim_bodies(|| {
        loop {
            let (events, closed) = {
                let mut pending = shared.lock();
                while pending.events.len() < BATCH && !pending.closed {
                    pending = shared
                        .ready
                        .wait(pending)
                        .unwrap_or_else(|p| p.into_inner());
                }
                (std::mem::take(&mut pending.events), pending.closed)
            };
            for event in &events {
                if !first {
                    let _ = out.write_all(b",");
                }
                first = false;
                if let Err(e) = serde_json::to_writer(&mut out, event)
                    && !e.is_io()
                {
                    let _ = write!(
                        out,
                        "{{\"error\": \"cannot print the event as JSON: {e}\"}}"
                    );
                }
            }
            if closed {
                break;
            }
        }
    });
    let _ = out.write_all(b"]\n");
    let _ = out.flush();
}
