//! One handler core per function, several envelopes in front of it (DESIGN §4):
//!
//! - **AgentCore Gateway** Lambda target: the event is the bare tool arguments; the client context's
//!   `custom` map names the tool (`<target>___<tool>`) and, with header propagation on, carries
//!   `bedrockAgentCorePropagatedHeaders` as a nested object (which is why [`crate::runtime`] reads the
//!   client context itself).
//! - **Direct invoke**: the event is the bare tool arguments.
//! - **HTTP** through lambda_http: API Gateway HTTP API (v2), Function URLs (same payload) and REST
//!   API (v1) events; JSON bodies, `Authorization: Bearer`, CORS from configuration, a status per error.
//!
//! Expected failures are ordinary results in every envelope; only [`AuthError::Internal`] becomes a
//! Lambda error (Gateway, direct) or a 500 (HTTP).

use std::future::Future;

use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use lambda_http::aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayV2httpResponse};
use lambda_http::aws_lambda_events::encodings::Body;
use lambda_http::request::{LambdaRequest, RequestOrigin};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::config::CorsConfig;
use crate::error::AuthError;

/// The client-context key that names the tool a Gateway call is for.
pub const GATEWAY_TOOL_NAME_KEY: &str = "bedrockAgentCoreToolName";
/// The client-context key of propagated request headers (a nested object).
pub const GATEWAY_PROPAGATED_HEADERS_KEY: &str = "bedrockAgentCorePropagatedHeaders";
/// Gateway joins target and tool names with this; target names cannot contain underscores.
const GATEWAY_TOOL_SEPARATOR: &str = "___";

/// One tool: its name, its argument and result types, and its handler core.
pub trait Tool: Send + Sync + 'static {
    /// The tool name agents call, e.g. `initiate_login`.
    const NAME: &'static str;
    /// Whether an HTTP `GET` (no body) may call it, as for reading reservations.
    const HTTP_GET: bool = false;
    type Args: DeserializeOwned + Send;
    type Output: Serialize + Send;

    fn call(
        &self,
        args: Self::Args,
        ctx: &CallContext,
    ) -> impl Future<Output = Result<Self::Output, AuthError>> + Send;
}

/// Who called, as far as the handler needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerKind {
    Gateway,
    Direct,
    Http,
}

/// What the envelope learned besides the arguments.
#[derive(Clone)]
pub struct CallContext {
    pub caller: CallerKind,
    /// The `Authorization: Bearer` token of an HTTP request or of Gateway-propagated headers.
    pub bearer: Option<String>,
}

impl std::fmt::Debug for CallContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallContext")
            .field("caller", &self.caller)
            .field("bearer", &self.bearer.as_ref().map(|_| "***"))
            .finish()
    }
}

/// One invocation as the Runtime API delivered it, before any envelope is chosen.
#[derive(Debug, Clone, Default)]
pub struct Invocation {
    pub request_id: String,
    pub payload: Value,
    /// The raw client context, parsed as free JSON: Gateway nests objects in it.
    pub client_context: Option<Value>,
}

/// Settings of the envelope layer.
#[derive(Debug, Clone, Default)]
pub struct EnvelopeConfig {
    pub cors: CorsConfig,
}

/// Route one invocation through the right envelope to `tool` and render its answer for that caller.
/// `Err` only for faults no caller can fix; the runtime reports those as a Lambda error.
pub async fn dispatch<T: Tool>(
    tool: &T,
    config: &EnvelopeConfig,
    invocation: Invocation,
) -> Result<Value, AuthError> {
    if is_http_event(&invocation.payload) {
        return Ok(web::dispatch(tool, config, invocation.payload).await);
    }
    let custom = invocation
        .client_context
        .as_ref()
        .and_then(|c| c.get("custom"))
        .and_then(Value::as_object);
    let (caller, bearer) = match custom.and_then(|c| c.get(GATEWAY_TOOL_NAME_KEY)) {
        Some(name) => {
            let name = name.as_str().unwrap_or_default();
            if gateway_tool_name(name) != T::NAME {
                let err =
                    AuthError::InvalidInput(format!("this function serves the tool {}", T::NAME));
                return Ok(err.to_failure());
            }
            (CallerKind::Gateway, custom.and_then(propagated_bearer))
        }
        None => (CallerKind::Direct, None),
    };
    let ctx = CallContext { caller, bearer };
    let args = match invocation.payload {
        // A tool without required arguments may be invoked with no payload at all.
        Value::Null => Value::Object(Map::new()),
        other => other,
    };
    render(run(tool, args, &ctx).await)
}

/// The tool name without the Gateway target prefix: `booking___verify_otp` → `verify_otp`.
pub fn gateway_tool_name(qualified: &str) -> &str {
    qualified
        .split_once(GATEWAY_TOOL_SEPARATOR)
        .map(|(_, tool)| tool)
        .unwrap_or(qualified)
}

fn propagated_bearer(custom: &Map<String, Value>) -> Option<String> {
    let headers = custom.get(GATEWAY_PROPAGATED_HEADERS_KEY)?;
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
        .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
        .and_then(|(_, v)| v.as_str())
        .and_then(bearer_token)
}

/// The token of an `Authorization: Bearer <token>` value; any other scheme is not ours.
pub fn bearer_token(value: &str) -> Option<String> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

fn is_http_event(payload: &Value) -> bool {
    payload.get("requestContext").is_some()
        && ["httpMethod", "routeKey", "rawPath"]
            .iter()
            .any(|k| payload.get(k).is_some())
}

