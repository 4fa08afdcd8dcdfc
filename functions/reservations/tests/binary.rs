//! The real `reservations` binary, started as Lambda starts it (a process with
//! `AWS_LAMBDA_RUNTIME_API`), against a Runtime API on a loopback port.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fixture that fails should panic

use std::process::{Command, Stdio};
use std::time::Duration;

use booking_auth_testing::runtime_api::{FakeRuntimeApi, Posted, QueuedInvocation};
use booking_auth_testing::{CLIENT_ID, POOL_ID, REGION, TestKey, access_claims, sign_hs256};
use serde_json::json;

/// Run the binary until the fake API runs out of invocations; return what it posted and its exit.
async fn run(api: &FakeRuntimeApi, env: &[(&str, &str)]) -> (Vec<Posted>, std::process::Output) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_reservations"));
    command
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", api.host_port())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        // Nothing listens here: a call that reached AWS would fail fast instead of leaving the machine.
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    let child = command.spawn().expect("start the binary");
    let output = tokio::time::timeout(
        Duration::from_secs(30),
        tokio::task::spawn_blocking(move || child.wait_with_output()),
    )
    .await
    .expect("the binary stops by itself")
    .unwrap()
    .unwrap();
    (api.posted(), output)
}

fn configured() -> Vec<(&'static str, &'static str)> {
    vec![
        ("AWS_REGION", REGION),
        ("USER_POOL_ID", POOL_ID),
        ("USER_POOL_CLIENT_ID", CLIENT_ID),
        ("GUESTS_TABLE", "guests"),
        ("RESERVATIONS_TABLE", "reservations"),
        ("COGNITO_ISSUER", "http://127.0.0.1:9/eu-west-1_TestPool1"),
    ]
}

#[tokio::test]
async fn a_gateway_call_with_nested_propagated_headers_reaches_the_handler() {
    let key = TestKey::generate("k1");
    // HS256 is refused before any key lookup, so the answer proves the header was read and checked.
    let forged = sign_hs256("k1", &key.public_der(), &access_claims("sub-1"));
    let context = |headers: serde_json::Value| {
        json!({"custom": {
            "bedrockAgentCoreToolName": "bookingauth___get_my_reservations",
            "bedrockAgentCoreGatewayId": "gw-1",
            "bedrockAgentCorePropagatedHeaders": headers
        }})
        .to_string()
    };
    let api = FakeRuntimeApi::start(vec![
        QueuedInvocation {
            request_id: "with-header".into(),
            payload: json!({}),
            client_context: Some(context(
                json!({"x-guest-authorization": format!("Bearer {forged}")}),
            )),
        },
        QueuedInvocation {
            request_id: "without-header".into(),
            payload: json!({}),
            client_context: Some(context(json!({}))),
        },
    ])
    .await;
    let (posted, output) = run(&api, &configured()).await;
    assert_eq!(
        posted.len(),
        2,
        "{posted:?}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        posted[0].path,
        "/2018-06-01/runtime/invocation/with-header/response"
    );
    assert_eq!(posted[0].body["error_code"], "INVALID_TOKEN");
    assert_eq!(
        posted[1].path,
        "/2018-06-01/runtime/invocation/without-header/response"
    );
    assert_eq!(posted[1].body["error_code"], "AUTH_REQUIRED");

    // JSON log lines with the request id, and no token in any of them.
    let logs = String::from_utf8_lossy(&output.stdout);
    assert!(
        logs.lines()
            .any(|l| l.contains("\"request_id\":\"with-header\"")),
        "{logs}"
    );
    assert!(!logs.contains(&forged));
    // Each refusal is logged once, where the tool's outcome is known, with its code and caller.
    let refusals: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("tool refused the call"))
        .collect();
    assert_eq!(refusals.len(), 2, "{logs}");
    assert!(refusals[0].contains("INVALID_TOKEN") && refusals[0].contains("with-header"));
    assert!(refusals[1].contains("AUTH_REQUIRED") && refusals[1].contains("Gateway"));
}

#[tokio::test]
async fn missing_configuration_is_an_init_error_naming_the_variable() {
    let api = FakeRuntimeApi::start(vec![]).await;
    let env: Vec<_> = configured()
        .into_iter()
        .filter(|(k, _)| *k != "RESERVATIONS_TABLE")
        .collect();
    let (posted, output) = run(&api, &env).await;
    assert!(!output.status.success());
    assert_eq!(posted.len(), 1, "{posted:?}");
    assert_eq!(posted[0].path, "/2018-06-01/runtime/init/error");
    assert_eq!(posted[0].body["errorType"], "Runtime.ConfigError");
    assert_eq!(
        posted[0].body["errorMessage"],
        "missing required environment variable RESERVATIONS_TABLE"
    );
}
