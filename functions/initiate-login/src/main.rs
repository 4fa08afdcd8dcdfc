//! `initiate_login`: email a sign-in code and hand back an opaque session token.

use booking_auth::aws::budgets::BudgetStore;
use booking_auth::aws::cognito::Cognito;
use booking_auth::aws::login::LoginStore;
use booking_auth::config::{CognitoConfig, Table, budget_policy, otp_policy};
use booking_auth::domain::clock::system_clock;
use booking_auth::invoke::lambda;
use initiate_login::InitiateLogin;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), booking_auth::invoke::runtime::Error> {
    lambda::start(&initiate_login::DEPLOY, |env, aws| {
        Ok(InitiateLogin {
            cognito: Cognito::new(aws.cognito(), &CognitoConfig::from_env(env)?),
            logins: LoginStore::new(
                aws.dynamodb(),
                Table::AuthState.name(env)?,
                otp_policy(env)?,
            ),
            budgets: BudgetStore::new(
                aws.dynamodb(),
                Table::AuthState.name(env)?,
                budget_policy(env)?,
            ),
            clock: system_clock,
        })
    })
    .await
}
