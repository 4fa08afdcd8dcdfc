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
use crate::config::{CognitoConfig, JwtConfig, TrustedIssuer};
use crate::domain::clock::{Clock, system_clock};
use crate::domain::error::{AuthError, ConfigError, TokenRejection};

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
    /// One key cache per configured issuer, in the order of `rules.issuers`; each loads its JWKS
    /// only when a token of that issuer first arrives.
    keys: Vec<KeyStore>,
    verified: Mutex<VerifiedTokens>,
}

impl JwtVerifier {
    /// Every configured issuer's keys from `source` (tests, and a single JWKS).
    pub fn new(cognito: &CognitoConfig, jwt: &JwtConfig, source: Arc<dyn JwksSource>) -> Self {
        let keys = cognito
            .issuers
            .iter()
            .map(|_| KeyStore::new(source.clone(), jwt.jwks_refetch_cooldown))
            .collect();
        Self::build(cognito, jwt, keys)
    }

    /// Each configured issuer's keys from the source `source_for` makes for it.
    pub fn with_sources(
        cognito: &CognitoConfig,
        jwt: &JwtConfig,
        source_for: impl Fn(&TrustedIssuer) -> Result<Arc<dyn JwksSource>, ConfigError>,
    ) -> Result<Self, ConfigError> {
        let keys = cognito
            .issuers
            .iter()
            .map(|issuer| {
                Ok(KeyStore::new(
                    source_for(issuer)?,
                    jwt.jwks_refetch_cooldown,
                ))
            })
            .collect::<Result<_, ConfigError>>()?;
        Ok(Self::build(cognito, jwt, keys))
    }

    fn build(cognito: &CognitoConfig, jwt: &JwtConfig, keys: Vec<KeyStore>) -> Self {
        Self {
            rules: ClaimRules {
                issuers: cognito.issuers.iter().map(|i| i.iss.clone()).collect(),
                client_id: cognito.client_id.clone(),
                leeway: jwt.leeway.as_secs(),
            },
            clock: system_clock,
            keys,
            verified: Mutex::new(VerifiedTokens::new(jwt.verified_cache_size)),
        }
    }

    /// The key cache of a configured issuer.
    fn keys_of(&self, iss: &str) -> Option<&KeyStore> {
        self.rules
            .issuers
            .iter()
            .position(|trusted| trusted == iss)
            .and_then(|i| self.keys.get(i))
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
        // One SHA-256 pass, over the signed part: the digest the RSA check takes, and with the
        // signature segment beside it, the cache key of the whole token.
        let signed_len = header_and_payload_len(token);
        let signature_segment = token.get(signed_len + 1..).unwrap_or_default();
        let signed = digest(&SHA256, &token.as_bytes()[..signed_len]);
        let id: TokenDigest = signed
            .as_ref()
            .try_into()
            .map_err(|_| AuthError::Internal("SHA-256 digest length".into()))?;
        if let Some(claims) = self.verified_before(&id, signature_segment, expected)? {
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
        let claims: Claims = decode_json(payload)?;
        // Which keys to use comes from configuration: an issuer outside the set is refused before
        // any key is fetched, so a token cannot make us fetch from where it pleases.
        if claims.iss.is_empty() {
            return Err(reject(TokenRejection::MissingClaim));
        }
        let keys = self
            .keys_of(&claims.iss)
            .ok_or(reject(TokenRejection::Issuer))?;
        let key = keys.key(&kid).await?;

        // Signature before the claim rules: a forged token learns nothing about which would fail.
        // Decoded on the stack: an 8192-bit signature, the largest key accepted, is 1,024 bytes.
        let mut decoded = [0u8; 1024];
        let signature_len = URL_SAFE_NO_PAD
            .decode_slice(signature, &mut decoded)
            .map_err(|_| reject(TokenRejection::Malformed))?;
        key.verify_digest_sig(&signed, &decoded[..signature_len])
            .map_err(|_| reject(TokenRejection::Signature))?;

        self.rules.check(&claims, expected, (self.clock)())?;
        let claims = Arc::new(claims);
        self.verified_tokens().insert(
            id,
            Verified {
                expected,
                kid,
                signature: signature_segment.into(),
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
        signature: &str,
        expected: TokenUse,
    ) -> Result<Option<Arc<Claims>>, AuthError> {
        let mut tokens = self.verified_tokens();
        let Some(entry) = tokens.get(id).filter(|e| *e.signature == *signature) else {
            return Ok(None);
        };
        let published = self
            .keys_of(&entry.claims.iss)
            .and_then(|keys| keys.cached(&entry.kid));
        if entry.expected != expected || published.is_none() {
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
