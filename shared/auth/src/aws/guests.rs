//! Guest profiles, keyed by the verified Cognito `sub`.
//!
//! Two items per guest in one table: `SUB#<sub>` (the profile) and `GUEST#<guest_id>` (a claim
//! that makes the id unique). Both are written in one transaction with `attribute_not_exists`, so
//! concurrent first sign-ins of one `sub` create exactly one guest and no two guests share an id.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use serde::{Deserialize, Serialize};

use super::upstream::Fault;
use super::{from_item, to_item};
use crate::domain::error::AuthError;
use crate::domain::ids::new_guest_id;

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guest {
    pub pk: String,
    pub cognito_sub: String,
    pub guest_id: String,
    pub email: String,
    pub created_at: i64,
}

impl std::fmt::Debug for Guest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guest")
            .field("guest_id", &self.guest_id)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct GuestIdClaim<'a> {
    pk: String,
    cognito_sub: &'a str,
}

/// Attempts at a fresh id before giving up; a collision in 30^6 ids is already rare.
const ID_ATTEMPTS: usize = 5;

#[derive(Clone)]
pub struct GuestStore {
    client: Client,
    table: String,
}

fn profile_key(sub: &str) -> String {
    format!("SUB#{sub}")
}

impl GuestStore {
    pub fn new(client: Client, table: String) -> Self {
        Self { client, table }
    }

    pub async fn find(&self, sub: &str) -> Result<Option<Guest>, AuthError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(profile_key(sub)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| Fault::from_sdk(&e).into_error("GetItem"))?;
        out.item.map(from_item).transpose()
    }

    /// The guest of `sub`, created on first sign-in. Idempotent under concurrency and retries.
    pub async fn get_or_create(
        &self,
        sub: &str,
        email: &str,
        now: i64,
        year: i32,
    ) -> Result<Guest, AuthError> {
        if let Some(guest) = self.find(sub).await? {
            return Ok(guest);
        }
        for _ in 0..ID_ATTEMPTS {
            let guest = Guest {
                pk: profile_key(sub),
                cognito_sub: sub.to_owned(),
                guest_id: new_guest_id(year)?,
                email: email.to_owned(),
                created_at: now,
            };
            let claim = GuestIdClaim {
                pk: format!("GUEST#{}", guest.guest_id),
                cognito_sub: sub,
            };
            let put = |item| {
                Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(item))
                    .condition_expression("attribute_not_exists(pk)")
                    .build()
                    .map(|p| TransactWriteItem::builder().put(p).build())
                    .map_err(|e| AuthError::Internal(format!("request construction failed: {e}")))
            };
            let written = self
                .client
                .transact_write_items()
                .transact_items(put(to_item(&guest)?)?)
                .transact_items(put(to_item(&claim)?)?)
                .send()
                .await;
            let err = match written {
                Ok(_) => {
                    tracing::info!(guest_id = %guest.guest_id, "created guest");
                    return Ok(guest);
                }
                Err(err) => err,
            };
            let reasons: Vec<Option<String>> = err
                .as_service_error()
                .and_then(|e| match e {
                    TransactWriteItemsError::TransactionCanceledException(c) => Some(c),
                    _ => None,
                })
                .map(|e| {
                    e.cancellation_reasons()
                        .iter()
                        .map(|r| r.code().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            let failed = |i: usize| {
                reasons.get(i).and_then(|c| c.as_deref()) == Some("ConditionalCheckFailed")
            };
            if failed(0) {
                // Another request created this guest first: theirs is the one.
                return self.find(sub).await?.ok_or_else(|| {
                    AuthError::UpstreamUnavailable("guest not readable after create".into())
                });
            }
            if !failed(1) {
                return Err(Fault::from_sdk(&err).into_error("TransactWriteItems"));
            }
            tracing::info!("guest id collision; drawing another");
        }
        Err(AuthError::Internal(
            "could not draw an unused guest id".into(),
        ))
    }
}
