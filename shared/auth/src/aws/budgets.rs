//! The budget counters (`domain::budget`) in the auth-state table: one item per budget and
//! window, `ADD`ed to atomically under the condition that it is below its limit, with the table's
//! TTL (`expires_at`) at the window's end. All budgets of a send are taken at once (one round
//! trip); when one is spent, the ones taken are given back before the refusal, so a refused send
//! leaves nothing behind.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use futures_util::future::join_all;

use super::number;
use super::upstream::Fault;
use crate::domain::budget::{Budget, BudgetPolicy};
use crate::domain::error::AuthError;
use crate::domain::signals::{self, Signal};

const CONDITIONAL_FAILED: &str = "ConditionalCheckFailedException";

/// One unit taken from a budget's counter; [`BudgetStore::release`] gives it back.
#[derive(Debug)]
pub struct Taken {
    key: String,
}

#[derive(Clone)]
pub struct BudgetStore {
    client: Client,
    table: String,
    policy: BudgetPolicy,
}

impl BudgetStore {
    pub fn new(client: Client, table: String, policy: BudgetPolicy) -> Self {
        Self {
            client,
            table,
            policy,
        }
    }

    pub fn policy(&self) -> &BudgetPolicy {
        &self.policy
    }

    /// Take one unit of every budget at `now`, concurrently: the units, in the order of
    /// `budgets`. When any is spent, give back the others and refuse with `RATE_LIMITED` until
    /// the latest of the spent windows refills.
    pub async fn take(&self, budgets: &[Budget], now: i64) -> Result<Vec<Taken>, AuthError> {
        let outcomes = join_all(budgets.iter().map(|b| self.take_one(b, now))).await;
        let mut taken = Vec::with_capacity(budgets.len());
        // How full the fullest pool budget is after this take, for the alarm that warns before
        // guests are refused.
        let mut fullest: u64 = 0;
        let mut refusal: Option<AuthError> = None;
        for (budget, outcome) in budgets.iter().zip(outcomes) {
            let refused = match outcome {
                Ok(Some((unit, count))) => {
                    if budget.kind.is_pool() {
                        fullest =
                            fullest.max(count.saturating_mul(100) / u64::from(budget.limit.max(1)));
                    }
                    taken.push(unit);
                    continue;
                }
                Ok(None) => {
                    tracing::warn!(budget = budget.kind.name(), "a sign-in budget is spent");
                    signals::record(Signal::Refused(budget.kind.name()));
                    AuthError::RateLimited {
                        retry_after: budget.retry_after(now),
                    }
                }
                Err(err) => err,
            };
            refusal = Some(match refusal.take() {
                Some(earlier) => earlier.or_longer_wait(refused),
                None => refused,
            });
        }
        match refusal {
            None => {
                if budgets.iter().any(|b| b.kind.is_pool()) {
                    signals::record(Signal::PoolBudgetUse(fullest.min(100) as u32));
                }
                Ok(taken)
            }
            Some(err) => {
                self.release(taken).await;
                Err(err)
            }
        }
    }

    /// `Some` with the counter's new value when a unit was taken, `None` when the budget is spent.
    async fn take_one(&self, budget: &Budget, now: i64) -> Result<Option<(Taken, u64)>, AuthError> {
        let key = budget.key(now);
        let added = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(key.clone()))
            .update_expression("ADD #count :one SET expires_at = :expires")
            .condition_expression("attribute_not_exists(#count) OR #count < :limit")
            .expression_attribute_names("#count", "count")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(
                ":expires",
                AttributeValue::N(budget.expires_at(now).to_string()),
            )
            .expression_attribute_values(":limit", AttributeValue::N(budget.limit.to_string()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await;
        match added {
            Ok(out) => {
                let count = out
                    .attributes
                    .as_ref()
                    .and_then(|item| number(item, "count"))
                    .unwrap_or(0);
                Ok(Some((Taken { key }, count.max(0) as u64)))
            }
            Err(err) => {
                let fault = Fault::from_sdk(&err);
                if fault.is_code(CONDITIONAL_FAILED) {
                    Ok(None)
                } else {
                    Err(fault.into_error("UpdateItem"))
                }
            }
        }
    }

    /// Give units back (a send that did not happen), concurrently. Best effort: a unit that
    /// cannot be given back is logged and expires with its window.
    pub async fn release(&self, taken: Vec<Taken>) {
        join_all(taken.into_iter().map(|unit| async move {
            let result = self
                .client
                .update_item()
                .table_name(&self.table)
                .key("pk", AttributeValue::S(unit.key))
                .update_expression("ADD #count :minus")
                .condition_expression("#count > :zero")
                .expression_attribute_names("#count", "count")
                .expression_attribute_values(":minus", AttributeValue::N("-1".into()))
                .expression_attribute_values(":zero", AttributeValue::N("0".into()))
                .send()
                .await;
            if let Err(err) = result {
                tracing::warn!(
                    code = Fault::from_sdk(&err).code.as_deref().unwrap_or("-"),
                    "could not give back a budget unit; it expires with its window"
                );
            }
        }))
        .await;
    }
}
