//! A guest's reservations. The table's partition key is the verified Cognito `sub`, so a query can
//! only ever return rows of the caller whose token was verified (DESIGN §5).

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use crate::error::AuthError;
use crate::upstream::Fault;

/// One reservation as the contract returns it. The keys (`cognito_sub`, `stay_key`) are storage
/// detail and never leave the function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Reservation {
    /// The booking reference, e.g. `RES-2027-0315`.
    pub reservation_id: String,
    pub property_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room_type: Option<String>,
    /// Arrival date, `YYYY-MM-DD`.
    pub check_in: String,
    /// Departure date, `YYYY-MM-DD`.
    pub check_out: String,
    /// e.g. `confirmed`, `cancelled`, `completed`.
    pub status: String,
    /// Number of guests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guests: Option<u32>,
    /// Decimal amount as a string, e.g. `"1490.00"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_amount: Option<String>,
    /// ISO 4217 code, e.g. `EUR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// The sort key that orders a guest's stays: check-in date, then reservation id.
pub fn stay_key(check_in: &str, reservation_id: &str) -> String {
    format!("{check_in}#{reservation_id}")
}

/// Upper bound on rows returned in one answer; a guest with more sees the newest.
pub const MAX_RESERVATIONS: usize = 100;

#[derive(Clone)]
pub struct ReservationStore {
    client: Client,
    table: String,
}

impl ReservationStore {
    pub fn new(client: Client, table: String) -> Self {
        Self { client, table }
    }

    /// The reservations of `sub`, newest stay first.
    pub async fn for_guest(&self, sub: &str) -> Result<Vec<Reservation>, AuthError> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("cognito_sub = :sub")
                .expression_attribute_values(":sub", AttributeValue::S(sub.to_owned()))
                .scan_index_forward(false)
                .limit((MAX_RESERVATIONS - out.len()) as i32)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| Fault::from_sdk(&e).into_error("Query"))?;
            let items: Vec<Reservation> = serde_dynamo::from_items(page.items.unwrap_or_default())
                .map_err(|e| AuthError::Internal(format!("reservation decoding: {e}")))?;
            out.extend(items);
            start = page.last_evaluated_key;
            if start.is_none() || out.len() >= MAX_RESERVATIONS {
                return Ok(out);
            }
        }
    }
}
