//! HTTP front of the stand-in: the Cognito JSON protocol on `POST /`, the pool's well-known
//! documents, and the control endpoints tests and developers use.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use http::{Method, StatusCode};
use loopback_http::{Request, Response, read_body};
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::ops::CognitoError;
use crate::pool::StandIn;
use crate::state::{Fault, FaultKind, Settings};

const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";

impl StandIn {
    /// Every answer carries CORS headers, and a preflight is answered, so a browser app on any
    /// origin can call the stand-in directly, as it calls Cognito's public endpoint.
    async fn handle(self: Arc<Self>, req: Request) -> Response {
        if req.method() == Method::OPTIONS {
            let mut response = loopback_http::respond(StatusCode::OK, "text/plain", "");
            cors(&mut response);
            // Whatever headers the client's SDK adds (Amplify sends amz-sdk-request and
            // amz-sdk-invocation-id, other SDKs their own), as Cognito's public endpoint takes them.
            if let Some(asked) = req.headers().get("access-control-request-headers") {
                response
                    .headers_mut()
                    .insert("access-control-allow-headers", asked.clone());
            }
            return response;
        }
        let mut response = self.route(req).await;
        cors(&mut response);
        response
    }

    async fn route(self: Arc<Self>, req: Request) -> Response {
        let method = req.method().clone();
        let path = req.uri().path().to_owned();
        let query = req.uri().query().unwrap_or_default().to_owned();
        let target = req
            .headers()
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let trace = req
            .headers()
            .get("x-amzn-trace-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let Some(body) = read_body(req.into_body()).await else {
            return json_response(
                StatusCode::BAD_REQUEST,
                &json!({"message": "unreadable body"}),
            );
        };
        let pool = self.settings().user_pool_id;
        match (method, path.as_str()) {
            (Method::POST, "/") => {
                let operation = target
                    .as_deref()
                    .and_then(|t| t.strip_prefix(TARGET_PREFIX));
                self.record_trace(operation.unwrap_or_default(), trace);
                self.cognito(target, &body).await
            }
            (Method::GET, p) if p == format!("/{pool}/.well-known/jwks.json") => {
                json_response(StatusCode::OK, &self.keys().jwks())
            }
            (Method::GET, p) if p == format!("/{pool}/.well-known/openid-configuration") => {
                json_response(StatusCode::OK, &self.discovery())
            }
            (Method::GET, "/_health") => json_response(
                StatusCode::OK,
                &json!({"ok": true, "issuer": self.issuer(), "jwks_uri": self.jwks_uri()}),
            ),
            (Method::GET, "/_inbox") => {
                let params: HashMap<String, String> = query
                    .split('&')
                    .filter_map(|kv| kv.split_once('='))
                    .map(|(k, v)| (k.to_owned(), percent_decode(v)))
                    .collect();
                match params.get("email") {
                    Some(email) => {
                        json_response(StatusCode::OK, &json!({"messages": self.inbox(email)}))
                    }
                    None => json_response(
                        StatusCode::BAD_REQUEST,
                        &json!({"message": "email query parameter required"}),
                    ),
                }
            }
            (Method::POST, "/_faults") => match serde_json::from_slice::<Fault>(&body) {
                Ok(fault) => {
                    self.state().faults.push(fault);
                    json_response(StatusCode::OK, &json!({"ok": true}))
                }
                Err(e) => {
                    json_response(StatusCode::BAD_REQUEST, &json!({"message": e.to_string()}))
                }
            },
            (Method::DELETE, "/_faults") => {
                self.state().faults.clear();
                json_response(StatusCode::OK, &json!({"ok": true}))
            }
            (Method::POST, "/_config") => {
                // Merge the given fields into the current settings.
                let mut current = serde_json::to_value(self.settings()).unwrap_or_default();
                if let (Some(target), Ok(Value::Object(patch))) = (
                    current.as_object_mut(),
                    serde_json::from_slice::<Value>(&body),
                ) {
                    target.extend(patch);
                }
                match serde_json::from_value::<Settings>(current) {
                    Ok(next) => {
                        *self.settings.write().unwrap_or_else(|p| p.into_inner()) = next.clone();
                        json_response(
                            StatusCode::OK,
                            &serde_json::to_value(next).unwrap_or_default(),
                        )
                    }
                    Err(e) => {
                        json_response(StatusCode::BAD_REQUEST, &json!({"message": e.to_string()}))
                    }
                }
            }
            (Method::POST, "/_reset") => {
                self.reset();
                json_response(StatusCode::OK, &json!({"ok": true}))
            }
            _ => json_response(StatusCode::NOT_FOUND, &json!({"message": "not found"})),
        }
    }

