//! One handler core per function, several envelopes in front of it (DESIGN §4):
//!
//! - **AgentCore Gateway** Lambda target: the event is the bare tool arguments; the client context's
//!   `custom` map names the tool (`<target>___<tool>`) and, with header propagation on, carries
//!   `bedrockAgentCorePropagatedHeaders` as a nested object (which is why [`crate::runtime`] reads the
//!   client context itself).
//! - **Direct invoke**: the event is the bare tool arguments.
//! - **Classic Bedrock Agents action groups** (`messageVersion` 1.0), in both the function-details
//!   and the API-schema form, answered with the response envelope each form requires.
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
    BedrockAgent,
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
    if bedrock_agent::is_event(&invocation.payload) {
        return bedrock_agent::dispatch(tool, invocation.payload).await;
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
        serde_json::from_value(args).map_err(|e| AuthError::InvalidInput(describe(&e)))?;
    let output = tool.call(args, ctx).await?;
    serde_json::to_value(output).map_err(|e| AuthError::Internal(format!("result encoding: {e}")))
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

mod bedrock_agent {
    //! Bedrock Agents call an action group's Lambda with `messageVersion` "1.0", the agent, the
    //! action group, and either `function` + `parameters` (function details) or `apiPath` +
    //! `httpMethod` + `parameters`/`requestBody` (API schema). Parameters arrive as
    //! `{name, type, value}` with string values. The application's session attributes may carry the
    //! guest's token (`authorization: Bearer …` or `auth_token`), which wins over parameters.

    use super::*;

    pub(super) fn is_event(payload: &Value) -> bool {
        payload.get("messageVersion").is_some()
            && payload.get("agent").is_some()
            && (payload.get("function").is_some() || payload.get("apiPath").is_some())
    }

    /// Typed values from Bedrock's `{name, type, value}` triples.
    fn arguments(payload: &Value) -> Map<String, Value> {
        let body_properties = payload
            .pointer("/requestBody/content/application~1json/properties")
            .and_then(Value::as_array);
        let parameters = payload.get("parameters").and_then(Value::as_array);
        parameters
            .into_iter()
            .flatten()
            .chain(body_properties.into_iter().flatten())
            .filter_map(|p| {
                let name = p.get("name")?.as_str()?.to_owned();
                let raw = p.get("value")?;
                let text = raw
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| raw.to_string());
                let value = match p.get("type").and_then(Value::as_str) {
                    Some("integer" | "number") => serde_json::from_str::<serde_json::Number>(&text)
                        .map(Value::Number)
                        .unwrap_or(Value::String(text)),
                    Some("boolean") => Value::Bool(text.eq_ignore_ascii_case("true")),
                    _ => raw
                        .as_str()
                        .map(|s| Value::String(s.to_owned()))
                        .unwrap_or_else(|| raw.clone()),
                };
                Some((name, value))
            })
            .collect()
    }

    fn session_bearer(payload: &Value) -> Option<String> {
        let attributes = payload.get("sessionAttributes")?.as_object()?;
        attributes
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            .and_then(|(_, v)| v.as_str())
            .and_then(bearer_token)
            .or_else(|| {
                attributes
                    .get("auth_token")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .filter(|t| !t.is_empty())
    }

    pub(super) async fn dispatch<T: Tool>(tool: &T, payload: Value) -> Result<Value, AuthError> {
        let function = payload.get("function").and_then(Value::as_str);
        let api_path = payload.get("apiPath").and_then(Value::as_str);
        let named =
            function.or_else(|| api_path.and_then(|p| p.trim_end_matches('/').rsplit('/').next()));
        let result = if named == Some(T::NAME) {
            let ctx = CallContext {
                caller: CallerKind::BedrockAgent,
                bearer: session_bearer(&payload),
            };
            run(tool, Value::Object(arguments(&payload)), &ctx).await
        } else {
            Err(AuthError::InvalidInput(format!(
                "this action group function serves {}",
                T::NAME
            )))
        };
        let status = match &result {
            Ok(_) => 200,
            Err(err) => err.http_status(),
        };
        let body = render(result)?.to_string();
        let mut response = Map::new();
        response.insert(
            "actionGroup".into(),
            payload.get("actionGroup").cloned().unwrap_or(Value::Null),
        );
        match function {
            Some(function) => {
                response.insert("function".into(), Value::String(function.to_owned()));
                response.insert(
                    "functionResponse".into(),
                    serde_json::json!({"responseBody": {"TEXT": {"body": body}}}),
                );
            }
            None => {
                response.insert(
                    "apiPath".into(),
                    Value::String(api_path.unwrap_or_default().to_owned()),
                );
                response.insert(
                    "httpMethod".into(),
                    payload.get("httpMethod").cloned().unwrap_or(Value::Null),
                );
                response.insert("httpStatusCode".into(), Value::from(status));
                response.insert(
                    "responseBody".into(),
                    serde_json::json!({"application/json": {"body": body}}),
                );
            }
        }
        Ok(serde_json::json!({
            "messageVersion": "1.0",
            "response": response,
            "sessionAttributes": payload.get("sessionAttributes").cloned().unwrap_or_else(|| serde_json::json!({})),
            "promptSessionAttributes": payload.get("promptSessionAttributes").cloned().unwrap_or_else(|| serde_json::json!({})),
        }))
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
            Err(_) => {
                // Looked like HTTP but lambda_http cannot read it. The serde message could quote a
                // header value (a token), so it is not logged.
                tracing::warn!("unreadable HTTP event");
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    /// A tool that reports what the envelope handed it, or fails on request.
    struct Echo;

    #[derive(Deserialize)]
    struct EchoArgs {
        #[serde(default)]
        fail: Option<String>,
        #[serde(default)]
        value: Option<String>,
    }

    impl Tool for Echo {
        const NAME: &'static str = "echo_tool";
        type Args = EchoArgs;
        type Output = Value;

        async fn call(&self, args: EchoArgs, ctx: &CallContext) -> Result<Value, AuthError> {
            match args.fail.as_deref() {
                Some("rate_limited") => Err(AuthError::RateLimited { retry_after: 7 }),
                Some("auth") => Err(AuthError::TokenExpired),
                Some("internal") => Err(AuthError::Internal("table missing".into())),
                _ => Ok(
                    json!({"success": true, "caller": format!("{:?}", ctx.caller), "bearer": ctx.bearer, "value": args.value}),
                ),
            }
        }
    }

    fn config() -> EnvelopeConfig {
        EnvelopeConfig {
            cors: CorsConfig {
                allowed_origins: vec!["https://chat.example.com".into()],
                max_age_seconds: 600,
            },
        }
    }

    async fn call(payload: Value, client_context: Option<Value>) -> Result<Value, AuthError> {
        let invocation = Invocation {
            request_id: "req-1".into(),
            payload,
            client_context,
        };
        dispatch(&Echo, &config(), invocation).await
    }

    fn gateway_context(tool: &str, headers: Option<Value>) -> Value {
        let mut custom = json!({
            "bedrockAgentCoreGatewayId": "gw-1",
            "bedrockAgentCoreTargetId": "tg-1",
            "bedrockAgentCoreMessageVersion": "1.0",
            "bedrockAgentCoreToolName": tool,
            "bedrockAgentCoreSessionId": "sess-1",
            "bedrockAgentCoreMcpMessageId": "msg-1",
        });
        if let Some(h) = headers {
            custom[GATEWAY_PROPAGATED_HEADERS_KEY] = h;
        }
        json!({"custom": custom, "client": {}, "env": {}})
    }

    fn http_v2(method: &str, headers: Value, body: Option<&str>) -> Value {
        json!({
            "version": "2.0", "routeKey": "$default", "rawPath": "/", "rawQueryString": "",
            "headers": headers,
            "requestContext": {
                "accountId": "123456789012", "apiId": "abc123", "domainName": "abc123.lambda-url.eu-west-1.on.aws",
                "domainPrefix": "abc123", "requestId": "r-1", "routeKey": "$default", "stage": "$default",
                "time": "22/Nov/2026:10:00:00 +0000", "timeEpoch": 1_795_000_000_000_i64,
                "http": {"method": method, "path": "/", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "test"}
            },
            "body": body, "isBase64Encoded": false
        })
    }

    fn http_body(response: &Value) -> Value {
        serde_json::from_str(response["body"].as_str().unwrap_or("null")).unwrap()
    }

    #[tokio::test]
    async fn direct_invoke_passes_bare_arguments() {
        let out = call(json!({"value": "x"}), None).await.unwrap();
        assert_eq!(
            out,
            json!({"success": true, "caller": "Direct", "bearer": null, "value": "x"})
        );
    }

    #[tokio::test]
    async fn direct_invoke_with_no_payload_gets_empty_arguments() {
        let out = call(Value::Null, None).await.unwrap();
        assert_eq!(out["success"], true);
    }

    #[tokio::test]
    async fn gateway_call_strips_the_target_prefix_and_reads_nested_propagated_headers() {
        let ctx = gateway_context(
            "booking-auth___echo_tool",
            Some(json!({"Authorization": "Bearer tok-123", "x-other": "1"})),
        );
        let out = call(json!({"value": "y"}), Some(ctx)).await.unwrap();
        assert_eq!(
            out,
            json!({"success": true, "caller": "Gateway", "bearer": "tok-123", "value": "y"})
        );
    }

    #[tokio::test]
    async fn gateway_headers_are_matched_case_insensitively_and_may_arrive_as_a_string() {
        let ctx = gateway_context(
            "t___echo_tool",
            Some(json!("{\"authorization\":\"bearer tok-9\"}")),
        );
        let out = call(json!({}), Some(ctx)).await.unwrap();
        assert_eq!(out["bearer"], "tok-9");
    }

    #[tokio::test]
    async fn gateway_call_without_propagation_has_no_bearer() {
        let out = call(json!({}), Some(gateway_context("t___echo_tool", None)))
            .await
            .unwrap();
        assert_eq!(out["caller"], "Gateway");
        assert_eq!(out["bearer"], Value::Null);
    }

    #[tokio::test]
    async fn gateway_call_for_another_tool_is_refused() {
        let out = call(json!({}), Some(gateway_context("t___verify_otp", None)))
            .await
            .unwrap();
        assert_eq!(out["error_code"], "INVALID_INPUT");
        assert_eq!(out["success"], false);
    }

    #[test]
    fn tool_name_prefix_is_stripped_through_the_first_separator() {
        assert_eq!(
            gateway_tool_name("target___get_my_reservations"),
            "get_my_reservations"
        );
        assert_eq!(
            gateway_tool_name("get_my_reservations"),
            "get_my_reservations"
        );
        assert_eq!(gateway_tool_name("a___b___c"), "b___c");
    }

    #[tokio::test]
    async fn bad_arguments_are_a_typed_failure_not_a_lambda_error() {
        let out = call(json!([1, 2]), None).await.unwrap();
        assert_eq!(out["error_code"], "INVALID_INPUT");
        let out = call(json!({"value": 5}), None).await.unwrap();
        assert_eq!(out["error_code"], "INVALID_INPUT");
        assert_eq!(out["retryable"], false);
    }

    #[tokio::test]
    async fn input_errors_never_echo_the_value() {
        let out = call(json!({"value": 12345678}), None).await.unwrap();
        let message = out["message"].as_str().unwrap();
        assert!(!message.contains("12345678"), "{message}");
        assert!(message.contains("expected"), "{message}");
        let out = call(json!({"value": ["secret-token"]}), None)
            .await
            .unwrap();
        assert!(!out.to_string().contains("secret-token"));
    }

    #[tokio::test]
    async fn expected_failures_are_results_and_internal_faults_are_lambda_errors() {
        let out = call(json!({"fail": "rate_limited"}), None).await.unwrap();
        assert_eq!(out["error_code"], "RATE_LIMITED");
        assert_eq!(out["retry_after"], 7);
        assert!(
            call(json!({"fail": "internal"}), None)
                .await
                .unwrap_err()
                .is_internal()
        );
    }

    #[tokio::test]
    async fn http_post_reads_body_and_bearer_and_sets_cors_for_an_allowed_origin() {
        let event = http_v2(
            "POST",
            json!({"authorization": "Bearer tok-h", "origin": "https://chat.example.com", "content-type": "application/json"}),
            Some(r#"{"value":"z"}"#),
        );
        let out = call(event, None).await.unwrap();
        assert_eq!(out["statusCode"], 200);
        assert_eq!(
            out["headers"]["access-control-allow-origin"],
            "https://chat.example.com"
        );
        assert_eq!(out["headers"]["cache-control"], "no-store");
        assert_eq!(
            http_body(&out),
            json!({"success": true, "caller": "Http", "bearer": "tok-h", "value": "z"})
        );
    }

    #[tokio::test]
    async fn http_preflight_answers_204_with_cors_headers() {
        let event = http_v2(
            "OPTIONS",
            json!({"origin": "https://chat.example.com", "access-control-request-method": "POST"}),
            None,
        );
        let out = call(event, None).await.unwrap();
        assert_eq!(out["statusCode"], 204);
        assert_eq!(
            out["headers"]["access-control-allow-headers"],
            "authorization, content-type"
        );
        assert!(
            out["headers"]["access-control-allow-methods"]
                .as_str()
                .unwrap()
                .contains("POST")
        );
    }

    #[tokio::test]
    async fn http_other_origins_get_no_cors_headers() {
        let event = http_v2(
            "POST",
            json!({"origin": "https://evil.example.net"}),
            Some("{}"),
        );
        let out = call(event, None).await.unwrap();
        assert_eq!(out["statusCode"], 200);
        assert!(out["headers"].get("access-control-allow-origin").is_none());
    }

    #[tokio::test]
    async fn http_errors_map_to_status_codes() {
        let out = call(
            http_v2("POST", json!({}), Some(r#"{"fail":"rate_limited"}"#)),
            None,
        )
        .await
        .unwrap();
        assert_eq!(out["statusCode"], 429);
        assert_eq!(out["headers"]["retry-after"], "7");
        assert_eq!(http_body(&out)["error_code"], "RATE_LIMITED");

        let out = call(http_v2("POST", json!({}), Some(r#"{"fail":"auth"}"#)), None)
            .await
            .unwrap();
        assert_eq!(out["statusCode"], 401);

        let out = call(http_v2("POST", json!({}), Some("not json")), None)
            .await
            .unwrap();
        assert_eq!(out["statusCode"], 400);
        assert_eq!(http_body(&out)["error_code"], "INVALID_INPUT");

        let out = call(
            http_v2("POST", json!({}), Some(r#"{"fail":"internal"}"#)),
            None,
        )
        .await
        .unwrap();
        assert_eq!(out["statusCode"], 500);
        assert!(!out["body"].as_str().unwrap().contains("table missing"));
    }

    #[tokio::test]
    async fn http_get_is_refused_for_a_post_only_tool() {
        let out = call(http_v2("GET", json!({}), None), None).await.unwrap();
        assert_eq!(out["statusCode"], 405);
        assert_eq!(out["headers"]["allow"], "POST, OPTIONS");
    }

    #[tokio::test]
    async fn rest_api_v1_events_get_the_v1_response_shape() {
        let event = json!({
            "resource": "/login", "path": "/login", "httpMethod": "POST",
            "headers": {"Authorization": "Bearer tok-v1"}, "multiValueHeaders": {"Authorization": ["Bearer tok-v1"]},
            "queryStringParameters": null, "multiValueQueryStringParameters": null, "pathParameters": null,
            "stageVariables": null,
            "requestContext": {"accountId": "123456789012", "resourceId": "r", "stage": "prod", "requestId": "id",
                "identity": {"sourceIp": "127.0.0.1"}, "resourcePath": "/login", "httpMethod": "POST", "apiId": "api"},
            "body": "{\"value\":\"v1\"}", "isBase64Encoded": false
        });
        let out = call(event, None).await.unwrap();
        assert_eq!(out["statusCode"], 200);
        assert_eq!(
            out["multiValueHeaders"]["content-type"],
            json!(["application/json"])
        );
        assert_eq!(http_body(&out)["bearer"], "tok-v1");
    }

    fn bedrock_event(
        function: Option<&str>,
        api_path: Option<&str>,
        parameters: Value,
        session: Value,
    ) -> Value {
        let mut event = json!({
            "messageVersion": "1.0",
            "agent": {"name": "a", "id": "A1", "alias": "TSTALIASID", "version": "DRAFT"},
            "inputText": "hi", "sessionId": "s-1", "actionGroup": "bookingauth",
            "sessionAttributes": session, "promptSessionAttributes": {"p": "1"}
        });
        if let Some(f) = function {
            event["function"] = json!(f);
            event["parameters"] = parameters.clone();
        }
        if let Some(path) = api_path {
            event["apiPath"] = json!(path);
            event["httpMethod"] = json!("POST");
            event["requestBody"] =
                json!({"content": {"application/json": {"properties": parameters}}});
        }
        event
    }

    #[tokio::test]
    async fn bedrock_function_details_get_the_function_response_envelope() {
        let event = bedrock_event(
            Some("echo_tool"),
            None,
            json!([{"name": "value", "type": "string", "value": "v"}]),
            json!({"authorization": "Bearer session-token"}),
        );
        let out = call(event, None).await.unwrap();
        assert_eq!(out["messageVersion"], "1.0");
        assert_eq!(out["response"]["actionGroup"], "bookingauth");
        assert_eq!(out["response"]["function"], "echo_tool");
        assert_eq!(out["promptSessionAttributes"], json!({"p": "1"}));
        let body: Value = serde_json::from_str(
            out["response"]["functionResponse"]["responseBody"]["TEXT"]["body"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            body,
            json!({"success": true, "caller": "BedrockAgent", "bearer": "session-token", "value": "v"})
        );
    }

    #[tokio::test]
    async fn bedrock_api_schema_calls_get_a_status_code_and_typed_parameters() {
        let event = bedrock_event(
            None,
            Some("/echo_tool"),
            json!([{"name": "fail", "type": "string", "value": "rate_limited"}]),
            json!({}),
        );
        let out = call(event, None).await.unwrap();
        assert_eq!(out["response"]["apiPath"], "/echo_tool");
        assert_eq!(out["response"]["httpMethod"], "POST");
        assert_eq!(out["response"]["httpStatusCode"], 429);
        let body: Value = serde_json::from_str(
            out["response"]["responseBody"]["application/json"]["body"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(body["error_code"], "RATE_LIMITED");

        // A number-typed parameter arrives as a number, which this tool refuses for `value`.
        let event = bedrock_event(
            Some("echo_tool"),
            None,
            json!([{"name": "value", "type": "integer", "value": "12"}]),
            json!({}),
        );
        let out = call(event, None).await.unwrap();
        assert!(
            out["response"]["functionResponse"]["responseBody"]["TEXT"]["body"]
                .as_str()
                .unwrap()
                .contains("INVALID_INPUT")
        );
    }

    #[tokio::test]
    async fn bedrock_calls_for_another_function_are_refused() {
        let out = call(
            bedrock_event(Some("verify_otp"), None, json!([]), json!({})),
            None,
        )
        .await
        .unwrap();
        let body = out["response"]["functionResponse"]["responseBody"]["TEXT"]["body"]
            .as_str()
            .unwrap();
        assert!(body.contains("INVALID_INPUT"), "{body}");
    }

    #[test]
    fn bearer_parsing_accepts_only_the_bearer_scheme() {
        assert_eq!(bearer_token("Bearer abc").as_deref(), Some("abc"));
        assert_eq!(bearer_token("bearer   abc ").as_deref(), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("abc"), None);
    }

    #[test]
    fn call_context_debug_hides_the_token() {
        let ctx = CallContext {
            caller: CallerKind::Http,
            bearer: Some("secret-token".into()),
        };
        assert!(!format!("{ctx:?}").contains("secret-token"));
    }
}
