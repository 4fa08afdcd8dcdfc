//! The MCP side of the local Gateway: `tools/list` from the targets, `tools/call` as AWS's
//! Gateway makes it. A call runs the REQUEST interceptor first when one is configured, then
//! invokes the target's function with the client context AWS sends
//! (<https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-add-target-lambda.html>):
//! `bedrockAgentCore{GatewayId,TargetId,MessageVersion,ToolName,SessionId,McpMessageId,AwsRequestId}`
//! and, as `bedrockAgentCorePropagatedHeaders`, only the headers the target allowlists (plus
//! `Authorization` when an interceptor provided it, the one way AWS lets it through). The
//! function's return value becomes `content[0].text` with `isError: false`; a Lambda error or
//! timeout becomes `isError: true` with a generic text, as AWS answers.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use booking_auth::contract::interceptor::{
    GatewayRequest, INTERCEPTOR_VERSION, InterceptorInput, InterceptorOutput, McpInterception,
};
use booking_auth::domain::agentcore::{GatewayCall, TOOL_SEPARATOR, gateway_tool_name, tool_name};
use booking_auth::domain::gateway_headers::interceptor_only;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Implementation, ListToolsResult,
    PaginatedRequestParams, ProtocolVersion, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use serde_json::{Map, Value, json};

use crate::lambda::Lambda;
use crate::targets::Target;

/// What a caller sees when the function failed: nothing of the failure itself.
pub const LAMBDA_ERROR_TEXT: &str = "An internal error occurred. Please retry later.";

#[derive(Clone)]
pub struct Gateway {
    pub id: String,
    pub targets: Arc<Vec<Target>>,
    pub lambda: Lambda,
    /// The REQUEST interceptor's function, when one is configured (with `passRequestHeaders`).
    pub interceptor: Option<String>,
    pub requests: Arc<AtomicU64>,
    /// The revisions its `ProtocolConfiguration` lists (protocol.rs); any other is refused.
    pub versions: Arc<[ProtocolVersion]>,
    /// The reported alternative to AWS's documented behaviour: without an interceptor, the
    /// allowlisted headers reach the target as an empty map (`scripts/conformance` settles it).
    pub headers_arrive_empty: bool,
}

/// Where a call goes on after the interceptor, if any.
struct Forward {
    arguments: Map<String, Value>,
    headers: Map<String, Value>,
    authorization_from_interceptor: bool,
}

impl Gateway {
    fn find(&self, qualified: &str) -> Option<&Target> {
        let (target, tool) = qualified.split_once(TOOL_SEPARATOR)?;
        self.targets
            .iter()
            .find(|t| t.name == target && t.tools.iter().any(|d| d.name == tool))
    }

    fn request_id(&self) -> String {
        let n = self.requests.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        format!("{nanos:08x}-0000-4000-8000-{n:012x}")
    }

    /// Run the REQUEST interceptor. `Err` is the answer to give at once.
    async fn intercept(
        &self,
        interceptor: &str,
        message: Value,
        headers: Map<String, Value>,
        path: &str,
    ) -> Result<Forward, Result<CallToolResult, McpError>> {
        let input = InterceptorInput {
            interceptor_input_version: INTERCEPTOR_VERSION.to_owned(),
            mcp: McpInterception {
                raw_gateway_request: Some(json!({"body": message.to_string()})),
                gateway_request: GatewayRequest {
                    path: Some(path.to_owned()),
                    http_method: Some("POST".to_owned()),
                    headers: Some(headers.clone()),
                    body: message,
                },
                gateway_response: None,
            },
        };
        let payload = serde_json::to_value(&input)
            .map_err(|e| Err(McpError::internal_error(e.to_string(), None)))?;
        let output = match self.lambda.invoke(interceptor, &payload, &json!({})).await {
            Ok(value) => serde_json::from_value::<InterceptorOutput>(value).ok(),
            Err(err) => {
                tracing::warn!(%err, "the interceptor failed");
                None
            }
        };
        let Some(output) = output.filter(|o| o.interceptor_output_version == INTERCEPTOR_VERSION)
        else {
            return Err(Ok(CallToolResult::error(vec![
                rmcp::model::ContentBlock::text(LAMBDA_ERROR_TEXT),
            ])));
        };
        if let Some(response) = output.mcp.transformed_gateway_response {
            return Err(answer_of(response));
        }
        let Some(request) = output.mcp.transformed_gateway_request else {
            return Err(Ok(CallToolResult::error(vec![
                rmcp::model::ContentBlock::text(LAMBDA_ERROR_TEXT),
            ])));
        };
        let arguments = request
            .body
            .pointer("/params/arguments")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let (headers, authorization_from_interceptor) = match request.headers {
            Some(given) => {
                let has_authorization = given.keys().any(|k| interceptor_only(k));
                (given, has_authorization)
            }
            None => (headers, false),
        };
        Ok(Forward {
            arguments,
            headers,
            authorization_from_interceptor,
        })
    }
}

