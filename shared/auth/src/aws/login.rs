//! Server-side sign-in state in DynamoDB: one login record per code sent, keyed by a
//! digest of the opaque session token, and one send history per address. Every change is a
//! conditional write, so parallel calls cannot exceed a limit or reuse a login.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde::{Deserialize, Serialize};

use super::upstream::Fault;
use super::{Item, from_item, number, to_item};
use crate::contract::Secret;
use crate::domain::email::Email;
use crate::domain::error::AuthError;
use crate::domain::ids::{SessionToken, hex_digest};
use crate::domain::otp::OtpPolicy;
use crate::domain::otp::{SendBounds, SendHistory, wrong_code};
use crate::domain::signals::{self, Signal};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginStatus {
    Pending,
    Used,
}

/// One pending sign-in. `expires_at` is the table's TTL attribute and equals the Cognito
/// session's end, so the record never outlives the session it holds.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRecord {
    pub pk: String,
    /// [`Email::canonical`]: the address a verification must name.
    pub email: String,
    /// Removed once the login is used.
    #[serde(default)]
    pub cognito_session: Secret,
    pub status: LoginStatus,
    pub attempts: u32,
    pub otp_sent_at: i64,
    pub expires_at: i64,
    /// The conversation that started it (`domain::budget::conversation_key`), when the caller
    /// named one: only the same conversation may finish it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<String>,
}

impl std::fmt::Debug for LoginRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRecord")
            .field("status", &self.status)
            .field("attempts", &self.attempts)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A send slot taken by [`LoginStore::admit_send`]; hand it back with [`LoginStore::release_send`]
/// when the code could not be sent, so a failed attempt does not count against the guest.
#[derive(Debug)]
pub struct SendSlot {
    pk: String,
    /// The address's record before this send, to put back (`None`: there was none).
    previous: Option<Item>,
    /// The version this send wrote, which guards the release.
    version: u64,
}

/// The attribute holding an address's `i`-th most recent send (0: the latest), epoch seconds.
fn sent(i: usize) -> String {
    format!("sent_{i}")
}

#[derive(Clone)]
pub struct LoginStore {
    client: Client,
    table: String,
    policy: OtpPolicy,
}

const CONDITIONAL_FAILED: &str = "ConditionalCheckFailedException";

impl LoginStore {
    pub fn new(client: Client, table: String, policy: OtpPolicy) -> Self {
        Self {
            client,
            table,
            policy,
        }
    }

    pub fn policy(&self) -> &OtpPolicy {
        &self.policy
    }

    fn send_key(email: &Email) -> String {
        format!("SEND#{}", hex_digest(email.canonical().as_bytes()))
    }

