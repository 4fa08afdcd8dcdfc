//! Classification of AWS SDK failures, shared by the Cognito and DynamoDB adapters.
//!
//! Errors are classified by their wire code (`ProvideErrorMetadata::code`), which also covers codes
//! the SDK reports as unhandled, such as Cognito's `LimitExceededException`. Upstream messages are
//! never logged: some echo request parameters, which can include an email address.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::domain::error::AuthError;
use crate::domain::signals::{self, Signal};

/// Seconds a caller is told to wait after an upstream throttle.
pub const THROTTLE_RETRY_AFTER: u64 = 2;

const THROTTLE_CODES: &[&str] = &[
    "TooManyRequestsException",
    "LimitExceededException",
    "ThrottlingException",
    "Throttling",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "TooManyFailedAttemptsException",
];

/// How Cognito reports its default email sender's daily cap: `LimitExceededException` with this
/// in the message, as field reports show (the wording is not documented; the cap itself is:
/// <https://docs.aws.amazon.com/cognito/latest/developerguide/limits.html>). Told apart from a
/// throttle, which the same code also reports, by it. The conformance probe reads it from
/// `infra/generated/wire.json`.
pub const DAILY_EMAIL_CAP: &str = "daily email limit";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// The pool's email sender's daily cap: nothing goes out until it resets.
    EmailQuotaExhausted,
    /// The service asked us to slow down.
    Throttled,
    /// Timeout, connection failure, unreadable response or 5xx: may work when repeated.
    Unavailable,
    /// The service refused the request (4xx); what that means depends on the operation.
    Rejected,
    /// The request could not even be built: a bug.
    Bug,
}

/// What went wrong with one SDK call, without the upstream message.
#[derive(Debug, Clone)]
pub struct Fault {
    pub kind: FaultKind,
    pub code: Option<String>,
    /// Kept for operation-specific rules (Cognito's expired vs used session); never logged.
    pub message: Option<String>,
    pub status: Option<u16>,
}

impl Fault {
    pub fn from_sdk<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Self {
        match err {
            SdkError::ConstructionFailure(_) => Self::bare(FaultKind::Bug),
            SdkError::TimeoutError(_)
            | SdkError::DispatchFailure(_)
            | SdkError::ResponseError(_) => Self::bare(FaultKind::Unavailable),
            SdkError::ServiceError(ctx) => {
                let status = ctx.raw().status().as_u16();
                let code = ctx.err().code().map(str::to_owned);
                let message = ctx.err().message().map(str::to_owned);
                let daily_cap = message
                    .as_deref()
                    .is_some_and(|m| m.to_ascii_lowercase().contains(DAILY_EMAIL_CAP));
                let kind = match code.as_deref() {
                    Some("LimitExceededException") if daily_cap => FaultKind::EmailQuotaExhausted,
                    Some(c) if THROTTLE_CODES.contains(&c) => FaultKind::Throttled,
                    _ if status == 429 => FaultKind::Throttled,
                    _ if status >= 500 => FaultKind::Unavailable,
                    Some(
                        "InternalErrorException" | "InternalServerError" | "ServiceUnavailable",
                    ) => FaultKind::Unavailable,
                    _ => FaultKind::Rejected,
                };
                Self {
                    kind,
                    code,
                    message,
                    status: Some(status),
                }
            }
            // SdkError is non-exhaustive: treat anything new as transient rather than as a bug.
            _ => Self::bare(FaultKind::Unavailable),
        }
    }

    fn bare(kind: FaultKind) -> Self {
        Self {
            kind,
            code: None,
            message: None,
            status: None,
        }
    }

    pub fn is_code(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }

    /// The default mapping for an operation that has no special meaning for this fault:
    /// throttling → `RATE_LIMITED`, transient → `UPSTREAM_UNAVAILABLE`, anything else is a fault no
    /// caller can fix (missing permission, missing table, wrong pool) → internal.
    pub fn into_error(self, operation: &'static str) -> AuthError {
        signals::record(Signal::UpstreamError(service_of(operation)));
        tracing::warn!(operation, code = self.code.as_deref().unwrap_or("-"), status = self.status, kind = ?self.kind, "upstream call failed");
        match self.kind {
            FaultKind::EmailQuotaExhausted => {
                signals::record(Signal::EmailQuotaExhausted);
                AuthError::EmailQuotaExhausted
            }
            FaultKind::Throttled => AuthError::RateLimited {
                retry_after: THROTTLE_RETRY_AFTER,
            },
            FaultKind::Unavailable => AuthError::UpstreamUnavailable(format!(
                "{operation}: {}",
                self.code.as_deref().unwrap_or("no response")
            )),
            FaultKind::Rejected | FaultKind::Bug => AuthError::Internal(format!(
                "{operation} refused: {}",
                self.code
                    .as_deref()
                    .unwrap_or("request construction failed")
            )),
        }
    }
}

/// The service an operation name belongs to: this crate calls DynamoDB's item and query
/// operations and Cognito's user-pool operations, whose names do not overlap.
fn service_of(operation: &str) -> &'static str {
    const DYNAMODB: [&str; 6] = [
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "TransactWriteItems",
    ];
    if DYNAMODB.contains(&operation) {
        "DynamoDB"
    } else {
        "Cognito"
    }
}
