//! The test pool, its signing key, and tokens signed with it or forged against it.

use serde_json::{Value, json};
use test_keys::b64;

pub const REGION: &str = "eu-west-1";
pub const POOL_ID: &str = "eu-west-1_TestPool1";
pub const CLIENT_ID: &str = "testclient123";
pub const ISSUER: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1";
/// The same pool's issuer in Cognito's updated format; `cognito_config` trusts both.
pub const UPDATED_ISSUER: &str =
    "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1";

/// Epoch seconds, by the same clock the verifier reads.
pub fn now() -> i64 {
    booking_auth::domain::clock::system_clock()
}

/// An RSA-2048 signing key with its `kid`, as a Cognito pool has one: the local Cognito
/// stand-in's own key type, so tests and the stand-in sign tokens the same way.
pub struct TestKey(test_keys::SigningKey);

impl TestKey {
    pub fn generate(kid: &str) -> Self {
        Self(test_keys::SigningKey::generate(kid).expect("RSA key generation"))
    }

    pub fn kid(&self) -> &str {
        &self.0.kid
    }

    pub fn jwk(&self) -> Value {
        self.0.jwk()
    }

    /// The public key in DER: what an attacker would use as an HMAC secret.
    pub fn public_der(&self) -> Vec<u8> {
        self.0.public_der().expect("public key DER")
    }

    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with_header(
            &json!({"alg": "RS256", "kid": self.0.kid, "typ": "JWT"}),
            claims,
        )
    }

    pub fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        self.0
            .sign_with_header(header, claims)
            .expect("RSA signing")
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
