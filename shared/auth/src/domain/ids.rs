//! Identifiers the product mints: opaque session tokens and guest ids, plus the digests that
//! key server-side records so raw secrets never sit in a table key.

use aws_lc_rs::{digest, rand};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::domain::error::AuthError;

/// Letters and digits a guest can read aloud without confusion: no 0/O, 1/I/L, U.
const GUEST_ALPHABET: &[u8; 30] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";
const SESSION_TOKEN_BYTES: usize = 32;

fn random_bytes<const N: usize>() -> Result<[u8; N], AuthError> {
    let mut buf = [0u8; N];
    rand::fill(&mut buf).map_err(|_| AuthError::Internal("system random source failed".into()))?;
    Ok(buf)
}

/// The opaque handle a caller gets instead of the Cognito session: 256 random bits, base64url.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    pub fn generate() -> Result<Self, AuthError> {
        Ok(Self(
            URL_SAFE_NO_PAD.encode(random_bytes::<SESSION_TOKEN_BYTES>()?),
        ))
    }

    /// Accept only the shape we mint, so junk never reaches DynamoDB.
    pub fn parse(raw: &str) -> Result<Self, AuthError> {
        let raw = raw.trim();
        match URL_SAFE_NO_PAD.decode(raw) {
            Ok(bytes) if bytes.len() == SESSION_TOKEN_BYTES => Ok(Self(raw.to_owned())),
            _ => Err(AuthError::LoginNotFound),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key of the login record: a digest, so a table read never yields a usable token.
    pub fn record_key(&self) -> String {
        format!("LOGIN#{}", hex_digest(self.0.as_bytes()))
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(***)")
    }
}

/// `GST-2026-7K2Q9X`: the year the guest was created and six characters of [`GUEST_ALPHABET`].
pub fn new_guest_id(year: i32) -> Result<String, AuthError> {
    let bytes = random_bytes::<6>()?;
    Ok(guest_id_from(year, bytes))
}

fn guest_id_from(year: i32, bytes: [u8; 6]) -> String {
    // 256 is not a multiple of 30; the bias (at most 1/256 per character) is irrelevant for a
    // reference number whose uniqueness the store enforces.
    let suffix: String = bytes
        .iter()
        .map(|b| GUEST_ALPHABET[*b as usize % GUEST_ALPHABET.len()] as char)
        .collect();
    format!("GST-{year}-{suffix}")
}

pub fn is_guest_id(s: &str) -> bool {
    let mut parts = s.splitn(3, '-');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some("GST"), Some(year), Some(suffix))
            if year.len() == 4
                && year.bytes().all(|b| b.is_ascii_digit())
                && suffix.len() == 6
                && suffix.bytes().all(|b| GUEST_ALPHABET.contains(&b))
    )
}

/// Lower-case hex SHA-256.
pub fn hex_digest(data: &[u8]) -> String {
    digest::digest(&digest::SHA256, data)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_tokens_are_random_and_round_trip() {
        let a = SessionToken::generate().unwrap();
        let b = SessionToken::generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 43);
        assert_eq!(SessionToken::parse(a.as_str()).unwrap(), a);
    }

    #[test]
    fn malformed_session_tokens_are_not_found() {
        for bad in [
            "",
            "abc",
            "x".repeat(43).as_str(),
            "not base64 at all !!!!!!!!!!!!!!!!!!!!!!!!!",
        ] {
            assert!(
                matches!(SessionToken::parse(bad), Err(AuthError::LoginNotFound)),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn record_key_is_a_digest_not_the_token() {
        let t = SessionToken::generate().unwrap();
        let key = t.record_key();
        assert!(key.starts_with("LOGIN#"));
        assert_eq!(key.len(), 6 + 64);
        assert!(!key.contains(t.as_str()));
        assert_eq!(format!("{t:?}"), "SessionToken(***)");
    }

    #[test]
    fn guest_ids_have_the_documented_shape() {
        for _ in 0..200 {
            let id = new_guest_id(2026).unwrap();
            assert!(is_guest_id(&id), "{id}");
            assert!(id.starts_with("GST-2026-"));
        }
        assert_eq!(
            guest_id_from(2026, [0, 1, 2, 29, 30, 255]),
            "GST-2026-234Z2H"
        );
    }

    #[test]
    fn guest_id_check_rejects_ambiguous_characters() {
        assert!(is_guest_id("GST-2026-7K2Q9X"));
        for bad in [
            "GST-2026-7K2Q9O",
            "GST-2026-7K2Q9",
            "GST-26-7K2Q9X",
            "gst-2026-7K2Q9X",
            "GST-2026-7K2Q9X1",
        ] {
            assert!(!is_guest_id(bad), "{bad}");
        }
    }

    #[test]
    fn hex_digest_matches_a_known_vector() {
        assert_eq!(
            hex_digest(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
