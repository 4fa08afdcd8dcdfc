//! The tables the local stack creates: the ones both stacks deploy
//! (`booking_auth::config::tables`), under local names.

use booking_auth::config::{Key, Table};

#[derive(Debug, Clone)]
pub struct TableDef {
    /// The environment variable that names this table for the functions.
    pub env: &'static str,
    pub local_name: String,
    pub keys: &'static [Key],
    pub ttl_attribute: Option<&'static str>,
}

/// Every table, named as the local stack names it.
pub fn all() -> Vec<TableDef> {
    Table::ALL
        .iter()
        .map(|&table| TableDef {
            env: table.variable(),
            local_name: local_name(table).to_owned(),
            keys: table.keys(),
            ttl_attribute: table.ttl_attribute(),
        })
        .collect()
}

fn local_name(table: Table) -> &'static str {
    match table {
        Table::AuthState => "booking-auth-state",
        Table::Guests => "booking-guests",
        Table::Reservations => "booking-reservations",
    }
}
