//! `get_my_reservations`: the signed-in guest's own reservations.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::{Secret, ToolContract};
use crate::domain::stays::StayFilter;

/// Served by `functions/reservations`; acts for a signed-in guest, readable with HTTP `GET`.
pub struct GetMyReservationsContract;

impl ToolContract for GetMyReservationsContract {
    const NAME: &'static str = "get_my_reservations";
    const FUNCTION: &'static str = "reservations";
    const OUTPUT_NAME: &'static str = "reservations-result";
    const HTTP_GET: bool = true;
    const BEARER: bool = true;
    const TOKEN_ARGUMENT: Option<&'static str> = Some("auth_token");
    const DESCRIPTION: &'static str = "List the signed-in guest's own reservations, a page at a time: newest stay first, or with \
             `filter` only `upcoming` stays (soonest first) or `past` ones (most recent first). Call it when \
             the guest asks about their bookings; ask for the stays the question is about. When `next_token` \
             is not null there are more: call again with it (and the same filter) only if the guest wants to \
             see more. The guest's access token is sent by the agent's code, not by you: in the \
             X-Guest-Authorization header through AgentCore Gateway, or Authorization over HTTP. Leave \
             `auth_token` out unless you were given the token itself. An empty list means the guest has no reservations. \
             Failures: AUTH_REQUIRED → sign the guest in first (initiate_login); TOKEN_EXPIRED → call refresh, \
             then retry once; INVALID_TOKEN → ask the guest to sign in again; UPSTREAM_UNAVAILABLE → retry in a \
             moment; INVALID_INPUT → fix the argument it names.";
    type Args = ReservationsArgs;
    type Output = ReservationsResult;
}

#[derive(Clone, Default, Deserialize, JsonSchema)]
pub struct ReservationsArgs {
    /// Used only when no guest-token header (`X-Guest-Authorization` through the Gateway,
    /// `Authorization` over HTTP) came with the call, and where the operator allows it.
    #[serde(default)]
    pub auth_token: Option<Secret>,
    /// `upcoming`: stays that have not ended (check-out today or later), soonest first. `past`:
    /// stays that have ended, most recent first. Left out: every stay, newest first.
    #[serde(default)]
    pub filter: Option<StayFilter>,
    /// How many reservations to return, 1 to 50; 10 when left out.
    #[serde(default, deserialize_with = "count")]
    #[schemars(range(min = 1, max = 50))]
    pub limit: Option<u32>,
    /// The `next_token` of the previous page, to read the page after it; left out for the first.
    #[serde(default)]
    pub next_token: Option<String>,
}

/// A count as a JSON number, or as a string of digits (an HTTP `GET`'s query parameter).
fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let number = match Value::deserialize(d)? {
        Value::Null => return Ok(None),
        Value::Number(n) => n.as_u64(),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().ok()
        }
        _ => None,
    };
    number
        .map(|n| Some(u32::try_from(n).unwrap_or(u32::MAX)))
        .ok_or_else(|| serde::de::Error::custom("limit must be a whole number"))
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
    /// In the order the filter gives: newest stay first, upcoming soonest first, past most recent
    /// first.
    pub reservations: Vec<Reservation>,
    /// Pass it back as `next_token` (with the same filter) for the next page; `null` when this is
    /// the last. Opaque, and usable only for this guest.
    #[schemars(required, extend("type" = ["string", "null"]))]
    pub next_token: Option<String>,
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
