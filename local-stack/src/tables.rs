//! The table definition shared with the infrastructure (`infra/tables.json`).

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct KeyDef {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub role: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TableDef {
    /// The environment variable that names this table for the functions.
    pub env: String,
    pub local_name: String,
    pub keys: Vec<KeyDef>,
    pub ttl_attribute: Option<String>,
}

#[derive(Debug, Deserialize)]
struct File {
    tables: Vec<TableDef>,
}

pub const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../infra/tables.json");

pub fn load() -> Result<Vec<TableDef>, String> {
    let text = std::fs::read_to_string(PATH).map_err(|e| format!("{PATH}: {e}"))?;
    serde_json::from_str::<File>(&text)
        .map(|f| f.tables)
        .map_err(|e| format!("{PATH}: {e}"))
}
