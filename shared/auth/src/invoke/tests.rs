//! Every protocol in front of one test tool, through [`route`] as the runtime calls it.

use super::*;
use crate::domain::agentcore::{PROPAGATED_HEADERS_KEY, tool_name};
use serde::Deserialize;
use serde_json::json;

/// A tool that reports what the envelope handed it, or fails on request.
struct Echo;

struct EchoContract;

impl ToolContract for EchoContract {
    const NAME: &'static str = "echo_tool";
    const FUNCTION: &'static str = "echo";
    const OUTPUT_NAME: &'static str = "echo";
    const DESCRIPTION: &'static str = "Echoes what the protocol handed it.";
    type Args = EchoArgs;
    type Output = Value;
}

#[derive(Deserialize, schemars::JsonSchema)]
struct EchoArgs {
    #[serde(default)]
    fail: Option<String>,
    #[serde(default)]
    value: Option<String>,
}

impl Tool for Echo {
    type Contract = EchoContract;

    async fn call(&self, args: EchoArgs, ctx: &CallContext) -> Result<Value, AuthError> {
        match args.fail.as_deref() {
            Some("rate_limited") => Err(AuthError::RateLimited { retry_after: 7 }),
            Some("auth") => Err(AuthError::TokenExpired),
            Some("internal") => Err(AuthError::Internal("table missing".into())),
            _ => Ok(
                json!({"success": true, "caller": format!("{:?}", ctx.caller), "bearer": ctx.bearer, "value": args.value}),
            ),
        }
    }
}

fn config() -> EnvelopeConfig {
    EnvelopeConfig {
        cors: crate::config::CorsConfig {
            allowed_origins: vec!["https://chat.example.com".into()],
            max_age_seconds: 600,
        },
        guest_token: crate::config::GuestTokenConfig::default(),
    }
}

async fn call(payload: Value, client_context: Option<Value>) -> Result<Value, AuthError> {
    let invocation = Invocation {
        request_id: "req-1".into(),
        payload,
        client_context,
    };
    route(&Echo, &config(), invocation)
        .await
        .map(Reply::into_payload)
}

fn gateway_context(tool: &str, headers: Option<Value>) -> Value {
    let mut custom = json!({
        "bedrockAgentCoreGatewayId": "gw-1",
        "bedrockAgentCoreTargetId": "tg-1",
        "bedrockAgentCoreMessageVersion": "1.0",
        "bedrockAgentCoreToolName": tool,
        "bedrockAgentCoreSessionId": "sess-1",
        "bedrockAgentCoreMcpMessageId": "msg-1",
    });
    if let Some(h) = headers {
        custom[PROPAGATED_HEADERS_KEY] = h;
    }
    json!({"custom": custom, "client": {}, "env": {}})
}

fn http_v2(method: &str, headers: Value, body: Option<&str>) -> Value {
    json!({
        "version": "2.0", "routeKey": "$default", "rawPath": "/", "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc123", "domainName": "abc123.lambda-url.eu-west-1.on.aws",
            "domainPrefix": "abc123", "requestId": "r-1", "routeKey": "$default", "stage": "$default",
            "time": "22/Nov/2026:10:00:00 +0000", "timeEpoch": 1_795_000_000_000_i64,
            "http": {"method": method, "path": "/", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "test"}
        },
        "body": body, "isBase64Encoded": false
    })
}

fn http_body(response: &Value) -> Value {
    serde_json::from_str(response["body"].as_str().unwrap_or("null")).unwrap()
}

#[tokio::test]
async fn direct_invoke_passes_bare_arguments() {
    let out = call(json!({"value": "x"}), None).await.unwrap();
    assert_eq!(
        out,
        json!({"success": true, "caller": "Direct", "bearer": null, "value": "x"})
    );
}

#[tokio::test]
async fn direct_invoke_with_no_payload_gets_empty_arguments() {
    let out = call(Value::Null, None).await.unwrap();
    assert_eq!(out["success"], true);
}

