//! Test support for `booking-auth`'s integration tests, the functions' handler tests and the
//! benchmarks: RSA keys generated in the test, tokens signed with them, a JWKS served from memory,
//! SDK clients answered by `aws-smithy-mocks`, a Lambda Runtime API on loopback, and the
//! `events/` fixtures. Only ever a dev-dependency, so no shipped binary links it; panicking on a
//! broken fixture is the right failure.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use booking_auth::config::{CognitoConfig, CorsConfig, JwtConfig, TrustedIssuer};
use booking_auth::invoke::{EnvelopeConfig, Invocation, Tool, route};
use booking_auth::jwt::{BoxFuture, JwksDocument, JwksFetchError, JwksSource, JwtVerifier};
use serde_json::{Value, json};
use test_keys::b64;

pub const REGION: &str = "eu-west-1";
pub const POOL_ID: &str = "eu-west-1_TestPool1";
pub const CLIENT_ID: &str = "testclient123";
pub const ISSUER: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1";
/// The same pool's issuer in Cognito's updated format; `cognito_config` trusts both.
pub const UPDATED_ISSUER: &str =
    "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1";

/// Epoch seconds, by the same clock the verifier reads.
pub fn now() -> i64 {
    booking_auth::domain::clock::system_clock()
}

/// An RSA-2048 signing key with its `kid`, as a Cognito pool has one: the local Cognito
/// stand-in's own key type, so tests and the stand-in sign tokens the same way.
pub struct TestKey(test_keys::SigningKey);

impl TestKey {
    pub fn generate(kid: &str) -> Self {
        Self(test_keys::SigningKey::generate(kid).expect("RSA key generation"))
    }

    pub fn kid(&self) -> &str {
        &self.0.kid
    }

    pub fn jwk(&self) -> Value {
        self.0.jwk()
    }

    /// The public key in DER: what an attacker would use as an HMAC secret.
    pub fn public_der(&self) -> Vec<u8> {
        self.0.public_der().expect("public key DER")
    }

    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with_header(
            &json!({"alg": "RS256", "kid": self.0.kid, "typ": "JWT"}),
            claims,
        )
    }

    pub fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        self.0
            .sign_with_header(header, claims)
            .expect("RSA signing")
    }
}

/// A token signed with HMAC-SHA256 using `secret`: the classic algorithm-confusion attack.
pub fn sign_hs256(kid: &str, secret: &[u8], claims: &Value) -> String {
    let header = json!({"alg": "HS256", "kid": kid, "typ": "JWT"});
    let signing_input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret);
    let tag = aws_lc_rs::hmac::sign(&key, signing_input.as_bytes());
    format!("{signing_input}.{}", b64(tag.as_ref()))
}

/// An unsigned token (`alg: none`).
pub fn unsigned(kid: &str, claims: &Value) -> String {
    let header = json!({"alg": "none", "kid": kid, "typ": "JWT"});
    format!(
        "{}.{}.",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    )
}

/// Cognito's access-token claim set for `sub`, valid for an hour from now.
pub fn access_claims(sub: &str) -> Value {
    let now = now();
    json!({
        "sub": sub, "iss": ISSUER, "client_id": CLIENT_ID, "origin_jti": "origin-1", "event_id": "e-1",
        "token_use": "access", "scope": "aws.cognito.signin.user.admin", "auth_time": now,
        "exp": now + 3600, "iat": now, "jti": "jti-1", "username": sub
    })
}

/// Cognito's ID-token claim set for `sub`.
pub fn id_claims(sub: &str, email: &str) -> Value {
    let now = now();
    json!({
        "sub": sub, "iss": ISSUER, "aud": CLIENT_ID, "email_verified": true, "token_use": "id",
        "auth_time": now, "exp": now + 3600, "iat": now, "jti": "jti-2", "origin_jti": "origin-1",
        "cognito:username": sub, "email": email
    })
}

/// A JWKS held in memory that counts how often it was fetched.
pub struct StaticJwks {
    keys: std::sync::Mutex<Vec<Value>>,
    pub fetches: AtomicUsize,
}

impl StaticJwks {
    pub fn new(keys: &[&TestKey]) -> Arc<Self> {
        Arc::new(Self {
            keys: std::sync::Mutex::new(keys.iter().map(|k| k.jwk()).collect()),
            fetches: AtomicUsize::new(0),
        })
    }

