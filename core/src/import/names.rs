//! Unique action names. Tines allows two actions with one name; Relay does not, because a name's
//! slug is how formulas read the result. Converted actions keep their names first; a later
//! duplicate becomes `Name 2`. A reference to the shared slug then follows the renamed action
//! when that action is the only one of the name upstream of the reader.

use super::slug::{NameBook, slugify};

/// Final names, in agent order: converted actions claim theirs first.
pub fn assign(names: &[String], converted: &[bool]) -> Vec<String> {
    let mut book = NameBook::new();
    let mut out = vec![String::new(); names.len()];
    for pass in [true, false] {
        for (i, name) in names.iter().enumerate() {
            if converted[i] == pass {
                out[i] = book.claim(name);
            }
        }
    }
    out
}

/// Which of the actions originally slugged `slug` a reference in `reader` means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// None of them is upstream of the reader.
    Unrelated,
    One(usize),
    /// Several are upstream: the reference is ambiguous.
    Many(Vec<usize>),
}

/// `reach[a][b]`: `b` is downstream of `a`. The reader itself counts (a loop reading its own
/// earlier result).
pub fn owner(reader: usize, slug: &str, names: &[String], reach: &[Vec<bool>]) -> Owner {
    let upstream: Vec<usize> = (0..names.len())
        .filter(|&a| slugify(&names[a]) == slug && (a == reader || reach[a][reader]))
        .collect();
    match upstream.as_slice() {
        [] => Owner::Unrelated,
        [one] => Owner::One(*one),
        _ => Owner::Many(upstream),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn converted_actions_keep_their_names_first() {
        let got = assign(
            &names(&[
                "Search Splunk",
                "Get",
                "Search Splunk",
                "Message Text",
                "Message Text",
            ]),
            &[false, true, true, true, true],
        );
        assert_eq!(
            got,
            [
                "Search Splunk 2",
                "Get",
                "Search Splunk",
                "Message Text",
                "Message Text 2"
            ]
        );
    }

    #[test]
    fn owner_is_the_single_upstream_duplicate() {
        // 0 "M" → 2 reader; 1 "M" unrelated; 3 reader downstream of both.
        let n = names(&["M", "M", "R", "R2"]);
        let mut reach = vec![vec![false; 4]; 4];
        reach[0][2] = true;
        reach[0][3] = true;
        reach[1][3] = true;
        assert_eq!(owner(2, "m", &n, &reach), Owner::One(0));
        assert_eq!(owner(3, "m", &n, &reach), Owner::Many(vec![0, 1]));
        assert_eq!(owner(1, "m", &n, &reach), Owner::One(1));
        assert_eq!(owner(2, "x", &n, &reach), Owner::Unrelated);
    }
}
