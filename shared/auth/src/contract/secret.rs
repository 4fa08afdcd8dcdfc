//! A secret field of a tool's arguments or answer: a token, a sign-in handle, a code. Declaring a
//! field `Secret` is the one place it is said: its `Debug` prints nothing of it, and its schema
//! carries [`SECRET_KEYWORD`], from which `infra/generate` lists the secret fields for the agent
//! (which keeps them from the model), the contract package (which keeps them from the chat state)
//! and the local stack's log scan ([`generate::secret_fields`](super::generate::secret_fields)).

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

/// The schema keyword that marks a secret field. An `x-` name: JSON Schema validators ignore it,
/// and the Gateway's tool definitions leave it out (their dialect has no such keyword).
pub const SECRET_KEYWORD: &str = "x-secret";

/// A string on the wire that must never reach a log, the model, or the chat state.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// The value, for the one call that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl JsonSchema for Secret {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Secret".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "string", SECRET_KEYWORD: true})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_nothing_of_the_value() {
        let secret = Secret::from("eyJhbGciOiJSUzI1NiJ9.payload.signature");
        assert_eq!(format!("{secret:?}"), "Secret(..)");
        assert_eq!(
            serde_json::to_value(&secret).ok(),
            Some(serde_json::json!("eyJhbGciOiJSUzI1NiJ9.payload.signature"))
        );
    }

    #[test]
    fn its_schema_is_a_string_marked_secret() {
        let schema = schemars::schema_for!(Secret);
        assert_eq!(schema.get("type"), Some(&serde_json::json!("string")));
        assert_eq!(schema.get(SECRET_KEYWORD), Some(&serde_json::json!(true)));
    }
}
