//! Generated from the [`catalog`]: the AgentCore Gateway tool definitions, the Gateway targets
//! and the JSON Schemas of every output under `infra/`. A test keeps the checked-in files equal to
//! what this module generates (`BLESS=1 cargo test -p booking-auth-generate`).

use serde_json::{Map, Value, json};

use super::secret::SECRET_KEYWORD;
use super::{catalog, failure_schema};
use crate::domain::agentcore::{CONVERSATION_HEADER, DEFAULT_GUEST_TOKEN_HEADER, wire_facts};

/// AgentCore Gateway's Lambda-target tool definitions (`ToolSchema.InlinePayload`): its schema
/// dialect has `type`, `description`, `properties`, `required` and `items` only, so references are
/// inlined, optional types flattened, and enums and constants spelled out in descriptions.
///
/// No `outputSchema`: MCP clients refuse a result without `structuredContent` when the tool
/// declares one (the official SDKs do), a Lambda target's result reaches them as text content,
/// and AWS documents neither `structuredContent` in Gateway results nor `outputSchema` in
/// `tools/list`; nor could the dialect declare `guest_id` or `next_token` nullable. The outputs
/// are described exactly by `infra/schemas/`, for the frontends, and in words by each description.
pub fn gateway_definitions() -> Value {
    Value::Array(
        catalog()
            .iter()
            .map(|tool| {
                json!({
                    "name": tool.name,
                    "description": tool.description,
                    "inputSchema": gateway_schema((tool.input)().as_value()),
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
    /// take the access token in the propagated guest-token header (`Authorization` is restricted);
    /// the sign-in tools take the conversation in the conversation header.
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
                allowed_request_headers: [
                    (tool.bearer, DEFAULT_GUEST_TOKEN_HEADER),
                    (tool.conversation, CONVERSATION_HEADER),
                ]
                .into_iter()
                .filter_map(|(wanted, header)| wanted.then_some(header))
                .collect(),
            }),
        }
    }
    targets
}

/// CloudFormation spells the Gateway schema keywords with capitals (`SchemaDefinition`).
fn cloudformation_schema(schema: &Value) -> Value {
    recase(schema, char::to_ascii_uppercase, "properties", "items")
}

/// A CloudFormation-cased schema (`Type`, `Properties`) in JSON Schema's casing, as the Gateway
/// serves it in `tools/list`. Property names themselves are left alone.
pub fn from_cloudformation_schema(schema: &Value) -> Value {
    recase(schema, char::to_ascii_lowercase, "Properties", "Items")
}

fn recase(schema: &Value, case: fn(&char) -> char, properties: &str, items: &str) -> Value {
    let Some(object) = schema.as_object() else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in object {
        let converted = if key == properties {
            Value::Object(
                value
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(name, sub)| (name.clone(), recase(sub, case, properties, items)))
                    .collect(),
            )
        } else if key == items {
            recase(value, case, properties, items)
        } else {
            value.clone()
        };
        let mut chars = key.chars();
        let recased = chars
            .next()
            .map(|c| case(&c).to_string() + chars.as_str())
            .unwrap_or_default();
        out.insert(recased, converted);
    }
    Value::Object(out)
}

