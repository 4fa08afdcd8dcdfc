//! Test support shared by the crate's own tests and the functions' handler tests:
//! RSA keys generated in the test, tokens signed with them, a JWKS served from memory.
//! Compiled only for tests (`cfg(test)` or the `test-support` feature), so panicking on a broken
//! fixture is the right failure.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::config::{CognitoConfig, JwtConfig};
use crate::jwt::{BoxFuture, JwksDocument, JwksSource, JwtVerifier};

pub const REGION: &str = "eu-west-1";
pub const POOL_ID: &str = "eu-west-1_TestPool1";
pub const CLIENT_ID: &str = "testclient123";
pub const ISSUER: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1";

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn b64(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

/// An RSA-2048 signing key with its `kid`, as a Cognito pool would have.
pub struct TestKey {
    pub kid: String,
    pair: KeyPair,
}

impl TestKey {
    pub fn generate(kid: &str) -> Self {
        Self {
            kid: kid.to_owned(),
            pair: KeyPair::generate(KeySize::Rsa2048).expect("RSA key generation"),
        }
    }

    pub fn jwk(&self) -> Value {
        let components = PublicKeyComponents::<Vec<u8>>::from(self.pair.public_key());
        json!({"alg": "RS256", "e": b64(&components.e), "kid": self.kid, "kty": "RSA", "n": b64(&components.n), "use": "sig"})
    }

    /// The public key in DER: what an attacker would use as an HMAC secret.
    pub fn public_der(&self) -> Vec<u8> {
        self.pair
            .public_key()
            .as_der()
            .expect("public key DER")
            .as_ref()
            .to_vec()
    }

    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with_header(
            &json!({"alg": "RS256", "kid": self.kid, "typ": "JWT"}),
            claims,
        )
    }

    pub fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        let signing_input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let mut sig = vec![0u8; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                signing_input.as_bytes(),
                &mut sig,
            )
            .expect("RSA signing");
        format!("{signing_input}.{}", b64(&sig))
    }
}

/// A token signed with HMAC-SHA256 using `secret`: the classic algorithm-confusion attack.
pub fn sign_hs256(kid: &str, secret: &[u8], claims: &Value) -> String {
    let header = json!({"alg": "HS256", "kid": kid, "typ": "JWT"});
    let signing_input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret);
    let tag = aws_lc_rs::hmac::sign(&key, signing_input.as_bytes());
    format!("{signing_input}.{}", b64(tag.as_ref()))
}

/// An unsigned token (`alg: none`).
pub fn unsigned(kid: &str, claims: &Value) -> String {
    let header = json!({"alg": "none", "kid": kid, "typ": "JWT"});
    format!(
        "{}.{}.",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    )
}

/// Cognito's access-token claim set for `sub`, valid for an hour from now.
pub fn access_claims(sub: &str) -> Value {
    let now = now();
    json!({
        "sub": sub, "iss": ISSUER, "client_id": CLIENT_ID, "origin_jti": "origin-1", "event_id": "e-1",
        "token_use": "access", "scope": "aws.cognito.signin.user.admin", "auth_time": now,
        "exp": now + 3600, "iat": now, "jti": "jti-1", "username": sub
    })
}

/// Cognito's ID-token claim set for `sub`.
pub fn id_claims(sub: &str, email: &str) -> Value {
    let now = now();
    json!({
        "sub": sub, "iss": ISSUER, "aud": CLIENT_ID, "email_verified": true, "token_use": "id",
        "auth_time": now, "exp": now + 3600, "iat": now, "jti": "jti-2", "origin_jti": "origin-1",
        "cognito:username": sub, "email": email
    })
}

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

    pub fn fetch_count(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

impl JwksSource for StaticJwks {
    fn fetch(&self) -> BoxFuture<'_, Result<JwksDocument, String>> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        let keys = self
            .keys
            .lock()
            .map(|k| k.clone())
            .map_err(|e| e.to_string());
        Box::pin(async move { keys.map(|keys| JwksDocument { keys }) })
    }
}

pub fn cognito_config() -> CognitoConfig {
    CognitoConfig {
        region: REGION.into(),
        user_pool_id: POOL_ID.into(),
        client_id: CLIENT_ID.into(),
        client_secret: None,
        issuer: ISSUER.into(),
    }
}

pub fn jwt_config() -> JwtConfig {
    JwtConfig {
        leeway: std::time::Duration::from_secs(5),
        jwks_fetch_timeout: std::time::Duration::from_secs(1),
        jwks_refetch_cooldown: std::time::Duration::from_secs(60),
    }
}

pub fn verifier(jwks: Arc<StaticJwks>) -> JwtVerifier {
    JwtVerifier::new(&cognito_config(), &jwt_config(), jwks)
}
