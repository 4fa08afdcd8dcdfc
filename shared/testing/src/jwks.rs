//! A JWKS held in memory, and the verifier configured for the test pool.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use booking_auth::config::{CognitoConfig, JwtConfig, TrustedIssuer};
use booking_auth::jwt::{BoxFuture, JwksDocument, JwksFetchError, JwksSource, JwtVerifier};
use serde_json::Value;

use crate::keys::{CLIENT_ID, ISSUER, POOL_ID, TestKey, UPDATED_ISSUER};

/// A JWKS held in memory that counts how often it was fetched.
pub struct StaticJwks {
    keys: std::sync::Mutex<Vec<Value>>,
    pub fetches: AtomicUsize,
}

impl StaticJwks {
    pub fn new(keys: &[&TestKey]) -> Arc<Self> {
        Arc::new(Self {
            keys: std::sync::Mutex::new(keys.iter().map(|k| k.jwk()).collect()),
            fetches: AtomicUsize::new(0),
        })
    }

    /// Key rotation: the pool publishes another key.
    pub fn publish(&self, key: &TestKey) {
        self.keys.lock().expect("keys lock").push(key.jwk());
    }

    /// Key retirement: the pool publishes exactly these keys from now on.
    pub fn replace(&self, keys: &[&TestKey]) {
        *self.keys.lock().expect("keys lock") = keys.iter().map(|k| k.jwk()).collect();
    }

    pub fn fetch_count(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

impl JwksSource for StaticJwks {
    fn fetch(&self) -> BoxFuture<'_, Result<JwksDocument, JwksFetchError>> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        let keys = self.keys.lock().expect("keys lock").clone();
        Box::pin(async move { Ok(JwksDocument { keys }) })
    }
}

pub fn cognito_config() -> CognitoConfig {
    CognitoConfig {
        user_pool_id: POOL_ID.into(),
        client_id: CLIENT_ID.into(),
        client_secret: None,
        issuers: vec![
            TrustedIssuer {
                iss: ISSUER.into(),
                jwks_url: format!("{ISSUER}/.well-known/jwks.json"),
            },
            TrustedIssuer {
                iss: UPDATED_ISSUER.into(),
                jwks_url: format!("{UPDATED_ISSUER}/.well-known/jwks.json"),
            },
        ],
    }
}

pub fn jwt_config() -> JwtConfig {
    JwtConfig {
        leeway: std::time::Duration::from_secs(5),
        jwks_fetch_timeout: std::time::Duration::from_secs(1),
        jwks_refetch_cooldown: std::time::Duration::from_secs(60),
        verified_cache_size: 16,
    }
}

pub fn verifier(jwks: Arc<StaticJwks>) -> JwtVerifier {
    JwtVerifier::new(&cognito_config(), &jwt_config(), jwks)
}
