//! The guest-token REQUEST interceptor. For a `tools/call` of a tool that acts for a signed-in
//! guest it forwards the caller's guest-token header and strips the tool's token argument, so the
//! token can only come from the agent's code and never from the model. Every other request goes
//! on untouched, except that no target is ever handed the caller's own `Authorization` (with
//! `AWS_IAM` inbound auth, its SigV4 signature) or another tool's guest token: a header an
//! interceptor returns reaches targets, and `Authorization` reaches them only that way.

use booking_auth::config::Deploy;
use booking_auth::contract::catalog;
use booking_auth::contract::interceptor::{
    InterceptorInput, InterceptorOutput, TransformedRequest,
};
use booking_auth::domain::agentcore::tool_name;
use booking_auth::invoke::interceptor::RequestInterceptor;
use serde_json::{Map, Value};

/// What this function needs from its stack: the settings it reads besides start-up's.
pub const DEPLOY: Deploy = Deploy {
    function: FUNCTION,
    settings: &[],
    // The Gateway calls it; it calls nothing.
    route: None,
    grants: &[],
};

pub use booking_auth::contract::interceptor::INTERCEPTOR_FUNCTION as FUNCTION;

pub struct GuestTokenInterceptor {
    header: String,
    /// Each bearer tool with the argument that could carry a token instead of the header.
    bearer_tools: Vec<(&'static str, Option<&'static str>)>,
}

impl GuestTokenInterceptor {
    pub fn new(header: String) -> Self {
        Self {
            header,
            bearer_tools: catalog()
                .iter()
                .filter(|t| t.bearer)
                .map(|t| (t.name, t.token_argument))
                .collect(),
        }
    }

    /// The token argument of the bearer tool a JSON-RPC message calls, if it calls one.
    fn bearer_call(&self, message: &Value) -> Option<Option<&'static str>> {
        if message.get("method").and_then(Value::as_str) != Some("tools/call") {
            return None;
        }
        let name = message.pointer("/params/name").and_then(Value::as_str)?;
        self.bearer_tools
            .iter()
            .find(|(tool, _)| *tool == tool_name(name))
            .map(|(_, argument)| *argument)
    }
}

impl RequestInterceptor for GuestTokenInterceptor {
    fn intercept(&self, input: InterceptorInput) -> InterceptorOutput {
        let request = input.mcp.gateway_request;
        let mut body = request.body;
        let mut bearer = false;
        // MCP no longer batches, but a batch is handled message by message all the same.
        let messages: Vec<&mut Value> = match &mut body {
            Value::Array(batch) => batch.iter_mut().collect(),
            single => vec![single],
        };
        for message in messages {
            if let Some(argument) = self.bearer_call(message) {
                bearer = true;
                if let (Some(argument), Some(Value::Object(args))) =
                    (argument, message.pointer_mut("/params/arguments"))
                {
                    args.remove(argument);
                }
            }
        }
        let headers = request.headers.map(|headers| {
            headers
                .into_iter()
                .filter(|(name, _)| !name.eq_ignore_ascii_case("authorization"))
                .filter(|(name, _)| bearer || !name.eq_ignore_ascii_case(&self.header))
                .collect::<Map<String, Value>>()
        });
        InterceptorOutput::forward(TransformedRequest { headers, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(body: Value) -> InterceptorInput {
        serde_json::from_value(json!({
            "interceptorInputVersion": "1.0",
            "mcp": {
                "rawGatewayRequest": {"body": body.to_string()},
                "gatewayRequest": {
                    "path": "/mcp",
                    "httpMethod": "POST",
                    "headers": {
                        "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261202/us-east-1/bedrock-agentcore/aws4_request, SignedHeaders=host, Signature=abc",
                        "x-guest-authorization": "Bearer guest-jwt",
                        "Mcp-Session-Id": "s-1",
                    },
                    "body": body,
                }
            }
        }))
        .unwrap()
    }

    fn run(body: Value) -> Value {
        let interceptor = GuestTokenInterceptor::new("X-Guest-Authorization".into());
        serde_json::to_value(interceptor.intercept(input(body))).unwrap()
    }

    fn call(tool: &str, arguments: Value) -> Value {
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": tool, "arguments": arguments}})
    }

    #[test]
    fn a_bearer_tool_gets_the_guest_header_and_loses_the_model_supplied_token() {
        let out = run(call(
            "reservations___get_my_reservations",
            json!({"auth_token": "model-held-jwt"}),
        ));
        assert_eq!(out["interceptorOutputVersion"], "1.0");
        let request = &out["mcp"]["transformedGatewayRequest"];
        assert_eq!(request["body"]["params"]["arguments"], json!({}));
        assert_eq!(
            request["headers"]["x-guest-authorization"],
            "Bearer guest-jwt"
        );
        assert_eq!(request["headers"]["Mcp-Session-Id"], "s-1");
        let sign_out = run(call(
            "sign-out___sign_out",
            json!({"refresh_token": "r", "access_token": "model-held-jwt"}),
        ));
        assert_eq!(
            sign_out["mcp"]["transformedGatewayRequest"]["body"]["params"]["arguments"],
            json!({"refresh_token": "r"})
        );
    }

    #[test]
    fn the_agents_own_authorization_never_reaches_a_target() {
        for body in [
            call("reservations___get_my_reservations", json!({})),
            call(
                "initiate-login___initiate_login",
                json!({"email": "a@example.com"}),
            ),
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
        ] {
            let out = run(body);
            let headers = out["mcp"]["transformedGatewayRequest"]["headers"]
                .as_object()
                .unwrap()
                .clone();
            assert!(
                !headers
                    .keys()
                    .any(|k| k.eq_ignore_ascii_case("authorization"))
            );
        }
    }

    #[test]
    fn every_other_call_goes_on_untouched_without_the_guest_token() {
        let body = call(
            "initiate-login___initiate_login",
            json!({"email": "a@example.com", "auth_token": "kept: not a bearer tool"}),
        );
        let out = run(body.clone());
        let request = &out["mcp"]["transformedGatewayRequest"];
        assert_eq!(request["body"], body);
        assert!(request["headers"].get("x-guest-authorization").is_none());
        let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"});
        assert_eq!(
            run(list.clone())["mcp"]["transformedGatewayRequest"]["body"],
            list
        );
        assert!(out["mcp"].get("transformedGatewayResponse").is_none());
    }

    #[test]
    fn the_events_fixture_is_handled_as_aws_sends_it() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../events/guest-token-interceptor/request.json"
        );
        let input: InterceptorInput =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let interceptor = GuestTokenInterceptor::new("X-Guest-Authorization".into());
        let out = serde_json::to_value(interceptor.intercept(input)).unwrap();
        let request = &out["mcp"]["transformedGatewayRequest"];
        assert_eq!(request["body"]["params"]["arguments"], json!({}));
        assert_eq!(
            request["headers"]["X-Guest-Authorization"],
            "Bearer REPLACE_WITH_ACCESS_TOKEN"
        );
        assert!(request["headers"].get("Authorization").is_none());
    }

    #[test]
    fn the_header_name_is_matched_case_insensitively() {
        let interceptor = GuestTokenInterceptor::new("X-GUEST-AUTHORIZATION".into());
        let out = serde_json::to_value(
            interceptor.intercept(input(call("reservations___get_my_reservations", json!({})))),
        )
        .unwrap();
        assert_eq!(
            out["mcp"]["transformedGatewayRequest"]["headers"]["x-guest-authorization"],
            "Bearer guest-jwt"
        );
    }
}
