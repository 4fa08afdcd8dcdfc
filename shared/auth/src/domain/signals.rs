//! What operators count: the sign-in funnel and the abuse signals, recorded where each happens
//! and emitted once per invocation as CloudWatch metrics (`invoke::metrics`). A signal carries
//! no personal data: its only values are fixed names and a percentage.
//!
//! The record is a task-local around the invocation ([`collected`]); the calls of one invocation
//! run in its task, concurrent ones too. A signal outside any invocation (start-up, a unit test
//! of one adapter) is dropped.

use std::cell::RefCell;
use std::future::Future;

tokio::task_local! {
    static SIGNALS: RefCell<Vec<Signal>>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// A sign-in code went out.
    CodeSent,
    /// A guest signed in with a code.
    SignIn,
    /// A wrong code that left attempts.
    WrongCode,
    /// A wrong code that used the last attempt: the login is locked.
    Lockout,
    /// A code refused by a budget or by the address's limits: which (`source_ip`,
    /// `codes_per_minute`, …, `address`).
    Refused(&'static str),
    /// How full the fullest of the pool's budgets is after a code took its units, in percent.
    PoolBudgetUse(u32),
    /// A session refreshed, or refused a refresh.
    Refresh,
    RefreshFailure,
    /// A session ended.
    SignOut,
    /// A guest token refused, by class (`expired`, `signature`, `issuer`, …).
    JwtRejected(&'static str),
    /// A call to a service that failed for reasons of its own (`Cognito`, `DynamoDB`, `JWKS`).
    UpstreamError(&'static str),
    /// A code refused because the pool's email sender spent its daily quota.
    EmailQuotaExhausted,
}

/// Count `signal` for the current invocation.
pub fn record(signal: Signal) {
    let _ = SIGNALS.try_with(|signals| signals.borrow_mut().push(signal));
}

/// Run `work` as one invocation: its output and the signals it recorded, in order.
pub async fn collected<F: Future>(work: F) -> (F::Output, Vec<Signal>) {
    SIGNALS
        .scope(RefCell::new(Vec::new()), async {
            let output = work.await;
            let signals = SIGNALS.with(RefCell::take);
            (output, signals)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_invocation_collects_its_signals_and_nothing_outside_one_is_kept() {
        record(Signal::CodeSent);
        let ((), signals) = collected(async {
            record(Signal::Refused("address"));
            let (a, b) = tokio::join!(async { record(Signal::SignIn) }, async {
                record(Signal::UpstreamError("DynamoDB"))
            });
            let _ = (a, b);
        })
        .await;
        assert_eq!(
            signals,
            [
                Signal::Refused("address"),
                Signal::SignIn,
                Signal::UpstreamError("DynamoDB")
            ]
        );
    }
}