    /// Key rotation: the pool publishes another key.
    pub fn publish(&self, key: &TestKey) {
        self.keys.lock().expect("keys lock").push(key.jwk());
    }

    /// Key retirement: the pool publishes exactly these keys from now on.
    pub fn replace(&self, keys: &[&TestKey]) {
        *self.keys.lock().expect("keys lock") = keys.iter().map(|k| k.jwk()).collect();
    }

    pub fn fetch_count(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

impl JwksSource for StaticJwks {
    fn fetch(&self) -> BoxFuture<'_, Result<JwksDocument, JwksFetchError>> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        let keys = self.keys.lock().expect("keys lock").clone();
        Box::pin(async move { Ok(JwksDocument { keys }) })
    }
}

pub fn cognito_config() -> CognitoConfig {
    CognitoConfig {
        user_pool_id: POOL_ID.into(),
        client_id: CLIENT_ID.into(),
        client_secret: None,
        issuers: vec![
            TrustedIssuer {
                iss: ISSUER.into(),
                jwks_url: format!("{ISSUER}/.well-known/jwks.json"),
            },
            TrustedIssuer {
                iss: UPDATED_ISSUER.into(),
                jwks_url: format!("{UPDATED_ISSUER}/.well-known/jwks.json"),
            },
        ],
    }
}

pub fn jwt_config() -> JwtConfig {
    JwtConfig {
        leeway: std::time::Duration::from_secs(5),
        jwks_fetch_timeout: std::time::Duration::from_secs(1),
        jwks_refetch_cooldown: std::time::Duration::from_secs(60),
        verified_cache_size: 16,
    }
}

pub fn verifier(jwks: Arc<StaticJwks>) -> JwtVerifier {
    JwtVerifier::new(&cognito_config(), &jwt_config(), jwks)
}

pub mod runtime_api {
    //! A minimal Lambda Runtime API on a loopback port: hands out queued invocations on
    //! `GET …/invocation/next` and records what the function posts back, and when. When the queue is
    //! empty it answers `next` with a 500, which ends the function's loop, so a test never hangs; or,
    //! for the cold-start benchmark, never answers ([`WhenEmpty`]).

    use std::collections::VecDeque;
    use std::sync::{Arc, Mutex};
    use std::time::Instant;

    use loopback_http::{Request, Response, full, read_body};
    use serde_json::Value;
    use tokio::sync::Notify;

    #[derive(Debug, Clone)]
    pub struct QueuedInvocation {
        pub request_id: String,
        pub payload: Value,
        /// The raw `Lambda-Runtime-Client-Context` header, exactly as Lambda would send it.
        pub client_context: Option<String>,
    }

    /// One POST the function made: the path (`…/{id}/response`, `…/{id}/error`, `…/init/error`),
    /// its JSON body and when it arrived.
    #[derive(Debug, Clone)]
    pub struct Posted {
        pub path: String,
        pub body: Value,
        pub at: Instant,
    }

    /// What happens to a `next` once the queue is empty.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum WhenEmpty {
        /// Answer 500, which ends the function's loop: a test never hangs.
        Stop,
        /// Never answer: the function stays alive and idle, as in a warm execution environment,
        /// so a harness can measure it before killing it.
        Hold,
    }

    struct Shared {
        queue: Mutex<VecDeque<QueuedInvocation>>,
        when_empty: WhenEmpty,
        nexts: Mutex<Vec<Instant>>,
        posted: Mutex<Vec<Posted>>,
        on_post: Notify,
    }

    pub struct FakeRuntimeApi {
        pub address: std::net::SocketAddr,
        shared: Arc<Shared>,
        task: tokio::task::JoinHandle<()>,
    }

    impl FakeRuntimeApi {
        pub async fn start(invocations: Vec<QueuedInvocation>) -> Self {
            Self::start_with(invocations, WhenEmpty::Stop).await
        }

        pub async fn start_with(invocations: Vec<QueuedInvocation>, when_empty: WhenEmpty) -> Self {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind loopback");
            let address = listener.local_addr().expect("local address");
            let shared = Arc::new(Shared {
                queue: Mutex::new(VecDeque::from(invocations)),
                when_empty,
                nexts: Mutex::new(Vec::new()),
                posted: Mutex::new(Vec::new()),
                on_post: Notify::new(),
            });
            let s = shared.clone();
            let task = tokio::spawn(loopback_http::serve(listener, move |req| {
                answer(req, s.clone())
            }));
            Self {
                address,
                shared,
                task,
            }
        }

