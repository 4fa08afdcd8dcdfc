//! Invoking a function as the Gateway does: Lambda's Invoke API (here `cargo lambda watch`'s),
//! the payload as the body and the client context base64-encoded in `X-Amz-Client-Context`.

use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::Value;

/// Lambda's Invoke API takes "up to 3,583 bytes of base64-encoded data" of client context
/// (<https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html>); a larger one is refused
/// before the function runs. The Gateway's client context carries the propagated headers, the
/// guest's access token among them, so a large enough token makes the target unreachable.
pub const MAX_CLIENT_CONTEXT_BASE64: usize = 3583;

#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    #[error(
        "the client context of {function} is {size} bytes of base64, over Lambda's {MAX_CLIENT_CONTEXT_BASE64}"
    )]
    ClientContextTooLarge { function: String, size: usize },
    /// The function raised an error (the Invoke API's `X-Amz-Function-Error`, or a failed invoke).
    #[error("{function} failed: {detail}")]
    Function { function: String, detail: String },
    #[error("{0} did not answer in time")]
    TimedOut(String),
    #[error("{function} returned no JSON")]
    NotJson { function: String },
}

#[derive(Clone)]
pub struct Lambda {
    client: Client<HttpConnector, Full<Bytes>>,
    /// `http://127.0.0.1:<port>`: the Invoke API base.
    endpoint: String,
    timeout: Duration,
}

impl Lambda {
    pub fn new(endpoint: &str, timeout: Duration) -> Self {
        Self {
            client: Client::builder(hyper_util::rt::TokioExecutor::new()).build_http(),
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            timeout,
        }
    }

    pub async fn invoke(
        &self,
        function: &str,
        payload: &Value,
        client_context: &Value,
    ) -> Result<Value, InvokeError> {
        let failed = |detail: String| InvokeError::Function {
            function: function.to_owned(),
            detail,
        };
        let context = base64::engine::general_purpose::STANDARD.encode(client_context.to_string());
        if context.len() > MAX_CLIENT_CONTEXT_BASE64 {
            return Err(InvokeError::ClientContextTooLarge {
                function: function.to_owned(),
                size: context.len(),
            });
        }
        let request = http::Request::post(format!(
            "{}/2015-03-31/functions/{function}/invocations",
            self.endpoint
        ))
        .header("content-type", "application/json")
        .header("x-amz-client-context", context)
        // `cargo lambda watch` ignores X-Amz-Client-Context and forwards this header to the
        // function's Runtime API as Lambda-Runtime-Client-Context, as Lambda itself does.
        .header("lambda-runtime-client-context", client_context.to_string())
        .body(Full::new(Bytes::from(payload.to_string())))
        .map_err(|e| failed(e.to_string()))?;
        let response = tokio::time::timeout(self.timeout, async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| failed(e.to_string()))?;
            let (parts, body) = response.into_parts();
            let bytes = body
                .collect()
                .await
                .map_err(|e| failed(e.to_string()))?
                .to_bytes();
            Ok::<_, InvokeError>((parts, bytes))
        })
        .await
        .map_err(|_| InvokeError::TimedOut(function.to_owned()))??;
        let (parts, bytes) = response;
        if !parts.status.is_success() || parts.headers.contains_key("x-amz-function-error") {
            // The error type only: an error message may echo what the function was given.
            let kind = serde_json::from_slice::<Value>(&bytes)
                .ok()
                .and_then(|v| {
                    v.get("errorType")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .unwrap_or_default();
            return Err(failed(format!("status {} {kind}", parts.status)));
        }
        serde_json::from_slice(&bytes).map_err(|_| InvokeError::NotJson {
            function: function.to_owned(),
        })
    }
}
