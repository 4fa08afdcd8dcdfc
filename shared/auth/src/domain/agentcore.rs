//! AgentCore Gateway's wire facts, in one place for every Rust user (the functions' envelope, the
//! local Gateway, the local stack, the tests) and, through `infra/generate`, for the agent
//! (Python) and the contract package (TypeScript): how the Gateway names a tool, the client-context
//! keys it sends a Lambda target, and the request headers our callers send through it.
//!
//! The client-context keys are those AWS lists for a Lambda target
//! (<https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-add-target-lambda.html>);
//! propagated request headers arrive there too
//! (<https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-headers.html>).

use serde_json::{Map, Value, json};

/// Gateway joins target and tool names with this in `tools/list` and `tools/call`
/// (`<target>___<tool>`); target names cannot contain underscores.
pub const TOOL_SEPARATOR: &str = "___";

/// The header the agent's code sends the guest's token in, `Bearer <jwt>`, and the bearer targets
/// allowlist, unless `GUEST_TOKEN_HEADER` names another.
pub const DEFAULT_GUEST_TOKEN_HEADER: &str = "X-Guest-Authorization";

/// The header a caller names its conversation in: an HTTP caller directly, and the agent's code on
/// every Gateway request (the sign-in targets allowlist it). A sign-in started in a conversation
/// can only be finished there; on the Gateway it is also the caller's budget source.
pub const CONVERSATION_HEADER: &str = "X-Conversation-Id";

/// The client-context keys a Lambda target receives in `custom`.
pub const GATEWAY_ID_KEY: &str = "bedrockAgentCoreGatewayId";
pub const TARGET_ID_KEY: &str = "bedrockAgentCoreTargetId";
pub const MESSAGE_VERSION_KEY: &str = "bedrockAgentCoreMessageVersion";
/// The key that names the tool a Gateway call is for, as `<target>___<tool>`.
pub const TOOL_NAME_KEY: &str = "bedrockAgentCoreToolName";
/// The caller's MCP session: the source and conversation of a call that names no conversation in
/// the conversation header.
pub const SESSION_ID_KEY: &str = "bedrockAgentCoreSessionId";
pub const MCP_MESSAGE_ID_KEY: &str = "bedrockAgentCoreMcpMessageId";
pub const AWS_REQUEST_ID_KEY: &str = "bedrockAgentCoreAwsRequestId";
/// The propagated request headers (a nested object, names lowercased).
pub const PROPAGATED_HEADERS_KEY: &str = "bedrockAgentCorePropagatedHeaders";
/// The `MESSAGE_VERSION_KEY` value AWS documents.
pub const MESSAGE_VERSION: &str = "1.0";

/// The name the Gateway gives `tool` of `target`.
pub fn gateway_tool_name(target: &str, tool: &str) -> String {
    format!("{target}{TOOL_SEPARATOR}{tool}")
}

/// The tool name without the Gateway target prefix: `booking___verify_otp` → `verify_otp`.
pub fn tool_name(qualified: &str) -> &str {
    qualified
        .split_once(TOOL_SEPARATOR)
        .map(|(_, tool)| tool)
        .unwrap_or(qualified)
}

/// One `tools/call` as the Gateway hands it to a Lambda target.
#[derive(Debug, Clone, Copy)]
pub struct GatewayCall<'a> {
    pub gateway_id: &'a str,
    pub target: &'a str,
    pub tool: &'a str,
    pub session_id: &'a str,
    pub mcp_message_id: &'a str,
    pub aws_request_id: &'a str,
}

impl GatewayCall<'_> {
    /// The Lambda client context of this call; `propagated` is present when the target allowlists
    /// headers (an empty map when none of them came).
    pub fn client_context(&self, propagated: Option<Map<String, Value>>) -> Value {
        let mut custom = Map::new();
        for (key, value) in [
            (GATEWAY_ID_KEY, self.gateway_id.to_owned()),
            (TARGET_ID_KEY, self.target.to_owned()),
            (MESSAGE_VERSION_KEY, MESSAGE_VERSION.to_owned()),
            (TOOL_NAME_KEY, gateway_tool_name(self.target, self.tool)),
            (SESSION_ID_KEY, self.session_id.to_owned()),
            (MCP_MESSAGE_ID_KEY, self.mcp_message_id.to_owned()),
            (AWS_REQUEST_ID_KEY, self.aws_request_id.to_owned()),
        ] {
            custom.insert(key.to_owned(), Value::String(value));
        }
        if let Some(headers) = propagated {
            custom.insert(PROPAGATED_HEADERS_KEY.to_owned(), Value::Object(headers));
        }
        json!({"client": {}, "custom": custom, "env": {}})
    }
}

/// These facts as data, for the other languages (`infra/generate` writes it).
pub fn wire_facts() -> Value {
    json!({
        "tool_separator": TOOL_SEPARATOR,
        "guest_token_header": DEFAULT_GUEST_TOKEN_HEADER,
        "conversation_header": CONVERSATION_HEADER,
        "message_version": MESSAGE_VERSION,
        "client_context_keys": {
            "gateway_id": GATEWAY_ID_KEY,
            "target_id": TARGET_ID_KEY,
            "message_version": MESSAGE_VERSION_KEY,
            "tool_name": TOOL_NAME_KEY,
            "session_id": SESSION_ID_KEY,
            "mcp_message_id": MCP_MESSAGE_ID_KEY,
            "aws_request_id": AWS_REQUEST_ID_KEY,
            "propagated_headers": PROPAGATED_HEADERS_KEY,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gateway_name_splits_back_into_its_tool() {
        let name = gateway_tool_name("reservations", "get_my_reservations");
        assert_eq!(name, "reservations___get_my_reservations");
        assert_eq!(tool_name(&name), "get_my_reservations");
        assert_eq!(tool_name("get_my_reservations"), "get_my_reservations");
    }

    #[test]
    fn the_client_context_carries_every_documented_key() {
        let call = GatewayCall {
            gateway_id: "gw",
            target: "refresh",
            tool: "refresh",
            session_id: "s",
            mcp_message_id: "1",
            aws_request_id: "r",
        };
        let context = call.client_context(None);
        let custom = context["custom"].as_object().unwrap_or(&Map::new()).clone();
        let facts = wire_facts();
        let keys = facts["client_context_keys"]
            .as_object()
            .map(|k| k.values().filter_map(Value::as_str).collect::<Vec<_>>())
            .unwrap_or_default();
        for key in &keys {
            assert_eq!(
                custom.contains_key(*key),
                *key != PROPAGATED_HEADERS_KEY,
                "{key}"
            );
        }
        assert_eq!(custom.len(), keys.len() - 1);
        let with = call.client_context(Some(Map::new()));
        assert_eq!(with["custom"][PROPAGATED_HEADERS_KEY], json!({}));
    }
}
