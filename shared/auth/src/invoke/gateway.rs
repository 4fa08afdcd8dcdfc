//! AgentCore Gateway Lambda targets and direct invoke: the event is the bare tool arguments.
//! A Gateway call names its tool in the client context's `custom` map as `<target>___<tool>`
//! and, with header propagation on, carries `bedrockAgentCorePropagatedHeaders` there as a
//! nested object (which is why [`super::runtime`] reads the client context itself).

use serde_json::{Map, Value};

use super::runtime::Invocation;
use super::{
    CallContext, CallerKind, EnvelopeConfig, Tool, ToolContract, as_result, bearer_token,
    log_failure, run,
};
use crate::contract::failure::failure_value;
use crate::domain::agentcore::{
    CONVERSATION_HEADER, PROPAGATED_HEADERS_KEY, SESSION_ID_KEY, TOOL_NAME_KEY, tool_name,
};
use crate::domain::budget::{Source, SourceKind, conversation_key};
use crate::domain::error::AuthError;

/// The tool's answer to a Gateway or direct call: its result or failure, as is.
pub(super) async fn answer_bare_call<T: Tool>(
    tool: &T,
    config: &EnvelopeConfig,
    invocation: Invocation,
) -> Result<Value, AuthError> {
    let custom = invocation
        .client_context
        .as_ref()
        .and_then(|c| c.get("custom"))
        .and_then(Value::as_object);
    let ctx = match custom.and_then(|c| c.get(TOOL_NAME_KEY)) {
        Some(name) => {
            let name = name.as_str().unwrap_or_default();
            if tool_name(name) != T::Contract::NAME {
                let err = AuthError::InvalidInput(format!(
                    "this function serves the tool {}",
                    T::Contract::NAME
                ));
                log_failure(CallerKind::Gateway, &err);
                return Ok(failure_value(&err));
            }
            let (source, conversation) = custom.map(conversation_of).unwrap_or_default();
            CallContext {
                caller: CallerKind::Gateway,
                bearer: custom
                    .and_then(|c| propagated_header(c, &config.guest_token.header))
                    .and_then(|v| bearer_token(&v)),
                token_argument: config.guest_token.argument,
                source,
                conversation,
            }
        }
        None => CallContext {
            caller: CallerKind::Direct,
            bearer: None,
            token_argument: config.guest_token.argument,
            source: None,
            conversation: None,
        },
    };
    let args = match invocation.payload {
        // A tool without required arguments may be invoked with no payload at all.
        Value::Null => Value::Object(Map::new()),
        other => other,
    };
    as_result(run(tool, args, &ctx).await)
}

/// The source and conversation of a Gateway call: the conversation the agent's code names in the
/// propagated conversation header, else the caller's MCP session. The header comes first: a
/// Gateway has sessions only when they are enabled on it and the client speaks a sessionful MCP
/// revision, and one session may serve many conversations of an agent.
fn conversation_of(custom: &Map<String, Value>) -> (Option<Source>, Option<String>) {
    if let Some(named) = propagated_header(custom, CONVERSATION_HEADER)
        && let Some(source) = Source::new(SourceKind::GatewayConversation, &named)
    {
        return (
            Some(source),
            conversation_key("gateway-conversation", &named),
        );
    }
    let session = custom
        .get(SESSION_ID_KEY)
        .and_then(Value::as_str)
        .unwrap_or_default();
    (
        Source::new(SourceKind::GatewaySession, session),
        conversation_key("gateway", session),
    )
}

/// A propagated header's value, its name matched case-insensitively. Only the configured
/// guest-token header and the conversation header are read: a propagated `Authorization` would be
/// the agent's own SigV4 signature, and AWS does not let a target allowlist it anyway.
fn propagated_header(custom: &Map<String, Value>, name: &str) -> Option<String> {
    let headers = custom.get(PROPAGATED_HEADERS_KEY)?;
    // A nested object as documented; tolerate a JSON string carrying the same object.
    let parsed;
    let headers = match headers {
        Value::String(s) => {
            parsed = serde_json::from_str::<Value>(s).ok()?;
            &parsed
        }
        other => other,
    };
    headers
        .as_object()?
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.as_str())
        .map(str::to_owned)
}
