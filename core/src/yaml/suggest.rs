//! "Did you mean …?" for misspelled keys, types and names.

/// The candidate closest to `word`, when it is close enough to be a plausible typo.
pub fn did_you_mean<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let word_lower = word.to_lowercase();
    let limit = (word.chars().count() / 3).max(1);
    let candidates: Vec<&'a str> = candidates.into_iter().collect();
    let close = candidates
        .iter()
        .map(|c| (edit_distance(&word_lower, &c.to_lowercase()), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c);
    close.or_else(|| same_stem(&word_lower, &candidates))
}

/// A different ending of the same word (`failed` for `failure`): the one candidate sharing
/// the longest prefix of at least four characters with `word`.
fn same_stem<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let prefix = |c: &str| {
        word.chars()
            .zip(c.to_lowercase().chars())
            .take_while(|(a, b)| a == b)
            .count()
    };
    let best = candidates.iter().map(|c| prefix(c)).max()?;
    let mut with_best = candidates.iter().filter(|c| prefix(c) == best);
    match (with_best.next(), with_best.next()) {
        (Some(c), None) if best >= 4 => Some(*c),
        _ => None,
    }
}

/// Optimal string alignment distance: Levenshtein plus adjacent transpositions, because
/// `opitons` for `options` is the typo people actually make.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for j in 0..=b.len() {
        d[0][j] = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_transpositions_and_single_edits() {
        assert_eq!(
            did_you_mean("opitons", ["name", "options", "type"]),
            Some("options")
        );
        assert_eq!(did_you_mean("metod", ["method", "url"]), Some("method"));
        assert_eq!(did_you_mean("URL", ["method", "url"]), Some("url"));
    }

    #[test]
    fn suggests_another_ending_of_the_same_word() {
        assert_eq!(
            did_you_mean("failed", ["default", "failure", "no_match"]),
            Some("failure")
        );
        assert_eq!(
            did_you_mean("page", ["page_size", "page_no"]),
            None,
            "ambiguous"
        );
        assert_eq!(did_you_mean("pag", ["page_size"]), None, "too short a stem");
    }

    #[test]
    fn stays_quiet_when_nothing_is_close() {
        assert_eq!(
            did_you_mean("frobnicate", ["name", "options", "type"]),
            None
        );
        assert_eq!(did_you_mean("x", ["name"]), None);
    }
}
