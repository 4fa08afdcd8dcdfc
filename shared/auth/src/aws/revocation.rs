//! The access-token deny-list: sign-out records the session's `origin_jti` (shared by every token
//! of one sign-in and its refreshes) until the access token would have expired anyway, and readers
//! that enable the check refuse tokens on it.
//!
//! Why it exists: Cognito's `RevokeToken` stops refreshes, but an access token already issued stays
//! cryptographically valid until `exp`. Cost of the check: one strongly consistent DynamoDB
//! `GetItem` per request (1 read capacity unit, a few milliseconds in-region).

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;

use super::upstream::Fault;
use crate::domain::error::{AuthError, TokenRejection};
use crate::jwt::Claims;

#[derive(Clone)]
pub struct RevocationStore {
    client: Client,
    table: String,
}

fn key(origin_jti: &str) -> String {
    format!("REVOKED#{origin_jti}")
}

impl RevocationStore {
    pub fn new(client: Client, table: String) -> Self {
        Self { client, table }
    }

    /// Deny every access token of this sign-in until `claims.exp` (the item's TTL).
    pub async fn revoke(&self, claims: &Claims) -> Result<(), AuthError> {
        let origin = claims.origin()?;
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", AttributeValue::S(key(origin)))
            .item("expires_at", AttributeValue::N(claims.exp.to_string()))
            .send()
            .await
            .map_err(|e| Fault::from_sdk(&e).into_error("PutItem"))?;
        Ok(())
    }

    /// Refuse a verified token whose sign-in was revoked. Fails closed on a token without
    /// `origin_jti`, since it could not be revoked.
    pub async fn check(&self, claims: &Claims) -> Result<(), AuthError> {
        let origin = claims.origin()?;
        let found = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(key(origin)))
            .projection_expression("pk")
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| Fault::from_sdk(&e).into_error("GetItem"))?;
        match found.item {
            Some(_) => Err(AuthError::InvalidToken(TokenRejection::Revoked)),
            None => Ok(()),
        }
    }
}
