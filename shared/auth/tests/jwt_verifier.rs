//! The JWT verifier end to end: tokens signed with keys generated in the test, a JWKS served
//! from memory. The claim rules and the cache have their own unit tests beside their modules.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fixture that fails should panic

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use booking_auth::domain::error::{AuthError, TokenRejection};
use booking_auth::jwt::keys::usable_keys;
use booking_auth::jwt::{
    BoxFuture, JwksDocument, JwksFetchError, JwksSource, JwtVerifier, TokenUse,
};
use booking_auth_testing::*;
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
    assert!(matches!(
        rejection(&f, &token, TokenUse::Access).await,
        AuthError::InvalidToken(TokenRejection::UnknownKey)
    ));
    assert_eq!(f.jwks.fetch_count(), 1);
}

static SKEW: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
fn skewed_clock() -> i64 {
    booking_auth::domain::clock::system_clock() + SKEW.load(std::sync::atomic::Ordering::SeqCst)
}

#[tokio::test]
async fn a_remembered_token_still_expires_and_is_then_forgotten() {
    let key = TestKey::generate("kid-1");
    let verifier = verifier(StaticJwks::new(&[&key])).with_clock(skewed_clock);
    let token = key.sign(&access_claims("s"));
    let first = verifier.verify(&token, TokenUse::Access).await.unwrap();
    assert_eq!(verifier.remembered_tokens(), 1);
    assert_eq!(
        verifier.verify(&token, TokenUse::Access).await.unwrap(),
        first
    );
    assert_eq!(verifier.remembered_tokens(), 1);

    // An hour and a leeway later the same bytes are expired, cached or not.
    SKEW.store(3600 + 6, std::sync::atomic::Ordering::SeqCst);
    assert!(matches!(
        verifier.verify(&token, TokenUse::Access).await,
        Err(AuthError::TokenExpired)
    ));
    assert_eq!(verifier.remembered_tokens(), 0);
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
    assert_eq!(verifier.remembered_tokens(), 2);

    cfg.verified_cache_size = 0;
    let off = JwtVerifier::new(&cognito_config(), &cfg, StaticJwks::new(&[&key]));
    let token = key.sign(&access_claims("a"));
    off.verify(&token, TokenUse::Access).await.unwrap();
    off.verify(&token, TokenUse::Access).await.unwrap();
    assert_eq!(off.remembered_tokens(), 0);
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
        fn fetch(&self) -> BoxFuture<'_, Result<JwksDocument, JwksFetchError>> {
            Box::pin(async {
                Err(JwksFetchError::Status(
                    http::StatusCode::SERVICE_UNAVAILABLE,
                ))
            })
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

/// A verifier whose configured issuers each have their own in-memory JWKS.
fn per_issuer(issuers: &[&str], jwks: &[Arc<StaticJwks>]) -> JwtVerifier {
    use booking_auth::config::{CognitoConfig, TrustedIssuer};
    let cognito = CognitoConfig {
        issuers: issuers
            .iter()
            .map(|iss| TrustedIssuer {
                iss: (*iss).to_owned(),
                jwks_url: format!("{iss}/.well-known/jwks.json"),
            })
            .collect(),
        ..cognito_config()
    };
    let jwks: Vec<Arc<StaticJwks>> = jwks.to_vec();
    JwtVerifier::with_sources(&cognito, &jwt_config(), |issuer| {
        let i = cognito.issuers.iter().position(|t| t == issuer).unwrap();
        Ok(jwks[i].clone() as Arc<dyn JwksSource>)
    })
    .unwrap()
}

fn access_from(iss: &str, sub: &str) -> serde_json::Value {
    let mut claims = access_claims(sub);
    claims["iss"] = json!(iss);
    claims
}

#[tokio::test]
async fn both_issuer_formats_of_the_pool_are_accepted() {
    let f = fixture();
    for iss in [ISSUER, UPDATED_ISSUER] {
        let token = f.key.sign(&access_from(iss, "sub-both"));
        let claims = f.verifier.verify(&token, TokenUse::Access).await.unwrap();
        assert_eq!(claims.iss, iss);
    }
}

#[tokio::test]
async fn a_replica_region_the_operator_lists_is_accepted() {
    let replica = "https://cognito-idp.eu-central-1.amazonaws.com/eu-west-1_TestPool1";
    let key = TestKey::generate("kid-r");
    let (home, other) = (StaticJwks::new(&[&key]), StaticJwks::new(&[&key]));
    let verifier = per_issuer(&[ISSUER, replica], &[home.clone(), other.clone()]);
    let token = key.sign(&access_from(replica, "sub-r"));
    assert_eq!(
        verifier.verify(&token, TokenUse::Access).await.unwrap().iss,
        replica
    );
    // Only the replica issuer's keys were fetched: each JWKS waits for a token of its issuer.
    assert_eq!(home.fetches.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert_eq!(other.fetches.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_issuer_outside_the_set_is_refused_before_any_key_is_fetched() {
    let f = fixture();
    // Signed with the pool's own key, so only the issuer is wrong.
    for iss in [
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_OtherPool",
        "https://cognito-idp.us-east-1.amazonaws.com/eu-west-1_TestPool1",
        "https://evil.example.com/eu-west-1_TestPool1",
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1/",
    ] {
        let token = f.key.sign(&access_from(iss, "sub-x"));
        assert!(
            matches!(
                rejection(&f, &token, TokenUse::Access).await,
                AuthError::InvalidToken(TokenRejection::Issuer)
            ),
            "{iss}"
        );
    }
    assert_eq!(f.jwks.fetches.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_foreign_pools_key_with_the_same_kid_is_refused() {
    let f = fixture();
    let foreign = TestKey::generate("kid-1");
    // Claiming our issuer: the signature does not match our key of that kid.
    let ours = foreign.sign(&access_claims("sub-f"));
    assert!(matches!(
        rejection(&f, &ours, TokenUse::Access).await,
        AuthError::InvalidToken(TokenRejection::Signature)
    ));
    // Naming its own pool: refused on the issuer, its keys never fetched.
    let theirs = foreign.sign(&access_from(
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Foreign1",
        "sub-f",
    ));
    assert!(matches!(
        rejection(&f, &theirs, TokenUse::Access).await,
        AuthError::InvalidToken(TokenRejection::Issuer)
    ));
}
