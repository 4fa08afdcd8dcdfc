//! A guest's reservations. The table's partition key is the verified Cognito `sub`, so a query can
//! only ever return rows of the caller whose token was verified.

use super::upstream::Fault;
use crate::contract::Reservation;
use crate::domain::error::AuthError;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;

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
