//! What a formula reads: found once at plan time, so the planner can check that every
//! credential, resource and upstream result it names exists and may be used there.

use std::collections::BTreeSet;

use crate::source::Location;

/// One root path a formula reads (`get_tickets.body.tickets`, `CREDENTIAL.halo`), and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ref {
    pub path: String,
    pub location: Location,
    /// Read only inside `DEFAULT`/`IS_PRESENT`/`IS_BLANK` or an `is defined` test, where a
    /// missing value is allowed, so the planner need not find it.
    pub guarded: bool,
}

impl Ref {
    /// The first segment (`get_tickets` of `get_tickets.body.tickets`).
    pub fn root(&self) -> &str {
        self.path.split('.').next().unwrap_or(&self.path)
    }

    /// The second segment, the name under a namespace root (`halo` of `CREDENTIAL.halo`).
    pub fn name(&self) -> Option<&str> {
        self.path.split('.').nth(1)
    }
}

/// Every path the formulas of one value read.
#[derive(Debug, Clone, Default)]
pub struct Refs {
    pub paths: Vec<Ref>,
}

impl Refs {
    pub fn extend(&mut self, other: Refs) {
        self.paths.extend(other.paths);
    }

    /// Names read under `CREDENTIAL.`.
    pub fn credentials(&self) -> BTreeSet<&str> {
        self.names_under("CREDENTIAL")
    }

    pub fn names_under(&self, root: &str) -> BTreeSet<&str> {
        self.paths
            .iter()
            .filter(|r| r.root() == root)
            .filter_map(Ref::name)
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }
}
