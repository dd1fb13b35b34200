//! The process-wide redactor: masks every registered secret, in all its derived forms, as
//! `[REDACTED:<name>]` before text reaches a sink (credentials.md, "Redaction").

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use zeroize::Zeroizing;

use super::redaction_forms::{MIN_SECRET_CHARS, derived_forms};
use super::secret_detector::SecretDetector;

/// Masks registered secrets in text; share one per process as `Arc<Redactor>`.
///
/// Registration is rare and rebuilds the automaton; redaction only clones an `Arc` under a read
/// lock and never waits for a rebuild.
#[derive(Default)]
pub struct Redactor {
    /// Serialises registrations so each rebuild sees every earlier one.
    registry: Mutex<Registry>,
    compiled: RwLock<Option<Arc<Compiled>>>,
}

#[derive(Default)]
struct Registry {
    /// Every form once; the first name registered for a form keeps it. Not zeroized: the
    /// automaton keeps its own copies for the life of the process anyway.
    forms: Vec<String>,
    form_name: Vec<usize>,
    seen: HashSet<String>,
    names: Vec<String>,
    values: usize,
}

/// One immutable build of the automaton, shared by redactions already running.
pub(super) struct Compiled {
    automaton: AhoCorasick,
    /// The same forms, only to tell quickly whether a text holds any.
    detector: SecretDetector,
    form_name: Vec<usize>,
    markers: Vec<Vec<u8>>,
    /// Length in bytes of the longest form.
    pub(super) longest: usize,
}

/// A maximal run of bytes covered by overlapping matches, replaced as a whole.
pub(super) struct Region {
    pub(super) start: usize,
    pub(super) end: usize,
    /// Names of the secrets in the run, in order of appearance, each once.
    names: Vec<usize>,
}

impl Redactor {
    /// An empty redactor; nothing is masked until something is registered.
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// Registers a secret and its derived forms under `name`; false (and nothing registered)
    /// when the value has fewer than 6 characters.
    pub fn register(&self, name: &str, value: &str) -> bool {
        if value.chars().count() < MIN_SECRET_CHARS {
            return false;
        }
        // The same value comes back on every use of a credential: skip deriving its forms
        // again (the value itself is always among them).
        if self
            .registry
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .seen
            .contains(value)
        {
            return true;
        }
        let forms = derived_forms(value);
        let mut registry = self.registry.lock().unwrap_or_else(PoisonError::into_inner);
        let before = registry.forms.len();
        let name_index = match registry.names.iter().position(|n| n == name) {
            Some(i) => i,
            None => {
                registry.names.push(name.to_owned());
                registry.names.len() - 1
            }
        };
        for form in forms {
            if registry.seen.insert(form.clone()) {
                registry.forms.push(form);
                registry.form_name.push(name_index);
            }
        }
        if registry.forms.len() == before {
            return true;
        }
        match registry.compile() {
            Some(compiled) => {
                registry.values += 1;
                *self
                    .compiled
                    .write()
                    .unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(compiled));
                true
            }
            None => {
                // The automaton could not be built (it only fails at sizes far beyond any real
                // set of secrets); keep the previous one working and say nothing was added.
                let Registry {
                    forms,
                    form_name,
                    seen,
                    ..
                } = &mut *registry;
                for form in forms.drain(before..) {
                    seen.remove(&form);
                }
                form_name.truncate(before);
                false
            }
        }
    }

    /// Registers basic-auth credentials: the password, and `user:pass` with all its forms, among
    /// them the base64 sent as `Authorization: Basic …`; true if anything was registered.
    pub fn register_basic_auth(&self, name: &str, user: &str, pass: &str) -> bool {
        let joined = Zeroizing::new(format!("{user}:{pass}"));
        let pass_registered = self.register(name, pass);
        let joined_registered = self.register(name, &joined);
        pass_registered || joined_registered
    }

    /// Whether nothing is registered yet.
    pub fn is_empty(&self) -> bool {
        self.snapshot().is_none()
    }

    /// How many distinct values have been registered (not counting their derived forms).
    pub fn len(&self) -> usize {
        self.registry
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values
    }

    /// `text` with every registered form replaced by `[REDACTED:<name>]`; borrowed when nothing
    /// matched.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match self.redact_bytes(text.as_bytes()) {
            Cow::Borrowed(_) => Cow::Borrowed(text),
            // Forms are UTF-8 and a UTF-8 needle found in UTF-8 text starts and ends on char
            // boundaries, so the result is UTF-8; the lossy branch only avoids a panic path.
            Cow::Owned(bytes) => Cow::Owned(
                String::from_utf8(bytes)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            ),
        }
    }

    /// [`Redactor::redact`] for bytes that need not be UTF-8.
    pub fn redact_bytes<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        let Some(compiled) = self.snapshot() else {
            return Cow::Borrowed(bytes);
        };
        let regions = compiled.regions(bytes);
        if regions.is_empty() {
            return Cow::Borrowed(bytes);
        }
        let mut out = Vec::with_capacity(bytes.len());
        compiled.render(bytes, &regions, &mut out);
        Cow::Owned(out)
    }

    /// The current automaton, or `None` when nothing is registered.
    pub(super) fn snapshot(&self) -> Option<Arc<Compiled>> {
        self.compiled
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The registry holds secrets: show only how much it holds.
        f.debug_struct("Redactor")
            .field("values", &self.len())
            .finish_non_exhaustive()
    }
}

