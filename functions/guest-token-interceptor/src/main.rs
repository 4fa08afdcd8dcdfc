//! `guest-token-interceptor`: an optional AgentCore Gateway REQUEST interceptor that forwards the
//! guest's token header to the tools that act for a signed-in guest and only to them.

use booking_auth::config::GuestTokenConfig;
use booking_auth::invoke::lambda;
use guest_token_interceptor::GuestTokenInterceptor;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), booking_auth::invoke::runtime::Error> {
    lambda::start_interceptor(&guest_token_interceptor::DEPLOY, |env| {
        Ok(GuestTokenInterceptor::new(
            GuestTokenConfig::from_env(env)?.header,
        ))
    })
    .await
}
