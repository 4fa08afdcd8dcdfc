//! The tool catalog: every tool's name, function, description (written for the model) and the
//! JSON Schemas of its input and output, generated from the contract types. From it come the
//! AgentCore Gateway tool definitions and the output schemas under `infra/`; a test keeps the
//! checked-in files equal to what this module generates.

use schemars::{JsonSchema, Schema, schema_for};
use serde_json::{Map, Value, json};

use crate::contracts::{
    InitiateLoginArgs, LoginStarted, RefreshArgs, ReservationsArgs, ReservationsResult,
    SignOutArgs, SignedOut, TokenDeliveryEvent, VerifyOtpArgs, tool_names,
};
use crate::error::Failure;

/// One tool as agents and frontends see it.
pub struct ToolSpec {
    pub name: &'static str,
    /// The Lambda function (binary) that serves it.
    pub function: &'static str,
    pub description: &'static str,
    pub input: Schema,
    /// The success result; every tool can also answer with [`Failure`].
    pub output: Schema,
    /// File stem of the output schema under `infra/schemas/`.
    pub output_name: &'static str,
    /// Acts for a signed-in guest: takes the access token as `Authorization: Bearer`.
    pub bearer: bool,
}

impl ToolSpec {
    fn with_bearer(self) -> Self {
        Self {
            bearer: true,
            ..self
        }
    }
}

fn spec<I: JsonSchema, O: JsonSchema>(
    name: &'static str,
    function: &'static str,
    output_name: &'static str,
    description: &'static str,
) -> ToolSpec {
    ToolSpec {
        name,
        function,
        description,
        input: schema_for!(I),
        output: schema_for!(O),
        output_name,
        bearer: false,
    }
}

pub fn catalog() -> Vec<ToolSpec> {
    vec![
        spec::<InitiateLoginArgs, LoginStarted>(
            tool_names::INITIATE_LOGIN,
            "initiate-login",
            "login-started",
            "Start a passwordless sign-in: emails the guest a one-time code. Call it when the guest wants to \
             book or see their bookings and is not signed in yet. Ask the guest for their email address first; \
             never guess or reuse one. On success, tell the guest a code was sent to `delivery` and ask them to \
             type it; keep `session_token` for verify_otp and never show it. Failures: INVALID_EMAIL → ask for \
             the address again; RATE_LIMITED → a code was sent recently, ask the guest to use it or wait \
             `retry_after` seconds; UPSTREAM_UNAVAILABLE → try again in a moment.",
        ),
        spec::<VerifyOtpArgs, TokenDeliveryEvent>(
            tool_names::VERIFY_OTP,
            "verify-otp",
            "token-delivery-event",
            "Check the code the guest typed and sign them in. Call it after initiate_login, when the guest \
             gives the code; pass the same email, the `session_token` from initiate_login and the code as \
             typed. On success the result is an `auth_tokens` event that the guest's browser picks up: do not \
             repeat any token in your reply, just confirm the sign-in. Failures: INVALID_OTP_FORMAT → ask for \
             the 6 to 8 digit code again (no attempt was used); INVALID_OTP → wrong code, `attempts_remaining` \
             tries left; MAX_ATTEMPTS, OTP_EXPIRED or LOGIN_NOT_FOUND → call initiate_login for a new code; \
             RATE_LIMITED or UPSTREAM_UNAVAILABLE → wait a moment and retry.",
        ),
        spec::<RefreshArgs, TokenDeliveryEvent>(
            tool_names::REFRESH,
            "refresh",
            "token-delivery-event",
            "Renew the guest's session. Call it when another tool answered TOKEN_EXPIRED, with the session's \
             `refresh_token`, then retry that tool once with the new access token. The result is a new \
             `auth_tokens` event; do not repeat its tokens. Failures: REFRESH_FAILED → the session has ended \
             (signed out, revoked or expired): ask the guest to sign in again with initiate_login; \
             RATE_LIMITED or UPSTREAM_UNAVAILABLE → retry in a moment.",
        ),
        spec::<ReservationsArgs, ReservationsResult>(
            tool_names::GET_MY_RESERVATIONS,
            "reservations",
            "reservations-result",
            "List the signed-in guest's own reservations, newest stay first. Call it when the guest asks about \
             their bookings. The access token normally travels as an Authorization header; pass `auth_token` \
             only if you were given the token itself. An empty list means the guest has no reservations. \
             Failures: AUTH_REQUIRED → sign the guest in first (initiate_login); TOKEN_EXPIRED → call refresh, \
             then retry once; INVALID_TOKEN → ask the guest to sign in again; UPSTREAM_UNAVAILABLE → retry in a \
             moment.",
        ).with_bearer(),
        spec::<SignOutArgs, SignedOut>(
            tool_names::SIGN_OUT,
            "sign-out",
            "signed-out",
            "Sign the guest out. Call it when the guest asks to sign out or log off; set `global` only when \
             they ask to be signed out everywhere. Afterwards the session can no longer be refreshed; tell the \
             guest they are signed out. Failures: REFRESH_FAILED → the session had already ended, which is \
             fine to report as signed out; UPSTREAM_UNAVAILABLE → retry in a moment.",
        ).with_bearer(),
    ]
}