impl Registry {
    fn compile(&self) -> Option<Compiled> {
        // Standard semantics, because only they can report overlapping matches: two secrets that
        // overlap in the text are masked together instead of the second one leaking its tail.
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(self.forms.iter().map(|f| f.as_bytes()))
            .ok()?;
        let detector = SecretDetector::new(&self.forms)?;
        Some(Compiled {
            automaton,
            detector,
            form_name: self.form_name.clone(),
            markers: self
                .names
                .iter()
                .map(|n| format!("[REDACTED:{n}]").into_bytes())
                .collect(),
            longest: self.forms.iter().map(|f| f.len()).max().unwrap_or(0),
        })
    }
}

impl Compiled {
    /// The runs of `haystack` to mask, in order. A match that starts inside the previous run
    /// extends it, so nested secrets resolve to the longest and overlapping ones merge.
    pub(super) fn regions(&self, haystack: &[u8]) -> Vec<Region> {
        // Almost all text holds no secret: one forward scan (much cheaper than collecting
        // overlapping matches) settles that.
        if !self.detector.is_match(haystack) {
            return Vec::new();
        }
        let mut matches: Vec<(usize, usize, usize)> = self
            .automaton
            .find_overlapping_iter(haystack)
            .map(|m| (m.start(), m.end(), self.form_name[m.pattern().as_usize()]))
            .collect();
        // Leftmost first, and at equal starts the longest first.
        matches.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut regions: Vec<Region> = Vec::new();
        for (start, end, name) in matches {
            match regions.last_mut() {
                Some(run) if start < run.end => {
                    if end > run.end {
                        run.end = end;
                        if !run.names.contains(&name) {
                            run.names.push(name);
                        }
                    }
                }
                _ => regions.push(Region {
                    start,
                    end,
                    names: vec![name],
                }),
            }
        }
        regions
    }

