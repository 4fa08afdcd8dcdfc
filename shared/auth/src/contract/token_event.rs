//! The `auth_tokens` delivery event, the success answer of `verify_otp` and `refresh`.

use schemars::JsonSchema;
use serde::Serialize;

use super::{EmailAddress, Secret};

/// The `auth_tokens` delivery event: the frontend finds it in the agent's stream and stores the
/// session. `verify_otp` and `refresh` both answer with it, so one type guard serves both.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, JsonSchema)]
pub struct TokenDeliveryEvent {
    /// The discriminator a frontend looks for in the agent's stream.
    #[schemars(with = "String", extend("const" = "auth_tokens"))]
    pub event_type: &'static str,
    #[schemars(extend("const" = true))]
    pub success: bool,
    /// Cognito ID token (JWT).
    pub id_token: Secret,
    /// Cognito access token (JWT): send it as `Authorization: Bearer` with later requests (an
    /// agent's code sends it to the Gateway as `X-Guest-Authorization: Bearer`).
    pub access_token: Secret,
    /// For `refresh`; store it securely.
    pub refresh_token: Secret,
    /// Seconds until the access and ID tokens expire.
    pub expires_in: i64,
    /// The guest's booking reference, e.g. `GST-2026-7K2Q9X`.
    pub guest_id: String,
    pub email: EmailAddress,
    /// The Cognito user id (`sub`).
    pub cognito_sub: String,
}

impl TokenDeliveryEvent {
    pub const EVENT_TYPE: &'static str = "auth_tokens";
}
