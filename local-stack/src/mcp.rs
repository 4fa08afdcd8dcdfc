//! An agent's side of the local AgentCore Gateway, with the official Rust MCP SDK's client
//! (`rmcp`): one client per conversation state, the guest's token in the guest-token header once
//! the guest signed in — set by code, never by the model.

use std::collections::HashMap;

use booking_auth::domain::agentcore::DEFAULT_GUEST_TOKEN_HEADER;
use http::{HeaderName, HeaderValue};
use rmcp::model::CallToolRequestParams;
use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{RoleClient, ServiceExt};
use serde_json::Value;

use crate::StackError;

pub struct GatewayClient {
    service: RunningService<RoleClient, ()>,
}

/// One tool call's answer as the Gateway gives it.
#[derive(Debug, Clone)]
pub struct ToolAnswer {
    /// `content[0].text`, parsed as JSON where it is JSON.
    pub body: Value,
    pub is_error: bool,
}

impl GatewayClient {
    /// Connect to `url` as an agent would, with the guest's access token in the guest-token
    /// header once there is one.
    pub async fn connect(url: &str, guest_token: Option<&str>) -> Result<Self, StackError> {
        let mut headers = HashMap::new();
        if let Some(token) = guest_token {
            let value = HeaderValue::from_str(&format!("Bearer {token}"))
                .map_err(|e| StackError(e.to_string()))?;
            let name = HeaderName::from_bytes(DEFAULT_GUEST_TOKEN_HEADER.as_bytes())
                .map_err(|e| StackError(e.to_string()))?;
            headers.insert(name, value);
        }
        let config = StreamableHttpClientTransportConfig::with_uri(url).custom_headers(headers);
        let transport = StreamableHttpClientTransport::from_config(config);
        let service = ().serve(transport).await.map_err(|e| StackError(e.to_string()))?;
        Ok(Self { service })
    }

    /// The protocol version the Gateway and this client agreed on.
    pub fn protocol_version(&self) -> String {
        self.service
            .peer_info()
            .map(|info| info.protocol_version.to_string())
            .unwrap_or_default()
    }

    pub async fn tool_names(&self) -> Result<Vec<String>, StackError> {
        let tools = self
            .service
            .list_all_tools()
            .await
            .map_err(|e| StackError(e.to_string()))?;
        Ok(tools.into_iter().map(|t| t.name.into_owned()).collect())
    }

    pub async fn call(&self, tool: &str, arguments: Value) -> Result<ToolAnswer, StackError> {
        let mut params = CallToolRequestParams::new(tool.to_owned());
        if let Value::Object(arguments) = arguments {
            params = params.with_arguments(arguments);
        }
        let result = self
            .service
            .call_tool(params)
            .await
            .map_err(|e| StackError(e.to_string()))?;
        let text = result
            .content
            .first()
            .and_then(|block| block.as_text())
            .map(|t| t.text.clone())
            .unwrap_or_default();
        Ok(ToolAnswer {
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
            is_error: result.is_error.unwrap_or(false),
        })
    }

    pub async fn close(self) {
        let _ = self.service.cancel().await;
    }
}
