//! AgentCore Gateway's rules for which request headers a target may have propagated to it
//! (`MetadataConfiguration.AllowedRequestHeaders`), as AWS documents them on
//! <https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-headers.html> and in the
//! `MetadataConfiguration` API reference. The list itself is data, `infra/agentcore/header-rules.json`,
//! which the template check (`infra/checks/gateway_headers.py`) reads too, so the rule lives once.

use std::sync::LazyLock;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Rules {
    max_allowed_request_headers: usize,
    max_name_length: usize,
    interceptor_only: Vec<String>,
    reserved_prefixes: Vec<String>,
    restricted: Vec<String>,
}

static RULES: LazyLock<Option<Rules>> = LazyLock::new(|| {
    serde_json::from_str(include_str!(
        "../../../../infra/agentcore/header-rules.json"
    ))
    .ok()
});

/// Why AWS would refuse a header allowlist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderRuleViolation {
    #[error("{0:?} is a restricted header and cannot be configured for propagation")]
    Restricted(String),
    #[error("{0:?} uses a reserved prefix ({1}) and cannot be configured for propagation")]
    ReservedPrefix(String, String),
    #[error(
        "{0:?} is not a valid header name: 1 to {1} characters, letters, digits, '-' and '_' only"
    )]
    InvalidName(String, usize),
    #[error("{0} headers are allowlisted; a target allows at most {1}")]
    TooMany(usize, usize),
    #[error("{0:?} is allowlisted twice (header names are case-insensitive)")]
    Duplicate(String),
    #[error("the header rules file infra/agentcore/header-rules.json could not be read")]
    RulesUnreadable,
}

/// One header name as an entry of `AllowedRequestHeaders`.
pub fn check_name(name: &str) -> Result<(), HeaderRuleViolation> {
    let rules = RULES.as_ref().ok_or(HeaderRuleViolation::RulesUnreadable)?;
    let well_formed = !name.is_empty()
        && name.len() <= rules.max_name_length
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err(HeaderRuleViolation::InvalidName(
            name.to_owned(),
            rules.max_name_length,
        ));
    }
    if rules
        .restricted
        .iter()
        .any(|r| r.eq_ignore_ascii_case(name))
    {
        return Err(HeaderRuleViolation::Restricted(name.to_owned()));
    }
    let lower = name.to_ascii_lowercase();
    if let Some(prefix) = rules
        .reserved_prefixes
        .iter()
        .find(|p| lower.starts_with(&p.to_ascii_lowercase()))
    {
        return Err(HeaderRuleViolation::ReservedPrefix(
            name.to_owned(),
            prefix.clone(),
        ));
    }
    Ok(())
}

/// A whole `AllowedRequestHeaders` list, as AWS checks it when a target is created.
pub fn check_allowlist<S: AsRef<str>>(names: &[S]) -> Result<(), HeaderRuleViolation> {
    let rules = RULES.as_ref().ok_or(HeaderRuleViolation::RulesUnreadable)?;
    if names.len() > rules.max_allowed_request_headers {
        return Err(HeaderRuleViolation::TooMany(
            names.len(),
            rules.max_allowed_request_headers,
        ));
    }
    for (i, name) in names.iter().enumerate() {
        let name = name.as_ref();
        check_name(name)?;
        if names[..i]
            .iter()
            .any(|earlier| earlier.as_ref().eq_ignore_ascii_case(name))
        {
            return Err(HeaderRuleViolation::Duplicate(name.to_owned()));
        }
    }
    Ok(())
}

/// Headers that reach a target only when a REQUEST interceptor provides them (`Authorization`).
pub fn interceptor_only(name: &str) -> bool {
    RULES.as_ref().is_some_and(|rules| {
        rules
            .interceptor_only
            .iter()
            .any(|r| r.eq_ignore_ascii_case(name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rules_file_is_read() {
        assert!(RULES.is_some());
    }

    #[test]
    fn a_custom_header_is_allowed_in_any_case() {
        assert_eq!(check_name("X-Guest-Authorization"), Ok(()));
        assert_eq!(
            check_allowlist(&["x-guest-authorization", "X-Trace_Id"]),
            Ok(())
        );
    }

    #[test]
    fn restricted_headers_are_refused_in_any_case() {
        for name in [
            "Authorization",
            "authorization",
            "Cookie",
            "HOST",
            "Content-Type",
        ] {
            assert!(
                matches!(check_name(name), Err(HeaderRuleViolation::Restricted(_))),
                "{name}"
            );
        }
        assert!(interceptor_only("AUTHORIZATION"));
        assert!(!interceptor_only("X-Guest-Authorization"));
    }

    #[test]
    fn reserved_prefixes_and_bad_names_are_refused() {
        assert!(matches!(
            check_name("X-Amz-Date"),
            Err(HeaderRuleViolation::ReservedPrefix(..))
        ));
        assert!(matches!(
            check_name("x-amzn-trace-id"),
            Err(HeaderRuleViolation::ReservedPrefix(..))
        ));
        for bad in ["", "X Guest", "X-Guest:1", &"x".repeat(101)] {
            assert!(
                matches!(check_name(bad), Err(HeaderRuleViolation::InvalidName(..))),
                "{bad:?}"
            );
        }
        assert_eq!(check_name(&"x".repeat(100)), Ok(()));
    }

    #[test]
    fn an_allowlist_holds_at_most_ten_distinct_headers() {
        let ten: Vec<String> = (0..10).map(|i| format!("X-H{i}")).collect();
        assert_eq!(check_allowlist(&ten), Ok(()));
        let eleven: Vec<String> = (0..11).map(|i| format!("X-H{i}")).collect();
        assert_eq!(
            check_allowlist(&eleven),
            Err(HeaderRuleViolation::TooMany(11, 10))
        );
        assert!(matches!(
            check_allowlist(&["X-A", "x-a"]),
            Err(HeaderRuleViolation::Duplicate(_))
        ));
    }
}
