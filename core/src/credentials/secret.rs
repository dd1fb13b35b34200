//! A credential value that cannot leak through formatting or serialisation by accident.

use std::fmt;
use std::sync::Arc;

use zeroize::Zeroizing;

/// A secret text: prints as `[REDACTED]`, is not `Serialize`, and is wiped from memory when the
/// last clone is dropped.
///
/// Clones share one allocation, so handing a `Secret` to many tasks costs a reference count, not
/// a copy of the value that would also have to be wiped.
#[derive(Clone)]
pub struct Secret(Arc<Zeroizing<String>>);

impl Secret {
    /// Wraps a value; the `String` is moved in, so no unwiped copy is made here.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Arc::new(Zeroizing::new(value.into())))
    }

    /// The clear text; the only way to it, so every use is easy to find in review.
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }

    /// True for clones of one secret (not merely equal text): a cheap "has it changed?".
    pub fn same(&self, other: &Secret) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `write_str`, not `pad`: width/precision flags must not reveal the length either.
        f.write_str("[REDACTED]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    const CANARY: &str = "canary-Secret-123!";

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Secret::new(CANARY);
        assert_eq!(format!("{s}"), "[REDACTED]");
        assert_eq!(format!("{s:?}"), "[REDACTED]");
        assert_eq!(format!("{s:#?}"), "[REDACTED]");
        // Formatting flags must neither reveal the value nor its length.
        assert_eq!(format!("{s:>40}"), "[REDACTED]");
        assert_eq!(format!("{s:.3}"), "[REDACTED]");
    }

    #[test]
    fn derived_debug_of_a_containing_struct_is_redacted() {
        #[derive(Debug)]
        #[allow(dead_code)] // only read through Debug
        struct Request {
            url: &'static str,
            token: Secret,
        }
        let r = Request {
            url: "https://api.example.com",
            token: Secret::new(CANARY),
        };
        let text = format!("{r:?}");
        assert!(!text.contains(CANARY), "{text}");
        assert!(text.contains("token: [REDACTED]"), "{text}");
    }

    #[test]
    fn expose_returns_the_value() {
        assert_eq!(Secret::new(String::from(CANARY)).expose(), CANARY);
        assert_eq!(Secret::new("").expose(), "");
    }

    #[test]
    fn clones_share_one_allocation() {
        let a = Secret::new(CANARY);
        let b = a.clone();
        assert_eq!(a.expose().as_ptr(), b.expose().as_ptr());
        drop(a);
        // The value lives on while any clone is alive.
        assert_eq!(b.expose(), CANARY);
    }

    #[test]
    fn is_send_and_sync() {
        fn check<T: Send + Sync + Clone + 'static>() {}
        check::<Secret>();
    }
}
