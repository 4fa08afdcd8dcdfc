//! Verifying the Cognito JWTs that callers present, in the manner of awslabs/aws-jwt-verify:
//! RS256 only; the key chosen by `kid` from the pool's JWKS, cached for the life of the process and
//! refetched on an unknown `kid` at most once per cooldown; the issuer from configuration, never
//! from the token; `token_use`, `client_id` (access) or `aud` (ID), `exp` and `nbf` with a small
//! explicit leeway. Every failure closes: no claim is returned unless all checks pass.
//!
//! - [`claims`]: what a token claims, and the rules a verified token's claims must pass;
//! - [`keys`]: where the pool's public keys come from ([`JwksSource`]) and the key cache;
//! - [`http_source`]: the production source, an HTTPS GET of `{issuer}/.well-known/jwks.json`;
//! - [`cache`]: tokens this process verified already;
//! - [`verifier`]: [`JwtVerifier`], which puts them together.
//!
//! Tokens Cognito hands *us* in a sign-in or refresh response are not verified here: the Cognito
//! adapter reads those (`crate::aws::cognito::Tokens::identity`).

pub mod cache;
pub mod claims;
pub mod http_source;
pub mod keys;
pub mod verifier;

use std::sync::Arc;

pub use claims::{Claims, TokenUse};
pub use http_source::{HttpJwksSource, JwksClient};
pub use keys::{BoxFuture, JwksDocument, JwksFetchError, JwksSource};
pub use verifier::JwtVerifier;

use crate::config::{CognitoConfig, Env, JwtConfig};
use crate::domain::error::ConfigError;
use crate::tls::TrustStore;

/// The verifier of a function that reads presented tokens of `cognito`'s pool: the settings from
/// `JwtConfig`, the keys over HTTPS with the process's trust store.
pub fn from_env(
    env: &Env,
    cognito: &CognitoConfig,
    trust: TrustStore,
) -> Result<JwtVerifier, ConfigError> {
    let jwt = JwtConfig::from_env(env)?;
    let client = JwksClient::new(jwt.jwks_fetch_timeout, trust)?;
    JwtVerifier::with_sources(cognito, &jwt, |issuer| {
        Ok(Arc::new(client.source(&issuer.jwks_url)?) as Arc<dyn JwksSource>)
    })
}