    /// Take a send slot for `email` at `now`, or refuse with `RATE_LIMITED`, in one conditional
    /// write: the record keeps the address's last `max_sends_per_window` sends, newest first
    /// (`sent_0`, `sent_1`, …), and a send is admitted when the latest is a cooldown old and the
    /// oldest kept has left the window, the rule of [`SendHistory::admit`], which explains a
    /// refusal from the record DynamoDB returns with it.
    pub async fn admit_send(&self, email: &Email, now: i64) -> Result<SendSlot, AuthError> {
        let pk = Self::send_key(email);
        let bounds = SendBounds::at(now, &self.policy);
        // Each send moves the others down one place; the one that falls off is out of the rule.
        let mut set: Vec<String> = (1..bounds.kept)
            .rev()
            .map(|i| format!("{} = if_not_exists({}, :zero)", sent(i), sent(i - 1)))
            .collect();
        set.push(format!("{} = :now", sent(0)));
        set.push("expires_at = :expires".into());
        set.push("version = if_not_exists(version, :zero) + :one".into());
        let condition = format!(
            "attribute_not_exists({latest}) OR ({latest} <= :cooled AND \
             (attribute_not_exists({oldest}) OR {oldest} <= :left))",
            latest = sent(0),
            oldest = sent(bounds.kept - 1),
        );
        let n = |v: i64| AttributeValue::N(v.to_string());
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(pk.clone()))
            .update_expression(format!("SET {}", set.join(", ")))
            .condition_expression(condition)
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":cooled", n(bounds.latest_at_most))
            .expression_attribute_values(":left", n(bounds.oldest_at_most))
            .expression_attribute_values(":expires", n(bounds.expires_at))
            .return_values(ReturnValue::AllOld)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(out) => {
                let previous = out.attributes.filter(|item| !item.is_empty());
                let version = previous
                    .as_ref()
                    .and_then(|item| number(item, "version"))
                    .unwrap_or(0) as u64
                    + 1;
                Ok(SendSlot {
                    pk,
                    previous,
                    version,
                })
            }
            Err(err) => {
                let fault = Fault::from_sdk(&err);
                if !fault.is_code(CONDITIONAL_FAILED) {
                    return Err(fault.into_error("UpdateItem"));
                }
                let stored = match err.into_service_error() {
                    UpdateItemError::ConditionalCheckFailedException(e) => e.item,
                    _ => None,
                };
                let history = SendHistory {
                    sends: (0..bounds.kept)
                        .filter_map(|i| stored.as_ref().and_then(|item| number(item, &sent(i))))
                        .filter(|t| *t > 0)
                        .collect(),
                };
                signals::record(Signal::Refused("address"));
                Err(match history.admit(now, &self.policy) {
                    Err(refusal) => refusal,
                    // The record changed between the check and its copy: wait one cooldown.
                    Ok(_) => AuthError::RateLimited {
                        retry_after: self.policy.resend_cooldown.as_secs().max(1),
                    },
                })
            }
        }
    }

    /// Undo a slot taken by this request, unless another request has written since (then its
    /// history is the truer one and stays).
    pub async fn release_send(&self, slot: SendSlot) {
        let guard = AttributeValue::N(slot.version.to_string());
        let result = match slot.previous {
            Some(mut previous) => {
                previous.insert(
                    "version".into(),
                    AttributeValue::N((slot.version + 1).to_string()),
                );
                self.client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(previous))
                    .condition_expression("version = :v")
                    .expression_attribute_values(":v", guard)
                    .send()
                    .await
                    .map(|_| ())
                    .or_else(|e| ignore_conditional(Fault::from_sdk(&e), "PutItem"))
            }
            None => self
                .client
                .delete_item()
                .table_name(&self.table)
                .key("pk", AttributeValue::S(slot.pk))
                .condition_expression("version = :v")
                .expression_attribute_values(":v", guard)
                .send()
                .await
                .map(|_| ())
                .or_else(|e| ignore_conditional(Fault::from_sdk(&e), "DeleteItem")),
        };
        if let Err(err) = result {
            tracing::warn!(error = %err, "could not release a send slot; it expires with its window");
        }
    }

    /// Store a new login; the key is fresh randomness, so an existing item means a bug.
    pub async fn create_login(
        &self,
        token: &SessionToken,
        email: &Email,
        cognito_session: Secret,
        conversation: Option<String>,
        now: i64,
    ) -> Result<LoginRecord, AuthError> {
        let record = LoginRecord {
            pk: token.record_key(),
            email: email.canonical(),
            cognito_session,
            status: LoginStatus::Pending,
            attempts: 0,
            otp_sent_at: now,
            expires_at: now + self.policy.session_validity.as_secs() as i64,
            conversation,
        };
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(&record)?))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(|e| Fault::from_sdk(&e).into_error("PutItem"))?;
        Ok(record)
    }

    /// Count one attempt against a pending, unexpired login of `email` from the conversation that
    /// started it, atomically. Returns the record as it is after the increment; refuses once the
    /// limit is reached. A login bound to a conversation is `LOGIN_NOT_FOUND` from any other one
    /// (or from a call that names none), and that costs no attempt.
    pub async fn claim_attempt(
        &self,
        token: &SessionToken,
        email: &Email,
        conversation: Option<&str>,
        now: i64,
    ) -> Result<LoginRecord, AuthError> {
        let pk = token.record_key();
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(pk.clone()))
            .update_expression("SET attempts = attempts + :one")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":pending", AttributeValue::S("pending".into()))
            .expression_attribute_values(":email", AttributeValue::S(email.canonical()))
            .expression_attribute_values(":now", AttributeValue::N(now.to_string()))
            .expression_attribute_values(
                ":max",
                AttributeValue::N(self.policy.max_attempts.to_string()),
            )
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew);
        const CLAIMABLE: &str = "attribute_exists(pk) AND #status = :pending AND email = :email AND expires_at > :now AND attempts < :max";
        update = match conversation {
            Some(c) => update
                .condition_expression(format!(
                    "{CLAIMABLE} AND (attribute_not_exists(conversation) OR conversation = :conversation)"
                ))
                .expression_attribute_values(":conversation", AttributeValue::S(c.to_owned())),
            None => update.condition_expression(format!(
                "{CLAIMABLE} AND attribute_not_exists(conversation)"
            )),
        };
        match update.send().await {
            Ok(out) => from_item(out.attributes.unwrap_or_default()),
            Err(err) => {
                let fault = Fault::from_sdk(&err);
                if !fault.is_code(CONDITIONAL_FAILED) {
                    return Err(fault.into_error("UpdateItem"));
                }
                // Find out which condition failed, to tell the guest what to do next.
                let record: Option<LoginRecord> = self.get(&pk).await?;
                Err(match record {
                    Some(r)
                        if r.email == email.canonical()
                            && r.status == LoginStatus::Pending
                            && (r.conversation.is_none()
                                || r.conversation.as_deref() == conversation) =>
                    {
                        if r.expires_at <= now {
                            AuthError::OtpExpired
                        } else {
                            wrong_code(r.attempts, &self.policy)
                        }
                    }
                    // Missing, used, another address's or another conversation's login: all look
                    // the same from outside.
                    _ => AuthError::LoginNotFound,
                })
            }
        }
    }

    /// Give back an attempt that never reached a verdict (Cognito throttled or unreachable).
    pub async fn refund_attempt(&self, token: &SessionToken) {
        let result = self
            .update_pending(token)
            .update_expression("SET attempts = attempts - :one")
            .condition_expression("attempts > :zero AND #status = :pending")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":zero", AttributeValue::N("0".into()))
            .send()
            .await;
        warn_on_failure(result, "could not refund an attempt");
    }

    /// Mark a login used so it can never be answered again (after success, or after Cognito refused
    /// its session). Cognito's session is single-use too, so a failure here is logged rather than
    /// failing a sign-in that already succeeded.
    pub async fn finish_login(&self, token: &SessionToken) {
        let result = self
            .update_pending(token)
            .update_expression("SET #status = :used REMOVE cognito_session")
            .condition_expression("#status = :pending")
            .expression_attribute_values(":used", AttributeValue::S("used".into()))
            .send()
            .await;
        warn_on_failure(result, "could not mark login used");
    }

    /// An update of `token`'s login with `#status` and `:pending` bound; the caller says what
    /// it changes and under which condition.
    fn update_pending(&self, token: &SessionToken) -> UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(token.record_key()))
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":pending", AttributeValue::S("pending".into()))
    }

    async fn get<T: for<'de> Deserialize<'de>>(&self, pk: &str) -> Result<Option<T>, AuthError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(pk.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| Fault::from_sdk(&e).into_error("GetItem"))?;
        out.item.map(from_item).transpose()
    }
}

/// A best-effort write: its failure is logged (the code only), not returned.
fn warn_on_failure<T, E: ProvideErrorMetadata>(
    result: Result<T, SdkError<E, HttpResponse>>,
    what: &'static str,
) {
    if let Err(err) = result {
        tracing::warn!(
            code = Fault::from_sdk(&err).code.as_deref().unwrap_or("-"),
            "{what}"
        );
    }
}

fn ignore_conditional(fault: Fault, operation: &'static str) -> Result<(), AuthError> {
    if fault.is_code(CONDITIONAL_FAILED) {
        Ok(())
    } else {
        Err(fault.into_error(operation))
    }
}
