//! The Gateway's targets, read from the generated `infra/agentcore/gateway-targets.json`, and
//! checked as AWS checks a target when it is created: a header allowlist AWS would refuse stops the
//! local Gateway at start-up with the reason.

use std::path::Path;

use booking_auth::contract::generate::from_cloudformation_schema;
use booking_auth::domain::gateway_headers::{HeaderRuleViolation, check_allowlist};
use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("cannot read the targets file {0}: {1}")]
    Read(String, std::io::Error),
    #[error("the targets file {0} is not a list of targets: {1}")]
    Parse(String, serde_json::Error),
    #[error("ValidationException: target {target}: {reason}")]
    Refused {
        target: String,
        reason: HeaderRuleViolation,
    },
    #[error("ValidationException: target name {0:?} may not contain '_' or be empty")]
    BadName(String),
}

/// One Lambda target: the function it invokes, its tools, the headers it propagates.
#[derive(Debug, Clone)]
pub struct Target {
    /// The target name, which is also the function name here.
    pub name: String,
    pub allowed_request_headers: Vec<String>,
    pub tools: Vec<ToolDefinition>,
}

#[derive(Debug, Clone)]
pub struct ToolDefinition {
    pub name: String,
    pub description: String,
    /// As `tools/list` serves it: JSON Schema keywords in their usual casing.
    pub input_schema: Map<String, Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TargetFile {
    function: String,
    #[serde(default)]
    allowed_request_headers: Vec<String>,
    inline_payload: Vec<InlineTool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InlineTool {
    name: String,
    description: String,
    input_schema: Value,
}

pub fn load(path: &Path) -> Result<Vec<Target>, TargetError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| TargetError::Read(shown.clone(), e))?;
    let files: Vec<TargetFile> =
        serde_json::from_str(&text).map_err(|e| TargetError::Parse(shown, e))?;
    files.into_iter().map(target).collect()
}

fn target(file: TargetFile) -> Result<Target, TargetError> {
    if file.function.is_empty() || file.function.contains('_') {
        return Err(TargetError::BadName(file.function));
    }
    check_allowlist(&file.allowed_request_headers).map_err(|reason| TargetError::Refused {
        target: file.function.clone(),
        reason,
    })?;
    Ok(Target {
        tools: file
            .inline_payload
            .into_iter()
            .map(|tool| ToolDefinition {
                name: tool.name,
                description: tool.description,
                input_schema: match from_cloudformation_schema(&tool.input_schema) {
                    Value::Object(map) => map,
                    _ => Map::new(),
                },
            })
            .collect(),
        name: file.function,
        allowed_request_headers: file.allowed_request_headers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn file(headers: &[&str]) -> TargetFile {
        TargetFile {
            function: "reservations".into(),
            allowed_request_headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            inline_payload: vec![InlineTool {
                name: "get_my_reservations".into(),
                description: "d".into(),
                input_schema: json!({"Type": "object", "Properties": {"auth_token": {"Type": "string", "Description": "x"}}, "Required": []}),
            }],
        }
    }

    #[test]
    fn schemas_are_served_in_json_schema_casing() {
        let target = target(file(&["X-Guest-Authorization"])).unwrap();
        assert_eq!(
            Value::Object(target.tools[0].input_schema.clone()),
            json!({"type": "object", "properties": {"auth_token": {"type": "string", "description": "x"}}, "required": []})
        );
    }

    #[test]
    fn a_target_aws_would_refuse_is_refused_with_the_reason() {
        let err = target(file(&["Authorization"])).unwrap_err();
        assert!(err.to_string().contains("restricted"), "{err}");
        let eleven: Vec<String> = (0..11).map(|i| format!("X-H{i}")).collect();
        let names: Vec<&str> = eleven.iter().map(String::as_str).collect();
        assert!(
            target(file(&names))
                .unwrap_err()
                .to_string()
                .contains("at most 10")
        );
    }

    #[test]
    fn the_generated_targets_load() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra/agentcore/gateway-targets.json");
        let targets = load(&path).unwrap();
        assert_eq!(targets.len(), 5);
        assert!(
            targets
                .iter()
                .any(|t| t.allowed_request_headers == ["X-Guest-Authorization"])
        );
    }
}
