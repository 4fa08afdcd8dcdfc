//! `initiate_login`: email a sign-in code, answer an opaque session token.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{EmailAddress, Secret, ToolContract};

/// Served by `functions/initiate-login`.
pub struct InitiateLoginContract;

impl ToolContract for InitiateLoginContract {
    const NAME: &'static str = "initiate_login";
    const FUNCTION: &'static str = "initiate-login";
    const CONVERSATION: bool = true;
    const OUTPUT_NAME: &'static str = "login-started";
    const DESCRIPTION: &'static str = "Start a passwordless sign-in: emails the guest a one-time code. Call it when the guest wants to \
             book or see their bookings and is not signed in yet. Ask the guest for their email address first; \
             never guess or reuse one. On success, tell the guest a code was sent to `delivery` and ask them to \
             type it; keep `session_token` for verify_otp and never show it. Failures: INVALID_EMAIL → ask for \
             the address again; RATE_LIMITED → a code was sent recently, ask the guest to use it or wait \
             `retry_after` seconds; UPSTREAM_UNAVAILABLE → try again in a moment; EMAIL_QUOTA_EXCEEDED → no \
             code can be emailed today: give the guest the message and do not call again.";
    type Args = InitiateLoginArgs;
    type Output = LoginStarted;
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct InitiateLoginArgs {
    /// The guest's email address, exactly as they gave it.
    pub email: EmailAddress,
}

#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema)]
pub struct LoginStarted {
    #[schemars(extend("const" = true))]
    pub success: bool,
    /// Opaque handle for `verify_otp`; the Cognito session it refers to never leaves the server.
    pub session_token: Secret,
    /// RFC 3339 UTC.
    pub otp_sent_at: String,
    /// Seconds until the code expires.
    pub expires_in: u64,
    /// Masked address, e.g. `j***@e***.com`.
    pub delivery: String,
    /// A sentence to show the guest.
    pub message: String,
}
