//! The access-token deny-list: sign-out records the session's `origin_jti` (shared by every token
//! of one sign-in and its refreshes) until the access token would have expired anyway, and readers
//! that enable the check refuse tokens on it. A global sign-out also records when the guest was
//! signed out everywhere: every token of that guest issued until then is refused, whichever sign-in
//! it came from, so "signed out on all your devices" is true for our functions too, not only for
//! Cognito's own token-authorized operations.
//!
//! A sign-in is marked under two keys: its `origin_jti`, and its guest and `auth_time`. Whether a
//! refresh with rotation keeps `origin_jti` is not documented (scripts/conformance's `origin-jti`
//! settles it); if it does not, the second key still covers the sign-in's older access tokens. Two
//! sign-ins of one guest in the same second share that key: signing out of one refuses the other,
//! which errs on the safe side.
//!
//! Why it exists: Cognito's `RevokeToken` stops refreshes, but an access token already issued stays
//! cryptographically valid until `exp`. Cost of the check: one strongly consistent DynamoDB
//! `BatchGetItem` of two keys per request (one round trip; 1 read capacity unit per item found, a
//! few milliseconds in-region).

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};

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

fn sign_in_key(sub: &str, auth_time: u64) -> String {
    format!("SIGNIN#{sub}#{auth_time}")
}

fn signed_out_key(sub: &str) -> String {
    format!("SIGNEDOUT#{sub}")
}

/// The longest an access token can live: Cognito allows up to one day
/// (<https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html>).
/// A "signed out everywhere" mark is kept that long, so it outlives every token issued before it.
const LONGEST_ACCESS_TOKEN_SECONDS: i64 = 24 * 60 * 60;

const SIGNED_OUT_AT: &str = "signed_out_at";

/// The sign-in's second key, for a token that names its `auth_time`.
fn sign_in_mark(claims: &Claims) -> Option<String> {
    claims.auth_time.map(|at| sign_in_key(&claims.sub, at))
}

impl RevocationStore {
    pub fn new(client: Client, table: String) -> Self {
        Self { client, table }
    }

    /// Deny every access token of this sign-in until `claims.exp` (the items' TTL): one write per
    /// key, side by side.
    pub async fn revoke(&self, claims: &Claims) -> Result<(), AuthError> {
        let keys = [Some(key(claims.origin()?)), sign_in_mark(claims)];
        let writes = keys.into_iter().flatten().map(|pk| async move {
            self.client
                .put_item()
                .table_name(&self.table)
                .item("pk", AttributeValue::S(pk))
                .item("expires_at", AttributeValue::N(claims.exp.to_string()))
                .send()
                .await
                .map_err(|e| Fault::from_sdk(&e).into_error("PutItem"))
        });
        futures_util::future::try_join_all(writes).await?;
        Ok(())
    }

    /// Refuse every token of `sub` issued up to `now`, whichever sign-in it belongs to (a global
    /// sign-out). Kept until the last of them has expired.
    pub async fn sign_out_everywhere(&self, sub: &str, now: i64) -> Result<(), AuthError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", AttributeValue::S(signed_out_key(sub)))
            .item(SIGNED_OUT_AT, AttributeValue::N(now.to_string()))
            .item(
                "expires_at",
                AttributeValue::N((now + LONGEST_ACCESS_TOKEN_SECONDS).to_string()),
            )
            .send()
            .await
            .map_err(|e| Fault::from_sdk(&e).into_error("PutItem"))?;
        Ok(())
    }

    /// Refuse a verified token whose sign-in was revoked, or whose guest was signed out everywhere
    /// at or after it was issued (the same second counts: such a token may predate the sign-out).
    /// Every mark is read in one round trip. Fails closed on a token without `origin_jti`, since
    /// it could not be revoked, and on keys DynamoDB left unprocessed.
    pub async fn check(&self, claims: &Claims) -> Result<(), AuthError> {
        let origin = claims.origin()?;
        let keys = [
            Some(key(origin)),
            Some(signed_out_key(&claims.sub)),
            sign_in_mark(claims),
        ]
        .into_iter()
        .flatten()
        .map(|pk| HashMap::from([("pk".to_owned(), AttributeValue::S(pk))]))
        .collect();
        let wanted = KeysAndAttributes::builder()
            .set_keys(Some(keys))
            .projection_expression("pk, #at")
            .expression_attribute_names("#at", SIGNED_OUT_AT)
            .consistent_read(true)
            .build()
            .map_err(|e| AuthError::Internal(format!("revocation check: {e}")))?;
        let found = self
            .client
            .batch_get_item()
            .request_items(&self.table, wanted)
            .send()
            .await
            .map_err(|e| Fault::from_sdk(&e).into_error("BatchGetItem"))?;
        if found.unprocessed_keys.is_some_and(|k| !k.is_empty()) {
            return Err(AuthError::UpstreamUnavailable(
                "BatchGetItem: keys left unprocessed".into(),
            ));
        }
        let issued_at = claims.iat.unwrap_or(0);
        let refused = found
            .responses
            .and_then(|mut tables| tables.remove(&self.table))
            .unwrap_or_default()
            .iter()
            .any(|item| match item.get(SIGNED_OUT_AT) {
                // A "signed out everywhere" mark: tokens issued up to it are refused.
                Some(at) => at
                    .as_n()
                    .ok()
                    .and_then(|n| n.parse::<u64>().ok())
                    .is_none_or(|at| issued_at <= at),
                // A sign-in's own deny-list entry, under either key.
                None => true,
            });
        match refused {
            true => Err(AuthError::InvalidToken(TokenRejection::Revoked)),
            false => Ok(()),
        }
    }
}
