//! Calling the functions as Lambda's Invoke API, AgentCore Gateway and a function URL would.

use std::time::Duration;

use booking_auth::contract::ToolContract;
use booking_auth::domain::agentcore::{GatewayCall, PROPAGATED_HEADERS_KEY};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::Value;

use super::{HttpReply, Result, Stack, StackError};

impl Stack {
    /// The local AgentCore Gateway's MCP endpoint (Streamable HTTP); with `interceptor`, the one
    /// that runs the guest-token REQUEST interceptor first.
    pub fn mcp_url(&self, interceptor: bool) -> Option<String> {
        self.gateway_ports.map(|ports| {
            let port = if interceptor {
                ports.intercepted
            } else {
                ports.plain
            };
            format!("http://127.0.0.1:{port}/mcp")
        })
    }

    /// The function URL base of `function` under `cargo lambda watch`.
    pub fn function_url(&self, function: &str) -> String {
        format!(
            "http://127.0.0.1:{}/lambda-url/{function}/",
            self.watch_port
        )
    }

    pub(super) async fn request(
        &self,
        method: &str,
        url: String,
        headers: &[(&str, String)],
        body: Option<String>,
    ) -> Result<HttpReply> {
        let mut builder = http::Request::builder().method(method).uri(url);
        for (k, v) in headers {
            builder = builder.header(*k, v);
        }
        let request = builder
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| e.to_string())?;
        let response = tokio::time::timeout(Duration::from_secs(120), self.http.request(request))
            .await
            .map_err(|_| StackError("request timed out".into()))?
            .map_err(|e| StackError(e.to_string()))?;
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
        let body: Value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        self.remember_secrets(&body);
        Ok(HttpReply {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        })
    }

    /// Invoke a function through `cargo lambda watch`'s Invoke API, as Lambda would: the payload,
    /// and optionally a client context (AgentCore Gateway). A Lambda error is `Err`.
    pub fn invoke(
        &self,
        function: &str,
        payload: Value,
        client_context: Option<Value>,
    ) -> Result<Value> {
        self.rt
            .block_on(self.invoke_async(function, payload, client_context))
    }

    pub async fn invoke_async(
        &self,
        function: &str,
        payload: Value,
        client_context: Option<Value>,
    ) -> Result<Value> {
        let mut headers = vec![("content-type", "application/json".to_owned())];
        if let Some(ctx) = client_context {
            headers.push(("lambda-runtime-client-context", ctx.to_string()));
        }
        let url = format!(
            "http://127.0.0.1:{}/2015-03-31/functions/{function}/invocations",
            self.watch_port
        );
        let reply = self
            .request("POST", url, &headers, Some(payload.to_string()))
            .await?;
        if reply.status == 200 {
            Ok(reply.body)
        } else {
            Err(StackError(format!(
                "{function} failed with {}: {}",
                reply.status, reply.body
            )))
        }
    }

    /// An AgentCore Gateway call: bare arguments, the tool named `<target>___<tool>` in the client
    /// context, and optionally propagated headers as a nested object.
    pub fn gateway_call(
        &self,
        function: &str,
        tool: &str,
        args: Value,
        propagated: Option<Value>,
    ) -> Result<Value> {
        self.invoke(
            function,
            args,
            Some(gateway_context(function, tool, propagated)),
        )
    }

    /// A Gateway call of the tool `C`, made to the function that serves it.
    pub fn call_tool<C: ToolContract>(
        &self,
        args: Value,
        propagated: Option<Value>,
    ) -> Result<Value> {
        self.gateway_call(C::FUNCTION, C::NAME, args, propagated)
    }

    /// A request to a function URL (`/lambda-url/<function>/...`).
    pub fn url(
        &self,
        function: &str,
        method: &str,
        headers: &[(&str, String)],
        body: Option<Value>,
    ) -> Result<HttpReply> {
        let url = self.function_url(function);
        let mut headers = headers.to_vec();
        if body.is_some() {
            headers.push(("content-type", "application/json".to_owned()));
        }
        self.rt
            .block_on(self.request(method, url, &headers, body.map(|b| b.to_string())))
    }

    /// A `GET` of a function URL with a query string (`name=value&...`, already encoded).
    pub fn get_with_query(
        &self,
        function: &str,
        query: &str,
        headers: &[(&str, String)],
    ) -> Result<HttpReply> {
        let url = format!("{}?{query}", self.function_url(function));
        self.rt.block_on(self.request("GET", url, headers, None))
    }
}

/// The client context AgentCore Gateway sends the function behind target `function` for `tool`,
/// as the local Gateway builds it (`local-gateway`), for calls made without it.
pub fn gateway_context(function: &str, tool: &str, propagated: Option<Value>) -> Value {
    let call = GatewayCall {
        gateway_id: "local-gateway",
        target: function,
        tool,
        session_id: "local-session",
        mcp_message_id: "1",
        aws_request_id: "00000000-0000-4000-8000-000000000001",
    };
    let mut context = call.client_context(None);
    // Kept as the caller wrote it (a JSON object of header names to values).
    if let Some(headers) = propagated {
        context["custom"][PROPAGATED_HEADERS_KEY] = headers;
    }
    context
}
