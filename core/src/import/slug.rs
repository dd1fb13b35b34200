//! The spec's slug rule, and making names unique so that their slugs are.

use std::collections::HashSet;

pub use crate::workflow::slugify;

/// Hands out names whose slugs have not been taken yet.
#[derive(Debug, Default)]
pub struct NameBook {
    taken: HashSet<String>,
}

impl NameBook {
    /// An empty book.
    pub fn new() -> NameBook {
        NameBook::default()
    }

    /// Claims `name`, or `name 2`, `name 3`… when its slug is taken. Returns the name claimed.
    pub fn claim(&mut self, name: &str) -> String {
        let mut candidate = name.to_owned();
        let mut n = 2;
        while self.taken.contains(&slugify(&candidate)) {
            candidate = format!("{name} {n}");
            n += 1;
        }
        self.taken.insert(slugify(&candidate));
        candidate
    }

    /// Claims a slug-like stem (`name`, `name_2`…) for file names.
    pub fn claim_stem(&mut self, stem: &str) -> String {
        let mut candidate = stem.to_owned();
        let mut n = 2;
        while self.taken.contains(&candidate) {
            candidate = format!("{stem}_{n}");
            n += 1;
        }
        self.taken.insert(candidate.clone());
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_spec_rule() {
        assert_eq!(slugify("Get a list of Tickets"), "get_a_list_of_tickets");
        assert_eq!(slugify("  Urgent -- only!! "), "urgent_only");
        assert_eq!(
            slugify("[Demo] [ServiceNow] Phishing"),
            "demo_servicenow_phishing"
        );
        assert_eq!(slugify("Café crème"), "caf_cr_me");
        assert_eq!(slugify("!!!"), "");
    }

    #[test]
    fn duplicate_names_get_numbered() {
        let mut book = NameBook::new();
        assert_eq!(book.claim("Message Text"), "Message Text");
        assert_eq!(book.claim("message-text"), "message-text 2");
        assert_eq!(book.claim("Message Text"), "Message Text 3");
        assert_eq!(book.claim("Message Text 2"), "Message Text 2 2");
    }

    #[test]
    fn stems_get_numbered() {
        let mut book = NameBook::new();
        assert_eq!(book.claim_stem("story"), "story");
        assert_eq!(book.claim_stem("story"), "story_2");
    }
}
