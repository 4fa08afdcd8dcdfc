//! AgentCore Runtime's front door and a Cognito Identity Pool on loopback, so the chat page talks
//! to the agent as it would on AWS: with AWS's own browser clients, signed with the pool's
//! credentials. No public emulator has these (moto's cognito-identity ignores `Logins` and never
//! merges identities); this one stays small and is judged by AWS's clients (boto3 and the
//! JavaScript SDK v3), as the Cognito stand-in is.
//!
//! One loopback port serves three AWS APIs, each where an SDK with an endpoint override sends it:
//! Cognito Identity (AWS JSON 1.1, `X-Amz-Target: AWSCognitoIdentityService.*`), STS's
//! `AssumeRoleWithWebIdentity` (a form `POST /`) and `InvokeAgentRuntime`
//! (`POST /runtimes/{arn}/invocations`). Every answer allows a browser on any origin.

pub mod aws_error;
pub mod config;
mod front_door;
mod id_tokens;
mod identity_pool;
pub mod sigv4;
mod store;
mod sts;

use std::sync::{Arc, Mutex, MutexGuard};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode};
use http_body_util::combinators::BoxBody;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use jsonwebtoken::DecodingKey;
use loopback_http::{Request, Response, read_body};
use serde_json::Value;
use test_keys::SigningKey;
use tokio::net::TcpListener;

pub use config::{Config, UserPoolProvider};
use front_door::Invocation;
pub use front_door::SESSION_HEADER;
use id_tokens::IdTokens;
use store::{Issued, Role, State};

pub struct LocalRuntime {
    pub config: Config,
    state: Mutex<State>,
    openid_key: SigningKey,
    openid_decoding: DecodingKey,
    id_tokens: IdTokens,
    http: Client<HttpConnector, BoxBody<Bytes, std::convert::Infallible>>,
}

#[derive(Debug, thiserror::Error)]
#[error("the local runtime could not make its signing key: {0}")]
pub struct StartError(String);

/// Epoch seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `2026-12-05T16:30:00Z`
fn iso8601(epoch: i64) -> String {
    let (days, secs) = (epoch.div_euclid(86_400), epoch.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3_600,
        secs % 3_600 / 60,
        secs % 60
    )
}

fn random(len: usize, alphabet: &[u8]) -> String {
    let mut bytes = vec![0u8; len];
    // aws-lc-rs's system RNG: these are credentials, even local ones.
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    bytes
        .iter()
        .map(|b| alphabet[*b as usize % alphabet.len()] as char)
        .collect()
}

impl LocalRuntime {
    pub fn new(config: Config) -> Result<Self, StartError> {
        let openid_key =
            SigningKey::generate("local-identity-pool").map_err(|e| StartError(e.to_string()))?;
        let jwk =
            serde_json::from_value(openid_key.jwk()).map_err(|e| StartError(e.to_string()))?;
        let openid_decoding = DecodingKey::from_jwk(&jwk).map_err(|e| StartError(e.to_string()))?;
        Ok(Self {
            id_tokens: IdTokens::new(config.provider.clone()),
            config,
            state: Mutex::default(),
            openid_key,
            openid_decoding,
            http: Client::builder(hyper_util::rt::TokioExecutor::new()).build_http(),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// New temporary credentials in `role`: the access key and what it holds.
    fn issue(&self, role: Role, session: &str, guest_session_policy: bool) -> (String, Issued) {
        const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        const SECRET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let role_arn = match role {
            Role::Guest => &self.config.guest_role,
            Role::SignedIn => &self.config.signed_in_role,
        };
        let role_name = role_arn.rsplit('/').next().unwrap_or_default();
        let access_key = format!("ASIA{}", random(16, UPPER));
        let mut token = vec![0u8; 300];
        let _ = aws_lc_rs::rand::fill(&mut token);
        let issued = Issued {
            secret: random(40, SECRET),
            session_token: STANDARD.encode(&token),
            expires_at: now() + self.config.credential_seconds,
            principal: format!(
                "arn:aws:sts::{}:assumed-role/{role_name}/{session}",
                self.config.account
            ),
            guest_session_policy,
        };
        self.state()
            .credentials
            .insert(access_key.clone(), issued.clone());
        (access_key, issued)
    }

    async fn handle(self: Arc<Self>, req: Request) -> Response {
        // Cognito Identity and STS answer browsers; whether the Runtime's data plane does is the
        // `runtime_cors` assumption.
        let browsers_welcome =
            self.config.runtime_cors || Self::invocation_arn(req.uri().path()).is_none();
        if req.method() == Method::OPTIONS {
            if !browsers_welcome {
                return AwsError::new(
                    403,
                    "MissingAuthenticationTokenException",
                    "Missing Authentication Token",
                )
                .rest_json(&uuid::Uuid::new_v4().to_string());
            }
            let mut response = loopback_http::respond(StatusCode::OK, "text/plain", "");
            if let Some(asked) = req.headers().get("access-control-request-headers") {
                response
                    .headers_mut()
                    .insert("access-control-allow-headers", asked.clone());
            }
            cors(&mut response);
            return response;
        }
        let mut response = self.route(req).await;
        if browsers_welcome {
            cors(&mut response);
        }
        response
    }

    async fn route(&self, req: Request) -> Response {
        let request_id = uuid::Uuid::new_v4().to_string();
        let (parts, body) = req.into_parts();
        let Some(body) = read_body(body).await else {
            return AwsError::new(400, "SerializationException", "unreadable body").json_1_1();
        };
        let path = parts.uri.path();
        if Self::invocation_arn(path).is_some() && parts.method == Method::POST {
            let call = Invocation {
                path,
                query: parts.uri.query().unwrap_or_default(),
                headers: &parts.headers,
                body,
            };
            return self
                .invoke(call)
                .await
                .unwrap_or_else(|e| e.rest_json(&request_id));
        }
        let target = parts
            .headers
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .and_then(|t| t.strip_prefix(identity_pool::TARGET_PREFIX));
        match (parts.method.clone(), path, target) {
            (Method::POST, "/", Some(operation)) => {
                let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                match self.cognito_identity(operation, &body).await {
                    Ok(out) => {
                        loopback_http::json(StatusCode::OK, "application/x-amz-json-1.1", &out)
                    }
                    Err(e) => e.json_1_1(),
                }
            }
            (Method::POST, "/", None) => match self.sts(&sts::form(&body), &request_id) {
                Ok(xml) => loopback_http::respond(StatusCode::OK, "text/xml", xml),
                Err(e) => e.query_xml(&request_id),
            },
            (Method::GET, "/_health", _) => loopback_http::json(
                StatusCode::OK,
                "application/json",
                &serde_json::json!({"ok": true, "runtime_arn": self.config.runtime_arn, "identity_pool_id": self.config.identity_pool_id}),
            ),
            _ => {
                AwsError::new(404, "UnknownOperationException", "not found").rest_json(&request_id)
            }
        }
    }
}

use aws_error::AwsError;

/// As AWS's public endpoints answer a browser: any origin, and the headers an SDK reads.
fn cors(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert("access-control-allow-origin", HeaderValue::from_static("*"));
    headers.insert(
        "access-control-allow-methods",
        HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    headers.insert(
        "access-control-expose-headers",
        HeaderValue::from_static(
            "x-amzn-requestid, x-amzn-errortype, x-amzn-bedrock-agentcore-runtime-session-id, date",
        ),
    );
}

/// Serve `runtime` on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, runtime: Arc<LocalRuntime>) {
    loopback_http::serve(listener, move |req| runtime.clone().handle(req)).await;
}
