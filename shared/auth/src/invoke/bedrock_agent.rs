//! Classic Bedrock Agents action groups call a Lambda with `messageVersion` "1.0", the agent, the
//! action group, and either `function` + `parameters` (function details) or `apiPath` +
//! `httpMethod` + `parameters`/`requestBody` (API schema). Parameters arrive as
//! `{name, type, value}` with string values. The application's session attributes may carry the
//! guest's token (`authorization: Bearer …` or `auth_token`), which wins over parameters. The
//! answer is the response envelope each form requires.

use serde_json::{Map, Value, json};

use super::{
    CallContext, CallerKind, EnvelopeConfig, Tool, ToolContract, as_result, bearer_token,
    log_failure, run,
};
use crate::contract::failure::http_status;
use crate::domain::budget::{Source, SourceKind, conversation_key};
use crate::domain::error::AuthError;

/// An action group's answer: the envelope, and the tool's answer inside it.
pub struct AgentReply {
    /// The API-schema form's `httpStatusCode`; the function-details form has none.
    pub status: Option<u16>,
    /// The tool's answer as the JSON text the envelope carries.
    pub body: String,
    envelope: Value,
}

impl std::fmt::Debug for AgentReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The body carries tokens and personal data.
        f.debug_struct("AgentReply")
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl AgentReply {
    pub fn into_payload(self) -> Value {
        self.envelope
    }

    pub fn tool_answer(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

pub(super) fn is_event(payload: &Value) -> bool {
    payload.get("messageVersion").is_some()
        && payload.get("agent").is_some()
        && (payload.get("function").is_some() || payload.get("apiPath").is_some())
}

pub(super) async fn answer_action<T: Tool>(
    tool: &T,
    config: &EnvelopeConfig,
    payload: Value,
) -> Result<AgentReply, AuthError> {
    let function = payload.get("function").and_then(Value::as_str);
    let api_path = payload.get("apiPath").and_then(Value::as_str);
    let named =
        function.or_else(|| api_path.and_then(|p| p.trim_end_matches('/').rsplit('/').next()));
    let result = if named == Some(T::Contract::NAME) {
        let session = payload
            .get("sessionId")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let ctx = CallContext {
            caller: CallerKind::BedrockAgent,
            bearer: session_bearer(&payload),
            token_argument: config.guest_token.argument,
            source: Source::new(SourceKind::AgentSession, session),
            conversation: conversation_key("bedrock-agent", session),
        };
        run(tool, Value::Object(arguments(&payload)), &ctx).await
    } else {
        let err = AuthError::InvalidInput(format!(
            "this action group function serves {}",
            T::Contract::NAME
        ));
        log_failure(CallerKind::BedrockAgent, &err);
        Err(err)
    };
    let status = match &result {
        Ok(_) => 200,
        Err(err) => http_status(err),
    };
    let body = as_result(result)?.to_string();
    let mut response = Map::new();
    response.insert(
        "actionGroup".into(),
        payload.get("actionGroup").cloned().unwrap_or(Value::Null),
    );
    let status = match function {
        Some(function) => {
            response.insert("function".into(), Value::String(function.to_owned()));
            response.insert(
                "functionResponse".into(),
                json!({"responseBody": {"TEXT": {"body": body}}}),
            );
            None
        }
        None => {
            response.insert(
                "apiPath".into(),
                Value::String(api_path.unwrap_or_default().to_owned()),
            );
            response.insert(
                "httpMethod".into(),
                payload.get("httpMethod").cloned().unwrap_or(Value::Null),
            );
            response.insert("httpStatusCode".into(), Value::from(status));
            response.insert(
                "responseBody".into(),
                json!({"application/json": {"body": body}}),
            );
            Some(status)
        }
    };
    let envelope = json!({
        "messageVersion": "1.0",
        "response": response,
        "sessionAttributes": payload.get("sessionAttributes").cloned().unwrap_or_else(|| json!({})),
        "promptSessionAttributes": payload.get("promptSessionAttributes").cloned().unwrap_or_else(|| json!({})),
    });
    Ok(AgentReply {
        status,
        body,
        envelope,
    })
}

/// Typed values from Bedrock's `{name, type, value}` triples.
fn arguments(payload: &Value) -> Map<String, Value> {
    let body_properties = payload
        .pointer("/requestBody/content/application~1json/properties")
        .and_then(Value::as_array);
    let parameters = payload.get("parameters").and_then(Value::as_array);
    parameters
        .into_iter()
        .flatten()
        .chain(body_properties.into_iter().flatten())
        .filter_map(|p| {
            let name = p.get("name")?.as_str()?.to_owned();
            let raw = p.get("value")?;
            let text = raw
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| raw.to_string());
            let value = match p.get("type").and_then(Value::as_str) {
                Some("integer" | "number") => serde_json::from_str::<serde_json::Number>(&text)
                    .map(Value::Number)
                    .unwrap_or(Value::String(text)),
                Some("boolean") => Value::Bool(text.eq_ignore_ascii_case("true")),
                _ => raw
                    .as_str()
                    .map(|s| Value::String(s.to_owned()))
                    .unwrap_or_else(|| raw.clone()),
            };
            Some((name, value))
        })
        .collect()
}

fn session_bearer(payload: &Value) -> Option<String> {
    let attributes = payload.get("sessionAttributes")?.as_object()?;
    attributes
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .and_then(|(_, v)| v.as_str())
        .and_then(bearer_token)
        .or_else(|| {
            attributes
                .get("auth_token")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .filter(|t| !t.is_empty())
}