/// The failure shape shared by every tool.
pub fn failure_schema() -> Schema {
    schema_for!(Failure)
}

/// AgentCore Gateway's Lambda-target tool definitions (`ToolSchema.InlinePayload`): its schema
/// dialect has `type`, `description`, `properties`, `required` and `items` only, so references are
/// inlined, optional types flattened, and enums and constants spelled out in descriptions.
pub fn gateway_definitions() -> Value {
    let failure = failure_schema();
    Value::Array(
        catalog()
            .iter()
            .map(|tool| {
                let output = merge_outputs(
                    &gateway_schema(tool.output.as_value()),
                    &gateway_schema(failure.as_value()),
                );
                json!({
                    "name": tool.name,
                    "description": tool.description,
                    "inputSchema": gateway_schema(tool.input.as_value()),
                    "outputSchema": output,
                })
            })
            .collect(),
    )
}

/// One AgentCore Gateway Lambda target as CloudFormation declares it
/// (`AWS::BedrockAgentCore::GatewayTarget`): one per function, named after it.
pub struct GatewayTarget {
    /// The function (binary) name, which is also the target name: target names cannot hold `_`,
    /// so the model sees tools as `<function>___<tool>`.
    pub function: &'static str,
    /// `ToolSchema.InlinePayload`: the Gateway definitions in CloudFormation's casing.
    pub inline_payload: Value,
    /// `MetadataConfiguration.AllowedRequestHeaders`: the tools that act for a signed-in guest
    /// take the access token as a propagated `Authorization` header.
    pub allowed_request_headers: Vec<&'static str>,
}

pub fn gateway_targets() -> Vec<GatewayTarget> {
    let definitions = gateway_definitions();
    let mut targets: Vec<GatewayTarget> = Vec::new();
    for (tool, definition) in catalog()
        .iter()
        .zip(definitions.as_array().into_iter().flatten())
    {
        let entry = json!({
            "Name": definition["name"],
            "Description": definition["description"],
            "InputSchema": cloudformation_schema(&definition["inputSchema"]),
            "OutputSchema": cloudformation_schema(&definition["outputSchema"]),
        });
        match targets.iter_mut().find(|t| t.function == tool.function) {
            Some(target) => {
                if let Some(tools) = target.inline_payload.as_array_mut() {
                    tools.push(entry);
                }
            }
            None => targets.push(GatewayTarget {
                function: tool.function,
                inline_payload: json!([entry]),
                allowed_request_headers: if tool.bearer {
                    vec!["Authorization"]
                } else {
                    vec![]
                },
            }),
        }
    }
    targets
}

