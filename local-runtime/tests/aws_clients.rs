//! AWS's own clients against the local Identity Pool, STS exchange and Runtime front door, as the
//! chat page and a developer would point them: boto3 (pinned in scripts/requirements-local.txt)
//! and the JavaScript SDK v3 (`@aws-sdk/client-bedrock-agentcore`, `client-cognito-identity` and
//! `credential-providers`, pinned in clients/node/package-lock.json) through both Identity Pool flows,
//! the guest-to-signed-in link and the merge, the contract package's AgentCore module (the page's
//! credentials and InvokeAgentRuntime turns) on that SDK, and every refusal
//! the front door owes (a wrong signature, an unknown key, expired credentials, a short session
//! id, a guest's enhanced-flow credentials). The agent behind it is a stand-in that echoes the
//! headers it received, in two SSE chunks, so the allowlist and the streaming show from outside.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failing suite should panic with its message

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use cognito_stand_in::{Settings, StandIn};
use http::StatusCode;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use local_runtime::{Config, LocalRuntime, UserPoolProvider};
use serde_json::{Map, Value, json};

/// How long the front door's credentials live in this suite: long enough for one step, short
/// enough to see them expire.
const CREDENTIAL_SECONDS: i64 = 4;

async fn listen() -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    (listener, url)
}

/// The agent: `POST /invocations` answers the headers it got as one SSE event, then `[DONE]`
/// 300 ms later.
async fn echo(req: loopback_http::Request) -> loopback_http::Response {
    let headers: Map<String, Value> = req
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v.to_str().unwrap_or_default())))
        .collect();
    let first = format!("data: {}\n\n", json!({"headers": headers}));
    let (sender, receiver) = tokio::sync::mpsc::channel::<Bytes>(2);
    tokio::spawn(async move {
        let _ = sender.send(Bytes::from(first)).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let _ = sender.send(Bytes::from_static(b"data: [DONE]\n\n")).await;
    });
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        let data = receiver.recv().await?;
        Some((Ok::<_, Infallible>(Frame::data(data)), receiver))
    });
    let mut response = loopback_http::Response::new(StreamBody::new(stream).boxed());
    *response.status_mut() = StatusCode::OK;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/event-stream"),
    );
    response
}

#[tokio::test(flavor = "multi_thread")]
async fn boto3_signs_in_through_the_identity_pool_and_invokes_the_runtime() {
    let (listener, standin_url) = listen().await;
    let settings = Settings::default();
    let standin = Arc::new(StandIn::new(settings.clone(), &standin_url).unwrap());
    let standin_task = tokio::spawn(cognito_stand_in::serve(listener, standin));

    let (listener, agent_url) = listen().await;
    let agent_task = tokio::spawn(loopback_http::serve(listener, echo));

    let provider = UserPoolProvider {
        name: format!(
            "cognito-idp.{}.amazonaws.com/{}",
            settings.region, settings.user_pool_id
        ),
        issuer: format!(
            "https://cognito-idp.{}.amazonaws.com/{}",
            settings.region, settings.user_pool_id
        ),
        jwks_url: format!(
            "{standin_url}/{}/.well-known/jwks.json",
            settings.user_pool_id
        ),
        client_id: settings.client_id.clone(),
    };
    let mut config = Config::local(
        provider.clone(),
        agent_url,
        vec!["X-Guest-Authorization".into()],
    );
    config.credential_seconds = CREDENTIAL_SECONDS;
    let (listener, runtime_url) = listen().await;
    let runtime = Arc::new(LocalRuntime::new(config).unwrap());
    let c = runtime.config.clone();
    let runtime_task = tokio::spawn(local_runtime::serve(listener, runtime));

    let env = vec![
        ("STANDIN_URL", standin_url),
        ("USER_POOL_ID", settings.user_pool_id),
        ("CLIENT_ID", settings.client_id),
        ("REGION", c.region),
        ("RUNTIME_URL", runtime_url),
        ("IDENTITY_POOL_ID", c.identity_pool_id),
        ("PROVIDER", provider.name),
        ("GUEST_ROLE", c.guest_role),
        ("SIGNED_IN_ROLE", c.signed_in_role),
        ("RUNTIME_ARN", c.runtime_arn),
        ("CREDENTIAL_SECONDS", CREDENTIAL_SECONDS.to_string()),
    ];
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let clients = Path::new(env!("CARGO_MANIFEST_DIR")).join("clients");
    assert!(
        clients
            .join("node/node_modules/@aws-sdk/client-bedrock-agentcore")
            .is_dir(),
        "the JavaScript SDK is not installed: run `npm ci` in local-runtime/clients/node (scripts/test does)"
    );
    assert!(
        root.join("packages/contract/dist/src/agentcore.js")
            .is_file()
            && root
                .join("packages/contract/node_modules/@aws-sdk/credential-providers")
                .is_dir(),
        "the contract package is not built: run `npm ci && npm run build` in packages/contract (scripts/test does)"
    );
    // The suites block on their process; the servers keep serving on the runtime's workers.
    let (boto3, node) = tokio::task::spawn_blocking(move || {
        let run = |program: PathBuf, args: &[&str], dir: PathBuf| {
            Command::new(program)
                .args(args)
                .current_dir(dir)
                .envs(env.clone())
                .status()
        };
        (
            run(
                root.join(".local/venv/bin/python"),
                &["-m", "unittest", "-v", "test_boto3"],
                clients.join("python"),
            ),
            run(
                PathBuf::from("npm"),
                &["test", "--silent"],
                clients.join("node"),
            ),
        )
    })
    .await
    .unwrap();
    for task in [standin_task, agent_task, runtime_task] {
        task.abort();
    }
    let boto3 = boto3.expect("the boto3 suite runs (scripts/setup-local installs boto3)");
    let node = node.expect("the Node suite runs");
    assert!(boto3.success(), "the boto3 suite failed");
    assert!(node.success(), "the JavaScript SDK suite failed");
}
