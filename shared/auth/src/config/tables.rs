//! The DynamoDB tables: each named by its own variable, with its key schema and TTL attribute,
//! from which `infra/generate` writes both stacks' tables and the local stack creates its own.

use super::Env;
use super::settings::{AUTH_STATE_TABLE, GUESTS_TABLE, RESERVATIONS_TABLE, Setting};
use crate::domain::error::ConfigError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// Login records, per-address send history and revoked sign-ins, with the TTL `expires_at`.
    AuthState,
    Guests,
    Reservations,
}

/// A key attribute: its name, its DynamoDB type and its role in the key schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub name: &'static str,
    /// `S`: every key of these tables is a string.
    pub kind: &'static str,
    /// `HASH` or `RANGE`.
    pub role: &'static str,
}

const PK: Key = Key {
    name: "pk",
    kind: "S",
    role: "HASH",
};

impl Table {
    pub const ALL: [Self; 3] = [Self::AuthState, Self::Guests, Self::Reservations];

    /// The key schema the items of `crate::aws` are written with.
    pub fn keys(self) -> &'static [Key] {
        match self {
            Self::AuthState | Self::Guests => &[PK],
            Self::Reservations => &[
                Key {
                    name: "cognito_sub",
                    kind: "S",
                    role: "HASH",
                },
                Key {
                    name: "stay_key",
                    kind: "S",
                    role: "RANGE",
                },
            ],
        }
    }

    /// The attribute whose epoch seconds DynamoDB deletes an item after, if the table has one.
    pub fn ttl_attribute(self) -> Option<&'static str> {
        match self {
            Self::AuthState => Some("expires_at"),
            Self::Guests | Self::Reservations => None,
        }
    }

    pub fn setting(self) -> &'static Setting {
        match self {
            Self::AuthState => &AUTH_STATE_TABLE,
            Self::Guests => &GUESTS_TABLE,
            Self::Reservations => &RESERVATIONS_TABLE,
        }
    }

    pub fn variable(self) -> &'static str {
        self.setting().variable
    }

    /// The table's name in this deployment.
    pub fn name(self, env: &Env) -> Result<String, ConfigError> {
        env.must(self.setting())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_table_is_named() {
        let err = Table::Guests.name(&Env::from_pairs([])).unwrap_err();
        assert!(err.to_string().contains("GUESTS_TABLE"));
    }
}
