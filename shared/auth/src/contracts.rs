//! The JSON contracts of DESIGN §3: what each tool takes and returns. Field names are the wire
//! names; frontends and agents depend on them byte for byte. The JSON Schemas and the AgentCore
//! Gateway tool definitions under `infra/` are generated from these types (see `tools`).

/// The tool names agents call. A function serves exactly one of them.
pub mod tool_names {
    pub const INITIATE_LOGIN: &str = "initiate_login";
    pub const VERIFY_OTP: &str = "verify_otp";
    pub const REFRESH: &str = "refresh";
    pub const GET_MY_RESERVATIONS: &str = "get_my_reservations";
    pub const SIGN_OUT: &str = "sign_out";
}

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::cognito::Tokens;
use crate::reservations::Reservation;

#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct InitiateLoginArgs {
    /// The guest's email address, exactly as they gave it.
    pub email: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema)]
pub struct LoginStarted {
    #[schemars(extend("const" = true))]
    pub success: bool,
    /// Opaque handle for `verify_otp`; the Cognito session it refers to never leaves the server.
    pub session_token: String,
    /// RFC 3339 UTC.
    pub otp_sent_at: String,
    /// Seconds until the code expires.
    pub expires_in: u64,
    /// Masked address, e.g. `j***@e***.com`.
    pub delivery: String,
    /// A sentence to show the guest.
    pub message: String,
}

#[derive(Clone, Deserialize, JsonSchema)]
pub struct VerifyOtpArgs {
    /// The same email address that was given to `initiate_login`.
    pub email: String,
    /// The code from the email, 6 to 8 digits, as the guest typed it.
    #[serde(deserialize_with = "string_or_number")]
    #[schemars(with = "String")]
    pub otp_code: String,
    /// The `session_token` that `initiate_login` returned.
    pub session_token: String,
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

impl std::fmt::Debug for VerifyOtpArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VerifyOtpArgs { .. }")
    }
}

fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) if n.is_u64() => Ok(n.to_string()),
        _ => Err(serde::de::Error::custom(
            "otp_code must be a string of digits",
        )),
    }
}

#[derive(Clone, Deserialize, JsonSchema)]
pub struct RefreshArgs {
    /// The `refresh_token` of the guest's session.
    pub refresh_token: String,
}

impl std::fmt::Debug for RefreshArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RefreshArgs { .. }")
    }
}

#[derive(Clone, Default, Deserialize, JsonSchema)]
pub struct ReservationsArgs {
    /// Used only when no `Authorization: Bearer` header came with the call.
    #[serde(default)]
    pub auth_token: Option<String>,
}

impl std::fmt::Debug for ReservationsArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReservationsArgs { .. }")
    }
}

/// The `auth_tokens` delivery event: the frontend finds it in the agent's stream and stores the
/// session. `verify_otp` and `refresh` both answer with it, so one type guard serves both.
#[derive(Clone, Serialize, PartialEq, Eq, JsonSchema)]
pub struct TokenDeliveryEvent {
    /// The discriminator a frontend looks for in the agent's stream.
    #[schemars(with = "String", extend("const" = "auth_tokens"))]
    pub event_type: &'static str,
    #[schemars(extend("const" = true))]
    pub success: bool,
    /// Cognito ID token (JWT).
    pub id_token: String,
    /// Cognito access token (JWT): send it as `Authorization: Bearer` with later requests.
    pub access_token: String,
    /// For `refresh`; store it securely.
    pub refresh_token: String,
    /// Seconds until the access and ID tokens expire.
    pub expires_in: i64,
    /// The guest's booking reference, e.g. `GST-2026-7K2Q9X`.
    pub guest_id: String,
    pub email: String,
    /// The Cognito user id (`sub`).
    pub cognito_sub: String,
}

impl TokenDeliveryEvent {
    pub const EVENT_TYPE: &'static str = "auth_tokens";

    /// The event for tokens Cognito just issued to `cognito_sub`, the guest `guest_id`.
    pub fn new(
        tokens: Tokens,
        refresh_token: String,
        guest_id: String,
        email: String,
        cognito_sub: String,
    ) -> Self {
        Self {
            event_type: Self::EVENT_TYPE,
            success: true,
            id_token: tokens.id_token,
            access_token: tokens.access_token,
            refresh_token,
            expires_in: tokens.expires_in,
            guest_id,
            email,
            cognito_sub,
        }
    }
}

impl std::fmt::Debug for TokenDeliveryEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenDeliveryEvent")
            .field("guest_id", &self.guest_id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema)]
pub struct ReservationsResult {
    #[schemars(extend("const" = true))]
    pub success: bool,
    /// `null` for a verified user who has never completed a sign-in through `verify_otp`.
    #[schemars(required, extend("type" = ["string", "null"]))]
    pub guest_id: Option<String>,
    /// Newest stay first.
    pub reservations: Vec<Reservation>,
}

#[derive(Clone, Deserialize, JsonSchema)]
pub struct SignOutArgs {
    /// The `refresh_token` of the session to end. After sign-out it can no longer be refreshed.
    pub refresh_token: String,
    /// The session's access token, when no `Authorization: Bearer` header came with the call.
    /// With it, the access token is refused from now on where revocation checks are on, and
    /// `global` can sign the guest out everywhere.
    #[serde(default)]
    pub access_token: Option<String>,
    /// Also end the guest's sessions on every other device.
    #[serde(default)]
    pub global: bool,
}

impl std::fmt::Debug for SignOutArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignOutArgs")
            .field("global", &self.global)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, JsonSchema)]
pub struct SignedOut {
    #[schemars(extend("const" = true))]
    pub success: bool,
    /// Whether the access token was put on the revocation list (it needs the access token).
    pub access_token_revoked: bool,
    /// Whether every session of the guest was ended.
    pub global: bool,
    /// A sentence to show the guest.
    pub message: String,
}
