//! Cognito JWT verification in the manner of awslabs/aws-jwt-verify (DESIGN §5):
//! RS256 only; the key chosen by `kid` from the pool's JWKS, cached for the life of the process and
//! refetched on an unknown `kid` at most once per cooldown; the issuer from configuration, never
//! from the token; `token_use`, `client_id` (access) or `aud` (ID), `exp` and `nbf` with a small
//! explicit leeway. Every failure closes: no claim is returned unless all checks pass.
//! Keys are parsed once per JWKS load and the token is decoded once: the RSA check is nearly all
//! of a first verification (BENCHMARKS.md), and a repeated token skips even that.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, KeyAlgorithm, PublicKeyUse};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::clock::{Clock, system_clock};
use crate::config::{CognitoConfig, JwtConfig};
use crate::error::{AuthError, TokenRejection};

/// Which of Cognito's two tokens a caller must present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

/// The claims as they arrive, so that a missing required claim is told apart from bad JSON.
#[derive(Deserialize)]
struct RawClaims {
    sub: Option<String>,
    iss: Option<String>,
    token_use: Option<String>,
    exp: Option<u64>,
    #[serde(default)]
    iat: Option<u64>,
    #[serde(default)]
    nbf: Option<u64>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    aud: Option<String>,
    #[serde(default)]
    jti: Option<String>,
    #[serde(default)]
    origin_jti: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default, alias = "cognito:username")]
    username: Option<String>,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
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

/// A pool key, parsed once when the JWKS is loaded so no verification pays for parsing it.
type VerifyingKey = Arc<ParsedPublicKey>;

struct KeyCache {
    keys: HashMap<String, VerifyingKey>,
    last_fetch: Option<Instant>,
}

/// Tokens already verified by this process. An agent conversation presents the same access token
/// on every tool call; a hit skips the RSA check, never the time checks (repeated on every hit),
/// nor the key check (the signing key must still be in the pool's JWKS), nor revocation (which
/// callers check after `verify`, hit or not). Keyed by SHA-256 of the whole token, so a token that
/// differs in any byte, signature included, is verified afresh.
struct VerifiedTokens {
    capacity: usize,
    entries: HashMap<[u8; 32], Verified>,
    // Insertion order: the oldest entry is evicted first when full.
    order: VecDeque<[u8; 32]>,
}

struct Verified {
    expected: TokenUse,
    kid: String,
    claims: Arc<Claims>,
}

