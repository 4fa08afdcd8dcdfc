//! A guest's reservations. The table's partition key is the verified Cognito `sub`, so a query can
//! only ever return rows of the caller whose token was verified.

use super::upstream::Fault;
use super::{from_item, string};
use crate::contract::Reservation;
use crate::domain::error::AuthError;
use crate::domain::stays::StayFilter;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;

/// The sort key that orders a guest's stays: check-in date, then reservation id.
pub fn stay_key(check_in: &str, reservation_id: &str) -> String {
    format!("{check_in}#{reservation_id}")
}

/// Rows read per round trip when a filter drops some after the read (DynamoDB applies `Limit`
/// before the filter expression), and the most round trips one page makes. A page that runs out of
/// rounds ends where the reading stopped, with a token to go on.
const FILTERED_READ: i32 = 100;
const MAX_ROUNDS: usize = 10;

/// One page of one guest's stays, as a tool call asks for it.
pub struct StayPageRequest<'a> {
    /// The verified `sub`: the partition read, whatever else the request says.
    pub sub: &'a str,
    pub filter: Option<StayFilter>,
    pub size: usize,
    /// The sort key of the last row of the previous page.
    pub after: Option<String>,
    /// `YYYY-MM-DD`, UTC.
    pub today: &'a str,
}

pub struct StayPage {
    pub reservations: Vec<Reservation>,
    /// The sort key to resume after, when more rows may follow.
    pub resume_after: Option<String>,
}

#[derive(Clone)]
pub struct ReservationStore {
    client: Client,
    table: String,
}

impl ReservationStore {
    pub fn new(client: Client, table: String) -> Self {
        Self { client, table }
    }

    /// One page of `request.sub`'s stays in the filter's order. It reads one row beyond the page
    /// so that a token is only given when another row exists.
    pub async fn page(&self, request: StayPageRequest<'_>) -> Result<StayPage, AuthError> {
        let wanted = request.size + 1;
        // Each filter as key condition, order and, for the check-out date the sort key does not
        // hold, a filter expression; check-in <= check-out, so a past stay also checked in before
        // today.
        let (key_condition, check_out, forward) = match request.filter {
            None => ("cognito_sub = :sub", None, false),
            Some(StayFilter::Past) => (
                "cognito_sub = :sub AND stay_key < :today",
                Some("check_out < :today"),
                false,
            ),
            Some(StayFilter::Upcoming) => ("cognito_sub = :sub", Some("check_out >= :today"), true),
        };
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression(key_condition)
            .expression_attribute_values(":sub", AttributeValue::S(request.sub.to_owned()))
            .scan_index_forward(forward)
            .limit(match check_out {
                Some(_) => FILTERED_READ,
                None => wanted as i32,
            });
        if let Some(check_out) = check_out {
            query = query
                .filter_expression(check_out)
                .expression_attribute_values(":today", AttributeValue::S(request.today.into()));
        }
        let mut rows: Vec<(String, Reservation)> = Vec::new();
        let mut start = request.after.map(|after| {
            HashMap::from([
                (
                    "cognito_sub".to_owned(),
                    AttributeValue::S(request.sub.to_owned()),
                ),
                ("stay_key".to_owned(), AttributeValue::S(after)),
            ])
        });
        for _ in 0..MAX_ROUNDS {
            let page = query
                .clone()
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| Fault::from_sdk(&e).into_error("Query"))?;
            for item in page.items.unwrap_or_default() {
                let key = string(&item, "stay_key")
                    .ok_or_else(|| AuthError::Internal("a reservation without stay_key".into()))?
                    .to_owned();
                rows.push((key, from_item(item)?));
            }
            start = page.last_evaluated_key;
            if start.is_none() || rows.len() >= wanted {
                break;
            }
        }
        let resume_after = if rows.len() > request.size {
            rows.truncate(request.size);
            rows.last().map(|(key, _)| key.clone())
        } else {
            // Out of rounds with rows unread: go on from where the reading stopped.
            start.and_then(|key| string(&key, "stay_key").map(str::to_owned))
        };
        Ok(StayPage {
            reservations: rows.into_iter().map(|(_, r)| r).collect(),
            resume_after,
        })
    }
}
