//! `refresh`: trade a refresh token for new tokens, delivered as the same `auth_tokens` event.

use booking_auth::aws::cognito::Cognito;
use booking_auth::aws::guests::GuestStore;
use booking_auth::config::{CognitoConfig, RefreshConfig, Table};
use booking_auth::domain::clock::system_clock;
use booking_auth::invoke::lambda;
use refresh::Refresh;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), booking_auth::invoke::runtime::Error> {
    lambda::start(&refresh::DEPLOY, |env, aws| {
        let cognito = CognitoConfig::from_env(env)?;
        Ok(Refresh {
            refresh: RefreshConfig::from_env(env, &cognito)?,
            cognito: Cognito::new(aws.cognito(), &cognito),
            guests: GuestStore::new(aws.dynamodb(), Table::Guests.name(env)?),
            clock: system_clock,
        })
    })
    .await
}
