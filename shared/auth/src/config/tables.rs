//! The DynamoDB tables, each named by its own variable (`infra/tables.json` holds their keys).

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

impl Table {
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