    /// Appends `haystack` to `out` with each region replaced by its markers.
    pub(super) fn render(&self, haystack: &[u8], regions: &[Region], out: &mut Vec<u8>) {
        let mut at = 0;
        for region in regions {
            out.extend_from_slice(&haystack[at..region.start]);
            for &name in &region.names {
                out.extend_from_slice(&self.markers[name]);
            }
            at = region.end;
        }
        out.extend_from_slice(&haystack[at..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    const CANARY: &str = "canary-Secret-123!";
    const ODD: &str = "c@nary Secret/12+é\"~*";

    fn redacted(r: &Redactor, text: &str) -> String {
        r.redact(text).into_owned()
    }

    #[test]
    fn nothing_registered_borrows() {
        let r = Redactor::new();
        assert!(r.is_empty());
        assert!(matches!(r.redact("canary-Secret-123!"), Cow::Borrowed(_)));
        assert!(matches!(r.redact_bytes(b"abc"), Cow::Borrowed(_)));
    }

    #[test]
    fn no_match_borrows() {
        let r = Redactor::new();
        assert!(r.register("halo", CANARY));
        assert!(matches!(r.redact("nothing secret here"), Cow::Borrowed(_)));
    }

    #[test]
    fn short_values_are_not_registered() {
        let r = Redactor::new();
        assert!(!r.register("short", "abc12"));
        assert!(!r.register("short", ""));
        // Five characters in ten bytes: characters count, not bytes.
        assert!(!r.register("short", "ééééé"));
        assert!(r.is_empty());
        assert_eq!(r.len(), 0);
        assert_eq!(redacted(&r, "abc12 ééééé"), "abc12 ééééé");
        assert!(r.register("six", "abc123"));
        assert_eq!(redacted(&r, "x abc123 y"), "x [REDACTED:six] y");
    }

    #[test]
    fn every_derived_form_is_masked() {
        let r = Redactor::new();
        assert!(r.register("tok", ODD));
        // Spellings computed independently of the code under test (Python, serde_json, url).
        let json = serde_json::json!({ "token": ODD, "nested": serde_json::json!({"t": ODD}).to_string() });
        let mut url = url::Url::parse("https://h.example/cb").unwrap();
        url.query_pairs_mut().append_pair("token", ODD);
        let samples = [
            ODD.to_string(),
            "Y0BuYXJ5IFNlY3JldC8xMivDqSJ+Kg==".to_string(),
            "Y0BuYXJ5IFNlY3JldC8xMivDqSJ-Kg".to_string(),
            "c%40nary%20Secret%2F12%2B%C3%A9%22~%2A".to_string(),
            "c%40nary+Secret%2F12%2B%C3%A9%22~%2A".to_string(),
            "c@nary Secret/12+\\u00e9\\\"~*".to_string(),
            json.to_string(),
            url.to_string(),
        ];
        for sample in samples {
            let text = format!("before {sample} after");
            let out = redacted(&r, &text);
            assert!(out.contains("[REDACTED:tok]"), "not masked: {out}");
            for leak in ["c@nary", "Y0BuYXJ5", "c%40nary", "Secret"] {
                assert!(!out.contains(leak), "{leak} left in {out}");
            }
            assert!(
                out.starts_with("before ") && out.ends_with(" after"),
                "{out}"
            );
        }
    }

    #[test]
    fn padded_and_unpadded_base64_are_masked_whole() {
        let r = Redactor::new();
        assert!(r.register("tok", ODD));
        assert_eq!(
            redacted(&r, "a Y0BuYXJ5IFNlY3JldC8xMivDqSJ+Kg== b"),
            "a [REDACTED:tok] b"
        );
        assert_eq!(
            redacted(&r, "a Y0BuYXJ5IFNlY3JldC8xMivDqSJ+Kg b"),
            "a [REDACTED:tok] b"
        );
    }

    #[test]
    fn basic_auth_header_and_password_are_masked() {
        let r = Redactor::new();
        assert!(r.register_basic_auth("svc", "admin", "canary-Pass-42"));
        assert_eq!(
            redacted(&r, "Authorization: Basic YWRtaW46Y2FuYXJ5LVBhc3MtNDI="),
            "Authorization: Basic [REDACTED:svc]"
        );
        assert_eq!(
            redacted(&r, "login admin:canary-Pass-42"),
            "login [REDACTED:svc]"
        );
        assert_eq!(redacted(&r, "pw=canary-Pass-42"), "pw=[REDACTED:svc]");
        // The user name alone is not secret.
        assert_eq!(redacted(&r, "user admin"), "user admin");
    }

    #[test]
    fn basic_auth_with_short_password_still_masks_the_header() {
        let r = Redactor::new();
        assert!(r.register_basic_auth("svc", "administrator", "pw1"));
        let header = format!("Basic {}", STANDARD.encode("administrator:pw1"));
        assert_eq!(redacted(&r, &header), "Basic [REDACTED:svc]");
        assert_eq!(redacted(&r, "pw1"), "pw1");
        assert!(!Redactor::new().register_basic_auth("svc", "", "pw1"));
    }

    #[test]
    fn secret_inside_longer_base64_is_masked_at_every_offset() {
        let r = Redactor::new();
        assert!(r.register("tok", CANARY));
        for prefix in ["", "u", "us", "user:", "some longer prefix "] {
            let blob = STANDARD.encode(format!("{prefix}{CANARY} and more after it"));
            let out = redacted(&r, &blob);
            assert!(out.contains("[REDACTED:tok]"), "prefix {prefix:?}: {out}");
        }
    }

    #[test]
    fn unrelated_text_and_base64_are_left_alone() {
        let r = Redactor::new();
        assert!(r.register("tok", CANARY));
        assert!(r.register("pw", "password"));
        let prose = "The canary sang; a Secret meeting at 12:30. password123 is weak.";
        // `password` is a registered value and is masked even inside a longer word.
        assert_eq!(
            redacted(&r, prose),
            "The canary sang; a Secret meeting at 12:30. [REDACTED:pw]123 is weak."
        );
        let other = STANDARD.encode("an unrelated document that mentions canaries and secrets");
        assert_eq!(redacted(&r, &other), other);
    }

    #[test]
    fn nested_secrets_resolve_to_the_longest() {
        let r = Redactor::new();
        assert!(r.register("short", "abcdefgh12"));
        assert!(r.register("long", "abcdefgh12345"));
        assert_eq!(redacted(&r, "[abcdefgh12345]"), "[[REDACTED:long]]");
        assert_eq!(redacted(&r, "[abcdefgh123]"), "[[REDACTED:short]3]");
        // A registered value inside a longer one, not at its start.
        assert!(r.register("inner", "fgh1234"));
        assert_eq!(redacted(&r, "abcdefgh12345"), "[REDACTED:long]");
    }

    #[test]
    fn overlapping_secrets_are_masked_together() {
        let r = Redactor::new();
        assert!(r.register("a", "alpha-bravo"));
        assert!(r.register("b", "bravo-charlie"));
        let out = redacted(&r, "x alpha-bravo-charlie y");
        assert_eq!(out, "x [REDACTED:a][REDACTED:b] y");
        assert_eq!(
            redacted(&r, "alpha-bravo bravo-charlie"),
            "[REDACTED:a] [REDACTED:b]"
        );
    }

    #[test]
    fn same_value_under_two_names_keeps_the_first() {
        let r = Redactor::new();
        assert!(r.register("first", CANARY));
        assert!(r.register("second", CANARY));
        assert_eq!(r.len(), 1);
        assert_eq!(redacted(&r, CANARY), "[REDACTED:first]");
    }

    #[test]
    fn redact_bytes_handles_non_utf8_around_secrets() {
        let r = Redactor::new();
        assert!(r.register("tok", CANARY));
        let mut input = vec![0xff, 0xfe];
        input.extend_from_slice(CANARY.as_bytes());
        input.push(0x80);
        let mut expected = vec![0xff, 0xfe];
        expected.extend_from_slice(b"[REDACTED:tok]");
        expected.push(0x80);
        assert_eq!(r.redact_bytes(&input).as_ref(), expected.as_slice());
    }

    #[test]
    fn multibyte_text_survives_redaction() {
        let r = Redactor::new();
        assert!(r.register("tok", "géheimnis-ü"));
        assert_eq!(redacted(&r, "ä géheimnis-ü ö"), "ä [REDACTED:tok] ö");
    }

    #[test]
    fn debug_does_not_print_secrets() {
        let r = Redactor::new();
        assert!(r.register("tok", CANARY));
        let text = format!("{r:?}");
        assert!(
            !text.contains(CANARY) && text.contains("values: 1"),
            "{text}"
        );
    }

    #[test]
    fn concurrent_register_and_redact() {
        let r = Arc::new(Redactor::new());
        assert!(r.register("base", CANARY));
        let writers: Vec<_> = (0..4)
            .map(|t| {
                let r = Arc::clone(&r);
                std::thread::spawn(move || {
                    for i in 0..25 {
                        assert!(
                            r.register(&format!("s{t}_{i}"), &format!("thread-{t}-secret-{i:03}"))
                        );
                    }
                })
            })
            .collect();
        let readers: Vec<_> = (0..4)
            .map(|_| {
                let r = Arc::clone(&r);
                std::thread::spawn(move || {
                    for _ in 0..200 {
                        // Registered before the threads started: must be masked in every snapshot.
                        assert_eq!(r.redact(&format!("<{CANARY}>")), "<[REDACTED:base]>");
                    }
                })
            })
            .collect();
        for handle in writers.into_iter().chain(readers) {
            assert!(handle.join().is_ok());
        }
        assert_eq!(r.len(), 101);
        for t in 0..4 {
            for i in 0..25 {
                let text = format!("thread-{t}-secret-{i:03}");
                assert_eq!(r.redact(&text), format!("[REDACTED:s{t}_{i}]"));
            }
        }
    }
}