impl VerifiedTokens {
    fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: HashMap::with_capacity(capacity),
            order: VecDeque::with_capacity(capacity),
        }
    }

    fn insert(&mut self, digest: [u8; 32], entry: Verified) {
        if self.capacity == 0 || self.entries.contains_key(&digest) {
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
}

/// One verifier per process, built at start-up; cheap to share behind an `Arc`.
pub struct JwtVerifier {
    issuer: String,
    client_id: String,
    leeway: u64,
    cooldown: Duration,
    clock: Clock,
    source: Arc<dyn JwksSource>,
    cache: RwLock<KeyCache>,
    verified: Mutex<VerifiedTokens>,
    // Serialises refetches so a burst of unknown-kid tokens causes one fetch, not many.
    refetch: tokio::sync::Mutex<()>,
}

impl JwtVerifier {
    pub fn new(cognito: &CognitoConfig, jwt: &JwtConfig, source: Arc<dyn JwksSource>) -> Self {
        Self {
            issuer: cognito.issuer.clone(),
            client_id: cognito.client_id.clone(),
            leeway: jwt.leeway.as_secs(),
            cooldown: jwt.jwks_refetch_cooldown,
            clock: system_clock,
            source,
            cache: RwLock::new(KeyCache {
                keys: HashMap::new(),
                last_fetch: None,
            }),
            verified: Mutex::new(VerifiedTokens::new(jwt.verified_cache_size)),
            refetch: tokio::sync::Mutex::new(()),
        }
    }

    /// The same verifier reading time from `clock` (tests move time without sleeping).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Verify `token` as a `expected` token of the configured pool and client.
    /// The claims are shared with the verified-token cache, hence the `Arc`.
    pub async fn verify(&self, token: &str, expected: TokenUse) -> Result<Arc<Claims>, AuthError> {
        let id: [u8; 32] = digest(&SHA256, token.as_bytes())
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
        let key = self.key(&kid).await?;

        // Signature before claims: a forged token learns nothing about which claim would fail.
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| reject(TokenRejection::Malformed))?;
        let signing_input = &token[..header_and_payload_len(token)];
        key.verify_sig(signing_input.as_bytes(), &signature)
            .map_err(|_| reject(TokenRejection::Signature))?;

        let claims = Arc::new(self.check(decode_json::<RawClaims>(payload)?, expected)?);
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
        id: &[u8; 32],
        expected: TokenUse,
    ) -> Result<Option<Arc<Claims>>, AuthError> {
        let mut tokens = self.verified_tokens();
        let Some(entry) = tokens.entries.get(id) else {
            return Ok(None);
        };
        if entry.expected != expected || self.cached_key(&entry.kid).is_none() {
            return Ok(None);
        }
        match self.check_time(entry.claims.exp, entry.claims.nbf) {
            Ok(()) => Ok(Some(entry.claims.clone())),
            Err(e) => {
                tokens.entries.remove(id);
                tokens.order.retain(|k| k != id);
                Err(e)
            }
        }
    }

    /// Every claim rule, in the order the errors are most useful to a caller.
    fn check(&self, raw: RawClaims, expected: TokenUse) -> Result<Claims, AuthError> {
        let reject = |r| AuthError::InvalidToken(r);
        let (Some(sub), Some(iss), Some(exp)) = (raw.sub, raw.iss, raw.exp) else {
            return Err(reject(TokenRejection::MissingClaim));
        };
        self.check_time(exp, raw.nbf)?;
        // The issuer comes from configuration, never from the token.
        if iss != self.issuer {
            return Err(reject(TokenRejection::Issuer));
        }
        if raw.token_use.as_deref() != Some(expected.as_str()) {
            return Err(reject(TokenRejection::TokenUse));
        }
        // Access tokens name the app client in `client_id`, ID tokens in `aud`.
        let audience = match expected {
            TokenUse::Access => raw.client_id.as_deref(),
            TokenUse::Id => raw.aud.as_deref(),
        };
        if audience != Some(self.client_id.as_str()) {
            return Err(reject(TokenRejection::Audience));
        }
        if sub.is_empty() {
            return Err(reject(TokenRejection::MissingClaim));
        }
        Ok(Claims {
            sub,
            iss,
            token_use: expected.as_str().to_owned(),
            exp,
            iat: raw.iat,
            nbf: raw.nbf,
            client_id: raw.client_id,
            aud: raw.aud,
            jti: raw.jti,
            origin_jti: raw.origin_jti,
            email: raw.email,
            username: raw.username,
        })
    }

    /// `exp` and `nbf` with the configured leeway either side.
    fn check_time(&self, exp: u64, nbf: Option<u64>) -> Result<(), AuthError> {
        let now = u64::try_from((self.clock)()).unwrap_or(0);
        if exp.saturating_add(self.leeway) < now {
            return Err(AuthError::TokenExpired);
        }
        if nbf.is_some_and(|nbf| nbf > now.saturating_add(self.leeway)) {
            return Err(AuthError::InvalidToken(TokenRejection::NotYetValid));
        }
        Ok(())
    }

    async fn key(&self, kid: &str) -> Result<VerifyingKey, AuthError> {
        if let Some(key) = self.cached_key(kid) {
            return Ok(key);
        }
        let _guard = self.refetch.lock().await;
        // Another task may have refreshed while we waited.
        if let Some(key) = self.cached_key(kid) {
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

    fn verified_tokens(&self) -> std::sync::MutexGuard<'_, VerifiedTokens> {
        self.verified.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn cached_key(&self, kid: &str) -> Option<VerifyingKey> {
        self.read_cache().keys.get(kid).cloned()
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

/// RSA signing keys for RS256 only, of at least 2048 bits; anything else in the set is ignored,
/// not an error.
fn usable_keys(doc: &JwksDocument) -> HashMap<String, VerifyingKey> {
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
    //! rustls + aws-lc-rs stack and trust store as the AWS SDK clients (`crate::tls`).

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
            trust: crate::tls::TrustStore,
        ) -> Result<Self, crate::error::ConfigError> {
            let url: http::Uri = format!("{issuer}/.well-known/jwks.json").parse().map_err(
                |e: http::uri::InvalidUri| crate::error::ConfigError::Invalid {
                    name: "COGNITO_ISSUER",
                    reason: e.to_string(),
                },
            )?;
            Ok(Self {
                url,
                timeout,
                client: Client::builder(TokioExecutor::new()).build(trust.https_connector()?),
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

    static SKEW: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
    fn skewed_clock() -> i64 {
        crate::clock::system_clock() + SKEW.load(std::sync::atomic::Ordering::SeqCst)
    }

    #[tokio::test]
    async fn a_remembered_token_still_expires_and_is_then_forgotten() {
        let key = TestKey::generate("kid-1");
        let verifier = verifier(StaticJwks::new(&[&key])).with_clock(skewed_clock);
        let token = key.sign(&access_claims("s"));
        let first = verifier.verify(&token, TokenUse::Access).await.unwrap();
        assert_eq!(verifier.verified_tokens().entries.len(), 1);
        assert_eq!(
            verifier.verify(&token, TokenUse::Access).await.unwrap(),
            first
        );
        assert_eq!(verifier.verified_tokens().entries.len(), 1);

        // An hour and a leeway later the same bytes are expired, cached or not.
        SKEW.store(3600 + 6, std::sync::atomic::Ordering::SeqCst);
        assert!(matches!(
            verifier.verify(&token, TokenUse::Access).await,
            Err(AuthError::TokenExpired)
        ));
        assert_eq!(verifier.verified_tokens().entries.len(), 0);
    }

    #[tokio::test]
    async fn a_remembered_token_is_not_taken_for_another_use_or_another_signature() {
        let f = fixture();
        let token = f.key.sign(&access_claims("s"));
        f.verifier.verify(&token, TokenUse::Access).await.unwrap();
        assert!(matches!(
            rejection(&f, &token, TokenUse::Id).await,
            AuthError::InvalidToken(TokenRejection::TokenUse)
        ));
        // Same header and payload, another signature: verified afresh, and it fails.
        let (signed, _) = token.rsplit_once('.').unwrap();
        let other = f.key.sign(&access_claims("t"));
        let forged = format!("{signed}.{}", other.rsplit_once('.').unwrap().1);
        assert!(matches!(
            rejection(&f, &forged, TokenUse::Access).await,
            AuthError::InvalidToken(TokenRejection::Signature)
        ));
    }

    #[tokio::test]
    async fn a_remembered_token_whose_key_was_retired_is_refused() {
        let key = TestKey::generate("kid-1");
        let jwks = StaticJwks::new(&[&key]);
        let mut cfg = jwt_config();
        cfg.jwks_refetch_cooldown = Duration::ZERO;
        let verifier = JwtVerifier::new(&cognito_config(), &cfg, jwks.clone());
        let token = key.sign(&access_claims("s"));
        verifier.verify(&token, TokenUse::Access).await.unwrap();

        // The pool rotates kid-1 out; a kid-2 token makes the verifier reload the set.
        let rotated = TestKey::generate("kid-2");
        jwks.replace(&[&rotated]);
        verifier
            .verify(&rotated.sign(&access_claims("s")), TokenUse::Access)
            .await
            .unwrap();
        assert!(matches!(
            verifier.verify(&token, TokenUse::Access).await,
            Err(AuthError::InvalidToken(TokenRejection::UnknownKey))
        ));
    }

    #[tokio::test]
    async fn the_verified_token_cache_is_bounded_and_can_be_off() {
        let key = TestKey::generate("kid-1");
        let mut cfg = jwt_config();
        cfg.verified_cache_size = 2;
        let verifier = JwtVerifier::new(&cognito_config(), &cfg, StaticJwks::new(&[&key]));
        for sub in ["a", "b", "c"] {
            let token = key.sign(&access_claims(sub));
            verifier.verify(&token, TokenUse::Access).await.unwrap();
        }
        assert_eq!(verifier.verified_tokens().entries.len(), 2);
        assert_eq!(verifier.verified_tokens().order.len(), 2);

        cfg.verified_cache_size = 0;
        let off = JwtVerifier::new(&cognito_config(), &cfg, StaticJwks::new(&[&key]));
        let token = key.sign(&access_claims("a"));
        off.verify(&token, TokenUse::Access).await.unwrap();
        off.verify(&token, TokenUse::Access).await.unwrap();
        assert_eq!(off.verified_tokens().entries.len(), 0);
    }

    #[tokio::test]
    async fn a_token_missing_a_required_claim_is_missing_claim() {
        let f = fixture();
        for claim in ["exp", "iss", "sub"] {
            let mut claims = access_claims("s");
            claims.as_object_mut().unwrap().remove(claim);
            assert!(
                matches!(
                    rejection(&f, &f.key.sign(&claims), TokenUse::Access).await,
                    AuthError::InvalidToken(TokenRejection::MissingClaim)
                ),
                "{claim}"
            );
        }
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
