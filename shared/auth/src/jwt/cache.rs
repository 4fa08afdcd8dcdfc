//! Tokens already verified by this process. An agent conversation presents the same access token
//! on every tool call; a hit skips the RSA check, never the time checks (repeated on every hit),
//! nor the key check (the signing key must still be in the pool's JWKS), nor revocation (which
//! callers check after verifying, hit or not). Keyed by SHA-256 of the signed part
//! (`header.payload`), the digest the RSA check takes anyway, and an entry keeps its signature
//! segment: a hit needs both to match, so a token that differs in any byte, signature included, is
//! verified afresh. Bounded: the oldest entry leaves first.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use super::claims::{Claims, TokenUse};

/// SHA-256 of a token's signed part, `header.payload`.
pub type TokenDigest = [u8; 32];

/// What a verification established about one token.
#[derive(Debug, Clone)]
pub struct Verified {
    pub expected: TokenUse,
    pub kid: String,
    /// The token's third segment, as presented: with the digest of the rest, the whole token.
    pub signature: Box<str>,
    pub claims: Arc<Claims>,
}

#[derive(Debug)]
pub struct VerifiedTokens {
    capacity: usize,
    entries: HashMap<TokenDigest, Verified>,
    // Insertion order: the oldest entry is evicted first when full.
    order: VecDeque<TokenDigest>,
}

impl VerifiedTokens {
    /// At most `capacity` tokens; 0 remembers none.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: HashMap::with_capacity(capacity),
            order: VecDeque::with_capacity(capacity),
        }
    }

    pub fn get(&self, digest: &TokenDigest) -> Option<&Verified> {
        self.entries.get(digest)
    }

    pub fn insert(&mut self, digest: TokenDigest, entry: Verified) {
        if self.capacity == 0 {
            return;
        }
        // The same signed part under another signature (another key of the pool): the newer wins.
        if let Some(existing) = self.entries.get_mut(&digest) {
            *existing = entry;
            return;
        }
        while self.entries.len() >= self.capacity {
            match self.order.pop_front() {
                Some(oldest) => self.entries.remove(&oldest),
                None => break,
            };
        }
        self.entries.insert(digest, entry);
        self.order.push_back(digest);
    }

    pub fn remove(&mut self, digest: &TokenDigest) {
        if self.entries.remove(digest).is_some() {
            self.order.retain(|k| k != digest);
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Verified {
        Verified {
            expected: TokenUse::Access,
            kid: "k".into(),
            signature: "sig".into(),
            claims: Arc::new(Claims::default()),
        }
    }

    #[test]
    fn the_oldest_token_leaves_first_when_full() {
        let mut tokens = VerifiedTokens::new(2);
        for d in [[1; 32], [2; 32], [3; 32]] {
            tokens.insert(d, entry());
        }
        assert_eq!(tokens.len(), 2);
        assert_eq!(tokens.order.len(), 2);
        assert!(tokens.get(&[1; 32]).is_none());
        assert!(tokens.get(&[2; 32]).is_some() && tokens.get(&[3; 32]).is_some());
    }

    #[test]
    fn a_repeat_insert_keeps_one_entry_and_removal_forgets_it() {
        let mut tokens = VerifiedTokens::new(4);
        tokens.insert([1; 32], entry());
        tokens.insert([1; 32], entry());
        assert_eq!((tokens.len(), tokens.order.len()), (1, 1));
        tokens.remove(&[1; 32]);
        assert!(tokens.is_empty());
        assert!(tokens.order.is_empty());
    }

    #[test]
    fn capacity_zero_remembers_nothing() {
        let mut tokens = VerifiedTokens::new(0);
        tokens.insert([1; 32], entry());
        assert!(tokens.is_empty());
    }
}