/// CloudFormation spells the Gateway schema keywords with capitals (`SchemaDefinition`).
fn cloudformation_schema(schema: &Value) -> Value {
    let mut out = Map::new();
    for (key, value) in schema.as_object().into_iter().flatten() {
        let converted = match key.as_str() {
            "properties" => Value::Object(
                value
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(name, sub)| (name.clone(), cloudformation_schema(sub)))
                    .collect(),
            ),
            "items" => cloudformation_schema(value),
            _ => value.clone(),
        };
        let mut chars = key.chars();
        let capitalised = chars
            .next()
            .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
            .unwrap_or_default();
        out.insert(capitalised, converted);
    }
    Value::Object(out)
}

/// The JSON Schemas of every output, by file stem: each success shape and the failure shape.
pub fn output_schemas() -> Vec<(&'static str, Value)> {
    let mut out: Vec<(&'static str, Value)> = Vec::new();
    for tool in catalog() {
        if !out.iter().any(|(name, _)| *name == tool.output_name) {
            out.push((tool.output_name, tool.output.to_value()));
        }
    }
    out.push(("failure", failure_schema().to_value()));
    out
}

fn gateway_schema(root: &Value) -> Value {
    let defs = root.get("$defs").cloned().unwrap_or(Value::Null);
    simplify(root, &defs)
}

fn simplify(schema: &Value, defs: &Value) -> Value {
    // The outer description wins over the referenced type's own.
    let described = |mut inner: Value| {
        if let (Some(d), Some(obj)) = (schema.get("description"), inner.as_object_mut()) {
            obj.insert("description".into(), d.clone());
        }
        inner
    };
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.trim_start_matches("#/$defs/");
        return described(simplify(&defs[name], defs));
    }
    // Option<T> of a referenced type: `anyOf: [T, null]`.
    let some = schema
        .get("anyOf")
        .and_then(Value::as_array)
        .and_then(|branches| {
            branches
                .iter()
                .find(|b| b.get("type") != Some(&json!("null")))
        });
    if let Some(some) = some {
        return simplify(&described(some.clone()), defs);
    }
    let mut out = Map::new();
    let kind = match schema.get("type") {
        Some(Value::Array(types)) => types.iter().find(|t| *t != "null").cloned(),
        Some(t) => Some(t.clone()),
        None if schema.get("enum").is_some()
            || schema.get("const").is_some_and(Value::is_string) =>
        {
            Some(json!("string"))
        }
        None => None,
    };
    if let Some(kind) = kind {
        out.insert("type".into(), kind);
    }
    let mut description = schema
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut note = |text: String| {
        if !description.is_empty() && !description.ends_with('.') {
            description.push('.');
        }
        if !description.is_empty() {
            description.push(' ');
        }
        description.push_str(&text);
    };
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let list: Vec<String> = values
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        note(format!("One of: {}.", list.join(", ")));
    }
    if let Some(value) = schema.get("const") {
        note(format!("Always {value}."));
    }
    if !description.is_empty() {
        out.insert("description".into(), Value::String(description));
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        out.insert(
            "properties".into(),
            Value::Object(
                props
                    .iter()
                    .map(|(k, v)| (k.clone(), simplify(v, defs)))
                    .collect(),
            ),
        );
    }
    if let Some(required) = schema.get("required") {
        out.insert("required".into(), required.clone());
    }
    if let Some(items) = schema.get("items") {
        out.insert("items".into(), simplify(items, defs));
    }
    Value::Object(out)
}

/// One object schema for "success or failure": the union of both property sets, with only
/// `success` required, and a description that says which fields come with which outcome.
fn merge_outputs(success: &Value, failure: &Value) -> Value {
    let mut properties = success["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for (name, schema) in failure["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default()
    {
        properties.entry(name).or_insert(schema);
    }
    properties.insert(
        "success".into(),
        json!({"type": "boolean", "description": "true: the result fields are present. false: error_code, message and retryable are (plus attempts, attempts_remaining or retry_after for some codes)."}),
    );
    json!({
        "type": "object",
        "description": "On success the result; on failure {success: false, error_code, message, retryable, ...}.",
        "properties": properties,
        "required": ["success"],
    })
}
