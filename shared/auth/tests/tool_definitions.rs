//! The checked-in AgentCore tool definitions and output schemas must be exactly what the contract
//! types generate. After changing a contract, regenerate them with
//! `BLESS=1 cargo test -p booking-auth --test tool_definitions` and review the diff.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fixture that fails should panic

use std::path::PathBuf;

use booking_auth::tools::{catalog, gateway_definitions, output_schemas};
use serde_json::Value;

fn infra() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../infra")
}

fn check(path: PathBuf, generated: &Value, stale: &mut Vec<String>) {
    let text = format!("{}\n", serde_json::to_string_pretty(generated).unwrap());
    if std::env::var_os("BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
    } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
        stale.push(path.display().to_string());
    }
}

#[test]
fn checked_in_definitions_match_the_contract_types() {
    let mut stale = Vec::new();
    check(
        infra().join("agentcore/tool-definitions.json"),
        &gateway_definitions(),
        &mut stale,
    );
    for (name, schema) in output_schemas() {
        check(
            infra().join(format!("schemas/{name}.schema.json")),
            &schema,
            &mut stale,
        );
    }
    assert!(
        stale.is_empty(),
        "out of date (regenerate with BLESS=1): {stale:?}"
    );
}

#[test]
fn gateway_definitions_use_only_the_gateway_schema_dialect() {
    fn walk(schema: &Value, path: &str) {
        for key in schema.as_object().unwrap().keys() {
            assert!(
                ["type", "description", "properties", "required", "items"].contains(&key.as_str()),
                "{path}: {key}"
            );
        }
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (name, sub) in props {
                walk(sub, &format!("{path}.{name}"));
            }
        }
        if let Some(items) = schema.get("items") {
            walk(items, &format!("{path}[]"));
        }
        assert!(
            schema.get("type").and_then(Value::as_str).is_some(),
            "{path} has no single type"
        );
    }
    for tool in gateway_definitions().as_array().unwrap() {
        let name = tool["name"].as_str().unwrap();
        walk(&tool["inputSchema"], &format!("{name}.input"));
        walk(&tool["outputSchema"], &format!("{name}.output"));
        assert_eq!(tool["inputSchema"]["type"], "object");
    }
}

#[test]
fn every_tool_description_says_what_each_failure_means() {
    for tool in catalog() {
        assert!(
            tool.description.len() > 200,
            "{} is too terse for a model",
            tool.name
        );
        assert!(tool.description.contains("Failures:"), "{}", tool.name);
    }
}

#[test]
fn the_token_event_schema_pins_the_discriminator() {
    let schemas = output_schemas();
    let event = &schemas
        .iter()
        .find(|(n, _)| *n == "token-delivery-event")
        .unwrap()
        .1;
    assert_eq!(event["properties"]["event_type"]["const"], "auth_tokens");
    let required: Vec<&str> = event["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for field in [
        "event_type",
        "success",
        "id_token",
        "access_token",
        "refresh_token",
        "expires_in",
        "guest_id",
        "email",
        "cognito_sub",
    ] {
        assert!(required.contains(&field), "{field}");
    }
    let failure = &schemas.iter().find(|(n, _)| *n == "failure").unwrap().1;
    let codes = failure["$defs"]["ErrorCode"]["enum"].as_array().unwrap();
    assert!(codes.contains(&Value::from("TOKEN_EXPIRED")));
}
