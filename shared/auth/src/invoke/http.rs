//! HTTP through lambda_http's event types: API Gateway HTTP API (v2), Function URLs (same
//! payload) and REST API (v1) events. JSON bodies, `Authorization: Bearer`, CORS from
//! configuration, a status per error, `Cache-Control: no-store` on every answer.

use std::sync::LazyLock;

use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use lambda_http::aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayV2httpResponse};
use lambda_http::aws_lambda_events::encodings::Body;
use lambda_http::request::{LambdaRequest, RequestOrigin};
use serde_json::{Map, Value};

use super::{
    CallContext, CallerKind, EnvelopeConfig, Tool, ToolContract, bearer_token, log_failure, run,
};
use crate::config::CorsConfig;
use crate::contract::failure::{failure_value, http_status};
use crate::domain::agentcore::CONVERSATION_HEADER;
use crate::domain::budget::{Source, SourceKind, conversation_key};
use crate::domain::error::AuthError;

/// The methods a browser may use on the functions' HTTP routes, and the request headers it may
/// send (the bearer token, JSON, the conversation): the functions' own CORS answer, and the stack's
/// HTTP API's `CorsConfiguration` (`infra/generate` writes it from these).
pub const CORS_ALLOW_METHODS: [&str; 3] = ["GET", "POST", "OPTIONS"];
pub const CORS_ALLOW_HEADERS: [&str; 3] = ["authorization", "content-type", "x-conversation-id"];

static ALLOW_METHODS: LazyLock<HeaderValue> = LazyLock::new(|| listed(&CORS_ALLOW_METHODS));
static ALLOW_HEADERS: LazyLock<HeaderValue> = LazyLock::new(|| listed(&CORS_ALLOW_HEADERS));

/// `a, b, c` as a header value; the lists above are ASCII tokens, so it never falls back.
fn listed(values: &[&str]) -> HeaderValue {
    HeaderValue::from_str(&values.join(", ")).unwrap_or(HeaderValue::from_static(""))
}

/// The event without what lambda_http builds the request URI from, which no tool reads: the Host
/// and X-Forwarded-Proto headers, the domain, stage, path and query. lambda_http 1.3 parses that
/// URI with `unwrap` (`build_request_uri`), so an event with, say, a Host header that is not a
/// valid host panicked the function: found by `fuzz/fuzz_targets/envelope.rs`.
fn without_uri_parts(mut request: LambdaRequest) -> LambdaRequest {
    let forwarded_proto = http::HeaderName::from_static("x-forwarded-proto");
    match &mut request {
        LambdaRequest::ApiGatewayV2(event) => {
            event.headers.remove(header::HOST);
            event.headers.remove(&forwarded_proto);
            event.request_context.domain_name = None;
            event.request_context.stage = None;
            event.raw_path = Some("/".into());
            event.raw_query_string = None;
        }
        LambdaRequest::ApiGatewayV1(event) => {
            event.headers.remove(header::HOST);
            event.headers.remove(&forwarded_proto);
            event.request_context.domain_name = None;
            event.request_context.stage = None;
            event.path = Some("/".into());
            event.query_string_parameters = Default::default();
            event.multi_value_query_string_parameters = Default::default();
        }
        #[allow(unreachable_patterns)] // other event kinds, when lambda_http's features add them
        _ => {}
    }
    request
}

/// The caller's IP address as API Gateway or the function URL saw it (never a forwarded header,
/// which the caller could set).
fn source_ip(request: &lambda_http::Request) -> Option<&str> {
    use lambda_http::RequestExt;
    use lambda_http::request::RequestContext;
    match request.request_context_ref()? {
        RequestContext::ApiGatewayV2(ctx) => ctx.http.source_ip.as_deref(),
        RequestContext::ApiGatewayV1(ctx) => ctx.identity.source_ip.as_deref(),
        #[allow(unreachable_patterns)] // other event kinds, when lambda_http's features add them
        _ => None,
    }
}

/// An HTTP answer before it is rendered in the response shape of the event's origin.
pub struct HttpReply {
    origin: RequestOrigin,
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// JSON text; `None` for a preflight.
    pub body: Option<String>,
}

