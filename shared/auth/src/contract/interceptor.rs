//! AgentCore Gateway's REQUEST interceptor contract for MCP targets: what a Gateway sends an
//! interceptor Lambda before it calls a target, and what the interceptor answers. Shapes from
//! <https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-interceptors-types.html>:
//! input `interceptorInputVersion` "1.0" with `mcp.gatewayRequest` (`path`, `httpMethod`, `headers`
//! when the interceptor is configured with `passRequestHeaders`, and the JSON-RPC `body`); output
//! `interceptorOutputVersion` "1.0" with `mcp.transformedGatewayRequest` (`headers`, `body`), or
//! `mcp.transformedGatewayResponse` to answer the caller without calling the target.
//! `functions/guest-token-interceptor` serves it; the local Gateway calls it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The function (binary, `functions/<name>/`) that serves it; not a Gateway target.
pub const INTERCEPTOR_FUNCTION: &str = "guest-token-interceptor";

/// The only version AWS documents, in both directions.
pub const INTERCEPTOR_VERSION: &str = "1.0";

#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InterceptorInput {
    pub interceptor_input_version: String,
    pub mcp: McpInterception,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct McpInterception {
    /// The request body exactly as the caller sent it, as a string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_gateway_request: Option<Value>,
    pub gateway_request: GatewayRequest,
    /// Present for RESPONSE interceptors only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_response: Option<Value>,
}

#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_method: Option<String>,
    /// The caller's request headers; only with `passRequestHeaders: true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Map<String, Value>>,
    /// The JSON-RPC message.
    pub body: Value,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InterceptorOutput {
    pub interceptor_output_version: String,
    pub mcp: McpTransformation,
}

#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct McpTransformation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transformed_gateway_request: Option<TransformedRequest>,
    /// When present the Gateway answers with it at once, whatever the request says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transformed_gateway_response: Option<Value>,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransformedRequest {
    /// Headers for the target; only allowlisted ones are propagated (and `Authorization`, which
    /// only an interceptor can provide).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Map<String, Value>>,
    pub body: Value,
}

impl InterceptorOutput {
    /// Call the target with this request.
    pub fn forward(request: TransformedRequest) -> Self {
        Self {
            interceptor_output_version: INTERCEPTOR_VERSION.to_owned(),
            mcp: McpTransformation {
                transformed_gateway_request: Some(request),
                transformed_gateway_response: None,
            },
        }
    }
}

// Headers and bodies carry the guest's token and the model's arguments: Debug names the shape only.
macro_rules! opaque_debug {
    ($($ty:ty),*) => {$(
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($ty), " { .. }"))
            }
        }
    )*};
}
opaque_debug!(
    InterceptorInput,
    McpInterception,
    GatewayRequest,
    InterceptorOutput,
    McpTransformation,
    TransformedRequest
);
