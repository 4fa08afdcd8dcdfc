//! Cognito JWT verification in the manner of awslabs/aws-jwt-verify (DESIGN §5):
//! RS256 only; the key chosen by `kid` from the pool's JWKS, cached for the life of the process and
//! refetched on an unknown `kid` at most once per cooldown; the issuer from configuration, never
//! from the token; `token_use`, `client_id` (access) or `aud` (ID), `exp` and `nbf` with a small
//! explicit leeway. Every failure closes: no claim is returned unless all checks pass.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::config::{CognitoConfig, JwtConfig};
use crate::error::{AuthError, TokenRejection};

/// Which of Cognito's two tokens a caller must present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenUse {
    Access,
    Id,
}

impl TokenUse {
    fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Id => "id",
        }
    }
}

/// The claims the product reads. Cognito adds more; they are ignored.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    pub token_use: String,
    pub exp: u64,
    #[serde(default)]
    pub iat: Option<u64>,
    #[serde(default)]
    pub nbf: Option<u64>,
    /// Access tokens only.
    #[serde(default)]
    pub client_id: Option<String>,
    /// ID tokens only.
    #[serde(default)]
    pub aud: Option<String>,
    #[serde(default)]
    pub jti: Option<String>,
    /// Shared by every token minted from one sign-in; what revocation is keyed on.
    #[serde(default)]
    pub origin_jti: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default, alias = "cognito:username")]
    pub username: Option<String>,
}

/// A JWKS document as fetched, before keys are filtered.
#[derive(Debug, Deserialize)]
pub struct JwksDocument {
    pub keys: Vec<serde_json::Value>,
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where the verifier gets the pool's public keys: HTTPS in production, memory in tests.
pub trait JwksSource: Send + Sync {
    fn fetch(&self) -> BoxFuture<'_, Result<JwksDocument, String>>;
}

struct KeyCache {
    keys: HashMap<String, Arc<DecodingKey>>,
    last_fetch: Option<Instant>,
}

/// One verifier per process, built at start-up; cheap to share behind an `Arc`.
pub struct JwtVerifier {
    issuer: String,
    client_id: String,
    leeway: Duration,
    cooldown: Duration,
    source: Arc<dyn JwksSource>,
    cache: RwLock<KeyCache>,
    // Serialises refetches so a burst of unknown-kid tokens causes one fetch, not many.
    refetch: tokio::sync::Mutex<()>,
}

impl JwtVerifier {
    pub fn new(cognito: &CognitoConfig, jwt: &JwtConfig, source: Arc<dyn JwksSource>) -> Self {
        Self {
            issuer: cognito.issuer.clone(),
            client_id: cognito.client_id.clone(),
            leeway: jwt.leeway,
            cooldown: jwt.jwks_refetch_cooldown,
            source,
            cache: RwLock::new(KeyCache {
                keys: HashMap::new(),
                last_fetch: None,
            }),
            refetch: tokio::sync::Mutex::new(()),
        }
    }

    /// Verify `token` as a `expected` token of the configured pool and client.
    pub async fn verify(&self, token: &str, expected: TokenUse) -> Result<Claims, AuthError> {
        let reject = |r| AuthError::InvalidToken(r);
        let header =
            jsonwebtoken::decode_header(token).map_err(|_| reject(TokenRejection::Malformed))?;
        if header.alg != Algorithm::RS256 {
            return Err(reject(TokenRejection::Algorithm));
        }
        let kid = header.kid.ok_or(reject(TokenRejection::Malformed))?;
        let key = self.key(&kid).await?;

        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = self.leeway.as_secs();
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        match expected {
            TokenUse::Id => validation.set_audience(&[&self.client_id]),
            // Access tokens carry client_id instead of aud; checked below.
            TokenUse::Access => validation.validate_aud = false,
        }
        let claims = jsonwebtoken::decode::<Claims>(token, &key, &validation)
            .map_err(|e| classify(e.kind()))?
            .claims;

        if claims.token_use != expected.as_str() {
            return Err(reject(TokenRejection::TokenUse));
        }
        if expected == TokenUse::Access
            && claims.client_id.as_deref() != Some(self.client_id.as_str())
        {
            return Err(reject(TokenRejection::Audience));
        }
        if claims.sub.is_empty() {
            return Err(reject(TokenRejection::MissingClaim));
        }
        Ok(claims)
    }

