//! `verify_otp`: check the code, answer the `auth_tokens` event.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::{EmailAddress, Secret, TokenDeliveryEvent, ToolContract};

/// Served by `functions/verify-otp`.
pub struct VerifyOtpContract;

impl ToolContract for VerifyOtpContract {
    const NAME: &'static str = "verify_otp";
    const FUNCTION: &'static str = "verify-otp";
    const CONVERSATION: bool = true;
    const OUTPUT_NAME: &'static str = "token-delivery-event";
    const DESCRIPTION: &'static str = "Check the code the guest typed and sign them in. Call it after initiate_login, when the guest \
             gives the code; pass the same email, the `session_token` from initiate_login and the code as \
             typed. On success the result is an `auth_tokens` event that the guest's browser picks up: do not \
             repeat any token in your reply, just confirm the sign-in. Failures: INVALID_OTP_FORMAT → ask for \
             the 6 to 8 digit code again (no attempt was used); INVALID_OTP → wrong code, `attempts_remaining` \
             tries left; MAX_ATTEMPTS, OTP_EXPIRED or LOGIN_NOT_FOUND → call initiate_login for a new code; \
             RATE_LIMITED or UPSTREAM_UNAVAILABLE → wait a moment and retry.";
    type Args = VerifyOtpArgs;
    type Output = TokenDeliveryEvent;
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct VerifyOtpArgs {
    /// The same email address that was given to `initiate_login`.
    pub email: EmailAddress,
    /// The code from the email, 6 to 8 digits, as the guest typed it.
    #[serde(deserialize_with = "string_or_number")]
    pub otp_code: Secret,
    /// The `session_token` that `initiate_login` returned.
    pub session_token: Secret,
    /// Accepted for compatibility with older clients; never trusted (the login record decides),
    /// so not advertised in the schema.
    #[serde(default)]
    #[schemars(skip)]
    pub otp_sent_at: Option<Value>,
    /// Accepted for compatibility with older clients; never trusted (the login record decides),
    /// so not advertised in the schema.
    #[serde(default)]
    #[schemars(skip)]
    pub attempts: Option<Value>,
}

fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s.into()),
        Value::Number(n) if n.is_u64() => Ok(n.to_string().into()),
        _ => Err(serde::de::Error::custom(
            "otp_code must be a string of digits",
        )),
    }
}
