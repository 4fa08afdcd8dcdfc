//! AgentCore Gateway REQUEST interceptors: a function that sees each MCP request before the
//! Gateway calls a target and answers how to go on ([`crate::contract::interceptor`]). Not a tool:
//! it has no arguments of its own and its answer is the interceptor output, never a tool result.

use serde_json::Value;

use super::runtime::Invocation;
use super::{CallerKind, log_failure};
use crate::contract::interceptor::{INTERCEPTOR_VERSION, InterceptorInput, InterceptorOutput};
use crate::domain::error::AuthError;

/// What a REQUEST interceptor does with one request.
pub trait RequestInterceptor: Send + Sync + 'static {
    fn intercept(&self, input: InterceptorInput) -> InterceptorOutput;
}

/// The interceptor's answer to one invocation. Anything but a version-1.0 interceptor input is
/// refused as a Lambda error, so the Gateway fails the request rather than guess.
pub(super) fn answer_interception<I: RequestInterceptor>(
    interceptor: &I,
    invocation: Invocation,
) -> Result<Value, AuthError> {
    let input = serde_json::from_value::<InterceptorInput>(invocation.payload)
        .map_err(|_| {
            AuthError::InvalidInput(
                "the event is not an AgentCore Gateway interceptor input".into(),
            )
        })
        .and_then(|input| {
            if input.interceptor_input_version == INTERCEPTOR_VERSION {
                Ok(input)
            } else {
                Err(AuthError::InvalidInput(format!(
                    "interceptorInputVersion {:?} is not {INTERCEPTOR_VERSION}",
                    input.interceptor_input_version
                )))
            }
        });
    let input = match input {
        Ok(input) => input,
        Err(err) => {
            log_failure(CallerKind::GatewayInterceptor, &err);
            return Err(err);
        }
    };
    serde_json::to_value(interceptor.intercept(input))
        .map_err(|e| AuthError::Internal(format!("interceptor output encoding: {e}")))
}
