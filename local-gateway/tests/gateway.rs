//! The local Gateway binary against a recording Lambda Invoke API on loopback, driven by the
//! official Rust MCP SDK's client: what a function is sent (the client-context keys AWS
//! documents, only allowlisted headers), how failures map, which protocol versions it serves,
//! and that a target AWS would refuse stops it at start.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failing check should panic with its message

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::{HeaderName, HeaderValue, StatusCode};
use rmcp::model::{
    CallToolRequestParams, ClientCapabilities, ClientConfig, Implementation, ProtocolVersion,
};
use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Value, json};

/// The keys AWS documents for a Lambda target's client context.
const DOCUMENTED: [&str; 7] = [
    "bedrockAgentCoreGatewayId",
    "bedrockAgentCoreTargetId",
    "bedrockAgentCoreMessageVersion",
    "bedrockAgentCoreToolName",
    "bedrockAgentCoreSessionId",
    "bedrockAgentCoreMcpMessageId",
    "bedrockAgentCoreAwsRequestId",
];

type Recorded = Arc<Mutex<Vec<(String, Value, Value)>>>;

fn client_context(request: &loopback_http::Request) -> Value {
    use base64::Engine;
    request
        .headers()
        .get("x-amz-client-context")
        .and_then(|v| {
            base64::engine::general_purpose::STANDARD
                .decode(v.as_bytes())
                .ok()
        })
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or(Value::Null)
}

/// A Lambda Invoke API: `broken` raises a function error, `slow` takes 3 s, others echo.
async fn fake_lambda() -> (String, Recorded) {
    let recorded: Recorded = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let log = recorded.clone();
    tokio::spawn(loopback_http::serve(
        listener,
        move |request: loopback_http::Request| {
            let log = log.clone();
            async move {
                let function = request
                    .uri()
                    .path()
                    .split('/')
                    .nth(3)
                    .unwrap_or_default()
                    .to_owned();
                let context = client_context(&request);
                let body = loopback_http::read_body(request.into_body())
                    .await
                    .unwrap_or_default();
                let payload: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                log.lock()
                    .unwrap()
                    .push((function.clone(), context, payload.clone()));
                match function.as_str() {
                    "broken" => {
                        let mut response = loopback_http::json(
                            StatusCode::OK,
                            "application/json",
                            &json!({"errorType": "Runtime.Error", "errorMessage": "table booking-guests is missing"}),
                        );
                        response.headers_mut().insert(
                            "x-amz-function-error",
                            HeaderValue::from_static("Unhandled"),
                        );
                        response
                    }
                    "slow" => {
                        tokio::time::sleep(Duration::from_secs(3)).await;
                        loopback_http::json(
                            StatusCode::OK,
                            "application/json",
                            &json!({"late": true}),
                        )
                    }
                    _ => loopback_http::json(
                        StatusCode::OK,
                        "application/json",
                        &json!({"success": true, "echo": payload}),
                    ),
                }
            }
        },
    ));
    (url, recorded)
}

fn targets_file(name: &str, targets: Value) -> std::path::PathBuf {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.json"));
    std::fs::write(&path, targets.to_string()).unwrap();
    path
}

fn target(function: &str, tool: &str, headers: &[&str]) -> Value {
    json!({"function": function, "allowedRequestHeaders": headers, "inlinePayload": [
        {"Name": tool, "Description": format!("{tool} of {function}"),
         "InputSchema": {"Type": "object", "Properties": {}}}]})
}

/// The binary, stopped when dropped.
struct Gateway {
    child: Child,
    url: String,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn gateway(lambda: &str, targets: &std::path::Path) -> Gateway {
    gateway_with(lambda, targets, &[])
}

fn gateway_with(lambda: &str, targets: &std::path::Path, extra: &[&std::ffi::OsStr]) -> Gateway {
    let mut child = Command::new(env!("CARGO_BIN_EXE_local-gateway"))
        .args([
            "--port",
            "0",
            "--timeout-seconds",
            "1",
            "--lambda-endpoint",
            lambda,
        ])
        .arg("--targets")
        .arg(targets)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("MCP endpoint: ")
        .unwrap()
        .to_owned();
    Gateway { child, url }
}

type Agent = RunningService<RoleClient, ClientConfig>;

async fn client(url: &str, headers: &[(&str, &str)], version: Option<ProtocolVersion>) -> Agent {
    let headers: HashMap<HeaderName, HeaderValue> = headers
        .iter()
        .map(|(k, v)| {
            (
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            )
        })
        .collect();
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url).custom_headers(headers),
    );
    let mut info = ClientConfig::new(
        ClientCapabilities::default(),
        Implementation::new("gateway-test", "1"),
    );
    if let Some(version) = version {
        info = info.with_protocol_version(version);
    }
    info.serve(transport).await.unwrap()
}

