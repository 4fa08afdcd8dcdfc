//! `sign_out`: end the guest's session.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Secret, ToolContract};

/// Served by `functions/sign-out`; acts for a signed-in guest.
pub struct SignOutContract;

impl ToolContract for SignOutContract {
    const NAME: &'static str = "sign_out";
    const FUNCTION: &'static str = "sign-out";
    const OUTPUT_NAME: &'static str = "signed-out";
    const BEARER: bool = true;
    const TOKEN_ARGUMENT: Option<&'static str> = Some("access_token");
    const DESCRIPTION: &'static str = "Sign the guest out. Call it when the guest asks to sign out or log off; set `global` only when \
             they ask to be signed out everywhere. The agent's code must send the guest's access token with \
             the call (the X-Guest-Authorization header through AgentCore Gateway, Authorization over HTTP): \
             without it the session can no longer be refreshed but its access token stays valid until it \
             expires, and `access_token_revoked` is false. Tell the guest the answer's `message`. Failures: REFRESH_FAILED → the session had already ended, which is \
             fine to report as signed out; UPSTREAM_UNAVAILABLE → retry in a moment.";
    type Args = SignOutArgs;
    type Output = SignedOut;
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct SignOutArgs {
    /// The `refresh_token` of the session to end. After sign-out it can no longer be refreshed.
    pub refresh_token: Secret,
    /// The session's access token, when no guest-token header (`X-Guest-Authorization` through
    /// the Gateway, `Authorization` over HTTP) came with the call, and where the operator allows it.
    /// With it, the access token is refused from now on where revocation checks are on, and
    /// `global` can sign the guest out everywhere.
    #[serde(default)]
    pub access_token: Option<Secret>,
    /// Also end the guest's sessions on every other device.
    #[serde(default)]
    pub global: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, JsonSchema)]
pub struct SignedOut {
    #[schemars(extend("const" = true))]
    pub success: bool,
    /// Whether the access token was put on the revocation list (it needs the access token). When
    /// false and no token was sent, the access token stays valid until it expires.
    pub access_token_revoked: bool,
    /// Whether every session of the guest was ended.
    pub global: bool,
    /// A sentence to show the guest.
    pub message: String,
}