#[tokio::test]
async fn gateway_call_strips_the_target_prefix_and_reads_nested_propagated_headers() {
    let ctx = gateway_context(
        "booking-auth___echo_tool",
        Some(json!({"X-Guest-Authorization": "Bearer tok-123", "x-other": "1"})),
    );
    let out = call(json!({"value": "y"}), Some(ctx)).await.unwrap();
    assert_eq!(
        out,
        json!({"success": true, "caller": "Gateway", "bearer": "tok-123", "value": "y"})
    );
}

#[tokio::test]
async fn gateway_headers_are_matched_case_insensitively_and_may_arrive_as_a_string() {
    let ctx = gateway_context(
        "t___echo_tool",
        Some(json!("{\"x-guest-AUTHORIZATION\":\"bearer tok-9\"}")),
    );
    let out = call(json!({}), Some(ctx)).await.unwrap();
    assert_eq!(out["bearer"], "tok-9");
}

#[tokio::test]
async fn a_propagated_authorization_header_is_not_the_guest_token() {
    // With AWS_IAM inbound auth, Authorization is the agent's SigV4 signature; a Bearer value
    // there did not come through a documented channel either.
    for value in [
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261202/us-east-1/bedrock-agentcore/aws4_request, SignedHeaders=host, Signature=abc",
        "Bearer tok-1",
    ] {
        let ctx = gateway_context("t___echo_tool", Some(json!({"Authorization": value})));
        let out = call(json!({}), Some(ctx)).await.unwrap();
        assert_eq!(out["bearer"], Value::Null, "{value}");
    }
}

#[tokio::test]
async fn the_guest_token_header_name_is_configurable() {
    let mut config = config();
    config.guest_token.header = "X-Booking-Guest".into();
    let ctx = gateway_context(
        "t___echo_tool",
        Some(json!({"x-booking-guest": "Bearer tok-7", "X-Guest-Authorization": "Bearer other"})),
    );
    let invocation = Invocation {
        request_id: "r".into(),
        payload: json!({}),
        client_context: Some(ctx),
    };
    let out = route(&Echo, &config, invocation)
        .await
        .unwrap()
        .into_payload();
    assert_eq!(out["bearer"], "tok-7");
}

#[tokio::test]
async fn gateway_call_without_propagation_has_no_bearer() {
    let out = call(json!({}), Some(gateway_context("t___echo_tool", None)))
        .await
        .unwrap();
    assert_eq!(out["caller"], "Gateway");
    assert_eq!(out["bearer"], Value::Null);
}

#[tokio::test]
async fn gateway_call_for_another_tool_is_refused() {
    let out = call(json!({}), Some(gateway_context("t___verify_otp", None)))
        .await
        .unwrap();
    assert_eq!(out["error_code"], "INVALID_INPUT");
    assert_eq!(out["success"], false);
}

#[test]
fn tool_name_prefix_is_stripped_through_the_first_separator() {
    assert_eq!(
        tool_name("target___get_my_reservations"),
        "get_my_reservations"
    );
    assert_eq!(tool_name("get_my_reservations"), "get_my_reservations");
    assert_eq!(tool_name("a___b___c"), "b___c");
}

#[tokio::test]
async fn bad_arguments_are_a_typed_failure_not_a_lambda_error() {
    let out = call(json!([1, 2]), None).await.unwrap();
    assert_eq!(out["error_code"], "INVALID_INPUT");
    let out = call(json!({"value": 5}), None).await.unwrap();
    assert_eq!(out["error_code"], "INVALID_INPUT");
    assert_eq!(out["retryable"], false);
}

#[tokio::test]
async fn input_errors_never_echo_the_value() {
    let out = call(json!({"value": 12345678}), None).await.unwrap();
    let message = out["message"].as_str().unwrap();
    assert!(!message.contains("12345678"), "{message}");
    assert!(message.contains("expected"), "{message}");
    let out = call(json!({"value": ["secret-token"]}), None)
        .await
        .unwrap();
    assert!(!out.to_string().contains("secret-token"));
}

