//! The JSON contracts of DESIGN §3: what each tool takes and returns. Field names are the wire
//! names; frontends and agents depend on them byte for byte.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::cognito::Tokens;
use crate::reservations::Reservation;

#[derive(Debug, Clone, Deserialize)]
pub struct InitiateLoginArgs {
    pub email: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LoginStarted {
    pub success: bool,
    /// Opaque handle for `verify_otp`; the Cognito session it refers to never leaves the server.
    pub session_token: String,
    /// RFC 3339 UTC.
    pub otp_sent_at: String,
    /// Seconds until the code expires.
    pub expires_in: u64,
    /// Masked address, e.g. `j***@e***.com`.
    pub delivery: String,
    pub message: String,
}

#[derive(Clone, Deserialize)]
pub struct VerifyOtpArgs {
    pub email: String,
    /// A string, or a number when a model passes the digits unquoted.
    #[serde(deserialize_with = "string_or_number")]
    pub otp_code: String,
    pub session_token: String,
    /// Accepted for compatibility with older clients; never trusted (the login record decides).
    #[serde(default)]
    pub otp_sent_at: Option<Value>,
    /// Accepted for compatibility with older clients; never trusted (the login record decides).
    #[serde(default)]
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

#[derive(Clone, Deserialize)]
pub struct RefreshArgs {
    pub refresh_token: String,
}

impl std::fmt::Debug for RefreshArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RefreshArgs { .. }")
    }
}

#[derive(Clone, Default, Deserialize)]
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
#[derive(Clone, Serialize, PartialEq, Eq)]
pub struct TokenDeliveryEvent {
    /// Always `"auth_tokens"`.
    pub event_type: &'static str,
    pub success: bool,
    pub id_token: String,
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
    pub guest_id: String,
    pub email: String,
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

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ReservationsResult {
    pub success: bool,
    /// `null` for a verified user who has never completed a sign-in through `verify_otp`.
    pub guest_id: Option<String>,
    pub reservations: Vec<Reservation>,
}
