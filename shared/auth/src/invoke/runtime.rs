//! A small invocation loop over the official `lambda_runtime_api_client`.
//!
//! Why not `lambda_runtime::run`: lambda_runtime 1.x types the client context's `custom` as a map of
//! strings and builds its `Context` before any handler or layer sees the invocation. AgentCore
//! Gateway puts `bedrockAgentCorePropagatedHeaders` there as a nested object, so with header
//! propagation on, every invocation would fail before our code runs. This loop reads the
//! `Lambda-Runtime-Client-Context` header as free JSON instead and otherwise speaks the documented
//! Runtime API: next → response | error, and init/error for start-up faults.

use std::future::Future;

use http::{Method, Request, Uri};
use http_body_util::BodyExt;
use lambda_runtime_api_client::body::Body;
use lambda_runtime_api_client::{PooledClient, build_request};
use serde_json::{Value, json};
use tracing::Instrument;

use crate::aws::observe::{observed, waves};
use crate::contract::failure::Failure;
use crate::domain::error::AuthError;
use crate::domain::signals::collected;
use crate::invoke::metrics;

pub type Error = Box<dyn std::error::Error + Send + Sync>;

const API_VERSION: &str = "2018-06-01";
const REQUEST_ID: &str = "lambda-runtime-aws-request-id";
const CLIENT_CONTEXT: &str = "lambda-runtime-client-context";
const TRACE_ID: &str = "lambda-runtime-trace-id";

/// One invocation as the Runtime API delivered it, before any protocol is chosen.
#[derive(Debug, Clone, Default)]
pub struct Invocation {
    pub request_id: String,
    pub payload: Value,
    /// The raw client context, parsed as free JSON: Gateway nests objects in it.
    pub client_context: Option<Value>,
}

impl Invocation {
    /// An invocation as the Runtime API delivers it: the client-context header as it came, and
    /// the payload's bytes.
    pub fn from_parts(request_id: String, client_context: Option<&str>, body: &[u8]) -> Self {
        let payload = if body.is_empty() {
            Value::Null
        } else {
            // A payload that is not JSON is answered by the envelope as invalid input.
            serde_json::from_slice(body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
        };
        Self {
            request_id,
            payload,
            client_context: client_context.and_then(parse_client_context),
        }
    }
}

/// The Runtime API endpoint of this sandbox, from `AWS_LAMBDA_RUNTIME_API`.
pub fn endpoint_from_env() -> Result<Uri, Error> {
    let value = std::env::var("AWS_LAMBDA_RUNTIME_API").map_err(
        |_| "AWS_LAMBDA_RUNTIME_API is not set: run under Lambda or `cargo lambda watch`",
    )?;
    endpoint(&value)
}

/// Lambda gives `host:port`; `cargo lambda watch` gives a full URL with a base path
/// (`http://127.0.0.1:9000/.rt`). Both are accepted.
pub fn endpoint(value: &str) -> Result<Uri, Error> {
    let value = value.trim().trim_end_matches('/');
    let url = if value.contains("://") {
        value.to_owned()
    } else {
        format!("http://{value}")
    };
    Ok(url.parse()?)
}

/// The client context as JSON. Lambda passes the JSON itself; `cargo lambda watch` passes it
/// base64-encoded, as the Invoke API takes it. `None` for anything else (logged, not fatal: the call
/// then proceeds as a direct invoke).
pub fn parse_client_context(raw: &str) -> Option<Value> {
    use base64::Engine;
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let parsed = serde_json::from_str::<Value>(raw).ok().or_else(|| {
        base64::engine::general_purpose::STANDARD
            .decode(raw)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
    });
    if parsed.is_none() {
        tracing::warn!("unreadable client context ignored");
    }
    parsed.filter(Value::is_object)
}

pub struct RuntimeClient {
    client: PooledClient,
}

impl RuntimeClient {
    pub fn new(endpoint: Uri) -> Self {
        Self {
            client: PooledClient::builder().with_endpoint(endpoint).build(),
        }
    }

    async fn send(
        &self,
        method: Method,
        path: String,
        body: Option<Vec<u8>>,
        error_type: Option<&str>,
    ) -> Result<http::Response<hyper::body::Incoming>, Error> {
        let mut builder = build_request().method(method).uri(path);
        if let Some(kind) = error_type {
            builder = builder.header("lambda-runtime-function-error-type", kind);
        }
        let request: Request<Body> =
            builder.body(body.map(Body::from).unwrap_or_else(Body::empty))?;
        let response = self.client.call(request).await?;
        if response.status().is_server_error() {
            return Err(format!("Runtime API answered {}", response.status()).into());
        }
        Ok(response)
    }