#[tokio::test]
async fn expected_failures_are_results_and_internal_faults_are_lambda_errors() {
    let out = call(json!({"fail": "rate_limited"}), None).await.unwrap();
    assert_eq!(out["error_code"], "RATE_LIMITED");
    assert_eq!(out["retry_after"], 7);
    assert!(
        call(json!({"fail": "internal"}), None)
            .await
            .unwrap_err()
            .is_internal()
    );
}

#[tokio::test]
async fn http_post_reads_body_and_bearer_and_sets_cors_for_an_allowed_origin() {
    let event = http_v2(
        "POST",
        json!({"authorization": "Bearer tok-h", "origin": "https://chat.example.com", "content-type": "application/json"}),
        Some(r#"{"value":"z"}"#),
    );
    let out = call(event, None).await.unwrap();
    assert_eq!(out["statusCode"], 200);
    assert_eq!(
        out["headers"]["access-control-allow-origin"],
        "https://chat.example.com"
    );
    assert_eq!(out["headers"]["cache-control"], "no-store");
    assert_eq!(
        http_body(&out),
        json!({"success": true, "caller": "Http", "bearer": "tok-h", "value": "z"})
    );
}

#[tokio::test]
async fn http_preflight_answers_204_with_cors_headers() {
    let event = http_v2(
        "OPTIONS",
        json!({"origin": "https://chat.example.com", "access-control-request-method": "POST"}),
        None,
    );
    let out = call(event, None).await.unwrap();
    assert_eq!(out["statusCode"], 204);
    assert_eq!(
        out["headers"]["access-control-allow-headers"],
        "authorization, content-type, x-conversation-id"
    );
    assert!(
        out["headers"]["access-control-allow-methods"]
            .as_str()
            .unwrap()
            .contains("POST")
    );
}

#[tokio::test]
async fn http_other_origins_get_no_cors_headers() {
    let event = http_v2(
        "POST",
        json!({"origin": "https://evil.example.net"}),
        Some("{}"),
    );
    let out = call(event, None).await.unwrap();
    assert_eq!(out["statusCode"], 200);
    assert!(out["headers"].get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn http_errors_map_to_status_codes() {
    let out = call(
        http_v2("POST", json!({}), Some(r#"{"fail":"rate_limited"}"#)),
        None,
    )
    .await
    .unwrap();
    assert_eq!(out["statusCode"], 429);
    assert_eq!(out["headers"]["retry-after"], "7");
    assert_eq!(http_body(&out)["error_code"], "RATE_LIMITED");

    let out = call(http_v2("POST", json!({}), Some(r#"{"fail":"auth"}"#)), None)
        .await
        .unwrap();
    assert_eq!(out["statusCode"], 401);

    let out = call(http_v2("POST", json!({}), Some("not json")), None)
        .await
        .unwrap();
    assert_eq!(out["statusCode"], 400);
    assert_eq!(http_body(&out)["error_code"], "INVALID_INPUT");

    let out = call(
        http_v2("POST", json!({}), Some(r#"{"fail":"internal"}"#)),
        None,
    )
    .await
    .unwrap();
    assert_eq!(out["statusCode"], 500);
    assert!(!out["body"].as_str().unwrap().contains("table missing"));
}

#[tokio::test]
async fn http_get_is_refused_for_a_post_only_tool() {
    let out = call(http_v2("GET", json!({}), None), None).await.unwrap();
    assert_eq!(out["statusCode"], 405);
    assert_eq!(out["headers"]["allow"], "POST, OPTIONS");
}

/// Regression (fuzz/fuzz_targets/envelope.rs): lambda_http builds the request URI from these with
/// `unwrap`, and used to panic on them. They are ignored now; the call is answered.
#[tokio::test]
async fn an_event_whose_uri_parts_do_not_parse_is_still_answered() {
    for (host, proto, path, query) in [
        ("a b", "https", "/", ""),
        ("xn--a.example", "https", "/", ""),
        ("example.com", "ht tp", "/", ""),
        ("example.com", "https", ":99999", ""),
        ("example.com", "https", "/", "a b\u{7f}"),
    ] {
        let mut event = http_v2(
            "POST",
            json!({"host": host, "x-forwarded-proto": proto, "content-type": "application/json"}),
            Some("{\"value\":\"uri\"}"),
        );
        event["rawPath"] = json!(path);
        event["rawQueryString"] = json!(query);
        let out = call(event, None).await.unwrap();
        assert_eq!(out["statusCode"], 200, "{host} {proto} {path}");
        assert_eq!(http_body(&out)["value"], "uri");
    }
    let mut v1 = json!({
        "resource": "/login", "path": "::", "httpMethod": "POST",
        "headers": {"Host": "a b", "X-Forwarded-Proto": "ht tp"},
        "queryStringParameters": {"a b": "c d"}, "multiValueQueryStringParameters": null,
        "pathParameters": null, "stageVariables": null,
        "requestContext": {"accountId": "123456789012", "resourceId": "r", "stage": "prod", "requestId": "id",
            "identity": {"sourceIp": "127.0.0.1"}, "resourcePath": "/login", "httpMethod": "POST", "apiId": "api",
            "domainName": "a b"},
        "body": "{\"value\":\"v1\"}", "isBase64Encoded": false
    });
    let out = call(v1.take(), None).await.unwrap();
    assert_eq!(out["statusCode"], 200);
}

#[tokio::test]
async fn rest_api_v1_events_get_the_v1_response_shape() {
    let event = json!({
        "resource": "/login", "path": "/login", "httpMethod": "POST",
        "headers": {"Authorization": "Bearer tok-v1"}, "multiValueHeaders": {"Authorization": ["Bearer tok-v1"]},
        "queryStringParameters": null, "multiValueQueryStringParameters": null, "pathParameters": null,
        "stageVariables": null,
        "requestContext": {"accountId": "123456789012", "resourceId": "r", "stage": "prod", "requestId": "id",
            "identity": {"sourceIp": "127.0.0.1"}, "resourcePath": "/login", "httpMethod": "POST", "apiId": "api"},
        "body": "{\"value\":\"v1\"}", "isBase64Encoded": false
    });
    let out = call(event, None).await.unwrap();
    assert_eq!(out["statusCode"], 200);
    assert_eq!(
        out["multiValueHeaders"]["content-type"],
        json!(["application/json"])
    );
    assert_eq!(http_body(&out)["bearer"], "tok-v1");
}

fn bedrock_event(
    function: Option<&str>,
    api_path: Option<&str>,
    parameters: Value,
    session: Value,
) -> Value {
    let mut event = json!({
        "messageVersion": "1.0",
        "agent": {"name": "a", "id": "A1", "alias": "TSTALIASID", "version": "DRAFT"},
        "inputText": "hi", "sessionId": "s-1", "actionGroup": "bookingauth",
        "sessionAttributes": session, "promptSessionAttributes": {"p": "1"}
    });
    if let Some(f) = function {
        event["function"] = json!(f);
        event["parameters"] = parameters.clone();
    }
    if let Some(path) = api_path {
        event["apiPath"] = json!(path);
        event["httpMethod"] = json!("POST");
        event["requestBody"] = json!({"content": {"application/json": {"properties": parameters}}});
    }
    event
}

#[tokio::test]
async fn bedrock_function_details_get_the_function_response_envelope() {
    let event = bedrock_event(
        Some("echo_tool"),
        None,
        json!([{"name": "value", "type": "string", "value": "v"}]),
        json!({"authorization": "Bearer session-token"}),
    );
    let out = call(event, None).await.unwrap();
    assert_eq!(out["messageVersion"], "1.0");
    assert_eq!(out["response"]["actionGroup"], "bookingauth");
    assert_eq!(out["response"]["function"], "echo_tool");
    assert_eq!(out["promptSessionAttributes"], json!({"p": "1"}));
    let body: Value = serde_json::from_str(
        out["response"]["functionResponse"]["responseBody"]["TEXT"]["body"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        body,
        json!({"success": true, "caller": "BedrockAgent", "bearer": "session-token", "value": "v"})
    );
}

#[tokio::test]
async fn bedrock_api_schema_calls_get_a_status_code_and_typed_parameters() {
    let event = bedrock_event(
        None,
        Some("/echo_tool"),
        json!([{"name": "fail", "type": "string", "value": "rate_limited"}]),
        json!({}),
    );
    let out = call(event, None).await.unwrap();
    assert_eq!(out["response"]["apiPath"], "/echo_tool");
    assert_eq!(out["response"]["httpMethod"], "POST");
    assert_eq!(out["response"]["httpStatusCode"], 429);
    let body: Value = serde_json::from_str(
        out["response"]["responseBody"]["application/json"]["body"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(body["error_code"], "RATE_LIMITED");

    // A number-typed parameter arrives as a number, which this tool refuses for `value`.
    let event = bedrock_event(
        Some("echo_tool"),
        None,
        json!([{"name": "value", "type": "integer", "value": "12"}]),
        json!({}),
    );
    let out = call(event, None).await.unwrap();
    assert!(
        out["response"]["functionResponse"]["responseBody"]["TEXT"]["body"]
            .as_str()
            .unwrap()
            .contains("INVALID_INPUT")
    );
}

#[tokio::test]
async fn bedrock_calls_for_another_function_are_refused() {
    let out = call(
        bedrock_event(Some("verify_otp"), None, json!([]), json!({})),
        None,
    )
    .await
    .unwrap();
    let body = out["response"]["functionResponse"]["responseBody"]["TEXT"]["body"]
        .as_str()
        .unwrap();
    assert!(body.contains("INVALID_INPUT"), "{body}");
}

#[test]
fn bearer_parsing_accepts_only_the_bearer_scheme() {
    assert_eq!(bearer_token("Bearer abc").as_deref(), Some("abc"));
    assert_eq!(bearer_token("bearer   abc ").as_deref(), Some("abc"));
    assert_eq!(bearer_token("Basic abc"), None);
    assert_eq!(bearer_token("Bearer "), None);
    assert_eq!(bearer_token("abc"), None);
}

#[test]
fn call_context_debug_hides_the_token() {
    let ctx = CallContext::new(CallerKind::Http, Some("secret-token".into()));
    assert!(!format!("{ctx:?}").contains("secret-token"));
}

#[test]
fn the_protocol_token_wins_over_the_argument_which_may_carry_the_scheme() {
    let ctx =
        |bearer: Option<&str>| CallContext::new(CallerKind::Gateway, bearer.map(str::to_owned));
    let token = |ctx: CallContext, arg: Option<&str>| ctx.token_or(arg).unwrap();
    assert_eq!(token(ctx(Some("hdr")), Some("arg")).as_deref(), Some("hdr"));
    assert_eq!(token(ctx(None), Some("Bearer abc")).as_deref(), Some("abc"));
    assert_eq!(token(ctx(None), Some(" abc ")).as_deref(), Some("abc"));
    assert_eq!(token(ctx(None), Some("  ")), None);
    assert_eq!(token(ctx(None), None), None);
}

#[test]
fn an_operator_can_refuse_the_token_argument() {
    let refused = |bearer: Option<&str>| CallContext {
        token_argument: crate::config::TokenArgument::Refused,
        ..CallContext::new(CallerKind::Gateway, bearer.map(str::to_owned))
    };
    assert!(matches!(
        refused(None).token_or(Some("abc")),
        Err(AuthError::InvalidInput(_))
    ));
    // The header still works, and no argument at all is simply no token.
    assert_eq!(
        refused(Some("hdr"))
            .token_or(Some("abc"))
            .unwrap()
            .as_deref(),
        Some("hdr")
    );
    assert_eq!(refused(None).token_or(None).unwrap(), None);
}

#[tokio::test]
async fn a_reply_never_shows_the_answer_in_debug() {
    let invocation = Invocation {
        request_id: "r".into(),
        payload: json!({"value": "secret-token"}),
        client_context: None,
    };
    let reply = route(&Echo, &config(), invocation).await.unwrap();
    assert_eq!(reply.tool_answer()["value"], "secret-token");
    assert!(!format!("{reply:?}").contains("secret-token"));
    let http = route(
        &Echo,
        &config(),
        Invocation {
            request_id: "r".into(),
            payload: http_v2("POST", json!({}), Some(r#"{"value":"secret-token"}"#)),
            client_context: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(http.status(), Some(200));
    assert!(!format!("{http:?}").contains("secret-token"));
}

/// The echo contract served by a tool that reports whom the protocol says is asking.
struct WhoAsks;

impl Tool for WhoAsks {
    type Contract = EchoContract;

    async fn call(&self, _args: EchoArgs, ctx: &CallContext) -> Result<Value, AuthError> {
        Ok(json!({
            "success": true,
            "source": ctx.source.as_ref().map(|s| format!("{:?}", s.kind)),
            "conversation": ctx.conversation,
        }))
    }
}

async fn who_asks(payload: Value, client_context: Option<Value>) -> Value {
    let invocation = Invocation {
        request_id: "req-1".into(),
        payload,
        client_context,
    };
    route(&WhoAsks, &config(), invocation)
        .await
        .unwrap()
        .into_payload()
}

#[tokio::test]
async fn a_gateway_call_is_from_the_conversation_the_agent_names_else_from_its_session() {
    use crate::domain::budget::conversation_key;
    let named = gateway_context(
        "t___echo_tool",
        Some(json!({"x-conversation-id": "conv-7", "X-Guest-Authorization": "Bearer t"})),
    );
    assert_eq!(
        who_asks(json!({}), Some(named)).await,
        json!({"success": true, "source": "GatewayConversation",
               "conversation": conversation_key("gateway-conversation", "conv-7")})
    );
    // No header, or a blank one: the MCP session (`sess-1`) is the source and the conversation.
    for headers in [None, Some(json!({"X-Conversation-Id": "  "}))] {
        assert_eq!(
            who_asks(json!({}), Some(gateway_context("t___echo_tool", headers))).await,
            json!({"success": true, "source": "GatewaySession",
                   "conversation": conversation_key("gateway", "sess-1")})
        );
    }
    // Neither: a stateless Gateway call from code that names no conversation.
    let mut bare = gateway_context("t___echo_tool", None);
    bare["custom"]
        .as_object_mut()
        .unwrap()
        .remove("bedrockAgentCoreSessionId");
    assert_eq!(
        who_asks(json!({}), Some(bare)).await,
        json!({"success": true, "source": null, "conversation": null})
    );
    // The same id in the header and as a session is not the same conversation.
    assert_ne!(
        conversation_key("gateway-conversation", "sess-1"),
        conversation_key("gateway", "sess-1")
    );
}

#[tokio::test]
async fn an_http_call_is_from_its_source_ip_and_names_its_conversation_in_a_header() {
    use crate::domain::budget::conversation_key;
    let event = http_v2(
        "POST",
        json!({"content-type": "application/json", "X-Conversation-Id": "chat-1"}),
        Some("{}"),
    );
    let out = http_body(&who_asks(event, None).await);
    assert_eq!(
        out,
        json!({"success": true, "source": "Ip", "conversation": conversation_key("http", "chat-1")})
    );
}

#[test]
fn a_browser_may_send_the_conversation_header() {
    use crate::domain::agentcore::CONVERSATION_HEADER;
    use crate::invoke::http::CORS_ALLOW_HEADERS;
    assert!(
        CORS_ALLOW_HEADERS
            .iter()
            .any(|h| h.eq_ignore_ascii_case(CONVERSATION_HEADER))
    );
}
