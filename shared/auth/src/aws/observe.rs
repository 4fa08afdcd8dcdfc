//! What every AWS call of an invocation sees and leaves behind, through one SDK interceptor on the
//! Cognito and DynamoDB clients ([`CallObserver`]):
//!
//! - the invocation's X-Ray trace header. Lambda hands it to the runtime with each invocation
//!   (`Lambda-Runtime-Trace-Id`); `lambda_runtime` would write it into the process environment
//!   (`_X_AMZN_TRACE_ID`) for the SDK to find, which is a mutation of shared state this crate does
//!   not make. The header is taken from the invocation's scope instead
//!   ([X-Ray and Lambda](https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html));
//! - each call's service, operation, outcome and timing, kept in the scope: the runtime logs them
//!   per invocation (target `aws_calls`, at debug level) with the number of sequential waves.
//!
//! The scope is a task-local around the handler's future ([`observed`]): concurrent calls of one
//! invocation run in its task, and a call outside any scope (start-up) is simply not recorded.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextMut,
    FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use serde::{Deserialize, Serialize};

/// The header X-Ray reads a trace from, on every AWS request.
pub const TRACE_HEADER: &str = "x-amzn-trace-id";

tokio::task_local! {
    static SCOPE: Arc<Scope>;
}

struct Scope {
    trace_id: Option<String>,
    started: Instant,
    calls: Mutex<Vec<Call>>,
}

/// One AWS call of an invocation: microseconds from the invocation's start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Call {
    /// `<service>.<operation>`, e.g. `DynamoDB.GetItem`.
    pub operation: String,
    pub start_us: u64,
    pub end_us: u64,
    pub ok: bool,
}

/// Run `work` as one invocation with the trace header `trace_id`: its output, and the AWS calls
/// it made in the order they finished.
pub async fn observed<F: Future>(trace_id: Option<String>, work: F) -> (F::Output, Vec<Call>) {
    let scope = Arc::new(Scope {
        trace_id,
        started: Instant::now(),
        calls: Mutex::new(Vec::new()),
    });
    let output = SCOPE.scope(scope.clone(), work).await;
    let calls = scope
        .calls
        .lock()
        .map(|mut calls| std::mem::take(&mut *calls))
        .unwrap_or_default();
    (output, calls)
}

/// How many round trips the calls took one after another: the longest chain of calls in which
/// each starts after the one before it finished. Calls that overlap are one wave.
pub fn waves(calls: &[Call]) -> usize {
    wave_of_each(calls).into_iter().max().unwrap_or(0)
}

/// The wave of each call (1 for the first), in the order given: one more than the latest wave of
/// the calls that finished before it started.
pub fn wave_of_each(calls: &[Call]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..calls.len()).collect();
    order.sort_by_key(|&i| calls[i].end_us);
    let mut wave = vec![0; calls.len()];
    for (n, &i) in order.iter().enumerate() {
        let before = order[..n]
            .iter()
            .filter(|&&j| calls[j].end_us <= calls[i].start_us)
            .map(|&j| wave[j])
            .max()
            .unwrap_or(0);
        wave[i] = before + 1;
    }
    wave
}

/// When a call started, kept in its own config bag from the first hook to the last.
#[derive(Debug, Clone, Copy)]
struct Started(Instant);

impl Storable for Started {
    type Storer = StoreReplace<Self>;
}

/// The SDK interceptor: trace header on, timing recorded (module docs).
#[derive(Debug, Clone, Copy, Default)]
pub struct CallObserver;

impl Intercept for CallObserver {
    fn name(&self) -> &'static str {
        "CallObserver"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        cfg.interceptor_state().store_put(Started(Instant::now()));
        Ok(())
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let trace = SCOPE.try_with(|s| s.trace_id.clone()).ok().flatten();
        // Only a value that is a valid header: the Runtime API's, never anything a caller sent.
        if let Some(trace) = trace.filter(|t| http::HeaderValue::from_str(t).is_ok()) {
            context
                .request_mut()
                .headers_mut()
                .insert(TRACE_HEADER, trace);
        }
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let finished = Instant::now();
        let Some(Started(started)) = cfg.load::<Started>().copied() else {
            return Ok(());
        };
        let operation = cfg
            .load::<Metadata>()
            .map(|m| format!("{}.{}", m.service(), m.name()))
            .unwrap_or_default();
        let ok = matches!(context.output_or_error(), Some(Ok(_)));
        let _ = SCOPE.try_with(|scope| {
            let offset =
                |at: Instant| at.saturating_duration_since(scope.started).as_micros() as u64;
            if let Ok(mut calls) = scope.calls.lock() {
                calls.push(Call {
                    operation,
                    start_us: offset(started),
                    end_us: offset(finished),
                    ok,
                });
            }
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(start_us: u64, end_us: u64) -> Call {
        Call {
            operation: "DynamoDB.GetItem".into(),
            start_us,
            end_us,
            ok: true,
        }
    }

    #[test]
    fn overlapping_calls_are_one_wave_and_a_call_after_another_is_the_next() {
        assert_eq!(waves(&[]), 0);
        assert_eq!(waves(&[call(0, 10), call(1, 12), call(2, 9)]), 1);
        assert_eq!(waves(&[call(0, 10), call(10, 20)]), 2);
        // Two concurrent, then one after both, then one after that: three.
        assert_eq!(
            waves(&[call(0, 10), call(1, 15), call(16, 30), call(31, 40)]),
            3
        );
        // A long call beside a chain of two counts as neither.
        assert_eq!(waves(&[call(0, 100), call(1, 20), call(21, 40)]), 2);
        assert_eq!(
            wave_of_each(&[call(21, 40), call(0, 100), call(1, 20)]),
            [2, 1, 1]
        );
    }

    #[tokio::test]
    async fn a_scope_collects_its_calls_and_nothing_outside_is_kept() {
        let (answer, calls) = observed(Some("Root=1-a".into()), async {
            SCOPE.with(|s| s.calls.lock().unwrap().push(call(1, 2)));
            SCOPE.with(|s| s.trace_id.clone())
        })
        .await;
        assert_eq!(answer.as_deref(), Some("Root=1-a"));
        assert_eq!(calls, [call(1, 2)]);
        assert!(SCOPE.try_with(|_| ()).is_err());
    }
}
