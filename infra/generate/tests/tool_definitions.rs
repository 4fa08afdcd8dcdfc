//! The checked-in AgentCore tool definitions and output schemas must be exactly what the contract
//! types generate. After changing a contract, regenerate them with
//! `BLESS=1 cargo test -p booking-auth-generate` and review the diff. The same run
//! writes the AgentCore Gateway targets: `infra/agentcore/gateway-targets.json` (which the CDK app
//! reads) and the generated block of `infra/template.yaml`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fixture that fails should panic

use std::path::PathBuf;

use booking_auth::contract::catalog;
use booking_auth::contract::generate::{
    GatewayTarget, gateway_definitions, gateway_targets, output_schemas,
};
use booking_auth_generate::{FUNCTIONS, bless_or_compare, logical_stem, replace_between};
use serde_json::{Value, json};

fn infra() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn check(path: PathBuf, generated: &Value, stale: &mut Vec<String>) {
    let text = format!("{}\n", serde_json::to_string_pretty(generated).unwrap());
    bless_or_compare(path, text, stale);
}

#[test]
fn checked_in_definitions_match_the_contract_types() {
    let mut stale = Vec::new();
    check(
        infra().join("agentcore/tool-definitions.json"),
        &gateway_definitions(),
        &mut stale,
    );
    let targets = gateway_targets();
    check(
        infra().join("agentcore/gateway-targets.json"),
        &Value::Array(targets.iter().map(target_json).collect()),
        &mut stale,
    );
    let template = infra().join("template.yaml");
    let current = std::fs::read_to_string(&template).unwrap();
    let protocol =
        std::fs::read_to_string(infra().join("agentcore/gateway-protocol.json")).unwrap();
    bless_or_compare(
        template,
        with_protocol_block(&with_generated_block(&current, &targets), &protocol),
        &mut stale,
    );
    for (name, schema) in output_schemas() {
        check(
            infra().join(format!("schemas/{name}.schema.json")),
            &schema,
            &mut stale,
        );
    }
    if std::env::var_os("BLESS").is_some() {
        bless_contract_package(&mut stale);
    }
    assert!(
        stale.is_empty(),
        "out of date (regenerate with BLESS=1): {stale:?}"
    );
}

fn target_json(target: &GatewayTarget) -> Value {
    json!({
        "function": target.function,
        "allowedRequestHeaders": target.allowed_request_headers,
        "inlinePayload": target.inline_payload,
    })
}

const BEGIN: &str = "  # BEGIN GENERATED AgentCore Gateway targets";
const END: &str = "  # END GENERATED AgentCore Gateway targets";

const PROTOCOL_BEGIN: &str = "      # BEGIN GENERATED Gateway protocol";
const PROTOCOL_END: &str = "      # END GENERATED Gateway protocol";

fn replace_block(text: &str, begin: &str, end: &str, body: &str) -> String {
    replace_between(text, begin, end, body)
        .unwrap_or_else(|| panic!("template.yaml has no lines {begin:?} … {end:?}"))
}

/// The Gateway's `ProtocolConfiguration`, from `infra/agentcore/gateway-protocol.json` (which the
/// CDK app and the local Gateway read): JSON is YAML, so it is inlined as is.
fn with_protocol_block(template: &str, protocol: &str) -> String {
    let protocol: Value = serde_json::from_str(protocol).unwrap();
    let inline = serde_json::to_string_pretty(&protocol)
        .unwrap()
        .replace('\n', &format!("\n{}", " ".repeat(6)));
    let block = format!(
        "      # from infra/agentcore/gateway-protocol.json (BLESS=1). Edit that file, not these lines.\n      \
         ProtocolConfiguration: {inline}\n"
    );
    replace_block(template, PROTOCOL_BEGIN, PROTOCOL_END, &block)
}

/// The template with its generated block (between the BEGIN and END lines) rewritten: one
/// `AWS::BedrockAgentCore::GatewayTarget` per function. JSON is YAML, so the payload is inlined as is.
fn with_generated_block(template: &str, targets: &[GatewayTarget]) -> String {
    let mut block = String::from(
        "  # from the Rust contract types (BLESS=1). Edit the tool catalog, not these lines.\n",
    );
    for target in targets {
        let stem = logical_stem(target.function);
        let payload = serde_json::to_string_pretty(&target.inline_payload)
            .unwrap()
            .replace('\n', &format!("\n{}", " ".repeat(16)));
        block.push_str(&format!(
            "  {stem}Target:\n    Type: AWS::BedrockAgentCore::GatewayTarget\n    Condition: GatewayEnabled\n    \
             Properties:\n      GatewayIdentifier: !Ref Gateway\n      Name: {function}\n      \
             CredentialProviderConfigurations:\n        - CredentialProviderType: GATEWAY_IAM_ROLE\n",
            function = target.function
        ));
        if !target.allowed_request_headers.is_empty() {
            block.push_str(&format!(
                "      MetadataConfiguration:\n        AllowedRequestHeaders: [{}]\n",
                target.allowed_request_headers.join(", ")
            ));
        }
        block.push_str(&format!(
            "      TargetConfiguration:\n        Mcp:\n          Lambda:\n            \
             LambdaArn: !GetAtt {stem}Function.Arn\n            ToolSchema:\n              \
             InlinePayload:\n                {payload}\n"
        ));
    }
    replace_block(template, BEGIN, END, &block)
}