        /// The base URI for `booking_auth::invoke::runtime::RuntimeClient::new`.
        pub fn endpoint(&self) -> http::Uri {
            format!("http://{}", self.address)
                .parse()
                .expect("endpoint URI")
        }

        /// `AWS_LAMBDA_RUNTIME_API` for a function binary started as a child process.
        pub fn host_port(&self) -> String {
            self.address.to_string()
        }

        pub fn posted(&self) -> Vec<Posted> {
            self.shared.posted.lock().expect("posted lock").clone()
        }

        /// When each `next` arrived; the first one ends the function's init phase.
        pub fn nexts(&self) -> Vec<Instant> {
            self.shared.nexts.lock().expect("nexts lock").clone()
        }

        /// Wait until the function has posted at least once; its first post.
        pub async fn first_post(&self) -> Posted {
            loop {
                let notified = self.shared.on_post.notified();
                if let Some(first) = self.posted().into_iter().next() {
                    return first;
                }
                notified.await;
            }
        }
    }

    impl Drop for FakeRuntimeApi {
        fn drop(&mut self) {
            self.task.abort();
        }
    }

    async fn answer(req: Request, shared: Arc<Shared>) -> Response {
        let at = Instant::now();
        let path = req.uri().path().to_owned();
        if req.method() == http::Method::GET && path.ends_with("/invocation/next") {
            shared.nexts.lock().expect("nexts lock").push(at);
            let next = shared.queue.lock().expect("queue lock").pop_front();
            let Some(inv) = next else {
                if shared.when_empty == WhenEmpty::Hold {
                    std::future::pending::<()>().await;
                }
                return http::Response::builder()
                    .status(500)
                    .body(full("no more invocations"))
                    .expect("response");
            };
            let mut builder = http::Response::builder()
                .status(200)
                .header("lambda-runtime-aws-request-id", &inv.request_id)
                .header("lambda-runtime-deadline-ms", "99999999999999")
                .header(
                    "lambda-runtime-invoked-function-arn",
                    "arn:aws:lambda:eu-west-1:123456789012:function:test",
                );
            if let Some(ctx) = &inv.client_context {
                builder = builder.header("lambda-runtime-client-context", ctx);
            }
            return builder
                .body(full(inv.payload.to_string()))
                .expect("response");
        }
        let body = read_body(req.into_body()).await.unwrap_or_default();
        let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
        shared
            .posted
            .lock()
            .expect("posted lock")
            .push(Posted { path, body, at });
        shared.on_post.notify_waiters();
        http::Response::builder()
            .status(202)
            .body(full("{}"))
            .expect("response")
    }
}

/// An AWS JSON 1.x error response as the service sends it, so the SDK's own deserializer produces
/// the typed error (and the code for errors it does not model, such as `LimitExceededException`).
pub fn aws_error(
    status: u16,
    error_type: &str,
    message: &str,
) -> aws_smithy_runtime_api::client::orchestrator::HttpResponse {
    aws_smithy_runtime_api::client::orchestrator::HttpResponse::new(
        aws_smithy_runtime_api::http::StatusCode::try_from(status).expect("status code"),
        aws_smithy_types::body::SdkBody::from(
            json!({"__type": error_type, "message": message}).to_string(),
        ),
    )
}

/// DynamoDB's refusal of a conditional write that was asked to return the item it checked
/// (`ReturnValuesOnConditionCheckFailure: ALL_OLD`): `item` in DynamoDB JSON.
pub fn conditional_check_failed(
    item: Value,
) -> aws_smithy_runtime_api::client::orchestrator::HttpResponse {
    aws_smithy_runtime_api::client::orchestrator::HttpResponse::new(
        aws_smithy_runtime_api::http::StatusCode::try_from(400).expect("status code"),
        aws_smithy_types::body::SdkBody::from(
            json!({
                "__type": "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
                "message": "The conditional request failed",
                "Item": item,
            })
            .to_string(),
        ),
    )
}

/// The caller kinds that have a fixture under `events/<function>/`.
pub const CALLER_KINDS: [&str; 5] = [
    "direct",
    "gateway",
    "http",
    "bedrock-agent-function",
    "bedrock-agent-api",
];

/// What a tool answered to one fixture: for HTTP the status and the decoded body, otherwise the
/// result itself with no status.
#[derive(Debug)]
pub struct Outcome {
    pub status: Option<u16>,
    pub headers: Value,
    pub body: Value,
}

