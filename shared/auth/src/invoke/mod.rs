//! Callers in front of one tool. A function serves one [`Tool`]; [`route`] recognises who called
//! and hands the call to the module of that caller's protocol, which reads the arguments and the
//! guest's bearer token its own way and renders the answer the way that caller expects:
//!
//! - [`gateway`]: AgentCore Gateway Lambda targets and direct invoke (bare arguments);
//! - [`bedrock_agent`]: classic Bedrock Agents action groups (`messageVersion` 1.0);
//! - [`http`]: API Gateway HTTP and REST APIs and Function URLs, with CORS.
//!
//! Every protocol runs the tool through [`run`], the one place that decodes arguments and logs
//! the outcome. Expected failures are ordinary results in every protocol; only an internal fault
//! becomes a Lambda error (Gateway, direct) or a 500 (HTTP). [`runtime`] is the invocation loop
//! over the Lambda Runtime API and [`lambda`] the start-up every function's `main` calls.

pub mod bedrock_agent;
pub mod gateway;
pub mod http;
pub mod interceptor;
pub mod lambda;
pub mod metrics;
pub mod runtime;
pub mod telemetry;

use std::future::Future;

use serde_json::Value;

use crate::config::{CorsConfig, GuestTokenConfig, TokenArgument};
pub use crate::contract::ToolContract;
use crate::contract::failure::{ErrorCode, failure_value};
use crate::domain::budget::Source;
use crate::domain::error::AuthError;
pub use runtime::Invocation;

/// A tool's handler core: the contract it serves and what it does for one call.
pub trait Tool: Send + Sync + 'static {
    type Contract: ToolContract;

    fn call(
        &self,
        args: Args<Self>,
        ctx: &CallContext,
    ) -> impl Future<Output = Result<Output<Self>, AuthError>> + Send;
}

/// The argument type of tool `T`, as its contract declares it.
pub type Args<T> = <<T as Tool>::Contract as ToolContract>::Args;
/// The success type of tool `T`, as its contract declares it.
pub type Output<T> = <<T as Tool>::Contract as ToolContract>::Output;

/// Who called, as far as the handler and the logs need to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerKind {
    Gateway,
    Direct,
    Http,
    BedrockAgent,
    /// AgentCore Gateway calling a REQUEST interceptor.
    GatewayInterceptor,
}

/// What the protocol learned besides the arguments.
#[derive(Clone)]
pub struct CallContext {
    pub caller: CallerKind,
    /// The guest's bearer token as the protocol carries it: an HTTP `Authorization` header,
    /// the Gateway-propagated guest-token header, or Bedrock Agents session attributes.
    pub bearer: Option<String>,
    /// Whether the operator lets a tool argument carry the token.
    pub token_argument: TokenArgument,
    /// Who is asking, for the per-source budgets: the HTTP source IP, the Gateway session, the
    /// Bedrock Agents session.
    pub source: Option<Source>,
    /// The conversation the call belongs to ([`crate::domain::budget::conversation_key`]), when
    /// the protocol names one:
    /// a sign-in started there can only be finished there.
    pub conversation: Option<String>,
}

impl CallContext {
    /// A context with the token argument allowed (the default setting), no source and no
    /// conversation.
    pub fn new(caller: CallerKind, bearer: Option<String>) -> Self {
        Self {
            caller,
            bearer,
            token_argument: TokenArgument::Allowed,
            source: None,
            conversation: None,
        }
    }

    /// The guest's token: the one the protocol carried, else the tool argument `argument`
    /// (models sometimes pass the header value, `Bearer eyJ…`) where the operator allows it.
    /// Never a default identity.
    pub fn token_or(&self, argument: Option<&str>) -> Result<Option<String>, AuthError> {
        if let Some(bearer) = self.bearer.clone().filter(|t| !t.is_empty()) {
            return Ok(Some(bearer));
        }
        let argument = argument
            .map(|raw| bearer_token(raw).unwrap_or_else(|| raw.trim().to_owned()))
            .filter(|t| !t.is_empty());
        match (argument, self.token_argument) {
            (Some(_), TokenArgument::Refused) => Err(AuthError::InvalidInput(
                "a token in the tool arguments is not accepted here: the agent's code sends the \
                 guest's token in the guest-token header"
                    .into(),
            )),
            (argument, _) => Ok(argument),
        }
    }
}

impl std::fmt::Debug for CallContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallContext")
            .field("caller", &self.caller)
            .field("bearer", &self.bearer.as_ref().map(|_| "***"))
            .field("token_argument", &self.token_argument)
            .field("source", &self.source)
            .field("conversation", &self.conversation.as_ref().map(|_| "***"))
            .finish()
    }
}

/// Settings of the protocols.
#[derive(Debug, Clone, Default)]
pub struct EnvelopeConfig {
    pub cors: CorsConfig,
    pub guest_token: GuestTokenConfig,
}