    async fn key(&self, kid: &str) -> Result<Arc<DecodingKey>, AuthError> {
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let _guard = self.refetch.lock().await;
        // Another task may have refreshed while we waited.
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let may_fetch = self
            .read_cache()
            .last_fetch
            .is_none_or(|at| at.elapsed() >= self.cooldown);
        if !may_fetch {
            return Err(AuthError::InvalidToken(TokenRejection::UnknownKey));
        }
        let fetched = self.source.fetch().await;
        let mut cache = self.cache.write().unwrap_or_else(|p| p.into_inner());
        cache.last_fetch = Some(Instant::now());
        match fetched {
            Ok(doc) => {
                cache.keys = usable_keys(&doc);
                tracing::info!(keys = cache.keys.len(), "JWKS loaded");
            }
            Err(reason) => {
                tracing::warn!(%reason, "JWKS fetch failed");
                // Keep the keys we had; refuse this token rather than trust it unverified.
                return Err(AuthError::UpstreamUnavailable("JWKS unavailable".into()));
            }
        }
        cache
            .keys
            .get(kid)
            .cloned()
            .ok_or(AuthError::InvalidToken(TokenRejection::UnknownKey))
    }

    fn read_cache(&self) -> std::sync::RwLockReadGuard<'_, KeyCache> {
        // A panic while holding the lock cannot leave the map half-written; keep serving.
        self.cache.read().unwrap_or_else(|p| p.into_inner())
    }

    fn cached(&self, kid: &str) -> Option<Arc<DecodingKey>> {
        self.read_cache().keys.get(kid).cloned()
    }
}

/// RSA signing keys for RS256 only; anything else in the set is ignored, not an error.
fn usable_keys(doc: &JwksDocument) -> HashMap<String, Arc<DecodingKey>> {
    doc.keys
        .iter()
        .filter_map(|raw| serde_json::from_value::<Jwk>(raw.clone()).ok())
        .filter(|jwk| {
            let alg_ok = jwk
                .common
                .key_algorithm
                .is_none_or(|a| a == jsonwebtoken::jwk::KeyAlgorithm::RS256);
            let use_ok = jwk
                .common
                .public_key_use
                .as_ref()
                .is_none_or(|u| *u == jsonwebtoken::jwk::PublicKeyUse::Signature);
            alg_ok && use_ok
        })
        .filter_map(|jwk| {
            let kid = jwk.common.key_id.clone()?;
            match &jwk.algorithm {
                jsonwebtoken::jwk::AlgorithmParameters::RSA(_) => {
                    DecodingKey::from_jwk(&jwk).ok().map(|k| (kid, Arc::new(k)))
                }
                _ => None,
            }
        })
        .collect()
}

fn classify(kind: &ErrorKind) -> AuthError {
    use TokenRejection as R;
    match kind {
        ErrorKind::ExpiredSignature => AuthError::TokenExpired,
        ErrorKind::ImmatureSignature => AuthError::InvalidToken(R::NotYetValid),
        ErrorKind::InvalidIssuer => AuthError::InvalidToken(R::Issuer),
        ErrorKind::InvalidAudience => AuthError::InvalidToken(R::Audience),
        ErrorKind::InvalidSignature => AuthError::InvalidToken(R::Signature),
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
            AuthError::InvalidToken(R::Algorithm)
        }
        ErrorKind::MissingRequiredClaim(_) => AuthError::InvalidToken(R::MissingClaim),
        _ => AuthError::InvalidToken(R::Malformed),
    }
}

/// Read the claims of a token that came straight from Cognito's token endpoint in this same call,
/// without verifying its signature. OpenID Connect Core §3.1.3.7 allows TLS server validation in
/// place of the signature for tokens received directly from the token endpoint; never use this on a
/// token a caller presented.
pub fn claims_from_trusted_response(token: &str) -> Result<Claims, AuthError> {
    use base64::Engine;
    let payload = token.split('.').nth(1).ok_or(AuthError::Internal(
        "Cognito returned a malformed token".into(),
    ))?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| AuthError::Internal("Cognito returned a malformed token".into()))?;
    serde_json::from_slice(&bytes)
        .map_err(|_| AuthError::Internal("Cognito returned unexpected claims".into()))
}

