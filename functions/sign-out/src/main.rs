//! `sign_out`: revoke the session's refresh token, deny-list its access token, optionally end
//! every session of the guest.

use booking_auth::aws::cognito::Cognito;
use booking_auth::aws::revocation::RevocationStore;
use booking_auth::config::{CognitoConfig, Table};
use booking_auth::domain::clock::system_clock;
use booking_auth::invoke::lambda;
use booking_auth::jwt;
use sign_out::SignOut;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), booking_auth::invoke::runtime::Error> {
    lambda::start(&sign_out::DEPLOY, |env, aws| {
        let cognito = CognitoConfig::from_env(env)?;
        Ok(SignOut {
            verifier: jwt::from_env(env, &cognito, aws.trust_store())?,
            cognito: Cognito::new(aws.cognito(), &cognito),
            revocations: RevocationStore::new(aws.dynamodb(), Table::AuthState.name(env)?),
            clock: system_clock,
        })
    })
    .await
}
