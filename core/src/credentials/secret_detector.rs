//! The quick yes/no that comes before every redaction: does this text hold any registered
//! secret form at all? Almost all text does not, so this scan is what redaction costs.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind, packed};

/// Finds whether any form occurs, without saying where.
pub(super) enum SecretDetector {
    /// The SIMD (Teddy) searcher. Chosen directly because the general automaton's heuristics
    /// pick a rare-byte prefilter for tokens made of hex digits or base64, and those bytes are
    /// common in JSON bodies and log lines. Measured with callgrind on the fan-out benchmark:
    /// 19 instructions per byte of JSON output and 85 per byte of a progress line, against
    /// about 1 with Teddy.
    Packed(packed::Searcher),
    /// Where Teddy cannot be built (no SSSE3, or too many forms).
    Automaton(AhoCorasick),
}

impl SecretDetector {
    /// `None` only when no automaton can be built from `forms` (none registered, or too big).
    pub(super) fn new(forms: &[String]) -> Option<SecretDetector> {
        let packed = packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostFirst)
            .heuristic_pattern_limits(false)
            .builder()
            .extend(forms.iter().map(|f| f.as_bytes()))
            .build();
        if let Some(searcher) = packed {
            return Some(SecretDetector::Packed(searcher));
        }
        // Whether anything matches does not depend on the match kind; leftmost-first lets the
        // automaton stop at the first match.
        AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(forms.iter().map(|f| f.as_bytes()))
            .ok()
            .map(SecretDetector::Automaton)
    }

    pub(super) fn is_match(&self, haystack: &[u8]) -> bool {
        match self {
            SecretDetector::Packed(searcher) => searcher.find(haystack).is_some(),
            SecretDetector::Automaton(automaton) => automaton.is_match(haystack),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forms(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn finds_a_form_anywhere_and_only_a_whole_one() {
        let d = SecretDetector::new(&forms(&["759fecf6fd26dbd9", "NzU5ZmVjZjZmZDI2"])).unwrap();
        assert!(d.is_match(b"Bearer 759fecf6fd26dbd9"));
        let far = format!("{}NzU5ZmVjZjZmZDI2", "x".repeat(500));
        assert!(d.is_match(far.as_bytes()));
        assert!(
            !d.is_match(b"759fecf6fd26dbd"),
            "a prefix is not the secret"
        );
        assert!(!d.is_match(b""));
        let hexy: String = (0..4000).map(|i| format!("{:x}", i % 16)).collect();
        assert!(!d.is_match(hexy.as_bytes()));
    }

    #[test]
    fn short_and_long_haystacks_agree_with_the_automaton() {
        let list = forms(&["abcdef0123456789", "0123456789abcdef", "s3cr3t-value-here"]);
        let packed = SecretDetector::new(&list).unwrap();
        assert!(
            matches!(packed, SecretDetector::Packed(_)),
            "Teddy is available on x86-64 CI"
        );
        let automaton = SecretDetector::Automaton(
            AhoCorasickBuilder::new()
                .build(list.iter().map(|f| f.as_bytes()))
                .unwrap(),
        );
        // Every length from empty to past Teddy's window, with a secret at every offset that
        // fits. The filler has no `f` and no `s`, so it never holds a form by accident.
        for len in 0..80 {
            for at in 0..=len {
                let mut text: Vec<u8> = (0..len)
                    .map(|i| b"0123456789abcde\"{}:, "[i % 21])
                    .collect();
                let form = list[at % list.len()].as_bytes();
                let fits = at + form.len() <= len;
                if fits {
                    text[at..at + form.len()].copy_from_slice(form);
                }
                assert_eq!(packed.is_match(&text), fits, "len {len} at {at}");
                assert_eq!(automaton.is_match(&text), fits, "len {len} at {at}");
            }
        }
    }
}
