//! The wire contracts: what each tool takes and returns, and the failure shape every tool shares.
//! Field names are the wire names; frontends and agents depend on them byte for byte.
//!
//! A tool is declared once, as a [`ToolContract`] in its own file here: its name, the function
//! that serves it, its argument and result types, whether it acts for a signed-in guest, and its
//! description for the model. The function's handler implements `crate::invoke::Tool` for that
//! contract, so its argument and result types are the contract's by construction; the AgentCore
//! Gateway tool definitions, the Gateway targets and the JSON Schemas under `infra/`
//! ([`generate`]) and the local stack's list of functions all read [`catalog`].
//!
//! This layer depends on `crate::domain` only.

mod address;
pub mod failure;
pub mod generate;
mod get_my_reservations;
mod initiate_login;
pub mod interceptor;
mod refresh;
pub mod secret;
mod sign_out;
mod token_event;
mod verify_otp;

use schemars::{JsonSchema, Schema, schema_for};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use address::EmailAddress;
pub use failure::{ErrorCode, Failure};
pub use get_my_reservations::{
    GetMyReservationsContract, Reservation, ReservationsArgs, ReservationsResult,
};
pub use initiate_login::{InitiateLoginArgs, InitiateLoginContract, LoginStarted};
pub use refresh::{RefreshArgs, RefreshContract};
pub use secret::Secret;
pub use sign_out::{SignOutArgs, SignOutContract, SignedOut};
pub use token_event::TokenDeliveryEvent;
pub use verify_otp::{VerifyOtpArgs, VerifyOtpContract};

/// One tool as agents, frontends and the infrastructure see it.
pub trait ToolContract: Send + Sync + 'static {
    /// The tool name agents call, e.g. `initiate_login`.
    const NAME: &'static str;
    /// The function (binary, `functions/<FUNCTION>/`, Gateway target) that serves it. Target
    /// names cannot hold `_`, so the model sees the tool as `<FUNCTION>___<NAME>`.
    const FUNCTION: &'static str;
    /// File stem of the output schema under `infra/schemas/`.
    const OUTPUT_NAME: &'static str;
    /// What the model reads: when to call it, and what each failure means.
    const DESCRIPTION: &'static str;
    /// Whether an HTTP `GET` (no body) may call it, as for reading reservations.
    const HTTP_GET: bool = false;
    /// Acts for a signed-in guest: takes the access token as a bearer token.
    const BEARER: bool = false;
    /// Part of a sign-in that is bound to the conversation that started it: the Gateway target
    /// allowlists the conversation header the agent's code sends.
    const CONVERSATION: bool = false;
    /// The argument that can carry the guest's token instead of a header (which means the model
    /// held it); a REQUEST interceptor strips it.
    const TOKEN_ARGUMENT: Option<&'static str> = None;
    type Args: DeserializeOwned + JsonSchema + Send;
    /// The success result; every tool can also answer with [`Failure`].
    type Output: Serialize + JsonSchema + Send;
}

/// A [`ToolContract`] as data, with its schemas generated from the contract types.
pub struct ToolSpec {
    pub name: &'static str,
    pub function: &'static str,
    pub description: &'static str,
    /// The schemas, made when asked for: the interceptor and the local stack read the catalog
    /// for names and flags only, the interceptor on its cold start.
    pub input: fn() -> Schema,
    pub output: fn() -> Schema,
    pub output_name: &'static str,
    pub http_get: bool,
    pub bearer: bool,
    pub conversation: bool,
    pub token_argument: Option<&'static str>,
}

impl ToolSpec {
    pub fn of<C: ToolContract>() -> Self {
        Self {
            name: C::NAME,
            function: C::FUNCTION,
            description: C::DESCRIPTION,
            input: || schema_for!(C::Args),
            output: || schema_for!(C::Output),
            output_name: C::OUTPUT_NAME,
            http_get: C::HTTP_GET,
            bearer: C::BEARER,
            conversation: C::CONVERSATION,
            token_argument: C::TOKEN_ARGUMENT,
        }
    }
}

/// Every tool, in the order agents list them. Adding a tool: a contract file here, one line
/// below, and a function crate `functions/<FUNCTION>/` (a test checks both agree).
pub fn catalog() -> Vec<ToolSpec> {
    vec![
        ToolSpec::of::<InitiateLoginContract>(),
        ToolSpec::of::<VerifyOtpContract>(),
        ToolSpec::of::<RefreshContract>(),
        ToolSpec::of::<GetMyReservationsContract>(),
        ToolSpec::of::<SignOutContract>(),
    ]
}

/// The failure shape shared by every tool.
pub fn failure_schema() -> Schema {
    schema_for!(Failure)
}
