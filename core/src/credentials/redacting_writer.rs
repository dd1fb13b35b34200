//! A writer that redacts a byte stream on its way to a sink, even when a secret arrives split
//! across several `write` calls.

use std::io::{self, Write};
use std::sync::Arc;

use super::redactor::Redactor;

/// Wraps a sink (stdout, a log file, …) and masks registered secrets in everything written.
///
/// Up to `longest form - 1` bytes are held back between writes, because they may be the start of
/// a secret whose rest is still to come. The hold-back grows only to avoid splitting a UTF-8
/// character (at most 3 more bytes) or a run of overlapping secrets that may still grow.
/// `flush` writes everything out, and dropping the writer flushes it.
pub struct RedactingWriter<W: Write> {
    /// `None` only after `into_inner` took it.
    inner: Option<W>,
    redactor: Arc<Redactor>,
    /// Accepted but not yet redacted.
    pending: Vec<u8>,
    /// Redacted but not yet accepted by `inner` (after an error or a short write).
    out: Vec<u8>,
}

impl<W: Write> RedactingWriter<W> {
    /// Wraps `inner`; secrets registered with `redactor` later are masked from then on.
    pub fn new(inner: W, redactor: Arc<Redactor>) -> Self {
        RedactingWriter {
            inner: Some(inner),
            redactor,
            pending: Vec::new(),
            out: Vec::new(),
        }
    }

    /// The wrapped sink.
    pub fn get_ref(&self) -> &W {
        self.inner
            .as_ref()
            .expect("inner is present until into_inner consumes the writer")
    }