pub mod http_source {
    //! The production [`JwksSource`]: an HTTPS GET with a timeout and a size cap, on the same
    //! rustls + aws-lc-rs stack the AWS SDK already links.

    use super::*;
    use http_body_util::{BodyExt, Empty, Limited};
    use hyper_util::client::legacy::{Client, connect::HttpConnector};
    use hyper_util::rt::TokioExecutor;

    const MAX_JWKS_BYTES: usize = 64 * 1024;

    pub struct HttpJwksSource {
        url: http::Uri,
        timeout: Duration,
        client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Empty<bytes::Bytes>>,
    }

    impl HttpJwksSource {
        /// `{issuer}/.well-known/jwks.json`, as Cognito serves it.
        pub fn for_issuer(
            issuer: &str,
            timeout: Duration,
        ) -> Result<Self, crate::error::ConfigError> {
            let invalid = |reason: String| crate::error::ConfigError::Invalid {
                name: "COGNITO_ISSUER",
                reason,
            };
            let url: http::Uri = format!("{issuer}/.well-known/jwks.json")
                .parse()
                .map_err(|e: http::uri::InvalidUri| invalid(e.to_string()))?;
            let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
            let connector = hyper_rustls::HttpsConnectorBuilder::new()
                .with_provider_and_native_roots(provider)
                .map_err(|e| invalid(format!("TLS setup failed: {e}")))?
                // http only for a loopback stand-in; the issuer decides which.
                .https_or_http()
                .enable_http1()
                .build();
            Ok(Self {
                url,
                timeout,
                client: Client::builder(TokioExecutor::new()).build(connector),
            })
        }
    }

