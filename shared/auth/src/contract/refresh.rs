//! `refresh`: trade a refresh token for new tokens, as the same `auth_tokens` event.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Secret, TokenDeliveryEvent, ToolContract};

/// Served by `functions/refresh`.
pub struct RefreshContract;

impl ToolContract for RefreshContract {
    const NAME: &'static str = "refresh";
    const FUNCTION: &'static str = "refresh";
    const OUTPUT_NAME: &'static str = "token-delivery-event";
    const DESCRIPTION: &'static str = "Renew the guest's session. Call it when another tool answered TOKEN_EXPIRED, with the session's \
             `refresh_token`, then retry that tool once with the new access token. The result is a new \
             `auth_tokens` event; do not repeat its tokens. Failures: REFRESH_FAILED → the session has ended \
             (signed out, revoked or expired): ask the guest to sign in again with initiate_login; \
             RATE_LIMITED or UPSTREAM_UNAVAILABLE → retry in a moment.";
    type Args = RefreshArgs;
    type Output = TokenDeliveryEvent;
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct RefreshArgs {
    /// The `refresh_token` of the guest's session.
    pub refresh_token: Secret,
}