    /// Flushes everything held back and returns the wrapped sink.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.flush()?;
        Ok(self
            .inner
            .take()
            .expect("inner is present until into_inner consumes the writer"))
    }

    /// Moves the part of `pending` that no future byte can turn into (part of) a match into
    /// `out`, redacted; with `all`, moves everything.
    fn release(&mut self, all: bool) {
        let Some(compiled) = self.redactor.snapshot() else {
            self.out.append(&mut self.pending);
            return;
        };
        let regions = compiled.regions(&self.pending);
        let mut cut = if all {
            self.pending.len()
        } else {
            // A match still to come ends after the buffer, so it starts at or after this.
            self.pending
                .len()
                .saturating_sub(compiled.longest.saturating_sub(1))
        };
        loop {
            let before = cut;
            // A run reaching past the cut may still grow with a secret that starts inside it.
            if let Some(run) = regions.iter().find(|r| r.start < cut && r.end > cut) {
                cut = run.start;
            }
            let mut steps = 0;
            while steps < 3
                && cut > 0
                && cut < self.pending.len()
                && is_utf8_continuation(self.pending[cut])
            {
                cut -= 1;
                steps += 1;
            }
            if cut == before {
                break;
            }
        }
        let done: Vec<_> = regions.into_iter().take_while(|r| r.end <= cut).collect();
        compiled.render(&self.pending[..cut], &done, &mut self.out);
        self.pending.drain(..cut);
    }

    /// Hands `out` to the sink; on error what was not taken stays in `out` for the next call.
    fn drain_out(&mut self) -> io::Result<()> {
        let Some(inner) = self.inner.as_mut() else {
            return Ok(());
        };
        while !self.out.is_empty() {
            match inner.write(&self.out) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.out.drain(..n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

fn is_utf8_continuation(byte: u8) -> bool {
    byte & 0b1100_0000 == 0b1000_0000
}

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Output owed from earlier calls goes first; if the sink still fails, `buf` is refused.
        self.drain_out()?;
        self.pending.extend_from_slice(buf);
        self.release(false);
        // `buf` is accepted now, so an error here must not report it as unwritten (the caller
        // would send it twice); what the sink did not take stays in `out`, and the next call
        // or `flush` reports the error.
        let _ = self.drain_out();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.release(true);
        self.drain_out()?;
        match self.inner.as_mut() {
            Some(inner) => inner.flush(),
            None => Ok(()),
        }
    }
}

impl<W: Write> Drop for RedactingWriter<W> {
    fn drop(&mut self) {
        // Like `BufWriter`: best effort, since errors cannot be reported from `drop`.
        if self.inner.is_some() {
            let _ = self.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANARY: &str = "canary-Secret-123!";

    /// Records each `write` call separately, to check what crossed the boundary and when.
    #[derive(Default)]
    struct Chunks(Vec<Vec<u8>>);

    impl Write for Chunks {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.push(buf.to_vec());
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Chunks {
        fn joined(&self) -> Vec<u8> {
            self.0.concat()
        }
    }

    fn redactor_with(secrets: &[(&str, &str)]) -> Arc<Redactor> {
        let r = Redactor::new();
        for (name, value) in secrets {
            assert!(r.register(name, value));
        }
        Arc::new(r)
    }

    fn through_writer(r: &Arc<Redactor>, pieces: &[&[u8]]) -> Chunks {
        let mut w = RedactingWriter::new(Chunks::default(), Arc::clone(r));
        for piece in pieces {
            assert_eq!(w.write(piece).ok(), Some(piece.len()));
        }
        match w.into_inner() {
            Ok(chunks) => chunks,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn secret_split_at_every_point_is_masked() {
        let r = redactor_with(&[("tok", CANARY)]);
        let text = format!("start {CANARY} middle {CANARY}").into_bytes();
        let expected = b"start [REDACTED:tok] middle [REDACTED:tok]".to_vec();
        for i in 0..=text.len() {
            let out = through_writer(&r, &[&text[..i], &text[i..]]);
            assert_eq!(out.joined(), expected, "split at {i}");
        }
    }

    #[test]
    fn secret_fed_byte_by_byte_is_masked() {
        let r = redactor_with(&[("tok", CANARY)]);
        let text = format!("a {CANARY} b");
        let pieces: Vec<&[u8]> = text.as_bytes().chunks(1).collect();
        assert_eq!(through_writer(&r, &pieces).joined(), b"a [REDACTED:tok] b");
    }

    #[test]
    fn split_overlapping_secrets_are_masked_together() {
        let r = redactor_with(&[("a", "alpha-bravo"), ("b", "bravo-charlie")]);
        let text = b"x alpha-bravo-charlie y";
        for i in 0..=text.len() {
            for j in i..=text.len() {
                let out = through_writer(&r, &[&text[..i], &text[i..j], &text[j..]]);
                assert_eq!(
                    out.joined(),
                    b"x [REDACTED:a][REDACTED:b] y",
                    "splits {i},{j}"
                );
            }
        }
    }

    #[test]
    fn holds_back_less_than_the_longest_form() {
        let r = redactor_with(&[("tok", CANARY)]);
        let longest = r.snapshot().map(|c| c.longest).unwrap_or(0);
        let mut w = RedactingWriter::new(Chunks::default(), Arc::clone(&r));
        let text = "plain text without any secret in it, long enough to pass through";
        assert!(w.write_all(text.as_bytes()).is_ok());
        let written = w.get_ref().joined().len();
        assert_eq!(written, text.len() - (longest - 1));
        assert!(w.flush().is_ok());
        assert_eq!(w.get_ref().joined(), text.as_bytes());
    }

    #[test]
    fn passes_through_when_nothing_is_registered() {
        let mut w = RedactingWriter::new(Chunks::default(), Arc::new(Redactor::new()));
        assert!(w.write_all(b"hello").is_ok());
        assert_eq!(w.get_ref().joined(), b"hello");
    }

    #[test]
    fn never_splits_a_utf8_character() {
        let r = redactor_with(&[("tok", CANARY)]);
        let text = format!("ä€😀 {CANARY} ü€😀 and ünïcödé tail €€€€€€€€€€€€€€€€€€€€€€€€€€");
        let pieces: Vec<&[u8]> = text.as_bytes().chunks(1).collect();
        let out = through_writer(&r, &pieces);
        for chunk in &out.0 {
            assert!(
                std::str::from_utf8(chunk).is_ok(),
                "split char in {chunk:?}"
            );
        }
        assert_eq!(
            String::from_utf8(out.joined()).ok(),
            Some(text.replace(CANARY, "[REDACTED:tok]"))
        );
    }

    #[test]
    fn secrets_registered_mid_stream_are_masked_from_then_on() {
        let r = Arc::new(Redactor::new());
        let mut w = RedactingWriter::new(Chunks::default(), Arc::clone(&r));
        assert!(w.write_all(b"before ").is_ok());
        assert!(r.register("late", CANARY));
        assert!(w.write_all(format!("{CANARY} after").as_bytes()).is_ok());
        let out = match w.into_inner() {
            Ok(c) => c.joined(),
            Err(e) => panic!("{e}"),
        };
        assert_eq!(out, b"before [REDACTED:late] after");
    }

    #[test]
    fn drop_flushes_the_held_back_tail() {
        let r = redactor_with(&[("tok", CANARY)]);
        let sink = Arc::new(std::sync::Mutex::new(Vec::new()));
        struct Shared(Arc<std::sync::Mutex<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                match self.0.lock() {
                    Ok(mut v) => v.extend_from_slice(buf),
                    Err(_) => return Err(io::Error::other("poisoned")),
                }
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        {
            let mut w = RedactingWriter::new(Shared(Arc::clone(&sink)), r);
            assert!(w.write_all(format!("x {CANARY}").as_bytes()).is_ok());
        }
        let got = sink.lock().map(|v| v.clone()).unwrap_or_default();
        assert_eq!(got, b"x [REDACTED:tok]");
    }

    #[test]
    fn sink_errors_surface_without_duplicating_data() {
        /// Fails the first `fail` writes, then accepts everything.
        struct Flaky {
            fail: usize,
            data: Vec<u8>,
        }
        impl Write for Flaky {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                if self.fail > 0 {
                    self.fail -= 1;
                    return Err(io::Error::other("disk full"));
                }
                self.data.extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut w = RedactingWriter::new(
            Flaky {
                fail: 2,
                data: Vec::new(),
            },
            Arc::new(Redactor::new()),
        );
        // Accepted; the sink's first failure is kept for later.
        assert_eq!(w.write(b"one ").ok(), Some(4));
        // The owed output fails again: this call refuses its bytes.
        assert!(w.write(b"two ").is_err());
        assert_eq!(w.write(b"two ").ok(), Some(4));
        let data = match w.into_inner() {
            Ok(f) => f.data,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(data, b"one two ");
    }
}
