//! The Gateway's MCP protocol configuration, read from `infra/agentcore/gateway-protocol.json`:
//! the one home of the `ProtocolConfiguration.Mcp` that SAM (a generated block) and CDK (the file
//! itself) deploy. AWS's Gateway accepts only the revisions its `SupportedVersions` lists
//! (<https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-using-mcp-list.html>),
//! so the local one serves exactly those and refuses the rest, as the deployed one would.

use std::path::Path;

use rmcp::model::ProtocolVersion;
use serde::Deserialize;

/// The checked-in configuration, so the binary needs no path to find it.
pub const CHECKED_IN: &str = include_str!("../../infra/agentcore/gateway-protocol.json");

/// The MCP revisions AWS's Gateway documents
/// (<https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-using.html>): a
/// configuration may list only these.
pub const DOCUMENTED: [ProtocolVersion; 4] = [
    ProtocolVersion::V_2025_03_26,
    ProtocolVersion::V_2025_06_18,
    ProtocolVersion::V_2025_11_25,
    ProtocolVersion::V_2026_07_28,
];

#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    #[error("cannot read the protocol file {0}: {1}")]
    Read(String, std::io::Error),
    #[error("the protocol file is not a ProtocolConfiguration with Mcp.SupportedVersions: {0}")]
    Parse(serde_json::Error),
    #[error("ValidationException: SupportedVersions lists no version")]
    Empty,
    #[error("ValidationException: {0} is not an MCP version AgentCore Gateway supports")]
    Unsupported(String),
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Configuration {
    mcp: Mcp,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Mcp {
    supported_versions: Vec<String>,
}

/// The revisions a configuration lets clients use, checked as AWS documents them.
pub fn supported_versions(text: &str) -> Result<Vec<ProtocolVersion>, ProtocolError> {
    let configuration: Configuration = serde_json::from_str(text).map_err(ProtocolError::Parse)?;
    let versions = configuration.mcp.supported_versions;
    if versions.is_empty() {
        return Err(ProtocolError::Empty);
    }
    versions
        .into_iter()
        .map(|v| {
            DOCUMENTED
                .iter()
                .find(|d| d.as_str() == v)
                .cloned()
                .ok_or(ProtocolError::Unsupported(v))
        })
        .collect()
}

/// The revisions of the configuration at `path`, or of the checked-in one.
pub fn load(path: Option<&Path>) -> Result<Vec<ProtocolVersion>, ProtocolError> {
    match path {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| ProtocolError::Read(path.display().to_string(), e))?;
            supported_versions(&text)
        }
        None => supported_versions(CHECKED_IN),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checked_in_configuration_lists_every_documented_revision() {
        assert_eq!(supported_versions(CHECKED_IN).unwrap(), DOCUMENTED);
    }

    #[test]
    fn a_configuration_aws_would_refuse_is_refused() {
        assert!(matches!(
            supported_versions(r#"{"Mcp": {"SupportedVersions": []}}"#),
            Err(ProtocolError::Empty)
        ));
        assert!(matches!(
            supported_versions(r#"{"Mcp": {"SupportedVersions": ["2024-11-05"]}}"#),
            Err(ProtocolError::Unsupported(v)) if v == "2024-11-05"
        ));
        assert!(matches!(
            supported_versions(r#"{"Mcp": {}}"#),
            Err(ProtocolError::Parse(_))
        ));
    }
}