/// The JSON Schemas of every output, by file stem: each success shape and the failure shape.
pub fn output_schemas() -> Vec<(&'static str, Value)> {
    let mut out: Vec<(&'static str, Value)> = Vec::new();
    for tool in catalog() {
        if !out.iter().any(|(name, _)| *name == tool.output_name) {
            out.push((tool.output_name, (tool.output)().to_value()));
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
        // Described before simplifying, so the notes (the values of an enum) follow the outer text.
        return simplify(&described(defs[name].clone()), defs);
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
    // The values a string takes: `enum`, or `oneOf` string constants (a documented Rust enum).
    let values: Option<Vec<&str>> = match (schema.get("enum"), schema.get("oneOf")) {
        (Some(values), _) => values
            .as_array()
            .map(|v| v.iter().filter_map(Value::as_str).collect()),
        (None, Some(branches)) => branches.as_array().and_then(|branches| {
            branches
                .iter()
                .map(|b| b.get("const").and_then(Value::as_str))
                .collect()
        }),
        (None, None) => None,
    };
    let kind = match schema.get("type") {
        Some(Value::Array(types)) => types.iter().find(|t| *t != "null").cloned(),
        Some(t) => Some(t.clone()),
        None if values.is_some() || schema.get("const").is_some_and(Value::is_string) => {
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
    if let Some(values) = &values {
        note(format!("One of: {}.", values.join(", ")));
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

/// The fields the contract types declare [`Secret`](super::Secret), from their schemas: every
/// output field so marked (`outputs`) and, per tool, its marked arguments and the argument that
/// can carry the guest's token instead of the guest-token header. The agent keeps these from the
/// model, the contract package from the chat state, and the local stack's log scan looks for
/// their values.
pub fn secret_fields() -> Value {
    let mut outputs: Vec<String> = output_schemas()
        .iter()
        .flat_map(|(_, schema)| marked_properties(schema))
        .collect();
    outputs.sort();
    outputs.dedup();
    let tools: Map<String, Value> = catalog()
        .iter()
        .map(|tool| {
            (
                tool.name.to_owned(),
                json!({
                    "secret_arguments": marked_properties((tool.input)().as_value()),
                    "token_argument": tool.token_argument,
                }),
            )
        })
        .collect();
    json!({"outputs": outputs, "tools": tools})
}

/// The top-level properties of `schema` marked secret, directly or in an `Option`'s branch.
fn marked_properties(schema: &Value) -> Vec<String> {
    fn marked(schema: &Value) -> bool {
        schema.get(SECRET_KEYWORD) == Some(&Value::Bool(true))
            || ["anyOf", "oneOf"].iter().any(|key| {
                schema
                    .get(*key)
                    .and_then(Value::as_array)
                    .is_some_and(|branches| branches.iter().any(marked))
            })
    }
    let mut names: Vec<String> = schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(_, property)| marked(property))
        .map(|(name, _)| name.clone())
        .collect();
    names.sort();
    names
}

/// The AgentCore wire facts and the secret fields, as the agent (Python) and the contract package
/// (TypeScript) read them: `infra/generated/wire.json` and its copy in the agent's package.
pub fn wire_data() -> Value {
    let mut data = wire_facts();
    if let Some(object) = data.as_object_mut() {
        object.insert("secret_fields".into(), secret_fields());
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_fields_are_those_the_contract_types_mark() {
        let fields = secret_fields();
        assert_eq!(
            fields["outputs"],
            json!(["access_token", "id_token", "refresh_token", "session_token"])
        );
        let tools = &fields["tools"];
        assert_eq!(
            tools["verify_otp"]["secret_arguments"],
            json!(["otp_code", "session_token"])
        );
        assert_eq!(tools["initiate_login"]["secret_arguments"], json!([]));
        assert_eq!(
            tools["sign_out"]["secret_arguments"],
            json!(["access_token", "refresh_token"])
        );
        assert_eq!(tools["sign_out"]["token_argument"], json!("access_token"));
        assert_eq!(
            tools["get_my_reservations"]["secret_arguments"],
            json!(["auth_token"])
        );
    }

    #[test]
    fn an_unmarked_string_is_not_secret() {
        let schema = json!({"properties": {
            "plain": {"type": "string"},
            "marked": {"type": "string", "x-secret": true},
            "optional": {"anyOf": [{"type": "string", "x-secret": true}, {"type": "null"}]},
        }});
        assert_eq!(marked_properties(&schema), vec!["marked", "optional"]);
    }

    #[test]
    fn gateway_definitions_do_not_carry_the_mark() {
        assert!(!gateway_definitions().to_string().contains(SECRET_KEYWORD));
    }
}
