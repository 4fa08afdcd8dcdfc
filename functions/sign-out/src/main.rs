//! `sign_out`: revoke the session's refresh token, deny-list its access token, optionally end
//! every session of the guest.

mod handler;

use std::sync::Arc;

use booking_auth::cognito::Cognito;
use booking_auth::config::{CognitoConfig, JwtConfig, Tables};
use booking_auth::jwt::{JwtVerifier, http_source::HttpJwksSource};
use booking_auth::lambda;
use booking_auth::revocation::RevocationStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), booking_auth::runtime::Error> {
    lambda::start(|env, aws| {
        let cognito = CognitoConfig::from_env(env)?;
        let jwt = JwtConfig::from_env(env)?;
        let jwks =
            HttpJwksSource::for_issuer(&cognito.issuer, jwt.jwks_fetch_timeout, aws.trust_store())?;
        Ok(handler::SignOut {
            verifier: JwtVerifier::new(&cognito, &jwt, Arc::new(jwks)),
            cognito: Cognito::new(aws.cognito(), &cognito),
            revocations: RevocationStore::new(aws.dynamodb(), Tables::auth_state(env)?),
        })
    })
    .await
}
