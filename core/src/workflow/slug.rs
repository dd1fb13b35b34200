//! Slugs: how actions refer to each other's results.

/// "Get a list of Tickets" → `get_a_list_of_tickets`: lower-cased, every run of characters
/// other than `a-z0-9` replaced by one `_`, leading and trailing `_` removed.
pub fn slugify(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    let mut pending_underscore = false;
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            if pending_underscore && !slug.is_empty() {
                slug.push('_');
            }
            pending_underscore = false;
            slug.push(c);
        } else {
            pending_underscore = true;
        }
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn follows_the_spec_rule() {
        assert_eq!(slugify("Get a list of Tickets"), "get_a_list_of_tickets");
        assert_eq!(slugify("  Urgent -- only!! "), "urgent_only");
        assert_eq!(slugify("HTTP Request #2"), "http_request_2");
        assert_eq!(slugify("Café crème"), "caf_cr_me");
        assert_eq!(slugify("!!!"), "");
    }
}
