//! A guest's email address on the wire, exactly as given. Its `Debug` prints it masked, as the
//! logs do (`j***@e***.com`), so a contract type that holds one can derive `Debug`; the functions
//! parse it into [`Email`](crate::domain::email::Email) before any use.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

use crate::domain::email::mask;

#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for EmailAddress {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for EmailAddress {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl std::fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EmailAddress({})", mask(&self.0))
    }
}

/// A plain string on the wire: the field's own description says what it is.
impl JsonSchema for EmailAddress {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "EmailAddress".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "string"})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_prints_it_masked_and_the_wire_carries_it_whole() {
        let address = EmailAddress::from("secret.person@example.com");
        assert_eq!(format!("{address:?}"), "EmailAddress(s***@e***.com)");
        assert_eq!(
            serde_json::to_string(&address).unwrap(),
            r#""secret.person@example.com""#
        );
    }
}
