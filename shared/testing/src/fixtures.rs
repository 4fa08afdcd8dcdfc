//! The `events/` fixtures, delivered as the Runtime API would and routed as the runtime routes
//! them.

use booking_auth::config::CorsConfig;
use booking_auth::invoke::{EnvelopeConfig, Invocation, Tool, route};
use serde_json::Value;

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
