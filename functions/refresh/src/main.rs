//! `refresh`: trade a refresh token for new tokens, delivered as the same `auth_tokens` event.

mod handler;

use booking_auth::clock::system_clock;
use booking_auth::cognito::Cognito;
use booking_auth::config::{CognitoConfig, RefreshConfig, Tables};
use booking_auth::guests::GuestStore;
use booking_auth::lambda;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), booking_auth::runtime::Error> {
    lambda::start(|env, aws| {
        let cognito = CognitoConfig::from_env(env)?;
        Ok(handler::Refresh {
            refresh: RefreshConfig::from_env(env, &cognito)?,
            cognito: Cognito::new(aws.cognito(), &cognito),
            guests: GuestStore::new(aws.dynamodb(), Tables::guests(env)?),
            clock: system_clock,
        })
    })
    .await
}