    /// Wait for the next invocation: it, and its X-Ray trace header when Lambda gave one.
    pub async fn next(&self) -> Result<(Invocation, Option<String>), Error> {
        let response = self
            .send(
                Method::GET,
                format!("/{API_VERSION}/runtime/invocation/next"),
                None,
                None,
            )
            .await?;
        let (parts, body) = response.into_parts();
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let request_id = header(REQUEST_ID).ok_or("invocation without a request id")?;
        let bytes = body.collect().await?.to_bytes();
        let invocation =
            Invocation::from_parts(request_id, header(CLIENT_CONTEXT).as_deref(), &bytes);
        Ok((invocation, header(TRACE_ID)))
    }

    pub async fn respond(&self, request_id: &str, body: &Value) -> Result<(), Error> {
        self.send(
            Method::POST,
            format!("/{API_VERSION}/runtime/invocation/{request_id}/response"),
            Some(serde_json::to_vec(body)?),
            None,
        )
        .await
        .map(|_| ())
    }

    pub async fn fail(
        &self,
        request_id: &str,
        error_type: &str,
        message: &str,
    ) -> Result<(), Error> {
        let body = json!({"errorType": error_type, "errorMessage": message});
        self.send(
            Method::POST,
            format!("/{API_VERSION}/runtime/invocation/{request_id}/error"),
            Some(serde_json::to_vec(&body)?),
            Some(error_type),
        )
        .await
        .map(|_| ())
    }

    /// Report a start-up fault, so Lambda shows it as an init error with our message.
    pub async fn init_error(&self, error_type: &str, message: &str) -> Result<(), Error> {
        let body = json!({"errorType": error_type, "errorMessage": message});
        self.send(
            Method::POST,
            format!("/{API_VERSION}/runtime/init/error"),
            Some(serde_json::to_vec(&body)?),
            Some(error_type),
        )
        .await
        .map(|_| ())
    }

    /// Serve invocations of `function` one at a time until the Runtime API goes away. Each runs
    /// in its trace's scope, and the AWS calls it made are logged after it (`aws_calls`, debug).
    pub async fn serve<F, Fut>(&self, function: &'static str, handler: F) -> Result<(), Error>
    where
        F: Fn(Invocation) -> Fut,
        Fut: Future<Output = Result<Value, AuthError>>,
    {
        loop {
            let (invocation, trace_id) = self.next().await?;
            let request_id = invocation.request_id.clone();
            let span = tracing::info_span!("invocation", request_id = %request_id);
            async {
                let ((answer, calls), signals) =
                    collected(observed(trace_id, handler(invocation))).await;
                metrics::emit(function, &signals);
                tracing::debug!(
                    target: "aws_calls",
                    function,
                    waves = waves(&calls),
                    calls = %serde_json::to_string(&calls).unwrap_or_default(),
                    "aws calls"
                );
                match answer {
                    Ok(body) => self.respond(&request_id, &body).await,
                    // Logged where it happened; the caller gets a generic message.
                    Err(err) => {
                        let failure = Failure::of(&err);
                        self.fail(&request_id, failure.error_code.as_str(), &failure.message)
                            .await
                    }
                }
            }
            .instrument(span)
            .await?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    #[test]
    fn endpoints_of_lambda_and_cargo_lambda_watch() {
        assert_eq!(
            endpoint("127.0.0.1:9001").unwrap().to_string(),
            "http://127.0.0.1:9001/"
        );
        let watch = endpoint("http://127.0.0.1:9000/.rt").unwrap();
        assert_eq!(watch.host(), Some("127.0.0.1"));
        assert_eq!(watch.path(), "/.rt");
    }

    #[test]
    fn client_context_as_json_or_base64() {
        let json =
            r#"{"custom":{"bedrockAgentCorePropagatedHeaders":{"authorization":"Bearer t"}}}"#;
        let expected: Value = serde_json::from_str(json).unwrap();
        assert_eq!(parse_client_context(json), Some(expected.clone()));
        let encoded = base64::engine::general_purpose::STANDARD.encode(json);
        assert_eq!(parse_client_context(&encoded), Some(expected));
        assert_eq!(parse_client_context("not json at all"), None);
        assert_eq!(parse_client_context(""), None);
        assert_eq!(parse_client_context("42"), None);
    }
}