async fn run<T: Tool>(tool: &T, args: Value, ctx: &CallContext) -> Result<Value, AuthError> {
    if !args.is_object() {
        return Err(AuthError::InvalidInput(
            "arguments must be a JSON object".into(),
        ));
    }
    let args: T::Args =
        serde_json::from_value(args).map_err(|e| AuthError::InvalidInput(e.to_string()))?;
    let output = tool.call(args, ctx).await?;
    serde_json::to_value(output).map_err(|e| AuthError::Internal(format!("result encoding: {e}")))
}

/// Success and expected failures are results; internal faults propagate.
fn render(result: Result<Value, AuthError>) -> Result<Value, AuthError> {
    match result {
        Ok(value) => Ok(value),
        Err(err) if err.is_internal() => Err(err),
        Err(err) => {
            tracing::info!(error_code = err.code().as_str(), reason = %err, "tool refused the call");
            Ok(err.to_failure())
        }
    }
}

mod web {
    use super::*;

    pub(super) async fn dispatch<T: Tool>(
        tool: &T,
        config: &EnvelopeConfig,
        payload: Value,
    ) -> Value {
        let request: LambdaRequest = match serde_json::from_value(payload) {
            Ok(r) => r,
            Err(err) => {
                // Looked like HTTP but lambda_http cannot read it: answer as API Gateway v2 would.
                tracing::warn!(error = %err, "unreadable HTTP event");
                let failure = AuthError::InvalidInput("unreadable HTTP event".into());
                return respond(
                    &RequestOrigin::ApiGatewayV2,
                    StatusCode::BAD_REQUEST,
                    failure.to_failure(),
                    HeaderMap::new(),
                );
            }
        };
        let origin = request.request_origin();
        let request: lambda_http::Request = request.into();
        let cors = cors_headers(&config.cors, request.headers());
        let method = request.method().clone();

        if method == Method::OPTIONS {
            return respond_empty(&origin, StatusCode::NO_CONTENT, cors);
        }
        let allowed = method == Method::POST || (T::HTTP_GET && method == Method::GET);
        if !allowed {
            let mut headers = cors;
            let allow = if T::HTTP_GET {
                "GET, POST, OPTIONS"
            } else {
                "POST, OPTIONS"
            };
            headers.insert(header::ALLOW, HeaderValue::from_static(allow));
            let failure =
                AuthError::InvalidInput(format!("method {method} not allowed")).to_failure();
            return respond(&origin, StatusCode::METHOD_NOT_ALLOWED, failure, headers);
        }

        let bearer = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_token);
        let ctx = CallContext {
            caller: CallerKind::Http,
            bearer,
        };
        let result = match body_json(request.body()) {
            Ok(args) => run(tool, args, &ctx).await,
            Err(err) => Err(err),
        };
        let mut headers = cors;
        match result {
            Ok(value) => respond(&origin, StatusCode::OK, value, headers),
            Err(err) => {
                if err.is_internal() {
                    tracing::error!(reason = %err, "internal error");
                } else {
                    tracing::info!(error_code = err.code().as_str(), reason = %err, "tool refused the call");
                }
                if let AuthError::RateLimited { retry_after } = err {
                    headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
                }
                let status = StatusCode::from_u16(err.http_status())
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                respond(&origin, status, err.to_failure(), headers)
            }
        }
    }

    fn body_json(body: &Body) -> Result<Value, AuthError> {
        let bytes: &[u8] = match body {
            Body::Empty => return Ok(Value::Object(Map::new())),
            Body::Text(t) => t.as_bytes(),
            Body::Binary(b) => b,
            _ => return Err(AuthError::InvalidInput("unsupported body".into())),
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Object(Map::new()));
        }
        serde_json::from_slice(bytes)
            .map_err(|_| AuthError::InvalidInput("the body must be JSON".into()))
    }

    /// CORS headers when the request's `Origin` is allowed; none otherwise (the browser then blocks).
    fn cors_headers(cors: &CorsConfig, request: &HeaderMap) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let Some(origin) = request.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
            return headers;
        };
        let wildcard = cors.allowed_origins.iter().any(|o| o == "*");
        if !wildcard && !cors.allowed_origins.iter().any(|o| o == origin) {
            return headers;
        }
        let allow_origin = if wildcard {
            HeaderValue::from_static("*")
        } else {
            HeaderValue::from_str(origin).unwrap_or(HeaderValue::from_static("null"))
        };
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin);
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, OPTIONS"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from(cors.max_age_seconds),
        );
        headers
    }

    fn respond(
        origin: &RequestOrigin,
        status: StatusCode,
        body: Value,
        mut headers: HeaderMap,
    ) -> Value {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        // Answers carry tokens and personal data: never cache them anywhere.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        build(origin, status, Some(Body::Text(body.to_string())), headers)
    }

    fn respond_empty(origin: &RequestOrigin, status: StatusCode, headers: HeaderMap) -> Value {
        build(origin, status, None, headers)
    }

    fn build(
        origin: &RequestOrigin,
        status: StatusCode,
        body: Option<Body>,
        headers: HeaderMap,
    ) -> Value {
        let rendered = match origin {
            RequestOrigin::ApiGatewayV1 => {
                let mut r = ApiGatewayProxyResponse::default();
                r.status_code = i64::from(status.as_u16());
                r.multi_value_headers = headers;
                r.body = body;
                serde_json::to_value(r)
            }
            // Function URLs and HTTP APIs share the v2 shape.
            _ => {
                let mut r = ApiGatewayV2httpResponse::default();
                r.status_code = i64::from(status.as_u16());
                r.headers = headers;
                r.body = body;
                serde_json::to_value(r)
            }
        };
        rendered.unwrap_or_else(|e| {
            tracing::error!(error = %e, "response encoding failed");
            serde_json::json!({"statusCode": 500})
        })
    }
}
