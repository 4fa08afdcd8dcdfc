//! [`JwtVerifier`]: one per process, built at start-up; the signature first, then the claims.
//! Keys are parsed once per JWKS load and the token is decoded once: the RSA check is nearly all
//! of a first verification (BENCHMARKS.md), and a repeated token skips even that.

use std::sync::{Arc, Mutex};

use aws_lc_rs::digest::{SHA256, digest};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::cache::{TokenDigest, Verified, VerifiedTokens};
use super::claims::{ClaimRules, Claims, TokenUse};
use super::keys::{JwksSource, KeyStore};
use crate::config::{CognitoConfig, JwtConfig};
use crate::domain::clock::{Clock, system_clock};
use crate::domain::error::{AuthError, TokenRejection};

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

/// Verifies presented tokens of one pool and app client; cheap to share behind an `Arc`.
pub struct JwtVerifier {
    rules: ClaimRules,
    clock: Clock,
    keys: KeyStore,
    verified: Mutex<VerifiedTokens>,
}

impl JwtVerifier {
    pub fn new(cognito: &CognitoConfig, jwt: &JwtConfig, source: Arc<dyn JwksSource>) -> Self {
        Self {
            rules: ClaimRules {
                issuer: cognito.issuer.clone(),
                client_id: cognito.client_id.clone(),
                leeway: jwt.leeway.as_secs(),
            },
            clock: system_clock,
            keys: KeyStore::new(source, jwt.jwks_refetch_cooldown),
            verified: Mutex::new(VerifiedTokens::new(jwt.verified_cache_size)),
        }
    }

    /// The same verifier reading time from `clock` (tests move time without sleeping).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// How many verified tokens this process remembers now (for tests and metrics).
    pub fn remembered_tokens(&self) -> usize {
        self.verified_tokens().len()
    }

    /// Verify `token` as a `expected` token of the configured pool and client.
    /// The claims are shared with the verified-token cache, hence the `Arc`.
    pub async fn verify(&self, token: &str, expected: TokenUse) -> Result<Arc<Claims>, AuthError> {
        let id: TokenDigest = digest(&SHA256, token.as_bytes())
            .as_ref()
            .try_into()
            .map_err(|_| AuthError::Internal("SHA-256 digest length".into()))?;
        if let Some(claims) = self.verified_before(&id, expected)? {
            return Ok(claims);
        }

        let reject = |r| AuthError::InvalidToken(r);
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(reject(TokenRejection::Malformed));
        };
        let header: Header = decode_json(header)?;
        if header.alg != "RS256" {
            return Err(reject(TokenRejection::Algorithm));
        }
        let kid = header.kid.ok_or(reject(TokenRejection::Malformed))?;
        let key = self.keys.key(&kid).await?;

        // Signature before claims: a forged token learns nothing about which claim would fail.
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| reject(TokenRejection::Malformed))?;
        let signing_input = &token[..header_and_payload_len(token)];
        key.verify_sig(signing_input.as_bytes(), &signature)
            .map_err(|_| reject(TokenRejection::Signature))?;

        let claims: Claims = decode_json(payload)?;
        self.rules.check(&claims, expected, (self.clock)())?;
        let claims = Arc::new(claims);
        self.verified_tokens().insert(
            id,
            Verified {
                expected,
                kid,
                claims: claims.clone(),
            },
        );
        Ok(claims)
    }

    /// A cache hit: the same bytes verified before for the same use, its key still published and
    /// its time window still open. An entry that fails the time checks is dropped.
    fn verified_before(
        &self,
        id: &TokenDigest,
        expected: TokenUse,
    ) -> Result<Option<Arc<Claims>>, AuthError> {
        let mut tokens = self.verified_tokens();
        let Some(entry) = tokens.get(id) else {
            return Ok(None);
        };
        if entry.expected != expected || self.keys.cached(&entry.kid).is_none() {
            return Ok(None);
        }
        match self.rules.check_time(&entry.claims, (self.clock)()) {
            Ok(()) => Ok(Some(entry.claims.clone())),
            Err(e) => {
                tokens.remove(id);
                Err(e)
            }
        }
    }

    fn verified_tokens(&self) -> std::sync::MutexGuard<'_, VerifiedTokens> {
        self.verified.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The length of `header.payload`, the bytes the signature covers.
fn header_and_payload_len(token: &str) -> usize {
    token.rfind('.').unwrap_or(token.len())
}

/// A base64url JSON segment; anything unreadable is a malformed token.
fn decode_json<T: DeserializeOwned>(segment: &str) -> Result<T, AuthError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| AuthError::InvalidToken(TokenRejection::Malformed))?;
    serde_json::from_slice(&bytes).map_err(|_| AuthError::InvalidToken(TokenRejection::Malformed))
}
