//! `verify_otp`: check the emailed code and deliver the guest's tokens (`auth_tokens` event).

mod handler;

use booking_auth::clock::system_clock;
use booking_auth::cognito::Cognito;
use booking_auth::config::{CognitoConfig, OtpPolicy, Tables};
use booking_auth::guests::GuestStore;
use booking_auth::lambda;
use booking_auth::login::LoginStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), booking_auth::runtime::Error> {
    lambda::start(|env, aws| {
        let dynamodb = aws.dynamodb();
        Ok(handler::VerifyOtp {
            cognito: Cognito::new(aws.cognito(), &CognitoConfig::from_env(env)?),
            logins: LoginStore::new(
                dynamodb.clone(),
                Tables::auth_state(env)?,
                OtpPolicy::from_env(env)?,
            ),
            guests: GuestStore::new(dynamodb, Tables::guests(env)?),
            clock: system_clock,
        })
    })
    .await
}
