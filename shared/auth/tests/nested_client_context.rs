//! AgentCore Gateway sends `bedrockAgentCorePropagatedHeaders` as a nested object inside the client
//! context. These tests feed exactly that through a Runtime API over real HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fixture that fails should panic

use booking_auth::AuthError;
use booking_auth::invoke::runtime::RuntimeClient;
use booking_auth::invoke::{
    CallContext, EnvelopeConfig, Invocation, Reply, Tool, ToolContract, route,
};
use booking_auth_testing::runtime_api::{FakeRuntimeApi, QueuedInvocation};
use serde::Deserialize;
use serde_json::{Value, json};

struct WhoAmI;

#[derive(Deserialize, schemars::JsonSchema)]
struct NoArgs {}

/// A test contract: `NAME` as given, no arguments, any answer.
struct Test<const BROKEN: bool>;

impl<const BROKEN: bool> ToolContract for Test<BROKEN> {
    const NAME: &'static str = if BROKEN { "broken" } else { "who_am_i" };
    const FUNCTION: &'static str = "test";
    const OUTPUT_NAME: &'static str = "test";
    const DESCRIPTION: &'static str = "A test tool.";
    type Args = NoArgs;
    type Output = Value;
}

async fn route_payload<T: Tool>(
    tool: &T,
    config: &EnvelopeConfig,
    invocation: Invocation,
) -> Result<Value, AuthError> {
    route(tool, config, invocation)
        .await
        .map(Reply::into_payload)
}

impl Tool for WhoAmI {
    type Contract = Test<false>;

    async fn call(&self, _: NoArgs, ctx: &CallContext) -> Result<Value, AuthError> {
        Ok(json!({"success": true, "bearer": ctx.bearer}))
    }
}

fn nested_context() -> String {
    json!({
        "client": {},
        "env": {},
        "custom": {
            "bedrockAgentCoreGatewayId": "gw-123",
            "bedrockAgentCoreTargetId": "target-1",
            "bedrockAgentCoreToolName": "bookingauth___who_am_i",
            "bedrockAgentCoreMessageVersion": "1.0",
            "bedrockAgentCorePropagatedHeaders": {"x-guest-authorization": "Bearer nested-token"}
        }
    })
    .to_string()
}

#[tokio::test]
async fn the_runtime_loop_serves_a_gateway_call_with_nested_propagated_headers() {
    let api = FakeRuntimeApi::start(vec![
        QueuedInvocation {
            request_id: "inv-1".into(),
            payload: json!({}),
            client_context: Some(nested_context()),
        },
        QueuedInvocation {
            request_id: "inv-2".into(),
            payload: json!({}),
            client_context: Some("this is not json".into()),
        },
    ])
    .await;
    let client = RuntimeClient::new(api.endpoint());
    let config = EnvelopeConfig::default();
    // The loop ends when the fake API has nothing more to hand out.
    let ended = client
        .serve("who_am_i", |inv| route_payload(&WhoAmI, &config, inv))
        .await;
    assert!(ended.is_err());

    let posted = api.posted();
    assert_eq!(posted.len(), 2, "{posted:?}");
    assert_eq!(
        posted[0].path,
        "/2018-06-01/runtime/invocation/inv-1/response"
    );
    assert_eq!(
        posted[0].body,
        json!({"success": true, "bearer": "nested-token"})
    );
    // An unreadable context degrades to a direct invoke instead of failing the call.
    assert_eq!(
        posted[1].path,
        "/2018-06-01/runtime/invocation/inv-2/response"
    );
    assert_eq!(posted[1].body, json!({"success": true, "bearer": null}));
}

/// Why the shared layer has its own loop: lambda_runtime 1.x cannot even build its `Context` from
/// this header. If this starts passing, upstream has fixed it and the loop can be reconsidered.
#[test]
fn lambda_runtime_rejects_the_same_client_context() {
    let mut headers = http::HeaderMap::new();
    headers.insert(
        "lambda-runtime-deadline-ms",
        http::HeaderValue::from_static("1"),
    );
    headers.insert(
        "lambda-runtime-client-context",
        http::HeaderValue::from_str(&nested_context()).unwrap(),
    );
    let config = std::sync::Arc::new(lambda_runtime::Config::default());
    assert!(lambda_runtime::Context::new("inv-1", config, &headers).is_err());
}

#[tokio::test]
async fn internal_faults_are_posted_as_lambda_errors_without_detail() {
    struct Broken;
    impl Tool for Broken {
        type Contract = Test<true>;
        async fn call(&self, _: NoArgs, _: &CallContext) -> Result<Value, AuthError> {
            Err(AuthError::Internal(
                "table guests-prod does not exist".into(),
            ))
        }
    }
    let api = FakeRuntimeApi::start(vec![QueuedInvocation {
        request_id: "inv-9".into(),
        payload: json!({}),
        client_context: None,
    }])
    .await;
    let config = EnvelopeConfig::default();
    let _ = RuntimeClient::new(api.endpoint())
        .serve("broken", |inv| route_payload(&Broken, &config, inv))
        .await;
    let posted = api.posted();
    assert_eq!(posted[0].path, "/2018-06-01/runtime/invocation/inv-9/error");
    assert_eq!(posted[0].body["errorType"], "INTERNAL_ERROR");
    assert!(!posted[0].body.to_string().contains("guests-prod"));
}