#[test]
fn gateway_targets_cover_every_tool_once_in_cloudformation_casing() {
    let targets = gateway_targets();
    let mut names: Vec<String> = targets
        .iter()
        .flat_map(|t| t.inline_payload.as_array().unwrap().iter())
        .map(|tool| {
            let mut keys: Vec<&String> = tool.as_object().unwrap().keys().collect();
            keys.sort();
            // No OutputSchema: a declared one makes MCP clients demand structuredContent, which a
            // Lambda target's text result does not carry (generate.rs).
            assert_eq!(keys, ["Description", "InputSchema", "Name"]);
            assert_eq!(tool["InputSchema"]["Type"], "object");
            tool["Name"].as_str().unwrap().to_owned()
        })
        .collect();
    names.sort();
    let mut expected: Vec<String> = catalog().iter().map(|t| t.name.to_owned()).collect();
    expected.sort();
    assert_eq!(names, expected);
    for target in &targets {
        assert!(
            !target.function.contains('_'),
            "target names cannot hold underscores"
        );
    }
    let headers = |f: &str| {
        targets
            .iter()
            .find(|t| t.function == f)
            .unwrap()
            .allowed_request_headers
            .clone()
    };
    assert_eq!(headers("reservations"), ["X-Guest-Authorization"]);
    assert_eq!(headers("sign-out"), ["X-Guest-Authorization"]);
    for target in &targets {
        booking_auth::domain::gateway_headers::check_allowlist(&target.allowed_request_headers)
            .unwrap_or_else(|e| panic!("{}: {e}", target.function));
    }
    // The sign-in tools take the conversation the agent's code names; no other target sees it.
    assert_eq!(headers("initiate-login"), ["X-Conversation-Id"]);
    assert_eq!(headers("verify-otp"), ["X-Conversation-Id"]);
    assert!(headers("refresh").is_empty());
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
        assert!(
            tool.get("outputSchema").is_none(),
            "{name} declares an output schema"
        );
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

#[test]
fn every_tool_has_its_function_crate_and_every_function_crate_a_tool() {
    let functions = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../functions");
    let mut crates: Vec<String> = std::fs::read_dir(&functions)
        .unwrap()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.path().join("Cargo.toml").is_file())
        .map(|entry| entry.file_name().into_string().unwrap())
        .collect();
    crates.sort();
    let mut served: Vec<&str> = catalog().iter().map(|t| t.function).collect();
    // The one function that serves no tool: the optional Gateway REQUEST interceptor.
    served.push(booking_auth::contract::interceptor::INTERCEPTOR_FUNCTION);
    served.sort_unstable();
    assert_eq!(crates, served, "functions/ and the tool catalog disagree");
    let mut declared: Vec<&str> = FUNCTIONS.iter().map(|d| d.function).collect();
    declared.sort_unstable();
    assert_eq!(
        crates, declared,
        "functions/ and the DEPLOYs in FUNCTIONS disagree"
    );
    for function in served {
        // The binary is named after the folder, so the Gateway target and cargo-lambda agree.
        let manifest =
            std::fs::read_to_string(functions.join(function).join("Cargo.toml")).unwrap();
        assert!(
            manifest.contains(&format!("name = \"{function}\"")),
            "functions/{function}/Cargo.toml must name the package {function}"
        );
    }
}

/// The contract package's TypeScript types come from the schemas above and wire.json (written by
/// tests/generated.rs, which cargo runs first): under BLESS, run its generator too, so one command
/// rewrites every copy. Without BLESS its own test (`npm test` in packages/contract) is the check.
fn bless_contract_package(stale: &mut Vec<String>) {
    let package = infra().join("../packages/contract");
    if !package.join("node_modules").is_dir() {
        eprintln!("packages/contract: npm ci there, then npm run generate, to update its types");
        return;
    }
    let ran = std::process::Command::new("node")
        .arg("scripts/generate.mjs")
        .current_dir(&package)
        .status();
    if !ran.is_ok_and(|status| status.success()) {
        stale.push("packages/contract/src/generated.ts (npm run generate failed)".into());
    }
}