async fn call(agent: &Agent, tool: &str) -> (String, bool) {
    let result = agent
        .call_tool(
            CallToolRequestParams::new(tool.to_owned()).with_arguments(serde_json::Map::new()),
        )
        .await
        .unwrap();
    let text = result.content[0].as_text().unwrap().text.clone();
    (text, result.is_error.unwrap_or(false))
}

#[tokio::test(flavor = "multi_thread")]
async fn functions_get_the_documented_client_context_and_only_allowlisted_headers() {
    let (lambda, recorded) = fake_lambda().await;
    let file = targets_file(
        "context",
        json!([
            target(
                "reservations",
                "get_my_reservations",
                &["X-Guest-Authorization"]
            ),
            target("initiate-login", "initiate_login", &[])
        ]),
    );
    let gw = gateway(&lambda, &file);
    let agent = client(
        &gw.url,
        &[
            ("X-Guest-Authorization", "Bearer guest-jwt"),
            ("X-Other", "1"),
            ("Authorization", "AWS4-HMAC-SHA256 Signature=abc"),
        ],
        None,
    )
    .await;
    let (text, is_error) = call(&agent, "reservations___get_my_reservations").await;
    assert!(!is_error);
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap(),
        json!({"success": true, "echo": {}})
    );
    call(&agent, "initiate-login___initiate_login").await;
    agent.cancel().await.unwrap();

    let recorded = recorded.lock().unwrap().clone();
    let (function, context, payload) = &recorded[0];
    assert_eq!((function.as_str(), payload), ("reservations", &json!({})));
    let custom = context["custom"].as_object().unwrap();
    let mut expected: BTreeSet<&str> = DOCUMENTED.into_iter().collect();
    expected.insert("bedrockAgentCorePropagatedHeaders");
    assert_eq!(
        custom.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        expected
    );
    assert_eq!(
        custom["bedrockAgentCoreToolName"],
        "reservations___get_my_reservations"
    );
    assert_eq!(custom["bedrockAgentCoreTargetId"], "reservations");
    assert_eq!(custom["bedrockAgentCoreMessageVersion"], "1.0");
    assert!(
        !custom["bedrockAgentCoreSessionId"]
            .as_str()
            .unwrap()
            .is_empty()
    );
    assert!(
        !custom["bedrockAgentCoreMcpMessageId"]
            .as_str()
            .unwrap()
            .is_empty()
    );
    // Only the allowlisted header; never the agent's own Authorization.
    assert_eq!(
        custom["bedrockAgentCorePropagatedHeaders"],
        json!({"x-guest-authorization": "Bearer guest-jwt"})
    );
    // A target without an allowlist gets no propagated headers at all.
    let login = recorded[1].1["custom"].as_object().unwrap();
    assert_eq!(
        login.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        DOCUMENTED.into_iter().collect()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lambda_error_or_timeout_is_an_error_result_with_a_generic_text() {
    let (lambda, _) = fake_lambda().await;
    let file = targets_file(
        "failures",
        json!([target("broken", "fails", &[]), target("slow", "waits", &[])]),
    );
    let gw = gateway(&lambda, &file);
    let agent = client(&gw.url, &[], None).await;
    for tool in ["broken___fails", "slow___waits"] {
        let (text, is_error) = call(&agent, tool).await;
        assert!(is_error, "{tool}");
        assert_eq!(
            text, "An internal error occurred. Please retry later.",
            "{tool}"
        );
    }
    // An unknown tool is a protocol error, not a result.
    let unknown = agent
        .call_tool(CallToolRequestParams::new("nope___nothing"))
        .await;
    assert!(unknown.is_err());
    agent.cancel().await.unwrap();
}

/// A JWT-shaped token of `len` characters: header, payload and a 2048-bit RS256 signature.
fn token_of_length(len: usize) -> String {
    let signature = "s".repeat(342);
    let header =
        "eyJraWQiOiJhYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODk9IiwiYWxnIjoiUlMyNTYifQ";
    let payload = "p".repeat(len - header.len() - signature.len() - 2);
    format!("{header}.{payload}.{signature}")
}

/// The largest access token we expect Cognito to mint for this pool: a typical one is about
/// 1,100 characters (the local pool's are 1,071); 1,600 leaves room for longer ids and a few
/// custom claims. Lambda takes at most 3,583 bytes of base64 client context, which the Gateway
/// fills with its ids and the propagated guest-token header.
const LARGEST_REALISTIC_TOKEN: usize = 1_600;

#[tokio::test(flavor = "multi_thread")]
async fn the_largest_realistic_token_fits_the_client_context_and_a_larger_one_is_refused_as_lambda_refuses_it()
 {
    let (lambda, recorded) = fake_lambda().await;
    let file = targets_file(
        "sizes",
        json!([target(
            "reservations",
            "get_my_reservations",
            &["X-Guest-Authorization"]
        )]),
    );
    let gw = gateway_with(
        &lambda,
        &file,
        // A gateway id as long as AWS's (`<name>-<10 characters>`, the name at its limit).
        &[
            "--gateway-id".as_ref(),
            "booking-auth-production-stack-tools-a1b2c3d4e5".as_ref(),
        ],
    );
    let token = token_of_length(LARGEST_REALISTIC_TOKEN);
    let header = format!("Bearer {token}");
    let agent = client(&gw.url, &[("X-Guest-Authorization", header.as_str())], None).await;
    let (_, is_error) = call(&agent, "reservations___get_my_reservations").await;
    assert!(
        !is_error,
        "the largest realistic token reaches the function"
    );
    let sent = recorded.lock().unwrap()[0].1.to_string();
    let size = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &sent).len();
    assert!(size <= 3583, "{size} bytes of base64");
    println!(
        "client context with a {LARGEST_REALISTIC_TOKEN}-character token: {size} of 3,583 bytes"
    );
    agent.cancel().await.unwrap();

    // A token that would not fit: refused before the function runs, with the generic error text.
    let oversized = format!("Bearer {}", token_of_length(2_400));
    let agent = client(
        &gw.url,
        &[("X-Guest-Authorization", oversized.as_str())],
        None,
    )
    .await;
    let (text, is_error) = call(&agent, "reservations___get_my_reservations").await;
    assert!(is_error);
    assert_eq!(text, "An internal error occurred. Please retry later.");
    assert_eq!(recorded.lock().unwrap().len(), 1, "the function never ran");
    agent.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn it_serves_the_protocol_versions_aws_documents() {
    let (lambda, _) = fake_lambda().await;
    let file = targets_file(
        "versions",
        json!([target("initiate-login", "initiate_login", &[])]),
    );
    let gw = gateway(&lambda, &file);
    for version in [
        ProtocolVersion::V_2025_03_26,
        ProtocolVersion::V_2025_06_18,
        ProtocolVersion::V_2025_11_25,
    ] {
        let agent = client(&gw.url, &[], Some(version.clone())).await;
        assert_eq!(agent.peer_info().unwrap().protocol_version, version);
        let tools = agent.list_all_tools().await.unwrap();
        assert_eq!(tools[0].name, "initiate-login___initiate_login");
        agent.cancel().await.unwrap();
    }
    // Older than AWS serves: the Gateway answers with a version it has.
    let agent = client(&gw.url, &[], Some(ProtocolVersion::V_2024_11_05)).await;
    assert_ne!(
        agent.peer_info().unwrap().protocol_version,
        ProtocolVersion::V_2024_11_05
    );
    agent.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revision_the_protocol_configuration_leaves_out_is_refused_as_aws_refuses_it() {
    let (lambda, _) = fake_lambda().await;
    let file = targets_file(
        "unlisted",
        json!([target("initiate-login", "initiate_login", &[])]),
    );
    let protocol =
        std::env::temp_dir().join(format!("gateway-protocol-{}.json", std::process::id()));
    std::fs::write(
        &protocol,
        json!({"Mcp": {"SupportedVersions": ["2025-03-26", "2025-11-25"]}}).to_string(),
    )
    .unwrap();
    let gw = gateway_with(
        &lambda,
        &file,
        &["--protocol".as_ref(), protocol.as_os_str()],
    );
    // The stateless revision is not listed: refused, as the deployed Gateway refuses it.
    let refused = stateless_answer(&gw.url, 1, "tools/list", json!({})).await;
    assert!(refused.get("error").is_some(), "{refused}");
    // A listed revision is served; initialize with an unlisted one is answered with a listed one.
    let agent = client(&gw.url, &[], Some(ProtocolVersion::V_2025_11_25)).await;
    assert_eq!(agent.list_all_tools().await.unwrap().len(), 1);
    agent.cancel().await.unwrap();
    let agent = client(&gw.url, &[], Some(ProtocolVersion::V_2025_06_18)).await;
    assert_ne!(
        agent.peer_info().unwrap().protocol_version,
        ProtocolVersion::V_2025_06_18
    );
    agent.cancel().await.unwrap();
    std::fs::remove_file(protocol).unwrap();
}

/// One request of the stateless 2026-07-28 revision, as the Python SDK Strands uses sends it: the
/// version in the `MCP-Protocol-Version` header and in `_meta`, no session. The JSON-RPC answer.
async fn stateless(url: &str, id: u32, method: &str, params: Value) -> Value {
    let answer = stateless_answer(url, id, method, params).await;
    assert!(answer.get("error").is_none(), "{answer}");
    answer
}

/// The JSON-RPC answer to a stateless 2026-07-28 request, an error included.
async fn stateless_answer(url: &str, id: u32, method: &str, params: Value) -> Value {
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "gateway-test", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    let mut params = params;
    params["_meta"] = meta;
    let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
    let mut request = http::Request::post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", method);
    if let Some(name) = params["name"].as_str() {
        request = request.header("mcp-name", name);
    }
    let request = request
        .body(http_body_util::Full::new(bytes::Bytes::from(
            body.to_string(),
        )))
        .unwrap();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Full<bytes::Bytes>>();
    let response = client.request(request).await.unwrap();
    use http_body_util::BodyExt;
    let text = String::from_utf8(
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    // An SSE answer: the JSON-RPC message is the data line that parses.
    text.lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .find_map(|data| serde_json::from_str::<Value>(data.trim()).ok())
        .or_else(|| serde_json::from_str::<Value>(text.trim()).ok())
        .unwrap_or_else(|| panic!("no JSON-RPC answer in {text:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn stateless_2026_07_28_results_carry_result_type() {
    let (lambda, _) = fake_lambda().await;
    let file = targets_file(
        "stateless",
        json!([target("initiate-login", "initiate_login", &[])]),
    );
    let gw = gateway(&lambda, &file);
    let discovered = stateless(&gw.url, 1, "server/discover", json!({})).await;
    assert!(
        discovered["result"]["supportedVersions"]
            .as_array()
            .unwrap()
            .contains(&json!("2026-07-28")),
        "{discovered}"
    );
    // "Servers implementing this protocol version MUST include" resultType (schema 2026-07-28);
    // the Python SDK that Strands uses refuses a tools/list without it.
    let listed = stateless(&gw.url, 2, "tools/list", json!({})).await;
    assert_eq!(listed["result"]["resultType"], "complete", "{listed}");
    assert_eq!(
        listed["result"]["tools"][0]["name"],
        "initiate-login___initiate_login"
    );
    let called = stateless(
        &gw.url,
        3,
        "tools/call",
        json!({"name": "initiate-login___initiate_login", "arguments": {}}),
    )
    .await;
    assert_eq!(called["result"]["resultType"], "complete", "{called}");
}

#[test]
fn a_target_aws_would_refuse_stops_it_at_start_with_the_reason() {
    for (name, headers) in [
        ("restricted", vec!["Authorization".to_owned()]),
        ("too-many", (0..11).map(|i| format!("X-H{i}")).collect()),
    ] {
        let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
        let file = targets_file(
            name,
            json!([target("reservations", "get_my_reservations", &refs)]),
        );
        let out = Command::new(env!("CARGO_BIN_EXE_local-gateway"))
            .args(["--port", "0", "--lambda-endpoint", "http://127.0.0.1:9"])
            .arg("--targets")
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("ValidationException") && stderr.contains("reservations"),
            "{name}: {stderr}"
        );
    }
}
