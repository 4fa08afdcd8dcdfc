//! MCP clients nobody here wrote, against the local AgentCore Gateway: the official Python SDK
//! (`mcp`, from scripts/requirements-local.txt) and the TypeScript SDK
//! (`@modelcontextprotocol/sdk`, from local-stack/mcp-clients/node/package-lock.json). Each
//! suite initializes, lists the tools and walks the whole sign-in journey, and checks AWS's header
//! rules and result mapping from outside. scripts/test installs both before `cargo test`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failing suite should panic with its message

use std::path::Path;
use std::process::Command;

use local_stack::Stack;
use serde_json::json;

fn reservations() -> Vec<serde_json::Value> {
    ["2026-04-19", "2026-12-24", "2027-03-15"]
        .iter()
        .enumerate()
        .map(|(i, check_in)| {
            json!({"reservation_id": format!("RES-MCP-{i}"), "property_name": "Harbour View Hotel",
                   "check_in": check_in, "check_out": check_in, "status": "confirmed"})
        })
        .collect()
}

#[test]
fn official_mcp_sdks_walk_the_journey_through_the_local_gateway() {
    let mut stack = Stack::start().expect("the local stack starts");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    // A target whose function fails every tool call: the interceptor refuses any event but an
    // interceptor input with a Lambda error.
    let failing = stack.logs_dir().join("failing-targets.json");
    std::fs::write(
        &failing,
        json!([{"function": "guest-token-interceptor", "allowedRequestHeaders": [], "inlinePayload": [
            {"Name": "fails", "Description": "A tool whose function fails", "InputSchema": {"Type": "object"}}]}])
        .to_string(),
    )
    .unwrap();
    let failing_url = stack.start_gateway(&failing, "gateway-failing").unwrap();
    let env = |email: &str| {
        vec![
            ("MCP_URL".to_owned(), stack.mcp_url(false).unwrap()),
            (
                "MCP_URL_INTERCEPTED".to_owned(),
                stack.mcp_url(true).unwrap(),
            ),
            ("MCP_URL_FAILING".to_owned(), failing_url.clone()),
            (
                "INBOX_URL".to_owned(),
                format!("{}/_inbox", stack.standin_url()),
            ),
            ("GUEST_EMAIL".to_owned(), email.to_owned()),
        ]
    };
    for (email, guest_id) in [
        ("python.guest@example.com", "GST-2026-PYTH01"),
        ("node.guest@example.com", "GST-2026-NODE01"),
    ] {
        stack.seed_guest(email, guest_id, &reservations()).unwrap();
    }

    let python = Command::new(root.join(".local/venv/bin/python"))
        .args(["-m", "unittest", "-v", "test_gateway"])
        .current_dir(root.join("local-stack/mcp-clients/python"))
        .envs(env("python.guest@example.com"))
        .status()
        .expect("the Python SDK suite runs (scripts/setup-local installs mcp)");
    let node_dir = root.join("local-stack/mcp-clients/node");
    assert!(
        node_dir
            .join("node_modules/@modelcontextprotocol/sdk")
            .is_dir(),
        "the TypeScript SDK is not installed: run `npm ci` in local-stack/mcp-clients/node (scripts/test does)"
    );
    let node = Command::new("npm")
        .args(["test", "--silent"])
        .current_dir(&node_dir)
        .envs(env("node.guest@example.com"))
        .status()
        .expect("the TypeScript SDK suite runs");
    stack.stop();
    assert!(python.success(), "the Python MCP SDK suite failed");
    assert!(node.success(), "the TypeScript MCP SDK suite failed");
}