/// A `transformedGatewayResponse` body (a JSON-RPC response) as this call's answer.
fn answer_of(response: Value) -> Result<CallToolResult, McpError> {
    let body = response.get("body").cloned().unwrap_or(Value::Null);
    if let Some(result) = body.get("result") {
        return serde_json::from_value(result.clone())
            .map_err(|e| McpError::internal_error(e.to_string(), None));
    }
    let message = body
        .pointer("/error/message")
        .and_then(Value::as_str)
        .unwrap_or("the request was refused")
        .to_owned();
    Err(McpError::invalid_request(
        message,
        body.pointer("/error/data").cloned(),
    ))
}

/// The caller's request headers, names as received.
fn inbound_headers(context: &RequestContext<RoleServer>) -> (Map<String, Value>, String) {
    let Some(parts) = context.extensions.get::<http::request::Parts>() else {
        return (Map::new(), "/mcp".to_owned());
    };
    let headers = parts
        .headers
        .iter()
        .filter_map(|(name, value)| {
            value
                .to_str()
                .ok()
                .map(|v| (name.as_str().to_owned(), Value::String(v.to_owned())))
        })
        .collect();
    (headers, parts.uri.path().to_owned())
}

/// Only what the target allowlists, matched case-insensitively, and `Authorization` only when the
/// interceptor provided it.
fn propagated(target: &Target, forward: &Forward) -> Map<String, Value> {
    forward
        .headers
        .iter()
        .filter(|(name, _)| {
            target
                .allowed_request_headers
                .iter()
                .any(|allowed| allowed.eq_ignore_ascii_case(name))
                || (forward.authorization_from_interceptor && interceptor_only(name))
        })
        .map(|(name, value)| (name.to_ascii_lowercase(), value.clone()))
        .collect()
}

impl ServerHandler for Gateway {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build()).with_server_info(
            Implementation::new("local-agentcore-gateway", env!("CARGO_PKG_VERSION")),
        )
    }

    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        Cow::Owned(self.versions.to_vec())
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        // outputSchema is not served: AWS's docs show neither it in tools/list nor
        // structuredContent in results, and SDK clients refuse a result without the latter.
        let tools: Vec<Value> = self
            .targets
            .iter()
            .flat_map(|target| {
                target.tools.iter().map(move |tool| {
                    json!({
                        "name": gateway_tool_name(&target.name, &tool.name),
                        "description": tool.description,
                        "inputSchema": tool.input_schema,
                    })
                })
            })
            .collect();
        // Through the constructor: it tags the result `resultType: "complete"`, which servers
        // of protocol 2026-07-28 must send (rmcp drops it again for older peers).
        serde_json::from_value(Value::Array(tools))
            .map(ListToolsResult::with_all_items)
            .map_err(|e| McpError::internal_error(e.to_string(), None))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let started = Instant::now();
        let name = request.name.to_string();
        let Some(target) = self.find(&name).cloned() else {
            return Err(McpError::invalid_params(
                format!("Unknown tool: {name}"),
                None,
            ));
        };
        let (headers, path) = inbound_headers(&context);
        let session_id = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("mcp-session-id"))
            .and_then(|(_, v)| v.as_str())
            .unwrap_or_default()
            .to_owned();
        let message_id = serde_json::to_value(&context.id).unwrap_or(Value::Null);
        let arguments = request.arguments.clone().unwrap_or_default();
        let forward = match &self.interceptor {
            Some(interceptor) => {
                let message = json!({
                    "jsonrpc": "2.0",
                    "id": message_id,
                    "method": "tools/call",
                    "params": {"name": name, "arguments": arguments},
                });
                match self.intercept(interceptor, message, headers, &path).await {
                    Ok(forward) => forward,
                    Err(answer) => return answer.map(Into::into),
                }
            }
            None => Forward {
                arguments,
                headers,
                authorization_from_interceptor: false,
            },
        };
        let propagated = (!target.allowed_request_headers.is_empty()
            || forward.authorization_from_interceptor)
            .then(|| {
                if self.headers_arrive_empty && self.interceptor.is_none() {
                    Map::new()
                } else {
                    propagated(&target, &forward)
                }
            });
        let mcp_message_id = match &message_id {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let client_context = GatewayCall {
            gateway_id: &self.id,
            target: &target.name,
            tool: tool_name(&name),
            session_id: &session_id,
            mcp_message_id: &mcp_message_id,
            aws_request_id: &self.request_id(),
        }
        .client_context(propagated);
        let outcome = self
            .lambda
            .invoke(
                &target.name,
                &Value::Object(forward.arguments),
                &client_context,
            )
            .await;
        let result = match outcome {
            Ok(value) => {
                let text = match value {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                CallToolResult::success(vec![rmcp::model::ContentBlock::text(text)])
            }
            Err(err) => {
                tracing::warn!(%err, tool = %name, "the target failed");
                CallToolResult::error(vec![rmcp::model::ContentBlock::text(LAMBDA_ERROR_TEXT)])
            }
        };
        tracing::info!(
            tool = %name,
            is_error = result.is_error.unwrap_or(false),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "tools/call"
        );
        Ok(result.into())
    }
}