impl std::fmt::Debug for HttpReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The body carries tokens and personal data.
        f.debug_struct("HttpReply")
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl HttpReply {
    fn json(
        origin: RequestOrigin,
        status: StatusCode,
        body: Value,
        mut headers: HeaderMap,
    ) -> Self {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        // Answers carry tokens and personal data: never cache them anywhere.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        Self {
            origin,
            status,
            headers,
            body: Some(body.to_string()),
        }
    }

    pub fn tool_answer(&self) -> Value {
        self.body
            .as_deref()
            .and_then(|b| serde_json::from_str(b).ok())
            .unwrap_or(Value::Null)
    }

    /// The response event of the request's origin: v1 for REST APIs, v2 for HTTP APIs and
    /// Function URLs.
    pub fn into_payload(self) -> Value {
        let body = self.body.map(Body::Text);
        let rendered = match self.origin {
            RequestOrigin::ApiGatewayV1 => {
                let mut r = ApiGatewayProxyResponse::default();
                r.status_code = i64::from(self.status.as_u16());
                r.multi_value_headers = self.headers;
                r.body = body;
                serde_json::to_value(r)
            }
            _ => {
                let mut r = ApiGatewayV2httpResponse::default();
                r.status_code = i64::from(self.status.as_u16());
                r.headers = self.headers;
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

pub(super) fn is_event(payload: &Value) -> bool {
    payload.get("requestContext").is_some()
        && ["httpMethod", "routeKey", "rawPath"]
            .iter()
            .any(|k| payload.get(k).is_some())
}

pub(super) async fn answer_request<T: Tool>(
    tool: &T,
    config: &EnvelopeConfig,
    payload: Value,
) -> HttpReply {
    let request: LambdaRequest = match serde_json::from_value(payload) {
        Ok(r) => r,
        Err(_) => {
            // Looked like HTTP but lambda_http cannot read it. The serde message could quote a
            // header value (a token), so it is not logged.
            let failure = AuthError::InvalidInput("unreadable HTTP event".into());
            log_failure(CallerKind::Http, &failure);
            return HttpReply::json(
                RequestOrigin::ApiGatewayV2,
                StatusCode::BAD_REQUEST,
                failure_value(&failure),
                HeaderMap::new(),
            );
        }
    };
    let origin = request.request_origin();
    let query = query_arguments(&request);
    let request: lambda_http::Request = without_uri_parts(request).into();
    let cors = cors_headers(&config.cors, request.headers());
    let method = request.method().clone();
    let http_get = T::Contract::HTTP_GET;

    if method == Method::OPTIONS {
        return HttpReply {
            origin,
            status: StatusCode::NO_CONTENT,
            headers: cors,
            body: None,
        };
    }
    if !(method == Method::POST || (http_get && method == Method::GET)) {
        let mut headers = cors;
        let allow = if http_get {
            "GET, POST, OPTIONS"
        } else {
            "POST, OPTIONS"
        };
        headers.insert(header::ALLOW, HeaderValue::from_static(allow));
        let failure = AuthError::InvalidInput(format!("method {method} not allowed"));
        log_failure(CallerKind::Http, &failure);
        return HttpReply::json(
            origin,
            StatusCode::METHOD_NOT_ALLOWED,
            failure_value(&failure),
            headers,
        );
    }

    let conversation = request
        .headers()
        .get(CONVERSATION_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let ctx = CallContext {
        caller: CallerKind::Http,
        bearer: request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_token),
        token_argument: config.guest_token.argument,
        source: source_ip(&request).and_then(|ip| Source::new(SourceKind::Ip, ip)),
        conversation: conversation_key("http", conversation),
    };
    let arguments = match body_json(request.body()) {
        // A GET has no body: its arguments are its query parameters.
        Ok(Value::Object(body)) if method == Method::GET && body.is_empty() => {
            get_arguments(query, T::Contract::TOKEN_ARGUMENT)
        }
        other => other,
    };
    let result = match arguments {
        Ok(args) => run(tool, args, &ctx).await,
        Err(err) => {
            log_failure(ctx.caller, &err);
            Err(err)
        }
    };
    let mut headers = cors;
    match result {
        Ok(value) => HttpReply::json(origin, StatusCode::OK, value, headers),
        Err(err) => {
            if let AuthError::RateLimited { retry_after } = err {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            }
            let status = StatusCode::from_u16(http_status(&err))
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            HttpReply::json(origin, status, failure_value(&err), headers)
        }
    }
}

/// The query parameters, each as a string (the first of a repeated one). Read before
/// [`without_uri_parts`] drops them.
fn query_arguments(request: &LambdaRequest) -> Map<String, Value> {
    let params = match request {
        LambdaRequest::ApiGatewayV2(event) => &event.query_string_parameters,
        LambdaRequest::ApiGatewayV1(event) => &event.query_string_parameters,
        #[allow(unreachable_patterns)] // other event kinds, when lambda_http's features add them
        _ => return Map::new(),
    };
    let mut out = Map::new();
    for (name, value) in params.iter() {
        out.entry(name)
            .or_insert_with(|| Value::String(value.to_owned()));
    }
    out
}

/// A GET's arguments. A token never travels in a URL, which access logs and browser history keep.
fn get_arguments(query: Map<String, Value>, token: Option<&str>) -> Result<Value, AuthError> {
    match token {
        Some(name) if query.contains_key(name) => Err(AuthError::InvalidInput(format!(
            "{name} is not accepted in a URL: send Authorization: Bearer"
        ))),
        _ => Ok(Value::Object(query)),
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
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS.clone());
    headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS.clone());
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from(cors.max_age_seconds),
    );
    headers
}
