//! The local stack: everything the functions need, on loopback ports, with the unchanged
//! function binaries talking to it over real HTTP through the real AWS SDK.
//!
//! - Cognito: the in-repo stand-in (`cognito-stand-in`), served from this process;
//! - DynamoDB: moto's server mode from the project-local virtual environment (`scripts/setup-local`);
//! - the functions: their binaries polling `cargo lambda watch`'s Runtime API (it emulates Lambda's
//!   Invoke API and function URLs), configured only through the standard AWS endpoint variables;
//! - AgentCore Gateway: `local-gateway` (MCP over Streamable HTTP), as deployed and with the
//!   guest-token interceptor, which [`mcp::GatewayClient`] talks to as an agent would.
//!
//! Everything started here is stopped when the [`Stack`] is dropped.

pub mod mcp;
mod stack;
pub mod tables;

pub use stack::{
    DEMO_EMAIL, Functions, GatewayPorts, Guest, HttpReply, LOCAL_BUDGETS, ORIGIN, Stack,
    StackError, StackOptions, functions, gateway_context, lambda_functions,
};
