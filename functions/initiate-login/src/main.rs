//! `initiate_login`: email a sign-in code and hand back an opaque session token.

mod handler;

use booking_auth::clock::system_clock;
use booking_auth::cognito::Cognito;
use booking_auth::config::{CognitoConfig, OtpPolicy, Tables};
use booking_auth::lambda;
use booking_auth::login::LoginStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), booking_auth::runtime::Error> {
    lambda::start(|env, aws| {
        Ok(handler::InitiateLogin {
            cognito: Cognito::new(aws.cognito(), &CognitoConfig::from_env(env)?),
            logins: LoginStore::new(
                aws.dynamodb(),
                Tables::auth_state(env)?,
                OtpPolicy::from_env(env)?,
            ),
            clock: system_clock,
        })
    })
    .await
}