/// What a caller gets back, before it is rendered as the invocation's JSON response. Answers
/// carry tokens, so `Debug` shows only the kind and the status.
pub enum Reply {
    /// Gateway and direct invoke: the tool's answer itself.
    Result(Value),
    Http(http::HttpReply),
    BedrockAgent(bedrock_agent::AgentReply),
}

impl Reply {
    /// The JSON the Runtime API is given as the invocation's response.
    pub fn into_payload(self) -> Value {
        match self {
            Self::Result(value) => value,
            Self::Http(reply) => reply.into_payload(),
            Self::BedrockAgent(reply) => reply.into_payload(),
        }
    }

    /// The tool's own answer, out of whatever the protocol wraps it in.
    pub fn tool_answer(&self) -> Value {
        match self {
            Self::Result(value) => value.clone(),
            Self::Http(reply) => reply.tool_answer(),
            Self::BedrockAgent(reply) => reply.tool_answer(),
        }
    }

    /// The HTTP status the protocol carries, if it carries one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Result(_) => None,
            Self::Http(reply) => Some(reply.status.as_u16()),
            Self::BedrockAgent(reply) => reply.status,
        }
    }

    /// The HTTP response headers, for HTTP callers.
    pub fn headers(&self) -> Option<&::http::HeaderMap> {
        match self {
            Self::Http(reply) => Some(&reply.headers),
            _ => None,
        }
    }
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
            Self::Result(_) => "Result",
            Self::Http(_) => "Http",
            Self::BedrockAgent(_) => "BedrockAgent",
        };
        f.debug_struct("Reply")
            .field("kind", &kind)
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

/// Route one invocation to the protocol of its caller. `Err` only for faults no caller can fix;
/// the runtime reports those as a Lambda error.
pub async fn route<T: Tool>(
    tool: &T,
    config: &EnvelopeConfig,
    invocation: Invocation,
) -> Result<Reply, AuthError> {
    if http::is_event(&invocation.payload) {
        return Ok(Reply::Http(
            http::answer_request(tool, config, invocation.payload).await,
        ));
    }
    if bedrock_agent::is_event(&invocation.payload) {
        return bedrock_agent::answer_action(tool, config, invocation.payload)
            .await
            .map(Reply::BedrockAgent);
    }
    gateway::answer_bare_call(tool, config, invocation)
        .await
        .map(Reply::Result)
}

/// Decode the arguments, call the tool, encode its answer; log the outcome once. The only
/// place a tool is called.
pub(crate) async fn run<T: Tool>(
    tool: &T,
    args: Value,
    ctx: &CallContext,
) -> Result<Value, AuthError> {
    let result = decode_and_call(tool, args, ctx).await;
    if let Err(err) = &result {
        log_failure(ctx.caller, err);
    }
    result
}

/// The one log site of a call that did not succeed, whether the tool or its protocol refused it.
/// The detail is for operators; the caller gets a generic message.
pub(crate) fn log_failure(caller: CallerKind, err: &AuthError) {
    if let Some(signal) = metrics::failure_signal(err) {
        crate::domain::signals::record(signal);
    }
    if err.is_internal() {
        tracing::error!(?caller, reason = %err, "internal error");
    } else {
        tracing::info!(?caller, error_code = ErrorCode::of(err).as_str(), reason = %err, "tool refused the call");
    }
}

async fn decode_and_call<T: Tool>(
    tool: &T,
    args: Value,
    ctx: &CallContext,
) -> Result<Value, AuthError> {
    if !args.is_object() {
        return Err(AuthError::InvalidInput(
            "arguments must be a JSON object".into(),
        ));
    }
    let args: Args<T> =
        serde_json::from_value(args).map_err(|e| AuthError::InvalidInput(describe(&e)))?;
    let output = tool.call(args, ctx).await?;
    serde_json::to_value(output).map_err(|e| AuthError::Internal(format!("result encoding: {e}")))
}

/// Success and expected failures are results; internal faults propagate.
pub(crate) fn as_result(result: Result<Value, AuthError>) -> Result<Value, AuthError> {
    match result {
        Err(err) if !err.is_internal() => Ok(failure_value(&err)),
        other => other,
    }
}

/// serde's message without the offending value: `invalid type: string "12345678", expected u32`
/// would put a code or a token into the answer and the logs.
fn describe(err: &serde_json::Error) -> String {
    let message = err.to_string();
    let message = message.split(" at line ").next().unwrap_or_default();
    match message.split_once(", expected ") {
        Some((problem, expected)) if problem.starts_with("invalid") => {
            let kind = problem.split(':').next().unwrap_or(problem);
            format!("{kind}, expected {expected}")
        }
        _ => message.to_owned(),
    }
}

/// The token of an `Authorization: Bearer <token>` value; any other scheme is not ours.
pub fn bearer_token(value: &str) -> Option<String> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

#[cfg(test)]
mod tests;
