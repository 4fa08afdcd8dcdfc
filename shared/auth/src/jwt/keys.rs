//! The pool's public keys: where they come from ([`JwksSource`]), which of them are usable, and
//! the process-wide key cache that refetches on an unknown `kid` at most once per cooldown.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, KeyAlgorithm, PublicKeyUse};
use serde::Deserialize;

use crate::domain::error::{AuthError, TokenRejection};
use crate::domain::signals::{self, Signal};

/// A JWKS document as fetched, before keys are filtered.
#[derive(Debug, Deserialize)]
pub struct JwksDocument {
    pub keys: Vec<serde_json::Value>,
}

/// Why the keys could not be fetched. Logged for operators; the caller gets
/// `UPSTREAM_UNAVAILABLE` and the token is refused, never trusted unverified.
#[derive(Debug, thiserror::Error)]
pub enum JwksFetchError {
    #[error("no response: {0}")]
    Unreachable(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("answered {0}")]
    Status(http::StatusCode),
    #[error("body unreadable or larger than {limit} bytes")]
    Body {
        limit: usize,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("not a JWKS: {0}")]
    NotJwks(#[source] serde_json::Error),
    #[error("timed out after {0:?}")]
    TimedOut(Duration),
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where the verifier gets the pool's public keys: HTTPS in production, memory in tests.
pub trait JwksSource: Send + Sync {
    fn fetch(&self) -> BoxFuture<'_, Result<JwksDocument, JwksFetchError>>;
}

/// A pool key, parsed once when the JWKS is loaded so no verification pays for parsing it.
pub type VerifyingKey = Arc<ParsedPublicKey>;

struct Loaded {
    keys: HashMap<String, VerifyingKey>,
    last_fetch: Option<Instant>,
}

/// The keys of one pool, loaded on the first token and reloaded when a token names a `kid` the
/// set does not have (a rotation), at most once per `cooldown`.
pub struct KeyStore {
    source: Arc<dyn JwksSource>,
    cooldown: Duration,
    loaded: RwLock<Loaded>,
    // Serialises refetches so a burst of unknown-kid tokens causes one fetch, not many.
    refetch: tokio::sync::Mutex<()>,
}

impl KeyStore {
    pub fn new(source: Arc<dyn JwksSource>, cooldown: Duration) -> Self {
        Self {
            source,
            cooldown,
            loaded: RwLock::new(Loaded {
                keys: HashMap::new(),
                last_fetch: None,
            }),
            refetch: tokio::sync::Mutex::new(()),
        }
    }

    /// The key `kid`, from the cache or from a (re)fetch the cooldown allows.
    pub async fn key(&self, kid: &str) -> Result<VerifyingKey, AuthError> {
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let _guard = self.refetch.lock().await;
        // Another task may have refreshed while we waited.
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let may_fetch = self
            .read()
            .last_fetch
            .is_none_or(|at| at.elapsed() >= self.cooldown);
        if !may_fetch {
            return Err(AuthError::InvalidToken(TokenRejection::UnknownKey));
        }
        let fetched = self.source.fetch().await;
        let mut loaded = self.loaded.write().unwrap_or_else(|p| p.into_inner());
        loaded.last_fetch = Some(Instant::now());
        match fetched {
            Ok(doc) => {
                loaded.keys = usable_keys(&doc);
                tracing::info!(keys = loaded.keys.len(), "JWKS loaded");
            }
            Err(reason) => {
                tracing::warn!(%reason, "JWKS fetch failed");
                signals::record(Signal::UpstreamError("JWKS"));
                // Keep the keys we had; refuse this token rather than trust it unverified.
                return Err(AuthError::UpstreamUnavailable("JWKS unavailable".into()));
            }
        }
        loaded
            .keys
            .get(kid)
            .cloned()
            .ok_or(AuthError::InvalidToken(TokenRejection::UnknownKey))
    }

    /// The key `kid` if the pool published it in the set loaded last.
    pub fn cached(&self, kid: &str) -> Option<VerifyingKey> {
        self.read().keys.get(kid).cloned()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Loaded> {
        // A panic while holding the lock cannot leave the map half-written; keep serving.
        self.loaded.read().unwrap_or_else(|p| p.into_inner())
    }
}

/// RSA signing keys for RS256 only, of at least 2048 bits; anything else in the set is ignored,
/// not an error.
pub fn usable_keys(doc: &JwksDocument) -> HashMap<String, VerifyingKey> {
    doc.keys
        .iter()
        .filter_map(|raw| serde_json::from_value::<Jwk>(raw.clone()).ok())
        .filter(|jwk| {
            let alg_ok = jwk
                .common
                .key_algorithm
                .is_none_or(|a| a == KeyAlgorithm::RS256);
            let use_ok = jwk
                .common
                .public_key_use
                .as_ref()
                .is_none_or(|u| *u == PublicKeyUse::Signature);
            alg_ok && use_ok
        })
        .filter_map(|jwk| {
            let kid = jwk.common.key_id.clone()?;
            let AlgorithmParameters::RSA(rsa) = &jwk.algorithm else {
                return None;
            };
            let n = URL_SAFE_NO_PAD.decode(&rsa.n).ok()?;
            let e = URL_SAFE_NO_PAD.decode(&rsa.e).ok()?;
            let der = RsaPublicKeyComponents { n, e }.as_der().ok()?;
            let key = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der.as_ref()).ok()?;
            Some((kid, Arc::new(key)))
        })
        .collect()
}
