//! Issued access and refresh tokens, and how they are minted and checked.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::time::{Duration, Instant};

/// Who a refresh token was issued to, so a refresh can reproduce the grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The client the token belongs to.
    pub client_id: String,
    /// Scope granted at login.
    pub scope: String,
}

/// The verdict on a bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessCheck {
    /// Known and not expired.
    Valid,
    /// Known but past its lifetime.
    Expired,
    /// Never issued here (or long forgotten).
    Unknown,
}

/// Above this many live access tokens, expired ones are forgotten on the next mint, so
/// benchmarks that log in thousands of times do not grow memory without bound.
const PRUNE_ABOVE: usize = 4096;

/// Every token the sandbox issued and still honours.
#[derive(Debug)]
pub struct TokenStore {
    access: HashMap<String, Instant>,
    refresh: HashMap<String, Grant>,
    seq: u64,
    // Two independently keyed hashers make tokens unguessable enough for a test server
    // without pulling in a random number crate.
    keys: (RandomState, RandomState),
}

impl Default for TokenStore {
    fn default() -> Self {
        TokenStore {
            access: HashMap::new(),
            refresh: HashMap::new(),
            seq: 0,
            keys: (RandomState::new(), RandomState::new()),
        }
    }
}

impl TokenStore {
    fn fresh(&mut self) -> String {
        self.seq += 1;
        let a = self.keys.0.hash_one(self.seq);
        let b = self.keys.1.hash_one(self.seq);
        format!("{a:016x}{b:016x}")
    }

    /// Issues an access token valid for `ttl` from `now` (a zero `ttl` is born expired).
    pub fn mint_access(&mut self, ttl: Duration, now: Instant) -> String {
        if self.access.len() >= PRUNE_ABOVE {
            self.access.retain(|_, expires| *expires > now);
        }
        let token = self.fresh();
        // An absurd ttl saturates to "a year" rather than overflowing Instant.
        let expires = now
            .checked_add(ttl)
            .or_else(|| now.checked_add(Duration::from_secs(86_400 * 365)))
            .unwrap_or(now);
        self.access.insert(token.clone(), expires);
        token
    }

    /// Issues a refresh token remembering `grant`.
    pub fn mint_refresh(&mut self, grant: Grant) -> String {
        let token = self.fresh();
        self.refresh.insert(token.clone(), grant);
        token
    }

    /// Checks a bearer token at `now`.
    pub fn check_access(&self, token: &str, now: Instant) -> AccessCheck {
        match self.access.get(token) {
            Some(expires) if *expires > now => AccessCheck::Valid,
            Some(_) => AccessCheck::Expired,
            None => AccessCheck::Unknown,
        }
    }

    /// Redeems a refresh token: with `rotate` it is used up, otherwise it stays valid.
    pub fn redeem_refresh(&mut self, token: &str, rotate: bool) -> Option<Grant> {
        if rotate {
            self.refresh.remove(token)
        } else {
            self.refresh.get(token).cloned()
        }
    }

    /// Forgets every access token, as if all had been revoked.
    pub fn revoke_access_tokens(&mut self) {
        self.access.clear();
    }

    /// Forgets every refresh token.
    pub fn revoke_refresh_tokens(&mut self) {
        self.refresh.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant() -> Grant {
        Grant {
            client_id: "c".into(),
            scope: "all".into(),
        }
    }

    #[test]
    fn access_tokens_expire_and_are_distinct() {
        let mut s = TokenStore::default();
        let now = Instant::now();
        let a = s.mint_access(Duration::from_secs(10), now);
        let b = s.mint_access(Duration::from_secs(10), now);
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert_eq!(s.check_access(&a, now), AccessCheck::Valid);
        assert_eq!(
            s.check_access(&a, now + Duration::from_secs(10)),
            AccessCheck::Expired
        );
        assert_eq!(s.check_access("nope", now), AccessCheck::Unknown);
        let zero = s.mint_access(Duration::ZERO, now);
        assert_eq!(s.check_access(&zero, now), AccessCheck::Expired);
    }

    #[test]
    fn rotating_refresh_tokens_work_once() {
        let mut s = TokenStore::default();
        let r = s.mint_refresh(grant());
        assert_eq!(s.redeem_refresh(&r, false), Some(grant()));
        assert_eq!(s.redeem_refresh(&r, true), Some(grant()));
        assert_eq!(s.redeem_refresh(&r, true), None);
        assert_eq!(s.redeem_refresh(&r, false), None);
    }

    #[test]
    fn expired_tokens_are_pruned_when_many() {
        let mut s = TokenStore::default();
        let now = Instant::now();
        let old = s.mint_access(Duration::ZERO, now);
        for _ in 0..PRUNE_ABOVE {
            s.mint_access(Duration::from_secs(60), now);
        }
        assert_eq!(s.check_access(&old, now), AccessCheck::Unknown);
        assert_eq!(s.access.len(), PRUNE_ABOVE);
    }
}
