//! `verify_otp`: check the emailed code and deliver the guest's tokens (`auth_tokens` event).

use booking_auth::aws::cognito::Cognito;
use booking_auth::aws::guests::GuestStore;
use booking_auth::aws::login::LoginStore;
use booking_auth::config::{CognitoConfig, Table, otp_policy};
use booking_auth::domain::clock::system_clock;
use booking_auth::invoke::lambda;
use verify_otp::VerifyOtp;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), booking_auth::invoke::runtime::Error> {
    lambda::start(&verify_otp::DEPLOY, |env, aws| {
        let dynamodb = aws.dynamodb();
        Ok(VerifyOtp {
            cognito: Cognito::new(aws.cognito(), &CognitoConfig::from_env(env)?),
            logins: LoginStore::new(
                dynamodb.clone(),
                Table::AuthState.name(env)?,
                otp_policy(env)?,
            ),
            guests: GuestStore::new(dynamodb, Table::Guests.name(env)?),
            clock: system_clock,
        })
    })
    .await
}
