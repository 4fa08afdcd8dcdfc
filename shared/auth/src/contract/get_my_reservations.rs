//! `get_my_reservations`: the signed-in guest's own reservations.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ToolContract;

/// Served by `functions/reservations`; acts for a signed-in guest, readable with HTTP `GET`.
pub struct GetMyReservationsContract;

impl ToolContract for GetMyReservationsContract {
    const NAME: &'static str = "get_my_reservations";
    const FUNCTION: &'static str = "reservations";
    const OUTPUT_NAME: &'static str = "reservations-result";
    const HTTP_GET: bool = true;
    const BEARER: bool = true;
    const TOKEN_ARGUMENT: Option<&'static str> = Some("auth_token");
    const DESCRIPTION: &'static str = "List the signed-in guest's own reservations, newest stay first. Call it when the guest asks about \
             their bookings. The guest's access token is sent by the agent's code, not by you: in the \
             X-Guest-Authorization header through AgentCore Gateway, or Authorization over HTTP. Leave \
             `auth_token` out unless you were given the token itself. An empty list means the guest has no reservations. \
             Failures: AUTH_REQUIRED → sign the guest in first (initiate_login); TOKEN_EXPIRED → call refresh, \
             then retry once; INVALID_TOKEN → ask the guest to sign in again; UPSTREAM_UNAVAILABLE → retry in a \
             moment.";
    type Args = ReservationsArgs;
    type Output = ReservationsResult;
}

#[derive(Clone, Default, Deserialize, JsonSchema)]
pub struct ReservationsArgs {
    /// Used only when no guest-token header (`X-Guest-Authorization` through the Gateway,
    /// `Authorization` over HTTP) came with the call, and where the operator allows it.
    #[serde(default)]
    pub auth_token: Option<String>,
}

impl std::fmt::Debug for ReservationsArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReservationsArgs { .. }")
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

/// One reservation as the contract returns it. The keys (`cognito_sub`, `stay_key`) are storage
/// detail and never leave the function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Reservation {
    /// The booking reference, e.g. `RES-2027-0315`.
    pub reservation_id: String,
    pub property_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room_type: Option<String>,
    /// Arrival date, `YYYY-MM-DD`.
    pub check_in: String,
    /// Departure date, `YYYY-MM-DD`.
    pub check_out: String,
    /// e.g. `confirmed`, `cancelled`, `completed`.
    pub status: String,
    /// Number of guests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guests: Option<u32>,
    /// Decimal amount as a string, e.g. `"1490.00"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_amount: Option<String>,
    /// ISO 4217 code, e.g. `EUR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}