fn read_fixture(function: &str, file: &str, substitutions: &[(&str, &str)]) -> Option<Value> {
    let path = format!(
        "{}/../../events/{function}/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut text = std::fs::read_to_string(&path).ok()?;
    for (from, to) in substitutions {
        text = text.replace(from, to);
    }
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}")))
}

/// The `kind` fixture of `function` (`events/<function>/<kind>.json` and its client context, if
/// any) as the Runtime API would deliver it, placeholders replaced.
pub fn fixture_invocation(
    function: &str,
    kind: &str,
    substitutions: &[(&str, &str)],
) -> Invocation {
    let payload = read_fixture(function, &format!("{kind}.json"), substitutions)
        .unwrap_or_else(|| panic!("missing fixture events/{function}/{kind}.json"));
    let client_context = read_fixture(function, &format!("{kind}.context.json"), substitutions);
    Invocation {
        request_id: format!("test-{kind}"),
        payload,
        client_context,
    }
}

/// The envelope settings the fixtures expect: CORS for the local frontend's origin.
pub fn fixture_envelope_config() -> EnvelopeConfig {
    EnvelopeConfig {
        cors: CorsConfig {
            allowed_origins: vec!["http://localhost:5173".into()],
            max_age_seconds: 600,
        },
        guest_token: booking_auth::config::GuestTokenConfig::default(),
    }
}

/// Invoke `tool` with the `kind` fixture of `function`, placeholders replaced, through the same
/// routing the runtime uses; the answer as the protocol's own reply reports it.
pub async fn invoke_fixture<T: Tool>(
    tool: &T,
    function: &str,
    kind: &str,
    substitutions: &[(&str, &str)],
) -> Outcome {
    let invocation = fixture_invocation(function, kind, substitutions);
    let reply = route(tool, &fixture_envelope_config(), invocation)
        .await
        .expect("not an internal error");
    let headers = reply.headers().map(|headers| {
        headers
            .iter()
            .map(|(name, value)| {
                let value = value.to_str().expect("ASCII header").to_owned();
                (name.as_str().to_owned(), Value::String(value))
            })
            .collect::<serde_json::Map<_, _>>()
    });
    Outcome {
        status: reply.status(),
        headers: headers.map(Value::Object).unwrap_or(Value::Null),
        body: reply.tool_answer(),
    }
}

/// Route `invocation` to `tool` on `rt` and render the payload, as the runtime does; the
/// benchmarks time this.
pub fn route_blocking<T: Tool>(
    rt: &tokio::runtime::Runtime,
    tool: &T,
    config: &EnvelopeConfig,
    invocation: Invocation,
) -> Value {
    rt.block_on(route(tool, config, invocation))
        .map(booking_auth::invoke::Reply::into_payload)
        .expect("not an internal error")
}

/// Cognito's `AuthenticationResult` for `sub`, with ID and access tokens signed by `key`.
pub fn authentication_result(
    key: &TestKey,
    sub: &str,
    email: &str,
    refresh: Option<&str>,
) -> aws_sdk_cognitoidentityprovider::types::AuthenticationResultType {
    aws_sdk_cognitoidentityprovider::types::AuthenticationResultType::builder()
        .id_token(key.sign(&id_claims(sub, email)))
        .access_token(key.sign(&access_claims(sub)))
        .set_refresh_token(refresh.map(str::to_owned))
        .expires_in(3600)
        .token_type("Bearer")
        .build()
}

/// A DynamoDB item from JSON, as `serde_dynamo` writes records.
pub fn item(
    value: Value,
) -> std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue> {
    serde_dynamo::to_item(value).expect("item")
}

/// A Cognito adapter whose SDK client answers from `rules`, in order.
pub fn mocked_cognito(rules: &[&aws_smithy_mocks::Rule]) -> booking_auth::aws::cognito::Cognito {
    let client = aws_smithy_mocks::mock_client!(
        aws_sdk_cognitoidentityprovider,
        aws_smithy_mocks::RuleMode::Sequential,
        rules
    );
    booking_auth::aws::cognito::Cognito::new(client, &cognito_config())
}

/// A DynamoDB client that answers from `rules`, in order.
pub fn mocked_dynamodb(rules: &[&aws_smithy_mocks::Rule]) -> aws_sdk_dynamodb::Client {
    aws_smithy_mocks::mock_client!(
        aws_sdk_dynamodb,
        aws_smithy_mocks::RuleMode::Sequential,
        rules
    )
}