    /// The pool's OpenID configuration, field for field as a pool without a domain publishes it:
    /// the OAuth endpoints (managed login's) are there with empty values, since only a domain
    /// serves them, and the stand-in has none. AWS's docs do not show this document; its fields
    /// follow what real pools serve.
    fn discovery(&self) -> Value {
        json!({
            "authorization_endpoint": "",
            "id_token_signing_alg_values_supported": ["RS256"],
            "issuer": self.issuer(),
            "jwks_uri": self.jwks_uri(),
            "response_types_supported": ["code", "token"],
            "scopes_supported": ["openid", "email", "phone", "profile"],
            "subject_types_supported": ["public"],
            "token_endpoint": "",
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "userinfo_endpoint": "",
        })
    }

    /// One call of Cognito's JSON protocol, without injected faults: its status and JSON answer
    /// (an error as Cognito shapes it). The fuzzer goes through here.
    pub fn answer(&self, target: Option<&str>, body: &[u8]) -> (u16, Value) {
        match operation_of(target).and_then(|op| Ok((op, parse_body(body)?))) {
            Ok((operation, body)) => self.respond(operation, &body),
            Err(e) => error_answer(&e),
        }
    }

    /// Run `operation` on the pool: the status and the JSON answer.
    fn respond(&self, operation: &str, body: &Value) -> (u16, Value) {
        let result = {
            let mut state = self.state();
            self.dispatch(&mut state, operation, body)
        };
        match result {
            Ok(value) => (200, value),
            Err(e) => error_answer(&e),
        }
    }

    async fn cognito(&self, target: Option<String>, body: &[u8]) -> Response {
        let operation = match operation_of(target.as_deref()) {
            Ok(operation) => operation.to_owned(),
            Err(e) => return error_response(&e),
        };
        let body = match parse_body(body) {
            Ok(body) => body,
            Err(e) => return error_response(&e),
        };
        let fault = self.state().take_fault(&operation);
        if let Some(fault) = &fault {
            match fault.fault {
                FaultKind::Slow => {
                    tokio::time::sleep(Duration::from_millis(fault.delay_ms.unwrap_or(5_000))).await
                }
                FaultKind::Throttle => {
                    return error_response(&CognitoError {
                        status: 400,
                        kind: "TooManyRequestsException",
                        message: "Too many requests".into(),
                    });
                }
                FaultKind::LimitExceeded => {
                    return error_response(&CognitoError {
                        status: 400,
                        kind: "LimitExceededException",
                        message: crate::ops::GENERIC_LIMIT.into(),
                    });
                }
                FaultKind::ServerError => {
                    return error_response(&CognitoError {
                        status: 500,
                        kind: "InternalErrorException",
                        message: "Internal error".into(),
                    });
                }
            }
        }
        answer_response(self.respond(&operation, &body))
    }
}

fn error_answer(e: &CognitoError) -> (u16, Value) {
    (e.status, json!({"__type": e.kind, "message": e.message}))
}

/// The operation an `X-Amz-Target` names.
fn operation_of(target: Option<&str>) -> Result<&str, CognitoError> {
    target
        .and_then(|t| t.strip_prefix(TARGET_PREFIX))
        .ok_or_else(|| CognitoError {
            status: 400,
            kind: "UnknownOperationException",
            message: "missing or unknown X-Amz-Target".into(),
        })
}

fn parse_body(body: &[u8]) -> Result<Value, CognitoError> {
    serde_json::from_slice(body).map_err(|_| CognitoError {
        status: 400,
        kind: "SerializationException",
        message: "body is not JSON".into(),
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(&s[i + 1..i + 3], 16) {
                Ok(b) => {
                    out.push(b);
                    i += 3;
                    continue;
                }
                Err(_) => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn cors(response: &mut Response) {
    let headers = response.headers_mut();
    for (name, value) in [
        ("access-control-allow-origin", "*"),
        ("access-control-allow-methods", "POST, GET, OPTIONS"),
        (
            "access-control-allow-headers",
            "content-type, x-amz-target, x-amz-user-agent, amz-sdk-request, amz-sdk-invocation-id, authorization, cache-control",
        ),
        (
            "access-control-expose-headers",
            "x-amzn-requestid, x-amzn-errortype, x-amzn-errormessage, date",
        ),
        ("access-control-max-age", "600"),
    ] {
        headers.insert(name, http::HeaderValue::from_static(value));
    }
}

/// Cognito answers in its AWS JSON 1.1 content type, errors included.
fn json_response(status: StatusCode, body: &Value) -> Response {
    loopback_http::json(status, "application/x-amz-json-1.1", body)
}

fn error_response(e: &CognitoError) -> Response {
    answer_response(error_answer(e))
}

/// An answer as Cognito sends it: an error's `__type` is also its `x-amzn-errortype` header.
fn answer_response((status, answer): (u16, Value)) -> Response {
    let mut response = json_response(
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        &answer,
    );
    if let Some(kind) = answer["__type"].as_str()
        && let Ok(v) = http::HeaderValue::from_str(kind)
    {
        response.headers_mut().insert("x-amzn-errortype", v);
    }
    response
}

/// Serve `standin` on `listener` until the task is dropped or aborted.
pub async fn serve(listener: TcpListener, standin: Arc<StandIn>) {
    loopback_http::serve(listener, move |req| standin.clone().handle(req)).await;
}