    impl JwksSource for HttpJwksSource {
        fn fetch(&self) -> BoxFuture<'_, Result<JwksDocument, String>> {
            Box::pin(async move {
                let get = async {
                    let response = self
                        .client
                        .get(self.url.clone())
                        .await
                        .map_err(|e| e.to_string())?;
                    if !response.status().is_success() {
                        return Err(format!("status {}", response.status()));
                    }
                    let body = Limited::new(response.into_body(), MAX_JWKS_BYTES)
                        .collect()
                        .await
                        .map_err(|e| e.to_string())?
                        .to_bytes();
                    serde_json::from_slice(&body).map_err(|e| format!("not a JWKS: {e}"))
                };
                tokio::time::timeout(self.timeout, get)
                    .await
                    .map_err(|_| format!("timed out after {:?}", self.timeout))?
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use serde_json::json;

    struct Fixture {
        key: TestKey,
        jwks: Arc<StaticJwks>,
        verifier: JwtVerifier,
    }

    fn fixture() -> Fixture {
        let key = TestKey::generate("kid-1");
        let jwks = StaticJwks::new(&[&key]);
        let verifier = verifier(jwks.clone());
        Fixture {
            key,
            jwks,
            verifier,
        }
    }

    async fn rejection(f: &Fixture, token: &str, expected: TokenUse) -> AuthError {
        f.verifier
            .verify(token, expected)
            .await
            .expect_err("token must be rejected")
    }

    #[tokio::test]
    async fn valid_access_token_yields_its_claims() {
        let f = fixture();
        let claims = f
            .verifier
            .verify(&f.key.sign(&access_claims("sub-1")), TokenUse::Access)
            .await
            .unwrap();
        assert_eq!(claims.sub, "sub-1");
        assert_eq!(claims.client_id.as_deref(), Some(CLIENT_ID));
        assert_eq!(claims.origin_jti.as_deref(), Some("origin-1"));
    }

    #[tokio::test]
    async fn valid_id_token_yields_its_claims() {
        let f = fixture();
        let token = f.key.sign(&id_claims("sub-2", "guest@example.com"));
        let claims = f.verifier.verify(&token, TokenUse::Id).await.unwrap();
        assert_eq!(claims.email.as_deref(), Some("guest@example.com"));
        assert_eq!(claims.username.as_deref(), Some("sub-2"));
    }

    #[tokio::test]
    async fn expired_token_is_token_expired() {
        let f = fixture();
        let mut claims = access_claims("s");
        claims["exp"] = json!(now() - 60);
        assert!(matches!(
            rejection(&f, &f.key.sign(&claims), TokenUse::Access).await,
            AuthError::TokenExpired
        ));
    }

    #[tokio::test]
    async fn expiry_within_leeway_is_accepted() {
        let f = fixture();
        let mut claims = access_claims("s");
        claims["exp"] = json!(now() - 2);
        assert!(
            f.verifier
                .verify(&f.key.sign(&claims), TokenUse::Access)
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn not_yet_valid_token_is_rejected() {
        let f = fixture();
        let mut claims = access_claims("s");
        claims["nbf"] = json!(now() + 600);
        assert!(matches!(
            rejection(&f, &f.key.sign(&claims), TokenUse::Access).await,
            AuthError::InvalidToken(TokenRejection::NotYetValid)
        ));
    }

    #[tokio::test]
    async fn wrong_issuer_is_rejected() {
        let f = fixture();
        let mut claims = access_claims("s");
        claims["iss"] = json!("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Attacker");
        assert!(matches!(
            rejection(&f, &f.key.sign(&claims), TokenUse::Access).await,
            AuthError::InvalidToken(TokenRejection::Issuer)
        ));
    }

    #[tokio::test]
    async fn wrong_client_is_rejected_for_both_token_kinds() {
        let f = fixture();
        let mut access = access_claims("s");
        access["client_id"] = json!("otherclient");
        assert!(matches!(
            rejection(&f, &f.key.sign(&access), TokenUse::Access).await,
            AuthError::InvalidToken(TokenRejection::Audience)
        ));
        let mut id = id_claims("s", "a@b.co");
        id["aud"] = json!("otherclient");
        assert!(matches!(
            rejection(&f, &f.key.sign(&id), TokenUse::Id).await,
            AuthError::InvalidToken(TokenRejection::Audience)
        ));
    }

    #[tokio::test]
    async fn id_token_where_access_token_is_required_is_rejected() {
        let f = fixture();
        let token = f.key.sign(&id_claims("s", "a@b.co"));
        assert!(matches!(
            rejection(&f, &token, TokenUse::Access).await,
            AuthError::InvalidToken(TokenRejection::TokenUse | TokenRejection::Audience)
        ));
        // Even an ID token that also carries a matching client_id fails on token_use.
        let mut claims = id_claims("s", "a@b.co");
        claims["client_id"] = json!(CLIENT_ID);
        assert!(matches!(
            rejection(&f, &f.key.sign(&claims), TokenUse::Access).await,
            AuthError::InvalidToken(TokenRejection::TokenUse)
        ));
    }

    #[tokio::test]
    async fn alg_none_is_rejected() {
        let f = fixture();
        let token = unsigned(f.key.kid(), &access_claims("s"));
        assert!(matches!(
            rejection(&f, &token, TokenUse::Access).await,
            AuthError::InvalidToken(_)
        ));
    }

    #[tokio::test]
    async fn hs256_signed_with_the_public_key_is_rejected() {
        let f = fixture();
        let token = sign_hs256(f.key.kid(), &f.key.public_der(), &access_claims("s"));
        assert!(matches!(
            rejection(&f, &token, TokenUse::Access).await,
            AuthError::InvalidToken(TokenRejection::Algorithm)
        ));
    }

    #[tokio::test]
    async fn unknown_kid_is_rejected_and_refetch_respects_the_cooldown() {
        let f = fixture();
        let stranger = TestKey::generate("kid-unknown");
        let token = stranger.sign(&access_claims("s"));
        assert!(matches!(
            rejection(&f, &token, TokenUse::Access).await,
            AuthError::InvalidToken(TokenRejection::UnknownKey)
        ));
        assert_eq!(f.jwks.fetch_count(), 1);
        // Within the cooldown a second unknown kid causes no further fetch.
        assert!(
            rejection(&f, &token, TokenUse::Access).await.code()
                == crate::error::ErrorCode::InvalidToken
        );
        assert_eq!(f.jwks.fetch_count(), 1);
    }

    #[tokio::test]
    async fn a_rotated_key_is_picked_up_once_the_cooldown_allows() {
        let key = TestKey::generate("kid-1");
        let jwks = StaticJwks::new(&[&key]);
        let mut cfg = jwt_config();
        cfg.jwks_refetch_cooldown = Duration::ZERO;
        let verifier = JwtVerifier::new(&cognito_config(), &cfg, jwks.clone());
        verifier
            .verify(&key.sign(&access_claims("s")), TokenUse::Access)
            .await
            .unwrap();
        let rotated = TestKey::generate("kid-2");
        jwks.publish(&rotated);
        verifier
            .verify(&rotated.sign(&access_claims("s")), TokenUse::Access)
            .await
            .unwrap();
        assert_eq!(jwks.fetch_count(), 2);
        // Known keys are served from the cache.
        verifier
            .verify(&key.sign(&access_claims("s")), TokenUse::Access)
            .await
            .unwrap();
        assert_eq!(jwks.fetch_count(), 2);
    }

    #[tokio::test]
    async fn tampered_payload_fails_the_signature() {
        let f = fixture();
        let token = f.key.sign(&access_claims("victim"));
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let mut claims = access_claims("attacker");
        claims["sub"] = json!("attacker");
        parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
        let tampered = parts.join(".");
        assert!(matches!(
            rejection(&f, &tampered, TokenUse::Access).await,
            AuthError::InvalidToken(TokenRejection::Signature)
        ));
    }

    #[tokio::test]
    async fn garbage_is_malformed() {
        let f = fixture();
        for bad in [
            "",
            "abc",
            "a.b.c",
            "eyJhbGciOiJSUzI1NiJ9.e30.",
            "Bearer x.y.z",
        ] {
            assert!(
                matches!(
                    rejection(&f, bad, TokenUse::Access).await,
                    AuthError::InvalidToken(_)
                ),
                "{bad}"
            );
        }
    }

    #[tokio::test]
    async fn expired_token_with_a_bad_signature_is_invalid_not_expired() {
        let f = fixture();
        let mut claims = access_claims("s");
        claims["exp"] = json!(now() - 600);
        let forged = TestKey::generate("kid-1").sign(&claims);
        assert!(matches!(
            rejection(&f, &forged, TokenUse::Access).await,
            AuthError::InvalidToken(TokenRejection::Signature)
        ));
    }

    #[tokio::test]
    async fn jwks_outage_fails_closed_as_upstream_unavailable() {
        struct Down;
        impl JwksSource for Down {
            fn fetch(&self) -> BoxFuture<'_, Result<JwksDocument, String>> {
                Box::pin(async { Err("connection refused".to_owned()) })
            }
        }
        let key = TestKey::generate("kid-1");
        let verifier = JwtVerifier::new(&cognito_config(), &jwt_config(), Arc::new(Down));
        let err = verifier
            .verify(&key.sign(&access_claims("s")), TokenUse::Access)
            .await
            .unwrap_err();
        assert!(matches!(err, AuthError::UpstreamUnavailable(_)));
    }

    #[test]
    fn jwks_keys_of_other_types_are_ignored() {
        let key = TestKey::generate("rsa");
        let doc = JwksDocument {
            keys: vec![
                key.jwk(),
                json!({"kty": "EC", "crv": "P-256", "kid": "ec", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}),
                json!({"kty": "RSA", "kid": "enc", "use": "enc", "n": "AQAB", "e": "AQAB"}),
                json!({"kty": "weird"}),
            ],
        };
        let keys = usable_keys(&doc);
        assert_eq!(keys.keys().collect::<Vec<_>>(), vec!["rsa"]);
    }

    #[test]
    fn claims_of_a_trusted_response_are_read_without_keys() {
        let key = TestKey::generate("k");
        let claims =
            claims_from_trusted_response(&key.sign(&id_claims("sub-9", "a@b.co"))).unwrap();
        assert_eq!(claims.sub, "sub-9");
        assert!(claims_from_trusted_response("nope").is_err());
    }

    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
}
