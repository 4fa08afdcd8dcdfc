//! AgentCore Runtime's data plane for `InvokeAgentRuntime`
//! (<https://docs.aws.amazon.com/bedrock-agentcore/latest/APIReference/API_InvokeAgentRuntime.html>):
//! `POST /runtimes/{agentRuntimeArn}/invocations`, SigV4-signed for `bedrock-agentcore` with
//! credentials the local Identity Pool issued; the caller's role must allow
//! `bedrock-agentcore:InvokeAgentRuntime` on this runtime; the session id is 33 to 256 characters;
//! only the runtime's allowlisted headers reach the agent
//! (<https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/runtime-header-allowlist.html>);
//! the agent's answer streams through as it comes.

use std::convert::Infallible;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use loopback_http::Response;

use crate::LocalRuntime;
use crate::aws_error::AwsError;
use crate::sigv4::{self, Authorization, Received, SignatureError};

pub const SERVICE: &str = "bedrock-agentcore";
pub const SESSION_HEADER: &str = "x-amzn-bedrock-agentcore-runtime-session-id";
const SESSION_LENGTH: std::ops::RangeInclusive<usize> = 33..=256;

/// A received `InvokeAgentRuntime`, its body read whole.
pub struct Invocation<'a> {
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: Bytes,
}

fn denied(code: &'static str, message: impl Into<String>) -> AwsError {
    AwsError::new(403, code, message)
}

impl LocalRuntime {
    /// The runtime's ARN in a request path, if the path is an invocation.
    pub fn invocation_arn(path: &str) -> Option<String> {
        let arn = path
            .strip_prefix("/runtimes/")?
            .strip_suffix("/invocations")?;
        Some(
            percent_encoding::percent_decode_str(arn)
                .decode_utf8_lossy()
                .into_owned(),
        )
    }

    pub(crate) async fn invoke(&self, call: Invocation<'_>) -> Result<Response, AwsError> {
        let principal = self.authenticate(&call)?;
        let arn = Self::invocation_arn(call.path).unwrap_or_default();
        if arn != self.config.runtime_arn {
            // Another runtime is a resource these roles were never granted.
            return Err(denied(
                "AccessDeniedException",
                format!(
                    "User: {principal} is not authorized to perform: bedrock-agentcore:InvokeAgentRuntime on resource: {arn}"
                ),
            ));
        }
        let session = match call
            .headers
            .get(SESSION_HEADER)
            .and_then(|v| v.to_str().ok())
        {
            Some(id) if SESSION_LENGTH.contains(&id.chars().count()) => id.to_owned(),
            Some(_) => {
                return Err(AwsError::new(
                    400,
                    "ValidationException",
                    "1 validation error detected: Value at 'runtimeSessionId' failed to satisfy constraint: Member must have length between 33 and 256",
                ));
            }
            // The SDKs always send one (it is an idempotency token); a bare request gets one.
            None => format!("local-{}", uuid::Uuid::new_v4()),
        };
        self.forward(&call, &session).await
    }

    /// The principal whose valid signature the request carries, and whose role may invoke.
    fn authenticate(&self, call: &Invocation<'_>) -> Result<String, AwsError> {
        let auth = Authorization::parse(call.headers).map_err(|e| match e {
            SignatureError::Missing => denied("MissingAuthenticationTokenException", e.to_string()),
            other => AwsError::new(400, "IncompleteSignatureException", other.to_string()),
        })?;
        let issued = self.state().credentials.get(&auth.access_key).cloned();
        let token = call
            .headers
            .get("x-amz-security-token")
            .and_then(|v| v.to_str().ok());
        let issued = match issued {
            Some(issued) if token == Some(issued.session_token.as_str()) => issued,
            _ => {
                return Err(denied(
                    "UnrecognizedClientException",
                    "The security token included in the request is invalid.",
                ));
            }
        };
        let now = crate::now();
        if now >= issued.expires_at {
            return Err(denied(
                "ExpiredTokenException",
                "The security token included in the request is expired",
            ));
        }
        let received = Received {
            method: "POST",
            path: call.path,
            query: call.query,
            headers: call.headers,
            body: &call.body,
        };
        sigv4::verify(
            &received,
            &auth,
            &issued.secret,
            (SERVICE, &self.config.region),
            now,
        )
        .map_err(|e| denied("InvalidSignatureException", e.to_string()))?;
        if issued.guest_session_policy {
            // AmazonCognitoUnAuthedIdentitiesSessionPolicy allows no AgentCore action.
            return Err(denied(
                "AccessDeniedException",
                format!(
                    "User: {} is not authorized to perform: bedrock-agentcore:InvokeAgentRuntime on resource: {} because no session policy allows the bedrock-agentcore:InvokeAgentRuntime action",
                    issued.principal, self.config.runtime_arn
                ),
            ));
        }
        Ok(issued.principal)
    }

    async fn forward(&self, call: &Invocation<'_>, session: &str) -> Result<Response, AwsError> {
        let mut request = Request::builder().method(Method::POST).uri(format!(
            "{}/invocations",
            self.config.agent_url.trim_end_matches('/')
        ));
        let passed = call.headers.iter().filter(|(name, _)| {
            matches!(name.as_str(), "content-type" | "accept")
                || self
                    .config
                    .allowed_headers
                    .iter()
                    .any(|allowed| allowed.eq_ignore_ascii_case(name.as_str()))
        });
        for (name, value) in passed {
            request = request.header(name, value);
        }
        request = request.header(SESSION_HEADER, session);
        let request = request
            .body(Full::new(call.body.clone()).map_err(|e| match e {}).boxed())
            .map_err(|e| AwsError::new(500, "InternalServerException", e.to_string()))?;
        let reply = self.http.request(request).await.map_err(|e| {
            AwsError::new(
                424,
                "RuntimeClientError",
                format!("The agent did not answer: {e}"),
            )
        })?;
        let (parts, mut body) = reply.into_parts();
        // Each chunk reaches the caller as the agent writes it.
        let (sender, receiver) = tokio::sync::mpsc::channel::<Bytes>(16);
        tokio::spawn(async move {
            while let Some(Ok(frame)) = body.frame().await {
                if let Ok(data) = frame.into_data()
                    && sender.send(data).await.is_err()
                {
                    break;
                }
            }
        });
        let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
            let data = receiver.recv().await?;
            Some((Ok::<_, Infallible>(Frame::data(data)), receiver))
        });
        let mut response = Response::new(StreamBody::new(stream).boxed());
        *response.status_mut() = if parts.status.is_success() {
            StatusCode::OK
        } else {
            parts.status
        };
        for name in [http::header::CONTENT_TYPE, http::header::CACHE_CONTROL] {
            if let Some(value) = parts.headers.get(&name) {
                response.headers_mut().insert(name, value.clone());
            }
        }
        if let Ok(value) = HeaderValue::from_str(session) {
            response
                .headers_mut()
                .insert(HeaderName::from_static(SESSION_HEADER), value);
        }
        Ok(response)
    }
}
