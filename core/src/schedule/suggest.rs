//! "Did you mean …?" suggestions for mistyped names.

/// Levenshtein distance between two strings, compared case-insensitively by character.
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().flat_map(char::to_lowercase).collect();
    let b: Vec<char> = b.chars().flat_map(char::to_lowercase).collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The candidate nearest to `input`, if it is close enough to be a plausible typo.
pub(super) fn closest<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    // Short words allow one edit, longer ones about one per three characters, so
    // `lastest` finds `latest` but `xyz` does not find `all`.
    let allowed = (input.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| (edit_distance(input, candidate), candidate))
        .filter(|(distance, _)| *distance <= allowed)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_insertions_deletions_and_substitutions() {
        assert_eq!(edit_distance("latest", "latest"), 0);
        assert_eq!(edit_distance("lastest", "latest"), 1);
        assert_eq!(edit_distance("Europe/Londn", "Europe/London"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("SKIP", "skip"), 0);
    }

    #[test]
    fn closest_picks_the_nearest_plausible_candidate() {
        let modes = ["none", "latest", "all"];
        assert_eq!(closest("lastest", modes), Some("latest"));
        assert_eq!(closest("non", modes), Some("none"));
        assert_eq!(closest("everything", modes), None);
    }
}
